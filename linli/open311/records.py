"""The GeoReport v2 records of services and service requests, and what the public may read of a case.

A service request record is public (GET requests needs no key): it never carries the reporter's or the staff's
names, phones or e-mail; free text is scrubbed of phone, ID and e-mail patterns and of the names the case knows;
the address stops at the building and the point is rounded to about 10 m."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from linli.cases.choices import OPEN_STATUSES, Status, Urgency
from linli.cases.models import Case, Category
from linli.core.validators import mask_personal_text

from .models import ServiceAttribute

COORDINATE_DECIMALS = 4  # about 11 m of latitude: the building, not the window

# Where an address goes below the building: a unit/entrance, floor or room (3门, 2单元, 502室, 1-2-301, 1号楼502).
_BELOW_BUILDING = re.compile(
    r"(?:\d+|[一二三四五六七八九十]+)\s*(?:单元|门洞|楼门|门|室|户|层)|\d+\s*[-－]\s*\d+|(?<=楼)[\s,，]*\d+"
)


def building_level(address: str) -> str:
    """An address cut where it goes below the building (吉利花园1号楼3门502 → 吉利花园1号楼)."""
    match = _BELOW_BUILDING.search(address)
    if match:
        address = address[: match.start()]
    return address.rstrip(" ,，-－")


def promise(category: Category, *, urgent: bool = False) -> str:
    """The category's promise to the reporter: its response and resolution deadlines."""
    minutes = category.urgent_response_minutes if urgent else category.response_minutes
    return _("Response within %(minutes)d minutes, resolution within %(days)d working days.") % {
        "minutes": minutes,
        "days": category.resolution_working_days,
    }


def service_record(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": promise(category),
        "metadata": bool(getattr(category, "has_attributes", False)),
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id else "",
    }


def attribute_record(attribute: ServiceAttribute) -> dict:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in attribute.values or []],
    }


def service_definition(category: Category, attributes: list[ServiceAttribute]) -> dict:
    return {"service_code": category.code, "attributes": [attribute_record(a) for a in attributes]}


def open311_status(case: Case) -> str:
    return "open" if case.status in OPEN_STATUSES else "closed"


def _names_in(case: Case) -> list[str]:
    return [
        case.reporter_name,
        getattr(case, "assignee_name", None) or "",
        getattr(case, "resolver_name", None) or "",
        getattr(case, "verifier_name", None) or "",
    ]


def status_notes(case: Case) -> str:
    """What happened, in the words the public may read: the result, the case merged into, the reason refused."""
    names = _names_in(case)
    if case.status == Status.MERGED and getattr(case, "master_number", None):
        return _("Merged into case %(number)s.") % {"number": case.master_number}
    if case.status == Status.REJECTED and case.reject_reason:
        return _("Not accepted: %(reason)s") % {"reason": mask_personal_text(case.reject_reason, names)}
    if case.status in (Status.RESOLVED, Status.CLOSED) and case.result:
        return mask_personal_text(case.result, names)
    return str(case.get_status_display())


def agency_responsible(case: Case) -> str:
    """Who handles the case: the department of its latest whistle, else its community (or street)."""
    department = getattr(case, "whistled_department", None)
    if department:
        return department
    if case.community_id:
        return case.community.name
    return case.street.name if case.street_id else ""


def public_address(case: Case) -> str:
    if case.building_id:
        return str(case.building)
    return building_level(mask_personal_text(case.address, _names_in(case)))


def public_media_url(case: Case) -> str | None:
    url = (case.attributes or {}).get("media_url")
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        return None
    return (
        url if mask_personal_text(url) == url else None
    )  # a URL carrying a phone or an e-mail is left out, not mangled


def _rounded(value: float | None) -> float | None:
    return round(value, COORDINATE_DECIMALS) if value is not None else None


def request_record(case: Case) -> dict:
    """A service request as GET requests answers it, fields in the specification's order."""
    return {
        "service_request_id": case.number,
        "status": open311_status(case),
        "status_notes": status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": mask_personal_text(case.description, _names_in(case)),
        "agency_responsible": agency_responsible(case),
        "service_notice": promise(case.category, urgent=case.urgency == Urgency.URGENT),
        "requested_datetime": case.received_at,
        "updated_datetime": case.updated_at,
        "expected_datetime": case.resolution_due_at,
        "address": public_address(case),
        "address_id": str(case.building_id) if case.building_id else None,
        "zipcode": None,
        "lat": _rounded(case.lat),
        "long": _rounded(case.lon),
        "media_url": public_media_url(case),
    }


def created_record(case: Case) -> dict:
    """The answer to POST requests: the new request's id and its token (the case's 查询码, which the reporter
    also uses on the resident pages).  The notice is the category's normal promise even when intake made the case
    urgent, so the answer says nothing of the registry (an urgent case means a vulnerable resident).  Linli keeps
    no reporter accounts, so account_id is empty."""
    return {
        "service_request_id": case.number,
        "token": case.tracking_code,
        "service_notice": promise(case.category),
        "account_id": None,
    }


def token_record(*, service_request_id: str, token: str) -> dict:
    return {"service_request_id": service_request_id, "token": token}
