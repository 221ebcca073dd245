"""The roll-ups kept as cases move agree exactly with a rebuild and with a direct computation from the cases."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from linli.cases.models import Case
from linli.insights import facts
from linli.insights.models import COUNTS, CaseFact, Histogram, Rollup
from linli.insights.selectors import OrgUnit, unit_kpis

from .conftest import direct_for, pick

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def snapshot():
    """The non-zero roll-up rows and every fact (rows an incremental update brought back to zero do not count)."""
    rollups = {
        (r["level"], r["unit_id"], r["grain"], str(r["period"]), r["dim"], r["key"]): tuple(
            r[c] for c in COUNTS
        )
        for r in Rollup.objects.values("level", "unit_id", "grain", "period", "dim", "key", *COUNTS)
        if any(r[c] for c in COUNTS)
    }
    hist = {
        (h["level"], h["unit_id"], h["kind"], h["grain"], str(h["period"]), h["bucket"]): h["n"]
        for h in Histogram.objects.values("level", "unit_id", "kind", "grain", "period", "bucket", "n")
        if h["n"]
    }
    fact_rows = {f["case_id"]: f for f in CaseFact.objects.values()}
    return rollups, hist, fact_rows


def units(world):
    return [
        OrgUnit("g", world.grid_a.pk, "A", world.xiningdao.pk, world.nanyingmen.pk, world.heping.pk),
        OrgUnit("g", world.grid_y.pk, "Y", world.yanyu.pk, world.xigu.pk, world.hongqiao.pk),
        OrgUnit("c", world.xiningdao.pk, "X", world.xiningdao.pk, world.nanyingmen.pk, world.heping.pk),
        OrgUnit("c", world.yanyu.pk, "Y", world.yanyu.pk, world.xigu.pk, world.hongqiao.pk),
        OrgUnit("s", world.nanyingmen.pk, "N", 0, world.nanyingmen.pk, world.heping.pk),
        OrgUnit("d", world.heping.pk, "H", 0, 0, world.heping.pk),
        OrgUnit("d", world.hongqiao.pk, "Q", 0, 0, world.hongqiao.pk),
    ]


PERIODS = [
    (date(2025, 3, 1), date(2025, 3, 31)),  # one whole month
    (date(2025, 3, 10), date(2025, 5, 20)),  # partial months at both edges
    (date(2025, 1, 1), date(2025, 12, 31)),  # the year
    (date(2025, 4, 7), date(2025, 4, 7)),  # one day
    (date(2025, 2, 15), date(2026, 6, 30)),  # everything, across a new year
]


def test_incremental_equals_rebuild_equals_direct_after_random_workflows(world, workflow):
    start = datetime(2025, 3, 3, 8, 0, tzinfo=SH)
    cases, end = workflow.run(260, start)
    assert Case.objects.count() == 260
    assert CaseFact.objects.count() == 260
    incremental = snapshot()
    assert incremental[0] and incremental[1]
    # The workflows reached every kind of outcome the figures count.
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"closed", "resolved", "in_progress", "merged", "rejected", "assigned"} <= statuses
    assert Case.objects.filter(reopen_count__gt=0).exists()
    assert Case.objects.filter(whistles__status="accepted").exists()
    assert Case.objects.filter(grid__isnull=True).exists()

    now = end
    for unit in units(world):
        for lo, hi in PERIODS:
            got = pick(unit_kpis(unit, lo, hi, now=now))
            assert got == pick(direct_for(unit, lo, hi, now=now)), (unit, lo, hi)

    facts.rebuild()
    rebuilt = snapshot()
    assert rebuilt[2] == incremental[2]
    assert rebuilt[0] == incremental[0]
    assert rebuilt[1] == incremental[1]
    for unit in units(world):
        for lo, hi in PERIODS:
            assert pick(unit_kpis(unit, lo, hi, now=now)) == pick(direct_for(unit, lo, hi, now=now))


def test_a_case_moving_to_another_grid_leaves_its_old_grid(world, new_case):
    case = new_case()
    day = timezone.localdate(case.received_at)
    grid_a = OrgUnit("g", world.grid_a.pk, "A", world.xiningdao.pk, world.nanyingmen.pk, world.heping.pk)
    grid_b = OrgUnit("g", world.grid_b.pk, "B", world.xiningdao.pk, world.nanyingmen.pk, world.heping.pk)
    assert unit_kpis(grid_a, day, day)["received"] == 1
    Case.objects.filter(pk=case.pk).update(grid=world.grid_b)
    facts.record_case(Case.objects.get(pk=case.pk))
    assert unit_kpis(grid_a, day, day)["received"] == 0
    assert unit_kpis(grid_b, day, day)["received"] == 1
    month = day.replace(day=1)
    assert (
        Rollup.objects.get(level="g", unit_id=world.grid_a.pk, grain="m", period=month, dim="").received == 0
    )
