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


# GB 11643-1999: 17 digits, then a check character computed by ISO 7064 MOD 11-2.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", (value or "").strip()).removeprefix("+86")


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    """A resident identity card number (居民身份证号码): shape, birth date and check digit."""
    from datetime import date

    value = normalize_id_number(value)
    if not _ID_SHAPE.match(value):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a digit or X."), code="id_shape"
        )
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(
            _("The ID number does not contain a valid birth date."), code="id_birth"
        ) from exc
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("The ID number's check digit is wrong."), code="id_check")


def id_number_birth_date(value: str):
    from datetime import date

    value = normalize_id_number(value)
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_gender(value: str) -> str:
    """'male' or 'female', from the ID number's 17th digit (odd for men)."""
    return "male" if int(normalize_id_number(value)[16]) % 2 else "female"


# A number a person can be reached on: a mobile, or a landline with or without its area code (not 110 or 12345).
_PERSONAL_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")


def validate_personal_phone(value: str) -> None:
    """A resident's or contact's own phone: a mobile or a landline, never a short service number."""
    if value and not _PERSONAL_PHONE.match(normalize_phone(value)):
        raise ValidationError(
            _("Enter a mobile number such as 13812345678 or a landline such as 022-23456789."), code="phone"
        )


def mask_id_number(value: str) -> str:
    """110101********1234: the region and the last four, not the birth date."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# Matched on a copy whose full-width digits are ASCII, so ＡＳＣＩＩ-looking numbers are found too.
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")
# Seven or more digits, single spaces or hyphens allowed between them: mobiles, landlines, old 15-digit IDs.
_DIGIT_RUN = re.compile(r"(?<![\d+])(?:\+?86[-\s]?)?\d(?:[-\s]?\d){6,}(?!\d)")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_personal_text(text: str, names=()) -> str:
    """Free text with ID numbers, phone numbers, e-mail addresses and the given names masked."""
    if not text:
        return ""
    probe = text.translate(_FULLWIDTH)
    spans: list[tuple[int, int, str]] = []
    for match in _ID_NUMBER.finditer(probe):
        spans.append((match.start(), match.end(), mask_id_number(match.group(0))))
    for match in _DIGIT_RUN.finditer(probe):
        if not _DATE.fullmatch(match.group(0)):
            spans.append((match.start(), match.end(), mask_phone(match.group(0))))
    for match in _EMAIL.finditer(probe):
        local, _at, domain = match.group(0).partition("@")
        spans.append((match.start(), match.end(), f"{local[0]}***@{domain}"))
    out, position = [], 0
    for start, end, mask in sorted(spans):
        if start < position:  # an ID number is also a run of digits: the first mask wins
            continue
        out.append(text[position:start])
        out.append(mask)
        position = end
    out.append(text[position:])
    result = "".join(out)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        result = result.replace(name, mask_name(name))
    return result
