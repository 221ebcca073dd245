"""A notice can wait for its time: the queue runs it then, the sweep runs it if the queue lost it, and it can be
cancelled until it goes out."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from linli.core.errors import Conflict, NotAllowed
from linli.core.models import AuditEntry, Notification
from linli.notices import services
from linli.notices.models import Delivery, Notice
from linli.notices.tasks import run_notice
from linli.residents.models import Resident
from linli.residents.tests.conftest import _resident

from .conftest import place


def queued(notice):
    from django_tasks_db.models import DBTaskResult

    return [
        r.run_after
        for r in DBTaskResult.objects.filter(task_path=run_notice.module_path, status="READY")
        if r.args_kwargs["args"] == [notice.pk]
    ]


def test_a_scheduled_notice_waits_and_its_job_is_queued_for_its_time(
    world, registry, send, django_capture_on_commit_callbacks
):
    at = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(send_at=at, channels=["in_app"])
    assert (notice.status, notice.send_at, notice.dispatched_at) == ("scheduled", at, None)
    assert not Delivery.objects.filter(notice=notice).exists()
    assert queued(notice) == [at]
    entry = AuditEntry.objects.get(event="notice_send", object_id=str(notice.pk))
    assert (entry.actor, entry.detail) == (
        world.secretary,
        {"recipients": 1, "channels": ["in_app"], "scheduled": True},
    )

    run_notice.call(notice.pk)  # too early: nothing happens
    assert Notice.objects.get(pk=notice.pk).status == "scheduled"

    with time_machine.travel(at, tick=False):
        run_notice.call(notice.pk)
    notice.refresh_from_db()
    assert (notice.status, notice.dispatched_at, notice.recipient_count) == ("sent", at, 1)
    assert Notification.objects.filter(recipient=world.owner, kind="notice").count() == 1


def test_a_scheduled_notice_reaches_the_audience_as_it_is_when_it_goes_out(
    world, registry, send, sms_gateway
):
    at = timezone.now() + timedelta(days=1)
    notice = send(send_at=at, channels=["sms"])
    assert notice.recipient_count == 2  # what the preview counted
    Resident.objects.filter(pk=registry.han.pk).update(moved_out=timezone.localdate())
    _resident(registry.home_a, "新住户", registry.li.birth_date, 61, female=True, phone="13520006666")
    with time_machine.travel(at, tick=False):
        run_notice.call(notice.pk)
    assert sorted(r.json()["phone"] for r in sms_gateway.requests) == ["13520006666", "13820001111"]


def test_the_sweep_sends_a_scheduled_notice_the_queue_lost_once(world, registry, send):
    at = timezone.now() + timedelta(hours=1)
    notice = send(send_at=at)
    assert services.notices_sweep(now=at + timedelta(minutes=1)) == 0  # the queue still has time
    assert services.notices_sweep(now=at + timedelta(minutes=3)) == 2  # dispatched, one delivery sent
    assert services.notices_sweep(now=at + timedelta(minutes=4)) == 0
    run_notice.call(notice.pk)
    notice.refresh_from_db()
    assert notice.status == "sent"
    assert Notification.objects.filter(kind="notice").count() == 1


def test_the_sweep_retries_a_delivery_whose_retry_the_queue_lost(world, send, robots, http_receiver):
    http_receiver.replies = [(500, b"")]
    notice = send(place=place(world.grid_a), channels=["wecom"])
    run_notice.call(notice.pk)
    due = Delivery.objects.get(notice=notice).next_attempt_at
    assert services.notices_sweep(now=due + timedelta(minutes=3)) == 1
    assert Delivery.objects.get(notice=notice).status == "sent"
    assert len(http_receiver.requests) == 2


def test_the_sweep_settles_a_notice_whose_worker_died_before_settling_it(world, send):
    notice = send()
    run_notice.call(notice.pk)
    Notice.objects.filter(pk=notice.pk).update(status="sending", finished_at=None)
    assert services.notices_sweep() == 0
    assert Notice.objects.get(pk=notice.pk).status == "sent"


def test_a_scheduled_notice_can_be_cancelled_and_then_never_goes_out(world, registry, send):
    at = timezone.now() + timedelta(hours=1)
    notice = send(send_at=at, actor=world.owner)
    services.notice_cancel(notice=notice, actor=world.secretary)
    notice.refresh_from_db()
    assert (notice.status, notice.cancelled_by) == ("cancelled", world.secretary)
    assert AuditEntry.objects.filter(event="notice_cancel", object_id=str(notice.pk)).count() == 1
    with time_machine.travel(at + timedelta(hours=1), tick=False):
        run_notice.call(notice.pk)
        assert services.notices_sweep() == 0
    assert not Delivery.objects.filter(notice=notice).exists()
    with pytest.raises(Conflict):
        services.notice_cancel(notice=notice, actor=world.secretary)


def test_a_notice_that_went_out_cannot_be_cancelled(world, send):
    notice = send()
    with pytest.raises(Conflict) as exc:
        services.notice_cancel(notice=notice, actor=world.secretary)
    assert exc.value.code == "not_cancellable"


def test_only_someone_who_may_send_to_the_audience_may_cancel(world, send):
    notice = send(send_at=timezone.now() + timedelta(hours=1))
    for someone in (world.colleague_worker, world.outsider, world.dept):
        with pytest.raises(NotAllowed):
            services.notice_cancel(notice=notice, actor=someone)
    assert Notice.objects.get(pk=notice.pk).status == "scheduled"


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks, as in production
def test_the_worker_sends_a_notice_queued_when_it_was_created(world):
    notice = services.notice_create(
        actor=world.secretary,
        title="消防安全提醒",
        body="楼道内不堆放杂物。",
        place=place(world.grid_a),
        channels=["in_app"],
    )
    call_command("db_worker", batch=True, interval=0, startup_delay=False, max_tasks=1, verbosity=0)
    notice.refresh_from_db()
    assert notice.status == "sent"
    assert Notification.objects.get(kind="notice").recipient == world.owner


@pytest.mark.django_db(transaction=True)
def test_two_workers_dispatching_one_notice_create_its_deliveries_once(world):
    import threading

    from django.db import connection

    at = timezone.now() + timedelta(hours=1)
    notice = services.notice_create(
        actor=world.secretary,
        title="停电通知",
        body="明天停电。",
        place=place(world.xiningdao),
        channels=["in_app"],
        send_at=at,
    )
    barrier, created = threading.Barrier(3), []

    def worker():
        try:
            barrier.wait()
            created.append(services.notice_dispatch(notice_id=notice.pk, now=at))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(created) == [0, 0, 2]  # the two grid workers, once
    assert Delivery.objects.filter(notice=notice).count() == 2
