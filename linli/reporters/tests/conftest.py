"""Photos made with Pillow (with or without EXIF GPS), enrolled reporters and signed-in clients."""

from __future__ import annotations

import io
import random
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image, ImageDraw

from linli.reporters import services

# 吉利花园 1号楼 (conftest: 39.111, 117.201), in grid A of 西宁道社区.
BUILDING_1 = (39.111, 117.201)


def picture(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A scene of its own: a 12×9 mosaic of random greys, so two seeds give unrelated difference hashes."""
    rng = random.Random(seed)
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    cols, rows = 12, 9
    w, h = size[0] / cols, size[1] / rows
    for r in range(rows):
        for c in range(cols):
            grey = rng.randrange(256)
            draw.rectangle([c * w, r * h, (c + 1) * w, (r + 1) * h], fill=(grey, grey // 2, 255 - grey))
    return img


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return float(degrees), float(minutes), seconds


def jpeg(
    seed: int,
    *,
    gps: tuple[float, float] | None = None,
    size: tuple[int, int] = (800, 600),
    quality: int = 90,
) -> bytes:
    img = picture(seed, size)
    exif = Image.Exif()
    if gps is not None:
        ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        ifd[ExifTags.GPS.GPSLatitude] = _dms(gps[0])
        ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        ifd[ExifTags.GPS.GPSLongitude] = _dms(gps[1])
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, exif=exif)
    return out.getvalue()


def upload(data: bytes, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def browser() -> Client:
    """A test browser that chose English (pages speak Chinese by default), so tests read the msgids."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sms_code(message: dict) -> str:
    return re.search(r"\b(\d{6})\b", message["text"]).group(1)


@pytest.fixture
def rider(world):
    """The world's reporter account (外卖小哥, 西宁道社区) with its profile."""
    return services.reporter_enrol(
        user=world.reporter,
        community=world.xiningdao,
        name="外卖小哥",
        phone="13920016688",
        employer="美团",
        invited_by=world.secretary,
    )


@pytest.fixture
def rider_client(rider) -> Client:
    client = browser()
    client.force_login(rider.user)
    return client


@pytest.fixture
def signed_in():
    def make(user) -> Client:
        client = browser()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def report(world, rider_client):
    """Send a report through the 随手拍 page; returns the response (not followed)."""

    def send(*photos, category=None, description="井盖破损，有人差点踩空", **place):
        data = {"category": (category or world.drain).pk, "description": description, **place}
        data["photos"] = list(photos)
        return rider_client.post("/reporter/new/", data)

    return send
