"""The registry's staff pages: scoping (404 to outsiders), masking per role, reveals, exports, the import wizard."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.cases import services as case_services
from linli.cases.models import Case
from linli.core.models import AuditEntry
from linli.core.validators import mask_id_number
from linli.residents import services
from linli.residents.models import (
    DataSubjectRequest,
    EmergencyContact,
    ExportRequest,
    Household,
    Resident,
    Tag,
    TagAssignment,
    Visit,
)

from .conftest import id_number

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def signed_in(user, *, english: bool = True) -> Client:
    """A client signed in as ``user``; English, so that messages can be matched before they are translated."""
    client = Client()
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html_of(response) -> str:
    return response.content.decode()


def grid_leader(world) -> User:
    user = User.objects.create_user(username="leader_a", password="Linli-test-2026", display_name="刘网格长")
    RoleAssignment.objects.create(user=user, role=Role.GRID_LEADER, grid=world.grid_a)
    return user


def second_secretary(world) -> User:
    user = User.objects.create_user(username="secretary2", password="Linli-test-2026", display_name="孙主任")
    RoleAssignment.objects.create(user=user, role=Role.SECRETARY, community=world.xiningdao)
    return user


def a_request(world, registry, kind="access") -> DataSubjectRequest:
    return services.data_request_create(
        actor=world.owner, resident=registry.li, kind=kind, details="想看看登记了什么"
    )


# ----------------------------------------------------------------------------- scoping


def _urls(world, registry):
    """Every page and POST action on an object of 西宁道社区, with a plausible body."""
    li, home = registry.li, registry.home_a
    dsr = a_request(world, registry)
    assignment = TagAssignment.objects.get(resident=li, tag__code="dujulaoren")
    house_tag = TagAssignment.objects.get(household=registry.home_a2, tag__code="dibao")
    return [
        ("get", f"/residents/{li.pk}/", {}),
        (
            "post",
            f"/residents/{li.pk}/edit/",
            {"version": li.version, "name": "李秀兰", "relationship": "head"},
        ),
        ("post", f"/residents/{li.pk}/tags/", {"tag": Tag.objects.get(code="dangyuan").pk}),
        ("post", f"/residents/{li.pk}/tags/remove/", {"assignment": assignment.pk}),
        ("post", f"/residents/{li.pk}/contacts/", {"name": "李军", "phone": "13900001234", "priority": 1}),
        ("post", f"/residents/{li.pk}/care/", {"visit_every_days": 7}),
        ("post", f"/residents/{li.pk}/visits/", {"kind": "home"}),
        ("post", f"/residents/{li.pk}/requests/", {"kind": "access"}),
        ("post", f"/residents/{li.pk}/reveal/", {"field": "phone", "reason": "回访核实情况"}),
        ("get", f"/residents/households/{home.pk}/", {}),
        ("post", f"/residents/households/{home.pk}/members/", {"name": "李小明", "relationship": "child"}),
        (
            "post",
            f"/residents/households/{registry.home_a2.pk}/tags/",
            {"tag": Tag.objects.get(code="kongchao").pk},
        ),
        ("post", f"/residents/households/{registry.home_a2.pk}/tags/remove/", {"assignment": house_tag.pk}),
        ("post", f"/residents/households/{home.pk}/reveal/", {"field": "address", "reason": "上门探访"}),
        ("get", f"/residents/requests/{dsr.pk}/", {}),
        ("post", f"/residents/requests/{dsr.pk}/download/", {}),
        ("post", f"/residents/requests/{dsr.pk}/close/", {"outcome": "已提供"}),
    ]


def test_the_outsider_gets_404_for_everything_of_another_community(world, registry):
    client = signed_in(world.outsider)
    before = (Resident.objects.count(), TagAssignment.objects.count(), EmergencyContact.objects.count())
    for method, url, data in _urls(world, registry):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert (
        Resident.objects.count(),
        TagAssignment.objects.count(),
        EmergencyContact.objects.count(),
    ) == before
    assert not AuditEntry.objects.filter(event="pi.reveal").exists()
    assert DataSubjectRequest.objects.get().status == "open"
    # the outsider's own community still works
    assert client.get(f"/residents/{registry.outsider_resident.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["dept", "reporter"])
def test_departments_and_reporters_have_no_registry(world, registry, who):
    client = signed_in(getattr(world, who))
    for url in (
        "/residents/",
        "/residents/visits/",
        "/residents/requests/",
        "/residents/exports/",
        "/residents/community/",
        "/residents/import/",
        f"/residents/{registry.li.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/residents/lookup/", {"phone": "13820001111"}).status_code == 404
    assert client.post("/residents/export/", {}).status_code == 404
    assert "nav-residents" not in html_of(client.get("/cases/"))


def test_signed_out_visitors_are_sent_to_sign_in(registry):
    response = Client().get("/residents/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ----------------------------------------------------------------------------- the list


def test_the_grid_worker_lists_their_grid_only(world, registry):
    client = signed_in(world.owner)
    response = client.get("/residents/")
    html = html_of(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "李秀兰" in html and "韩大爷" in html
    assert "周建国" not in html and "赵玉梅" not in html
    assert "13820001111" not in html and "138****1111" in html
    assert 'id="nav-residents"' in html
    assert "/residents/import/" not in html  # the import wizard is the secretary's
    secretary = html_of(signed_in(world.secretary).get("/residents/"))
    assert "周建国" in secretary and "李秀兰" in secretary and "/residents/import/" in secretary


def test_the_list_filters_by_tag_grid_and_name_without_putting_the_name_in_the_url(world, registry):
    client = signed_in(world.secretary)
    html = html_of(client.get("/residents/", {"tag": "dujulaoren"}))
    assert "李秀兰" in html and "韩大爷" not in html
    html = html_of(client.get("/residents/", {"grid": world.grid_b.pk}))
    assert "周建国" in html and "李秀兰" not in html
    response = client.post("/residents/", {"name": "韩"})
    assert response.status_code == 302
    assert "韩" not in response["Location"] and "%E9%9F%A9" not in response["Location"]
    html = html_of(client.get(response["Location"]))
    assert "韩大爷" in html and "李秀兰" not in html
    # the ordinary list forgets the name filter
    assert "李秀兰" in html_of(client.get("/residents/"))


def test_the_list_offers_only_tags_the_viewer_may_see(world, registry):
    leader = grid_leader(world)
    options = re.findall(r'<option value="([a-z]+)"', html_of(signed_in(leader).get("/residents/")))
    assert "dujulaoren" in options and "dangyuan" in options
    assert "dibao" not in options and "canji" not in options
    options = re.findall(r'<option value="([a-z]+)"', html_of(signed_in(world.owner).get("/residents/")))
    assert "dibao" in options and "canji" in options


def test_moved_out_residents_show_only_when_asked(world, registry):
    services.resident_update(
        actor=world.owner, resident=registry.han, version=None, moved_out=date(2025, 1, 1)
    )
    client = signed_in(world.owner)
    assert "韩大爷" not in html_of(client.get("/residents/"))
    assert "韩大爷" in html_of(client.get("/residents/", {"include_moved_out": "on"}))


# ----------------------------------------------------------------------------- the resident page and masking


def test_the_grid_worker_sees_the_name_but_masked_numbers(world, registry):
    li = registry.li
    response = signed_in(world.owner).get(f"/residents/{li.pk}/")
    html = html_of(response)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "李秀兰" in html
    assert mask_id_number(li.id_number) in html and mask_id_number(li.id_number).startswith("120101********")
    assert "138****1111" in html
    assert li.id_number not in html and "13820001111" not in html
    assert 'data-dialog="reveal-phone"' in html and 'data-dialog="reveal-id_number"' in html
    assert "独居老人" in html


def test_the_street_officer_sees_a_masked_name_and_no_show_button(world, registry):
    html = html_of(signed_in(world.street).get(f"/residents/{registry.li.pk}/"))
    assert "李**" in html and "李秀兰" not in html
    assert "138****1111" in html and "13820001111" not in html
    assert "data-dialog=" not in html and "<dialog" not in html
    assert f"/residents/{registry.li.pk}/edit/" not in html


def test_sensitive_tags_show_only_to_the_roles_they_grant(world, registry):
    url = f"/residents/{registry.han.pk}/"
    for user in (world.owner, world.secretary):
        html = html_of(signed_in(user).get(url))
        assert "残疾" in html and "肢体一级" in html and "低保" in html, user
    leader = grid_leader(world)
    response = signed_in(leader).get(url)
    html = html_of(response)
    assert response.status_code == 200 and "韩大爷" in html
    assert "残疾" not in html and "肢体一级" not in html and "低保" not in html
    assert "党员" in html
    # nor on the household page or in the list
    assert "低保" not in html_of(signed_in(leader).get(f"/residents/households/{registry.home_a2.pk}/"))
    assert "低保" not in html_of(signed_in(leader).get("/residents/"))
    assert "低保" in html_of(signed_in(world.owner).get(f"/residents/households/{registry.home_a2.pk}/"))


def test_the_page_lists_the_residents_cases_visits_and_requests(world, registry, new_case):
    case = new_case(resident=registry.li, title="李奶奶家水管漏水")
    services.visit_record(actor=world.owner, resident=registry.li, note="精神很好")
    dsr = a_request(world, registry)
    html = html_of(signed_in(world.owner).get(f"/residents/{registry.li.pk}/"))
    assert "李奶奶家水管漏水" in html and f"/cases/{case.pk}/" in html
    assert "精神很好" in html
    assert f"/residents/requests/{dsr.pk}/" in html


# ----------------------------------------------------------------------------- reveals


def test_a_reveal_with_a_reason_shows_the_value_and_is_audited_once(world, registry):
    li = registry.li
    response = signed_in(world.owner).post(
        f"/residents/{li.pk}/reveal/", {"field": "phone", "reason": "电话回访老人"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "13820001111" in html_of(response)
    entries = AuditEntry.objects.filter(event="pi.reveal")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.object_id == str(li.pk) and entry.reason == "电话回访老人" and entry.outcome == "ok"
    assert entry.actor == world.owner and entry.detail["field"] == "phone"

    response = signed_in(world.owner).post(
        f"/residents/{li.pk}/reveal/", {"field": "id_number", "reason": "办理低保"}
    )
    assert li.id_number in html_of(response)


def test_a_reveal_without_a_reason_is_refused_with_400(world, registry):
    response = signed_in(world.owner).post(
        f"/residents/{registry.li.pk}/reveal/", {"field": "phone", "reason": ""}
    )
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    assert "13820001111" not in html_of(response) and 'class="error"' in html_of(response)
    assert not AuditEntry.objects.filter(event="pi.reveal", outcome="ok").exists()


def test_the_street_officer_may_not_reveal(world, registry):
    response = signed_in(world.street).post(
        f"/residents/{registry.li.pk}/reveal/", {"field": "phone", "reason": "检查工作"}
    )
    assert response.status_code == 403
    assert "13820001111" not in html_of(response)
    entry = AuditEntry.objects.get(event="pi.reveal")
    assert entry.outcome == "denied" and entry.actor == world.street


def test_a_reveal_is_post_only_and_asks_for_a_known_field(world, registry):
    client = signed_in(world.owner)
    assert client.get(f"/residents/{registry.li.pk}/reveal/").status_code == 405
    assert (
        client.post(
            f"/residents/{registry.li.pk}/reveal/", {"field": "address", "reason": "上门"}
        ).status_code
        == 400
    )
    assert (
        client.post(f"/residents/{registry.li.pk}/reveal/", {"field": "x", "reason": "上门"}).status_code
        == 400
    )


def test_the_household_address_is_masked_for_the_street_and_revealed_for_the_worker(world, registry):
    home = registry.home_a
    html = html_of(signed_in(world.street).get(f"/residents/households/{home.pk}/"))
    assert "吉利花园1号楼***" in html and "吉利花园1号楼301" not in html
    assert "李**" in html
    response = signed_in(world.owner).get(f"/residents/households/{home.pk}/")
    assert "no-store" in response["Cache-Control"] and "李秀兰" in html_of(response)
    response = signed_in(world.owner).post(
        f"/residents/households/{home.pk}/reveal/", {"field": "address", "reason": "上门送物资"}
    )
    assert response.status_code == 200 and "吉利花园1号楼301" in html_of(response)
    assert AuditEntry.objects.get(event="pi.reveal").object_id == str(home.pk)


# ----------------------------------------------------------------------------- intake


def test_the_intake_lookup_finds_the_resident_by_phone_in_scope_only(world, registry):
    response = signed_in(world.owner).post("/residents/lookup/", {"reporter_phone": "138 2000 1111"})
    html = html_of(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "李秀兰" in html and f'data-pick-resident="{registry.li.pk}"' in html
    assert 'data-urgent="1"' in html and "独居老人" in html
    assert "13820001111" not in html
    html = html_of(signed_in(world.outsider).post("/residents/lookup/", {"phone": "138 2000 1111"}))
    assert "李秀兰" not in html and "data-pick-resident" not in html
    assert signed_in(world.owner).get("/residents/lookup/", {"phone": "13820001111"}).status_code == 405


def test_the_intake_page_wires_the_lookup_for_registry_roles_only(world):
    html = html_of(signed_in(world.owner).get("/cases/new/"))
    assert 'hx-post="/residents/lookup/"' in html and 'name="resident"' in html
    # a part-time reporter is sent to their own photo-first page, which has no registry lookup
    response = signed_in(world.reporter).get("/cases/new/", follow=True)
    assert response.redirect_chain[-1][0] == "/reporter/new/"
    assert 'hx-post="/residents/lookup/"' not in html_of(response)


def test_an_intake_for_a_resident_links_the_case_and_makes_it_urgent(world, registry):
    client = signed_in(world.owner)
    response = client.post(
        "/cases/new/",
        {
            "channel": "phone",
            "category": world.drain.pk,
            "title": "李奶奶说家里停水",
            "building": world.building_1.pk,
            "reporter_name": "李秀兰",
            "reporter_phone": "13820001111",
            "resident": registry.li.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.resident_id == registry.li.pk and case.urgency == "urgent"
    html = html_of(client.get(f"/cases/{case.pk}/"))
    assert f'href="/residents/{registry.li.pk}/"' in html
    # a department whistled to the case sees it, but not the registry
    case = case_services.case_respond(case=case, actor=world.owner)
    case_services.whistle_blow(
        case=case,
        actor=world.secretary,
        department=world.chengguan,
        reason="供水",
        due_at=timezone.now() + timedelta(days=1),
    )
    html = html_of(signed_in(world.dept).get(f"/cases/{case.pk}/"))
    assert f"/residents/{registry.li.pk}/" not in html


# ----------------------------------------------------------------------------- the forms on the resident page


def test_adding_and_removing_a_tag_keeps_the_history(world, registry):
    client = signed_in(world.owner)
    li = registry.li
    party = Tag.objects.get(code="dangyuan")
    assert client.post(f"/residents/{li.pk}/tags/", {"tag": party.pk}).status_code == 302
    assignment = TagAssignment.objects.get(resident=li, tag=party)
    assert assignment.added_by == world.owner and assignment.removed_at is None
    assert client.post(f"/residents/{li.pk}/tags/remove/", {"assignment": assignment.pk}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.removed_at is not None and assignment.removed_by == world.owner
    html = html_of(client.get(f"/residents/{li.pk}/"))
    assert 'id="tag-history"' in html and "removed" in html
    assert TagAssignment.objects.filter(resident=li, tag=party).count() == 1
    # a derived tag is not offered, and cannot be forced in
    gaoling = Tag.objects.get(code="gaoling")
    tag_select = re.search(r'<select name="tag".*?</select>', html, re.S).group(0)
    assert f'<option value="{gaoling.pk}"' not in tag_select and f'<option value="{party.pk}"' in tag_select
    client.post(f"/residents/{li.pk}/tags/", {"tag": gaoling.pk})
    assert not TagAssignment.objects.filter(tag=gaoling).exists()
    # an assignment of someone else is not found
    other = TagAssignment.objects.get(resident=registry.han, tag__code="dangyuan")
    assert client.post(f"/residents/{li.pk}/tags/remove/", {"assignment": other.pk}).status_code == 404


def test_a_grid_leader_may_not_remove_a_tag_hidden_from_them(world, registry):
    leader = grid_leader(world)
    hidden = TagAssignment.objects.get(resident=registry.han, tag__code="canji")
    response = signed_in(leader).post(f"/residents/{registry.han.pk}/tags/remove/", {"assignment": hidden.pk})
    assert response.status_code == 404
    hidden.refresh_from_db()
    assert hidden.removed_at is None


def test_editing_details_saves_them(world, registry):
    li = registry.li
    client = signed_in(world.owner)
    response = client.post(
        f"/residents/{li.pk}/edit/",
        {
            "version": li.version,
            "name": "李秀兰",
            "relationship": "head",
            "notes": "左耳听力差，请大声",
            "phone": "13820009999",
        },
        follow=True,
    )
    assert "Details saved" in html_of(response)
    li.refresh_from_db()
    assert li.notes == "左耳听力差，请大声" and li.phone == "13820009999" and li.version == 2
    assert li.id_number == id_number("120101", date(1941, 3, 7), 11, female=True)  # empty means keep


def test_a_stale_version_shows_the_conflict_and_changes_nothing(world, registry):
    li = registry.li
    services.resident_update(actor=world.secretary, resident=li, version=li.version, notes="书记先改了")
    response = signed_in(world.owner).post(
        f"/residents/{li.pk}/edit/",
        {"version": 1, "name": "李秀英", "relationship": "head", "notes": "网格员后改"},
        follow=True,
    )
    assert "Someone else changed this record" in html_of(response)
    li.refresh_from_db()
    assert li.name == "李秀兰" and li.notes == "书记先改了" and li.version == 2


def test_the_street_officer_cannot_edit(world, registry):
    li = registry.li
    response = signed_in(world.street).post(
        f"/residents/{li.pk}/edit/",
        {"version": li.version, "name": "改名", "relationship": "head"},
        follow=True,
    )
    assert response.status_code == 200
    li.refresh_from_db()
    assert li.name == "李秀兰"


def test_contacts_care_plan_visits_and_a_case_from_a_visit(world, registry):
    li = registry.li
    client = signed_in(world.owner)
    client.post(
        f"/residents/{li.pk}/contacts/",
        {"name": "李军", "relation": "儿子", "phone": "13900001234", "priority": 1},
    )
    contact = EmergencyContact.objects.get(resident=li)
    assert contact.phone == "13900001234"
    html = html_of(client.get(f"/residents/{li.pk}/"))
    assert "李军" in html and "139****1234" in html and "13900001234" not in html

    client.post(f"/residents/{li.pk}/care/", {"visit_every_days": 3, "care_worker": world.owner.pk})
    li.refresh_from_db()
    assert li.visit_every_days == 3 and li.care_worker == world.owner
    # someone outside the grid cannot be made responsible
    client.post(
        f"/residents/{li.pk}/care/", {"visit_every_days": 3, "care_worker": world.colleague_worker.pk}
    )
    li.refresh_from_db()
    assert li.care_worker == world.owner

    response = client.post(
        f"/residents/{li.pk}/visits/",
        {
            "kind": "home",
            "note": "卫生间灯坏了",
            "raise_case": "on",
            "title": "李奶奶家卫生间灯坏",
            "category": world.drain.pk,
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get(resident=li)
    assert (
        visit.case is not None
        and visit.case.resident_id == li.pk
        and visit.case.title == "李奶奶家卫生间灯坏"
    )
    li.refresh_from_db()
    assert li.last_visit_at is not None and li.next_visit_due == timezone.localdate() + timedelta(days=3)
    # raising a case needs its title and category
    client.post(f"/residents/{li.pk}/visits/", {"kind": "home", "raise_case": "on"})
    assert Visit.objects.filter(resident=li).count() == 1


def test_the_household_page_adds_a_member_and_a_household_tag(world, registry):
    home = registry.home_a
    client = signed_in(world.owner)
    response = client.post(
        f"/residents/households/{home.pk}/members/",
        {
            "name": "李小明",
            "relationship": "grandchild",
            "id_number": id_number("120101", date(2001, 5, 4), 61, female=False),
        },
    )
    member = Resident.objects.get(name="李小明")
    assert response.status_code == 302 and response["Location"] == f"/residents/{member.pk}/"
    assert member.household == home and member.gender == "male" and member.birth_date == date(2001, 5, 4)
    client.post(f"/residents/households/{home.pk}/tags/", {"tag": Tag.objects.get(code="kongchao").pk})
    assert TagAssignment.objects.filter(household=home, tag__code="kongchao", removed_at=None).exists()
    # the street officer sees the household, but has no forms
    html = html_of(signed_in(world.street).get(f"/residents/households/{home.pk}/"))
    assert "/members/" not in html and "<dialog" not in html
    signed_in(world.street).post(
        f"/residents/households/{home.pk}/members/", {"name": "王某", "relationship": "other"}
    )
    assert not Resident.objects.filter(name="王某").exists()


# ----------------------------------------------------------------------------- visits due and data requests


def test_visits_due_lists_who_to_visit_with_overdue_marked_and_records_a_visit(world, registry):
    li = registry.li
    Resident.objects.filter(pk=li.pk).update(
        visit_every_days=7, next_visit_due=timezone.localdate() - timedelta(days=2), care_worker=world.owner
    )
    client = signed_in(world.owner)
    response = client.get("/residents/visits/")
    html = html_of(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "李秀兰" in html and "overdue" in html and "周建国" not in html
    response = client.post(f"/residents/{li.pk}/visits/", {"kind": "home", "back": "visits"})
    assert response.status_code == 302 and response["Location"] == "/residents/visits/"
    assert Visit.objects.filter(resident=li, visitor=world.owner).count() == 1
    assert "李秀兰" not in html_of(client.get("/residents/visits/"))


def test_data_requests_are_listed_with_their_due_date_and_can_be_answered(world, registry):
    dsr = a_request(world, registry)
    client = signed_in(world.owner)
    html = html_of(client.get("/residents/requests/"))
    assert "李秀兰" in html and f"{dsr.due_date:%Y-%m-%d}" in html and "days left" in html
    html = html_of(client.get(f"/residents/requests/{dsr.pk}/"))
    assert "想看看登记了什么" in html and "/download/" in html
    response = client.post(f"/residents/requests/{dsr.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"] and response["Content-Disposition"].startswith(
        "attachment"
    )
    assert response.json()["resident"]["phone"] == "13820001111"
    assert AuditEntry.objects.filter(event="pi.request_export", object_id=str(dsr.pk)).count() == 1
    client.post(f"/residents/requests/{dsr.pk}/close/", {"outcome": "已打印交给本人"})
    dsr.refresh_from_db()
    assert dsr.status == "done" and dsr.closed_by == world.owner
    # the street officer sees it, masked, without the handler's buttons
    html = html_of(signed_in(world.street).get(f"/residents/requests/{dsr.pk}/"))
    assert "李**" in html and "/download/" not in html
    assert signed_in(world.street).post(f"/residents/requests/{dsr.pk}/download/").status_code == 302


def test_a_correction_request_applies_only_the_given_fields(world, registry):
    dsr = a_request(world, registry, kind="correct")
    client = signed_in(world.owner)
    assert 'name="id_number"' in html_of(client.get(f"/residents/requests/{dsr.pk}/"))
    client.post(
        f"/residents/requests/{dsr.pk}/close/",
        {"outcome": "电话号码已更正", "phone": "13820005555", "name": ""},
    )
    registry.li.refresh_from_db()
    assert registry.li.phone == "13820005555" and registry.li.name == "李秀兰"
    dsr.refresh_from_db()
    assert dsr.status == "done"


def test_a_deletion_needs_the_confirmation_and_can_be_refused(world, registry):
    dsr = a_request(world, registry, kind="delete")
    client = signed_in(world.owner)
    client.post(f"/residents/requests/{dsr.pk}/close/", {"outcome": "已删除"})
    dsr.refresh_from_db()
    assert dsr.status == "open"
    client.post(f"/residents/requests/{dsr.pk}/close/", {"outcome": "仍在领取低保，依法保留", "refuse": "on"})
    dsr.refresh_from_db()
    assert dsr.status == "refused"
    registry.li.refresh_from_db()
    assert registry.li.anonymised_at is None

    dsr = a_request(world, registry, kind="delete")
    client.post(f"/residents/requests/{dsr.pk}/close/", {"outcome": "已删除", "confirm_delete": "on"})
    registry.li.refresh_from_db()
    assert registry.li.anonymised_at is not None and registry.li.phone == ""


# ----------------------------------------------------------------------------- the community profile


def test_the_community_profile_is_computed_from_the_registry(world, registry):
    response = signed_in(world.owner).get("/residents/community/")
    html = html_of(response)
    assert response.status_code == 200 and "西宁道社区" in html
    assert re.search(r"<b>3</b><span>residents", html)  # 李秀兰, 韩大爷, 周建国
    assert "computed from the registry" in html
    street = signed_in(world.street)  # 南营门街道 has one community: it is shown at once
    assert "西宁道社区" in html_of(street.get("/residents/community/"))
    assert street.get("/residents/community/", {"community": world.yanyu.pk}).status_code == 404
    admin = signed_in(world.admin)  # everywhere: chooses
    html = html_of(admin.get("/residents/community/"))
    assert 'name="community"' in html and 'id="profile"' not in html
    assert "燕宇社区" in html_of(admin.get("/residents/community/", {"community": world.yanyu.pk}))


# ----------------------------------------------------------------------------- the import wizard


def _sheet(rows) -> bytes:
    from openpyxl import Workbook

    from linli.residents.importer import HEADERS, SHEET

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append([row.get(h) for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import_files():
    return (
        sorted((settings.MEDIA_ROOT / "imports").glob("*"))
        if (settings.MEDIA_ROOT / "imports").exists()
        else []
    )


def test_the_import_wizard_checks_then_commits(world, registry):
    new_id = id_number("120101", date(1950, 8, 1), 71, female=True)
    good = _sheet(
        [
            {
                "小区": "吉利花园",
                "楼栋": "1号楼",
                "房号": "602",
                "楼层": 6,
                "姓名": "孙桂芝",
                "身份证号": new_id,
                "手机号": "13820006666",
                "与户主关系": "户主",
                "标签": "独居老人",
            },
        ]
    )
    client = signed_in(world.secretary)
    page = client.get("/residents/import/")
    assert page.status_code == 200 and "/residents/import/template/" in html_of(page)
    response = client.post(
        "/residents/import/",
        {"step": "check", "community": world.xiningdao.pk, "file": SimpleUploadedFile("registry.xlsx", good)},
    )
    html = html_of(response)
    assert response.status_code == 200 and 'value="commit"' in html
    assert not Resident.objects.filter(name="孙桂芝").exists()
    assert len(_import_files()) == 1
    response = client.post("/residents/import/", {"step": "commit"})
    assert response.status_code == 200 and "Imported" in html_of(response)
    resident = Resident.objects.get(name="孙桂芝")
    assert resident.household.building == world.building_1 and resident.phone == "13820006666"
    assert _import_files() == []
    assert AuditEntry.objects.filter(event="registry.import").count() == 1
    # a second commit finds nothing to commit
    response = client.post("/residents/import/", {"step": "commit"}, follow=True)
    assert Resident.objects.filter(name="孙桂芝").count() == 1


def test_the_import_wizard_lists_every_problem_and_offers_no_commit(world, registry):
    bad = _sheet(
        [
            {"小区": "吉利花园", "楼栋": "1号楼", "房号": "603", "姓名": "赵某", "身份证号": "123"},
            {"小区": "吉利花园", "楼栋": "1号楼", "房号": "604", "姓名": "钱某", "手机号": "电话坏了"},
        ]
    )
    client = signed_in(world.secretary)
    response = client.post(
        "/residents/import/",
        {"step": "check", "community": world.xiningdao.pk, "file": SimpleUploadedFile("bad.xlsx", bad)},
    )
    html = html_of(response)
    assert 'id="import-problems"' in html and 'value="commit"' not in html
    assert html.count("<tr><td>") >= 2
    # a new upload replaces the kept copy
    client.post(
        "/residents/import/",
        {"step": "check", "community": world.xiningdao.pk, "file": SimpleUploadedFile("bad.xlsx", bad)},
    )
    assert len(_import_files()) == 1
    client.post("/residents/import/", {"step": "cancel"})
    assert _import_files() == []


@pytest.mark.parametrize(
    "name, content",
    [("registry.xls", b"PK\x03\x04rest"), ("registry.xlsx", b"%PDF-1.4"), ("evil.php", b"<?php")],
)
def test_the_import_refuses_what_is_not_an_xlsx(world, registry, name, content):
    response = signed_in(world.secretary).post(
        "/residents/import/",
        {"step": "check", "community": world.xiningdao.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200 and 'class="error"' in html_of(response)
    assert _import_files() == []


def test_the_import_is_for_the_secretary_and_the_admin_only(world, registry):
    assert signed_in(world.owner).get("/residents/import/").status_code == 404
    assert signed_in(world.owner).get("/residents/import/template/").status_code == 404
    assert signed_in(world.street).get("/residents/import/").status_code == 404
    admin = html_of(signed_in(world.admin).get("/residents/import/"))
    assert "燕宇社区" in admin and "西宁道社区" in admin
    # a secretary cannot import into another community
    response = signed_in(world.secretary).post(
        "/residents/import/",
        {"step": "check", "community": world.yanyu.pk, "file": SimpleUploadedFile("r.xlsx", _sheet([]))},
    )
    assert 'value="commit"' not in html_of(response)


def test_the_import_template_downloads_with_its_chinese_name(world, registry):
    response = signed_in(world.secretary).get("/residents/import/template/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert (
        "filename*=UTF-8''%E5%B1%85%E6%B0%91%E4%BF%A1%E6%81%AF%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
        in disposition
    )
    assert response.content[:4] == b"PK\x03\x04"


# ----------------------------------------------------------------------------- exports


def _cells(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_an_export_below_the_cap_downloads_masked_values_and_is_audited(world, registry):
    response = signed_in(world.owner).post("/residents/export/", {"tag": "dujulaoren"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "no-store" in response["Cache-Control"]
    assert re.match(r'attachment; filename="residents-\d{8}\.xlsx"', response["Content-Disposition"])
    rows = _cells(response.content)
    assert len(rows) == 2  # the header and 李秀兰
    flat = [str(c) for c in rows[1]]
    assert "138****1111" in flat and mask_id_number(registry.li.id_number) in flat
    assert "13820001111" not in flat and registry.li.id_number not in flat
    entry = AuditEntry.objects.get(event="registry.export")
    assert entry.actor == world.owner and entry.outcome == "ok" and entry.detail["rows"] == 1


def test_an_unmasked_export_needs_a_reason(world, registry):
    client = signed_in(world.owner)
    response = client.post("/residents/export/", {"tag": "dujulaoren", "unmasked": "on"})
    assert response.status_code == 302
    response = client.post(
        "/residents/export/", {"tag": "dujulaoren", "unmasked": "on", "reason": "报送民政局"}
    )
    assert "13820001111" in [str(c) for c in _cells(response.content)[1]]


def test_a_large_export_waits_for_approval_and_downloads_once(world, registry, settings):
    settings.LINLI_EXPORT_MAX_ROWS = 1
    requester = second_secretary(world)
    client = signed_in(requester)
    response = client.post("/residents/export/", {}, follow=True)
    assert "waits for approval" in html_of(response)
    pending = ExportRequest.objects.get()
    assert pending.status == "pending" and pending.community == world.xiningdao and pending.rows == 3
    # the requester cannot approve their own export
    html = html_of(client.get("/residents/exports/"))
    assert f"/residents/exports/{pending.pk}/decide/" not in html
    client.post(f"/residents/exports/{pending.pk}/decide/", {"approve": "1"})
    pending.refresh_from_db()
    assert pending.status == "pending"
    # nor can the outsider see it
    assert (
        signed_in(world.outsider_secretary)
        .post(f"/residents/exports/{pending.pk}/decide/", {"approve": "1"})
        .status_code
        == 404
    )
    # the secretary approves
    secretary = signed_in(world.secretary)
    assert f"/residents/exports/{pending.pk}/decide/" in html_of(secretary.get("/residents/exports/"))
    secretary.post(f"/residents/exports/{pending.pk}/decide/", {"approve": "1"})
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.decided_by == world.secretary
    # only the requester downloads
    assert secretary.post(f"/residents/exports/{pending.pk}/download/").status_code == 404
    assert f"/residents/exports/{pending.pk}/download/" in html_of(client.get("/residents/exports/"))
    response = client.post(f"/residents/exports/{pending.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert len(_cells(response.content)) == 4
    pending.refresh_from_db()
    assert pending.status == "used"
    again = client.post(f"/residents/exports/{pending.pk}/download/", follow=True)
    assert again["Content-Type"].startswith("text/html") and "already downloaded" in html_of(again)
    ok = AuditEntry.objects.filter(event="registry.export", outcome="ok")
    assert ok.count() == 1 and ok.get().detail["approval"] == pending.pk


def test_a_refused_export_cannot_be_downloaded(world, registry, settings):
    settings.LINLI_EXPORT_MAX_ROWS = 1
    requester = second_secretary(world)
    signed_in(requester).post("/residents/export/", {})
    pending = ExportRequest.objects.get()
    signed_in(world.secretary).post(f"/residents/exports/{pending.pk}/decide/", {"approve": "0"})
    pending.refresh_from_db()
    assert pending.status == "refused"
    response = signed_in(requester).post(f"/residents/exports/{pending.pk}/download/")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "refused"


def test_households_have_their_own_404(world, registry):
    assert signed_in(world.owner).get(f"/residents/households/{registry.home_b.pk}/").status_code == 404
    assert signed_in(world.owner).get(f"/residents/{registry.zhou.pk}/").status_code == 404
    assert signed_in(world.owner).get("/residents/households/999999/").status_code == 404
    assert Household.objects.count() == 4


def test_the_kept_sheet_is_encrypted_on_disk_and_purged_when_abandoned(world, settings):
    import os
    import time

    from linli.residents import pending_imports

    sheet = _sheet(
        [{"小区": "吉利花园", "楼栋": "1号楼", "房号": "301", "姓名": "李秀兰", "手机号": "13820001111"}]
    )
    client = signed_in(world.secretary)
    client.post(
        "/residents/import/",
        {
            "step": "check",
            "community": world.xiningdao.pk,
            "file": SimpleUploadedFile("registry.xlsx", sheet),
        },
    )
    [kept] = (settings.MEDIA_ROOT / "imports").glob("*")
    stored = kept.read_bytes()
    assert b"13820001111" not in stored and not stored.startswith(b"PK")
    assert pending_imports.purge() == 0
    old = time.time() - 2 * 24 * 3600
    os.utime(kept, (old, old))
    assert pending_imports.purge() == 1 and not kept.exists()
    assert pending_imports.open_kept("../../etc/passwd") is None
