"""Materialised occurrences: the horizon, its daily extension, and skips and moves surviving regeneration."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from linli.activities import services
from linli.activities.choices import OccurrenceStatus, Preset, Weekday
from linli.activities.models import ActivityMessage, Occurrence
from linli.core.errors import Conflict, InvalidInput, NotAllowed

from .conftest import local

pytestmark = pytest.mark.django_db


@time_machine.travel(local(2027, 1, 5, 10), tick=False)
def test_the_haircut_day_is_materialised_for_the_horizon(make_activity, settings):
    settings.LINLI_ACTIVITIES_HORIZON_DAYS = 120
    activity = make_activity(starts_at=local(2027, 1, 26, 9), preset=Preset.MONTHLY_DAY, day=26)
    starts = [o.starts_at.astimezone(local(2027, 1, 1).tzinfo) for o in activity.occurrences.all()]
    assert [(s.month, s.day, s.hour) for s in starts] == [(1, 26, 9), (2, 26, 9), (3, 26, 9), (4, 26, 9)]
    assert all(o.original_start == o.starts_at for o in activity.occurrences.all())
    assert all(o.ends_at - o.starts_at == timedelta(hours=2) for o in activity.occurrences.all())
    codes = set(activity.occurrences.values_list("code", flat=True))
    assert len(codes) == 4 and all(len(c) == 6 and c.isdigit() for c in codes)


def test_the_daily_sweep_extends_the_horizon_once(make_activity, settings):
    settings.LINLI_ACTIVITIES_HORIZON_DAYS = 30
    with time_machine.travel(local(2026, 12, 1, 8), tick=False):
        activity = make_activity(starts_at=local(2026, 12, 4, 14), preset=Preset.WEEKLY, weekday=Weekday.FR)
        assert activity.occurrences.count() == 4  # 4, 11, 18, 25 December: 1 January is past the 30 days
    with time_machine.travel(local(2027, 1, 15, 8), tick=False):
        result = services.occurrences_extend(today=date(2027, 1, 15))
        again = services.occurrences_extend(today=date(2027, 1, 15))
    days = [o.starts_at.astimezone(local(2027, 1, 1).tzinfo).date() for o in activity.occurrences.all()]
    assert days[-1] == date(2027, 2, 12)
    # The past is history: the sweep fills from today (15 January, a Friday) to the horizon.
    assert date(2027, 1, 8) not in days and date(2027, 1, 15) in days
    assert result["created"] == 5 and again["created"] == 0
    assert len(days) == len(set(days))


@time_machine.travel(local(2026, 12, 1, 8), tick=False)
def test_skips_moves_and_sign_ups_survive_a_rule_edit(make_activity, registry, settings):
    settings.LINLI_ACTIVITIES_HORIZON_DAYS = 40
    activity = make_activity(
        title="楼宇服务日", starts_at=local(2026, 12, 4, 14), preset=Preset.WEEKLY, weekday=Weekday.FR
    )
    occs = list(activity.occurrences.all())
    skipped = services.occurrence_skip(actor=activity.created_by, occurrence=occs[0], reason="楼宇停电检修")
    moved = services.occurrence_move(
        actor=activity.created_by,
        occurrence=occs[1],
        starts_at=local(2026, 12, 12, 9),
        reason="周五有区里检查",
    )
    signed = occs[2]
    services.signup_for_resident(actor=activity.created_by, occurrence=signed, resident=registry.zhou)
    untouched = occs[3]
    # From Fridays to Thursdays: the Friday occurrences with nothing on them go, the others stay.
    services.activity_update(
        actor=activity.created_by,
        activity=activity,
        version=activity.version,
        starts_at=local(2026, 12, 3, 14),
        schedule={"preset": Preset.WEEKLY, "weekday": Weekday.TH},
    )
    left = {o.pk: o for o in activity.occurrences.all()}
    assert skipped.pk in left and left[skipped.pk].status == OccurrenceStatus.SKIPPED
    assert moved.pk in left and left[moved.pk].moved
    assert left[moved.pk].original_start == occs[1].original_start
    assert left[moved.pk].starts_at == local(2026, 12, 12, 9)
    assert signed.pk in left
    assert untouched.pk not in left
    thursdays = [o for o in left.values() if o.starts_at.astimezone(local(2026, 1, 1).tzinfo).weekday() == 3]
    assert len(thursdays) == 6  # 3 December to 7 January
    # Regenerating the same rule again changes nothing (unique on activity + original start).
    before = sorted(left)
    activity.refresh_from_db()
    services.materialise(activity)
    assert sorted(activity.occurrences.values_list("pk", flat=True)) == before


@time_machine.travel(local(2026, 12, 1, 8), tick=False)
def test_a_skip_needs_a_reason_tells_everyone_and_cannot_be_repeated(
    make_activity, registry, vol, sms_gateway
):
    activity = make_activity(starts_at=local(2026, 12, 26, 9))
    occ = activity.occurrences.get()
    services.signup_for_resident(actor=activity.created_by, occurrence=occ, resident=registry.zhou)
    services.signup_public(occurrence=occ, name="刘阿姨", phone="13812345678")
    services.volunteer_signup(volunteer=vol.li, occurrence=occ)
    with pytest.raises(InvalidInput):
        services.occurrence_skip(actor=activity.created_by, occurrence=occ, reason=" ")
    with pytest.raises(NotAllowed):
        services.occurrence_skip(
            actor=registry.__dict__.get("x") or _outsider(), occurrence=occ, reason="下雨"
        )
    with pytest.raises(Conflict):
        services.occurrence_skip(actor=activity.created_by, occurrence=occ, reason="下雨", version=99)
    from django.db import transaction  # noqa: F401 - on_commit runs at once in this test: see below

    services.occurrence_skip(actor=activity.created_by, occurrence=occ, reason="理发师生病")
    phones = sorted(m.phone for m in ActivityMessage.objects.filter(occurrence=occ))
    assert phones == sorted(["13720003333", "13812345678", "13820001111"])
    assert all("理发师生病" in m.text for m in ActivityMessage.objects.all())
    with pytest.raises(Conflict):
        services.occurrence_skip(actor=activity.created_by, occurrence=occ, reason="again")


def _outsider():
    from linli.accounts.models import User

    return User.objects.get(username="outsider")


@pytest.mark.django_db(transaction=True)
def test_messages_go_out_through_the_gateway_after_the_change_commits(
    world, make_activity, registry, sms_gateway
):
    activity = make_activity(starts_at=timezone.now() + timedelta(days=3))
    occ = activity.occurrences.get()
    services.signup_public(occurrence=occ, name="刘阿姨", phone="13812345678")
    services.occurrence_move(
        actor=world.secretary, occurrence=occ, starts_at=occ.starts_at + timedelta(days=1), reason="场地冲突"
    )
    sent = [r.json() for r in sms_gateway.requests]
    assert [s["phone"] for s in sent] == ["13812345678"]
    assert "场地冲突" in sent[0]["text"]
    assert ActivityMessage.objects.get().status == "sent"


@time_machine.travel(local(2026, 12, 1, 8), tick=False)
def test_a_move_keeps_the_original_start_and_cannot_go_into_the_past(make_activity):
    activity = make_activity(starts_at=local(2026, 12, 26, 9))
    occ = activity.occurrences.get()
    with pytest.raises(InvalidInput):
        services.occurrence_move(
            actor=activity.created_by, occurrence=occ, starts_at=local(2026, 11, 30, 9), reason="x"
        )
    moved = services.occurrence_move(
        actor=activity.created_by,
        occurrence=occ,
        starts_at=local(2026, 12, 27, 14),
        place="社区党群服务中心",
        reason="26日活动中心维修",
    )
    assert moved.original_start == local(2026, 12, 26, 9)
    assert moved.ends_at == local(2026, 12, 27, 16)
    assert moved.where == "社区党群服务中心" and moved.version == 2
    assert Occurrence.objects.get(pk=occ.pk).moved
