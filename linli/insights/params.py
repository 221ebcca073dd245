"""The query parameters the insights API and pages share: unit, from, to, by."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput

from .selectors import month_end

MAX_DAYS = 366 * 5


def this_month() -> tuple[date, date]:
    today = timezone.localdate()
    return today.replace(day=1), month_end(today)


def parse_period(params) -> tuple[date, date]:
    """`from` and `to` (YYYY-MM-DD, both included); this month when neither is given."""
    default_start, default_end = this_month()
    out = []
    for name, default in (("from", default_start), ("to", default_end)):
        value = (params.get(name) or "").strip()
        if not value:
            out.append(default)
            continue
        try:
            day = parse_date(value) if len(value) == 10 else None
        except ValueError:  # well formed but no such day (2025-13-01)
            day = None
        if day is None:
            raise InvalidInput(_("Dates are written YYYY-MM-DD."), field=name)
        out.append(day)
    start, end = out
    if start > end:
        raise InvalidInput(_("The start of the period is after its end."), field="from")
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput(_("A period may be at most five years long."), field="to")
    return start, end


def parse_choice(params, name: str, choices: tuple[str, ...], default: str) -> str:
    value = (params.get(name) or default).strip()
    if value not in choices:
        raise InvalidInput(
            _("%(name)s must be one of: %(choices)s") % {"name": name, "choices": ", ".join(choices)},
            field=name,
        )
    return value
