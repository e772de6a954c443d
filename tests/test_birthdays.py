"""Birthdays (SPEC §2): 生日 written in the person's own calendar; 公历 and 农历, text forms, 29/30-day lunar
months, leap months, 29 February, impossible lunar dates. Property tests against lunar-python, 1900-2100."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lunar_python import Lunar, LunarMonth, LunarYear

from addin.core.birthdays import upcoming
from addin.core.lunar import BirthDate, lunar_to_solar, next_birthday, parse_birthday, solar_to_lunar
from addin.core.parse import Invalid


@pytest.mark.parametrize("lunar,solar", [((2026, 10, 15), date(2026, 11, 23)), ((2026, 12, 1), date(2027, 1, 8)),
                                         ((2024, 1, 1), date(2024, 2, 10)), ((2025, 8, 15), date(2025, 10, 6))])
def test_known_lunar_dates(lunar, solar):
    assert lunar_to_solar(*lunar) == solar


def test_the_spec_example():
    """1985-10-15 + 农历 = 农历十月十五, next due 2026-11-23 (not the lunar day of a solar 1985-10-15)."""
    born = parse_birthday(date(1985, 10, 15))
    assert isinstance(born, BirthDate) and born.show(True) == "农历十月十五"
    assert next_birthday(born, "农历", date(2026, 11, 22)) == date(2026, 11, 23)
    assert next_birthday(born, "公历", date(2026, 11, 22)) == date(2027, 10, 15)


@pytest.mark.parametrize("text,month,day,leap,year", [
    ("农历十月十五", 10, 15, False, None), ("十月十五", 10, 15, False, None), ("腊月初八", 12, 8, False, None),
    ("闰四月初八", 4, 8, True, None), ("1985-闰4-8", 4, 8, True, 1985), ("1985年十月十五", 10, 15, False, 1985),
    ("正月廿三", 1, 23, False, None), ("冬月三十", 11, 30, False, None), ("農曆十二月二十", 12, 20, False, None),
    ("农历1985-10-15", 10, 15, False, 1985),
])
def test_lunar_text_forms_are_lunar_whatever_the_calendar_says(text, month, day, leap, year):
    born = parse_birthday(text)
    assert isinstance(born, BirthDate)
    assert (born.month, born.day, born.leap, born.year) == (month, day, leap, year)
    assert born.is_lunar("公历") and born.is_lunar(None)


@pytest.mark.parametrize("text", ["1985-10-15", "1985/10/15", "1985年10月15日", "1985.10.15", "10-15", "10月15日"])
def test_numeric_forms_follow_the_calendar_column(text):
    born = parse_birthday(text)
    assert isinstance(born, BirthDate) and (born.month, born.day) == (10, 15)
    assert not born.is_lunar("公历") and born.is_lunar("农历")


@pytest.mark.parametrize("text,calendar", [("农历十三月初一", None), ("1985-13-01", "公历"), ("1985-10-31", "农历"),
                                           ("1985-02-30", "公历"), ("soon", None)])
def test_impossible_dates_are_bad(text, calendar):
    born = parse_birthday(text)
    assert isinstance(born, Invalid) or not born.possible(born.is_lunar(calendar))


def test_day_30_in_a_29_day_month_falls_on_the_29th():
    year = next(y for y in range(2026, 2040) if LunarMonth.fromYm(y, 3).getDayCount() == 29)
    assert lunar_to_solar(year, 3, 30) == lunar_to_solar(year, 3, 29)


def test_a_leap_month_birthday_keeps_its_leap_month_where_the_year_has_it():
    born = parse_birthday("闰二月初十")
    assert isinstance(born, BirthDate)
    assert LunarYear.fromYear(2023).getLeapMonth() == 2 and LunarYear.fromYear(2024).getLeapMonth() != 2
    leap_day = Lunar.fromYmd(2023, -2, 10).getSolar()
    assert (leap_day.getYear(), leap_day.getMonth(), leap_day.getDay()) == (2023, 3, 31)
    assert next_birthday(born, None, date(2023, 3, 25)) == date(2023, 3, 31)  # 2023 has the leap 2nd month
    assert next_birthday(born, None, date(2024, 1, 1)) == lunar_to_solar(2024, 2, 10)  # no leap 2nd: ordinary


@pytest.mark.parametrize("today,expected", [(date(2027, 1, 1), date(2027, 2, 28)), (date(2028, 1, 1), date(2028, 2, 29))])
def test_29_february(today, expected):
    assert next_birthday(date(1992, 2, 29), "公历", today) == expected


@given(st.integers(1900, 2099), st.integers(1, 12), st.integers(1, 30), st.booleans())
def test_conversion_agrees_with_lunar_python(year, month, day, leap):
    """Every lunar date 1900-2099, leap or not, against lunar-python's own conversion."""
    has_leap = LunarYear.fromYear(year).getLeapMonth() == month
    lunar_month = -month if leap and has_leap else month
    length = LunarMonth.fromYm(year, lunar_month).getDayCount()
    expected = Lunar.fromYmd(year, lunar_month, min(day, length)).getSolar()
    got = lunar_to_solar(year, month, day, leap)
    assert (got.year, got.month, got.day) == (expected.getYear(), expected.getMonth(), expected.getDay())


@given(st.dates(min_value=date(1901, 3, 1), max_value=date(2098, 12, 31)))
def test_solar_to_lunar_agrees_with_lunar_python(day):
    from lunar_python import Solar

    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    assert solar_to_lunar(day) == (lunar.getYear(), lunar.getMonth(), lunar.getDay())


@given(st.integers(1, 12), st.integers(1, 30), st.booleans(),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)))
def test_next_lunar_birthday_is_the_first_one_on_or_after_today(month, day, leap, today):
    born = BirthDate(month, day, None, leap, True)
    when = next_birthday(born, None, today)
    assert today <= when <= today + timedelta(days=400)
    _, got_month, got_day = solar_to_lunar(when)
    assert abs(got_month) == month and got_day in (day, day - 1)


def test_upcoming_window_and_order():
    today = date(2026, 11, 22)
    people = [("C1", "甲", "王", "决策者", parse_birthday(date(1980, 11, 22)), "公历"),   # today: 0 days
              ("C1", "甲", "李", "教练", parse_birthday(date(1975, 12, 22)), None),      # 30 days: inside
              ("C2", "乙", "张", None, parse_birthday(date(1975, 12, 23)), "公历"),      # 31 days: outside
              ("C2", "乙", "刘", "使用者", parse_birthday("1985-10-15"), "农历"),        # 农历十月十五: tomorrow
              ("C3", "丙", "赵", None, None, None)]
    found = upcoming(people, today, 30)
    assert [(b.name, b.days_until) for b in found] == [("王", 0), ("刘", 1), ("李", 30)]
    assert found[1].shown == "农历十月十五" and found[1].next_date == date(2026, 11, 23)
    assert found[2].calendar == "公历" and found[2].next_date == date(2026, 12, 22)


def test_the_lunar_month_table_is_what_lunar_python_computes():
    """addin.core.lunar_table holds 1900-2100 so no process pays for the astronomy; lunar-python (the real
    part) recomputes every year of it here, month by month, and years outside it still come from there."""
    from lunar_python import LunarYear, Solar

    from addin.core import lunar_table
    from addin.core.lunar import _months

    assert lunar_table.build() == lunar_table.DATA
    for year in (1900, 1984, 2023, 2025, 2033, 2100):
        computed = [(Solar.fromJulianDay(m.getFirstJulianDay()).toYmd(), m.getMonth(), m.getDayCount())
                    for m in LunarYear.fromYear(year).getMonthsInYear()]
        table = lunar_table.months(year)
        assert table is not None
        assert [(d.isoformat(), m, n) for d, m, n in table] == computed
    assert lunar_table.months(1899) is None and lunar_table.months(2101) is None
    assert _months(1899)[0][1] == 1 and len(_months(2101)) in (12, 13)
