"""Every write of the partners app: partners, contacts, agreements and their files, service items, deliveries,
cases helped, and the daily agreements sweep. Keyword-only, one transaction each, edits version-checked."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment
from linli.cases.models import Case
from linli.core.audit import audit
from linli.core.errors import InvalidInput, NotAllowed, check_version
from linli.core.images import clean_photo
from linli.core.models import Notification
from linli.core.uploads import CheckedUpload
from linli.core.validators import normalize_phone, validate_phone

from . import selectors
from .choices import Audience, ContactPublicity, HowToAsk, PartnerKind
from .models import (
    EXPIRING_DAYS,
    Agreement,
    AgreementAttachment,
    Partner,
    PartnerCaseHelp,
    PartnerContact,
    ServiceItem,
    ServiceUse,
)

PARTNER_FIELDS = ("name", "kind", "address", "description", "is_active")
CONTACT_FIELDS = ("name", "role", "phone", "publicity")
ITEM_FIELDS = (
    "title",
    "description",
    "audience",
    "tag",
    "schedule",
    "valid_until",
    "how_to_ask",
    "monthly_cap",
    "is_active",
)
AGREEMENT_FIELDS = ("title", "signed_on", "valid_from", "valid_until")


def _require_manager(actor, partner: Partner) -> None:
    if not selectors.can_manage(actor, partner):
        raise NotAllowed(
            _("Only the community's secretary, the street or an administrator may change partners.")
        )


def _require_staff(actor, partner: Partner) -> None:
    if not Partner.objects.visible_to(actor).filter(pk=partner.pk).exists():
        raise NotAllowed(_("This partner is not in your area."))


def _text(value, field: str, *, required: bool = False, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field)
    if max_length is not None and len(value) > max_length:
        raise InvalidInput(_("At most %(n)d characters are allowed.") % {"n": max_length}, field=field)
    return value


def _locked(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


# ---------------------------------------------------------------- partners


def _clean_partner(values: dict) -> dict:
    out = dict(values)
    if "name" in out:
        out["name"] = _text(out["name"], "name", required=True, max_length=100)
    if "kind" in out and out["kind"] not in PartnerKind.values:
        raise InvalidInput(_("Choose the kind of organisation."), field="kind")
    if "address" in out:
        out["address"] = _text(out["address"], "address", max_length=200)
    if "description" in out:
        out["description"] = _text(out["description"], "description", max_length=2000)
    if "is_active" in out:
        out["is_active"] = bool(out["is_active"])
    return out


def _name_taken(community_id: int, name: str, exclude_pk: int | None = None) -> bool:
    qs = Partner.objects.filter(community_id=community_id, name=name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _name_taken_error() -> InvalidInput:
    return InvalidInput(_("This community already has a partner with this name."), field="name")


def partner_create(
    *,
    actor,
    community,
    name: str,
    kind: str,
    address: str = "",
    description: str = "",
    is_active: bool = True,
    request=None,
) -> Partner:
    if not selectors.manageable_communities(actor).filter(pk=community.pk).exists():
        raise NotAllowed(
            _("You may add partners only to a community you are responsible for."), field="community"
        )
    values = _clean_partner(
        {"name": name, "kind": kind, "address": address, "description": description, "is_active": is_active}
    )
    with transaction.atomic():
        if _name_taken(community.pk, values["name"]):
            raise _name_taken_error()
        try:
            with transaction.atomic():
                partner = Partner.objects.create(community=community, created_by=actor, **values)
        except IntegrityError:
            raise _name_taken_error() from None
        audit("partner_created", actor=actor, request=request, obj=partner, name=partner.name)
    return partner


def partner_update(*, actor, partner: Partner, version: int | None, request=None, **changes) -> Partner:
    unknown = set(changes) - set(PARTNER_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _require_manager(actor, partner)
    values = _clean_partner(changes)
    with transaction.atomic():
        partner = _locked(Partner, partner)
        check_version(partner, version)
        if "name" in values and _name_taken(partner.community_id, values["name"], exclude_pk=partner.pk):
            raise _name_taken_error()
        changed = [f for f, v in values.items() if getattr(partner, f) != v]
        for field, value in values.items():
            setattr(partner, field, value)
        partner.version += 1
        partner.save()
        audit("partner_updated", actor=actor, request=request, obj=partner, fields=",".join(changed))
    return partner


# ---------------------------------------------------------------- contacts


def _clean_contact(values: dict) -> dict:
    out = dict(values)
    if "name" in out:
        out["name"] = _text(out["name"], "name", required=True, max_length=50)
    if "role" in out:
        out["role"] = _text(out["role"], "role", max_length=50)
    if "phone" in out:
        phone = normalize_phone(out["phone"] or "")
        try:
            validate_phone(phone)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="phone") from None
        out["phone"] = phone
    if "publicity" in out and out["publicity"] not in ContactPublicity.values:
        raise InvalidInput(_("Choose whether the contact is shown publicly."), field="publicity")
    return out


def contact_add(
    *,
    actor,
    partner: Partner,
    name: str,
    role: str = "",
    phone: str = "",
    publicity: str = ContactPublicity.HIDDEN,
    request=None,
) -> PartnerContact:
    _require_manager(actor, partner)
    values = _clean_contact({"name": name, "role": role, "phone": phone, "publicity": publicity})
    with transaction.atomic():
        contact = PartnerContact.objects.create(partner=partner, **values)
        audit(
            "partner_contact_added",
            actor=actor,
            request=request,
            obj=contact,
            partner=partner.pk,
            publicity=contact.publicity,
        )
    return contact


def contact_update(
    *, actor, contact: PartnerContact, version: int | None, request=None, **changes
) -> PartnerContact:
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _require_manager(actor, contact.partner)
    values = _clean_contact(changes)
    with transaction.atomic():
        contact = _locked(PartnerContact, contact)
        check_version(contact, version)
        changed = [f for f, v in values.items() if getattr(contact, f) != v]
        for field, value in values.items():
            setattr(contact, field, value)
        contact.version += 1
        contact.save()
        audit(
            "partner_contact_updated",
            actor=actor,
            request=request,
            obj=contact,
            partner=contact.partner_id,
            fields=",".join(changed),
        )
    return contact


def contact_remove(*, actor, contact: PartnerContact, request=None) -> None:
    _require_manager(actor, contact.partner)
    with transaction.atomic():
        audit(
            "partner_contact_removed", actor=actor, request=request, obj=contact, partner=contact.partner_id
        )
        contact.delete()


# ---------------------------------------------------------------- agreements


def _clean_agreement(values: dict) -> dict:
    out = dict(values)
    if "title" in out:
        out["title"] = _text(out["title"], "title", required=True, max_length=120)
    for field in ("signed_on", "valid_from"):
        if field in out and not isinstance(out[field], date):
            raise InvalidInput(_("Enter a date."), field=field)
    if out.get("valid_until") is not None and not isinstance(out["valid_until"], date):
        raise InvalidInput(_("Enter a date."), field="valid_until")
    return out


def _check_agreement_dates(agreement_values: dict) -> None:
    signed, start, until = (
        agreement_values["signed_on"],
        agreement_values["valid_from"],
        agreement_values.get("valid_until"),
    )
    if until is not None and until < start:
        raise InvalidInput(_("An agreement cannot end before it starts."), field="valid_until")
    if signed > start + timedelta(days=366):
        raise InvalidInput(_("An agreement is signed before (or soon after) it starts."), field="signed_on")


def _store_attachments(agreement: Agreement, uploads: Iterable[CheckedUpload], actor) -> list:
    """Store checked uploads under random names; photos re-encoded without their metadata (FU-03)."""
    stored = []
    for up in uploads:
        if up.content_type.startswith("image/") and not up.cleaned:
            up = clean_photo(up, field="attachments").upload
        row = AgreementAttachment(
            agreement=agreement,
            stored_name=f"{uuid.uuid4().hex}.{up.stored_extension}",
            original_name=up.name,
            content_type=up.content_type,
            size=up.size,
            uploaded_by=actor,
        )
        row.file.save(row.stored_name, up.file, save=False)
        row.save()
        stored.append(row)
    return stored


def agreement_create(
    *,
    actor,
    partner: Partner,
    title: str,
    signed_on: date,
    valid_from: date,
    valid_until: date | None = None,
    attachments: Iterable[CheckedUpload] = (),
    request=None,
) -> Agreement:
    _require_manager(actor, partner)
    values = _clean_agreement(
        {"title": title, "signed_on": signed_on, "valid_from": valid_from, "valid_until": valid_until}
    )
    _check_agreement_dates(values)
    with transaction.atomic():
        agreement = Agreement.objects.create(partner=partner, created_by=actor, **values)
        files = _store_attachments(agreement, attachments, actor)
        audit(
            "partner_agreement_created",
            actor=actor,
            request=request,
            obj=agreement,
            partner=partner.pk,
            files=len(files),
        )
    return agreement


def agreement_update(
    *, actor, agreement: Agreement, version: int | None, request=None, **changes
) -> Agreement:
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _require_manager(actor, agreement.partner)
    values = _clean_agreement(changes)
    with transaction.atomic():
        agreement = _locked(Agreement, agreement)
        check_version(agreement, version)
        merged = {f: values.get(f, getattr(agreement, f)) for f in AGREEMENT_FIELDS}
        _check_agreement_dates(merged)
        if merged["valid_until"] != agreement.valid_until:
            agreement.expiry_notified_at = None  # a renewed agreement is announced again before its new end
        for field, value in values.items():
            setattr(agreement, field, value)
        agreement.version += 1
        agreement.save()
        audit("partner_agreement_updated", actor=actor, request=request, obj=agreement)
    return agreement


def agreement_attach(
    *, actor, agreement: Agreement, attachments: Iterable[CheckedUpload], request=None
) -> list[AgreementAttachment]:
    _require_manager(actor, agreement.partner)
    attachments = list(attachments)
    if not attachments:
        raise InvalidInput(_("Choose a file to attach."), field="attachments")
    with transaction.atomic():
        files = _store_attachments(agreement, attachments, actor)
        audit("partner_agreement_attached", actor=actor, request=request, obj=agreement, files=len(files))
    return files


# ---------------------------------------------------------------- service items


def _clean_item(values: dict) -> dict:
    out = dict(values)
    if "title" in out:
        out["title"] = _text(out["title"], "title", required=True, max_length=100)
    if "description" in out:
        out["description"] = _text(out["description"], "description", max_length=1000)
    if "schedule" in out:
        out["schedule"] = _text(out["schedule"], "schedule", max_length=100)
    if "audience" in out and out["audience"] not in Audience.values:
        raise InvalidInput(_("Choose whom the service is for."), field="audience")
    if "how_to_ask" in out and out["how_to_ask"] not in HowToAsk.values:
        raise InvalidInput(_("Choose how residents ask for the service."), field="how_to_ask")
    if out.get("monthly_cap") is not None and int(out["monthly_cap"]) < 1:
        raise InvalidInput(_("A monthly cap is at least 1 household."), field="monthly_cap")
    if "is_active" in out:
        out["is_active"] = bool(out["is_active"])
    return out


def _check_item_audience(audience: str, tag) -> None:
    if audience == Audience.TAG and tag is None:
        raise InvalidInput(_("Choose the tag group the service is for."), field="tag")


def item_create(
    *,
    actor,
    partner: Partner,
    title: str,
    description: str = "",
    audience: str = Audience.ALL,
    tag=None,
    schedule: str = "",
    valid_until: date | None = None,
    how_to_ask: str = HowToAsk.COMMUNITY,
    monthly_cap: int | None = None,
    is_active: bool = True,
) -> ServiceItem:
    _require_manager(actor, partner)
    values = _clean_item(
        {
            "title": title,
            "description": description,
            "audience": audience,
            "schedule": schedule,
            "how_to_ask": how_to_ask,
            "monthly_cap": monthly_cap,
            "is_active": is_active,
        }
    )
    _check_item_audience(values["audience"], tag)
    with transaction.atomic():
        return ServiceItem.objects.create(
            partner=partner,
            tag=tag if values["audience"] == Audience.TAG else None,
            valid_until=valid_until,
            **values,
        )


def item_update(*, actor, item: ServiceItem, version: int | None, **changes) -> ServiceItem:
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _require_manager(actor, item.partner)
    values = _clean_item(changes)
    with transaction.atomic():
        item = _locked(ServiceItem, item)
        check_version(item, version)
        audience = values.get("audience", item.audience)
        tag = values.get("tag", item.tag)
        _check_item_audience(audience, tag)
        if audience != Audience.TAG:
            values["tag"] = None
        for field, value in values.items():
            setattr(item, field, value)
        item.version += 1
        item.save()
    return item


def service_use_record(*, actor, item: ServiceItem, on: date, households: int, note: str = "") -> ServiceUse:
    """Record a delivery of a pledged item; any staff member of the partner's area may."""
    _require_staff(actor, item.partner)
    if on > timezone.localdate():
        raise InvalidInput(_("A delivery cannot be in the future."), field="on")
    if households is None or int(households) < 1:
        raise InvalidInput(_("At least one household was served."), field="households")
    note = _text(note, "note", max_length=300)
    with transaction.atomic():
        return ServiceUse.objects.create(
            item=item, on=on, households=int(households), note=note, recorded_by=actor
        )


# ---------------------------------------------------------------- cases the partner helped with


def case_help_record(*, actor, partner: Partner, case: Case, what: str) -> PartnerCaseHelp:
    """Link a case the actor may see to a partner they may see, with what the partner did."""
    _require_staff(actor, partner)
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise InvalidInput(_("There is no such case in your area."), field="case")
    what = _text(what, "what", required=True, max_length=1000)
    with transaction.atomic():
        return PartnerCaseHelp.objects.create(partner=partner, case=case, what=what, recorded_by=actor)


# ---------------------------------------------------------------- the daily sweep


def _secretaries(community_id: int) -> list[int]:
    return list(
        RoleAssignment.objects.filter(role=Role.SECRETARY, community_id=community_id).values_list(
            "user_id", flat=True
        )
    )


def agreements_sweep(today: date | None = None) -> int:
    """Tell a community's secretaries, once, that a partner's agreement ends within 30 days. Safe to rerun
    and to run in two workers at once. Returns how many agreements it announced."""
    today = today or timezone.localdate()
    now = timezone.now()
    due = Agreement.objects.filter(
        expiry_notified_at__isnull=True,
        valid_until__isnull=False,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=EXPIRING_DAYS),
        valid_from__lte=today,
        partner__is_active=True,
    ).select_related("partner")
    announced = 0
    for agreement in due:
        with transaction.atomic():
            # The guard: a second sweeper (or a rerun) finds it already announced and does nothing.
            if not Agreement.objects.filter(pk=agreement.pk, expiry_notified_at__isnull=True).update(
                expiry_notified_at=now
            ):
                continue
            announced += 1
            partner = agreement.partner
            message = _("The co-building agreement “%(t)s” with %(p)s ends on %(d)s.") % {
                "t": agreement.title,
                "p": partner.name,
                "d": agreement.valid_until.isoformat(),
            }
            url = reverse("partners:detail", args=[partner.pk])
            Notification.objects.bulk_create(
                [
                    Notification(
                        recipient_id=uid, kind="partner_agreement_expiring", message=message[:300], url=url
                    )
                    for uid in set(_secretaries(partner.community_id))
                ]
            )
    return announced
