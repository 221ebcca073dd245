"""The Open311 GeoReport v2 endpoint: plain views that parse, read or write through selectors and services, and
answer in the format the URL's extension names.

Every answer, errors included, is a GeoReport v2 document: a malformed request gets a 4xx in that format, never
a Django page.  Posting is authenticated by the api_key form field, not by cookies, so the views are CSRF-exempt."""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import limits, records, selectors, services
from .errors import Open311Error, bad_request, not_found
from .formats import CONTENT_TYPES, DEFAULT_FORMAT, Document, render, render_error
from .params import new_request, parse_format, request_id_param, request_query, token_param

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's own behaviour last changed; discovery reports the later of this and any attribute edit.
ENDPOINT_CHANGED = datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
READ = ("GET", "HEAD")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
API_KEY_MAX = 200


def open311_endpoint(*methods: str):
    """An Open311 view: checks the format and the method, and turns an Open311Error into its document."""

    def decorator(handler):
        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest, fmt: str | None = None, **kwargs) -> HttpResponse:
            answer_format = fmt if fmt in CONTENT_TYPES else DEFAULT_FORMAT
            try:
                fmt = parse_format(fmt)
                if request.method not in methods:
                    raise Open311Error(
                        405,
                        f"{request.method} is not allowed here: use {' or '.join(methods)}.",
                        headers={"Allow": ", ".join(methods)},
                    )
                return handler(request, fmt, **kwargs)
            except Open311Error as error:
                return render_error(error, answer_format)

        return view

    return decorator


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- discovery and services


@open311_endpoint(*READ)
def discovery(request, fmt):
    limits.check_read(request)
    latest = selectors.latest_attribute_change()
    changeset = max(ENDPOINT_CHANGED, latest) if latest else ENDPOINT_CHANGED
    base = settings.LINLI_PUBLIC_BASE_URL.rstrip("/")
    url = base + reverse("open311:discovery", kwargs={"fmt": fmt}).rsplit("/", 1)[0] + "/"
    body = {
        "changeset": changeset,
        "contact": _("Questions about this endpoint go to the administrators of %(site)s.") % {"site": base},
        "key_service": _(
            "API keys for posting service requests are issued by the administrators of %(site)s."
        )
        % {"site": base},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changeset,
                "type": "production" if settings.LINLI_ENV == "production" else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(Document("discovery", body), fmt)


@open311_endpoint(*READ)
def service_list(request, fmt):
    limits.check_read(request)
    selectors.get_jurisdiction(request.GET.get("jurisdiction_id"))  # an unknown one is a 404
    body = [records.service_record(category) for category in selectors.services()]
    return render(Document("services", body), fmt)


@open311_endpoint(*READ)
def service_definition(request, fmt, service_code: str):
    limits.check_read(request)
    selectors.get_jurisdiction(request.GET.get("jurisdiction_id"))
    category = selectors.get_service(service_code)
    body = records.service_definition(category, selectors.service_attributes(category))
    return render(Document("service_definition", body), fmt)


# ---------------------------------------------------------------- service requests


@open311_endpoint(*READ, "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _create_request(request, fmt)
    limits.check_read(request)
    jurisdiction = selectors.get_jurisdiction(request.GET.get("jurisdiction_id"))
    query = request_query(request.GET, now=timezone.now())
    cases = selectors.find_requests(jurisdiction, query)
    return render(Document("service_requests", [records.request_record(c) for c in cases]), fmt)


def _create_request(request, fmt):
    limits.check_post(request)
    if request.content_type not in FORM_TYPES:
        raise bad_request("Send the request form-encoded (application/x-www-form-urlencoded).")
    try:
        form = request.POST
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError) as exc:
        raise bad_request("The request body could not be read as a form.") from exc
    raw_key = form.get("api_key", "").strip()[:API_KEY_MAX]
    api_key = services.api_key_authenticate(raw_key=raw_key, request=request)
    limits.check_post_key(request, key_prefix=api_key.prefix)
    jurisdiction = selectors.get_jurisdiction(
        form.get("jurisdiction_id") or request.GET.get("jurisdiction_id")
    )
    new = new_request(form)
    limits.check_post_phone(request, phone=new.phone)
    category = selectors.get_service(new.service_code)
    case = services.request_create(
        new=new, category=category, jurisdiction=jurisdiction, api_key=api_key, request=request
    )
    return _no_store(render(Document("service_requests", [records.created_record(case)]), fmt))


@open311_endpoint(*READ)
def service_request(request, fmt, service_request_id: str):
    limits.check_read(request)
    jurisdiction = selectors.get_jurisdiction(request.GET.get("jurisdiction_id"))
    case = selectors.get_request(jurisdiction, request_id_param(service_request_id))
    return render(Document("service_requests", [records.request_record(case)]), fmt)


@open311_endpoint(*READ)
def token(request, fmt, token: str):
    limits.check_read(request, token=True)
    jurisdiction = selectors.get_jurisdiction(request.GET.get("jurisdiction_id"))
    token = token_param(token)
    number = selectors.get_request_id_for_token(jurisdiction, token)
    body = [records.token_record(service_request_id=number, token=token)]
    return _no_store(render(Document("service_requests", body), fmt))


@csrf_exempt
def unknown(request, path: str = ""):
    """Anything else under /open311/v2/: a 404 in the format the path's extension asks for."""
    extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    try:
        limits.check_read(request)
        raise not_found(f"There is no Open311 resource {path[:80]}.")
    except Open311Error as error:
        return render_error(error, extension)
