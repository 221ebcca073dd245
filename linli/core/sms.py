"""The SMS gateway, over HTTP: one JSON POST per message, signed so the gateway knows it came from Linli.

Request: ``POST LINLI_SMS_URL`` with body ``{"phone", "sign_name", "text", "request_id"}`` and headers
``X-Linli-Key`` (LINLI_SMS_KEY_ID), ``X-Linli-Timestamp`` (Unix seconds) and ``X-Linli-Signature``: hex
HMAC-SHA256 of ``timestamp + "\\n" + body`` under LINLI_SMS_SECRET.  The gateway answers 2xx when it has taken the
message; ``request_id`` lets it drop a message it has already taken (Linli never sends one twice on purpose).
Providers with their own API (阿里云, 腾讯云) sit behind a small adapter that speaks this."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

from django.conf import settings

from .outbound import DeliveryError, encode_json, post_json


def sms_configured() -> bool:
    return bool(settings.LINLI_SMS_URL)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def send_sms(phone: str, text: str, *, request_id: str = "") -> str:
    """Hand one message to the gateway; returns the request id. Raises DeliveryError when it did not go out."""
    if not sms_configured():
        raise DeliveryError("no SMS gateway is configured (LINLI_SMS_URL)", retryable=False)
    request_id = request_id or uuid.uuid4().hex
    payload = {
        "phone": phone,
        "sign_name": settings.LINLI_SMS_SIGN_NAME,
        "text": text,
        "request_id": request_id,
    }
    body = encode_json(payload)
    timestamp = str(int(time.time()))
    headers = {
        "X-Linli-Key": settings.LINLI_SMS_KEY_ID,
        "X-Linli-Timestamp": timestamp,
        "X-Linli-Signature": sign(settings.LINLI_SMS_SECRET, timestamp, body),
    }
    post_json(settings.LINLI_SMS_URL, payload, headers=headers)
    return request_id
