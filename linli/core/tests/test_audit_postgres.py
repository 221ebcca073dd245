"""PostgreSQL's side of LG-04: the trigger keeps audit rows append-only, and concurrent appends keep the chain."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from linli.accounts.models import User
from linli.core.audit import audit, purge_audit, verify_chain
from linli.core.models import AuditEntry

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the append-only trigger and row locks are PostgreSQL's"
    ),
    pytest.mark.usefixtures("audit_keys"),
]


@pytest.mark.django_db
def test_an_update_of_an_audit_row_is_a_database_error():
    entry = audit("login", reason="first")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditentry SET row_hash = 'x' WHERE seq = 1")
    assert AuditEntry.objects.get(pk=entry.pk).reason == "first"


@pytest.mark.django_db
def test_a_delete_is_a_database_error_even_with_the_purge_flag_for_young_rows():
    audit("login")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL linli.audit_purge = 'on'")
            cursor.execute("DELETE FROM core_auditentry")
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_the_purge_may_delete_old_rows_and_the_chain_still_verifies(settings):
    settings.LINLI_AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(days=200), tick=False):
        audit("login", age=200)
    audit("login", age=0)
    assert purge_audit(now) == 1
    assert verify_chain().ok
    # without the flag the same old-row delete is refused
    with time_machine.travel(now - datetime.timedelta(days=300), tick=False):
        audit("login", age=300)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(detail__age=300).delete()


@pytest.mark.django_db
def test_deleting_a_user_keeps_their_rows_and_the_chain():
    user = User.objects.create_user(username="leaver", password="Linli-test-2026-x")
    audit("login", actor=user)
    user.delete()
    entry = AuditEntry.objects.get()
    assert entry.actor_id is None and entry.actor_name == "leaver"
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_the_chain_gap_free_and_valid():
    threads, per_thread, errors = 8, 15, []
    barrier = threading.Barrier(threads)

    def work(n):
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit("load.test", object_id=f"{n}-{i}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads * per_thread + 1))
    result = verify_chain()
    assert result.ok and result.checked == threads * per_thread
