"""`linli generate` on a small N: realistic rows, roll-ups built in bulk that equal a rebuild and direct figures."""

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from linli.cases.models import Case, Whistle
from linli.cases.services import case_number
from linli.insights.generate import Job, run_jobs
from linli.insights.models import CaseFact
from linli.insights.selectors import OrgUnit, unit_kpis
from linli.org.models import Community, District, Grid, Street

from .conftest import direct_for, pick
from .test_rollups import snapshot

pytestmark = pytest.mark.django_db


def test_generate_refuses_a_database_with_real_cases(world, new_case):
    new_case()
    with pytest.raises(CommandError):
        call_command("generate", "--cases", "10", "--grids", "5", stdout=StringIO())
    assert Case.objects.count() == 1


def _check_generated(n):
    assert Case.objects.count() == n == CaseFact.objects.count()
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"closed", "resolved", "in_progress", "merged", "rejected"} <= statuses
    assert 0 < Whistle.objects.count() < n * 0.1
    assert Case.objects.filter(number__isnull=False).count() == n
    for case in Case.objects.order_by("?")[:50]:  # numbered as intake numbers them: local date, id
        assert case.number == case_number(case.received_at, case.pk)
    generated = snapshot()
    out = StringIO()
    call_command("rollup", "rebuild", stdout=out)  # the Python rules on the same cases: the bulk build agrees
    assert f"rebuilt: {n} cases" in out.getvalue()
    assert snapshot() == generated
    district = District.objects.get()
    street = Street.objects.order_by("pk").first()
    community = Community.objects.order_by("pk").first()
    grid = Grid.objects.filter(cases__isnull=False).order_by("pk").first()
    today = timezone.localdate()
    now = timezone.now()
    for unit in (
        OrgUnit("d", district.pk, "", 0, 0, district.pk),
        OrgUnit("s", street.pk, "", 0, street.pk, district.pk),
        OrgUnit("c", community.pk, "", community.pk, street.pk, district.pk),
        OrgUnit("g", grid.pk, "", community.pk, street.pk, district.pk),
    ):
        for lo in (today - timedelta(days=400), today.replace(day=1), today - timedelta(days=45)):
            got = pick(unit_kpis(unit, lo, today, now=now))
            assert got == pick(direct_for(unit, lo, today, now=now)), (unit.level, lo)
    kpis = unit_kpis(OrgUnit("d", district.pk, "", 0, 0, district.pk), today - timedelta(days=1200), today)
    assert 60 < kpis["satisfaction_rate"] < 100 and 0 < kpis["whistle_rate"] < 10
    assert kpis["median_response_minutes"] > 5 and kpis["median_resolution_minutes"] > 60


def test_generate_on_an_empty_database(db):
    out = StringIO()
    call_command("generate", "--cases", "3000", "--grids", "60", "--years", "1.5", stdout=out)
    assert "rows/s" in out.getvalue()
    _check_generated(3000)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and the SQL facts are PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # committed, so the parallel finish runs on connections of its own
def test_generate_with_copy_on_postgresql():
    call_command("generate", "--cases", "20000", "--grids", "300", stdout=StringIO())
    _check_generated(20000)


def test_jobs_must_be_listed_after_what_they_come_after():
    with pytest.raises(ValueError):
        run_jobs([Job("rollups", lambda: None, after=("facts",)), Job("facts", lambda: None)])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs the jobs one after the other")
@pytest.mark.django_db(transaction=True)  # outside a transaction, so the jobs run on two connections
def test_two_connections_share_the_jobs_and_keep_their_order():
    events = []

    def job(name, seconds=0.0, fail=False):
        def run():
            events.append((name, "start", time.monotonic()))
            time.sleep(seconds)
            if fail:
                raise RuntimeError(name)
            events.append((name, "end", time.monotonic()))

        return run

    took = run_jobs(
        [
            Job("facts", job("facts", 0.4)),
            Job("passes", job("passes"), after=("facts",)),
            Job("case index", job("case index", 0.1)),
        ]
    )
    at = {(name, what): t for name, what, t in events}
    assert set(took) == {"facts", "passes", "case index"}
    assert at[("passes", "start")] >= at[("facts", "end")]  # after what it comes after
    assert at[("case index", "start")] < at[("facts", "end")]  # while the facts were still being written

    events.clear()
    with pytest.raises(RuntimeError, match="broken"):
        run_jobs([Job("broken", job("broken", fail=True)), Job("later", job("later"), after=("broken",))])
    assert [name for name, _what, _t in events] == ["broken"]  # nothing after the failure
