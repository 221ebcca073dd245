"""The auditor's view of the audit log: read-only, filterable, exported as CSV, and the export audited (LG, AC-05)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from linli.accounts.models import RoleAssignment, User
from linli.core.audit import audit, may_read_audit
from linli.core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("audit_keys")]


@pytest.fixture
def auditor(db):
    user = User.objects.create_user(username="shenji", password="Linli-test-2026-x", is_staff=True)
    RoleAssignment.objects.create(user=user, role="auditor")
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_auditors_and_superusers_may_read_the_log(world, auditor):
    root = User.objects.create_superuser(username="root", password="Linli-test-2026-x")
    assert may_read_audit(auditor) and may_read_audit(root)
    assert not may_read_audit(world.admin) and not may_read_audit(world.secretary)
    staff = User.objects.create_user(username="sysadmin", password="Linli-test-2026-x", is_staff=True)
    assert _client(staff).get("/admin/core/auditentry/").status_code in (302, 403)


def test_the_auditor_lists_filters_and_cannot_change(world, auditor):
    audit("pi.reveal", actor=world.owner, object_id="7", field="phone")
    audit("registry.export", actor=world.secretary, outcome="denied", rows=3)
    client = _client(auditor)
    page = client.get("/admin/core/auditentry/", {"outcome": "denied"})
    assert page.status_code == 200
    body = page.content.decode()
    assert '<td class="field-event">registry.export</td>' in body
    assert '<td class="field-event">pi.reveal</td>' not in body
    assert "+08:00" in body  # times shown in ISO 8601 with the offset
    entry = AuditEntry.objects.get(event="pi.reveal")
    assert client.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/core/auditentry/{entry.pk}/change/", {"reason": "x"}).status_code == 403
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/core/auditentry/add/").status_code == 403


def test_the_csv_export_follows_the_filters_and_is_itself_audited(world, auditor):
    audit("pi.reveal", actor=world.owner, object_id="7", reason="=HYPERLINK(1)", field="phone")
    audit("registry.export", actor=world.secretary, outcome="denied", rows=3)
    response = _client(auditor).get("/admin/core/auditentry/export/", {"event": "pi.reveal"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="linli-audit-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["event"] for r in rows] == ["pi.reveal"]
    assert rows[0]["time"].endswith("+08:00") and rows[0]["actor"] == "grid1"
    assert rows[0]["reason"] == "'=HYPERLINK(1)"  # not run as a formula by a spreadsheet
    export = AuditEntry.objects.get(event="audit.export")
    assert (
        export.actor == auditor
        and export.detail["rows"] == 1
        and export.detail["filters"] == {"event": "pi.reveal"}
    )
    assert _client(world.secretary).get("/admin/core/auditentry/export/").status_code in (302, 403)
