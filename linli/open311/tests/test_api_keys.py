"""API keys: administrators issue them (shown once, only a hash kept) and revoke them, in the admin or the shell."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from linli.accounts.models import User
from linli.core.models import AuditEntry
from linli.open311.models import ApiKey
from linli.open311.services import api_key_issue, api_key_revoke

from .conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    superuser = User.objects.create_superuser(
        "sysadmin", password="Linli-test-2026", display_name="系统管理员"
    )
    client.force_login(superuser)
    client.superuser = superuser
    return client


def stored_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM open311_apikey")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_only_the_hash_and_a_prefix_of_a_key_are_stored(world):
    key, raw = api_key_issue(name="天津市民通", contact="王工 022-23456789", created_by=world.admin)
    assert len(raw) >= 40 and key.prefix == raw[:8]
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in stored_text()
    entry = AuditEntry.objects.get(event="open311_key_issued")
    assert entry.actor == world.admin and raw not in str(entry.detail)


def test_two_issued_keys_differ(world):
    assert api_key_issue(name="A")[1] != api_key_issue(name="B")[1]


def test_a_key_needs_a_name(world):
    with pytest.raises(ValueError):
        api_key_issue(name="  ")


def test_revoking_is_once_and_audited(world):
    key, _raw = api_key_issue(name="天津市民通")
    assert api_key_revoke(key=key, actor=world.admin) is True
    assert api_key_revoke(key=key, actor=world.admin) is False
    assert key.revoked_at is not None
    assert AuditEntry.objects.filter(event="open311_key_revoked").count() == 1


def test_the_admin_issues_a_key_and_shows_it_once(world, admin_client):
    response = admin_client.post(
        "/admin/open311/apikey/add/", {"name": "和平区政务App", "contact": "hp-app@example.gov.cn"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    raw = response.context["raw_key"]
    assert raw in response.content.decode()
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert key.created_by == admin_client.superuser and key.name == "和平区政务App"
    # Shown once: neither the list nor the key's page shows it again.
    assert raw not in admin_client.get("/admin/open311/apikey/").content.decode()
    page = admin_client.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()
    assert raw not in page and key.prefix in page
    # and it works
    assert report(admin_client, raw).status_code == 200


def test_the_admin_revokes_keys_and_cannot_delete_them(world, admin_client, api_key):
    key = ApiKey.objects.get()
    response = admin_client.post(
        "/admin/open311/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]}, follow=True
    )
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert report(admin_client, api_key).status_code == 403
    assert admin_client.get(f"/admin/open311/apikey/{key.pk}/delete/").status_code == 403


def test_staff_without_the_permission_cannot_issue_keys(world, client):
    clerk = User.objects.create_user("clerk", password="Linli-test-2026", is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/open311/apikey/add/").status_code == 403
    assert not ApiKey.objects.exists()


def test_the_command_issues_lists_and_revokes(world):
    out = StringIO()
    call_command("open311-key", "issue", "天津市民通", "--contact", "open311@example.gov.cn", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    key = ApiKey.objects.get(name="天津市民通")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    listing = StringIO()
    with translation.override("en"):  # the listing speaks the active language; another test may have left zh
        call_command("open311_key", "list", stdout=listing)
    assert (
        key.prefix in listing.getvalue() and "active" in listing.getvalue() and raw not in listing.getvalue()
    )
    call_command("open311-key", "revoke", key.prefix, stdout=StringIO())
    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(CommandError):
        call_command("open311-key", "revoke", "no-such", stdout=StringIO())
