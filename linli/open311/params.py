"""What Open311 clients send, parsed and checked: a bad value is an Open311Error (400) naming the parameter,
before anything is read or written."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dt_time

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from linli.core.validators import normalize_phone, validate_personal_phone

from .choices import Datatype
from .errors import bad_request
from .formats import CONTENT_TYPES, w3c_datetime

# GeoReport v2: the longest description a client may send.
DESCRIPTION_MAX = 4000
ADDRESS_MAX = 200  # Case.address
NAME_MAX = 50  # Case.reporter_name
MEDIA_URL_MAX = 500
CLIENT_ID_MAX = 100  # device_id, account_id
STRING_MAX = 200  # a "string" attribute; "text" takes up to DESCRIPTION_MAX
# GeoReport v2 limits of GET requests: the default window and the longest one, and the most rows per answer.
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_IDS = 1000

STATUSES = ("open", "closed")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_REQUEST_ID = re.compile(r"^[0-9A-Za-z-]{1,20}$")
_TOKEN = re.compile(r"^[0-9A-Za-z]{1,32}$")
# An offset whose "+" a client forgot to percent-encode arrives as a space: 2025-06-01T08:00:00 08:00.
_SPACE_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
# Control characters have no place in a report; NUL would even be refused by PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]*)\](\[\])?$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def parse_format(extension: str | None) -> str:
    if extension not in CONTENT_TYPES:
        raise bad_request("The format must be given by the extension .xml or .json.")
    return extension


def text_param(value: str | None, name: str, *, max_length: int, multiline: bool = False) -> str:
    """A stripped text parameter ('' when absent), refused when it holds control characters or is too long."""
    value = (value or "").strip()
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
        raise bad_request(f"{name} contains characters that are not allowed.")
    if len(value) > max_length:
        raise bad_request(f"{name} may have at most {max_length} characters.")
    return value


def number_param(value: str, name: str) -> float:
    value = value.strip()
    number = float(value) if _NUMBER.match(value) else math.nan
    if not math.isfinite(number):
        raise bad_request(f"{name} is not a number.")
    return number


def coordinates_param(lat: str | None, lon: str | None) -> tuple[float, float] | None:
    """(lat, long) in WGS84, or None when the client sent neither (or 0,0, which clients send for 'unknown')."""
    lat, lon = (lat or "").strip(), (lon or "").strip()
    if not lat and not lon:
        return None
    if not lat or not lon:
        raise bad_request("lat and long must be sent together.")
    lat_value, lon_value = number_param(lat, "lat"), number_param(lon, "long")
    if not -90 <= lat_value <= 90:
        raise bad_request("lat must be between -90 and 90.")
    if not -180 <= lon_value <= 180:
        raise bad_request("long must be between -180 and 180.")
    if lat_value == 0 and lon_value == 0:
        return None
    return lat_value, lon_value


def datetime_param(value: str, name: str) -> datetime:
    """A W3C/ISO 8601 date-time (or a date, meaning its local midnight); without an offset, local time."""
    text = _SPACE_OFFSET.sub(r"\1+\2", value.strip())
    parsed = None
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime.combine(day, dt_time.min) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise bad_request(f"{name} is not a W3C date-time such as 2025-06-01T08:00:00+08:00.")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if not 2000 <= parsed.year <= 2999:
        raise bad_request(f"{name} is out of range.")
    return parsed


def comma_list(values: list[str]) -> list[str]:
    """A parameter 'declared multiple times, comma delimited': every non-empty item, in order, once."""
    items: list[str] = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if item and item not in items:
                items.append(item)
    return items


def request_id_param(value: str) -> str:
    if not _REQUEST_ID.match(value):
        raise bad_request("service_request_id is not a service request id.")
    return value


def token_param(value: str) -> str:
    if not _TOKEN.match(value):
        raise bad_request("The token is not a token this endpoint issues.")
    return value.upper()


@dataclass(frozen=True)
class RequestQuery:
    """The filters of GET requests: either ids, or codes, a window and statuses."""

    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)


def request_query(params, *, now: datetime) -> RequestQuery:
    """GET requests' filters; service_request_id overrides every other one, as the specification says."""
    ids = comma_list(params.getlist("service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise bad_request(f"At most {MAX_IDS} service_request_id may be asked for at once.")
        return RequestQuery(ids=[request_id_param(i) for i in ids])
    codes = comma_list(params.getlist("service_code"))
    statuses = comma_list(params.getlist("status"))
    for status in statuses:
        if status not in STATUSES:
            raise bad_request("status must be open or closed (comma delimited).")
    start_text, end_text = params.get("start_date", ""), params.get("end_date", "")
    start = datetime_param(start_text, "start_date") if start_text.strip() else None
    end = datetime_param(end_text, "end_date") if end_text.strip() else None
    if start and end:
        if end < start:
            raise bad_request("end_date is earlier than start_date.")
        if end - start > WINDOW:
            raise bad_request("start_date and end_date may not span more than 90 days.")
    elif start:
        end = start + WINDOW
    elif end:
        start = end - WINDOW
    else:
        start, end = now - WINDOW, now
    return RequestQuery(service_codes=codes, start=start, end=end, statuses=statuses)


@dataclass(frozen=True)
class NewRequest:
    """A checked POST requests: where, who and what; the attributes still raw (they need the service)."""

    service_code: str
    point: tuple[float, float] | None
    address_string: str
    address_id: str
    description: str
    media_url: str
    reporter_name: str
    phone: str
    email: str
    account_id: str
    attributes: dict[str, list[str]]


def new_request(post) -> NewRequest:
    service_code = text_param(post.get("service_code"), "service_code", max_length=30)
    if not service_code:
        raise bad_request("service_code was not provided.")
    point = coordinates_param(post.get("lat"), post.get("long"))
    address_string = text_param(post.get("address_string"), "address_string", max_length=ADDRESS_MAX)
    address_id = text_param(post.get("address_id"), "address_id", max_length=20)
    if point is None and not address_string and not address_id:
        raise bad_request("lat/long, address_string or address_id was not provided.")
    first = text_param(post.get("first_name"), "first_name", max_length=NAME_MAX)
    last = text_param(post.get("last_name"), "last_name", max_length=NAME_MAX)
    name = reporter_name(first, last)
    if len(name) > NAME_MAX:
        raise bad_request(f"first_name and last_name together may have at most {NAME_MAX} characters.")
    phone = normalize_phone(text_param(post.get("phone"), "phone", max_length=30))
    try:
        validate_personal_phone(phone)
    except ValidationError as exc:
        raise bad_request("phone is not a mobile or landline number.") from exc
    email = text_param(post.get("email"), "email", max_length=254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            raise bad_request("email is not an e-mail address.") from exc
    media_url = text_param(post.get("media_url"), "media_url", max_length=MEDIA_URL_MAX)
    if media_url and not _URL.match(media_url):
        raise bad_request("media_url must be an http or https URL.")
    text_param(post.get("device_id"), "device_id", max_length=CLIENT_ID_MAX)
    return NewRequest(
        service_code=service_code,
        point=point,
        address_string=address_string,
        address_id=address_id,
        description=text_param(
            post.get("description"), "description", max_length=DESCRIPTION_MAX, multiline=True
        ),
        media_url=media_url,
        reporter_name=name,
        phone=phone,
        email=email,
        account_id=text_param(post.get("account_id"), "account_id", max_length=CLIENT_ID_MAX),
        attributes=raw_attributes(post),
    )


def reporter_name(first: str, last: str) -> str:
    """The reporter's name as it is written: surname first and unspaced in Chinese, given name first otherwise."""
    if not first or not last:
        return first or last
    if all(_is_cjk(ch) for ch in first + last):
        return last + first
    return f"{first} {last}"


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch == "·"


def raw_attributes(post) -> dict[str, list[str]]:
    """attribute[CODE]=value pairs by code; a multivaluelist repeats the key (or posts attribute[CODE][])."""
    found: dict[str, list[str]] = {}
    for key in post:
        if not key.startswith("attribute"):
            continue
        match = _ATTRIBUTE_KEY.match(key)
        if not match or not match.group(1):
            raise bad_request(f"{key[:60]} is not of the form attribute[code].")
        values = found.setdefault(match.group(1), [])
        for value in post.getlist(key):
            value = text_param(
                value, f"attribute[{match.group(1)}]", max_length=DESCRIPTION_MAX, multiline=True
            )
            if value:
                values.append(value)
    return found


def attribute_answers(definitions, raw: dict[str, list[str]]) -> dict:
    """The answers to a service's attributes, checked against its definition and keyed by attribute code."""
    by_code = {d.code: d for d in definitions if d.variable}
    for code in raw:
        if code not in by_code:
            raise bad_request(f"attribute[{code[:50]}] is not an attribute of this service.")
    answers: dict = {}
    for code, definition in by_code.items():
        values = raw.get(code, [])
        if not values:
            if definition.required:
                raise bad_request(f"attribute[{code}] is required.")
            continue
        answers[code] = _answer(definition, values)
    return answers


def _answer(definition, values: list[str]):
    name = f"attribute[{definition.code}]"
    datatype = definition.datatype
    if datatype == Datatype.MULTIVALUELIST:
        allowed = definition.value_keys
        for value in values:
            if value not in allowed:
                raise bad_request(f"{name} has no choice {value[:50]!r}.")
        return list(dict.fromkeys(values))
    if len(values) > 1:
        raise bad_request(f"{name} takes one value.")
    value = values[0]
    if datatype == Datatype.SINGLEVALUELIST:
        if value not in definition.value_keys:
            raise bad_request(f"{name} has no choice {value[:50]!r}.")
        return value
    if datatype == Datatype.NUMBER:
        number = number_param(value, name)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if datatype == Datatype.DATETIME:
        return w3c_datetime(datetime_param(value, name))
    if datatype == Datatype.STRING:
        return text_param(value, name, max_length=STRING_MAX)
    return value  # text: already checked for length and characters
