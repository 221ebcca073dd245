"""GET/POST /api/v1/notices/, GET /api/v1/notices/{id}/, POST /api/v1/notices/{id}/cancel/ and
GET /api/v1/notice-templates/: structured errors, idempotent creation, masked addresses, outsiders get 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.core.models import IdempotencyRecord
from linli.notices.models import Delivery, Notice
from linli.notices.tasks import run_notice

from .conftest import place

URL = "/api/v1/notices/"


@pytest.fixture
def body(world):
    return {
        "template": "water_outage",
        "values": {"reason": "管网抢修", "place": "吉利花园1号楼", "start": "9:30", "end": "16:00"},
        "place_kind": "building",
        "place_id": world.building_1.pk,
        "channels": ["in_app"],
    }


def test_the_templates_are_listed_with_their_placeholders(api, world):
    answer = api.as_(world.owner).get("/api/v1/notice-templates/")
    assert answer.status_code == 200
    by_code = {t["code"]: t for t in answer.json()}
    assert by_code["water_outage"]["placeholders"] == ["reason", "place", "start", "end"]
    assert by_code["fire_safety"]["placeholders"] == []
    assert {"water_pause", "power_outage", "gas_outage", "safety_reminder", "activity"} <= set(by_code)


def test_a_notice_is_created_from_a_template_and_answered_with_its_deliveries(api, world, registry, body):
    answer = api.as_(world.secretary).post(URL, body, format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    notice = Notice.objects.get()
    assert data["id"] == notice.pk
    assert data["title"] == "停水通知"
    assert data["body"].startswith("各位居民：因管网抢修，吉利花园1号楼将于9:30至16:00暂停供水")
    assert (data["audience_kind"], data["place_kind"], data["place_id"]) == (
        "building",
        "building",
        world.building_1.pk,
    )
    assert (data["place_name"], data["community_name"], data["status"]) == (
        "吉利花园1号楼",
        "西宁道社区",
        "sending",
    )
    assert data["deliveries"] == {"in_app": {"pending": 1, "sending": 0, "sent": 0, "failed": 0}}
    assert data["recipient_count"] == 1

    run_notice.call(notice.pk)
    data = api.get(f"{URL}{notice.pk}/").json()
    assert data["status"] == "sent" and data["deliveries"]["in_app"]["sent"] == 1
    assert (data["sent"], data["failed"], data["waiting"]) == (1, 0, 0)


def test_a_retried_create_with_the_same_key_makes_one_notice(api, world, body):
    client = api.as_(world.secretary)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="notice-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="notice-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Notice.objects.count() == 1 and Delivery.objects.count() == 1
    other = client.post(
        URL, {**body, "channels": ["in_app", "wecom"]}, format="json", HTTP_IDEMPOTENCY_KEY="notice-1"
    )
    assert other.status_code == 422 and Notice.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "field", "code"),
    [
        ({"values": {"place": "1号楼"}}, 400, "values", "placeholder_missing"),
        ({"place_kind": "planet"}, 400, "place_kind", "invalid"),
        ({"place_id": 999999}, 400, "place_id", "place_not_allowed"),
        ({"channels": []}, 400, "channels", "invalid"),
        ({"channels": ["pigeon"]}, 400, "channels", "invalid"),
        ({"tag": "no-such-tag"}, 400, "tag", "invalid"),
        ({"send_at": "2020-01-01T09:00:00+08:00"}, 400, "send_at", "send_at_past"),
        ({"template": "nope"}, 400, "template", "invalid"),
        ({"case": 999999}, 400, "case", "invalid"),
    ],
)
def test_bad_input_is_a_structured_error_and_stores_nothing(api, world, body, changes, status, field, code):
    answer = api.as_(world.secretary).post(URL, {**body, **changes}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert answer.status_code == status
    data = answer.json()
    assert (data["field"], data["code"]) == (field, code) and data["message"]
    assert not Notice.objects.exists() and not IdempotencyRecord.objects.exists()


def test_the_outsider_cannot_send_to_xiningdao_nor_see_its_notices(api, world, body, send):
    notice = send()
    client = api.as_(world.outsider)
    answer = client.post(URL, body, format="json")
    assert (answer.status_code, answer.json()["field"]) == (400, "place_id")
    answer = client.post(
        URL, {**body, "place_kind": "community", "place_id": world.xiningdao.pk}, format="json"
    )
    assert answer.status_code == 400
    assert client.get(f"{URL}{notice.pk}/").status_code == 404
    assert client.post(f"{URL}{notice.pk}/cancel/").status_code == 404
    assert client.get(URL).json()["count"] == 0
    assert Notice.objects.count() == 1


def test_phones_leave_the_api_masked(api, world, registry, send, sms_gateway):
    sms_gateway.replies = [(400, b"rejected")]
    notice = send(channels=["sms"])
    run_notice.call(notice.pk)
    answer = api.as_(world.secretary).get(f"{URL}{notice.pk}/")
    text = answer.content.decode()
    assert "13820001111" not in text and "13920002222" not in text
    (failure,) = answer.json()["failures"]
    assert failure["address"] in {"138****1111", "139****2222"}
    assert failure["last_error"] == "HTTP 400 from the gateway" and failure["attempts"] == 1


def test_a_recipient_sees_the_notice_but_not_its_deliveries(api, world, send):
    notice = send(place=place(world.xiningdao))
    data = api.as_(world.colleague_worker).get(f"{URL}{notice.pk}/").json()
    assert data["title"] == "停水通知" and data["deliveries"] == {} and data["failures"] == []


def test_cancel_then_cancel_again_is_a_conflict(api, world, body):
    client = api.as_(world.secretary)
    at = (timezone.now() + timedelta(hours=2)).isoformat()
    created = client.post(URL, {**body, "send_at": at}, format="json").json()
    assert created["status"] == "scheduled" and created["deliveries"] == {
        "in_app": {"pending": 0, "sending": 0, "sent": 0, "failed": 0}
    }
    answer = client.post(f"{URL}{created['id']}/cancel/")
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    answer = client.post(f"{URL}{created['id']}/cancel/")
    assert (answer.status_code, answer.json()["code"]) == (409, "not_cancellable")


def test_the_list_filters_and_stays_within_a_few_queries(
    api, world, send, new_case, django_assert_max_num_queries
):
    case = new_case(building=world.building_1)
    for n in range(6):
        send(title=f"通知{n}", place=place(world.xiningdao if n % 2 else world.building_1))
    send(title="来自诉求", case=case)
    client = api.as_(world.secretary)
    with django_assert_max_num_queries(8):
        answer = client.get(URL)
    assert answer.json()["count"] == 7
    assert [n["title"] for n in client.get(f"{URL}?case={case.pk}").json()["results"]] == ["来自诉求"]
    assert client.get(f"{URL}?status=sending").json()["count"] == 7
    bad = client.get(f"{URL}?status=lost")
    assert (bad.status_code, bad.json()["field"]) == (400, "status")


def test_anonymous_callers_get_401(client):
    assert client.get(URL).status_code == 401
    assert client.get("/api/v1/notice-templates/").status_code == 401
