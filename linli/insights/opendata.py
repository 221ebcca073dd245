"""Open data: anonymised case statistics per community × category × month, from the community roll-ups.

Counts only, never a case, a text or a person; a count from 1 to 4 is published as "<5" (small-cell
suppression), so no single household's case can be picked out."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.cases.models import Category
from linli.core.errors import InvalidInput
from linli.org.models import Community

from .definitions import DEFINITIONS_VERSION
from .models import Rollup
from .reports import last_full_month, months_back

SMALL = 5
SUPPRESSED = "<5"
MAX_MONTHS = 36
COUNT_COLUMNS = ("received", "responded_on_time", "resolved", "satisfied", "rated")
COLUMNS = (
    ("community_code", gettext_lazy("Community code (org.Community.code).")),
    ("community", gettext_lazy("Community name.")),
    ("category_code", gettext_lazy("Category code.")),
    ("category", gettext_lazy("Category name.")),
    ("month", gettext_lazy("Month the cases were received (YYYY-MM, local time Asia/Shanghai).")),
    ("received", gettext_lazy("Cases received (merged duplicates left out).")),
    ("responded_on_time", gettext_lazy("Of those, responded to by the response deadline.")),
    ("resolved", gettext_lazy("Of those, resolved (handling finished), on time or not.")),
    ("satisfied", gettext_lazy("Of those, rated satisfied or basically satisfied.")),
    ("rated", gettext_lazy("Of those, given a satisfaction rating.")),
    ("definitions_version", gettext_lazy("Version of the figures' definitions the counts follow.")),
)


def suppress(n: int) -> int | str:
    """A count as published: 0 and 5 or more as they are, 1 to 4 as "<5"."""
    return SUPPRESSED if 0 < n < SMALL else n


def _parse_month(value: str, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        year, month = value.split("-")[:2]
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise InvalidInput(_("Months are written YYYY-MM."), field=field) from exc


def parse_months(params) -> list[date]:
    """`from` and `to` months (YYYY-MM, both included); the last 12 full months when neither is given."""
    last = _parse_month(params.get("to", ""), "to") or last_full_month()
    first = _parse_month(params.get("from", ""), "from")
    months = months_back(last, MAX_MONTHS)
    if first is None:
        return months[-12:]
    if first > last:
        raise InvalidInput(_("The start of the period is after its end."), field="from")
    if first < months[0]:
        raise InvalidInput(_("At most 36 months at a time."), field="from")
    return [m for m in months if m >= first]


def rows(months: list[date], *, community_code: str = "") -> Iterator[dict]:
    """One row per community, category and month with any case, in that order; counts suppressed."""
    communities = Community.objects.all()
    if community_code:
        communities = communities.filter(code=community_code)
    names = {pk: (code, name) for pk, code, name in communities.values_list("pk", "code", "name")}
    categories = {
        str(pk): (code, name) for pk, code, name in Category.objects.values_list("pk", "code", "name")
    }
    rollups = (
        Rollup.objects.filter(level="c", grain="m", dim="ca", period__in=months, received__gt=0)
        .filter(unit_id__in=list(names))
        .order_by("unit_id", "key", "period")
        .values_list("unit_id", "key", "period", *COUNT_COLUMNS)
    )
    for unit_id, key, period, *counts in rollups.iterator(chunk_size=2000):
        code, name = names[unit_id]
        cat_code, cat_name = categories.get(key, ("", ""))
        row = {
            "community_code": code,
            "community": name,
            "category_code": cat_code,
            "category": cat_name,
            "month": period.strftime("%Y-%m"),
        }
        row.update({column: suppress(n) for column, n in zip(COUNT_COLUMNS, counts, strict=True)})
        row["definitions_version"] = DEFINITIONS_VERSION
        yield row


def csv_chunks(months: list[date], *, community_code: str = "") -> Iterator[str]:
    """The CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese names), a chunk per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    names = [name for name, _doc in COLUMNS]
    writer.writerow(names)
    yield "\ufeff" + buffer.getvalue()
    for row in rows(months, community_code=community_code):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([row[name] for name in names])
        yield buffer.getvalue()


def json_chunks(months: list[date], *, community_code: str = "") -> Iterator[str]:
    """The JSON document: the columns documented, then the rows (streamed, never built in memory)."""
    head = {
        "definitions_version": DEFINITIONS_VERSION,
        "from": months[0].strftime("%Y-%m"),
        "to": months[-1].strftime("%Y-%m"),
        "suppression": _('Counts from 1 to 4 are published as "<5".'),
        "columns": [{"name": name, "description": str(doc)} for name, doc in COLUMNS],
    }
    text = json.dumps(head, ensure_ascii=False)
    yield text[:-1] + ', "rows": ['
    first = True
    for row in rows(months, community_code=community_code):
        yield ("" if first else ",") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "]}"
