"""Request-level security plumbing: request IDs and denial auditing (LG-01/02), and what production does not expose
(CF-04: the admin only from its networks, no API docs)."""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotFound
from django.utils.translation import gettext as _

from .audit import (
    audit,
    client_ip,
    denial_audited,
    incoming_request_id,
    reset_current_request,
    set_current_request,
)
from .errors import refusal

log = logging.getLogger(__name__)

DOCS_PATHS = ("/api/docs/", "/api/schema/")


def audit_denial(request, *, status: int, reason: str = "") -> None:
    """One ``access.denied`` row for a 403, or a 404 on an object a signed-in user asked for by its key, unless the
    service that refused already wrote its own denied row for this request."""
    base = getattr(request, "_request", request)
    if denial_audited(base):
        return
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    match = getattr(base, "resolver_match", None)
    if status == 404 and not (signed_in and match is not None and match.kwargs):
        return  # an anonymous miss or a mistyped page is not an authorisation failure
    try:
        audit(
            "access.denied",
            actor=user if signed_in else None,
            request=base,
            outcome="denied",
            reason=reason,
            status=status,
            method=base.method,
            view=(match.view_name if match is not None else "")[:100],
            object_key={k: str(v)[:40] for k, v in (match.kwargs if match is not None else {}).items()},
        )
    except Exception:  # never turn a refusal into a 500; the failure itself is logged
        log.exception("could not audit a denied request")


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: a form refused for its CSRF token is audited like any other refusal (LG-01), and the
    person is told what happened and what to do (nothing was saved)."""
    audit_denial(request, status=403, reason=f"csrf: {reason}"[:200])
    message = _(
        "This form was not accepted: it was open too long, or it was sent from another site. Nothing was saved. "
        "Go back, reload the page and send it again."
    )
    return refusal(request, status=403, code="csrf_failed", message=message, template="core/csrf_failed.html")


class RequestContextMiddleware:
    """Gives every request an ID (a trusted proxy's X-Request-ID, else a new one), sends it back, and makes the
    request the one ``audit()`` takes the client IP and request ID from. Audits Django PermissionDenied and
    scoping 404s of pages (the API's are audited by ``core.api.exception_handler``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.linli_request_id = incoming_request_id(request)
        token = set_current_request(request)
        try:
            response = self.get_response(request)
        finally:
            reset_current_request(token)
        response.headers.setdefault("X-Request-ID", request.linli_request_id)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            audit_denial(request, status=403, reason=str(exception))
        elif isinstance(exception, Http404):
            audit_denial(request, status=404)
        return None


def _networks(values) -> list:
    return [ipaddress.ip_network(v, strict=False) for v in values]


class ExposureMiddleware:
    """Answers 404 for /admin/ outside ``LINLI_ADMIN_NETWORKS`` and for the API docs when ``LINLI_API_DOCS`` is off
    (both the case in production)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_networks = _networks(settings.LINLI_ADMIN_NETWORKS)

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/admin/") and self.admin_networks and not self._from_admin_network(request):
            return HttpResponseNotFound()
        if path.startswith(DOCS_PATHS) and not settings.LINLI_API_DOCS:
            return HttpResponseNotFound()
        return self.get_response(request)

    def _from_admin_network(self, request) -> bool:
        ip = client_ip(request)
        if not ip:
            return False
        address = ipaddress.ip_address(ip)
        return any(address in network for network in self.admin_networks)
