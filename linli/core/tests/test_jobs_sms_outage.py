"""RE-07: an SMS gateway outage never fails the request that wanted a message sent; the message waits and goes."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from linli.care.models import CareAlert
from linli.care.services import alerts_deliver
from linli.care.tasks import deliver_alerts
from linli.care.tests.conftest import care, webhook  # noqa: F401 - fixtures these tests use
from linli.care.tests.test_webhook import SOS
from linli.cases.models import Case
from linli.core.models import JobRun
from linli.notices.models import Delivery, Notice
from linli.notices.tasks import run_notice
from linli.residents.tests.conftest import registry  # noqa: F401

pytestmark = pytest.mark.django_db
OUTAGE = [(503, b"Service Unavailable")] * 20


def test_an_sos_is_taken_while_the_gateway_is_down_and_its_alert_goes_out_once_it_is_back(
    world,
    care,  # noqa: F811
    webhook,  # noqa: F811
    sms_gateway,
):
    sms_gateway.replies = list(OUTAGE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        answer = webhook(SOS)
        assert answer.status_code == 201  # the call is taken and its case opened, SMS or not
        assert Case.objects.count() == 1
        deliver_alerts.call()  # the job the webhook queued: it fails to send, and says so without failing
    alert = CareAlert.objects.get(kind="sms") if CareAlert.objects.filter(kind="sms").exists() else None
    alert = alert or CareAlert.objects.get()
    assert alert.status == "pending" and alert.attempts == 1 and "503" in alert.last_error
    assert alert.next_attempt_at > start
    assert not JobRun.objects.exists()  # a gateway outage is the alert's retry, not a failed job
    sms_gateway.replies = []
    with time_machine.travel(alert.next_attempt_at + timedelta(seconds=1), tick=False):
        assert alerts_deliver() == 1
        assert alerts_deliver() == 0
    alert.refresh_from_db()
    assert alert.status == "sent"
    sent = [r for r in sms_gateway.requests if r.json()["request_id"] == f"care-alert-{alert.pk}"]
    assert len(sent) == 2  # the refused try and the one that went out, with one request id for both


def test_a_notice_by_sms_is_accepted_during_an_outage_and_delivered_on_a_later_try(
    world,
    registry,  # noqa: F811
    api,
    sms_gateway,
):
    sms_gateway.replies = list(OUTAGE)
    body = {
        "template": "water_outage",
        "values": {"reason": "管网抢修", "place": "吉利花园1号楼", "start": "9:30", "end": "16:00"},
        "place_kind": "building",
        "place_id": world.building_1.pk,
        "channels": ["sms"],
    }
    answer = api.as_(world.secretary).post(
        "/api/v1/notices/", body, format="json", HTTP_IDEMPOTENCY_KEY="停水"
    )
    assert answer.status_code == 201
    notice = Notice.objects.get()
    run_notice.call(notice.pk)
    waiting = Delivery.objects.filter(notice=notice, channel="sms")
    assert waiting.exists() and all(d.status == "pending" and d.next_attempt_at for d in waiting)
    assert not JobRun.objects.exists()
    sms_gateway.replies = []
    later = max(d.next_attempt_at for d in waiting) + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        run_notice.call(notice.pk)
    assert {d.status for d in Delivery.objects.filter(notice=notice, channel="sms")} == {"sent"}
    phones = [r.json()["phone"] for r in sms_gateway.requests]
    assert len(phones) == 2 * waiting.count()  # each message: one refused try, one that went out
