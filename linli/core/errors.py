"""Domain errors raised by services and turned into structured answers by pages and the API."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


def refusal(request: HttpRequest, *, status: int, code: str, message: str, template: str) -> HttpResponse:
    """A refusal before any view ran (rate limit, CSRF): the API's JSON error body for API and JSON callers, else
    the page, which shows ``message``."""
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        return JsonResponse({"code": code, "message": message, "field": None}, status=status)
    return render(request, template, {"message": message}, status=status)


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message=None, *, field: str | None = None, code: str | None = None, **extra):
        self.message = message if message is not None else _("The request is not valid.")
        self.field = field
        if code:
            self.code = code
        self.extra = extra
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    status = 400
    code = "invalid"


class NotAllowed(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The object changed underneath the caller, or the action does not fit its current state."""

    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"


def check_version(obj, version: int | None) -> None:
    """Optimistic locking (RE-02): refuse an edit made on a version that is no longer the stored one."""
    if version is not None and int(version) != obj.version:
        raise Conflict(
            _("Someone else changed this record meanwhile; reload it and try again."), field="version"
        )
