"""Reads of the dispatch app: the active model (loaded once per process and version), suggestions, and the
acceptance rate of each version."""

from __future__ import annotations

import hashlib
import io
import threading

import joblib
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from linli.cases.models import Category
from linli.core.cache import ProcessCache
from linli.org.models import Department

from . import classifier
from .choices import Target
from .models import DispatchModel
from .seal import is_sealed

# The active version's id per target, re-read at most every few seconds (at once after this process's own writes).
_active_ids: ProcessCache[str, int] = ProcessCache("dispatch.active", ttl=5, watch=["dispatch.DispatchModel"])
_loaded: dict[str, tuple[int, int, object]] = {}  # target → (model pk, version, fitted pipeline)
_lock = threading.Lock()


class ModelIntegrityError(RuntimeError):
    """A stored model whose bytes do not match their seal."""


def load_pipeline(model: DispatchModel):
    """The fitted pipeline of `model`, refused unless its bytes carry Linli's seal (it is a pickle: unpickling
    bytes someone else wrote would run their code)."""
    blob = bytes(model.blob)
    if not is_sealed(blob, model.seal):
        raise ModelIntegrityError(_("Model v%(v)s does not carry a valid seal.") % {"v": model.version})
    return joblib.load(io.BytesIO(blob))


def _active_id(target: str) -> int | None:
    return DispatchModel.objects.filter(target=target, is_active=True).values_list("pk", flat=True).first()


def active_pipeline(target: str) -> tuple[int, object] | None:
    """(version, pipeline) of the active model of `target`, or None."""
    pk = _active_ids.get(target, _active_id)
    if pk is None:
        return None
    entry = _loaded.get(target)
    if entry is None or entry[0] != pk:
        with _lock:
            entry = _loaded.get(target)
            if entry is None or entry[0] != pk:
                model = DispatchModel.objects.get(pk=pk)
                entry = (pk, model.version, load_pipeline(model))
                _loaded[target] = entry
    return entry[1], entry[2]


def forget_loaded() -> None:
    """Drop the loaded pipelines (tests)."""
    _active_ids.clear()
    _loaded.clear()


def _names(target: str, codes: list[str]) -> dict[str, str]:
    model = Category if target == Target.CATEGORY else Department
    return dict(model.objects.filter(code__in=codes).values_list("code", "name"))


def text_hash(text: str) -> str:
    return hashlib.sha256(classifier.normalise(text).encode()).hexdigest()


def suggest(text: str, *, target: str = Target.CATEGORY, k: int = 3) -> dict:
    """{"model_version", "suggestions": [{"code", "name", "confidence"}]} for a text being typed."""
    active = active_pipeline(target)
    if active is None or not text.strip():
        return {"model_version": active[0] if active else None, "suggestions": []}
    version, pipeline = active
    [top] = classifier.predict_top(pipeline, [text], k=k)
    names = _names(target, [code for code, _c in top])
    return {
        "model_version": version,
        "suggestions": [{"code": c, "name": names.get(c, c), "confidence": p} for c, p in top],
    }


def acceptance_rates(versions=None) -> dict[int, dict]:
    """Per model version: outcomes recorded, accepted, and the acceptance rate (None without outcomes)."""
    rows = DispatchModel.objects.annotate(
        outcomes_n=Count("outcomes"), accepted_n=Count("outcomes", filter=Q(outcomes__accepted=True))
    )
    if versions is not None:
        rows = rows.filter(version__in=versions)
    return {
        m.version: {
            "outcomes": m.outcomes_n,
            "accepted": m.accepted_n,
            "rate": round(m.accepted_n / m.outcomes_n, 4) if m.outcomes_n else None,
        }
        for m in rows.only("version")
    }
