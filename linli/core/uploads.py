"""Checking uploaded files: allow-listed types whose content matches their name, size and count caps."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import InvalidInput

# Magic bytes of the only types we accept (FU-01). Archives, scripts and anything else are refused.
_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
_EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


@dataclass(frozen=True)
class CheckedUpload:
    file: object
    name: str
    content_type: str
    size: int
    # re-encoded by linli.core.images (metadata stripped); photos that are not are cleaned when stored
    cleaned: bool = False

    @property
    def stored_extension(self) -> str:
        """The extension a stored copy gets, from the checked type rather than the sender's file name."""
        return {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[self.content_type]


def check_uploads(files, *, field: str = "photos") -> list[CheckedUpload]:
    """Validate uploaded files; raise InvalidInput naming the field and the file on the first problem."""
    files = list(files or [])
    if len(files) > settings.LINLI_UPLOAD_MAX_FILES:
        raise InvalidInput(
            _("At most %(n)d files may be attached.") % {"n": settings.LINLI_UPLOAD_MAX_FILES}, field=field
        )
    checked = []
    for upload in files:
        name = (getattr(upload, "name", "") or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
        ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        content_type = _EXTENSIONS.get(ext)
        if content_type is None:
            raise InvalidInput(
                _("%(name)s: only JPG, PNG and PDF files are accepted.") % {"name": name}, field=field
            )
        if upload.size > settings.LINLI_UPLOAD_MAX_BYTES:
            raise InvalidInput(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": name, "mb": settings.LINLI_UPLOAD_MAX_BYTES // (1024 * 1024)},
                field=field,
            )
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(_SIGNATURES[content_type]):
            raise InvalidInput(
                _("%(name)s does not contain what its name says.") % {"name": name}, field=field
            )
        checked.append(CheckedUpload(file=upload, name=name, content_type=content_type, size=upload.size))
    return checked
