"""The demo's public channels: the QR poster of 吉利花园 1号楼, reporters with tallies and points, the Open311
demo key, and past notices. Uses the package's `demo` fixture (conftest.py), loaded once."""

import pytest
from django.test import Client

from linli.accounts.models import User
from linli.notices.models import Notice
from linli.org.models import Building
from linli.reporters.models import Reporter
from linli.reporters.selectors import balance_of, tally_of

pytestmark = pytest.mark.django_db


def test_the_loader_prints_the_poster_the_reporters_and_the_open311_key(demo):
    assert "QR poster of 吉利花园 1号楼" in demo and "/r/posters/building/" in demo
    assert "已帮助社区发现解决问题" in demo
    assert "linli-demo-open311" in demo


def test_grid1_prints_the_qr_poster_of_jili_building_1_and_it_opens_the_report_page(demo):
    building = Building.objects.get(compound__community__code="XND", compound__name="吉利花园", name="1号楼")
    client = Client()
    client.force_login(User.objects.get(username="grid1"))
    poster = client.get(f"/r/posters/building/{building.pk}/")
    assert poster.status_code == 200 and "<svg" in poster.content.decode()
    report = Client().get(f"/r/?b={building.pk}")
    assert report.status_code == 200 and "吉利花园 1号楼" in report.content.decode()


def test_every_demo_reporter_has_a_profile_and_some_have_earned_points(demo):
    reporters = list(Reporter.objects.select_related("user"))
    assert len(reporters) >= 5
    assert all(not r.user.phone for r in reporters)  # the phone lives encrypted in the profile only
    assert any(tally_of(r.user_id) > 0 and balance_of(r) > 0 for r in reporters)


def test_the_open311_demo_key_posts_a_request(demo):
    client = Client()
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": "linli-demo-open311",
            "service_code": "SZ-LD",
            "lat": "39.1165",
            "long": "117.1905",
            "description": "西宁道路灯不亮，晚上很黑",
        },
    )
    assert response.status_code == 200, response.content.decode()
    number = response.json()[0]["service_request_id"]
    assert client.get(f"/open311/v2/requests/{number}.json").status_code == 200


def test_the_demo_has_past_notices(demo):
    assert Notice.objects.exists()
