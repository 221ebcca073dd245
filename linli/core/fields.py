"""Model fields for personal data: an encrypted text column and its keyed blind index (see core.crypto)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import FieldError
from django.db import models

from .crypto import key_service


class EncryptedTextField(models.TextField):
    """Plain text in Python, SM4-GCM ciphertext in the database; only ``isnull`` can be looked up."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.context = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}".encode()

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return key_service().decrypt(value, context=self.context).decode()

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return key_service().encrypt(value.encode(), context=self.context)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is encrypted: look it up through its blind index.")
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """HMAC-SM3 of a normalised source field, for exact lookup of an encrypted value.

    ``kind`` names what is indexed ("phone", "id_number"): fields of the same kind share an index space, so one
    phone number finds a resident and an emergency contact alike. The field fills itself on save from its source.
    """

    def __init__(
        self, *args, source: str = "", kind: str = "", normalize: Callable[[str], str] | None = None, **kw
    ):
        self.source, self.kind, self.normalize = source, kind, normalize
        kw.setdefault("max_length", 48)
        kw.setdefault("blank", True)
        kw.setdefault("editable", False)
        kw.setdefault("db_index", True)
        super().__init__(*args, **kw)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["kind"] = self.source, self.kind
        kwargs["db_index"] = self.db_index  # Field leaves out False, which here is not the default
        for key, default in (("max_length", 48), ("blank", True), ("editable", False), ("db_index", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def digest_of(self, value: str | None) -> str:
        value = normalized(value, self.normalize)
        return key_service().blind_index(value.encode(), context=self.kind.encode()) if value else ""

    def pre_save(self, model_instance, add):
        value = self.digest_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def normalized(value: str | None, normalize: Callable[[str], str] | None) -> str:
    value = (value or "").strip()
    return normalize(value) if (normalize and value) else value


def index_candidates(
    kind: str, value: str | None, normalize: Callable[[str], str] | None = None
) -> list[str]:
    """The blind indexes a lookup must match: one per index key in the ring (more than one while rotating)."""
    value = normalized(value, normalize)
    if not value:
        return []
    return key_service().blind_indexes(value.encode(), context=kind.encode())
