"""Reads of notices, always through the viewer's scope."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404

from .audience import may_send_to, place_of
from .choices import DeliveryChannel, DeliveryStatus, NoticeStatus
from .models import Delivery, Notice, NoticeTemplate


def get_notice_for_user(user, pk) -> Notice:
    """The notice if the user may see it; 404 otherwise (outsiders learn nothing, not even that it exists)."""
    try:
        return Notice.objects.visible_to(user).with_related().get(pk=int(pk))
    except (Notice.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def notice_list(user, *, status: str = ""):
    """The notices the user may see, newest first, with their deliveries counted by state (one query)."""
    qs = Notice.objects.visible_to(user).with_related()
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(
        sent_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
        failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        open_count=Count(
            "deliveries", filter=Q(deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])
        ),
    ).order_by("-send_at", "-id")


def delivery_counts(notice: Notice) -> dict[str, dict[str, int]]:
    """{channel: {status: n}} for every channel the notice uses and every delivery state."""
    counts = {c: {s: 0 for s in DeliveryStatus.values} for c in notice.channels}
    rows = Delivery.objects.filter(notice=notice).values_list("channel", "status").annotate(n=Count("pk"))
    for channel, status, n in rows.order_by():
        counts.setdefault(channel, {s: 0 for s in DeliveryStatus.values})[status] = n
    return counts


def deliveries_of(notice: Notice, *, channel: str = "", status: str = ""):
    qs = Delivery.objects.filter(notice=notice)
    if channel in DeliveryChannel.values:
        qs = qs.filter(channel=channel)
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("channel", "status", "id")


def may_manage_notice(user, notice: Notice) -> bool:
    """Those who may send to the notice's audience see its deliveries and may cancel it; recipients only read it."""
    return may_send_to(user, place_of(notice))


def may_cancel_notice(user, notice: Notice) -> bool:
    return notice.status == NoticeStatus.SCHEDULED and may_manage_notice(user, notice)


def active_templates():
    return NoticeTemplate.objects.filter(is_active=True).order_by("ordering", "code")
