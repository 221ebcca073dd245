"""Validators for the inputs every app shares."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A mainland mobile number, or a landline with optional area code and extension digits.
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8}|1[0-9]{2,4})$")


def validate_phone(value: str) -> None:
    if value and not _PHONE.match(value):
        raise ValidationError(
            _("Enter a mobile number such as 13812345678 or a landline such as 022-23456789.")
        )


def mask_phone(value: str) -> str:
    """138****5678: enough to recognise a number, not to call it."""
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return value[:2] + "*" * (len(value) - 2)


def mask_name(value: str) -> str:
    """张** for a Chinese name, J*** for a Latin one."""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)
