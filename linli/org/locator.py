"""Locating a point to its grid, and what intake needs to know about that grid, from a process-wide snapshot.

The snapshot holds every grid's name, community and street (ids and names) and its grid worker (the first
assigned), plus a spatial index of the grid shapes.  It is a ``linli.core.cache.ProcessCache`` entry:
changes made in this process (grids, communities, streets, role assignments, users) apply at once; changes made
by another process within ``_RECHECK_SECONDS``, when the snapshot is re-read.  Re-reading costs two small queries
(one row per grid, one per grid worker); the spatial index is rebuilt only when a grid row changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from linli.core.cache import ProcessCache

from .models import Community, Grid, Street
from .spatial import GridIndex, geometry_from_geojson

# Another process's edits are seen within this many seconds; this process's own at once.
_RECHECK_SECONDS = 5.0

_WORKER_FIELDS = ("id", "username", "first_name", "last_name", "display_name")  # enough for str(user)


@dataclass(frozen=True)
class GridPlace:
    """A grid with its community, street and grid worker, as intake needs them."""

    grid_id: int
    grid_name: str
    community_id: int
    community_name: str
    street_id: int
    street_name: str
    worker: tuple | None  # values of _WORKER_FIELDS

    @property
    def worker_id(self) -> int | None:
        """The grid worker's user id, or None when the grid has none."""
        return self.worker[0] if self.worker else None

    def grid(self) -> Grid:
        """A fresh Grid (id, name, community) with its Community and Street attached; other fields load lazily."""
        street = _partly_loaded(Street, id=self.street_id, name=self.street_name)
        community = _partly_loaded(
            Community, id=self.community_id, name=self.community_name, street_id=self.street_id
        )
        community.street = street
        grid = _partly_loaded(Grid, id=self.grid_id, name=self.grid_name, community_id=self.community_id)
        grid.community = community
        return grid

    def worker_user(self):
        """A fresh User for the grid worker (names only; other fields load lazily), or None."""
        if not self.worker:
            return None
        from django.contrib.auth import get_user_model

        return _partly_loaded(get_user_model(), **dict(zip(_WORKER_FIELDS, self.worker, strict=True)))


def _partly_loaded(model, **values):
    """An instance as if read from the database with only these fields (the others are deferred)."""
    # from_db wants the values in the model's field order, whatever the order of the names.
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    if len(names) != len(values):
        raise ValueError(f"not fields of {model.__name__}: {set(values) - set(names)}")
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


@dataclass(frozen=True)
class _Snapshot:
    places: dict[int, GridPlace]
    index: GridIndex


class _Locator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: ProcessCache[None, _Snapshot] = ProcessCache(
            "linli.org.locator",
            ttl=_RECHECK_SECONDS,
            watch=[
                "org.Grid",
                "org.Community",
                "org.Street",
                "accounts.RoleAssignment",
                settings.AUTH_USER_MODEL,
            ],
        )
        self._index: tuple[tuple, GridIndex] | None = None  # (grid rows stamp, index built from those rows)

    def invalidate(self) -> None:
        """Re-read everything on the next lookup."""
        with self._lock:
            self._cache.clear()
            self._index = None

    def snapshot(self) -> _Snapshot:
        """The current snapshot, re-read when this process changed a watched model or it is _RECHECK_SECONDS old."""
        with self._lock:  # one thread re-reads; the others wait for its snapshot
            return self._cache.get(None, self._load)

    def index(self) -> GridIndex:
        """The spatial index of the grid shapes."""
        return self.snapshot().index

    def place(self, grid_id: int) -> GridPlace | None:
        """What intake needs about a grid, or None for a grid this process has not read yet."""
        return self.snapshot().places.get(grid_id)

    def _load(self, _key: None) -> _Snapshot:
        """Read grids with their community and street, and the grid workers; reuse the index if no grid changed."""
        from linli.accounts.choices import Role
        from linli.accounts.models import RoleAssignment

        rows = list(
            Grid.objects.order_by("id").values_list(
                "id",
                "updated_at",
                "name",
                "community_id",
                "community__name",
                "community__street_id",
                "community__street__name",
            )
        )
        workers: dict[int, tuple] = {}
        for grid_id, *worker in (
            RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid__isnull=False)
            .order_by("-id")  # the first assigned is written last, so it wins
            .values_list("grid_id", *(f"user__{name}" for name in _WORKER_FIELDS))
        ):
            workers[grid_id] = tuple(worker)
        places = {
            grid_id: GridPlace(
                grid_id, name, community_id, community_name, street_id, street_name, workers.get(grid_id)
            )
            for grid_id, _updated, name, community_id, community_name, street_id, street_name in rows
        }
        stamp = tuple((grid_id, updated) for grid_id, updated, *_rest in rows)
        return _Snapshot(places, self._index_for(stamp))

    def _index_for(self, stamp: tuple) -> GridIndex:
        """The spatial index of the grid rows `stamp` describes; rebuilt only when they changed."""
        if self._index is not None and self._index[0] == stamp:
            return self._index[1]
        items, built_from = [], []
        for grid_id, updated, geometry in Grid.objects.order_by("id").values_list(
            "id", "updated_at", "geometry"
        ):
            built_from.append((grid_id, updated))
            if geometry is None:
                continue
            try:
                items.append((grid_id, geometry_from_geojson(geometry)))
            except ValueError:
                continue  # import_grids refuses invalid shapes; a hand-edited one must not stop intake
        index = GridIndex.build(items)
        # Labelled with the rows it was built from: a grid changed in between only means one more rebuild.
        self._index = (tuple(built_from), index)
        return index


locator = _Locator()


def locate_grid_id(lat: float | None, lon: float | None) -> int | None:
    """The id of the grid containing (lat, lon), or None when outside every grid."""
    if lat is None or lon is None:
        return None
    return locator.index().locate(lat, lon)


def locate_place(lat: float | None, lon: float | None) -> GridPlace | None:
    """The grid containing (lat, lon) with its community, street and worker, or None when outside every grid."""
    if lat is None or lon is None:
        return None
    snapshot = locator.snapshot()
    grid_id = snapshot.index.locate(lat, lon)
    return snapshot.places.get(grid_id) if grid_id is not None else None
