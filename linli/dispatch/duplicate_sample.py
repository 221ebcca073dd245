"""A labelled set of duplicates drawn from the demo generator's vocabulary, and precision/recall on it.

Each group is one problem (a demo story, at one building of a demo compound, at one time) with its first report
and one or two neighbours reporting it again within days — in the demo's duplicate words ("…来电反映：TITLE，
希望尽快处理。") or in another variant of the story — some located by a point a few dozen metres off instead of the
building.  Each group also gets hard negatives: the same building with another problem in the same days, the same
problem at a building far away, and the same problem at the same building weeks after its window.  Buildings sit
200 m apart (more than the search radius), so only a group's own cases are its duplicates.

Every case of the set is searched against the whole set with `duplicates.rank`; a pair found counts as correct
when both belong to the same group's duplicate cluster.  In memory, no database: `evaluate()` runs in well under
a second."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from linli.demo import places
from linli.demo import stories as S
from linli.demo.history import DUPLICATE_WORDS

from . import duplicates

START = datetime.fromisoformat("2025-03-01T08:00:00+08:00")
SPACING_M = 200.0


@dataclass(frozen=True)
class SampleCategory:
    pk: int
    code: str
    name: str


@dataclass
class SampleCase:
    """The fields of a case the duplicate search reads, and the label: which problem cluster it reports."""

    pk: int
    title: str
    description: str
    category: SampleCategory
    building_id: int | None
    lat: float | None
    lon: float | None
    received_at: datetime
    cluster: int  # cases with the same cluster are duplicates of each other
    kind: str  # master | dup | other_problem | far_away | weeks_later

    @property
    def category_id(self) -> int:
        return self.category.pk


@dataclass(frozen=True)
class Building:
    pk: int
    compound: str
    name: str
    lat: float
    lon: float
    roads: tuple[str, ...]


class _Blank(dict):
    def __missing__(self, key):
        return ""


def _buildings() -> list[Building]:
    found = []
    m_lon = duplicates.M_PER_DEG_LAT * math.cos(math.radians(39.12))
    for ci, community in enumerate(places.COMMUNITIES):
        for ki, compound in enumerate(community.compounds):
            for bi in range(compound.buildings):
                n = compound.first_building + bi
                north = (ci * 8 + ki) * SPACING_M
                east = bi * SPACING_M
                found.append(
                    Building(
                        len(found) + 1,
                        compound.name,
                        f"{n}号楼",
                        39.10 + north / duplicates.M_PER_DEG_LAT,
                        117.15 + east / m_lon,
                        community.roads,
                    )
                )
    return found


def _who(rng: random.Random) -> str:
    return rng.choice(S.SURNAMES) + rng.choice(("奶奶", "大爷", "阿姨", "女士", "师傅", "先生"))


def _ctx(rng: random.Random, building: Building, who: str) -> _Blank:
    unit = rng.randrange(1, 5)
    floor = rng.randrange(1, 7)
    return _Blank(
        c=building.compound,
        b=building.name,
        u=f"{unit}门",
        room=f"{unit}门{floor}0{rng.randrange(1, 4)}",
        f=f"{floor}楼",
        who=who,
        road=rng.choice(building.roads),
        n=str(rng.randrange(2, 6)),
    )


def build(groups: int = 150, seed: int = 7) -> list[SampleCase]:
    rng = random.Random(seed)
    buildings = _buildings()
    categories = {c.code: SampleCategory(i + 1, c.code, c.name) for i, c in enumerate(places.CATEGORIES)}
    stories = [s for s in S.STORIES if s.place != "none"]
    cases: list[SampleCase] = []

    def add(story, variant, building, at, cluster, kind, *, texts=None, point_off=None):
        ctx = _ctx(rng, building, _who(rng))
        title, description = texts or (story.variants[variant][0].format_map(ctx), "")
        if texts is None:
            description = story.variants[variant][1].format_map(ctx)
        lat, lon, building_id = building.lat, building.lon, building.pk
        if point_off is not None:  # located by a point near the building, not by the building
            bearing = rng.uniform(0, 2 * math.pi)
            lat += point_off * math.cos(bearing) / duplicates.M_PER_DEG_LAT
            lon += point_off * math.sin(bearing) / (duplicates.M_PER_DEG_LAT * math.cos(math.radians(lat)))
            building_id = None
        case = SampleCase(
            len(cases) + 1,
            title,
            description,
            categories[story.category],
            building_id,
            lat,
            lon,
            at,
            cluster,
            kind,
        )
        cases.append(case)
        return case

    for g in range(groups):
        story = rng.choice(stories)
        building = buildings[g % len(buildings)]
        at = START + timedelta(days=g * 360 / groups, hours=rng.uniform(0, 10))
        variant = rng.randrange(len(story.variants))
        window_h = duplicates.window_days(categories[story.category]) * 24
        master = add(story, variant, building, at, g, "master")
        for _ in range(rng.choice((1, 1, 2))):
            later = at + timedelta(hours=rng.uniform(0.1, min(72.0, window_h * 0.7)))
            off = rng.uniform(10, 80) if rng.random() < 0.25 else None
            if rng.random() < 0.5 or len(story.variants) == 1:
                _channel, words = rng.choice(DUPLICATE_WORDS)
                words = words.format_map(_Blank(who=_who(rng))).replace("TITLE", master.title)
                add(story, variant, building, later, g, "dup", texts=(master.title, words), point_off=off)
            else:
                other = rng.choice([i for i in range(len(story.variants)) if i != variant])
                add(story, other, building, later, g, "dup", point_off=off)
        # hard negatives, each its own cluster
        neg = groups + 3 * g
        other_story = rng.choice([s for s in stories if s.key != story.key])
        add(
            other_story,
            rng.randrange(len(other_story.variants)),
            building,
            at + timedelta(hours=rng.uniform(-48, 48)),
            neg,
            "other_problem",
        )
        far = buildings[(g + len(buildings) // 2) % len(buildings)]
        add(story, variant, far, at + timedelta(hours=rng.uniform(0, 48)), neg + 1, "far_away")
        add(
            story,
            variant,
            building,
            at + timedelta(hours=2 * window_h + rng.uniform(24, 240)),
            neg + 2,
            "weeks_later",
        )
    return cases


def evaluate(cases: list[SampleCase] | None = None, *, threshold: float = duplicates.THRESHOLD) -> dict:
    """Precision and recall of the pairs the search finds (each case searched against all the others)."""
    cases = build() if cases is None else cases
    by_cell: dict[tuple[int, int], list[SampleCase]] = {}
    for case in cases:
        by_cell.setdefault((round(case.lat * 200), round(case.lon * 200)), []).append(case)
    found = correct = 0
    clusters: dict[int, int] = {}
    for case in cases:
        clusters[case.cluster] = clusters.get(case.cluster, 0) + 1
    expected = sum(n * (n - 1) for n in clusters.values())
    wrong_kinds: dict[str, int] = {}
    for case in cases:
        # the database's bounding box, roughly: the neighbouring cells (~500 m) around the case
        cy, cx = round(case.lat * 200), round(case.lon * 200)
        near = [o for dy in (-1, 0, 1) for dx in (-1, 0, 1) for o in by_cell.get((cy + dy, cx + dx), ())]
        for candidate in duplicates.rank(case, near, limit=5, threshold=threshold, reasons=False):
            found += 1
            if candidate.case.cluster == case.cluster:
                correct += 1
            else:
                wrong_kinds[candidate.case.kind] = wrong_kinds.get(candidate.case.kind, 0) + 1
    return {
        "cases": len(cases),
        "pairs_expected": expected,
        "pairs_found": found,
        "pairs_correct": correct,
        "precision": correct / found if found else 0.0,
        "recall": correct / expected if expected else 0.0,
        "false_positives_by_kind": wrong_kinds,
        "threshold": threshold,
    }
