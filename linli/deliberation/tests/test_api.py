"""/api/v1/meetings/ and /api/v1/action-items/: scoped, structured errors, optimistic locking, idempotent POSTs."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from linli.deliberation import services
from linli.deliberation.choices import ActionStatus, MeetingType, Party
from linli.deliberation.models import AgendaItem, Decision, Meeting

from .conftest import at

pytestmark = pytest.mark.django_db


def _meeting_body(world, **extra):
    body = {
        "community": world.xiningdao.pk,
        "type": MeetingType.JOINT,
        "title": "四方联席协调会",
        "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
        "place": "社区会议室",
        "invited": [Party.PROPERTY, Party.RESIDENTS_REP],
    }
    body.update(extra)
    return body


def test_creating_a_meeting_replays_for_the_same_idempotency_key(world, api):
    client = api.as_(world.secretary)
    body = _meeting_body(world)
    first = client.post("/api/v1/meetings/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    again = client.post("/api/v1/meetings/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Meeting.objects.count() == 1
    other = client.post(
        "/api/v1/meetings/", {**body, "title": "别的会"}, format="json", HTTP_IDEMPOTENCY_KEY="m-1"
    )
    assert other.status_code == 422
    body = first.json()
    assert body["quorum"]["met"] is False and body["quorum"]["missing_parties"]


def test_a_bad_meeting_answers_a_structured_400_naming_the_field(world, api):
    client = api.as_(world.secretary)
    response = client.post("/api/v1/meetings/", _meeting_body(world, type="picnic"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["field"] == "type"
    response = client.post("/api/v1/meetings/", _meeting_body(world, invited=["mayor"]), format="json")
    assert response.status_code == 400 and response.json()["field"] == "invited"
    response = client.post("/api/v1/meetings/", _meeting_body(world, community=world.yanyu.pk), format="json")
    assert response.status_code == 400 and response.json()["field"] == "community"


def test_the_outsider_gets_404_on_meetings_and_action_items(world, api, decided):
    talk, item, decision, action = decided()
    client = api.as_(world.outsider)
    assert client.get(f"/api/v1/meetings/{talk.pk}/").status_code == 404
    assert client.post(f"/api/v1/meetings/{talk.pk}/approve/").status_code == 404
    assert (
        client.post(f"/api/v1/action-items/{action.pk}/done/", {"note": "x"}, format="json").status_code
        == 404
    )
    assert client.get("/api/v1/meetings/").json()["results"] == []
    assert client.get("/api/v1/action-items/").json()["results"] == []


def test_the_meeting_carries_its_agenda_decisions_and_minutes(world, api, meeting, new_case):
    case = new_case()
    m = meeting()
    client = api.as_(world.owner)
    created = client.post(
        f"/api/v1/meetings/{m.pk}/agenda-items/",
        {"title": "充电桩", "cases": [case.pk], "figures": "电动车 120 辆，充电口 0 个"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="a-1",
    )
    assert created.status_code == 201 and created.json()["cases"] == [case.number]
    item_id = created.json()["id"]
    secretary = api.as_(world.secretary)
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    decision = secretary.post(
        f"/api/v1/meetings/{m.pk}/decisions/",
        {
            "agenda_item": item_id,
            "text": "分两期安装充电桩",
            "votes_for": 8,
            "votes_against": 0,
            "votes_abstain": 1,
            "action_items": [
                {
                    "title": "一期安装",
                    "owner": world.dept.pk,
                    "department": "CGW",
                    "deadline": deadline,
                    "done_definition": "20个充电口通电",
                }
            ],
        },
        format="json",
    )
    assert decision.status_code == 201 and decision.json()["passed"] is True
    assert decision.json()["action_items"][0]["department"] == "CGW"
    approved = secretary.post(f"/api/v1/meetings/{m.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    body = secretary.get(f"/api/v1/meetings/{m.pk}/").json()
    assert body["agenda_items"][0]["decisions"][0]["votes_for"] == 8
    again = secretary.post(f"/api/v1/meetings/{m.pk}/approve/")
    assert again.status_code == 409 and again.json()["code"] == "minutes_approved"


def test_a_decision_without_the_needed_vote_names_votes_for(world, api, meeting):
    m = meeting()
    item = services.agenda_item_add(meeting=m, actor=world.secretary, title="露天电影")
    response = api.as_(world.secretary).post(
        f"/api/v1/meetings/{m.pk}/decisions/", {"agenda_item": item.pk, "text": "放映"}, format="json"
    )
    assert response.status_code == 400 and response.json()["field"] == "votes_for"
    assert not Decision.objects.exists()
    bad_owner = api.as_(world.secretary).post(
        f"/api/v1/meetings/{m.pk}/decisions/",
        {"agenda_item": item.pk, "text": "放映", "votes_for": 3, "action_items": [{"title": "借幕布"}]},
        format="json",
    )
    assert bad_owner.status_code == 400 and bad_owner.json()["field"] == "action_items"


def test_a_stale_agenda_item_version_answers_409(world, api, meeting):
    m = meeting()
    item = services.agenda_item_add(meeting=m, actor=world.secretary, title="楼道堆物")
    url = f"/api/v1/meetings/{m.pk}/agenda-items/{item.pk}/"
    first = api.as_(world.secretary).patch(url, {"version": 1, "discussion": "物业说三天清理"}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = api.as_(world.owner).patch(url, {"version": 1, "discussion": "覆盖掉"}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert stale.json()["field"] == "version"
    assert AgendaItem.objects.get().discussion == "物业说三天清理"


def test_the_life_of_an_action_item_through_the_api(world, api, decided):
    *_, action = decided()
    url = f"/api/v1/action-items/{action.pk}"
    done = api.as_(world.dept).post(f"{url}/done/", {"note": "已换门", "version": 1}, format="json")
    assert done.status_code == 200 and done.json()["status"] == ActionStatus.DONE
    stale = api.as_(world.secretary).post(f"{url}/confirm/", {"version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    back = api.as_(world.secretary).post(f"{url}/reopen/", {"note": "门把手没装"}, format="json")
    assert back.status_code == 200 and back.json()["status"] == "open" and back.json()["sent_back_count"] == 1
    empty = api.as_(world.dept).post(f"{url}/done/", {"note": ""}, format="json")
    assert empty.status_code == 400 and empty.json()["field"] == "note"
    again = api.as_(world.dept).post(f"{url}/done/", {"note": "门把手装好"}, format="json")
    assert again.status_code == 200
    refused = api.as_(world.dept).post(f"{url}/confirm/", {}, format="json")
    assert refused.status_code == 403
    confirmed = api.as_(world.secretary).post(f"{url}/confirm/", {}, format="json")
    assert confirmed.json()["status"] == ActionStatus.CONFIRMED


def test_action_items_filter_open_and_overdue(world, api, decided):
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        *_, late = decided(deadline=date(2026, 3, 3))
        *_, fine = decided(deadline=date(2026, 3, 20))
        *_, closed = decided(deadline=date(2026, 3, 3))
        services.action_item_done(item=closed, actor=world.dept, note="ok")
        services.action_item_confirm(item=closed, actor=world.secretary)
    client = api.as_(world.street)
    with time_machine.travel(at(date(2026, 3, 5)), tick=False):
        ids = lambda q: {r["id"] for r in client.get(f"/api/v1/action-items/{q}").json()["results"]}  # noqa: E731
        assert ids("") == {late.pk, fine.pk, closed.pk}
        assert ids("?open=true") == {late.pk, fine.pk}
        assert ids("?overdue=true") == {late.pk}
        assert ids("?status=confirmed") == {closed.pk}
        bad = client.get("/api/v1/action-items/?overdue=maybe")
        assert bad.status_code == 400 and bad.json()["field"] == "overdue"
    assert {
        r["id"] for r in api.as_(world.water_dept).get("/api/v1/action-items/").json()["results"]
    } == set()


def test_the_lists_and_the_meeting_page_do_not_grow_queries_with_their_rows(
    world, api, decided, django_assert_max_num_queries
):
    from .conftest import signed_in

    for _ in range(4):
        talk, *_ = decided()
    client = api.as_(world.secretary)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/action-items/").json()["results"]) == 4
    with django_assert_max_num_queries(15):
        assert client.get(f"/api/v1/meetings/{talk.pk}/").status_code == 200
    page = signed_in(world.secretary)
    with django_assert_max_num_queries(30):
        assert page.get("/cases/problems/").status_code == 200
