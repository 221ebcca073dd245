"""未诉先办: find hot spots in the cases a viewer may see — clusters of one kind of problem in a building or grid,
problems rising against the same month last year, and grids with persistently dense complaints (治理类网格).

Every detector aggregates in the database (GROUP BY place and category) and reads only the small result; the
evidence of the hot spots found (case ids, points, a weekly series) is then fetched in one query each."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.choices import Status
from linli.cases.models import Case, Category
from linli.org.models import Building, Grid
from linli.org.selectors import grids_for
from linli.residents.models import Resident

TZ = ZoneInfo("Asia/Shanghai")

BUILDING_THRESHOLD = 5
GRID_THRESHOLD = 8
CLUSTER_DAYS = 7
RISING_FACTOR = 2.0
RISING_MIN = 5
DENSE_FACTOR = 1.5
DENSE_MONTHS = 3
DENSE_MIN_CASES = 3  # a month with a couple of cases is no pattern, however small the grid
SERIES_WEEKS = 12
EVIDENCE_LIMIT = 200

KINDS = ("building", "grid", "rising", "dense")


@dataclass
class HotSpot:
    """One hot spot: what, where, how many, over which window, and the cases behind it."""

    kind: str
    key: str
    place: str
    count: int
    start: datetime
    end: datetime
    community_id: int | None
    grid_id: int | None = None
    building_id: int | None = None
    category_id: int | None = None
    category: str = ""
    category_ids: tuple[int, ...] = ()  # the category and, for a trend, all its descendants
    detail: dict = field(default_factory=dict)
    cases: list[dict] = field(default_factory=list)
    series: list[int] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return {
            "building": _("Cluster in a building"),
            "grid": _("Cluster in a grid"),
            "rising": _("Rising against last year"),
            "dense": _("Persistently dense grid (治理类)"),
        }[self.kind]

    @property
    def points(self) -> list[dict]:
        return [{"lat": c["lat"], "lon": c["lon"]} for c in self.cases if c["lat"] is not None]

    def place_q(self) -> Q:
        q = Q(building_id=self.building_id) if self.building_id else Q(grid_id=self.grid_id)
        if self.category_ids:
            q &= Q(category_id__in=self.category_ids)
        return q

    def evidence_q(self) -> Q:
        return self.place_q() & Q(received_at__gte=self.start, received_at__lt=self.end)

    def summary(self) -> str:
        """The text of a proposal or a whistle reason made from this hot spot."""
        text = _(
            "Hot spot (%(kind)s): %(count)s cases of %(category)s at %(place)s, %(start)s – %(end)s."
        ) % {
            "kind": self.kind_label,
            "count": self.count,
            "category": self.category or _("all kinds"),
            "place": self.place,
            "start": timezone.localtime(self.start, TZ).date().isoformat(),
            "end": (timezone.localtime(self.end, TZ) - timedelta(seconds=1)).date().isoformat(),
        }
        numbers = [c["number"] for c in self.cases[:10] if c["number"]]
        return f"{text}\n{' '.join(numbers)}".strip()


# ---------------------------------------------------------------- time


def now() -> datetime:
    return timezone.now()


def month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=TZ)


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def month_range(year: int, month: int) -> tuple[datetime, datetime]:
    return month_start(year, month), month_start(*shift_month(year, month, 1))


# ---------------------------------------------------------------- the cases that count


def counted_cases(user):
    """The viewer's cases that count towards hot spots: not rejected (not ours) and not merged (a duplicate is
    the same problem as its master)."""
    return Case.objects.visible_to(user).exclude(status__in=[Status.REJECTED, Status.MERGED])


def _category_roots() -> tuple[dict[int, int], dict[int, str], dict[int, tuple[int, ...]]]:
    """Each category's top-level ancestor, the names, and each root's whole subtree (one small query)."""
    rows = list(Category.objects.values_list("id", "parent_id", "name"))
    parent = {pk: parent_id for pk, parent_id, _name in rows}
    names = {pk: name for pk, _parent, name in rows}
    roots: dict[int, int] = {}
    for pk in parent:
        node, seen = pk, set()
        while parent.get(node) and node not in seen:
            seen.add(node)
            node = parent[node]
        roots[pk] = node
    subtree: dict[int, list[int]] = defaultdict(list)
    for pk, root in roots.items():
        subtree[root].append(pk)
    return roots, names, {root: tuple(sorted(ids)) for root, ids in subtree.items()}


# ---------------------------------------------------------------- detectors


def detect_clusters(
    user,
    *,
    days: int = CLUSTER_DAYS,
    building_threshold: int = BUILDING_THRESHOLD,
    grid_threshold: int = GRID_THRESHOLD,
    at: datetime | None = None,
) -> list[HotSpot]:
    """The same category received ≥ threshold times in one building (or grid) over the last `days` days."""
    end = at or now()
    start = end - timedelta(days=days)
    recent = counted_cases(user).filter(received_at__gte=start, received_at__lt=end)
    names = dict(Category.objects.values_list("id", "name"))
    spots = []
    rows = (
        recent.filter(building__isnull=False)
        .values("building_id", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=building_threshold)
    )
    buildings = {}
    rows = list(rows)
    if rows:
        buildings = Building.objects.select_related("compound").in_bulk({r["building_id"] for r in rows})
    for r in rows:
        b = buildings[r["building_id"]]
        spots.append(
            HotSpot(
                kind="building",
                key=f"{r['building_id']}-{r['category_id']}",
                place=f"{b.compound.name} {b.name}",
                count=r["n"],
                start=start,
                end=end,
                community_id=b.compound.community_id,
                grid_id=b.grid_id,
                building_id=b.pk,
                category_id=r["category_id"],
                category=names.get(r["category_id"], ""),
                category_ids=(r["category_id"],),
                detail={"days": days, "threshold": building_threshold},
            )
        )
    rows = list(
        recent.filter(grid__isnull=False)
        .values("grid_id", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=grid_threshold)
    )
    grids = Grid.objects.in_bulk({r["grid_id"] for r in rows}) if rows else {}
    for r in rows:
        g = grids[r["grid_id"]]
        spots.append(
            HotSpot(
                kind="grid",
                key=f"{r['grid_id']}-{r['category_id']}",
                place=g.name,
                count=r["n"],
                start=start,
                end=end,
                community_id=g.community_id,
                grid_id=g.pk,
                category_id=r["category_id"],
                category=names.get(r["category_id"], ""),
                category_ids=(r["category_id"],),
                detail={"days": days, "threshold": grid_threshold},
            )
        )
    return spots


def detect_rising(user, *, at: datetime | None = None) -> list[HotSpot]:
    """Per grid and top-level category: this month (so far) against the same month last year and against the mean
    of the previous three months; a hot spot when ≥ 5 cases and at least twice both baselines."""
    local = timezone.localtime(at or now(), TZ)
    start, end = month_start(local.year, local.month), at or now()
    last_year = month_range(local.year - 1, local.month)
    prev_start = month_start(*shift_month(local.year, local.month, -3))
    roots, names, subtree = _category_roots()
    rows = (
        counted_cases(user)
        .filter(grid__isnull=False)
        .values("grid_id", "category_id")
        .annotate(
            now_n=Count("id", filter=Q(received_at__gte=start, received_at__lt=end)),
            year_n=Count("id", filter=Q(received_at__gte=last_year[0], received_at__lt=last_year[1])),
            prev_n=Count("id", filter=Q(received_at__gte=prev_start, received_at__lt=start)),
        )
        .filter(Q(now_n__gt=0))
    )
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        t = totals[(r["grid_id"], roots.get(r["category_id"], r["category_id"]))]
        t[0] += r["now_n"]
        t[1] += r["year_n"]
        t[2] += r["prev_n"]
    flagged = {}
    for (grid_id, root), (n, year_n, prev_n) in totals.items():
        prev_mean = prev_n / 3
        if n >= RISING_MIN and n >= RISING_FACTOR * year_n and n >= RISING_FACTOR * prev_mean:
            flagged[(grid_id, root)] = (n, year_n, prev_mean)
    grids = Grid.objects.in_bulk({g for g, _r in flagged}) if flagged else {}
    return [
        HotSpot(
            kind="rising",
            key=f"{grid_id}-{root}",
            place=grids[grid_id].name,
            count=n,
            start=start,
            end=end,
            community_id=grids[grid_id].community_id,
            grid_id=grid_id,
            category_id=root,
            category=names.get(root, ""),
            category_ids=subtree.get(root, (root,)),
            detail={"last_year": year_n, "previous_mean": round(prev_mean, 1)},
        )
        for (grid_id, root), (n, year_n, prev_mean) in flagged.items()
    ]


def _residents_per_grid(grid_ids) -> dict[int, int]:
    rows = (
        Resident.objects.current()
        .filter(household__grid_id__in=grid_ids)
        .values("household__grid_id")
        .annotate(n=Count("id"))
    )
    return {r["household__grid_id"]: r["n"] for r in rows}


def detect_dense(user, *, at: datetime | None = None) -> list[HotSpot]:
    """治理类网格: cases per 1,000 current residents, in each of the last three complete months, above 1.5 × the
    median of the grids of the same community (and at least 3 cases a month).

    The median is the community's baseline, counted over all its cases (numbers only, nothing of the cases is
    shown), so that a grid worker who sees only their own grid is compared with their neighbours, not with
    themselves. Only grids the viewer works in are reported."""
    local = timezone.localtime(at or now(), TZ)
    months = [shift_month(local.year, local.month, -k) for k in range(DENSE_MONTHS, 0, -1)]
    start, end = month_start(*months[0]), month_start(local.year, local.month)
    mine = list(grids_for(user).values_list("id", "community_id"))
    if not mine:
        return []
    communities = {c for _g, c in mine}
    all_grids = dict(Grid.objects.filter(community_id__in=communities).values_list("id", "community_id"))
    residents = _residents_per_grid(all_grids)
    per_month = {
        f"m{i}": Count(
            "id", filter=Q(received_at__gte=month_range(*m)[0], received_at__lt=month_range(*m)[1])
        )
        for i, m in enumerate(months)
    }
    counts = {
        r["grid_id"]: [r[f"m{i}"] for i in range(len(months))]
        for r in Case.objects.exclude(status__in=[Status.REJECTED, Status.MERGED])
        .filter(grid_id__in=all_grids, received_at__gte=start, received_at__lt=end)
        .values("grid_id")
        .annotate(**per_month)
    }
    density = {
        g: [n * 1000 / residents[g] for n in counts.get(g, [0] * len(months))]
        for g in all_grids
        if residents.get(g)
    }
    flagged = []
    for grid_id, community_id in mine:
        if grid_id not in density:
            continue
        peers = [g for g, c in all_grids.items() if c == community_id and g in density]
        ok = True
        medians = []
        for i in range(len(months)):
            median = statistics.median(density[g][i] for g in peers)
            medians.append(round(median, 1))
            if density[grid_id][i] <= DENSE_FACTOR * median or counts[grid_id][i] < DENSE_MIN_CASES:
                ok = False
                break
        if ok:
            flagged.append((grid_id, medians))
    grids = Grid.objects.in_bulk([g for g, _m in flagged]) if flagged else {}
    return [
        HotSpot(
            kind="dense",
            key=str(grid_id),
            place=grids[grid_id].name,
            count=sum(counts[grid_id]),
            start=start,
            end=end,
            community_id=grids[grid_id].community_id,
            grid_id=grid_id,
            detail={
                "residents": residents[grid_id],
                "months": [f"{y}-{m:02d}" for y, m in months],
                "per_thousand": [round(d, 1) for d in density[grid_id]],
                "community_median": medians,
            },
        )
        for grid_id, medians in flagged
    ]


DETECTORS = {
    "building": detect_clusters,
    "grid": detect_clusters,
    "rising": detect_rising,
    "dense": detect_dense,
}


def hot_spots(user, *, kinds=KINDS, at: datetime | None = None, with_evidence: bool = True) -> list[HotSpot]:
    """All the viewer's hot spots of the given kinds, largest first, with their evidence."""
    if not user.scope.is_staff_member:
        return []
    spots: list[HotSpot] = []
    for detector in dict.fromkeys(DETECTORS[k] for k in kinds):
        spots += [s for s in detector(user, at=at) if s.kind in kinds]
    spots.sort(key=lambda s: (-s.count, s.kind, s.key))
    if with_evidence and spots:
        attach_evidence(user, spots, at=at)
    return spots


def find_hot_spot(user, kind: str, key: str, *, at: datetime | None = None) -> HotSpot | None:
    if kind not in KINDS:
        return None
    return next((s for s in hot_spots(user, kinds=(kind,), at=at) if s.key == key), None)


# ---------------------------------------------------------------- evidence


def _matches(spot: HotSpot, row: dict) -> bool:
    if spot.building_id and row["building_id"] != spot.building_id:
        return False
    if not spot.building_id and row["grid_id"] != spot.grid_id:
        return False
    return not spot.category_ids or row["category_id"] in spot.category_ids


def attach_evidence(user, spots: list[HotSpot], *, at: datetime | None = None) -> None:
    """Fill each hot spot's cases (newest first) and weekly series of the last 12 weeks: two queries in all."""
    base = counted_cases(user)
    rows = list(
        base.filter(reduce(or_, (s.evidence_q() for s in spots)))
        .order_by("-received_at", "-id")
        .values(
            "id",
            "number",
            "title",
            "status",
            "received_at",
            "lat",
            "lon",
            "building_id",
            "grid_id",
            "category_id",
        )
    )
    for spot in spots:
        spot.cases = [r for r in rows if _matches(spot, r) and spot.start <= r["received_at"] < spot.end][
            :EVIDENCE_LIMIT
        ]
    end_day = timezone.localtime(at or now(), TZ).date()
    first_day = end_day - timedelta(days=7 * SERIES_WEEKS - 1)
    days = (
        base.filter(reduce(or_, (s.place_q() for s in spots)))
        .filter(received_at__gte=datetime.combine(first_day, datetime.min.time(), TZ))
        .annotate(day=TruncDate("received_at", tzinfo=TZ))
        .values("day", "building_id", "grid_id", "category_id")
        .annotate(n=Count("id"))
    )
    days = list(days)
    for spot in spots:
        series = [0] * SERIES_WEEKS
        for r in days:
            if _matches(spot, r) and first_day <= r["day"] <= end_day:
                series[(r["day"] - first_day).days // 7] += r["n"]
        spot.series = series


def bars(series: list[int], *, width: int = 240, height: int = 48) -> dict:
    """A small bar chart of a series, drawn as SVG rectangles in the template (no chart library)."""
    top = max(series, default=0) or 1
    step = width / max(len(series), 1)
    out = []
    for i, n in enumerate(series):
        h = round(n / top * (height - 12), 1)
        out.append(
            {"x": round(i * step + 1, 1), "y": round(height - h, 1), "w": round(step - 2, 1), "h": h, "n": n}
        )
    return {"width": width, "height": height, "bars": out, "max": max(series, default=0)}


def week_labels(at: datetime | None = None) -> list[date]:
    end_day = timezone.localtime(at or now(), TZ).date()
    first_day = end_day - timedelta(days=7 * SERIES_WEEKS - 1)
    return [first_day + timedelta(days=7 * i) for i in range(SERIES_WEEKS)]
