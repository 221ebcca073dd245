"""The webhook's signature: who the platform is, and that the body is theirs and fresh.

Headers: ``X-Linli-Provider`` (the platform's code), ``X-Linli-Timestamp`` (Unix seconds, within ±300 s of our
clock) and ``X-Linli-Signature``: hex HMAC-SHA256 under the platform's secret of ``timestamp + "\\n" + raw body``
(the scheme linli.core.sms uses towards the SMS gateway)."""

from __future__ import annotations

import hashlib
import hmac

from django.utils import timezone

from linli.core.cache import ProcessCache

from .models import TerminalProvider

MAX_SKEW_SECONDS = 300
PROVIDER_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = (
    "X-Linli-Provider",
    "X-Linli-Timestamp",
    "X-Linli-Signature",
)

_providers: ProcessCache[str, TerminalProvider] = ProcessCache(
    "linli.care.providers", ttl=5.0, watch=["care.TerminalProvider"]
)


class BadSignature(Exception):
    def __init__(self, reason: str, field: str):
        super().__init__(reason)
        self.reason, self.field = reason, field


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def _load(code: str) -> TerminalProvider | None:
    return TerminalProvider.objects.filter(code=code, is_active=True).first()


def verify(headers, body: bytes) -> TerminalProvider:
    """The platform that signed this request; BadSignature says what is wrong (missing, unknown, stale, forged)."""
    code = (headers.get(PROVIDER_HEADER) or "").strip()
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    signature = (headers.get(SIGNATURE_HEADER) or "").strip().lower()
    if not code or len(code) > 30:
        raise BadSignature("missing provider", PROVIDER_HEADER)
    provider = _providers.get(code, _load)
    if provider is None:
        raise BadSignature("unknown provider", PROVIDER_HEADER)
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise BadSignature("missing timestamp", TIMESTAMP_HEADER)
    if abs(timezone.now().timestamp() - int(timestamp)) > MAX_SKEW_SECONDS:
        raise BadSignature("stale timestamp", TIMESTAMP_HEADER)
    expected = sign(provider.secret, timestamp, body).encode()
    if not signature or not hmac.compare_digest(signature.encode("utf-8", "replace"), expected):
        raise BadSignature("bad signature", SIGNATURE_HEADER)
    return provider
