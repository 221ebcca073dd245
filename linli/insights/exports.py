"""Excel workbooks of every dashboard table (openpyxl): a header in the active language, rates as 0.0 %."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from . import reports, selectors
from .definitions import BY_KEY, DEFINITIONS_VERSION
from .selectors import OrgUnit

RATE_FORMAT = "0.0%"
RATE_KEYS = (
    "response_rate",
    "on_time_response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_resolution_rate",
    "reopen_rate",
    "whistle_rate",
)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str = "text"  # text, int, rate (a percentage, stored as a fraction), float


def _label(key: str):
    return BY_KEY[key].label


RATE_COLUMNS = [Column(k, _label(k), "rate") for k in RATE_KEYS]
RATES_TABLE = [
    Column("received", _label("received"), "int"),
    *RATE_COLUMNS,
    Column("backlog", _label("backlog"), "int"),
]


def _cell_value(value, kind: str):
    if value is None:
        return None
    if kind == "rate":
        return value / 100.0
    return value


def workbook(
    title: str, columns: list[Column], rows: list[dict], *, unit: OrgUnit, start: date, end: date
) -> bytes:
    """One sheet: a caption line, the header, the rows; frozen header, column widths, number formats."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    caption = _("%(unit)s · %(start)s to %(end)s · definitions version %(version)s") % {
        "unit": unit.name,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "version": DEFINITIONS_VERSION,
    }
    ws.append([caption])
    ws.append([str(c.label) for c in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        ws.append([_cell_value(row.get(c.key), c.kind) for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.kind == "rate":
            for (cell,) in ws.iter_rows(min_row=3, min_col=index, max_col=index):
                cell.number_format = RATE_FORMAT
        elif column.kind == "mixed":  # counts and rates in one column: each row names its format
            for row, (cell,) in zip(rows, ws.iter_rows(min_row=3, min_col=index, max_col=index), strict=True):
                cell.number_format = row["format"]
        elif column.kind == "float":
            for (cell,) in ws.iter_rows(min_row=3, min_col=index, max_col=index):
                cell.number_format = "0.0"
        widest = max([len(str(column.label))] + [len(str(r.get(column.key) or "")) for r in rows])
        # CJK characters take two columns' width.
        wide = any(ord(ch) > 0x2E80 for ch in str(column.label))
        ws.column_dimensions[letter].width = min(60, max(10, widest * (2 if wide else 1) + 2))
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def figures_table(unit: OrgUnit, start: date, end: date) -> bytes:
    """The figures of the unit: one row per figure with its value and definition."""
    figures = selectors.unit_kpis(unit, start, end)
    rows = []
    for r in reports.figure_rows(figures):
        value = r["value"]
        rows.append(
            {
                "label": r["label"],
                "value": value / 100.0 if (r["is_rate"] and value is not None) else value,
                "format": RATE_FORMAT if r["is_rate"] else "General",
                "text": r["text"],
                "review": _("Perfect score: review") if r["perfect"] else "",
            }
        )
    columns = [
        Column("label", gettext_lazy("Figure")),
        Column("value", gettext_lazy("Value"), "mixed"),
        Column("review", gettext_lazy("Review")),
        Column("text", gettext_lazy("Definition")),
    ]
    return workbook(str(_("Figures")), columns, rows, unit=unit, start=start, end=end)


def trend_table(unit: OrgUnit, start: date, end: date) -> bytes:
    by = "week" if (end - start).days <= 92 else "month"
    rows = selectors.trend(unit, start, end, by)
    columns = [Column("period", gettext_lazy("Period")), *RATES_TABLE]
    return workbook(str(_("Trend")), columns, rows, unit=unit, start=start, end=end)


def _breakdown_table(by: str, title, first_label) -> Callable[[OrgUnit, date, date], bytes]:
    def build(unit: OrgUnit, start: date, end: date) -> bytes:
        rows = selectors.breakdown(unit, start, end, by)
        columns = [Column("name", first_label), *RATES_TABLE]
        return workbook(str(title), columns, rows, unit=unit, start=start, end=end)

    build.__doc__ = f"The figures per {by} of the unit."
    return build


categories_table = _breakdown_table("category", gettext_lazy("Category mix"), gettext_lazy("Category"))
channels_table = _breakdown_table("channel", gettext_lazy("Channel mix"), gettext_lazy("Channel"))


def children_table(unit: OrgUnit, start: date, end: date) -> bytes:
    """Per grid of a community, per community of a street or district (what the dashboard breaks down)."""
    by = {"c": "grid", "s": "community", "d": "community"}.get(unit.level)
    if by is None:
        raise Http404
    label = gettext_lazy("Grid") if by == "grid" else gettext_lazy("Community")
    title = gettext_lazy("Per grid") if by == "grid" else gettext_lazy("Per community")
    return _breakdown_table(by, title, label)(unit, start, end)


def departments_table(unit: OrgUnit, start: date, end: date) -> bytes:
    rows = selectors.departments(unit, start, end)
    columns = [
        Column("name", gettext_lazy("Department")),
        Column("whistles", _label("whistles"), "int"),
        Column("reported_in", gettext_lazy("Reported in"), "int"),
        Column("answered", gettext_lazy("Answered"), "int"),
        Column("median_report_in_minutes", _label("median_report_in_minutes"), "float"),
        Column("median_answer_minutes", _label("median_answer_minutes"), "float"),
        Column("accepted", gettext_lazy("Accepted"), "int"),
        Column("rejected", gettext_lazy("Rejected"), "int"),
        Column("acceptance_rate", _label("acceptance_rate"), "rate"),
    ]
    return workbook(str(_("Departments")), columns, rows, unit=unit, start=start, end=end)


TABLES: dict[str, Callable[[OrgUnit, date, date], bytes]] = {
    "figures": figures_table,
    "trend": trend_table,
    "categories": categories_table,
    "channels": channels_table,
    "children": children_table,
    "departments": departments_table,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
