"""Reads of the registry, always through the viewer's scope, and what each viewer may see of a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from linli.accounts.choices import Role
from linli.core.cache import ProcessCache
from linli.core.fields import index_candidates
from linli.core.validators import mask_id_number, mask_name, mask_phone, normalize_phone

from .choices import (
    ELDERLY_AGE,
    HANDLER_ROLES,
    REGISTRY_ROLES,
    URGENT_TAGS,
    VERY_OLD_AGE,
    VERY_OLD_TAG,
)
from .models import DataSubjectRequest, EmergencyContact, Household, Resident, Tag, TagAssignment


def today() -> date:
    return timezone.localdate()


def years_ago(years: int, day: date) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def may_use_registry(user) -> bool:
    return bool(user.scope.roles & REGISTRY_ROLES)


def roles_here(user, household: Household) -> frozenset[str]:
    """The roles the user holds for this household's place: they decide masking, reveals and sensitive tags."""
    scope = user.scope
    roles = set()
    if household.grid_id in scope.worker_grid_ids:
        roles.add(Role.GRID_WORKER)
    if household.grid_id in scope.leader_grid_ids:
        roles.add(Role.GRID_LEADER)
    if household.community_id in scope.community_ids:
        roles.add(Role.SECRETARY)
    if household.street_id in scope.street_ids:
        roles.add(Role.STREET_OFFICER)
    if scope.is_admin:
        roles.add(Role.ADMIN)
    return frozenset(roles)


def is_handler_here(user, household: Household) -> bool:
    """Grid workers, grid leaders and the secretary of the place work with residents by name and may reveal."""
    return bool(roles_here(user, household) & HANDLER_ROLES)


# ----------------------------------------------------------------------------- accessors


def get_household_for_user(user, pk) -> Household:
    """The household if the user may see it; 404 otherwise."""
    try:
        return (
            Household.objects.visible_to(user)
            .select_related("building__compound", "unit", "grid", "community")
            .get(pk=int(pk))
        )
    except (Household.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_resident_for_user(user, pk) -> Resident:
    """The resident if the user may see them; 404 otherwise."""
    try:
        return (
            Resident.objects.visible_to(user)
            .select_related(
                "household__building__compound", "household__unit", "household__grid", "community"
            )
            .get(pk=int(pk))
        )
    except (Resident.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_data_request_for_user(user, pk) -> DataSubjectRequest:
    try:
        return (
            DataSubjectRequest.objects.filter(resident__in=Resident.objects.visible_to(user).values("pk"))
            .select_related("resident__household", "received_by", "closed_by")
            .get(pk=int(pk))
        )
    except (DataSubjectRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# ----------------------------------------------------------------------------- lists


def live_assignments():
    return TagAssignment.objects.filter(removed_at__isnull=True).select_related("tag")


def resident_list(
    user,
    *,
    grid: int | None = None,
    building: int | None = None,
    tag: str | None = None,
    name: str = "",
    phone: str = "",
    include_moved_out: bool = False,
):
    """Residents in the viewer's scope, filtered; a sensitive tag the viewer may not see filters nothing in."""
    qs = Resident.objects.visible_to(user)
    if not include_moved_out:
        qs = qs.current()
    if grid:
        qs = qs.filter(household__grid_id=grid)
    if building:
        qs = qs.filter(household__building_id=building)
    if name:
        qs = qs.filter(name__contains=name.strip()[:50])
    if phone:
        qs = qs.by_phone(phone)
    if tag:
        qs = qs.filter(tag_filter_q(user, tag))
    return qs.select_related(
        "household__building__compound", "household__unit", "household__grid"
    ).prefetch_related(*_live_tags())


def with_live_tags(residents):
    """Residents with their own and their household's live tags in two queries, as present_resident reads them."""
    return residents.select_related("household").prefetch_related(*_live_tags())


def resident_cases(user, resident: Resident):
    """The resident's cases, as far as the viewer may see them."""
    from linli.cases.models import Case

    return Case.objects.visible_to(user).filter(resident=resident)


def _live_tags(prefix: str = "") -> list[Prefetch]:
    """The live tags of residents (and their households) in one query each, for present_resident."""
    return [
        Prefetch(f"{prefix}tag_assignments", queryset=live_assignments(), to_attr="live_tags"),
        Prefetch(f"{prefix}household__tag_assignments", queryset=live_assignments(), to_attr="live_tags"),
    ]


def needs_urgent_care(resident: Resident) -> bool:
    """独居老人, 失能, 半失能: their calls are urgent by default (from the prefetched live tags when there are)."""
    live = getattr(resident, "live_tags", None)
    if live is not None:
        return any(a.tag.code in URGENT_TAGS for a in live)
    return TagAssignment.objects.filter(
        resident=resident, removed_at__isnull=True, tag__code__in=URGENT_TAGS
    ).exists()


def tag_filter_q(user, code: str) -> Q:
    """Residents carrying the tag (on themselves or their household), limited to places where the viewer may see it."""
    tag = Tag.objects.filter(code=code).first()
    if tag is None:
        return Q(pk__in=[])
    if tag.code == VERY_OLD_TAG:
        return Q(birth_date__lte=years_ago(VERY_OLD_AGE, today()))
    carried = Exists(
        TagAssignment.objects.filter(removed_at__isnull=True, tag=tag).filter(
            Q(resident_id=OuterRef("pk")) | Q(household_id=OuterRef("household_id"))
        )
    )
    return Q(carried) & _where_tag_visible(user, tag)


def _where_tag_visible(user, tag: Tag) -> Q:
    """The places where the user holds a role the tag grants (everything for a normal tag)."""
    if tag.sensitivity == "normal":
        return Q()
    scope, granted = user.scope, set(tag.visible_roles)
    q = Q(pk__in=[])
    if Role.ADMIN in granted and scope.is_admin:
        return Q()
    if Role.STREET_OFFICER in granted and scope.street_ids:
        q |= Q(household__street_id__in=scope.street_ids)
    if Role.SECRETARY in granted and scope.community_ids:
        q |= Q(community_id__in=scope.community_ids)
    if Role.GRID_WORKER in granted and scope.worker_grid_ids:
        q |= Q(household__grid_id__in=scope.worker_grid_ids)
    if Role.GRID_LEADER in granted and scope.leader_grid_ids:
        q |= Q(household__grid_id__in=scope.leader_grid_ids)
    return q


def household_list(user, *, grid: int | None = None, building: int | None = None):
    qs = Household.objects.visible_to(user)
    if grid:
        qs = qs.filter(grid_id=grid)
    if building:
        qs = qs.filter(building_id=building)
    return (
        qs.select_related("building__compound", "unit", "grid")
        .order_by("building_id", "unit_id", "floor", "id")
        .annotate(
            people=Count(
                "residents",
                filter=Q(residents__moved_out__isnull=True, residents__anonymised_at__isnull=True),
            )
        )
    )


def residents_by_phone(user, phone: str):
    """Intake's lookup: residents in the viewer's scope whose phone is this number (blind index, exact)."""
    if not normalize_phone(phone):
        return Resident.objects.none()
    return resident_list(user, phone=phone)


def residents_with_phone(community_id: int, phone: str, *, limit: int = 2) -> list[tuple[int, int, int]]:
    """(resident, household grid, household street) of current residents of a community with this phone.

    Intake's hot path asks this for every case with a phone, so it is one parameterised statement rather than a
    queryset (building one costs more than running it); the caller decides whether its actor may see them."""
    digests = index_candidates("phone", phone, normalize_phone)
    if not digests:
        return []
    marks = ", ".join(["%s"] * len(digests))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, h.grid_id, h.street_id FROM residents_resident r "
            "JOIN residents_household h ON h.id = r.household_id "
            f"WHERE r.community_id = %s AND r.phone_index IN ({marks}) "  # noqa: S608 - placeholders only
            "AND r.moved_out IS NULL AND r.anonymised_at IS NULL LIMIT %s",
            [community_id, *digests, limit],
        )
        return cursor.fetchall()


def visits_due(user, *, on: date | None = None):
    """People the user must visit by ``on`` (today): their own care list, and everyone due in the grids they work."""
    on = on or today()
    scope = user.scope
    mine = Q(care_worker=user)
    if scope.worker_grid_ids:
        mine |= Q(care_worker__isnull=True, household__grid_id__in=scope.worker_grid_ids)
    if scope.community_ids or scope.leader_grid_ids:
        mine |= Q(household__grid_id__in=scope.leader_grid_ids) | Q(community_id__in=scope.community_ids)
    return (
        Resident.objects.visible_to(user)
        .current()
        .filter(mine, visit_every_days__isnull=False)
        .filter(Q(next_visit_due__lte=on) | Q(next_visit_due__isnull=True))
        .select_related("household__building__compound", "household__unit", "care_worker")
        .prefetch_related(*_live_tags())
        .order_by("next_visit_due", "id")
    )


# ----------------------------------------------------------------------------- what a viewer sees


@dataclass(frozen=True)
class TagView:
    code: str
    name: str
    grade: str
    sensitive: bool
    derived: bool
    on_household: bool
    added_by: str
    added_at: object


def tags_seen_by(roles: frozenset[str], assignments, *, on_household: bool = False) -> list[TagView]:
    return [
        TagView(
            code=a.tag.code,
            name=a.tag.name,
            grade=a.grade,
            sensitive=a.tag.sensitivity != "normal",
            derived=False,
            on_household=on_household,
            added_by=str(a.added_by) if a.added_by_id else "",
            added_at=a.added_at,
        )
        for a in assignments
        if a.tag.visible_for(roles)
    ]


@dataclass(frozen=True)
class ResidentView:
    """A resident as one viewer may see them: masked unless they handle the place, sensitive tags only if granted."""

    resident: Resident
    name: str
    id_number: str
    phone: str
    birth_date: date | None
    age: int | None
    tags: list[TagView]
    handler: bool

    @property
    def pk(self) -> int:
        return self.resident.pk

    @property
    def household(self) -> Household:
        return self.resident.household


def present_resident(user, resident: Resident, *, on: date | None = None) -> ResidentView:
    """What ``user`` may see of ``resident``: the one place masking decisions are made (SECURITY.md AC-03, AC-06)."""
    on = on or today()
    household = resident.household
    roles = roles_here(user, household)
    handler = bool(roles & HANDLER_ROLES)
    age = resident.age_on(on)
    live = getattr(resident, "live_tags", None)
    if live is None:
        live = list(live_assignments().filter(resident=resident))
    house_live = getattr(household, "live_tags", None)
    if house_live is None:
        house_live = list(live_assignments().filter(household=household))
    tags = tags_seen_by(roles, live) + tags_seen_by(roles, house_live, on_household=True)
    if age is not None and age >= VERY_OLD_AGE:
        tags.insert(0, TagView(VERY_OLD_TAG, _very_old_name(), "", False, True, False, "", None))
    return ResidentView(
        resident=resident,
        name=resident.name if handler else mask_name(resident.name),
        id_number=mask_id_number(resident.id_number),
        phone=mask_phone(resident.phone),
        birth_date=resident.birth_date if handler else None,
        age=age,
        tags=tags,
        handler=handler,
    )


_tag_names: ProcessCache[str, str] = ProcessCache(
    "linli.residents.tag_names", ttl=60.0, watch=["residents.Tag"]
)


def _very_old_name() -> str:
    """The derived tag's name (an administrator may rename it), read once a minute rather than per resident."""
    name = _tag_names.get(
        VERY_OLD_TAG, lambda code: Tag.objects.filter(code=code).values_list("name", flat=True).first()
    )
    return name or "高龄"


def household_address(user, household: Household) -> str:
    """The address with the room masked for viewers who do not handle the place."""
    if is_handler_here(user, household):
        return household.address or str(household)
    parts = [
        household.building.compound.name,
        household.building.name,
        household.unit.name if household.unit_id else "",
    ]
    return "".join(parts) + "***"


def emergency_contacts_seen_by(user, resident: Resident) -> list[dict]:
    handler = is_handler_here(user, resident.household)
    return [
        {
            "id": c.pk,
            "name": c.name if handler else mask_name(c.name),
            "relation": c.relation,
            "phone": mask_phone(c.phone),
            "priority": c.priority,
        }
        for c in EmergencyContact.objects.filter(resident=resident)
    ]


def tag_history(user, resident: Resident) -> list[TagAssignment]:
    """Every assignment ever made on the resident and their household, as far as the viewer may see the tag."""
    roles = roles_here(user, resident.household)
    rows = (
        TagAssignment.objects.filter(Q(resident=resident) | Q(household_id=resident.household_id))
        .select_related("tag", "added_by", "removed_by")
        .order_by("-added_at", "-id")
    )
    return [a for a in rows if a.tag.visible_for(roles)]


# ----------------------------------------------------------------------------- the community profile


def community_profile(community, *, on: date | None = None) -> dict:
    """社区档案: the figures the seeds quote, computed from the registry and the org tree, never typed."""
    from linli.org.models import Building, Compound

    on = on or today()
    people = Resident.objects.filter(community=community).current()
    elderly_born_by = years_ago(ELDERLY_AGE, on)
    figures = people.aggregate(
        population=Count("pk", distinct=True),
        elderly=Count("pk", distinct=True, filter=Q(birth_date__lte=elderly_born_by)),
        very_old=Count("pk", distinct=True, filter=Q(birth_date__lte=years_ago(VERY_OLD_AGE, on))),
        party_members=Count(
            "pk",
            distinct=True,
            filter=Q(tag_assignments__tag__code="dangyuan", tag_assignments__removed_at__isnull=True),
        ),
        living_alone=Count(
            "pk",
            distinct=True,
            filter=Q(tag_assignments__tag__code="dujulaoren", tag_assignments__removed_at__isnull=True),
        ),
    )
    households = Household.objects.filter(community=community)
    occupied = households.filter(
        Exists(Resident.objects.current().filter(household_id=OuterRef("pk")))
    ).count()
    population = figures["population"]
    return {
        "community": community,
        "area_km2": community.area_km2,
        "compounds": Compound.objects.filter(community=community).count(),
        "buildings": Building.objects.filter(compound__community=community).count(),
        "households": households.count(),
        "occupied_households": occupied,
        "population": population,
        "elderly": figures["elderly"],
        "elderly_share": round(100 * figures["elderly"] / population, 1) if population else None,
        "very_old": figures["very_old"],
        "party_members": figures["party_members"],
        "living_alone": figures["living_alone"],
        "as_of": on,
    }


def data_requests_for(user):
    return (
        DataSubjectRequest.objects.filter(resident__in=Resident.objects.visible_to(user).values("pk"))
        .select_related("resident__household", "received_by")
        .prefetch_related(*_live_tags("resident__"))
        .order_by("status", "due_date", "id")
    )


def due_in_days(request: DataSubjectRequest, *, on: date | None = None) -> int:
    return (request.due_date - (on or today())).days
