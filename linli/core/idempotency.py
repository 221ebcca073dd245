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
from rest_framework.utils.encoders import JSONEncoder

from .errors import Conflict, InvalidInput, Unprocessable
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _request_hash(request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        # A QueryDict (form or multipart): keep every value of a repeated field, and uploaded files by content.
        data = {name: [_value_digest(v) for v in values] for name, values in sorted(data.lists())}
    payload = json.dumps(
        {"path": request.path, "data": data}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _value_digest(value):
    if hasattr(value, "chunks"):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"file:{digest.hexdigest()}"
    return value


def in_flight_seconds() -> int:
    """How long a claimed key with no answer yet blocks retries (its request may have died with its process)."""
    return max(5, int(getattr(settings, "LINLI_IDEMPOTENCY_IN_FLIGHT_SECONDS", 120)))


def purge_expired_records() -> int:
    """Forget answers older than LINLI_IDEMPOTENCY_TTL_HOURS (kept at least 24 h, RE-01)."""
    cutoff = timezone.now() - timedelta(hours=max(24, settings.LINLI_IDEMPOTENCY_TTL_HOURS))
    return IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]


def _replay(record: IdempotencyRecord) -> Response:
    replay = Response(record.response_body, status=record.status_code)
    replay["Idempotent-Replayed"] = "true"
    return replay


def _claim(user, scope: str, key: str, request_hash: str) -> tuple[IdempotencyRecord | None, Response | None]:
    """Claim the key in its own short transaction, or answer from the row another request left."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return (
                    IdempotencyRecord.objects.create(
                        user=user, scope=scope, key=key, request_hash=request_hash
                    ),
                    None,
                )
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if record is None:
            continue  # the first request failed and let its key go meanwhile: claim it again
        if record.request_hash != request_hash:
            raise Unprocessable(
                _("This Idempotency-Key was used with a different request."),
                field=HEADER,
                code="idempotency_mismatch",
            )
        if record.status_code is not None:
            return None, _replay(record)
        cutoff = timezone.now() - timedelta(seconds=in_flight_seconds())
        if record.created_at < cutoff:
            # Its request never answered (its process died): take the key over.
            IdempotencyRecord.objects.filter(
                pk=record.pk, status_code__isnull=True, created_at__lt=cutoff
            ).delete()
            continue
        break
    raise Conflict(
        _("A request with this Idempotency-Key is still being processed."),
        field=HEADER,
        code="idempotency_in_flight",
    )


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def idempotent(request, *, scope: str, handler: Callable[[], Response]) -> Response:
    """Run `handler` once per (user, scope, key); replay its answer for a retry with the same body.

    The key is claimed (committed, answer empty) before the work starts, so a concurrent request with the same
    key answers 409 at once instead of waiting; the work and the stored answer then commit together. A failed
    request (an error, any non-2xx answer) gives its key back."""
    key = request.headers.get(HEADER)
    if not key:
        return handler()
    if len(key) > 200:
        raise InvalidInput(_("The Idempotency-Key is too long (at most 200 characters)."), field=HEADER)
    record, replay = _claim(request.user, scope, key, _request_hash(request))
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            response = handler()
            if 200 <= response.status_code < 300:
                body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                IdempotencyRecord.objects.filter(pk=record.pk).update(
                    status_code=response.status_code, response_body=body
                )
            else:
                transaction.set_rollback(True)
    except BaseException:
        _release(record)
        raise
    if not 200 <= response.status_code < 300:
        _release(record)
    return response
