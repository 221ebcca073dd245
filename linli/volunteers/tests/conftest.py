"""The volunteers' cast: 西宁道社区's 红管家服务队 with its captain 刘秀英 and members — 李秀兰 (a resident of
grid A, in the registry), 陈国华 an 在职党员 reporting in — and 燕宇社区's own team for the outsider tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from linli.residents.tests.conftest import id_number, registry  # noqa: F401
from linli.volunteers import services
from linli.volunteers.choices import MemberRole, TeamKind, VolunteerKind


class Cast:
    """Named volunteers and teams; attributes are filled by the `vol` fixture."""


def hours_ago(hours: float, length: float = 2.0):
    """A (start, end) pair that ended `hours` ago and lasted `length` hours."""
    end = timezone.now() - timedelta(hours=hours)
    return end - timedelta(hours=length), end


def at(day: date, hour: int = 9, length: float = 2.0):
    start = datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())
    return start, start + timedelta(hours=length)


def ensure_skills() -> None:
    """The skills the data migration seeds, put back if a transactional test's flush emptied them."""
    import importlib

    from django.apps import apps

    from linli.volunteers.models import Skill

    if not Skill.objects.exists():
        importlib.import_module("linli.volunteers.migrations.0003_skills").add_skills(apps, None)


@pytest.fixture
def vol(world, registry):  # noqa: F811 - the registry fixture imported above
    ensure_skills()
    c = Cast()
    c.team = services.team_create(
        actor=world.secretary,
        community=world.xiningdao,
        name="红管家服务队",
        kind=TeamKind.PARTY,
        colour="#c92a2a",
        focus="党员服务",
    )
    c.captain = services.volunteer_register(
        actor=world.secretary,
        community=world.xiningdao,
        name="刘秀英",
        id_number=id_number("120101", date(1962, 4, 5), 41, female=True),
        phone="13800138001",
        kind=VolunteerKind.OUTSIDER,
        skills=["nursing"],
    )
    c.li = services.volunteer_register(
        actor=world.owner,
        community=world.xiningdao,
        name="李秀兰",
        id_number=registry.li.id_number,
        phone="13820001111",
        kind=VolunteerKind.RESIDENT,
        skills=["haircut"],
    )
    c.chen = services.volunteer_register(
        actor=world.secretary,
        community=world.xiningdao,
        name="陈国华",
        id_number=id_number("120104", date(1990, 8, 12), 17, female=False),
        phone="13900139002",
        kind=VolunteerKind.PARTY_MEMBER,
        work_unit="和平区税务局",
    )
    services.team_member_add(actor=world.secretary, team=c.team, volunteer=c.captain, role=MemberRole.CAPTAIN)
    services.team_member_add(actor=world.secretary, team=c.team, volunteer=c.li)
    services.team_member_add(actor=world.secretary, team=c.team, volunteer=c.chen)
    c.yy_team = services.team_create(actor=world.outsider_secretary, community=world.yanyu, name="燕宇志愿队")
    c.yy_volunteer = services.volunteer_register(
        actor=world.outsider_secretary,
        community=world.yanyu,
        name="孙立平",
        id_number=id_number("120106", date(1970, 1, 9), 52, female=False),
        phone="13600136003",
        kind=VolunteerKind.OUTSIDER,
    )
    return c


def browser():
    """A test browser that chose English (pages speak Chinese by default), so tests read the msgids."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sms_code(message: dict) -> str:
    import re

    return re.search(r"\b(\d{6})\b", message["text"]).group(1)


@pytest.fixture
def signed_in():
    def make(user):
        client = browser()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def volunteer_client(vol, sms_gateway):
    """李秀兰 signed in on her phone through the SMS code."""
    client = browser()
    client.post("/volunteers/me/login/", {"phone": vol.li.phone})
    client.post("/volunteers/me/login/code/", {"code": sms_code(sms_gateway.requests[-1].json())})
    return client
