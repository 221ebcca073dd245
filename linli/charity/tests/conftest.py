"""The charity cast: 邮政储蓄银行石油新村营业所 as a partner of 西宁道社区, its 30 幸福包 in stock, and a plan for the
registry's 低保 and 独居老人 households (韩大爷 and 李秀兰 of grid A), opened for hand-overs."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.charity import services
from linli.charity.choices import DonorKind
from linli.conftest import png_bytes
from linli.core.uploads import check_uploads
from linli.partners.models import Partner
from linli.residents.tests.conftest import registry  # noqa: F401

BAG = {"name": "幸福包", "unit": "份", "quantity": 30, "unit_value": "80.00", "description": "冬季蔬菜+春联"}


def signature_png() -> bytes:
    """A drawn signature as the canvas sends it: dark strokes on a transparent background."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(10, 40), (40, 10), (70, 45), (110, 15)], fill=(20, 20, 20, 255), width=4)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def signature_upload():
    return check_uploads([SimpleUploadedFile("signature.png", signature_png())], field="signature")[0]


def photo_upload():
    return check_uploads([SimpleUploadedFile("handover.png", png_bytes())], field="photo")[0]


class Charity:
    """Named charity objects; attributes are filled by the `charity` fixture."""


@pytest.fixture
def charity(world, registry):  # noqa: F811 - the registry fixture imported above
    c = Charity()
    c.bank = Partner.objects.create(
        community=world.xiningdao, name="邮政储蓄银行石油新村营业所", kind="charity_company"
    )
    c.donation = services.donation_receive(
        actor=world.secretary,
        community=world.xiningdao,
        donor_kind=DonorKind.PARTNER,
        partner=c.bank,
        received_on=date(2026, 1, 20),
        items=[BAG],
        receipt_number="JZ-2026-0001",
    )
    c.bags = c.donation.items.get().stock_item
    return c


@pytest.fixture
def plan(world, registry, charity):  # noqa: F811
    """An open plan for 低保 and 独居老人 households: 韩大爷's and 李秀兰's."""
    p = services.distribution_create(
        actor=world.secretary,
        community=world.xiningdao,
        name="春节幸福包",
        stock_item=charity.bags,
        per_household=1,
        rule={"tags": ["dibao", "dujulaoren"]},
    )
    services.distribution_approve(actor=world.secretary, distribution=p)
    return services.distribution_open(actor=world.secretary, distribution=p)
