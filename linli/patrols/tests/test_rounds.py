from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from linli.core.errors import InvalidInput, NotAllowed
from linli.patrols import schedule, selectors, services
from linli.patrols.models import PatrolRound, RoundOccurrence

from .conftest import all_ok

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _round(world, **kwargs):
    params = {
        "actor": world.secretary,
        "title": "电动车排查 第一网格",
        "template": world.ebike,
        "assignee": world.owner,
        "places": [world.building_1],
        "rrule": "FREQ=WEEKLY;BYDAY=FR",
        "starts_on": date(2026, 3, 2),
        "now": datetime(2026, 3, 2, 9, tzinfo=SHANGHAI),
    }
    params.update(kwargs)
    return services.round_create(**params)


def test_a_weekly_rule_writes_a_due_date_every_friday_up_to_the_horizon(patrol):
    patrol_round = _round(patrol)
    dates = list(patrol_round.occurrences.values_list("due_on", flat=True))
    assert dates[:3] == [date(2026, 3, 6), date(2026, 3, 13), date(2026, 3, 20)]
    assert all(d.weekday() == 4 for d in dates)
    assert (dates[-1] - date(2026, 3, 2)).days <= schedule.HORIZON_DAYS
    assert len(dates) == 17


def test_a_round_ends_when_it_says_and_extending_adds_only_new_dates(patrol):
    short = _round(patrol, ends_on=date(2026, 3, 31))
    assert short.occurrences.count() == 4
    long = _round(patrol, title="不设结束")
    before = long.occurrences.count()
    added = services.rounds_extend(today=date(2026, 5, 1))
    assert added == 9  # the Fridays of July and August 2026
    assert long.occurrences.count() == before + added
    assert short.occurrences.count() == 4
    assert services.rounds_extend(today=date(2026, 5, 1)) == 0
    dates = list(long.occurrences.values_list("due_on", flat=True))
    assert len(dates) == len(set(dates))


@pytest.mark.parametrize(
    "rule", ["FREQ=MINUTELY", "BYDAY=FR", "FREQ=WEEKLY;BYDAY=XX", "DTSTART:20200101;FREQ=DAILY"]
)
def test_a_rule_that_is_no_patrol_schedule_is_refused_naming_the_schedule(patrol, rule):
    with pytest.raises(InvalidInput) as exc:
        _round(patrol, rrule=rule)
    assert exc.value.field == "schedule"
    assert not PatrolRound.objects.exists()


def test_a_round_cannot_send_a_worker_outside_their_grid_nor_be_planned_by_a_worker(patrol):
    with pytest.raises(InvalidInput) as exc:
        _round(patrol, places=[patrol.building_3])  # grid B's building for grid A's worker
    assert exc.value.field == "assignee"
    with pytest.raises(NotAllowed):
        _round(patrol, actor=patrol.owner)
    with pytest.raises(InvalidInput) as exc:
        _round(patrol, places=[patrol.shop])  # a shop on a building checklist
    assert exc.value.field == "places"
    assert not PatrolRound.objects.exists()


@time_machine.travel("2026-03-13 10:00 +0800", tick=False)
def test_my_rounds_lists_what_is_due_and_ticks_off_the_places_inspected(client, patrol):
    patrol_round = _round(patrol, places=[patrol.shop], template=patrol.shop_fire)
    occurrence = RoundOccurrence.objects.get(round=patrol_round, due_on=date(2026, 3, 13))
    due = selectors.rounds_due(patrol.owner)
    assert [d.occurrence.due_on for d in due] == [date(2026, 3, 6), date(2026, 3, 13)]
    assert [d.overdue for d in due] == [True, False]
    services.inspection_record(
        actor=patrol.owner,
        template=patrol.shop_fire,
        place=patrol.shop,
        ticks=all_ok(patrol.shop_fire),
        occurrence=occurrence,
    )
    due = selectors.rounds_due(patrol.owner)
    assert [(d.occurrence.due_on, d.done) for d in due] == [
        (date(2026, 3, 6), False),
        (date(2026, 3, 13), True),
    ]
    assert [p.place for p in due[1].places] == [patrol.shop] and due[1].places[0].inspection_id
    client.force_login(patrol.owner)
    page = client.get("/patrols/").content.decode()
    assert patrol_round.title in page
    assert selectors.rounds_due(patrol.colleague_worker) == []
