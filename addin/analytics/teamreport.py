"""The manager's report (SPEC §9), computed with pandas over what the store hands it: the accounts, development
records and contacts of the current snapshots (they grow with accounts), and the visits and findings already
aggregated where they are (they grow with visits). Pure: frames in, frames out; no store, no file.

Definitions a manager may ask about (also in docs/REPORT.md):
- an account counts for its 负责销售 (of its first row in 客户), else for its workbook's rep; a visit or a
  finding counts for its account's rep, else (an account not in 客户) for its workbook's rep;
- nothing dated after the as-of day (the earlier of today and the period's last day) is counted;
- a period still running is compared with the same number of days at the start of the period before it;
- an account's deal position on a day is its newest 开发记录 on or before that day: it is in the pipeline
  when that record's stage is a working one (确定对象 … 促成成交) and its result is not 成功 or 失败, worth its
  预计金额 (weighted by the stage's 阶段概率);
- a won (lost) deal is an account whose 开发记录 says 成功 (失败) in the period, counted once (its newest such
  record), worth that record's 成交金额."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from addin.core.grading import INSUFFICIENT, NOT_GRADED
from addin.core.period import Period
from addin.core.rules.care import GRACE_DAYS
from addin.core.schema import CHOICES, STAGE
from addin.core.settings import Settings

METHODS = tuple(v.zh for v in CHOICES["method"].values)
IN_PERSON = METHODS[0]
GRADES = ("A", "B", "C", "D", INSUFFICIENT, NOT_GRADED)
STAGES = tuple(v.zh for v in STAGE.values)
WORKING = STAGES[:5]  # 确定对象 … 促成成交: the stages a deal is worked through
WON_STAGE, ENDED_STAGE = STAGES[5], STAGES[6]
TIERS = tuple(v.zh for v in CHOICES["tier"].values)
ISSUE_TYPES = tuple(v.zh for v in CHOICES["issue_type"].values)
NO_STAGE = "未填"
CARE_DAYS = 30
CLOSE_DAYS = 90  # expected closes listed this far ahead
TREND_MONTHS = 12
LIST_LIMIT = 50  # rows per rep in the overdue list (the count column has them all)


@dataclass
class Windows:
    """The days a report counts: the period up to the as-of day, and the same span of the period before."""

    period: Period
    today: date
    start: date = field(init=False)
    end: date = field(init=False)  # the as-of day
    before_start: date = field(init=False)
    before_end: date = field(init=False)
    partial: bool = field(init=False)

    def __post_init__(self) -> None:
        self.start, self.end = self.period.start, min(self.today, self.period.end)
        before = self.period.before()
        self.before_start = before.start
        self.partial = self.end < self.period.end
        self.before_end = min(before.end, before.start + (self.end - self.start)) if self.partial else before.end


@dataclass
class TeamData:
    """What the report reads (built by the store adapter). Visit frames are already aggregated per rep."""

    books: pd.DataFrame  # snapshot_id, workbook (shown), rep, row_count, errors, warnings, newest_entry
    accounts: pd.DataFrame  # ACCOUNT_COLUMNS: one row per account of each current snapshot
    development: pd.DataFrame  # snapshot_id, customer_id, recorded_on, stage, expected_amount, ...
    contacts: pd.DataFrame  # snapshot_id, customer_id, name, role, birthday, calendar
    visit_windows: pd.DataFrame  # rep, grade, window (now/before), method, visits, opened, on_time, late,
    #                              pending, unreviewed, sat_sum, sat_n
    monthly: pd.DataFrame  # rep, month (YYYY-MM), visits
    weekly: pd.DataFrame  # rep, week_start, visits
    overdue: pd.DataFrame  # rep, snapshot_id, customer_id, visit_date, follow_up_due, issues_found, next_steps
    rep_totals: pd.DataFrame  # rep, visits (every visit row), overdue (follow-ups overdue on the as-of day)
    last_contact: pd.DataFrame  # snapshot_id, customer_id, last_visit
    issues: pd.DataFrame  # rep, snapshot_id, customer_id, visit_date, issue_type, issues_found, handed_to,
    #                       resolution, customer_informed
    satisfaction: pd.DataFrame  # snapshot_id, customer_id, visit_date, satisfaction, k (1 = newest)
    greetings: pd.DataFrame  # snapshot_id, customer_id, visit_date, visitee (A/B accounts, around the period)
    finding_counts: pd.DataFrame  # rep, severity, code, n
    team_findings: pd.DataFrame  # workbook, owner, customer_id, code, message, params
    base_accounts: pd.DataFrame  # workbook, customer_id, stage, grade (the snapshot before the period)
    first_snapshot: bool = False  # no workbook has a snapshot from before the period


ACCOUNT_COLUMNS = ["snapshot_id", "customer_id", "customer_name", "rep", "stage", "tier", "industry",
                   "created_on", "grade"]


def account_frame(customers: pd.DataFrame, grades: pd.DataFrame, book_rep: pd.Series) -> pd.DataFrame:
    """One row per account of each snapshot (its first row in 客户): the rep it counts for (负责销售, else the
    workbook's rep), its stage (未填 when blank), its grade (未评级 without an assessment kam could grade)."""
    cust = customers.sort_values(["snapshot_id", "row_number"]).drop_duplicates(["snapshot_id", "customer_id"])
    cust = cust[cust["customer_id"].notna() & (cust["customer_id"] != "")].copy()
    owner = cust["owner"].where(cust["owner"].notna() & (cust["owner"].astype(str).str.strip() != ""))
    cust["rep"] = owner.where(owner.notna(), cust["snapshot_id"].map(book_rep))
    first = grades.sort_values(["snapshot_id", "row_number"]).drop_duplicates(["snapshot_id", "customer_id"])
    out = cust.merge(first[["snapshot_id", "customer_id", "grade"]], on=["snapshot_id", "customer_id"], how="left")
    out["grade"] = out["grade"].fillna(NOT_GRADED).replace("", NOT_GRADED)
    out["stage"] = out["stage"].fillna(NO_STAGE).replace("", NO_STAGE)
    out["created_on"] = pd.to_datetime(out["created_on"], errors="coerce")
    return out[ACCOUNT_COLUMNS].reset_index(drop=True)


@dataclass
class TeamReport:
    """Every section as a frame (column names are keys; adapters label them in the user's language), the
    headline figures, and a note per section that needs one (what a column means, why a table is empty)."""

    period: Period
    today: date
    windows: Windows
    sections: dict[str, pd.DataFrame]
    headline: dict[str, dict[str, Any]]  # metric -> {"now": …, "before": …}
    notes: dict[str, str]  # section key -> i18n key of a sentence shown under it
    reps: list[str]
    workbooks: int = 0
    has_targets: bool = False
    amount_unit: str = "万元"

    @property
    def per_rep(self) -> pd.DataFrame:
        return self.sections["per_rep"]


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Date columns as pandas timestamps (None -> NaT) so they compare and group."""
    frame = frame.copy()
    for c in columns:
        if c in frame.columns:
            frame[c] = pd.to_datetime(frame[c], errors="coerce")
    return frame


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def build_team_report(data: TeamData, period: Period, today: date, reps: list[str] | None = None,
                      settings: Settings | None = None, targets: pd.DataFrame | None = None) -> TeamReport:
    """Every section of SPEC §9's report for `period` as of `today` (only `reps`' rows when given)."""
    settings = settings or Settings()
    w = Windows(period, today)
    d = _Data(data, reps, w)
    notes: dict[str, str] = {}
    won_now, won_before = d.deals("成功", w.start, w.end), d.deals("成功", w.before_start, w.before_end)
    lost_now, lost_before = d.deals("失败", w.start, w.end), d.deals("失败", w.before_start, w.before_end)
    pipe_now = d.pipeline_at(w.end, settings)
    pipe_before = d.pipeline_at(w.before_end, settings)
    per_rep = _per_rep(d, won_now)
    sections: dict[str, pd.DataFrame] = {"per_rep": per_rep, "follow_up": _follow_up(d)}
    sections["methods"] = _methods(d)
    sections["pipeline"] = _pipeline_counts(d)
    sections["pipeline_value"] = _pipeline_value(pipe_now, settings)
    sections["closes"] = _closes(pipe_now, w.end)
    sections["won_lost"] = _won_lost(d, won_now, lost_now, won_before)
    sections["deals"] = _deal_list(d, won_now, lost_now)
    sections["conversion"] = _conversion(d, w.end)
    sections["effort"] = _effort(d)
    if targets is not None:
        sections["targets"] = _targets(d, targets, per_rep, period)
        if not len(sections["targets"]):
            notes["targets"] = "report.note.no_targets"
    sections["service"], sections["lapsed"] = _service(d, settings)
    sections["issues"], sections["complaints"] = _issues(d)
    sections["satisfaction"], sections["satisfaction_drops"] = _satisfaction(d)
    sections["attention"] = _attention(d, today)
    sections["team"] = _team(d)
    sections["changes"] = _changes(d)
    if data.first_snapshot:
        notes["changes"] = "report.note.first_snapshot"
    sections["overdue"] = d.overdue_list()
    sections["stale_a"] = d.stale_a(settings)
    sections["care"] = _care(d, today)
    sections["weekly"] = _weekly(d)
    sections["trend"] = _trend(d, settings)
    notes["follow_up"] = "report.note.per_100"
    notes["pipeline_value"] = "report.note.pipeline_value"  # its deals are not 客户's accounts by stage
    if w.partial:
        notes["per_rep"] = "report.note.partial"
    headline = _headline(d, won_now, won_before, lost_now, lost_before, pipe_now, pipe_before, sections)
    greeted, sections["birthdays"] = _greeted(d)
    headline.update(greeted)
    return TeamReport(period, today, w, sections, headline, notes, list(per_rep["rep"]),
                      workbooks=int(d.books["snapshot_id"].nunique()), has_targets=targets is not None,
                      amount_unit=settings.amount_unit)


class _Data:
    """The team's frames narrowed to `reps`, with dates parsed and each account's rep beside every row."""

    def __init__(self, data: TeamData, reps: list[str] | None, w: Windows) -> None:
        self.w = w
        self.raw = data
        wanted = set(reps) if reps else None

        def mine(frame: pd.DataFrame) -> pd.DataFrame:
            return frame if wanted is None or "rep" not in frame.columns else frame[frame["rep"].isin(wanted)]

        self.books = data.books if wanted is None else data.books[data.books["rep"].isin(wanted)]
        self.accounts = mine(data.accounts)
        key = ["snapshot_id", "customer_id"]
        look = self.accounts[[*key, "rep", "grade", "customer_name", "tier"]]
        self.development = _dates(data.development, "recorded_on", "expected_close").merge(look, on=key)
        self.development = self.development[self.development["recorded_on"].isna()
                                            | (self.development["recorded_on"] <= _ts(w.end))]
        # in record order once: each deal position below is then the last row per account, with no sort
        self.development = self.development.sort_values(["recorded_on", "row_number"], kind="stable")
        self.contacts = data.contacts.merge(look, on=key)
        self.visit_windows = mine(data.visit_windows)
        self.monthly, self.weekly = mine(data.monthly), mine(data.weekly)
        self.overdue, self.rep_totals = mine(data.overdue), mine(data.rep_totals)
        self.issues = _dates(mine(data.issues), "visit_date", "customer_informed")
        self.finding_counts = mine(data.finding_counts)
        self.last_contact = _dates(data.last_contact, "last_visit").merge(look, on=key)
        self.satisfaction = _dates(data.satisfaction, "visit_date").merge(look, on=key)
        self.greetings = _dates(data.greetings, "visit_date").merge(look, on=key)
        self.team_findings = data.team_findings
        if wanted is not None and len(self.team_findings):
            self.team_findings = self.team_findings[self.team_findings["owner"].isin(wanted)]
        self.base_accounts = data.base_accounts
        self.wanted = wanted
        reps_seen = set(self.accounts["rep"].dropna()) | set(self.visit_windows["rep"].dropna())
        self.reps = sorted(str(r) for r in reps_seen)

    def window(self, name: str) -> pd.DataFrame:
        return self.visit_windows[self.visit_windows["window"] == name]

    def deals(self, result: str, start: date, end: date) -> pd.DataFrame:
        """Accounts whose 开发记录 says `result` between the days, once each (newest record), with its amount."""
        dev = self.development
        dev = dev[(dev["result"] == result) & (dev["recorded_on"] >= _ts(start)) & (dev["recorded_on"] <= _ts(end))]
        return dev.drop_duplicates(["snapshot_id", "customer_id"], keep="last").reset_index(drop=True)

    def positions_at(self, day: date) -> pd.DataFrame:
        """Each account's newest 开发记录 on or before `day` (its deal position then)."""
        dev = self.development[self.development["recorded_on"] <= _ts(day)]
        return dev.drop_duplicates(["snapshot_id", "customer_id"], keep="last")

    def pipeline_at(self, day: date, settings: Settings) -> pd.DataFrame:
        """The deals being worked on `day`: working stage, no result yet, with 预计金额 and its weighted value."""
        pos = self.positions_at(day).copy()
        pos = pos[pos["stage"].isin(WORKING) & ~pos["result"].isin(["成功", "失败"])]
        pos["amount"] = pd.to_numeric(pos["expected_amount"], errors="coerce").fillna(0.0)
        pos["probability"] = pos["stage"].map(settings.stage_probability)
        pos["weighted"] = pos["amount"] * pos["probability"]
        return pos.reset_index(drop=True)

    def overdue_list(self) -> pd.DataFrame:
        columns = ["rep", "customer_id", "customer_name", "visit_date", "follow_up_due", "days_overdue",
                   "issues_found", "next_steps"]
        if not len(self.overdue):
            return _empty(columns)
        o = _dates(self.overdue, "visit_date", "follow_up_due")
        names = self.raw.accounts.set_index(["snapshot_id", "customer_id"])["customer_name"]
        o["customer_name"] = names.reindex(pd.MultiIndex.from_frame(o[["snapshot_id", "customer_id"]])).to_numpy()
        o["days_overdue"] = (_ts(self.w.end) - o["follow_up_due"]).dt.days
        o = o.sort_values(["days_overdue", "rep", "customer_id"], ascending=[False, True, True])
        return o[columns].reset_index(drop=True)

    def stale_a(self, settings: Settings) -> pd.DataFrame:
        """A accounts not visited in the last a_visit_interval_days (as of the as-of day)."""
        a = self.accounts[self.accounts["grade"] == "A"][["snapshot_id", "customer_id", "customer_name", "rep"]]
        seen = self.last_contact[["snapshot_id", "customer_id", "last_visit"]]
        a = a.merge(seen, on=["snapshot_id", "customer_id"], how="left")
        a["days_since"] = (_ts(self.w.end) - a["last_visit"]).dt.days
        stale = a[a["last_visit"].isna() | (a["days_since"] > settings.a_visit_interval_days)]
        return stale.sort_values(["rep", "customer_id"])[["rep", "customer_id", "customer_name", "last_visit",
                                                           "days_since"]].reset_index(drop=True)


def _by_rep(reps: list[str], series: pd.Series | None = None) -> pd.Series:
    base = pd.Series(0, index=pd.Index(reps, name="rep"))
    return base if series is None else series.reindex(base.index, fill_value=0)


def _per_rep(d: _Data, won: pd.DataFrame) -> pd.DataFrame:
    """A row per rep: accounts by grade (未评级 included, so they add up), visits now and before, the 面访
    share, new accounts, deals won and their amount."""
    reps = d.reps
    grades = pd.crosstab(d.accounts["rep"], d.accounts["grade"]).reindex(index=reps, columns=list(GRADES),
                                                                        fill_value=0)
    out = pd.DataFrame(index=pd.Index(reps, name="rep"))
    out["accounts"] = grades.sum(axis=1)
    out = out.join(grades)
    now, before = d.window("now"), d.window("before")
    out["visits"] = _by_rep(reps, now.groupby("rep")["visits"].sum())
    out["visits_before"] = _by_rep(reps, before.groupby("rep")["visits"].sum())
    in_person = _by_rep(reps, now[now["method"] == IN_PERSON].groupby("rep")["visits"].sum())
    out["in_person_share"] = (in_person / out["visits"].where(out["visits"] > 0)).round(4)  # no visit: no share
    created = d.accounts[(d.accounts["created_on"] >= _ts(d.w.start)) & (d.accounts["created_on"] <= _ts(d.w.end))]
    out["new_accounts"] = _by_rep(reps, created.groupby("rep").size())
    out["won"] = _by_rep(reps, won.groupby("rep").size())
    amounts = pd.to_numeric(won["won_amount"], errors="coerce")
    out["won_amount"] = _by_rep(reps, amounts.groupby(won["rep"]).sum()).astype(float).round(2)
    return out.reset_index()


def _follow_up(d: _Data) -> pd.DataFrame:
    """A row per rep: follow-ups set in the period (done on time, late, not yet due), all overdue ones, stale A
    accounts, callbacks missed, visits awaiting the manager's review, and data quality per 100 rows."""
    reps = d.reps
    now = d.window("now").groupby("rep")[["opened", "on_time", "late", "pending", "unreviewed"]].sum()
    out = pd.DataFrame(index=pd.Index(reps, name="rep"))
    for c in ("opened", "on_time", "late", "pending"):
        out[c] = _by_rep(reps, now.get(c))
    # the rest of the period's follow-ups: due before the as-of day and not done by it, so the four add up
    out["opened_overdue"] = out["opened"] - out["on_time"] - out["late"] - out["pending"]
    out["overdue"] = _by_rep(reps, d.rep_totals.groupby("rep")["overdue"].sum())
    f = d.finding_counts
    out["callbacks_missed"] = _by_rep(reps, f[f["code"] == "callback-missing"].groupby("rep")["n"].sum())
    out["awaiting_review"] = _by_rep(reps, now.get("unreviewed"))
    # the rows findings are counted over: the rep's accounts and all their visit rows
    rows = _by_rep(reps, d.accounts.groupby("rep").size()) + _by_rep(reps, d.rep_totals.groupby("rep")["visits"].sum())
    out["rows_checked"] = rows  # shown beside the rates, so a reader can check them
    for severity, column in (("error", "errors_per_100"), ("warning", "warnings_per_100")):
        n = _by_rep(reps, f[f["severity"] == severity].groupby("rep")["n"].sum())
        out[column] = (n * 100 / rows.where(rows > 0)).fillna(0.0).round(1)
    return out.reset_index()


def _methods(d: _Data) -> pd.DataFrame:
    """Visits in the period per rep and method."""
    now = d.window("now")
    table = pd.crosstab(now["rep"], now["method"], values=now["visits"], aggfunc="sum").reindex(
        index=d.reps, columns=list(METHODS), fill_value=0).fillna(0).astype(int)
    table.index.name, table.columns.name = "rep", None
    table["total"] = table.sum(axis=1)
    return table.reset_index()


def _pipeline_counts(d: _Data) -> pd.DataFrame:
    """Accounts by 开发阶段 (of 客户) x grade."""
    order = [*STAGES, NO_STAGE]
    table = pd.crosstab(d.accounts["stage"], d.accounts["grade"]).reindex(index=order, columns=list(GRADES),
                                                                         fill_value=0)
    table.index.name, table.columns.name = "stage", None
    table["total"] = table.sum(axis=1)
    return table.reset_index()


def _pipeline_value(pipe: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Σ 预计金额 of the deals being worked, by stage x grade, with the stage's 阶段概率 and the weighted value."""
    table = pd.crosstab(pipe["stage"], pipe["grade"], values=pipe["amount"], aggfunc="sum").reindex(
        index=list(WORKING), columns=list(GRADES)).fillna(0.0) if len(pipe) else pd.DataFrame(
        0.0, index=list(WORKING), columns=list(GRADES))
    table.index.name, table.columns.name = "stage", None
    table["deals"] = pipe.groupby("stage").size().reindex(table.index, fill_value=0).astype(int)
    table["total"] = table[list(GRADES)].sum(axis=1)
    table["probability"] = [settings.stage_probability(s) for s in table.index]
    table["weighted"] = pipe.groupby("stage")["weighted"].sum().reindex(table.index, fill_value=0.0)
    return table.round(2).reset_index()


def _closes(pipe: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Deals being worked whose 预计签约日 falls in the next 90 days, by month."""
    columns = ["month", "deals", "amount", "weighted"]
    end = _ts(as_of + timedelta(days=CLOSE_DAYS))
    soon = pipe[(pipe["expected_close"] > _ts(as_of)) & (pipe["expected_close"] <= end)] if len(pipe) else pipe
    if not len(soon):
        return _empty(columns)
    month = soon["expected_close"].dt.strftime("%Y-%m")
    out = soon.groupby(month).agg(deals=("customer_id", "size"), amount=("amount", "sum"),
                                  weighted=("weighted", "sum")).round(2)
    out.index.name = "month"
    return out.reset_index()


def _won_lost(d: _Data, won: pd.DataFrame, lost: pd.DataFrame, won_before: pd.DataFrame) -> pd.DataFrame:
    """A row per rep: deals won (count, Σ, average), lost, the win rate, the median cycle, last period's Σ."""
    reps = d.reps
    amounts = pd.to_numeric(won["won_amount"], errors="coerce")
    out = pd.DataFrame(index=pd.Index(reps, name="rep"))
    out["won"] = _by_rep(reps, won.groupby("rep").size())
    out["won_amount"] = _by_rep(reps, amounts.groupby(won["rep"]).sum()).astype(float).round(2)
    counted = amounts.notna().groupby(won["rep"]).sum()
    out["average"] = (out["won_amount"] / _by_rep(reps, counted).where(lambda s: s > 0)).round(2)
    out["lost"] = _by_rep(reps, lost.groupby("rep").size())
    decided = out["won"] + out["lost"]
    out["win_rate"] = (out["won"] / decided.where(decided > 0)).round(4)
    cycles = _cycles(d, won)
    out["median_cycle_days"] = cycles.groupby(won["rep"]).median().reindex(out.index) if len(won) else None
    before = pd.to_numeric(won_before["won_amount"], errors="coerce")
    out["won_amount_before"] = _by_rep(reps, before.groupby(won_before["rep"]).sum()).astype(float).round(2)
    return out.reset_index()


def _cycles(d: _Data, won: pd.DataFrame) -> pd.Series:
    """Days from each won account's first 开发记录 to its 成功 record."""
    if not len(won):
        return pd.Series(dtype=float)
    first = d.development.groupby(["snapshot_id", "customer_id"])["recorded_on"].min()
    began = first.reindex(pd.MultiIndex.from_frame(won[["snapshot_id", "customer_id"]])).to_numpy()
    return pd.Series((won["recorded_on"].to_numpy() - began), index=won.index).dt.days.astype(float)


def _deal_list(d: _Data, won: pd.DataFrame, lost: pd.DataFrame) -> pd.DataFrame:
    columns = ["recorded_on", "rep", "customer_id", "customer_name", "result", "won_amount", "reason_summary"]
    both = pd.concat([won, lost]) if len(won) or len(lost) else _empty(columns)
    if not len(both):
        return _empty(columns)
    both["won_amount"] = pd.to_numeric(both["won_amount"], errors="coerce")
    return both.sort_values(["recorded_on", "rep", "customer_id"])[columns].reset_index(drop=True)


def _conversion(d: _Data, as_of: date) -> pd.DataFrame:
    """For each working stage over the trailing 12 months (from the 开发记录 stage history): the accounts that
    entered it, how many reached a later stage, the rate, and the median days before they moved on."""
    order = {s: i for i, s in enumerate(STAGES[:6])}  # 已终止 leaves a stage but reaches none
    dev = d.development[d.development["stage"].isin(STAGES) & d.development["recorded_on"].notna()].sort_values(
        ["snapshot_id", "customer_id", "recorded_on", "row_number"])
    since = _ts(as_of - timedelta(days=365))
    entered: dict[str, int] = dict.fromkeys(WORKING, 0)
    moved: dict[str, int] = dict.fromkeys(WORKING, 0)
    days: dict[str, list[int]] = {s: [] for s in WORKING}

    def account(steps: list[tuple[str, pd.Timestamp]]) -> None:
        for i, (stage, when) in enumerate(steps):
            if stage not in entered or when < since or any(s == stage for s, _ in steps[:i]):
                continue
            entered[stage] += 1
            later = steps[i + 1:]
            if any(order.get(s, -1) > order[stage] for s, _ in later):
                moved[stage] += 1
            if later:
                days[stage].append(int((later[0][1] - when).days))

    key: tuple[Any, Any] | None = None
    steps: list[tuple[str, pd.Timestamp]] = []
    # plain tuples in account order (a groupby over 100,000 accounts costs seconds per section)
    for sid, cid, stage, when in zip(dev["snapshot_id"], dev["customer_id"], dev["stage"], dev["recorded_on"],
                                     strict=True):
        if (sid, cid) != key:
            account(steps)
            key, steps = (sid, cid), []
        if not steps or steps[-1][0] != stage:
            steps.append((stage, when))
    account(steps)
    out = pd.DataFrame({"stage": list(WORKING), "entered": [entered[s] for s in WORKING],
                        "reached_next": [moved[s] for s in WORKING]})
    out["rate"] = (out["reached_next"] / out["entered"].where(out["entered"] > 0)).round(4)
    out["median_days"] = [float(pd.Series(days[s]).median()) if days[s] else None for s in WORKING]
    return out


def _effort(d: _Data) -> pd.DataFrame:
    """Each rep's share of visits and of 面访 by grade in the period; flagged when D gets more than A."""
    now = d.window("now")
    reps = pd.Index(d.reps, name="rep")
    by_grade = now.pivot_table(index="rep", columns="grade", values="visits", aggfunc="sum").reindex(
        index=reps, columns=list(GRADES)).fillna(0)
    face = now[now["method"] == IN_PERSON].pivot_table(index="rep", columns="grade", values="visits",
                                                        aggfunc="sum").reindex(index=reps,
                                                                               columns=list(GRADES)).fillna(0)
    total, face_total = by_grade.sum(axis=1), face.sum(axis=1)
    out = pd.DataFrame(index=reps)
    out["visits"] = total.astype(int)
    for g in ("A", "B", "C", "D"):
        out[f"share_{g}"] = (by_grade[g] / total.where(total > 0)).round(4)
    for g in ("A", "D"):
        out[f"in_person_{g}"] = (face[g] / face_total.where(face_total > 0)).round(4)
    out["flag"] = ((total > 0) & (out["share_D"].fillna(0) > out["share_A"].fillna(0))).map({True: "D>A", False: ""})
    out = out.astype(object).where(out.notna(), None)
    return out.reset_index()


def _targets(d: _Data, targets: pd.DataFrame, per_rep: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Targets vs actual for each rep with a target row for exactly this period."""
    columns = ["rep", "visits_target", "visits", "in_person_target", "in_person", "new_accounts_target",
               "new_accounts", "won_amount_target", "won_amount"]
    mine = targets[targets["period"] == period.label]
    if d.wanted is not None:
        mine = mine[mine["owner"].isin(d.wanted)]
    if not len(mine):
        return _empty(columns)
    per_rep = per_rep.set_index("rep")
    now = d.window("now")
    in_person = now[now["method"] == IN_PERSON].groupby("rep")["visits"].sum()
    rows = []
    for t in mine.itertuples(index=False):
        rep = t.owner
        have = rep in per_rep.index
        rows.append({"rep": rep, "visits_target": t.visits, "visits": int(per_rep.at[rep, "visits"]) if have else 0,
                     "in_person_target": t.in_person_visits, "in_person": int(in_person.get(rep, 0)),
                     "new_accounts_target": t.new_accounts,
                     "new_accounts": int(per_rep.at[rep, "new_accounts"]) if have else 0,
                     "won_amount_target": t.won_amount,
                     "won_amount": float(per_rep.at[rep, "won_amount"]) if have else 0.0})
    return pd.DataFrame(rows, columns=columns).sort_values("rep").reset_index(drop=True)


def _service(d: _Data, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Won accounts (开发阶段 已成交) by 客户层级, and those whose last contact is older than the tier's
    service interval (as of the as-of day)."""
    won = d.accounts[d.accounts["stage"] == WON_STAGE].merge(
        d.last_contact[["snapshot_id", "customer_id", "last_visit"]], on=["snapshot_id", "customer_id"], how="left")
    won["tier"] = won["tier"].fillna("").replace("", "紧密型")
    won["interval"] = won["tier"].map(settings.service_interval)
    won["days_since"] = (_ts(d.w.end) - won["last_visit"]).dt.days
    won["lapsed"] = won["last_visit"].isna() | (won["days_since"] > won["interval"])
    tiers = pd.DataFrame({"tier": list(TIERS)})
    tiers["interval"] = [settings.service_interval(t) for t in TIERS]
    tiers["accounts"] = tiers["tier"].map(won.groupby("tier").size()).fillna(0).astype(int)
    tiers["lapsed"] = tiers["tier"].map(won[won["lapsed"]].groupby("tier").size()).fillna(0).astype(int)
    lapsed = won[won["lapsed"]].sort_values(["rep", "customer_id"])[
        ["rep", "customer_id", "customer_name", "tier", "last_visit", "days_since", "interval"]]
    return tiers, lapsed.reset_index(drop=True)


def _issues(d: _Data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Issues raised in the period by 问题类别: opened, resolved (处理结果 written), customer informed, the
    median days from the visit to 告知客户日期; and the 投诉 of the period listed."""
    iss = d.issues
    now = iss[(iss["visit_date"] >= _ts(d.w.start)) & (iss["visit_date"] <= _ts(d.w.end))].copy()
    now["resolved"] = now["resolution"].notna() & (now["resolution"].astype(str).str.strip() != "")
    now["informed"] = now["customer_informed"].notna() & (now["customer_informed"] <= _ts(d.w.end))
    now["days"] = (now["customer_informed"] - now["visit_date"]).dt.days.where(now["informed"])
    table = pd.DataFrame({"issue_type": list(ISSUE_TYPES)})
    group = now.groupby("issue_type")
    table["raised"] = table["issue_type"].map(group.size()).fillna(0).astype(int)
    table["resolved"] = table["issue_type"].map(group["resolved"].sum()).fillna(0).astype(int)
    table["informed"] = table["issue_type"].map(group["informed"].sum()).fillna(0).astype(int)
    table["days_to_inform"] = table["issue_type"].map(group["days"].median())
    names = d.accounts.set_index(["snapshot_id", "customer_id"])["customer_name"]
    complaints = now[now["issue_type"] == "投诉"].copy()
    complaints["customer_name"] = names.reindex(
        pd.MultiIndex.from_frame(complaints[["snapshot_id", "customer_id"]])).to_numpy() if len(complaints) else []
    complaints = complaints.sort_values(["visit_date", "rep"])[
        ["visit_date", "rep", "customer_id", "customer_name", "issues_found", "handed_to", "resolution",
         "customer_informed"]]
    return table, complaints.reset_index(drop=True)


def _satisfaction(d: _Data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Average 满意度 per rep in the period (and the period before), and the accounts whose newest answer is
    lower than the one before it."""
    reps = d.reps
    out = pd.DataFrame(index=pd.Index(reps, name="rep"))
    for window, column in (("now", "satisfaction_avg"), ("before", "satisfaction_avg_before")):
        v = d.window(window).groupby("rep")[["sat_sum", "sat_n"]].sum()
        out[column] = (v["sat_sum"] / v["sat_n"].where(v["sat_n"] > 0)).reindex(out.index).round(2)
        if window == "now":
            out["answers"] = _by_rep(reps, v["sat_n"])
    s = d.satisfaction
    newest = s[s["k"] == 1].set_index(["snapshot_id", "customer_id"])
    prior = s[s["k"] == 2].set_index(["snapshot_id", "customer_id"])["satisfaction"]
    newest = newest.join(prior.rename("satisfaction_before"), how="inner")
    drops = newest[newest["satisfaction"] < newest["satisfaction_before"]].reset_index()
    drops = drops.sort_values(["rep", "customer_id"])[["rep", "customer_id", "customer_name", "visit_date",
                                                       "satisfaction_before", "satisfaction"]]
    return out.reset_index(), drops.reset_index(drop=True)


def _columns(frame: pd.DataFrame, *names: str) -> Iterator[tuple[Any, ...]]:
    """The rows of some columns as plain tuples: itertuples boxes every cell of an extension array one by one,
    which costs seconds over 300,000 contacts."""
    return zip(*(frame[n].tolist() for n in names), strict=True)


def _next_birthdays(people: pd.DataFrame, start: date) -> list[date | None]:
    """Each contact's first birthday on or after `start` (None when 生日 is empty, unreadable or impossible),
    worked out by the birthday list's own rules once per distinct (生日, 历法): a team repeats them."""
    from addin.core.birthdays import upcoming
    from addin.core.lunar import BirthDate, parse_birthday

    keys = list(_columns(people, "birthday", "calendar"))
    distinct = list(dict.fromkeys(keys))
    entries = []
    for i, (birthday, calendar) in enumerate(distinct):
        born = parse_birthday(birthday) if isinstance(birthday, str) and birthday else None
        if isinstance(born, BirthDate):
            entries.append((str(i), "", "", None, born, calendar))
    found = {distinct[int(b.customer_id)]: b.next_date for b in upcoming(entries, start, 800)}
    return [found.get(k) for k in keys]


def _greeted(d: _Data) -> tuple[dict[str, dict[str, Any]], pd.DataFrame]:
    """A/B contacts whose birthday fell in the period up to the as-of day, and how many a visit named within
    GRACE_DAYS of it (as the birthday-missed rule counts a greeting): the headline's two figures, and the
    list they count, so a manager sees who was not greeted."""
    from addin.core.parse import person_key, split_people

    people = d.contacts[d.contacts["grade"].isin(["A", "B"])]
    met: dict[tuple[Any, Any, str], list[date]] = {}
    for sid, cid, visitee, when in _columns(d.greetings, "snapshot_id", "customer_id", "visitee", "visit_date"):
        if isinstance(visitee, str) and not pd.isna(when):
            for name in split_people(visitee):  # the rule's own reading of 被访人 ("王伟/赵新" is two people)
                met.setdefault((sid, cid, person_key(name)), []).append(when.date())
    rows = []
    days = _next_birthdays(people, d.w.start)
    for (sid, cid, cname, name, rep), day in zip(
            _columns(people, "snapshot_id", "customer_id", "customer_name", "name", "rep"), days, strict=True):
        if day is None or not d.w.start <= day <= d.w.end:
            continue
        seen = met.get((sid, cid, person_key(name)), [])
        rows.append({"date": day, "rep": rep, "customer_id": cid, "customer_name": cname, "contact": name,
                     "greeted": any(abs((when - day).days) <= GRACE_DAYS for when in seen)})
    columns = ["date", "rep", "customer_id", "customer_name", "contact", "greeted"]
    frame = pd.DataFrame(rows, columns=columns).sort_values(["date", "rep", "customer_id"]).reset_index(
        drop=True) if rows else _empty(columns)
    due, greeted = len(rows), sum(r["greeted"] for r in rows)
    return ({"birthdays_due": {"now": due, "before": None}, "birthdays_greeted": {"now": greeted, "before": None}},
            frame)


def _attention(d: _Data, today: date) -> pd.DataFrame:
    """A line per workbook: its rep, newest entry, rows, errors, warnings, and whether it went stale."""
    from addin.core.team import STALE_WORKBOOK_DAYS

    b = _dates(d.books, "newest_entry")
    b["days_since"] = (_ts(today) - b["newest_entry"]).dt.days
    b["stale"] = b["newest_entry"].isna() | (b["days_since"] > STALE_WORKBOOK_DAYS)
    return b.sort_values(["stale", "days_since"], ascending=[False, False])[
        ["workbook", "rep", "newest_entry", "days_since", "row_count", "errors", "warnings", "stale"]
    ].reset_index(drop=True)


def _team(d: _Data) -> pd.DataFrame:
    """The team findings, each 撞单 once (naming both reps and both IDs), then visits by two reps and stale
    workbooks."""
    columns = ["code", "customer_id", "reps", "workbook", "detail"]
    f = d.team_findings
    if not len(f):
        return _empty(columns)
    rows, seen = [], set()
    for x in f.itertuples(index=False):
        p = x.params or {}
        if x.code == "account-claimed-twice":
            pair = frozenset({(x.workbook_name, x.customer_id), (p.get("other_workbook"), str(p.get("other_id")))})
            if pair in seen:
                continue
            seen.add(pair)
            rows.append({"code": x.code, "customer_id": _both(x.customer_id, p.get("other_id")),
                         "reps": f"{p.get('owner')}、{p.get('other_owner')}",
                         "workbook": _both(x.workbook, p.get("other_workbook")), "detail": p.get("name")})
        elif x.code == "team-visit-overlap":  # the earlier visit first, in every column alike
            rows.append({"code": x.code, "customer_id": _both(p.get("other_id") or x.customer_id, x.customer_id),
                         "reps": f"{p.get('other_visitor')}、{p.get('visitor')}",
                         "workbook": _both(p.get("other_workbook"), x.workbook),
                         "detail": f"{p.get('other_date')}、{p.get('visit')}"})
        else:
            rows.append({"code": x.code, "customer_id": "", "reps": p.get("rep", ""), "workbook": x.workbook,
                         "detail": p.get("newest") or ""})
    order = {"account-claimed-twice": 0, "team-visit-overlap": 1, "stale-workbook": 2}
    return pd.DataFrame(rows, columns=columns).sort_values("code", key=lambda s: s.map(order), kind="stable") \
        .reset_index(drop=True)


def _both(first: Any, second: Any) -> str:
    """Two workbooks' IDs or names of one team finding, said once where they are the same."""
    first, second = str(first or ""), str(second or "")
    return first if first == second or not second else second if not first else f"{first}、{second}"


def _changes(d: _Data) -> pd.DataFrame:
    """Accounts whose 开发阶段 or grade differ from the snapshot their workbook had before the period."""
    columns = ["workbook", "rep", "customer_id", "customer_name", "stage_before", "stage_now", "grade_before",
               "grade_now"]
    base = d.base_accounts
    if not len(base):
        return _empty(columns)
    now = d.accounts.merge(d.books[["snapshot_id", "workbook"]], on="snapshot_id")
    both = now.merge(base, on=["workbook", "customer_id"], suffixes=("_now", "_before"))
    moved = both[(both["stage_now"] != both["stage_before"]) | (both["grade_now"] != both["grade_before"])]
    return moved.sort_values(["rep", "customer_id"])[columns].reset_index(drop=True)


def _care(d: _Data, today: date) -> pd.DataFrame:
    """Birthdays (公历 and 农历) in the next 30 days, and each festival once per rep naming their A/B accounts."""
    from addin.core.agenda import festival_dates

    columns = ["date", "kind", "rep", "customer_id", "customer_name", "contact", "days_until"]
    rows: list[dict[str, Any]] = []
    days = _next_birthdays(d.contacts, today)
    for (cid, cname, name, rep), day in zip(_columns(d.contacts, "customer_id", "customer_name", "name", "rep"),
                                            days, strict=True):
        if day is not None and (day - today).days <= CARE_DAYS:
            rows.append({"date": day, "kind": "birthday", "rep": rep, "customer_id": cid, "customer_name": cname,
                         "contact": name, "days_until": (day - today).days})
    ab = d.accounts[d.accounts["grade"].isin(["A", "B"])]
    for key, when, industry in festival_dates(today, today + timedelta(days=CARE_DAYS)):
        chosen = ab if industry is None else ab[ab["industry"] == industry]
        for rep, mine in chosen.groupby("rep"):
            # one name per ID, in the same order (two accounts of one name are two names, as in 客户)
            name_of = dict(zip(mine["customer_id"].astype(str), mine["customer_name"].astype(str), strict=True))
            ids = list(name_of)
            rows.append({"date": when, "kind": f"festival.{key}", "rep": rep, "customer_id": "、".join(ids),
                         "customer_name": "、".join(name_of[c] for c in ids), "contact": "",
                         "days_until": (when - today).days})
    if not rows:
        return _empty(columns)
    return pd.DataFrame(rows, columns=columns).sort_values(["date", "kind", "rep"]).reset_index(drop=True)


def _weekly(d: _Data) -> pd.DataFrame:
    """Visits per week (Monday first) and rep, at least the 8 weeks up to the as-of day; every rep a column."""
    end = _ts(d.w.end)
    first = min(_ts(d.w.start), end - pd.Timedelta(weeks=8) + pd.Timedelta(days=1))
    first -= pd.Timedelta(days=first.weekday())
    weeks = pd.date_range(first, end, freq="7D")
    v = _dates(d.weekly, "week_start")
    table = pd.crosstab(v["week_start"], v["rep"], values=v["visits"], aggfunc="sum").reindex(
        index=weeks, columns=d.reps).fillna(0).astype(int) if len(v) else pd.DataFrame(
        0, index=weeks, columns=d.reps)
    table.index.name, table.columns.name = "week_start", None
    return table.reset_index()


def months_back(as_of: date, n: int = TREND_MONTHS) -> list[str]:
    """The `n` months up to the as-of day's, oldest first, as YYYY-MM."""
    y, m = as_of.year, as_of.month
    out = []
    for _ in range(n):
        out.append(f"{y}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _trend(d: _Data, settings: Settings) -> pd.DataFrame:
    """The last 12 months: visits, 成交金额 of deals won that month, and the pipeline at each month's end."""
    months = months_back(d.w.end)
    visits = d.monthly.groupby("month")["visits"].sum()
    rows = []
    for m in months:
        y, mo = int(m[:4]), int(m[5:])
        first = date(y, mo, 1)
        last = min(d.w.end, (date(y + mo // 12, mo % 12 + 1, 1) - timedelta(days=1)))
        won = d.deals("成功", first, last)
        rows.append({"month": m, "visit_count": int(visits.get(m, 0)),
                     "won_amount": round(float(pd.to_numeric(won["won_amount"], errors="coerce").sum()), 2),
                     "pipeline": round(float(d.pipeline_at(last, settings)["amount"].sum()), 2)})
    return pd.DataFrame(rows, columns=["month", "visit_count", "won_amount", "pipeline"])


def _headline(d: _Data, won: pd.DataFrame, won_before: pd.DataFrame, lost: pd.DataFrame,
              lost_before: pd.DataFrame, pipe: pd.DataFrame, pipe_before: pd.DataFrame,
              sections: dict[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """The figures a manager reads first, each with the period before beside it."""
    def visits(window: str, method: str | None = None) -> int:
        v = d.window(window)
        return int((v if method is None else v[v["method"] == method])["visits"].sum())

    def share(window: str) -> float | None:
        n = visits(window)
        return round(visits(window, IN_PERSON) / n, 4) if n else None

    def amount(frame: pd.DataFrame) -> float:
        return round(float(pd.to_numeric(frame["won_amount"], errors="coerce").sum()), 2)

    def rate(w: pd.DataFrame, lo: pd.DataFrame) -> float | None:
        return round(len(w) / (len(w) + len(lo)), 4) if len(w) + len(lo) else None

    created = d.accounts["created_on"]

    def new(start: date, end: date) -> int:
        return int(((created >= _ts(start)) & (created <= _ts(end))).sum())

    w = d.w
    per_rep = sections["per_rep"]
    return {
        "accounts": {"now": int(per_rep["accounts"].sum()), "before": None},
        "visits": {"now": visits("now"), "before": visits("before")},
        "in_person_share": {"now": share("now"), "before": share("before")},
        "new_accounts": {"now": new(w.start, w.end), "before": new(w.before_start, w.before_end)},
        "won": {"now": len(won), "before": len(won_before)},
        "won_amount": {"now": amount(won), "before": amount(won_before)},
        "win_rate": {"now": rate(won, lost), "before": rate(won_before, lost_before)},
        "pipeline": {"now": round(float(pipe["amount"].sum()), 2),
                     "before": round(float(pipe_before["amount"].sum()), 2)},
        "forecast": {"now": round(float(pipe["weighted"].sum()), 2),
                     "before": round(float(pipe_before["weighted"].sum()), 2)},
        "overdue": {"now": int(sections["follow_up"]["overdue"].sum()), "before": None},
        "stale_a": {"now": len(sections["stale_a"]), "before": None},
    }
