"""Backups and restore drills (SECURITY.md RE-06): ``linli backup`` and ``linli restore``.

An archive (``linli-backup-<UTC time>.tar.gz``) holds:

- the database: ``database.sqlite3`` (SQLite's online backup API) or ``database.pgdump`` (``pg_dump -Fc``);
- ``manifest.json``: Linli's version, the applied migrations, the time, and per table the row count and a
  SHA-256 over the canonical text of its rows in primary-key order, taken from the same snapshot as the dump;
- ``keys.enc``: the field-encryption key ring and the audit key ring, SM4-GCM-encrypted under a key derived
  (scrypt) from ``LINLI_BACKUP_PASSPHRASE``. Without it the encrypted columns of the dump are unreadable.

``restore --check`` restores into a scratch database, recomputes the counts and checksums there and compares them
with the manifest. The checksum is computed the same way on both engines: values as Django reads them (encrypted
columns as their stored ciphertext), each turned into fixed text (times in UTC, decimals at the column's scale,
JSON with sorted keys).
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import importlib.metadata
import io
import json
import os
import secrets
import shutil
import sqlite3

# pg_dump and pg_restore run with argument lists, never through a shell
import subprocess  # nosec B404
import tarfile
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.conf import settings
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.functions import Cast
from django.db.utils import load_backend
from django.utils import timezone

FORMAT = 1
SCRYPT_N = 2**15
MANIFEST = "manifest.json"
KEYS = "keys.enc"


class BackupError(Exception):
    """A backup or restore that cannot go on: missing tools or passphrase, a damaged archive."""


# ----------------------------------------------------------------------------- checksums


def _models():
    """Every concrete table Django manages, including many-to-many tables, in a fixed order."""
    seen, result = set(), []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.db_table in seen:
            continue
        seen.add(opts.db_table)
        result.append(model)
    return sorted(result, key=lambda m: m._meta.db_table)


def _is_raw(f) -> bool:
    """Fields whose Python value is not what is stored (decrypted ciphertext): read as stored text instead."""
    return type(f).__module__.startswith("linli.") and hasattr(f, "from_db_value")


def _text(f, value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value.total_seconds())
    if isinstance(value, decimal.Decimal):
        places = getattr(f, "decimal_places", None)
        return f"{value:.{places}f}" if places is not None else format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(f, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def table_checksums(alias: str = "default") -> dict[str, dict]:
    """Per table: the row count and the SHA-256 of its rows' canonical text, in primary-key order."""
    result = {}
    for model in _models():
        fields = [f for f in model._meta.concrete_fields]
        names, annotations = [], {}
        for f in fields:
            if _is_raw(f):
                annotations[f"_raw_{f.attname}"] = Cast(f.attname, models.TextField())
                names.append(f"_raw_{f.attname}")
            else:
                names.append(f.attname)
        qs = model._base_manager.using(alias).annotate(**annotations).order_by("pk").values_list(*names)
        digest, count = hashlib.sha256(), 0
        for row in qs.iterator(chunk_size=2000):
            cells = (
                _text(f, v).replace("\\", "\\\\").replace("\t", "\\t")
                for f, v in zip(fields, row, strict=True)
            )
            line = "\t".join(cells)
            digest.update(line.encode() + b"\n")
            count += 1
        result[model._meta.db_table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def migration_state(alias: str = "default") -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connections[alias]).applied_migrations())


# ----------------------------------------------------------------------------- key rings


def _derive(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=16, n=SCRYPT_N, r=8, p=1).derive(passphrase.encode())


def seal_keys(bundle: dict, passphrase: str) -> bytes:
    """The key rings as JSON, SM4-GCM under an scrypt key from the passphrase."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    encryptor = Cipher(algorithms.SM4(_derive(passphrase, salt)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(b"linli-backup-keys")
    body = encryptor.update(json.dumps(bundle).encode()) + encryptor.finalize()
    envelope = {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": 8,
        "p": 1,
        "cipher": "SM4-GCM",
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(body + encryptor.tag).decode(),
    }
    return json.dumps(envelope, indent=2).encode()


def open_keys(sealed: bytes, passphrase: str) -> dict:
    envelope = json.loads(sealed)
    salt, nonce = base64.b64decode(envelope["salt"]), base64.b64decode(envelope["nonce"])
    raw = base64.b64decode(envelope["ciphertext"])
    decryptor = Cipher(algorithms.SM4(_derive(passphrase, salt)), modes.GCM(nonce, raw[-16:])).decryptor()
    decryptor.authenticate_additional_data(b"linli-backup-keys")
    try:
        return json.loads(decryptor.update(raw[:-16]) + decryptor.finalize())
    except InvalidTag as exc:
        raise BackupError(
            "The key rings do not open: wrong LINLI_BACKUP_PASSPHRASE or a damaged archive."
        ) from exc


def current_keys() -> dict:
    """The rings this process uses, as JSON text; a ring held by a cipher machine is not exportable (None)."""
    from .audit import LocalAuditSigner, signer
    from .crypto import LocalKeyService, key_service

    service, audit_signer = key_service(), signer()
    keyring = service.source.ring().to_json() if isinstance(service, LocalKeyService) else None
    audit_keys = None
    if isinstance(audit_signer, LocalAuditSigner):
        ring = audit_signer.ring()
        audit_keys = json.dumps(
            {"active": ring["active"], "keys": {k: v.hex() for k, v in ring["keys"].items()}}
        )
    return {"keyring": keyring, "audit_keys": audit_keys}


# ----------------------------------------------------------------------------- engines


def _engine(settings_dict) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"No backup for the database engine {engine}.")


def _pg_env(settings_dict, name: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": settings_dict.get("HOST") or "",
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": settings_dict.get("USER") or "",
        "PGPASSWORD": settings_dict.get("PASSWORD") or "",
        "PGDATABASE": name or settings_dict["NAME"],
    }
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        values["PGSSLMODE"] = sslmode
    env.update({k: v for k, v in values.items() if v})
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


_alias_counter = 0


def _register(settings_dict: dict) -> str:
    """A connection alias for another database (a backup copy, a scratch restore), for this thread only."""
    global _alias_counter
    _alias_counter += 1
    alias = f"linli_backup_{os.getpid()}_{_alias_counter}"
    configured = connections.configure_settings(
        {"default": dict(connections.settings["default"]), alias: dict(settings_dict)}
    )[alias]
    connections[alias] = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    return alias


def _unregister(alias: str) -> None:
    connections[alias].close()
    del connections[alias]


# ----------------------------------------------------------------------------- backup


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    sha256: str


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(output_dir: str | Path | None = None, *, passphrase: str | None = None, with_keys: bool = True):
    """Write one archive of the default database, its manifest and the sealed key rings; returns a BackupResult."""
    passphrase = settings.LINLI_BACKUP_PASSPHRASE if passphrase is None else passphrase
    if with_keys and len(passphrase or "") < 12:
        raise BackupError("Set LINLI_BACKUP_PASSPHRASE (12 characters or more) to seal the key rings.")
    out = Path(output_dir or settings.LINLI_BACKUP_DIR)
    out.mkdir(parents=True, exist_ok=True)
    conn = connections["default"]
    engine = _engine(conn.settings_dict)
    now = timezone.now()
    with tempfile.TemporaryDirectory(prefix="linli-backup-") as work:
        work = Path(work)
        if engine == "sqlite":
            dump = work / "database.sqlite3"
            _sqlite_copy(conn.settings_dict["NAME"], dump)
            alias = _register({"ENGINE": "django.db.backends.sqlite3", "NAME": str(dump)})
            try:
                tables, migrations = table_checksums(alias), migration_state(alias)
            finally:
                _unregister(alias)
        else:
            dump = work / "database.pgdump"
            tables, migrations = _pg_dump(conn, dump)
        manifest = {
            "format": FORMAT,
            "linli_version": importlib.metadata.version("linli"),
            "created_at": now.isoformat(),
            "engine": engine,
            "migrations": migrations,
            "tables": tables,
            "dump": dump.name,
            "dump_sha256": _sha256_file(dump),
            "keys": KEYS if with_keys else None,
        }
        members = {MANIFEST: json.dumps(manifest, indent=2, sort_keys=True).encode()}
        if with_keys:
            members[KEYS] = seal_keys(current_keys(), passphrase)
        path = (
            out / f"linli-backup-{now.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}.tar.gz"
        )
        tmp = path.with_suffix(".partial")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, path)
    digest = _sha256_file(path)
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n")
    return BackupResult(path=path, manifest=manifest, sha256=digest)


def _sqlite_copy(source: str, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while others keep writing."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_dump(conn, dump: Path) -> tuple[dict, list[str]]:
    """pg_dump of a snapshot this connection exports, so the manifest describes exactly what was dumped."""
    tool = _tool("pg_dump")
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        _run(
            [tool, "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f", str(dump)],
            _pg_env(conn.settings_dict),
        )
        return table_checksums(conn.alias), migration_state(conn.alias)


# ----------------------------------------------------------------------------- restore


@dataclass
class RestoreReport:
    target: str
    differences: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    keys: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.differences


def read_archive(archive: str | Path, work: Path) -> dict:
    """Unpack the archive into ``work`` and check the dump against the manifest; returns the manifest."""
    with tarfile.open(archive, mode="r:gz") as tar:
        names = set(tar.getnames())
        if MANIFEST not in names:
            raise BackupError("Not a Linli backup: no manifest.json.")
        manifest = json.loads(tar.extractfile(MANIFEST).read())
        wanted = {manifest["dump"], MANIFEST} | ({manifest["keys"]} if manifest.get("keys") else set())
        for member in tar.getmembers():
            if member.name in wanted and member.isfile() and "/" not in member.name:
                tar.extract(member, work, filter="data")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    if _sha256_file(work / manifest["dump"]) != manifest["dump_sha256"]:
        raise BackupError("The database dump does not match its checksum in the manifest.")
    return manifest


def restore(
    archive: str | Path,
    *,
    into: str | None = None,
    check: bool = False,
    passphrase: str | None = None,
    keys_out: str | Path | None = None,
) -> RestoreReport:
    """Restore an archive into ``into`` (a database URL) or, for a check, into a scratch database that is dropped
    afterwards; compare counts and checksums with the manifest (always) and open the sealed key rings."""
    if into is None and not check:
        raise BackupError("Say where to restore (--into DATABASE_URL), or ask for --check.")
    passphrase = settings.LINLI_BACKUP_PASSPHRASE if passphrase is None else passphrase
    with tempfile.TemporaryDirectory(prefix="linli-restore-") as work:
        work = Path(work)
        manifest = read_archive(archive, work)
        keys = None
        if manifest.get("keys"):
            if passphrase:
                keys = open_keys((work / manifest["keys"]).read_bytes(), passphrase)
            elif keys_out:
                raise BackupError("LINLI_BACKUP_PASSPHRASE is needed to open the key rings.")
        target, scratch = _target(manifest["engine"], into)
        report = RestoreReport(target=_describe(target), keys=keys)
        try:
            if manifest["engine"] == "sqlite":
                _sqlite_copy(str(work / manifest["dump"]), Path(target["NAME"]))
            else:
                _pg_restore(work / manifest["dump"], target, create=scratch)
            alias = _register(target)
            try:
                _compare(manifest, table_checksums(alias), migration_state(alias), report)
            finally:
                _unregister(alias)
        finally:
            if scratch:
                _drop_scratch(manifest["engine"], target)
        if keys_out and keys:
            _write_keys(Path(keys_out), keys)
        return report


def _describe(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    return f"postgresql database {settings_dict['NAME']} on {settings_dict.get('HOST') or 'localhost'}"


def _target(engine: str, into: str | None) -> tuple[dict, bool]:
    """The settings of the database to restore into, and whether it is a scratch one made here."""
    if into:
        target = dj_database_url.parse(into)
        if _engine(target) != engine:
            raise BackupError(f"The archive holds a {engine} database; {into.split(':')[0]} was given.")
        if engine == "sqlite" and Path(target["NAME"]).exists() and Path(target["NAME"]).stat().st_size:
            raise BackupError(f"{target['NAME']} exists: restore into a new file.")
        return target, False
    if engine == "sqlite":
        fd, name = tempfile.mkstemp(prefix="linli-restore-check-", suffix=".sqlite3")
        os.close(fd)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}, True
    base = dict(connections["default"].settings_dict)
    base = {k: base.get(k) for k in ("ENGINE", "HOST", "PORT", "USER", "PASSWORD", "OPTIONS")}
    base["NAME"] = f"linli_restore_test_{os.getpid()}_{secrets.token_hex(2)}"
    base["OPTIONS"] = {k: v for k, v in (base.get("OPTIONS") or {}).items() if k == "sslmode"}
    return base, True


def _pg_admin(target: dict, sql: str) -> None:
    import psycopg

    env = _pg_env(target, "postgres")
    params = {
        "host": env.get("PGHOST"),
        "port": env.get("PGPORT"),
        "user": env.get("PGUSER"),
        "password": env.get("PGPASSWORD"),
        "dbname": "postgres",
        "sslmode": env.get("PGSSLMODE"),
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as admin:
        admin.execute(sql)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_restore(dump: Path, target: dict, *, create: bool) -> None:
    tool = _tool("pg_restore")
    if create:
        _pg_admin(target, f"CREATE DATABASE {_quote(target['NAME'])}")
    _run(
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "-d",
            target["NAME"],
            str(dump),
        ],
        _pg_env(target),
    )


def _drop_scratch(engine: str, target: dict) -> None:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(target["NAME"] + suffix).unlink(missing_ok=True)
    else:
        _pg_admin(target, f"DROP DATABASE IF EXISTS {_quote(target['NAME'])} WITH (FORCE)")


def _compare(manifest: dict, tables: dict, migrations: list[str], report: RestoreReport) -> None:
    expected = manifest["tables"]
    for name in sorted(set(expected) | set(tables)):
        want, got = expected.get(name), tables.get(name)
        if want is None:
            report.differences.append(f"{name}: not in the manifest")
        elif got is None:
            report.differences.append(f"{name}: missing after restore")
        elif want["rows"] != got["rows"]:
            report.differences.append(f"{name}: {got['rows']} rows, the manifest says {want['rows']}")
        elif want["sha256"] != got["sha256"]:
            report.differences.append(f"{name}: checksum differs")
        else:
            report.tables += 1
            report.rows += got["rows"]
    if migrations != manifest["migrations"]:
        report.differences.append("the applied migrations differ from the manifest")


def _write_keys(directory: Path, keys: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, key in (("keyring.json", "keyring"), ("audit-keys.json", "audit_keys")):
        if keys.get(key):
            fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(keys[key])
