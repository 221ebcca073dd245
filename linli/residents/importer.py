"""The Excel import of the resident registry (居民信息导入): its template, and the import itself.

A community office keeps its registry in a workbook: one row per resident, the household's compound, building,
unit and room repeated on each of its rows (merged cells are read as repeated). ``registry_import`` checks the
whole sheet first and reports every problem with its row; only a sheet without problems is written, in one
transaction, and re-importing it updates what it wrote instead of adding it again:

* a household is its room: building, unit and room, found through ``Household.room_index``;
* a resident is their ID number (``Resident.id_index``), or without one their name within the household;
* a blank cell keeps what is registered; only the tag column is exact (the listed tags replace the others).

The work is done in bulk — a few queries for every lookup, ``bulk_create`` for new rows, one ``executemany``
UPDATE per set of changed columns — so that a sheet of 100,000 residents imports in seconds, not hours.
"""

from __future__ import annotations

import io
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.choices import Role
from linli.core.audit import audit
from linli.core.errors import InvalidInput, NotAllowed
from linli.core.fields import BlindIndexField, EncryptedTextField, index_candidates
from linli.core.validators import (
    id_check_char,
    id_number_birth_date,
    id_number_gender,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from linli.org.models import Building, Community, Compound, Unit

from .choices import Gender, Occupancy, Relationship, TagTarget, Tenure
from .models import Household, Resident, Tag, TagAssignment, room_key

SHEET = "居民信息"
HELP_SHEET = "填写说明"

COMPOUND, BUILDING, UNIT, FLOOR, ROOM = "小区", "楼栋", "单元", "楼层", "房号"
TENURE, OCCUPANCY, NAME, GENDER, BIRTH = "住房性质", "居住状态", "姓名", "性别", "出生日期"
ID_NUMBER, PHONE, RELATIONSHIP, MOVED_IN, MOVED_OUT = (
    "身份证号",
    "手机号",
    "与户主关系",
    "入住日期",
    "迁出日期",
)
TAGS, GRADE, NOTES, ADDRESS = "标签", "残疾等级", "备注", "地址"

# The template's columns, in order; 地址 is read when a sheet has it (otherwise the address is composed).
HEADERS = (
    COMPOUND,
    BUILDING,
    UNIT,
    FLOOR,
    ROOM,
    TENURE,
    OCCUPANCY,
    NAME,
    GENDER,
    BIRTH,
    ID_NUMBER,
    PHONE,
    RELATIONSHIP,
    MOVED_IN,
    MOVED_OUT,
    TAGS,
    GRADE,
    NOTES,
)
REQUIRED = (COMPOUND, BUILDING, ROOM, NAME)
KNOWN = (*HEADERS, ADDRESS)
_ORDER = {name: i for i, name in enumerate(KNOWN)}
# Other names offices give the same columns.
ALIASES = {
    "小区名称": COMPOUND,
    "楼号": BUILDING,
    "楼栋号": BUILDING,
    "单元号": UNIT,
    "楼门": UNIT,
    "房间号": ROOM,
    "门牌号": ROOM,
    "户主关系": RELATIONSHIP,
    "与户主的关系": RELATIONSHIP,
    "关系": RELATIONSHIP,
    "出生年月日": BIRTH,
    "身份证号码": ID_NUMBER,
    "公民身份号码": ID_NUMBER,
    "身份证": ID_NUMBER,
    "手机": PHONE,
    "手机号码": PHONE,
    "联系电话": PHONE,
    "电话": PHONE,
    "迁入日期": MOVED_IN,
    "残疾级别": GRADE,
    "住址": ADDRESS,
    "居住地址": ADDRESS,
}

TENURE_VALUES = {"自有": Tenure.OWNER, "租住": Tenure.TENANT, "公房": Tenure.PUBLIC, "其他": Tenure.OTHER}
OCCUPANCY_VALUES = {"居住": Occupancy.OCCUPIED, "空置": Occupancy.VACANT, "季节性": Occupancy.SEASONAL}
GENDER_VALUES = {"男": Gender.MALE, "女": Gender.FEMALE}
RELATIONSHIP_VALUES = {
    "户主": Relationship.HEAD,
    "配偶": Relationship.SPOUSE,
    "子女": Relationship.CHILD,
    "父母": Relationship.PARENT,
    "孙子女": Relationship.GRANDCHILD,
    "兄弟姐妹": Relationship.SIBLING,
    "其他亲属": Relationship.OTHER_RELATIVE,
    "租户": Relationship.TENANT,
    "其他": Relationship.OTHER,
}
# What 户口本 and older registries write for the same relationships; read, never offered.
_RELATIONSHIP_ALIASES = {
    "本人": Relationship.HEAD,
    "妻": Relationship.SPOUSE,
    "妻子": Relationship.SPOUSE,
    "夫": Relationship.SPOUSE,
    "丈夫": Relationship.SPOUSE,
    "子": Relationship.CHILD,
    "女": Relationship.CHILD,
    "儿子": Relationship.CHILD,
    "女儿": Relationship.CHILD,
    "父亲": Relationship.PARENT,
    "母亲": Relationship.PARENT,
    "孙子": Relationship.GRANDCHILD,
    "孙女": Relationship.GRANDCHILD,
    "外孙子": Relationship.GRANDCHILD,
    "外孙女": Relationship.GRANDCHILD,
    "兄弟": Relationship.SIBLING,
    "姐妹": Relationship.SIBLING,
}
_ALIASES_BY_COLUMN = {
    TENURE: {"自住": Tenure.OWNER, "租赁": Tenure.TENANT},
    OCCUPANCY: {"季节性居住": Occupancy.SEASONAL},
    GENDER: {"男性": Gender.MALE, "女性": Gender.FEMALE},
    RELATIONSHIP: _RELATIONSHIP_ALIASES,
}
GRADE_TAG = "canji"  # 残疾等级 is the grade of this tag
TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")

MAX_ROWS = 200_000
HEADER_SEARCH = 10  # the header may follow a title row or two
CHUNK = 900  # bound parameters per IN (...) list: SQLite allows 999
WRITE_BATCH = 1000
MAX_NAME, MAX_ROOM, MAX_UNIT, MAX_NOTES, MAX_GRADE, MAX_ADDRESS = 50, 20, 30, 2000, 20, 200
FLOOR_RANGE = (-10, 200)
_MOBILE_WITH_DASHES = re.compile(r"^1[3-9]\d[- ]?\d{4}[- ]?\d{4}$")
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]")
_HEADER_JUNK = re.compile(r"[\s*＊]|[(（][^)）]*[)）]")
_EXACT_FLOAT = 2**53  # larger integers typed as numbers have lost digits


# ============================================================================ the report


@dataclass(frozen=True)
class Problem:
    """One thing to fix: the row as Excel numbers it (the header is row 1), the column's header, what is wrong."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did (or, on a dry run or with problems, would do)."""

    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    residents_unchanged: int = 0
    units_created: int = 0
    tags_added: int = 0
    tags_removed: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self, *, problem_limit: int | None = None) -> dict:
        """For an API answer or a page: the counts, and the first ``problem_limit`` problems (all when None)."""
        shown = self.problems if problem_limit is None else self.problems[:problem_limit]
        return {
            "rows": self.rows,
            "ok": self.ok,
            "committed": self.committed,
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "households_unchanged": self.households_unchanged,
            "residents_created": self.residents_created,
            "residents_updated": self.residents_updated,
            "residents_unchanged": self.residents_unchanged,
            "units_created": self.units_created,
            "tags_added": self.tags_added,
            "tags_removed": self.tags_removed,
            "problem_count": len(self.problems),
            "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in shown],
        }


# ============================================================================ the template


def _example_id_number() -> str:
    body = "12010119480307002"  # 和平区, born 1948-03-07, a woman (even 17th digit)
    return body + id_check_char(body)


def import_template() -> bytes:
    """The .xlsx to fill in: the sheet 居民信息 with the header and one example row, and 填写说明 for each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    tags = list(Tag.objects.order_by("ordering", "code"))
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    example = {
        COMPOUND: "吉利花园",
        BUILDING: "1号楼",
        UNIT: "1单元",
        FLOOR: 3,
        ROOM: "301",
        TENURE: "自有",
        OCCUPANCY: "居住",
        NAME: "李秀兰",
        GENDER: "女",
        BIRTH: date(1948, 3, 7),
        ID_NUMBER: _example_id_number(),
        PHONE: "13812345678",
        RELATIONSHIP: "户主",
        MOVED_IN: date(1986, 5, 1),
        MOVED_OUT: None,
        TAGS: "独居老人、党员",
        GRADE: None,
        NOTES: "子女在外地，每周电话联系",
    }
    sheet.append([example[h] for h in HEADERS])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    widths = {NAME: 10, BIRTH: 12, ID_NUMBER: 22, PHONE: 15, TAGS: 22, NOTES: 30, RELATIONSHIP: 11}
    text_columns = {ID_NUMBER, PHONE, ROOM, UNIT, BUILDING}
    date_columns = {BIRTH, MOVED_IN, MOVED_OUT}
    for i, header in enumerate(HEADERS, start=1):
        letter = get_column_letter(i)
        cell = sheet.cell(row=1, column=i)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[letter].width = widths.get(header, max(8, 2 * len(header) + 4))
        if header in text_columns:
            # Typed as text, an 18-digit ID number keeps its digits (Excel rounds numbers to 15 of them).
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=i).number_format = "@"
        elif header in date_columns:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
            sheet.cell(row=2, column=i).number_format = "yyyy-mm-dd"
    for header, values in (
        (TENURE, TENURE_VALUES),
        (OCCUPANCY, OCCUPANCY_VALUES),
        (GENDER, GENDER_VALUES),
        (RELATIONSHIP, RELATIONSHIP_VALUES),
    ):
        letter = get_column_letter(HEADERS.index(header) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        rule.error = _("Choose a value from the list.")
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"

    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.append([_("Column"), _("Required"), _("How to fill it in")])
    for cell in help_sheet[1]:
        cell.font, cell.fill = bold, fill
    yes = _("yes")
    for header, required, text in _column_help(tags):
        help_sheet.append([header, yes if required else "", text])
    help_sheet.append([])
    for line in _general_help():
        help_sheet.append(["", "", line])
    help_sheet.column_dimensions["A"].width = 14
    help_sheet.column_dimensions["B"].width = 8
    help_sheet.column_dimensions["C"].width = 100
    for row in help_sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _listing(values: Iterable[str]) -> str:
    return "、".join(values)


def _column_help(tags: list[Tag]) -> list[tuple[str, bool, str]]:
    settable = [t.name for t in tags if not t.derived]
    household = [t.name for t in tags if t.target == TagTarget.HOUSEHOLD and not t.derived]
    derived = [t.name for t in tags if t.derived] or ["高龄"]
    grade_tag = next((t.name for t in tags if t.code == GRADE_TAG), "残疾")
    return [
        (
            COMPOUND,
            True,
            _("The compound's name as registered for this community, e.g. %(example)s.")
            % {"example": "吉利花园"},
        ),
        (
            BUILDING,
            True,
            _("The building's name as registered in the compound, e.g. %(example)s.") % {"example": "1号楼"},
        ),
        (
            UNIT,
            False,
            _(
                "The unit (entrance) of the building, e.g. %(example)s; leave it blank for a building without units. "
                "A unit not registered yet is added by the import."
            )
            % {"example": "1单元"},
        ),
        (FLOOR, False, _("A whole number; a basement is negative, e.g. -1.")),
        (
            ROOM,
            True,
            _(
                "The room number, e.g. %(example)s. Building, unit and room identify the household: importing the "
                "sheet again updates it."
            )
            % {"example": "301"},
        ),
        (
            TENURE,
            False,
            _("One of: %(values)s. A new household without it is owner-occupied.")
            % {"values": _listing(TENURE_VALUES)},
        ),
        (
            OCCUPANCY,
            False,
            _("One of: %(values)s. A new household without it is lived in.")
            % {"values": _listing(OCCUPANCY_VALUES)},
        ),
        (
            NAME,
            True,
            _(
                "The resident's name, at most %(max)d characters. A row with a room but no name and no other resident "
                "details registers the household alone (a vacant flat, for instance)."
            )
            % {"max": MAX_NAME},
        ),
        (
            GENDER,
            False,
            _("%(values)s. It may be left blank when the ID number is given: it follows from the ID number.")
            % {"values": _listing(GENDER_VALUES)},
        ),
        (
            BIRTH,
            False,
            _(
                "A date such as %(example)s (1948/3/7 and 19480307 are read too). It follows from the ID number."
            )
            % {"example": "1948-03-07"},
        ),
        (
            ID_NUMBER,
            False,
            _(
                "The 18-character resident ID number. Keep the column formatted as text: Excel rounds long numbers. "
                "An import finds a resident again by it; without one, by name within the household."
            ),
        ),
        (
            PHONE,
            False,
            _("A mobile number such as %(mobile)s or a landline such as %(landline)s.")
            % {"mobile": "13812345678", "landline": "022-23456789"},
        ),
        (
            RELATIONSHIP,
            False,
            _("One of: %(values)s. A new resident without it is the householder.")
            % {"values": _listing(RELATIONSHIP_VALUES)},
        ),
        (MOVED_IN, False, _("The date the resident moved in.")),
        (MOVED_OUT, False, _("The date the resident moved out; not before the date they moved in.")),
        (
            TAGS,
            False,
            _(
                "Tags from the list, separated by 、 or a comma: %(tags)s. The tags listed replace the resident's "
                "tags (a blank cell removes them); %(household)s are tags of the household. %(derived)s follows "
                "from the birth date: do not type it."
            )
            % {"tags": _listing(settable), "household": _listing(household), "derived": _listing(derived)},
        ),
        (
            GRADE,
            False,
            _("The grade of the disability, e.g. %(example)s; only with the tag %(tag)s.")
            % {"example": "肢体二级", "tag": grade_tag},
        ),
        (NOTES, False, _("Anything else worth knowing, at most %(max)d characters.") % {"max": MAX_NOTES}),
    ]


def _general_help() -> list[str]:
    return [
        _(
            "One row per resident. The residents of one household repeat its compound, building, unit and room; "
            "merged cells are read as repeated."
        ),
        _("A blank cell keeps what is already registered; only the tag column replaces the whole list."),
        _(
            "The whole sheet is checked first: if any row has a problem, nothing is imported and every problem is "
            "listed with its row number."
        ),
        _("At most %(max)d rows per file.") % {"max": MAX_ROWS},
    ]


# ============================================================================ reading cells


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
            validate_phone(phone)
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


# ============================================================================ the import


class _Row:
    """One data row, read and checked; values only for the cells that are filled in."""

    __slots__ = (
        "n",
        "compound",
        "building",
        "unit",
        "room",
        "house",
        "person",
        "id_number",
        "phone",
        "tags",
        "house_tags",
        "grade",
        "household",
        "skip_person",
    )

    def __init__(self, n: int):
        self.n = n
        self.house: dict = {}
        self.person: dict = {}
        self.id_number = self.phone = ""
        self.tags: list[Tag] | None = None
        self.house_tags: list[Tag] | None = None
        self.grade: str | None = None
        self.household: _House | None = None
        self.skip_person = False


class _House:
    """A household of the sheet: the existing row's values (or None for a new one) and what the rows say."""

    __slots__ = (
        "building",
        "unit_id",
        "unit_name",
        "room",
        "address_parts",
        "values",
        "value_rows",
        "existing",
        "pk",
        "changes",
        "tags",
    )

    def __init__(self, building: dict, unit_id: int | None, unit_name: str, room: str, address_parts: str):
        self.building, self.unit_id, self.unit_name, self.room = building, unit_id, unit_name, room
        self.address_parts = address_parts
        self.values: dict = {}
        self.value_rows: dict[str, int] = {}
        self.existing: dict | None = None
        self.pk: int | None = None
        self.changes: dict = {}
        self.tags: set[int] | None = None


class _Person:
    """A resident of the sheet: the existing row's values (or None) and the changes the sheet makes."""

    __slots__ = ("row", "house", "existing", "pk", "changes", "new_values")

    def __init__(self, row: _Row, house: _House, existing: dict | None):
        self.row, self.house, self.existing = row, house, existing
        self.pk: int | None = None if existing is None else existing["id"]
        self.changes: dict = {}
        self.new_values: dict = {}


_HOUSEHOLD_VALUES = (
    "id",
    "room_index",
    "building_id",
    "unit_id",
    "grid_id",
    "community_id",
    "street_id",
    "floor",
    "tenure",
    "occupancy",
)
_RESIDENT_VALUES = (
    "id",
    "id_index",
    "phone_index",
    "community_id",
    "household_id",
    "name",
    "gender",
    "birth_date",
    "relationship",
    "moved_in",
    "moved_out",
    "notes",
    "anonymised_at",
    "visit_every_days",
    "care_worker_id",
    "last_visit_at",
)
_PERSON_FIELDS = ("name", "gender", "birth_date", "relationship", "moved_in", "moved_out", "notes")


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Import:
    def __init__(self, *, actor, community: Community):
        self.actor, self.community = actor, community
        self.problems: list[Problem] = []
        self.rows: list[_Row] = []
        self.columns: dict[str, int] = {}
        self.header_row = 1
        self.fatal = False
        self.report = ImportReport()
        self.tags_by_name: dict[str, Tag] = {}
        self.tag_by_id: dict[int, Tag] = {}
        self.houses: dict[tuple, _House] = {}
        self.people: list[_Person] = []
        self.new_units: dict[tuple[int, str], list[_House]] = {}
        self.tag_adds: list[tuple[Tag, str, _Person | None, _House | None]] = []
        self.tag_removals: list[int] = []
        self.grade_changes: list[tuple[int, str]] = []
        self.id_digests: dict[str, list[str]] = {}
        self._workers: dict[int, int] | None = None
        self.today = timezone.localdate()
        scope = actor.scope
        self.roles = {Role.SECRETARY} if community.pk in scope.community_ids else set()
        if scope.is_admin:
            self.roles.add(Role.ADMIN)

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, str(message)))

    # ------------------------------------------------------------------ reading the sheet

    def read(self, file) -> None:
        cells, merged = _read_workbook(file)
        header = self._find_header(cells)
        if header is None:
            self.fatal = True
            self.problem(
                1,
                "",
                _("No header row found: the first rows must name the columns, such as %(columns)s.")
                % {"columns": _listing(REQUIRED)},
            )
            return
        self.header_row = header + 1
        for name, index in self._columns(cells[header]).items():
            self.columns[name] = index
        missing = [name for name in REQUIRED if name not in self.columns]
        _fill_merged(cells, merged, header + 1)
        data = [i for i in range(header + 1, len(cells)) if not _blank(cells[i])]
        count = len(data)
        if count > MAX_ROWS:
            raise InvalidInput(
                _("The sheet has more than %(max)d rows; split it into several files.") % {"max": MAX_ROWS},
                field="file",
            )
        self.report.rows = count
        if missing:
            self.fatal = True
            self.problem(
                self.header_row,
                "",
                _("Required columns are missing: %(columns)s.") % {"columns": _listing(missing)},
            )
            return
        if count == 0:
            self.fatal = True
            self.problem(self.header_row, "", _("The sheet has no rows below the header."))
            return
        for tag in Tag.objects.all():
            self.tag_by_id[tag.pk] = tag
            self.tags_by_name[tag.name] = tag
            self.tags_by_name.setdefault(tag.code.lower(), tag)
        first_id: dict[str, int] = {}
        first_name: dict[tuple, int] = {}
        for i in data:
            row = self._parse(cells[i], i + 1)
            cells[i] = None  # the cells are not needed once read: keep the peak memory down
            self.rows.append(row)
            if row.skip_person or "name" not in row.person:
                continue
            if row.id_number:
                seen = first_id.setdefault(row.id_number, row.n)
                if seen != row.n:
                    self.problem(
                        row.n, ID_NUMBER, _("The same ID number is already on row %(row)d.") % {"row": seen}
                    )
                    row.skip_person = True
            else:
                key = (row.compound, row.building, row.unit, row.room, row.person["name"])
                seen = first_name.setdefault(key, row.n)
                if seen != row.n:
                    self.problem(
                        row.n,
                        NAME,
                        _(
                            "The same name is already on row %(row)d for this room; give the ID numbers to tell "
                            "the two apart."
                        )
                        % {"row": seen},
                    )
                    row.skip_person = True

    def _find_header(self, cells: list[list]) -> int | None:
        for i, row in enumerate(cells[:HEADER_SEARCH]):
            names = {_canonical_header(v) for v in row}
            if len(names & set(KNOWN)) >= 3:
                return i
        return None

    def _columns(self, header: Sequence) -> dict[str, int]:
        found: dict[str, int] = {}
        for index, value in enumerate(header):
            name = _canonical_header(value)
            if name not in _ORDER:
                continue
            if name in found:
                self.problem(
                    self.header_row, name, _("The column %(column)s appears twice.") % {"column": name}
                )
                continue
            found[name] = index
        return found

    def _parse(self, cells: Sequence, n: int) -> _Row:
        row = _Row(n)
        values = {name: cells[i] for name, i in self.columns.items() if i < len(cells)}
        get = values.get

        def read(name: str, reader, *args):
            try:
                return reader(get(name), *args)
            except _Bad as exc:
                self.problem(n, name, str(exc))
                return None

        # where: the household
        row.compound = _text(get(COMPOUND))
        row.building = _text(get(BUILDING))
        unit, room = read(UNIT, _limited, UNIT), read(ROOM, _limited, ROOM)
        row.unit, row.room = unit or "", room or ""
        if not row.compound:
            self.problem(n, COMPOUND, _("Enter the compound."))
        if not row.building:
            self.problem(n, BUILDING, _("Enter the building."))
        if room == "":
            self.problem(n, ROOM, _("Enter the room number."))
        house = row.house
        if (floor := read(FLOOR, _floor)) is not None:
            house["floor"] = floor
        if (tenure := read(TENURE, _choice, TENURE, TENURE_VALUES)) is not None:
            house["tenure"] = tenure
        if (occupancy := read(OCCUPANCY, _choice, OCCUPANCY, OCCUPANCY_VALUES)) is not None:
            house["occupancy"] = occupancy
        if address := read(ADDRESS, _limited, ADDRESS):
            house["address"] = address

        # who: the resident
        person = row.person
        name = read(NAME, _limited, NAME)
        row.id_number = read(ID_NUMBER, _id_number) or ""
        row.phone = read(PHONE, _phone) or ""
        if (gender := read(GENDER, _choice, GENDER, GENDER_VALUES)) is not None:
            person["gender"] = gender
        if (relationship := read(RELATIONSHIP, _choice, RELATIONSHIP, RELATIONSHIP_VALUES)) is not None:
            person["relationship"] = relationship
        for column, key in ((BIRTH, "birth_date"), (MOVED_IN, "moved_in"), (MOVED_OUT, "moved_out")):
            if (day := read(column, _date)) is not None:
                person[key] = day
        if notes := read(NOTES, _limited, NOTES):
            person["notes"] = notes
        if grade := read(GRADE, _limited, GRADE):
            row.grade = grade
        if TAGS in values:
            self._parse_tags(row, _text(get(TAGS)))

        if row.id_number:
            birth, gender = id_number_birth_date(row.id_number), id_number_gender(row.id_number)
            if person.get("birth_date", birth) != birth:
                self.problem(n, BIRTH, _("The birth date does not match the ID number."))
            if person.get("gender", gender) != gender:
                self.problem(n, GENDER, _("The gender does not match the ID number."))
            person["birth_date"], person["gender"] = birth, gender
        if person.get("birth_date") and person["birth_date"] > self.today:
            self.problem(n, BIRTH, _("The birth date is in the future."))
        if person.get("moved_in") and person.get("moved_out") and person["moved_out"] < person["moved_in"]:
            self.problem(n, MOVED_OUT, _("The move-out date is before the move-in date."))
        if row.grade is not None and not any(t.code == GRADE_TAG for t in row.tags or ()):
            grade_tag = next((t.name for t in self.tag_by_id.values() if t.code == GRADE_TAG), GRADE_TAG)
            self.problem(
                n, GRADE, _("A grade is given but %(tag)s is not among the tags.") % {"tag": grade_tag}
            )
        if name:
            person["name"] = name
        elif name is None:
            row.skip_person = True  # too long: said above
        elif person or row.id_number or row.phone or row.tags or row.grade:
            self.problem(n, NAME, _("Enter the resident's name."))
            row.skip_person = True
        else:
            row.person = {}  # a household without residents (a vacant flat)
        return row

    def _parse_tags(self, row: _Row, text: str) -> None:
        row.tags, row.house_tags = [], []
        for word in TAG_SEPARATORS.split(text):
            if not word:
                continue
            tag = self.tags_by_name.get(word) or self.tags_by_name.get(word.lower())
            if tag is None:
                self.problem(row.n, TAGS, _("Unknown tag %(tag)s.") % {"tag": word})
            elif tag.derived:
                self.problem(
                    row.n,
                    TAGS,
                    _("%(tag)s follows from the birth date and cannot be set by hand.") % {"tag": tag.name},
                )
            elif not tag.visible_for(self.roles):
                self.problem(row.n, TAGS, _("Your role may not set the tag %(tag)s.") % {"tag": tag.name})
            else:
                target = row.house_tags if tag.target == TagTarget.HOUSEHOLD else row.tags
                if tag not in target:
                    target.append(tag)

    # ------------------------------------------------------------------ planning against the database

    def plan(self) -> None:
        community = self.community
        compounds = {c.name: c for c in Compound.objects.filter(community=community)}
        buildings = {
            (b["compound_id"], b["name"]): b
            for b in Building.objects.filter(compound__community=community).values(
                "id", "compound_id", "name", "grid_id"
            )
        }
        units = {
            (u["building_id"], u["name"]): u["id"]
            for u in Unit.objects.filter(building__compound__community=community).values(
                "id", "building_id", "name"
            )
        }
        for row in self.rows:
            compound = compounds.get(row.compound)
            if compound is None:
                if row.compound:
                    self.problem(
                        row.n,
                        COMPOUND,
                        _("There is no compound %(name)s in this community.") % {"name": row.compound},
                    )
                continue
            building = buildings.get((compound.pk, row.building))
            if building is None:
                if row.building:
                    self.problem(
                        row.n,
                        BUILDING,
                        _("There is no building %(name)s in %(compound)s.")
                        % {"name": row.building, "compound": compound.name},
                    )
                continue
            if not row.room:
                continue
            key = (building["id"], row.unit, row.room)
            house = self.houses.get(key)
            if house is None:
                unit_id = units.get((building["id"], row.unit)) if row.unit else None
                house = _House(
                    building,
                    unit_id,
                    row.unit,
                    row.room,
                    f"{compound.name}{building['name']}{row.unit}{row.room}",
                )
                self.houses[key] = house
                if row.unit and unit_id is None:
                    self.new_units.setdefault((building["id"], row.unit), []).append(house)
            row.household = house
            self._merge_household(house, row)
        self._find_households()
        self._plan_people()
        self._plan_households()
        self._plan_tags()
        report = self.report
        report.units_created = len(self.new_units)
        report.households_created = sum(1 for h in self.houses.values() if h.existing is None)
        report.households_updated = sum(
            1 for h in self.houses.values() if h.existing is not None and h.changes
        )
        report.households_unchanged = len(self.houses) - report.households_created - report.households_updated
        report.residents_created = sum(1 for p in self.people if p.existing is None)
        report.residents_updated = sum(1 for p in self.people if p.existing is not None and p.changes)
        report.residents_unchanged = len(self.people) - report.residents_created - report.residents_updated
        report.tags_added = len(self.tag_adds)
        report.tags_removed = len(self.tag_removals)

    def _merge_household(self, house: _House, row: _Row) -> None:
        for key, value in row.house.items():
            if key not in house.values:
                house.values[key], house.value_rows[key] = value, row.n
            elif house.values[key] != value:
                column = {"floor": FLOOR, "tenure": TENURE, "occupancy": OCCUPANCY, "address": ADDRESS}[key]
                self.problem(
                    row.n,
                    column,
                    _("Row %(row)d gives this household a different value.") % {"row": house.value_rows[key]},
                )
        if row.house_tags is not None:
            house.tags = (house.tags or set()) | {t.pk for t in row.house_tags}

    def _find_households(self) -> None:
        by_digest: dict[str, _House] = {}
        for house in self.houses.values():
            if house.unit_name and house.unit_id is None:
                continue  # in a unit that does not exist yet: new
            key = room_key(house.building["id"], house.unit_id, house.room)
            for digest in index_candidates("room", key):
                by_digest[digest] = house
        digests = list(by_digest)
        fields = [*_HOUSEHOLD_VALUES, "address"] if ADDRESS in self.columns else list(_HOUSEHOLD_VALUES)
        for chunk in _chunks(digests):
            for values in Household.objects.filter(room_index__in=chunk).order_by("id").values(*fields):
                house = by_digest[values["room_index"]]
                if house.existing is None and values["building_id"] == house.building["id"]:
                    house.existing, house.pk = values, values["id"]

    def _plan_households(self) -> None:
        community = self.community
        for house in self.houses.values():
            denormalised = {
                "grid": house.building["grid_id"],
                "community": community.pk,
                "street": community.street_id,
            }
            if house.existing is None:
                house.changes = {
                    **denormalised,
                    "address": house.address_parts,
                    **house.values,
                }
                continue
            existing = house.existing
            changes = {}
            for key, value in house.values.items():
                if existing.get(key) != value:
                    changes[key] = value
            for key, value in denormalised.items():
                if existing[f"{key}_id"] != value:
                    changes[key] = value
            house.changes = changes

    def _plan_people(self) -> None:
        community_id = self.community.pk
        rows = [r for r in self.rows if r.household is not None and r.person and not r.skip_person]
        # Residents already registered under these ID numbers, here or elsewhere.
        by_digest: dict[str, str] = {}
        for row in rows:
            if row.id_number:
                digests = index_candidates("id_number", row.id_number, normalize_id_number)
                self.id_digests[row.id_number] = digests
                for digest in digests:
                    by_digest[digest] = row.id_number
        by_id: dict[str, list[dict]] = defaultdict(list)
        for chunk in _chunks(list(by_digest)):
            for values in (
                Resident.objects.filter(id_index__in=chunk).order_by("id").values(*_RESIDENT_VALUES)
            ):
                by_id[by_digest[values["id_index"]]].append(values)
        # Residents of the sheet's existing households, for rows found by name.
        need = sorted(
            {
                r.household.pk
                for r in rows
                if r.household.pk is not None
                and (
                    not r.id_number
                    or not any(v["community_id"] == community_id for v in by_id.get(r.id_number, ()))
                )
            }
        )
        by_name: dict[tuple[int, str], list[dict]] = defaultdict(list)
        for chunk in _chunks(need):
            for values in (
                Resident.objects.filter(household_id__in=chunk).order_by("id").values(*_RESIDENT_VALUES)
            ):
                if values["community_id"] == community_id and values["anonymised_at"] is None:
                    by_name[(values["household_id"], values["name"])].append(values)

        claimed: dict[int, int] = {}  # resident pk -> the row that describes them

        def claim(row: _Row, existing: dict | None) -> None:
            if existing is not None:
                first = claimed.setdefault(existing["id"], row.n)
                if first != row.n:
                    self.problem(
                        row.n, NAME, _("Row %(row)d already describes this resident.") % {"row": first}
                    )
                    return
            self.people.append(self._plan_person(row, existing))

        # Rows with an ID number first, so that rows without one choose among the residents left.
        for row in rows:
            if not row.id_number:
                continue
            found = by_id.get(row.id_number, [])
            here = [v for v in found if v["community_id"] == community_id and v["anonymised_at"] is None]
            elsewhere = [
                v
                for v in found
                if v["community_id"] != community_id and v["moved_out"] is None and v["anonymised_at"] is None
            ]
            if elsewhere:
                self.problem(
                    row.n,
                    ID_NUMBER,
                    _(
                        "This ID number belongs to a resident registered in another community; they must be moved "
                        "out there first."
                    ),
                )
                continue
            if here:
                here.sort(key=lambda v: (v["moved_out"] is not None, v["id"]))
                claim(row, here[0])
                continue
            existing = None
            if row.household.pk is not None:
                candidates = [
                    v
                    for v in by_name.get((row.household.pk, row.person["name"]), ())
                    if not v["id_index"] and v["id"] not in claimed
                ]
                existing = candidates[0] if candidates else None
            claim(row, existing)
        for row in rows:
            if row.id_number:
                continue
            existing = None
            if row.household.pk is not None:
                candidates = [
                    v
                    for v in by_name.get((row.household.pk, row.person["name"]), ())
                    if v["id"] not in claimed
                ]
                candidates.sort(key=lambda v: (v["moved_out"] is not None, v["id"]))
                existing = candidates[0] if candidates else None
            claim(row, existing)

    def _plan_person(self, row: _Row, existing: dict | None) -> _Person:
        person = _Person(row, row.household, existing)
        values = dict(row.person)
        if existing is None:
            if row.id_number:
                values["id_number"] = row.id_number
            if row.phone:
                values["phone"] = row.phone
            person.new_values = values
            return person
        changes = person.changes
        for key in _PERSON_FIELDS:
            if key in values and values[key] != existing[key]:
                changes[key] = values[key]
        if row.id_number and existing["id_index"] not in self.id_digests[row.id_number]:
            changes["id_number"] = row.id_number
            changes["id_index"] = _ID_INDEX.digest_of(row.id_number)
        if row.phone and existing["phone_index"] not in index_candidates("phone", row.phone, normalize_phone):
            changes["phone"] = row.phone
            changes["phone_index"] = _PHONE_INDEX.digest_of(row.phone)
        if row.household.pk != existing["household_id"]:
            changes["household"] = row.household  # its pk is known once new households are written
        return person

    def _plan_tags(self) -> None:
        if TAGS not in self.columns:
            return
        grade_tag = next((t for t in self.tag_by_id.values() if t.code == GRADE_TAG), None)

        def manageable(tag_id: int) -> bool:
            tag = self.tag_by_id.get(tag_id)
            return tag is not None and not tag.derived and tag.visible_for(self.roles)

        # The live tags of the community's residents and households: two queries, whatever the sheet's size.
        live_resident: dict[int, dict[int, tuple[int, str]]] = defaultdict(dict)
        live_household: dict[int, dict[int, tuple[int, str]]] = defaultdict(dict)
        if any(p.existing is not None for p in self.people):
            for a in TagAssignment.objects.filter(
                resident__community=self.community, removed_at__isnull=True
            ).values_list("id", "tag_id", "resident_id", "grade"):
                live_resident[a[2]][a[1]] = (a[0], a[3])
        if any(h.existing is not None for h in self.houses.values()):
            for a in TagAssignment.objects.filter(
                household__building__compound__community=self.community, removed_at__isnull=True
            ).values_list("id", "tag_id", "household_id", "grade"):
                live_household[a[2]][a[1]] = (a[0], a[3])

        for person in self.people:
            row = person.row
            if row.tags is None:
                continue
            desired = {t.pk for t in row.tags}
            live = live_resident.get(person.existing["id"], {}) if person.existing is not None else {}
            added = []
            for tag in row.tags:
                if tag.pk not in live:
                    grade = (row.grade or "") if grade_tag is not None and tag.pk == grade_tag.pk else ""
                    self.tag_adds.append((tag, grade, person, None))
                    added.append(tag)
                elif grade_tag is not None and tag.pk == grade_tag.pk and row.grade is not None:
                    assignment_id, grade = live[tag.pk]
                    if grade != row.grade:
                        self.grade_changes.append((assignment_id, row.grade))
            for tag_id, (assignment_id, _grade) in live.items():
                if tag_id not in desired and manageable(tag_id):
                    self.tag_removals.append(assignment_id)
            self._plan_care(person, added)
        for house in self.houses.values():
            if house.tags is None:
                continue
            live = live_household.get(house.pk, {}) if house.pk is not None else {}
            for tag_id in sorted(house.tags - set(live)):
                self.tag_adds.append((self.tag_by_id[tag_id], "", None, house))
            for tag_id, (assignment_id, _grade) in live.items():
                if tag_id not in house.tags and manageable(tag_id):
                    self.tag_removals.append(assignment_id)

    def _plan_care(self, person: _Person, added: list[Tag]) -> None:
        """A tag that calls for regular visits (独居老人: weekly) starts a care plan, as tagging by hand does."""
        every = min((t.visit_every_days for t in added if t.visit_every_days), default=None)
        if every is None:
            return
        existing = person.existing
        if existing is not None and existing["visit_every_days"]:
            return
        care_worker = existing["care_worker_id"] if existing is not None else None
        if care_worker is None:
            care_worker = self._grid_workers().get(person.house.building["grid_id"])
        last = existing["last_visit_at"] if existing is not None else None
        due = self.today if last is None else timezone.localtime(last).date() + timedelta(days=every)
        target = person.new_values if existing is None else person.changes
        target.update(visit_every_days=every, care_worker=care_worker, next_visit_due=due)

    def _grid_workers(self) -> dict[int, int]:
        """The first active grid worker of each of the community's grids (the one tagging by hand would pick)."""
        if self._workers is None:
            from linli.accounts.models import RoleAssignment

            self._workers = {}
            for grid_id, user_id in (
                RoleAssignment.objects.filter(
                    role=Role.GRID_WORKER, grid__community=self.community, user__is_active=True
                )
                .order_by("user_id")
                .values_list("grid_id", "user_id")
            ):
                self._workers.setdefault(grid_id, user_id)
        return self._workers

    # ------------------------------------------------------------------ writing

    def write(self) -> None:
        now = timezone.now()
        self._write_units()
        room_index = Household._meta.get_field("room_index")
        new_houses = [h for h in self.houses.values() if h.existing is None]
        rows = []
        for h in new_houses:
            row = {_fk(k): v for k, v in h.changes.items()}
            row.update(building_id=h.building["id"], unit_id=h.unit_id, room=h.room)
            row["room_index"] = room_index.digest_of(room_key(h.building["id"], h.unit_id, h.room))
            rows.append(row)
        for house, pk in zip(new_houses, _insert_rows(Household, rows, now), strict=True):
            house.pk = pk
        _update_rows(
            Household,
            [(h.pk, h.changes) for h in self.houses.values() if h.existing is not None and h.changes],
            now,
        )

        community_id = self.community.pk
        new_people = [p for p in self.people if p.existing is None]
        rows = []
        for p in new_people:
            row = {_fk(k): v for k, v in p.new_values.items()}
            row.update(household_id=p.house.pk, community_id=community_id)
            rows.append(row)
        for person, pk in zip(new_people, _insert_rows(Resident, rows, now), strict=True):
            person.pk = pk
        updates = []
        for person in self.people:
            if person.existing is not None and person.changes:
                changes = dict(person.changes)
                if isinstance(changes.get("household"), _House):
                    changes["household"] = changes["household"].pk
                updates.append((person.existing["id"], changes))
        _update_rows(Resident, updates, now)

        _insert_rows(
            TagAssignment,
            [
                {
                    "tag_id": tag.pk,
                    "grade": grade,
                    "resident_id": None if person is None else person.pk,
                    "household_id": None if house is None else house.pk,
                    "added_by_id": self.actor.pk,
                    "added_at": now,
                }
                for tag, grade, person, house in self.tag_adds
            ],
            now,
        )
        _execute_many(
            TagAssignment,
            ["removed_at", "removed_by"],
            [(now, self.actor.pk, pk) for pk in self.tag_removals],
        )
        _execute_many(TagAssignment, ["grade"], [(grade, pk) for pk, grade in self.grade_changes])

    def _write_units(self) -> None:
        if not self.new_units:
            return
        Unit.objects.bulk_create(
            [Unit(building_id=b, name=name) for b, name in self.new_units],
            batch_size=WRITE_BATCH,
            ignore_conflicts=True,
        )
        wanted = defaultdict(set)
        for building_id, name in self.new_units:
            wanted[building_id].add(name)
        for building_id, names in wanted.items():
            for unit in Unit.objects.filter(building_id=building_id, name__in=sorted(names)):
                for house in self.new_units.get((building_id, unit.name), []):
                    house.unit_id = unit.pk


_ID_INDEX = Resident._meta.get_field("id_index")
_PHONE_INDEX = Resident._meta.get_field("phone_index")


def _fk(name: str) -> str:
    """The column (attname) of a planned value: foreign keys are planned by pk."""
    return f"{name}_id" if name in ("grid", "community", "street", "care_worker", "household") else name


def _insert_rows(model, rows: list[dict], now: datetime) -> list[int]:
    """INSERT rows given as {attname: value} (the other columns get their defaults); returns their new pks.

    What ``bulk_create`` would write, at a fraction of its cost: it builds a model instance per row and compiles
    every value through the SQL compiler, and on SQLite sends at most 999 parameters per statement (40 residents),
    which was most of an import's time. Here the pks are taken first — on PostgreSQL from the column's sequence,
    on SQLite after the largest one, under the write lock the import's transaction holds (BEGIN IMMEDIATE) — and
    the rows go in one ``executemany``. Values are prepared by their fields (encryption included); blind indexes
    are computed from their source column unless given, and ``auto_now`` timestamps are ``now``."""
    if not rows:
        return []
    meta = model._meta
    qn = connection.ops.quote_name
    table, pk_column = meta.db_table, meta.pk.column
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamp = f.get_db_prep_save(now, connection)
            columns.append((f.attname, lambda row, stamp=stamp: stamp))
        elif isinstance(f, BlindIndexField):
            source = meta.get_field(f.source).attname if f.source in {g.name for g in fields} else None
            columns.append((f.attname, _index_column(f, source)))
        else:
            columns.append((f.attname, _value_column(f)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [qn(table), pk_column, len(rows)],
            )
            pks = [row[0] for row in cursor.fetchall()]
        elif connection.vendor == "sqlite":
            cursor.execute(f"SELECT MAX({qn(pk_column)}) FROM {qn(table)}")
            last = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            last = max(last, found[0] if found else 0)  # AUTOINCREMENT never reuses a deleted row's id
            pks = list(range(last + 1, last + 1 + len(rows)))
        else:
            raise NotImplementedError(f"registry import on {connection.vendor}")
        sql = (
            f"INSERT INTO {qn(table)} ({qn(pk_column)}, {', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * (len(fields) + 1))})"
        )
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(
                sql,
                [
                    [pk, *(value(row) for _name, value in columns)]
                    for pk, row in zip(
                        pks[start : start + WRITE_BATCH], rows[start : start + WRITE_BATCH], strict=True
                    )
                ],
            )
    return pks


# Types a plain column of this kind takes as it is (EncryptedTextField is never plain: it encrypts).
_PLAIN_TYPES = {
    "CharField": (str,),
    "TextField": (str,),
    "SlugField": (str,),
    "ForeignKey": (int,),
    "IntegerField": (int,),
    "SmallIntegerField": (int,),
    "PositiveIntegerField": (int,),
    "PositiveSmallIntegerField": (int,),
    "BigIntegerField": (int,),
    "BooleanField": (bool,),
}


def _value_column(f):
    """row -> the database value of field f: its default when the row has none, prepared by the field."""
    attname = f.attname
    callable_default = f.has_default() and callable(f.default)
    default = None if callable_default else f.get_default()
    internal = f.get_internal_type()
    plain = () if isinstance(f, EncryptedTextField) else _PLAIN_TYPES.get(internal, ())
    adapt_date = connection.ops.adapt_datefield_value if internal == "DateField" else None

    def value(row: dict):
        v = row[attname] if attname in row else (f.get_default() if callable_default else default)
        if v is None or type(v) in plain:
            return v
        if adapt_date is not None and type(v) is date:
            return adapt_date(v)
        return f.get_db_prep_save(v, connection)

    return value


def _index_column(f: BlindIndexField, source: str | None):
    attname = f.attname

    def value(row: dict):
        if attname in row:
            return row[attname]
        if source is None:
            raise ValueError(f"{f.model.__name__}.{attname}: give the index, its source is not a column")
        return f.digest_of(row.get(source))

    return value


def _execute_many(model, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE model SET fields... WHERE id = ... for many rows, values prepared by the model's fields."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(f) for f in fields]
    sql = (
        f"UPDATE {qn(model._meta.db_table)} SET "
        + ", ".join(f"{qn(c.column)} = %s" for c in columns)
        + f" WHERE {qn('id')} = %s"
    )
    params = [
        [c.get_db_prep_save(v, connection) for c, v in zip(columns, row[:-1], strict=True)] + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(params, WRITE_BATCH):
            cursor.executemany(sql, chunk)


def _update_rows(model, updates: list[tuple[int, dict]], now: datetime) -> None:
    """Write each row's changed columns, one executemany per set of columns; version + 1, updated_at = now.

    Unlike ``bulk_update`` (one CASE per column and row), only what changed is sent and encrypted, and an
    unchanged encrypted value need not be decrypted first."""
    if not updates:
        return
    qn = connection.ops.quote_name
    meta = model._meta
    groups: dict[tuple[str, ...], list[tuple[int, dict]]] = defaultdict(list)
    for pk, changes in updates:
        groups[tuple(sorted(changes))].append((pk, changes))
    stamp = meta.get_field("updated_at").get_db_prep_save(now, connection)
    version = qn(meta.get_field("version").column)
    for names, items in groups.items():
        columns = [meta.get_field(name) for name in names]
        sql = (
            f"UPDATE {qn(meta.db_table)} SET "
            + "".join(f"{qn(c.column)} = %s, " for c in columns)
            + f"{version} = {version} + 1, {qn(meta.get_field('updated_at').column)} = %s WHERE {qn(meta.pk.column)} = %s"
        )
        params = [
            [c.get_db_prep_save(changes[c.name], connection) for c in columns] + [stamp, pk]
            for pk, changes in items
        ]
        with connection.cursor() as cursor:
            for chunk in _chunks(params, WRITE_BATCH):
                cursor.executemany(sql, chunk)


# ============================================================================ reading the workbook


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


# ============================================================================ the service


def _may_import(actor, community: Community) -> bool:
    scope = actor.scope
    return scope.is_admin or community.pk in scope.community_ids


def registry_import(*, actor, community: Community, file, commit: bool, request=None) -> ImportReport:
    """Import (``commit=True``) or check (``commit=False``) a registry sheet for one community.

    The sheet is checked whole first; with any problem nothing is written and the report lists them all. Otherwise
    everything is written in one transaction and audited once (counts only, never a number from the sheet).
    ``file`` is a path, bytes or a binary file-like object (an upload). Only the community's secretary or an
    administrator may import."""
    if not _may_import(actor, community):
        raise NotAllowed(_("Only the community's secretary may import its registry."))
    job = _Import(actor=actor, community=community)
    job.read(file)
    if not job.fatal:
        if commit:
            with transaction.atomic():
                # Imports of one community queue behind each other (PostgreSQL; SQLite's BEGIN IMMEDIATE does it).
                list(
                    Community.objects.select_for_update().filter(pk=community.pk).values_list("pk", flat=True)
                )
                job.plan()
                if not job.problems:
                    job.write()
                    report = job.report
                    audit(
                        "registry.import",
                        actor=actor,
                        request=request,
                        object_type="org.community",
                        object_id=str(community.pk),
                        rows=report.rows,
                        created=report.residents_created,
                        updated=report.residents_updated,
                        households_created=report.households_created,
                        households_updated=report.households_updated,
                        units_created=report.units_created,
                        tags_added=report.tags_added,
                        tags_removed=report.tags_removed,
                    )
                    report.committed = True
        else:
            job.plan()
    job.report.problems = sorted(job.problems, key=lambda p: (p.row, _ORDER.get(p.column, -1)))
    return job.report
