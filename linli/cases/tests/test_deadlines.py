"""Deadlines from the SLA policy on China's calendar, and the monitor that flags overdue cases once."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from linli.cases import services
from linli.cases.models import Case, CaseEvent
from linli.cases.tasks import ensure_monitor_scheduled, sweep_deadlines
from linli.core.models import Notification

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_an_urgent_case_must_be_answered_within_ten_minutes(world, new_case):
    case = new_case(urgency="urgent")
    assert case.response_due_at - case.received_at == timedelta(minutes=10)


def test_the_resolution_deadline_skips_the_national_day_holiday(world, new_case):
    # Received on 2026-09-30 (Wed) 10:00 with 3 working days: 10-01..10-07 are holidays, 10-08 is the first working
    # day after them, so the third working day is 10-10 (a Saturday made a working day by 调休).
    received = datetime(2026, 9, 30, 10, 0, tzinfo=SH)
    with time_machine.travel(received, tick=False):
        case = new_case()
    assert case.resolution_due_at.astimezone(SH) == datetime(2026, 10, 10, 10, 0, tzinfo=SH)
    assert case.deadline_estimated is False


def test_a_deadline_beyond_the_known_calendar_is_estimated_not_refused(world, new_case):
    with time_machine.travel(datetime(2027, 2, 3, 9, 0, tzinfo=SH), tick=False):
        case = new_case()
    assert case.deadline_estimated is True
    assert case.resolution_due_at.astimezone(SH).date() > date(2027, 2, 8)


def test_the_sweep_flags_each_overdue_case_once_and_tells_the_next_level_up(world, new_case):
    case = new_case()
    later = case.response_due_at + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        first = services.sweep_deadlines()
        second = services.sweep_deadlines()
    assert first == {"response": 1, "resolution": 0}
    assert second == {"response": 0, "resolution": 0}
    case.refresh_from_db()
    assert case.response_overdue_at is not None
    assert CaseEvent.objects.filter(case=case, action="overdue_response").count() == 1
    assert Notification.objects.filter(recipient=world.secretary, kind="overdue_response").count() == 1


def test_a_responded_case_is_not_flagged_for_response_but_is_for_resolution(world, new_case):
    case = services.case_respond(case=new_case(), actor=world.owner)
    with time_machine.travel(case.resolution_due_at + timedelta(hours=1), tick=False):
        assert services.sweep_deadlines() == {"response": 0, "resolution": 1}
    assert Notification.objects.filter(recipient=world.owner, kind="overdue_resolution").exists()


def test_the_sweep_survives_a_restart_because_deadlines_live_in_the_database(world, new_case):
    case = new_case()
    # "Restart": nothing in memory is kept; the sweep reads only the stored deadline columns.
    with time_machine.travel(case.resolution_due_at + timedelta(days=1), tick=False):
        counts = sweep_deadlines.call()
    assert counts == {
        "lost_jobs_requeued": 0,
        "job_runs_purged": 0,
        "response": 1,
        "resolution": 1,
        "idempotency_records_purged": 0,
        "data_requests_overdue": 0,
        "import_sheets_purged": 0,
        "care_escalation_steps": 0,
        "notices_dispatched": 0,
        "action_items_overdue": 0,
        "patrol_due_dates_written": 0,
        "activity_occurrences_created": 0,
        "activity_messages_sent": 0,
        "partner_agreements_announced": 0,
        "idle_accounts_disabled": 0,
        "audit_rows_purged": 0,
        "audit_chain_broken": 0,
    }


def test_the_monitor_keeps_exactly_one_sweep_waiting(world):
    from django_tasks_db.models import DBTaskResult

    assert ensure_monitor_scheduled() is True
    assert ensure_monitor_scheduled() is False
    assert DBTaskResult.objects.filter(task_path=sweep_deadlines.module_path, status="READY").count() == 1
    call_command("start_monitor")
    assert DBTaskResult.objects.filter(task_path=sweep_deadlines.module_path, status="READY").count() == 1


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks, as in production
def test_the_worker_runs_the_sweep_and_schedules_the_next(world, new_case):
    from django_tasks_db.models import DBTaskResult

    case = new_case()
    Case.objects.filter(pk=case.pk).update(response_due_at=case.received_at - timedelta(minutes=1))
    ensure_monitor_scheduled()
    call_command("db_worker", batch=True, interval=0, startup_delay=False, max_tasks=1, verbosity=0)
    case.refresh_from_db()
    assert case.response_overdue_at is not None
    done = DBTaskResult.objects.filter(task_path=sweep_deadlines.module_path, status="SUCCESSFUL")
    assert done.count() == 1
    assert DBTaskResult.objects.filter(task_path=sweep_deadlines.module_path, status="READY").count() == 1
