"""Volunteers at an occurrence: sign-up by role, the check-in window, walk-ins, check-out, and the organiser's
confirmation — no hours without a check-in and a confirmation, and never two records for one sign-up."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from linli.activities import services, tokens
from linli.activities.models import VolunteerSignup
from linli.core.errors import Conflict, InvalidInput, NotAllowed, Unprocessable
from linli.volunteers.models import ServiceRecord

from .conftest import volunteer_client

pytestmark = pytest.mark.django_db


def _roles(activity):
    return {r.name: r for r in activity.roles.all()}


def test_a_role_needs_its_skill_and_has_its_places(running, vol):
    activity, occ = running
    roles = _roles(activity)
    with pytest.raises(InvalidInput):
        services.volunteer_signup(volunteer=vol.li, occurrence=occ)  # the activity has roles: choose one
    with pytest.raises(InvalidInput):
        services.volunteer_signup(
            volunteer=vol.chen, occurrence=occ, role=roles["理发师"]
        )  # no haircut skill
    services.volunteer_signup(volunteer=vol.li, occurrence=occ, role=roles["理发师"])
    services.volunteer_signup(volunteer=vol.chen, occurrence=occ, role=roles["引导员"])
    with pytest.raises(Conflict) as exc:
        services.volunteer_signup(volunteer=vol.captain, occurrence=occ, role=roles["引导员"])
    assert exc.value.code == "full"
    with pytest.raises(Conflict):
        services.volunteer_signup(volunteer=vol.li, occurrence=occ, role=roles["理发师"])
    with pytest.raises(NotAllowed):
        services.volunteer_signup(volunteer=vol.yy_volunteer, occurrence=occ, role=roles["引导员"])


def test_cancel_and_sign_up_again_reuses_the_sign_up(running, vol):
    activity, occ = running
    role = _roles(activity)["引导员"]
    first = services.volunteer_signup(volunteer=vol.chen, occurrence=occ, role=role)
    services.volunteer_cancel(volunteer=vol.chen, signup=first)
    again = services.volunteer_signup(volunteer=vol.chen, occurrence=occ, role=role)
    assert again.pk == first.pk and again.status == "signed_up"
    services.check_in(volunteer=vol.chen, occurrence=occ)
    with pytest.raises(Conflict):
        services.volunteer_cancel(volunteer=vol.chen, signup=again)


def test_check_in_opens_30_minutes_before_the_start_and_closes_at_the_end(make_activity, vol):
    start = timezone.now() + timedelta(hours=1)
    occ = make_activity(starts_at=start, duration_minutes=60).occurrences.get()
    services.volunteer_signup(volunteer=vol.chen, occurrence=occ)
    with time_machine.travel(start - timedelta(minutes=31), tick=False):
        with pytest.raises(Unprocessable) as exc:
            services.check_in(volunteer=vol.chen, occurrence=occ)
        assert exc.value.code == "too_early"
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        with pytest.raises(Unprocessable) as exc:
            services.check_in(volunteer=vol.chen, occurrence=occ)
        assert exc.value.code == "too_late"
    with time_machine.travel(start - timedelta(minutes=29), tick=False):
        signup = services.check_in(volunteer=vol.chen, occurrence=occ)
        assert signup.checked_in_at is not None
        with pytest.raises(Conflict):
            services.check_in(volunteer=vol.chen, occurrence=occ)


def test_only_signed_up_volunteers_check_in_and_walk_ins_go_through_the_organiser(world, running, vol):
    activity, occ = running
    with pytest.raises(NotAllowed) as exc:
        services.check_in(volunteer=vol.chen, occurrence=occ)
    assert exc.value.code == "not_signed_up"
    with pytest.raises(NotAllowed):
        services.walk_in_accept(
            actor=world.outsider, occurrence=occ, volunteer=vol.chen, role=_roles(activity)["引导员"]
        )
    signup = services.walk_in_accept(
        actor=world.owner, occurrence=occ, volunteer=vol.chen, role=_roles(activity)["引导员"]
    )
    assert signup.walk_in and signup.checked_in_at and signup.check_in_method == "organiser"


def test_check_out_only_after_check_in(running, vol):
    activity, occ = running
    services.volunteer_signup(volunteer=vol.chen, occurrence=occ, role=_roles(activity)["引导员"])
    with pytest.raises(Unprocessable):
        services.check_out(volunteer=vol.chen, occurrence=occ)
    services.check_in(volunteer=vol.chen, occurrence=occ)
    done = services.check_out(volunteer=vol.chen, occurrence=occ)
    assert done.checked_out_at >= done.checked_in_at
    with pytest.raises(Conflict):
        services.check_out(volunteer=vol.chen, occurrence=occ)


def test_served_time_is_clipped_to_the_occurrence(make_activity, vol):
    start = timezone.now() - timedelta(hours=3)
    occ = make_activity(starts_at=start, duration_minutes=120).occurrences.get()
    signup = VolunteerSignup.objects.create(
        occurrence=occ,
        volunteer=vol.chen,
        checked_in_at=start - timedelta(minutes=25),  # came early
        checked_out_at=start + timedelta(minutes=150),  # stayed late
    )
    begin, end, hours = services.served_window(signup, occ)
    assert (begin, end, hours) == (start, start + timedelta(hours=2), Decimal("2.00"))
    signup.checked_in_at, signup.checked_out_at = start + timedelta(minutes=30), start + timedelta(minutes=75)
    assert services.served_window(signup, occ)[2] == Decimal("0.75")
    signup.checked_out_at = start + timedelta(minutes=74)  # 44 minutes: a started quarter is not counted
    assert services.served_window(signup, occ)[2] == Decimal("0.50")
    signup.checked_out_at = None  # forgot to check out: counted to the end, once it is over
    assert services.served_window(signup, occ)[2] == Decimal("1.50")
    signup.checked_in_at = None
    assert services.served_window(signup, occ) is None


def test_confirmation_records_hours_once_and_never_without_check_in(world, make_activity, vol):
    start = timezone.now() - timedelta(minutes=20)
    activity = make_activity(starts_at=start, duration_minutes=120, organiser=vol.team)
    occ = activity.occurrences.get()
    for v in (vol.li, vol.chen, vol.captain):
        services.volunteer_signup(volunteer=v, occurrence=occ)
    services.check_in(volunteer=vol.li, occurrence=occ)
    services.check_in(volunteer=vol.chen, occurrence=occ)
    with time_machine.travel(timezone.now() + timedelta(minutes=40), tick=False):
        services.check_out(volunteer=vol.li, occurrence=occ)
        result = services.attendance_confirm(actor=world.secretary, occurrence=occ)
    li = VolunteerSignup.objects.get(occurrence=occ, volunteer=vol.li)
    assert result["confirmed"] == [li.pk]
    chen = VolunteerSignup.objects.get(occurrence=occ, volunteer=vol.chen)
    captain = VolunteerSignup.objects.get(occurrence=occ, volunteer=vol.captain)
    assert result["skipped"] == {chen.pk: "not_checked_out", captain.pk: "not_checked_in"}
    record = li.service_record
    assert record.status == "confirmed" and record.occurrence_id == occ.pk and record.team_id == vol.team.pk
    assert record.hours == Decimal("0.50")  # 40 minutes: two whole quarter hours
    assert record.started_at == li.checked_in_at and record.ended_at == li.checked_out_at
    # After the end: 陈国华 (no check-out) counts to the end; a second confirmation adds nothing.
    with time_machine.travel(occ.ends_at + timedelta(hours=1), tick=False):
        second = services.attendance_confirm(actor=world.secretary, occurrence=occ)
        third = services.attendance_confirm(actor=world.secretary, occurrence=occ)
    assert second["confirmed"] == [chen.pk] and second["skipped"][li.pk] == "already_confirmed"
    assert third["confirmed"] == []
    assert ServiceRecord.objects.filter(occurrence=occ).count() == 2
    assert not ServiceRecord.objects.filter(volunteer=vol.captain).exists()
    assert VolunteerSignup.objects.get(pk=chen.pk).service_record.ended_at == occ.ends_at


def test_only_the_organiser_confirms(world, make_activity, vol):
    occ = make_activity(starts_at=timezone.now() - timedelta(hours=3), organiser=vol.team).occurrences.get()
    for v in (vol.li, vol.captain):
        VolunteerSignup.objects.create(
            occurrence=occ, volunteer=v, checked_in_at=occ.starts_at, checked_out_at=occ.ends_at
        )
    with pytest.raises(NotAllowed):
        services.attendance_confirm(actor=world.outsider, occurrence=occ)
    with pytest.raises(NotAllowed):
        services.attendance_confirm(actor=vol.li, occurrence=occ)  # a member, not the captain
    result = services.attendance_confirm(actor=vol.captain, occurrence=occ)
    li = VolunteerSignup.objects.get(occurrence=occ, volunteer=vol.li)
    assert result["confirmed"] == [li.pk]
    assert list(result["skipped"].values()) == ["own_attendance"]  # the captain does not confirm themself
    assert li.service_record.confirmed_by_volunteer_id == vol.captain.pk


def test_check_in_by_scanning_the_qr_code_and_by_the_code(running, vol):
    activity, occ = running
    services.volunteer_signup(volunteer=vol.chen, occurrence=occ, role=_roles(activity)["引导员"])
    services.volunteer_signup(volunteer=vol.li, occurrence=occ, role=_roles(activity)["理发师"])
    phone = volunteer_client(vol.chen)
    url = tokens.scan_url(occ).split("://", 1)[1].split("/", 1)[1]
    assert phone.get(f"/{url}").status_code == 200
    phone.post(f"/{url}", {"action": "in"})
    signup = VolunteerSignup.objects.get(occurrence=occ, volunteer=vol.chen)
    assert signup.checked_in_at and signup.check_in_method == "qr"
    phone.post(f"/{url}", {"action": "out"})
    assert VolunteerSignup.objects.get(pk=signup.pk).checked_out_at
    forged = tokens.make_token(occ)[:-2] + "xx"
    assert phone.get(f"/activities/v/scan/{forged}/").status_code == 404
    other = volunteer_client(vol.li)
    with translation.override("en"):
        wrong = other.post("/activities/v/code/", {"code": "12345", "action": "in"})
    assert "Type the 6 digits" in wrong.content.decode()
    other.post("/activities/v/code/", {"code": occ.code, "action": "in"})
    assert VolunteerSignup.objects.get(occurrence=occ, volunteer=vol.li).check_in_method == "code"


def test_volunteer_pages_need_a_volunteer_session(client, running, vol):
    _activity, occ = running
    response = client.get("/activities/v/")
    assert response.status_code == 302 and "next=" in response["Location"]
    phone = volunteer_client(vol.chen)
    with translation.override("en"):
        home = phone.get("/activities/v/")
        assert home.status_code == 200 and occ.activity.title in home.content.decode()
        page = phone.get(f"/activities/v/o/{occ.pk}/")
    assert page.status_code == 200
    role = occ.activity.roles.get(name="引导员")
    phone.post(f"/activities/v/o/{occ.pk}/", {"action": "signup", "role": role.pk})
    assert VolunteerSignup.objects.filter(occurrence=occ, volunteer=vol.chen, role=role).exists()
    outsider = volunteer_client(vol.yy_volunteer)
    assert outsider.get(f"/activities/v/o/{occ.pk}/").status_code == 404
