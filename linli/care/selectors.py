"""Reads of the care app, always through the viewer's scope: a care row is visible like the resident it is for."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.utils import timezone

from linli.cases.choices import OPEN_STATUSES
from linli.core.validators import mask_name, mask_phone
from linli.residents.models import Resident
from linli.residents.selectors import is_handler_here, live_assignments, today, visits_due

from .choices import OPEN_ORDER_STATUSES, WAITING_CALL_STATUSES, ServiceVisitStatus
from .models import CareCall, CareOrder, CareProvider, ServiceVisit, Terminal

LIST_CAP = 200


def _live_tags(prefix: str) -> list[Prefetch]:
    return [
        Prefetch(f"{prefix}tag_assignments", queryset=live_assignments(), to_attr="live_tags"),
        Prefetch(f"{prefix}household__tag_assignments", queryset=live_assignments(), to_attr="live_tags"),
    ]


def _get(qs, pk):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def may_use_care(user) -> bool:
    """Care pages are for the staff who see the registry: grid workers and leaders, secretaries, street, admins."""
    from linli.residents.selectors import may_use_registry

    return may_use_registry(user)


def is_handler_of(user, row) -> bool:
    """Whether the viewer works with this row's resident by name (their grid's worker or leader, the secretary)."""
    return bool(row.resident_id) and is_handler_here(user, row.resident.household)


def shown_phone(user, row, phone: str) -> str:
    return phone if is_handler_of(user, row) else mask_phone(phone)


def shown_name(user, row) -> str:
    if not row.resident_id:
        return ""
    return row.resident.name if is_handler_of(user, row) else mask_name(row.resident.name)


# ---------------------------------------------------------------- terminals and calls

_RESIDENT = ("resident__household__building__compound", "resident__household__unit")


def terminals_for(user):
    return (
        Terminal.objects.visible_to(user)
        .select_related("provider", *_RESIDENT)
        .order_by("-registered_at", "-id")
    )


def get_terminal_for_user(user, pk) -> Terminal:
    return _get(terminals_for(user), pk)


def calls_for(user, *, waiting: bool = False):
    qs = CareCall.objects.visible_to(user).select_related(
        "provider", "case", "order", "answered_by", *_RESIDENT
    )
    if waiting:
        qs = qs.filter(status__in=WAITING_CALL_STATUSES)
    return qs.order_by("-received_at", "-id")


def get_call_for_user(user, pk) -> CareCall:
    return _get(calls_for(user), pk)


def call_alerts(call: CareCall):
    return call.alerts.select_related("user").order_by("created_at", "id")


def unknown_device_calls(user):
    """Events of devices nobody registered: only administrators see them (they hold no resident)."""
    if not user.scope.is_admin:
        return CareCall.objects.none()
    return CareCall.objects.filter(resident__isnull=True).select_related("provider").order_by("-received_at")


# ---------------------------------------------------------------- orders and providers


def orders_for(user, *, status: str = "", open_only: bool = False):
    qs = CareOrder.objects.visible_to(user).select_related("provider", *_RESIDENT)
    if status:
        qs = qs.filter(status=status)
    elif open_only:
        qs = qs.filter(status__in=OPEN_ORDER_STATUSES)
    next_visit = ServiceVisit.objects.filter(
        order=OuterRef("pk"), status=ServiceVisitStatus.PLANNED
    ).order_by("scheduled_for")
    return qs.annotate(next_visit_at=Subquery(next_visit.values("scheduled_for")[:1])).order_by(
        "-created_at", "-id"
    )


def get_order_for_user(user, pk) -> CareOrder:
    return _get(orders_for(user), pk)


def order_visits(order: CareOrder):
    return order.visits.select_related("done_by").prefetch_related("photos").order_by("scheduled_for", "id")


def providers_for(user, community_id: int | None = None):
    scope = user.scope
    qs = CareProvider.objects.filter(is_active=True).select_related("community")
    if not scope.is_admin:
        qs = qs.filter(
            Q(community_id__in=scope.community_ids)
            | Q(community_id__in=scope.grid_community_ids)
            | Q(community__street_id__in=scope.street_ids)
        )
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs.order_by("kind", "name")


def provider_phone(user, provider: CareProvider) -> str:
    """The provider's phone in full for the community's staff who schedule with it, masked otherwise."""
    scope = user.scope
    if provider.community_id in scope.community_ids or provider.community_id in scope.grid_community_ids:
        return provider.phone
    return mask_phone(provider.phone)


def get_photo_for_user(user, uuid):
    from .models import CarePhoto

    try:
        return CarePhoto.objects.select_related("order").get(
            uuid=uuid, order__in=CareOrder.objects.visible_to(user).values("pk")
        )
    except (CarePhoto.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- visits (探访)


def visit_lists(user, *, on: date | None = None, worker=None, ahead_days: int | None = None) -> dict:
    """The viewer's (or one worker's) people to visit: `overdue` (past their due date) and `due` (due today or in
    the next days, or never visited), each a queryset ordered by due date."""
    on = on or today()
    ahead = ahead_days if ahead_days is not None else settings.LINLI_CARE_DUE_AHEAD_DAYS
    qs = visits_due(user, on=on + timedelta(days=ahead))
    if worker is not None:
        qs = qs.filter(care_worker=worker)
    return {
        "overdue": qs.filter(next_visit_due__lt=on),
        "due": qs.filter(Q(next_visit_due__gte=on) | Q(next_visit_due__isnull=True)),
    }


# ---------------------------------------------------------------- the care board


def quiet_days() -> int:
    return int(settings.LINLI_CARE_QUIET_DAYS)


def board(user, *, on: date | None = None, limit: int = 50) -> dict:
    """The secretary's care board: open calls, missed visits, and people nobody has heard from in N days (no
    visit, no call, no terminal activity), among the residents under care (a visit cadence or a terminal)."""
    on = on or today()
    now = timezone.now()
    cut = now - timedelta(days=quiet_days())
    open_calls = (
        calls_for(user)
        .filter(Q(status__in=WAITING_CALL_STATUSES) | Q(case__status__in=OPEN_STATUSES))
        .exclude(resident__isnull=True)
        .prefetch_related(*_live_tags("resident__"))
    )
    people = Resident.objects.visible_to(user).current()
    under_care = Q(visit_every_days__isnull=False) | Q(terminals__is_active=True)
    missed = (
        people.filter(visit_every_days__isnull=False, next_visit_due__lt=on)
        .select_related("household__building__compound", "household__unit", "care_worker")
        .prefetch_related(*_live_tags(""))
        .order_by("next_visit_due", "id")
    )
    last_call = (
        CareCall.objects.filter(resident=OuterRef("pk")).order_by("-received_at").values("received_at")[:1]
    )
    last_signal = (
        Terminal.objects.filter(resident=OuterRef("pk"), last_event_at__isnull=False)
        .order_by("-last_event_at")
        .values("last_event_at")[:1]
    )
    quiet = (
        people.filter(under_care)
        .distinct()
        .annotate(last_call_at=Subquery(last_call), last_signal_at=Subquery(last_signal))
        .filter(Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=cut))
        .filter(Q(last_call_at__isnull=True) | Q(last_call_at__lt=cut))
        .filter(Q(last_signal_at__isnull=True) | Q(last_signal_at__lt=cut))
        .select_related("household__building__compound", "household__unit", "care_worker")
        .prefetch_related(*_live_tags(""))
        .order_by("last_visit_at", "id")
    )
    return {
        "open_calls": open_calls[:limit],
        "open_calls_count": open_calls.count(),
        "missed": missed[:limit],
        "missed_count": missed.count(),
        "quiet": quiet[:limit],
        "quiet_count": quiet.count(),
        "quiet_days": quiet_days(),
        "open_orders_count": CareOrder.objects.visible_to(user)
        .filter(status__in=OPEN_ORDER_STATUSES)
        .count(),
        "on": on,
    }
