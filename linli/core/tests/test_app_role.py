"""AC-07: the application's PostgreSQL role reads and writes rows, only adds audit rows, and holds no DDL."""

from __future__ import annotations

import datetime
import os
from contextlib import contextmanager

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from linli.core import dbroles
from linli.core.audit import audit, purge_audit, verify_chain
from linli.core.models import AuditEntry

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
    pytest.mark.django_db,
    pytest.mark.usefixtures("audit_keys"),
]

ROLE = (
    f"linli_app_{os.getpid()}"  # roles belong to the cluster: one per test process, rolled back with the test
)


@pytest.fixture
def role():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {ROLE} LOGIN")
    return ROLE


@contextmanager
def acting_as(role):
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused(sql):
    with pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_a_role_not_yet_granted_is_reported_short(role):
    found = dbroles.problems(role)
    assert f"{role} lacks SELECT on cases_case" in found
    assert f"{role} may not run linli_audit_purge (the daily purge)" in found
    with pytest.raises(CommandError, match="lacks INSERT on cases_case"):
        call_command("grant_app_role", role, "--check")


def test_the_granted_role_writes_rows_adds_audit_rows_and_nothing_more(role, settings):
    settings.LINLI_AUDIT_RETENTION_DAYS = 180
    call_command("grant_app_role", role)
    assert dbroles.problems(role) == []
    with time_machine.travel(timezone.now() - datetime.timedelta(days=200), tick=False):
        audit("login", age=200)
    with acting_as(role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
            cursor.execute("SELECT count(*) FROM cases_case")
        audit("login", age=0)  # a new row, and the chain's head moves
        assert purge_audit() == 1  # the daily purge, through the owner's function
        refused("UPDATE core_auditentry SET reason = 'changed'")
        refused("DELETE FROM core_auditentry")
        refused("TRUNCATE insights_casefact")
        refused("CREATE TABLE linli_intruder (id int)")
        refused("ALTER TABLE cases_case ADD COLUMN intruder int")
        refused("INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())")
    assert AuditEntry.objects.filter(event="audit.purge").count() == 1
    assert verify_chain().ok


def test_a_superuser_role_is_refused(role):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER ROLE {role} SUPERUSER")
    with pytest.raises(CommandError, match=f"{role} has SUPERUSER"):
        call_command("grant_app_role", role)


def test_a_role_name_that_is_not_plain_is_refused():
    with pytest.raises(CommandError, match="Not a plain role name"):
        call_command("grant_app_role", 'app"; DROP TABLE cases_case; --')
