"""The activities cast: 西宁道社区's 银发爱心义剪队 (captain 刘秀英, haircut volunteer 李秀兰, 陈国华) on top of the
volunteers' and the registry's casts, and helpers to build activities at a given local time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from linli.activities import services
from linli.activities.choices import ActivityKind, Preset
from linli.residents.tests.conftest import registry  # noqa: F401
from linli.volunteers.auth import SESSION_KEY
from linli.volunteers.tests.conftest import vol  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def local_midday():
    """The tests' clock at noon of today's local date, ticking: many build activities "30 minutes ago" or "3
    hours ago", and just after local midnight those fell on yesterday, which the occurrences never look at."""
    noon = datetime.combine(timezone.localdate(), datetime.min.time().replace(hour=12), tzinfo=SH)
    with time_machine.travel(noon, tick=True):
        yield


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def make_activity(world):
    """Create an activity through the service, as the secretary of 西宁道社区 (override anything)."""

    def make(**kwargs):
        params = {
            "actor": world.secretary,
            "community": world.xiningdao,
            "title": "银发爱心义剪",
            "kind": ActivityKind.HAIRCUT,
            "place": "社区老年活动中心",
            "starts_at": timezone.now() + timedelta(days=2),
            "duration_minutes": 120,
            "preset": Preset.ONCE,
        }
        params.update(kwargs)
        return services.activity_create(**params)

    return make


@pytest.fixture
def running(make_activity, vol):  # noqa: F811 - the vol fixture imported above
    """A one-off 义剪 that started 10 minutes ago and lasts 2 hours, organised by the 红管家服务队 (captain
    刘秀英), with a role 理发师 ×2 needing the haircut skill and a role 引导员 ×1."""
    from linli.volunteers.models import Skill

    activity = make_activity(
        starts_at=timezone.now() - timedelta(minutes=10),
        organiser=vol.team,
        roles=[
            {"name": "理发师", "needed": 2, "skill": Skill.objects.get(code="haircut")},
            {"name": "引导员", "needed": 1},
        ],
    )
    occ = activity.occurrences.get()
    return activity, occ


def volunteer_client(volunteer) -> Client:
    """A phone browser signed in as the volunteer (the volunteers app's session key), reading English."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    session = client.session
    session[SESSION_KEY] = volunteer.pk
    session.save()
    return client


@pytest.fixture
def en_client(client):
    """The test client reading pages in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
