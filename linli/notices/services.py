"""Every write of the notices app: compose a notice (now or at a time), dispatch it into deliveries, send them
with retries and back-off, cancel a scheduled one, and the restart-safe sweep.

Sending is at-least-once towards the outside world and exactly-once in here: a delivery is sent only by the
worker whose conditional UPDATE claimed it, and only that claim may record the outcome. A worker that dies
between a gateway's answer and the record leaves a claim that expires after CLAIM_LEASE and is tried again; the
SMS gateway drops the repeat by its request id, e-mail repeats carry the same Message-ID, and a robot posts twice."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.choices import Action
from linli.cases.workflow import allowed_actions
from linli.core.audit import audit
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.outbound import DeliveryError

from . import audience, tasks
from .audience import Place, Recipient
from .channels import CHANNELS, channel_for
from .choices import (
    BODY_MAX,
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    MAX_SCHEDULE_AHEAD,
    RETRY_DELAYS,
    ROBOT_CHANNELS,
    SWEEP_GRACE,
    TITLE_MAX,
    DeliveryChannel,
    DeliveryStatus,
    ErrorCode,
    NoticeStatus,
)
from .models import Delivery, Notice, NoticeTemplate
from .placeholders import label_for, placeholders_in

logger = logging.getLogger(__name__)

OPEN_DELIVERY_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
SWEEP_BATCH = 200  # notices per sweep; the rest wait for the next one


class _ClaimLost(Exception):
    """Another worker took the delivery over (our claim expired): our outcome must not be recorded."""


# ---------------------------------------------------------------- compose


def notice_create(
    *,
    actor,
    title: str,
    body: str,
    place: Place | None,
    channels: Sequence[str],
    tag=None,
    send_at: datetime | None = None,
    template: NoticeTemplate | None = None,
    case=None,
    request=None,
) -> Notice:
    """Compose a notice to an audience and send it now, or schedule it for ``send_at``.

    The deliveries of a notice sent now are created here, in the transaction that creates the notice; a
    scheduled one gets them when it is due, from the audience as it is then. The job that sends them is queued
    once the transaction has committed."""
    now = timezone.now()
    title, body = (title or "").strip(), (body or "").strip()
    _check_text(title, body)
    if place is None or not audience.may_send_to(actor, place):
        raise InvalidInput(
            _("Choose a place you may send notices to."), field="place_id", code=ErrorCode.PLACE_NOT_ALLOWED
        )
    if tag is not None and not tag.visible_for(actor.scope.roles):
        raise InvalidInput(
            _("You may not address residents by this tag."), field="tag", code=ErrorCode.TAG_NOT_ALLOWED
        )
    channels = _check_channels(channels, tag)
    _check_send_at(send_at, now)
    found = audience.recipients(place=place, tag=tag, channels=channels, sender=actor)
    if not found:
        raise InvalidInput(
            _("Nobody in this audience can be reached on the chosen channels."),
            field="channels",
            code=ErrorCode.NO_RECIPIENTS,
        )
    with transaction.atomic():
        notice = Notice.objects.create(
            title=title,
            body=body,
            template=template,
            place_kind=place.kind,
            grid=place.grid,
            building=place.building,
            compound=place.compound,
            community=place.community,
            street_id=place.community.street_id,
            tag=tag,
            channels=channels,
            status=NoticeStatus.SCHEDULED,
            send_at=send_at or now,
            recipient_count=len(found),
            case=case,
            created_by=actor,
            created_at=now,
        )
        if send_at is None:
            _dispatch(notice, found, now)
        if case is not None:
            _note_on_case(case=case, notice=notice, actor=actor, recipients=len(found))
        audit(
            "notice_send",
            actor=actor,
            request=request,
            obj=notice,
            recipients=len(found),
            channels=channels,
            scheduled=send_at is not None,
        )
        notice_id = notice.pk
        transaction.on_commit(lambda: tasks.enqueue_notice_run(notice_id, at=send_at))
    return notice


def _check_text(title: str, body: str) -> None:
    if not title:
        raise InvalidInput(_("Give the notice a title."), field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(_("The title is at most %(n)s characters.") % {"n": TITLE_MAX}, field="title")
    if not body:
        raise InvalidInput(_("Write the text of the notice."), field="body")
    if len(body) > BODY_MAX:
        raise InvalidInput(_("The text is at most %(n)s characters.") % {"n": BODY_MAX}, field="body")
    missing = placeholders_in(title, body)
    if missing:
        raise InvalidInput(
            _("Fill in: %(names)s.") % {"names": ", ".join(label_for(n) for n in missing)},
            field="values",
            code=ErrorCode.PLACEHOLDER_MISSING,
            missing=missing,
        )


def _check_channels(channels: Sequence[str], tag) -> list[str]:
    chosen = set(channels or ())
    if not chosen:
        raise InvalidInput(_("Choose at least one channel."), field="channels")
    unknown = sorted(chosen - set(CHANNELS))
    if unknown:
        raise InvalidInput(_("Unknown channel: %(c)s") % {"c": ", ".join(unknown)}, field="channels")
    off = [
        str(DeliveryChannel(c).label)
        for c in DeliveryChannel.values
        if c in chosen and not CHANNELS[c].available()
    ]
    if off:
        raise InvalidInput(
            _("Not set up on this server: %(c)s") % {"c": ", ".join(off)},
            field="channels",
            code=ErrorCode.CHANNEL_UNAVAILABLE,
        )
    if tag is not None and chosen & set(ROBOT_CHANNELS):
        raise InvalidInput(
            _("Group robots post to the whole group, so they cannot address a tag group."),
            field="channels",
            code=ErrorCode.CHANNEL_UNAVAILABLE,
        )
    return [c for c in DeliveryChannel.values if c in chosen]


def _check_send_at(send_at: datetime | None, now: datetime) -> None:
    if send_at is None:
        return
    if send_at <= now:
        raise InvalidInput(
            _("The time to send is in the past; choose a later one or send now."),
            field="send_at",
            code=ErrorCode.SEND_AT_PAST,
        )
    if send_at > now + MAX_SCHEDULE_AHEAD:
        raise InvalidInput(
            _("A notice can be scheduled at most a year ahead."),
            field="send_at",
            code=ErrorCode.SEND_AT_TOO_LATE,
        )


def _note_on_case(*, case, notice: Notice, actor, recipients: int) -> None:
    """The notice on the case's timeline, when the case still takes notes (a closed case keeps its timeline as
    it is; the notice links to it all the same)."""
    from linli.cases.services import case_add_note

    if Action.NOTE not in allowed_actions(actor, case):
        return
    if notice.status == NoticeStatus.SCHEDULED:
        note = _("Notice “%(title)s” to %(audience)s scheduled for %(at)s.") % {
            "title": notice.title,
            "audience": notice.audience_name,
            "at": timezone.localtime(notice.send_at).strftime("%Y-%m-%d %H:%M"),
        }
    else:
        note = _("Notice “%(title)s” sent to %(audience)s (recipients: %(n)s).") % {
            "title": notice.title,
            "audience": notice.audience_name,
            "n": recipients,
        }
    case_add_note(case=case, actor=actor, note=note)


def notice_cancel(*, notice: Notice, actor, request=None) -> Notice:
    """Cancel a scheduled notice before it goes out (whoever may send to its audience may cancel it)."""
    if not audience.may_send_to(actor, audience.place_of(notice)):
        raise NotAllowed(_("You may not cancel this notice."))
    now = timezone.now()
    with transaction.atomic():
        cancelled = Notice.objects.filter(pk=notice.pk, status=NoticeStatus.SCHEDULED).update(
            status=NoticeStatus.CANCELLED, cancelled_at=now, cancelled_by=actor
        )
        if not cancelled:
            raise Conflict(
                _("Only a scheduled notice that has not gone out yet can be cancelled."),
                field="status",
                code=ErrorCode.NOT_CANCELLABLE,
            )
        audit("notice_cancel", actor=actor, request=request, obj=notice)
    notice.refresh_from_db()
    return notice


# ---------------------------------------------------------------- dispatch


def notice_dispatch(*, notice_id: int, now: datetime | None = None) -> int:
    """Turn a due scheduled notice into its deliveries, once; returns how many it created (0 if not due, already
    dispatched or cancelled)."""
    now = now or timezone.now()
    with transaction.atomic():
        notice = (
            Notice.objects.with_related()
            .filter(pk=notice_id, status=NoticeStatus.SCHEDULED, send_at__lte=now)
            .first()
        )
        if notice is None:
            return 0
        found = audience.recipients(
            place=audience.place_of(notice),
            tag=notice.tag,
            channels=notice.channels,
            sender=notice.created_by,
        )
        return _dispatch(notice, found, now)


def _dispatch(notice: Notice, found: list[Recipient], now: datetime) -> int:
    # The claim: of two dispatchers only the one whose UPDATE finds the notice still scheduled goes on.
    claimed = Notice.objects.filter(pk=notice.pk, status=NoticeStatus.SCHEDULED).update(
        status=NoticeStatus.SENDING, dispatched_at=now
    )
    if not claimed:
        return 0
    Delivery.objects.bulk_create(
        [
            Delivery(
                notice=notice,
                channel=r.channel,
                recipient_key=r.key,
                resident_id=r.resident_id,
                user_id=r.user_id,
                endpoint_id=r.endpoint_id,
                recipient_label=r.label[:80],
                address_display=r.address[:80],
                next_attempt_at=now,
                created_at=now,
            )
            for r in found
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    count = Delivery.objects.filter(notice_id=notice.pk).count()
    Notice.objects.filter(pk=notice.pk).update(recipient_count=count)
    notice.status, notice.dispatched_at, notice.recipient_count = NoticeStatus.SENDING, now, count
    if count == 0:
        _settle(notice.pk, now)
    return count


# ---------------------------------------------------------------- sending


def _due_q(now: datetime) -> Q:
    """Deliveries to try now: waiting and due, or claimed by a worker that died (its claim expired)."""
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery if it is due and this call wins its claim; returns its new status ("" if not claimed).

    A retryable failure waits RETRY_DELAYS[attempt - 1] and is tried again, up to MAX_ATTEMPTS; any other failure,
    or the last attempt's, is final, with its reason kept in last_error."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    # Conditions on the row itself only: a filter through a join would make this an UPDATE … WHERE id IN
    # (subquery), which PostgreSQL does not re-check against a row another worker has just claimed.
    claimed = Delivery.objects.filter(_due_q(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return ""
    delivery = Delivery.objects.select_related("notice__community", "user", "endpoint").get(pk=delivery_id)
    channel = channel_for(delivery.channel)
    try:
        if channel.transactional:
            with transaction.atomic():
                channel.send(delivery)
                if not _record_sent(delivery, token, now):
                    raise _ClaimLost
        else:
            channel.send(delivery)
            if not _record_sent(delivery, token, now):
                return ""
    except _ClaimLost:
        return ""
    except DeliveryError as exc:
        return _record_failure(delivery, token, exc, now)
    except Exception as exc:  # a bug or a broken row must not keep the delivery claimed until the lease ends
        logger.exception("notice delivery %s failed unexpectedly", delivery_id)
        return _record_failure(delivery, token, DeliveryError(f"internal error: {type(exc).__name__}"), now)
    return DeliveryStatus.SENT


def _record_sent(delivery: Delivery, token: str, now: datetime) -> bool:
    return bool(
        Delivery.objects.filter(pk=delivery.pk, claim_token=token, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.SENT, sent_at=now, last_error="", claim_token="", next_attempt_at=None
        )
    )


def _record_failure(delivery: Delivery, token: str, exc: DeliveryError, now: datetime) -> str:
    retry = exc.retryable and delivery.attempts < MAX_ATTEMPTS
    status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
    Delivery.objects.filter(pk=delivery.pk, claim_token=token, status=DeliveryStatus.SENDING).update(
        status=status,
        next_attempt_at=now + RETRY_DELAYS[delivery.attempts - 1] if retry else None,
        last_error=str(exc.reason)[:300],
        claim_token="",
    )
    return status


def _run(notice_id: int, now: datetime | None) -> Counter[str]:
    """Dispatch the notice if it is due, try its due deliveries and settle it; counts what happened
    ("dispatched": deliveries created, then "sent", "retrying", "failed" and "skipped" deliveries)."""
    counts: Counter[str] = Counter({"dispatched": 0, "sent": 0, "retrying": 0, "failed": 0, "skipped": 0})
    counts["dispatched"] = notice_dispatch(notice_id=notice_id, now=now)
    moment = now or timezone.now()
    due = list(
        Delivery.objects.filter(_due_q(moment), notice_id=notice_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in due:
        outcome = delivery_send(delivery_id=pk, now=now)
        counts[{"": "skipped", DeliveryStatus.PENDING: "retrying"}.get(outcome, str(outcome))] += 1
    _settle(notice_id, now)
    return counts


def _settle(notice_id: int, now: datetime | None) -> None:
    """Once no delivery is open, the notice is sent, partly failed or failed."""
    if Delivery.objects.filter(notice_id=notice_id, status__in=OPEN_DELIVERY_STATUSES).exists():
        return
    totals = Delivery.objects.filter(notice_id=notice_id).aggregate(
        sent=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
    )
    if not totals["failed"]:
        status = NoticeStatus.SENT
    else:
        status = NoticeStatus.PARTLY_FAILED if totals["sent"] else NoticeStatus.FAILED
    Notice.objects.filter(pk=notice_id, status=NoticeStatus.SENDING).update(
        status=status, finished_at=now or timezone.now()
    )


def notice_run(*, notice_id: int, now: datetime | None = None) -> dict[str, int]:
    """The queued job of one notice: send what is due, then book the next run while retries wait."""
    counts = dict(_run(notice_id, now))
    next_at = (
        Delivery.objects.filter(notice_id=notice_id, status=DeliveryStatus.PENDING)
        .aggregate(at=Min("next_attempt_at"))
        .get("at")
    )
    if next_at is not None:
        tasks.enqueue_notice_run(notice_id, at=next_at)
    return counts


def notices_sweep(now: datetime | None = None) -> int:
    """Send what the queue lost: scheduled notices past due and deliveries past their attempt time (by more than
    SWEEP_GRACE, so the queue's own jobs are not raced), expired claims, and notices left unsettled. Safe to run
    any number of times and next to the queue; returns how many notices it dispatched and deliveries it tried."""
    now = now or timezone.now()
    cutoff = now - SWEEP_GRACE
    late_notices = Notice.objects.filter(status=NoticeStatus.SCHEDULED, send_at__lte=cutoff).values_list(
        "pk", flat=True
    )
    late_deliveries = (
        Delivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE),
            notice__status=NoticeStatus.SENDING,
        )
        .values_list("notice_id", flat=True)
        .distinct()
    )
    work = 0
    for notice_id in sorted(set(late_notices[:SWEEP_BATCH]) | set(late_deliveries[:SWEEP_BATCH])):
        counts = _run(notice_id, now)
        work += bool(counts["dispatched"]) + counts["sent"] + counts["failed"] + counts["retrying"]
    unsettled = Notice.objects.filter(status=NoticeStatus.SENDING).exclude(
        Exists(Delivery.objects.filter(notice_id=OuterRef("pk"), status__in=OPEN_DELIVERY_STATUSES))
    )
    for notice_id in unsettled.values_list("pk", flat=True)[:SWEEP_BATCH]:
        _settle(notice_id, now)
    return work
