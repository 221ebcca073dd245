"""Reads of the charity app, through the viewer's scope; the public summary and the figures other apps show."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from linli.core.validators import mask_name
from linli.residents.models import Household, Resident, Tag
from linli.residents.selectors import household_address, is_handler_here, roles_here

from .choices import DeliveryStatus, MovementKind, PlanStatus
from .models import (
    CharityFile,
    Distribution,
    Donation,
    DonationItem,
    HandOver,
    HomeDelivery,
    Recipient,
    StockItem,
    StockMovement,
)
from .services import is_secretary_of, may_manage  # noqa: F401 - the pages and the API ask these


def may_use_charity(user) -> bool:
    """Community-side staff (grid workers and leaders, secretaries, street officers, administrators)."""
    return user.is_authenticated and user.scope.is_staff_member


def _get(qs, pk):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- accessors (404 to outsiders)


def get_donation_for_user(user, pk) -> Donation:
    return _get(donations_for(user), pk)


def get_stock_item_for_user(user, pk) -> StockItem:
    return _get(StockItem.objects.visible_to(user).select_related("community"), pk)


def get_distribution_for_user(user, pk) -> Distribution:
    return _get(distributions_for(user), pk)


def get_delivery_for_user(user, pk) -> HomeDelivery:
    """A delivery of a household the viewer may see (the address is on it)."""
    return _get(deliveries_for(user), pk)


def get_recipient_household(user, plan: Distribution, pk) -> Household:
    """A household of the plan's community the viewer may see; 404 otherwise."""
    return _get(
        Household.objects.visible_to(user)
        .filter(community_id=plan.community_id)
        .select_related("building__compound", "unit", "grid"),
        pk,
    )


def get_file_for_user(user, file_uuid) -> CharityFile:
    """A receipt for whoever sees the community's donations; a signature or photo only for who sees the household."""
    stored = CharityFile.objects.visible_to(user).filter(uuid=file_uuid).first()
    if stored is None:
        raise Http404
    if stored.household_id and not Household.objects.visible_to(user).filter(pk=stored.household_id).exists():
        raise Http404
    return stored


# ---------------------------------------------------------------- lists


def donations_for(user):
    return (
        Donation.objects.visible_to(user)
        .select_related("community", "partner", "receipt", "created_by")
        .prefetch_related("items")
    )


def stock_for(user, *, community_id: int | None = None):
    qs = StockItem.objects.visible_to(user).select_related("community")
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs


def ledger_for(user, *, stock_item: StockItem | None = None):
    qs = StockMovement.objects.visible_to(user).select_related(
        "stock_item", "created_by", "donation", "handover"
    )
    if stock_item is not None:
        qs = qs.filter(stock_item=stock_item)
    return qs


def distributions_for(user, *, status: str = ""):
    qs = Distribution.objects.visible_to(user).select_related(
        "community", "stock_item", "created_by", "approved_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(
        listed=Count("recipients", filter=Q(recipients__removed_at__isnull=True), distinct=True),
        handed=Count("handovers", distinct=True),
    ).order_by("-created_at", "-id")


def deliveries_for(user, *, status: str = "", distribution: Distribution | None = None):
    qs = HomeDelivery.objects.visible_to(user).filter(
        household__in=Household.objects.visible_to(user).values("pk")
    )
    if status:
        qs = qs.filter(status=status)
    if distribution is not None:
        qs = qs.filter(distribution=distribution)
    return qs.select_related(
        "distribution__stock_item", "household__building__compound", "household__unit", "assignee", "handover"
    )


def handovers_for(user, plan: Distribution):
    return (
        HandOver.objects.filter(
            distribution=plan, household__in=Household.objects.visible_to(user).values("pk")
        )
        .select_related("household__building__compound", "household__unit", "handed_by", "proof")
        .order_by("-handed_at", "-id")
    )


# ---------------------------------------------------------------- what a viewer sees of a recipient


def _householder(household: Household) -> Resident | None:
    people = [r for r in household.residents.all() if r.moved_out is None and r.anonymised_at is None]
    heads = [r for r in people if r.relationship == "head"]
    return (heads or people or [None])[0]


def household_label(user, household: Household) -> dict:
    """The household as the viewer may see it: the address masked and the householder's name masked unless they
    handle the place."""
    head = _householder(household)
    handler = is_handler_here(user, household)
    name = "" if head is None else (head.name if handler else mask_name(head.name))
    return {"household": household.pk, "address": household_address(user, household), "name": name}


def recipient_rows(user, plan: Distribution, *, include_removed: bool = False) -> list[dict]:
    """The plan's list as far as the viewer may see the households, with what matched (sensitive tags hidden from
    roles they are not granted to), whether it was handed over and any delivery."""
    visible = Household.objects.visible_to(user).values("pk")
    qs = Recipient.objects.filter(distribution=plan, household__in=visible)
    if not include_removed:
        qs = qs.filter(removed_at__isnull=True)
    qs = qs.select_related(
        "household__building__compound", "household__unit", "household__grid"
    ).prefetch_related("household__residents")
    tags = {t.code: t for t in Tag.objects.all()}
    handed = {
        h.household_id: h
        for h in HandOver.objects.filter(distribution=plan).select_related("handed_by", "proof")
    }
    deliveries = {
        d.household_id: d
        for d in HomeDelivery.objects.filter(distribution=plan).exclude(status=DeliveryStatus.CANCELLED)
    }
    rows = []
    for r in qs:
        roles = roles_here(user, r.household)
        matched = []
        for code in r.matched:
            if code == "age":
                matched.append(str(plan.rule.get("min_age") or 80) + "+")
            elif code in tags and tags[code].visible_for(roles):
                matched.append(tags[code].name)
        rows.append(
            {
                "recipient": r,
                **household_label(user, r.household),
                "matched": matched,
                "handover": handed.get(r.household_id),
                "delivery": deliveries.get(r.household_id),
            }
        )
    return rows


def plan_progress(plan: Distribution) -> dict:
    """Listed, handed over, waiting; what the rest needs against what is in stock (nothing is reserved)."""
    listed = Recipient.objects.filter(distribution=plan, removed_at__isnull=True).count()
    handed = HandOver.objects.filter(distribution=plan).aggregate(n=Count("pk"), q=Sum("quantity"))
    deliveries = HomeDelivery.objects.filter(distribution=plan, status=DeliveryStatus.PLANNED).count()
    waiting = max(0, listed - (handed["n"] or 0))
    needed = waiting * plan.per_household
    in_stock = StockItem.objects.values_list("quantity", flat=True).get(pk=plan.stock_item_id)
    return {
        "listed": listed,
        "handed_over": handed["n"] or 0,
        "quantity_handed_over": handed["q"] or 0,
        "waiting": waiting,
        "deliveries_planned": deliveries,
        "needed": needed,
        "in_stock": in_stock,
        "short_by": max(0, needed - in_stock),
    }


# ---------------------------------------------------------------- summaries (no names, no addresses)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end, time.max), tz),
    )


def _figures(community_filter: Q, start: date, end: date) -> dict:
    donations = Donation.objects.filter(community_filter, received_on__gte=start, received_on__lte=end)
    totals = donations.aggregate(n=Count("pk"), value=Sum("total_value"))
    items_in = (
        DonationItem.objects.filter(donation__in=donations)
        .values("name", "unit")
        .annotate(quantity=Sum("quantity"))
        .order_by("name", "unit")
    )
    since, until = _bounds(start, end)
    handovers = HandOver.objects.filter(community_filter, handed_at__gte=since, handed_at__lte=until)
    items_out = (
        handovers.values("stock_item__name", "stock_item__unit")
        .annotate(quantity=Sum("quantity"))
        .order_by("stock_item__name", "stock_item__unit")
    )
    out = handovers.aggregate(n=Count("pk"), households=Count("household", distinct=True))
    return {
        "start": start,
        "end": end,
        "donations": totals["n"] or 0,
        "value_in": (totals["value"] or Decimal("0")).quantize(Decimal("0.01")),
        "items_in": [{"name": r["name"], "unit": r["unit"], "quantity": r["quantity"]} for r in items_in],
        "handovers": out["n"] or 0,
        "households_reached": out["households"] or 0,
        "home_deliveries": HomeDelivery.objects.filter(
            community_filter,
            status=DeliveryStatus.DELIVERED,
            delivered_at__gte=since,
            delivered_at__lte=until,
        ).count(),
        "items_out": [
            {"name": r["stock_item__name"], "unit": r["stock_item__unit"], "quantity": r["quantity"]}
            for r in items_out
        ],
    }


def public_summary(community, start: date, end: date) -> dict:
    """How much came in, went out and to how many households, for a community and period: counts only."""
    figures = _figures(Q(community_id=community.pk), start, end)
    figures["community"] = {"code": community.code, "name": community.name}
    return figures


def charity_figures(community_ids, start: date, end: date) -> dict:
    """The same figures over several communities for dashboards, with the work still open."""
    ids = list(community_ids)
    q = Q(community_id__in=ids)
    figures = _figures(q, start, end)
    figures["plans_open"] = Distribution.objects.filter(
        q, status__in=[PlanStatus.APPROVED, PlanStatus.OPEN]
    ).count()
    figures["plans_waiting_approval"] = Distribution.objects.filter(q, status=PlanStatus.DRAFT).count()
    figures["deliveries_planned"] = HomeDelivery.objects.filter(q, status=DeliveryStatus.PLANNED).count()
    figures["stock_lines"] = StockItem.objects.filter(q, quantity__gt=0).count()
    figures["adjustments"] = StockMovement.objects.filter(q, kind=MovementKind.ADJUSTMENT).count()
    return figures


def donations_for_partner(partner):
    """What a partner gave, newest first, with the items (for the partner's page; it has checked access)."""
    return Donation.objects.filter(partner=partner).select_related("community").prefetch_related("items")
