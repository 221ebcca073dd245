"""Idempotency-Key for creating POSTs (RE-01): a retried request gets the first answer, not a second object."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import Conflict, InvalidInput, Unprocessable
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _request_hash(request) -> str:
    data = request.data
    if hasattr(data, "dict"):
        data = data.dict()
    payload = json.dumps(
        {"path": request.path, "data": data}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def purge_expired_records() -> int:
    """Forget answers older than LINLI_IDEMPOTENCY_TTL_HOURS (kept at least 24 h, RE-01)."""
    cutoff = timezone.now() - timedelta(hours=max(24, settings.LINLI_IDEMPOTENCY_TTL_HOURS))
    return IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]


def idempotent(request, *, scope: str, handler: Callable[[], Response]) -> Response:
    """Run `handler` once per (user, scope, key); replay its answer for a retry with the same body.

    The key row, the work and the stored answer commit together, so a concurrent retry waits on the key's
    unique index and then replays the committed answer."""
    key = request.headers.get(HEADER)
    if not key:
        return handler()
    if len(key) > 200:
        raise InvalidInput(_("The Idempotency-Key is too long (at most 200 characters)."), field=HEADER)
    request_hash = _request_hash(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user, scope=scope, key=key, request_hash=request_hash
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=request.user, scope=scope, key=key)
            if record.request_hash != request_hash:
                raise Unprocessable(
                    _("This Idempotency-Key was used with a different request."),
                    field=HEADER,
                    code="idempotency_mismatch",
                ) from None
            if record.status_code is None:
                raise Conflict(
                    _("A request with this Idempotency-Key is still being processed."), field=HEADER
                ) from None
            replay = Response(record.response_body, status=record.status_code)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = handler()
        if 200 <= response.status_code < 300:
            record.status_code = response.status_code
            record.response_body = json.loads(json.dumps(response.data, default=str))
            record.save(update_fields=["status_code", "response_body"])
        else:
            transaction.set_rollback(True)
        return response
