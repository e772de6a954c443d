"""The team store (SPEC §9): plain tables in SQLite or PostgreSQL through SQLAlchemy Core, created and
upgraded by numbered migrations. Documented for BI tools in docs/STORE.md.

SQLite: WAL, a 30 s busy timeout and BEGIN IMMEDIATE for every transaction (FIELD-NOTES: a deferred
transaction that reads then writes fails at once with SQLITE_BUSY_SNAPSHOT when another writer got in).
PostgreSQL: migrations hold an advisory lock so two managers starting at once do not race."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool

from addin.core.schema import FieldType
from addin.core.snapshot import STORE_TABLES, stored_fields
from addin.errors import KamError

DEFAULT_STORE = "kam-team.sqlite"

metadata = MetaData()

workbooks = Table(
    "workbooks", metadata,
    Column("workbook_id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False, unique=True, comment="the workbook's absolute path when loaded"),
    Column("name", Text, nullable=False, comment="file name"),
    Column("current_snapshot_id", Integer, comment="the snapshot the report uses"),
)

snapshots = Table(
    "snapshots", metadata,
    Column("snapshot_id", Integer, primary_key=True, autoincrement=True),
    Column("workbook_id", Integer, ForeignKey("workbooks.workbook_id"), nullable=False),
    Column("content_hash", String(64), nullable=False, comment="SHA-256 of the file"),
    Column("settings_hash", String(64), nullable=False, comment="SHA-256 of the --settings workbook, else empty"),
    Column("file_mtime", DateTime, comment="the file's modification time (UTC)"),
    Column("loaded_at", DateTime, nullable=False, comment="when kam loaded it (UTC)"),
    Column("as_of", Date, nullable=False, comment="the day validation ran as of (--today)"),
    Column("settings_from", Text, comment="the workbook whose 设置 graded it (--settings), else empty"),
    Column("rep", Text, comment="the 负责销售 named most often in 客户"),
    Column("row_count", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("newest_entry", Date, comment="newest 拜访日期 or 记录日期"),
    Column("grade_a", Integer), Column("grade_b", Integer), Column("grade_c", Integer), Column("grade_d", Integer),
    Column("grade_insufficient", Integer),
    Column("grade_not_graded", Integer, comment="accounts kam could not grade (未评级); since schema 2"),
    UniqueConstraint("workbook_id", "content_hash", "settings_hash", name="uq_snapshot_content"),
)

snapshot_sheets = Table(
    "snapshot_sheets", metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.snapshot_id"), nullable=False),
    Column("sheet_key", String(20), nullable=False,
           comment="customers, assessment, contacts, development, visits, plans"),
    Column("sheet_name", Text, nullable=False, comment="the sheet's name as written in the workbook"),
    Column("row_count", Integer, nullable=False),
)

_SQL_TYPE: dict[FieldType, Any] = {FieldType.DATE: Date, FieldType.NUMBER: Float, FieldType.INTEGER: Integer}


def _sheet_table(sheet_key: str) -> Table:
    """A data table: snapshot, worksheet row, then one column per field a rep types (named by field key)."""
    columns = [Column(f.key, _SQL_TYPE.get(f.type, Text), comment=f.label.zh) for f in stored_fields(sheet_key)]
    name = STORE_TABLES[sheet_key]
    return Table(name, metadata,
                 Column("snapshot_id", Integer, ForeignKey("snapshots.snapshot_id"), nullable=False),
                 Column("row_number", Integer, nullable=False, comment="worksheet row (the header row counts)"),
                 *columns, Index(f"ix_{name}_snapshot", "snapshot_id"), *_EXTRA_INDEXES.get(sheet_key, ()))


#: the team report counts visits per account (and reads their last satisfaction) from this index alone,
#: without reading the visit rows' long texts: a 4,000,000-visit report reads a quarter of the bytes
_REPORT_INDEX = ("snapshot_id", "customer_id", "visit_date", "row_number", "method", "follow_up_due",
                 "follow_up_done", "satisfaction")
#: and counts findings per account, severity and rule from this one
_FINDINGS_INDEX = ("snapshot_id", "customer_id", "severity", "code")
#: and finds the visits of a period (issues, greetings, the period's counts) by day
_DAY_INDEX = ("snapshot_id", "visit_date")
_EXTRA_INDEXES: dict[str, tuple[Index, ...]] = {"visits": (Index("ix_visits_report", *_REPORT_INDEX),
                                                           Index("ix_visits_day", *_DAY_INDEX))}


data_tables: dict[str, Table] = {key: _sheet_table(key) for key in STORE_TABLES}

grades = Table(
    "grades", metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.snapshot_id"), nullable=False),
    Column("customer_id", Text, nullable=False),
    Column("row_number", Integer, nullable=False, comment="the account's row in 价值评估"),
    Column("value_score", Float), Column("difficulty_score", Float),
    Column("grade", String(8), comment="A, B, C, D, 信息不足, or empty when the row could not be graded"),
    Column("advice", Text), Column("abandon", Boolean, nullable=False),
    Index("ix_grades_snapshot", "snapshot_id"),
)

_FINDING_COLUMNS = (Column("sheet", Text), Column("row_number", Integer), Column("column_name", Text),
                    Column("cell", String(16)), Column("field", String(40)), Column("code", String(40), nullable=False),
                    Column("severity", String(8), nullable=False), Column("customer_id", Text), Column("message", Text))

findings = Table(
    "findings", metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.snapshot_id"), nullable=False),
    *(c._copy() for c in _FINDING_COLUMNS),
    Index("ix_findings_snapshot", "snapshot_id"),
    Index("ix_findings_report", *_FINDINGS_INDEX),
)

team_findings = Table(
    "team_findings", metadata,
    Column("workbook_id", Integer, ForeignKey("workbooks.workbook_id"), nullable=False),
    Column("snapshot_id", Integer, ForeignKey("snapshots.snapshot_id"), nullable=False),
    Column("computed_at", DateTime, nullable=False),
    *(c._copy() for c in _FINDING_COLUMNS),
)

schema_versions = Table(
    "kam_schema", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime, nullable=False),
)

#: joins a data table `d` to the workbooks whose current snapshot it belongs to
CURRENT_JOIN = "JOIN workbooks w ON w.current_snapshot_id = d.snapshot_id"

#: the views a BI tool starts from: each data table limited to every workbook's current snapshot
CURRENT_VIEWS = (*STORE_TABLES.values(), "grades", "findings")


def _v1(conn: Connection) -> None:
    """Version 1: every table above, and the current_* views."""
    metadata.create_all(conn, tables=[t for t in metadata.sorted_tables if t.name != "kam_schema"])
    for name in CURRENT_VIEWS:
        _current_view(conn, name)


def _v2(conn: Connection) -> None:
    """Version 2: snapshots count the accounts kam could not grade (未评级) apart from 信息不足. A store made
    at version 1 by this kam already has the column (version 1 creates the tables as they are now)."""
    if "grade_not_graded" not in {c["name"] for c in inspect(conn).get_columns("snapshots")}:
        conn.execute(text("ALTER TABLE snapshots ADD COLUMN grade_not_graded INTEGER"))


def _current_view(conn: Connection, name: str) -> None:
    """(Re)create the current_* view of one table: PostgreSQL fixes a view's columns when it is made, so a
    table that gained columns needs its view made again."""
    conn.execute(text(f"DROP VIEW IF EXISTS current_{name}"))
    conn.execute(text(
        f"CREATE VIEW current_{name} AS SELECT w.path AS workbook, w.name AS workbook_name, s.rep, d.* "
        f"FROM {name} d JOIN snapshots s ON s.snapshot_id = d.snapshot_id "
        "JOIN workbooks w ON w.current_snapshot_id = s.snapshot_id"))


def _v3(conn: Connection) -> None:
    """Version 3, the method complete (#25): the person's file on 关键人, money and the stage history on 开发记录,
    the issue loop and satisfaction on 拜访记录 (new columns, empty in older snapshots), and the 拜访计划 rows. A
    store made at an earlier version by this kam already has them (version 1 creates the tables as they are)."""
    inspector = inspect(conn)
    for key in ("contacts", "development", "visits"):
        table = data_tables[key]
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
        _current_view(conn, table.name)
    if not inspector.has_table("plans"):
        data_tables["plans"].create(conn)
    _current_view(conn, "plans")


def _v4(conn: Connection) -> None:
    """Version 4: the team report's indexes on visits (two) and findings (#27). A store made at an earlier version by
    this kam already has them (version 1 creates the tables as they are now)."""
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_visits_report ON visits ({', '.join(_REPORT_INDEX)})"))
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_visits_day ON visits ({', '.join(_DAY_INDEX)})"))
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_findings_report ON findings ({', '.join(_FINDINGS_INDEX)})"))


#: numbered migrations: MIGRATIONS[n - 1] brings a store from version n - 1 to n (append, never edit)
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4]
SCHEMA_VERSION = len(MIGRATIONS)


def engine_for(db: str | Path, read_only: bool = False) -> Engine:
    """An engine for `--db`: a PostgreSQL URL, or the path of a SQLite file (made beside, not over, the rest);
    `read_only`: a SQLite file is opened so that nothing can be written to it (see `_read_only_sqlite`)."""
    text_db = str(db)
    if text_db.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        url = "postgresql+psycopg://" + text_db.split("://", 1)[1]
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise KamError("store.no_driver") from exc
        return create_engine(url, pool_pre_ping=True)
    path = Path(text_db)
    if path.is_dir():
        raise KamError("store.is_folder", path=path)
    if not path.parent.is_dir():
        raise KamError("store.no_folder", db=path, folder=path.parent)
    if read_only:
        # "sqlite://" alone would mean SingletonThreadPool (one connection per thread, closed when threads
        # outnumber it): the report reads on several threads, so connections are pooled as for any file
        return create_engine("sqlite://", creator=lambda: _read_only_sqlite(path), poolclass=QueuePool)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # let BEGIN IMMEDIATE below be the transaction, not pysqlite's deferred one
        cur = dbapi.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _read_only_sqlite(path: Path) -> Any:
    """A SQLite connection that cannot write (mode=ro). A WAL store in a folder the user may not write to has
    no -shm file to share, so SQLite cannot open it read-only that way; it is then opened as immutable, which
    is safe because nobody can be writing there either (FIELD-NOTES: SQLite read-only WAL)."""
    import sqlite3

    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30, check_same_thread=False)


def schema_version(engine: Engine) -> int:
    """The store's schema version (0: no kam schema in it), read without writing."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("kam_schema"):
            return 0
        return int(conn.execute(text("SELECT MAX(version) FROM kam_schema")).scalar() or 0)


@contextlib.contextmanager
def open_store(db: str | Path | None, read_only: bool = False) -> Iterator[Engine]:
    """The store's engine (DEFAULT_STORE when `db` is None), disposed afterwards; any database failure (no
    server, wrong password, a locked or damaged file) becomes one sentence naming the store."""
    from sqlalchemy.exc import SQLAlchemyError

    engine = engine_for(db or DEFAULT_STORE, read_only)
    try:
        yield engine
    except SQLAlchemyError as exc:
        raise store_error(engine, exc) from exc
    finally:
        engine.dispose()


@contextlib.contextmanager
def reader(engine: Engine) -> Iterator[Engine]:
    """An engine for reading beside `engine`: on a SQLite file kam may write, a read-only one on the same file,
    so threads reading for the report take no write lock (every write of kam's begins IMMEDIATE); otherwise
    `engine` itself."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield engine
        return
    read_only = engine_for(path, read_only=True)
    try:
        yield read_only
    finally:
        read_only.dispose()


def shown(engine: Engine) -> str:
    """The store as a user names it: a SQLite file's path, or a server URL without its password."""
    if engine.dialect.name == "sqlite":
        return str(engine.url.database or "")
    return engine.url.render_as_string(hide_password=True)


#: SQLite's own words for the failures a manager meets, in the user's words
_SQLITE_REASONS = {"unable to open database file": "file.sqlite_open", "database is locked": "file.sqlite_locked",
                   "file is not a database": "file.sqlite_not_db", "database disk image is malformed":
                   "file.sqlite_not_db", "attempt to write a readonly database": "file.sqlite_read_only",
                   "database or disk is full": "file.sqlite_full"}


def store_error(engine: Engine, exc: Exception) -> KamError:
    """One sentence for a database failure: for a SQLite file what is wrong with the file, in the user's
    words; for a server the driver's first line and what to check."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    if engine.dialect.name == "sqlite":
        for words, key in _SQLITE_REASONS.items():
            if words in detail:
                return KamError("store.file_error", db=shown(engine), detail=KamError(key))
        return KamError("store.file_error", db=shown(engine), detail=detail)
    return KamError("store.error", db=shown(engine), detail=detail)


def migrate(engine: Engine) -> int:
    """Bring the store to SCHEMA_VERSION (creating it when new); returns the version it was at. Runs in one
    transaction, serialised against other kam processes; a store newer than this kam is refused."""
    from datetime import UTC, datetime

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(20261123)"))
        schema_versions.create(conn, checkfirst=True)
        found = conn.execute(text("SELECT MAX(version) FROM kam_schema")).scalar() or 0
        if found < 0 or (found == 0 and inspect(conn).has_table("workbooks")):
            raise KamError("store.damaged", version=found)
        if found > SCHEMA_VERSION:
            raise KamError("store.too_new", version=found, supported=SCHEMA_VERSION)
        for version in range(found + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version - 1](conn)
            conn.execute(schema_versions.insert().values(version=version, applied_at=datetime.now(UTC)))
    return int(found)
