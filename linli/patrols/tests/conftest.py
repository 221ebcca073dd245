"""Patrol fixtures on the shared `world`: the seeded checklists linked to the world's categories, a shop in
吉利花园 1号楼 (grid A), and a camera-like JPEG with an EXIF GPS block."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linli.patrols import services
from linli.patrols.choices import ItemResult
from linli.patrols.models import ChecklistTemplate


def gps_jpeg(name="window.jpg", *, gps=(39.111, 117.201)) -> SimpleUploadedFile:
    """A photo as a phone takes it: with the camera's make and its location in EXIF."""
    img = Image.new("RGB", (64, 48), (90, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    lat, lon = gps
    exif[0x8825] = {1: "N", 2: (float(int(lat)), 6.0, 39.6), 3: "E", 4: (float(int(lon)), 12.0, 3.6)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as img:
        return bool(img.getexif().get_ifd(0x8825))


def all_ok(template, hazards=()) -> list[services.ItemTick]:
    """A tick per item: ok, except a hazard for the items whose order is in `hazards`."""
    return [
        services.ItemTick(item.pk, ItemResult.HAZARD if item.order in hazards else ItemResult.OK, "")
        for item in template.items.order_by("order")
    ]


@pytest.fixture
def patrol(world):
    """The ebike checklist with its 飞线充电 item a fire case (world.fire); the shop checklist; a shop."""
    world.ebike = ChecklistTemplate.objects.get(code="ebike")
    world.shop_fire = ChecklistTemplate.objects.get(code="shop-fire")
    world.corridor = ChecklistTemplate.objects.get(code="corridor")
    world.ebike.items.filter(order=2).update(category=world.fire)
    world.flying_wire = world.ebike.items.get(order=2)
    world.parking = world.ebike.items.get(order=1)  # no category in this world (XF-TD is the demo's)
    world.shop = services.shop_create(
        compound=world.jili, name="吉利便利店", kind="grocery", building=world.building_1
    )
    return world
