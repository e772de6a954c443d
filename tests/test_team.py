"""The manager's team view (#14): several workbooks per command, `kam consolidate` into a real SQLite file and
a real PostgreSQL server, the three team findings, history and idempotence, concurrency and interruption."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from addin.cli import cli
from addin.core.demo import REPS, TEAM_PLANTED, make_team
from addin.core.team import TeamBook, account_claimed_twice, stale_workbook, team_visit_overlap
from addin.store import db
from addin.store.load import TeamModel, consolidate
from addin.workbook_templates.builder import build_workbook

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def team_files(tmp_path_factory) -> Path:
    """The demo team: one real .xlsx per rep, written by kam's template builder (XlsxWriter)."""
    folder = tmp_path_factory.mktemp("team")
    for rep, data in make_team(TODAY).items():
        build_workbook(folder / f"{rep}.xlsx", "zh", data.rows)
    return folder


@pytest.fixture
def team(team_files, tmp_path) -> Path:
    folder = tmp_path / "team"
    shutil.copytree(team_files, folder)
    return folder


@pytest.fixture
def runner():
    return CliRunner()


# --- the team rules, in memory ------------------------------------------------------------------------------

def _book(name, customers, visits=(), newest=TODAY):
    return TeamBook(name, "客户", "拜访记录",
                    [{"row_number": i + 2, **c} for i, c in enumerate(customers)],
                    [{"row_number": i + 2, **v} for i, v in enumerate(visits)], newest)


def test_claimed_twice_by_credit_code_or_by_name_but_not_one_rep_twice_in_one_book():
    a = _book("a.xlsx", [{"customer_id": "C1", "customer_name": "杭州 第一医院", "credit_code": "91330100MA27XL1234",
                          "owner": "张三"},
                         {"customer_id": "C2", "customer_name": "宁波港（集团）", "credit_code": None, "owner": "张三"},
                         {"customer_id": "C3", "customer_name": "宁波港集团", "credit_code": None, "owner": "张三"}])
    b = _book("b.xlsx", [{"customer_id": "X9", "customer_name": "另一个名字", "credit_code": "91330100MA27XL1234",
                          "owner": "李四"},
                         {"customer_id": "X8", "customer_name": "某某公司", "credit_code": None, "owner": "李四"}])
    found = account_claimed_twice([a, b])
    assert sorted((f.workbook, f.finding.customer_id) for f in found) == [("a.xlsx", "C1"), ("b.xlsx", "X9")]
    assert found[0].finding.params["other_workbook"] in ("a.xlsx", "b.xlsx")
    # two owners of one account inside one workbook is 撞单 too
    c = _book("c.xlsx", [{"customer_id": "K1", "customer_name": "某某公司", "credit_code": None, "owner": "王五"},
                         {"customer_id": "K2", "customer_name": "某某公司", "credit_code": None, "owner": "赵六"}])
    assert len(account_claimed_twice([c])) == 2


def test_team_visit_overlap_within_the_window_only_across_workbooks():
    cust = {"customer_name": "甲公司", "credit_code": None}
    a = _book("a.xlsx", [{"customer_id": "C1", "owner": "张三", **cust}],
              [{"customer_id": "C1", "visit_date": date(2026, 11, 1), "visitor": "张三"},
               {"customer_id": "C1", "visit_date": date(2026, 11, 20), "visitor": "张三"}])
    b = _book("b.xlsx", [{"customer_id": "B7", "owner": "李四", **cust}],
              [{"customer_id": "B7", "visit_date": date(2026, 11, 8), "visitor": "李四"},
               {"customer_id": "B7", "visit_date": date(2026, 11, 9), "visitor": "李四"}])
    found = team_visit_overlap([a, b], overlap_days=7)
    # 11-08 is 7 days after 11-01 (inside); 11-09 is 8 days after, but 1 day after b's own visit: not a team overlap
    assert [(f.workbook, f.finding.row) for f in found] == [("b.xlsx", 2)]
    assert found[0].finding.params["other_date"] == "2026-11-01"
    assert team_visit_overlap([a, b], overlap_days=6) == []


def test_stale_workbook_after_thirty_days_or_with_no_entry():
    fresh = _book("fresh.xlsx", [], newest=TODAY - timedelta(days=30))
    stale = _book("stale.xlsx", [], newest=TODAY - timedelta(days=31))
    empty = _book("empty.xlsx", [], newest=None)
    found = stale_workbook([fresh, stale, empty], TODAY)
    assert [f.workbook for f in found] == ["stale.xlsx", "empty.xlsx"]
    assert "31" in found[0].finding.message("zh") and "31 days" in found[0].finding.message("en")


# --- several workbooks per command (SPEC §6) ---------------------------------------------------------------

def test_validate_a_folder_gives_json_lines_skipping_lock_files_and_backups(runner, team):
    shutil.copy(team / f"{REPS[0]}.xlsx", team / f"{REPS[0]}.bak.xlsx")
    (team / f"~${REPS[0]}.xlsx").write_bytes(b"lock")
    sub = team / "归档"
    sub.mkdir()
    shutil.copy(team / f"{REPS[1]}.xlsx", sub / "旧.xlsx")
    result = runner.invoke(cli, ["validate", str(team), "--format", "json", "--today", TODAY.isoformat()])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(Path(x["workbook"]).name for x in lines) == sorted([f"{r}.xlsx" for r in REPS] + ["旧.xlsx"])
    assert all(set(x) >= {"workbook", "today", "summary", "issues"} for x in lines)
    assert result.exit_code == 1  # the demo books hold planted errors: the worst status wins
    assert "合计 5 个工作簿" in result.stderr


def test_table_mode_has_a_section_per_workbook_and_a_total(runner, team):
    result = runner.invoke(cli, ["grade", str(team / f"{REPS[0]}.xlsx"), str(team / f"{REPS[1]}.xlsx"),
                                 "--lang", "en"])
    assert result.output.count("Total over 2 workbooks") == 1
    assert f"{REPS[0]}.xlsx" in result.output and f"{REPS[1]}.xlsx" in result.output


def test_an_unreadable_workbook_is_one_sentence_and_the_others_still_run(runner, team):
    (team / "坏的.xlsx").write_bytes(b"not a zip at all")
    result = runner.invoke(cli, ["birthdays", str(team), "--format", "json", "--today", TODAY.isoformat()])
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 5 and sum(1 for x in lines if "error" in x) == 1
    assert "坏的.xlsx" in result.stderr and "Traceback" not in result.output


def test_rep_keeps_only_that_reps_accounts(runner, tmp_path):
    from addin.core.demo import make_demo

    data = make_demo(TODAY)
    path = tmp_path / "全队.xlsx"
    build_workbook(path, "zh", data.rows)
    owners = {c["customer_id"]: c["owner"] for c in data.rows["customers"]}
    result = runner.invoke(cli, ["validate", str(path), "--rep", REPS[1], "--format", "json", "--today",
                                 TODAY.isoformat()])
    issues = json.loads(result.stdout)["issues"]
    assert issues and all(owners.get(i["customer_id"]) == REPS[1] for i in issues if i["customer_id"])
    grades = json.loads(runner.invoke(cli, ["grade", str(path), "--rep", REPS[1], "--format", "json"]).stdout)
    mine = {c for c, o in owners.items() if o == REPS[1]}
    assert grades["grades"] and {g["customer_id"] for g in grades["grades"]} <= mine


def test_agenda_of_several_workbooks_as_one_calendar(runner, team, tmp_path):
    import vobject

    out = tmp_path / "team.ics"
    result = runner.invoke(cli, ["agenda", str(team), "--format", "ics", "--out", str(out), "--today",
                                 TODAY.isoformat(), "--days", "30"])
    assert result.exit_code == 0, result.output
    cal = vobject.readOne(out.read_text(encoding="utf-8"))
    uids = [e.uid.value for e in cal.vevent_list]
    assert len(uids) == len(set(uids)) > 0
    per_book = 0
    for path in sorted(team.glob("*.xlsx")):
        one = json.loads(runner.invoke(cli, ["agenda", str(path), "--format", "json", "--today", TODAY.isoformat(),
                                             "--days", "30"]).stdout)
        per_book += len(one["items"])
    assert len(uids) <= per_book  # a festival greeting two workbooks share is one event


def test_an_unreadable_workbook_leaves_the_calendar_on_stdout_clean(runner, team):
    """With --format ics to stdout, the sentence about a broken workbook and the total go to stderr."""
    import vobject

    (team / "坏的.xlsx").write_bytes(b"not a zip at all")
    result = runner.invoke(cli, ["agenda", str(team), "--format", "ics", "--today", TODAY.isoformat()])
    assert result.exit_code == 2 and "坏的.xlsx" in result.stderr and "合计" in result.stderr
    assert result.stdout.startswith("BEGIN:VCALENDAR")
    assert vobject.readOne(result.stdout).vevent_list


# --- kam consolidate into SQLite ----------------------------------------------------------------------------

def _count(engine, table, **where):
    with engine.connect() as conn:
        q = select(func.count()).select_from(table)
        for k, v in where.items():
            q = q.where(table.c[k] == v)
        return conn.execute(q).scalar()


def test_consolidate_loads_each_workbook_once_and_finds_the_planted_team_problems(runner, team, tmp_path):
    store = tmp_path / "kam-team.sqlite"
    args = ["consolidate", str(team), "--db", str(store), "--today", TODAY.isoformat(), "--format", "json"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 1, first.output  # the reps' books hold errors
    report = json.loads(first.stdout)
    assert [w["status"] for w in report["workbooks"]] == ["loaded"] * 4
    assert {i["code"] for i in report["team_issues"]} == set(TEAM_PLANTED)
    assert all(i["workbook"] for i in report["team_issues"])
    stale = [i for i in report["team_issues"] if i["code"] == "stale-workbook"]
    assert [Path(i["workbook"]).name for i in stale] == [f"{REPS[2]}.xlsx"]
    claimed = [i for i in report["team_issues"] if i["code"] == "account-claimed-twice"]
    assert sorted(Path(i["workbook"]).name for i in claimed) == sorted([f"{REPS[0]}.xlsx", f"{REPS[3]}.xlsx"])

    engine = db.engine_for(store)
    visits_before = _count(engine, db.data_tables["visits"])
    second = json.loads(runner.invoke(cli, args).stdout)
    assert [w["status"] for w in second["workbooks"]] == ["unchanged"] * 4
    assert _count(engine, db.snapshots) == 4 and _count(engine, db.data_tables["visits"]) == visits_before

    # the rep edits the workbook: a new snapshot becomes current, the old one stays as history
    from addin.core.demo import make_team as again

    data = again(TODAY)[REPS[1]]
    data.rows["visits"].append({**data.rows["visits"][-1], "visit_date": TODAY, "key_points": "新的一次拜访"})
    build_workbook(team / f"{REPS[1]}.xlsx", "zh", data.rows)
    third = json.loads(runner.invoke(cli, args).stdout)
    assert sorted(w["status"] for w in third["workbooks"]) == ["loaded", "unchanged", "unchanged", "unchanged"]
    assert _count(engine, db.snapshots) == 5
    with engine.connect() as conn:
        path = str((team / f"{REPS[1]}.xlsx").resolve())
        current = conn.execute(select(db.workbooks.c.current_snapshot_id).where(db.workbooks.c.path == path)).scalar()
        latest = conn.execute(select(func.max(db.snapshots.c.snapshot_id))).scalar()
        assert current == latest
        n_current = conn.exec_driver_sql("SELECT COUNT(*) FROM current_visits").scalar()
        n_sheet = sum(len(again(TODAY)[r].rows["visits"]) for r in REPS) + 1
        assert n_current == n_sheet
    engine.dispose()


def test_stored_rows_are_typed_and_match_the_workbook(team, tmp_path):
    engine = db.engine_for(tmp_path / "s.sqlite")
    consolidate([team / f"{REPS[0]}.xlsx"], engine, TODAY, TeamModel(), "zh")
    data = make_team(TODAY)[REPS[0]]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT visit_date, customer_id, method, follow_up_due FROM current_visits "
                                    "ORDER BY row_number").all()
    expected = [(v["visit_date"].isoformat(), v["customer_id"], v["method"],
                 v["follow_up_due"].isoformat() if v["follow_up_due"] else None)
                for v in data.rows["visits"] if isinstance(v["visit_date"], date)]
    assert [tuple(r) for r in rows if r[0]][:50] == expected[:50]
    engine.dispose()


def test_one_unreadable_workbook_is_reported_and_the_rest_load(runner, team, tmp_path):
    (team / "坏的.xlsx").write_bytes(b"PK\x03\x04 broken")
    result = runner.invoke(cli, ["consolidate", str(team), "--db", str(tmp_path / "s.sqlite"), "--today",
                                 TODAY.isoformat(), "--format", "json"])
    assert result.exit_code == 2
    statuses = {Path(w["workbook"]).name: w["status"] for w in json.loads(result.stdout)["workbooks"]}
    assert statuses.pop("坏的.xlsx") == "failed" and set(statuses.values()) == {"loaded"}


def test_one_model_for_the_team_with_settings(runner, team, tmp_path):
    from addin.core.demo import make_demo

    model = tmp_path / "model.xlsx"
    build_workbook(model, "zh", make_demo(TODAY).rows, settings={"value_threshold": 4.9})
    store = tmp_path / "s.sqlite"
    result = runner.invoke(cli, ["consolidate", str(team), "--db", str(store), "--settings", str(model),
                                 "--format", "json", "--today", TODAY.isoformat()])
    graded = json.loads(result.stdout)["workbooks"]
    # the same files graded by their own 设置 are a different snapshot, not "unchanged"
    again = json.loads(runner.invoke(cli, ["consolidate", str(team), "--db", str(store), "--format", "json",
                                           "--today", TODAY.isoformat()]).stdout)
    assert {w["status"] for w in again["workbooks"]} == {"loaded"}
    high = sum(w["grades"]["A"] + w["grades"]["B"] for w in graded)
    own = sum(w["grades"]["A"] + w["grades"]["B"] for w in again["workbooks"])
    assert high < own  # only the accounts scoring 4.9 or more on value stay A/B under the stricter model


def test_an_interrupted_workbook_leaves_no_partial_snapshot(team, tmp_path, monkeypatch):
    from addin.store import load

    engine = db.engine_for(tmp_path / "s.sqlite")
    real = load._insert_rows

    def dies_half_way(conn, snapshot_id, parsed):
        real(conn, snapshot_id, parsed)  # every row written inside the transaction ...
        raise KeyboardInterrupt  # ... and then the process is stopped

    monkeypatch.setattr(load, "_insert_rows", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        consolidate([team / f"{REPS[0]}.xlsx"], engine, TODAY, TeamModel(), "zh")
    assert _count(engine, db.snapshots) == 0 and _count(engine, db.data_tables["visits"]) == 0
    monkeypatch.setattr(load, "_insert_rows", real)
    result = consolidate([team / f"{REPS[0]}.xlsx"], engine, TODAY, TeamModel(), "zh")
    assert [x.status for x in result.loaded] == ["loaded"]
    engine.dispose()


@pytest.mark.skipif(sys.platform == "win32", reason="the pid check is the POSIX half; Windows relies on the sentinel")
def test_a_worker_whose_consolidation_is_already_gone_leaves_at_once():
    """A consolidate worker still starting when its parent was killed has been handed to another process
    already: it must leave at once, not take that process for its parent and wait forever (which held the
    killed run's output pipes open: the killed-process test timed out about one run in two). A real
    interpreter; with its true parent's pid it stays."""
    import os

    code = ("import sys, time\nfrom addin.store.load import _leave_with_parent\n"
            "_leave_with_parent(int(sys.argv[1]))\ntime.sleep(3)\n")
    gone = subprocess.run([sys.executable, "-c", code, "1"], timeout=60)
    assert gone.returncode == 1
    kept = subprocess.run([sys.executable, "-c", code, str(os.getpid())], timeout=60)
    assert kept.returncode == 0


def test_a_killed_process_leaves_no_partial_snapshot(team, tmp_path):
    """A real SIGKILL in the middle of a workbook's transaction (the process stops itself right after its
    rows are written, before the commit)."""
    store = tmp_path / "s.sqlite"
    code = (
        "import os, signal, sys\n"
        "from addin.store import load\n"
        "real = load._insert_rows\n"
        "def die(*a):\n"
        "    real(*a)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "load._insert_rows = die\n"
        "from addin.cli import main\n"
        f"main(['consolidate', {str(team)!r}, '--db', {str(store)!r}])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert proc.returncode == -9
    con = sqlite3.connect(store)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM visits").fetchone()[0] == 0
    con.close()


def test_eight_consolidations_at_once_lose_nothing(team_files, tmp_path):
    """8 processes, each its own workbook, one SQLite store: every snapshot present, the file intact."""
    sources = sorted(team_files.glob("*.xlsx"))
    books = []
    for i in range(8):
        target = tmp_path / f"rep{i}" / f"rep{i}.xlsx"
        target.parent.mkdir()
        shutil.copy(sources[i % len(sources)], target)
        books.append(target)
    store = tmp_path / "team.sqlite"
    procs = [subprocess.Popen([sys.executable, "-m", "addin.cli", "consolidate", str(b), "--db", str(store),
                               "--today", TODAY.isoformat(), "--format", "json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for b in books]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode in (0, 1) for p in procs), [o[1].decode() for o in outs]
    con = sqlite3.connect(store)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 8
    assert con.execute("SELECT COUNT(*) FROM workbooks WHERE current_snapshot_id IS NOT NULL").fetchone()[0] == 8
    assert con.execute("SELECT MAX(version) FROM kam_schema").fetchone()[0] == db.SCHEMA_VERSION
    expected = sum(len(make_team(TODAY)[p.stem].rows["visits"]) for p in sources)
    per_copy = {p.stem: len(make_team(TODAY)[p.stem].rows["visits"]) for p in sources}
    assert con.execute("SELECT COUNT(*) FROM visits").fetchone()[0] == sum(
        per_copy[sources[i % len(sources)].stem] for i in range(8)) >= expected
    con.close()


def test_a_store_from_a_newer_kam_is_refused(tmp_path, runner, team):
    store = tmp_path / "s.sqlite"
    engine = db.engine_for(store)
    db.migrate(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO kam_schema VALUES ({db.SCHEMA_VERSION + 1}, '2030-01-01')")
    engine.dispose()
    result = runner.invoke(cli, ["consolidate", str(team), "--db", str(store)])
    assert result.exit_code == 2 and "升级 kam" in result.output


def test_a_store_that_cannot_be_reached_is_one_sentence(runner, team):
    result = runner.invoke(cli, ["consolidate", str(team), "--db", "postgresql://kam@127.0.0.1:9/none", "--lang",
                                 "en"])
    assert result.exit_code == 2 and "The team store" in result.output and "Traceback" not in result.output


# --- the same against a real PostgreSQL server ---------------------------------------------------------------

def test_consolidate_into_postgresql(postgres_url, team, runner):
    args = ["consolidate", str(team), "--db", postgres_url, "--today", TODAY.isoformat(), "--format", "json"]
    first = json.loads(runner.invoke(cli, args).stdout)
    assert [w["status"] for w in first["workbooks"]] == ["loaded"] * 4
    assert {i["code"] for i in first["team_issues"]} == set(TEAM_PLANTED)
    second = json.loads(runner.invoke(cli, args).stdout)
    assert [w["status"] for w in second["workbooks"]] == ["unchanged"] * 4
    engine = db.engine_for(postgres_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM current_grades WHERE grade = 'A'").scalar() == sum(
            w["grades"]["A"] for w in first["workbooks"])
        kinds = dict(conn.exec_driver_sql(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'visits'").all())
    assert kinds["visit_date"] == "date" and kinds["method"] == "text"
    engine.dispose()


def test_parallel_reading_stores_exactly_what_one_process_stores(team, tmp_path):
    """--jobs 2 reads the workbooks in spawned processes; the store holds the same rows and findings."""
    contents = []
    for jobs in (1, 2):
        engine = db.engine_for(tmp_path / f"j{jobs}.sqlite")
        result = consolidate(sorted(team.glob("*.xlsx")), engine, TODAY, TeamModel(), "zh", jobs=jobs)
        assert [x.status for x in result.loaded] == ["loaded"] * 4
        with engine.connect() as conn:
            contents.append({name: sorted(map(tuple, conn.exec_driver_sql(
                f"SELECT * FROM current_{name}").all()), key=repr) for name in db.CURRENT_VIEWS})
        engine.dispose()
    for name in db.CURRENT_VIEWS:
        strip = lambda rows: [r[2:] for r in rows]  # noqa: E731  (the workbook path and name are the same files)
        assert strip(contents[0][name]) == strip(contents[1][name]), name


def test_a_moved_workbook_keeps_its_history_and_does_not_claim_its_own_accounts(runner, team, tmp_path):
    store = tmp_path / "s.sqlite"
    args = ["consolidate", str(team), "--db", str(store), "--today", TODAY.isoformat(), "--format", "json"]
    runner.invoke(cli, args)
    (team / f"{REPS[1]}.xlsx").rename(team / "改名后.xlsx")
    report = json.loads(runner.invoke(cli, args).stdout)
    moved = next(w for w in report["workbooks"] if Path(w["workbook"]).name == "改名后.xlsx")
    assert moved["status"] == "unchanged" and f"{REPS[1]}.xlsx" in moved["message"]
    claimed = {Path(i["workbook"]).name for i in report["team_issues"] if i["code"] == "account-claimed-twice"}
    assert claimed == {f"{REPS[0]}.xlsx", f"{REPS[3]}.xlsx"}  # only the planted 撞单, not the renamed file
    engine = db.engine_for(store)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM workbooks").scalar() == 4  # the same four workbooks
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM snapshots").scalar() == 4  # and no new snapshot
    engine.dispose()


def test_a_deleted_workbook_stops_counting_and_keeps_its_history(runner, team, tmp_path):
    store = tmp_path / "s.sqlite"
    args = ["consolidate", str(team), "--db", str(store), "--today", TODAY.isoformat(), "--format", "json"]
    runner.invoke(cli, args)
    (team / f"{REPS[0]}.xlsx").unlink()
    report = json.loads(runner.invoke(cli, args).stdout)
    assert [Path(p).name for p in report["retired"]] == [f"{REPS[0]}.xlsx"]
    assert "account-claimed-twice" not in {i["code"] for i in report["team_issues"]}  # its claim went with it
    engine = db.engine_for(store)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM workbooks WHERE current_snapshot_id IS NOT NULL").scalar() == 3
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM snapshots").scalar() == 4
    engine.dispose()
    # a workbook of another folder (another manager's) is never retired by this run
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(team / f"{REPS[1]}.xlsx", other / "b.xlsx")
    runner.invoke(cli, ["consolidate", str(other), "--db", str(store), "--today", TODAY.isoformat()])
    again = json.loads(runner.invoke(cli, args).stdout)
    assert again["retired"] == []


def test_four_consolidations_at_once_into_a_new_postgresql_database(postgres_url, team_files, tmp_path):
    """The first run creates the schema: four managers starting at once must not race to create it (the
    migration holds an advisory lock; without it this failed two runs in three) and every snapshot lands."""
    import psycopg

    admin = postgres_url.replace("/kam?", "/postgres?")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS kam_race")
        conn.execute("CREATE DATABASE kam_race")
    url = postgres_url.replace("/kam?", "/kam_race?")
    books = sorted(team_files.glob("*.xlsx"))
    procs = [subprocess.Popen([sys.executable, "-m", "addin.cli", "consolidate", str(b), "--db", url, "--today",
                               TODAY.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for b in books]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode in (0, 1) for p in procs), [o[1].decode() for o in outs]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM kam_schema").fetchone()[0] == db.SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == len(books)
        assert conn.execute("SELECT COUNT(*) FROM workbooks WHERE current_snapshot_id IS NOT NULL").fetchone()[0] \
            == len(books)
        # the team findings are one consolidation's, not two written side by side
        codes = [r[0] for r in conn.execute("SELECT code FROM team_findings")]
    assert sorted(codes) == sorted((*TEAM_PLANTED, "account-claimed-twice"))  # 撞单 on both claims
