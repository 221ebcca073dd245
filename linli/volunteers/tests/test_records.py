"""Service records (民政部令第67号): drafts and confirmation by the organiser, corrections, totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.volunteers import services
from linli.volunteers.choices import RecordStatus
from linli.volunteers.models import ServiceRecord
from linli.volunteers.selectors import hours_total

from .conftest import hours_ago


def _record(vol, world, volunteer=None, hours="2", confirm=False, actor=None, **kw):
    start, end = kw.pop("times", None) or hours_ago(3)
    return services.service_record_create(
        volunteer=volunteer or vol.li,
        content="上门理发",
        started_at=start,
        ended_at=end,
        hours=hours,
        actor=actor or world.owner,
        team=kw.pop("team", vol.team),
        confirm=confirm,
        **kw,
    )


def test_draft_then_confirmed_by_the_organiser(vol, world):
    record = _record(vol, world, training="理发培训", awards="优秀志愿者", evaluation="认真")
    assert record.status == RecordStatus.DRAFT
    assert hours_total(volunteer=vol.li) == 0
    confirmed = services.service_record_confirm(record=record, actor=world.secretary)
    assert confirmed.status == RecordStatus.CONFIRMED
    assert confirmed.confirmed_by == world.secretary
    assert hours_total(volunteer=vol.li) == Decimal("2.00")
    with pytest.raises(Conflict):
        services.service_record_confirm(record=confirmed, actor=world.secretary)


def test_the_captain_confirms_but_never_their_own_hours(vol, world):
    record = _record(vol, world)
    confirmed = services.service_record_confirm(record=record, actor=vol.captain)
    assert confirmed.confirmed_by_volunteer == vol.captain
    own = _record(vol, world, volunteer=vol.captain)
    with pytest.raises(NotAllowed):
        services.service_record_confirm(record=own, actor=vol.captain)
    # A member who is not captain does not confirm another's record either.
    other = _record(vol, world, volunteer=vol.chen)
    with pytest.raises(NotAllowed):
        services.service_record_confirm(record=other, actor=vol.li)


def test_the_volunteer_records_a_draft_for_themself_only(vol, world):
    record = _record(vol, world, actor=vol.li)
    assert record.status == RecordStatus.DRAFT and record.recorded_by_volunteer == vol.li
    with pytest.raises(NotAllowed):
        _record(vol, world, actor=vol.li, confirm=True)
    with pytest.raises(NotAllowed):
        _record(vol, world, volunteer=vol.chen, actor=vol.li)


def test_outsider_staff_cannot_record_or_confirm(vol, world):
    with pytest.raises(NotAllowed):
        _record(vol, world, actor=world.outsider)
    record = _record(vol, world)
    with pytest.raises(NotAllowed):
        services.service_record_confirm(record=record, actor=world.outsider)
    with pytest.raises(NotAllowed):
        services.service_record_confirm(record=record, actor=world.street)


@pytest.mark.parametrize(
    "hours, length, field",
    [
        ("0", 2, "hours"),
        ("-1", 2, "hours"),
        ("2.1", 3, "hours"),  # not a quarter hour
        ("2.25", 2, "hours"),  # more than the time between start and end
        ("abc", 2, "hours"),
        ("NaN", 2, "hours"),
    ],
)
def test_hours_rules(vol, world, hours, length, field):
    with pytest.raises(InvalidInput) as exc:
        _record(vol, world, hours=hours, times=hours_ago(1, length))
    assert exc.value.field == field


def test_quarter_hours_up_to_the_duration_are_taken(vol, world):
    record = _record(vol, world, hours="1.75", times=hours_ago(1, 1.75), confirm=True)
    assert record.hours == Decimal("1.75")


def test_end_before_start_and_future_service_are_refused(vol, world):
    start, end = hours_ago(1)
    with pytest.raises(InvalidInput):
        _record(vol, world, times=(end, start))
    with pytest.raises(InvalidInput):
        _record(vol, world, times=hours_ago(-5))


def test_a_correction_is_a_new_confirmed_record(vol, world):
    record = _record(vol, world, hours="2", confirm=True)
    correction = services.service_record_correct(
        record=record, actor=world.secretary, hours_delta="-0.5", reason="签到时间有误"
    )
    assert correction.pk != record.pk
    assert correction.corrects == record and correction.status == RecordStatus.CONFIRMED
    assert correction.hours == Decimal("-0.50")
    record.refresh_from_db()
    assert record.hours == Decimal("2.00")  # the original is untouched
    assert hours_total(volunteer=vol.li) == Decimal("1.50")
    services.service_record_correct(record=record, actor=world.secretary, hours_delta="0.5", reason="补记")
    assert hours_total(volunteer=vol.li) == Decimal("2.00")
    with pytest.raises(InvalidInput):  # below zero
        services.service_record_correct(
            record=record, actor=world.secretary, hours_delta="-2.25", reason="错"
        )
    with pytest.raises(InvalidInput):  # above the duration
        services.service_record_correct(record=record, actor=world.secretary, hours_delta="0.25", reason="错")
    with pytest.raises(InvalidInput):  # a reason is needed
        services.service_record_correct(record=record, actor=world.secretary, hours_delta="-1", reason="")
    with pytest.raises(InvalidInput):  # corrections are not corrected
        services.service_record_correct(
            record=correction, actor=world.secretary, hours_delta="0.25", reason="再改"
        )
    with pytest.raises(NotAllowed):  # not by the volunteer
        services.service_record_correct(record=record, actor=vol.li, hours_delta="-1", reason="我想改")


def test_a_draft_is_not_corrected(vol, world):
    record = _record(vol, world)
    with pytest.raises(Conflict):
        services.service_record_correct(record=record, actor=world.secretary, hours_delta="-1", reason="错了")


def test_totals_per_person_team_community_and_period(vol, world):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    old = (now - timedelta(days=400), now - timedelta(days=400) + timedelta(hours=3))
    _record(vol, world, hours="3", times=old, confirm=True)
    _record(vol, world, volunteer=vol.chen, hours="2", confirm=True)
    _record(vol, world, volunteer=vol.chen, hours="1", confirm=True, team=None)
    _record(vol, world, volunteer=vol.chen, hours="1")  # a draft does not count
    _record(
        vol,
        world,
        volunteer=vol.yy_volunteer,
        actor=world.outsider_secretary,
        team=vol.yy_team,
        hours="2",
        confirm=True,
    )
    assert hours_total(volunteer=vol.li) == Decimal("3.00")
    assert hours_total(volunteer=vol.chen) == Decimal("3.00")
    assert hours_total(team=vol.team) == Decimal("5.00")
    assert hours_total(community=world.xiningdao) == Decimal("6.00")
    assert hours_total(community=world.yanyu) == Decimal("2.00")
    year_ago = (now - timedelta(days=365)).date()
    assert hours_total(community=world.xiningdao, start=year_ago) == Decimal("3.00")
    assert hours_total(community=world.xiningdao, end=year_ago) == Decimal("3.00")
    assert hours_total() == Decimal("8.00")


def test_discarding_a_draft(vol, world):
    record = _record(vol, world)
    services.service_record_discard(record=record, actor=world.secretary)
    assert not ServiceRecord.objects.filter(pk=record.pk).exists()
    confirmed = _record(vol, world, confirm=True)
    with pytest.raises(Conflict):
        services.service_record_discard(record=confirmed, actor=world.secretary)


def test_a_staff_member_does_not_confirm_their_own_hours(vol, world):
    world.owner.phone = vol.chen.phone
    world.owner.save(update_fields=["phone"])
    record = _record(vol, world, volunteer=vol.chen, actor=world.secretary)
    with pytest.raises(NotAllowed):
        services.service_record_confirm(record=record, actor=world.owner)
    assert (
        services.service_record_confirm(record=record, actor=world.secretary).status == RecordStatus.CONFIRMED
    )


def test_one_record_per_volunteer_and_occurrence(vol, world):
    from datetime import timedelta

    from django.utils import timezone

    from linli.activities.models import Activity, Occurrence

    activity = Activity.objects.create(community=world.xiningdao, title="每月26日义剪", organiser=vol.team)
    start = timezone.now() - timedelta(hours=3)
    occurrence = Occurrence.objects.create(
        activity=activity, original_start=start, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    first = _record(
        vol, world, occurrence=occurrence, confirm=True, times=(start, start + timedelta(hours=2))
    )
    with pytest.raises(Conflict):
        _record(vol, world, occurrence=occurrence, times=(start, start + timedelta(hours=2)))
    # A correction of that record may point at the same occurrence.
    services.service_record_correct(record=first, actor=world.secretary, hours_delta="-1", reason="早退")
    assert ServiceRecord.objects.filter(occurrence=occurrence).count() == 2


def test_quarter_hours_round_down():
    from datetime import datetime, timedelta

    start = datetime(2026, 11, 26, 9, 0, tzinfo=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert services.quarter_hours(start, start + timedelta(minutes=97)) == Decimal("1.50")
    assert services.quarter_hours(start, start + timedelta(minutes=14)) == Decimal("0.00")
    assert services.quarter_hours(start, start + timedelta(hours=2)) == Decimal("2.00")
    assert services.quarter_hours(start + timedelta(hours=1), start) == Decimal("0.00")
