"""The terminal platforms' webhook: signed, idempotent on the platform's call id, lean."""

import json
import time

import pytest

from linli.care.models import CareAlert, CareCall, CareOrder
from linli.cases.models import Case, CaseEvent
from linli.core.models import AuditEntry

from .conftest import signed_headers

pytestmark = pytest.mark.django_db
SOS = {"call_id": "c-1001", "device_id": "DZBM-0001", "event": "sos", "note": "按下红色按钮"}


def _care_rows() -> tuple[int, int, int, int]:
    return (
        CareCall.objects.count(),
        CareAlert.objects.count(),
        CareOrder.objects.count(),
        Case.objects.count(),
    )


def test_an_sos_becomes_an_urgent_case_for_the_responsible_worker(care, world, registry, webhook):
    response = webhook(SOS)
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["case"] == case.number and body["event"] == "sos" and body["status"] == "open"
    assert case.urgency == "urgent" and case.channel == "care_call"
    assert case.assignee == world.owner and case.resident == registry.li
    assert case.grid == world.grid_a and case.address == "吉利花园1号楼301"
    # What the responder needs is on the case, without a full phone number.
    assert "女儿" in case.description and "139****5555" in case.description
    assert "13900005555" not in case.description and "独居老人" in case.description
    assert (case.response_due_at - case.received_at).total_seconds() == 600
    call = CareCall.objects.get()
    assert call.case == case and call.resident == registry.li and call.next_step_at is not None
    assert CareAlert.objects.filter(call=call, user=world.owner, level=0, status="pending").count() == 1


def test_a_replayed_call_gets_the_same_answer_and_no_second_case(care, webhook):
    first = webhook(SOS)
    again = webhook(SOS)
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1 and CareCall.objects.count() == 1


def test_the_same_call_id_with_another_body_is_refused(care, webhook):
    webhook(SOS)
    response = webhook({**SOS, "note": "另一次"})
    assert response.status_code == 422
    assert response.json()["code"] == "call_id_reused"
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "options",
    [
        {"secret": "not-the-secret"},
        {"provider": "someone-else"},
        {"clock_skew": -301},
        {"clock_skew": +400},
        {"headers": {}},
    ],
    ids=["bad-signature", "unknown-provider", "stale", "future", "unsigned"],
)
def test_a_badly_signed_call_is_refused_and_nothing_is_stored(care, webhook, options):
    # The skew is applied now, not at collection: the suite may reach this test minutes after collecting it.
    if "clock_skew" in options:
        options = {"timestamp": int(time.time()) + options["clock_skew"]}
    before = _care_rows()
    response = webhook(SOS, **options)
    assert response.status_code == 403
    assert response.json()["code"] == "bad_signature" and set(response.json()) == {"code", "message", "field"}
    assert _care_rows() == before
    assert CaseEvent.objects.count() == 0
    assert AuditEntry.objects.filter(event="care_webhook_denied", outcome="denied").count() == 1


def test_a_signature_over_another_body_is_refused(care, client):
    body = json.dumps(SOS).encode()
    headers = signed_headers(body.replace(b"c-1001", b"c-9999"))
    response = client.post("/api/v1/care/calls/", data=body, content_type="application/json", **headers)
    assert response.status_code == 403 and CareCall.objects.count() == 0


def test_a_signed_but_malformed_call_is_a_structured_400(care, webhook):
    response = webhook({"call_id": "c-1", "device_id": "DZBM-0001", "event": "explode"})
    assert response.status_code == 400
    assert response.json()["field"] == "event"
    assert CareCall.objects.count() == 0


def test_an_unknown_device_is_answered_404_and_kept_for_the_administrators(care, webhook, api, world):
    response = webhook({**SOS, "device_id": "NOBODY-1"})
    assert response.status_code == 404 and response.json()["code"] == "unknown_device"
    assert webhook({**SOS, "device_id": "NOBODY-1"}).json() == response.json()
    call = CareCall.objects.get()
    assert call.status == "unknown_device" and call.resident is None and Case.objects.count() == 0
    assert api.as_(world.secretary).get("/api/v1/care/calls/").json()["count"] == 0


def test_a_service_request_becomes_a_care_order_not_a_case(care, world, registry, webhook):
    response = webhook({"call_id": "c-2", "device_id": "DZBM-0001", "event": "service", "service": "meal"})
    assert response.status_code == 201
    order = CareOrder.objects.get()
    assert response.json()["order"] == order.pk and response.json()["case"] is None
    assert order.resident == registry.li and order.service == "meal" and order.status == "requested"
    assert order.requester_kind == "terminal" and order.grid == world.grid_a
    assert Case.objects.count() == 0
    assert world.owner.notifications.filter(kind="care_order").count() == 1


def test_no_activity_becomes_an_urgent_case_whose_chain_ends_with_staff(care, world, webhook):
    response = webhook({"call_id": "c-3", "device_id": "DZBM-0001", "event": "no_activity"})
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.urgency == "urgent" and case.assignee == world.owner
    assert case.title.endswith("李**") or "李**" in case.title


def test_the_webhook_stays_lean(care, webhook, django_assert_max_num_queries):
    with django_assert_max_num_queries(26):  # 24, and the insights roll-up and fact of the new case
        assert webhook(SOS).status_code == 201
    with django_assert_max_num_queries(3):
        assert webhook(SOS).status_code == 201
