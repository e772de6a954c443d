"""`kam consolidate`: each workbook validated, graded and loaded as one snapshot, in one transaction; then
the team findings over every workbook's current snapshot (SPEC §9)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, select, text, update
from sqlalchemy.engine import Connection

from addin.core.findings import Finding
from addin.core.grading import INSUFFICIENT, NOT_GRADED
from addin.core.i18n import t
from addin.core.model import SheetTable
from addin.core.settings import Settings, read_settings
from addin.core.snapshot import STORE_TABLES, Snapshot, take_snapshot, with_settings
from addin.core.team import TeamBook, TeamFinding, contested, team_findings
from addin.errors import KamError, os_sentence
from addin.store import db
from addin.workbook.reader import read_workbook
from addin.workbook.writer import fingerprint


@dataclass
class Loaded:
    """One workbook's line in the consolidation table."""

    path: Path
    status: str  # loaded, unchanged, failed
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    grades: dict[str, int] = field(default_factory=dict)
    message: str = ""
    snapshot_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"workbook": str(self.path), "status": self.status, "rows": self.rows, "errors": self.errors,
                "warnings": self.warnings, "grades": {g: self.grades.get(g, 0) for g in GRADE_KEYS},
                "message": self.message or None, "snapshot_id": self.snapshot_id}


GRADE_KEYS = ("A", "B", "C", "D", INSUFFICIENT, NOT_GRADED)


@dataclass
class Consolidation:
    loaded: list[Loaded]
    team: list[TeamFinding]
    store: str
    retired: list[str] = field(default_factory=list)  # stored workbooks no longer in the folders given
    roots: list[Path] = field(default_factory=list)  # the folders given, to name each workbook within them

    def shown(self, path: Path) -> str:
        """A workbook as the manager tells it apart: its path inside the folder given (dup/a/张三.xlsx and
        dup/b/张三.xlsx are a/张三.xlsx and b/张三.xlsx), or the file as given."""
        for root in self.roots:
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
        return str(path)

    def counts(self) -> dict[str, int]:
        """How many workbooks were loaded, found unchanged and failed (every status, zero included)."""
        return {status: sum(1 for x in self.loaded if x.status == status)
                for status in ("loaded", "unchanged", "failed")}


@dataclass
class TeamModel:
    """The one model a team is graded by (`--settings BOOK`), or none (each workbook its own 设置)."""

    table: SheetTable | None = None
    source: str = ""
    digest: str = ""
    settings: Settings = field(default_factory=Settings)


def team_model(book: Path | None) -> TeamModel:
    """Read `--settings BOOK`: its 设置 sheet must be there and valid, since it grades everyone."""
    if book is None:
        return TeamModel()
    data = read_workbook(book, sheets=["settings"])
    table = data.get("settings")
    if table is None:
        raise KamError("store.no_settings", file=book)
    return model_from_table(table, str(book.resolve()), fingerprint(book))


def model_from_table(table: SheetTable, source: str, digest: str | None = None) -> TeamModel:
    """A team model from a 设置 sheet already read (the 汇总 button uses the macro workbook's own); without a
    file digest, the digest is of the settings themselves."""
    settings, problems = read_settings(table)
    if problems:
        raise KamError("store.bad_settings", file=source, detail=problems[0].message("zh"))
    if digest is None:
        digest = hashlib.sha256(repr(sorted(vars(settings).items())).encode("utf-8")).hexdigest()
    return TeamModel(table, source, digest, settings)


def consolidate(paths: list[Path], engine: Engine, today: date, model: TeamModel, lang: str,
                progress: Callable[[Path], None] | None = None, jobs: int = 1,
                folders: list[Path] | None = None) -> Consolidation:
    """Load every workbook (an unreadable one is reported and the rest still load), then recompute the
    team findings over the current snapshots. Unchanged workbooks (same content, same model) are only
    hashed; the others are read and validated by `jobs` processes while this one writes the store, one
    transaction per workbook."""
    db.migrate(engine)
    loaded: dict[Path, Loaded] = {}
    todo: list[tuple[Path, str]] = []
    for path in paths:
        try:
            if not path.is_file():  # a FIFO or a link to /dev/zero would be hashed forever
                loaded[path] = Loaded(path, "failed", message=t("file.not_file", lang, file=path))
                continue
            digest = fingerprint(path)
            with engine.connect() as conn:  # a cheap look first: an unchanged workbook is not even parsed
                known = _known_snapshot(conn, str(path.resolve()), digest, model.digest)
            if known is None:
                with engine.begin() as conn:
                    _hold(conn, str(path.resolve()))
                    moved = _moved_here(conn, path, digest, model.digest, lang)
                if moved is None:
                    todo.append((path, digest))
                    continue
                loaded[path] = moved
            else:
                with engine.begin() as conn:
                    _hold(conn, str(path.resolve()))
                    loaded[path] = _mark_current(conn, path, known)
        except OSError as exc:
            loaded[path] = Loaded(path, "failed", message=os_sentence(exc, lang))
        if progress is not None:
            progress(path)
    work = [(path, today, model.table, lang) for path, _ in todo]
    for (path, digest), parsed in zip(todo, _parse_all(work, jobs), strict=True):
        if isinstance(parsed, str):
            loaded[path] = Loaded(path, "failed", message=parsed)
        else:
            loaded[path] = store_snapshot(engine, path, digest, today, model, parsed, lang)
        if progress is not None:
            progress(path)
    retired = retire_missing(engine, folders or [], set(paths))
    team = refresh_team_findings(engine, today, model.settings.overlap_days, lang)
    return Consolidation([loaded[p] for p in paths], team, db.shown(engine), retired, folders or [])


def retire_missing(engine: Engine, folders: list[Path], seen: set[Path]) -> list[str]:
    """Workbooks stored from inside `folders` that are no longer there (deleted, renamed, moved away) stop
    being current, so a moved file does not count twice (and claim its own accounts as 撞单); their
    snapshots stay as history. Only the folders of this run are looked at: a store shared by managers on
    other machines holds paths this machine cannot see."""
    roots = [str(f.resolve()) for f in folders]
    if not roots:
        return []
    here = {str(p.resolve()) for p in seen}
    gone: list[str] = []
    with engine.begin() as conn:
        for workbook_id, path in conn.execute(select(db.workbooks.c.workbook_id, db.workbooks.c.path)
                                              .where(db.workbooks.c.current_snapshot_id.is_not(None))).all():
            inside = any(path.startswith(root.rstrip("/\\") + sep) for root in roots for sep in ("/", "\\"))
            if inside and path not in here and not Path(path).exists():
                conn.execute(update(db.workbooks).where(db.workbooks.c.workbook_id == workbook_id)
                             .values(current_snapshot_id=None))
                gone.append(path)
    return gone


@dataclass
class Parsed:
    """A workbook read and validated (in a worker process): its sheets' names and row counts, the snapshot,
    and its findings as store rows (messages rendered in the worker)."""

    sheets: list[tuple[str, str, int]]
    snap: Snapshot
    findings: list[tuple[Any, ...]]
    cleaned: int = 0  # NUL characters taken out of the text (PostgreSQL refuses them; SQLite the same, to agree)


def parse_workbook(job: tuple[Path, date, SheetTable | None, str]) -> Parsed | str:
    """Read, validate and grade one workbook; an expected failure comes back as its one sentence."""
    path, today, settings, lang = job
    try:
        data = read_workbook(path)
    except KamError as exc:
        return exc.message(lang)
    except OSError as exc:
        return os_sentence(exc, lang)
    snap = take_snapshot(with_settings(data, settings), today)
    sheets = [(key, table.name, len(table.rows)) for key, table in data.sheets.items()]
    findings = [tuple(_finding_row(f, lang).values()) for f in snap.findings]
    cleaned = 0
    for rows in snap.rows.values():
        rows.values, n = without_nul(rows.values)
        cleaned += n
    findings, _ = without_nul(findings)
    return Parsed(sheets, snap, findings, cleaned)


def without_nul(rows: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], int]:
    """`rows` with every NUL character taken out of their text, and how many were; rows without one are kept
    as they are (a NUL in a cell is never what a rep typed: it comes from a pasted or generated value)."""
    count = 0
    out = rows
    for i, row in enumerate(rows):
        if any(type(v) is str and "\x00" in v for v in row):
            if out is rows:
                out = list(rows)
            count += sum(v.count("\x00") for v in row if type(v) is str)
            out[i] = tuple(v.replace("\x00", "") if type(v) is str else v for v in row)
    return out, count


def _parse_all(work: list[tuple[Path, date, SheetTable | None, str]], jobs: int) -> Iterator[Parsed | str]:
    """parse_workbook over `work`, in order: in this process, or in a pool of `jobs` fresh processes
    (spawned: never a fork of a process holding database connections; and a worker's parent is this process,
    so a worker notices at once when it is gone)."""
    if jobs <= 1 or len(work) < 4:
        yield from map(parse_workbook, work)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(jobs, len(work)), mp_context=mp.get_context("spawn"),
                             initializer=_leave_with_parent, initargs=(os.getpid(),)) as pool:
        yield from pool.map(parse_workbook, work, chunksize=1)


def _leave_with_parent(consolidation: int) -> None:
    """In a worker: exit as soon as the consolidation that started it (pid `consolidation`) is gone, killed,
    instead of waiting forever on a queue no one writes to again, holding its parent's output pipes open.
    multiprocessing's parent sentinel becomes ready when the parent ends, on every platform; the pid is
    compared too, and from the start: a parent killed while this worker was still starting has already handed
    it to another process (the old check took that process for the parent and never fired)."""
    import multiprocessing as mp
    import threading
    from multiprocessing.connection import wait

    parent = mp.parent_process()

    def watch() -> None:
        while not (os.name == "posix" and os.getppid() != consolidation):
            if parent is None:
                threading.Event().wait(0.5)
            elif wait([parent.sentinel], timeout=0.5):
                break
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def store_snapshot(engine: Engine, path: Path, digest: str, today: date, model: TeamModel,
                   parsed: Parsed, lang: str = "zh") -> Loaded:
    """Store a parsed workbook as a new snapshot that becomes its current one, all in one transaction, so a
    killed run leaves none; skipped when another process stored the same content meanwhile."""
    key = str(path.resolve())
    snap = parsed.snap
    stat = path.stat()
    with engine.begin() as conn:
        _hold(conn, key)
        known = _known_snapshot(conn, key, digest, model.digest)
        if known is not None:
            return _mark_current(conn, path, known)
        workbook_id = conn.execute(select(db.workbooks.c.workbook_id).where(db.workbooks.c.path == key)).scalar()
        if workbook_id is None:
            created = conn.execute(db.workbooks.insert().values(path=key, name=path.name)).inserted_primary_key
            assert created is not None
            workbook_id = created[0]
        errors, warnings = snap.counts()
        grades = snap.grade_counts
        inserted = conn.execute(db.snapshots.insert().values(
            workbook_id=workbook_id, content_hash=digest, settings_hash=model.digest,
            file_mtime=datetime.fromtimestamp(stat.st_mtime, UTC), loaded_at=datetime.now(UTC), as_of=today,
            settings_from=model.source, rep=snap.rep, row_count=snap.row_count, errors=errors,
            warnings=warnings, newest_entry=snap.newest_entry, grade_a=grades.get("A", 0),
            grade_b=grades.get("B", 0), grade_c=grades.get("C", 0), grade_d=grades.get("D", 0),
            grade_insufficient=grades.get(INSUFFICIENT, 0),
            grade_not_graded=grades.get(NOT_GRADED, 0))).inserted_primary_key
        assert inserted is not None
        snapshot_id = int(inserted[0])
        _insert_rows(conn, snapshot_id, parsed)
        conn.execute(update(db.workbooks).where(db.workbooks.c.workbook_id == workbook_id)
                     .values(current_snapshot_id=snapshot_id))
    message = t("consolidate.nul", lang, count=parsed.cleaned) if parsed.cleaned else ""
    return Loaded(path, "loaded", snap.row_count, errors, warnings, dict(grades), message, snapshot_id)


def _hold(conn: Connection, key: str) -> None:
    """Take this workbook's turn for the rest of the transaction: two consolidations of one folder into
    PostgreSQL would both find no snapshot and both insert it (a unique-key failure for one of them).
    SQLite's BEGIN IMMEDIATE already serialises every writer."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(20261205, hashtext(:key))"), {"key": key})


def _known_snapshot(conn: Connection, key: str, digest: str, settings_digest: str) -> tuple[int, int] | None:
    """(workbook_id, snapshot_id) of a stored snapshot with this content, if any."""
    row = conn.execute(
        select(db.snapshots.c.workbook_id, db.snapshots.c.snapshot_id)
        .join(db.workbooks, db.workbooks.c.workbook_id == db.snapshots.c.workbook_id)
        .where(and_(db.workbooks.c.path == key, db.snapshots.c.content_hash == digest,
                    db.snapshots.c.settings_hash == settings_digest))).first()
    return (int(row[0]), int(row[1])) if row is not None else None


def _moved_here(conn: Connection, path: Path, digest: str, settings_digest: str, lang: str) -> Loaded | None:
    """A workbook kam has not seen at this path whose exact content it stored from a path that no longer
    exists: the same workbook, moved or renamed. Its record follows it (history kept, no second claim on
    its accounts); None when that is not the case."""
    key = str(path.resolve())
    if conn.execute(select(db.workbooks.c.workbook_id).where(db.workbooks.c.path == key)).first() is not None:
        return None
    w, s = db.workbooks, db.snapshots
    for workbook_id, old, snapshot_id in conn.execute(
            select(w.c.workbook_id, w.c.path, s.c.snapshot_id).join(s, s.c.workbook_id == w.c.workbook_id)
            .where(s.c.content_hash == digest, s.c.settings_hash == settings_digest)
            .order_by(s.c.snapshot_id.desc())).all():
        if not Path(old).exists():
            conn.execute(update(w).where(w.c.workbook_id == workbook_id).values(path=key, name=path.name))
            found = _mark_current(conn, path, (workbook_id, snapshot_id))
            found.message = t("consolidate.moved", lang, old=old)
            return found
    return None


def _mark_current(conn: Connection, path: Path, known: tuple[int, int]) -> Loaded:
    """An unchanged workbook: its stored snapshot is (again) the current one; nothing else is written."""
    workbook_id, snapshot_id = known
    conn.execute(update(db.workbooks).where(and_(db.workbooks.c.workbook_id == workbook_id,
                                                 db.workbooks.c.current_snapshot_id != snapshot_id))
                 .values(current_snapshot_id=snapshot_id))
    s = conn.execute(select(db.snapshots).where(db.snapshots.c.snapshot_id == snapshot_id)).mappings().one()
    grades = {"A": s["grade_a"], "B": s["grade_b"], "C": s["grade_c"], "D": s["grade_d"],
              INSUFFICIENT: s["grade_insufficient"], NOT_GRADED: s["grade_not_graded"] or 0}
    return Loaded(path, "unchanged", s["row_count"], s["errors"], s["warnings"], grades, snapshot_id=snapshot_id)


def _insert_rows(conn: Connection, snapshot_id: int, parsed: Parsed) -> None:
    sheets = parsed.sheets or [("", "", 0)]
    bulk_insert(conn, "snapshot_sheets", ["snapshot_id", "sheet_key", "sheet_name", "row_count"],
                [(snapshot_id, *s) for s in sheets])
    snap = parsed.snap
    for key, table_name in STORE_TABLES.items():
        rows = snap.rows[table_name]
        if rows.values:
            bulk_insert(conn, db.data_tables[key].name, ["snapshot_id", *rows.columns],
                        [(snapshot_id, *r) for r in rows.values])
    if snap.grades:
        conn.execute(db.grades.insert(), [{"snapshot_id": snapshot_id, **g} for g in snap.grades])
    if parsed.findings:
        bulk_insert(conn, "findings", ["snapshot_id", *FINDING_COLUMNS], [(snapshot_id, *r) for r in parsed.findings])


def placeholders(conn: Connection, n: int) -> str:
    """`n` parameter markers in the driver's own style, for SQL run past SQLAlchemy (`?` for SQLite)."""
    return ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * n)


def bulk_insert(conn: Connection, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Many rows in one DBAPI executemany, past SQLAlchemy's per-row parameter processing (a third of a
    consolidation's time on 2,000-visit workbooks). Dates go to SQLite as the ISO text SQLAlchemy's Date
    type stores and reads back (the adapter registered below, as Python 3.11 does by default and 3.12 no
    longer promises); PostgreSQL's driver takes them as they are."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(conn, len(columns))})"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


sqlite3.register_adapter(date, date.isoformat)


def raw_rows(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """A query's rows as the driver's plain tuples (SQLAlchemy's Row objects cost pandas an exception per
    cell when it builds a frame from them: seconds on a team's visit log)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


FINDING_COLUMNS = ("sheet", "row_number", "column_name", "cell", "field", "code", "severity", "customer_id",
                   "message")


def _finding_row(f: Finding, lang: str) -> dict[str, Any]:
    """A finding as the store's finding columns (in the order of FINDING_COLUMNS)."""
    d = f.to_dict(lang)
    return dict(zip(FINDING_COLUMNS, (d["sheet"], d["row"], d["column"], d["cell"], d["field"], d["code"],
                                      d["severity"], d["customer_id"], d["message"]), strict=True))


def team_books(conn: Connection) -> tuple[list[TeamBook], dict[str, tuple[int, int]]]:
    """Every workbook's current snapshot as the team rules read it, and path -> (workbook, snapshot) ids."""
    w, s = db.workbooks, db.snapshots
    heads = conn.execute(select(w.c.workbook_id, w.c.path, s.c.snapshot_id, s.c.rep, s.c.newest_entry)
                         .join(s, s.c.snapshot_id == w.c.current_snapshot_id).order_by(w.c.path)).all()
    ids = [h.snapshot_id for h in heads]
    current = db.CURRENT_JOIN  # no IN list: any number of books
    names: dict[tuple[int, str], str] = {
        (r[0], r[1]): r[2] for r in raw_rows(
            conn, f"SELECT d.snapshot_id, d.sheet_key, d.sheet_name FROM snapshot_sheets d {current}")}
    customers: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for sid, row, cid, name, code, owner in raw_rows(
            conn, "SELECT d.snapshot_id, d.row_number, d.customer_id, d.customer_name, d.credit_code, d.owner "
            f"FROM customers d {current}"):
        if sid in customers:  # PostgreSQL reads each statement afresh: a snapshot made current since is not ours
            customers[sid].append({"row_number": row, "customer_id": cid, "customer_name": name,
                                   "credit_code": code, "owner": owner})
    books = [TeamBook(h.path, names.get((h.snapshot_id, "customers"), "客户"),
                      names.get((h.snapshot_id, "visits"), "拜访记录"), customers[h.snapshot_id],
                      [], h.newest_entry, h.rep or "") for h in heads]
    wanted = contested(books)  # only accounts in two workbooks can have team-visit-overlap
    by_path = {b.workbook: b for b in books}
    snapshot_of = {h.snapshot_id: h.path for h in heads}
    as_date = date.fromisoformat if conn.dialect.name == "sqlite" else (lambda v: v)  # SQLite keeps ISO text
    ids_wanted = sorted({cid for _, cid in wanted})
    for start in range(0, len(ids_wanted), 500):
        chunk = ids_wanted[start:start + 500]
        marks = placeholders(conn, len(chunk))
        for sid, row, cid, when, who in raw_rows(
                conn, "SELECT d.snapshot_id, d.row_number, d.customer_id, d.visit_date, d.visitor FROM visits d "
                f"{current} WHERE d.customer_id IN ({marks})", tuple(chunk)):
            path = snapshot_of.get(sid, "")
            if (path, cid) in wanted:
                by_path[path].visits.append({"row_number": row, "customer_id": cid,
                                             "visit_date": as_date(when) if when else None, "visitor": who})
    return books, {h.path: (h.workbook_id, h.snapshot_id) for h in heads}


def refresh_team_findings(engine: Engine, today: date, overlap_days: int, lang: str) -> list[TeamFinding]:
    """Recompute the team findings and replace the stored ones, in one transaction. Consolidations running at
    once take turns here (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so the last one to finish
    sees every snapshot committed and none writes its findings beside another's."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(20261124)"))
        books, ids = team_books(conn)
        found = team_findings(books, today, overlap_days)
        conn.execute(db.team_findings.delete())
        now = datetime.now(UTC)
        if found:
            conn.execute(db.team_findings.insert(), [
                {"workbook_id": ids[f.workbook][0], "snapshot_id": ids[f.workbook][1], "computed_at": now,
                 **_finding_row(f.finding, lang)} for f in found])
    return found
