"""Field encryption of personal data (SECURITY.md DP-01): SM4-GCM ciphertext and HMAC-SM3 blind indexes.

Everything goes through a *key service*: the default one keeps a key ring in a file outside the database
(``LINLI_KEYRING_FILE``) or in the ``LINLI_KEYRING`` environment variable, and runs SM4 and SM3 in OpenSSL
through ``cryptography``. OpenSSL is not a certified product (GB/T 37092); a deployment that must pass 密评
points ``LINLI_KEY_SERVICE`` at a class with the same four methods that talks to a 服务器密码机.

A stored value is ``<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``. The key id says which key decrypts it, so
rows written before a rotation stay readable while ``linli rotate-keys`` re-encrypts them. The associated data
is the column's name, so a ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 16  # SM4 is a 128-bit block cipher with a 128-bit key
RELOAD_SECONDS = 5.0


class DecryptionError(Exception):
    """A stored value that cannot be decrypted: unknown key, or a ciphertext that was altered."""


class KeyService(Protocol):
    """What field encryption needs from a key store; a cipher machine's client implements the same."""

    def encrypt(self, plaintext: bytes, *, context: bytes) -> str: ...

    def decrypt(self, stored: str, *, context: bytes) -> bytes: ...

    def blind_index(self, value: bytes, *, context: bytes) -> str:
        """The index under the active index key: what a new row stores."""
        ...

    def blind_indexes(self, value: bytes, *, context: bytes) -> list[str]:
        """The index under every index key in the ring: what a lookup during a rotation must try."""
        ...

    def needs_rotation(self, stored: str) -> bool: ...

    def index_needs_rotation(self, index: str) -> bool: ...


@dataclass(frozen=True)
class KeyRing:
    """Data keys (SM4) and index keys (HMAC-SM3), each by id, and which of each new writes use."""

    data_keys: dict[str, bytes]
    index_keys: dict[str, bytes]
    active_data: str
    active_index: str

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        try:
            raw = json.loads(text)
            ring = cls(
                data_keys={k: bytes.fromhex(v) for k, v in raw["data_keys"].items()},
                index_keys={k: bytes.fromhex(v) for k, v in raw["index_keys"].items()},
                active_data=raw["active_data"],
                active_index=raw["active_index"],
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ImproperlyConfigured(
                f"The key ring is not valid JSON of the expected shape: {exc}"
            ) from exc
        if ring.active_data not in ring.data_keys or ring.active_index not in ring.index_keys:
            raise ImproperlyConfigured("The key ring's active keys are not in the ring.")
        if any(len(key) != KEY_BYTES for key in ring.data_keys.values()):
            raise ImproperlyConfigured("SM4 data keys are 16 bytes (32 hex digits).")
        if any(len(key) < KEY_BYTES for key in ring.index_keys.values()):
            raise ImproperlyConfigured("Index keys are at least 16 bytes.")
        if any(":" in k or "." in k for k in list(ring.data_keys) + list(ring.index_keys)):
            raise ImproperlyConfigured("Key ids may not contain ':' or '.'.")
        return ring

    def to_json(self) -> str:
        return json.dumps(
            {
                "active_data": self.active_data,
                "active_index": self.active_index,
                "data_keys": {k: v.hex() for k, v in self.data_keys.items()},
                "index_keys": {k: v.hex() for k, v in self.index_keys.items()},
            },
            indent=2,
        )

    @classmethod
    def generate(cls, data_id: str = "d1", index_id: str = "i1") -> KeyRing:
        return cls(
            data_keys={data_id: secrets.token_bytes(KEY_BYTES)},
            index_keys={index_id: secrets.token_bytes(32)},
            active_data=data_id,
            active_index=index_id,
        )

    def with_new_keys(self) -> KeyRing:
        """A ring with fresh active keys added; the old ones stay to read rows not yet re-encrypted."""
        data_id = _next_id("d", self.data_keys)
        index_id = _next_id("i", self.index_keys)
        return KeyRing(
            data_keys={**self.data_keys, data_id: secrets.token_bytes(KEY_BYTES)},
            index_keys={**self.index_keys, index_id: secrets.token_bytes(32)},
            active_data=data_id,
            active_index=index_id,
        )

    def without_retired_keys(self) -> KeyRing:
        return KeyRing(
            data_keys={self.active_data: self.data_keys[self.active_data]},
            index_keys={self.active_index: self.index_keys[self.active_index]},
            active_data=self.active_data,
            active_index=self.active_index,
        )


def _next_id(prefix: str, existing: dict[str, bytes]) -> str:
    numbers = [int(k[1:]) for k in existing if k.startswith(prefix) and k[1:].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


class KeyRingSource:
    """Where the ring lives: the LINLI_KEYRING variable (read once) or a file (re-read when it changes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ring: KeyRing | None = None
        self._stamp: tuple[str, float] | None = None
        self._checked = 0.0

    @staticmethod
    def path() -> Path:
        return Path(settings.LINLI_KEYRING_FILE)

    def ring(self, *, fresh: bool = False) -> KeyRing:
        inline = settings.LINLI_KEYRING
        if inline:
            if self._ring is None or self._stamp != ("env", 0.0):
                self._ring, self._stamp = KeyRing.from_json(inline), ("env", 0.0)
            return self._ring
        now = time.monotonic()
        if self._ring is not None and not fresh and now - self._checked < RELOAD_SECONDS:
            return self._ring
        with self._lock:
            path = self.path()
            if not path.exists():
                if not settings.LINLI_KEYRING_CREATE:
                    raise ImproperlyConfigured(
                        f"No key ring at {path}: set LINLI_KEYRING_FILE or LINLI_KEYRING (see .env.example)."
                    )
                self.save(KeyRing.generate())
            stamp = (str(path), path.stat().st_mtime_ns)
            if self._ring is None or stamp != self._stamp:
                self._ring, self._stamp = KeyRing.from_json(path.read_text()), stamp
            self._checked = now
            return self._ring

    def save(self, ring: KeyRing) -> None:
        """Write the ring atomically, readable by its owner only."""
        if settings.LINLI_KEYRING:
            raise ImproperlyConfigured("The key ring comes from LINLI_KEYRING; change that variable instead.")
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(ring.to_json())
        os.replace(tmp, path)
        self._ring, self._stamp, self._checked = None, None, 0.0

    def reset(self) -> None:
        self._ring, self._stamp, self._checked = None, None, 0.0


class LocalKeyService:
    """SM4-GCM and HMAC-SM3 in OpenSSL, with the key ring from ``KeyRingSource``."""

    def __init__(self, source: KeyRingSource | None = None) -> None:
        self.source = source or KeyRingSource()

    def encrypt(self, plaintext: bytes, *, context: bytes) -> str:
        ring = self.source.ring()
        nonce = secrets.token_bytes(NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(ring.data_keys[ring.active_data]), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(context)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return f"{ring.active_data}:{base64.b64encode(nonce + body + encryptor.tag).decode('ascii')}"

    def decrypt(self, stored: str, *, context: bytes) -> bytes:
        key_id, sep, payload = stored.partition(":")
        if not sep:
            raise DecryptionError("not an encrypted value")
        key = self.source.ring().data_keys.get(key_id)
        if key is None:  # another process may have rotated: read the ring again before giving up
            key = self.source.ring(fresh=True).data_keys.get(key_id)
        if key is None:
            raise DecryptionError(f"unknown key {key_id!r}")
        try:
            raw = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError("malformed ciphertext") from exc
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("truncated ciphertext")
        nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(context)
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag as exc:
            raise DecryptionError("ciphertext was altered or belongs elsewhere") from exc

    def _index(self, key_id: str, key: bytes, value: bytes, context: bytes) -> str:
        mac = hmac.HMAC(key, hashes.SM3())
        mac.update(context + b"\x00" + value)
        return f"{key_id}.{mac.finalize()[:20].hex()}"

    def blind_index(self, value: bytes, *, context: bytes) -> str:
        ring = self.source.ring()
        return self._index(ring.active_index, ring.index_keys[ring.active_index], value, context)

    def blind_indexes(self, value: bytes, *, context: bytes) -> list[str]:
        ring = self.source.ring()
        return [self._index(k, key, value, context) for k, key in ring.index_keys.items()]

    def needs_rotation(self, stored: str) -> bool:
        return not stored.startswith(self.source.ring().active_data + ":")

    def index_needs_rotation(self, index: str) -> bool:
        return not index.startswith(self.source.ring().active_index + ".")


_service: KeyService | None = None
_service_lock = threading.Lock()


def key_service() -> KeyService:
    """The configured key service (``LINLI_KEY_SERVICE``), made once per process."""
    global _service
    if _service is None:
        with _service_lock:
            if _service is None:
                _service = import_string(settings.LINLI_KEY_SERVICE)()
    return _service


def reset_key_service() -> None:
    """Forget the service and its ring (tests and the rotation command use this)."""
    global _service
    _service = None
