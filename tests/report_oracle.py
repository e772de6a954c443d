"""An independent count of the manager's report from the rows a team was generated from: plain Python over the
rows (dicts), written from SPEC §9 and docs/REPORT.md's definitions, sharing no code with addin.analytics or the
store. Tests compare it with what `kam report --format json` says."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

PROBABILITY = {"确定对象": 0.05, "信息收集": 0.10, "价值评估": 0.20, "关系建立": 0.40, "促成成交": 0.70}


def month_end(y: int, m: int) -> date:
    return date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)


@dataclass
class Expected:
    as_of: date
    before: tuple[date, date]
    per_rep: dict[str, dict[str, Any]] = field(default_factory=dict)
    headline: dict[str, Any] = field(default_factory=dict)
    pipeline_value: dict[str, float] = field(default_factory=dict)
    weighted: dict[str, float] = field(default_factory=dict)
    deals: list[tuple[str, str, str]] = field(default_factory=list)  # (customer_id, result, rep)
    monthly_visits: dict[str, int] = field(default_factory=dict)
    #: (Monday of the week, rep) -> visits, over the weeks the weekly table shows (at least the last 8)
    weekly: dict[tuple[str, str], int] = field(default_factory=dict)


def expected(team: dict[str, dict[str, list[dict[str, Any]]]], grades: dict[str, dict[str, str]],
             start: date, end: date, today: date) -> Expected:
    """`team`: workbook name -> sheet key -> rows; `grades`: workbook -> customer_id -> grade (from kam grade).
    `start`/`end`: a calendar month."""
    as_of = min(today, end)
    prev_end = start - timedelta(days=1)
    prev_start = prev_end.replace(day=1)
    if as_of < end:
        prev_end = min(prev_end, prev_start + (as_of - start))
    out = Expected(as_of, (prev_start, prev_end))
    first_week = min(start, as_of - timedelta(days=55))
    first_week -= timedelta(days=first_week.weekday())

    def day(v: Any) -> date | None:
        return v if isinstance(v, date) else None

    def inside(v: Any, a: date, b: date) -> bool:
        d = day(v)
        return d is not None and a <= d <= b

    rep_rows: dict[str, dict[str, Any]] = defaultdict(lambda: Counter())  # type: ignore[arg-type]
    won_now: list[tuple[str, float | None]] = []
    won_before: list[float | None] = []
    lost_now = 0
    lost_before = 0
    pipe_now = pipe_before = weighted_now = 0.0
    for book, rows in team.items():
        owners = Counter(c.get("owner") for c in rows["customers"] if c.get("owner"))
        book_rep = owners.most_common(1)[0][0] if owners else ""
        account: dict[str, tuple[str, str]] = {}  # cid -> (rep, grade)
        for c in rows["customers"]:
            cid = c.get("customer_id")
            if cid and cid not in account:
                account[cid] = (c.get("owner") or book_rep, grades[book].get(cid) or "未评级")
        for rep, grade in account.values():
            r = rep_rows[rep]
            r["accounts"] += 1
            r[grade] += 1
        for v in rows["visits"]:
            rep = account.get(v.get("customer_id"), (book_rep, ""))[0]
            r = rep_rows[rep]
            r["visit_rows"] += 1  # every row, dated or not: what errors/warnings per 100 rows divide by
            when = day(v.get("visit_date"))
            if when is None or when > as_of:
                continue
            out.monthly_visits[f"{when:%Y-%m}"] = out.monthly_visits.get(f"{when:%Y-%m}", 0) + 1
            if when >= first_week:
                week = (when - timedelta(days=when.weekday())).isoformat()
                out.weekly[(week, rep)] = out.weekly.get((week, rep), 0) + 1
            due, done = day(v.get("follow_up_due")), day(v.get("follow_up_done"))
            if due is not None and due < as_of and (done is None or done > as_of):
                r["overdue"] += 1
            if start <= when <= as_of:
                r["visits"] += 1
                r["in_person"] += v.get("method") == "面访"
                if due is not None:
                    r["opened"] += 1
                    if done is not None and done <= as_of:
                        r["on_time" if done <= due else "late"] += 1
                    elif due >= as_of:
                        r["pending"] += 1
                    else:
                        r["opened_overdue"] += 1
            elif prev_start <= when <= prev_end:
                r["visits_before"] += 1
        # deals: per account the newest 成功/失败 record in a window
        dev = [d for d in rows["development"] if day(d.get("recorded_on")) and d["recorded_on"] <= as_of
               and d.get("customer_id") in account]
        for result in ("成功", "失败"):
            for a, b, now in ((start, as_of, True), (prev_start, prev_end, False)):
                newest: dict[str, dict[str, Any]] = {}
                for d in sorted(dev, key=lambda d: d["recorded_on"]):
                    if d.get("result") == result and a <= d["recorded_on"] <= b:
                        newest[d["customer_id"]] = d
                for cid, d in newest.items():
                    rep = account[cid][0]
                    amount = d.get("won_amount")
                    if result == "成功" and now:
                        won_now.append((rep, amount))
                        rep_rows[rep]["won"] += 1
                        rep_rows[rep]["won_amount"] += amount or 0
                        out.deals.append((cid, result, rep))
                    elif result == "成功":
                        won_before.append(amount)
                    elif now:
                        lost_now += 1
                        out.deals.append((cid, result, rep))
                    else:
                        lost_before += 1
        # the pipeline on a day: each account's newest record on or before it
        for when, now in ((as_of, True), (prev_end, False)):
            newest = {}
            for d in sorted(dev, key=lambda d: d["recorded_on"]):
                if d["recorded_on"] <= when:
                    newest[d["customer_id"]] = d
            for d in newest.values():
                if d.get("stage") in PROBABILITY and d.get("result") not in ("成功", "失败"):
                    amount = float(d.get("expected_amount") or 0)
                    if now:
                        pipe_now += amount
                        weighted_now += amount * PROBABILITY[d["stage"]]
                        out.pipeline_value[d["stage"]] = out.pipeline_value.get(d["stage"], 0.0) + amount
                        out.weighted[d["stage"]] = out.weighted.get(d["stage"], 0.0) + amount * PROBABILITY[d["stage"]]
                    else:
                        pipe_before += amount
    out.per_rep = {rep: dict(r) for rep, r in rep_rows.items()}
    visits = sum(r["visits"] for r in rep_rows.values())
    decided = len(won_now) + lost_now
    out.headline = {
        "accounts": sum(r["accounts"] for r in rep_rows.values()),
        "visits": visits,
        "visits_before": sum(r["visits_before"] for r in rep_rows.values()),
        "in_person_share": round(sum(r["in_person"] for r in rep_rows.values()) / visits, 4) if visits else None,
        "won": len(won_now), "won_amount": round(sum(a or 0 for _, a in won_now), 2),
        "won_before": len(won_before), "won_amount_before": round(sum(a or 0 for a in won_before), 2),
        "win_rate": round(len(won_now) / decided, 4) if decided else None,
        "pipeline": round(pipe_now, 2), "pipeline_before": round(pipe_before, 2), "forecast": round(weighted_now, 2),
        "overdue": sum(r["overdue"] for r in rep_rows.values()),
    }
    return out


def cycle_days(rows: list[dict[str, Any]], cid: str, won_on: date) -> int:
    first = min(d["recorded_on"] for d in rows if d.get("customer_id") == cid and isinstance(d.get("recorded_on"), date))
    return (won_on - first).days


__all__ = ["Expected", "cycle_days", "expected", "median", "month_end"]
