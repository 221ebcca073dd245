"""A failed delivery is tried again after 1, 5 and 30 minutes, then given up with its reason; a failure that
cannot pass later stops at once; and nothing is ever sent twice."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linli.notices import services
from linli.notices.models import Delivery, Notice
from linli.notices.tasks import run_notice

from .conftest import place


@pytest.fixture
def t0():
    return timezone.now().replace(microsecond=0)


def robot_notice(world, send):
    return send(place=place(world.grid_a), channels=["wecom"])


def queued_runs(notice):
    from django_tasks_db.models import DBTaskResult

    return sorted(
        r.run_after
        for r in DBTaskResult.objects.filter(task_path=run_notice.module_path, status="READY")
        if r.args_kwargs["args"] == [notice.pk]
    )


def test_a_server_error_is_retried_after_a_minute_then_succeeds(world, send, robots, http_receiver, t0):
    http_receiver.replies = [(500, b"busy")]
    with time_machine.travel(t0, tick=False):
        notice = robot_notice(world, send)
        run_notice.call(notice.pk)
    delivery = Delivery.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error == "HTTP 500 from the gateway"
    assert delivery.next_attempt_at == t0 + timedelta(minutes=1)
    assert queued_runs(notice) == [t0 + timedelta(minutes=1)]  # the job booked its next run
    assert Notice.objects.get(pk=notice.pk).status == "sending"

    with time_machine.travel(t0 + timedelta(seconds=59), tick=False):
        run_notice.call(notice.pk)  # not due yet
    assert len(http_receiver.requests) == 1

    with time_machine.travel(t0 + timedelta(minutes=1), tick=False):
        run_notice.call(notice.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert delivery.sent_at == t0 + timedelta(minutes=1)
    assert len(http_receiver.requests) == 2
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_it_gives_up_after_the_last_attempt_and_keeps_the_reason(world, send, robots, http_receiver, t0):
    http_receiver.replies = [(503, b"")] * 4
    with time_machine.travel(t0, tick=False):
        notice = robot_notice(world, send)
        run_notice.call(notice.pk)
    waits = []
    moment = t0
    for _ in range(3):
        delivery = Delivery.objects.get(notice=notice)
        assert delivery.status == "pending"
        waits.append(delivery.next_attempt_at - moment)
        moment = delivery.next_attempt_at
        with time_machine.travel(moment, tick=False):
            run_notice.call(notice.pk)
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30)]
    delivery = Delivery.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 4, None)
    assert delivery.last_error == "HTTP 503 from the gateway"
    assert len(http_receiver.requests) == 4
    notice.refresh_from_db()
    assert notice.status == "failed"
    with time_machine.travel(moment + timedelta(hours=2), tick=False):
        run_notice.call(notice.pk)
        assert services.notices_sweep() == 0
    assert len(http_receiver.requests) == 4


def test_a_client_error_stops_at_once(world, send, robots, http_receiver, t0):
    http_receiver.replies = [(400, b'{"errcode":40001}')]
    with time_machine.travel(t0, tick=False):
        notice = robot_notice(world, send)
        run_notice.call(notice.pk)
    delivery = Delivery.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "failed",
        1,
        "HTTP 400 from the gateway",
    )
    assert queued_runs(notice) == []
    notice.refresh_from_db()
    assert notice.status == "failed"


def test_some_failed_some_sent_is_partly_failed(world, registry, send, sms_gateway):
    sms_gateway.replies = [(400, b"bad number")]  # the first of the two SMS
    notice = send(channels=["sms", "in_app"])
    run_notice.call(notice.pk)
    notice.refresh_from_db()
    assert notice.status == "partly_failed"
    assert sorted(Delivery.objects.filter(notice=notice).values_list("channel", "status")) == [
        ("in_app", "sent"),
        ("sms", "failed"),
        ("sms", "sent"),
    ]


def test_running_the_job_again_sends_nothing_twice(world, send, robots, http_receiver):
    notice = robot_notice(world, send)
    run_notice.call(notice.pk)
    run_notice.call(notice.pk)
    assert services.notices_sweep(now=timezone.now() + timedelta(hours=1)) == 0
    assert len(http_receiver.requests) == 1


def test_a_delivery_is_claimed_once(world, send, robots, http_receiver):
    notice = robot_notice(world, send)
    delivery = Delivery.objects.get(notice=notice)
    assert services.delivery_send(delivery_id=delivery.pk) == "sent"
    assert services.delivery_send(delivery_id=delivery.pk) == ""
    assert len(http_receiver.requests) == 1


def test_dispatching_twice_creates_the_deliveries_once(world, registry, send):
    notice = send(channels=["in_app"], send_at=timezone.now() + timedelta(hours=1))
    later = timezone.now() + timedelta(hours=2)
    assert services.notice_dispatch(notice_id=notice.pk, now=later) == 1
    assert services.notice_dispatch(notice_id=notice.pk, now=later) == 0
    assert Delivery.objects.filter(notice=notice).count() == 1
    existing = Delivery.objects.get(notice=notice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            notice=notice, channel=existing.channel, recipient_key=existing.recipient_key, created_at=later
        )


def test_a_claim_left_by_a_worker_that_died_is_taken_over_after_its_lease(
    world, send, robots, http_receiver, t0
):
    with time_machine.travel(t0, tick=False):
        notice = robot_notice(world, send)
    # A worker claimed it and died before recording anything.
    Delivery.objects.filter(notice=notice).update(
        status="sending", attempts=1, claimed_at=t0, claim_token="dead"
    )
    with time_machine.travel(t0 + timedelta(minutes=5), tick=False):
        run_notice.call(notice.pk)
    assert http_receiver.requests == []  # it may still be sending
    with time_machine.travel(t0 + timedelta(minutes=11), tick=False):
        assert services.notices_sweep() == 1
    delivery = Delivery.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(http_receiver.requests) == 1
    # The dead worker's late outcome cannot overwrite the new one.
    assert services._record_sent(delivery, "dead", t0) is False


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_delivery_send_it_once(world, http_receiver):
    from linli.notices.models import GroupEndpoint

    GroupEndpoint.objects.create(
        name="群", channel="wecom", grid=world.grid_a, webhook_url=f"{http_receiver.url}/hook"
    )
    notice = services.notice_create(
        actor=world.secretary,
        title="停水通知",
        body="今天停水。",
        place=place(world.grid_a),
        channels=["wecom"],
    )
    delivery = Delivery.objects.get(notice=notice)
    barrier = threading.Barrier(4)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(services.delivery_send(delivery_id=delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["", "", "", "sent"]
    assert len(http_receiver.requests) == 1
