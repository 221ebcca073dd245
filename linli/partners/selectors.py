"""Reads of the partners app, always through the viewer's scope (staff of the community, the street, admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, Sum
from django.http import Http404
from django.utils import timezone

from linli.activities.models import Activity
from linli.activities.selectors import activities_for_partner
from linli.cases.models import Case
from linli.charity.models import Donation
from linli.charity.selectors import donations_for_partner
from linli.core.validators import mask_name, mask_phone
from linli.org.models import Community

from .choices import AgreementStatus, ContactPublicity, PartnerKind
from .models import Agreement, AgreementAttachment, Partner, PartnerCaseHelp, PartnerContact, ServiceItem


def today() -> date:
    return timezone.localdate()


def may_use_partners(user) -> bool:
    """Partner pages and endpoints are for community-side staff; departments and reporters get 404."""
    return bool(getattr(user, "is_authenticated", False)) and user.scope.is_staff_member


def manageable_communities(user):
    """Communities whose partners the user may create and edit: their own as secretary, their street's, all."""
    scope = user.scope
    qs = Community.objects.select_related("street").order_by("name")
    if scope.is_admin:
        return qs
    return qs.filter(Q(pk__in=scope.community_ids) | Q(street_id__in=scope.street_ids))


def can_manage(user, partner: Partner) -> bool:
    scope = user.scope
    return (
        scope.is_admin
        or partner.community_id in scope.community_ids
        or partner.community.street_id in scope.street_ids
    )


def is_community_staff(user, partner: Partner) -> bool:
    """The people who work with the partner day to day: its community's secretaries and grid staff."""
    scope = user.scope
    return partner.community_id in scope.community_ids or partner.community_id in scope.grid_community_ids


def _get(qs, pk):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- partners


def partners_for(user, *, community=None, kind: str = "", active: bool | None = None):
    qs = Partner.objects.visible_to(user).select_related("community__street")
    if community:
        qs = qs.filter(community_id=community)
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.prefetch_related("agreements").order_by("community__name", "name", "id")


def partner_communities(user):
    """The communities that have partners the viewer may see (for the list's community filter)."""
    ids = Partner.objects.visible_to(user).values("community_id")
    return Community.objects.filter(pk__in=ids).order_by("name")


def get_partner_for_user(user, pk) -> Partner:
    """The partner if the viewer may see it; 404 otherwise."""
    return _get(Partner.objects.visible_to(user).select_related("community__street"), pk)


def get_public_partner(code: str) -> Partner:
    """An active partner by its public code, for the page its shop-front sign's QR code opens."""
    partner = Partner.objects.filter(code=str(code)[:16], is_active=True).select_related("community").first()
    if partner is None:
        raise Http404
    return partner


def agreement_badge(partner: Partner, on: date) -> str:
    """The one status the partner list shows: in force beats expiring beats expired beats not yet in force."""
    statuses = {a.status_on(on) for a in partner.agreements.all()}
    for status in (
        AgreementStatus.ACTIVE,
        AgreementStatus.EXPIRING,
        AgreementStatus.EXPIRED,
        AgreementStatus.PENDING,
    ):
        if status in statuses:
            return status
    return ""


def kind_choices():
    return PartnerKind.choices


# ---------------------------------------------------------------- contacts


def contacts_of(partner: Partner):
    return PartnerContact.objects.filter(partner=partner).order_by("id")


def shown_contact_phone(user, contact: PartnerContact, partner: Partner) -> str:
    """The contact's phone in full for the community's own staff who call them, masked otherwise."""
    return contact.phone if is_community_staff(user, partner) else mask_phone(contact.phone)


@dataclass(frozen=True)
class PublicContact:
    name: str
    role: str
    phone: str


def public_contacts(partner: Partner) -> list[PublicContact]:
    """Only the contacts marked public; a partial one shows a masked name and phone."""
    out = []
    for c in contacts_of(partner).exclude(publicity=ContactPublicity.HIDDEN):
        if c.publicity == ContactPublicity.FULL:
            out.append(PublicContact(c.name, c.role, c.phone))
        else:
            out.append(PublicContact(mask_name(c.name), c.role, mask_phone(c.phone)))
    return out


# ---------------------------------------------------------------- agreements


def agreements_of(partner: Partner):
    return (
        Agreement.objects.filter(partner=partner)
        .prefetch_related(Prefetch("attachments", queryset=AgreementAttachment.objects.order_by("id")))
        .order_by("-valid_from", "-id")
    )


def get_agreement_for_user(user, partner: Partner, pk) -> Agreement:
    return _get(Agreement.objects.filter(partner=partner), pk)


def get_attachment_for_user(user, uuid) -> AgreementAttachment:
    """An agreement's file, for staff who may see its partner (404 otherwise)."""
    try:
        return AgreementAttachment.objects.select_related("agreement").get(
            uuid=uuid, agreement__partner__in=Partner.objects.visible_to(user).values("pk")
        )
    except (AgreementAttachment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- service items and what was delivered


def items_of(partner: Partner):
    return ServiceItem.objects.filter(partner=partner).select_related("tag").order_by("-is_active", "id")


def get_item_for_user(user, partner: Partner, pk) -> ServiceItem:
    return _get(items_of(partner), pk)


def offered_items(partner: Partner, on: date | None = None):
    """What the sign and the public page list: active items not past their end date."""
    return items_of(partner).filter(pk__in=ServiceItem.objects.offered_on(on or today()).values("pk"))


@dataclass(frozen=True)
class ItemDelivery:
    item: ServiceItem
    month_households: int  # served in the current month
    month_uses: int
    total_households: int
    total_uses: int

    @property
    def over_cap(self) -> bool:
        return self.item.monthly_cap is not None and self.month_households > self.item.monthly_cap


def deliveries(partner: Partner, on: date | None = None) -> list[ItemDelivery]:
    """Pledged vs delivered, per item: households served this month (against the monthly cap) and in all."""
    on = on or today()
    month_start = on.replace(day=1)
    items = list(items_of(partner))
    rows = []
    for item in items:
        uses = item.uses.all()
        total = uses.aggregate(h=Sum("households"))["h"] or 0
        month = uses.filter(on__gte=month_start, on__lte=on)
        rows.append(
            ItemDelivery(
                item=item,
                month_households=month.aggregate(h=Sum("households"))["h"] or 0,
                month_uses=month.count(),
                total_households=total,
                total_uses=uses.count(),
            )
        )
    return rows


def recent_uses(item: ServiceItem, limit: int = 10):
    return item.uses.select_related("recorded_by").order_by("-on", "-id")[:limit]


# ---------------------------------------------------------------- cases the partner helped with


def case_helps_for(user, partner: Partner):
    """The partner's helped cases that the viewer may see: someone else's case stays invisible."""
    visible = Case.objects.visible_to(user).values("pk")
    return (
        PartnerCaseHelp.objects.filter(partner=partner, case__in=visible)
        .select_related("case", "recorded_by")
        .order_by("-recorded_at", "-id")
    )


def helps_for_case(user, case: Case):
    """The partners that helped with a case (for the case page), only those the viewer may see."""
    return (
        PartnerCaseHelp.objects.filter(case=case, partner__in=Partner.objects.visible_to(user).values("pk"))
        .select_related("partner")
        .order_by("-recorded_at", "-id")
    )


# ---------------------------------------------------------------- contributions from other apps


def co_hosted_activities(user, partner: Partner, limit: int = 50) -> list:
    """Activities that name the partner among their co-hosts, those the viewer may see."""
    visible = Activity.objects.visible_to(user).values("pk")
    return list(activities_for_partner(partner).filter(pk__in=visible)[:limit])


def partner_donations(user, partner: Partner, limit: int = 50) -> list:
    """What the partner gave (charity donations naming it as donor), those the viewer may see."""
    visible = Donation.objects.visible_to(user).values("pk")
    return list(donations_for_partner(partner).filter(pk__in=visible)[:limit])
