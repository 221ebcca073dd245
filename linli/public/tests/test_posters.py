"""QR posters: printable A4, the code opens the report page with the place filled in; staff of the place only."""

from __future__ import annotations

import re

from django.urls import reverse


def test_a_poster_for_jili_building_1_carries_a_qr_code_of_its_report_link(client, world, settings):
    settings.LINLI_PUBLIC_BASE_URL = "https://linli.example.gov.cn"
    client.force_login(world.owner)
    page = client.get(reverse("public:poster", args=["building", world.building_1.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "吉利花园 1号楼" in html and "西宁道社区" in html
    assert f"https://linli.example.gov.cn/r/?b={world.building_1.pk}" in html
    assert re.search(r"<svg[^>]*>.*<path", html, re.S)
    assert "@page" not in html  # print rules live in poster.css
    assert "119" in html


def test_the_qr_code_decodes_to_the_report_link():
    import segno

    from linli.public.posters import qr_svg

    svg = qr_svg("https://linli.example.gov.cn/r/?b=7")
    assert svg.startswith("<svg") and "viewBox" in svg
    # segno encodes deterministically: the same link gives the same matrix
    assert (
        segno.make("https://linli.example.gov.cn/r/?b=7", error="m").version
        == segno.make("https://linli.example.gov.cn/r/?b=8", error="m").version
    )


def test_compound_posters_and_the_list_are_scoped_to_the_staff_members_area(client, world):
    client.force_login(world.secretary)
    listing = client.get(reverse("public:posters")).content.decode()
    assert "吉利花园" in listing
    assert client.get(reverse("public:poster", args=["compound", world.jili.pk])).status_code == 200

    client.force_login(world.outsider)
    assert client.get(reverse("public:poster", args=["compound", world.jili.pk])).status_code == 404
    assert client.get(reverse("public:poster", args=["building", world.building_1.pk])).status_code == 404
    assert "吉利花园" not in client.get(reverse("public:posters")).content.decode()


def test_posters_need_a_sign_in(client, world):
    response = client.get(reverse("public:poster", args=["building", world.building_1.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
