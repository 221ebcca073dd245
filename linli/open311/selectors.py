"""Reads of the Open311 endpoint: jurisdictions, services, and the service requests the public may see."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, Subquery

from linli.cases.choices import OPEN_STATUSES, Channel
from linli.cases.models import Case, Category, Whistle
from linli.org.locator import GridPlace
from linli.org.models import Building, Community, Compound, Street

from .errors import bad_request, not_found
from .models import ApiKey, ServiceAttribute
from .params import MAX_REQUESTS, RequestQuery, text_param

CODE_MAX = Category._meta.get_field("code").max_length
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Jurisdiction:
    """The street or community a jurisdiction_id names: what a client sees and where its reports may land."""

    code: str
    street: Street
    community: Community | None = None

    def case_filter(self) -> Q:
        if self.community is not None:
            return Q(community_id=self.community.pk)
        return Q(street_id=self.street.pk)

    def holds(self, *, community_id: int | None, street_id: int | None) -> bool:
        if self.community is not None:
            return community_id == self.community.pk
        return street_id == self.street.pk

    def holds_place(self, place: GridPlace) -> bool:
        return self.holds(community_id=place.community_id, street_id=place.street_id)


def get_jurisdiction(jurisdiction_id: str | None) -> Jurisdiction | None:
    """The jurisdiction by a community's or a street's code (a community first); None when none was given."""
    code = text_param(jurisdiction_id, "jurisdiction_id", max_length=20)
    if not code:
        return None
    community = Community.objects.select_related("street").filter(code=code).first()
    if community is not None:
        return Jurisdiction(code=code, street=community.street, community=community)
    street = Street.objects.filter(code=code).first()
    if street is not None:
        return Jurisdiction(code=code, street=street)
    raise not_found(f"jurisdiction_id {code} was not found.")


# ---------------------------------------------------------------- services


def services() -> list[Category]:
    """Every active category, with its parent (the service's group) and whether it has attributes."""
    return list(
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .annotate(has_attributes=Exists(ServiceAttribute.objects.filter(category_id=OuterRef("pk"))))
        .order_by("code")
    )


def _may_be_a_code(code: str) -> bool:
    """Whether a client's code could name a category at all; PostgreSQL refuses NUL in a query parameter."""
    return 0 < len(code) <= CODE_MAX and not _CONTROL.search(code)


def get_service(service_code: str) -> Category:
    category = None
    if _may_be_a_code(service_code):
        category = Category.objects.filter(code=service_code, is_active=True).first()
    if category is None:
        raise not_found(f"service_code {service_code[:30]} was not found.")
    return category


def service_attributes(category: Category) -> list[ServiceAttribute]:
    return list(ServiceAttribute.objects.filter(category=category).order_by("order", "id"))


def latest_attribute_change():
    """When a service attribute last changed; None when no category has any."""
    return ServiceAttribute.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()


# ---------------------------------------------------------------- service requests


def public_cases(jurisdiction: Jurisdiction | None):
    """The cases the public may read through Open311, with what their records need in one query.

    Left out: cases of a category not listed publicly, cases from the elderly call terminals and cases staff
    linked to a registered resident (they reveal vulnerable people), and cases without a number or tracking code.
    A case the public sent (Open311, the resident pages) stays listed even when its phone matched a resident:
    hiding it would tell the sender that the phone belongs to someone in the registry."""
    latest_whistle = Whistle.objects.filter(case_id=OuterRef("pk")).order_by("-created_at", "-id")
    cases = (
        Case.objects.filter(number__isnull=False, tracking_code__isnull=False, category__is_public=True)
        .filter(Q(resident__isnull=True) | Q(channel__in=(Channel.OPEN311, Channel.RESIDENT_WEB)))
        .exclude(channel=Channel.CARE_CALL)
        .select_related("category", "community", "street", "building__compound")
        .annotate(
            whistled_department=Subquery(latest_whistle.values("department__name")[:1]),
            master_number=F("master__number"),
            assignee_name=F("assignee__display_name"),
            resolver_name=F("resolved_by__display_name"),
            verifier_name=F("verified_by__display_name"),
        )
        # The reporter's phone is never shown here: do not even decrypt it.
        .defer("reporter_phone", "reporter_phone_index")
    )
    if jurisdiction is not None:
        cases = cases.filter(jurisdiction.case_filter())
    return cases


def find_requests(jurisdiction: Jurisdiction | None, query: RequestQuery) -> list[Case]:
    """The newest MAX_REQUESTS public cases matching GET requests' filters."""
    cases = public_cases(jurisdiction)
    if query.ids:
        return list(cases.filter(number__in=query.ids).order_by("-received_at", "-id")[:MAX_REQUESTS])
    if query.service_codes:
        plausible = [code for code in query.service_codes if _may_be_a_code(code)]
        known = set(Category.objects.filter(code__in=plausible).values_list("code", flat=True))
        for code in query.service_codes:
            if code not in known:
                raise not_found(f"service_code {code[:30]} was not found.")
        cases = cases.filter(category__code__in=query.service_codes)
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        is_open = Q(status__in=OPEN_STATUSES)
        cases = cases.filter(is_open if query.statuses == ["open"] else ~is_open)
    cases = cases.filter(received_at__gte=query.start, received_at__lte=query.end)
    return list(cases.order_by("-received_at", "-id")[:MAX_REQUESTS])


def get_request(jurisdiction: Jurisdiction | None, service_request_id: str) -> Case:
    case = public_cases(jurisdiction).filter(number=service_request_id).first()
    if case is None:
        raise not_found(f"service_request_id {service_request_id} was not found.")
    return case


def get_request_id_for_token(jurisdiction: Jurisdiction | None, token: str) -> str:
    """The service_request_id of the case whose tracking code (查询码) the token is."""
    cases = Case.objects.filter(tracking_code=token, number__isnull=False)
    if jurisdiction is not None:
        cases = cases.filter(jurisdiction.case_filter())
    number = cases.values_list("number", flat=True).first()
    if number is None:
        raise not_found("The token was not found.")
    return number


# ---------------------------------------------------------------- places and keys


def get_building(jurisdiction: Jurisdiction | None, address_id: str) -> Building:
    """The building an address_id names (its id), within the jurisdiction."""
    buildings = Building.objects.select_related("compound__community__street", "grid")
    if jurisdiction is not None:
        buildings = buildings.filter(_building_filter(jurisdiction))
    building = buildings.filter(pk=int(address_id)).first() if address_id.isdigit() else None
    if building is None:
        raise bad_request(f"address_id {address_id} was not found.")
    return building


_SPACES = re.compile(r"\s+")


def find_building(jurisdiction: Jurisdiction | None, address_string: str) -> Building | None:
    """The building an address names (小区 + 楼栋, spaces ignored: 吉利花园1号楼, 吉利花园 1号楼 3门), when
    exactly one building of the jurisdiction fits it best; None otherwise."""
    text = _SPACES.sub("", address_string)
    if not text:
        return None
    compounds = Compound.objects.all()
    if jurisdiction is not None:
        compounds = compounds.filter(
            Q(community_id=jurisdiction.community.pk)
            if jurisdiction.community is not None
            else Q(community__street_id=jurisdiction.street.pk)
        )
    # The compounds named in the address, and what follows each name there.
    rests: dict[int, list[str]] = {}
    for pk, name in compounds.values_list("pk", "name"):
        name = _SPACES.sub("", name)
        start = text.find(name) if name else -1
        while start >= 0:
            rests.setdefault(pk, []).append(text[start + len(name) :])
            start = text.find(name, start + 1)
    if not rests:
        return None
    best: list[Building] = []
    best_length = 0
    for building in Building.objects.filter(compound_id__in=rests).select_related(
        "compound__community__street", "grid"
    ):
        name = _SPACES.sub("", building.name)
        if not name or not any(rest.startswith(name) for rest in rests[building.compound_id]):
            continue
        if len(name) > best_length:
            best, best_length = [building], len(name)
        elif len(name) == best_length:
            best.append(building)
    return best[0] if len(best) == 1 else None


def _building_filter(jurisdiction: Jurisdiction) -> Q:
    if jurisdiction.community is not None:
        return Q(compound__community_id=jurisdiction.community.pk)
    return Q(compound__community__street_id=jurisdiction.street.pk)


def key_digest(raw_key: str) -> str:
    """What is stored of a key: its SHA-256 (keys are random and long, so no salt or stretching is needed)."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def find_api_key(raw_key: str) -> ApiKey | None:
    return ApiKey.objects.filter(key_hash=key_digest(raw_key)).first()
