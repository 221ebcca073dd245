"""Intake answers from process caches (token, scope, category, grid snapshot); a change made here applies at once,
a change made by another process (simulated with writes that send no signal) within the caches' 5 seconds."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment
from linli.cases.models import Case, Category
from linli.org.models import Community, Grid

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: the caches fill as in production

BODY = {"title": "楼道堆物", "category": "ENV-DRAIN", "lat": 39.111, "lon": 117.201}  # in grid A


@pytest.fixture
def intake(world, api, cache_clock):
    """POST a case as the secretary (after one request that fills the caches); returns the response."""
    client = api.as_(world.secretary)

    def post(**changes):
        return client.post("/api/v1/cases/", {**BODY, **changes}, format="json")

    assert post().status_code == 201
    return post


def test_a_deleted_token_is_refused_at_once(world, intake):
    Token.objects.get(user=world.secretary).delete()
    assert intake().status_code == 401


def test_a_deactivated_user_is_refused_at_once(world, intake):
    world.secretary.is_active = False
    world.secretary.save()
    assert intake().status_code == 401


def test_a_deactivation_elsewhere_is_refused_within_the_ttl(world, intake, cache_clock):
    get_user_model().objects.filter(pk=world.secretary.pk).update(is_active=False)  # no signal
    assert intake().status_code == 201  # the documented window
    cache_clock.now += 5.0
    assert intake().status_code == 401


def test_a_withdrawn_role_applies_at_once(world, intake):
    RoleAssignment.objects.filter(user=world.secretary).get().delete()
    response = intake()
    assert response.status_code == 403, response.json()


def test_a_deactivated_category_is_refused_at_once(world, intake):
    world.drain.is_active = False
    world.drain.save()
    response = intake()
    assert response.status_code == 400 and response.json()["field"] == "category", response.json()


def test_a_new_category_is_accepted_at_once(world, intake):
    Category.objects.bulk_create([Category(code="NEW", name="新类别")])  # no signal: a miss is never cached
    assert intake(category="NEW").status_code == 201


def test_a_new_grid_worker_gets_the_next_case_at_once(world, intake):
    RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid=world.grid_a).delete()
    RoleAssignment.objects.create(user=world.colleague_worker, role=Role.GRID_WORKER, grid=world.grid_a)
    body = intake().json()
    assert body["assignee"] == world.colleague_worker.pk
    assert body["assignee_name"] == str(world.colleague_worker)


def test_renamed_places_and_people_show_at_once(world, intake):
    world.xiningdao.name = "西宁道新社区"
    world.xiningdao.save()
    world.grid_a.name = "一网格"
    world.grid_a.save()
    world.owner.display_name = "王网格员"
    world.owner.save()
    body = intake().json()
    assert (body["community_name"], body["grid_name"], body["assignee_name"]) == (
        "西宁道新社区",
        "一网格",
        "王网格员",
    )


def test_a_grid_change_elsewhere_is_seen_within_the_ttl(world, intake, cache_clock):
    Grid.objects.filter(pk=world.grid_a.pk).update(name="一网格")  # no signal
    Community.objects.filter(pk=world.xiningdao.pk).update(name="西宁道新社区")
    RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid=world.grid_a).update(
        user=world.colleague_worker
    )
    assert intake().json()["grid_name"] == "第一网格"  # the documented window
    cache_clock.now += 5.0
    body = intake().json()
    assert (body["grid_name"], body["community_name"]) == ("一网格", "西宁道新社区")
    assert body["assignee"] == world.colleague_worker.pk
    assert Case.objects.get(pk=body["id"]).assignee_id == world.colleague_worker.pk


def test_a_grid_created_elsewhere_still_gets_its_worker(world, intake):
    from linli.conftest import square

    Grid.objects.bulk_create(  # no signal: this process's snapshot does not know the grid yet
        [Grid(community=world.xiningdao, code="XND-09", name="第九网格", geometry=square(117.300, 39.300))]
    )
    grid = Grid.objects.get(code="XND-09")
    RoleAssignment.objects.bulk_create([RoleAssignment(user=world.owner, role=Role.GRID_WORKER, grid=grid)])
    body = intake(grid=grid.pk).json()
    assert (body["grid"], body["assignee"], body["grid_name"]) == (grid.pk, world.owner.pk, "第九网格")
