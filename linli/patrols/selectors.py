"""Reads of patrols, always through the viewer's scope: places, rounds due, inspections, campaign figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from linli.org.models import Building, Compound
from linli.org.selectors import buildings_for

from .choices import OPEN_HAZARD_STATUSES, HazardStatus, PlaceKind
from .models import (
    Campaign,
    ChecklistTemplate,
    Hazard,
    Inspection,
    PatrolRound,
    RoundOccurrence,
    Shop,
)

# Overdue due dates stay on "my rounds" this long before they count as missed.
OVERDUE_DAYS = 14


def _get(qs, pk):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- places


def compounds_for(user):
    """Compounds the user patrols: their community's or street's, or those with a building in their grids."""
    scope = user.scope
    qs = Compound.objects.select_related("community").order_by("community__name", "name")
    if scope.is_admin:
        return qs
    q = Q(community_id__in=scope.community_ids) | Q(community__street_id__in=scope.street_ids)
    if scope.grid_ids:
        q |= Q(Exists(Building.objects.filter(compound_id=OuterRef("pk"), grid_id__in=scope.grid_ids)))
    return qs.filter(q)


def places_for(user, kind: str):
    """The places of one kind the user may inspect (a grid worker: those in their grids)."""
    if not user.scope.is_staff_member:
        return Building.objects.none() if kind == PlaceKind.BUILDING else Compound.objects.none()
    if kind == PlaceKind.BUILDING:
        return buildings_for(user).select_related("compound__community__street", "grid")
    if kind == PlaceKind.SHOP:
        return Shop.objects.visible_to(user).select_related("compound__community__street", "building", "grid")
    if kind == PlaceKind.COMPOUND:
        return compounds_for(user).select_related("community__street")
    raise Http404


def get_place_for_user(user, kind: str, pk):
    """A building, shop or compound the user may inspect; 404 otherwise."""
    if kind not in PlaceKind.values:
        raise Http404
    return _get(places_for(user, kind), pk)


def place_kind_of(place) -> str:
    if isinstance(place, Building):
        return PlaceKind.BUILDING
    if isinstance(place, Shop):
        return PlaceKind.SHOP
    return PlaceKind.COMPOUND


def find_place_for_user(user, ref: str):
    """The place named by a reference like "building:12" (the API's `place`), if the user may inspect it; None otherwise."""
    kind, _sep, pk = str(ref or "").partition(":")
    if kind not in PlaceKind.values or not pk.isdigit() or len(pk) > 18:
        return None
    return places_for(user, kind).filter(pk=int(pk)).first()


# ---------------------------------------------------------------- checklists, rounds


def active_templates():
    return ChecklistTemplate.objects.filter(is_active=True).prefetch_related("items__category")


def get_round_for_user(user, pk) -> PatrolRound:
    return _get(PatrolRound.objects.visible_to(user).select_related("template", "assignee", "community"), pk)


def get_occurrence_for_user(user, pk) -> RoundOccurrence:
    return _get(
        RoundOccurrence.objects.filter(
            round__in=PatrolRound.objects.visible_to(user).values("pk")
        ).select_related("round__template"),
        pk,
    )


@dataclass
class DuePlace:
    place: object
    kind: str
    inspection_id: int | None


@dataclass
class DueRound:
    occurrence: RoundOccurrence
    places: list[DuePlace] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return all(p.inspection_id for p in self.places)

    @property
    def overdue(self) -> bool:
        return self.occurrence.due_on < timezone.localdate()


def rounds_due(user, *, today: date | None = None) -> list[DueRound]:
    """My rounds: the due dates of the user's active rounds up to today (the last OVERDUE_DAYS of them), each
    place with the inspection that covered it, if any; those not done first."""
    today = today or timezone.localdate()
    occurrences = (
        RoundOccurrence.objects.filter(
            round__assignee=user,
            round__is_active=True,
            due_on__lte=today,
            due_on__gte=today - timedelta(days=OVERDUE_DAYS),
        )
        .select_related("round__template", "round__community")
        .prefetch_related(
            "round__places__building__compound",
            "round__places__shop__compound",
            "round__places__compound",
        )
        .order_by("due_on", "round_id")
    )
    occurrences = list(occurrences)
    covered: dict[tuple[int, str], int] = {}
    rows = Inspection.objects.filter(occurrence__in=occurrences).values_list(
        "occurrence_id", "place_kind", "building_id", "shop_id", "compound_id", "pk"
    )
    for occurrence_id, kind, building_id, shop_id, compound_id, pk in rows:
        place_id = {PlaceKind.BUILDING: building_id, PlaceKind.SHOP: shop_id}.get(kind, compound_id)
        covered[(occurrence_id, f"{kind}:{place_id}")] = pk
    due = []
    for occurrence in occurrences:
        item = DueRound(occurrence)
        for rp in occurrence.round.places.all():
            place = rp.building or rp.shop or rp.compound
            kind = place_kind_of(place)
            item.places.append(DuePlace(place, kind, covered.get((occurrence.pk, f"{kind}:{place.pk}"))))
        due.append(item)
    due.sort(key=lambda d: (d.done, d.occurrence.due_on))
    return due


# ---------------------------------------------------------------- inspections, hazards


def get_inspection_for_user(user, pk) -> Inspection:
    """The inspection if the user may see it; 404 otherwise."""
    return _get(Inspection.objects.visible_to(user).with_related(), pk)


def get_hazard_for_user(user, pk) -> Hazard:
    return _get(
        Hazard.objects.visible_to(user).select_related(
            "inspection__building",
            "inspection__shop",
            "inspection__compound",
            "result__item",
            "category",
            "case",
        ),
        pk,
    )


def inspection_results(inspection: Inspection):
    """The ticked items with their photos and hazards, in checklist order."""
    return inspection.results.select_related("item", "hazard__case", "hazard__category").prefetch_related(
        "photos", "hazard__after_photos"
    )


# ---------------------------------------------------------------- campaigns


def get_campaign_for_user(user, pk) -> Campaign:
    return _get(Campaign.objects.visible_to(user).select_related("community"), pk)


def campaign_inspections(campaign: Campaign):
    """Inspections that count for the campaign: one of its checklists, in one of its compounds, in its dates."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(campaign.starts_on, time.min, tzinfo=tz)
    end = datetime.combine(campaign.ends_on + timedelta(days=1), time.min, tzinfo=tz)
    return Inspection.objects.filter(
        compound__in=campaign.compounds.all(),
        template__in=campaign.templates.all(),
        finished_at__gte=start,
        finished_at__lt=end,
    )


@dataclass
class CompoundFigures:
    compound_id: int
    name: str
    buildings_total: int = 0
    buildings_checked: int = 0
    shops_total: int = 0
    shops_checked: int = 0
    inspections: int = 0
    hazards_found: int = 0
    hazards_fixed: int = 0
    hazards_open: int = 0
    cases_opened: int = 0

    @property
    def checked_percent(self) -> float | None:
        total = self.buildings_total + self.shops_total
        return round(100.0 * (self.buildings_checked + self.shops_checked) / total, 1) if total else None

    def add(self, other: CompoundFigures) -> None:
        for name in (
            "buildings_total",
            "buildings_checked",
            "shops_total",
            "shops_checked",
            "inspections",
            "hazards_found",
            "hazards_fixed",
            "hazards_open",
            "cases_opened",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def campaign_figures(campaign: Campaign) -> tuple[list[CompoundFigures], CompoundFigures]:
    """摸清底数: per compound, buildings and shops in total and checked, inspections, hazards found, fixed and
    still open; and the campaign's totals. A fixed number of queries, whatever the number of compounds."""
    rows = {c.pk: CompoundFigures(c.pk, c.name) for c in campaign.compounds.order_by("name")}
    ids = list(rows)
    for cid, n in (
        Building.objects.filter(compound_id__in=ids).values_list("compound_id").annotate(n=Count("id"))
    ):
        rows[cid].buildings_total = n
    for cid, n in Shop.objects.filter(compound_id__in=ids).values_list("compound_id").annotate(n=Count("id")):
        rows[cid].shops_total = n
    inspections = campaign_inspections(campaign)
    checked = inspections.values_list("compound_id").annotate(
        buildings=Count("building_id", distinct=True),
        shops=Count("shop_id", distinct=True),
        n=Count("id"),
    )
    for cid, buildings, shops, n in checked:
        rows[cid].buildings_checked, rows[cid].shops_checked, rows[cid].inspections = buildings, shops, n
    hazards = (
        Hazard.objects.filter(inspection__in=inspections)
        .values_list("inspection__compound_id")
        .annotate(
            found=Count("id"),
            fixed=Count("id", filter=Q(status=HazardStatus.FIXED)),
            open=Count("id", filter=Q(status__in=OPEN_HAZARD_STATUSES)),
            cases=Count("case_id"),
        )
    )
    for cid, found, fixed, still_open, cases in hazards:
        row = rows[cid]
        row.hazards_found, row.hazards_fixed, row.hazards_open, row.cases_opened = (
            found,
            fixed,
            still_open,
            cases,
        )
    total = CompoundFigures(0, "")
    for row in rows.values():
        total.add(row)
    return list(rows.values()), total
