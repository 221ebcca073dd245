"""Writes of the Open311 endpoint: issuing and revoking API keys, and taking in a posted service request."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linli.cases.choices import Channel
from linli.cases.models import Case, Category
from linli.cases.services import case_create_public
from linli.core.audit import audit
from linli.core.errors import DomainError
from linli.org.locator import locate_place

from .errors import bad_request, forbidden
from .models import ApiKey
from .params import NewRequest, attribute_answers
from .selectors import (
    Jurisdiction,
    find_api_key,
    find_building,
    get_building,
    key_digest,
    service_attributes,
)

PREFIX_LENGTH = 8
TITLE_LENGTH = 60
# last_used_at is a hint for administrators, not a log: one write a minute per key is enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


# ---------------------------------------------------------------- API keys


def api_key_issue(
    *, name: str, contact: str = "", created_by=None, request=None, raw_key: str | None = None
) -> tuple[ApiKey, str]:
    """Issue a key to an Open311 client; the key itself is returned once and never stored."""
    name, contact = name.strip(), contact.strip()
    if not name or len(name) > 100 or len(contact) > 200:
        raise ValueError("An API key needs a name of at most 100 characters and a contact of at most 200.")
    raw = raw_key or secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            contact=contact,
            prefix=raw[:PREFIX_LENGTH],
            key_hash=key_digest(raw),
            created_by=created_by,
            created_at=timezone.now(),
        )
        audit("open311_key_issued", actor=created_by, request=request, obj=key, prefix=key.prefix, name=name)
    return key, raw


def api_key_revoke(*, key: ApiKey, actor=None, request=None) -> bool:
    """Revoke a key at once; False when it was already revoked."""
    with transaction.atomic():
        revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if revoked:
            audit("open311_key_revoked", actor=actor, request=request, obj=key, prefix=key.prefix)
    key.refresh_from_db()
    return bool(revoked)


def api_key_authenticate(*, raw_key: str, request) -> ApiKey:
    """The active key a client posted, or a 403 Open311Error; every refusal is audited.  The key's use is
    recorded with the request it creates (request_create), so a refused request writes nothing."""
    key = find_api_key(raw_key) if raw_key else None
    if key is None or not key.is_active:
        reason = "missing" if not raw_key else ("unknown" if key is None else "revoked")
        audit(
            "open311_key_refused",
            request=request,
            obj=key,
            object_type=ApiKey._meta.label_lower,
            outcome="denied",
            reason=reason,
            prefix=raw_key[:PREFIX_LENGTH],
        )
        if not raw_key:
            raise forbidden("api_key was not provided.")
        raise forbidden("api_key is not valid or has been revoked.")
    return key


def _api_key_used(key: ApiKey) -> None:
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - _LAST_USED_RESOLUTION)
    ).update(last_used_at=now)


# ---------------------------------------------------------------- service requests


def request_title(description: str, service_name: str) -> str:
    """The case's title: the first line of the description, cut to 60 characters, or the service's name."""
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    return first_line[:TITLE_LENGTH] or service_name


def request_create(
    *, new: NewRequest, category: Category, jurisdiction: Jurisdiction | None, api_key: ApiKey, request
) -> Case:
    """Take a posted service request in as a case (channel open311), located by building or point.

    A building named by address_id or address_string places the case in its grid; otherwise the point does.
    With a jurisdiction, a point in none of its grids (or an unmatched address) lands in its triage queue, and a
    point in another jurisdiction's grid is refused; without one, a place nobody owns is refused."""
    attributes = attribute_answers(service_attributes(category), new.attributes)
    if new.media_url:
        attributes["media_url"] = new.media_url
    building = None
    if new.address_id:
        building = get_building(jurisdiction, new.address_id)
    elif new.address_string:
        building = find_building(jurisdiction, new.address_string)
    community = jurisdiction.community if jurisdiction else None
    street = jurisdiction.street if jurisdiction else None
    if building is None:
        place = locate_place(*new.point) if new.point else None
        if place is not None and jurisdiction is not None and not jurisdiction.holds_place(place):
            raise bad_request(f"lat/long lies outside jurisdiction {jurisdiction.code}.")
        if place is None and jurisdiction is None:
            if new.point:
                raise bad_request("lat/long lies outside the area this endpoint serves.")
            raise bad_request("address_string was not found: send lat/long, or a jurisdiction_id.")
    lat, lon = new.point if new.point else (None, None)
    try:
        with transaction.atomic():
            case = case_create_public(
                channel=Channel.OPEN311,
                title=request_title(new.description, category.name),
                category=category,
                description=new.description,
                lat=lat,
                lon=lon,
                address=new.address_string,
                building=building,
                community=community if building is None else None,
                street=street if building is None else None,
                reporter_name=new.reporter_name,
                reporter_phone=new.phone,
                attributes=attributes,
            )
            audit(
                "open311_request_created",
                request=request,
                obj=case,
                api_key=api_key.prefix,
                service_code=category.code,
                jurisdiction=jurisdiction.code if jurisdiction else "",
            )
            _api_key_used(api_key)
    except DomainError as exc:
        raise bad_request(str(exc.message)) from exc
    return case
