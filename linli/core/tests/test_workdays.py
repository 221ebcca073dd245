import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from linli.core import workdays
from linli.core.models import CalendarDay
from linli.core.workdays import (
    Deadline,
    add_working_days,
    day_info,
    import_arrangement,
    parse_arrangement_file,
    statutory_holidays,
    working_days_between,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


# --- the official calendar (chinese_calendar) ----------------------------------------------------------------


def test_the_2026_national_day_make_up_days_are_working_days_in_the_library_data():
    # chinese_calendar 1.11: 2026-09-20 (Sunday) and 2026-10-10 (Saturday) are 调休 working days.
    assert chinese_calendar.is_workday(date(2026, 9, 20))
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    sunday, saturday = day_info(date(2026, 9, 20)), day_info(date(2026, 10, 10))
    assert (sunday.is_workday, sunday.source, sunday.name) == (True, "official", "国庆节")
    assert (saturday.is_workday, saturday.source, saturday.name) == (True, "official", "国庆节")
    assert all(not day_info(date(2026, 10, day)).is_workday for day in range(1, 8))


def test_a_case_before_national_day_2026_skips_the_golden_week_and_counts_the_make_up_saturday():
    deadline = add_working_days(at(2026, 9, 30, 10, 30), 3)

    # Oct 1–7 off; Oct 8 (1), Oct 9 (2), Saturday Oct 10 is a make-up working day (3).
    assert deadline == Deadline(due=at(2026, 10, 10, 10, 30), estimated=False)


def test_a_case_received_on_the_make_up_sunday_before_mid_autumn_keeps_its_clock_time():
    deadline = add_working_days(at(2026, 9, 20, 9, 0), 2)

    # Sep 20 is a working day; Sep 21 (1), Sep 22 (2).
    assert deadline.due == at(2026, 9, 22, 9, 0)


def test_a_case_across_spring_festival_2026_skips_the_nine_day_holiday():
    deadline = add_working_days(at(2026, 2, 13, 9, 30), 2)

    # Saturday Feb 14 is a make-up working day (1); Feb 15–23 off; Feb 24 (2).
    assert deadline == Deadline(due=at(2026, 2, 24, 9, 30), estimated=False)
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_a_case_received_during_spring_festival_is_due_at_the_end_of_the_nth_working_day():
    deadline = add_working_days(at(2026, 2, 18, 11, 0), 1)

    assert deadline.due == at(2026, 2, 24, 23, 59, 59)


# --- the start-day rule -------------------------------------------------------------------------------------


def test_a_case_received_on_a_saturday_is_due_at_the_end_of_the_nth_following_working_day():
    deadline = add_working_days(at(2026, 11, 21, 15, 0), 3)

    # Mon 23 (1), Tue 24 (2), Wed 25 (3), end of day.
    assert deadline == Deadline(due=at(2026, 11, 25, 23, 59, 59), estimated=False)


def test_a_later_case_is_never_due_before_an_earlier_one():
    friday_night = add_working_days(at(2026, 11, 20, 23, 0), 3)
    saturday = add_working_days(at(2026, 11, 21, 8, 0), 3)
    monday_morning = add_working_days(at(2026, 11, 23, 0, 30), 3)

    assert friday_night.due < saturday.due < monday_morning.due


def test_a_case_on_a_working_day_is_due_at_the_same_clock_time():
    assert add_working_days(at(2026, 11, 18, 16, 45, 10), 1).due == at(2026, 11, 19, 16, 45, 10)
    assert add_working_days(at(2026, 11, 20, 16, 45), 1).due == at(2026, 11, 23, 16, 45)


def test_zero_days_returns_the_same_instant_in_shanghai_time():
    start = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)  # a Saturday

    deadline = add_working_days(start, 0)

    assert deadline == Deadline(due=start, estimated=False)
    assert deadline.due.tzinfo == SHANGHAI
    assert deadline.due.hour == 15


def test_a_utc_start_is_counted_from_its_shanghai_date():
    # 17:00 UTC on Friday is 01:00 on Saturday in Shanghai, so the Saturday rule applies.
    deadline = add_working_days(datetime(2026, 11, 20, 17, 0, tzinfo=UTC), 1)

    assert deadline.due == at(2026, 11, 23, 23, 59, 59)
    assert deadline.due.utcoffset() == timedelta(hours=8)


def test_a_naive_start_or_negative_days_are_rejected():
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 11, 20, 10, 0), 1)  # noqa: DTZ001
    with pytest.raises(ValueError):
        add_working_days(at(2026, 11, 20, 10), -1)


def test_working_days_between_counts_the_half_open_interval():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 20)) == 0
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 20)) == 0


# --- the fallback beyond the library's years ----------------------------------------------------------------


def test_2027_spring_festival_is_off_in_the_fallback_from_new_years_eve_to_the_third_day():
    infos = {d: day_info(d) for d in (date(2027, 2, 4) + timedelta(days=n) for n in range(6))}

    assert {d for d, info in infos.items() if not info.is_workday} == {
        date(2027, 2, 5),  # 除夕, a Friday
        date(2027, 2, 6),  # 正月初一
        date(2027, 2, 7),
        date(2027, 2, 8),  # 初三, a Monday
    }
    assert all(info.source == "fallback" for info in infos.values())
    assert infos[date(2027, 2, 5)].name == "春节"


def test_a_2027_deadline_uses_the_fallback_and_is_estimated():
    deadline = add_working_days(at(2027, 2, 4, 10, 0), 2)

    assert deadline == Deadline(due=at(2027, 2, 10, 10, 0), estimated=True)


def test_a_deadline_running_into_2027_is_estimated_but_one_ending_in_2026_is_not():
    into_2027 = add_working_days(at(2026, 12, 30, 9, 0), 3)
    within_2026 = add_working_days(at(2026, 12, 28, 9, 0), 3)

    # Dec 31 (1); Jan 1 (元旦) and the weekend off; Jan 4 (2), Jan 5 (3).
    assert into_2027 == Deadline(due=at(2027, 1, 5, 9, 0), estimated=True)
    assert within_2026 == Deadline(due=at(2026, 12, 31, 9, 0), estimated=False)


def test_the_fallback_knows_every_fixed_statutory_holiday_of_2027():
    assert statutory_holidays(2027) == {
        date(2027, 1, 1): "元旦",
        date(2027, 2, 5): "春节",
        date(2027, 2, 6): "春节",
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",
        date(2027, 4, 5): "清明",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午",
        date(2027, 9, 15): "中秋",
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
    }


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_fallback_statutory_holidays_are_holidays_in_the_official_data(year):
    assert all(chinese_calendar.is_holiday(day) for day in statutory_holidays(year))


def test_the_fallback_still_answers_far_outside_every_library_range():
    assert day_info(date(2150, 1, 1)) == workdays.DayInfo(date(2150, 1, 1), False, "元旦", "fallback")
    assert add_working_days(at(2150, 6, 3, 9), 1).estimated is True


# --- administrator overrides --------------------------------------------------------------------------------


def test_an_override_turns_a_fallback_saturday_into_a_make_up_working_day():
    CalendarDay.objects.create(date=date(2027, 2, 20), is_workday=True, name="春节调休")

    info = day_info(date(2027, 2, 20))

    assert info == workdays.DayInfo(date(2027, 2, 20), True, "春节调休", "override")
    # Fri Feb 19 15:00 + 1: Saturday Feb 20 now counts.
    assert add_working_days(at(2027, 2, 19, 15), 1).due == at(2027, 2, 20, 15)


def test_an_override_turns_a_weekday_into_a_holiday():
    CalendarDay.objects.create(date=date(2027, 2, 9), is_workday=False, name="春节")

    deadline = add_working_days(at(2027, 2, 4, 10), 2)

    # Feb 5–8 fallback holidays, Feb 9 override holiday; Feb 10 (1), Feb 11 (2).
    assert deadline == Deadline(due=at(2027, 2, 11, 10), estimated=True)


def test_an_override_wins_over_the_official_data():
    CalendarDay.objects.create(date=date(2026, 10, 10), is_workday=False, name="临时调整")

    assert day_info(date(2026, 10, 10)).source == "override"
    assert add_working_days(at(2026, 9, 30, 10, 30), 3).due == at(2026, 10, 12, 10, 30)


def test_a_deadline_is_not_estimated_when_every_consulted_day_is_an_override_or_official():
    for day in (date(2027, 1, 4), date(2027, 1, 5)):
        CalendarDay.objects.create(date=day, is_workday=True, name="")
    CalendarDay.objects.create(date=date(2026, 12, 1), is_workday=False, name="区庆")

    assert add_working_days(at(2027, 1, 4, 9), 1) == Deadline(due=at(2027, 1, 5, 9), estimated=False)
    assert add_working_days(at(2026, 11, 30, 9), 1) == Deadline(due=at(2026, 12, 2, 9), estimated=False)
    # The start day counts as consulted: a fallback start makes the deadline estimated.
    assert add_working_days(at(2027, 1, 3, 9), 1).estimated is True


def test_a_year_whose_statutory_holidays_are_all_entered_is_no_longer_estimated():
    arrangement = [(day, False, name) for day, name in statutory_holidays(2027).items()]
    arrangement.append((date(2027, 2, 20), True, "春节"))
    import_arrangement(arrangement[:-2])

    assert day_info(date(2027, 3, 3)).source == "fallback"  # 国庆 Oct 3 still missing

    import_arrangement(arrangement)

    assert day_info(date(2027, 3, 3)) == workdays.DayInfo(date(2027, 3, 3), True, "", "official")
    assert day_info(date(2027, 3, 6)).is_workday is False
    assert add_working_days(at(2027, 3, 3, 9), 5) == Deadline(due=at(2027, 3, 10, 9), estimated=False)


# --- caching ------------------------------------------------------------------------------------------------


def test_saving_and_deleting_an_override_takes_effect_at_once():
    assert day_info(date(2027, 3, 6)).is_workday is False

    row = CalendarDay.objects.create(date=date(2027, 3, 6), is_workday=True, name="调休")
    assert day_info(date(2027, 3, 6)).source == "override"

    row.delete()
    assert day_info(date(2027, 3, 6)).source == "fallback"


def test_a_warm_cache_computes_deadlines_without_queries(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(at(2026, 9, 30, 10), 20)
    with django_assert_num_queries(0):
        for _ in range(50):
            add_working_days(at(2026, 9, 30, 10), 20)
            day_info(date(2027, 2, 5))


def test_inside_the_transaction_that_changed_overrides_each_call_reads_them_with_one_query(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    add_working_days(at(2027, 2, 4, 10), 2)
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(date=date(2027, 2, 9), is_workday=False, name="春节")
        with django_assert_num_queries(1):
            assert add_working_days(at(2027, 2, 4, 10), 2).due == at(2027, 2, 11, 10)

    # After the commit the rows are cached again.
    add_working_days(at(2027, 2, 4, 10), 2)
    with django_assert_num_queries(0):
        assert add_working_days(at(2027, 2, 4, 10), 2).due == at(2027, 2, 11, 10)


def test_an_override_rolled_back_with_its_transaction_is_forgotten():
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=date(2027, 3, 6), is_workday=True, name="调休")
        assert day_info(date(2027, 3, 6)).is_workday is True
        raise RuntimeError("roll back")

    assert day_info(date(2027, 3, 6)) == workdays.DayInfo(date(2027, 3, 6), False, "", "fallback")


def test_a_change_made_by_another_process_is_seen_within_a_minute(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(workdays, "_clock", lambda: now[0])
    assert day_info(date(2027, 3, 6)).source == "fallback"

    # bulk_create sends no signals, like a write from another process.
    CalendarDay.objects.bulk_create([CalendarDay(date=date(2027, 3, 6), is_workday=True, name="调休")])
    now[0] += 59
    assert day_info(date(2027, 3, 6)).source == "fallback"
    now[0] += 2
    assert day_info(date(2027, 3, 6)).source == "override"


# --- importing the arrangement ------------------------------------------------------------------------------


def test_import_arrangement_upserts_rows_and_returns_the_count():
    existing = CalendarDay.objects.create(date=date(2027, 2, 20), is_workday=False, name="误录")

    count = import_arrangement([(date(2027, 2, 20), True, "春节"), (date(2027, 2, 9), False, "春节")])

    assert count == 2
    assert CalendarDay.objects.count() == 2
    existing.refresh_from_db()
    assert (existing.is_workday, existing.name, existing.source) == (True, "春节", "import")
    assert day_info(date(2027, 2, 20)).is_workday is True


def test_import_arrangement_writes_nothing_when_a_row_is_bad():
    rows = [(date(2027, 2, 20), True, "春节"), (date(2027, 2, 20), False, "重复")]

    with pytest.raises(ValueError, match="row 2"):
        import_arrangement(rows)
    with pytest.raises(ValueError, match="not a date"):
        import_arrangement([(at(2027, 2, 20, 8), True, "")])
    with pytest.raises(ValueError, match="source"):
        import_arrangement([(date(2027, 2, 20), True, "")], source="guess")
    assert not CalendarDay.objects.exists()


def test_a_csv_arrangement_accepts_every_spelling_of_workday_and_holiday(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(
        "\ufeffdate,is_workday,name\n"
        "2027-02-05,休,春节\n"
        "2027-02-06,0,春节\n"
        "2027-02-07,false,\n"
        "\n"
        "2027-02-20,班,春节调休\n"
        "2027-02-21,1,\n"
        '2027-10-09,TRUE,"国庆节,调休"\n',
        encoding="utf-8",
    )

    assert parse_arrangement_file(path) == [
        (date(2027, 2, 5), False, "春节"),
        (date(2027, 2, 6), False, "春节"),
        (date(2027, 2, 7), False, ""),
        (date(2027, 2, 20), True, "春节调休"),
        (date(2027, 2, 21), True, ""),
        (date(2027, 10, 9), True, "国庆节,调休"),
    ]


def test_a_json_arrangement_is_read_as_a_list_of_objects(tmp_path):
    path = tmp_path / "2027.json"
    path.write_text(
        json.dumps(
            [
                {"date": "2027-02-05", "is_workday": False, "name": "春节"},
                {"date": "2027-02-20", "is_workday": "班", "name": "春节调休"},
                {"date": "2027-02-21", "is_workday": 1},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )

    assert parse_arrangement_file(path) == [
        (date(2027, 2, 5), False, "春节"),
        (date(2027, 2, 20), True, "春节调休"),
        (date(2027, 2, 21), True, ""),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,is_workday,name\n2027-02-05,休,春节\n2027-02-30,休,春节\n", "line 3: invalid date"),
        ("date,is_workday,name\n2027-02-05,maybe,春节\n", "line 2: is_workday"),
        ("date,is_workday,name\n2027-02-05,,春节\n", "line 2: is_workday is missing"),
        ("date,name\n2027-02-05,春节\n", "line 1: header"),
        (
            "date,is_workday,name\n2027-02-05,休,春节\n2027-02-05,班,春节\n",
            "line 3: 2027-02-05 already given on line 2",
        ),
        ("date,is_workday,name\n2027-02-05,休,国庆节,调休\n", "line 2: 4 fields"),
        ("date,is_workday,name\n2027-02-05,休," + "长" * 51 + "\n", "line 2: name is longer"),
    ],
)
def test_a_bad_csv_arrangement_names_the_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ValueError, match=message):
        parse_arrangement_file(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"date": "2027-02-05"}', "must be a list"),
        ('[{"date": "2027-02-05", "is_workday": false}, {"date": "2027-02-06"}]', "entry 2: .* required"),
        ('[{"date": "2027-02-05", "is_workday": 2}]', "entry 1: is_workday"),
        ('[{"date": 20270205, "is_workday": true}]', "entry 1: date must be text"),
        ('["2027-02-05"]', "entry 1: expected an object"),
        ('[{"date": "2027-02-05", "is_workday": true},', "invalid JSON at line 1"),
    ],
)
def test_a_bad_json_arrangement_names_the_entry(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ValueError, match=message):
        parse_arrangement_file(path)


# --- the import_calendar command ----------------------------------------------------------------------------


@pytest.fixture
def arrangement_csv(tmp_path):
    path = tmp_path / "arrangement.csv"
    path.write_text(
        "date,is_workday,name\n"
        "2026-12-31,休,元旦\n"
        "2027-02-05,休,春节\n"
        "2027-02-09,休,春节\n"
        "2027-02-20,班,春节\n"
        "2027-02-21,班,春节\n",
        encoding="utf-8",
    )
    return path


def run_import(*args) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("import_calendar", *map(str, args), stdout=out)
    return out.getvalue()


def test_the_import_command_writes_the_rows_and_reports_each_year(arrangement_csv):
    output = run_import(arrangement_csv)

    assert "2026: 1 holidays, 0 working days" in output
    assert "2027: 2 holidays, 2 working days" in output
    assert "Imported 5 days." in output
    assert "2027: not marked as holidays: 2027-01-01, 2027-02-06" in output
    assert CalendarDay.objects.filter(source="import").count() == 5
    assert day_info(date(2027, 2, 20)).source == "override"


def test_the_import_command_dry_run_writes_nothing(arrangement_csv):
    output = run_import(arrangement_csv, "--dry-run")

    assert "2027: 2 holidays, 2 working days" in output
    assert "Dry run: 5 days checked, nothing was written." in output
    assert not CalendarDay.objects.exists()


def test_the_import_command_rejects_a_bad_file_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,is_workday,name\n2027-02-05,休,春节\n2027-02-31,班,春节\n", encoding="utf-8")

    with pytest.raises(CommandError, match="line 3: invalid date"):
        run_import(path)
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(tmp_path / "missing.csv")
    assert not CalendarDay.objects.exists()


def test_the_import_command_rejects_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("date,is_workday,name\n", encoding="utf-8")

    with pytest.raises(CommandError, match="contains no days"):
        run_import(path)
