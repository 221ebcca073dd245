"""Open data: case statistics per community × category × month, the roll-ups' counts, suppressed, rate-limited."""

import csv
import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache, caches
from django.test import Client

from linli.cases import services
from linli.insights import opendata, reports
from linli.insights.models import Rollup

SH = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.urls("linli.insights.tests.test_reports_urlconf")]


@pytest.fixture(autouse=True)
def fresh_caches():
    cache.clear()
    caches["ratelimit"].clear()


@pytest.fixture
def cases(world, new_case):
    month = reports.last_full_month()
    at = datetime(month.year, month.month, 2, 9, 0, tzinfo=SH)
    for i in range(7):
        with time_machine.travel(at + timedelta(hours=i), tick=False):
            case = new_case()
            if i < 6:  # responded to at once: on time
                services.case_respond(case=case, actor=world.secretary)
    with time_machine.travel(at, tick=False):
        new_case(category=world.fire)
        new_case(lat=39.162, lon=117.182, actor=world.outsider_secretary)
    return month


def test_the_csv_has_the_documented_columns_and_the_rollup_counts_suppressed(
    world, cases, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # communities, categories, the roll-up rows (however many)
        resp = Client().get("/insights/open-data/cases.csv")
        body = b"".join(resp.streaming_content).decode("utf-8")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    assert "attachment" in resp["Content-Disposition"]
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert list(rows[0].keys()) == [name for name, _doc in opendata.COLUMNS]
    month = cases.strftime("%Y-%m")
    by_key = {(r["community_code"], r["category_code"], r["month"]): r for r in rows}
    drain = by_key[("XND", world.drain.code, month)]
    assert drain["community"] == "西宁道社区" and drain["category"] == world.drain.name
    assert drain["received"] == "7" and drain["responded_on_time"] == "6"
    assert drain["resolved"] == "0" and drain["rated"] == "0" and drain["definitions_version"] == "2026.1"
    assert by_key[("XND", world.fire.code, month)]["received"] == "<5"
    assert by_key[("YY", world.drain.code, month)]["received"] == "<5"
    # Every row is a community roll-up row: nothing is counted a second way.
    total = sum(
        Rollup.objects.filter(level="c", grain="m", dim="ca", period=cases).values_list("received", flat=True)
    )
    assert total == 9 and len(rows) == 3


def test_the_json_documents_its_columns_and_holds_the_same_rows(world, cases):
    client = Client()
    data = json.loads(client.get("/insights/open-data/cases.json").getvalue())
    assert data["definitions_version"] == "2026.1" and "<5" in data["suppression"]
    assert [c["name"] for c in data["columns"]] == [name for name, _doc in opendata.COLUMNS]
    assert all(c["description"] for c in data["columns"])
    csv_rows = list(
        csv.DictReader(
            io.StringIO(client.get("/insights/open-data/cases.csv").getvalue().decode("utf-8-sig"))
        )
    )
    assert [{k: str(v) for k, v in r.items()} for r in data["rows"]] == csv_rows
    # One community; a period of months; bad parameters answer 400 with the field.
    one = json.loads(client.get("/insights/open-data/cases.json", {"community": "YY"}).getvalue())
    assert {r["community_code"] for r in one["rows"]} == {"YY"}
    old = json.loads(
        client.get("/insights/open-data/cases.json", {"from": "2020-01", "to": "2020-03"}).getvalue()
    )
    assert old["rows"] == [] and old["from"] == "2020-01" and old["to"] == "2020-03"
    bad = client.get("/insights/open-data/cases.json", {"from": "2020-1x"})
    assert bad.status_code == 400 and bad.json()["field"] == "from"
    assert (
        client.get("/insights/open-data/cases.json", {"from": "2020-01", "to": "2024-01"}).status_code == 400
    )
    assert client.get("/insights/open-data/cases.csv", {"community": "NOPE"}).status_code == 404


def test_suppression_and_the_default_period():
    assert [opendata.suppress(n) for n in (0, 1, 4, 5, 120)] == [0, "<5", "<5", 5, 120]
    months = opendata.parse_months({})
    assert len(months) == 12 and months[-1] == reports.last_full_month()
    assert opendata.parse_months({"from": "2025-11", "to": "2026-02"}) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


@time_machine.travel("2026-06-01 09:00:10+08:00", tick=False)  # one instant: every request in one window
def test_the_open_data_is_rate_limited(world):
    client = Client()
    for _i in range(30):
        assert client.get("/insights/open-data/cases.csv").status_code == 200
    resp = client.get("/insights/open-data/cases.json")
    assert resp.status_code == 429 and int(resp["Retry-After"]) > 0
    assert Client().get("/insights/open-data/").status_code == 200  # the description page is not limited
