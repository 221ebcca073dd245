"""Benchmark GridIndex point location against plain shapely STRtree queries.

Run: .venv/bin/python bench/locate.py  (no Django settings needed). The last line printed is JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linli.org.spatial import GridIndex, find_overlaps  # noqa: E402

SEED = 20250601
SIDE = 100  # SIDE x SIDE Voronoi seeds → 10,000 grids
N_POINTS = 1_000_000
N_SINGLE = 20_000
REPEATS = 3
BOUNDS = (117.1, 39.05, 117.3, 39.2)  # Tianjin, lon/lat


def make_grids(rng: np.random.Generator) -> np.ndarray:
    """Jittered-lattice Voronoi tiling of BOUNDS: irregular, non-overlapping city-block-sized polygons."""
    minx, miny, maxx, maxy = BOUNDS
    gx, gy = np.meshgrid(np.arange(SIDE) + 0.5, np.arange(SIDE) + 0.5)
    jitter = rng.uniform(-0.45, 0.45, size=(2, SIDE * SIDE))
    xs = minx + (maxx - minx) * (gx.ravel() + jitter[0]) / SIDE
    ys = miny + (maxy - miny) * (gy.ravel() + jitter[1]) / SIDE
    frame = shapely.box(*BOUNDS)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(np.c_[xs, ys]), extend_to=frame))
    return shapely.intersection(cells, frame)


def make_points(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random points over BOUNDS grown by 3 %, so some fall outside every grid."""
    minx, miny, maxx, maxy = BOUNDS
    dx, dy = (maxx - minx) * 0.03, (maxy - miny) * 0.03
    lons = rng.uniform(minx - dx, maxx + dx, N_POINTS)
    lats = rng.uniform(miny - dy, maxy + dy, N_POINTS)
    return lats, lons


def best_of(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, object]:
    """Fastest wall time of `repeats` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def strtree_predicate(
    tree: shapely.STRtree, ids: np.ndarray, predicate: str
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Plain baseline: one STRtree query with a GEOS predicate, then scatter ids."""

    def run(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        point_idx, tree_idx = tree.query(shapely.points(lons, lats), predicate=predicate)
        out = np.full(lats.size, -1, dtype=np.int64)
        out[point_idx] = ids[tree_idx]
        return out

    return run


def strtree_bbox_xy(
    tree: shapely.STRtree, geoms: np.ndarray, ids: np.ndarray
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Plain baseline: STRtree bounding-box query, then vectorised intersects_xy on prepared polygons."""

    def run(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        point_idx, tree_idx = tree.query(shapely.points(lons, lats))
        hit = shapely.intersects_xy(geoms[tree_idx], lons[point_idx], lats[point_idx])
        out = np.full(lats.size, -1, dtype=np.int64)
        out[point_idx[hit]] = ids[tree_idx[hit]]
        return out

    return run


def reference(tree: shapely.STRtree, ids: np.ndarray, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Smallest id of the polygons covering each point (GridIndex's documented tie rule), else -1."""
    point_idx, tree_idx = tree.query(shapely.points(lons, lats), predicate="intersects")
    out = np.full(lats.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, point_idx, ids[tree_idx])
    out[out == np.iinfo(np.int64).max] = -1
    return out


def time_single(fn: Callable[[float, float], object], lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Per-call wall times (µs) of fn(lat, lon) over the given points."""
    out = np.empty(lats.size)
    clock = time.perf_counter_ns
    for i, (lat, lon) in enumerate(zip(lats.tolist(), lons.tolist(), strict=True)):
        start = clock()
        fn(lat, lon)
        out[i] = clock() - start
    return out / 1000.0


def main() -> None:
    """Generate the data, time every method, check agreement and print a JSON summary last."""
    rng = np.random.default_rng(SEED)
    geoms = make_grids(rng)
    ids = np.arange(1, geoms.size + 1, dtype=np.int64) * 7  # arbitrary, non-contiguous ids
    lats, lons = make_points(rng)
    overlaps = find_overlaps([(str(i), g) for i, g in zip(ids.tolist(), geoms, strict=True)])
    vertices = shapely.get_num_coordinates(geoms)
    print(
        f"grids: {geoms.size}, vertices/grid mean {vertices.mean():.1f} max {vertices.max()}, overlaps {len(overlaps)}"
    )
    print(f"points: {N_POINTS:,} (seed {SEED})")

    build_times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        index = GridIndex.build(zip(ids.tolist(), geoms, strict=True))
        build_times.append(time.perf_counter() - start)
    total, boundary, full = index.cell_counts
    print(
        f"build: first {build_times[0]:.2f} s, best {min(build_times):.2f} s; cells {total:,} "
        f"({full / total:.1%} full, {boundary / total:.1%} boundary)"
    )

    batch_s, batch = best_of(lambda: index.locate_many(lats, lons))
    print(f"GridIndex.locate_many: {batch_s:.3f} s → {N_POINTS / batch_s / 1e6:.2f} M points/s")

    tree_geoms = shapely.from_wkb(shapely.to_wkb(geoms))
    tree = shapely.STRtree(tree_geoms)
    prepared = shapely.from_wkb(shapely.to_wkb(geoms))
    shapely.prepare(prepared)
    baselines = {
        'query(predicate="within")': strtree_predicate(tree, ids, "within"),
        'query(predicate="intersects")': strtree_predicate(tree, ids, "intersects"),
        "query(bbox) + intersects_xy(prepared)": strtree_bbox_xy(tree, prepared, ids),
    }
    baseline_s = {}
    for name, run in baselines.items():
        baseline_s[name], _ = best_of(lambda run=run: run(lats, lons))
        print(
            f"STRtree {name}: {baseline_s[name]:.3f} s → {N_POINTS / baseline_s[name] / 1e6:.2f} M points/s"
        )
    fastest = min(baseline_s, key=baseline_s.__getitem__)
    strtree_s = baseline_s[fastest]
    print(f"fastest plain STRtree variant: {fastest}; GridIndex is {strtree_s / batch_s:.1f}x faster")

    expected = reference(tree, ids, lats, lons)
    batch_agree = bool(np.array_equal(batch, expected))
    outside = int(np.count_nonzero(expected == -1))
    print(f"batch agrees with STRtree reference: {batch_agree} ({outside:,} points in no grid)")

    sample = rng.choice(N_POINTS, N_SINGLE, replace=False)
    s_lats, s_lons = lats[sample], lons[sample]
    index.locate(float(s_lats[0]), float(s_lons[0]))  # warm-up
    single_us = time_single(index.locate, s_lats, s_lons)
    single = np.array(
        [
            -1 if (g := index.locate(a, b)) is None else g
            for a, b in zip(s_lats.tolist(), s_lons.tolist(), strict=True)
        ]
    )
    single_agree = bool(np.array_equal(single, expected[sample]))

    def strtree_one(lat: float, lon: float) -> int:
        hits = tree.query(shapely.Point(lon, lat), predicate="intersects")
        return int(ids[hits.min()]) if hits.size else -1

    strtree_us = time_single(strtree_one, s_lats, s_lons)
    print(
        f"GridIndex.locate ({N_SINGLE:,} points): mean {single_us.mean():.2f} µs, "
        f"p50 {np.percentile(single_us, 50):.2f} µs, p99 {np.percentile(single_us, 99):.2f} µs; agrees {single_agree}"
    )
    print(
        f"STRtree.query(Point) per point: mean {strtree_us.mean():.2f} µs, p99 {np.percentile(strtree_us, 99):.2f} µs"
    )

    print(
        json.dumps(
            {
                "bench": "locate",
                "polygons": int(geoms.size),
                "points": N_POINTS,
                "batch_points_per_s": round(N_POINTS / batch_s),
                "strtree_batch_points_per_s": round(N_POINTS / strtree_s),
                "strtree_batch_variant": fastest,
                "batch_ratio_vs_strtree": round(strtree_s / batch_s, 2),
                "single_mean_us": round(float(single_us.mean()), 3),
                "single_p99_us": round(float(np.percentile(single_us, 99)), 3),
                "strtree_single_mean_us": round(float(strtree_us.mean()), 3),
                "build_s": round(build_times[0], 3),
                "build_best_s": round(min(build_times), 3),
                "agree": batch_agree and single_agree,
            }
        )
    )


if __name__ == "__main__":
    main()
