"""`linli backup` and `linli restore` on SQLite and PostgreSQL (SECURITY.md RE-06)."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from linli.core.audit import LocalAuditSigner, audit, reset_signer
from linli.core.backup import BackupError, backup, open_keys, restore, table_checksums
from linli.core.crypto import KeyRing, LocalKeyService, reset_key_service
from linli.residents.models import Household, Resident
from linli.residents.tests.conftest import id_number

PASS = "correct horse battery staple 2026"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def keys(settings):
    settings.LINLI_AUDIT_KEYS = LocalAuditSigner.generate()
    settings.LINLI_BACKUP_PASSPHRASE = PASS
    reset_signer()
    yield
    reset_signer()


@pytest.fixture
def data(world):
    household = Household.objects.create(
        building=world.building_1,
        grid=world.grid_a,
        community=world.xiningdao,
        street_id=world.xiningdao.street_id,
        floor=3,
        room="301",
        address="吉利花园1号楼301",
    )
    resident = Resident.objects.create(
        household=household,
        community_id=world.xiningdao.pk,
        name="李秀兰",
        gender="female",
        birth_date=date(1941, 3, 7),
        id_number=id_number("120101", date(1941, 3, 7), 11, female=True),
        phone="13820001111",
        relationship="head",
    )
    audit("pi.reveal", actor=world.owner, obj=resident, reason="办理养老补贴", field="phone")
    return resident


def _rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of the archive with its manifest changed by ``change(manifest)``."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


def test_a_backup_holds_the_dump_a_manifest_and_the_sealed_key_rings(data, tmp_path, settings):
    result = backup(tmp_path)
    with tarfile.open(result.path, "r:gz") as tar:
        names = set(tar.getnames())
        sealed = tar.extractfile("keys.enc").read()
    engine = "sqlite" if connection.vendor == "sqlite" else "postgresql"
    dump = "database.sqlite3" if engine == "sqlite" else "database.pgdump"
    assert names == {dump, "manifest.json", "keys.enc"}
    manifest = result.manifest
    assert manifest["engine"] == engine and manifest["linli_version"]
    assert "core.0005_audit_append_only" in manifest["migrations"]
    assert manifest["tables"]["residents_resident"]["rows"] == 1
    assert manifest["tables"]["core_auditentry"]["rows"] == 1
    assert len(manifest["tables"]["accounts_user"]["sha256"]) == 64
    ring = json.loads(settings.LINLI_KEYRING)
    assert ring["data_keys"]["d1"].encode() not in sealed  # sealed, not copied
    opened = open_keys(sealed, PASS)
    assert (
        KeyRing.from_json(opened["keyring"]).data_keys == KeyRing.from_json(settings.LINLI_KEYRING).data_keys
    )
    assert json.loads(opened["audit_keys"]) == json.loads(settings.LINLI_AUDIT_KEYS)
    assert result.path.stat().st_mode & 0o777 == 0o600
    assert Path(str(result.path) + ".sha256").read_text().split()[0] == result.sha256


def test_restore_check_matches_counts_and_checksums(data, tmp_path, capsys):
    archive = backup(tmp_path).path
    call_command("restore", str(archive), "--check")
    out = capsys.readouterr().out
    assert "restore check OK" in out and "key rings: opened" in out
    tables = table_checksums()
    assert f"{len(tables)} tables" in out


def test_restore_check_fails_on_any_difference(data, tmp_path, capsys):
    archive = backup(tmp_path).path

    def one_row_more(manifest):
        manifest["tables"]["residents_resident"]["rows"] += 1

    def other_checksum(manifest):
        manifest["tables"]["core_auditentry"]["sha256"] = "0" * 64

    for change in (one_row_more, other_checksum):
        bad = _rewrite(archive, tmp_path / f"{change.__name__}.tar.gz", change)
        with pytest.raises(CommandError, match="1 differences"):
            call_command("restore", str(bad), "--check")
    err = capsys.readouterr().err
    assert "residents_resident: 1 rows, the manifest says 2" in err
    assert "core_auditentry: checksum differs" in err


def test_a_damaged_dump_or_a_wrong_passphrase_is_refused(data, tmp_path, settings):
    archive = backup(tmp_path).path
    bad = _rewrite(archive, tmp_path / "bad.tar.gz", lambda m: m.update(dump_sha256="0" * 64))
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(bad, check=True)
    with pytest.raises(BackupError, match="do not open"):
        restore(archive, check=True, passphrase="not the passphrase")
    settings.LINLI_BACKUP_PASSPHRASE = ""
    with pytest.raises(BackupError, match="LINLI_BACKUP_PASSPHRASE"):
        backup(tmp_path)


def test_the_restored_key_ring_reads_the_restored_encrypted_columns(data, tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite file is opened directly here; PostgreSQL is covered by the check test")
    archive = backup(tmp_path).path
    target = tmp_path / "restored.sqlite3"
    report = restore(archive, into=f"sqlite:///{target}", keys_out=tmp_path / "keys")
    assert report.ok and report.rows > 0
    import sqlite3

    with sqlite3.connect(target) as db:
        stored = db.execute("SELECT phone FROM residents_resident").fetchone()[0]
    assert "13820001111" not in stored
    # a fresh process loads the ring from the file restore wrote, and reads the restored ciphertext with it
    settings.LINLI_KEYRING = ""
    settings.LINLI_KEYRING_FILE = str(tmp_path / "keys" / "keyring.json")
    settings.LINLI_KEYRING_CREATE = False
    reset_key_service()
    context = Resident._meta.get_field("phone").context
    assert LocalKeyService().decrypt(stored, context=context).decode() == "13820001111"
    assert (tmp_path / "keys" / "keyring.json").stat().st_mode & 0o777 == 0o600


def test_the_commands_print_what_they_did(data, tmp_path, capsys):
    call_command("backup", "--output", str(tmp_path))
    out = capsys.readouterr().out
    archive = next(tmp_path.glob("linli-backup-*.tar.gz"))
    assert str(archive) in out and "sha256 " in out and " rows, " in out
    with pytest.raises(CommandError, match="--into"):
        call_command("restore", str(archive))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore")
def test_postgresql_restore_check_uses_a_scratch_database_and_drops_it(data, tmp_path):
    archive = backup(tmp_path).path
    report = restore(archive, check=True)
    assert report.ok, report.differences
    assert report.target.startswith("postgresql database linli_restore_test_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'linli_restore_test_%%'")
        assert cursor.fetchone()[0] == 0
