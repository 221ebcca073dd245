"""The dashboard page and its drill-down: figures with definitions, flags, scoping, query caps."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from linli.cases import services
from linli.cases.models import Case

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def signed_in(user):
    from django.conf import settings

    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def history(world, workflow):
    return workflow.run(60, datetime(2025, 5, 5, 8, 0, tzinfo=SH))


def test_the_dashboard_shows_every_figure_with_its_definition_and_drills_down(world, history):
    client = signed_in(world.secretary)
    params = {"unit": f"community:{world.xiningdao.pk}", "from": "2025-05-01", "to": "2025-12-31"}
    with translation.override("en"):
        resp = client.get("/insights/", params)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Definitions version 2026.1" in html and "Response rate" in html
    assert 'id="chart-trend"' in html and "insights/echarts.min.js" in html and "leaflet.js" in html
    assert 'id="insights-grids"' in html and 'id="departments"' in html and 'id="five-linkages"' in html
    # Every number links to the cases behind it, and that list has as many cases as the number says.
    received = int(re.search(r'id="kpi-received".*?<b>(\d+)</b>', html, re.S).group(1))
    link = re.search(r'id="kpi-received".*?href="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    assert "figure=received" in link
    drill = client.get(link)
    assert drill.status_code == 200
    assert f"{received} cases received" in drill.content.decode()
    backlog = int(re.search(r'id="kpi-backlog".*?<b>(\d+)</b>', html, re.S).group(1))
    link = re.search(r'id="kpi-backlog".*?href="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    assert f"{backlog} cases received" in client.get(link).content.decode()


def test_a_perfect_rate_is_flagged_for_review_and_a_low_whistle_rate_warned(world, new_case):
    case = new_case()
    services.case_respond(case=case, actor=world.secretary)
    client = signed_in(world.owner)
    with translation.override("en"):
        html = client.get("/insights/", {"unit": f"grid:{world.grid_a.pk}"}).content.decode()
    card = re.search(r'id="kpi-response_rate".*?</div>', html, re.S).group(0)
    assert "100.0%" in card and 'data-flag="perfect"' in card and "Perfect score: review" in card
    card = re.search(r'id="kpi-whistle_rate".*?</div>', html, re.S).group(0)
    assert 'data-flag="whistle-low"' in card
    card = re.search(r'id="kpi-satisfaction_rate".*?</div>', html, re.S).group(0)
    assert "data-flag" not in card  # no rating yet: nothing to flag


def test_the_drill_down_is_scoped_to_the_viewer(world, new_case):
    new_case()
    # The outsider names a unit they may not see: 404 on the page and on its drill-down.
    client = signed_in(world.outsider)
    unit = f"community:{world.xiningdao.pk}"
    assert client.get("/insights/", {"unit": unit}).status_code == 404
    assert client.get("/insights/cases/", {"unit": unit, "figure": "received"}).status_code == 404
    assert client.get("/insights/cases/", {"unit": unit, "figure": "nonsense"}).status_code == 404
    # A department has no unit of its own.
    assert signed_in(world.dept).get("/insights/").status_code == 404
    # Signed out: to the sign-in page.
    assert Client().get("/insights/").status_code == 302


def test_the_default_is_the_viewers_widest_unit_this_month(world, new_case):
    new_case()
    with translation.override("en"):
        html = signed_in(world.street).get("/insights/").content.decode()
    assert "南营门街道" in html
    assert re.search(r'id="kpi-received".*?<b>1</b>', html, re.S)
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "who,unit",
    [
        ("owner", "grid:{grid_a}"),
        ("secretary", "community:{xiningdao}"),
        ("street", "street:{nanyingmen}"),
        ("admin", "district:{heping}"),
    ],
)
def test_page_query_counts_are_capped(world, history, django_assert_max_num_queries, who, unit):
    ids = {k: getattr(world, k).pk for k in ("xiningdao", "grid_a", "nanyingmen", "heping")}
    client = signed_in(getattr(world, who))
    params = {"unit": unit.format(**ids), "from": "2025-05-10", "to": "2025-09-20"}
    client.get("/insights/", params)  # warm the per-process caches (scope, categories)
    with django_assert_max_num_queries(60):
        assert client.get("/insights/", params).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/insights/cases/", {**params, "figure": "overdue"}).status_code == 200


def test_a_district_page_asks_no_more_queries_for_more_communities(world, history):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.org.models import Community, Grid

    client = signed_in(world.admin)
    params = {"unit": f"district:{world.heping.pk}", "from": "2025-05-10", "to": "2025-09-20"}
    client.get("/insights/", params)  # warm the per-process caches

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/insights/", params).status_code == 200
        return ctx.captured_queries

    before = queries()
    for i in range(6):
        community = Community.objects.create(street=world.nanyingmen, code=f"EXTRA-{i}", name=f"新社区{i}")
        Grid.objects.create(community=community, code=f"EXTRA-G{i}", name=f"新网格{i}")
    client.get("/insights/", params)  # the new org rows emptied the scope cache
    assert len(queries()) == len(before)


def test_a_unit_with_more_grids_than_a_map_shows_says_so_and_counts_no_grid(world, history, monkeypatch):
    from linli.insights import selectors, views

    asked = []
    breakdown = selectors.breakdown
    monkeypatch.setattr(selectors, "breakdown", lambda *a: asked.append(a[-1]) or breakdown(*a))
    monkeypatch.setattr(views, "MAP_GRID_LIMIT", 1)
    params = {"unit": f"street:{world.nanyingmen.pk}", "from": "2025-05-10", "to": "2025-09-20"}
    html = signed_in(world.admin).get("/insights/", params).content.decode()
    assert 'id="map-too-many"' in html and "insights-grids" not in html
    assert "grid" not in asked and "community" in asked  # the communities table is still there
