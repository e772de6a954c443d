"""Rules that guard service and care (SPEC §4): cadence, after-sales, the issue loop, birthdays, plans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

from addin.core.findings import Finding
from addin.core.i18n import Phrase
from addin.core.lunar import next_birthday
from addin.core.parse import cell_text, person_key
from addin.core.rules.context import (
    Context,
    Shown,
    account_kwargs,
    blanks,
    has_visitee,
    people_met,
    stages_of,
    visit_days,
    visit_log,
)
from addin.core.schema import TIER


def stale_account(ctx: Context) -> Iterator[Finding]:
    visits = visit_log(ctx)
    if visits is None or "visit_date" not in visits.typed:  # no visit log: missing-sheet/column says so
        return
    last = {cid: days[-1] for cid, days in visit_days(ctx).items()}
    limit = ctx.settings.a_visit_interval_days
    for cid in ctx.customer_rows:
        if ctx.grades.get(cid) != "A":
            continue
        if cid not in last:
            yield Finding(**account_kwargs(ctx, cid, "stale-account"), message_key="finding.stale-account.never")
        elif (ctx.today - last[cid]).days > limit:
            yield ctx.account(cid, "stale-account", days=(ctx.today - last[cid]).days, last=last[cid].isoformat(),
                              limit=limit)


def service_lapsed(ctx: Context) -> Iterator[Finding]:
    """A won account (已成交) not contacted within its tier's 售后拜访间隔: after the sale, each tier is served
    at its own cadence."""
    visits = visit_log(ctx)
    customers = ctx.sheets.get("customers")
    if visits is None or "visit_date" not in visits.typed or customers is None:
        return
    tiers = customers.typed.get("tier") or [None] * len(customers)
    seen = visit_days(ctx)
    for cid, stage in stages_of(ctx).items():
        if stage != "已成交":
            continue
        tier = tiers[ctx.customer_rows[cid]]
        limit = ctx.settings.service_interval(tier)
        shown = Shown(TIER, tier) if tier else Phrase("tier.none")
        last = seen.get(cid, [])
        if not last:
            yield Finding(**account_kwargs(ctx, cid, "service-lapsed", tier=shown, limit=limit),
                          message_key="finding.service-lapsed.never")
        elif (ctx.today - last[-1]).days > limit:
            yield ctx.account(cid, "service-lapsed", tier=shown, limit=limit, last=last[-1].isoformat(),
                              days=(ctx.today - last[-1]).days)


def tier_grade_mismatch(ctx: Context) -> Iterator[Finding]:
    """战略级/死党级 graded C or D, or 松散型 graded A: the tier or the grade is out of date."""
    customers = ctx.sheets.get("customers")
    if customers is None or "tier" not in customers.typed:
        return
    for cid, i in ctx.customer_rows.items():
        tier, grade = customers.typed["tier"][i], ctx.grades.get(cid)
        if (tier in ("战略级", "死党级") and grade in ("C", "D")) or (tier == "松散型" and grade == "A"):
            yield customers.at(i, "tier", "tier-grade-mismatch", tier=Shown(TIER, tier), grade=grade)


def resolution_missing(ctx: Context) -> Iterator[Finding]:
    """A 发现问题 still without 处理结果 after follow_up_days (complaint_days for a 投诉): 谁走访谁督办."""
    visits = visit_log(ctx)
    if visits is None or "resolution" not in visits.raw or "issues_found" not in visits.raw \
            or "visit_date" not in visits.typed:
        return
    kinds = visits.typed.get("issue_type") or [None] * len(visits)
    no_issue, no_resolution = blanks(visits.raw["issues_found"]), blanks(visits.raw["resolution"])
    for i, when in enumerate(visits.typed["visit_date"]):
        if when is None or visits.raw["issues_found"][i] in no_issue \
                or visits.raw["resolution"][i] not in no_resolution:
            continue
        complaint = kinds[i] == "投诉"
        limit = ctx.settings.complaint_days if complaint else ctx.settings.follow_up_days
        age = (ctx.today - when).days
        if age > limit:
            yield visits.at(i, "resolution", "resolution-missing", issue=cell_text(visits.raw["issues_found"][i]),
                            visit=when.isoformat(), days=age, limit=limit,
                            message_key="finding.resolution-missing.complaint" if complaint else "")


def customer_not_informed(ctx: Context) -> Iterator[Finding]:
    """处理结果 filled but 告知客户 empty: the loop 记录→转交→督促→告知客户 is not closed."""
    visits = visit_log(ctx)
    if visits is None or "resolution" not in visits.raw or "customer_informed" not in visits.raw:
        return
    told = visits.raw["customer_informed"]
    no_resolution, not_told = blanks(visits.raw["resolution"]), blanks(told)
    for i, resolution in enumerate(visits.raw["resolution"]):
        if resolution not in no_resolution and told[i] in not_told:
            yield visits.at(i, "customer_informed", "customer-not-informed", resolution=cell_text(resolution))


def satisfaction_drop(ctx: Context) -> Iterator[Finding]:
    """An account's latest 满意度 is 2 or lower, or 2 or more below the one before it."""
    visits = visit_log(ctx)
    if visits is None or "satisfaction" not in visits.typed:
        return
    dates = visits.typed.get("visit_date") or [None] * len(visits)
    scores: dict[str, list[tuple[date, int, float]]] = defaultdict(list)
    for i, (cid, score) in enumerate(zip(visits.ids, visits.typed["satisfaction"], strict=True)):
        if cid and score is not None and 1 <= score <= 5:
            scores[cid].append((dates[i] or date.min, i, score))
    for seen in scores.values():
        seen.sort()
        _, i, last = seen[-1]
        before = seen[-2][2] if len(seen) > 1 else None
        if last <= 2:
            yield visits.at(i, "satisfaction", "satisfaction-drop", value=int(last),
                            before=int(before) if before is not None else "",
                            message_key="finding.satisfaction-drop.low")
        elif before is not None and before - last >= 2:
            yield visits.at(i, "satisfaction", "satisfaction-drop", value=int(last), before=int(before))


#: a birthday greeting or a plan counts when the contact falls this many days either side of the day
GRACE_DAYS = 3


def birthday_missed(ctx: Context) -> Iterator[Finding]:
    """An A/B account's contact whose birthday fell 1-30 days ago with no contact naming them within 3 days."""
    contacts = ctx.sheets.get("contacts")
    if contacts is None or "birthday" not in contacts.typed or not has_visitee(ctx):
        return
    met = people_met(ctx)
    calendars = contacts.typed.get("calendar") or [None] * len(contacts)
    start = ctx.today - timedelta(days=30)
    for i, born in enumerate(contacts.typed["birthday"]):
        cid = contacts.cid(i)
        if born is None or ctx.grades.get(cid) not in ("A", "B"):
            continue
        lunar = born.is_lunar(calendars[i])
        if not born.possible(lunar):
            continue
        day = next_birthday(born, "农历" if lunar else "公历", start)
        if not start <= day < ctx.today:
            continue
        name = contacts.text("name", i)
        if any(abs((when - day).days) <= GRACE_DAYS for when, _ in met.get((cid, person_key(name)), ())):
            continue
        yield contacts.at(i, "birthday", "birthday-missed", name=name, date=day.isoformat(),
                          birthday=born.show(lunar))


def plan_missed(ctx: Context) -> Iterator[Finding]:
    """A 拜访计划 row more than 3 days past with no visit of that customer by that visitor within 3 days of it."""
    plans, visits = ctx.sheets.get("plans"), visit_log(ctx)
    if plans is None or not {"planned_on", "visitor"} <= set(plans.typed):
        return
    done: dict[tuple[str, str], list[date]] = defaultdict(list)
    if visits is not None and {"visit_date", "visitor"} <= set(visits.typed):
        for cid, who, when in zip(visits.ids, visits.typed["visitor"], visits.typed["visit_date"], strict=True):
            if cid and who and when is not None:
                done[(cid, person_key(who))].append(when)
    for i, (planned, who) in enumerate(zip(plans.typed["planned_on"], plans.typed["visitor"], strict=True)):
        cid = plans.cid(i)
        if planned is None or not who or not cid or (ctx.today - planned).days <= GRACE_DAYS:
            continue
        if not any(abs((when - planned).days) <= GRACE_DAYS for when in done.get((cid, person_key(who)), ())):
            yield plans.at(i, "planned_on", "plan-missed", date=planned.isoformat(), visitor=who)
