"""Rules that guard the stages and the deal (SPEC §4): results, gates, the grade behind the effort, money."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from addin.core.findings import Finding
from addin.core.grading import INSUFFICIENT
from addin.core.i18n import Phrase
from addin.core.parse import person_key
from addin.core.rules.context import (
    CLOSED_STAGES,
    WORKING_STAGES,
    Context,
    Shown,
    account_kwargs,
    has_visitee,
    latest_row,
    people_met,
    roles_of,
    stages_of,
    visit_log,
)
from addin.core.schema import DEVELOPMENT, RESULT, ROLE, STAGE
from addin.core.text import is_blank


def result_reason_missing(ctx: Context) -> Iterator[Finding]:
    dev = ctx.sheets.get("development")
    if dev is None or "result" not in dev.typed:
        return
    reasons = dev.raw.get("reason_summary")
    for i, result in enumerate(dev.typed["result"]):
        if result in ("成功", "失败") and (reasons is None or is_blank(reasons[i])):
            key = "reason_summary" if reasons is not None else "result"
            shown = dev.table.spec.by_key["result"].choices
            yield dev.at(i, key, "result-reason-missing", value=Shown(shown, result))


def contact_count_low(ctx: Context) -> Iterator[Finding]:
    dev, visits = ctx.sheets.get("development"), visit_log(ctx)
    if dev is None or visits is None or "contact_count" not in dev.typed or "recorded_on" not in dev.typed:
        return
    if "visit_date" not in visits.typed:
        return
    dates_by_customer: dict[str, list[date]] = defaultdict(list)
    for cid, when in zip(visits.ids, visits.typed["visit_date"], strict=True):
        if cid and when is not None:
            dates_by_customer[cid].append(when)
    for dates in dates_by_customer.values():
        dates.sort()
    claims, recorded_dates = dev.typed["contact_count"], dev.typed["recorded_on"]
    for i, (claimed, recorded) in enumerate(zip(claims, recorded_dates, strict=True)):
        if claimed is None or recorded is None or claimed < 0:  # a negative count is out-of-range already
            continue
        logged = bisect.bisect_right(dates_by_customer.get(dev.cid(i), []), recorded)
        if claimed < logged:
            yield dev.at(i, "contact_count", "contact-count-low", value=claimed, visits=logged,
                         date=recorded.isoformat())


def stage_ahead_of_grade(ctx: Context) -> Iterator[Finding]:
    """Effort going where the model says to hold back: 关系建立/促成成交 on a D or abandon account."""
    for cid, stage in stages_of(ctx).items():
        graded_d, abandon = ctx.grades.get(cid) == "D", cid in ctx.abandon
        if stage in WORKING_STAGES and (graded_d or abandon):
            why = "both" if graded_d and abandon else "d" if graded_d else "abandon"
            yield ctx.account(cid, "stage-ahead-of-grade", stage=Shown(STAGE, stage),
                              grade=ctx.grades.get(cid) or "", why=Phrase(f"stage.why.{why}"))


def stage_no_assessment(ctx: Context) -> Iterator[Finding]:
    """The value assessment is the gate to relationship building: no grade at a working or won stage."""
    if ctx.setting_findings or "assessment" not in ctx.sheets:
        return
    for cid, stage in stages_of(ctx).items():
        if stage in (*WORKING_STAGES, "已成交") and (cid not in ctx.grades or ctx.grades[cid] == INSUFFICIENT):
            finding = ctx.account(cid, "stage-no-assessment", stage=Shown(STAGE, stage))
            yield replace(finding, message_key="finding.stage-no-assessment.won") if stage == "已成交" else finding


def result_stage_mismatch(ctx: Context) -> Iterator[Finding]:
    """The latest 开发记录 and 开发阶段 disagree (won but not 已成交, lost but not 已终止, or closed but 进行中)."""
    dev = ctx.sheets.get("development")
    stages = stages_of(ctx)
    if dev is None or "result" not in dev.typed or not stages:
        return
    dates = dev.typed.get("recorded_on") or [None] * len(dev)
    latest = latest_row(dev, "result")
    for cid, i in latest.items():
        result, stage = dev.typed["result"][i], stages.get(cid)
        if cid not in ctx.customer_rows or stage is None:
            continue
        if (result == "成功" and stage != "已成交") or (result == "失败" and stage != "已终止") or \
                (result == "进行中" and stage in CLOSED_STAGES):
            yield ctx.account(cid, "result-stage-mismatch", result=Shown(RESULT, result),
                              stage=Shown(STAGE, stage), date=dates[i].isoformat() if dates[i] else "")


#: the method's gates (SPEC §4 stage-gate): gate -> the stages that must have passed it
GATES = {
    "insider": ("价值评估", "关系建立", "促成成交", "已成交"),  # stage 2: the decision maker's information, an insider
    "dm-met": ("促成成交", "已成交"),  # stage 4-5: the decision maker met face to face
    "deal-terms": ("促成成交",),  # stage 4-5: a clear deal (a won account has 成交金额 instead)
}


def stage_gate(ctx: Context) -> Iterator[Finding]:
    """An account past a gate of the method's five stages that it has not met, one record per gate."""
    stages = stages_of(ctx)
    if not stages:
        return
    contacts = ctx.sheets.get("contacts")
    roles = roles_of(ctx)
    deciders: dict[str, set[str]] = defaultdict(set)
    if contacts is not None and "role" in contacts.typed:
        for i, role in enumerate(contacts.typed["role"]):
            if role == "决策者" and contacts.cid(i):
                deciders[contacts.cid(i)].add(person_key(contacts.text("name", i)))
    met = people_met(ctx) if has_visitee(ctx) else None
    dev = ctx.sheets.get("development")
    terms = dev is not None and {"expected_amount", "expected_close"} <= set(dev.typed)
    latest = latest_row(dev) if dev is not None and terms else {}
    for cid, stage in stages.items():
        if stage is None:
            continue
        shown = Shown(STAGE, stage)
        if stage in GATES["insider"] and contacts is not None and "role" in contacts.typed:
            lacking = [r for r in ROLE.values if r.zh in ("决策者", "教练") and r.zh not in roles.get(cid, ())]
            if lacking:
                yield ctx.account(cid, "stage-gate", stage=shown, gate=Phrase("gate.insider"), missing=lacking)
        if stage in GATES["dm-met"] and met is not None and deciders[cid] and not any(
                method == "面访" for key in deciders[cid] for _, method in met.get((cid, key), ())):
            yield Finding(**account_kwargs(ctx, cid, "stage-gate", stage=shown, gate=Phrase("gate.dm-met")),
                          message_key="finding.stage-gate.dm-met")
        if stage in GATES["deal-terms"] and terms:
            assert dev is not None
            row = latest.get(cid)
            lacking = [DEVELOPMENT.by_key[k].label for k in ("expected_amount", "expected_close")
                       if row is None or dev.typed[k][row] is None]
            if lacking:
                yield Finding(**account_kwargs(ctx, cid, "stage-gate", stage=shown, gate=Phrase("gate.deal-terms"),
                                               missing=lacking), message_key="finding.stage-gate.deal-terms")


def won_amount_missing(ctx: Context) -> Iterator[Finding]:
    """开发结果 成功 without 成交金额: a win the pipeline cannot count."""
    dev = ctx.sheets.get("development")
    if dev is None or "result" not in dev.typed or "won_amount" not in dev.typed:
        return
    invalid = {i for i, _ in dev.invalid.get("won_amount", ())}
    for i, (result, amount) in enumerate(zip(dev.typed["result"], dev.typed["won_amount"], strict=True)):
        if result == "成功" and amount is None and i not in invalid:
            yield dev.at(i, "won_amount", "won-amount-missing")


def close_date_passed(ctx: Context) -> Iterator[Finding]:
    """An account still being worked whose latest 预计签约日 has passed: the forecast needs updating."""
    dev = ctx.sheets.get("development")
    if dev is None or "expected_close" not in dev.typed:
        return
    stages = stages_of(ctx)
    results = latest_row(dev, "result") if "result" in dev.typed else {}
    for cid, i in latest_row(dev, "expected_close").items():
        when = dev.typed["expected_close"][i]
        if stages.get(cid) in CLOSED_STAGES or when >= ctx.today:
            continue
        j = results.get(cid)
        if j is not None and dev.typed["result"][j] != "进行中":
            continue
        yield dev.at(i, "expected_close", "close-date-passed", value=when.isoformat(), today=ctx.today.isoformat())


#: the amount columns (万元 unless 设置 金额单位 is 元)
AMOUNTS = ("budget", "expected_amount", "won_amount")

#: an amount this large in 万元 (10 亿元) was almost certainly typed in 元
SUSPICIOUS_WAN = 100_000


def amount_suspicious(ctx: Context) -> Iterator[Finding]:
    """An amount of 100,000 or more while amounts are in 万元: probably typed in 元."""
    if ctx.settings.amount_in_yuan:
        return
    for parsed in ctx.sheets.values():
        for key in AMOUNTS:
            for i, value in enumerate(parsed.typed.get(key) or ()):
                if value is not None and value >= SUSPICIOUS_WAN:
                    yield parsed.at(i, key, "amount-suspicious", value=_plain(value),
                                    wan=_plain(value / 10_000))


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)
