"""The lunar calendar and birth dates as reps write them (SPEC §2): one conversion for every output.

生日 is written in the person's own calendar (历法): with 农历, the month and day written ARE the lunar month
and day (1985-10-15 + 农历 = 农历十月十五). Text forms say so themselves: 农历十月十五, 十月十五, 腊月初八, 闰四月初八,
1985-闰4-8, 1985年十月十五 are lunar whatever 历法 says. A leap-month birthday (闰) falls in that leap month in
years that have it and in the ordinary month otherwise; day 30 in a 29-day month falls on the 29th; a 29
February birthday on 28 February. Parsing lives here, beside parse.py, so reading a sheet needs no report.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import LunarYear, Solar

from addin.core import lunar_table
from addin.core.parse import Invalid, parse_date
from addin.core.text import is_blank


@lru_cache(maxsize=512)
def _months(lunar_year: int) -> tuple[tuple[date, int, int], ...]:
    """(first solar day, month (negative = leap), length) of each month of a lunar year: from the table for
    1900-2100 (addin.core.lunar_table), else from lunar-python, which computes a year astronomically (~3 ms);
    caching a year's months makes each conversion a lookup, which matters for thousands of contacts.
    """
    known = lunar_table.months(lunar_year)
    if known is not None:
        return known
    out = []
    for m in LunarYear.fromYear(lunar_year).getMonthsInYear():
        first = Solar.fromJulianDay(m.getFirstJulianDay())
        out.append((date(first.getYear(), first.getMonth(), first.getDay()), m.getMonth(), m.getDayCount()))
    return tuple(out)


@lru_cache(maxsize=4096)
def solar_to_lunar(day: date) -> tuple[int, int, int]:
    """(lunar year, month (negative = leap), day) of a solar date."""
    for year in (day.year, day.year - 1):
        months = _months(year)
        starts = [m[0] for m in months]
        i = bisect.bisect_right(starts, day) - 1
        if i >= 0:
            first, month, length = months[i]
            if (day - first).days < length:
                return year, month, (day - first).days + 1
    raise ValueError(f"no lunar date for {day}")  # pragma: no cover


def lunar_month_day(born: date) -> tuple[int, int]:
    """The lunar (month, day) of a solar date; a leap month counts as its ordinary month."""
    _, month, day = solar_to_lunar(born)
    return abs(month), day


@lru_cache(maxsize=8192)  # a team report asks the same few hundred (year, month, day) for 300,000 contacts
def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar date of lunar year/month/day, day clamped to the month's length; a leap month when asked
    for and the year has it, else the ordinary month of that number."""
    months = _months(year)
    wanted = -month if leap and any(m == -month for _, m, _ in months) else month
    for first, m, length in months:
        if m == wanted:
            return first + timedelta(days=min(day, length) - 1)
    raise ValueError(f"lunar year {year} has no month {month}")  # pragma: no cover


# --- reading 生日 as reps write it ------------------------------------------------------------------------

LUNAR_MONTHS = ("正月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "冬月", "腊月")
_MONTH_WORDS = {**{m: i for i, m in enumerate(LUNAR_MONTHS, 1)}, "一月": 1, "十一月": 11, "十二月": 12,
                "臘月": 12, "元月": 1, "端月": 1}
_DIGITS = "〇一二三四五六七八九十"


def lunar_day_name(day: int) -> str:
    """初一 … 初十, 十一 … 十九, 二十, 廿一 … 廿九, 三十."""
    if day <= 10:
        return "初" + _DIGITS[day]
    if day < 20:
        return "十" + _DIGITS[day - 10]
    if day == 20:
        return "二十"
    if day < 30:
        return "廿" + _DIGITS[day - 20]
    return "三十"


def _day_word(text: str) -> int | None:
    names = {lunar_day_name(d): d for d in range(1, 31)}
    names.update({"二十" + _DIGITS[d]: 20 + d for d in range(1, 10)})
    names.update({"卅": 30, "三十日": 30})
    return names.get(text.rstrip("日号號"))


@dataclass(frozen=True)
class BirthDate:
    """A 生日 as written: month and day (the year when given), and whether the text itself says lunar."""

    month: int
    day: int
    year: int | None = None
    leap: bool = False
    lunar_text: bool = False  # 农历…, Chinese month/day words or 闰: lunar whatever 历法 says

    def is_lunar(self, calendar: str | None) -> bool:
        return self.lunar_text or self.leap or calendar == "农历"

    def possible(self, lunar: bool) -> bool:
        """Whether such a day exists at all (a lunar month has at most 30 days)."""
        if lunar:
            return 1 <= self.month <= 12 and 1 <= self.day <= 30
        try:
            date(self.year or 2000, self.month, self.day)  # 2000: a leap year, so 29 February is possible
        except ValueError:
            return False
        return True

    def show(self, lunar: bool) -> str:
        """农历十月十五 / 农历闰四月初八 for a lunar birthday (Chinese form, also in English output), else
        1985-10-15, or 10-15 without a year."""
        if lunar:
            return "农历" + ("闰" if self.leap else "") + LUNAR_MONTHS[self.month - 1] + lunar_day_name(self.day)
        if self.year:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"{self.month:02d}-{self.day:02d}"

    def solar_birth(self, lunar: bool) -> date | None:
        """The day of birth in 公历, when the year is known (to tell a birthday in the future)."""
        if self.year is None or not self.possible(lunar):
            return None
        if lunar:
            try:
                return lunar_to_solar(self.year, self.month, self.day, self.leap)
            except Exception:  # a year out of the calendar's range
                return None
        return _solar_in_year(self.year, self.month, self.day)


_LUNAR_PREFIX = re.compile(r"^(农历|農曆|农暦|阴历|陰曆|旧历|舊曆)\s*")
_NUMERIC = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(闰|閏)?\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?$")
_WORDS = re.compile(r"^(?:(\d{4})\s*年?\s*)?(闰|閏)?\s*"
                    r"(正月|元月|端月|冬月|腊月|臘月|十一月|十二月|[一二三四五六七八九十]月)"
                    r"\s*(初[一二三四五六七八九十]|十[一二三四五六七八九]|二十[一二三四五六七八九]?|廿[一二三四五六七八九]|三十|卅)"
                    r"\s*[日号號]?$")


def parse_birthday(raw: object, date1904: bool = False) -> BirthDate | Invalid | None:
    """A 生日 cell: a real date, a day serial, or text (dates as SPEC §2 lists them, a month and day, or the
    Chinese lunar forms). Whether it is lunar is decided with 历法 (`BirthDate.is_lunar`)."""
    if is_blank(raw):
        return None
    if isinstance(raw, date | int | float) and not isinstance(raw, bool):
        when = parse_date(raw, date1904)
        return BirthDate(when.month, when.day, when.year) if isinstance(when, date) else Invalid("bad-date", raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
    prefix = _LUNAR_PREFIX.match(text)
    body = text[prefix.end():] if prefix else text
    m = _NUMERIC.match(body)
    if m:
        year, leap, month, day = m.groups()
        found = BirthDate(int(month), int(day), int(year) if year else None, bool(leap), bool(prefix or leap))
        return found if 1 <= found.month <= 12 and 1 <= found.day <= 31 else Invalid("bad-date", raw)
    m = _WORDS.match(body)
    if m:
        year, leap, month, day = m.groups()
        number = _MONTH_WORDS.get(month) or _DIGITS.index(month[0])
        day_number = _day_word(day)
        if day_number is None:
            return Invalid("bad-date", raw)
        return BirthDate(number, day_number, int(year) if year else None, bool(leap), True)
    plain = parse_date(body, date1904)
    if isinstance(plain, date):
        return BirthDate(plain.month, plain.day, plain.year, False, bool(prefix))
    return Invalid("bad-date", raw)


def _solar_in_year(year: int, month: int, day: int) -> date:
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def next_birthday(born: BirthDate | date, calendar: str | None, today: date) -> date:
    """The first 公历 date on or after `today` on which the birthday falls (`calendar`: 公历 or 农历; a text
    that says lunar is lunar whatever it is)."""
    if isinstance(born, date):
        born = BirthDate(born.month, born.day, born.year)
    if born.is_lunar(calendar):
        this_year = solar_to_lunar(today)[0]
        for year in (this_year - 1, this_year, this_year + 1):
            when = lunar_to_solar(year, born.month, born.day, born.leap)
            if when >= today:
                return when
        raise AssertionError("a lunar year always holds the month")  # pragma: no cover
    for year in (today.year, today.year + 1):
        when = _solar_in_year(year, born.month, born.day)
        if when >= today:
            return when
    raise AssertionError("unreachable")  # pragma: no cover
