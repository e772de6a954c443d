"""Report periods (SPEC §9 `--period 2026-11|2026Q4|2026`, `--from/--to`): which days a report covers, and
the period just before it (for "changed since the period before")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    def before(self) -> Period:
        """The period just before this one: the month, quarter or year before a calendar one (November
        before December, though their lengths differ), else the same number of days just before."""
        y, m = self.start.year, self.start.month
        if self.start.day == 1 and self.end == _month_end(self.end.year, self.end.month):
            months = (self.end.year - y) * 12 + self.end.month - m + 1
            if months in (1, 3, 12):
                first_m = m - months
                first = date(y + (first_m - 1) // 12, (first_m - 1) % 12 + 1, 1)
                return Period(first, self.start - timedelta(days=1), "")
        days = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=days - 1), end, "")


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def parse_period(text: str | None, today: date, start: date | None = None, end: date | None = None) -> Period | None:
    """`--period 2026-11 | 2026Q4 | 2026 | 本月 | 上月 | 本周 | 上周 | 本季度 | 上季度` (or this-month … last-quarter),
    or `--from/--to`, or the current month; None when not readable."""
    if start is not None or end is not None:
        first = start or date(today.year, today.month, 1)
        last = end or today
        return Period(first, last, f"{first.isoformat()}~{last.isoformat()}") if first <= last else None
    if text is None:
        text = f"{today.year}-{today.month:02d}"
    named = _named(text.strip().casefold(), today)
    if named is not None:
        return named
    if m := _MONTH.match(text):
        y, mo = int(m.group(1)), int(m.group(2))
        return Period(date(y, mo, 1), _month_end(y, mo), text)
    if m := _QUARTER.match(text):
        y, q = int(m.group(1)), int(m.group(2))
        return Period(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y}Q{q}")
    if m := _YEAR.match(text):
        y = int(m.group(1))
        return Period(date(y, 1, 1), date(y, 12, 31), text)
    return None


#: the periods a manager names in words (SPEC §9), Chinese and English
NAMED = {"本月": "this-month", "上月": "last-month", "本周": "this-week", "上周": "last-week",
         "本季度": "this-quarter", "上季度": "last-quarter"}


def _named(text: str, today: date) -> Period | None:
    """本月 / this-month … 上季度 / last-quarter as of `today`; weeks run Monday to Sunday."""
    key = NAMED.get(text, text)
    if key in ("this-month", "last-month"):
        first = date(today.year, today.month, 1)
        if key == "last-month":
            first = (first - timedelta(days=1)).replace(day=1)
        return Period(first, _month_end(first.year, first.month), f"{first.year}-{first.month:02d}")
    if key in ("this-week", "last-week"):
        monday = today - timedelta(days=today.weekday() + (7 if key == "last-week" else 0))
        sunday = monday + timedelta(days=6)
        return Period(monday, sunday, f"{monday.isoformat()}~{sunday.isoformat()}")
    if key in ("this-quarter", "last-quarter"):
        year, quarter = today.year, (today.month - 1) // 3 + 1
        if key == "last-quarter":
            year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        return Period(date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter), f"{year}Q{quarter}")
    return None
