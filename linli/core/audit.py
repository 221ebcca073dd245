"""The one door to the audit log (SECURITY.md LG-01..03): who did what to whom, when, from where, and why."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.utils import timezone

from .models import AuditEntry
from .validators import mask_personal_text


def scrub(text: str) -> str:
    """Mask ID numbers, phone numbers (mobiles and landlines, with separators, +86 or full-width digits) and e-mail
    addresses, and encode line breaks, so a log line can neither leak nor be forged (LG-03)."""
    return mask_personal_text(text).replace("\r", "\\r").replace("\n", "\\n")


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the proxy's X-Forwarded-For entry when the direct peer is a trusted proxy (LG-02)."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    if remote and remote in settings.LINLI_TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        return forwarded or remote
    return remote


def request_id(request) -> str:
    if request is None:
        return ""
    rid = getattr(request, "linli_request_id", None)
    if rid is None:
        rid = request.linli_request_id = uuid.uuid4().hex
    return rid


def audit(
    event: str,
    *,
    actor=None,
    request=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = AuditEntry.Outcome.OK,
    reason: str = "",
    **detail,
) -> AuditEntry:
    """Record one audited act. Call it inside the transaction of the act it records."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    roles = ",".join(sorted(actor.scope.roles)) if actor is not None else ""
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        roles=roles,
        ip=client_ip(request),
        request_id=request_id(request),
        event=event,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        reason=scrub(reason)[:300],
        detail={k: scrub(v) if isinstance(v, str) else v for k, v in detail.items()},
    )
