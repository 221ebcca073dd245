"""Who sees what (DESIGN.md §4): every endpoint answers 404 to those outside the case's scope."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from linli.cases import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def whistled_case(world, new_case):
    case = services.case_respond(case=new_case(), actor=world.owner)
    whistle = services.whistle_blow(
        case=case,
        actor=world.secretary,
        department=world.chengguan,
        reason="需城管委清掏",
        due_at=timezone.now() + timedelta(days=1),
    )
    case.refresh_from_db()
    return case, whistle


API_CASE_ENDPOINTS = [
    ("get", "/api/v1/cases/{id}/", None),
    ("post", "/api/v1/cases/{id}/transition/", {"action": "note", "note": "看一眼"}),
    ("get", "/api/v1/cases/{id}/whistles/", None),
    (
        "post",
        "/api/v1/cases/{id}/whistles/",
        {"department": "GS", "reason": "x", "due_at": "2099-01-01T00:00:00+08:00"},
    ),
    ("post", "/api/v1/cases/{id}/feedback/", {"solved": True, "satisfaction": "satisfied"}),
]
API_WHISTLE_ENDPOINTS = [
    ("post", "/api/v1/whistles/{wid}/report-in/", {}),
    ("post", "/api/v1/whistles/{wid}/answer/", {"answer": "x"}),
    ("post", "/api/v1/whistles/{wid}/accept/", {}),
    ("post", "/api/v1/whistles/{wid}/reject/", {"note": "x"}),
]


@pytest.mark.parametrize("method, url, body", API_CASE_ENDPOINTS + API_WHISTLE_ENDPOINTS)
@pytest.mark.parametrize("persona", ["outsider", "outsider_secretary", "water_dept", "colleague_worker"])
def test_the_outsider_gets_404_from_every_api_endpoint(world, api, whistled_case, method, url, body, persona):
    case, whistle = whistled_case
    client = api.as_(getattr(world, persona))
    version_before = case.version
    response = getattr(client, method)(url.format(id=case.pk, wid=whistle.pk), body, format="json")
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    case.refresh_from_db()
    assert case.version == version_before


def test_anonymous_callers_get_401_from_the_api(world, whistled_case):
    case, _ = whistled_case
    client = Client()
    for url in ("/api/v1/cases/", f"/api/v1/cases/{case.pk}/", "/api/v1/grids/", "/api/v1/categories/"):
        assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("owner", True),
        ("secretary", True),
        ("street", True),
        ("admin", True),
        ("dept", True),
        ("colleague_worker", False),
        ("outsider", False),
        ("outsider_secretary", False),
        ("water_dept", False),
        ("reporter", False),
    ],
)
def test_case_lists_are_scoped_by_the_org_tree(world, api, whistled_case, persona, sees):
    case, _ = whistled_case
    ids = [c["id"] for c in api.as_(getattr(world, persona)).get("/api/v1/cases/").json()["results"]]
    assert (case.pk in ids) is sees


def test_a_department_lists_exactly_the_cases_whistled_to_it(world, api, new_case, whistled_case):
    case, _ = whistled_case
    new_case(title="另一件事")
    ids = [c["id"] for c in api.as_(world.dept).get("/api/v1/cases/").json()["results"]]
    assert ids == [case.pk]


def test_a_reporter_sees_only_their_own_reports(world, api, new_case):
    own = new_case(actor=world.reporter)
    new_case()
    ids = [c["id"] for c in api.as_(world.reporter).get("/api/v1/cases/").json()["results"]]
    assert ids == [own.pk]


def test_the_reporters_phone_is_masked_for_a_department(world, api, whistled_case):
    case, _ = whistled_case
    body = api.as_(world.dept).get(f"/api/v1/cases/{case.pk}/").json()
    assert body["reporter_phone"] == "138****5678"
    assert body["reporter_name"] == "刘**"
    body = api.as_(world.owner).get(f"/api/v1/cases/{case.pk}/").json()
    assert body["reporter_phone"] == "13812345678"


PAGES = ["/cases/{id}/"]
POSTS = [
    ("/cases/{id}/act/", {"action": "note", "version": "1", "note": "x"}),
    (
        "/cases/{id}/whistle/",
        {"version": "1", "department": "1", "reason": "x", "due_at": "2099-01-01 10:00"},
    ),
    ("/cases/{id}/feedback/", {"version": "1", "solved": "1", "satisfaction": "satisfied"}),
    ("/cases/whistles/{wid}/answer/", {"text": "x"}),
]


@pytest.mark.parametrize("persona", ["outsider", "outsider_secretary", "water_dept"])
def test_the_outsider_gets_404_from_every_page(world, whistled_case, persona):
    case, whistle = whistled_case
    client = Client()
    client.force_login(getattr(world, persona))
    for url in PAGES:
        assert client.get(url.format(id=case.pk)).status_code == 404
    for url, data in POSTS:
        assert client.post(url.format(id=case.pk, wid=whistle.pk), data).status_code == 404
    events = case.events.count()
    case.refresh_from_db()
    assert case.events.count() == events


def test_pages_need_a_login(world, whistled_case):
    case, _ = whistled_case
    for url in ("/cases/", f"/cases/{case.pk}/", "/cases/new/", "/cases/problems/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_part_time_reporters_report_through_their_own_pages_not_the_staff_intake(world, api, client):
    """The reporter pages check photos for reuse and place, and count points: no side door around them."""
    response = api.as_(world.reporter).post(
        "/api/v1/cases/",
        {"title": "吉利花园1号楼下水道堵塞", "category": world.drain.code, "lat": 39.111, "lon": 117.201},
    )
    assert response.status_code == 403 and response.json()["code"] == "use_reporter_pages"
    client.force_login(world.reporter)
    assert client.get("/cases/new/")["Location"] == "/reporter/new/"
    assert client.get("/cases/")["Location"] == "/reporter/"
