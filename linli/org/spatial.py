"""Fast point-in-grid lookup: a raster of precomputed cells in front of exact shapely tests.

Pure Python + numpy + shapely (no Django), so the benchmark and the tests can import it bare.

How ``GridIndex`` works: the bounding box of all grids is cut into a uniform raster. Every cell is
classified once at build time as *full* (inside exactly one grid, answered by a table lookup), *empty*
(inside none) or *boundary* (some grid edge passes through it, or grids overlap there). Only points
that fall in boundary cells get an exact ``shapely.intersects_xy`` test, against the few grids listed
for that cell. Cells are classified in cell coordinates with a small safety margin, so the float
rounding of "which cell is this point in" can never turn an exact answer into a wrong one.

Result semantics (exact, for any input): the smallest grid id whose closed polygon contains the point
(a point on a shared edge goes to the smaller id), else ``None`` / ``-1``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

__all__ = ["GridIndex", "find_overlaps", "geometry_from_geojson"]

# A 2**24-cell int32 table is 64 MiB: the memory ceiling of one index.
_MAX_CELLS = 1 << 24
# About 1,600 cells per grid keeps ~6 % of a tiling's area in boundary cells.
_CELLS_PER_GRID = 1600
_MIN_CELLS = 1024
_EMPTY = -1
_OVERLAP_TOLERANCE = 1e-12  # deg²
_POLYGONAL = {"Polygon", "MultiPolygon"}
# The raw ufunc: skips the wrapper's per-call prepare check on the one-point path.
_intersects_xy = shapely.lib.intersects_xy


@dataclass(frozen=True)
class _Raster:
    """The cell geometry: origin, cells per degree and cell counts."""

    x0: float
    y0: float
    sx: float
    sy: float
    nx: int
    ny: int
    margin: float  # in cell units

    @property
    def ncells(self) -> int:
        """Number of cells."""
        return self.nx * self.ny


class GridIndex:
    """Point → grid id lookup over non-overlapping polygons (lon/lat WGS84)."""

    def __init__(
        self,
        ids: np.ndarray,
        geoms: np.ndarray,
        raster: _Raster | None,
        table: np.ndarray,
        offsets: np.ndarray,
        candidates: np.ndarray,
    ) -> None:
        self._ids = ids
        self._geoms = geoms
        self._raster = raster
        self._table = table
        self._offsets = offsets
        self._candidates = candidates
        shapely.prepare(geoms)
        # Plain-Python views for the one-point path: list/memoryview indexing beats numpy scalars.
        self._id_list: list[int] = ids.tolist()
        self._geom_list: list[BaseGeometry] = list(geoms)
        self._table_view = memoryview(table)
        self._offsets_view = memoryview(offsets)
        self._candidates_view = memoryview(candidates)

    @classmethod
    def build(cls, items: Iterable[tuple[int, BaseGeometry]]) -> GridIndex:
        """Index ``(grid_id, Polygon | MultiPolygon)`` pairs; grids may touch but should not overlap."""
        ids, geoms = _checked_items(items)
        nonempty = ~shapely.is_empty(geoms)
        if not nonempty.any():
            empty = np.zeros(0, dtype=np.int32)
            return cls(ids, geoms, None, empty, np.zeros(1, dtype=np.int32), empty)
        raster = _choose_raster(geoms[nonempty])
        table, offsets, candidates = _classify_cells(raster, geoms, nonempty)
        return cls(ids, geoms, raster, table, offsets, candidates)

    def __reduce__(self) -> tuple[type[GridIndex], tuple[object, ...]]:
        """Pickle the arrays only; the memoryviews and prepared state are rebuilt on load."""
        args = (self._ids, self._geoms, self._raster, self._table, self._offsets, self._candidates)
        return (type(self), args)

    def __len__(self) -> int:
        """Number of indexed grids."""
        return len(self._ids)

    @property
    def cell_counts(self) -> tuple[int, int, int]:
        """(total, boundary, full) cell counts, for diagnostics."""
        if self._raster is None:
            return (0, 0, 0)
        return (self._raster.ncells, len(self._offsets) - 1, int(np.count_nonzero(self._table >= 0)))

    def locate(self, lat: float, lon: float) -> int | None:
        """Id of the grid containing the point (smallest id on a shared edge), or None."""
        r = self._raster
        if r is None:
            return None
        u = (lon - r.x0) * r.sx
        v = (lat - r.y0) * r.sy
        if not (0.0 <= u < r.nx and 0.0 <= v < r.ny):  # also rejects NaN
            return None
        code = self._table_view[int(v) * r.nx + int(u)]
        if code >= 0:
            return self._id_list[code]
        if code == _EMPTY:
            return None
        slot = -2 - code
        for k in range(self._offsets_view[slot], self._offsets_view[slot + 1]):
            poly = self._candidates_view[k]
            if _intersects_xy(self._geom_list[poly], lon, lat):
                return self._id_list[poly]
        return None

    def locate_many(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        """Vectorised ``locate``: int64 grid ids, -1 where no grid contains the point."""
        lats = np.asarray(lats, dtype=np.float64)
        lons = np.asarray(lons, dtype=np.float64)
        if lats.shape != lons.shape:
            raise ValueError(f"lats and lons differ in shape: {lats.shape} vs {lons.shape}")
        out = np.full(lats.shape, -1, dtype=np.int64)
        r = self._raster
        if r is None or lats.size == 0:
            return out
        lats, lons, flat_out = lats.ravel(), lons.ravel(), out.reshape(-1)
        codes = self._codes(lats, lons)
        full = codes >= 0
        flat_out[full] = self._ids[codes[full]]
        boundary = np.flatnonzero(codes <= -2)
        if boundary.size:
            self._resolve_boundary(boundary, -2 - codes[boundary], lats, lons, flat_out)
        return out

    def _codes(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        """Table code of each point's cell (-1 outside the raster)."""
        r = self._raster
        assert r is not None
        u = (lons - r.x0) * r.sx
        v = (lats - r.y0) * r.sy
        inside = (u >= 0.0) & (u < r.nx) & (v >= 0.0) & (v < r.ny)
        # Truncation equals floor for the non-negative values kept, and matches int() in `locate`.
        cell = np.where(inside, v, 0.0).astype(np.int64) * r.nx + np.where(inside, u, 0.0).astype(np.int64)
        codes = self._table[cell]
        codes[~inside] = _EMPTY
        return codes

    def _resolve_boundary(
        self, points: np.ndarray, slots: np.ndarray, lats: np.ndarray, lons: np.ndarray, out: np.ndarray
    ) -> None:
        """Exact test of points in boundary cells against each cell's candidate grids."""
        starts = self._offsets[slots]
        counts = self._offsets[slots + 1] - starts
        pair_point, pair_pos = _expand_ranges(starts, counts)
        pair_poly = self._candidates[pair_pos]
        pts = points[pair_point]
        hit = shapely.intersects_xy(self._geoms[pair_poly], lons[pts], lats[pts])
        hit_point, hit_poly = pair_point[hit], pair_poly[hit]
        # Candidates are sorted by grid id within a cell, so a point's first hit is its smallest id.
        first = np.ones(hit_point.size, dtype=bool)
        first[1:] = hit_point[1:] != hit_point[:-1]
        out[points[hit_point[first]]] = self._ids[hit_poly[first]]


def _checked_items(items: Iterable[tuple[int, BaseGeometry]]) -> tuple[np.ndarray, np.ndarray]:
    """Ids and private geometry copies, sorted by id; rejects duplicates and non-polygons."""
    pairs = sorted(((int(gid), geom) for gid, geom in items), key=lambda p: p[0])
    ids = np.fromiter((gid for gid, _ in pairs), dtype=np.int64, count=len(pairs))
    if ids.size and np.any(ids[1:] == ids[:-1]):
        raise ValueError("duplicate grid id in GridIndex.build")
    geoms = np.empty(len(pairs), dtype=object)
    geoms[:] = [geom for _, geom in pairs]
    for gid, geom in pairs:
        if not isinstance(geom, BaseGeometry) or geom.geom_type not in _POLYGONAL:
            raise ValueError(f"grid {gid}: expected a Polygon or MultiPolygon, got {type(geom).__name__}")
    if geoms.size:
        # Private copies, so preparing them (in __init__) leaves the caller's objects alone.
        geoms = shapely.from_wkb(shapely.to_wkb(geoms))
    return ids, geoms


def _choose_raster(geoms: np.ndarray) -> _Raster:
    """Raster over the padded bounding box with about `_CELLS_PER_GRID` cells per grid."""
    minx, miny, maxx, maxy = (float(c) for c in shapely.total_bounds(geoms))
    pad = max(maxx - minx, maxy - miny, 1e-9) * 1e-6
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    w, h = maxx - minx, maxy - miny
    target = min(max(len(geoms) * _CELLS_PER_GRID, _MIN_CELLS), _MAX_CELLS)
    side = math.sqrt(w * h / target)
    nx = max(1, min(math.ceil(w / side), _MAX_CELLS))
    ny = max(1, min(math.ceil(h / side), _MAX_CELLS // nx))
    sx, sy = nx / w, ny / h
    # Covers float rounding of the cell coordinate, which grows with |coordinate| / cell size.
    biggest = max(abs(minx), abs(maxx), abs(miny), abs(maxy))
    margin = 1e-6 + 64 * float(np.finfo(np.float64).eps) * biggest * max(sx, sy)
    return _Raster(minx, miny, sx, sy, nx, ny, margin)


def _edges(raster: _Raster, geoms: np.ndarray) -> tuple[np.ndarray, ...]:
    """All ring edges in cell coordinates: (u0, v0, u1, v1, grid position)."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    u = (coords[:, 0] - raster.x0) * raster.sx
    v = (coords[:, 1] - raster.y0) * raster.sy
    same_ring = coord_ring[1:] == coord_ring[:-1]
    owner = part_owner[ring_part[coord_ring[:-1][same_ring]]]
    return u[:-1][same_ring], v[:-1][same_ring], u[1:][same_ring], v[1:][same_ring], owner


def _expand_ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [start, start + count): (range number, value) of every element."""
    counts = np.maximum(counts, 0)
    which = np.repeat(np.arange(counts.size), counts)
    base = np.cumsum(counts) - counts
    return which, starts[which] + (np.arange(which.size) - base[which])


def _boundary_pairs(raster: _Raster, edges: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(cell, grid) pairs for every cell whose margin-grown box an edge of the grid touches."""
    u0, v0, u1, v1, owner = edges
    m = 2 * raster.margin
    col_lo = np.clip(np.floor(np.minimum(u0, u1) - m), 0, raster.nx - 1).astype(np.int64)
    col_hi = np.clip(np.floor(np.maximum(u0, u1) + m), 0, raster.nx - 1).astype(np.int64)
    edge, col = _expand_ranges(col_lo, col_hi - col_lo + 1)
    eu0, ev0, du, dv = u0[edge], v0[edge], (u1 - u0)[edge], (v1 - v0)[edge]
    # Parameter range of the edge inside the column slab [col - m, col + 1 + m].
    with np.errstate(divide="ignore", invalid="ignore"):
        ta = (col - m - eu0) / du
        tb = (col + 1 + m - eu0) / du
    vertical = du == 0
    t_lo = np.where(vertical, 0.0, np.clip(np.minimum(ta, tb), 0.0, 1.0))
    t_hi = np.where(vertical, 1.0, np.clip(np.maximum(ta, tb), 0.0, 1.0))
    va, vb = ev0 + t_lo * dv, ev0 + t_hi * dv
    row_lo = np.clip(np.floor(np.minimum(va, vb) - m), 0, raster.ny - 1).astype(np.int64)
    row_hi = np.clip(np.floor(np.maximum(va, vb) + m), 0, raster.ny - 1).astype(np.int64)
    seg, row = _expand_ranges(row_lo, row_hi - row_lo + 1)
    return row * raster.nx + col[seg], owner[edge[seg]]


def _center_cover(raster: _Raster, edges: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: how many grids contain its centre, and the sum of (position + 1) of those grids.

    Scanline fill along each row's centre line with the half-open crossing rule, so every ring crosses
    a row an even number of times. Only used for cells no edge passes through, whose centres lie half a
    cell away from every edge, so crossing rounding cannot matter.
    """
    u0, v0, u1, v1, owner = edges
    row_lo = np.ceil(np.minimum(v0, v1) - 0.5).astype(np.int64)
    row_end = np.ceil(np.maximum(v0, v1) - 0.5).astype(np.int64)
    edge, row = _expand_ranges(row_lo, row_end - row_lo)
    cross_u = u0[edge] + (row + 0.5 - v0[edge]) * (u1 - u0)[edge] / (v1 - v0)[edge]
    key = owner[edge] * raster.ny + row
    order = np.lexsort((cross_u, key))
    cross_u, key = cross_u[order], key[order]
    span_key = key[0::2]
    col_a = np.clip(np.ceil(cross_u[0::2] - 0.5), 0, raster.nx).astype(np.int64)
    col_b = np.clip(np.floor(cross_u[1::2] - 0.5) + 1, 0, raster.nx).astype(np.int64)  # exclusive
    keep = col_a < col_b
    span_row = span_key[keep] % raster.ny
    start, stop = span_row * raster.nx + col_a[keep], span_row * raster.nx + col_b[keep]
    weight = span_key[keep] // raster.ny + 1
    ones = np.ones(weight.size, dtype=np.int64)
    return _paint(raster.ncells, start, stop, ones), _paint(raster.ncells, start, stop, weight)


def _paint(size: int, start: np.ndarray, stop: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Sum of ``value`` over the ranges [start, stop) covering each of ``size`` slots, as int32."""
    pos = np.concatenate([start, stop])
    order = np.argsort(pos, kind="stable")
    pos = pos[order]
    level = np.cumsum(np.concatenate([value, -value])[order])
    # Runs between consecutive distinct event positions hold a constant level.
    last = np.flatnonzero(np.concatenate([pos[1:] != pos[:-1], [True]]))
    lengths = np.diff(np.concatenate([[0], pos[last], [size]]))
    return np.repeat(np.concatenate([[0], level[last]]).astype(np.int32), lengths)


def _classify_cells(
    raster: _Raster, geoms: np.ndarray, nonempty: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell table (grid position ≥ 0, -1 empty, -2 - slot boundary) and the slots' candidate lists."""
    positions = np.flatnonzero(nonempty)
    edges = _edges(raster, geoms[positions])
    edges = (*edges[:4], positions[edges[4]])
    b_cell, b_poly = _boundary_pairs(raster, edges)
    count, owner_sum = _center_cover(raster, edges)
    is_boundary = count >= 2
    is_boundary[b_cell] = True
    table = owner_sum
    table -= 1
    table[count != 1] = _EMPTY
    cells = np.flatnonzero(is_boundary)
    # Boundary cells whose centre lies in a grid keep that grid as a candidate too.
    centred = cells[count[cells] == 1]
    centred_owner = table[centred].astype(np.int64)
    overlap_cells, overlap_polys = _overlap_candidates(raster, geoms, cells[count[cells] >= 2])
    table[cells] = -2 - np.arange(cells.size, dtype=np.int32)
    pair_slot = -2 - table[np.concatenate([b_cell, centred, overlap_cells])].astype(np.int64)
    pair_poly = np.concatenate([b_poly, centred_owner, overlap_polys])
    keys = pair_slot * len(geoms) + pair_poly
    keys.sort()
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    per_slot = np.bincount(keys // len(geoms), minlength=cells.size)
    offsets = np.concatenate([[0], np.cumsum(per_slot)]).astype(np.int32)
    return table, offsets, (keys % len(geoms)).astype(np.int32)


def _overlap_candidates(
    raster: _Raster, geoms: np.ndarray, cells: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(cell, grid) pairs for cells where grids overlap, by querying the cells' boxes (rare)."""
    if cells.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    m = raster.margin
    col, row = cells % raster.nx, cells // raster.nx
    boxes = shapely.box(
        raster.x0 + (col - m) / raster.sx,
        raster.y0 + (row - m) / raster.sy,
        raster.x0 + (col + 1 + m) / raster.sx,
        raster.y0 + (row + 1 + m) / raster.sy,
    )
    box_idx, poly_idx = shapely.STRtree(geoms).query(boxes, predicate="intersects")
    return cells[box_idx], poly_idx.astype(np.int64)


def geometry_from_geojson(geojson: dict) -> BaseGeometry:
    """A valid, non-empty WGS84 Polygon/MultiPolygon from a GeoJSON geometry or Feature dict."""
    if not isinstance(geojson, dict):
        raise ValueError("GeoJSON must be an object (dict)")
    geometry = geojson.get("geometry") if geojson.get("type") == "Feature" else geojson
    if not isinstance(geometry, dict):
        raise ValueError("GeoJSON Feature has no geometry")
    kind = geometry.get("type")
    if kind not in _POLYGONAL:
        raise ValueError(f"unsupported geometry type {kind!r}: expected Polygon or MultiPolygon")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, ShapelyError) as exc:
        raise ValueError(f"malformed {kind} coordinates: {exc}") from exc
    if geom.is_empty:
        raise ValueError(f"{kind} is empty")
    _check_wgs84(geom)
    if not geom.is_valid:
        raise ValueError(f"invalid {kind}: {shapely.is_valid_reason(geom)}")
    return geom


def _check_wgs84(geom: BaseGeometry) -> None:
    """Raise ValueError unless every coordinate is a finite lon in [-180, 180], lat in [-90, 90]."""
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise ValueError("coordinates must be finite numbers")
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lon) > 180).any():
        raise ValueError(f"longitude out of range [-180, 180]: {lon[np.abs(lon) > 180][0]}")
    if (np.abs(lat) > 90).any():
        raise ValueError(f"latitude out of range [-90, 90]: {lat[np.abs(lat) > 90][0]} (is it [lon, lat]?)")


def find_overlaps(items: Sequence[tuple[str, BaseGeometry]]) -> list[tuple[str, str]]:
    """Name pairs whose interiors overlap by more than a tiny area; touching grids are fine."""
    if len(items) < 2:
        return []
    geoms = np.empty(len(items), dtype=object)
    geoms[:] = [geom for _, geom in items]
    invalid = ~shapely.is_valid(geoms)
    # An invalid ring would make GEOS refuse the intersection; its repaired form still shows overlaps.
    geoms[invalid] = shapely.make_valid(geoms[invalid])
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    area = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    order = np.lexsort((right, left))
    return [
        (items[i][0], items[j][0])
        for i, j, a in zip(left[order], right[order], area[order], strict=True)
        if a > _OVERLAP_TOLERANCE
    ]
