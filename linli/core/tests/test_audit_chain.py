"""The audit log's HMAC-SM3 hash chain, retention and purge (SECURITY.md LG-04, LG-05)."""

from __future__ import annotations

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from linli.core import audit as audit_module
from linli.core.audit import LocalAuditSigner, audit, purge_audit, reset_signer, verify_chain
from linli.core.checks import audit_retention
from linli.core.models import AuditChain, AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("audit_keys")]


def _raw(sql: str, params=()) -> None:
    """Change audit rows behind the application's back (on PostgreSQL past the trigger, as a superuser could)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def _some_rows(world, n=5):
    return [
        audit(
            "pi.reveal", actor=world.owner, object_type="residents.resident", object_id=str(i), field="phone"
        )
        for i in range(1, n + 1)
    ]


def test_rows_form_a_gap_free_chain_that_verifies(world, capsys):
    rows = _some_rows(world)
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))
    assert {r.key_id for r in rows} == {"a1"} and all(len(r.row_hash) == 64 for r in rows)
    head = AuditChain.objects.get()
    assert (head.last_seq, head.last_hash) == (5, rows[-1].row_hash)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "rows checked: 5 (seq 1..5)" in out and "audit chain OK" in out


def test_the_hmac_is_sm3_under_the_audit_key(world):
    from cryptography.hazmat.primitives import hashes, hmac

    entry = _some_rows(world, 1)[0]
    stored = AuditEntry.objects.values(*audit_module.CHAIN_FIELDS).get(pk=entry.pk)
    key = LocalAuditSigner.parse(audit_module.settings.LINLI_AUDIT_KEYS)["keys"]["a1"]
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(audit_module.canonical(stored))
    assert mac.finalize().hex() == entry.row_hash


def test_an_edited_row_breaks_verify_at_its_seq(world):
    _some_rows(world)
    _raw("UPDATE core_auditentry SET reason = %s WHERE seq = 3", ["改过的理由"])
    result = verify_chain()
    assert (result.ok, result.checked, result.broken_seq) == (False, 2, 3)
    assert "altered" in result.problem
    with pytest.raises(CommandError, match="broken at seq 3"):
        call_command("audit", "verify")


def test_a_row_edited_with_its_hash_recomputed_without_the_key_still_breaks(world):
    """Re-hashing with another key (the attacker's) does not help: the next row's link and the key both fail."""
    _some_rows(world)
    _raw("UPDATE core_auditentry SET actor_name = 'someone' , row_hash = %s WHERE seq = 2", ["f" * 64])
    result = verify_chain()
    assert result.broken_seq == 2


def test_a_deleted_row_in_the_middle_is_reported_as_a_gap(world):
    _some_rows(world)
    _raw("DELETE FROM core_auditentry WHERE seq = 3")
    result = verify_chain()
    assert (result.broken_seq, result.checked) == (3, 2)
    assert "3..3 are missing" in result.problem


def test_rows_cut_from_the_end_are_reported(world):
    _some_rows(world)
    _raw("DELETE FROM core_auditentry WHERE seq >= 4")
    result = verify_chain()
    assert result.broken_seq == 4 and "missing at the end" in result.problem


def test_a_head_moved_back_to_hide_a_cut_is_detected(world):
    rows = _some_rows(world)
    _raw("DELETE FROM core_auditentry WHERE seq >= 4")
    AuditChain.objects.update(last_seq=3, last_hash=rows[2].row_hash)
    assert "head" in verify_chain().problem


def test_rotation_keeps_old_rows_verifiable_and_records_the_key(world, settings, tmp_path):
    settings.LINLI_AUDIT_KEYS = ""
    settings.LINLI_AUDIT_KEYS_FILE = str(tmp_path / "audit-keys.json")
    reset_signer()
    _some_rows(world, 2)
    call_command("audit", "rotate-key")
    later = _some_rows(world, 2)
    assert {r.key_id for r in later} == {"a2"}
    assert AuditEntry.objects.get(seq=1).key_id == "a1"
    assert verify_chain().ok and verify_chain().checked == 4
    assert (tmp_path / "audit-keys.json").stat().st_mode & 0o777 == 0o600
    # without the first key the rows it signed cannot be verified
    ring = LocalAuditSigner.parse((tmp_path / "audit-keys.json").read_text())
    del ring["keys"]["a1"]
    settings.LINLI_AUDIT_KEYS = audit_module.json.dumps(
        {"active": "a2", "keys": {k: v.hex() for k, v in ring["keys"].items()}}
    )
    reset_signer()
    assert verify_chain().broken_seq == 1


def _rows_aged(world, days_ago: list[int]):
    now = timezone.now()
    for days in days_ago:
        with time_machine.travel(now - datetime.timedelta(days=days), tick=False):
            audit("login", actor=world.owner, age=days)
    return now


def test_purge_never_deletes_rows_younger_than_180_days_even_if_configured_lower(world, settings):
    settings.LINLI_AUDIT_RETENTION_DAYS = 30
    warnings = audit_retention()
    assert [w.id for w in warnings] == ["linli.W001"]
    now = _rows_aged(world, [400, 200, 181, 179, 100, 1])
    assert purge_audit(now) == 3
    left = sorted(AuditEntry.objects.filter(event="login").values_list("detail__age", flat=True))
    assert left == [1, 100, 179]
    purge = AuditEntry.objects.get(event="audit.purge")
    assert purge.detail["rows"] == 3 and purge.detail["up_to_seq"] == 3


def test_purge_keeps_to_the_configured_retention_and_the_chain_verifiable(world, settings, capsys):
    settings.LINLI_AUDIT_RETENTION_DAYS = 365
    assert audit_retention() == []
    now = _rows_aged(world, [800, 500, 366, 364, 10])
    assert purge_audit(now) == 3
    head = AuditChain.objects.get()
    assert head.checkpoint_seq == 3
    result = verify_chain()
    assert result.ok and result.first_seq == 4 and result.checked == 3  # 364, 10 and the purge's own row
    call_command("audit", "verify")
    assert "audit chain OK" in capsys.readouterr().out
    assert purge_audit(now) == 0  # nothing more is old enough


def test_purge_only_cuts_the_oldest_prefix(world, settings):
    """A row with an old time after a young one (a clock step back) stays: the chain is cut only at its start."""
    settings.LINLI_AUDIT_RETENTION_DAYS = 180
    now = _rows_aged(world, [300, 10, 300])
    assert purge_audit(now) == 1
    assert list(AuditEntry.objects.filter(event="login").values_list("seq", flat=True).order_by("seq")) == [
        2,
        3,
    ]
    assert verify_chain().ok


def test_a_checkpoint_moved_forward_to_hide_deletions_is_detected(world):
    rows = _some_rows(world)
    _raw("DELETE FROM core_auditentry WHERE seq <= 2")
    AuditChain.objects.update(checkpoint_seq=2, checkpoint_hash=rows[1].row_hash)
    assert "head" in verify_chain().problem


def test_the_migration_chains_rows_written_before_the_chain(world):
    if connection.vendor == "postgresql":
        pytest.skip("the trigger forbids the rewrite once the table exists; the migration runs before it")
    _some_rows(world, 3)
    _raw("UPDATE core_auditentry SET seq = seq + 100, prev_hash = '', row_hash = '', key_id = ''")
    AuditChain.objects.all().delete()
    assert not verify_chain().ok
    module = importlib.import_module("linli.core.migrations.0004_chain_existing_audit_rows")
    module.chain_existing(apps, None)
    result = verify_chain()
    assert result.ok and result.checked == 3
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]


def test_two_processes_creating_the_first_ring_end_up_with_the_same_key(settings, tmp_path):
    settings.LINLI_AUDIT_KEYS = ""
    settings.LINLI_AUDIT_KEYS_FILE = str(tmp_path / "keys" / "audit-keys.json")
    first, second = LocalAuditSigner(), LocalAuditSigner()
    key = first.ring()["keys"]["a1"]
    LocalAuditSigner._create(first.path(), LocalAuditSigner.generate())  # a late second creation loses
    assert second.ring()["keys"]["a1"] == key == first.ring()["keys"]["a1"]
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["audit-keys.json"]


def test_a_head_reset_to_the_empty_start_is_detected(world):
    _some_rows(world, 3)
    AuditChain.objects.update(last_seq=0, last_hash="0" * 64, key_id="", mac="")
    result = verify_chain()
    assert result.broken_seq == 1 and "after the chain head" in result.problem


def test_an_audit_costs_three_queries(world, django_assert_num_queries):
    audit("warm.up", actor=world.owner)
    with django_assert_num_queries(3):  # lock the head, insert the row, move the head
        audit("pi.reveal", actor=world.owner, object_id="1", field="phone")
