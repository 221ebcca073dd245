"""The roll-ups kept as cases move agree exactly with a rebuild and with a direct computation from the cases."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count
from django.utils import timezone

from linli.cases.models import Case, Whistle
from linli.insights import facts
from linli.insights.models import COUNTS, CaseFact, Histogram, Rollup, WhistleFact
from linli.insights.selectors import OrgUnit, breakdown, departments, local_bounds, unit_kpis

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
    whistle_rows = {f["whistle_id"]: f for f in WhistleFact.objects.values()}
    return rollups, hist, fact_rows, whistle_rows


def departments_direct(unit, lo, hi) -> list[dict]:
    """Each department's record computed from the whistle rows and their cases, by the definitions."""
    start, end = local_bounds(lo, hi)
    lookup = {"g": "case__grid_id", "c": "case__community_id", "s": "case__street_id"}.get(
        unit.level, "case__street__district_id"
    )
    acc = {}
    for w in Whistle.objects.filter(created_at__gte=start, created_at__lt=end, **{lookup: unit.pk}):
        d = acc.setdefault(w.department_id, {"n": 0, "r": [], "a": [], "ok": 0, "no": 0})
        d["n"] += 1
        if w.reported_in_at:
            d["r"].append(max(0, int((w.reported_in_at - w.created_at).total_seconds() // 60)))
        if w.answered_at:
            d["a"].append(max(0, int((w.answered_at - w.created_at).total_seconds() // 60)))
        d["ok"] += w.status == "accepted"
        d["no"] += w.rejections

    def median(v):
        v = sorted(v)
        return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2 if v else None

    return sorted(
        (dept, d["n"], len(d["r"]), len(d["a"]), median(d["r"]), median(d["a"]), d["ok"], d["no"])
        for dept, d in acc.items()
    )


CASE_UNIT = {"g": "grid_id", "c": "community_id", "s": "street_id", "d": "street__district_id"}


def mix_direct(unit, lo, hi, by) -> dict[str, int]:
    """Cases received per category, channel or community, counted from the case rows."""
    start, end = local_bounds(lo, hi)
    field = {"category": "category_id", "channel": "channel", "community": "community_id"}[by]
    rows = (
        Case.objects.filter(received_at__gte=start, received_at__lt=end, **{CASE_UNIT[unit.level]: unit.pk})
        .exclude(status="merged")
        .values(field)
        .annotate(n=Count("pk"))
    )
    return {str(r[field] or 0): r["n"] for r in rows}


def mix_read(unit, lo, hi, by) -> dict[str, int]:
    return {r["key"]: r["received"] for r in breakdown(unit, lo, hi, by) if r["received"]}


def departments_read(unit, lo, hi) -> list[tuple]:
    return sorted(
        (
            r["department"],
            r["whistles"],
            r["reported_in"],
            r["answered"],
            r["median_report_in_minutes"],
            r["median_answer_minutes"],
            r["accepted"],
            r["rejected"],
        )
        for r in departments(unit, lo, hi)
    )


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
            assert departments_read(unit, lo, hi) == departments_direct(unit, lo, hi), (unit, lo, hi)
            for by in ("category", "channel") + (("community",) if unit.level in "sd" else ()):
                assert mix_read(unit, lo, hi, by) == mix_direct(unit, lo, hi, by), (unit, lo, hi, by)
    assert any(departments_direct(unit, *PERIODS[2]) for unit in units(world))  # whistles were read

    facts.rebuild()
    rebuilt = snapshot()
    assert rebuilt[2] == incremental[2]
    assert rebuilt[0] == incremental[0]
    assert rebuilt[1] == incremental[1]
    assert rebuilt[3] == incremental[3] and incremental[3]
    for unit in units(world):
        for lo, hi in PERIODS:
            assert pick(unit_kpis(unit, lo, hi, now=now)) == pick(direct_for(unit, lo, hi, now=now))
            assert departments_read(unit, lo, hi) == departments_direct(unit, lo, hi), (unit, lo, hi)


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


def test_a_whistled_case_moving_to_another_community_takes_its_whistles_along(world, new_case):
    case = new_case()
    Whistle.objects.create(
        case=case,
        department=world.chengguan,
        reason="井盖缺失，需要城管委",
        due_at=case.received_at + timedelta(days=2),
        created_by=world.admin,
        created_at=case.received_at + timedelta(hours=1),
    )
    day = timezone.localdate(case.received_at)
    old = OrgUnit("c", world.xiningdao.pk, "X", world.xiningdao.pk, world.nanyingmen.pk, world.heping.pk)
    new = OrgUnit("c", world.yanyu.pk, "Y", world.yanyu.pk, world.xigu.pk, world.hongqiao.pk)
    assert [r["whistles"] for r in departments(old, day, day)] == [1]
    Case.objects.filter(pk=case.pk).update(grid=world.grid_y, community=world.yanyu, street=world.xigu)
    facts.record_case(Case.objects.get(pk=case.pk))
    assert departments(old, day, day) == []
    assert [r["name"] for r in departments(new, day, day)] == ["城管委"]
