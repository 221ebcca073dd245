"""Plausible, non-overlapping grid polygons for the demo communities.

Each community is a jittered lattice of `columns × rows` cells; neighbouring cells share the very same edge
vertices (corners and a bent midpoint), so the grids tile their community without gaps or overlaps and every
polygon is a small irregular octagon."""

from __future__ import annotations

import random

from shapely.geometry import Point, Polygon

from .places import CommunitySpec

ROUND = 6  # ~0.1 m; shared vertices are rounded once, so neighbours stay identical


def _r(x: float) -> float:
    return round(x, ROUND)


def community_cells(spec: CommunitySpec, rng: random.Random) -> list[Polygon]:
    """The grid polygons of one community, in grid order (row by row, west to east, south to north)."""
    nx, ny = spec.layout
    cell_w, cell_h = spec.width / nx, spec.height / ny
    x0, y0 = spec.lon - spec.width / 2, spec.lat - spec.height / 2
    jx, jy = cell_w * 0.12, cell_h * 0.12

    corner = {
        (i, j): (_r(x0 + i * cell_w + rng.uniform(-jx, jx)), _r(y0 + j * cell_h + rng.uniform(-jy, jy)))
        for i in range(nx + 1)
        for j in range(ny + 1)
    }

    def bend(a, b, amount):
        (ax, ay), (bx, by) = a, b
        t = rng.uniform(0.35, 0.65)
        mx, my = ax + (bx - ax) * t, ay + (by - ay) * t
        # push the midpoint sideways, perpendicular to the edge
        dx, dy = bx - ax, by - ay
        length = (dx * dx + dy * dy) ** 0.5 or 1.0
        k = rng.uniform(-amount, amount)
        return (_r(mx - dy / length * k), _r(my + dx / length * k))

    horizontal = {
        (i, j): bend(corner[i, j], corner[i + 1, j], jy * 0.6) for i in range(nx) for j in range(ny + 1)
    }
    vertical = {
        (i, j): bend(corner[i, j], corner[i, j + 1], jx * 0.6) for i in range(nx + 1) for j in range(ny)
    }

    cells = []
    for j in range(ny):
        for i in range(nx):
            ring = [
                corner[i, j],
                horizontal[i, j],
                corner[i + 1, j],
                vertical[i + 1, j],
                corner[i + 1, j + 1],
                horizontal[i, j + 1],
                corner[i, j + 1],
                vertical[i, j],
            ]
            poly = Polygon(ring)
            if not poly.is_valid:  # cannot happen with these jitter amounts; fail loudly if it ever does
                raise ValueError(f"{spec.code}: invalid cell {i},{j}")
            cells.append(poly)
    return cells


def geojson(poly: Polygon) -> dict:
    coords = [[x, y] for x, y in poly.exterior.coords]
    return {"type": "Polygon", "coordinates": [coords]}


def point_inside(poly: Polygon, rng: random.Random, margin: float = 0.00012) -> tuple[float, float]:
    """A random (lat, lon) comfortably inside the polygon."""
    inner = poly.buffer(-margin)
    if inner.is_empty:
        inner = poly
    minx, miny, maxx, maxy = inner.bounds
    for _ in range(1000):
        lon, lat = _r(rng.uniform(minx, maxx)), _r(rng.uniform(miny, maxy))
        if inner.contains(Point(lon, lat)):
            return lat, lon
    c = poly.representative_point()
    return _r(c.y), _r(c.x)


def area_km2(poly) -> float:
    """Rough area in km² of a small lon/lat polygon (equirectangular projection at its centroid)."""
    import math

    lat = poly.centroid.y
    return poly.area * 111.32 * math.cos(math.radians(lat)) * 110.57
