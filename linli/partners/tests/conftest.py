"""The partners cast: 爱尔眼科 of 西宁道社区 recorded by its secretary, with a public service phone, a private
contact and two pledged services; and a partner of 燕宇社区 that the 西宁道 staff must never see."""

from __future__ import annotations

from datetime import date

import pytest

from linli.partners import services
from linli.partners.choices import Audience, ContactPublicity, HowToAsk, PartnerKind


class Cast:
    """Named partner objects; attributes are filled by the `cast` fixture."""


@pytest.fixture
def cast(world):
    c = Cast()
    c.aier = services.partner_create(
        actor=world.secretary,
        community=world.xiningdao,
        name="爱尔眼科",
        kind=PartnerKind.CO_BUILDING,
        address="南京路",
        description="联合社区开展眼科义诊",
    )
    c.service_phone = services.contact_add(
        actor=world.secretary,
        partner=c.aier,
        name="前台",
        role="服务电话",
        phone="022-23456789",
        publicity=ContactPublicity.FULL,
    )
    c.doctor = services.contact_add(
        actor=world.secretary, partner=c.aier, name="陈明医生", role="健康专员", phone="13820261201"
    )
    c.clinic = services.item_create(
        actor=world.secretary,
        partner=c.aier,
        title="眼科义诊",
        audience=Audience.ELDERLY,
        schedule="每季度一次",
        how_to_ask=HowToAsk.COMMUNITY,
        monthly_cap=30,
    )
    c.kids = services.item_create(
        actor=world.secretary, partner=c.aier, title="儿童视力检查", audience=Audience.CHILDREN
    )
    c.yanyu_shop = services.partner_create(
        actor=world.outsider_secretary,
        community=world.yanyu,
        name="燕宇便民药房",
        kind=PartnerKind.TWO_NEW,
    )
    return c


def pdf_bytes() -> bytes:
    """A small but well-formed PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


TODAY = date(2026, 12, 1)


@pytest.fixture
def en(client, settings):
    """The test client asking for English pages."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
