"""The one door to the audit log (SECURITY.md LG-01..05): who did what to whom, when, from where, and why.

Every row is a link of an HMAC-SM3 hash chain (LG-04): ``seq`` is gap-free, ``prev_hash`` is the previous row's
``row_hash``, and ``row_hash`` is the HMAC of the row's canonical JSON under the audit key named in ``key_id``.
Appends serialize on the chain head (``AuditChain``, locked FOR UPDATE; SQLite's IMMEDIATE transactions already
serialize writers). On PostgreSQL a trigger (migration 0005) refuses UPDATE and DELETE of audit rows, except the
purge of rows past the retention. ``linli audit verify`` walks the chain.

The audit keys are their own ring, apart from the field-encryption ring: ``linli rotate-keys --retire`` drops old
index keys, and the chain must stay verifiable with every key that ever signed a row.
"""

from __future__ import annotations

import contextvars
import csv
import datetime
import ipaddress
import json
import logging
import os
import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import constant_time, hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .logscrub import scrub
from .models import AuditChain, AuditEntry

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 180
shipping_log = logging.getLogger("linli.audit")
_current_request: contextvars.ContextVar = contextvars.ContextVar("linli_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _scrub_value(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): _scrub_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_value(v) for v in value]
    return value


# ----------------------------------------------------------------------------- request context


def set_current_request(request):
    """Make ``request`` the one audit() falls back to for IP and request ID; returns the reset token."""
    return _current_request.set(request)


def reset_current_request(token) -> None:
    _current_request.reset(token)


def current_request():
    return _current_request.get()


def _base(request):
    """The Django HttpRequest under a DRF Request."""
    return getattr(request, "_request", request)


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the proxy's X-Forwarded-For entry when the direct peer is a trusted proxy (LG-02)."""
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    if remote and remote in settings.LINLI_TRUSTED_PROXIES:
        forwarded = _valid_ip(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip())
        return forwarded or remote
    return remote


def _valid_ip(value) -> str | None:
    """The address in the form the column stores, or None for anything that is not one."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None
    return AuditEntry._meta.get_field("ip").get_prep_value(str(address))


def request_id(request) -> str:
    if request is None:
        return ""
    base = _base(request)
    rid = getattr(base, "linli_request_id", None)
    if rid is None:
        rid = base.linli_request_id = uuid.uuid4().hex
    return rid


def incoming_request_id(request) -> str:
    """The X-Request-ID a trusted proxy gave, else a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if request.META.get("REMOTE_ADDR") in settings.LINLI_TRUSTED_PROXIES and _REQUEST_ID.match(given):
        return given
    return uuid.uuid4().hex


def denial_audited(request) -> bool:
    """Whether this request already wrote a denied audit row (so the error handlers do not write a second)."""
    return request is not None and getattr(_base(request), "_linli_denial_audited", False)


# ----------------------------------------------------------------------------- signing keys


class LocalAuditSigner:
    """HMAC-SM3 with the audit key ring: ``LINLI_AUDIT_KEYS`` (JSON) or the file ``LINLI_AUDIT_KEYS_FILE``.

    The ring is ``{"active": "a1", "keys": {"a1": "<64 hex>"}}``; a cipher machine's client with ``active_key_id`` and
    ``mac`` replaces this class through ``LINLI_AUDIT_SIGNER``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ring: dict | None = None
        self._stamp = None

    @staticmethod
    def path() -> Path:
        return Path(settings.LINLI_AUDIT_KEYS_FILE)

    @staticmethod
    def parse(text: str) -> dict:
        try:
            raw = json.loads(text)
            ring = {"active": raw["active"], "keys": {k: bytes.fromhex(v) for k, v in raw["keys"].items()}}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ImproperlyConfigured(f"The audit key ring is not valid: {exc}") from exc
        if ring["active"] not in ring["keys"] or any(len(k) < 16 for k in ring["keys"].values()):
            raise ImproperlyConfigured("The audit key ring's active key is missing or a key is short.")
        return ring

    @staticmethod
    def generate(existing: dict | None = None) -> str:
        """The JSON of a ring with a fresh active key added to ``existing`` (a parsed ring) or alone."""
        keys = {k: v.hex() for k, v in (existing or {"keys": {}})["keys"].items()}
        numbers = [int(k[1:]) for k in keys if k.startswith("a") and k[1:].isdigit()]
        new_id = f"a{max(numbers, default=0) + 1}"
        keys[new_id] = secrets.token_bytes(32).hex()
        return json.dumps({"active": new_id, "keys": keys}, indent=2)

    def ring(self) -> dict:
        inline = settings.LINLI_AUDIT_KEYS
        if inline:
            if self._stamp != ("env", inline):
                self._ring, self._stamp = self.parse(inline), ("env", inline)
            return self._ring
        with self._lock:
            path = self.path()
            if not path.exists():
                if not settings.LINLI_KEYRING_CREATE:
                    raise ImproperlyConfigured(
                        f"No audit key ring at {path}: set LINLI_AUDIT_KEYS_FILE or LINLI_AUDIT_KEYS."
                    )
                self._create(path, self.generate())
            stamp = (str(path), path.stat().st_mtime_ns)
            if stamp != self._stamp:
                self._ring, self._stamp = self.parse(path.read_text()), stamp
            return self._ring

    @staticmethod
    def _create(path: Path, text: str) -> None:
        """Write a first ring unless another process just did: its ring wins, and both sign with the same key."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        try:
            os.link(tmp, path)  # fails if the ring exists
        except FileExistsError:
            pass
        finally:
            tmp.unlink()

    def save(self, text: str) -> None:
        if settings.LINLI_AUDIT_KEYS:
            raise ImproperlyConfigured(
                "The audit keys come from LINLI_AUDIT_KEYS; change that variable instead."
            )
        self.parse(text)
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
        self._stamp = None

    def rotate(self) -> str:
        """Add a new active key (old ones stay, to verify the rows they signed), or make the first ring; its id."""
        if not settings.LINLI_AUDIT_KEYS and not self.path().exists():
            self._create(self.path(), self.generate())
            self._stamp = None
            return self.ring()["active"]
        text = self.generate(self.ring())
        self.save(text)
        return json.loads(text)["active"]

    def active_key_id(self) -> str:
        return self.ring()["active"]

    def mac(self, key_id: str, payload: bytes) -> str | None:
        """HMAC-SM3 of ``payload`` under the key ``key_id`` (hex), or None if the ring has no such key."""
        key = self.ring()["keys"].get(key_id)
        if key is None:
            return None
        mac = hmac.HMAC(key, hashes.SM3())
        mac.update(payload)
        return mac.finalize().hex()


_signer = None
_signer_lock = threading.Lock()


def signer():
    """The configured audit signer (``LINLI_AUDIT_SIGNER``), made once per process."""
    global _signer
    if _signer is None:
        with _signer_lock:
            if _signer is None:
                _signer = import_string(settings.LINLI_AUDIT_SIGNER)()
    return _signer


def reset_signer() -> None:
    global _signer
    _signer = None


# ----------------------------------------------------------------------------- the chain

# The columns a row's HMAC covers, in this order. ``actor_id`` is not among them: deleting a user sets it to NULL
# (the trigger allows exactly that change), and ``actor_name`` keeps who it was.
CHAIN_FIELDS = (
    "seq",
    "at",
    "actor_name",
    "roles",
    "ip",
    "request_id",
    "event",
    "object_type",
    "object_id",
    "outcome",
    "reason",
    "detail",
    "key_id",
    "prev_hash",
)


def iso_utc(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical(values: dict) -> bytes:
    """The bytes a row's HMAC is taken over: its chained fields as sorted, compact JSON."""
    row = {name: values[name] for name in CHAIN_FIELDS}
    row["at"] = iso_utc(row["at"])
    row["ip"] = row["ip"] or None
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _head_payload(head: AuditChain) -> bytes:
    return f"head|{head.last_seq}|{head.last_hash}|{head.checkpoint_seq}|{head.checkpoint_hash}".encode()


def _signed(key_id: str, payload: bytes, mac: str) -> bool:
    expected = signer().mac(key_id, payload)
    return expected is not None and constant_time.bytes_eq(expected.encode(), (mac or "").encode())


def _sign_head(head: AuditChain) -> None:
    head.key_id = signer().active_key_id()
    head.mac = signer().mac(head.key_id, _head_payload(head))


def _locked_head() -> AuditChain:
    """The chain head, locked until the transaction ends; made (race-free) if a flush removed it."""
    head = AuditChain.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChain.objects.bulk_create([AuditChain(pk=1)], ignore_conflicts=True)
        head = AuditChain.objects.select_for_update().get(pk=1)
    return head


def _cut(value: str, length: int) -> str:
    return (value or "")[:length]


def audit(
    event: str,
    *,
    actor=None,
    request=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = AuditEntry.Outcome.OK,
    reason: str = "",
    **detail,
) -> AuditEntry:
    """Record one audited act. Call it inside the transaction of the act it records."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    # A service called without the request still records the request's address and ID.
    context = request if request is not None else current_request()
    roles = ",".join(sorted(actor.scope.roles)) if actor is not None else ""
    # Normalised through JSON now, so the HMAC is taken over exactly what the database gives back.
    clean_detail = json.loads(json.dumps(_scrub_value(detail)))
    entry = AuditEntry(
        actor=actor,
        actor_name=_cut(scrub(actor.get_username()) if actor is not None else "", 150),
        roles=_cut(roles, 200),
        ip=client_ip(context),
        request_id=_cut(request_id(context), 64),
        event=_cut(scrub(event), 60),
        object_type=_cut(object_type, 60),
        object_id=_cut(scrub(str(object_id)), 64),
        outcome=outcome,
        reason=_cut(scrub(reason or ""), 300),
        detail=clean_detail,
    )
    # no savepoint: a failed audit write fails the act it records (and costs two queries less)
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        entry.seq = head.last_seq + 1
        entry.prev_hash = head.last_hash
        entry.at = timezone.now()
        entry.key_id, entry.row_hash = _sign_row(entry)
        entry.save(force_insert=True)
        head.last_seq, head.last_hash = entry.seq, entry.row_hash
        _sign_head(head)
        head.save()
    if outcome == AuditEntry.Outcome.DENIED and context is not None:
        _base(context)._linli_denial_audited = True
    if settings.LINLI_AUDIT_SYSLOG:
        transaction.on_commit(lambda: shipping_log.info(export_json(entry)))
    return entry


def _sign_row(entry: AuditEntry) -> tuple[str, str]:
    entry.key_id = signer().active_key_id()
    return entry.key_id, signer().mac(entry.key_id, canonical(entry.__dict__))


def export_json(entry: AuditEntry) -> str:
    """One entry as one JSON line (for a separate log store), time in ISO 8601 with its offset."""
    return json.dumps(
        {
            "seq": entry.seq,
            "at": iso_utc(entry.at),
            "actor": entry.actor_name,
            "roles": entry.roles,
            "ip": entry.ip,
            "request_id": entry.request_id,
            "event": entry.event,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "outcome": entry.outcome,
            "reason": entry.reason,
            "detail": entry.detail,
            "prev_hash": entry.prev_hash,
            "row_hash": entry.row_hash,
            "key_id": entry.key_id,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


@dataclass
class Verification:
    """What ``verify_chain`` found: rows checked, and the first broken sequence number with the reason."""

    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.problem


def verify_chain(*, chunk_size: int = 2000) -> Verification:
    """Walk the chain from the last purge checkpoint to the head, streaming; stop at the first break."""
    result = Verification()
    head = AuditChain.objects.filter(pk=1).first()
    if head is None:
        if AuditEntry.objects.exists():
            result.problem = "the chain head is missing"
        return result
    # the migrations leave an unsigned head at the start of an empty chain; any other head must be signed
    genesis = head.last_seq == 0 and head.checkpoint_seq == 0 and not head.mac
    if not genesis and not _signed(head.key_id, _head_payload(head), head.mac):
        result.problem = "the chain head's signature does not match"
        return result
    expected_seq, expected_prev = head.checkpoint_seq + 1, head.checkpoint_hash
    names = ("row_hash", *CHAIN_FIELDS)
    rows = AuditEntry.objects.order_by("seq").values_list(*names).iterator(chunk_size=chunk_size)
    for values in rows:
        row = dict(zip(names, values, strict=True))
        seq = row["seq"]
        if result.first_seq is None:
            result.first_seq = seq
        if seq < expected_seq:
            result.broken_seq, result.problem = seq, "a row from before the purge checkpoint"
            return result
        if seq > expected_seq:
            result.broken_seq = expected_seq
            result.problem = f"rows {expected_seq}..{seq - 1} are missing"
            return result
        if row["prev_hash"] != expected_prev:
            result.broken_seq, result.problem = seq, "does not link to the previous row"
            return result
        if not _signed(row["key_id"], canonical(row), row["row_hash"]):
            result.broken_seq, result.problem = seq, "the row was altered (its HMAC does not match)"
            return result
        result.checked += 1
        result.last_seq = seq
        expected_seq, expected_prev = seq + 1, row["row_hash"]
    if expected_seq - 1 > head.last_seq:
        result.broken_seq = head.last_seq + 1
        result.problem = f"rows after the chain head (seq {head.last_seq})"
    elif expected_seq - 1 != head.last_seq or expected_prev != head.last_hash:
        result.broken_seq = expected_seq
        result.problem = f"rows {expected_seq}..{head.last_seq} are missing at the end"
    return result


# ----------------------------------------------------------------------------- retention (LG-05)


def retention_days() -> int:
    """``LINLI_AUDIT_RETENTION_DAYS``, never below 180 days (the system check warns about a smaller value)."""
    return max(MIN_RETENTION_DAYS, int(settings.LINLI_AUDIT_RETENTION_DAYS))


def purge_audit(now: datetime.datetime | None = None) -> int:
    """Delete the oldest rows past the retention (a prefix of the chain), keep a signed checkpoint; the count."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=retention_days())
    with transaction.atomic():
        head = _locked_head()
        first_kept = (
            AuditEntry.objects.filter(at__gte=cutoff, seq__gt=head.checkpoint_seq).order_by("seq").first()
        )
        last_purged = AuditEntry.objects.filter(seq__gt=head.checkpoint_seq, at__lt=cutoff)
        if first_kept is not None:
            last_purged = last_purged.filter(seq__lt=first_kept.seq)
        last = last_purged.order_by("-seq").values_list("seq", "row_hash").first()
        if last is None:
            return 0
        if connection.vendor == "postgresql":
            # The owner's function (core/migrations/0007): the application role has no DELETE on the log (AC-07).
            with connection.cursor() as cursor:
                cursor.execute("SELECT linli_audit_purge(%s)", [last[0]])
                count = cursor.fetchone()[0]
        else:
            count, _ = AuditEntry.objects.filter(seq__lte=last[0]).delete()
        head.checkpoint_seq, head.checkpoint_hash = last
        _sign_head(head)
        head.save()
        audit("audit.purge", object_type="core.auditentry", rows=count, up_to_seq=last[0], up_to_hash=last[1])
    return count


# ----------------------------------------------------------------------------- the auditor's view


def may_read_audit(user) -> bool:
    """Superusers and holders of the auditor role (三员分立: the auditor reads the log and nothing else)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    return "auditor" in {str(role) for role in user.scope.roles}


CSV_HEADER = (
    "seq",
    "time",
    "actor",
    "roles",
    "client_ip",
    "request_id",
    "event",
    "object_type",
    "object_id",
    "outcome",
    "reason",
    "detail",
    "key_id",
    "row_hash",
)


def _csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def csv_lines(entries):
    """Audit entries as CSV lines (times ISO 8601 with offset, in the site's time zone), streamed."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)  # the BOM makes spreadsheet programs read UTF-8
    for e in entries.iterator(chunk_size=2000):
        values = (
            e.seq,
            timezone.localtime(e.at).isoformat(timespec="seconds"),
            e.actor_name,
            e.roles,
            e.ip,
            e.request_id,
            e.event,
            e.object_type,
            e.object_id,
            e.outcome,
            e.reason,
            json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
            e.key_id,
            e.row_hash,
        )
        yield writer.writerow([_csv_safe(v) for v in values])
