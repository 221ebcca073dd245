import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg(*, color=(180, 90, 40), size=(1200, 900), gps=None, name="drain.jpg") -> SimpleUploadedFile:
    """A camera-like JPEG; `gps=(lat, lon)` writes an EXIF GPS block as a phone would."""
    img = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some structure, so the picture has a fingerprint
        for y in range(0, size[1], 60):
            img.putpixel((x, y), (x % 255, y % 255, 0))
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"  # Make
    if gps is not None:
        lat, lon = gps
        exif[0x8825] = {
            1: "N" if lat >= 0 else "S",
            2: _dms(abs(lat)),
            3: "E" if lon >= 0 else "W",
            4: _dms(abs(lon)),
        }
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _dms(value: float):
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (float(d), float(m), s)


@pytest.fixture
def photo():
    return jpeg
