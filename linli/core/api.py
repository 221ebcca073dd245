"""API plumbing shared by every app: parsing input and structured errors."""

from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def _first_field(detail) -> str | None:
    if isinstance(detail, dict):
        for key in detail:
            return None if key == "non_field_errors" else str(key)
    return None


def parse_input(serializer_class, request, **kwargs) -> dict:
    """The request body checked by an input serializer; a bad one raises the structured 400."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _audit_denial(exc, context) -> None:
    """A refusal (403) or an out-of-scope object (404) is one audit row (LG-01), written once per request."""
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
    from django.http import Http404

    from .security import audit_denial

    request = context.get("request")
    if request is None:
        return
    status_code = getattr(exc, "status", None) if isinstance(exc, DomainError) else None
    if status_code is None:
        if isinstance(exc, (exceptions.PermissionDenied, DjangoPermissionDenied)):
            status_code = 403
        elif isinstance(exc, (exceptions.NotFound, Http404)):
            status_code = 404
    if status_code in (403, 404):
        audit_denial(request, status=status_code, reason=str(getattr(exc, "message", None) or exc))


def exception_handler(exc, context):
    """Every error is {"code", "message", "field", "errors"?}: a stable code, a readable message, the field."""
    _audit_denial(exc, context)
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": str(exc.message), "field": exc.field}
        body.update(exc.extra)
        return Response(body, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, ValidationError):
        field = _first_field(detail)
        message = detail
        while isinstance(message, (dict, list)) and message:
            message = next(iter(message.values())) if isinstance(message, dict) else message[0]
        response.data = {"code": "invalid", "message": str(message), "field": field, "errors": detail}
    else:
        message = detail.get("detail", detail) if isinstance(detail, dict) else detail
        code = getattr(message, "code", None) or "error"
        response.data = {"code": str(code), "message": str(message), "field": None}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response
