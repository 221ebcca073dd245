"""A process-local cache of small database reads that this process's own writes drop at once.

The rules, for whoever reviews what is cached with it (token sign-in, scopes, categories, the grid locator):

* An entry is used for at most ``ttl`` seconds after it was read.  That is how a change made by another
  process (another gunicorn worker, the admin site on another host, a management command) is seen: within
  ``ttl`` seconds, never at once.
* ``post_save``/``post_delete`` of a watched model in this process clears the whole cache at once, and again
  when the transaction commits, because another thread may have re-read the old committed rows in between.
* A thread whose still-open transaction changed a watched model reads through and never fills the cache, so a
  rollback cannot leave uncommitted rows behind (the same rule as ``linli.core.workdays``).
* A load that returns ``None`` (no such row, refused) is never cached: a row created elsewhere is seen at once.
* Writes that send no signals (``QuerySet.update``, ``bulk_create``, raw SQL) are seen after ``ttl``; call
  ``clear()`` after them when that matters.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_clock = time.monotonic  # tests move time by replacing this


class ProcessCache(Generic[K, V]):
    """Values loaded by key, kept for at most `ttl` seconds and dropped when a `watch`ed model changes here."""

    def __init__(self, name: str, *, ttl: float, watch: Iterable[str], max_entries: int = 10_000) -> None:
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[K, tuple[V, float]] = {}
        self._generation = 0
        # Threads whose connection holds uncommitted changes to a watched model: they must neither use nor fill.
        self._dirty_threads: set[int] = set()
        for model in watch:  # "app_label.ModelName": connected lazily, so this module imports no models
            for signal in (post_save, post_delete):
                signal.connect(
                    self._model_changed, sender=model, weak=False, dispatch_uid=f"{name}:{id(signal)}:{model}"
                )

    def get(self, key: K, load: Callable[[K], V | None]) -> V | None:
        """The cached value for `key`, else `load(key)` (kept unless None or read amid own uncommitted changes)."""
        own_changes = self._has_own_changes()
        if not own_changes:
            entry = self._entries.get(key)
            if entry is not None and _clock() - entry[1] < self.ttl:
                return entry[0]
        generation, loaded_at = self._generation, _clock()
        value = load(key)
        if value is not None and not own_changes:
            with self._lock:
                if generation == self._generation:  # nothing changed while we were reading
                    if len(self._entries) >= self.max_entries:
                        self._entries.clear()
                    self._entries[key] = (value, loaded_at)
        return value

    def clear(self) -> None:
        """Forget every entry (tests, or after writes that bypass signals)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._dirty_threads.clear()

    def _has_own_changes(self) -> bool:
        ident = threading.get_ident()
        if ident not in self._dirty_threads:
            return False
        if transaction.get_connection().in_atomic_block:
            return True
        # The transaction ended without running our on_commit hook, i.e. it rolled back.
        with self._lock:
            self._dirty_threads.discard(ident)
        return False

    def _model_changed(self, sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
        ident = threading.get_ident()
        in_transaction = transaction.get_connection(using).in_atomic_block
        with self._lock:
            self._generation += 1
            self._entries.clear()
            if in_transaction:
                self._dirty_threads.add(ident)
        # Outside a transaction on_commit runs at once; inside, after the commit (never after a rollback).
        transaction.on_commit(functools.partial(self._committed, ident), using=using)

    def _committed(self, ident: int) -> None:
        with self._lock:
            self._dirty_threads.discard(ident)
            self._generation += 1
            self._entries.clear()
