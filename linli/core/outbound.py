"""Outbound HTTP to the gateways Linli talks to (SMS, group robots): JSON over POST, a short timeout, and one
error type that says whether trying again later can help."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass


class DeliveryError(Exception):
    """A message did not go out. `retryable` is False when the same request can never succeed (4xx, bad URL)."""

    def __init__(self, reason: str, *, retryable: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


def encode_json(payload) -> bytes:
    """The exact bytes post_json sends for `payload` (what a signature must cover)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def post_json(url: str, payload, *, headers: dict[str, str] | None = None, timeout: float = 10.0) -> Reply:
    """POST `payload` as UTF-8 JSON; a 2xx answer is returned, anything else raises DeliveryError."""
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(f"not an http(s) URL: {url[:60]}", retryable=False)
    body = encode_json(payload)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            return Reply(response.status, response.read(1 << 20))
    except urllib.error.HTTPError as exc:
        retryable = exc.code >= 500 or exc.code == 429
        raise DeliveryError(f"HTTP {exc.code} from the gateway", retryable=retryable) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise DeliveryError(f"gateway unreachable: {getattr(exc, 'reason', exc)}") from None
