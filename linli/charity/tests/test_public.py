"""The public summary counts what came in and went out and to how many households, never who or where."""

from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from linli.charity import selectors, services
from linli.charity.choices import DonorKind
from linli.charity.tests.conftest import photo_upload

pytestmark = pytest.mark.django_db


def test_the_summary_counts_in_and_out(world, registry, charity, plan):
    services.handover_record(
        actor=world.owner,
        distribution=plan,
        household=registry.home_a,
        received_by="李秀兰",
        proof_kind="photo",
        proof=photo_upload(),
    )
    today = timezone.localdate()
    summary = selectors.public_summary(world.xiningdao, date(2026, 1, 1), today)
    assert summary["donations"] == 1 and str(summary["value_in"]) == "2400.00"
    assert summary["items_in"] == [{"name": "幸福包", "unit": "份", "quantity": 30}]
    assert summary["items_out"] == [{"name": "幸福包", "unit": "份", "quantity": 1}]
    assert summary["households_reached"] == 1 and summary["handovers"] == 1
    assert selectors.public_summary(world.yanyu, date(2026, 1, 1), today)["donations"] == 0
    figures = selectors.charity_figures([world.xiningdao.pk, world.yanyu.pk], date(2026, 1, 1), today)
    assert figures["households_reached"] == 1 and figures["plans_open"] == 1 and figures["stock_lines"] == 1
    assert list(selectors.donations_for_partner(charity.bank)) == [charity.donation]


def test_the_public_page_has_no_names_phones_or_addresses(world, registry, charity, plan, client):
    services.donation_receive(
        actor=world.secretary,
        community=world.xiningdao,
        donor_kind=DonorKind.PERSON,
        donor_name="刘秀芬",
        received_on=date(2026, 1, 22),
        items=[{"name": "棉衣", "unit": "件", "quantity": 3}],
    )
    for home, name in ((registry.home_a, "李秀兰"), (registry.home_a2, "韩大爷")):
        services.handover_record(
            actor=world.owner,
            distribution=plan,
            household=home,
            received_by=name,
            proof_kind="photo",
            proof=photo_upload(),
        )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/charity/p/{world.xiningdao.code}/?from=2026-01-01")
    assert page.status_code == 200
    html = page.content.decode()
    assert "households received help" in html and 'id="households">2<' in html
    for secret in (
        "李秀兰",
        "韩大爷",
        "刘秀芬",
        "13820001111",
        "13920002222",
        "301",
        "502",
        "1号楼",
        "吉利花园",
    ):
        assert secret not in html, secret
    assert client.get("/charity/p/NOSUCH/").status_code == 404


@time_machine.travel("2026-06-01 09:00:10+08:00", tick=False)  # one instant: every request in one window
def test_the_public_page_is_rate_limited(world, client):
    for _ in range(120):
        assert client.get(f"/charity/p/{world.xiningdao.code}/").status_code == 200
    response = client.get(f"/charity/p/{world.xiningdao.code}/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
