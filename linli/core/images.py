"""Photos from the public: decoded by Pillow (so the content is an image, not a name), their EXIF location read,
turned upright, shrunk and re-encoded without any metadata (FU-02/03), and fingerprinted to spot reuse."""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput
from .uploads import CheckedUpload

# Decompression bombs: refuse anything over 40 megapixels before decoding it.
Image.MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class Photo:
    """A cleaned photo ready to store, with what was read from it before its metadata went."""

    upload: CheckedUpload  # the re-encoded JPEG, without EXIF
    sha256: str  # of the decoded pixels, so the same picture re-saved by another app still matches
    dhash: int  # 64-bit difference hash: near-identical pictures differ in a few bits
    lat: float | None  # where the camera says it was taken
    lon: float | None
    taken_at: str  # EXIF DateTimeOriginal as written by the camera, or ""


def clean_photos(uploads: list[CheckedUpload], *, field: str = "photos") -> list[Photo]:
    """Re-encode checked uploads that are images; a PDF or anything Pillow cannot decode is refused."""
    return [clean_photo(up, field=field) for up in uploads]


def clean_photo(upload: CheckedUpload, *, field: str = "photos") -> Photo:
    if not upload.content_type.startswith("image/"):
        raise InvalidInput(
            _("%(name)s: only photos (JPG or PNG) are accepted.") % {"name": upload.name}, field=field
        )
    upload.file.seek(0)
    try:
        with Image.open(upload.file) as img:
            lat, lon, taken_at = _exif_place(img)
            # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that is still large enough: ~4× faster.
            scale = min(1.0, settings.LINLI_PHOTO_MAX_PIXELS / max(img.size))
            img.draft("RGB", (math.ceil(img.width * scale), math.ceil(img.height * scale)))
            img.load()
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise InvalidInput(
            _("%(name)s is not a readable photo.") % {"name": upload.name}, field=field
        ) from None
    longest = settings.LINLI_PHOTO_MAX_PIXELS
    img.thumbnail((longest, longest))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=82, optimize=True)  # no exif= argument: nothing of the original's
    data = out.getvalue()
    cleaned = CheckedUpload(  # keeps the sender's file name for display; it is stored under a UUID as .jpg
        file=SimpleUploadedFile(upload.name, data, content_type="image/jpeg"),
        name=upload.name,
        content_type="image/jpeg",
        size=len(data),
        cleaned=True,
    )
    return Photo(
        upload=cleaned,
        sha256=hashlib.sha256(img.tobytes()).hexdigest(),
        dhash=_dhash(img),
        lat=lat,
        lon=lon,
        taken_at=taken_at,
    )


def _dhash(img: Image.Image) -> int:
    """Difference hash: a 9×8 grey thumbnail, one bit per horizontal neighbour comparison."""
    small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = small.tobytes()  # one byte per pixel in mode L
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return bits


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _exif_place(img: Image.Image) -> tuple[float | None, float | None, str]:
    """(lat, lon, DateTimeOriginal) from the EXIF block, when the camera wrote them."""
    exif = img.getexif()
    taken_at = str(exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal, "") or "")[:19]
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None, taken_at
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None, taken_at
    return lat, lon, taken_at


def _degrees(dms, ref) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    return -value if str(ref).upper() in ("S", "W") else value
