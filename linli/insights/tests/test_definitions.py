"""Every figure on a hand-built set of cases whose answers are worked out by hand (definitions 2026.1)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from linli.cases import services
from linli.cases.choices import Channel, Satisfaction
from linli.insights.definitions import DEFINITIONS, DEFINITIONS_VERSION, definitions_payload
from linli.insights.selectors import OrgUnit, departments, unit_kpis

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(day, hh, mm=0):
    return datetime(2025, 6, day, hh, mm, tzinfo=SH)


@pytest.fixture
def june(world, new_case):
    """Seven cases of grid A, received on Tuesday 3 June 2025 (one in July), each with a known story."""
    sec, street = world.secretary, world.street
    with time_machine.travel(at(3, 9), tick=False) as t:
        c1 = new_case(title="一号")
        t.move_to(at(3, 9, 30))
        services.case_respond(case=c1, actor=sec)  # 30 min, on time (60)
        t.move_to(at(3, 10))
        c2 = new_case(title="二号", channel=Channel.WALK_IN)
        t.move_to(at(3, 11))
        c3 = new_case(title="三号")  # never responded to
        t.move_to(at(3, 11, 30))
        c4 = new_case(title="四号")
        t.move_to(at(3, 11, 40))
        services.case_respond(case=c4, actor=sec)  # 10 min
        t.move_to(at(3, 11, 45))
        whistle = services.whistle_blow(
            case=c4, actor=sec, department=world.chengguan, reason="井盖破损", due_at=at(5, 12)
        )
        t.move_to(at(3, 12))
        services.case_respond(case=c2, actor=sec)  # 120 min, late
        c5 = new_case(title="五号")
        services.case_merge(case=c5, actor=sec, into=c1)  # a duplicate: out of the cohort
        t.move_to(at(3, 12, 45))
        services.whistle_report_in(whistle=whistle, actor=world.dept)  # 60 min after the whistle
        t.move_to(at(3, 13))
        c6 = new_case(title="六号", category=world.fire)
        t.move_to(at(3, 13, 20))
        services.case_respond(case=c6, actor=sec)  # 20 min, on time (30)
        t.move_to(at(3, 13, 45))
        services.whistle_answer(whistle=whistle, actor=world.dept, answer="已更换")  # 120 min
        t.move_to(at(3, 14))
        services.case_resolve(case=c6, actor=sec, result="已修复")  # 60 min
        services.whistle_accept(whistle=whistle, actor=sec)
        t.move_to(at(3, 15))
        services.case_verify(case=c6, actor=street, passed=True)
        services.case_record_feedback(
            case=c6,
            actor=sec,
            solved=True,
            satisfaction=Satisfaction.BASICALLY_SATISFIED,
        )
        t.move_to(at(4, 9))
        services.case_resolve(case=c1, actor=sec, result="已疏通")  # 1440 min, on time
        services.case_record_feedback(case=c1, actor=sec, solved=True, satisfaction=Satisfaction.SATISFIED)
        t.move_to(at(12, 10))
        services.case_resolve(case=c2, actor=sec, result="已处理")  # late, then reopened by the resident
        services.case_record_feedback(
            case=c2, actor=sec, solved=False, satisfaction=Satisfaction.DISSATISFIED
        )
        t.move_to(datetime(2025, 7, 1, 9, tzinfo=SH))
        new_case(title="七月")
    return {"c3": c3}


def grid_a(world):
    return OrgUnit("g", world.grid_a.pk, "A", world.xiningdao.pk, world.nanyingmen.pk, world.heping.pk)


EXPECTED = {
    "received": 5,  # 1, 2, 3, 4, 6 (5 was merged)
    "response_rate": 60.0,  # 1, 4, 6 on time / 5
    "on_time_response_rate": 75.0,  # 3 of the 4 responded
    "resolution_rate": 66.7,  # 1 and 6 solved / 1, 2, 6 with a verdict
    "satisfaction_rate": 66.7,  # satisfied + basically / 3 rated
    "on_time_resolution_rate": 100.0,  # 1 and 6 (2 was reopened, so it is not resolved)
    "backlog": 3,  # 2 (reopened), 3, 4
    "overdue": 3,  # 3 never responded, 2 and 4 past the resolution deadline
    "median_response_minutes": 25.0,  # 10, 20 | 30, 120
    "median_resolution_minutes": 750.0,  # 60, 1440
    "reopen_rate": 20.0,
    "whistle_rate": 20.0,
}


def test_every_figure_on_hand_built_cases(world, june):
    now = datetime(2025, 6, 20, 12, tzinfo=SH)
    for unit in (
        grid_a(world),
        OrgUnit("c", world.xiningdao.pk, "X", world.xiningdao.pk, world.nanyingmen.pk, world.heping.pk),
        OrgUnit("s", world.nanyingmen.pk, "N", 0, world.nanyingmen.pk, world.heping.pk),
        OrgUnit("d", world.heping.pk, "H", 0, 0, world.heping.pk),
    ):
        got = unit_kpis(unit, date(2025, 6, 1), date(2025, 6, 30), now=now)
        assert {k: got[k] for k in EXPECTED} == EXPECTED, unit.level
        assert got["definitions_version"] == DEFINITIONS_VERSION
        assert got["whistle_rate_warning"] is None  # inside the default 2–20 % band
        # Partial months come from the day roll-ups / facts and give the same answer.
        got = unit_kpis(unit, date(2025, 6, 3), date(2025, 6, 3), now=now)
        assert {k: got[k] for k in EXPECTED} == EXPECTED, unit.level
    # July's case is its own cohort.
    assert unit_kpis(grid_a(world), date(2025, 7, 1), date(2025, 7, 31), now=now)["received"] == 1


def test_overdue_is_as_of_now(world, june):
    before = datetime(2025, 6, 3, 11, 30, tzinfo=SH)
    # At 11:30 only case 3 (received 11:00, 60-minute promise) is not yet late; nothing is overdue.
    assert unit_kpis(grid_a(world), date(2025, 6, 1), date(2025, 6, 30), now=before)["overdue"] == 0


def test_the_whistle_band_warns_both_ways(world, june, settings):
    settings.INSIGHTS_WHISTLE_RATE_BAND = (25.0, 50.0)
    assert unit_kpis(grid_a(world), date(2025, 6, 1), date(2025, 6, 30))["whistle_rate_warning"] == "low"
    settings.INSIGHTS_WHISTLE_RATE_BAND = (1.0, 10.0)
    assert unit_kpis(grid_a(world), date(2025, 6, 1), date(2025, 6, 30))["whistle_rate_warning"] == "high"


def test_departments_record(world, june):
    [row] = departments(grid_a(world), date(2025, 6, 1), date(2025, 6, 30))
    assert row["name"] == "城管委" and row["whistles"] == 1
    assert row["median_report_in_minutes"] == 60.0
    assert row["median_answer_minutes"] == 120.0
    assert (row["accepted"], row["rejected"], row["acceptance_rate"]) == (1, 0, 100.0)
    assert departments(grid_a(world), date(2025, 7, 1), date(2025, 7, 31)) == []


def test_definitions_are_versioned_and_complete():
    payload = definitions_payload()
    assert payload["version"] == DEFINITIONS_VERSION
    keys = {f["key"] for f in payload["figures"]}
    assert set(EXPECTED) <= keys
    assert all(d.text and d.formula for d in DEFINITIONS)
