"""`linli load_demo`: the demo district of the seed pages, loaded once (200 cases) and checked from every side."""

from io import StringIO
from itertools import combinations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import Point, shape

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.cases.choices import Action, Status
from linli.cases.models import Case, CaseEvent, Category
from linli.cases.selectors import kpis
from linli.demo.builder import PASSWORD
from linli.org.models import Building, Community, Department, Grid

SEED_COMMUNITIES = {
    "西宁道社区": ("南营门街道", "和平区"),
    "河滨花苑社区": ("芥园道街", "红桥区"),
    "燕宇社区": ("西沽街", "红桥区"),
    "湘潭道社区": ("西沽街", "红桥区"),
    "金辰园社区": ("望海楼街", "河北区"),
    "丹江里社区": ("月牙河街", "河北区"),
}

LOGINS = {
    "admin": (Role.SYSTEM_ADMIN, None),
    "secadmin": (Role.SECURITY_ADMIN, None),
    "auditor": (Role.AUDITOR, None),
    "street": (Role.STREET_OFFICER, "南营门街道"),
    "secretary": (Role.SECRETARY, "西宁道社区"),
    "grid1": (Role.GRID_WORKER, "西宁道社区 第一网格"),
    "grid2": (Role.GRID_WORKER, "西宁道社区 第二网格"),
    "dept": (Role.DEPARTMENT, "城管委"),
    "reporter": (Role.REPORTER, "西宁道社区"),
}


pytestmark = pytest.mark.django_db


def test_the_seed_communities_exist_with_their_streets_and_districts(demo):
    for name, (street, district) in SEED_COMMUNITIES.items():
        community = Community.objects.select_related("street__district").get(name=name)
        assert (community.street.name, community.street.district.name) == (street, district)
        assert community.lat and community.lon and community.area_km2
        assert 2 <= community.grids.count() <= 4
    assert Community.objects.count() >= 6


def test_no_two_grids_overlap(demo):
    grids = [(g.code, shape(g.geometry)) for g in Grid.objects.all()]
    assert len(grids) >= 12
    for (a, sa), (b, sb) in combinations(grids, 2):
        assert not sa.relate_pattern(sb, "T********"), f"{a} overlaps {b}"


def test_every_building_lies_inside_its_grid(demo):
    buildings = Building.objects.select_related("grid", "compound")
    assert buildings.filter(grid=None).count() == 0
    for b in buildings:
        assert shape(b.grid.geometry).contains(Point(b.lon, b.lat)), f"{b} is outside {b.grid}"
    assert {"1号楼", "2号楼", "3号楼", "4号楼"} <= set(
        buildings.filter(compound__name="吉利花园").values_list("name", flat=True)
    )
    assert buildings.filter(compound__name="湘潭东里").exists()


def test_every_grid_has_a_grid_worker(demo):
    for grid in Grid.objects.all():
        assert RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid=grid).exists(), grid


def test_the_demo_logins_have_their_roles_and_the_demo_password(demo):
    for username, (role, unit) in LOGINS.items():
        user = User.objects.get(username=username)
        assert user.display_name
        assignment = RoleAssignment.objects.get(user=user)
        assert assignment.role == role
        assert (str(assignment.unit) if assignment.unit else None) == unit
        assert authenticate(username=username, password=PASSWORD) == user
    grid1, grid2 = (RoleAssignment.objects.get(user__username=u).grid for u in ("grid1", "grid2"))
    assert grid1 != grid2 and grid1.community == grid2.community
    assert RoleAssignment.objects.filter(role=Role.GRID_LEADER, grid__community__name="西宁道社区").exists()


def test_departments_and_categories_are_in_place(demo):
    assert Department.objects.get(code="CGW").name == "城管委"
    assert {"GGGLB", "GS", "GR", "RQ", "PCS"} <= set(Department.objects.values_list("code", flat=True))
    fire = Category.objects.get(code="XF-XFS")
    assert fire.requires_verification and fire.urgent_response_minutes == 10 and fire.default_department
    assert Category.objects.filter(parent=None).count() >= 8


def test_cases_are_in_every_state_with_realistic_rates(demo):
    from linli.care.models import CareCall
    from linli.deliberation.models import ReceptionMatter
    from linli.patrols.models import Hazard

    # the replayed history, plus the cases the demo's care calls, patrol hazards, meetings and reception days made
    extra = (
        CareCall.objects.exclude(case=None).count()
        + Hazard.objects.exclude(case=None).count()
        + Case.objects.filter(channel="meeting", agenda_items__isnull=False).distinct().count()
        + ReceptionMatter.objects.exclude(case=None).count()
    )
    assert Case.objects.count() == 200 + extra
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    rates = kpis(Case.objects.all())
    for rate in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert 80 <= rates[rate] <= 99.9, (rate, rates)
    assert Case.objects.filter(reopen_count__gt=0).exists()
    assert Case.objects.filter(status=Status.ESCALATED, whistles__status="open").exists()
    assert Case.objects.filter(status=Status.ESCALATED, whistles__status="answered").exists()
    assert Case.objects.exclude(master=None).filter(status=Status.MERGED).exists()
    assert len(set(Case.objects.values_list("channel", flat=True))) >= 6


def test_every_timeline_starts_with_its_creation(demo):
    firsts = {}
    for case_id, action, at in CaseEvent.objects.order_by("case_id", "created_at", "id").values_list(
        "case_id", "action", "created_at"
    ):
        firsts.setdefault(case_id, (action, at))
    received = dict(Case.objects.values_list("id", "received_at"))
    assert set(firsts) == set(received)
    for case_id, (action, at) in firsts.items():
        assert action == Action.CREATE and at == received[case_id]


def test_it_prints_the_logins_and_the_password(demo):
    assert "Linli-demo-2026" in demo
    for username in LOGINS:
        assert username in demo


def test_it_refuses_a_database_that_already_holds_cases(demo):
    with pytest.raises(CommandError, match="already holds"):
        call_command("load_demo", cases=50, stdout=StringIO())
