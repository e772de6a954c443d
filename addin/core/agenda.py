"""The rep's agenda (SPEC §8): what the method asks a rep to do on time, as one dated list.

Birthdays (公历 and 农历), the traditional festivals for customer care (lunar ones computed from the lunar
calendar, never tabled by hand) with the A/B accounts to greet, follow-ups due and overdue, callbacks due
after a 面访, A accounts whose visit interval runs out, and the manager's monthly review reminder; then the
method's other half: visits planned in 拜访计划, service contacts due for won accounts by tier, issues and
complaints whose 处理结果 is due, and expected closes of the deals still being worked.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from addin.core.birthdays import upcoming
from addin.core.grading import grade_workbook
from addin.core.i18n import join, t
from addin.core.lunar import lunar_to_solar, solar_to_lunar
from addin.core.model import WorkbookData
from addin.core.parse import split_people
from addin.core.rules.context import latest_row
from addin.core.settings import Settings
from addin.core.sheet import Parsed, parse_sheet

KINDS = ("birthday", "festival", "follow-up", "overdue", "callback", "visit-due", "review", "plan", "service-due",
         "issue", "close")

#: (key, lunar month, lunar day) and (key, solar month, solar day, the industry it is for, or None for all)
LUNAR_FESTIVALS = (("spring", 1, 1), ("lantern", 1, 15), ("dragon_boat", 5, 5), ("mid_autumn", 8, 15),
                   ("double_ninth", 9, 9))
SOLAR_FESTIVALS = (("new_year", 1, 1, None), ("labour", 5, 1, None), ("national", 10, 1, None),
                   ("teachers", 9, 10, "教育"), ("doctors", 8, 19, "医疗"))
WRITTEN = ("短信", "微信", "邮件", "信函")  # methods that count as contact, as every method does for a callback


@dataclass(frozen=True)
class AgendaItem:
    """One thing to do on one day (the SPEC §8 JSON record)."""

    date: date
    kind: str
    customer_id: str
    customer_name: str
    contact: str
    title: str
    detail: str
    identity: str = ""  # what the item is about, apart from the day it stands on (see uid)
    owner: str = ""  # the account's 负责销售: who does it
    mobile: str = ""  # the contact's 手机, when the item names one listed in 关键人

    @property
    def uid(self) -> str:
        """From the item's identity only, so a calendar that imports the file again, on any later day, updates
        the event instead of adding a second one: an overdue follow-up stands on today, and keeps its UID
        from day to day (and from before it was overdue); an A visit due keeps its UID until the next visit."""
        key = self.identity or "|".join((self.kind, self.customer_id, self.contact, self.date.isoformat(),
                                         self.title))
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20] + "@kam"

    def to_dict(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "kind": self.kind, "customer_id": self.customer_id,
                "customer_name": self.customer_name, "contact": self.contact, "title": self.title,
                "detail": self.detail, "owner": self.owner, "mobile": self.mobile}


@dataclass
class Agenda:
    today: date
    start: date
    end: date
    items: list[AgendaItem]

    def to_dict(self) -> dict[str, object]:
        return {"today": self.today.isoformat(), "from": self.start.isoformat(), "to": self.end.isoformat(),
                "items": [i.to_dict() for i in self.items]}

    def rows(self, lang: str) -> list[list[object]]:
        """A header and a row per item: the terminal table and the 日程 sheet alike (dates as dates)."""
        heads = ("date", "kind", "customer", "name", "owner", "person", "mobile", "title", "detail")
        out: list[list[object]] = [[t(f"agenda.col.{h}", lang) for h in heads]]
        for i in self.items:
            out.append([i.date, t(f"agenda.kind.{i.kind}", lang), i.customer_id, i.customer_name, i.owner, i.contact,
                        i.mobile, i.title, i.detail])
        return out


def window(today: date, days: int | None = None, month: str | None = None, week: bool = False) -> tuple[date, date]:
    """The agenda's days: the coming `days` (default 30), a calendar month (YYYY-MM), or this week (Mon-Sun)."""
    if month:
        year, number = (int(x) for x in month.split("-"))
        first = date(year, number, 1)
        nxt = date(year + (number == 12), number % 12 + 1, 1)
        return first, nxt - timedelta(days=1)
    if week:
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    return today, today + timedelta(days=30 if days is None else days)


def festival_dates(start: date, end: date) -> list[tuple[str, date, str | None]]:
    """(festival key, its 公历 date, the industry it is for or None) for every festival between the dates."""
    out: list[tuple[str, date, str | None]] = []
    for year in range(solar_to_lunar(start)[0], solar_to_lunar(end)[0] + 1):
        for key, month, day in LUNAR_FESTIVALS:
            when = lunar_to_solar(year, month, day)
            if start <= when <= end:
                out.append((key, when, None))
    for year in range(start.year, end.year + 1):
        for key, month, day, industry in SOLAR_FESTIVALS:
            when = date(year, month, day)
            if start <= when <= end:
                out.append((key, when, industry))
    return out


def build_agenda(book: WorkbookData, today: date, start: date, end: date, lang: str,
                 reps: list[str] | None = None) -> Agenda:
    """Every agenda item between `start` and `end` (inclusive), for the accounts of `reps` (all when None)."""
    from addin.core.scope import rep_accounts
    from addin.core.settings import read_settings

    settings, _ = read_settings(book.get("settings"))
    sheets = {key: parse_sheet(table, book.date1904) for key in ("customers", "contacts", "visits", "plans",
                                                                 "development")
              if (table := book.get(key)) is not None}
    names: dict[str, str] = {}
    industries: dict[str, str] = {}
    owners: dict[str, str] = {}
    if (parsed := sheets.get("customers")) is not None:
        for i, cid in enumerate(parsed.ids):
            if cid and cid not in names:
                names[cid] = parsed.text("customer_name", i)
                owners[cid] = parsed.text("owner", i)
                industries[cid] = (parsed.typed.get("industry") or [None] * len(parsed))[i] or ""
    mobiles: dict[tuple[str, str], str] = {}
    if (parsed := sheets.get("contacts")) is not None:
        for i, cid in enumerate(parsed.ids):
            if cid and parsed.text("mobile", i):
                mobiles.setdefault((cid, parsed.text("name", i)), parsed.text("mobile", i))
    theirs = rep_accounts(book, reps) if reps else None

    def mine(cid: str) -> bool:
        return theirs is None or cid in theirs

    grades = {g.customer_id: g.grade.grade for g in grade_workbook(book).grades}
    items: list[AgendaItem] = []

    def whom(cid: str, visitee: str) -> str:
        """The person of a visit's 被访人 to call about it: the first one 关键人 has a 手机 for, else the first."""
        people = split_people(visitee)
        return next((p for p in people if (cid, p) in mobiles), people[0] if people else "")

    def add(when: date, kind: str, cid: str, contact: str, title: str, detail: str, identity: str = "") -> None:
        if start <= when <= end and (not cid or mine(cid)):
            items.append(AgendaItem(when, kind, cid, names.get(cid, ""), contact, title, detail, identity,
                                    owners.get(cid, ""), mobiles.get((cid, contact), "")))

    # birthdays
    if (parsed := sheets.get("contacts")) is not None:
        births = parsed.typed.get("birthday") or [None] * len(parsed)
        calendars = parsed.typed.get("calendar") or [None] * len(parsed)
        people = [(cid, "", parsed.text("name", i), None, births[i], calendars[i])
                  for i, cid in enumerate(parsed.ids) if cid]
        for b in upcoming(people, start, (end - start).days):  # the birthday list's own selection
            add(b.next_date, "birthday", b.customer_id, b.name, t("agenda.title.birthday", lang, name=b.name),
                t("agenda.detail.birthday", lang, birthday=b.birthday.show(b.calendar == "农历")))

    # festivals: greet the A/B accounts (教师节 the 教育 ones, 医师节 the 医疗 ones)
    for key, when, industry in festival_dates(start, end):
        accounts = [c for c in names if grades.get(c) in ("A", "B") and mine(c)
                    and (industry is None or industries.get(c) == industry)]
        if industry is not None and not accounts:
            continue
        shown = join([f"{names[c]}（{c}）" if lang == "zh" else f"{names[c]} ({c})" for c in accounts], lang)
        detail = t("agenda.detail.festival", lang, accounts=shown or t("agenda.none", lang))  # every one, no "等"
        add(when, "festival", "", "", t(f"agenda.festival.{key}", lang), detail)

    # follow-ups, callbacks, the A accounts' visit interval, the monthly review
    if (parsed := sheets.get("visits")) is not None:
        n = len(parsed)
        dates = parsed.typed.get("visit_date") or [None] * n
        due = parsed.typed.get("follow_up_due") or [None] * n
        done = parsed.typed.get("follow_up_done") or [None] * n
        methods = parsed.typed.get("method") or [None] * n
        by_customer: dict[str, list[date]] = defaultdict(list)
        for i, cid in enumerate(parsed.ids):
            if cid and dates[i] is not None:
                by_customer[cid].append(dates[i])
        for i, cid in enumerate(parsed.ids):
            if not cid:
                continue
            what = parsed.text("next_steps", i) or parsed.text("issues_found", i) or parsed.text("purpose", i)
            visitee = parsed.text("visitee", i) if "visitee" in parsed.raw else ""
            person = whom(cid, visitee)  # who to call about it, with the number to call
            if due[i] is not None and done[i] is None:
                # one identity before and after it falls due: the event moves to today, it is not a second one
                identity = f"follow-up|{cid}|{dates[i]}|{due[i]}|{what}"
                if due[i] < today:
                    add(today, "overdue", cid, person, t("agenda.title.overdue", lang, what=what or "—"),
                        t("agenda.detail.overdue", lang, due=due[i].isoformat()), identity)
                else:
                    add(due[i], "follow-up", cid, person, t("agenda.title.follow_up", lang, what=what or "—"),
                        t("agenda.detail.follow_up", lang, visit=dates[i].isoformat() if dates[i] else "?"), identity)
            visited = dates[i]
            if methods[i] == "面访" and visited is not None and grades.get(cid) in ("A", "B"):
                limit = visited + timedelta(days=settings.callback_days)
                later = [d for d in by_customer[cid] if visited < d <= min(limit, today)]  # a future date is an error
                if not later and limit >= today:
                    title = t("agenda.title.callback", lang)
                    add(limit, "callback", cid, person, title, t("agenda.detail.callback", lang,
                                                               visit=visited.isoformat(), days=settings.callback_days),
                        "|".join(("callback", cid, visitee, limit.isoformat(), title)))  # the UID it always had
        for cid in names:
            if grades.get(cid) != "A":
                continue
            past = [d for d in by_customer.get(cid, []) if d <= today]
            last = max(past) if past else None
            due_by = last + timedelta(days=settings.a_visit_interval_days) if last else None
            late = due_by is not None and due_by < today
            detail = t("agenda.detail.visit_due_never", lang) if last is None or due_by is None else \
                t("agenda.detail.visit_due_late" if late else "agenda.detail.visit_due", lang, last=last.isoformat(),
                  due=due_by.isoformat(), days=settings.a_visit_interval_days)
            add(max(today, due_by) if due_by else today, "visit-due", cid, "", t("agenda.title.visit_due", lang),
                detail, f"visit-due|{cid}|{last}")
        if settings.monthly_review:
            first = date(start.year, start.month, 1)
            while first <= end:
                last_month_end = first - timedelta(days=1)
                last_month = (last_month_end.year, last_month_end.month)
                waiting = sum(1 for i, d in enumerate(dates) if d is not None and (d.year, d.month) == last_month
                              and d <= today  # a visit dated ahead is a future-date error, not one to review
                              and mine(parsed.ids[i] or "") and not parsed.text("manager_comment", i))
                month = f"{last_month[0]}-{last_month[1]:02d}"
                closed = last_month_end < today  # a month still running cannot be said to be reviewed
                detail = t("agenda.detail.review", lang, count=waiting) if waiting else \
                    t("agenda.detail.review_done", lang) if closed else t("agenda.detail.review_ahead", lang)
                add(first, "review", "", "", t("agenda.title.review", lang, month=month), detail)
                first = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    _method_items(sheets, today, settings, add, lang)
    items.sort(key=lambda i: (i.date, KINDS.index(i.kind), i.customer_id, i.contact))
    return Agenda(today, start, end, items)


def _method_items(sheets: dict[str, Parsed], today: date, settings: Settings, add: Callable[..., None],
                  lang: str) -> None:
    """Planned visits, service contacts due, issues coming due and expected closes (SPEC §8), from the sheets
    build_agenda parsed. Each item's identity is what it is about, never today, so a phone that imports the
    calendar again updates it."""
    stages: dict[str, str | None] = {}
    tiers: dict[str, str | None] = {}
    if (parsed := sheets.get("customers")) is not None:
        column = parsed.typed.get
        for i, cid in enumerate(parsed.ids):
            if cid and cid not in stages:
                stages[cid] = (column("stage") or [None] * len(parsed))[i]
                tiers[cid] = (column("tier") or [None] * len(parsed))[i]
    if (parsed := sheets.get("plans")) is not None:
        planned = parsed.typed.get("planned_on") or [None] * len(parsed)
        for i, cid in enumerate(parsed.ids):
            when = planned[i]
            if not cid or when is None or when < today:
                continue
            purpose = parsed.text("purpose", i)
            extra = [t("agenda.detail.plan_materials", lang, materials=parsed.text("materials", i))
                     if parsed.text("materials", i) else "",
                     t("agenda.detail.plan_questions", lang, questions=parsed.text("questions", i))
                     if parsed.text("questions", i) else ""]
            # a plan not yet agreed with the customer says so: the rep must still call to book it
            title = "agenda.title.plan_unbooked" if parsed.text("booked", i) == "否" else "agenda.title.plan"
            add(when, "plan", cid, parsed.text("visitee", i), t(title, lang, purpose=purpose or "—"),
                t("agenda.detail.plan", lang, visitor=parsed.text("visitor", i)) + "".join(extra),
                f"plan|{cid}|{when}|{parsed.text('visitor', i)}|{purpose}")
    last: dict[str, date] = {}
    if (parsed := sheets.get("visits")) is not None:
        n = len(parsed)
        dates = parsed.typed.get("visit_date") or [None] * n
        kinds = parsed.typed.get("issue_type") or [None] * n
        for i, cid in enumerate(parsed.ids):
            when = dates[i]
            if cid and when is not None and when <= today and (cid not in last or when > last[cid]):
                last[cid] = when
        if "resolution" in parsed.raw:
            for i, cid in enumerate(parsed.ids):
                issue, when = parsed.text("issues_found", i), dates[i]
                if not cid or not issue or when is None or parsed.text("resolution", i):
                    continue
                complaint = kinds[i] == "投诉"
                due = when + timedelta(days=settings.complaint_days if complaint else settings.follow_up_days)
                key = "agenda.title.complaint" if complaint else "agenda.title.issue"
                add(max(due, today), "issue", cid, parsed.text("handed_to", i), t(key, lang, issue=issue),
                    t("agenda.detail.issue", lang, visit=when.isoformat(), due=due.isoformat()),
                    f"issue|{cid}|{when}|{issue}")
    for cid, stage in stages.items():
        if stage != "已成交":
            continue
        interval = settings.service_interval(tiers.get(cid))
        seen = last.get(cid)
        due = seen + timedelta(days=interval) if seen else today
        key = "agenda.detail.service_late" if seen and due < today else "agenda.detail.service"
        detail = t(key, lang, last=seen.isoformat(), due=due.isoformat(), days=interval) \
            if seen else t("agenda.detail.service_never", lang, days=interval)
        add(max(due, today), "service-due", cid, "", t("agenda.title.service", lang), detail,
            f"service-due|{cid}|{seen}")
    if (parsed := sheets.get("development")) is not None:
        closes = parsed.typed.get("expected_close")
        if closes is not None:
            latest = latest_row(parsed, "expected_close")
            results = parsed.typed.get("result") or [None] * len(parsed)
            for cid, i in latest.items():
                if stages.get(cid) in ("已成交", "已终止") or results[i] in ("成功", "失败"):
                    continue
                amount = (parsed.typed.get("expected_amount") or [None] * len(parsed))[i]
                shown = t("agenda.detail.close_amount", lang, amount=settings.amount_text(amount, lang)) \
                    if amount else ""
                key = "agenda.detail.close_passed" if closes[i] < today else "agenda.detail.close"
                add(max(closes[i], today), "close", cid, "", t("agenda.title.close", lang),
                    t(key, lang, date=closes[i].isoformat()) + shown, f"close|{cid}|{closes[i]}")

