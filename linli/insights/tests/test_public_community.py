"""The public community page: aggregates only, small cells suppressed, no personal data, cached 5 minutes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache, caches
from django.test import Client
from django.utils import timezone, translation

from linli.cases import services
from linli.insights import reports

SH = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.urls("linli.insights.tests.test_reports_urlconf")]
SECRETS = ("欧阳娜娜", "13999887766", "吉利花园7号楼3门402", "司马光明", "13700001111", "泄漏严重", "欧阳")


@pytest.fixture(autouse=True)
def fresh_caches():
    cache.clear()
    caches["ratelimit"].clear()


def received(month, i):
    return datetime(month.year, month.month, 3, 9, 0, tzinfo=SH) + timedelta(hours=7 * i)


@pytest.fixture
def last_month_cases(world, new_case):
    """Six drain cases and two fire cases in grid A last month, with distinctive names, phones and addresses."""
    month = reports.last_full_month()
    made = []
    for i in range(6):
        with time_machine.travel(received(month, i), tick=False):
            made.append(
                new_case(
                    title=f"欧阳娜娜家门口下水道堵塞{i}",
                    description="泄漏严重，请尽快处理",
                    reporter_name="欧阳娜娜",
                    reporter_phone="13999887766",
                    address="吉利花园7号楼3门402",
                )
            )
            if i < 5:  # responded to at once: on time
                services.case_respond(case=made[-1], actor=world.secretary)
    for i in range(2):
        made.append(
            new_case(
                title="司马光明反映楼道堆物",
                category=world.fire,
                reporter_name="司马光明",
                reporter_phone="13700001111",
                received_at=received(month, 10 + i),
            )
        )
    return made


def test_the_public_page_shows_aggregates_with_small_cells_suppressed(world, last_month_cases):
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        resp = client.get(f"/insights/c/{world.xiningdao.code}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "西宁道社区" in html and "How our community is doing" in html
    last = html[html.index('id="last-month"') : html.index('id="year-so-far"')]
    # 8 cases received; 5 responded of 8 (the three rates over fewer than 5 verdicts/ratings are withheld).
    assert "<b>8</b>" in last and "<b>0</b>" in last  # received, resolved
    response_rate = round(100 * 5 / 8, 1)
    assert f"<b>{response_rate}%</b>" in last
    assert last.count("<b>–</b>") == 2  # resolution and satisfaction: no verdicts, no ratings
    cats = html[html.index('id="categories"') : html.index('id="definitions"')]
    assert "<td>8</td>" not in cats and "&lt;5" in cats and "<td>6</td>" in cats
    assert "Definitions version 2026.1" in html
    assert "/insights/open-data/" in html


def test_the_public_page_and_open_data_carry_no_names_phones_addresses_or_case_texts(world, last_month_cases):
    client = Client()
    outputs = [
        client.get(f"/insights/c/{world.xiningdao.code}/").content.decode(),
        client.get("/insights/open-data/cases.csv").getvalue().decode("utf-8-sig"),
        client.get("/insights/open-data/cases.json").getvalue().decode(),
    ]
    assert "西宁道社区" in outputs[1] and "西宁道社区" in outputs[2]  # the statistics are there...
    for text in outputs:
        for secret in SECRETS:
            assert secret not in text  # ...but nobody's name, phone, address or words
        for case in last_month_cases:
            assert case.number not in text


def test_the_public_page_is_cached_for_five_minutes_and_unknown_communities_are_404(
    world, last_month_cases, new_case, django_assert_max_num_queries
):
    client = Client()
    url = f"/insights/c/{world.xiningdao.code}/"
    first = client.get(url).content.decode()
    with django_assert_max_num_queries(2):  # the community, then the cached figures
        second = client.get(url).content.decode()
    assert "<b>8</b>" in second
    month = reports.last_full_month()
    new_case(received_at=received(month, 20))
    assert "<b>8</b>" in client.get(url).content.decode()  # still the cached figures
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert "<b>9</b>" in client.get(url).content.decode()
    assert first.count("<b>8</b>") >= 1
    assert client.get("/insights/c/NOPE/").status_code == 404
