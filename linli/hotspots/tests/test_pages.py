import json
import re
from datetime import datetime

from django.urls import reverse

from linli.deliberation.models import Proposal
from linli.hotspots import detect

from .conftest import TZ


def _url(world):
    return reverse("hotspots:detail", args=["building", f"{world.building_1.pk}-{world.drain.pk}"])


def test_the_list_shows_the_hot_spot_with_its_cases(client, world, drains_at, django_assert_max_num_queries):
    cases = drains_at(5)
    client.force_login(world.owner)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("hotspots:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert _url(world) in html
    assert reverse("cases:detail", args=[cases[0].pk]) in html
    assert "<svg" in html


def test_the_detail_lists_the_cases_the_chart_and_the_actions(client, world, drains_at):
    cases = drains_at(5)
    client.force_login(world.secretary)
    page = client.get(_url(world))
    assert page.status_code == 200
    html = page.content.decode()
    for case in cases:
        assert reverse("cases:detail", args=[case.pk]) in html
    assert html.count("<rect") == detect.SERIES_WEEKS
    assert f"{reverse('cases:detail', args=[cases[0].pk])}#actions" in html  # the latest open case to whistle
    assert reverse("hotspots:propose", args=["building", f"{world.building_1.pk}-{world.drain.pk}"]) in html
    # the map's markers: every case's point, as JSON for app.js
    assert 'id="points-map"' in html
    points = json.loads(
        re.search(r'<script id="hot-spot-points" type="application/json">(.*?)</script>', html).group(1)
    )
    assert len(points) == len(cases) and all(len(p) == 2 for p in points)


def test_the_outsider_sees_no_hot_spots_and_gets_404_on_one(client, world, drains_at):
    drains_at(5)
    client.force_login(world.outsider)
    assert b"hot-spot hot-" not in client.get(reverse("hotspots:list")).content
    assert client.get(_url(world)).status_code == 404
    assert client.post(_url(world) + "propose/").status_code == 404
    assert not Proposal.objects.exists()


def test_a_department_gets_404(client, world, drains_at):
    drains_at(5)
    client.force_login(world.dept)
    assert client.get(reverse("hotspots:list")).status_code == 404
    assert client.get(_url(world)).status_code == 404


def test_an_unknown_hot_spot_is_404(client, world, drains_at):
    drains_at(4)
    client.force_login(world.secretary)
    assert client.get(_url(world)).status_code == 404
    assert client.get(reverse("hotspots:detail", args=["nonsense", "1-2"])).status_code == 404


def test_turning_a_hot_spot_into_a_proposal_creates_one(client, world, drains_at):
    cases = drains_at(5)
    client.force_login(world.secretary)
    response = client.post(_url(world) + "propose/")
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.community == world.xiningdao
    assert proposal.origin == "staff"
    assert proposal.created_by == world.secretary
    assert proposal.case_id == cases[0].pk  # the latest case
    assert "吉利花园 1号楼" in proposal.text and "5" in proposal.text


def test_the_monthly_page_lists_the_streets_top_problems(client, world, new_case, frozen):
    for i in range(5):
        new_case(building=world.building_1, received_at=datetime(2026, 1, 5, 9 + i, tzinfo=TZ))
    new_case(
        building=world.building_3, lat=39.111, lon=117.205, received_at=datetime(2026, 1, 6, 9, tzinfo=TZ)
    )
    new_case(category=world.fire, title="灭火器过期", received_at=datetime(2026, 1, 7, 9, tzinfo=TZ))
    new_case(received_at=datetime(2025, 12, 7, 9, tzinfo=TZ))
    new_case(received_at=datetime(2025, 1, 7, 9, tzinfo=TZ))
    client.force_login(world.street)
    page = client.get(reverse("hotspots:monthly", args=[world.nanyingmen.pk]), {"month": "2026-01"})
    assert page.status_code == 200
    problems = page.context["problems"]
    assert [(p.category, p.count, p.last_month, p.last_year) for p in problems] == [
        ("下水道堵塞", 6, 1, 1),
        ("消防设施损坏", 1, 0, 0),
    ]
    assert problems[0].places[0] == {"name": "吉利花园 1号楼", "count": 5}
    assert problems[0].series == [0, 0, 0, 0, 1, 6]
    assert "+5" in page.content.decode()


def test_the_monthly_page_of_another_street_is_404(client, world, frozen):
    client.force_login(world.outsider)
    assert client.get(reverse("hotspots:monthly", args=[world.nanyingmen.pk])).status_code == 404
    client.force_login(world.owner)  # a grid worker of the street
    assert client.get(reverse("hotspots:monthly", args=[world.nanyingmen.pk])).status_code == 200
