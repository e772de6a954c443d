"""What a security and fault probe broke (issue 23), each reproduced with inputs the test builds and held shut:
links kam did not make, kills and a full disk while writing, a padded sheet, concurrent PostgreSQL loads, NUL
text, hostile rep names, runaway templates, text past its format's limits, and the minor ones. Real parts:
real processes killed with SIGKILL, a real 2 MB tmpfs, the real PostgreSQL the suite starts, openpyxl and
python-calamine reading back what kam wrote, vobject parsing the .ics."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import make_team
from addin.store import db
from addin.workbook_templates.builder import build_workbook

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]


def kam(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real command in a child process (so a crash, a hang or a traceback would show)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "addin.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)


def small_book(path: Path, owner: str = "周明", name: str = "甲公司", extra: dict | None = None) -> Path:
    """A rep workbook with two accounts, a contact and a visit, written by kam's template builder."""
    rows = {
        "customers": [{"customer_id": "C1", "customer_name": name, "owner": owner, "stage": "关系建立"},
                      {"customer_id": "C2", "customer_name": "乙公司", "owner": owner, "stage": "关系建立"}],
        "contacts": [{"customer_id": "C1", "name": "王芳", "role": "决策者", "mobile": "13800138000",
                      "birthday": date(1985, 12, 1), "calendar": "公历"}],
        "visits": [{"visit_date": date(2026, 11, 20), "customer_id": "C1", "visitor": owner, "method": "面访"}],
        "assessment": [{"customer_id": "C1", "share": 4, "business_value": 4, "effort": 3, "deal_risk": 2,
                        "payment_risk": 2, "delivery_difficulty": 3, "assessed_on": date(2026, 11, 1)}],
    }
    for key, more in (extra or {}).items():
        rows[key] = more
    build_workbook(path, "zh", rows)
    return path


# 1. links ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["validate", "--mark"], ["grade", "--write"]])
def test_a_backup_name_that_is_a_link_is_refused_and_its_target_untouched(tmp_path, command):
    real, other = tmp_path / "real", tmp_path / "other"
    real.mkdir(), other.mkdir()
    book = small_book(real / "book.xlsx")
    before = book.read_bytes()
    victim = other / "victim.txt"
    victim.write_text("keep me")
    (real / "book.bak.xlsx").symlink_to("../other/victim.txt")
    run = kam(command[0], str(book), *command[1:])
    assert run.returncode == 2 and "链接" in run.stderr and "Traceback" not in run.stderr
    assert victim.read_text() == "keep me" and book.read_bytes() == before
    # a dangling link: its target is never created
    (real / "book.bak.xlsx").unlink()
    (real / "book.bak.xlsx").symlink_to("../other/new.txt")
    assert kam(command[0], str(book), *command[1:]).returncode == 2
    assert not (other / "new.txt").exists() and book.read_bytes() == before


def test_a_workbook_that_is_a_link_is_written_at_its_target_and_stays_a_link(tmp_path):
    target = small_book(tmp_path / "real.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to("real.xlsx")
    run = kam("validate", str(link), "--mark", "--today", TODAY.isoformat())
    assert run.returncode in (0, 1), run.stderr
    assert link.is_symlink() and os.readlink(link) == "real.xlsx"
    assert "校验结果" in openpyxl.load_workbook(target, read_only=True).sheetnames  # the real file got the marks
    assert (tmp_path / "real.bak.xlsx").is_file() and not (tmp_path / "link.bak.xlsx").exists()


# 2. kills and a full disk -----------------------------------------------------------------------------------

def _killed_while(tmp_path: Path, book: Path, patch: str) -> subprocess.CompletedProcess[str]:
    code = ("import os, signal, sys\n" + patch +
            "from addin.cli import main\n"
            f"main(['grade', {str(book)!r}, '--write'])\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_kill_while_the_backup_is_written_keeps_the_old_backup_and_leaves_no_temp_file(tmp_path):
    book = small_book(tmp_path / "book.xlsx")
    assert kam("grade", str(book), "--write").returncode == 0
    old_backup = (tmp_path / "book.bak.xlsx").read_bytes()
    workbook = book.read_bytes()
    patch = ("import addin.workbook.files as f\n"
             "real = f.atomic_write\n"
             "def dying(path, write, like=None):\n"
             "    if str(path).endswith('.bak.xlsx'):\n"
             "        def half(fh):\n"
             "            fh.write(b'PK\\x03\\x04 half a backup'); fh.flush(); os.kill(os.getpid(), signal.SIGKILL)\n"
             "        return real(path, half, like)\n"
             "    return real(path, write, like)\n"
             "f.atomic_write = dying\n")
    run = _killed_while(tmp_path, book, patch)
    assert run.returncode == -9
    assert (tmp_path / "book.bak.xlsx").read_bytes() == old_backup  # 6 of 6 were 0 bytes before
    assert book.read_bytes() == workbook
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.bak.xlsx", "book.xlsx"]  # no temp file left


def test_a_kill_while_the_workbook_is_written_leaves_no_temp_file(tmp_path):
    book = small_book(tmp_path / "book.xlsx")
    before = book.read_bytes()
    patch = ("import addin.workbook.writer as w\n"
             "def dying(*a):\n"
             "    os.kill(os.getpid(), signal.SIGKILL)\n"
             "w._verify = dying\n")
    assert _killed_while(tmp_path, book, patch).returncode == -9
    assert book.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # the 8.7 MB .t.*.tmp files of the probe


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MB tmpfs (root only; skipped, saying why, where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a tmpfs: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_keeps_the_old_backup_valid_and_says_so(small_disk, tmp_path):
    filler = [{"visit_date": date(2026, 1, 1), "customer_id": "C1", "visitor": "周明", "method": "面访",
               "key_points": os.urandom(300).hex()} for _ in range(1200)]  # incompressible: ~550 KB on disk
    made = small_book(tmp_path / "book.xlsx", extra={"visits": filler})
    book = small_disk / "book.xlsx"
    shutil.copy(made, book)
    assert kam("grade", str(book), "--write").returncode == 0
    old_backup = (small_disk / "book.bak.xlsx").read_bytes()
    before = book.read_bytes()
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "fill").write_bytes(b"\0" * (free - 3 * len(before) // 2))  # room for the new file, not its backup
    run = kam("validate", str(book), "--mark", "--today", TODAY.isoformat())
    assert run.returncode == 2 and "磁盘空间不足" in run.stderr, run.stderr
    assert (small_disk / "book.bak.xlsx").read_bytes() == old_backup
    assert zipfile.ZipFile(small_disk / "book.bak.xlsx").testzip() is None
    assert book.read_bytes() == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["book.bak.xlsx", "book.xlsx", "fill"]


# 3. a padded sheet -------------------------------------------------------------------------------------------

def padded_book(folder: Path, megabytes: int) -> Path:
    """A workbook whose sheet holds `megabytes` of white space and comments before its first row: about
    84:1 deflated, under the zip-bomb ratio, so only the piece cutter's own bound stops it."""
    base = small_book(folder / "base.xlsx")
    out = folder / f"padded{megabytes}.xlsx"
    block = b"".join(b" " * 700 + b"<!--" + os.urandom(3).hex().encode() + b"-->" for _ in range(1500))
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        sheets = {n for n in zin.namelist() if n.startswith("xl/worksheets/sheet")}
        first = sorted(sheets)[1]  # 客户 (说明 is the first sheet)
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename != first:
                zout.writestr(item, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            info = zipfile.ZipInfo(item.filename)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(info, "w", force_zip64=True) as fh:
                fh.write(head + b"<sheetData>")
                written = 0
                while written < megabytes << 20:
                    fh.write(block)
                    written += len(block)
                fh.write(tail)
    base.unlink()
    return out


def test_a_sheet_padded_with_400_mb_of_white_space_is_refused_quickly_and_leanly(tmp_path):
    book = padded_book(tmp_path, 400)
    # a wrapper process whose only child is kam, so its children's peak memory is kam's alone
    wrapper = ("import resource, subprocess, sys, time\n"
               "start = time.monotonic()\n"
               "run = subprocess.run([sys.executable, '-m', 'addin.cli', 'validate', sys.argv[1]], capture_output=True,"
               " text=True)\n"
               "print(run.returncode, time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "print(run.stderr)\n")
    measured = subprocess.run([sys.executable, "-c", wrapper, str(book)], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    code, elapsed, peak_kb = measured.stdout.split("\n", 1)[0].split()
    elapsed, peak = float(elapsed), int(peak_kb) * 1024
    assert code == "2" and "没有一行结束" in measured.stdout, measured.stdout
    assert elapsed < 5, elapsed  # 32 s and 1.3 GB before: the cutter searched its growing buffer again and again
    assert peak < 300 << 20, peak


def test_one_padded_workbook_does_not_hold_up_the_team(tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    small_book(team / "a.xlsx")
    padded_book(team, 100)
    run = kam("consolidate", str(team), "--db", str(tmp_path / "s.sqlite"), "--format", "json", "--jobs", "1")
    out = json.loads(run.stdout)
    status = {Path(w["workbook"]).name: w["status"] for w in out["workbooks"]}
    assert status == {"a.xlsx": "loaded", "padded100.xlsx": "failed"} and run.returncode == 2


# 4 and 5. PostgreSQL: concurrent loads, NUL text --------------------------------------------------------------

@pytest.fixture(scope="module")
def team_files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("team")
    for rep, data in list(make_team(TODAY).items())[:2]:
        build_workbook(folder / f"{rep}.xlsx", "zh", data.rows)
    return folder


def _fresh_database(postgres_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(postgres_url.replace("/kam?", "/postgres?"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_url.replace("/kam?", f"/{name}?")


def _integrity(url: str, books: int) -> None:
    """The checks the SQLite concurrency test makes: every workbook once, one snapshot each, all current."""
    import psycopg

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM workbooks").fetchone()[0] == books
        assert conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == books
        assert conn.execute("SELECT COUNT(*) FROM workbooks WHERE current_snapshot_id IS NOT NULL").fetchone()[0] \
            == books
        assert conn.execute("SELECT MAX(version) FROM kam_schema").fetchone()[0] == db.SCHEMA_VERSION
        orphans = conn.execute("SELECT COUNT(*) FROM visits v LEFT JOIN snapshots s "
                               "ON s.snapshot_id = v.snapshot_id WHERE s.snapshot_id IS NULL").fetchone()[0]
        assert orphans == 0


def test_two_consolidations_of_one_folder_into_postgresql_both_succeed_ten_rounds(postgres_url, team_files):
    """The probe: one of the two failed every time (uq_snapshot_content / workbooks_path_key)."""
    for round_ in range(10):
        url = _fresh_database(postgres_url, "kam_twice")
        # one run takes the folder, the other the same folder or (every other round) one file of it: overlapping
        second = str(team_files) if round_ % 2 == 0 else str(sorted(team_files.glob("*.xlsx"))[0])
        procs = [subprocess.Popen([sys.executable, "-m", "addin.cli", "consolidate", source, "--db", url, "--today",
                                   TODAY.isoformat(), "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})
                 for source in (str(team_files), second)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode in (0, 1) for p in procs), (round_, [o[1].decode()[-500:] for o in outs])
        _integrity(url, 2)


def test_four_consolidations_and_a_report_at_once_into_postgresql(postgres_url, team_files, tmp_path):
    url = _fresh_database(postgres_url, "kam_four")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-m", "addin.cli", "consolidate", str(sorted(team_files.glob("*.xlsx"))[0]),
                           "--db", url, "--today", TODAY.isoformat()], capture_output=True, env=env).returncode in (0, 1)
    runs = [[sys.executable, "-m", "addin.cli", "consolidate", str(team_files), "--db", url, "--today",
             TODAY.isoformat(), "--jobs", "1"] for _ in range(4)]
    runs.append([sys.executable, "-m", "addin.cli", "report", "--db", url, "--today", TODAY.isoformat(),
                 "--format", "json"])
    procs = [subprocess.Popen(r, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for r in runs]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode in (0, 1) for p in procs), [o[1].decode()[-500:] for o in outs]
    json.loads(outs[-1][0])
    _integrity(url, 2)


def raw_text(book: Path, cells: dict[tuple[str, str], str]) -> Path:
    """Put text into cells as openpyxl writes it: a literal `_xHHHH_` unescaped, which readers (calamine)
    decode into the character it names, as they would in a file another program wrote."""
    wb = openpyxl.load_workbook(book)
    for (sheet, ref), value in cells.items():
        wb[sheet][ref] = value
    wb.save(book)
    return book


def nul_book(folder: Path) -> Path:
    """A workbook whose cells decode to text holding NUL (`_x0000_`, OOXML's escape for it)."""
    return raw_text(small_book(folder / "nul.xlsx"), {("客户", "B2"): "甲_x0000_公司", ("拜访记录", "H2"): "谈了_x0000_方案"})


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_nul_in_a_cell_is_taken_out_the_same_way_in_both_stores(store, tmp_path, request):
    team = tmp_path / "team"
    team.mkdir()
    nul_book(team)
    small_book(team / "b.xlsx", owner="李娜")
    url = str(tmp_path / "s.sqlite") if store == "sqlite" else \
        _fresh_database(request.getfixturevalue("postgres_url"), "kam_nul")
    run = kam("consolidate", str(team), "--db", url, "--format", "json", "--today", TODAY.isoformat())
    out = json.loads(run.stdout)
    assert [w["status"] for w in out["workbooks"]] == ["loaded", "loaded"], run.stderr
    said = next(w["message"] for w in out["workbooks"] if w["workbook"].endswith("nul.xlsx"))
    assert "2 个空字符" in said
    engine = db.engine_for(url)
    with engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT customer_name FROM current_customers")}
        points = {r[0] for r in conn.exec_driver_sql("SELECT key_points FROM current_visits")}
    engine.dispose()
    assert "甲公司" in names and "谈了方案" in points


# 6 and 7. hostile rep names and file names ------------------------------------------------------------------

def test_report_html_and_per_rep_files_survive_hostile_rep_names(tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    long_name = "长" * 30000
    for i, owner in enumerate(["Li $$", "A$_$B", "a/b", "a_b", long_name, "响\x07铃"]):
        small_book(team / f"r{i}.xlsx", owner=owner, name=f"公司{i}")
    store = str(tmp_path / "s.sqlite")
    assert kam("consolidate", str(team), "--db", store, "--today", TODAY.isoformat()).returncode in (0, 1)
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    run = kam("report", "--db", store, "--today", TODAY.isoformat(), "--out", str(out), "--per-rep")
    assert run.returncode == 0, run.stderr
    page = out.read_text(encoding="utf-8")
    assert "Li $$" in page and "A$_$B" in page and "\x07" not in page
    files = sorted(p.name for p in out.parent.iterdir() if p.name != "report.html")
    assert len(files) == 6 and len(set(f.casefold() for f in files)) == 6  # a/b and a_b: two files
    assert all(len(f.encode()) <= 200 for f in files)
    announced = [line for line in run.stdout.splitlines() + run.stderr.splitlines() if "/out/report_" in line]
    assert len(announced) == 6


def test_brief_over_several_workbooks_keeps_each_workbooks_briefings(tmp_path):
    (tmp_path / "x").mkdir(), (tmp_path / "y").mkdir()
    small_book(tmp_path / "x" / "张三.xlsx")
    small_book(tmp_path / "y" / "张三.xlsx")
    small_book(tmp_path / "...xlsx")
    out = tmp_path / "out"
    run = kam("brief", str(tmp_path / "x"), str(tmp_path / "y"), str(tmp_path / "...xlsx"), "--out", str(out),
              "--format", "md", "--today", TODAY.isoformat())
    assert run.returncode == 0, run.stderr
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md"))
    assert len(written) == 6  # 24 announced and 12 on disk before: two 张三 folders
    assert {w.split("/")[0] for w in written} == {"张三", "张三_2", "_"}
    assert not any(p.suffix == ".md" for p in tmp_path.iterdir())  # nothing beside --out


def test_briefing_file_names_drop_bidi_overrides(tmp_path):
    book = small_book(tmp_path / "b.xlsx", name="甲\u202egpj.exe")
    run = kam("brief", str(book), "--format", "md", "--out", str(tmp_path / "out"), "--today", TODAY.isoformat())
    assert run.returncode == 0, run.stderr
    names = [p.name for p in (tmp_path / "out").iterdir()]
    assert names and not any("\u202e" in n for n in names)


# 8. templates with a bound ------------------------------------------------------------------------------------

def _template(tmp_path: Path, body: str, ext: str = "md") -> Path:
    path = tmp_path / f"t.{ext}"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_template_that_never_ends_is_stopped_with_one_sentence(tmp_path):
    book = small_book(tmp_path / "b.xlsx")
    tpl = _template(tmp_path, "{{ account.customer_name }}{% for i in 'x' * 100000 %}{% for j in 'x' * 100000 %}"
                              "{% endfor %}{% endfor %}\n")
    start = time.monotonic()
    run = kam("brief", str(book), "--template", str(tpl), "--out", str(tmp_path / "out"), "--today",
              TODAY.isoformat(), timeout=120)
    assert time.monotonic() - start < 40  # past 90 s before
    assert run.returncode == 2 and "t.md" in run.stderr and "秒" in run.stderr and "Traceback" not in run.stderr
    assert not list(tmp_path.rglob("*_简报.md"))


def test_a_runaway_template_fails_only_the_briefing_it_runs_away_on(tmp_path):
    from addin.docs.bounded import render_bounded
    from addin.docs.render import TextRenderer

    tpl = _template(tmp_path, "{{ n }}{% if n == 2 %}{% for i in range(100000) %}{% for j in range(100000) %}"
                              "{% endfor %}{% endfor %}{% endif %}\n")
    jobs = [(i, {"n": i}, str(tmp_path / f"{i}.md")) for i in range(4)]
    start = time.monotonic()
    done = {r.index: r for r in render_bounded(lambda: TextRenderer(tpl, "md"), jobs, 2, seconds=2)}
    assert time.monotonic() - start < 20
    assert done[2].kind == "timeout" and all(done[i].ok for i in (0, 1, 3))
    assert sorted(p.name for p in tmp_path.glob("*.md") if p.name != "t.md") == ["0.md", "1.md", "3.md"]


@pytest.mark.parametrize("body", ["{{ '{:>300000000}'.format(1) }}", "{{ 'x' * 100000 * 100000 }}",
                                  "{{ '%0999999999d' % 1 }}", "{% for a in 'x' * 100000 %}{{ 'y' * 100000 }}{% endfor %}",
                                  "{{ 10 ** 100000000 }}"])
def test_huge_formatting_is_refused_or_bounded(tmp_path, body):
    book = small_book(tmp_path / "b.xlsx")
    tpl = _template(tmp_path, "<p>{{ account.customer_name }}" + body + "</p>\n", "html")
    start = time.monotonic()
    run = kam("brief", str(book), "--template", str(tpl), "--out", str(tmp_path / "out"), "--today",
              TODAY.isoformat(), timeout=120)
    assert time.monotonic() - start < 40  # 32 s / 1.8 GB, and 2.9 GB then MemoryError, before
    assert run.returncode == 2 and "t.html" in run.stderr and "Traceback" not in run.stderr, run.stderr


@pytest.mark.parametrize("tag", ["{% include '/etc/passwd' %}", "{% import 'x.html' as x %}",
                                 "{% from 'x.html' import y %}", "{% extends 'base.html' %}"])
def test_include_import_and_extends_are_refused_in_one_sentence(tmp_path, tag):
    book = small_book(tmp_path / "b.xlsx")
    tpl = _template(tmp_path, tag + "\n{{ account.customer_name }}\n")
    run = kam("brief", str(book), "--template", str(tpl), "--out", str(tmp_path / "out"))
    assert run.returncode == 2 and "不能引用别的文件" in run.stderr and "TypeError" not in run.stderr, run.stderr


# 9. text limits and control characters ---------------------------------------------------------------------

def test_marked_cells_and_notes_stay_within_excels_limit_and_escapes_survive(tmp_path):
    long_point = "长" * 32767
    book = small_book(tmp_path / "b.xlsx", extra={"visits": [
        {"visit_date": date(2026, 11, 20), "customer_id": "C1", "visitor": "周明", "method": "方式A_x0041_B",
         "key_points": long_point},
        {"visit_date": date(2026, 11, 21), "customer_id": "C9", "visitor": "周明", "method": "面访" + "啊" * 32760}]})
    run = kam("validate", str(book), "--mark", "--today", TODAY.isoformat())
    assert run.returncode == 1, run.stderr
    wb = openpyxl.load_workbook(book)
    results = wb["校验结果"]
    texts = [c.value for row in results.iter_rows() for c in row if isinstance(c.value, str)]
    assert max(map(len, texts)) <= 32767
    assert any(t.endswith("（内容过长，后面已截断）") for t in texts)  # cut with a mark that says so
    notes = [c.comment.text for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert notes and max(map(len, notes)) <= 32767
    # a literal _x0041_ is written escaped, so a reader decodes it back to itself, not to "A"
    from python_calamine import CalamineWorkbook

    grid = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("校验结果").to_python()
    assert any("A_x0041_B" in str(v) for row in grid for v in row)
    assert not any("AAB" in str(v) for row in grid for v in row)


def test_control_characters_never_reach_the_calendar(tmp_path):
    import vobject

    book = raw_text(small_book(tmp_path / "b.xlsx"), {("关键人", "B2"): "王_x0001_芳_x0007__x001B_"})
    out = tmp_path / "a.ics"
    run = kam("agenda", str(book), "--format", "ics", "--out", str(out), "--today", "2026-11-25", "--days", "30")
    assert run.returncode == 0, run.stderr
    data = out.read_bytes()
    assert not any(b in data for b in (b"\x00", b"\x01", b"\x07", b"\x1b"))
    cal = vobject.readOne(data.decode("utf-8"))
    assert any("王芳" in e.summary.value for e in cal.vevent_list)  # the name is there, its controls are not


# 10. the minor ones ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_consolidate_refuses_a_fifo_or_a_device_in_one_sentence(tmp_path, kind):
    path = tmp_path / "book.xlsx"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    run = kam("consolidate", str(path), "--db", str(tmp_path / "s.sqlite"), timeout=60)
    assert run.returncode == 2 and "不是文件" in run.stdout + run.stderr, run.stdout + run.stderr


@pytest.mark.parametrize("damage", ["DELETE FROM kam_schema",
                                    "DELETE FROM kam_schema WHERE version > 1; UPDATE kam_schema SET version = -5"])
def test_a_damaged_version_record_is_one_sentence(tmp_path, damage):
    book = small_book(tmp_path / "b.xlsx")
    store = tmp_path / "s.sqlite"
    assert kam("consolidate", str(book), "--db", str(store)).returncode in (0, 1)
    con = sqlite3.connect(store)
    con.executescript(damage)
    con.commit()
    con.close()
    run = kam("consolidate", str(book), "--db", str(store))
    assert run.returncode == 2 and "kam_schema" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert "already exists" not in run.stderr and "IndexError" not in run.stderr


def test_a_sqlite_store_error_names_the_file_not_a_server(tmp_path):
    run = kam("consolidate", str(small_book(tmp_path / "b.xlsx")), "--db", str(tmp_path / "no" / "s.sqlite"))
    assert run.returncode == 2
    assert "sqlite://" not in run.stderr and "服务器" not in run.stderr and "密码" not in run.stderr, run.stderr
    assert "不存在" in run.stderr and str(tmp_path / "no") in run.stderr  # the missing folder, named as such


def test_a_folder_kam_may_not_write_in_is_named_not_a_hidden_temp_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root may write in any folder: the refusal cannot be provoked")
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        run = kam("new", str(folder / "x.xlsx"))
    finally:
        os.chmod(folder, 0o755)
    assert run.returncode == 2 and str(folder) in run.stderr and ".tmp" not in run.stderr


def test_library_words_are_said_in_the_users_language():
    import errno
    import zipfile as zf

    from addin.errors import KamError

    assert "没有权限" in KamError("file.cannot_write", file="a", detail=PermissionError(errno.EACCES, "x")).message()
    said = KamError("file.corrupt", file="a.xlsx", detail=zf.BadZipFile("File is not a zip file")).message()
    assert "File is not" not in said and "zip" in said
    assert "permission denied" in KamError("file.cannot_write", file="a",
                                           detail=PermissionError(errno.EACCES, "x")).message("en")


def test_cli_runner_sees_the_same_refusal_as_the_process(tmp_path):
    """The in-process runner (what the buttons' tests use) gives the same one sentence for a linked backup."""
    book = small_book(tmp_path / "b.xlsx")
    (tmp_path / "b.bak.xlsx").symlink_to(tmp_path / "elsewhere.txt")
    result = CliRunner().invoke(cli, ["grade", str(book), "--write"])
    assert result.exit_code == 2 and "链接" in result.output
    assert not (tmp_path / "elsewhere.txt").exists()
