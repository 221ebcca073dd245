"""Reading a workbook and its cells: texts, dates, floors, ID numbers and phones as offices type them."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.validators import (
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_personal_phone,
)

from .columns import (
    _ALIASES_BY_COLUMN,
    _DATE_DIGITS,
    _DATE_PARTS,
    _DATE_TIME,
    _EXACT_FLOAT,
    _HEADER_JUNK,
    _MOBILE_WITH_DASHES,
    ADDRESS,
    ALIASES,
    FLOOR_RANGE,
    GRADE,
    HEADER_SEARCH,
    MAX_ADDRESS,
    MAX_GRADE,
    MAX_NAME,
    MAX_NOTES,
    MAX_ROOM,
    MAX_ROWS,
    MAX_UNIT,
    NAME,
    NOTES,
    ROOM,
    SHEET,
    UNIT,
    _listing,
)


def _text(value) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO dates, surrounding blanks removed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\u3000", " ").strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _blank(cells: Sequence) -> bool:
    for value in cells:
        if isinstance(value, str):
            if value.strip():
                return False
        elif value is not None:
            return False
    return True


class _Bad(ValueError):
    """A cell that cannot be read; the message says why."""


def _date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    day = None
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
    if day is None:
        text = text.split(" ")[0].split("T")[0] if _DATE_TIME.match(text) else text
        match = _DATE_PARTS.match(text) or _DATE_DIGITS.match(text)
        if match:
            try:
                day = date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                pass
    if day is not None and day.year >= 1880:
        return day
    raise _Bad(_("Enter a date such as %(example)s.") % {"example": "1948-03-07"})


def _floor(value) -> int | None:
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = _text(value).removesuffix("层").removesuffix("楼").rstrip("Ff")
        if not text:
            return None
        try:
            number = int(text)
        except ValueError:
            number = None
    if number is None or not FLOOR_RANGE[0] <= number <= FLOOR_RANGE[1]:
        raise _Bad(_("The floor must be a whole number, such as 3 or -1."))
    return number


def _id_number(value) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and (not value.is_integer() or abs(value) >= _EXACT_FLOAT):
            raise _Bad(
                _(
                    "The ID number was typed as a number and Excel has rounded it; format the column as text and "
                    "type the number again."
                )
            )
        value = str(int(value))
    number = normalize_id_number(_text(value))
    if number:
        try:
            validate_id_number(number)
        except ValidationError as exc:
            raise _Bad(str(exc.messages[0])) from exc
    return number


def _phone(value) -> str:
    phone = normalize_phone(_text(value))
    if _MOBILE_WITH_DASHES.match(phone):
        phone = phone.replace("-", "").replace(" ", "")
    if phone:
        try:
            validate_personal_phone(phone)
        except ValidationError as exc:
            raise _Bad(str(exc.messages[0])) from exc
    return phone


def _choice(value, column: str, values: dict[str, str]) -> str | None:
    text = _text(value)
    if not text:
        return None
    found = values.get(text) or _ALIASES_BY_COLUMN.get(column, {}).get(text)
    if found is None and text.lower() in {str(v) for v in values.values()}:
        found = text.lower()
    if found is None:
        raise _Bad(_("%(value)s is not one of: %(values)s.") % {"value": text, "values": _listing(values)})
    return str(found)


_LIMITS = {
    UNIT: MAX_UNIT,
    ROOM: MAX_ROOM,
    NAME: MAX_NAME,
    NOTES: MAX_NOTES,
    GRADE: MAX_GRADE,
    ADDRESS: MAX_ADDRESS,
}


def _too_long(column: str) -> str:
    limit = {"max": _LIMITS[column]}
    if column == UNIT:
        return _("A unit name has at most %(max)d characters.") % limit
    if column == ROOM:
        return _("A room number has at most %(max)d characters.") % limit
    if column == NAME:
        return _("A name has at most 50 characters.")
    if column == NOTES:
        return _("Notes have at most %(max)d characters.") % limit
    if column == GRADE:
        return _("A grade has at most %(max)d characters.") % limit
    return _("An address has at most %(max)d characters.") % limit


def _limited(value, column: str) -> str:
    text = _text(value)
    if len(text) > _LIMITS[column]:
        raise _Bad(_too_long(column))
    return text


def _canonical_header(value) -> str:
    name = _HEADER_JUNK.sub("", _text(value))
    return ALIASES.get(name, name)


def _read_workbook(file) -> tuple[list[list], list]:
    """The first sheet (or the one named 居民信息) as rows of cells from A1, and its merged ranges."""
    from python_calamine import CalamineError, CalamineWorkbook

    unreadable = _("The file is not an Excel workbook (.xlsx) that can be read.")
    try:
        if isinstance(file, str | os.PathLike):
            book = CalamineWorkbook.from_path(os.fspath(file))
        elif isinstance(file, bytes | bytearray | memoryview):
            book = CalamineWorkbook.from_filelike(io.BytesIO(bytes(file)))
        elif callable(getattr(file, "temporary_file_path", None)):
            book = CalamineWorkbook.from_path(file.temporary_file_path())
        else:
            if hasattr(file, "seek"):
                file.seek(0)
            book = CalamineWorkbook.from_filelike(file)
        try:
            names = book.sheet_names
            if not names:
                raise InvalidInput(unreadable, field="file")
            sheet = book.get_sheet_by_name(SHEET) if SHEET in names else book.get_sheet_by_index(0)
            end = sheet.end
            limit = MAX_ROWS + HEADER_SEARCH + 1
            if end is not None and end[0] + 1 > limit:
                raise InvalidInput(
                    _("The sheet has more than %(max)d rows; split it into several files.")
                    % {"max": MAX_ROWS},
                    field="file",
                )
            cells = sheet.to_python(skip_empty_area=False) if end is not None else []
            merged = sheet.merged_cell_ranges or []
        finally:
            book.close()
    except InvalidInput:
        raise
    except (CalamineError, OSError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidInput(unreadable, field="file") from exc
    return cells, merged


def _fill_merged(cells: list[list], merged: list, first_data: int) -> None:
    """A merged range holds its value in its top-left cell only: repeat it over the range, below the header."""
    for (r0, c0), (r1, c1) in merged:
        if r1 < first_data or r0 >= len(cells):
            continue
        value = cells[r0][c0] if c0 < len(cells[r0]) else None
        for r in range(max(r0, first_data), min(r1, len(cells) - 1) + 1):
            row = cells[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value
