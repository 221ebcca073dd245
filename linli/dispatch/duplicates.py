"""Possible duplicates (重复件) of a case: open cases nearby and recent, with similar words, best first.

One indexed query fetches the candidates (same community or street, open, received within the category's
window, same building or inside a lat/lon box around the case); `rank` then measures each exactly in Python —
metres, hours apart, text similarity — and keeps those whose score passes the threshold. `rank` works on any
objects with a case's fields, so the labelled sample (duplicate_sample.py) and the benchmark's brute-force scan
score the same way the page does. See docs/dispatch.md for the method and the figures."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from linli.cases.choices import OPEN_STATUSES
from linli.cases.models import Case

RADIUS_M = 150.0
DEFAULT_WINDOW_DAYS = 14
# How long the same problem stays "the same report", by category code (exact first, then its top-level code):
# an outage is over or re-reported within days; illegal building work is reported for weeks.
WINDOW_DAYS = {
    "GY": 3,  # 供水供热燃气
    "GY-GS": 3,  # 停水/水压
    "GY-GD": 3,  # 停电/线路
    "GY-RQ": 2,  # 燃气
    "ZL": 2,  # 助老: each call for help is its own
    "HJ-LJ": 3,  # 垃圾清运
    "JF-ZS": 7,  # 噪音扰民
    "SZ-WJ": 30,  # 私搭乱建
    "SZ-LM": 30,  # 路面破损
    "FW-DT": 21,  # 电梯
}
MAX_ROWS = 200
THRESHOLD = 0.5
MIN_SIMILARITY = 0.1
# Weights of the score's parts (they add up to 1), tuned on duplicate_sample.py (seed 7): the words matter most.
W_TEXT, W_PLACE, W_TIME, W_CATEGORY = 0.5, 0.15, 0.15, 0.2
EARTH_M = 6_371_000.0
M_PER_DEG_LAT = math.pi * EARTH_M / 180.0


@dataclass
class Candidate:
    """A possible duplicate of a case, with why: how far, how long apart, how alike the words."""

    case: Case
    score: float
    metres: float | None
    hours: float
    similarity: float
    same_building: bool
    same_category: bool
    reasons: list[str] = field(default_factory=list)


def window_days(category) -> int:
    """The category's window: its own code, else its top-level code, else the default."""
    code = getattr(category, "code", "") or ""
    for key in (code, code.split("-")[0]):
        if key in WINDOW_DAYS:
            return WINDOW_DAYS[key]
    return DEFAULT_WINDOW_DAYS


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: exact enough within a community, and cheap."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return EARTH_M * math.hypot(x, y)


def bigrams(text: str) -> Counter:
    """Character bigrams of the text without spaces and punctuation (Chinese has no word breaks)."""
    chars = [c for c in text.lower() if c.isalnum()]
    return Counter(a + b for a, b in zip(chars, chars[1:], strict=False))


def _idf(documents: list[Counter]) -> dict[str, float]:
    """Inverse document frequency over the case and its nearby candidates: what every report at a place shares
    (the compound's and building's name, 来电反映) weighs little; what only some share tells them apart."""
    df: Counter = Counter()
    for grams in documents:
        df.update(grams.keys())
    n = len(documents)
    return {g: math.log((n + 1) / (k + 1)) + 1.0 for g, k in df.items()}


def _weigh(grams: Counter, idf: dict[str, float]) -> dict[str, float]:
    return {g: tf * idf.get(g, 1.0) for g, tf in grams.items()}


def cosine(a, b) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(n * b[g] for g, n in a.items() if g in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))


def text_of(case) -> str:
    return f"{case.title} {case.description}"


def _place(case, other, radius: float) -> tuple[bool, float | None, float] | None:
    """(same building, metres, closeness 0–1), or None when the two are not near each other."""
    same_building = bool(case.building_id and case.building_id == other.building_id)
    metres = None
    if None not in (case.lat, case.lon, other.lat, other.lon):
        metres = metres_between(case.lat, case.lon, other.lat, other.lon)
    if same_building:
        return True, metres, 1.0
    if metres is None or metres > radius:
        return None
    return False, metres, 1.0 - metres / radius


def _category_match(case, other) -> tuple[bool, float]:
    if case.category_id == other.category_id:
        return True, 1.0
    top = getattr(case, "category", None)
    other_top = getattr(other, "category", None)
    if top is not None and other_top is not None and top.code.split("-")[0] == other_top.code.split("-")[0]:
        return False, 0.5
    return False, 0.0


def rank(
    case,
    others: Iterable,
    *,
    limit: int | None = 5,
    radius: float = RADIUS_M,
    threshold: float = THRESHOLD,
    reasons: bool = True,
) -> list[Candidate]:
    """Score every other case against `case` exactly and keep the likely duplicates, best first."""
    window_h = window_days(case.category) * 24.0
    near = []
    for other in others:
        if other.pk == case.pk:
            continue
        hours = abs((case.received_at - other.received_at).total_seconds()) / 3600.0
        if hours > window_h:
            continue
        place = _place(case, other, radius)
        if place is not None:
            near.append((other, hours, place, bigrams(text_of(other))))
    if not near:
        return []
    words = bigrams(text_of(case))
    idf = _idf([words, *(grams for *_rest, grams in near)])
    weighted = _weigh(words, idf)
    found = []
    for other, hours, (same_building, metres, closeness), grams in near:
        similarity = cosine(weighted, _weigh(grams, idf))
        if similarity < MIN_SIMILARITY:
            continue
        same_category, category_match = _category_match(case, other)
        score = (
            W_TEXT * similarity
            + W_PLACE * closeness
            + W_TIME * (1.0 - hours / window_h)
            + W_CATEGORY * category_match
        )
        if score < threshold:
            continue
        found.append(
            Candidate(other, score, metres, hours, similarity, same_building, same_category, reasons=[])
        )
    found.sort(key=lambda c: (-c.score, c.hours))
    found = found[:limit] if limit is not None else found
    if reasons:
        for candidate in found:
            candidate.reasons = why(candidate)
    return found


def why(candidate: Candidate) -> list[str]:
    parts = []
    if candidate.same_building:
        parts.append(_("same building"))
    if candidate.metres is not None:
        parts.append(_("%(m)d m away") % {"m": round(candidate.metres)})
    if candidate.hours < 1:
        parts.append(_("%(n)d minutes apart") % {"n": round(candidate.hours * 60)})
    elif candidate.hours < 48:
        parts.append(_("%(n)d hours apart") % {"n": round(candidate.hours)})
    else:
        parts.append(_("%(n)d days apart") % {"n": round(candidate.hours / 24)})
    parts.append(_("text %(p)d%% alike") % {"p": round(candidate.similarity * 100)})
    if candidate.same_category:
        parts.append(_("same category"))
    return parts


def candidate_queryset(case: Case, *, viewer=None, radius: float = RADIUS_M):
    """The one query: open, unmerged cases of the case's community (or street), inside its window, at its
    building or inside the bounding box of the radius. None when the case has no community or street."""
    base = Case.objects.visible_to(viewer) if viewer is not None else Case.objects.all()
    if case.community_id:
        base = base.filter(community_id=case.community_id)
    elif case.street_id:
        base = base.filter(street_id=case.street_id)
    else:
        return None
    window = timedelta(days=window_days(case.category))
    near = Q(pk__in=[])
    if case.building_id:
        near |= Q(building_id=case.building_id)
    if case.lat is not None and case.lon is not None:
        dlat = radius / M_PER_DEG_LAT
        dlon = dlat / max(math.cos(math.radians(case.lat)), 0.01)
        near |= Q(
            lat__range=(case.lat - dlat, case.lat + dlat), lon__range=(case.lon - dlon, case.lon + dlon)
        )
    return (
        base.filter(
            near,
            status__in=OPEN_STATUSES,
            master__isnull=True,
            received_at__range=(case.received_at - window, case.received_at + window),
        )
        .exclude(pk=case.pk)
        .select_related("category")
        .only(
            "pk",
            "number",
            "title",
            "description",
            "status",
            "version",
            "received_at",
            "building_id",
            "lat",
            "lon",
            "category_id",
            "category__code",
            "category__name",
        )
        .order_by("-received_at")[:MAX_ROWS]
    )


def find_duplicates(case: Case, *, limit: int = 5, viewer=None, radius: float = RADIUS_M) -> list[Candidate]:
    """Open cases that are likely the same report as `case`, best first; only those `viewer` may see."""
    if case.status not in OPEN_STATUSES:
        return []
    rows = candidate_queryset(case, viewer=viewer, radius=radius)
    if rows is None:
        return []
    return rank(case, rows, limit=limit, radius=radius)
