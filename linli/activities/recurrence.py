"""Recurrence by RFC 5545 rules (python-dateutil's rrule), read in the community's wall-clock time.

The form offers presets, each one a plain RRULE:

- once: no rule;
- 每月N日: ``FREQ=MONTHLY;BYMONTHDAY=N``. For N = 29, 30 or 31 a short month would have no such day, and RFC 5545
  simply skips it; a community expects the activity on the month's last day instead, so the rule becomes
  ``FREQ=MONTHLY;BYMONTHDAY=28,…,N;BYSETPOS=-1`` (the latest of those days the month has): the 31st is held on
  30 April, 28 February, 29 February in a leap year;
- 每周X: ``FREQ=WEEKLY;BYDAY=FR``; every second week: ``FREQ=WEEKLY;INTERVAL=2;BYDAY=SA``, counted from DTSTART's week;
- the Nth weekday of the month: ``FREQ=MONTHLY;BYDAY=+2SA`` (N = 1…4, or -1 for the last one);

each ended by an UNTIL date (the whole day counts, written in UTC as RFC 5545 asks of a zoned DTSTART) or a
COUNT. DTSTART is the first start in the activity's ``tzid`` (Asia/Shanghai, which has no daylight saving): the
rule is expanded in local wall-clock time and every instance converted to an aware datetime, so 09:00 stays 09:00
local (01:00 UTC) whatever the month."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrulestr
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput

from .choices import Preset, Weekday

DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
MAX_COUNT = 500
MAX_PER_EXPANSION = 400  # a weekly rule gives ~18 in a 120-day horizon; this bounds a mistaken rule


def build_rule(
    preset: str,
    *,
    day: int | None = None,
    weekday: int | None = None,
    nth: int | None = None,
    until: date | None = None,
    count: int | None = None,
    tzid: str = "Asia/Shanghai",
) -> str:
    """The RRULE (without DTSTART) for a preset and its parameters; "" for a one-off."""
    if preset == Preset.ONCE:
        return ""
    if preset == Preset.MONTHLY_DAY:
        if day is None or not 1 <= int(day) <= 31:
            raise InvalidInput(_("Choose a day of the month from 1 to 31."), field="day")
        day = int(day)
        if day <= 28:
            parts = ["FREQ=MONTHLY", f"BYMONTHDAY={day}"]
        else:
            days = ",".join(str(d) for d in range(28, day + 1))
            parts = ["FREQ=MONTHLY", f"BYMONTHDAY={days}", "BYSETPOS=-1"]
    elif preset in (Preset.WEEKLY, Preset.BIWEEKLY, Preset.MONTHLY_NTH):
        if weekday is None or int(weekday) not in Weekday.values:
            raise InvalidInput(_("Choose a weekday."), field="weekday")
        code = DAY_CODES[int(weekday)]
        if preset == Preset.WEEKLY:
            parts = ["FREQ=WEEKLY", f"BYDAY={code}"]
        elif preset == Preset.BIWEEKLY:
            parts = ["FREQ=WEEKLY", "INTERVAL=2", f"BYDAY={code}"]
        else:
            if nth is None or int(nth) not in (1, 2, 3, 4, -1):
                raise InvalidInput(
                    _("Choose which weekday of the month: 1st to 4th, or the last."), field="nth"
                )
            nth = int(nth)
            parts = ["FREQ=MONTHLY", f"BYDAY={'+' if nth > 0 else ''}{nth}{code}"]
    else:
        raise InvalidInput(_("Choose how the activity repeats."), field="preset")
    if until is not None and count is not None:
        raise InvalidInput(_("Give an end date or a number of times, not both."), field="count")
    if count is not None:
        if not 1 <= int(count) <= MAX_COUNT:
            raise InvalidInput(
                _("The number of times must be from 1 to %(n)d.") % {"n": MAX_COUNT}, field="count"
            )
        parts.append(f"COUNT={int(count)}")
    elif until is not None:
        last = datetime.combine(until, time(23, 59, 59), tzinfo=ZoneInfo(tzid)).astimezone(UTC)
        parts.append(f"UNTIL={last:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def rule_parts(rule: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in rule.split(";") if "=" in p) if rule else {}


def rule_params(rule: str, tzid: str = "Asia/Shanghai") -> dict:
    """The preset parameters a rule was built from, to fill the form again: day, weekday, nth, until, count."""
    parts = rule_parts(rule)
    out: dict = {"day": None, "weekday": None, "nth": None, "until": None, "count": None}
    if "BYMONTHDAY" in parts:
        out["day"] = int(parts["BYMONTHDAY"].split(",")[-1])
    if "BYDAY" in parts:
        byday = parts["BYDAY"]
        out["weekday"] = DAY_CODES.index(byday[-2:])
        if byday[:-2]:
            out["nth"] = int(byday[:-2])
    if "COUNT" in parts:
        out["count"] = int(parts["COUNT"])
    if "UNTIL" in parts:
        utc = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        out["until"] = utc.astimezone(ZoneInfo(tzid)).date()
    return out


def check_rule(rule: str) -> None:
    """Refuse a rule this app would not build: only weekly and monthly ones (a typed rule arrives by the API)."""
    if not rule:
        return
    try:
        parsed = rrulestr(rule, dtstart=datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The recurrence rule is not valid: %(e)s") % {"e": exc}, field="rrule") from None
    if parsed._freq not in (WEEKLY, MONTHLY):
        raise InvalidInput(_("Only weekly and monthly rules are allowed."), field="rrule")


def local_dtstart(starts_at: datetime, tzid: str) -> datetime:
    return starts_at.astimezone(ZoneInfo(tzid))


def expand(rule: str, starts_at: datetime, tzid: str, start: datetime, end: datetime) -> list[datetime]:
    """The starts in [start, end) of a schedule: DTSTART alone for a one-off, else the rule's instances."""
    first = local_dtstart(starts_at, tzid)
    if not rule:
        return [first] if start <= first < end else []
    instances = rrulestr(rule, dtstart=first)
    out = []
    for moment in instances.xafter(start.astimezone(ZoneInfo(tzid)) - timedelta(microseconds=1), inc=True):
        if moment >= end or len(out) >= MAX_PER_EXPANSION:
            break
        out.append(moment)
    return out


def rfc5545_text(activity) -> str:
    if activity.starts_at is None:
        return ""
    first = local_dtstart(activity.starts_at, activity.tzid)
    lines = [f"DTSTART;TZID={activity.tzid}:{first:%Y%m%dT%H%M%S}"]
    if activity.rrule:
        lines.append(f"RRULE:{activity.rrule}")
    return "\n".join(lines)


def describe(activity) -> str:
    """The schedule in words: 每月26日 09:00, every Friday 14:00…"""
    if activity.starts_at is None:
        return ""
    first = local_dtstart(activity.starts_at, activity.tzid)
    at = f"{first:%H:%M}"
    p = rule_params(activity.rrule, activity.tzid)
    weekday = Weekday(p["weekday"]).label if p["weekday"] is not None else ""
    preset = activity.preset
    if not activity.rrule:
        text = f"{first:%Y-%m-%d} {at}"
    elif preset == Preset.MONTHLY_DAY:
        text = _("Monthly on day %(d)s, %(at)s") % {"d": p["day"], "at": at}
        if p["day"] and p["day"] > 28:
            text += " " + _("(the last day in shorter months)")
    elif preset == Preset.WEEKLY:
        text = _("Every %(w)s, %(at)s") % {"w": weekday, "at": at}
    elif preset == Preset.BIWEEKLY:
        text = _("Every second %(w)s, %(at)s") % {"w": weekday, "at": at}
    elif preset == Preset.MONTHLY_NTH:
        if p["nth"] == -1:
            text = _("Every month on the last %(w)s, %(at)s") % {"w": weekday, "at": at}
        else:
            text = _("Every month on %(w)s no. %(n)s, %(at)s") % {"n": p["nth"], "w": weekday, "at": at}
    else:
        text = activity.rrule
    if p["until"]:
        text += " · " + _("until %(d)s") % {"d": p["until"].isoformat()}
    if p["count"]:
        text += " · " + _("%(n)s times") % {"n": p["count"]}
    return text
