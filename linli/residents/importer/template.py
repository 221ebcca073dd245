"""The downloadable template (居民信息导入模板): the columns, an example row and the instructions sheet."""

from __future__ import annotations

import io
from datetime import date

from django.utils.translation import gettext as _

from linli.core.validators import (
    id_check_char,
)

from ..choices import TagTarget
from ..models import Tag
from .columns import (
    BIRTH,
    BUILDING,
    COMPOUND,
    FLOOR,
    GENDER,
    GENDER_VALUES,
    GRADE,
    GRADE_TAG,
    HEADERS,
    HELP_SHEET,
    ID_NUMBER,
    MAX_NAME,
    MAX_NOTES,
    MAX_ROWS,
    MOVED_IN,
    MOVED_OUT,
    NAME,
    NOTES,
    OCCUPANCY,
    OCCUPANCY_VALUES,
    PHONE,
    RELATIONSHIP,
    RELATIONSHIP_VALUES,
    ROOM,
    SHEET,
    TAGS,
    TENURE,
    TENURE_VALUES,
    UNIT,
    _listing,
)


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
