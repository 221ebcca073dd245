"""Locating a point to its grid through a process-wide spatial index, rebuilt when grids change."""

from __future__ import annotations

import threading
import time

from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Grid
from .spatial import GridIndex, geometry_from_geojson

# Another process's grid edits are seen within this many seconds; this process's own at once.
_RECHECK_SECONDS = 5.0


class _Locator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: GridIndex | None = None
        self._stamp: tuple | None = None
        self._checked_at = 0.0

    def invalidate(self) -> None:
        self._checked_at = 0.0
        self._stamp = None

    def _current_stamp(self) -> tuple:
        agg = Grid.objects.aggregate(n=Count("id"), last=Max("updated_at"))
        return (agg["n"], agg["last"])

    def index(self) -> GridIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < _RECHECK_SECONDS:
            return self._index
        with self._lock:
            stamp = self._current_stamp()
            if self._index is None or stamp != self._stamp:
                items = []
                for grid_id, geometry in Grid.objects.exclude(geometry=None).values_list("id", "geometry"):
                    try:
                        items.append((grid_id, geometry_from_geojson(geometry)))
                    except ValueError:
                        continue  # import_grids refuses invalid shapes; a hand-edited one must not stop intake
                self._index = GridIndex.build(items)
                self._stamp = stamp
            self._checked_at = now
            return self._index


locator = _Locator()


def locate_grid_id(lat: float | None, lon: float | None) -> int | None:
    """The id of the grid containing (lat, lon), or None when outside every grid."""
    if lat is None or lon is None:
        return None
    return locator.index().locate(lat, lon)


@receiver(post_save, sender=Grid)
@receiver(post_delete, sender=Grid)
def _grid_changed(**kwargs) -> None:
    locator.invalidate()
