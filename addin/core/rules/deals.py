"""Rules that guard the stages and the deal (SPEC §4): results, gates, the grade behind the effort, money."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from addin.core.findings import Finding
from addin.core.grading import INSUFFICIENT
from addin.core.rules.context import CLOSED_STAGES, WORKING_STAGES, Context, Shown, stages_of, visit_log
from addin.core.schema import RESULT, STAGE
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
        if stage in WORKING_STAGES and (ctx.grades.get(cid) == "D" or cid in ctx.abandon):
            yield ctx.account(cid, "stage-ahead-of-grade", stage=Shown(STAGE, stage),
                              grade=ctx.grades.get(cid) or "")


def stage_no_assessment(ctx: Context) -> Iterator[Finding]:
    """The value assessment is the gate to relationship building: no grade at a working or won stage."""
    if ctx.setting_findings or "assessment" not in ctx.sheets:
        return
    for cid, stage in stages_of(ctx).items():
        if stage in (*WORKING_STAGES, "已成交") and (cid not in ctx.grades or ctx.grades[cid] == INSUFFICIENT):
            yield ctx.account(cid, "stage-no-assessment", stage=Shown(STAGE, stage))


def result_stage_mismatch(ctx: Context) -> Iterator[Finding]:
    """The latest 开发记录 and 开发阶段 disagree (won but not 已成交, lost but not 已终止, or closed but 进行中)."""
    dev = ctx.sheets.get("development")
    stages = stages_of(ctx)
    if dev is None or "result" not in dev.typed or not stages:
        return
    dates = dev.typed.get("recorded_on") or [None] * len(dev)
    latest: dict[str, int] = {}
    for i, cid in enumerate(dev.ids):
        if cid and dev.typed["result"][i] is not None:
            j = latest.get(cid)
            if j is None or (dates[i] or date.min, i) >= (dates[j] or date.min, j):
                latest[cid] = i
    for cid, i in latest.items():
        result, stage = dev.typed["result"][i], stages.get(cid)
        if cid not in ctx.customer_rows or stage is None:
            continue
        if (result == "成功" and stage != "已成交") or (result == "失败" and stage != "已终止") or \
                (result == "进行中" and stage in CLOSED_STAGES):
            yield ctx.account(cid, "result-stage-mismatch", result=Shown(RESULT, result),
                              stage=Shown(STAGE, stage), date=dates[i].isoformat() if dates[i] else "")
