"""GeoReport v2 documents in its two formats: XML (UTF-8, with its declaration) and JSON.

A document is a root name and a body: a list of records (`services`, `service_requests`, `errors`) or one
record (`discovery`, `service_definition`).  A record is a dict whose order is the order of the XML elements;
a list-valued field repeats the element LIST_ITEMS names (`attributes` → `attribute`)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise

from .errors import Open311Error

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The format of an answer when the request named none that we speak (the specification's own default).
DEFAULT_FORMAT = "xml"

LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all, even escaped; text from other channels may hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Document:
    root: str
    body: list[dict] | dict


def w3c_datetime(value: datetime) -> str:
    """2025-06-01T09:30:00+08:00: the W3C profile of ISO 8601 the specification uses, in local time."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c_datetime(value)
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, tag: str, value) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for name, child in value.items():
            _append(element, name, child)
    elif isinstance(value, list):
        for item in value:
            _append(element, LIST_ITEMS[tag], item)
    else:
        element.text = _text(value)


def to_xml(document: Document) -> bytes:
    root = ET.Element(document.root)
    if isinstance(document.body, list):
        for record in document.body:
            _append(root, LIST_ITEMS[document.root], record)
    else:
        for name, value in document.body.items():
            _append(root, name, value)
    return XML_DECLARATION + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _json_default(value):
    if isinstance(value, datetime):
        return w3c_datetime(value)
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(document: Document) -> bytes:
    return json.dumps(document.body, ensure_ascii=False, default=_json_default).encode()


def render(document: Document, fmt: str, *, status: int = 200) -> HttpResponse:
    body = to_json(document) if fmt == "json" else to_xml(document)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))


def render_error(error: Open311Error, fmt: str) -> HttpResponse:
    document = Document("errors", [{"code": error.status, "description": error.description}])
    response = render(document, fmt if fmt in CONTENT_TYPES else DEFAULT_FORMAT, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response
