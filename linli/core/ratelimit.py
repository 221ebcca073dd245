"""Rate limits on public endpoints (RL-01): fixed windows counted in the shared `ratelimit` cache by
django-ratelimit, answered with 429 and Retry-After.

    @rate_limit("public-report", "10/h")            # per client IP, POSTs only
    @rate_limit("sms-code", "10/d", key=by_post("phone"))

Several limits stack; the first one exceeded answers.  The answer is JSON for API callers, a page otherwise; a
caller with its own error format (Open311) passes `respond(request, retry_after)`."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from .audit import audit, client_ip
from .errors import refusal

ALL = None
POST = ("POST",)


def by_ip(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def by_post(field: str) -> Callable[[str, HttpRequest], str | None]:
    """Key on a posted field (a phone number); a request without it is not counted against this limit."""

    def key(group: str, request: HttpRequest) -> str | None:
        return (request.POST.get(field) or "").strip()[:64] or None

    return key


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    message = _("Too many requests. Please wait %(s)d seconds and try again.") % {"s": retry_after}
    response = refusal(
        request, status=429, code="rate_limited", message=message, template="core/rate_limited.html"
    )
    response["Retry-After"] = str(retry_after)
    return response


def check_rate(request: HttpRequest, group: str, rate: str, *, key=by_ip, methods=POST) -> int | None:
    """Count this request against one limit; the seconds to wait when it is over the limit, else None."""
    if methods is not None and request.method not in methods:
        return None
    value = key(group, request)
    if value is None:
        return None
    usage = get_usage(request, group=group, key=lambda _g, _r: value, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    if usage["count"] == usage["limit"] + 1:  # the first refusal of a window is audited, not every one
        audit("rate_limited", request=request, outcome="denied", group=group)
    return max(1, int(usage["time_left"]))


def rate_limit(group: str, rate: str, *, key=by_ip, methods=POST, respond=too_many):
    """Decorate a view function (or a view class's dispatch through method_decorator) with one limit."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            wait = check_rate(request, group, rate, key=key, methods=methods)
            if wait is not None:
                return respond(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
