"""The seeds' deliberation stories, built on the demo's places and people through the services."""

import random

import pytest
from django.test import Client

from linli.cases.models import Case
from linli.conftest import ensure_seed_data
from linli.deliberation import demo
from linli.deliberation.choices import ActionStatus, MeetingType
from linli.deliberation.models import ActionItem, Meeting
from linli.demo.builder import build_world
from linli.org.locator import locator

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(db):
    ensure_seed_data()
    build_world(random.Random("deliberation-demo"))
    locator.invalidate()


def test_the_three_stories_are_told_and_can_be_removed(demo_world):
    counts = demo.build_demo()
    assert counts["cases_closed_by_meetings"] == 1 and counts["reception_matters"] == 3
    lift = Meeting.objects.get(community__code="XND", type=MeetingType.EVENING_TALK)
    case = Case.objects.get(agenda_items__meeting=lift)
    assert case.status == "closed" and case.building.name == "1号楼"
    joint = Meeting.objects.get(community__code="RXWQ", type=MeetingType.JOINT)
    plan = ActionItem.objects.filter(decision__meeting=joint)
    assert plan.count() == 4 and plan.filter(status=ActionStatus.CONFIRMED).count() == 1
    cinema = Meeting.objects.get(community__code="XYL")
    assert cinema.is_approved and "露天电影" in cinema.decisions.get().text
    html = Client().get("/meetings/public/RXWQ/").content.decode()
    assert "充电桩" in html and "安居物业" in html and "史经理" not in html and "汪管家" not in html

    demo.delete_demo()
    assert not Meeting.objects.exists() and not ActionItem.objects.exists()
