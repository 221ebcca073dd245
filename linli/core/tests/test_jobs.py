"""Background jobs are retried with back-off, dead-lettered after five failures, and take effect once (RE-04)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from linli.core import jobs
from linli.core.models import DeadLetter, JobRun, Notification

pytestmark = pytest.mark.django_db(transaction=True)  # the real worker, committing as in production

STATE = {"fail_first": 0}


@jobs.job()
def always_fails(reason: str) -> None:
    """A job whose every run fails, after writing something its transaction then takes back."""
    Notification.objects.create(recipient_id=_anyone(), kind="job_test", message="half-done")
    raise RuntimeError(reason)


@jobs.job()
def note_once(user_id: int, text: str) -> int:
    """Write one notification, failing after the write while STATE says so (a crash mid-way)."""
    made = Notification.objects.create(recipient_id=user_id, kind="job_test", message=text)
    if STATE["fail_first"] > 0:
        STATE["fail_first"] -= 1
        raise ConnectionError("the worker was killed here")
    return made.pk


def _anyone() -> int:
    from linli.accounts.models import User

    return User.objects.order_by("pk").values_list("pk", flat=True).first()


def _work() -> int:
    """What a `linli db_worker` would do now: run every task that is due, then stop."""
    before = DBTaskResult.objects.exclude(status="READY").count()
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    return DBTaskResult.objects.exclude(status="READY").count() - before


def test_a_job_that_fails_five_times_is_dead_lettered_with_its_reason_and_the_administrators_are_told(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        always_fails.enqueue("the SMS gateway said 503")
        waits = []
        for _attempt in range(5):
            assert _work() == 1
            run = JobRun.objects.get()
            if run.next_attempt_at:
                waits.append((run.next_attempt_at - timezone.now()).total_seconds())
                clock.shift(run.next_attempt_at - timezone.now() + timedelta(seconds=1))
        assert _work() == 0  # nothing is left to try
    assert waits == [60, 120, 240, 480]  # 1, 2, 4, 8 minutes between the five tries
    run = JobRun.objects.get()
    assert run.status == "dead" and run.fail_count == 5 and run.next_attempt_at is None
    assert "RuntimeError: the SMS gateway said 503" in run.last_error
    assert run.task_path == always_fails.module_path and run.args == ["the SMS gateway said 503"]
    assert list(DeadLetter.objects.all()) == [run]
    assert DBTaskResult.objects.filter(status="FAILED").count() == 5
    assert not Notification.objects.filter(kind="job_test").exists()  # each try's partial write rolled back
    told = Notification.objects.filter(kind="job_dead_letter")
    assert list(told.values_list("recipient", flat=True)) == [world.admin.pk]
    assert always_fails.module_path in told.get().message


def test_a_run_that_crashes_after_partial_work_runs_again_and_its_effect_happens_once(world):
    STATE["fail_first"] = 1
    with time_machine.travel(timezone.now(), tick=False) as clock:
        note_once.enqueue(world.owner.pk, "楼道灯已修好")
        _work()
        assert not Notification.objects.filter(kind="job_test").exists()  # the crash took the write back
        run = JobRun.objects.get()
        assert run.status == "retrying" and run.fail_count == 1 and "killed" in run.last_error
        clock.shift(timedelta(minutes=1, seconds=1))
        _work()
    assert Notification.objects.filter(kind="job_test", message="楼道灯已修好").count() == 1
    run.refresh_from_db()
    assert run.status == "succeeded" and run.finished_at is not None


def test_a_run_whose_worker_died_goes_back_to_the_queue_and_takes_effect_once(world):
    result = note_once.enqueue(world.owner.pk, "孙大爷已探访")
    # The worker claimed it and was killed: its transaction never committed, the row still says RUNNING.
    started = timezone.now() - timedelta(hours=1)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=started, worker_ids=["gone"]
    )
    assert _work() == 0  # a RUNNING row is nobody's to take...
    assert jobs.requeue_lost_runs() == 1  # ...until the sweep sees it has been running far too long
    assert jobs.requeue_lost_runs() == 0
    _work()
    assert Notification.objects.filter(kind="job_test", message="孙大爷已探访").count() == 1
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
    run = JobRun.objects.get()
    assert run.status == "succeeded" and run.fail_count == 1 and "stopped" in run.last_error


def test_an_administrator_retries_a_dead_letter_now_with_a_fresh_set_of_attempts(world, settings):
    settings.LINLI_JOB_MAX_ATTEMPTS = 1
    STATE["fail_first"] = 1
    note_once.enqueue(world.owner.pk, "重试")
    _work()
    letter = DeadLetter.objects.get()
    assert letter.fail_count == 1
    assert DeadLetter in admin.site._registry and JobRun in admin.site._registry
    model_admin = admin.site._registry[DeadLetter]
    assert "retry_now" in model_admin.get_actions(_admin_request(world))
    jobs.retry_now(letter)
    letter = JobRun.objects.get(pk=letter.pk)
    assert (letter.status, letter.fail_count) == ("retrying", 0)
    assert not DeadLetter.objects.exists()
    _work()
    assert Notification.objects.filter(kind="job_test", message="重试").count() == 1
    assert JobRun.objects.get().status == "succeeded"


def _admin_request(world):
    from django.test import RequestFactory

    world.admin.is_staff = world.admin.is_superuser = True
    request = RequestFactory().get("/admin/core/deadletter/")
    request.user = world.admin
    return request


def test_a_failing_sweep_keeps_one_link_of_the_chain_waiting_and_counts_its_failures(world, monkeypatch):
    from linli.cases import services
    from linli.cases.tasks import ensure_monitor_scheduled, sweep_deadlines

    def broken(*args, **kwargs):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(services, "sweep_deadlines", broken)
    waiting = DBTaskResult.objects.filter(task_path=sweep_deadlines.module_path, status="READY")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        ensure_monitor_scheduled()
        for failures in (1, 2):
            _work()
            assert waiting.count() == 1  # the chain goes on, and no retry doubles it
            assert JobRun.objects.get().fail_count == failures
            clock.shift(timedelta(minutes=10))
        monkeypatch.undo()
        _work()
    assert JobRun.objects.get().status == "succeeded"
    assert waiting.count() == 1


def test_enqueue_on_commit_queues_nothing_when_the_transaction_rolls_back(world):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.enqueue_on_commit(note_once, world.owner.pk, "不该发")
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()
    with transaction.atomic():
        jobs.enqueue_on_commit(note_once, world.owner.pk, "该发")
    assert DBTaskResult.objects.filter(status="READY").count() == 1
