"""Birthdays: 公历 and 农历, 29/30-day lunar months, leap months and 29 February."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lunar_python import LunarMonth, Solar

from addin.core.birthdays import lunar_month_day, lunar_to_solar, next_birthday, upcoming


@pytest.mark.parametrize("lunar,solar", [((2026, 10, 15), date(2026, 11, 23)), ((2026, 12, 1), date(2027, 1, 8)),
                                         ((2024, 1, 1), date(2024, 2, 10)), ((2025, 8, 15), date(2025, 10, 6))])
def test_known_lunar_dates(lunar, solar):
    assert lunar_to_solar(*lunar) == solar


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)))
def test_conversion_agrees_with_the_library_table(day):
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    if lunar.getMonth() > 0:  # ordinary month: our conversion must give the same solar date back
        assert lunar_to_solar(lunar.getYear(), lunar.getMonth(), lunar.getDay()) == day
    assert lunar_month_day(day) == (abs(lunar.getMonth()), lunar.getDay())


def test_day_30_in_a_29_day_month_falls_on_the_29th():
    year = next(y for y in range(2026, 2040) if LunarMonth.fromYm(y, 3).getDayCount() == 29)
    assert lunar_to_solar(year, 3, 30) == lunar_to_solar(year, 3, 29)


def test_birth_in_a_leap_month_is_kept_in_the_ordinary_month():
    born = date(2023, 3, 31)  # lunar 2023 leap 2nd month, 10th day
    assert Solar.fromYmd(2023, 3, 31).getLunar().getMonth() == -2
    assert lunar_month_day(born) == (2, 10)
    assert next_birthday(born, "农历", date(2024, 1, 1)) == lunar_to_solar(2024, 2, 10)


def test_lunar_birthday_moves_every_year():
    born = date(1980, 9, 24)  # lunar 8/16
    assert next_birthday(born, "农历", date(2026, 9, 1)) == date(2026, 9, 26)  # lunar 2026-08-16
    assert next_birthday(born, "农历", date(2026, 9, 27)) == date(2027, 9, 16)  # lunar 2027-08-16
    assert next_birthday(born, "公历", date(2026, 9, 25)) == date(2027, 9, 24)


def test_lunar_new_year_boundary():
    born = date(1990, 1, 20)  # lunar 1989-12-24, just before the lunar new year
    today = date(2027, 1, 25)  # still lunar 2026, 12th month
    when = next_birthday(born, "农历", today)
    assert when >= today and lunar_month_day(when) == (12, 24)


@pytest.mark.parametrize("today,expected", [(date(2027, 1, 1), date(2027, 2, 28)), (date(2028, 1, 1), date(2028, 2, 29))])
def test_29_february(today, expected):
    assert next_birthday(date(1992, 2, 29), "公历", today) == expected


@given(st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)), st.sampled_from(["公历", "农历"]))
def test_next_birthday_is_the_first_one_on_or_after_today(born, today, calendar):
    when = next_birthday(born, calendar, today)
    assert today <= when <= today + timedelta(days=400)
    if calendar == "农历":
        month, day = lunar_month_day(born)
        got_month, got_day = lunar_month_day(when)
        assert got_month == month and got_day in (day, day - 1)


def test_upcoming_window_and_order():
    today = date(2026, 11, 22)
    people = [("C1", "甲", "王", "决策者", date(1980, 11, 22), "公历"),   # today: 0 days
              ("C1", "甲", "李", "教练", date(1975, 12, 22), None),      # 30 days: inside the window
              ("C2", "乙", "张", None, date(1975, 12, 23), "公历"),      # 31 days: outside
              ("C2", "乙", "刘", "使用者", date(1980, 9, 24), "农历"),   # next lunar 8/16 is 2027
              ("C3", "丙", "赵", None, None, None)]
    found = upcoming(people, today, 30)
    assert [(b.name, b.days_until) for b in found] == [("王", 0), ("李", 30)]
    assert found[1].calendar == "公历" and found[1].next_date == date(2026, 12, 22)
