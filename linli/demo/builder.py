"""Builds the demo district: places, grids, departments, categories and people; and removes them again."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from shapely.ops import unary_union

from linli.accounts.choices import SEPARATED_ROLES, Role
from linli.accounts.models import RoleAssignment, User
from linli.care import demo as care_demo
from linli.cases.models import Case, Category
from linli.deliberation import demo as deliberation_demo
from linli.org.models import Building, Community, Compound, Department, District, Grid, Street
from linli.org.services import grids_import
from linli.patrols import demo as patrols_demo

from . import places
from .geo import area_km2, community_cells, geojson, point_inside
from .linkage import delete_linkage
from .registry import delete_registry

PASSWORD = "Linli-demo-2026"


@dataclass
class CommunityInfo:
    spec: places.CommunitySpec
    community: Community
    grids: list[Grid] = field(default_factory=list)
    shapes: list = field(default_factory=list)  # shapely polygons, same order as grids
    compounds: list[Compound] = field(default_factory=list)
    secretary: User | None = None
    reporter: User | None = None

    @property
    def code(self) -> str:
        return self.spec.code


@dataclass
class World:
    districts: dict[str, District] = field(default_factory=dict)
    streets: dict[str, Street] = field(default_factory=dict)
    communities: dict[str, CommunityInfo] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    buildings: dict[int, list[Building]] = field(default_factory=dict)  # by grid id
    grid_shapes: dict[int, object] = field(default_factory=dict)  # by grid id
    workers: dict[int, User] = field(default_factory=dict)  # by grid id: the worker who receives its cases
    leaders: dict[int, User] = field(default_factory=dict)  # by grid id
    street_officers: dict[str, User] = field(default_factory=dict)  # by street code
    dept_users: dict[str, User] = field(default_factory=dict)  # by department code
    # (username, role, unit name) of every account, in creation order
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


# ----------------------------------------------------------------------------- what the demo owns


def demo_usernames() -> set[str]:
    names = {places.ADMIN[0], places.SECURITY_ADMIN[0], places.AUDITOR[0]}
    names |= {u for u, _ in places.SECRETARIES.values()}
    names |= {u for workers in places.GRID_WORKER_SURNAMES.values() for u, _ in workers}
    names |= {u for u, _, _ in places.GRID_LEADERS}
    names |= {u for u, _ in places.STREET_OFFICERS.values()}
    names |= {u for u, _ in places.DEPARTMENT_STAFF.values()}
    names |= {u for u, *_ in places.REPORTERS}
    return names


def existing_demo_objects() -> list[str]:
    """Which of the demo's unique names are already taken in this database."""
    found = []
    checks = (
        ("districts", District.objects.filter(code__in=[c for c, _ in places.DISTRICTS])),
        ("streets", Street.objects.filter(code__in=[c for c, *_ in places.STREETS])),
        ("communities", Community.objects.filter(code__in=[c.code for c in places.COMMUNITIES])),
        ("departments", Department.objects.filter(code__in=[d.code for d in places.DEPARTMENTS])),
        ("categories", Category.objects.filter(code__in=[c.code for c in places.CATEGORIES])),
        ("users", User.objects.filter(username__in=demo_usernames())),
    )
    for label, qs in checks:
        if qs.exists():
            found.append(label)
    return found


def delete_demo() -> None:
    """Remove the demo's cases, people, places, departments and categories (matched by their demo codes).

    Anything else that still points at them (a case outside the demo using a demo category, a record of another
    app in a demo community…) makes Django refuse with ProtectedError, and the whole deletion rolls back."""
    users = User.objects.filter(username__in=demo_usernames())
    communities = Community.objects.filter(code__in=[c.code for c in places.COMMUNITIES])
    with transaction.atomic():
        delete_linkage(
            communities
        )  # hand-overs, sign-ups and records hold on to residents, volunteers, cases
        patrols_demo.delete_demo(communities)  # inspections hold on to places and categories
        care_demo.delete_demo(communities)  # calls and orders hold on to residents and cases
        deliberation_demo.delete_demo(communities)  # action items hold on to their owners
        cases = Case.objects.filter(Q(community__in=communities) | Q(created_by__in=users))
        # duplicates point at their master with PROTECT; unhook them before deleting the lot
        Case.objects.filter(Q(pk__in=cases) | Q(master__in=cases)).exclude(master=None).update(master=None)
        cases.delete()
        delete_registry(communities, users)
        users.delete()
        Building.objects.filter(compound__community__in=communities).delete()
        Compound.objects.filter(community__in=communities).delete()
        Grid.objects.filter(community__in=communities).delete()
        communities.delete()
        Street.objects.filter(code__in=[c for c, *_ in places.STREETS]).delete()
        District.objects.filter(code__in=[c for c, _ in places.DISTRICTS]).delete()
        codes = [c.code for c in places.CATEGORIES]
        Category.objects.filter(code__in=codes).exclude(parent=None).delete()
        Category.objects.filter(code__in=codes).delete()
        Department.objects.filter(code__in=[d.code for d in places.DEPARTMENTS]).delete()


# ----------------------------------------------------------------------------- places


def build_places(world: World, rng: random.Random) -> None:
    for code, name in places.DISTRICTS:
        world.districts[code] = District.objects.create(code=code, name=name)
    for code, district, name in places.STREETS:
        world.streets[code] = Street.objects.create(district=world.districts[district], code=code, name=name)

    features = []
    cells_by_community = {}
    for spec in places.COMMUNITIES:
        cells = community_cells(spec, rng)
        cells_by_community[spec.code] = cells
        outline = unary_union(cells)
        centre = outline.centroid
        community = Community.objects.create(
            street=world.streets[spec.street],
            code=spec.code,
            name=spec.name,
            area_km2=Decimal(str(round(area_km2(outline), 3))),
            lat=round(centre.y, 6),
            lon=round(centre.x, 6),
        )
        world.communities[spec.code] = CommunityInfo(spec=spec, community=community)
        names = spec.grid_names or places.GRID_ORDINALS
        for n, cell in enumerate(cells):
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "code": f"{spec.code}-{n + 1:02d}",
                        "name": names[n],
                        "community": spec.code,
                    },
                    "geometry": geojson(cell),
                }
            )
    # through the same door as `linli import_grids`: shapes validated, overlaps refused
    grids_import(data={"type": "FeatureCollection", "features": features})
    grids = {g.code: g for g in Grid.objects.filter(community__code__in=world.communities)}

    for spec in places.COMMUNITIES:
        info = world.communities[spec.code]
        for n, cell in enumerate(cells_by_community[spec.code]):
            grid = grids[f"{spec.code}-{n + 1:02d}"]
            grid.community = info.community  # keep the in-memory tree (services read grid.community)
            info.grids.append(grid)
            info.shapes.append(cell)
            world.grid_shapes[grid.pk] = cell
            world.buildings[grid.pk] = []
        _build_compounds(world, info, rng)


def _build_compounds(world: World, info: CommunityInfo, rng: random.Random) -> None:
    spec = info.spec
    pending: list[tuple[Compound, list[Building]]] = []
    for k, cspec in enumerate(spec.compounds):
        compound = Compound(community=info.community, name=cspec.name)
        buildings = []
        for i in range(cspec.buildings):
            # contiguous runs of buildings per grid: 吉利花园 1–2号楼 in the first grid, 3–4号楼 in the second
            grid_index = cspec.grids[i * len(cspec.grids) // cspec.buildings]
            grid = info.grids[grid_index]
            lat, lon = point_inside(info.shapes[grid_index], rng)
            buildings.append(
                Building(
                    compound=compound, grid=grid, name=f"{cspec.first_building + i}号楼", lat=lat, lon=lon
                )
            )
        compound.lat = round(sum(b.lat for b in buildings) / len(buildings), 6)
        compound.lon = round(sum(b.lon for b in buildings) / len(buildings), 6)
        road = spec.roads[k % len(spec.roads)]
        compound.address = f"{world.streets[spec.street].district.name}{road}{rng.randint(2, 180)}号"
        pending.append((compound, buildings))
    Compound.objects.bulk_create([c for c, _ in pending])
    for compound, buildings in pending:
        for b in buildings:
            b.compound = compound  # sets compound_id now that it is saved
        Building.objects.bulk_create(buildings)
        for b in buildings:
            world.buildings[b.grid.pk].append(b)
        compound.community = info.community
        info.compounds.append(compound)


def build_departments(world: World) -> None:
    Department.objects.bulk_create(
        [Department(code=d.code, name=d.name, kind=d.kind, phone=d.phone) for d in places.DEPARTMENTS]
    )
    world.departments = {
        d.code: d for d in Department.objects.filter(code__in=[d.code for d in places.DEPARTMENTS])
    }


def build_categories(world: World) -> None:
    for spec in places.CATEGORIES:
        world.categories[spec.code] = Category.objects.create(
            code=spec.code,
            name=spec.name,
            parent=world.categories[spec.parent] if spec.parent else None,
            response_minutes=spec.response_minutes,
            urgent_response_minutes=10,
            resolution_working_days=spec.resolution_working_days,
            requires_verification=spec.requires_verification,
            is_public=spec.is_public,
            default_department=world.departments[spec.department] if spec.department else None,
        )


# ----------------------------------------------------------------------------- people


def build_people(world: World, rng: random.Random) -> None:
    password = make_password(PASSWORD)  # hashed once: hashing ~80 times would cost most of the load time
    users: list[User] = []
    roles: list[tuple[str, str, dict]] = []

    def add(username, display, role, unit_name="", phone="", **unit):
        if username not in world.users:
            user = User(
                username=username, display_name=display, password=password, phone=phone or _mobile(rng)
            )
            if role in SEPARATED_ROLES:
                # AC-05: no everyday superuser; the demo's admin is the system administrator (三员), and demo
                # accounts keep the demo password (no forced change, AU-05's flag is for administrators' accounts).
                user.is_staff = True
            world.users[username] = user
            users.append(user)
            world.accounts.append((username, role, unit_name))
        roles.append((username, role, unit))
        return world.users[username]

    add(places.ADMIN[0], places.ADMIN[1], Role.SYSTEM_ADMIN)
    add(places.SECURITY_ADMIN[0], places.SECURITY_ADMIN[1], Role.SECURITY_ADMIN)
    add(places.AUDITOR[0], places.AUDITOR[1], Role.AUDITOR)
    for code, (username, display) in places.STREET_OFFICERS.items():
        street = world.streets[code]
        world.street_officers[code] = add(username, display, Role.STREET_OFFICER, street.name, street=street)
    for spec in places.COMMUNITIES:
        info = world.communities[spec.code]
        username, display = places.SECRETARIES[spec.code]
        info.secretary = add(username, display, Role.SECRETARY, spec.name, community=info.community)
        for grid, (username, display) in zip(info.grids, places.GRID_WORKER_SURNAMES[spec.code], strict=True):
            world.workers[grid.pk] = add(username, display, Role.GRID_WORKER, str(grid), grid=grid)
    for username, display, code in places.GRID_LEADERS:
        info = world.communities[code]
        for grid in info.grids:
            world.leaders[grid.pk] = add(username, display, Role.GRID_LEADER, info.spec.name, grid=grid)
    for code, (username, display) in places.DEPARTMENT_STAFF.items():
        dept = world.departments[code]
        world.dept_users[code] = add(username, display, Role.DEPARTMENT, dept.name, department=dept)
    for username, display, code, phone in places.REPORTERS:
        info = world.communities[code]
        info.reporter = add(
            username, display, Role.REPORTER, info.spec.name, phone=phone, community=info.community
        )

    User.objects.bulk_create(users)
    saved = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    for username, user in list(world.users.items()):
        user.pk = user.id = saved[username].pk
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=world.users[username], role=role, **unit) for username, role, unit in roles]
    )


def _mobile(rng: random.Random) -> str:
    from .stories import MOBILE_PREFIXES

    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def build_world(rng: random.Random) -> World:
    world = World()
    build_places(world, rng)
    build_departments(world)
    build_categories(world)
    build_people(world, rng)
    return world
