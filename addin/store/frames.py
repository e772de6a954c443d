"""Read the team store into the pandas frames the report works on: the current snapshots, and for the
changes, the snapshot each workbook had before the period began."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from addin.analytics.teamreport import TeamFrames, TeamReport, build_team_report
from addin.core.period import parse_period
from addin.core.settings import Settings
from addin.core.team import team_findings
from addin.store import db
from addin.store.load import raw_rows, team_books


def _frame(conn: Connection, query: Any, columns: list[str]) -> pd.DataFrame:
    """A query's rows as a frame with exactly `columns` (plain tuples: pandas is slow on SQLAlchemy rows)."""
    return pd.DataFrame([tuple(r) for r in conn.execute(query)], columns=columns)


def _sheet(conn: Connection, key: str, columns: list[str]) -> pd.DataFrame:
    """A data table's rows of every current snapshot, straight from the driver (a 400,000-visit team in about
    a second); dates come as the driver gives them (ISO text from SQLite) and the report parses them."""
    table = db.data_tables[key]
    present = [c for c in columns if c in table.c]
    sql = f"SELECT d.snapshot_id, {', '.join('d.' + c for c in present)} FROM {table.name} d {db.CURRENT_JOIN}"
    frame = pd.DataFrame(raw_rows(conn, sql), columns=["snapshot_id", *present])
    for c in columns:
        if c not in frame.columns:
            frame[c] = None
    return frame


def read_frames(engine: Engine, period_start: date, today: date, lang: str, overlap_days: int = 7) -> TeamFrames:
    """The current snapshot of every workbook (and the baseline before `period_start`) as frames, and the
    team findings recomputed as of `today` in `lang`."""
    w, s = db.workbooks, db.snapshots
    with engine.connect() as conn:
        books = _frame(conn, select(w.c.path, s.c.snapshot_id, s.c.rep, s.c.row_count, s.c.errors, s.c.warnings)
                       .join(s, s.c.snapshot_id == w.c.current_snapshot_id).order_by(w.c.path),
                       ["workbook", "snapshot_id", "rep", "row_count", "errors", "warnings"])
        ids = select(w.c.current_snapshot_id).where(w.c.current_snapshot_id.is_not(None))
        customers = _sheet(conn, "customers", ["customer_id", "customer_name", "owner", "stage", "industry"])
        customers["workbook_key"] = customers["snapshot_id"].map(books.set_index("snapshot_id")["workbook"])
        visits = _sheet(conn, "visits", ["customer_id", "visit_date", "visitor", "method", "issues_found",
                                         "next_steps", "follow_up_due", "follow_up_done", "manager_comment"])
        development = _sheet(conn, "development", ["customer_id", "recorded_on", "result", "reason_summary"])
        contacts = _sheet(conn, "contacts", ["customer_id", "name", "role", "birthday", "calendar"])
        g = db.grades
        grades = _frame(conn, select(g.c.snapshot_id, g.c.customer_id, g.c.grade).where(g.c.snapshot_id.in_(ids)),
                        ["snapshot_id", "customer_id", "grade"])
        f = db.findings
        findings = _frame(conn, select(f.c.snapshot_id, f.c.customer_id, f.c.code, f.c.severity)
                          .where(f.c.snapshot_id.in_(ids)), ["snapshot_id", "customer_id", "code", "severity"])
        c = db.data_tables["customers"]
        books_now, _ids = team_books(conn)
        found = team_findings(books_now, today, overlap_days)
        owners = customers.drop_duplicates(["snapshot_id", "customer_id"]).set_index(["workbook_key", "customer_id"])
        team = pd.DataFrame([{"workbook": f.workbook, "customer_id": f.finding.customer_id, "code": f.finding.code,
                              "message": f.finding.message(lang),
                              "owner": owners["owner"].get((f.workbook, f.finding.customer_id))} for f in found],
                            columns=["workbook", "customer_id", "code", "message", "owner"])
        # the baseline: per workbook, the newest snapshot taken as of a day before the period began
        base = (select(s.c.workbook_id, func.max(s.c.snapshot_id).label("snapshot_id"))
                .where(s.c.as_of < period_start).group_by(s.c.workbook_id).subquery())
        base_customers = _frame(conn, select(w.c.path, c.c.customer_id, c.c.stage)
                                .join(base, base.c.snapshot_id == c.c.snapshot_id)
                                .join(w, w.c.workbook_id == base.c.workbook_id),
                                ["workbook", "customer_id", "stage"])
        base_grades = _frame(conn, select(w.c.path, g.c.customer_id, g.c.grade)
                             .join(base, base.c.snapshot_id == g.c.snapshot_id)
                             .join(w, w.c.workbook_id == base.c.workbook_id),
                             ["workbook", "customer_id", "grade"])
    return TeamFrames(books, customers, grades, visits, development, contacts, findings, team, base_customers,
                      base_grades)


def month_report(engine: Engine, today: date, lang: str, settings: Settings | None = None) -> TeamReport:
    """This month's team report from the store, as the 汇总 button and `kam demo` show it."""
    period = parse_period(None, today)
    assert period is not None  # the current month always parses
    model = settings or Settings()
    frames = read_frames(engine, period.start, today, lang, model.overlap_days)
    return build_team_report(frames, period, today, settings=model)
