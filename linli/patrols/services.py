"""Every write of the patrols app: one function per change, in one transaction.

Views, the API, the demo and tests call these; nothing else saves an inspection, a hazard or a round."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.cases.choices import Action, Channel
from linli.cases.models import Case, Category
from linli.cases.services import case_create
from linli.core.audit import audit
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.images import Photo
from linli.core.uploads import CheckedUpload
from linli.org.locator import locate_grid_id
from linli.org.models import Building, Community, Compound

from . import schedule
from .choices import HazardStatus, ItemResult, PhotoKind, PlaceKind, ShopKind
from .models import (
    Campaign,
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    PatrolRound,
    RoundOccurrence,
    RoundPlace,
    Shop,
)
from .selectors import place_kind_of, places_for


def _now() -> datetime:
    return timezone.now()


def _check_point(lat, lon) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInput(
            _("Give both latitude and longitude, or neither."), field="lat" if lat is None else "lon"
        )
    if lat is not None and not (-90 <= lat <= 90):
        raise InvalidInput(_("Latitude must be between -90 and 90."), field="lat")
    if lon is not None and not (-180 <= lon <= 180):
        raise InvalidInput(_("Longitude must be between -180 and 180."), field="lon")


def _may_inspect(user: User, place) -> bool:
    return places_for(user, place_kind_of(place)).filter(pk=place.pk).exists()


# ---------------------------------------------------------------- checklists and shops


def checklist_link_categories() -> int:
    """Link seeded checklist items to the categories named by their codes, once those categories exist."""
    linked = 0
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    for item in ChecklistItem.objects.filter(category__isnull=True).exclude(category_code=""):
        category = categories.get(item.category_code)
        if category is not None:
            item.category = category
            item.save(update_fields=["category"])
            linked += 1
    return linked


def shop_create(
    *,
    compound: Compound,
    name: str,
    kind: str = ShopKind.OTHER,
    building: Building | None = None,
    address: str = "",
    lat: float | None = None,
    lon: float | None = None,
) -> Shop:
    """Register a shop; it is patrolled by its building's grid, else by the grid its point lies in."""
    if not name.strip():
        raise InvalidInput(_("Give the shop a name."), field="name")
    if kind not in ShopKind.values:
        raise InvalidInput(_("Unknown kind of shop."), field="kind")
    if building is not None and building.compound_id != compound.pk:
        raise InvalidInput(_("The building is not in this compound."), field="building")
    _check_point(lat, lon)
    if lat is None and building is not None and building.lat is not None:
        lat, lon = building.lat, building.lon
    return Shop.objects.create(
        compound=compound,
        building=building,
        grid_id=shop_grid_id(building=building, lat=lat, lon=lon),
        name=name.strip()[:80],
        kind=kind,
        address=address[:200],
        lat=lat,
        lon=lon,
    )


def shop_grid_id(*, building: Building | None, lat: float | None, lon: float | None) -> int | None:
    """Who patrols a shop: its building's grid, else the grid its point lies in."""
    return building.grid_id if building is not None else locate_grid_id(lat, lon)


# ---------------------------------------------------------------- campaigns and rounds


def _is_manager_of(user: User, community: Community) -> bool:
    scope = user.scope
    return bool(
        scope.is_admin
        or community.pk in scope.community_ids
        or community.street_id in scope.street_ids
        or (scope.leader_grid_ids and community.grids.filter(pk__in=scope.leader_grid_ids).exists())
    )


def campaign_create(
    *,
    actor: User,
    community: Community,
    name: str,
    starts_on: date,
    ends_on: date,
    templates: Iterable[ChecklistTemplate],
    compounds: Iterable[Compound],
    description: str = "",
) -> Campaign:
    """专项排查: a sweep of some of a community's compounds with some checklists between two dates."""
    if not _is_manager_of(actor, community):
        raise NotAllowed(_("Only those who run this community may start a campaign."))
    if not name.strip():
        raise InvalidInput(_("Give the campaign a name."), field="name")
    if ends_on < starts_on:
        raise InvalidInput(_("The campaign cannot end before it starts."), field="ends_on")
    templates, compounds = list(templates), list(compounds)
    if not templates:
        raise InvalidInput(_("Choose at least one checklist."), field="templates")
    if not compounds or any(c.community_id != community.pk for c in compounds):
        raise InvalidInput(_("Choose compounds of this community."), field="compounds")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            community=community,
            name=name.strip()[:120],
            description=description,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor,
        )
        campaign.templates.set(templates)
        campaign.compounds.set(compounds)
    return campaign


def round_create(
    *,
    actor: User,
    title: str,
    template: ChecklistTemplate,
    assignee: User,
    places: Iterable,
    rrule: str,
    starts_on: date,
    ends_on: date | None = None,
    campaign: Campaign | None = None,
    now: datetime | None = None,
) -> PatrolRound:
    """巡查任务: give a person a checklist to carry out at some places on a schedule; writes its due dates.

    Every place must be of the checklist's kind and inside the assignee's area (who could not inspect it there
    could not do the round), and inside the actor's."""
    places = list(places)
    if not title.strip():
        raise InvalidInput(_("Give the round a title."), field="title")
    if not places:
        raise InvalidInput(_("Choose at least one place."), field="places")
    communities = {_community_of(p) for p in places}
    if len(communities) != 1:
        raise InvalidInput(_("All places of a round lie in one community."), field="places")
    community = Community.objects.get(pk=communities.pop())
    if not _is_manager_of(actor, community):
        raise NotAllowed(_("Only those who run this community may plan its rounds."))
    for place in places:
        if place_kind_of(place) != template.place_kind:
            raise InvalidInput(
                _("%(place)s is not a place this checklist is for.") % {"place": place}, field="places"
            )
        if not _may_inspect(assignee, place):
            raise InvalidInput(
                _("%(place)s is outside %(person)s's area.") % {"place": place, "person": assignee},
                field="assignee",
            )
    if campaign is not None and campaign.community_id != community.pk:
        raise InvalidInput(_("The campaign is of another community."), field="campaign")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(_("The round cannot end before it starts."), field="ends_on")
    now = now or _now()
    horizon = timezone.localdate(now) + timedelta(days=schedule.HORIZON_DAYS)
    dates = schedule.due_dates(rrule, starts_on=starts_on, after=None, until=min(horizon, ends_on or horizon))
    with transaction.atomic():
        patrol_round = PatrolRound.objects.create(
            title=title.strip()[:120],
            template=template,
            assignee=assignee,
            community=community,
            rrule=rrule.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            campaign=campaign,
            created_by=actor,
            created_at=now,
        )
        RoundPlace.objects.bulk_create([_round_place(patrol_round, p) for p in places])
        RoundOccurrence.objects.bulk_create([RoundOccurrence(round=patrol_round, due_on=d) for d in dates])
    return patrol_round


def _community_of(place) -> int:
    if isinstance(place, Compound):
        return place.community_id
    return place.compound.community_id


def _round_place(patrol_round: PatrolRound, place) -> RoundPlace:
    kind = place_kind_of(place)
    return RoundPlace(round=patrol_round, **{kind: place})


def rounds_extend(*, today: date | None = None) -> int:
    """Write the due dates that came within the horizon since they were last written; safe to run any time."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=schedule.HORIZON_DAYS)
    written = 0
    for patrol_round in PatrolRound.objects.filter(is_active=True):
        last = patrol_round.occurrences.order_by("-due_on").values_list("due_on", flat=True).first()
        until = min(horizon, patrol_round.ends_on or horizon)
        dates = schedule.due_dates(
            patrol_round.rrule, starts_on=patrol_round.starts_on, after=last, until=until
        )
        RoundOccurrence.objects.bulk_create(
            [RoundOccurrence(round=patrol_round, due_on=d) for d in dates], ignore_conflicts=True
        )
        written += len(dates)
    return written


# ---------------------------------------------------------------- inspections


@dataclass(frozen=True)
class ItemTick:
    """What the inspector ticked for one item."""

    item_id: int
    result: str
    note: str = ""


def inspection_record(
    *,
    actor: User,
    template: ChecklistTemplate,
    place,
    ticks: Iterable[ItemTick],
    photos: Mapping[int, list[Photo]] | None = None,
    lat: float | None = None,
    lon: float | None = None,
    note: str = "",
    occurrence: RoundOccurrence | None = None,
    started_at: datetime | None = None,
    at: datetime | None = None,
) -> Inspection:
    """巡查: record a checklist carried out at a place, every item ticked; each hazard ticked becomes a Hazard.

    `photos` are cleaned photos (linli.core.images) by item id. The place must be one the actor may inspect
    (a grid worker: in their grids) and of the checklist's kind; a round's due date must be of a round of this
    checklist that visits this place."""
    if not actor.scope.is_staff_member or not _may_inspect(actor, place):
        raise NotAllowed(_("This place is outside your area."), field="place")
    if not template.is_active:
        raise InvalidInput(_("This checklist is no longer in use."), field="template")
    kind = place_kind_of(place)
    if kind != template.place_kind:
        raise InvalidInput(_("This checklist is not for this kind of place."), field="place")
    _check_point(lat, lon)
    items = {item.pk: item for item in template.items.select_related("category")}
    ticks = list(ticks)
    by_item = _check_ticks(items, ticks)
    photos = dict(photos or {})
    for item_id in photos:
        if item_id not in items:
            raise InvalidInput(_("A photo belongs to an item not on this checklist."), field="photos")
    if occurrence is not None:
        _check_occurrence(occurrence, template, place)
    finished_at = at or _now()
    started_at = started_at or finished_at
    if started_at > finished_at:
        raise InvalidInput(_("An inspection cannot start after it finished."), field="started_at")

    compound = place if kind == PlaceKind.COMPOUND else place.compound
    community = compound.community
    with transaction.atomic():
        inspection = Inspection.objects.create(
            template=template,
            occurrence=occurrence,
            place_kind=kind,
            building=place if kind == PlaceKind.BUILDING else None,
            shop=place if kind == PlaceKind.SHOP else None,
            compound=compound,
            grid_id=None if kind == PlaceKind.COMPOUND else place.grid_id,
            community=community,
            street_id=community.street_id,
            inspector=actor,
            started_at=started_at,
            finished_at=finished_at,
            lat=lat,
            lon=lon,
            note=note.strip()[:2000],
        )
        for item_id, tick in by_item.items():
            item = items[item_id]
            result = InspectionResult.objects.create(
                inspection=inspection, item=item, result=tick.result, note=tick.note.strip()[:500]
            )
            _store_photos(inspection, photos.get(item_id, ()), actor=actor, at=finished_at, result=result)
            if tick.result == ItemResult.HAZARD:
                Hazard.objects.create(
                    inspection=inspection,
                    result=result,
                    category=item.category or _category_by_code(item.category_code),
                    description=(tick.note.strip() or item.finding or item.text)[:500],
                    found_at=finished_at,
                )
    return inspection


def _check_ticks(items: dict[int, ChecklistItem], ticks: list[ItemTick]) -> dict[int, ItemTick]:
    """Every item of the checklist ticked exactly once, with a known result; in checklist order."""
    by_item: dict[int, ItemTick] = {}
    for tick in ticks:
        if tick.item_id not in items:
            raise InvalidInput(_("An item is not on this checklist."), field="results")
        if tick.item_id in by_item:
            raise InvalidInput(_("An item was ticked twice."), field="results")
        if tick.result not in ItemResult.values:
            raise InvalidInput(_("Tick each item ok, hazard or not applicable."), field="results")
        by_item[tick.item_id] = tick
    missing = [item for pk, item in items.items() if pk not in by_item]
    if missing:
        raise InvalidInput(
            _("Tick every item; not ticked: %(items)s") % {"items": "、".join(i.text for i in missing[:3])},
            field="results",
        )
    return {pk: by_item[pk] for pk in items}


def _check_occurrence(occurrence: RoundOccurrence, template: ChecklistTemplate, place) -> None:
    patrol_round = occurrence.round
    visits = patrol_round.places.filter(**{place_kind_of(place): place}).exists()
    if patrol_round.template_id != template.pk or not visits:
        raise InvalidInput(
            _("This due date is of a round that does not visit this place."), field="occurrence"
        )


def _category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code, is_active=True).first() if code else None


def _store_photos(inspection, photos: Iterable[Photo], *, actor, at, result=None, hazard=None) -> None:
    kind = PhotoKind.AFTER if hazard is not None else PhotoKind.FOUND
    for photo in photos:
        up = photo.upload  # re-encoded without EXIF: nothing of the camera's location is stored (FU-03)
        stored = InspectionPhoto(
            inspection=inspection,
            result=result,
            hazard=hazard,
            kind=kind,
            stored_name=f"{uuid.uuid4().hex}.{up.stored_extension}",
            original_name=up.name,
            content_type=up.content_type,
            size=up.size,
            uploaded_by=actor,
            created_at=at,
        )
        stored.file.save(stored.stored_name, up.file, save=False)
        stored.save()


# ---------------------------------------------------------------- hazards


def hazard_open_case(
    *,
    hazard: Hazard,
    actor: User,
    category: Category | None = None,
    request=None,
    at: datetime | None = None,
) -> Case:
    """One step from finding to case: a patrol case at the hazard's place, of its category, with its photos.

    The case is taken in by `actor` (who must be allowed to take in cases there) and goes to the grid's worker
    like any other; the hazard follows the case from then on (see hazards_follow_case)."""
    with transaction.atomic():
        locked = Hazard.objects.select_for_update().get(pk=hazard.pk)
        if locked.status != HazardStatus.FOUND:
            raise Conflict(
                _("This hazard already has a case or was fixed."), field="hazard", code="hazard_not_open"
            )
        category = category or locked.category
        if category is None:
            raise InvalidInput(_("Choose the category of the case."), field="category")
        if not category.is_active:
            raise InvalidInput(_("This category is no longer in use."), field="category")
        inspection = Inspection.objects.select_related(
            "template", "building", "shop__building", "compound__community"
        ).get(pk=locked.inspection_id)
        result = InspectionResult.objects.select_related("item").get(pk=locked.result_id)
        place = inspection.place
        building = inspection.building or (inspection.shop.building if inspection.shop_id else None)
        lat, lon = inspection.lat, inspection.lon
        if lat is None and inspection.shop_id and inspection.shop.lat is not None:
            lat, lon = inspection.shop.lat, inspection.shop.lon
        description = _("Found on patrol (%(checklist)s, %(when)s): %(what)s") % {
            "checklist": inspection.template.name,
            "when": timezone.localtime(inspection.finished_at).strftime("%Y-%m-%d %H:%M"),
            "what": locked.description,
        }
        uploads = _stored_uploads(result.photos.all())
        try:
            case = case_create(
                actor=actor,
                title=f"{result.item.finding or result.item.text} · {place}"[:120],
                description=description,
                category=category,
                channel=Channel.PATROL,
                lat=lat,
                lon=lon,
                address="" if building is not None else str(place),
                building=building,
                grid=inspection.grid if building is None else None,
                community=inspection.community if building is None else None,
                attachments=uploads,
                received_at=at,
            )
        finally:
            for up in uploads:
                up.file.close()
        now = at or _now()
        Hazard.objects.filter(pk=locked.pk).update(
            status=HazardStatus.CASE_OPEN, case=case, case_opened_at=now, category=category
        )
        audit(
            "patrol_hazard_to_case",
            actor=actor,
            request=request,
            obj=locked,
            case=case.pk,
            case_number=case.number,
            inspection=inspection.pk,
        )
    hazard.refresh_from_db()
    return case


def inspection_open_cases(
    *,
    inspection: Inspection,
    actor: User,
    fallback_category: Category | None = None,
    request=None,
    at: datetime | None = None,
) -> list[Case]:
    """Turn every hazard of an inspection still without a case into one, all of them or none; a hazard whose item
    names no category becomes a case of `fallback_category`."""
    with transaction.atomic():
        hazards = list(inspection.hazards.filter(status=HazardStatus.FOUND).order_by("id"))
        if not hazards:
            raise Conflict(_("This inspection has no hazard left to turn into a case."), field="hazards")
        return [
            hazard_open_case(
                hazard=h,
                actor=actor,
                category=None if h.category_id else fallback_category,
                request=request,
                at=at,
            )
            for h in hazards
        ]


def hazard_fix(
    *, hazard: Hazard, actor: User, note: str, photos: Iterable[Photo] = (), at: datetime | None = None
) -> Hazard:
    """Fixed on the spot (the cable unplugged, the clutter cleared): a note, optionally an after photo."""
    if not note.strip():
        raise InvalidInput(_("Say how it was fixed."), field="note")
    photos = list(photos)
    with transaction.atomic():
        locked = Hazard.objects.select_for_update().select_related("inspection").get(pk=hazard.pk)
        if locked.status != HazardStatus.FOUND:
            raise Conflict(
                _("This hazard already has a case or was fixed; its case decides."),
                field="hazard",
                code="hazard_not_open",
            )
        if not actor.scope.is_staff_member:
            raise NotAllowed(_("Your role may not fix hazards."))
        now = at or _now()
        locked.status = HazardStatus.FIXED
        locked.fixed_at = now
        locked.fixed_by = actor
        locked.fix_note = note.strip()[:500]
        locked.save(update_fields=["status", "fixed_at", "fixed_by", "fix_note"])
        _store_photos(locked.inspection, photos, actor=actor, at=now, hazard=locked)
    return locked


def hazards_follow_case(*, case: Case, action: str, event) -> int:
    """A hazard is fixed when its case is closed (销号), open again when the case is reopened, found again
    (ready for another case or a fix) when the case is rejected, and follows a merged case to its master."""
    hazards = Hazard.objects.filter(case_id=case.pk)
    if action == Action.CLOSE:
        return hazards.filter(status=HazardStatus.CASE_OPEN).update(
            status=HazardStatus.FIXED, fixed_at=case.closed_at or event.created_at, fixed_by=event.actor
        )
    if action == Action.REOPEN:
        return hazards.filter(status=HazardStatus.FIXED).update(
            status=HazardStatus.CASE_OPEN, fixed_at=None, fixed_by=None
        )
    if action == Action.REJECT:
        return hazards.filter(status=HazardStatus.CASE_OPEN).update(status=HazardStatus.FOUND)
    if action == Action.MERGE and case.master_id:
        return hazards.update(case_id=case.master_id)
    return 0


def _stored_uploads(photos: Iterable[InspectionPhoto]) -> list[CheckedUpload]:
    """The stored (already cleaned) photos as uploads for a case's attachments."""
    return [
        CheckedUpload(
            file=File(p.file.open("rb"), name=p.original_name),
            name=p.original_name,
            content_type=p.content_type,
            size=p.size,
            cleaned=True,
        )
        for p in photos
    ]
