"""China's official working-day calendar, used to count case deadlines in working days.

Where each day's answer comes from, highest precedence first:

1. ``override`` — a ``CalendarDay`` row (entered by an administrator or imported from the State Council's
   yearly arrangement).
2. ``official`` — ``chinese_calendar``, for the years it ships data for (2004–2026 in v1.11).  A day is also
   ``official`` when its year has no library data but the override rows hold the whole arrangement for it:
   every statutory holiday of that year has a non-working row.  The published arrangement always lists every
   statutory holiday, so once those rows exist the remaining days follow the plain Monday–Friday rule.
3. ``fallback`` — weekends off plus the statutory holidays computed for the year (元旦, 春节 除夕–初三, 清明,
   劳动节 May 1–2, 端午, 中秋, 国庆 Oct 1–3; the rules in force since 2025).  It knows nothing of the bridging
   days and 调休 swaps, so any deadline that consulted a fallback day is marked ``estimated``.

Caching: per-year library/fallback tables are memoised in process memory.  All ``CalendarDay`` rows (a few
dozen a year) are held in a process-local snapshot, loaded with one query.  ``post_save``/``post_delete``
on ``CalendarDay`` in this process drop the snapshot (again once the transaction commits, so other threads
reload committed data); other processes pick a change up within ``OVERRIDE_TTL_SECONDS`` because the
snapshot is reloaded when it is that old.  A thread that changed rows inside a still-open transaction reads
the rows fresh on each call (one query) and never caches them, so a rollback cannot leave stale rows behind.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from os import PathLike
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save
from lunardate import LunarDate

from .models import CalendarDay

OVERRIDE_TTL_SECONDS = 60.0
END_OF_DAY = dt_time(23, 59, 59)
NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length

_WORKDAY_WORDS = {"1": True, "true": True, "班": True, "0": False, "false": False, "休": False}


@dataclass(frozen=True)
class DayInfo:
    """One day of the calendar and where the answer came from."""

    date: date
    is_workday: bool
    name: str
    source: str  # "override" | "official" | "fallback"


@dataclass(frozen=True)
class Deadline:
    """A computed deadline; ``estimated`` is True when any consulted day came from the fallback."""

    due: datetime
    estimated: bool


# --- per-year tables (library or fallback), memoised -------------------------------------------------------


def _official_name(name: str | None) -> str:
    if not name:
        return ""
    try:
        return chinese_calendar.Holiday(name).chinese
    except ValueError:
        return name


def _qingming(year: int) -> date:
    try:
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    except NotImplementedError:
        terms = []
    for day, name in terms:
        if name == "清明":
            return day
    # 寿星 formula for 清明 outside the library's 1900–2100 range; it is always Apr 4 or 5.
    y = year % 100
    c = 4.81 if year >= 2000 else 5.59
    return date(year, 4, min(5, max(4, int(y * 0.2422 + c) - y // 4)))


def _lunar(year: int, month: int, day: int) -> date | None:
    try:
        return LunarDate(year, month, day).to_solar_date()
    except ValueError:  # lunardate covers 1900–2099 only
        return None


@functools.lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[date, str]:
    """The fixed statutory holidays of a year under the rules in force since 2025 (no bridging, no 调休)."""
    days: dict[date, str] = {}

    def add(day: date | None, name: str) -> None:
        if day is not None and day.year == year:
            days[day] = f"{days[day]}、{name}" if day in days and days[day] != name else name

    add(date(year, 1, 1), "元旦")
    new_year = _lunar(year, 1, 1)
    if new_year is not None:
        for offset in range(-1, 3):  # 除夕 and 正月初一..初三
            add(new_year + timedelta(days=offset), "春节")
    add(_qingming(year), "清明")
    add(date(year, 5, 1), "劳动节")
    add(date(year, 5, 2), "劳动节")
    add(_lunar(year, 5, 5), "端午")
    add(_lunar(year, 8, 15), "中秋")
    for day in (1, 2, 3):
        add(date(year, 10, day), "国庆节")
    return days


def _days_of(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _year_table(year: int) -> dict[date, DayInfo]:
    try:
        chinese_calendar.get_holiday_detail(date(year, 1, 1))
    except NotImplementedError:
        holidays = statutory_holidays(year)
        return {
            d: DayInfo(d, d.weekday() < 5 and d not in holidays, holidays.get(d, ""), "fallback")
            for d in _days_of(year)
        }
    table = {}
    for d in _days_of(year):
        is_holiday, name = chinese_calendar.get_holiday_detail(d)
        table[d] = DayInfo(d, not is_holiday, _official_name(name), "official")
    return table


def library_covers(year: int) -> bool:
    """Whether chinese_calendar ships the official arrangement for ``year``."""
    return _year_table(year)[date(year, 1, 1)].source == "official"


# --- override rows, process-local snapshot ----------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    days: dict[date, DayInfo]
    complete_years: frozenset[int]
    loaded_at: float


_clock = time.monotonic
_lock = threading.Lock()
_snapshot: _Snapshot | None = None
_generation = 0
# Threads whose connection holds uncommitted CalendarDay changes: they must neither use nor fill the cache.
_dirty_threads: set[int] = set()


def _load_snapshot(now: float) -> _Snapshot:
    rows = {
        d: DayInfo(d, is_workday, name, "override")
        for d, is_workday, name in CalendarDay.objects.values_list("date", "is_workday", "name")
    }
    complete = set()
    for year in {d.year for d in rows}:
        holidays = statutory_holidays(year)
        if holidays and all(d in rows and not rows[d].is_workday for d in holidays):
            complete.add(year)
    return _Snapshot(rows, frozenset(complete), now)


def _overrides() -> _Snapshot:
    global _snapshot
    ident = threading.get_ident()
    own_changes = ident in _dirty_threads
    if own_changes and not transaction.get_connection().in_atomic_block:
        # The transaction ended without running our on_commit hook, i.e. it rolled back.
        with _lock:
            _dirty_threads.discard(ident)
        own_changes = False
    now = _clock()
    snapshot = _snapshot
    if not own_changes and snapshot is not None and now - snapshot.loaded_at < OVERRIDE_TTL_SECONDS:
        return snapshot
    generation = _generation
    snapshot = _load_snapshot(now)
    if not own_changes:
        with _lock:
            if generation == _generation:  # nothing changed while we were reading
                _snapshot = snapshot
    return snapshot


def _after_commit(ident: int) -> None:
    global _snapshot, _generation
    with _lock:
        _dirty_threads.discard(ident)
        _generation += 1
        _snapshot = None


def _calendar_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    global _snapshot, _generation
    ident = threading.get_ident()
    with _lock:
        _dirty_threads.add(ident)
        _generation += 1
        _snapshot = None
    transaction.on_commit(functools.partial(_after_commit, ident), using=using)


def _on_calendar_day_signal(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    _calendar_changed(using)


def clear_cache() -> None:
    """Forget every cached table and override row (tests, or after bulk SQL that bypasses signals)."""
    global _snapshot, _generation
    with _lock:
        _dirty_threads.clear()
        _generation += 1
        _snapshot = None
    _year_table.cache_clear()
    statutory_holidays.cache_clear()


post_save.connect(_on_calendar_day_signal, sender=CalendarDay, dispatch_uid="linli.core.workdays.saved")
post_delete.connect(_on_calendar_day_signal, sender=CalendarDay, dispatch_uid="linli.core.workdays.deleted")


# --- lookups -----------------------------------------------------------------------------------------------


def _lookup(d: date, snapshot: _Snapshot) -> DayInfo:
    row = snapshot.days.get(d)
    if row is not None:
        return row
    info = _year_table(d.year)[d]
    if info.source == "fallback" and d.year in snapshot.complete_years:
        return replace(info, source="official")
    return info


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_info(d: date) -> DayInfo:
    """Whether ``d`` is a working day on China's official calendar, and where that answer came from."""
    return _lookup(d, _overrides())


def add_working_days(start: datetime, days: int) -> Deadline:
    """The deadline ``days`` working days after ``start``, as an aware Asia/Shanghai datetime.

    Rule: counting always starts on the day after the start's local date.  A case received on a working
    day is due at the same local clock time on the N-th following working day.  A case received on a
    non-working day (weekend, holiday) is treated as arriving at the end of that day, so its clock runs
    from the start of the next working day and it is due at the end (23:59:59) of the N-th working day.
    This keeps deadlines monotonic: a case received later is never due earlier.  ``days=0`` returns
    ``start`` itself (converted to local time).  ``estimated`` is True when any day consulted — the start
    date or any day up to the due date — came from the fallback.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be an aware datetime")
    if days < 0:
        raise ValueError("days must not be negative")
    zone = _local_zone()
    local = start.astimezone(zone)
    if days == 0:
        return Deadline(due=local, estimated=False)
    snapshot = _overrides()
    first = _lookup(local.date(), snapshot)
    estimated = first.source == "fallback"
    clock = local.time() if first.is_workday else END_OF_DAY
    day = local.date()
    remaining = days
    while remaining:
        day += timedelta(days=1)
        info = _lookup(day, snapshot)
        estimated = estimated or info.source == "fallback"
        if info.is_workday:
            remaining -= 1
    return Deadline(due=datetime.combine(day, clock, tzinfo=zone), estimated=estimated)


def working_days_between(start: date, end: date) -> int:
    """The number of working days in the half-open interval (start, end]; 0 when end <= start."""
    snapshot = _overrides()
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if _lookup(day, snapshot).is_workday:
            count += 1
    return count


# --- importing the yearly arrangement ----------------------------------------------------------------------


def import_arrangement(rows: Iterable[tuple[date, bool, str]], *, source: str = "import") -> int:
    """Upsert ``(date, is_workday, name)`` rows as CalendarDay overrides in one transaction; returns the count."""
    if source not in CalendarDay.Source.values:
        raise ValueError(f"unknown source {source!r}")
    by_date: dict[date, CalendarDay] = {}
    for index, row in enumerate(rows, start=1):
        try:
            day, is_workday, name = row
        except (TypeError, ValueError):
            raise ValueError(f"row {index}: expected (date, is_workday, name)") from None
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"row {index}: {day!r} is not a date")
        if not isinstance(is_workday, bool):
            raise ValueError(f"row {index}: is_workday must be True or False, not {is_workday!r}")
        name = name or ""
        if not isinstance(name, str) or len(name) > NAME_MAX_LENGTH:
            raise ValueError(f"row {index}: name must be text of at most {NAME_MAX_LENGTH} characters")
        if day in by_date:
            raise ValueError(f"row {index}: {day.isoformat()} appears more than once")
        by_date[day] = CalendarDay(date=day, is_workday=is_workday, name=name, source=source)
    if not by_date:
        return 0
    with transaction.atomic():
        CalendarDay.objects.bulk_create(
            list(by_date.values()),
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["is_workday", "name", "source"],
        )
        # bulk_create sends no post_save, so invalidate explicitly.
        _calendar_changed(transaction.get_connection().alias)
    return len(by_date)


def _parse_workday(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _WORKDAY_WORDS:
        return _WORKDAY_WORDS[value.strip().lower()]
    raise ValueError(f"is_workday must be one of 1/0/true/false/班/休, not {value!r}")


def _parse_row(raw_date: object, raw_workday: object, raw_name: object) -> tuple[date, bool, str]:
    if raw_date is None or raw_date == "":
        raise ValueError("date is missing")
    if not isinstance(raw_date, str):
        raise ValueError(f"date must be text like 2027-02-05, not {raw_date!r}")
    try:
        day = date.fromisoformat(raw_date.strip())
    except ValueError:
        raise ValueError(f"invalid date {raw_date!r} (expected YYYY-MM-DD)") from None
    if raw_workday is None or raw_workday == "":
        raise ValueError("is_workday is missing")
    is_workday = _parse_workday(raw_workday)
    name = "" if raw_name is None else raw_name
    if not isinstance(name, str):
        raise ValueError(f"name must be text, not {name!r}")
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValueError(f"name is longer than {NAME_MAX_LENGTH} characters")
    return day, is_workday, name


def _parse_csv(text: str) -> list[tuple[date, bool, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return []
    columns = [column.strip().lower() for column in header]
    missing = [column for column in ("date", "is_workday") if column not in columns]
    if missing:
        raise ValueError(f"line 1: header must be date,is_workday,name (missing {', '.join(missing)})")
    result: list[tuple[date, bool, str]] = []
    seen: dict[date, int] = {}
    for fields in reader:
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) > len(columns):
            raise ValueError(
                f"line {line}: {len(fields)} fields, expected {len(columns)} (quote names with commas)"
            )

        values = dict(zip(columns, fields, strict=False))
        try:
            row = _parse_row(values.get("date"), values.get("is_workday"), values.get("name"))
        except ValueError as error:
            raise ValueError(f"line {line}: {error}") from None
        if row[0] in seen:
            raise ValueError(f"line {line}: {row[0].isoformat()} already given on line {seen[row[0]]}")
        seen[row[0]] = line
        result.append(row)
    return result


def _parse_json(text: str) -> list[tuple[date, bool, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    if not isinstance(data, list):
        raise ValueError('JSON must be a list of {"date", "is_workday", "name"} objects')
    result: list[tuple[date, bool, str]] = []
    seen: dict[date, int] = {}
    for index, entry in enumerate(data, start=1):
        try:
            if not isinstance(entry, dict):
                raise ValueError('expected an object with "date", "is_workday" and "name"')
            if "date" not in entry or "is_workday" not in entry:
                raise ValueError('"date" and "is_workday" are required')
            row = _parse_row(entry["date"], entry["is_workday"], entry.get("name"))
        except ValueError as error:
            raise ValueError(f"entry {index}: {error}") from None
        if row[0] in seen:
            raise ValueError(f"entry {index}: {row[0].isoformat()} already given in entry {seen[row[0]]}")
        seen[row[0]] = index
        result.append(row)
    return result


def parse_arrangement_file(path: str | PathLike[str]) -> list[tuple[date, bool, str]]:
    """Read an arrangement from CSV (date,is_workday,name) or JSON; ValueError names the bad line/entry."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not UTF-8 text") from None
    return parse_arrangement_text(text, suffix=path.suffix)


def parse_arrangement_text(text: str, *, suffix: str = "") -> list[tuple[date, bool, str]]:
    """Parse an arrangement given as text; `suffix` (".csv"/".json") decides the format when known."""
    suffix = suffix.lower()
    if suffix == ".json" or (suffix != ".csv" and text.lstrip().startswith("[")):
        return _parse_json(text)
    return _parse_csv(text)


def estimated_years(start: date, days: int) -> list[int]:
    """Years in [start, start + days] whose deadlines are estimated: no official arrangement is known yet."""
    end = start + timedelta(days=days)
    snapshot = _overrides()
    years = []
    for year in range(start.year, end.year + 1):
        first = max(start, date(year, 1, 1))
        if _year_table(year)[first].source == "fallback" and year not in snapshot.complete_years:
            years.append(year)
    return years
