"""Guards against fraud in reporters' reports: a photo used before, a report far from its photo, bursts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from linli.cases.models import Case
from linli.core.images import Photo, hamming

from .models import PhotoFingerprint, Reporter

# Difference hashes of the same picture re-encoded or resized differ in a few bits; different scenes in ~32.
NEAR_DUPLICATE_BITS = 6
_U64 = 1 << 64


def far_metres() -> int:
    """How far (m) a report may be from its photo's EXIF location before it is flagged."""
    return settings.LINLI_REPORTER_FAR_METRES


def burst_limit() -> tuple[int, timedelta]:
    """(reports, window): more than this many reports in the window are refused and the reporter flagged."""
    count = settings.LINLI_REPORTER_BURST_COUNT
    minutes = settings.LINLI_REPORTER_BURST_MINUTES
    return count, timedelta(minutes=minutes)


def to_signed(dhash: int) -> int:
    """A 64-bit unsigned hash as the signed 64-bit integer a BIGINT column holds."""
    return dhash - _U64 if dhash >= 1 << 63 else dhash


def to_unsigned(value: int) -> int:
    return value % _U64


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for a few kilometres)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class PhotoMatch:
    photo: Photo  # the new photo
    earlier: PhotoFingerprint  # the stored photo it matches


def earlier_use(reporter: Reporter, photos: list[Photo]) -> PhotoMatch | None:
    """The first new photo that is already stored: the same pixels, or a near-identical picture.

    Compared with every photo of the reporter's community and every photo of the reporter's own."""
    if not photos:
        return None
    fingerprints = PhotoFingerprint.objects.filter(
        Q(community_id=reporter.community_id) | Q(reporter_id=reporter.pk)
    ).select_related("case")
    by_sha = {fp.sha256: fp for fp in fingerprints.filter(sha256__in=[p.sha256 for p in photos])}
    for photo in photos:
        if photo.sha256 in by_sha:
            return PhotoMatch(photo, by_sha[photo.sha256])
    # One indexed read of the community's hashes; a community stores a few thousand photos a year.
    hashes = list(fingerprints.values_list("pk", "dhash"))
    for photo in photos:
        for pk, stored in hashes:
            if hamming(photo.dhash, to_unsigned(stored)) <= NEAR_DUPLICATE_BITS:
                return PhotoMatch(photo, fingerprints.get(pk=pk))
    return None


def photo_point(photos: list[Photo]) -> tuple[float, float] | None:
    """Where the first photo with an EXIF location was taken."""
    for photo in photos:
        if photo.lat is not None and photo.lon is not None:
            return photo.lat, photo.lon
    return None


def recent_reports(reporter: Reporter, now: datetime) -> list[datetime]:
    """When the reporter's reports of the burst window were received, oldest first."""
    _count, window = burst_limit()
    return list(
        Case.objects.filter(reported_by_id=reporter.user_id, received_at__gt=now - window)
        .order_by("received_at")
        .values_list("received_at", flat=True)
    )


def burst_wait(reporter: Reporter, now: datetime) -> int | None:
    """Seconds until the reporter may send another report, or None when they may send one now."""
    count, window = burst_limit()
    received = recent_reports(reporter, now)
    if len(received) < count:
        return None
    # The window frees a place when the oldest of the last `count` reports leaves it.
    frees_at = received[-count] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))
