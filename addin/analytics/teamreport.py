"""The manager's report (SPEC §9), computed with pandas over frames of the current snapshots and the history:
per rep, the pipeline, and the lists a manager acts on. Pure: frames in, frames out; no store, no file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from addin.core.grading import INSUFFICIENT, NOT_GRADED
from addin.core.period import Period
from addin.core.schema import CHOICES, STAGE
from addin.core.settings import Settings

METHODS = tuple(v.zh for v in CHOICES["method"].values)
GRADES = ("A", "B", "C", "D", INSUFFICIENT)
NO_STAGE = "未填"
CARE_DAYS = 30


@dataclass
class TeamFrames:
    """What the report reads: the current snapshot of each workbook, and the baseline (the snapshot each
    workbook had before the period began) for the changes."""

    books: pd.DataFrame  # workbook, snapshot_id, rep, row_count, errors, warnings
    customers: pd.DataFrame  # snapshot_id, workbook, customer_id, customer_name, owner, stage, industry
    grades: pd.DataFrame  # snapshot_id, customer_id, grade
    visits: pd.DataFrame  # snapshot_id, customer_id, visit_date, visitor, method, follow_up_due, ...
    development: pd.DataFrame  # snapshot_id, customer_id, recorded_on, result, reason_summary
    contacts: pd.DataFrame  # snapshot_id, customer_id, name, role, birthday, calendar
    findings: pd.DataFrame  # snapshot_id, customer_id, code, severity
    team_findings: pd.DataFrame  # workbook, owner, customer_id, code, message (computed as of the report's day)
    base_customers: pd.DataFrame  # workbook, customer_id, stage
    base_grades: pd.DataFrame  # workbook, customer_id, grade


@dataclass
class TeamReport:
    """Every section as a frame (column names are keys; adapters label them in the user's language)."""

    period: Period
    today: date
    per_rep: pd.DataFrame
    pipeline: pd.DataFrame  # stage x grade counts
    changes: pd.DataFrame
    deals: pd.DataFrame
    overdue: pd.DataFrame
    claimed: pd.DataFrame
    stale_a: pd.DataFrame
    care: pd.DataFrame
    weekly: pd.DataFrame  # week_start x rep visit counts
    workbooks: int = 0
    notes: list[str] = field(default_factory=list)

    def sections(self) -> dict[str, pd.DataFrame]:
        return {"per_rep": self.per_rep, "pipeline": self.pipeline, "changes": self.changes, "deals": self.deals,
                "overdue": self.overdue, "claimed": self.claimed, "stale_a": self.stale_a, "care": self.care,
                "weekly": self.weekly}


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Date columns as pandas timestamps (None -> NaT) so they compare and group."""
    for c in columns:
        if c in frame.columns:
            frame[c] = pd.to_datetime(frame[c], errors="coerce")
    return frame


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _accounts(frames: TeamFrames, book_rep: pd.Series) -> pd.DataFrame:
    """One row per (snapshot, customer): owner (the 负责销售, else the workbook's rep), name, stage, grade."""
    cust = frames.customers.drop_duplicates(["snapshot_id", "customer_id"]).copy()
    cust["rep"] = cust["owner"].where(cust["owner"].notna() & (cust["owner"] != ""),
                                      cust["snapshot_id"].map(book_rep))
    grades = frames.grades.drop_duplicates(["snapshot_id", "customer_id"])[["snapshot_id", "customer_id", "grade"]]
    out = cust.merge(grades, on=["snapshot_id", "customer_id"], how="left")
    out["grade"] = out["grade"].fillna(NOT_GRADED).replace("", NOT_GRADED)
    out["stage"] = out["stage"].fillna(NO_STAGE).replace("", NO_STAGE)
    return out


def build_team_report(frames: TeamFrames, period: Period, today: date, reps: list[str] | None = None,
                      settings: Settings | None = None) -> TeamReport:
    """Every section of SPEC §9's report for `period`, as of `today` (overdue and stale counted as of the
    earlier of today and the period's end)."""
    settings = settings or Settings()
    as_of = pd.Timestamp(min(today, period.end))
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    book_rep = frames.books.set_index("snapshot_id")["rep"]
    accounts = _accounts(frames, book_rep)
    owner = accounts.set_index(["snapshot_id", "customer_id"])["rep"]
    visits = _dates(frames.visits.copy(), "visit_date", "follow_up_due", "follow_up_done")
    visits["rep"] = _rep_of(visits, owner, book_rep)
    findings = frames.findings.copy()
    findings["rep"] = _rep_of(findings, owner, book_rep)
    if reps:
        wanted = set(reps)
        accounts = accounts[accounts["rep"].isin(wanted)]
        visits = visits[visits["rep"].isin(wanted)]
        findings = findings[findings["rep"].isin(wanted)]
    names = accounts.set_index(["snapshot_id", "customer_id"])["customer_name"]
    in_period = visits[(visits["visit_date"] >= start) & (visits["visit_date"] <= end)]
    overdue = visits[visits["follow_up_due"].notna() & visits["follow_up_done"].isna()
                     & (visits["follow_up_due"] < as_of)].copy()
    stale = _stale_a(accounts, visits, as_of, settings)

    per_rep = _per_rep(accounts, visits, in_period, overdue, stale, findings)
    stage_order = [*(v.zh for v in STAGE.values), NO_STAGE]
    pipeline = pd.crosstab(accounts["stage"], accounts["grade"]).reindex(
        index=stage_order, columns=[*GRADES, NOT_GRADED], fill_value=0)
    pipeline.index.name, pipeline.columns.name = "stage", None
    changes = _changes(frames, accounts, reps)
    deals = _deals(frames, accounts, names, start, end)
    overdue["customer_name"] = _lookup(names, overdue)
    overdue["days_overdue"] = (as_of - overdue["follow_up_due"]).dt.days
    overdue = overdue.sort_values(["days_overdue", "rep"], ascending=[False, True])[
        ["rep", "customer_id", "customer_name", "visit_date", "follow_up_due", "days_overdue", "issues_found",
         "next_steps"]].reset_index(drop=True)
    claimed = frames.team_findings[frames.team_findings["code"] == "account-claimed-twice"]
    if reps and len(claimed):
        claimed = claimed[claimed["owner"].isin(set(reps))]
    claimed = claimed[["workbook", "owner", "customer_id", "message"]].reset_index(drop=True) if len(claimed) \
        else _empty(["workbook", "owner", "customer_id", "message"])
    care = _care(frames, accounts, today)
    weekly = _weekly(visits, period, min(today, period.end), list(per_rep["rep"]))
    return TeamReport(period, today, per_rep, pipeline, changes, deals, overdue, claimed, stale, care, weekly,
                      workbooks=len(frames.books))


def _lookup(series: pd.Series, frame: pd.DataFrame) -> Any:
    """`series` (indexed by snapshot and customer) looked up for each row of `frame`."""
    if not len(frame):
        return []
    return series.reindex(pd.MultiIndex.from_frame(frame[["snapshot_id", "customer_id"]])).to_numpy()


def _rep_of(frame: pd.DataFrame, owner: pd.Series, book_rep: pd.Series) -> pd.Series:
    """The rep a row counts for: its account's 负责销售, else (an unknown account) its workbook's rep."""
    found = pd.Series(_lookup(owner, frame), index=frame.index, dtype="object")
    return found.where(found.notna(), frame["snapshot_id"].map(book_rep))


def _per_rep(accounts: pd.DataFrame, visits: pd.DataFrame, in_period: pd.DataFrame, overdue: pd.DataFrame,
             stale: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """A row per rep: accounts by grade, visits by method, follow-ups, stale A, callbacks, data quality."""
    grades = pd.crosstab(accounts["rep"], accounts["grade"]).reindex(columns=list(GRADES), fill_value=0)
    out = pd.DataFrame(index=sorted(set(accounts["rep"].dropna()) | set(visits["rep"].dropna())))
    out["accounts"] = accounts.groupby("rep").size()
    out = out.join(grades)
    methods = pd.crosstab(in_period["rep"], in_period["method"]).reindex(columns=list(METHODS), fill_value=0)
    out["visits"] = in_period.groupby("rep").size()
    out = out.join(methods)
    out = out.fillna(0).astype(int)
    out["in_person_share"] = (out["面访"] / out["visits"].where(out["visits"] > 0)).fillna(0.0).round(3)
    opened = in_period[in_period["follow_up_due"].notna()]
    out["follow_ups_opened"] = opened.groupby("rep").size()
    on_time = opened[opened["follow_up_done"].notna() & (opened["follow_up_done"] <= opened["follow_up_due"])]
    out["closed_on_time"] = on_time.groupby("rep").size()
    out["overdue"] = overdue.groupby("rep").size()
    out["stale_a"] = stale.groupby("rep").size()
    out["callbacks_missed"] = found[found["code"] == "callback-missing"].groupby("rep").size()
    rows = visits.groupby("rep").size().add(accounts.groupby("rep").size(), fill_value=0)
    errors = found[found["severity"] == "error"].groupby("rep").size()
    warnings = found[found["severity"] == "warning"].groupby("rep").size()
    out["errors_per_100"] = (errors.reindex(out.index, fill_value=0) * 100 / rows.reindex(out.index)).round(1)
    out["warnings_per_100"] = (warnings.reindex(out.index, fill_value=0) * 100 / rows.reindex(out.index)).round(1)
    review = in_period[in_period["manager_comment"].isna() | (in_period["manager_comment"] == "")]
    out["awaiting_review"] = review.groupby("rep").size()
    counts = [c for c in out.columns if c not in ("in_person_share", "errors_per_100", "warnings_per_100")]
    out[counts] = out[counts].fillna(0).astype(int)
    out[["errors_per_100", "warnings_per_100"]] = out[["errors_per_100", "warnings_per_100"]].fillna(0.0)
    out.index.name = "rep"
    return out.reset_index()


def _stale_a(accounts: pd.DataFrame, visits: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    """A accounts with no visit in the last a_visit_interval_days (as of `as_of`)."""
    a = accounts[accounts["grade"] == "A"][["snapshot_id", "customer_id", "customer_name", "rep"]]
    seen = visits[visits["visit_date"] <= as_of].groupby(["snapshot_id", "customer_id"])["visit_date"].max()
    a = a.merge(seen.rename("last_visit").reset_index(), on=["snapshot_id", "customer_id"], how="left")
    a["days_since"] = (as_of - a["last_visit"]).dt.days
    stale = a[a["last_visit"].isna() | (a["days_since"] > settings.a_visit_interval_days)]
    return stale.sort_values(["rep", "customer_id"])[["rep", "customer_id", "customer_name", "last_visit",
                                                       "days_since"]].reset_index(drop=True)


def _changes(frames: TeamFrames, accounts: pd.DataFrame, reps: list[str] | None) -> pd.DataFrame:
    """Accounts whose 开发阶段 or grade differ from the snapshot their workbook had before the period."""
    columns = ["workbook", "rep", "customer_id", "customer_name", "stage_before", "stage_now", "grade_before",
               "grade_now"]
    if not len(frames.base_customers):
        return _empty(columns)
    now = accounts.merge(frames.books[["snapshot_id", "workbook"]], on="snapshot_id")
    base = frames.base_customers.drop_duplicates(["workbook", "customer_id"]).merge(
        frames.base_grades.drop_duplicates(["workbook", "customer_id"]), on=["workbook", "customer_id"], how="left")
    base["stage"] = base["stage"].fillna(NO_STAGE).replace("", NO_STAGE)
    base["grade"] = base["grade"].fillna(NOT_GRADED).replace("", NOT_GRADED)
    both = now.merge(base[["workbook", "customer_id", "stage", "grade"]], on=["workbook", "customer_id"],
                     suffixes=("_now", "_before"))
    moved = both[(both["stage_now"] != both["stage_before"]) | (both["grade_now"] != both["grade_before"])]
    return moved.sort_values(["rep", "customer_id"])[columns].reset_index(drop=True)


def _deals(frames: TeamFrames, accounts: pd.DataFrame, names: pd.Series, start: pd.Timestamp,
           end: pd.Timestamp) -> pd.DataFrame:
    """Development records saying 成功 or 失败 within the period, with their 原因总结."""
    dev = _dates(frames.development.copy(), "recorded_on")
    dev = dev[dev["result"].isin(["成功", "失败"]) & (dev["recorded_on"] >= start) & (dev["recorded_on"] <= end)]
    dev = dev.merge(accounts[["snapshot_id", "customer_id", "rep", "customer_name"]], on=["snapshot_id", "customer_id"])
    return dev.sort_values(["recorded_on", "rep"])[["recorded_on", "rep", "customer_id", "customer_name", "result",
                                                     "reason_summary"]].reset_index(drop=True)


def _care(frames: TeamFrames, accounts: pd.DataFrame, today: date) -> pd.DataFrame:
    """Birthdays (公历 and 农历) and festivals in the next 30 days, for the reps' accounts."""
    from addin.core.agenda import festival_dates
    from addin.core.birthdays import upcoming
    from addin.core.lunar import BirthDate, parse_birthday

    rows: list[dict[str, Any]] = []
    people = frames.contacts.merge(accounts[["snapshot_id", "customer_id", "customer_name", "rep"]],
                                   on=["snapshot_id", "customer_id"])
    entries = []
    whose: list[tuple[str, str]] = []  # (customer_id, rep) by entry number: upcoming() carries the number
    parsed: dict[str, Any] = {}  # a team's 生日 repeat (and 40,000 contacts are a second's parsing otherwise)
    for p in people.itertuples(index=False):
        if isinstance(p.birthday, str) and p.birthday:
            if p.birthday not in parsed:
                parsed[p.birthday] = parse_birthday(p.birthday)
            born = parsed[p.birthday]
        else:
            born = None
        if isinstance(born, BirthDate):
            entries.append((str(len(whose)), p.customer_name, p.name, p.role, born, p.calendar))
            whose.append((p.customer_id, p.rep))
    for b in upcoming(entries, today, CARE_DAYS):
        cid, rep = whose[int(b.customer_id)]
        rows.append({"date": b.next_date, "kind": "birthday", "rep": rep, "customer_id": cid,
                     "customer_name": b.customer_name, "contact": b.name, "days_until": b.days_until})
    ab = accounts[accounts["grade"].isin(["A", "B"])]
    for key, when, industry in festival_dates(today, today + timedelta(days=CARE_DAYS)):
        chosen = ab if industry is None else ab[ab["industry"] == industry]
        if len(chosen):
            rows.append({"date": when, "kind": f"festival.{key}", "rep": "", "customer_id": "",
                         "customer_name": "、".join(chosen["customer_name"].astype(str).head(8))
                         + ("…" if len(chosen) > 8 else ""), "contact": "", "days_until": (when - today).days})
    if not rows:
        return _empty(["date", "kind", "rep", "customer_id", "customer_name", "contact", "days_until"])
    return pd.DataFrame(rows).sort_values(["date", "kind", "rep"]).reset_index(drop=True)


def _weekly(visits: pd.DataFrame, period: Period, last: date, reps: list[str]) -> pd.DataFrame:
    """Visits per week (weeks starting Monday) and rep over the period up to `last` (no empty future weeks),
    at least the 8 weeks up to it; every rep a column, so one who stopped visiting shows as a flat line."""
    end = pd.Timestamp(last)
    first = min(pd.Timestamp(period.start), end - pd.Timedelta(weeks=8) + pd.Timedelta(days=1))
    first -= pd.Timedelta(days=first.weekday())
    weeks = pd.date_range(first, end, freq="7D")
    v = visits[(visits["visit_date"] >= first) & (visits["visit_date"] <= end)].copy()
    v["week_start"] = v["visit_date"] - pd.to_timedelta(v["visit_date"].dt.day_of_week, unit="D")
    table = pd.crosstab(v["week_start"], v["rep"]).reindex(index=weeks, columns=reps, fill_value=0)
    table.index.name, table.columns.name = "week_start", None
    return table.reset_index()
