"""Due dates of a round: its RFC 5545 RRULE (python-dateutil) read from its first day."""

from __future__ import annotations

from datetime import date, datetime, time

from dateutil.rrule import rrulestr
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput

# How far ahead a round's due dates are written; linli.patrols.services.rounds_extend moves the horizon on.
HORIZON_DAYS = 120
# A rule that yields more dates than this in the horizon (say FREQ=MINUTELY) is not a patrol schedule.
MAX_DATES = 400
_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def parse_rule(rule: str, *, starts_on: date):
    """The rule as a dateutil rrule from `starts_on`; InvalidInput naming `schedule` when it is not a daily or
    coarser RRULE (no DTSTART of its own, no sub-day frequency)."""
    text = (rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts = dict(p.split("=", 1) for p in text.upper().split(";") if "=" in p)
    if parts.get("FREQ") not in _FREQUENCIES or "DTSTART" in text.upper():
        raise InvalidInput(
            _(
                "Give the schedule as an RRULE with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, e.g. FREQ=WEEKLY;BYDAY=FR."
            ),
            field="schedule",
        )
    try:
        return rrulestr(text, dtstart=datetime.combine(starts_on, time.min))
    except (ValueError, TypeError, KeyError):
        raise InvalidInput(_("The schedule is not a valid RRULE."), field="schedule") from None


def due_dates(rule: str, *, starts_on: date, after: date | None, until: date) -> list[date]:
    """The rule's dates from `starts_on` through `until`, leaving out those on or before `after`."""
    dates = []
    for moment in parse_rule(rule, starts_on=starts_on).between(
        datetime.combine(starts_on, time.min), datetime.combine(until, time.max), inc=True
    ):
        day = moment.date()
        if after is not None and day <= after:
            continue
        dates.append(day)
        if len(dates) > MAX_DATES:
            raise InvalidInput(_("This schedule has far too many due dates."), field="schedule")
    return dates
