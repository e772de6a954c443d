"""The store keeps what the method added (#25): a store written at schema 2 is upgraded to 3 in place, in SQLite
and in the real PostgreSQL the tests start, keeping its snapshots; the new columns and the 拜访计划 rows arrive."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from addin.core.demo import make_demo
from addin.core.snapshot import STORE_TABLES
from addin.workbook_templates.builder import build_workbook
from bench.common import METHOD_COLUMNS

TODAY = date(2026, 11, 22)
ROOT = Path(__file__).resolve().parents[1]
V2_VIEWS = ("contacts", "development", "visits")


def kam(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "addin.cli", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def _store(kind: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> str:
    if kind == "sqlite":
        return str(tmp_path / f"{name}.sqlite")
    import psycopg

    base = request.getfixturevalue("postgres_url")
    with psycopg.connect(base.replace("/kam?", "/postgres?"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return base.replace("/kam?", f"/{name}?")


def _back_to_version_2(url: str) -> None:
    """Make the store exactly what schema 2 had: no new columns, no plans table, views over the old columns, no
    report index."""
    from addin.store import db

    engine = db.engine_for(url)
    with engine.begin() as conn:
        for name in (*V2_VIEWS, "plans"):
            conn.exec_driver_sql(f"DROP VIEW current_{name}")
        conn.exec_driver_sql("DROP INDEX ix_visits_report")  # version 4's, over a column version 3 added
        for key, columns in METHOD_COLUMNS.items():
            if key != "plans":
                for column in columns:
                    conn.exec_driver_sql(f'ALTER TABLE {STORE_TABLES[key]} DROP COLUMN "{column}"')
        conn.exec_driver_sql("DROP TABLE plans")
        for name in V2_VIEWS:  # kam's own view, over the columns the tables have now
            db._current_view(conn, name)
        conn.exec_driver_sql("DELETE FROM kam_schema WHERE version > 2")
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_version_2_store_is_upgraded_keeping_its_snapshots(tmp_path, request, kind):
    from addin.store import db

    url = _store(kind, tmp_path, request, "kam_v2")
    book = tmp_path / "rep.xlsx"
    build_workbook(book, "zh", make_demo(TODAY, complete=False).rows, omit=METHOD_COLUMNS)  # a rep's old workbook
    assert kam("consolidate", str(book), "--db", url, "--today", TODAY.isoformat()).returncode in (0, 1)
    _back_to_version_2(url)
    build_workbook(book, "zh", make_demo(TODAY).rows)  # the rep moves to the new template
    done = kam("consolidate", str(book), "--db", url, "--today", TODAY.isoformat())
    assert done.returncode in (0, 1), done.stderr
    engine = db.engine_for(url)
    with engine.connect() as conn:
        sql = conn.exec_driver_sql
        assert sql("SELECT MAX(version) FROM kam_schema").scalar() == db.SCHEMA_VERSION == 4
        indexes = (sql("SELECT name FROM sqlite_master WHERE type = 'index'") if kind == "sqlite"
                   else sql("SELECT indexname FROM pg_indexes WHERE tablename = 'visits'"))
        assert "ix_visits_report" in {r[0] for r in indexes}  # version 4 made it on the upgraded store
        snapshots = [r[0] for r in sql("SELECT snapshot_id FROM snapshots ORDER BY snapshot_id").all()]
        assert len(snapshots) == 2
        old, new = snapshots
        old_visits = sql(f"SELECT COUNT(*), COUNT(satisfaction) FROM visits WHERE snapshot_id = {old}").one()
        assert old_visits[0] > 300 and old_visits[1] == 0  # the old snapshot kept, its new columns empty
        filled = sql(f"SELECT COUNT(expected_amount), SUM(expected_amount) FROM development WHERE snapshot_id = {new}")
        count, total = filled.one()
        demo = make_demo(TODAY).rows
        expected = [d["expected_amount"] for d in demo["development"] if d.get("expected_amount") is not None]
        assert count == len(expected) and total == pytest.approx(sum(expected))
        plans = sql("SELECT COUNT(*), MIN(planned_on) FROM current_plans").one()
        assert plans[0] == len(demo["plans"]) and str(plans[1]) == min(p["planned_on"] for p in demo["plans"]).isoformat()
        hometowns = sql("SELECT COUNT(hometown) FROM current_contacts").scalar()
        assert hometowns == sum(1 for p in demo["contacts"] if p.get("hometown"))
    engine.dispose()
