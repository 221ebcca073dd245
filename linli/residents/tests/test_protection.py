"""Personal data protection over the API: ciphertext at rest, masking per role, audited reveals, security labels,
and the outsider who learns nothing."""

import re
from datetime import date

import pytest
from django.db import connection

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.core.models import AuditEntry
from linli.residents.models import EmergencyContact, Resident

pytestmark = pytest.mark.django_db

ID_OR_PHONE = re.compile(r"\d{17}[\dX]|1[3-9]\d{9}")


def grid_leader(world) -> User:
    user = User.objects.create_user(username="leader", password="x", display_name="孙网格长")
    RoleAssignment.objects.create(user=user, role=Role.GRID_LEADER, grid=world.grid_a)
    return user


def test_raw_database_rows_hold_no_plaintext_id_number_phone_or_room(world, registry):
    EmergencyContact.objects.create(resident=registry.li, name="李明", relation="子女", phone="13500005555")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, name FROM residents_resident")
        resident_rows = cursor.fetchall()
        cursor.execute("SELECT room, address FROM residents_household")
        household_rows = cursor.fetchall()
        cursor.execute("SELECT phone FROM residents_emergencycontact")
        contact_rows = cursor.fetchall()
        # the blind indexes are hex digests: they may contain digit runs, but never the value itself
        cursor.execute("SELECT id_index, phone_index FROM residents_resident")
        indexes = repr(cursor.fetchall())
    text = repr(resident_rows + household_rows + contact_rows)
    assert not ID_OR_PHONE.search(text)
    assert "吉利花园" not in text and "301" not in repr(household_rows)
    assert registry.li.id_number not in indexes and "13820001111" not in indexes
    assert all(row[0].startswith("d1:") and row[1].startswith("d1:") for row in resident_rows)


def test_raw_case_rows_hold_no_plaintext_reporter_phone(world, new_case):
    new_case(reporter_phone="13812345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM cases_case")
        (stored,) = cursor.fetchone()
    assert "13812345678" not in stored


def test_the_grid_worker_sees_names_but_masked_id_numbers_and_phones(world, registry, api):
    body = api.as_(world.owner).get(f"/api/v1/residents/{registry.li.pk}/").json()
    assert body["name"] == "李秀兰"
    assert body["id_number"] == registry.li.id_number[:6] + "********" + registry.li.id_number[-4:]
    assert body["phone"] == "138****1111"
    assert body["can_reveal"] is True
    assert [t["code"] for t in body["tags"]] == ["gaoling", "dujulaoren"]


def test_the_street_officer_sees_masked_names_and_may_not_reveal(world, registry, api):
    client = api.as_(world.street)
    body = client.get(f"/api/v1/residents/{registry.li.pk}/").json()
    assert body["name"] == "李**" and body["can_reveal"] is False and body["birth_date"] is None
    answer = client.post(
        f"/api/v1/residents/{registry.li.pk}/reveal/", {"field": "phone", "reason": "核对身份"}
    )
    assert answer.status_code == 403
    assert AuditEntry.objects.get(event="pi.reveal").outcome == "denied"


def test_a_reveal_needs_a_reason_and_is_audited_once(world, registry, api):
    client = api.as_(world.owner)
    url = f"/api/v1/residents/{registry.li.pk}/reveal/"
    refused = client.post(url, {"field": "id_number", "reason": ""})
    assert refused.status_code == 400 and refused.json()["field"] == "reason"
    assert not AuditEntry.objects.exists()
    answer = client.post(url, {"field": "id_number", "reason": "办理养老补贴"}, REMOTE_ADDR="10.1.2.3")
    assert answer.status_code == 200 and answer.json()["value"] == registry.li.id_number
    assert answer["Cache-Control"].startswith("max-age=0") or "no-store" in answer["Cache-Control"]
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor, entry.object_id, entry.reason) == (
        "pi.reveal",
        world.owner,
        str(registry.li.pk),
        "办理养老补贴",
    )
    assert entry.detail == {"field": "id_number"} and entry.ip == "10.1.2.3" and entry.roles == "grid_worker"
    assert registry.li.id_number not in repr(entry.__dict__)


def test_sensitive_tags_are_hidden_from_a_same_grid_role_that_is_not_granted_them(world, registry, api):
    leader = grid_leader(world)
    seen = api.as_(leader).get(f"/api/v1/residents/{registry.han.pk}/").json()
    assert seen["name"] == "韩大爷"
    assert [t["code"] for t in seen["tags"]] == ["dangyuan"]
    owner_sees = api.as_(world.owner).get(f"/api/v1/residents/{registry.han.pk}/").json()
    assert {t["code"] for t in owner_sees["tags"]} == {"canji", "dangyuan", "dibao"}


def test_filtering_by_a_tag_the_viewer_may_not_see_finds_nobody(world, registry, api):
    leader = grid_leader(world)
    assert api.as_(leader).get("/api/v1/residents/?tag=canji").json()["count"] == 0
    assert api.as_(world.owner).get("/api/v1/residents/?tag=canji").json()["count"] == 1
    assert api.as_(leader).get("/api/v1/residents/?tag=gaoling").json()["count"] == 1


def test_a_grid_worker_lists_only_the_households_of_their_grids(world, registry, api):
    names = {r["name"] for r in api.as_(world.owner).get("/api/v1/residents/").json()["results"]}
    assert names == {"李秀兰", "韩大爷"}
    secretary = {r["name"] for r in api.as_(world.secretary).get("/api/v1/residents/").json()["results"]}
    assert secretary == {"李秀兰", "韩大爷", "周建国"}
    households = api.as_(world.colleague_worker).get("/api/v1/households/").json()["results"]
    assert [h["id"] for h in households] == [registry.home_b.pk]
    assert households[0]["address"] == "吉利花园3号楼101"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/v1/residents/{li}/", None),
        ("patch", "/api/v1/residents/{li}/", {"version": 1, "notes": "x"}),
        ("post", "/api/v1/residents/{li}/reveal/", {"field": "phone", "reason": "核对身份"}),
        ("post", "/api/v1/residents/{li}/tags/", {"tag": "dangyuan"}),
        ("post", "/api/v1/residents/{li}/visits/", {"kind": "home"}),
        ("get", "/api/v1/households/{home}/", None),
        ("post", "/api/v1/households/{home}/reveal/", {"reason": "上门核实"}),
        ("post", "/api/v1/residents/", {"household": "{home}", "name": "王五"}),
        ("post", "/api/v1/data-requests/", {"resident": "{li}", "kind": "access"}),
        ("get", "/api/v1/communities/{community}/profile/", None),
    ],
)
@pytest.mark.parametrize("persona", ["outsider", "outsider_secretary", "dept", "reporter"])
def test_outsiders_get_404_for_every_registry_object(world, registry, api, persona, method, path, body):
    ids = {"li": registry.li.pk, "home": registry.home_a.pk, "community": world.xiningdao.pk}
    url = path.format(**ids)
    if body:
        body = {
            k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()
        }
    answer = getattr(api.as_(getattr(world, persona)), method)(url, body, format="json")
    assert answer.status_code == 404, answer.content
    assert Resident.objects.get(pk=registry.li.pk).notes == ""
    assert not AuditEntry.objects.filter(outcome="ok").exists()


@pytest.mark.parametrize("persona", ["outsider", "dept", "reporter"])
def test_outsiders_list_nobody_and_lookups_find_nothing(world, registry, api, persona):
    client = api.as_(getattr(world, persona))
    listed = client.get("/api/v1/residents/")
    assert listed.status_code == 404 or {r["name"] for r in listed.json()["results"]} == {"赵玉梅"}
    found = client.post("/api/v1/residents/lookup/", {"phone": "13820001111"})
    assert found.status_code == 404 or found.json() == []


def test_the_lookup_finds_a_resident_by_phone_through_the_blind_index(world, registry, api):
    found = api.as_(world.owner).post("/api/v1/residents/lookup/", {"phone": "138 2000 1111"}).json()
    assert [r["name"] for r in found] == ["李秀兰"]
    assert found[0]["urgent_by_default"] is True
    assert found[0]["household_address"] == "吉利花园1号楼301"
    by_id = api.as_(world.owner).post(
        "/api/v1/residents/lookup/", {"id_number": registry.han.id_number.lower()}
    )
    assert [r["name"] for r in by_id.json()] == ["韩大爷"]


def test_the_phone_is_never_in_a_url_or_a_response_body_in_full(world, registry, api):
    client = api.as_(world.secretary)
    for url in (
        "/api/v1/residents/",
        f"/api/v1/residents/{registry.li.pk}/",
        f"/api/v1/households/{registry.home_a.pk}/",
    ):
        text = client.get(url).content.decode()
        assert "13820001111" not in text and registry.li.id_number not in text


def test_the_address_is_masked_for_the_street_and_revealed_to_the_worker(world, registry, api):
    street = api.as_(world.street).get(f"/api/v1/households/{registry.home_a.pk}/").json()
    assert street["address"] == "吉利花园1号楼***"
    revealed = api.as_(world.owner).post(
        f"/api/v1/households/{registry.home_a.pk}/reveal/", {"reason": "上门探访"}
    )
    assert revealed.json()["value"] == "吉利花园1号楼301"
    assert AuditEntry.objects.filter(event="pi.reveal", object_type="residents.household").count() == 1


def test_the_resident_list_costs_the_same_queries_for_two_people_or_forty(world, registry, api):
    from django.test.utils import CaptureQueriesContext

    from linli.residents.tests.conftest import _resident

    client = api.as_(world.owner)
    client.get("/api/v1/residents/")  # warm the caches that can be warmed
    with CaptureQueriesContext(connection) as two:
        assert client.get("/api/v1/residents/").json()["count"] == 2
    for i in range(38):
        _resident(
            registry.home_a, f"住户{i}", date(1940 + i, 1, 1), i, female=bool(i % 2), phone=f"1380000{i:04d}"
        )
    with CaptureQueriesContext(connection) as forty:
        assert client.get("/api/v1/residents/").json()["count"] == 40
    assert len(forty) == len(two) <= 10


def test_a_two_character_reason_is_enough_in_chinese_but_one_is_not(world, registry, api):
    url = f"/api/v1/residents/{registry.li.pk}/reveal/"
    client = api.as_(world.owner)
    assert client.post(url, {"field": "phone", "reason": "查"}).status_code == 400
    assert client.post(url, {"field": "phone", "reason": "回访"}).json()["value"] == "13820001111"
