"""The signed token an occurrence's QR code carries: scanning it proves the volunteer is at the activity."""

from __future__ import annotations

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "linli.activities.check-in"


def make_token(occurrence) -> str:
    return signing.dumps({"o": occurrence.pk, "c": occurrence.code}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, str] | None:
    """(occurrence id, code) from a token, or None when it was not signed here."""
    try:
        data = signing.loads(token, salt=SALT)
        return int(data["o"]), str(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def scan_url(occurrence) -> str:
    path = reverse("activities:v_scan", args=[make_token(occurrence)])
    return settings.LINLI_PUBLIC_BASE_URL.rstrip("/") + path


def qr_svg(occurrence, *, scale: int = 5) -> str:
    """The QR code of the occurrence's check-in URL as inline SVG (no external image), segno's own markup: the
    templates print it with |safe, as the public posters do."""
    return segno.make(scan_url(occurrence), error="m").svg_inline(scale=scale, border=2, omitsize=True)
