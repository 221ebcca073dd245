"""RE-05: with the sweeper off for two hours, running the whole sweep twice escalates each late thing once.

The sweep is `cases.tasks.sweep_deadlines`: the case deadlines, care escalations, notices the queue lost and
overdue action items. Everything it needs is in the database, so a restarted worker repeats nothing."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from linli.care.tests.conftest import care, webhook  # noqa: F401 - fixtures this test uses
from linli.care.tests.test_webhook import SOS
from linli.cases.models import Case, CaseEvent
from linli.cases.services import case_create
from linli.cases.tasks import sweep_deadlines
from linli.core.models import Notification
from linli.deliberation.models import ActionItem
from linli.deliberation.tests.conftest import decided, meeting  # noqa: F401
from linli.notices.models import Notice
from linli.notices.tests.conftest import send  # noqa: F401
from linli.residents.tests.conftest import registry  # noqa: F401

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 22, 0, tzinfo=SH)  # a Monday evening; the worker then stops for two hours

SWEPT = ("response", "resolution", "notices_dispatched", "action_items_overdue", "data_requests_overdue")


def _told() -> dict[str, int]:
    """How many times each person was told each thing (kind, recipient, text)."""
    out: dict[str, int] = {}
    for kind, recipient, message in Notification.objects.values_list("kind", "recipient", "message"):
        key = f"{kind}:{recipient}:{message}"
        out[key] = out.get(key, 0) + 1
    return out


def test_two_sweeps_after_two_hours_off_escalate_every_late_thing_exactly_once(
    world,
    registry,  # noqa: F811
    care,  # noqa: F811
    webhook,  # noqa: F811
    decided,  # noqa: F811
    send,  # noqa: F811
    sms_gateway,
):
    with time_machine.travel(T0, tick=False):
        case = case_create(
            actor=world.secretary,
            title="吉利花园1号楼下水道堵塞",
            category=world.drain,
            lat=39.111,
            lon=117.201,
            urgency="urgent",
        )
        assert webhook(SOS).status_code == 201
        *_, item = decided(deadline=date(2026, 3, 2))
        notice = send(send_at=T0 + timedelta(hours=1))
    sos_case = Case.objects.exclude(pk=case.pk).get()

    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        first = sweep_deadlines.call()
        told_after_first = _told()
        events_after_first = CaseEvent.objects.exclude(action__startswith="care_").count()
        second = sweep_deadlines.call()

    assert first["response"] >= 1 and first["action_items_overdue"] == 1 and first["notices_dispatched"] >= 1
    assert first["care_escalation_steps"] >= 1
    assert {k: second[k] for k in SWEPT} == dict.fromkeys(SWEPT, 0)
    late = Case.objects.filter(response_overdue_at__isnull=False)
    assert set(late) == {case, sos_case}  # the grid worker answered neither in time
    for each in late:
        assert CaseEvent.objects.filter(case=each, action="overdue_response").count() == 1
    assert Notification.objects.filter(kind="overdue_response", recipient=world.secretary).count() == 2
    item.refresh_from_db()
    assert item.overdue_at is not None
    assert ActionItem.objects.filter(overdue_at__isnull=False).count() == 1
    assert Notification.objects.filter(kind="action_item_overdue").count() == 2
    assert Notice.objects.get(pk=notice.pk).status in {"sending", "sent"}
    assert Notification.objects.filter(kind="notice").count() <= 1
    # The care call's escalation moves one level per step and never repeats a level it has taken.
    levels = [e.data.get("level") for e in CaseEvent.objects.filter(case=sos_case, action="care_escalate")]
    assert levels and len(levels) == len(set(levels))
    # Nobody is told the same thing twice, and outside the care chain (which moves one level per step) the
    # second sweep wrote nothing at all.
    assert not {k for k, n in _told().items() if n > 1}
    not_care = {k: n for k, n in _told().items() if not k.startswith("care_")}
    assert not_care == {k: n for k, n in told_after_first.items() if not k.startswith("care_")}
    assert CaseEvent.objects.exclude(action__startswith="care_").count() == events_after_first
