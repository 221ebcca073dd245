"""Recurrence rules: the presets' RRULEs and their expansion in Asia/Shanghai wall-clock time."""

from datetime import UTC, date, datetime, time

import pytest

from linli.activities.choices import Preset, Weekday
from linli.activities.recurrence import build_rule, check_rule, expand, rule_params
from linli.core.errors import InvalidInput

from .conftest import SH, local


def _days(rule, first, start, end):
    return [m for m in expand(rule, first, "Asia/Shanghai", start, end)]


def test_the_26th_of_every_month_across_a_leap_year():
    rule = build_rule(Preset.MONTHLY_DAY, day=26)
    assert rule == "FREQ=MONTHLY;BYMONTHDAY=26"
    got = _days(rule, local(2028, 1, 26, 9), local(2028, 1, 1), local(2029, 1, 1))
    assert [(m.month, m.day) for m in got] == [(month, 26) for month in range(1, 13)]
    # 09:00 in Shanghai is 01:00 UTC in every month: no daylight saving shifts it.
    assert {m.astimezone(UTC).time() for m in got} == {time(1, 0)}
    assert all(m.time() == time(9, 0) for m in got)


@pytest.mark.parametrize(
    ("year", "feb"),
    [(2027, 28), (2028, 29)],  # an ordinary and a leap February
)
def test_monthly_on_the_31st_is_clamped_to_the_last_day(year, feb):
    rule = build_rule(Preset.MONTHLY_DAY, day=31)
    assert rule == "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    got = _days(rule, local(year, 1, 31, 14), local(year, 1, 1), local(year + 1, 1, 1))
    last_days = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert [m.day for m in got] == last_days
    assert [m.month for m in got] == list(range(1, 13))


def test_monthly_on_the_30th_falls_on_the_28th_in_february():
    rule = build_rule(Preset.MONTHLY_DAY, day=30)
    got = _days(rule, local(2027, 1, 30, 9), local(2027, 1, 1), local(2027, 5, 1))
    assert [(m.month, m.day) for m in got] == [(1, 30), (2, 28), (3, 30), (4, 30)]


def test_weekly_fridays():
    rule = build_rule(Preset.WEEKLY, weekday=Weekday.FR)
    assert rule == "FREQ=WEEKLY;BYDAY=FR"
    got = _days(rule, local(2026, 12, 4, 14), local(2026, 12, 1), local(2027, 1, 1))
    assert [m.day for m in got] == [4, 11, 18, 25]
    assert all(m.weekday() == 4 and m.hour == 14 for m in got)


def test_every_second_saturday_counts_from_the_first_week():
    rule = build_rule(Preset.BIWEEKLY, weekday=Weekday.SA)
    assert rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"
    got = _days(rule, local(2026, 12, 5, 9), local(2026, 12, 1), local(2027, 2, 1))
    assert [m.date() for m in got] == [
        date(2026, 12, 5),
        date(2026, 12, 19),
        date(2027, 1, 2),
        date(2027, 1, 16),
        date(2027, 1, 30),
    ]


def test_the_second_saturday_of_the_month():
    rule = build_rule(Preset.MONTHLY_NTH, weekday=Weekday.SA, nth=2)
    assert rule == "FREQ=MONTHLY;BYDAY=+2SA"
    got = _days(rule, local(2027, 1, 1, 9), local(2027, 1, 1), local(2027, 5, 1))
    assert [m.date() for m in got] == [
        date(2027, 1, 9),
        date(2027, 2, 13),
        date(2027, 3, 13),
        date(2027, 4, 10),
    ]


def test_the_last_weekday_of_the_month():
    rule = build_rule(Preset.MONTHLY_NTH, weekday=Weekday.FR, nth=-1)
    got = _days(rule, local(2027, 1, 1, 9), local(2027, 1, 1), local(2027, 3, 1))
    assert [m.date() for m in got] == [date(2027, 1, 29), date(2027, 2, 26)]


def test_until_counts_the_whole_local_day_and_is_written_in_utc():
    rule = build_rule(Preset.WEEKLY, weekday=Weekday.FR, until=date(2026, 12, 25))
    assert rule.endswith("UNTIL=20261225T155959Z")
    got = _days(rule, local(2026, 12, 4, 20), local(2026, 12, 1), local(2027, 3, 1))
    assert [m.day for m in got] == [4, 11, 18, 25]  # 25 December at 20:00 local is 12:00 UTC, still included
    assert rule_params(rule)["until"] == date(2026, 12, 25)


def test_count_ends_the_rule():
    rule = build_rule(Preset.MONTHLY_DAY, day=26, count=3)
    got = _days(rule, local(2026, 12, 26, 9), local(2026, 12, 1), local(2028, 1, 1))
    assert [(m.year, m.month) for m in got] == [(2026, 12), (2027, 1), (2027, 2)]
    assert rule_params(rule) == {"day": 26, "weekday": None, "nth": None, "until": None, "count": 3}


def test_a_one_off_is_its_start_alone():
    first = local(2026, 12, 26, 9)
    assert build_rule(Preset.ONCE) == ""
    assert expand("", first, "Asia/Shanghai", local(2026, 12, 1), local(2027, 1, 1)) == [first]
    assert expand("", first, "Asia/Shanghai", local(2027, 1, 1), local(2027, 2, 1)) == []


def test_a_start_given_in_utc_is_read_in_local_time():
    first = datetime(2026, 12, 26, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    got = _days("FREQ=MONTHLY;BYMONTHDAY=26", first, local(2026, 12, 1), local(2027, 2, 1))
    assert [(m.month, m.day, m.hour) for m in got] == [(12, 26, 9), (1, 26, 9)]
    assert got[0].tzinfo == SH


@pytest.mark.parametrize(
    ("preset", "kwargs", "field"),
    [
        (Preset.MONTHLY_DAY, {"day": 32}, "day"),
        (Preset.WEEKLY, {}, "weekday"),
        (Preset.MONTHLY_NTH, {"weekday": 5, "nth": 5}, "nth"),
        (Preset.WEEKLY, {"weekday": 4, "until": date(2027, 1, 1), "count": 3}, "count"),
        ("hourly", {}, "preset"),
    ],
)
def test_bad_presets_are_refused(preset, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        build_rule(preset, **kwargs)
    assert exc.value.field == field


def test_only_weekly_and_monthly_rules_are_accepted():
    check_rule("FREQ=WEEKLY;BYDAY=FR")
    for bad in ("FREQ=MINUTELY", "FREQ=DAILY", "NOT A RULE"):
        with pytest.raises(InvalidInput):
            check_rule(bad)
