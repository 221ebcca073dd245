"""Staff pages, calendars, the .ics feed and the REST API: scoped like cases (an outsider gets 404), creating
POSTs idempotent, edits version-checked."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from icalendar import Calendar

from linli.activities import selectors, services
from linli.activities.choices import Preset, Weekday
from linli.activities.models import Activity, ActivityPhoto, Occurrence, ResidentSignup
from linli.conftest import png_bytes

from .conftest import local

pytestmark = pytest.mark.django_db


def test_staff_create_an_activity_on_the_form_and_see_it(world, en_client):
    client = en_client
    client.force_login(world.secretary)
    with translation.override("en"):
        form = client.get("/activities/new/")
        assert form.status_code == 200
        bad = client.post(
            "/activities/new/",
            {
                "title": "楼宇服务日",
                "kind": "lecture",
                "start_date": "2026-12-04",
                "start_time": "14:00",
                "duration_minutes": 180,
                "preset": "weekly",
                "target_group": "all",
                "place": "商务楼宇一楼",
            },
        )
    assert (
        bad.status_code == 200 and "楼宇服务日" in bad.content.decode()
    )  # no weekday: shown again, values kept
    assert not Activity.objects.exists()
    ok = client.post(
        "/activities/new/",
        {
            "title": "楼宇服务日",
            "kind": "lecture",
            "start_date": "2026-12-04",
            "start_time": "14:00",
            "duration_minutes": 180,
            "preset": "weekly",
            "weekday": "4",
            "target_group": "all",
            "is_public": "on",
            "roles": "引导员, 2",
        },
    )
    activity = Activity.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/activities/{activity.pk}/"
    assert activity.rrule == "FREQ=WEEKLY;BYDAY=FR" and activity.roles.get().needed == 2
    with translation.override("en"):
        detail = client.get(ok["Location"]).content.decode()
    assert "Every Friday, 14:00" in detail and "RRULE:FREQ=WEEKLY;BYDAY=FR" in detail
    assert "DTSTART;TZID=Asia/Shanghai:20261204T140000" in detail


def test_the_occurrence_page_is_for_the_community_and_shows_the_check_in_code(world, client, make_activity):
    occ = make_activity().occurrences.get()
    client.force_login(world.owner)
    page = client.get(f"/activities/o/{occ.pk}/")
    assert page.status_code == 200 and occ.code in page.content.decode() and "<svg" in page.content.decode()
    client.force_login(world.outsider)
    assert client.get(f"/activities/o/{occ.pk}/").status_code == 404
    assert client.get(f"/activities/{occ.activity_id}/").status_code == 404
    client.force_login(world.dept)
    assert client.get("/activities/").status_code == 404


def test_staff_sign_a_resident_up_on_the_page(world, client, make_activity, registry):
    occ = make_activity().occurrences.get()
    client.force_login(world.owner)
    client.post(f"/activities/o/{occ.pk}/signups/", {"resident": registry.li.pk})
    assert ResidentSignup.objects.get().resident == registry.li
    other = client.post(f"/activities/o/{occ.pk}/signups/", {"resident": registry.outsider_resident.pk})
    assert other.status_code == 404  # a resident the worker cannot see


def test_photos_are_cleaned_and_shown_to_staff_only(world, client, make_activity):
    from django.core.files.uploadedfile import SimpleUploadedFile

    occ = make_activity().occurrences.get()
    client.force_login(world.secretary)
    client.post(
        f"/activities/o/{occ.pk}/photos/",
        {"photos": [SimpleUploadedFile("义剪.png", png_bytes(), content_type="image/png")]},
    )
    photo = ActivityPhoto.objects.get()
    assert photo.content_type == "image/jpeg"
    assert client.get(f"/activities/photos/{photo.uuid}/?inline=1").status_code == 200
    client.force_login(world.outsider)
    assert client.get(f"/activities/photos/{photo.uuid}/").status_code == 404
    client.logout()
    assert client.get(f"/activities/photos/{photo.uuid}/").status_code == 302


def test_the_month_calendar_and_the_street_view(world, client, make_activity):
    make_activity(title="义剪", starts_at=local(2026, 12, 26, 9), preset=Preset.MONTHLY_DAY, day=26)
    yy = services.activity_create(
        actor=world.outsider_secretary,
        community=world.yanyu,
        title="燕宇露天电影",
        kind="open_air_film",
        starts_at=local(2026, 12, 12, 19),
    )
    client.force_login(world.secretary)
    page = client.get(f"/activities/calendar/?community={world.xiningdao.pk}&month=2026-12").content.decode()
    assert "义剪" in page and "燕宇露天电影" not in page
    assert "2027-01" in page  # the link to the next month
    client.force_login(world.street)
    street = client.get("/activities/calendar/street/?month=2026-12").content.decode()
    assert "义剪" in street and "燕宇露天电影" not in street  # 燕宇 is another street
    client.force_login(world.admin)
    other = client.get(f"/activities/calendar/street/?street={world.xigu.pk}&month=2026-12").content.decode()
    assert "燕宇露天电影" in other
    assert yy.occurrences.count() == 1


def test_the_ics_feed_is_public_and_carries_no_personal_data(world, client, make_activity, registry):
    activity = make_activity(
        title="楼宇服务日",
        starts_at=timezone.now() + timedelta(days=1),
        preset=Preset.WEEKLY,
        weekday=Weekday.FR,
    )
    make_activity(title="内部会议", is_public=False)
    occs = list(activity.occurrences.all())
    services.signup_public(occurrence=occs[0], name="刘阿姨", phone="13812345678")
    services.occurrence_skip(actor=world.secretary, occurrence=occs[1], reason="检修")
    response = client.get("/activities/ics/XND.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "刘阿姨" not in body and "13812345678" not in body and "内部会议" not in body
    cal = Calendar.from_ical(response.content)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(occs)
    statuses = {str(e["status"]) for e in events}
    assert statuses == {"CONFIRMED", "CANCELLED"}
    assert events[0].decoded("dtstart") == occs[0].starts_at
    assert str(events[0]["summary"]) == "楼宇服务日"


def test_api_lists_creates_idempotently_and_scopes(world, api, vol):
    body = {
        "title": "银发爱心义剪",
        "kind": "haircut",
        "organiser": vol.team.pk,
        "starts_at": "2026-12-26T09:00:00+08:00",
        "duration_minutes": 150,
        "schedule": {"preset": "monthly_day", "day": 26, "count": 12},
        "capacity": 20,
        "roles": [{"name": "理发师", "needed": 3, "skill": "haircut"}],
    }
    client = api.as_(world.secretary)
    first = client.post("/api/v1/activities/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/activities/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Activity.objects.count() == 1
    data = first.json()
    assert data["rrule"] == "FREQ=MONTHLY;BYMONTHDAY=26;COUNT=12" and data["roles"][0]["skill"] == "haircut"
    pk = data["id"]
    listed = client.get("/api/v1/activities/?kind=haircut&from=2026-12-01").json()
    assert [a["id"] for a in listed["results"]] == [pk]
    assert client.get("/api/v1/activities/?kind=clinic").json()["count"] == 0
    occurrences = client.get(f"/api/v1/activities/{pk}/occurrences/").json()["results"]
    assert occurrences and "code" in occurrences[0]
    outsider = api.as_(world.outsider)
    assert outsider.get(f"/api/v1/activities/{pk}/").status_code == 404
    assert outsider.get("/api/v1/activities/").json()["count"] == 0
    assert outsider.get(f"/api/v1/occurrences/{occurrences[0]['id']}/signups/").status_code == 404
    assert api.as_(world.dept).get("/api/v1/activities/").status_code == 404


def test_api_update_checks_the_version(world, api, make_activity):
    activity = make_activity()
    client = api.as_(world.secretary)
    ok = client.patch(f"/api/v1/activities/{activity.pk}/", {"version": 1, "capacity": 12}, format="json")
    assert ok.status_code == 200 and ok.json()["capacity"] == 12 and ok.json()["version"] == 2
    stale = client.patch(f"/api/v1/activities/{activity.pk}/", {"version": 1, "title": "改名"}, format="json")
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    assert Activity.objects.get().title == "银发爱心义剪"


def test_api_skip_move_sign_up_and_confirm(world, api, make_activity, registry, vol):
    activity = make_activity(preset=Preset.WEEKLY, weekday=Weekday.SA, organiser=vol.team)
    first, second = list(activity.occurrences.all())[:2]
    client = api.as_(world.secretary)
    skipped = client.post(
        f"/api/v1/activities/{activity.pk}/occurrences/{first.pk}/skip/", {"reason": "大风"}, format="json"
    )
    assert skipped.status_code == 200 and skipped.json()["status"] == "skipped"
    new_start = (second.starts_at + timedelta(hours=3)).isoformat()
    moved = client.post(
        f"/api/v1/activities/{activity.pk}/occurrences/{second.pk}/move/",
        {"starts_at": new_start, "reason": "改到下午"},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["moved"]
    signup = client.post(
        f"/api/v1/occurrences/{second.pk}/signups/",
        {"resident": registry.li.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="s-1",
    )
    assert signup.status_code == 201 and signup.json()["phone"] == "138****1111"
    listed = client.get(f"/api/v1/occurrences/{second.pk}/signups/").json()["results"]
    assert [s["id"] for s in listed] == [signup.json()["id"]]
    vols = client.get(f"/api/v1/occurrences/{second.pk}/volunteers/")
    assert vols.status_code == 200 and vols.json()["count"] == 0
    confirm = client.post(f"/api/v1/occurrences/{second.pk}/volunteers/confirm/", {}, format="json")
    assert confirm.status_code == 200 and confirm.json() == {"confirmed": [], "skipped": {}}
    wrong = client.post(
        f"/api/v1/activities/{activity.pk + 999}/occurrences/{second.pk}/skip/",
        {"reason": "x"},
        format="json",
    )
    assert wrong.status_code == 404


def test_figures_and_partner_activities(world, make_activity, registry, vol):
    from linli.partners.models import Partner

    aier = Partner.objects.create(community=world.xiningdao, name="爱尔眼科", kind=_partner_kind())
    activity = make_activity(
        title="爱尔眼科义诊", kind="clinic", partners=[aier], starts_at=timezone.now() - timedelta(minutes=30)
    )
    occ = activity.occurrences.get()
    s = services.signup_for_resident(actor=world.secretary, occurrence=occ, resident=registry.li)
    services.attendance_take(actor=world.secretary, occurrence=occ, present=[s.pk])
    services.volunteer_signup(volunteer=vol.chen, occurrence=occ)
    assert list(selectors.activities_for_partner(aier)) == [activity]
    assert selectors.activities_for_partner(aier)[0].held == 1
    figures = selectors.activity_figures(
        [world.xiningdao.pk], timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    )
    assert figures["occurrences_held"] == 1
    assert figures["resident_attendances"] == 1 and figures["volunteer_signups"] == 1
    assert (
        selectors.activity_figures([world.yanyu.pk], timezone.now() - timedelta(days=1), timezone.now())[
            "occurrences_held"
        ]
        == 0
    )
    assert Occurrence.objects.count() == 1


def _partner_kind():
    from linli.partners.choices import PartnerKind

    return PartnerKind.values[0]


def test_the_occurrence_page_skips_moves_and_confirms(world, client, make_activity, vol):
    activity = make_activity(preset=Preset.WEEKLY, weekday=Weekday.SA)
    first, second = list(activity.occurrences.all())[:2]
    client.force_login(world.secretary)
    client.post(f"/activities/o/{first.pk}/skip/", {"reason": "大风", "version": first.version})
    assert Occurrence.objects.get(pk=first.pk).status == "skipped"
    stale = client.post(f"/activities/o/{second.pk}/skip/", {"reason": "x", "version": 99}, follow=True)
    assert Occurrence.objects.get(pk=second.pk).status == "scheduled" and stale.status_code == 200
    new = (second.starts_at + timedelta(days=1)).astimezone(local(2026, 1, 1).tzinfo)
    client.post(
        f"/activities/o/{second.pk}/move/",
        {"date": new.date().isoformat(), "time": "15:00", "reason": "改期", "version": second.version},
    )
    moved = Occurrence.objects.get(pk=second.pk)
    assert moved.moved and moved.starts_at.astimezone(new.tzinfo).hour == 15
    running = make_activity(starts_at=timezone.now() - timedelta(minutes=5)).occurrences.get()
    client.post(f"/activities/o/{running.pk}/walk-in/", {"volunteer": vol.chen.pk})
    signup = running.volunteer_signups.get()
    assert signup.walk_in and signup.checked_in_at
    client.post(f"/activities/o/{running.pk}/confirm/", {"signup": [signup.pk]})
    assert running.volunteer_signups.get().service_record_id is None  # still running, no check-out: no hours


def test_a_one_off_moved_by_editing_keeps_its_sign_ups(world, make_activity, registry):
    activity = make_activity()
    occ = activity.occurrences.get()
    services.signup_for_resident(actor=world.secretary, occurrence=occ, resident=registry.li)
    later = occ.starts_at + timedelta(days=1)
    services.activity_update(
        actor=world.secretary, activity=activity, version=activity.version, starts_at=later
    )
    (only,) = activity.occurrences.all()
    assert only.pk == occ.pk and only.starts_at == later and only.signups.count() == 1


def test_the_edit_form_shows_the_rule_and_saves_a_new_one(world, en_client, make_activity):
    client = en_client
    activity = make_activity(starts_at=local(2027, 1, 26, 9), preset=Preset.MONTHLY_DAY, day=26, count=6)
    client.force_login(world.secretary)
    page = client.get(f"/activities/{activity.pk}/edit/").content.decode()
    assert 'name="day" value="26"' in page and 'name="count" value="6"' in page
    response = client.post(
        f"/activities/{activity.pk}/edit/",
        {
            "version": activity.version,
            "title": "银发爱心义剪",
            "kind": "haircut",
            "start_date": "2027-01-31",
            "start_time": "09:30",
            "duration_minutes": 150,
            "preset": "monthly_day",
            "day": 31,
            "target_group": "elderly",
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.rrule == "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1" and activity.version == 2
    stale = client.post(
        f"/activities/{activity.pk}/edit/",
        {
            "version": 1,
            "title": "改名",
            "kind": "haircut",
            "start_date": "2027-01-31",
            "start_time": "09:30",
            "duration_minutes": 150,
            "preset": "once",
            "target_group": "all",
        },
    )
    assert stale.status_code == 200 and "Someone else changed this" in stale.content.decode()
    assert "改名" in stale.content.decode()  # the typed title is kept
    client.force_login(world.street)
    assert client.get(f"/activities/{activity.pk}/edit/").status_code == 404  # the street reads, never edits
    assert client.get(f"/activities/{activity.pk}/").status_code == 200


def test_names_typed_on_the_h5_page_are_for_the_organisers(world, client, make_activity):
    occ = make_activity().occurrences.get()
    services.signup_public(occurrence=occ, name="刘桂芳", phone="13812345678")
    client.force_login(world.secretary)
    page = client.get(f"/activities/o/{occ.pk}/").content.decode()
    assert "刘桂芳" in page and "138****5678" in page and "13812345678" not in page
    client.force_login(world.street)
    page = client.get(f"/activities/o/{occ.pk}/").content.decode()
    assert "刘桂芳" not in page and "刘**" in page
