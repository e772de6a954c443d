"""Rules that guard the visit log (SPEC §4): duplicates, places, follow-ups, overlaps, callbacks, reviews."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

from addin.core.findings import Finding
from addin.core.parse import cell_text, person_key, split_people
from addin.core.rules.context import Context, blanks, visit_log
from addin.core.text import is_blank


def duplicate_row(ctx: Context) -> Iterator[Finding]:
    visits = visit_log(ctx)
    if visits is None:
        return
    keys = ("visit_date", "customer_id", "visitor", "method", "key_points")
    cols = [visits.typed.get(k) for k in keys]
    if any(c is None for c in cols):
        return
    seen: dict[tuple, int] = {}
    for i, signature in enumerate(zip(*cols, strict=True)):
        if not any(signature):
            continue
        if signature in seen:
            yield visits.row_finding(i, "duplicate-row", first=visits.rows[seen[signature]])
        else:
            seen[signature] = i


def location_required(ctx: Context) -> Iterator[Finding]:
    visits = visit_log(ctx)
    if visits is None or "method" not in visits.typed:
        return
    locations = visits.raw.get("location")
    blank = blanks(locations)
    for i, method in enumerate(visits.typed["method"]):
        if method == "面访" and (locations is None or locations[i] in blank):
            if locations is None:
                yield visits.row_finding(i, "location-required")
            else:
                yield visits.at(i, "location", "location-required")


def follow_up_missing(ctx: Context) -> Iterator[Finding]:
    visits = visit_log(ctx)
    if visits is None or "issues_found" not in visits.raw:
        return
    due = visits.raw.get("follow_up_due")
    no_issue, no_due = blanks(visits.raw["issues_found"]), blanks(due)
    for i, issue in enumerate(visits.raw["issues_found"]):
        if issue not in no_issue and (due is None or due[i] in no_due):
            key = "follow_up_due" if due is not None else "issues_found"
            yield visits.at(i, key, "follow-up-missing", value=cell_text(issue))


def follow_up_late(ctx: Context) -> Iterator[Finding]:
    visits = visit_log(ctx)
    if visits is None or "visit_date" not in visits.typed or "follow_up_due" not in visits.typed:
        return
    limit = ctx.settings.follow_up_days
    for i, (visit, due) in enumerate(zip(visits.typed["visit_date"], visits.typed["follow_up_due"], strict=True)):
        if visit is not None and due is not None and (due - visit).days > limit:
            yield visits.at(i, "follow_up_due", "follow-up-late", due=due.isoformat(), visit=visit.isoformat(),
                            days=(due - visit).days, limit=limit)


def follow_up_before_visit(ctx: Context) -> Iterator[Finding]:
    visits = visit_log(ctx)
    if visits is None or "visit_date" not in visits.typed:
        return
    for key in ("follow_up_due", "follow_up_done"):
        values = visits.typed.get(key)
        if values is None:
            continue
        for i, (visit, when) in enumerate(zip(visits.typed["visit_date"], values, strict=True)):
            if visit is not None and when is not None and when < visit:
                yield visits.at(i, key, "follow-up-before-visit", value=when.isoformat(), visit=visit.isoformat())


def follow_up_overdue(ctx: Context) -> Iterator[Finding]:
    visits = visit_log(ctx)
    if visits is None or "follow_up_due" not in visits.typed:
        return
    done = visits.raw.get("follow_up_done")
    not_done = blanks(done)
    for i, due in enumerate(visits.typed["follow_up_due"]):
        if due is not None and due < ctx.today and (done is None or done[i] in not_done):
            yield visits.at(i, "follow_up_due", "follow-up-overdue", due=due.isoformat(),
                            today=ctx.today.isoformat())


def visit_overlap(ctx: Context) -> Iterator[Finding]:
    """On each later visit of a customer that another visitor saw within overlap_days before it."""
    visits = visit_log(ctx)
    if visits is None or not {"visit_date", "visitor", "customer_id"} <= set(visits.typed):
        return
    window = ctx.settings.overlap_days
    dates, people = visits.typed["visit_date"], visits.typed["visitor"]
    # every visit in order of account, date and row; within an account, a run of visits by one visitor ends
    # where another visitor's begins, and the visit that ended the run before is the nearest one by someone
    # else: one pass, whatever the window (looking back from each visit cost 2.5 s on 500,000 at 200 days)
    order = sorted((cid, when, i) for i, (cid, when, who) in enumerate(zip(visits.ids, dates, people, strict=True))
                   if cid and when is not None and who)
    before: tuple[str, date, str] | None = None  # (account, date, visitor) of the visit just before
    other: tuple[date, str] | None = None  # the last visit of the run before this one
    for cid, when, i in order:
        who = people[i]
        if before is None or before[0] != cid:
            other = None
        elif before[2] != who:
            other = before[1], before[2]
        if other is not None and (when - other[0]).days <= window:
            yield visits.at(i, "visitor", "visit-overlap", visitor=who, visit=when.isoformat(),
                            other_visitor=other[1], other_date=other[0].isoformat(), limit=window)
        before = cid, when, who


def callback_missing(ctx: Context) -> Iterator[Finding]:
    """The method's callback: after a 面访 of an A/B account, some contact within 回访天数."""
    visits = visit_log(ctx)
    if visits is None or not {"visit_date", "method"} <= set(visits.typed):
        return
    days = ctx.settings.callback_days
    dates = visits.typed["visit_date"]
    by_customer: dict[str, list[date]] = defaultdict(list)
    for cid, when in zip(visits.ids, dates, strict=True):
        if cid and when is not None:
            by_customer[cid].append(when)
    for seen in by_customer.values():
        seen.sort()
    for i, (cid, when, method) in enumerate(zip(visits.ids, dates, visits.typed["method"], strict=True)):
        if not cid or when is None or method != "面访" or ctx.grades.get(cid) not in ("A", "B"):
            continue
        age = (ctx.today - when).days
        if not days <= age <= 90:
            continue
        seen = by_customer[cid]
        after = bisect.bisect_right(seen, when)  # the first contact after this visit, if any
        if after == len(seen) or seen[after] > when + timedelta(days=days):
            if after < len(seen) and seen[after] <= ctx.today:  # contacted since: too late to call back for it
                yield visits.at(i, "method", "callback-missing", message_key="finding.callback-missing.late",
                                date=when.isoformat(), days=days, next=seen[after].isoformat())
            else:
                yield visits.at(i, "method", "callback-missing", date=when.isoformat(), days=days)


def review_missing(ctx: Context) -> Iterator[Finding]:
    """The manager's monthly review: last month's visits without 负责人意见 (when 月度审核 is 是)."""
    visits = visit_log(ctx)
    if not ctx.settings.monthly_review or visits is None or "manager_comment" not in visits.raw \
            or "visit_date" not in visits.typed:
        return
    last = ctx.today.replace(day=1) - timedelta(days=1)
    comments = visits.raw["manager_comment"]
    no_comment = blanks(comments)
    for i, when in enumerate(visits.typed["visit_date"]):
        if when is not None and (when.year, when.month) == (last.year, last.month) and comments[i] in no_comment:
            yield visits.at(i, "manager_comment", "review-missing", month=f"{last.year}-{last.month:02d}")


def new_face(ctx: Context) -> Iterator[Finding]:
    """A 被访人 of a recent visit who is not in 关键人 for that account: a new player in the buying group."""
    visits = visit_log(ctx)
    contacts = ctx.sheets.get("contacts")
    if visits is None or contacts is None or "visitee" not in visits.raw or "visit_date" not in visits.typed:
        return
    known: dict[str, set[str]] = defaultdict(set)
    names = contacts.raw.get("name") or []
    for i, cid in enumerate(contacts.ids):
        if cid and i < len(names) and not is_blank(names[i]):
            known[cid].add(person_key(cell_text(names[i])))
    recent = {d for d in set(visits.typed["visit_date"]) if d is not None and 0 <= (ctx.today - d).days <= 90}
    said: dict[object, list[tuple[str, str]]] = {}  # a 被访人 cell -> its names and their keys, once per value
    for i, (cid, when) in enumerate(zip(visits.ids, visits.typed["visit_date"], strict=True)):
        if when not in recent or not cid:
            continue
        met = visits.raw["visitee"][i]
        people = said.get(met)
        if people is None:
            people = said[met] = [] if is_blank(met) else \
                [(n, person_key(n)) for n in split_people(cell_text(met))]
        new = [n for n, key in people if key not in known[cid]]
        if new:
            yield visits.at(i, "visitee", "new-face", names=new)
