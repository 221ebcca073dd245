"""GridIndex, geometry_from_geojson and find_overlaps: exactness against brute-force shapely checks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from linli.org.spatial import GridIndex, find_overlaps, geometry_from_geojson

FRAME = (117.10, 39.05, 117.16, 39.09)


def _voronoi(rng: np.random.Generator, n: int, frame: tuple[float, float, float, float]) -> list[Polygon]:
    """Voronoi cells of n random seeds, clipped to the frame."""
    minx, miny, maxx, maxy = frame
    seeds = np.c_[rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)]
    clip = box(*frame)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=clip))
    return list(shapely.intersection(cells, clip))


def _tiling(seed: int = 7, frame: tuple[float, float, float, float] = FRAME) -> list[tuple[int, Polygon]]:
    """Irregular tiling with gaps, a hole filled by another grid, an empty hole and MultiPolygons."""
    rng = np.random.default_rng(seed)
    cells = _voronoi(rng, 120, frame)
    cells.sort(key=lambda g: g.centroid.coords[0])
    filled = cells[10]
    hole = shapely.affinity.scale(filled, 0.4, 0.4)
    holed = cells[20]
    empty_hole = shapely.affinity.scale(holed, 0.5, 0.5)
    # Two far-apart cells (one with a hole) under one id, and a two-part grid made of a cell's halves.
    far = MultiPolygon([cells[30].difference(shapely.affinity.scale(cells[30], 0.3, 0.3)), cells[-5]])
    split = cells[50]
    xmid = split.centroid.x
    left = split.intersection(box(-180, -90, xmid, 90))
    grids: list[tuple[int, Polygon]] = [
        (1000, filled.difference(hole)),
        (1001, hole),
        (1002, holed.difference(empty_hole)),
        (1003, far),
        (1004, left),  # the right half of `split` stays a gap
    ]
    used = {10, 20, 30, len(cells) - 5, 50}
    gaps = set(rng.choice(len(cells), 8, replace=False).tolist()) - used
    # Ids deliberately out of order and non-contiguous; smaller ids than the special grids on purpose.
    grids += [(3 * i + 1, cell) for i, cell in enumerate(cells) if i not in used | gaps]
    return grids


def _copies(grids: list[tuple[int, Polygon]]) -> tuple[np.ndarray, np.ndarray]:
    """Ids and fresh, unprepared copies of the geometries for brute-force checks."""
    ids = np.array([gid for gid, _ in grids], dtype=np.int64)
    geoms = shapely.from_wkb(shapely.to_wkb([g for _, g in grids]))
    return ids, geoms


def _brute_force(grids: list[tuple[int, Polygon]], lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Smallest id whose closed polygon contains each point, else -1 (bounding-box prefilter only)."""
    ids, geoms = _copies(grids)
    bounds = shapely.bounds(geoms)
    out = np.full(lats.size, -1, dtype=np.int64)
    for gid, geom, (minx, miny, maxx, maxy) in sorted(
        zip(ids, geoms, bounds, strict=True), key=lambda t: -t[0]
    ):
        near = np.flatnonzero((lons >= minx) & (lons <= maxx) & (lats >= miny) & (lats <= maxy))
        hit = shapely.intersects(geom, shapely.points(lons[near], lats[near]))
        out[near[hit]] = gid  # descending ids: the smallest covering id is written last
    return out


def _edge_points(grids: list[tuple[int, Polygon]], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Vertices, edge midpoints and points a hair away from edges (1e-15 .. 1e-6 degrees)."""
    _, geoms = _copies(grids)
    coords = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(geoms)))
    mids = (coords[1:] + coords[:-1]) / 2
    jiggled = [mids + rng.normal(size=mids.shape) * scale for scale in (1e-15, 1e-12, 1e-9, 1e-6)]
    pts = np.concatenate([coords, mids, *jiggled])
    return pts[:, 1], pts[:, 0]


def _uniform_points(
    rng: np.random.Generator, n: int, frame: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points over the frame grown by a fifth, so some miss the extent entirely."""
    minx, miny, maxx, maxy = frame
    dx, dy = (maxx - minx) / 5, (maxy - miny) / 5
    return rng.uniform(miny - dy, maxy + dy, n), rng.uniform(minx - dx, maxx + dx, n)


def _cell_corner_points(index: GridIndex, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points exactly on raster cell lines, where float rounding picks the neighbouring cell."""
    raster = index._raster
    assert raster is not None
    cols, rows = rng.integers(0, raster.nx + 1, n), rng.integers(0, raster.ny + 1, n)
    return raster.y0 + rows / raster.sy, raster.x0 + cols / raster.sx


@pytest.fixture(scope="module")
def tiling() -> list[tuple[int, Polygon]]:
    """The shared irregular test tiling."""
    return _tiling()


@pytest.fixture(scope="module")
def index(tiling: list[tuple[int, Polygon]]) -> GridIndex:
    """A GridIndex over the test tiling."""
    return GridIndex.build(tiling)


def test_tiling_is_valid_and_non_overlapping(tiling: list[tuple[int, Polygon]]) -> None:
    """The fixture itself is what GridIndex expects: valid polygons that touch but never overlap."""
    assert all(g.is_valid and not g.is_empty for _, g in tiling)
    assert any(isinstance(g, MultiPolygon) for _, g in tiling)
    assert any(len(p.interiors) for _, g in tiling for p in getattr(g, "geoms", [g]))
    assert find_overlaps([(str(gid), g) for gid, g in tiling]) == []


def test_random_points_match_brute_force(tiling: list[tuple[int, Polygon]], index: GridIndex) -> None:
    """Uniform random points, inside and outside the extent, give the brute-force answer."""
    lats, lons = _uniform_points(np.random.default_rng(1), 40_000, FRAME)
    got = index.locate_many(lats, lons)
    expected = _brute_force(tiling, lats, lons)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)
    assert (expected == -1).any() and (expected == 1001).any() and (expected == 1003).any()


def test_points_on_and_near_edges_match_brute_force(
    tiling: list[tuple[int, Polygon]], index: GridIndex
) -> None:
    """Vertices, edge midpoints and near-edge points: shared edges resolve to the smallest id."""
    lats, lons = _edge_points(tiling, np.random.default_rng(2))
    np.testing.assert_array_equal(index.locate_many(lats, lons), _brute_force(tiling, lats, lons))


def test_points_on_cell_lines_match_brute_force(tiling: list[tuple[int, Polygon]], index: GridIndex) -> None:
    """Points exactly on the raster's own cell lines are still answered exactly."""
    lats, lons = _cell_corner_points(index, np.random.default_rng(3), 20_000)
    np.testing.assert_array_equal(index.locate_many(lats, lons), _brute_force(tiling, lats, lons))


def test_tiny_tiling_near_large_coordinates() -> None:
    """A sub-metre tiling at lon 117: rounding of cell coordinates is covered by the margin."""
    frame = (117.2, 39.1, 117.2 + 2e-6, 39.1 + 1e-6)
    grids = [(i, g) for i, g in enumerate(_voronoi(np.random.default_rng(4), 30, frame))]
    index = GridIndex.build(grids)
    lats, lons = _uniform_points(np.random.default_rng(5), 5_000, frame)
    edge_lats, edge_lons = _edge_points(grids, np.random.default_rng(6))
    lats, lons = np.concatenate([lats, edge_lats]), np.concatenate([lons, edge_lons])
    np.testing.assert_array_equal(index.locate_many(lats, lons), _brute_force(grids, lats, lons))


def test_overlapping_grids_still_exact() -> None:
    """Overlaps are a data error, but lookups stay exact: the smallest covering id wins."""
    grids = [(5, box(0, 0, 2, 2)), (3, box(1, 1, 3, 3)), (9, box(0.5, 0.5, 2.5, 1.5)), (7, box(3, 0, 4, 1))]
    index = GridIndex.build(grids)
    lats, lons = _uniform_points(np.random.default_rng(7), 5_000, (0, 0, 4, 3))
    np.testing.assert_array_equal(index.locate_many(lats, lons), _brute_force(grids, lats, lons))


def test_locate_agrees_with_locate_many(tiling: list[tuple[int, Polygon]], index: GridIndex) -> None:
    """The one-point path returns what the batch path returns, None standing for -1."""
    rng = np.random.default_rng(8)
    lats, lons = _uniform_points(rng, 3_000, FRAME)
    edge_lats, edge_lons = _edge_points(tiling, rng)
    lats, lons = np.concatenate([lats, edge_lats[::7]]), np.concatenate([lons, edge_lons[::7]])
    batch = index.locate_many(lats, lons)
    single = [index.locate(lat, lon) for lat, lon in zip(lats.tolist(), lons.tolist(), strict=True)]
    assert [-1 if s is None else s for s in single] == batch.tolist()
    assert all(s is None or isinstance(s, int) for s in single)


def test_outside_extent_and_non_finite() -> None:
    """Far-away, NaN and infinite coordinates find no grid."""
    index = GridIndex.build([(1, box(117.1, 39.0, 117.2, 39.1))])
    assert index.locate(39.05, 117.15) == 1
    assert index.locate(0.0, 0.0) is None
    assert index.locate(float("nan"), 117.15) is None
    lats = np.array([39.05, 39.05, 39.05, np.nan, 39.05, -90.0])
    lons = np.array([117.15, 117.25, np.inf, 117.15, -np.inf, 117.15])
    assert index.locate_many(lats, lons).tolist() == [1, -1, -1, -1, -1, -1]


def test_empty_index() -> None:
    """No grids: everything is unlocated, nothing fails."""
    for index in (GridIndex.build([]), GridIndex.build([(1, Polygon())])):
        assert index.locate(39.1, 117.2) is None
        result = index.locate_many(np.array([39.1, 0.0]), np.array([117.2, 0.0]))
        assert result.tolist() == [-1, -1] and result.dtype == np.int64
        assert index.locate_many(np.array([]), np.array([])).shape == (0,)
    assert len(GridIndex.build([])) == 0
    assert len(GridIndex.build([(1, Polygon())])) == 1


def test_locate_many_keeps_shape_and_accepts_lists(index: GridIndex) -> None:
    """2-D inputs give 2-D output; plain lists work."""
    lats, lons = _uniform_points(np.random.default_rng(9), 12, FRAME)
    flat = index.locate_many(lats.tolist(), lons.tolist())
    assert index.locate_many(lats.reshape(3, 4), lons.reshape(3, 4)).tolist() == flat.reshape(3, 4).tolist()
    with pytest.raises(ValueError, match="shape"):
        index.locate_many(lats, lons[:5])


def test_pickle_round_trip(index: GridIndex) -> None:
    """A pickled index (e.g. in a cache) answers the same after loading."""
    lats, lons = _uniform_points(np.random.default_rng(10), 2_000, FRAME)
    loaded = pickle.loads(pickle.dumps(index))
    np.testing.assert_array_equal(loaded.locate_many(lats, lons), index.locate_many(lats, lons))
    assert loaded.locate(float(lats[0]), float(lons[0])) == index.locate(float(lats[0]), float(lons[0]))
    assert len(loaded) == len(index)
    empty = pickle.loads(pickle.dumps(GridIndex.build([])))
    assert empty.locate(39.1, 117.2) is None


def test_build_rejects_bad_items() -> None:
    """Non-polygon geometries and duplicate ids are refused; caller geometries are not modified."""
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        GridIndex.build([(1, shapely.Point(117.1, 39.1))])
    with pytest.raises(ValueError, match="duplicate"):
        GridIndex.build([(1, box(0, 0, 1, 1)), (1, box(1, 0, 2, 1))])
    mine = box(0, 0, 1, 1)
    assert len(GridIndex.build([(1, mine)])) == 1
    assert not shapely.is_prepared(mine)


SQUARE = [[117.1, 39.1], [117.2, 39.1], [117.2, 39.2], [117.1, 39.2], [117.1, 39.1]]


def test_geometry_from_geojson_accepts_polygons_and_features() -> None:
    """Polygon, MultiPolygon and Feature inputs come back as shapely geometries."""
    poly = geometry_from_geojson({"type": "Polygon", "coordinates": [SQUARE]})
    assert isinstance(poly, Polygon) and poly.area == pytest.approx(0.01)
    multi = geometry_from_geojson({"type": "MultiPolygon", "coordinates": [[SQUARE]]})
    assert isinstance(multi, MultiPolygon)
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}
    assert geometry_from_geojson(feature).equals(poly)


@pytest.mark.parametrize(
    ("geojson", "message"),
    [
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "Self-intersection"),
        ({"type": "Point", "coordinates": [117.1, 39.1]}, "unsupported geometry type 'Point'"),
        ({"type": "Feature", "geometry": None}, "no geometry"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ({"type": "Polygon", "coordinates": [[[117.1, 39.1], [117.2, 39.1]]]}, "malformed"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[39.1, 117.1], [39.2, 117.1], [39.2, 117.2], [39.1, 117.1]]],
            },
            "latitude",
        ),
        ({"type": "Polygon", "coordinates": [[[190, 0], [191, 0], [191, 1], [190, 0]]]}, "longitude"),
        ("not a dict", "must be an object"),
    ],
)
def test_geometry_from_geojson_rejects(geojson: object, message: str) -> None:
    """Bad input raises ValueError with a readable reason."""
    with pytest.raises(ValueError, match=message):
        geometry_from_geojson(geojson)  # type: ignore[arg-type]


def test_find_overlaps_reports_overlap_not_touching() -> None:
    """An overlapping pair is found; edge- and corner-touching grids are not."""
    items = [
        ("A", box(0, 0, 2, 2)),
        ("B", box(1, 1, 3, 3)),
        ("C", box(2, 0, 3, 1)),  # touches A along an edge and B at a corner-edge
        ("D", box(3, 3, 4, 4)),  # touches B at a corner
        ("E", box(10, 10, 11, 11)),
    ]
    assert find_overlaps(items) == [("A", "B")]
    assert find_overlaps(items[:1]) == []
    assert find_overlaps([("x", box(0, 0, 1, 1)), ("y", box(0.25, 0.25, 0.75, 0.75))]) == [("x", "y")]
    bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    assert find_overlaps([("bow", bow_tie), ("sq", box(0.6, 0.1, 0.9, 0.4))]) == [("bow", "sq")]
