"""Star levels at their boundaries, real-name registration with the ID check digit and resident linking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.models import AuditEntry
from linli.core.validators import id_check_char
from linli.volunteers import services
from linli.volunteers.choices import VolunteerKind
from linli.volunteers.models import Volunteer
from linli.volunteers.selectors import next_star_hours, star_level

from .conftest import id_number


@pytest.mark.parametrize(
    "hours, level",
    [
        ("0", 0),
        ("99.75", 0),
        ("100", 1),
        ("299.99", 1),
        ("300", 2),
        ("599.75", 2),
        ("600", 3),
        ("999.75", 3),
        ("1000", 4),
        ("1499.75", 4),
        ("1500", 5),
        ("9000", 5),
        ("-5", 0),
    ],
)
def test_star_levels_at_the_boundaries(hours, level):
    assert star_level(Decimal(hours)) == level


def test_next_star():
    assert next_star_hours(Decimal("0")) == 100
    assert next_star_hours(Decimal("300")) == 600
    assert next_star_hours(Decimal("1500")) is None


def _register(world, **kw):
    params = {
        "actor": world.secretary,
        "community": world.xiningdao,
        "name": "赵大妈",
        "id_number": id_number("120101", date(1950, 2, 3), 61, female=True),
        "phone": "13511112222",
        "kind": VolunteerKind.OUTSIDER,
    }
    params.update(kw)
    return services.volunteer_register(**params)


def test_registration_derives_birth_date_and_gender_and_links_the_resident(vol, world, registry):
    assert vol.li.resident == registry.li
    assert vol.li.birth_date == date(1941, 3, 7) and vol.li.gender == "female"
    assert vol.chen.gender == "male" and vol.chen.resident is None
    assert list(vol.li.skills.values_list("name", flat=True)) == ["理发"]
    # An outsider whose number matches a current resident is linked too.
    volunteer = _register(world, name="周建国", id_number=registry.zhou.id_number)
    assert volunteer.resident == registry.zhou


def test_no_link_to_a_resident_of_another_community_or_one_who_moved_out(vol, world, registry):
    other = _register(world, name="外社区", id_number=registry.outsider_resident.id_number)
    assert other.resident is None
    registry.han.moved_out = date(2026, 1, 1)
    registry.han.save(update_fields=["moved_out"])
    with pytest.raises(InvalidInput) as exc:
        _register(world, name="韩大爷", id_number=registry.han.id_number, kind=VolunteerKind.RESIDENT)
    assert exc.value.field == "kind"
    assert _register(world, name="韩大爷", id_number=registry.han.id_number).resident is None


def test_a_wrong_check_digit_is_refused(world, vol):
    good = id_number("120101", date(1980, 5, 6), 12, female=False)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidInput) as exc:
        _register(world, id_number=bad)
    assert exc.value.field == "id_number" and exc.value.code == "id_check"
    with pytest.raises(InvalidInput):
        _register(world, id_number="12010119801306121X")  # month 13
    with pytest.raises(InvalidInput):
        _register(world, id_number="1201011980")


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(position=st.integers(0, 16), digit=st.integers(0, 9))
def test_any_one_digit_mutation_fails(world, position, digit):
    good = id_number("120101", date(1966, 7, 8), 33, female=True)
    if good[position] == str(digit):
        return
    mutated = good[:position] + str(digit) + good[position + 1 :]
    assert id_check_char(mutated[:17]) != mutated[17]  # MOD 11-2 catches every single substitution
    with pytest.raises(InvalidInput):
        _register(world, id_number=mutated)


def test_one_volunteer_per_id_number_per_community(vol, world):
    with pytest.raises(Conflict):
        _register(world, name="刘秀英", id_number=vol.captain.id_number, phone="13800000000")
    # The same person may serve in another community too.
    other = _register(
        world, actor=world.outsider_secretary, community=world.yanyu, id_number=vol.captain.id_number
    )
    assert other.community == world.yanyu


def test_party_members_give_their_work_unit_and_phones_are_mobiles(world, vol):
    with pytest.raises(InvalidInput) as exc:
        _register(world, kind=VolunteerKind.PARTY_MEMBER)
    assert exc.value.field == "work_unit"
    with pytest.raises(InvalidInput) as exc:
        _register(world, phone="022-23456789")
    assert exc.value.field == "phone"
    with pytest.raises(InvalidInput) as exc:
        _register(world, skills=["juggling"])
    assert exc.value.field == "skills"


def test_only_the_communitys_staff_register(world, vol):
    for actor in (world.outsider, world.street, world.dept, world.reporter):
        with pytest.raises(NotAllowed):
            _register(world, actor=actor)
    assert _register(world, actor=world.colleague_worker).pk


def test_id_number_and_phone_are_encrypted_at_rest_and_found_by_index(vol):
    table = Volunteer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone FROM {table} WHERE id = %s", [vol.chen.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert vol.chen.id_number not in raw_id and "13900139002" not in raw_phone
    assert Volunteer.objects.by_id_number(vol.chen.id_number.lower()).get() == vol.chen
    assert Volunteer.objects.by_phone("139 0013 9002").get() == vol.chen


def test_a_full_reveal_is_audited(vol, world):
    value = services.volunteer_reveal(
        actor=world.owner, volunteer=vol.chen, field="id_number", reason="核对身份"
    )
    assert value == vol.chen.id_number
    entry = AuditEntry.objects.filter(event="volunteer_reveal").get()
    assert entry.actor == world.owner and entry.object_id == str(vol.chen.pk)
    with pytest.raises(InvalidInput):
        services.volunteer_reveal(actor=world.owner, volunteer=vol.chen, field="phone", reason="")
    with pytest.raises(NotAllowed):
        services.volunteer_reveal(actor=world.street, volunteer=vol.chen, field="phone", reason="核对")


def test_update_is_version_checked(vol, world):
    updated = services.volunteer_update(
        actor=world.secretary, volunteer=vol.chen, version=vol.chen.version, phone="13900139009"
    )
    assert updated.version == vol.chen.version + 1
    with pytest.raises(Conflict):
        services.volunteer_update(
            actor=world.secretary, volunteer=vol.chen, version=vol.chen.version, name="陈"
        )
