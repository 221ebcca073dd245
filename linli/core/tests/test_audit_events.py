"""What the audit log records and what it never holds (SECURITY.md LG-01, LG-02, LG-03)."""

from __future__ import annotations

import datetime
import json
import logging
import re
from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from linli.core.audit import audit, scrub
from linli.core.models import AuditEntry
from linli.residents.models import Household, Resident
from linli.residents.tests.conftest import id_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("audit_keys")]

# 18-digit ID numbers and mainland mobiles, not inside a longer hex or digit run (hashes and request IDs are hex)
ID_NUMBER = re.compile(r"(?<![0-9a-fA-F])\d{17}[\dXx](?![0-9a-fA-F])")
MOBILE = re.compile(r"(?<![0-9a-fA-F])1[3-9]\d{9}(?![0-9a-fA-F])")


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _resident(world, phone="13820001111"):
    household = Household.objects.create(
        building=world.building_1,
        grid=world.grid_a,
        community=world.xiningdao,
        street_id=world.xiningdao.street_id,
        floor=3,
        room="301",
        address="吉利花园1号楼301",
    )
    return Resident.objects.create(
        household=household,
        community_id=world.xiningdao.pk,
        name="李秀兰",
        gender="female",
        birth_date=date(1941, 3, 7),
        id_number=id_number("120101", date(1941, 3, 7), 11, female=True),
        phone=phone,
        relationship="head",
    )


# ----------------------------------------------------------------------------- LG-02: the fields


def test_a_row_has_every_field_of_lg02(world, api, settings):
    resident = _resident(world)
    client = api.as_(world.owner)
    answer = client.post(
        f"/api/v1/residents/{resident.pk}/reveal/",
        {"field": "phone", "reason": "核对身份"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert answer.status_code == 200
    entry = AuditEntry.objects.get(event="pi.reveal")
    assert entry.at.tzinfo is not None and entry.at.utcoffset() == datetime.timedelta(0)
    assert (entry.actor, entry.actor_name, entry.roles) == (world.owner, "grid1", "grid_worker")
    assert (entry.ip, entry.object_type, entry.object_id, entry.outcome) == (
        "10.1.2.3",
        "residents.resident",
        str(resident.pk),
        "ok",
    )
    assert entry.request_id and answer["X-Request-ID"] == entry.request_id
    assert entry.seq >= 1 and len(entry.row_hash) == 64 and entry.key_id == "a1"


def test_a_spoofed_forwarded_for_from_a_client_that_is_no_proxy_is_ignored(world, settings):
    settings.LINLI_TRUSTED_PROXIES = frozenset({"10.9.9.9"})
    _signed_in(world.owner).get("/knowledge/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="127.0.0.1")
    _signed_in(world.reporter).get(
        "/knowledge/",
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="127.0.0.1",
        HTTP_X_REQUEST_ID="forged-id",
    )
    spoofed = AuditEntry.objects.get(event="access.denied")
    assert spoofed.ip == "203.0.113.7" and spoofed.request_id != "forged-id"


def test_the_trusted_proxy_s_forwarded_for_and_request_id_are_believed(world, settings):
    settings.LINLI_TRUSTED_PROXIES = frozenset({"10.9.9.9"})
    response = _signed_in(world.reporter).get(
        "/knowledge/",
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="203.0.113.50, 198.51.100.4",
        HTTP_X_REQUEST_ID="gw-1234",
    )
    entry = AuditEntry.objects.get(event="access.denied")
    assert entry.ip == "198.51.100.4"  # the entry the trusted proxy appended, not what the client wrote
    assert entry.request_id == "gw-1234" == response["X-Request-ID"]


def test_garbage_in_forwarded_for_from_a_proxy_falls_back_to_the_proxy(world, settings):
    settings.LINLI_TRUSTED_PROXIES = frozenset({"10.9.9.9"})
    _signed_in(world.reporter).get("/knowledge/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="<script>")
    assert AuditEntry.objects.get(event="access.denied").ip == "10.9.9.9"


# ----------------------------------------------------------------------------- LG-01: denials, once


def test_a_drf_permission_denied_is_one_audit_row(world, api):
    answer = api.as_(world.reporter).get("/api/v1/dispatch/suggest/", {"text": "下水道"})
    assert answer.status_code == 403
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.outcome, entry.actor, entry.detail["status"]) == (
        "access.denied",
        "denied",
        world.reporter,
        403,
    )
    assert entry.detail["view"] == "api:dispatch-suggest"


def test_a_django_permission_denied_on_a_page_is_one_audit_row(world):
    response = _signed_in(world.reporter).get("/knowledge/")
    assert response.status_code == 403
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor, entry.detail["status"], entry.detail["method"]) == (
        "access.denied",
        world.reporter,
        403,
        "GET",
    )


def test_an_out_of_scope_object_is_one_audit_row(world, api, new_case):
    case = new_case()
    before = AuditEntry.objects.count()
    answer = api.as_(world.outsider).get(f"/api/v1/cases/{case.pk}/")
    assert answer.status_code == 404
    entry = AuditEntry.objects.get(event="access.denied")
    assert AuditEntry.objects.count() == before + 1
    assert entry.actor == world.outsider and entry.detail["status"] == 404
    assert entry.detail["object_key"] == {"pk": str(case.pk)}
    response = _signed_in(world.outsider).get(f"/cases/{case.pk}/")
    assert response.status_code == 404
    assert AuditEntry.objects.filter(event="access.denied").count() == 2


def test_a_denial_the_service_audited_is_not_audited_again(world, api):
    resident = _resident(world)
    answer = api.as_(world.street).post(
        f"/api/v1/residents/{resident.pk}/reveal/", {"field": "phone", "reason": "核对身份"}
    )
    assert answer.status_code == 403
    assert list(AuditEntry.objects.values_list("event", "outcome")) == [("pi.reveal", "denied")]


def test_anonymous_misses_are_not_audit_rows(world):
    assert Client().get("/no-such-page/").status_code == 404
    assert not AuditEntry.objects.exists()


# ----------------------------------------------------------------------------- LG-03: nothing that identifies


def test_line_breaks_and_personal_numbers_are_encoded_in_every_field(world):
    entry = audit(
        "note\r\nforged 2026-01-01 admin login ok",
        actor=world.owner,
        reason="电话 13812345678\r\n身份证 120101194103071125",
        object_id="13812345678",
        note="１３８１２３４５６７８",
        nested={"phone": "+86 138 1234 5678", "list": ["120101194103071125"]},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    text = json.dumps([stored.event, stored.reason, stored.object_id, stored.detail], ensure_ascii=False)
    assert "\r" not in text and "\n" not in stored.reason and "\\r\\n" in stored.reason
    assert not ID_NUMBER.search(text) and not MOBILE.search(text)
    assert "13812345678" not in text.replace(" ", "")


def test_scrub_keeps_ordinary_text():
    assert scrub("办理养老补贴") == "办理养老补贴"


def test_a_run_of_actions_leaves_no_id_number_or_mobile_in_logs_or_the_audit_log(
    world, api, settings, caplog, django_capture_on_commit_callbacks
):
    settings.LINLI_AUDIT_SYSLOG = True
    phone, resident = "13987654321", _resident(world, phone="13820001111")
    full_id = resident.id_number
    caplog.set_level(logging.DEBUG)
    with (
        translation.override("en"),
        caplog.at_level(logging.DEBUG),
        django_capture_on_commit_callbacks(execute=True),
    ):
        # a sign-in failure with a phone number as the user name and an ID number as the password
        Client().post("/accounts/login/", {"username": phone, "password": full_id})
        # intake with the reporter's phone and an ID number in the description
        answer = api.as_(world.secretary).post(
            "/api/v1/cases/",
            {
                "title": "楼道堆物",
                "description": f"报事人身份证{full_id}，电话{phone}",
                "category": world.drain.code,
                "lat": 39.111,
                "lon": 117.201,
                "reporter_name": "刘阿姨",
                "reporter_phone": phone,
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY="lg03-1",
        )
        assert answer.status_code == 201, answer.content
        case_id = answer.json()["id"]
        # a reveal of the full phone and ID number, a refused reveal, and an outsider's probe
        for field in ("phone", "id_number"):
            client = api.as_(world.owner)
            assert (
                client.post(
                    f"/api/v1/residents/{resident.pk}/reveal/", {"field": field, "reason": f"回电{phone}"}
                ).status_code
                == 200
            )
        api.as_(world.street).post(
            f"/api/v1/residents/{resident.pk}/reveal/", {"field": "phone", "reason": "x"}
        )
        api.as_(world.outsider).get(f"/api/v1/cases/{case_id}/")
        api.as_(world.outsider).post("/api/v1/residents/lookup/", {"phone": phone})
        audit("manual", actor=world.owner, reason=f"{full_id}\n{phone}", phone=phone)
    rows = list(AuditEntry.objects.all())
    assert len(rows) >= 5
    audit_text = "\n".join(
        json.dumps(
            [r.event, r.actor_name, r.object_id, r.reason, r.detail, r.ip, r.roles], ensure_ascii=False
        )
        for r in rows
    )
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    assert any(r.name == "linli.audit" for r in caplog.records)  # the shipped copy was captured too
    for text in (audit_text, log_text):
        assert ID_NUMBER.findall(text) == []
        assert MOBILE.findall(text) == []
        assert "\r" not in text
