"""Birthdays of the buying influences: the coming 公历 date of a 公历 or 农历 birthday (SPEC §2, §5, §6).

A 农历 birthday is the lunar month/day of the date in 生日 (the solar date of birth): it falls each year on
that lunar month/day. Day 30 in a year whose month has 29 days falls on the 29th; a birth in a lunar leap
month is kept in the ordinary month of the same number (leap months rarely recur). A 29 February birthday
falls on 28 February in other years.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import LunarYear, Solar

from addin.core.i18n import t
from addin.core.model import WorkbookData
from addin.core.schema import CHOICES, ROLE
from addin.core.settings import read_settings


@lru_cache(maxsize=512)
def _months(lunar_year: int) -> tuple[tuple[date, int, int], ...]:
    """(first solar day, month (negative = leap), length) of each month of a lunar year, from lunar-python.

    lunar-python computes a year astronomically (~2 ms); caching the year's month table makes each
    conversion a lookup, which matters for thousands of contacts.
    """
    out = []
    for m in LunarYear.fromYear(lunar_year).getMonthsInYear():
        first = Solar.fromJulianDay(m.getFirstJulianDay())
        out.append((date(first.getYear(), first.getMonth(), first.getDay()), m.getMonth(), m.getDayCount()))
    return tuple(out)


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


def lunar_to_solar(year: int, month: int, day: int) -> date:
    """The solar date of lunar year/month/day (ordinary month), day clamped to the month's length."""
    for first, m, length in _months(year):
        if m == month:
            return first + timedelta(days=min(day, length) - 1)
    raise ValueError(f"lunar year {year} has no month {month}")  # pragma: no cover


def _solar_in_year(year: int, month: int, day: int) -> date:
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def next_birthday(born: date, calendar: str, today: date) -> date:
    """The first 公历 date on or after `today` on which the birthday falls (`calendar` is 公历 or 农历)."""
    if calendar == "农历":
        month, day = lunar_month_day(born)
        this_year = solar_to_lunar(today)[0]
        for year in (this_year - 1, this_year, this_year + 1):
            when = lunar_to_solar(year, month, day)
            if when >= today:
                return when
        raise AssertionError("a lunar year always holds the month")  # pragma: no cover
    for year in (today.year, today.year + 1):
        when = _solar_in_year(year, born.month, born.day)
        if when >= today:
            return when
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Birthday:
    """One coming birthday (the SPEC §6 record, plus the account name for display)."""

    customer_id: str
    customer_name: str
    name: str
    role: str | None
    calendar: str
    birthday: date
    next_date: date
    days_until: int

    def to_dict(self, role_text: str | None, calendar_text: str) -> dict[str, object]:
        return {"customer_id": self.customer_id, "name": self.name, "role": role_text,
                "calendar": calendar_text, "birthday": self.birthday.isoformat(),
                "next_date": self.next_date.isoformat(), "days_until": self.days_until,
                "customer_name": self.customer_name}


def upcoming(people: list[tuple[str, str, str, str | None, date | None, str | None]], today: date,
             window: int) -> list[Birthday]:
    """Birthdays within `window` days from `today` (inclusive), sorted by date then name.

    `people` holds (customer_id, customer_name, name, role, birthday, calendar) per contact.
    """
    found = []
    for cid, cname, name, role, born, calendar in people:
        if born is None:
            continue
        cal = calendar or "公历"
        when = next_birthday(born, cal, today)
        days = (when - today).days
        if days <= window:
            found.append(Birthday(cid, cname, name, role, cal, born, when, days))
    found.sort(key=lambda b: (b.next_date, b.customer_id, b.name))
    return found


@dataclass
class BirthdayReport:
    """What `kam birthdays` reports."""

    today: date
    window_days: int
    birthdays: list[Birthday]

    def rows(self, lang: str) -> list[list[object]]:
        """A header and one row per coming birthday: the table on screen and the 生日提醒 sheet alike."""
        heads = ("next_date", "days_until", "customer", "name", "person", "role", "calendar", "birthday")
        out: list[list[object]] = [[t(f"col.{h}", lang) for h in heads]]
        for b in self.birthdays:
            out.append([b.next_date.isoformat(), b.days_until, b.customer_id, b.customer_name, b.name,
                        ROLE.display(b.role, lang) if b.role else "", CHOICES["calendar"].display(b.calendar, lang),
                        b.birthday.isoformat()])
        return out


def birthday_report(book: WorkbookData, today: date, days: int | None = None) -> BirthdayReport:
    """Coming birthdays of every contact in 关键人, within `days` (default: 设置's birthday_window_days)."""
    from addin.core.validation import parse_sheet

    settings, _ = read_settings(book.get("settings"))
    window = settings.birthday_window_days if days is None else days
    table = book.get("contacts")
    if table is None:
        return BirthdayReport(today, window, [])
    contacts = parse_sheet(table, book.date1904)
    names: dict[str, str] = {}
    customers = book.get("customers")
    if customers is not None:
        parsed = parse_sheet(customers, book.date1904)
        for i, cid in enumerate(parsed.ids):
            if cid:
                names.setdefault(cid, parsed.text("customer_name", i))
    n = len(contacts)
    column = contacts.typed.get
    people = [(cid or "", names.get(cid or "", ""), contacts.text("name", i), (column("role") or [None] * n)[i],
               (column("birthday") or [None] * n)[i], (column("calendar") or [None] * n)[i])
              for i, cid in enumerate(contacts.ids)]
    return BirthdayReport(today, window, upcoming(people, today, window))
