"""The shop-front sign and the public service list its QR code opens: no sign-in, nothing private."""

from datetime import timedelta

import pytest
import segno
import time_machine
from django.utils import timezone

from linli.partners import services
from linli.partners.choices import ContactPublicity

pytestmark = pytest.mark.django_db


def test_the_public_page_shows_the_services_and_only_public_contacts(world, cast, en):
    services.contact_add(
        actor=world.secretary,
        partner=cast.aier,
        name="王小明",
        role="店长",
        phone="13911112222",
        publicity=ContactPublicity.PARTIAL,
    )
    services.item_create(
        actor=world.secretary,
        partner=cast.aier,
        title="已结束的筛查",
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    services.item_create(actor=world.secretary, partner=cast.aier, title="停办的讲座", is_active=False)
    response = en.get(f"/partners/p/{cast.aier.code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "爱尔眼科" in page and "眼科义诊" in page and "儿童视力检查" in page
    assert "已结束的筛查" not in page and "停办的讲座" not in page
    assert "022-23456789" in page  # the service phone, public in full
    assert "王*" in page and "139****2222" in page and "王小明" not in page and "13911112222" not in page
    assert "陈明" not in page and "13820261201" not in page and "138****1201" not in page  # private contact
    assert en.get("/partners/p/nosuchcode/").status_code == 404
    services.partner_update(
        actor=world.secretary, partner=cast.aier, version=cast.aier.version, is_active=False
    )
    assert en.get(f"/partners/p/{cast.aier.code}/").status_code == 404


@time_machine.travel("2026-06-01 09:00:10+08:00", tick=False)  # one instant: every request in one window
def test_the_public_page_is_rate_limited(world, cast, client, settings):
    codes = [client.get(f"/partners/p/{cast.aier.code}/").status_code for _ in range(121)]
    assert codes[:120] == [200] * 120 and codes[120] == 429


def test_the_sign_has_the_name_the_services_and_a_qr_code_to_the_public_page(world, cast, en, settings):
    settings.LINLI_PUBLIC_BASE_URL = "https://linli.example.cn"
    en.force_login(world.owner)
    response = en.get(f"/partners/{cast.aier.pk}/sign/")
    page = response.content.decode()
    assert response.status_code == 200
    url = f"https://linli.example.cn/partners/p/{cast.aier.code}/"
    assert url in page and "爱尔眼科" in page and "眼科义诊" in page and "Co-building unit" in page
    assert "<svg" in page and "partners/sign-a4.css" in page
    expected = segno.make(url, error="m").svg_inline(scale=10, border=2, dark="#1d2330", omitsize=True)
    assert expected in page  # the QR code encodes exactly the public page's address
    assert "13820261201" not in page
    a5 = en.get(f"/partners/{cast.aier.pk}/sign/?size=a5").content.decode()
    assert "partners/sign-a5.css" in a5
    en.force_login(world.outsider)
    assert en.get(f"/partners/{cast.aier.pk}/sign/").status_code == 404


def test_the_sign_styles_set_the_paper_size():
    from django.contrib.staticfiles import finders

    a4 = open(finders.find("partners/sign-a4.css"), encoding="utf-8").read()
    a5 = open(finders.find("partners/sign-a5.css"), encoding="utf-8").read()
    assert "@page { size: A4 portrait" in a4 and "@page { size: A5 portrait" in a5
