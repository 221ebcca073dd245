"""The KPI API: equal to what a client computes from the cases it can list; scoped; lean."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .conftest import COMPARED, direct_figures

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def list_all(client, **params):
    """Every case the client may list, page by page, as /api/v1/cases/ gives them."""
    rows, page = [], 1
    while True:
        resp = client.get("/api/v1/cases/", {**params, "page": page})
        assert resp.status_code == 200, resp.content
        body = resp.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        page += 1


def parsed(row):
    out = dict(row)
    for key in ("received_at", "responded_at", "resolved_at", "response_due_at", "resolution_due_at"):
        out[key] = parse_datetime(row[key]) if row[key] else None
    return out


@pytest.fixture
def history(world, workflow):
    start = datetime(2025, 5, 5, 8, 0, tzinfo=SH)
    return workflow.run(80, start)


@pytest.mark.parametrize(
    "who,unit,field,value",
    [
        ("secretary", "community", "community", "xiningdao"),
        ("owner", "grid", "grid", "grid_a"),
        ("street", "street", "street", "nanyingmen"),
    ],
)
def test_kpis_equal_what_a_client_computes_from_the_cases_it_lists(
    api, world, history, who, unit, field, value
):
    _cases, end = history
    client = api.as_(getattr(world, who))
    pk = getattr(world, value).pk
    for lo, hi in ((date(2025, 5, 1), date(2025, 8, 31)), (date(2025, 5, 20), date(2025, 6, 10))):
        resp = client.get("/api/v1/insights/kpis/", {"unit": f"{unit}:{pk}", "from": lo, "to": hi})
        assert resp.status_code == 200, resp.content
        got = resp.json()
        rows = [parsed(r) for r in list_all(client, date_from=lo, date_to=hi) if r[field] == pk]
        whistled = {r["id"] for r in rows if client.get(f"/api/v1/cases/{r['id']}/whistles/").json()}
        expected = direct_figures(rows, whistled_ids=whistled, now=timezone.now())
        assert expected["received"] > 0
        assert {k: got[k] for k in COMPARED} == expected
        assert got["definitions_version"] == "2026.1"
        assert got["unit"]["ref"] == f"{unit}:{pk}"


def test_a_bare_id_is_a_community(api, world, history):
    client = api.as_(world.secretary)
    a = client.get(
        "/api/v1/insights/kpis/", {"unit": world.xiningdao.pk, "from": "2025-05-01", "to": "2025-12-31"}
    )
    b = client.get(
        "/api/v1/insights/kpis/",
        {"unit": f"community:{world.xiningdao.pk}", "from": "2025-05-01", "to": "2025-12-31"},
    )
    assert a.status_code == 200 and a.json()["received"] == b.json()["received"] > 0


@pytest.mark.parametrize(
    "who,unit",
    [
        ("outsider", "community:{xiningdao}"),
        ("outsider_secretary", "grid:{grid_a}"),
        ("owner", "community:{xiningdao}"),  # a grid worker sees their grid, not the whole community
        ("owner", "grid:{grid_b}"),
        ("secretary", "street:{nanyingmen}"),
        ("street", "district:{heping}"),
        ("street", "community:{yanyu}"),
        ("dept", "community:{xiningdao}"),
        ("secretary", "community:999999"),
        ("secretary", "town:1"),
        ("secretary", "community:abc"),
    ],
)
def test_units_outside_the_viewers_scope_answer_404(api, world, who, unit):
    ids = {
        k: getattr(world, k).pk for k in ("xiningdao", "grid_a", "grid_b", "nanyingmen", "heping", "yanyu")
    }
    client = api.as_(getattr(world, who))
    for endpoint in ("kpis", "trend", "breakdown", "departments"):
        resp = client.get(f"/api/v1/insights/{endpoint}/", {"unit": unit.format(**ids)})
        assert resp.status_code == 404, (endpoint, resp.content)


def test_bad_parameters_name_their_field(api, world):
    client = api.as_(world.secretary)
    unit = f"community:{world.xiningdao.pk}"
    for params, field in (
        ({}, "unit"),
        ({"unit": unit, "from": "2025-13-01"}, "from"),
        ({"unit": unit, "from": "2025-06-02", "to": "2025-06-01"}, "from"),
        ({"unit": unit, "from": "2015-01-01", "to": "2025-06-01"}, "to"),
    ):
        resp = client.get("/api/v1/insights/kpis/", params)
        assert resp.status_code == 400 and resp.json()["field"] == field, params
    resp = client.get("/api/v1/insights/trend/", {"unit": unit, "by": "year"})
    assert resp.status_code == 400 and resp.json()["field"] == "by"
    resp = client.get("/api/v1/insights/breakdown/", {"unit": unit, "by": "community"})
    assert resp.status_code == 400 and resp.json()["field"] == "by"


def test_trend_breakdown_and_departments_add_up(api, world, history):
    client = api.as_(world.street)
    params = {"unit": f"street:{world.nanyingmen.pk}", "from": "2025-05-01", "to": "2025-09-30"}
    total = client.get("/api/v1/insights/kpis/", params).json()["received"]
    for by in ("week", "month"):
        rows = client.get("/api/v1/insights/trend/", {**params, "by": by}).json()["rows"]
        assert sum(r["received"] for r in rows) == total
    for by in ("category", "channel", "grid", "community"):
        rows = client.get("/api/v1/insights/breakdown/", {**params, "by": by}).json()["rows"]
        assert sum(r["received"] for r in rows) == total, by
    names = {
        r["name"]
        for r in client.get("/api/v1/insights/breakdown/", {**params, "by": "category"}).json()["rows"]
    }
    assert names <= {"下水道堵塞", "消防设施损坏"}
    deps = client.get("/api/v1/insights/departments/", params).json()["rows"]
    assert deps and deps[0]["name"] == "城管委"


@pytest.mark.parametrize(
    "unit", ["grid:{grid_a}", "community:{xiningdao}", "street:{nanyingmen}", "district:{heping}"]
)
def test_api_query_counts_are_capped(api, world, history, django_assert_max_num_queries, unit):
    ids = {k: getattr(world, k).pk for k in ("xiningdao", "grid_a", "nanyingmen", "heping")}
    client = api.as_(world.admin)
    params = {"unit": unit.format(**ids), "from": "2025-05-10", "to": "2025-08-20"}
    for endpoint, extra, cap in (
        ("kpis", {}, 16),
        ("trend", {"by": "week"}, 8),
        ("trend", {"by": "month"}, 8),
        ("breakdown", {"by": "category"}, 9),
        ("breakdown", {"by": "channel"}, 9),
        ("departments", {}, 7),
    ):
        with django_assert_max_num_queries(cap):
            assert client.get(f"/api/v1/insights/{endpoint}/", {**params, **extra}).status_code == 200
