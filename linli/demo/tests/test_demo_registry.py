"""The demo's resident registry: the seed pages' numbers, valid identities, care for those living alone, and no
personal data in clear in the database. Uses the package's `demo` fixture (conftest.py), loaded once."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment
from linli.cases.models import Case
from linli.core.validators import id_number_birth_date, id_number_gender, validate_id_number
from linli.demo.builder import delete_demo
from linli.demo.registry import OTHER_REGIONS, TIANJIN_REGIONS
from linli.org.models import Community, Unit
from linli.residents.choices import Relationship
from linli.residents.models import EmergencyContact, Household, Resident, TagAssignment, Visit
from linli.residents.selectors import years_ago

pytestmark = pytest.mark.django_db

MOBILE = re.compile(r"1[3-9]\d{9}")


def aged_60_or_more(qs):
    return qs.filter(birth_date__lte=years_ago(60, timezone.localdate()))


def grid_workers() -> set[tuple[int, int]]:
    return set(RoleAssignment.objects.filter(role=Role.GRID_WORKER).values_list("user_id", "grid_id"))


def live(code: str):
    return TagAssignment.objects.filter(tag__code=code, removed_at=None)


def test_jinchenyuan_has_the_households_residents_and_elderly_of_its_seed_page(demo):
    """ "由6个自然小区组成，辖区2155户、5430人，其中30%为老年人" (seed page 002)."""
    jcy = Community.objects.get(name="金辰园社区")
    households = Household.objects.filter(community=jcy)
    assert households.count() == 2155
    current = Resident.objects.current().filter(community=jcy)
    assert current.count() == 5430
    assert abs(100 * aged_60_or_more(current).count() / 5430 - 30) <= 1
    assert jcy.compounds.count() == 6
    assert set(households.values_list("building__compound", flat=True)) == set(
        jcy.compounds.values_list("pk", flat=True)
    )


def test_every_community_has_a_registry_of_plausible_size(demo):
    for community in Community.objects.all():
        households = Household.objects.filter(community=community).count()
        residents = Resident.objects.current().filter(community=community).count()
        assert 1000 <= households <= 3000, community
        assert 2.0 <= residents / households <= 3.2, community
        assert (
            0.2 <= aged_60_or_more(Resident.objects.current().filter(community=community)).count() / residents
        )
    assert Resident.objects.count() < 35_000
    assert Household.objects.filter(community__name="湘潭道社区").count() in range(1700, 1800)  # "1700多户"
    assert Resident.objects.exclude(moved_out=None).exists()
    assert not Community.objects.filter(name__in=["东风路南社区", "华安楼社区"]).exists()


def test_households_sit_in_units_of_their_buildings_with_grid_community_and_street_denormalised(demo):
    households = Household.objects.all()
    assert not households.filter(Q(grid=None) | Q(unit=None)).exists()
    assert not households.exclude(grid=F("building__grid")).exists()
    assert not households.exclude(unit__building=F("building")).exists()
    assert not households.exclude(community=F("building__compound__community")).exists()
    assert not households.exclude(street=F("community__street")).exists()
    assert set(Unit.objects.values_list("name", flat=True)) <= {f"{n}单元" for n in range(1, 7)}
    for h in households.select_related("building__compound", "unit").filter(pk__in=_sample(Household, 200)):
        assert re.fullmatch(rf"{h.floor}0[1-4]", h.room), h.room
        assert h.address == f"{h.building.compound.name}{h.building.name}{h.unit.name}{h.room}"
    assert {"owner", "tenant", "public"} <= set(households.values_list("tenure", flat=True))
    assert {"occupied", "vacant"} <= set(households.values_list("occupancy", flat=True))


def test_every_lived_in_household_has_one_householder(demo):
    counted = Household.objects.annotate(
        now=Count("residents", filter=Q(residents__moved_out=None)),
        heads=Count(
            "residents", filter=Q(residents__moved_out=None, residents__relationship=Relationship.HEAD)
        ),
    )
    assert not counted.filter(now__gt=0).exclude(heads=1).exists()
    assert counted.filter(now=0).exists()  # vacant flats
    kinds = set(Resident.objects.values_list("relationship", flat=True))
    assert {"head", "spouse", "child", "parent", "grandchild", "tenant"} <= kinds


def test_id_numbers_are_valid_and_agree_with_gender_and_birth_date(demo):
    sample = Resident.objects.filter(pk__in=_sample(Resident, 1500))
    assert sample.count() > 1000
    for r in sample:
        validate_id_number(r.id_number)
        assert id_number_birth_date(r.id_number) == r.birth_date, r.pk
        assert id_number_gender(r.id_number) == r.gender, r.pk
        assert r.moved_in and r.moved_in >= r.birth_date
        if r.phone:
            assert MOBILE.fullmatch(r.phone)
    regions = Counter(r.id_number[:6] for r in sample)
    assert set(regions) <= set(TIANJIN_REGIONS) | set(OTHER_REGIONS)
    assert sum(n for region, n in regions.items() if region.startswith("1201")) > 0.7 * sum(regions.values())
    total = Resident.objects.count()
    assert Resident.objects.values("id_index").distinct().count() == total  # no two share an ID number
    assert Resident.objects.exclude(phone_index="").count() > 0.75 * total


def test_li_nainai_lives_alone_in_hebin_huayuan_with_a_care_worker_and_emergency_contacts(demo):
    """Seed page 000: alone at home, the drain under her washing machine overflowing; her case is in the demo."""
    li = Resident.objects.by_phone("13602183347").select_related("household__building__compound").get()
    h = li.household
    assert li.community.name == "河滨花苑社区"
    assert (h.building.compound.name, h.building.name, h.floor) == ("河滨花苑", "3号楼", 1)
    assert li.name.startswith("李") and li.gender == "female" and li.age_on(timezone.localdate()) >= 80
    assert h.residents.current().count() == 1
    assert live("dujulaoren").filter(resident=li).exists()
    assert (li.care_worker_id, h.grid_id) in grid_workers()
    assert li.visit_every_days == 7
    assert li.next_visit_due == timezone.localtime(li.last_visit_at).date() + timedelta(days=7)
    assert set(li.emergency_contacts.values_list("relation", flat=True)) == {"子女", "邻居"}
    assert li.visits.filter(note__contains="下水管道已疏通").exists()
    assert Case.objects.filter(resident=li, title__contains="李奶奶").exists()


def test_the_other_seed_residents_are_where_their_pages_put_them(demo):
    xu = Resident.objects.by_phone("13821746652").select_related("household__building__compound").get()
    assert xu.community.name == "丹江里社区" and xu.household.building.compound.name == "丹江里"
    assert Case.objects.filter(resident=xu).exists()
    zhu = Resident.objects.get(name="朱继国")
    assert zhu.community.name == "天兴里社区" and zhu.birth_date.year == 1941
    assert live("tuiyijunren").filter(resident=zhu).exists()


def test_tags_are_set_by_the_communitys_staff_and_gaoling_never(demo):
    assert not TagAssignment.objects.filter(Q(tag__code="gaoling") | Q(tag__derived=True)).exists()
    now = timezone.now()
    assert not TagAssignment.objects.filter(Q(added_at__gt=now) | Q(removed_at__lt=F("added_at"))).exists()
    staff = grid_workers() | set(
        RoleAssignment.objects.filter(role=Role.SECRETARY).values_list("user_id", "community_id")
    )
    for a in TagAssignment.objects.filter(pk__in=_sample(TagAssignment, 400)).select_related(
        "household", "resident"
    ):
        place = a.household or a.resident.household
        assert (a.added_by_id, place.grid_id) in staff or (a.added_by_id, place.community_id) in staff
    # household tags on households, resident tags on residents
    assert not TagAssignment.objects.filter(tag__target="household", household=None).exists()
    assert not TagAssignment.objects.filter(tag__target="resident", resident=None).exists()
    for code in ("dujulaoren", "dangyuan", "tuiyijunren", "dibao", "tekun", "canji", "shineng", "banshineng"):
        assert live(code).exists(), code
    assert live("kunjingertong").exists() and live("zhongdianguanzhu").exists()
    assert not live("canji").filter(grade="").exists()
    assert live("canji").filter(grade__startswith="肢体").exists()
    adults = Resident.objects.current().filter(birth_date__lte=years_ago(18, timezone.localdate())).count()
    assert 0.06 <= live("dangyuan").count() / adults <= 0.10
    elderly = aged_60_or_more(Resident.objects.current()).count()
    assert 0.05 <= live("dujulaoren").count() / elderly <= 0.2
    # history is kept: removed assignments with who removed them
    removed = TagAssignment.objects.exclude(removed_at=None)
    assert removed.count() >= 20 and not removed.filter(removed_by=None).exists()
    # nobody who moved out still carries a live tag
    assert not TagAssignment.objects.filter(removed_at=None, resident__moved_out__isnull=False).exists()


def test_people_living_alone_or_frail_are_visited_by_their_grid_worker(demo):
    today = timezone.localdate()
    cared = Resident.objects.current().filter(
        tag_assignments__removed_at=None,
        tag_assignments__tag__code__in=["dujulaoren", "shineng", "banshineng"],
    )
    workers = grid_workers()
    latest = dict(
        Visit.objects.values("resident").annotate(last=Max("visited_at")).values_list("resident", "last")
    )
    for r in cared.select_related("household").distinct():
        assert (r.care_worker_id, r.household.grid_id) in workers, r.pk
        assert r.visit_every_days in (7, 14)
    due = Resident.objects.exclude(next_visit_due=None)
    for r in due:
        assert r.next_visit_due == timezone.localtime(r.last_visit_at).date() + timedelta(
            days=r.visit_every_days
        )
        assert latest[r.pk] == r.last_visit_at, r.pk  # the last visit on record
    assert cared.count() <= due.count()
    share_due = due.filter(next_visit_due__lte=today).count() / due.count()
    assert 0.02 <= share_due <= 0.3  # some are due or overdue today; most are not
    assert due.filter(next_visit_due__lt=today).exists()
    assert not Visit.objects.filter(visited_at__gt=timezone.now()).exists()
    assert Visit.objects.filter(note__contains="身体状况良好").exists()
    alone = Resident.objects.filter(tag_assignments__tag__code="dujulaoren", tag_assignments__removed_at=None)
    assert not alone.filter(emergency_contacts=None).exists()
    assert set(EmergencyContact.objects.values_list("relation", flat=True)) >= {"子女", "邻居", "亲属"}
    for c in EmergencyContact.objects.filter(pk__in=_sample(EmergencyContact, 100)):
        assert MOBILE.fullmatch(c.phone)


def test_the_database_holds_no_id_number_phone_or_room_in_clear(demo):
    plain = {r.pk: (r.id_number, r.phone) for r in Resident.objects.filter(pk__in=_sample(Resident, 300))}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number, phone, id_index, phone_index FROM residents_resident")
        rows = cursor.fetchall()
        cursor.execute("SELECT room, address FROM residents_household")
        homes = cursor.fetchall()
    assert len(rows) == Resident.objects.count()
    for pk, id_number, phone, id_index, phone_index in rows:
        assert re.fullmatch(r"d\d+:[A-Za-z0-9+/=]{40,}", id_number), id_number  # <key id>:<base64>
        assert phone == "" or re.fullmatch(r"d\d+:[A-Za-z0-9+/=]{30,}", phone), phone
        assert re.fullmatch(r"i\d+\.[0-9a-f]{40}", id_index)  # <key id>.<HMAC-SM3>
        assert (phone == "") == (phone_index == "")
        if pk in plain:
            for value in plain[pk]:
                assert not value or value not in f"{id_number}{phone}{id_index}{phone_index}"
    for room, address in homes:
        assert not re.fullmatch(r"\d{3,4}", room) and "号楼" not in address


def test_cases_are_linked_to_the_residents_who_reported_them(demo):
    linked = Case.objects.exclude(resident=None).select_related("resident__household")
    assert linked.count() >= 3
    for case in linked:
        assert case.reporter_phone == case.resident.phone
        assert case.community_id == case.resident.community_id
        if case.building_id and case.resident.name == case.reporter_name:
            assert case.building_id == case.resident.household.building_id


def test_load_demo_prints_the_registry(demo):
    assert "居民登记 resident registry" in demo
    line = next(line for line in demo.splitlines() if "金辰园社区" in line and "households" in line)
    assert "2155" in line and "5430" in line and "30.0%" in line
    assert "李奶奶" in demo


def test_delete_demo_removes_the_registry(demo):
    with pytest.raises(_RolledBack), transaction.atomic():
        delete_demo()
        assert not Resident.objects.exists() and not Household.objects.exists() and not Unit.objects.exists()
        assert not TagAssignment.objects.exists() and not Visit.objects.exists()
        raise _RolledBack
    assert Resident.objects.exists()


class _RolledBack(Exception):
    pass


def _sample(model, n: int) -> list[int]:
    """Every k-th primary key, about n of them: a spread-out, repeatable sample."""
    pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
    return pks[:: max(1, len(pks) // n)]
