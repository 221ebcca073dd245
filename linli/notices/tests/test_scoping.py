"""Who may send to what (DESIGN.md §4) and who sees which notices: outsiders get 404 and send nothing."""

import pytest

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.core.errors import InvalidInput
from linli.core.models import AuditEntry
from linli.notices.audience import may_send_to
from linli.notices.models import Delivery, Notice
from linli.notices.selectors import get_notice_for_user

from .conftest import place


@pytest.fixture
def leader(world):
    user = User.objects.create_user("leader", password="x", display_name="陈网格长")
    RoleAssignment.objects.create(user=user, role=Role.GRID_LEADER, grid=world.grid_a)
    return user


def test_who_may_send_to_which_place(world, leader):
    units = {
        "grid A": world.grid_a,
        "grid B": world.grid_b,
        "1号楼": world.building_1,
        "3号楼": world.building_3,
        "吉利花园": world.jili,
        "西宁道": world.xiningdao,
        "燕宇": world.yanyu,
    }
    may = {
        "owner": {"grid A", "1号楼"},
        "leader": {"grid A", "1号楼"},
        "colleague_worker": {"grid B", "3号楼"},
        "secretary": {"grid A", "grid B", "1号楼", "3号楼", "吉利花园", "西宁道"},
        "street": {"西宁道"},
        "admin": set(units),
        "outsider": set(),
        "outsider_secretary": {"燕宇"},
        "dept": set(),
        "reporter": set(),
    }
    people = {name: getattr(world, name, None) or leader for name in may}
    found = {
        name: {label for label, unit in units.items() if may_send_to(user, place(unit))}
        for name, user in people.items()
    }
    assert found == may


def test_an_outsider_cannot_send_to_xiningdao_and_nothing_is_stored(world, registry):
    from linli.notices import services

    for unit in (world.xiningdao, world.grid_a, world.building_1):
        with pytest.raises(InvalidInput) as exc:
            services.notice_create(
                actor=world.outsider, title="通知", body="正文", place=place(unit), channels=["in_app"]
            )
        assert (exc.value.field, exc.value.code) == ("place_id", "place_not_allowed")
    assert not Notice.objects.exists() and not Delivery.objects.exists()
    assert not AuditEntry.objects.filter(event="notice_send").exists()


def test_notices_are_seen_in_their_scope_and_by_those_they_were_sent_to(world, send):
    to_building = send(actor=world.owner)  # grid A; in-app to the secretary
    to_community = send(place=place(world.xiningdao))  # in-app to both grid workers
    to_grid_b = send(actor=world.colleague_worker, place=place(world.grid_b), channels=["in_app"])

    def seen(user):
        return set(Notice.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(world.owner) == {to_building.pk, to_community.pk}
    assert seen(world.colleague_worker) == {to_community.pk, to_grid_b.pk}
    assert seen(world.secretary) == {to_building.pk, to_community.pk, to_grid_b.pk}
    assert seen(world.street) == seen(world.admin) == seen(world.secretary)
    assert seen(world.outsider) == seen(world.outsider_secretary) == seen(world.dept) == set()
    with pytest.raises(Exception) as exc:
        get_notice_for_user(world.outsider, to_community.pk)
    assert type(exc.value).__name__ == "Http404"
