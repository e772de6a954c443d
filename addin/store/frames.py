"""Read the team store for the manager's report: the accounts, development records and contacts of every
current snapshot as frames (they grow with accounts), and the visits and findings aggregated in SQL where they
are (they grow with visits: 4,000,000 of them stay in the database; only counts per rep come out).

Each account's rep and grade are decided once, in pandas (analytics.teamreport.account_frame), and handed to
the database as a temporary table the visit queries group by: SQL only counts, it decides nothing."""

from __future__ import annotations

import posixpath
import queue
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from addin.analytics.teamreport import (
    LIST_LIMIT,
    NOT_GRADED,
    TeamData,
    TeamReport,
    Windows,
    account_frame,
    build_team_report,
    months_back,
)
from addin.core.period import Period, parse_period
from addin.core.rules.care import GRACE_DAYS
from addin.core.settings import Settings
from addin.core.team import team_findings
from addin.store import db
from addin.store.load import bulk_insert, placeholders, raw_rows, team_books

_CURRENT = "JOIN workbooks w ON w.current_snapshot_id = d.snapshot_id"


def _sheet(conn: Connection, key: str, columns: list[str]) -> pd.DataFrame:
    """A data table's rows of every current snapshot (with their worksheet row), straight from the driver;
    columns a store made by an older kam lacks come back empty."""
    table = db.data_tables[key]
    present = [c for c in columns if c in table.c]
    sql = f"SELECT d.snapshot_id, d.row_number, {', '.join('d.' + c for c in present)} FROM {table.name} d {_CURRENT}"
    frame = pd.DataFrame(raw_rows(conn, sql), columns=["snapshot_id", "row_number", *present])
    for c in columns:
        if c not in frame.columns:
            frame[c] = None
    return frame


def shown_paths(paths: list[str]) -> dict[str, str]:
    """Each stored workbook path as the manager names it: relative to the folder all of them share (a report
    handed out never carries a server's absolute path)."""
    posix = [p.replace("\\", "/") for p in paths]
    if not posix:
        return {}
    folders = [posixpath.dirname(p) for p in posix]
    try:
        root = posixpath.commonpath(folders) if len(set(folders)) > 1 else folders[0]
    except ValueError:  # different drives
        root = ""
    out = {}
    for original, p in zip(paths, posix, strict=True):
        out[original] = posixpath.relpath(p, root) if root else posixpath.basename(p)
    return out


def _day(conn: Connection, d: date) -> Any:
    """A date as the store compares it (ISO text in SQLite, a date in PostgreSQL)."""
    return d.isoformat() if conn.dialect.name == "sqlite" else d


def _temp_tables(conn: Connection, accounts: pd.DataFrame, books: pd.DataFrame) -> None:
    """kam_accounts (snapshot, customer -> rep, grade) and kam_books (snapshot -> rep), private to this
    connection and gone when it closes (allowed on a read-only SQLite file: the temp schema is apart)."""
    for name in ("kam_accounts", "kam_books"):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE kam_accounts (snapshot_id INTEGER, customer_id TEXT, rep TEXT, "
                         "grade TEXT, PRIMARY KEY (snapshot_id, customer_id))")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE kam_books (snapshot_id INTEGER PRIMARY KEY, rep TEXT)")
    bulk_insert(conn, "kam_accounts", ["snapshot_id", "customer_id", "rep", "grade"],
                [(int(s), str(c), r, g) for s, c, r, g in accounts[["snapshot_id", "customer_id", "rep", "grade"]]
                 .itertuples(index=False, name=None)])
    bulk_insert(conn, "kam_books", ["snapshot_id", "rep"],
                [(int(s), r) for s, r in books[["snapshot_id", "rep"]].itertuples(index=False, name=None)])


#: the current snapshots' visits (a store keeps every earlier snapshot too); the snapshots are looked up in
#: the visits' index rather than joined per visit
_FROM = "FROM visits v WHERE v.snapshot_id IN (SELECT current_snapshot_id FROM workbooks)"
#: rows already counted per account (x) joined to the rep and grade they count for: the account's, else its
#: workbook's rep and 未评级. Counting first and joining after looks each account up once, not once per visit.
_PER = ("JOIN kam_books b ON b.snapshot_id = x.snapshot_id "
        "LEFT JOIN kam_accounts a ON a.snapshot_id = x.snapshot_id AND a.customer_id = x.customer_id")
_REP = "COALESCE(a.rep, b.rep)"
_GRADE = f"COALESCE(a.grade, '{NOT_GRADED}')"


def _query(conn: Connection, sql: str, params: tuple[Any, ...], columns: list[str]) -> pd.DataFrame:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return pd.DataFrame(raw_rows(conn, sql.replace("?", mark), params), columns=columns)


#: one visit query: (frame name, SQL, parameters, column names)
Job = tuple[str, str, tuple[Any, ...], list[str]]


def _visit_jobs(dialect: str, w: Windows) -> list[Job]:
    """The visit aggregates the report reads, each counted per account in the database, then per rep; the
    slowest first (they are shared out to the connections in this order)."""
    day = lambda d: d.isoformat() if dialect == "sqlite" else d  # noqa: E731
    end, ps, s = day(w.end), day(w.before_start), day(w.start)
    pe = day(w.before_end)
    jobs: list[Job] = []
    month = "substr(v.visit_date, 1, 7)" if dialect == "sqlite" else "to_char(v.visit_date, 'YYYY-MM')"
    week = ("date(v.visit_date, 'weekday 0', '-6 days')" if dialect == "sqlite"
            else "CAST(date_trunc('week', v.visit_date) AS date)")  # the Monday of a visit's week
    first_month = date.fromisoformat(months_back(w.end)[0] + "-01")
    since = min(w.start, date.fromordinal(w.end.toordinal() - 7 * 8 - 7))
    for key, bucket, start in (("monthly", month, first_month), ("weekly", week, since)):
        # counted per workbook (no account lookups), then moved for the accounts whose rep is not the book's
        within = "v.visit_date >= ? AND v.visit_date <= ?"
        jobs.append((f"{key}_books", f"SELECT v.snapshot_id, {bucket}, COUNT(*) {_FROM} AND {within} GROUP BY 1, 2",
                     (day(start), end), ["snapshot_id", "k", "visits"]))
        # CROSS JOIN: SQLite then starts from the (few) moved accounts, not from every visit
        jobs.append((f"{key}_moved", f"SELECT a.rep, b.rep, {bucket}, COUNT(*) FROM kam_accounts a "
                                     "JOIN kam_books b ON b.snapshot_id = a.snapshot_id AND a.rep <> b.rep "
                                     "CROSS JOIN visits v WHERE v.snapshot_id = a.snapshot_id "
                                     "AND v.customer_id = a.customer_id "
                                     "AND a.snapshot_id IN (SELECT current_snapshot_id FROM workbooks) "
                                     f"AND {within} GROUP BY 1, 2, 3",
                     (day(start), end), ["rep", "book_rep", "k", "visits"]))
    jobs.append(("finding_counts", f"""
        SELECT {_REP}, x.severity, x.code, SUM(x.n) FROM (
          SELECT f.snapshot_id, f.customer_id, f.severity, f.code, COUNT(*) AS n FROM findings f
          WHERE f.snapshot_id IN (SELECT current_snapshot_id FROM workbooks)
          GROUP BY f.snapshot_id, f.customer_id, 3, 4) x
        {_PER} GROUP BY 1, 2, 3""", (), ["rep", "severity", "code", "n"]))
    blank = "(v.manager_comment IS NULL OR v.manager_comment = '')"
    sums = ("n", "opened", "on_time", "late", "pending", "unreviewed", "sat_sum", "sat_n")
    jobs.append(("visit_windows", f"""
        SELECT {_REP}, {_GRADE}, x.win, x.method, {", ".join(f"SUM(x.{c})" for c in sums)} FROM (
          SELECT v.snapshot_id, v.customer_id, CASE WHEN v.visit_date >= ? THEN 'now' ELSE 'before' END AS win,
                 v.method, COUNT(*) AS n,
                 SUM(CASE WHEN v.follow_up_due IS NOT NULL THEN 1 ELSE 0 END) AS opened,
                 SUM(CASE WHEN v.follow_up_done IS NOT NULL AND v.follow_up_done <= v.follow_up_due
                          AND v.follow_up_done <= ? THEN 1 ELSE 0 END) AS on_time,
                 SUM(CASE WHEN v.follow_up_done IS NOT NULL AND v.follow_up_done > v.follow_up_due
                          AND v.follow_up_done <= ? THEN 1 ELSE 0 END) AS late,
                 SUM(CASE WHEN v.follow_up_due >= ? AND (v.follow_up_done IS NULL OR v.follow_up_done > ?)
                          THEN 1 ELSE 0 END) AS pending,
                 SUM(CASE WHEN {blank} THEN 1 ELSE 0 END) AS unreviewed,
                 SUM(COALESCE(v.satisfaction, 0)) AS sat_sum,
                 SUM(CASE WHEN v.satisfaction IS NOT NULL THEN 1 ELSE 0 END) AS sat_n
          {_FROM} AND v.visit_date >= ? AND v.visit_date <= ?
          AND ((v.visit_date >= ? AND v.visit_date <= ?) OR (v.visit_date >= ? AND v.visit_date <= ?))
          GROUP BY v.snapshot_id, v.customer_id, 3, v.method) x {_PER}
        GROUP BY 1, 2, 3, 4""",
        (s, end, end, end, end, ps, end, s, end, ps, pe),
        ["rep", "grade", "window", "method", "visits", "opened", "on_time", "late", "pending", "unreviewed",
         "sat_sum", "sat_n"]))
    jobs.append(("satisfaction", f"""
        SELECT snapshot_id, customer_id, visit_date, satisfaction, k FROM (
          SELECT v.snapshot_id, v.customer_id, v.visit_date, v.satisfaction, ROW_NUMBER() OVER (
                 PARTITION BY v.snapshot_id, v.customer_id ORDER BY v.visit_date DESC, v.row_number DESC) AS k
          {_FROM} AND v.satisfaction IS NOT NULL AND v.visit_date <= ?) x WHERE k <= 2""", (end,),
        ["snapshot_id", "customer_id", "visit_date", "satisfaction", "k"]))
    # the visit day inside CASE: SQLite then reads the follow-ups from the report index instead of seeking
    # nearly every visit by day (and the rows only for the few overdue)
    overdue = ("v.follow_up_due IS NOT NULL AND v.follow_up_due < ? AND CASE WHEN v.visit_date <= ? THEN 1 END = 1 "
               "AND (v.follow_up_done IS NULL OR v.follow_up_done > ?)")
    jobs.append(("per_account", f"SELECT v.snapshot_id, v.customer_id, COUNT(*), "
                                f"SUM(CASE WHEN {overdue} THEN 1 ELSE 0 END), "
                                f"MAX(CASE WHEN v.visit_date <= ? THEN v.visit_date END) {_FROM} "
                                "GROUP BY v.snapshot_id, v.customer_id", (end, end, end, end),
                 ["snapshot_id", "customer_id", "visits", "overdue", "last_visit"]))
    jobs.append(("overdue", f"""
        SELECT rep, snapshot_id, customer_id, visit_date, follow_up_due, issues_found, next_steps FROM (
          SELECT {_REP} AS rep, x.snapshot_id, x.customer_id, x.visit_date, x.follow_up_due, x.issues_found,
                 x.next_steps, ROW_NUMBER() OVER (PARTITION BY {_REP} ORDER BY x.follow_up_due, x.row_number) AS k
          FROM (SELECT v.snapshot_id, v.customer_id, v.visit_date, v.follow_up_due, v.issues_found, v.next_steps,
                       v.row_number {_FROM} AND {overdue}) x {_PER}) y WHERE k <= {LIST_LIMIT}""", (end, end, end),
        ["rep", "snapshot_id", "customer_id", "visit_date", "follow_up_due", "issues_found", "next_steps"]))
    jobs.append(("issues", f"SELECT {_REP}, x.* FROM (SELECT v.snapshot_id, v.customer_id, v.visit_date, "
                           "v.issue_type, v.issues_found, v.handed_to, v.resolution, v.customer_informed "
                           f"{_FROM} AND v.issue_type IS NOT NULL AND v.visit_date >= ? "
                           f"AND v.visit_date <= ?) x {_PER}",
                 (ps, end), ["rep", "snapshot_id", "customer_id", "visit_date", "issue_type", "issues_found",
                             "handed_to", "resolution", "customer_informed"]))
    jobs.append(("greetings", f"SELECT x.* FROM (SELECT v.snapshot_id, v.customer_id, v.visit_date, v.visitee "
                              f"{_FROM} AND v.visitee IS NOT NULL AND v.visit_date >= ? AND v.visit_date <= ?) x "
                              "JOIN kam_accounts a ON a.snapshot_id = x.snapshot_id "
                              "AND a.customer_id = x.customer_id WHERE a.grade IN ('A', 'B')",
                 (day(date.fromordinal(w.start.toordinal() - GRACE_DAYS)),
                  day(date.fromordinal(w.end.toordinal() + GRACE_DAYS))),
                 ["snapshot_id", "customer_id", "visit_date", "visitee"]))
    return jobs


#: connections the visit queries share out (SQLite and PostgreSQL each run one query per connection; two keep
#: both cores of a small server busy)
READERS = 2


def _visit_frames(engine: Engine, w: Windows, accounts: pd.DataFrame, books: pd.DataFrame
                  ) -> dict[str, pd.DataFrame]:
    """Run the visit jobs on READERS connections of their own (each with the rep and grade tables), slowest
    first, and return their frames by name."""
    jobs = _visit_jobs(engine.dialect.name, w)
    pending = queue.SimpleQueue[Job]()
    for job in jobs:
        pending.put(job)
    out: dict[str, pd.DataFrame] = {}

    def reader() -> None:
        with engine.connect() as conn:
            _temp_tables(conn, accounts, books)
            while True:
                try:
                    key, sql, params, columns = pending.get_nowait()
                except queue.Empty:
                    break
                out[key] = _query(conn, sql, params, columns)
            conn.rollback()  # nothing was written but the temporary tables

    with ThreadPoolExecutor(READERS) as pool:
        for done in [pool.submit(reader) for _ in range(READERS)]:
            done.result()
    for frame in out.values():
        for c in ("visits", "opened", "on_time", "late", "pending", "unreviewed", "sat_n", "overdue", "n"):
            if c in frame.columns:
                frame[c] = pd.to_numeric(frame[c]).fillna(0).astype(int)
        if "sat_sum" in frame.columns:  # PostgreSQL sums sums as numeric (Decimal)
            frame["sat_sum"] = pd.to_numeric(frame["sat_sum"].astype(float)).fillna(0)
    for key, column in (("monthly", "month"), ("weekly", "week_start")):
        out[key] = _moved(out.pop(f"{key}_books"), out.pop(f"{key}_moved"), books, column)
    per_account = out.pop("per_account")
    out["last_contact"] = per_account.loc[per_account["last_visit"].notna(),
                                          ["snapshot_id", "customer_id", "last_visit"]].reset_index(drop=True)
    out["rep_totals"] = _rep_totals(per_account, accounts, books)
    return out


def read_team(engine: Engine, w: Windows, today: date, lang: str, overlap_days: int = 7) -> TeamData:
    """The team's current snapshots as TeamData for the report over `w`, with the team findings recomputed as
    of `today` in `lang`."""
    with engine.connect() as conn:
        heads = raw_rows(conn, "SELECT w.path, s.snapshot_id, s.rep, s.row_count, s.errors, s.warnings, "
                               "s.newest_entry FROM workbooks w JOIN snapshots s "
                               "ON s.snapshot_id = w.current_snapshot_id ORDER BY w.path")
        books = pd.DataFrame(heads, columns=["path", "snapshot_id", "rep", "row_count", "errors", "warnings",
                                             "newest_entry"])
        names = shown_paths(list(books["path"]))
        books["workbook"] = books["path"].map(names)
        books["rep"] = books["rep"].fillna("")
        book_rep = books.set_index("snapshot_id")["rep"]
        customers = _sheet(conn, "customers", ["customer_id", "customer_name", "owner", "stage", "tier", "industry",
                                               "created_on"])
        grades = pd.DataFrame(raw_rows(conn, f"SELECT d.snapshot_id, d.row_number, d.customer_id, d.grade "
                                             f"FROM grades d {_CURRENT}"),
                              columns=["snapshot_id", "row_number", "customer_id", "grade"])
        accounts = account_frame(customers, grades, book_rep)
        with ThreadPoolExecutor(1) as side:  # the visits are counted in the database meanwhile
            counting = side.submit(_counted, engine, w, accounts, books)
            development = _sheet(conn, "development", ["customer_id", "recorded_on", "stage", "expected_amount",
                                                       "expected_close", "won_amount", "result", "reason_summary"])
            contacts = _sheet(conn, "contacts", ["customer_id", "name", "role", "birthday", "calendar"])
            team = _team_frame(conn, today, lang, overlap_days, accounts, books, names)
            base, first = _baseline(conn, w.start, names)
            visits = counting.result()
    return TeamData(books[["snapshot_id", "workbook", "rep", "row_count", "errors", "warnings", "newest_entry"]],
                    accounts, development, contacts, team_findings=team, base_accounts=base, first_snapshot=first,
                    **visits)


def _moved(by_book: pd.DataFrame, moved: pd.DataFrame, books: pd.DataFrame, column: str) -> pd.DataFrame:
    """Visits per rep and bucket: each workbook's count under its rep, less the visits of accounts another rep
    owns, which count for that rep (as COALESCE(account's rep, workbook's rep) does per visit)."""
    rows = by_book.assign(rep=by_book["snapshot_id"].map(books.set_index("snapshot_id")["rep"]))[["rep", "k", "visits"]]
    given = moved[["rep", "k", "visits"]]
    taken = moved[["book_rep", "k", "visits"]].rename(columns={"book_rep": "rep"}).assign(
        visits=lambda f: -f["visits"])
    total = pd.concat([rows, given, taken]).groupby(["rep", "k"], as_index=False)["visits"].sum()
    total = total[total["visits"] > 0].rename(columns={"k": column})
    return total.reset_index(drop=True)


def _counted(engine: Engine, w: Windows, accounts: pd.DataFrame, books: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """_visit_frames on connections that only read (the 汇总 button's store engine may write)."""
    with db.reader(engine) as readers:
        return _visit_frames(readers, w, accounts, books)


def _rep_totals(per: pd.DataFrame, accounts: pd.DataFrame, books: pd.DataFrame) -> pd.DataFrame:
    """Visits and overdue follow-ups per rep from the per-account counts: the account's rep, else its
    workbook's (as the SQL's join does for the other counts)."""
    key = ["snapshot_id", "customer_id"]
    known = accounts.loc[accounts["customer_id"].notna(), [*key, "rep"]]
    rows = per.merge(known, on=key, how="left")
    rows["rep"] = rows["rep"].fillna(rows["snapshot_id"].map(books.set_index("snapshot_id")["rep"]))
    return rows.groupby("rep", as_index=False)[["visits", "overdue"]].sum()


def _team_frame(conn: Connection, today: date, lang: str, overlap_days: int, accounts: pd.DataFrame,
                books: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The team findings as of `today`, each with its account's rep, its workbook as shown, and its facts."""
    found = team_findings(team_books(conn)[0], today, overlap_days)
    by_path = books.set_index("path")["snapshot_id"]
    rep = accounts.set_index(["snapshot_id", "customer_id"])["rep"]
    book_rep = books.set_index("path")["rep"]
    rows = []
    for f in found:
        sid = by_path.get(f.workbook)
        owner = rep.get((sid, f.finding.customer_id), book_rep.get(f.workbook, ""))
        shown = names.get(f.workbook, f.workbook)
        rows.append({"workbook": shown, "workbook_name": posixpath.basename(shown), "owner": owner,
                     "customer_id": f.finding.customer_id, "code": f.finding.code,
                     "message": f.finding.message(lang), "params": dict(f.finding.params)})
    return pd.DataFrame(rows, columns=["workbook", "workbook_name", "owner", "customer_id", "code", "message",
                                       "params"])


def _baseline(conn: Connection, start: date, names: dict[str, str]) -> tuple[pd.DataFrame, bool]:
    """Per workbook, the accounts' stage and grade in its newest snapshot taken before `start`; and whether no
    workbook has one (the first consolidation: nothing to compare with)."""
    base = ("SELECT s.workbook_id, MAX(s.snapshot_id) AS snapshot_id FROM snapshots s WHERE s.as_of < ? "
            "GROUP BY s.workbook_id")
    base = base.replace("?", placeholders(conn, 1))
    rows = raw_rows(conn, f"SELECT w.path, c.customer_id, c.stage, c.row_number, g.grade FROM ({base}) b "
                          "JOIN workbooks w ON w.workbook_id = b.workbook_id "
                          "JOIN customers c ON c.snapshot_id = b.snapshot_id "
                          "LEFT JOIN grades g ON g.snapshot_id = c.snapshot_id AND g.customer_id = c.customer_id",
                    (_day(conn, start),))
    frame = pd.DataFrame(rows, columns=["path", "customer_id", "stage", "row_number", "grade"])
    has = bool(raw_rows(conn, base + " LIMIT 1", (_day(conn, start),)))
    frame = frame.sort_values(["path", "row_number"]).drop_duplicates(["path", "customer_id"])
    frame["workbook"] = frame["path"].map(lambda p: names.get(p, p))
    frame["stage"] = frame["stage"].fillna("未填").replace("", "未填")
    frame["grade"] = frame["grade"].fillna(NOT_GRADED).replace("", NOT_GRADED)
    return frame[["workbook", "customer_id", "stage", "grade"]].reset_index(drop=True), not has


def store_reps(engine: Engine) -> set[str]:
    """Every rep the current snapshots name (负责销售 in 客户, and each workbook's rep): who a target may be for."""
    with engine.connect() as conn:
        owners = raw_rows(conn, f"SELECT DISTINCT d.owner FROM customers d {_CURRENT} WHERE d.owner IS NOT NULL")
        reps = raw_rows(conn, "SELECT DISTINCT s.rep FROM snapshots s JOIN workbooks w "
                              "ON w.current_snapshot_id = s.snapshot_id WHERE s.rep IS NOT NULL")
    return {str(r[0]) for r in [*owners, *reps] if r[0]}


TARGET_COLUMNS = ["owner", "period", "visits", "in_person_visits", "new_accounts", "won_amount"]


def targets_frame(table: Any, date1904: bool, engine: Engine, today: date) -> tuple[pd.DataFrame, list[Any]]:
    """A 目标 sheet as the report's targets frame, and a (message key, params) per row left out: the rows of
    reps the store names (used by `kam report --targets` and by the 汇总 button's own 目标 sheet)."""
    from addin.core.sheet import parse_sheet
    from addin.core.targets import read_targets

    found = read_targets(parse_sheet(table, date1904), store_reps(engine), today)
    return pd.DataFrame(found.rows, columns=TARGET_COLUMNS), found.problems


def team_report(engine: Engine, period: Period, today: date, lang: str, settings: Settings | None = None,
                reps: list[str] | None = None, targets: pd.DataFrame | None = None) -> TeamReport:
    """The team report over `period` from the store (what `kam report`, the 汇总 button and `kam demo` show)."""
    model = settings or Settings()
    data = read_team(engine, Windows(period, today), today, lang, model.overlap_days)
    return build_team_report(data, period, today, reps, model, targets)


def month_report(engine: Engine, today: date, lang: str, settings: Settings | None = None) -> TeamReport:
    """This month's team report from the store, as the 汇总 button and `kam demo` show it."""
    period = parse_period(None, today)
    assert period is not None  # the current month always parses
    return team_report(engine, period, today, lang, settings)


__all__ = ["month_report", "read_team", "shown_paths", "store_reps", "targets_frame", "team_report"]
