"""Uploaded registry sheets kept between the dry run and the commit of an import.

A sheet holds ID numbers and phones in clear, so the kept copy is encrypted with the key service (bound to its
own name) and lives outside the web root under MEDIA_ROOT/imports, named by a random UUID that only the
uploader's session knows. Copies nobody committed or discarded are purged by the deadline sweep."""

from __future__ import annotations

import io
import time
import uuid
from pathlib import Path

from django.conf import settings

from linli.core.crypto import key_service

MAX_AGE_SECONDS = 24 * 3600


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _path(token) -> Path | None:
    try:
        return _folder() / f"{uuid.UUID(str(token)).hex}.sheet"
    except (ValueError, TypeError, AttributeError):
        return None


def _context(path: Path) -> bytes:
    return f"residents.import:{path.stem}".encode()


def keep(upload) -> str:
    """Store an uploaded file encrypted; returns the token that finds it again."""
    token = uuid.uuid4().hex
    path = _path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    content = b"".join(upload.chunks())
    path.write_text(key_service().encrypt(content, context=_context(path)))
    return token


def open_kept(token) -> io.BytesIO | None:
    """The kept file's content, or None if there is no such copy (expired, discarded, or a forged token)."""
    path = _path(token)
    if path is None or not path.exists():
        return None
    return io.BytesIO(key_service().decrypt(path.read_text(), context=_context(path)))


def forget(token) -> None:
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def purge(*, max_age_seconds: int = MAX_AGE_SECONDS) -> int:
    """Delete kept copies older than a day; returns how many."""
    folder = _folder()
    if not folder.exists():
        return 0
    cutoff, removed = time.time() - max_age_seconds, 0
    for path in folder.glob("*.sheet"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
