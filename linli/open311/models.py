"""The Open311 endpoint's own records: the API keys administrators issue, and the extra questions (service
attributes) a category asks."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import LIST_DATATYPES, Datatype

# What may stand between the brackets of attribute[CODE] in a posted form, and is safe in an XML element's text.
ATTRIBUTE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
# Case.attributes holds the answers by attribute code next to what Open311 itself posts.
RESERVED_ATTRIBUTE_CODES = {"media_url"}


class ApiKey(models.Model):
    """An Open311 client's key to post service requests; only its SHA-256 is stored, with a visible prefix."""

    name = models.CharField(_("client name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ServiceAttribute(models.Model):
    """One extra question a category asks of an Open311 client (a GeoReport v2 service attribute)."""

    category = models.ForeignKey(
        "cases.Category",
        on_delete=models.CASCADE,
        related_name="open311_attributes",
        verbose_name=_("category"),
    )
    code = models.CharField(
        _("code"), max_length=50, help_text=_("Letters, digits, - and _; clients post it as attribute[code].")
    )
    variable = models.BooleanField(
        _("asks for input"),
        default=True,
        help_text=_("Untick for a line of information shown to the reporter that takes no answer."),
    )
    datatype = models.CharField(_("datatype"), max_length=20, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.CharField(_("question"), max_length=300)
    # [{"key": "yes", "name": "有"}, …] for the list datatypes; empty for the others.
    values = models.JSONField(_("choices"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["category", "order", "id"]
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="service_attribute_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.code}"

    def clean(self) -> None:
        if not ATTRIBUTE_CODE.match(self.code or ""):
            raise ValidationError({"code": _("Use 1 to 50 letters, digits, - or _.")})
        if self.code in RESERVED_ATTRIBUTE_CODES:
            raise ValidationError({"code": _("This code is reserved.")})
        problem = values_problem(self.values, self.datatype)
        if problem:
            raise ValidationError({"values": problem})

    @property
    def value_keys(self) -> list[str]:
        return [str(v["key"]) for v in self.values or []]


def values_problem(values, datatype: str):
    """Why `values` do not fit `datatype` (a message), or None when they do."""
    if datatype not in LIST_DATATYPES:
        return _("Only list datatypes have choices.") if values else None
    if not isinstance(values, list) or not values:
        return _("A list datatype needs at least one choice.")
    keys = []
    for value in values:
        if not (isinstance(value, dict) and set(value) == {"key", "name"}):
            return _("Each choice has a key and a name.")
        key, name = str(value["key"]).strip(), str(value["name"]).strip()
        if not key or not name or len(key) > 50 or len(name) > 100:
            return _("A choice's key (up to 50 characters) and name (up to 100) may not be empty.")
        keys.append(key)
    if len(set(keys)) != len(keys):
        return _("The keys of the choices must differ.")
    return None
