"""An audience expands, per channel, to the residents with a mobile, the place's staff and its group robots."""

from datetime import date

import pytest

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.notices.audience import recipients
from linli.notices.models import GroupEndpoint
from linli.residents.models import Resident, Tag
from linli.residents.tests.conftest import _household, _resident

from .conftest import place

ALL = ["sms", "in_app", "email", "wecom", "dingtalk"]


def keys(found, channel):
    return sorted(r.key for r in found if r.channel == channel)


def residents(*people):
    return sorted(f"resident:{p.pk}" for p in people)


def users(*people):
    return sorted(f"user:{p.pk}" for p in people)


@pytest.fixture
def endpoints(world, registry):
    def make(name, channel, **unit):
        return GroupEndpoint.objects.create(
            name=name, channel=channel, webhook_url="https://robot.example.cn/hook", **unit
        )

    return {
        "grid_a": make("第一网格群", "wecom", grid=world.grid_a),
        "jili": make("吉利花园业主群", "dingtalk", compound=world.jili),
        "xnd": make("西宁道社区群", "wecom", community=world.xiningdao),
        "off": GroupEndpoint.objects.create(
            name="停用的群",
            channel="wecom",
            grid=world.grid_a,
            webhook_url="https://x.example.cn",
            is_active=False,
        ),
        "yanyu": make("燕宇社区群", "wecom", community=world.yanyu),
    }


def test_a_grid_reaches_its_residents_its_staff_and_its_group(world, registry, endpoints):
    world.owner.email = "wang@xiningdao.example.cn"
    world.owner.save()
    found = recipients(place=place(world.grid_a), tag=None, channels=ALL, sender=world.secretary)
    assert keys(found, "sms") == residents(registry.li, registry.han)
    assert keys(found, "in_app") == users(world.owner)  # the sender (the secretary) is not told
    assert keys(found, "email") == users(world.owner)
    assert keys(found, "wecom") == [f"endpoint:{endpoints['grid_a'].pk}"]
    assert keys(found, "dingtalk") == []


def test_a_building_reaches_its_residents_and_the_groups_of_its_grid_and_compound(world, registry, endpoints):
    found = recipients(place=place(world.building_3), tag=None, channels=ALL, sender=world.owner)
    assert keys(found, "sms") == residents(registry.zhou)
    assert keys(found, "in_app") == users(world.colleague_worker, world.secretary)
    assert keys(found, "email") == []  # nobody there has an address
    assert keys(found, "dingtalk") == [f"endpoint:{endpoints['jili'].pk}"]
    assert keys(found, "wecom") == []  # grid A's group is not 3号楼's (grid B)

    found = recipients(place=place(world.building_1), tag=None, channels=ALL, sender=world.owner)
    assert keys(found, "sms") == residents(registry.li, registry.han)
    assert keys(found, "wecom") == [f"endpoint:{endpoints['grid_a'].pk}"]


def test_a_compound_reaches_all_its_buildings(world, registry, endpoints):
    found = recipients(place=place(world.jili), tag=None, channels=ALL, sender=world.admin)
    assert keys(found, "sms") == residents(registry.li, registry.han, registry.zhou)
    assert keys(found, "in_app") == users(world.owner, world.colleague_worker, world.secretary)
    assert keys(found, "dingtalk") == [f"endpoint:{endpoints['jili'].pk}"]
    assert keys(found, "wecom") == []


def test_a_community_reaches_everyone_in_it_and_every_active_group_in_it(world, registry, endpoints):
    leader = User.objects.create_user("leader", password="x", display_name="陈网格长")
    RoleAssignment.objects.create(user=leader, role=Role.GRID_LEADER, grid=world.grid_b)
    found = recipients(place=place(world.xiningdao), tag=None, channels=ALL, sender=world.secretary)
    assert keys(found, "sms") == residents(registry.li, registry.han, registry.zhou)
    assert keys(found, "in_app") == users(world.owner, world.colleague_worker, leader)
    robots = keys(found, "wecom") + keys(found, "dingtalk")
    assert sorted(robots) == sorted(f"endpoint:{endpoints[k].pk}" for k in ("grid_a", "jili", "xnd"))


def test_a_tag_group_is_the_residents_carrying_the_tag_and_never_a_group_robot(world, registry, endpoints):
    lonely = Tag.objects.get(code="dujulaoren")
    found = recipients(place=place(world.xiningdao), tag=lonely, channels=ALL, sender=world.secretary)
    assert keys(found, "sms") == residents(registry.li)
    assert keys(found, "wecom") == keys(found, "dingtalk") == []
    # A tag on the household counts for everyone living in it (低保 is on 韩大爷's household).
    found = recipients(
        place=place(world.xiningdao),
        tag=Tag.objects.get(code="dibao"),
        channels=["sms"],
        sender=world.secretary,
    )
    assert keys(found, "sms") == residents(registry.han)


def test_a_tag_group_holds_only_the_places_where_the_sender_may_see_the_tag(world, registry):
    # 低保 is shown to grid workers and secretaries, not to street officers (Tag.visible_roles).
    dibao = Tag.objects.get(code="dibao")
    assert recipients(place=place(world.xiningdao), tag=dibao, channels=["sms"], sender=world.street) == []
    assert recipients(place=place(world.xiningdao), tag=dibao, channels=["sms"], sender=None) == []
    # The worker of grid A sees 独居老人 in grid A only.
    lonely = Tag.objects.get(code="dujulaoren")
    mine = recipients(place=place(world.grid_a), tag=lonely, channels=["sms"], sender=world.owner)
    assert keys(mine, "sms") == residents(registry.li)


def test_only_current_residents_with_a_mobile_get_an_sms_and_a_shared_phone_gets_one(world, registry):
    home = _household(world.building_1, "601", 6)
    _resident(home, "钱先生", date(1980, 1, 1), 51, female=False, phone="022-23456789")  # a landline
    moved = _resident(home, "孙女士", date(1982, 2, 2), 52, female=True, phone="13520005555")
    Resident.objects.filter(pk=moved.pk).update(moved_out=date(2025, 1, 1))
    _resident(home, "无电话", date(1990, 3, 3), 53, female=True, phone="")
    _resident(
        registry.home_a, "李秀兰的女儿", date(1970, 4, 4), 54, female=True, phone="13820001111"
    )  # 李秀兰's
    found = recipients(place=place(world.building_1), tag=None, channels=["sms"], sender=world.owner)
    assert keys(found, "sms") == residents(registry.li, registry.han)


def test_addresses_are_masked(world, registry, endpoints):
    world.owner.email = "wang@xiningdao.example.cn"
    world.owner.save()
    found = recipients(place=place(world.grid_a), tag=None, channels=ALL, sender=world.secretary)
    by_key = {(r.channel, r.key): r for r in found}
    li = by_key[("sms", f"resident:{registry.li.pk}")]
    assert (li.label, li.address) == ("李**", "138****1111")
    assert by_key[("email", f"user:{world.owner.pk}")].address == "w***@xiningdao.example.cn"
    assert by_key[("wecom", f"endpoint:{endpoints['grid_a'].pk}")].address == "robot.example.cn"
