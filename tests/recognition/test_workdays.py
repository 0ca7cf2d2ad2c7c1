"""The end of a notice in Chinese working days (chinese_calendar 1.11.0 data, checked by hand against the State
Council's holiday notices for 2025 and 2026)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from recognition.workdays import calendar_warnings, notice_end, notice_period, unknown_years_between

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=9, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=SH)


def test_ordinary_week_start_day_counts():
    # Mon 2025-06-09 … Fri 06-13: ends at 24:00 Friday = 00:00 Saturday.
    assert notice_end(at(2025, 6, 9), 5) == at(2025, 6, 14, 0)


def test_start_late_in_the_day_still_counts_that_day():
    assert notice_end(at(2025, 6, 9, 23, 30), 5) == at(2025, 6, 14, 0)


def test_start_on_weekend_counts_from_monday():
    # Sat 2025-06-07 → Mon 06-09 … Fri 06-13.
    assert notice_end(at(2025, 6, 7), 5) == at(2025, 6, 14, 0)


def test_national_day_2025_with_adjusted_saturday():
    # 2025-09-29 Mon, 09-30 Tue, then the Oct 1–8 holiday, 10-09 Thu, 10-10 Fri, 10-11 Sat (调休上班).
    period = notice_period(at(2025, 9, 29), 5)
    assert period.last_day == dt.date(2025, 10, 11)
    assert period.ends_at == at(2025, 10, 12, 0)
    assert period.unknown_years == ()


def test_adjusted_sunday_before_national_day_2025_counts():
    # Sun 2025-09-28 is a working day (调休): it counts as the first.
    assert notice_period(at(2025, 9, 28), 3).last_day == dt.date(2025, 9, 30)


def test_spring_festival_2026():
    # Thu 02-12, Fri 02-13, Sat 02-14 (调休上班), holiday 02-15 … 02-23, Tue 02-24, Wed 02-25.
    period = notice_period(at(2026, 2, 12), 5)
    assert period.last_day == dt.date(2026, 2, 25)
    assert period.ends_at == at(2026, 2, 26, 0)


def test_start_on_an_adjusted_saturday_workday_counts_it():
    # Sat 2026-10-10 is a working day after National Day; Sun 10-11 is not.
    assert notice_period(at(2026, 10, 10), 5).last_day == dt.date(2026, 10, 15)
    assert notice_period(at(2026, 10, 11), 5).last_day == dt.date(2026, 10, 16)


def test_start_inside_a_holiday_counts_from_the_first_working_day_after():
    assert notice_period(at(2026, 10, 3), 1).last_day == dt.date(2026, 10, 8)


def test_utc_input_is_read_as_a_shanghai_date():
    # 2025-06-08 20:00 UTC is Monday 2025-06-09 04:00 in Shanghai.
    start = dt.datetime(2025, 6, 8, 20, 0, tzinfo=dt.UTC)
    assert notice_end(start, 5) == at(2025, 6, 14, 0)


def test_year_unknown_to_the_calendar_falls_back_to_monday_to_friday_and_says_so():
    # Mon 2026-12-28 … Thu 12-31 from the calendar; Fri 2027-01-01 counted as a working day (Mon–Fri).
    period = notice_period(at(2026, 12, 28), 5)
    assert period.last_day == dt.date(2027, 1, 1)
    assert period.ends_at == at(2027, 1, 2, 0)
    assert period.unknown_years == (2027,)
    assert period.warnings == ["2027年法定节假日安排尚未收录，按周一至周五计算，请核对。"]


def test_fallback_skips_weekends():
    period = notice_period(at(2027, 3, 5), 5)  # Fri 2027-03-05 → Thu 03-11
    assert period.last_day == dt.date(2027, 3, 11)


def test_known_years_give_no_warning():
    assert notice_period(at(2026, 12, 1), 5).warnings == []
    assert unknown_years_between(at(2026, 12, 1), at(2026, 12, 8, 0)) == ()
    assert unknown_years_between(at(2026, 12, 28), at(2027, 1, 2, 0)) == (2027,)
    assert calendar_warnings(()) == []


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        notice_end(dt.datetime(2025, 6, 9, 9, 0), 5)
