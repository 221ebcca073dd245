"""The escalation chain of an SOS under a frozen clock: worker → grid leader → secretary → emergency contacts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.care import services
from linli.care.models import CareAlert, CareCall
from linli.cases.models import Case, CaseEvent
from linli.cases.services import case_respond
from linli.core.models import Notification

from .test_webhook import SOS

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def at(minutes: float):
    return time_machine.travel(T0 + timedelta(minutes=minutes), tick=False)


def sms_phones(gateway) -> list[str]:
    return [r.json()["phone"] for r in gateway.requests]


def timeline(case, action) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, action=action))


def test_nobody_responds_so_the_secretary_then_the_emergency_contacts_are_told(
    care, world, webhook, sms_gateway
):
    with at(0):
        assert webhook(SOS).status_code == 201
    case = Case.objects.get()
    with at(4.9):
        assert services.care_sweep() == 0  # the worker's own minutes are not up; their SMS goes out
    assert sms_phones(sms_gateway) == ["13700001111"]
    assert "李秀兰" in sms_gateway.requests[0].json()["text"]

    with at(5):
        assert services.care_sweep() == 1
        assert services.care_sweep() == 0  # run twice, told once
    # No grid leader in grid A: the next on the list is the community's secretary, in the app and by SMS.
    assert Notification.objects.filter(recipient=world.secretary, kind="care_sos").count() == 1
    assert sms_phones(sms_gateway) == ["13700001111", "13700002222"]
    [step] = timeline(case, "care_escalate")
    assert step.data["level"] == "secretary" and step.data["users"] == [world.secretary.pk]
    assert step.actor is None and step.from_status == step.to_status == "assigned"

    with at(9):
        assert services.care_sweep() == 0
    with at(10):
        assert services.care_sweep() == 1
        assert services.care_sweep() == 0
    assert sms_phones(sms_gateway)[2:] == ["13900005555", "13900006666"]
    assert "李秀兰" in sms_gateway.requests[2].json()["text"]
    [told] = timeline(case, "care_contact")
    assert "139****5555" in told.note and "13900005555" not in told.note
    call = CareCall.objects.get()
    assert call.status == "contacts_told" and call.next_step_at is None

    with at(60):
        assert services.care_sweep() == 0  # the chain has ended
    assert len(sms_gateway.requests) == 4
    assert len(timeline(case, "care_escalate")) == 1 and len(timeline(case, "care_contact")) == 1


def test_a_grid_leader_is_told_before_the_secretary(care, world, webhook):
    leader = User.objects.create_user(username="leader", password="x-Linli-2026", display_name="陈网格长")
    RoleAssignment.objects.create(user=leader, role=Role.GRID_LEADER, grid=world.grid_a)
    with at(0):
        webhook(SOS)
    with at(5):
        assert services.care_sweep() == 1
    assert Notification.objects.filter(recipient=leader, kind="care_sos").exists()
    assert not Notification.objects.filter(recipient=world.secretary, kind="care_sos").exists()
    with at(10):
        assert services.care_sweep() == 1
    assert Notification.objects.filter(recipient=world.secretary, kind="care_sos").exists()
    levels = [e.data["level"] for e in CaseEvent.objects.filter(action="care_escalate").order_by("id")]
    assert levels == ["grid_leader", "secretary"]
    with at(15):
        assert services.care_sweep() == 1
    assert CaseEvent.objects.filter(action="care_contact").count() == 1


def test_a_response_stops_the_chain(care, world, webhook, sms_gateway):
    with at(0):
        webhook(SOS)
    case = Case.objects.get()
    with at(3):
        case_respond(case=case, actor=world.owner, note="已电话联系，马上上门")
    call = CareCall.objects.get()
    assert call.status == "answered" and call.answered_by == world.owner and call.next_step_at is None
    with at(30):
        assert services.care_sweep() == 0
    assert not CaseEvent.objects.filter(action__in=["care_escalate", "care_contact"]).exists()
    assert sms_phones(sms_gateway) == ["13700001111"]  # only the worker's first alert


def test_a_response_the_receiver_missed_still_stops_the_chain_at_the_next_sweep(care, world, webhook):
    with at(0):
        webhook(SOS)
    case = Case.objects.get()
    # As if the response was written by a process that sent no signal.
    Case.objects.filter(pk=case.pk).update(status="in_progress", responded_at=T0 + timedelta(minutes=2))
    with at(5):
        assert services.care_sweep() == 0
    assert CareCall.objects.get().status == "answered"
    assert not CaseEvent.objects.filter(action="care_escalate").exists()


def test_after_an_outage_each_step_is_taken_once(care, world, webhook):
    with at(0):
        webhook(SOS)
    with at(120):  # the sweeper was down for two hours
        assert services.care_sweep() == 1
        assert services.care_sweep() == 0
    with at(125):
        assert services.care_sweep() == 1
    assert CaseEvent.objects.filter(action="care_escalate").count() == 1
    assert CaseEvent.objects.filter(action="care_contact").count() == 1


def test_the_step_minutes_are_configurable_per_step(care, world, webhook, settings):
    settings.LINLI_CARE_STEP_MINUTES = [2, 15]
    with at(0):
        webhook(SOS)
    with at(2):
        assert services.care_sweep() == 1  # secretary after 2 minutes
    with at(16):
        assert services.care_sweep() == 0
    with at(17):
        assert services.care_sweep() == 1  # contacts 15 minutes after the secretary


def test_a_no_activity_alert_climbs_to_the_secretary_but_texts_no_relative(care, world, webhook, sms_gateway):
    with at(0):
        webhook({"call_id": "n-1", "device_id": "DZBM-0001", "event": "no_activity"})
    with at(5):
        assert services.care_sweep() == 1
    with at(10):
        assert services.care_sweep() == 0
    assert "13900005555" not in sms_phones(sms_gateway)
    assert CareAlert.objects.filter(kind="contact").count() == 0


def test_a_failed_sms_is_retried_then_given_up(care, world, webhook, sms_gateway):
    sms_gateway.replies = [(503, b"busy"), (503, b"busy")]
    with at(0):
        webhook(SOS)
        services.alerts_deliver()
    alert = CareAlert.objects.get(level=0)
    assert alert.status == "pending" and alert.attempts == 1 and alert.last_error
    with at(0.5):
        assert services.alerts_deliver() == 0  # backing off
    with at(2):
        assert services.alerts_deliver() == 0  # the second 503
    with at(7):
        assert services.alerts_deliver() == 1
    alert.refresh_from_db()
    assert alert.status == "sent" and alert.attempts == 3
