"""Birthdays of the buying influences: the coming 公历 date of a 公历 or 农历 birthday (SPEC §2, §5, §6, §8).

生日 is written in the person's own calendar (历法): with 农历, the month and day written ARE the lunar month
and day (1985-10-15 + 农历 = 农历十月十五), as reps and the method's own form (生日种历 + 出生年月日) write
them. Text forms say so themselves: 农历十月十五, 十月十五, 腊月初八, 闰四月初八, 1985-闰4-8, 1985年十月十五 are lunar
whatever 历法 says. A leap-month birthday (闰) falls in that leap month in years that have it and in the
ordinary month otherwise; day 30 in a 29-day month falls on the 29th; a 29 February birthday on 28 February.
One conversion here serves birthdays, agenda, briefings, the 生日提醒 sheet and the kam_next_birthday function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from addin.core.i18n import t
from addin.core.lunar import BirthDate, next_birthday
from addin.core.model import WorkbookData
from addin.core.parse import cell_text
from addin.core.schema import CHOICES, ROLE
from addin.core.settings import read_settings
from addin.core.sheet import parse_sheet


@dataclass(frozen=True)
class Birthday:
    """One coming birthday (the SPEC §6 record, plus the account name for display)."""

    customer_id: str
    customer_name: str
    name: str
    role: str | None
    calendar: str
    birthday: BirthDate
    next_date: date
    days_until: int

    @property
    def shown(self) -> str:
        """The birthday as people read it: 农历十月十五, or 1985-10-15."""
        return self.birthday.show(self.calendar == "农历")

    def to_dict(self, role_text: str | None, calendar_text: str) -> dict[str, object]:
        return {"customer_id": self.customer_id, "name": self.name, "role": role_text,
                "calendar": calendar_text, "birthday": self.shown,
                "next_date": self.next_date.isoformat(), "days_until": self.days_until,
                "customer_name": self.customer_name}


def upcoming(people: Sequence[tuple[str, str, str, str | None, BirthDate | None, str | None]], today: date,
             window: int) -> list[Birthday]:
    """Birthdays within `window` days from `today` (inclusive), sorted by date then name.

    `people` holds (customer_id, customer_name, name, role, birthday, calendar) per contact.
    """
    found = []
    for cid, cname, name, role, born, calendar in people:
        if born is None:
            continue
        cal = "农历" if born.is_lunar(calendar) else "公历"
        if not born.possible(cal == "农历"):
            continue  # bad-date says so; the report lists it as unreadable
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
    #: contacts whose 生日 cannot be read: (customer_id, customer name, name, 生日 as written)
    unreadable: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: (customer_id, name) -> (负责销售 of the account, the person's 手机): who calls, and the number to call
    reach: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def rows(self, lang: str) -> list[list[object]]:
        """A header and one row per coming birthday: the table on screen and the 生日提醒 sheet alike."""
        heads = ("next_date", "days_until", "customer", "name", "owner", "person", "role", "mobile", "calendar",
                 "birthday")
        out: list[list[object]] = [[t(f"col.{h}", lang) for h in heads]]
        for b in self.birthdays:  # the date as a date: the 生日提醒 sheet holds real Excel dates
            owner, mobile = self.reach.get((b.customer_id, b.name), ("", ""))
            out.append([b.next_date, b.days_until, b.customer_id, b.customer_name, owner, b.name,
                        ROLE.display(b.role, lang) if b.role else "", mobile,
                        CHOICES["calendar"].display(b.calendar, lang), b.shown])
        for cid, cname, name, raw in self.unreadable:
            owner, mobile = self.reach.get((cid, name), ("", ""))
            out.append(["", "", cid, cname, owner, name, "", mobile, "", t("birthdays.unreadable", lang, value=raw)])
        return out


def birthday_report(book: WorkbookData, today: date, days: int | None = None) -> BirthdayReport:
    """Coming birthdays of every contact in 关键人, within `days` (default: 设置's birthday_window_days)."""
    settings, _ = read_settings(book.get("settings"))
    window = settings.birthday_window_days if days is None else days
    table = book.get("contacts")
    if table is None:
        return BirthdayReport(today, window, [])
    contacts = parse_sheet(table, book.date1904)
    names: dict[str, str] = {}
    owners: dict[str, str] = {}
    customers = book.get("customers")
    if customers is not None:
        parsed = parse_sheet(customers, book.date1904)
        for i, cid in enumerate(parsed.ids):
            if cid:
                names.setdefault(cid, parsed.text("customer_name", i))
                owners.setdefault(cid, parsed.text("owner", i))
    n = len(contacts)
    column = contacts.typed.get
    people = [(cid or "", names.get(cid or "", ""), contacts.text("name", i), (column("role") or [None] * n)[i],
               (column("birthday") or [None] * n)[i], (column("calendar") or [None] * n)[i])
              for i, cid in enumerate(contacts.ids)]
    raw = contacts.raw.get("birthday") or [None] * n
    bad = sorted({i for i, _ in contacts.invalid.get("birthday", [])})
    unreadable = [(contacts.ids[i] or "", names.get(contacts.ids[i] or "", ""), contacts.text("name", i),
                   cell_text(raw[i])) for i in bad]
    reach = {(cid or "", contacts.text("name", i)): (owners.get(cid or "", ""), contacts.text("mobile", i))
             for i, cid in enumerate(contacts.ids)}
    return BirthdayReport(today, window, upcoming(people, today, window), unreadable, reach)
