"""Who a notice addresses: the places a sender may address, and the recipients an audience expands to.

An audience is a place (grid, building, compound or community), or a tag group: the residents carrying a tag
within such a place. It expands, per channel, to
- residents (current, with a mobile number) → SMS;
- the place's staff: grid workers and leaders of its grids, secretaries of its community → in-app, e-mail;
- active group robots serving the place → one WeCom/DingTalk message each (never for a tag group: posting to a
  group would tell the group who carries the tag)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment
from linli.core.validators import mask_name, mask_phone, normalize_phone
from linli.org.models import Building, Community, Compound, Grid
from linli.residents.models import Resident, Tag
from linli.residents.selectors import tag_filter_q

from .choices import ROBOT_CHANNELS, DeliveryChannel, PlaceKind
from .models import GroupEndpoint, Notice

SENDER_ROLES = frozenset(
    {Role.GRID_WORKER, Role.GRID_LEADER, Role.SECRETARY, Role.STREET_OFFICER, Role.ADMIN}
)
STAFF_CHANNELS = (DeliveryChannel.IN_APP, DeliveryChannel.EMAIL)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class Place:
    """An org unit a notice is addressed to, with the units above it."""

    kind: str
    unit: Grid | Building | Compound | Community

    @property
    def pk(self) -> int:
        return self.unit.pk

    @property
    def value(self) -> str:
        """How pickers name it: "building:12"."""
        return f"{self.kind}:{self.unit.pk}"

    @property
    def grid(self) -> Grid | None:
        if self.kind == PlaceKind.GRID:
            return self.unit
        return self.unit.grid if self.kind == PlaceKind.BUILDING else None

    @property
    def building(self) -> Building | None:
        return self.unit if self.kind == PlaceKind.BUILDING else None

    @property
    def compound(self) -> Compound | None:
        if self.kind == PlaceKind.COMPOUND:
            return self.unit
        return self.unit.compound if self.kind == PlaceKind.BUILDING else None

    @property
    def community(self) -> Community:
        if self.kind == PlaceKind.COMMUNITY:
            return self.unit
        if self.kind == PlaceKind.BUILDING:
            return self.unit.compound.community
        return self.unit.community

    @property
    def grid_id(self) -> int | None:
        grid = self.grid
        return grid.pk if grid is not None else None

    def __str__(self) -> str:
        if self.kind == PlaceKind.BUILDING:
            return f"{self.unit.compound.name}{self.unit.name}"
        return str(self.unit)


_PLACE_QUERIES = {
    PlaceKind.GRID: lambda: Grid.objects.select_related("community"),
    PlaceKind.BUILDING: lambda: Building.objects.select_related("compound__community", "grid__community"),
    PlaceKind.COMPOUND: lambda: Compound.objects.select_related("community"),
    PlaceKind.COMMUNITY: lambda: Community.objects.all(),
}


def resolve_place(kind: str, pk) -> Place | None:
    """The place of this kind and id, or None when there is none."""
    if kind not in _PLACE_QUERIES:
        return None
    try:
        unit = _PLACE_QUERIES[kind]().get(pk=int(pk))
    except (ObjectDoesNotExist, ValueError, TypeError):
        return None
    return Place(kind, unit)


def parse_place(value: str) -> Place | None:
    """A picker's "kind:id" as a Place, or None."""
    kind, _sep, pk = (value or "").partition(":")
    return resolve_place(kind, pk)


def place_of(notice: Notice) -> Place:
    return Place(notice.place_kind, notice.place)


def may_send_notices(user) -> bool:
    return bool(user.scope.roles & SENDER_ROLES)


def may_send_to(user, place: Place) -> bool:
    """DESIGN.md §4: a secretary sends to their community and anything in it; a grid worker or leader to their
    grids and the buildings in them; a street officer to their street's communities; an administrator anywhere."""
    scope = user.scope
    if scope.is_admin:
        return True
    community = place.community
    if community.pk in scope.community_ids:
        return True
    if place.kind == PlaceKind.COMMUNITY and community.street_id in scope.street_ids:
        return True
    return place.kind in (PlaceKind.GRID, PlaceKind.BUILDING) and place.grid_id in scope.grid_ids


def places_for(user) -> dict[str, list[Place]]:
    """The places the user may send to, by kind, for the compose page's picker."""
    scope = user.scope
    grids = Grid.objects.select_related("community").order_by("community__name", "code")
    buildings = Building.objects.select_related("compound__community", "grid").order_by(
        "compound__name", "name"
    )
    compounds = Compound.objects.select_related("community").order_by("community__name", "name")
    communities = Community.objects.order_by("name")
    if not scope.is_admin:
        grids = grids.filter(Q(community_id__in=scope.community_ids) | Q(pk__in=scope.grid_ids))
        buildings = buildings.filter(
            Q(compound__community_id__in=scope.community_ids) | Q(grid_id__in=scope.grid_ids)
        )
        compounds = compounds.filter(community_id__in=scope.community_ids)
        communities = communities.filter(Q(pk__in=scope.community_ids) | Q(street_id__in=scope.street_ids))
    return {
        PlaceKind.COMMUNITY: [Place(PlaceKind.COMMUNITY, c) for c in communities],
        PlaceKind.COMPOUND: [Place(PlaceKind.COMPOUND, c) for c in compounds],
        PlaceKind.GRID: [Place(PlaceKind.GRID, g) for g in grids],
        PlaceKind.BUILDING: [Place(PlaceKind.BUILDING, b) for b in buildings],
    }


def tags_for(user) -> list[Tag]:
    """The tags the user may address a group by: those their roles may see (Tag.visible_roles)."""
    roles = user.scope.roles
    return [t for t in Tag.objects.order_by("ordering", "code") if t.visible_for(roles)]


# ----------------------------------------------------------------------------- recipients


@dataclass(frozen=True)
class Recipient:
    """One delivery to be: a channel, the key it is sent once under, who, and a masked address."""

    channel: str
    key: str
    label: str
    address: str
    resident_id: int | None = None
    user_id: int | None = None
    endpoint_id: int | None = None


def recipients(*, place: Place, tag: Tag | None, channels, sender) -> list[Recipient]:
    """Everyone the audience reaches on the chosen channels, each (channel, recipient) once."""
    channels = set(channels)
    found: list[Recipient] = []
    if DeliveryChannel.SMS in channels:
        found += _residents(place, tag, sender)
    if channels & set(STAFF_CHANNELS):
        found += _staff(place, channels, sender)
    robot_channels = channels & set(ROBOT_CHANNELS)
    if robot_channels and tag is None:
        found += _robots(place, robot_channels)
    return found


def count_by_channel(found: list[Recipient], channels) -> dict[str, int]:
    counts = {str(c): 0 for c in channels}
    for r in found:
        counts[r.channel] = counts.get(r.channel, 0) + 1
    return counts


def is_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone or ""))


def _residents_in(place: Place):
    qs = Resident.objects.current().exclude(phone_index="")
    if place.kind == PlaceKind.GRID:
        return qs.filter(household__grid_id=place.pk)
    if place.kind == PlaceKind.BUILDING:
        return qs.filter(household__building_id=place.pk)
    if place.kind == PlaceKind.COMPOUND:
        return qs.filter(household__building__compound_id=place.pk)
    return qs.filter(community_id=place.pk)


def _residents(place: Place, tag: Tag | None, sender) -> list[Recipient]:
    qs = _residents_in(place)
    if tag is not None:
        if sender is None:  # a tag group is limited to what its sender may see; without them, to nobody
            return []
        qs = qs.filter(tag_filter_q(sender, tag.code))
    found, phones = [], set()
    for pk, name, phone in qs.order_by("pk").values_list("pk", "name", "phone"):
        phone = normalize_phone(phone)
        if not is_mobile(phone) or phone in phones:  # landlines get no SMS; a shared phone gets one
            continue
        phones.add(phone)
        found.append(
            Recipient(
                DeliveryChannel.SMS, f"resident:{pk}", mask_name(name), mask_phone(phone), resident_id=pk
            )
        )
    return found


def _staff_grid_ids(place: Place) -> list[int]:
    if place.kind == PlaceKind.GRID:
        return [place.pk]
    if place.kind == PlaceKind.BUILDING:
        return [place.grid_id] if place.grid_id else []
    if place.kind == PlaceKind.COMPOUND:
        return list(
            Building.objects.filter(compound_id=place.pk, grid__isnull=False)
            .values_list("grid_id", flat=True)
            .distinct()
        )
    return list(Grid.objects.filter(community_id=place.pk).values_list("pk", flat=True))


def _staff(place: Place, channels: set, sender) -> list[Recipient]:
    rows = (
        RoleAssignment.objects.filter(
            Q(role__in=[Role.GRID_WORKER, Role.GRID_LEADER], grid_id__in=_staff_grid_ids(place))
            | Q(role=Role.SECRETARY, community_id=place.community.pk),
            user__is_active=True,
        )
        .exclude(user_id=getattr(sender, "pk", None))
        .values_list("user_id", "user__display_name", "user__username", "user__email")
        .order_by("user_id")
        .distinct()
    )
    found, seen = [], set()
    for user_id, display, username, email in rows:
        if user_id in seen:
            continue
        seen.add(user_id)
        label = display or username
        if DeliveryChannel.IN_APP in channels:
            found.append(Recipient(DeliveryChannel.IN_APP, f"user:{user_id}", label, "", user_id=user_id))
        if DeliveryChannel.EMAIL in channels and email:
            found.append(
                Recipient(DeliveryChannel.EMAIL, f"user:{user_id}", label, mask_email(email), user_id=user_id)
            )
    return found


def _endpoints_q(place: Place) -> Q:
    if place.kind == PlaceKind.GRID:
        return Q(grid_id=place.pk)
    if place.kind == PlaceKind.BUILDING:
        return Q(compound_id=place.unit.compound_id) | (
            Q(grid_id=place.grid_id) if place.grid_id else Q(pk__in=[])
        )
    if place.kind == PlaceKind.COMPOUND:
        return Q(compound_id=place.pk)
    return Q(community_id=place.pk) | Q(grid__community_id=place.pk) | Q(compound__community_id=place.pk)


def _robots(place: Place, channels: set) -> list[Recipient]:
    endpoints = GroupEndpoint.objects.filter(_endpoints_q(place), is_active=True, channel__in=channels)
    return [
        Recipient(e.channel, f"endpoint:{e.pk}", e.name, webhook_host(e.webhook_url), endpoint_id=e.pk)
        for e in endpoints.order_by("pk")
    ]


def webhook_host(url: str) -> str:
    """The host a webhook posts to: shown instead of the URL, whose key is a credential."""
    return urlsplit(url or "").hostname or "—"


def mask_email(value: str) -> str:
    """w***@example.com"""
    local, at, domain = (value or "").partition("@")
    if not at:
        return mask_name(value)
    return f"{local[:1]}***@{domain}"
