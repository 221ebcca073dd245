"""Meetings of 西宁道社区 for the deliberation tests, written through the services."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from linli.deliberation import services
from linli.deliberation.choices import MeetingType, Party

PARTIES = (Party.PARTY, Party.COMMITTEE, Party.RESIDENTS_REP, Party.PROPERTY)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def meeting(world):
    """A meeting factory: a 居民议事会 of 西宁道社区 next week, called by its secretary."""

    def make(**kwargs):
        params = {
            "actor": world.secretary,
            "community": world.xiningdao,
            "type": MeetingType.RESIDENTS_COUNCIL,
            "title": "居民议事会",
            "starts_at": timezone.now() + timedelta(days=7),
            "place": "社区党群服务中心",
            "invited": [Party.RESIDENTS_REP, Party.PROPERTY],
        }
        params.update(kwargs)
        return services.meeting_create(**params)

    return make


@pytest.fixture
def decided(world, meeting):
    """An evening talk's decision with one action item owned by 城管委's contact, due in three days."""

    def make(*, cases=(), deadline: date | None = None, owner=None, department="default"):
        talk = meeting(type=MeetingType.EVENING_TALK, title="和平夜话")
        item = services.agenda_item_add(
            meeting=talk, actor=world.secretary, title="电梯防风门", cases=list(cases), source="case"
        )
        decision = services.decision_record(
            item=item,
            actor=world.secretary,
            text="联系物业更换1号楼电梯防风安全门",
            action_items=[
                {
                    "title": "更换防风门",
                    "owner": owner or world.dept,
                    "department": world.chengguan if department == "default" else department,
                    "deadline": deadline or timezone.localdate() + timedelta(days=3),
                    "done_definition": "新门装好并通过验收",
                }
            ],
        )
        return talk, item, decision, decision.action_items.get()

    return make


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))
