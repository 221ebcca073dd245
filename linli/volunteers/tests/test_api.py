"""The volunteers API: round trips with idempotency keys, masking, version conflicts and scoping (AC-01)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from linli.core.models import AuditEntry
from linli.volunteers import services
from linli.volunteers.choices import RecordStatus
from linli.volunteers.models import ServiceRecord, Team, Volunteer

from .conftest import hours_ago, id_number


def _times(hours_back=3, length=2):
    start, end = hours_ago(hours_back, length)
    return start.isoformat(), end.isoformat()


def test_register_a_volunteer_round_trip_with_an_idempotency_key(vol, world, api):
    client = api.as_(world.owner)
    body = {
        "name": "马桂芝",
        "id_number": id_number("120101", date(1955, 9, 1), 71, female=True),
        "phone": "13512345678",
        "kind": "outsider",
        "skills": ["haircut", "nursing"],
    }
    first = client.post("/api/v1/volunteers/", body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["id_number"] == body["id_number"][:6] + "********" + body["id_number"][-4:]
    assert data["phone"] == "135****5678" and data["community"] == world.xiningdao.pk
    assert data["birth_date"] == "1955-09-01" and data["gender"] == "female"
    assert sorted(s["code"] for s in data["skills"]) == ["haircut", "nursing"]
    again = client.post("/api/v1/volunteers/", body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert (
        again.status_code == 201
        and again["Idempotent-Replayed"] == "true"
        and again.json()["id"] == data["id"]
    )
    assert Volunteer.objects.filter(name="马桂芝").count() == 1
    # Without the key, a second registration of the same person is a conflict.
    dup = client.post("/api/v1/volunteers/", body, format="json")
    assert dup.status_code == 409 and dup.json()["field"] == "id_number"
    listed = client.get("/api/v1/volunteers/").json()
    assert listed["count"] == 4
    assert all("*" in row["id_number"] and "*" in row["phone"] for row in listed["results"])
    shown = client.get(f"/api/v1/volunteers/{data['id']}/").json()
    assert shown["hours"] == "0.00" and shown["star"] == 0


def test_a_bad_check_digit_is_a_400_on_the_field(vol, world, api):
    good = id_number("120101", date(1955, 9, 1), 71, female=True)
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    answer = api.as_(world.secretary).post(
        "/api/v1/volunteers/",
        {"name": "甲", "id_number": bad, "phone": "13512345678", "kind": "outsider"},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["field"] == "id_number"


def test_volunteer_update_with_a_stale_version_is_409(vol, world, api):
    client = api.as_(world.secretary)
    url = f"/api/v1/volunteers/{vol.chen.pk}/"
    ok = client.patch(url, {"version": vol.chen.version, "work_unit": "和平区财政局"}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == vol.chen.version + 1
    stale = client.patch(url, {"version": vol.chen.version, "work_unit": "别处"}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    # Fields the API does not own are not mass-assigned.
    client.patch(url, {"version": vol.chen.version + 1, "community": world.yanyu.pk}, format="json")
    vol.chen.refresh_from_db()
    assert vol.chen.community == world.xiningdao


def test_reveal_is_audited(vol, world, api):
    answer = api.as_(world.owner).post(
        f"/api/v1/volunteers/{vol.chen.pk}/reveal/", {"field": "phone", "reason": "电话联系"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["value"] == "13900139002"
    assert AuditEntry.objects.filter(event="volunteer_reveal", actor=world.owner).count() == 1


def test_teams_round_trip_members_and_version(vol, world, api):
    client = api.as_(world.secretary)
    made = client.post(
        "/api/v1/teams/",
        {"name": "银发爱心义剪队", "kind": "service", "colour": "#868E96", "focus": "每月26日义剪"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="team-1",
    )
    assert made.status_code == 201, made.json()
    team = made.json()
    assert team["colour"] == "#868e96" and team["members"] == [] and team["stats"]["members"] == 0
    replay = client.post(
        "/api/v1/teams/",
        {"name": "银发爱心义剪队", "kind": "service", "colour": "#868E96", "focus": "每月26日义剪"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="team-1",
    )
    assert replay.json()["id"] == team["id"] and Team.objects.filter(name="银发爱心义剪队").count() == 1
    url = f"/api/v1/teams/{team['id']}/"
    added = client.post(f"{url}members/", {"volunteer": vol.li.pk, "role": "captain"}, format="json")
    assert added.status_code == 201 and added.json()["role"] == "captain"
    detail = client.get(url).json()
    assert [m["name"] for m in detail["members"]] == ["李秀兰"]
    assert detail["stats"]["ages"]["60_plus"] == 1
    left = client.delete(f"{url}members/{vol.li.pk}/")
    assert left.status_code == 200 and left.json()["left_on"] == timezone.localdate().isoformat()
    assert client.get(url).json()["members"] == []
    rejoined = client.post(f"{url}members/", {"volunteer": vol.li.pk}, format="json")
    assert rejoined.status_code == 201
    assert vol.li.memberships.filter(team_id=team["id"]).count() == 2  # a rejoin is a new membership
    edited = client.patch(url, {"version": team["version"], "focus": "每月26日 上门理发"}, format="json")
    assert edited.status_code == 200 and edited.json()["version"] == team["version"] + 1
    stale = client.patch(url, {"version": team["version"], "focus": "x"}, format="json")
    assert stale.status_code == 409
    bad = client.patch(url, {"version": team["version"] + 1, "colour": "red"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "colour"
    # A volunteer of another community is not found, let alone added.
    other = client.post(f"{url}members/", {"volunteer": vol.yy_volunteer.pk}, format="json")
    assert other.status_code == 404


def test_service_records_round_trip_confirm_correct_and_filter(vol, world, api):
    worker = api.as_(world.owner)
    start, end = _times()
    body = {
        "volunteer": vol.li.pk,
        "team": vol.team.pk,
        "content": "上门理发",
        "started_at": start,
        "ended_at": end,
        "hours": "1.75",
        "training": "",
        "evaluation": "细心",
    }
    made = worker.post("/api/v1/service-records/", body, format="json", HTTP_IDEMPOTENCY_KEY="rec-1")
    assert made.status_code == 201, made.json()
    record = made.json()
    assert record["status"] == RecordStatus.DRAFT and record["hours"] == "1.75"
    replay = worker.post("/api/v1/service-records/", body, format="json", HTTP_IDEMPOTENCY_KEY="rec-1")
    assert replay.json()["id"] == record["id"] and ServiceRecord.objects.count() == 1
    changed = worker.post(
        "/api/v1/service-records/", {**body, "hours": "2"}, format="json", HTTP_IDEMPOTENCY_KEY="rec-1"
    )
    assert changed.status_code == 422
    secretary = api.as_(world.secretary)
    confirmed = secretary.post(f"/api/v1/service-records/{record['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert secretary.post(f"/api/v1/service-records/{record['id']}/confirm/").status_code == 409
    fixed = secretary.post(
        f"/api/v1/service-records/{record['id']}/corrections/",
        {"hours_delta": "-0.25", "reason": "迟到一刻钟"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="fix-1",
    )
    assert fixed.status_code == 201 and fixed.json()["corrects"] == record["id"]
    assert fixed.json()["hours"] == "-0.25"
    assert worker.get(f"/api/v1/volunteers/{vol.li.pk}/").json()["hours"] == "1.50"
    too_much = secretary.post(
        f"/api/v1/service-records/{record['id']}/corrections/",
        {"hours_delta": "5", "reason": "多记"},
        format="json",
    )
    assert too_much.status_code == 400 and too_much.json()["field"] == "hours_delta"
    # Filters.
    listed = worker.get("/api/v1/service-records/", {"volunteer": vol.li.pk, "status": "confirmed"}).json()
    assert listed["count"] == 2
    assert worker.get("/api/v1/service-records/", {"team": vol.team.pk}).json()["count"] == 2
    today = timezone.localdate()
    assert (
        worker.get("/api/v1/service-records/", {"from": (today + timedelta(days=1)).isoformat()}).json()[
            "count"
        ]
        == 0
    )
    assert worker.get("/api/v1/service-records/", {"to": today.isoformat()}).json()["count"] == 2
    assert worker.get("/api/v1/service-records/", {"status": "nope"}).status_code == 400


def test_record_with_too_many_hours_is_400(vol, world, api):
    start, end = _times(length=1)
    answer = api.as_(world.owner).post(
        "/api/v1/service-records/",
        {"volunteer": vol.li.pk, "content": "巡逻", "started_at": start, "ended_at": end, "hours": "1.5"},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["field"] == "hours"


def test_certificate_download(vol, world, api):
    answer = api.as_(world.secretary).get(f"/api/v1/volunteers/{vol.li.pk}/certificate.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF") and "attachment" in answer["Content-Disposition"]


@pytest.fixture
def foreign(vol, world):
    """Objects of 燕宇社区 (the outsider's) and of 西宁道社区, keyed by who must not see them."""
    start, end = hours_ago(3)
    record = services.service_record_create(
        volunteer=vol.li,
        content="义剪",
        started_at=start,
        ended_at=end,
        hours="1",
        actor=world.owner,
        team=vol.team,
    )
    return {"volunteer": vol.li, "team": vol.team, "record": record}


def _endpoints(objs):
    v, t, r = objs["volunteer"].pk, objs["team"].pk, objs["record"].pk
    return [
        ("get", f"/api/v1/volunteers/{v}/", None),
        ("patch", f"/api/v1/volunteers/{v}/", {"version": 1, "work_unit": "x"}),
        ("post", f"/api/v1/volunteers/{v}/reveal/", {"field": "phone", "reason": "看看"}),
        ("get", f"/api/v1/volunteers/{v}/certificate.pdf", None),
        ("get", f"/api/v1/teams/{t}/", None),
        ("patch", f"/api/v1/teams/{t}/", {"version": 1, "focus": "x"}),
        ("post", f"/api/v1/teams/{t}/members/", {"volunteer": v}),
        ("delete", f"/api/v1/teams/{t}/members/{v}/", None),
        ("get", f"/api/v1/service-records/{r}/", None),
        ("post", f"/api/v1/service-records/{r}/confirm/", None),
        ("post", f"/api/v1/service-records/{r}/corrections/", {"hours_delta": "-1", "reason": "改改"}),
    ]


@pytest.mark.parametrize("who", ["outsider", "outsider_secretary", "dept", "reporter"])
def test_outsiders_get_404_on_every_endpoint(foreign, world, api, who):
    client = api.as_(getattr(world, who))
    for method, url, body in _endpoints(foreign):
        answer = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
        assert answer.status_code == 404, (who, method, url, answer.status_code)
    for url in ("/api/v1/volunteers/", "/api/v1/teams/", "/api/v1/service-records/"):
        answer = client.get(url)
        if who in ("dept", "reporter"):
            assert answer.status_code == 404
        else:
            assert foreign["volunteer"].name not in answer.content.decode()
            assert all(row["community"] == world.yanyu.pk for row in answer.json()["results"])


def test_the_street_officer_reads_the_street_but_does_not_write(foreign, vol, world, api):
    client = api.as_(world.street)
    assert client.get(f"/api/v1/volunteers/{vol.li.pk}/").status_code == 200
    names = {row["name"] for row in client.get("/api/v1/volunteers/").json()["results"]}
    assert "李秀兰" in names and "孙立平" not in names  # 燕宇社区 is in another street
    assert client.post(f"/api/v1/service-records/{foreign['record'].pk}/confirm/").status_code == 403
    assert client.get(f"/api/v1/volunteers/{vol.yy_volunteer.pk}/").status_code == 404


def test_anonymous_callers_are_refused(foreign, api):
    assert api.get("/api/v1/volunteers/").status_code in (401, 403)
