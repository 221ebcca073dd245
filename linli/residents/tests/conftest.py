"""The registry's cast: households in grid A (吉利花园1号楼), grid B (3号楼) and 燕宇社区, with people the seeds
know — 李奶奶 living alone, 韩大爷 on 低保 with a disability — and tags on them."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from linli.core.validators import id_check_char
from linli.org.models import Building, Compound
from linli.residents.models import Household, Resident, Tag, TagAssignment


def id_number(region: str, birth: date, seq: int, *, female: bool) -> str:
    """A valid 18-digit ID number (GB 11643) for a birth date and sex."""
    order = f"{seq:02d}{(2 if female else 1) + (seq % 4) * 2}"
    body = f"{region}{birth:%Y%m%d}{order}"
    return body + id_check_char(body)


class Registry:
    """Named households and residents; attributes are filled by the `registry` fixture."""


def _household(building, room: str, floor: int) -> Household:
    community = building.compound.community
    return Household.objects.create(
        building=building,
        grid=building.grid,
        community=community,
        street_id=community.street_id,
        floor=floor,
        room=room,
        address=f"{building.compound.name}{building.name}{room}",
    )


def _resident(household, name, birth, seq, *, female, phone, relationship="head") -> Resident:
    return Resident.objects.create(
        household=household,
        community_id=household.community_id,
        name=name,
        gender="female" if female else "male",
        birth_date=birth,
        id_number=id_number("120101", birth, seq, female=female),
        phone=phone,
        relationship=relationship,
    )


def _tag(code, *, by, resident=None, household=None, grade=""):
    return TagAssignment.objects.create(
        tag=Tag.objects.get(code=code),
        resident=resident,
        household=household,
        grade=grade,
        added_by=by,
        added_at=timezone.now(),
    )


@pytest.fixture
def registry(world) -> Registry:
    r = Registry()
    r.home_a = _household(world.building_1, "301", 3)
    r.li = _resident(r.home_a, "李秀兰", date(1941, 3, 7), 11, female=True, phone="13820001111")
    _tag("dujulaoren", by=world.owner, resident=r.li)
    r.home_a2 = _household(world.building_1, "502", 5)
    r.han = _resident(r.home_a2, "韩大爷", date(1958, 11, 2), 23, female=False, phone="13920002222")
    _tag("dibao", by=world.secretary, household=r.home_a2)
    _tag("canji", by=world.secretary, resident=r.han, grade="肢体一级")
    _tag("dangyuan", by=world.secretary, resident=r.han)
    r.home_b = _household(world.building_3, "101", 1)
    r.zhou = _resident(r.home_b, "周建国", date(1975, 6, 18), 35, female=False, phone="13720003333")
    yy_compound = Compound.objects.create(community=world.yanyu, name="燕宇小区")
    r.yy_building = Building.objects.create(compound=yy_compound, name="2号楼", grid=world.grid_y)
    r.home_y = _household(r.yy_building, "201", 2)
    r.outsider_resident = _resident(
        r.home_y, "赵玉梅", date(1950, 1, 9), 47, female=True, phone="13620004444"
    )
    return r
