"""Report at company scale (#27): `kam report` on a store of 2,000 workbooks and 4,000,000 visits, in SQLite and
in PostgreSQL, against the report as it was before it aggregated in SQL (every visit brought into pandas), on
the same store in the same run. Each report is a child process whose peak memory (VmHWM) is read.

Run: python bench/report_scale.py                       (2,000 workbooks x 2,000 visits, SQLite)
     python bench/report_scale.py --books 200 --pg URL  (also PostgreSQL; URL of a database kam may fill)
     python bench/report_scale.py --old 5f584ca          (also the pandas-only report of that commit)

The store is made the way a company's is: one real workbook (50 accounts, 2,000 visits, the method complete)
consolidated by kam, then its snapshot copied in SQL once per rep (own rep name, own account names, so there
is no 撞单 across the copies). Goals: peak <= 1 GB, time <= 20 s at 2,000 x 2,000."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import OUT, PEAK_MB  # noqa: E402
from bench.team_bench import CHILD, TODAY, team  # noqa: E402


def child(args: list[str], root: Path = ROOT) -> tuple[float, dict[str, Any]]:
    """`kam ARGS` in a child process (the code under `root`): wall time and exit code, output size, peak MB."""
    code = CHILD.replace("PEAK", PEAK_MB)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    elapsed = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"kam {' '.join(args)} failed under {root}: {done.stderr[-2000:]}")
    return elapsed, json.loads(lines[-1])


def build_store(db: str, books: int, visits: int) -> None:
    """Consolidate one real workbook into `db`, then copy its snapshot `books - 1` times in SQL."""
    from sqlalchemy import select, text

    from addin.store import db as store
    from addin.store.load import TeamModel, consolidate

    seed = team(1, visits)
    engine = store.engine_for(db)
    store.migrate(engine)
    consolidate(sorted(seed.glob("*.xlsx")), engine, TODAY, TeamModel(), "zh")
    with engine.begin() as conn:
        sid = conn.execute(text("SELECT current_snapshot_id FROM workbooks")).scalar()
        snap = conn.execute(select(store.snapshots).where(store.snapshots.c.snapshot_id == sid)).mappings().one()
        concat = "||"
        for k in range(1, books):
            rep = f"销售{k:04d}"
            wid = conn.execute(store.workbooks.insert().values(path=f"/srv/team/{rep}.xlsx", name=f"{rep}.xlsx")
                               ).inserted_primary_key[0]
            values = {c: snap[c] for c in snap if c not in ("snapshot_id", "workbook_id", "rep")}
            new = conn.execute(store.snapshots.insert().values(workbook_id=wid, rep=rep, **values)
                               ).inserted_primary_key[0]
            conn.execute(text("UPDATE workbooks SET current_snapshot_id = :n WHERE workbook_id = :w"),
                         {"n": new, "w": wid})
            for table in [*store.data_tables.values(), store.grades, store.findings, store.snapshot_sheets]:
                cols = [c.name for c in table.columns]
                chosen = []
                for c in cols:
                    if c == "snapshot_id":
                        chosen.append(":new")
                    elif (table.name, c) in (("customers", "owner"), ("visits", "visitor"),
                                             ("development", "sales_rep")):
                        chosen.append(":rep")
                    elif (table.name, c) == ("customers", "customer_name"):
                        chosen.append(f"customer_name {concat} :rep")
                    elif (table.name, c) == ("customers", "credit_code"):
                        chosen.append("NULL")
                    else:
                        chosen.append(f'"{c}"')
                conn.execute(text(f"INSERT INTO {table.name} ({', '.join(chr(34) + c + chr(34) for c in cols)}) "
                                  f"SELECT {', '.join(chosen)} FROM {table.name} WHERE snapshot_id = :old"),
                             {"new": new, "rep": rep, "old": sid})
    engine.dispose()


def fresh_store(kind: str, url: str | None, books: int, visits: int) -> str:
    """The store of `books` x `visits` (SQLite files are kept in bench/out and reused)."""
    if kind == "sqlite":
        path = OUT / f"report-{books}x{visits}.sqlite"
        done = path.with_suffix(".complete")
        if not done.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            OUT.mkdir(parents=True, exist_ok=True)
            build_store(str(path), books, visits)
            done.write_text("ok")
        return str(path)
    assert url is not None
    import psycopg

    name = f"kam_scale_{books}x{visits}"
    base, _, query = url.partition("?")  # the query may hold a socket folder (host=/run/...): split it off first
    database = lambda db: f"{base.rsplit('/', 1)[0]}/{db}" + (f"?{query}" if query else "")  # noqa: E731
    admin = database("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {name}")
    target = database(name)
    from sqlalchemy import text

    from addin.store import db as store

    engine = store.engine_for(target)
    store.migrate(engine)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT COUNT(*) FROM workbooks")).scalar()
    engine.dispose()
    if have != books:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        build_store(target, books, visits)
    return target


#: what schema 4 (#27) added to a store: an older kam refuses a store newer than itself, so it reads a copy
#: without them (the same rows)
V4_INDEXES = ("ix_visits_report", "ix_visits_day", "ix_findings_report")


def schema_3_copy(kind: str, db: str) -> str:
    """A copy of the store `db` at schema 3 (made once): the older report's input."""
    drop = [f"DROP INDEX IF EXISTS {name}" for name in V4_INDEXES] + ["DELETE FROM kam_schema WHERE version > 3"]
    if kind == "sqlite":
        import shutil
        import sqlite3

        copy = Path(db).with_name(Path(db).stem + "-v3.sqlite")
        done = copy.with_suffix(".complete")
        if not done.exists():
            shutil.copyfile(db, copy)
            with sqlite3.connect(copy) as conn:
                for sql in drop:
                    conn.execute(sql)
            done.write_text("ok")
        return str(copy)
    import psycopg

    base, _, query = db.partition("?")
    root, name = base.rsplit("/", 1)
    at = lambda d: f"{root}/{d}" + (f"?{query}" if query else "")  # noqa: E731
    with psycopg.connect(at("postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (f"{name}_v3",)).fetchone():
            conn.execute(f"CREATE DATABASE {name}_v3 TEMPLATE {name}")
            with psycopg.connect(at(f"{name}_v3"), autocommit=True) as fresh:
                for sql in drop:
                    fresh.execute(sql)
    return at(f"{name}_v3")


def old_checkout(commit: str) -> Path:
    """The code of `commit` in a worktree under bench/out (made once)."""
    where = OUT / f"old-{commit}"
    if not where.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(where), commit], cwd=ROOT, check=True,
                       capture_output=True)
    return where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, default=2_000)
    parser.add_argument("--visits", type=int, default=2_000, help="visits per workbook")
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL: also measure there")
    parser.add_argument("--old", default=None, help="a commit whose report to measure on the same stores")
    args = parser.parse_args()
    rows = []
    for kind in ("sqlite", *(("postgresql",) if args.pg else ())):
        start = time.perf_counter()
        db = fresh_store(kind, args.pg, args.books, args.visits)
        made = time.perf_counter() - start
        day = ["--today", TODAY.isoformat(), "--format", "json"]
        seconds, now = child(["report", "--db", db, *day])
        row = {"store": kind, "books": args.books, "visits": args.books * args.visits, "made_s": round(made, 1),
               "report_s": round(seconds, 2), "report_mb": round(now["rss"]), "exit": now["code"]}
        if args.old:
            seconds_old, old = child(["report", "--db", schema_3_copy(kind, db), *day], old_checkout(args.old))
            row.update(old_s=round(seconds_old, 2), old_mb=round(old["rss"]), old_exit=old["code"])
            if old["code"] == 0:  # a failed run has no time worth comparing
                row.update(time_ratio=round(seconds / seconds_old, 3), memory_ratio=round(now["rss"] / old["rss"], 3))
            else:
                print(f"the report of {args.old} failed on the {kind} store (exit {old['code']}): no ratio",
                      file=sys.stderr)
        rows.append(row)
    print(f"{'store':>10} {'books':>6} {'visits':>9} | {'report':>8} {'peak MB':>8} | {'old':>8} {'old MB':>8} | "
          f"{'time':>6} {'memory':>6}")
    for r in rows:
        print(f"{r['store']:>10} {r['books']:>6} {r['visits']:>9} | {r['report_s']:>7.2f}s {r['report_mb']:>8} | "
              f"{r.get('old_s', float('nan')):>7.2f}s {r.get('old_mb', float('nan')):>8} | "
              f"{r.get('time_ratio', float('nan')):>5.2f}x {r.get('memory_ratio', float('nan')):>5.2f}x")
    print("goals (#27): report <= 20 s and peak <= 1,024 MB at 2,000 workbooks x 2,000 visits; ratios vs the "
          "pandas-only report measured in the same run")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
