"""POST requests: a form-encoded report becomes a located, assigned case, or is refused with nothing written."""

import pytest
from django.db import connection

from linli.cases.choices import Channel, Status
from linli.cases.models import Case, CaseEvent
from linli.core.models import AuditEntry
from linli.open311.models import ApiKey
from linli.open311.services import api_key_revoke

from .conftest import AT_BUILDING_1, IN_YANYU, NOWHERE, error_of, json_body, post_request, report

pytestmark = pytest.mark.django_db


def created(response) -> Case:
    assert response.status_code == 200, response.content
    body = json_body(response)[0]
    case = Case.objects.get(number=body["service_request_id"])
    assert case.tracking_code == body["token"]
    return case


def test_a_report_at_a_point_goes_to_the_grid_worker(world, client, api_key):
    case = created(report(client, api_key))
    assert case.channel == Channel.OPEN311
    assert case.grid == world.grid_a and case.community == world.xiningdao and case.street == world.nanyingmen
    assert case.assignee == world.owner and case.status == Status.ASSIGNED
    assert case.title == "吉利花园1号楼下水道堵塞，污水漫到楼道口"
    assert case.category == world.drain
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_the_title_is_the_first_line_cut_to_60_characters_or_the_service_name(world, client, api_key):
    case = created(report(client, api_key, description="\n" + "堵" * 70 + "\n第二行"))
    assert case.title == "堵" * 60
    case = created(report(client, api_key, description=None))
    assert case.title == "下水道堵塞" and case.description == ""


@pytest.mark.parametrize("address", ["吉利花园1号楼", "吉利花园 1号楼", "吉利花园1号楼3门502"])
def test_an_address_naming_a_building_finds_it(world, client, api_key, address):
    case = created(report(client, api_key, lat=None, long=None, address_string=address))
    assert case.building == world.building_1 and case.grid == world.grid_a
    assert case.assignee == world.owner
    assert case.address == address  # the reporter's words stay for the grid worker


def test_the_longest_building_name_wins(world, client, api_key):
    from linli.org.models import Building

    Building.objects.create(compound=world.jili, name="1号", grid=world.grid_b)
    case = created(report(client, api_key, lat=None, long=None, address_string="吉利花园1号楼"))
    assert case.building == world.building_1


def test_an_address_id_is_a_building(world, client, api_key):
    case = created(report(client, api_key, lat=None, long=None, address_id=str(world.building_3.pk)))
    assert case.building == world.building_3 and case.grid == world.grid_b


def test_an_unknown_address_in_a_jurisdiction_goes_to_its_triage_queue(world, client, api_key):
    case = created(
        report(client, api_key, lat=None, long=None, address_string="西宁道菜市场门口", jurisdiction_id="XND")
    )
    assert case.building is None and case.grid is None and case.assignee is None
    assert case.community == world.xiningdao and case.street == world.nanyingmen
    assert case.status == Status.RECEIVED and case.address == "西宁道菜市场门口"


def test_an_unknown_address_without_a_jurisdiction_is_refused(world, client, api_key):
    response = report(client, api_key, lat=None, long=None, address_string="西宁道菜市场门口")
    assert response.status_code == 400
    assert "address_string" in error_of(response, "json")[1]
    assert not Case.objects.exists()


def test_a_point_in_no_grid_without_a_jurisdiction_is_refused(world, client, api_key):
    response = report(client, api_key, **NOWHERE)
    assert response.status_code == 400 and not Case.objects.exists()


def test_a_point_in_no_grid_of_a_street_lands_in_the_street_queue(world, client, api_key):
    case = created(report(client, api_key, jurisdiction_id=world.nanyingmen.code, **NOWHERE))
    assert case.street == world.nanyingmen and case.community is None and case.grid is None


def test_a_point_outside_the_jurisdiction_is_refused(world, client, api_key):
    response = report(client, api_key, jurisdiction_id="XND", **IN_YANYU)
    assert response.status_code == 400 and "XND" in error_of(response, "json")[1]
    assert not Case.objects.exists()


def test_a_point_inside_the_jurisdiction_is_taken(world, client, api_key):
    assert created(report(client, api_key, jurisdiction_id="YY", **IN_YANYU)).grid == world.grid_y
    assert created(report(client, api_key, jurisdiction_id=world.nanyingmen.code)).grid == world.grid_a


def test_a_building_outside_the_jurisdiction_is_not_found(world, client, api_key):
    response = report(
        client, api_key, lat=None, long=None, address_id=str(world.building_1.pk), jurisdiction_id="YY"
    )
    assert response.status_code == 400 and not Case.objects.exists()


def test_attributes_are_checked_and_kept_by_code(world, client, api_key, drain_attributes):
    case = created(
        report(
            client,
            api_key,
            **{
                "attribute[overflow]": "yes",
                "attribute[times]": ["morning", "night", "morning"],
                "attribute[depth]": "12",
                "attribute[since]": "2026-11-30T20:00:00+08:00",
                "attribute[detail]": "楼道里味道很大\n晚上更严重",
            },
            media_url="https://img.example.cn/drain/1.jpg",
        )
    )
    assert case.attributes == {
        "overflow": "yes",
        "times": ["morning", "night"],
        "depth": 12,
        "since": "2026-11-30T20:00:00+08:00",
        "detail": "楼道里味道很大\n晚上更严重",
        "media_url": "https://img.example.cn/drain/1.jpg",
    }


def test_a_multivaluelist_may_use_the_bracket_form(world, client, api_key, drain_attributes):
    case = created(
        report(client, api_key, **{"attribute[overflow]": "no", "attribute[times][]": ["evening", "night"]})
    )
    assert case.attributes["times"] == ["evening", "night"]


@pytest.mark.parametrize(
    "attributes, word",
    [
        ({}, "attribute[overflow] is required"),
        ({"attribute[overflow]": "maybe"}, "attribute[overflow]"),
        ({"attribute[overflow]": ["yes", "no"]}, "one value"),
        ({"attribute[overflow]": "yes", "attribute[times]": "noon"}, "attribute[times]"),
        ({"attribute[overflow]": "yes", "attribute[depth]": "很深"}, "attribute[depth]"),
        ({"attribute[overflow]": "yes", "attribute[since]": "昨天"}, "attribute[since]"),
        ({"attribute[overflow]": "yes", "attribute[colour]": "黑"}, "attribute[colour]"),
        ({"attribute[overflow]": "yes", "attribute[notice]": "好的"}, "attribute[notice]"),
        ({"attribute[overflow": "yes"}, "attribute[code]"),
    ],
)
def test_bad_attributes_are_refused_and_nothing_is_written(
    world, client, api_key, drain_attributes, attributes, word
):
    response = report(client, api_key, **attributes)
    assert response.status_code == 400
    assert word in error_of(response, "json")[1]
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert not AuditEntry.objects.filter(event="open311_request_created").exists()
    assert ApiKey.objects.get().last_used_at is None


def test_the_phone_is_kept_only_encrypted_and_the_email_not_at_all(world, client, api_key):
    case = created(
        report(
            client,
            api_key,
            phone="138 1234 5678",
            email="liu.ayi@example.cn",
            first_name="阿姨",
            last_name="刘",
            device_id="device-1",
            account_id="acct-9",
        )
    )
    assert case.reporter_phone == "13812345678" and case.reporter_name == "刘阿姨"
    assert case.attributes == {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case WHERE id = %s", [case.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "13812345678" not in row and "liu.ayi" not in row
    audit_rows = " ".join(str(a.detail) + a.reason for a in AuditEntry.objects.all())
    assert "13812345678" not in audit_rows and "liu.ayi" not in audit_rows


def test_latin_names_keep_their_order(world, client, api_key):
    assert created(report(client, api_key, first_name="Anna", last_name="Li")).reporter_name == "Anna Li"


def test_a_created_request_is_audited_with_its_key(world, client, api_key):
    case = created(report(client, api_key))
    entry = AuditEntry.objects.get(event="open311_request_created")
    assert entry.object_id == str(case.pk) and entry.outcome == "ok"
    assert entry.detail["api_key"] == api_key[:8] and entry.detail["service_code"] == "ENV-DRAIN"
    assert ApiKey.objects.get().last_used_at is not None


def test_without_an_api_key_the_post_is_forbidden_and_audited(world, client):
    response = post_request(client, "xml", service_code="ENV-DRAIN", **AT_BUILDING_1)
    assert response.status_code == 403
    assert error_of(response, "xml") == (403, "api_key was not provided.")
    assert not Case.objects.exists()
    entry = AuditEntry.objects.get(event="open311_key_refused")
    assert entry.outcome == "denied" and entry.reason == "missing"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_revoked_key_is_forbidden_and_audited(world, client, api_key, fmt):
    api_key_revoke(key=ApiKey.objects.get(), actor=world.admin)
    response = report(client, api_key, fmt)
    assert response.status_code == 403 and error_of(response, fmt)[0] == 403
    assert not Case.objects.exists()
    entry = AuditEntry.objects.get(event="open311_key_refused")
    assert entry.reason == "revoked" and entry.detail["prefix"] == api_key[:8]


def test_an_unknown_key_is_forbidden(world, client, api_key):
    response = report(client, "not-a-key-we-issued")
    assert response.status_code == 403
    assert AuditEntry.objects.get(event="open311_key_refused").reason == "unknown"


def test_an_unknown_service_is_not_found(world, client, api_key):
    response = report(client, api_key, service_code="NOPE")
    assert response.status_code == 404 and "NOPE" in error_of(response, "json")[1]


def test_an_inactive_service_is_not_found(world, client, api_key):
    world.fire.is_active = False
    world.fire.save()
    assert report(client, api_key, service_code="SAFE-FIRE").status_code == 404


def test_a_missing_service_code_is_a_bad_request(world, client, api_key):
    response = report(client, api_key, service_code=None)
    assert response.status_code == 400 and "service_code" in error_of(response, "json")[1]


@pytest.mark.parametrize("lat", ["abc", "91", "nan", "inf", "1e999", "39,111", ""])
def test_a_bad_latitude_is_a_bad_request(world, client, api_key, lat):
    response = report(client, api_key, lat=lat)
    assert response.status_code == 400
    assert "lat" in error_of(response, "json")[1]
    assert not Case.objects.exists()


def test_a_registered_residents_phone_links_the_case_but_the_answer_does_not_tell(
    world, client, api_key, registry
):
    """李奶奶 lives alone: her case is urgent, yet the client hears the normal promise, and the request reads like
    any other (were it hidden, its 404 would tell the sender the phone is in the registry)."""
    response = report(client, api_key, phone=registry.li.phone)
    case = created(response)
    assert case.resident_id == registry.li.pk and case.urgency == "urgent"
    assert "60" in json_body(response)[0]["service_notice"]
    shown = client.get(f"/open311/v2/requests/{case.number}.json")
    assert shown.status_code == 200 and registry.li.phone not in shown.content.decode()


def test_a_non_form_body_is_a_bad_request(world, client, api_key):
    response = client.post(
        "/open311/v2/requests.json", {"api_key": api_key, "service_code": "ENV-DRAIN"}, "application/json"
    )
    assert response.status_code == 400 and not Case.objects.exists()


def test_the_post_may_use_multipart_too(world, client, api_key):
    response = client.post(
        "/open311/v2/requests.json", {"api_key": api_key, "service_code": "ENV-DRAIN", **AT_BUILDING_1}
    )
    assert created(response).grid == world.grid_a
