"""The second newcomer round (#24): each bug with the behaviour that failed before. Real parts: python-docx
editing a briefing, openpyxl and LibreOffice re-saving a marked workbook (and LibreOffice printing it to PDF),
a real shell pipe into `head`, the installed package's files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import make_demo, make_team
from addin.workbook.ooxml import comment_refs, note_shape_cells
from addin.workbook_templates.builder import build_workbook
from tests.conftest import needs_calc, needs_writer

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]


def kam(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "addin.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    build_workbook(path, "zh", make_demo(TODAY).rows)
    return path


@pytest.fixture
def demo(demo_file, tmp_path) -> Path:
    return Path(shutil.copy(demo_file, tmp_path / "demo.xlsx"))


# 1. a briefing the rep edited is never lost ------------------------------------------------------------------

def _edit(docx: Path, text: str) -> None:
    from docx import Document

    document = Document(str(docx))
    document.add_paragraph(text)
    document.save(str(docx))


def _texts(docx: Path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(docx)).paragraphs)


@needs_writer
def test_a_briefing_the_rep_edited_survives_every_rerun(demo, tmp_path):
    out = tmp_path / "out"
    base = ["brief", str(demo), "--customer", "C0001", "--out", str(out), "--today", TODAY.isoformat()]
    assert kam(*base).returncode == 0
    docx = next(out.glob("*.docx"))
    _edit(docx, "我的笔记：王校长周三下午有空")
    # the same docx run again: kept, and said
    again = kam(*base)
    assert again.returncode == 0 and "保留" in again.stdout, again.stdout
    assert "我的笔记" in _texts(docx)
    # a PDF run: the docx stays (it used to be deleted), the PDF is added
    pdf = kam(*base, "--format", "pdf")
    assert pdf.returncode == 0, pdf.stdout + pdf.stderr
    assert "我的笔记" in _texts(docx) and docx.with_suffix(".pdf").is_file()
    # --force writes a new one and keeps the edited one as .bak
    forced = kam(*base, "--force")
    assert forced.returncode == 0
    assert "我的笔记" not in _texts(docx)
    backup = docx.with_name(docx.stem + ".bak.docx")
    assert "我的笔记" in _texts(backup)
    # a briefing kam wrote and nobody touched is simply written again
    assert "保留" not in kam(*base).stdout


def test_a_file_in_the_way_that_kam_never_wrote_is_kept(demo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "C0001_宁波市第一中学_简报.md"
    mine.write_text("我自己写的", encoding="utf-8")
    run = kam("brief", str(demo), "--customer", "C0001", "--format", "md", "--out", str(out), "--today",
              TODAY.isoformat())
    assert run.returncode == 0 and mine.read_text(encoding="utf-8") == "我自己写的"


# 2 and 3. re-marking after another program saved the workbook -------------------------------------------------

def _notes(path: Path) -> list[tuple[str, int, int]]:
    """(sheet part, comments, note shapes) for every sheet with notes."""
    out = []
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        for name in names:
            if not re.fullmatch(r"xl/worksheets/_rels/sheet\d+\.xml\.rels", name):
                continue
            rels = z.read(name).decode()
            comments = re.search(r'Target="([^"]*comment[^"]*\.xml)"', rels)
            vml = re.search(r'Target="([^"]*\.vml)"', rels)
            if not comments or not vml:
                continue
            part = lambda t: os.path.normpath(os.path.join("xl/worksheets", t)).replace("\\", "/").lstrip("/")  # noqa: E731
            found = {n.lower(): n for n in names}
            c = z.read(found[part(comments.group(1)).lower()])
            v = z.read(found[part(vml.group(1)).lower()])
            out.append((name, len(comment_refs(c)), len(note_shape_cells(v))))
    return out


def _mark(book: Path) -> None:
    assert kam("validate", str(book), "--mark", "--today", TODAY.isoformat(), "--no-backup").returncode == 1


def _resave_openpyxl(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    wb.save(book)


def _resave_libreoffice(book: Path, tmp_path: Path) -> None:
    profile = tmp_path / "lo-profile"
    out = tmp_path / "lo-out"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), str(book)], capture_output=True, timeout=240, check=True)
    shutil.copy(out / book.name, book)


def _fix_payment_risk(book: Path) -> tuple[str, object]:
    """Correct the planted out-of-range 付款风险; the cell that was fixed and the value it held."""
    wb = openpyxl.load_workbook(book)
    ws = wb["价值评估"]
    head = [c.value for c in ws[1]]
    col = head.index("付款风险") + 1
    for row in range(2, ws.max_row + 1):
        cell = ws.cell(row, col)
        if isinstance(cell.value, int | float) and not 1 <= cell.value <= 5:
            old, cell.value = cell.value, 3
            wb.save(book)
            return cell.coordinate, old
    raise AssertionError("the demo plants an out-of-range 付款风险")


def test_every_note_has_one_shape_after_openpyxl_resaves(demo):
    _mark(demo)
    for step in ("resave", "mark", "resave", "fix", "mark", "resave", "resave", "mark"):
        if step == "resave":
            _resave_openpyxl(demo)
        elif step == "fix":
            _fix_payment_risk(demo)  # its note goes, and must take its shape with it
        else:
            _mark(demo)
            for sheet, comments, shapes in _notes(demo):
                assert comments == shapes, (step, sheet, comments, shapes)  # 16 comments and 33 shapes before
    assert _notes(demo)


@needs_calc
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_fixed_cell_shows_no_kam_note_after_libreoffice_resaves(demo, tmp_path):
    _mark(demo)
    _resave_libreoffice(demo, tmp_path)
    fixed, old = _fix_payment_risk(demo)
    _mark(demo)
    _resave_libreoffice(demo, tmp_path)
    _mark(demo)
    for sheet, comments, shapes in _notes(demo):
        assert comments == shapes, (sheet, comments, shapes)
    wb = openpyxl.load_workbook(demo)
    assert wb["价值评估"][fixed].comment is None
    # printed by LibreOffice: no kam note text about the fixed value anywhere
    pdf_dir = tmp_path / "pdf"
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p2').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(pdf_dir), str(demo)], capture_output=True, timeout=240, check=True)
    text = subprocess.run(["pdftotext", str(pdf_dir / "demo.pdf"), "-"], capture_output=True, text=True).stdout
    assert "价值评估" in text or "客户" in text  # the sheets were printed
    assert f"“付款风险”的值 {old}" not in text.replace("\n", "")  # the note of the fixed cell, nowhere


def _beta(book: Path) -> Path:
    """The workbook part in another main namespace, as Office 2007's beta wrote it (Apache POI's
    sample-beta.xlsx): kam listed no sheet of it, so each --mark added another 校验结果."""
    out = book.with_name("beta.xlsx")
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                    b"http://schemas.microsoft.com/office/excel/2006/2", 1)
            zout.writestr(item, data)
    return out


def test_remarking_a_beta_namespace_workbook_replaces_its_results_sheet(tmp_path):
    base = tmp_path / "b.xlsx"
    build_workbook(base, "zh", {"customers": [{"customer_id": "C1", "customer_name": "甲", "owner": "周"}]})
    book = _beta(base)
    for _ in range(3):
        kam("validate", str(book), "--mark", "--no-backup", "--today", TODAY.isoformat())
    with zipfile.ZipFile(book) as z:
        names = re.findall(rb'<sheet\b[^>]*\bname="([^"]+)"', z.read("xl/workbook.xml"))
    assert names.count("校验结果".encode()) == 1, names


# 4 and 5. the agenda ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "json"])
def test_agenda_out_writes_the_table_or_json_to_the_file(demo, tmp_path, fmt):
    out = tmp_path / f"agenda.{fmt}"
    run = kam("agenda", str(demo), "--format", fmt, "--out", str(out), "--today", TODAY.isoformat())
    assert run.returncode == 0 and run.stdout == "", run.stdout
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(text)["items"]
    else:
        assert "日程" in text or "日期" in text


@pytest.mark.parametrize("window", [["--week"], ["--month", "2026-11"], ["--days", "30"]])
def test_the_agenda_never_says_a_relative_or_negative_day_count(demo, window):
    run = kam("agenda", str(demo), *window, "--today", "2026-11-25", "--format", "json")
    items = json.loads(run.stdout)["items"]
    assert items
    for item in items:
        words = item["title"] + item["detail"]
        assert not re.search(r"还有\s*-?\d+\s*天|已逾期\s*\d+\s*天|in -?\d+ days|-\d+ 天", words), words


def test_an_overdue_follow_up_keeps_its_uid_from_day_to_day(demo, tmp_path):
    import vobject

    overdue, every = [], []
    for day in ("2026-11-23", "2026-11-24"):
        out = tmp_path / f"{day}.ics"
        assert kam("agenda", str(demo), "--format", "ics", "--out", str(out), "--today", day).returncode == 0
        cal = vobject.readOne(out.read_text(encoding="utf-8"))
        overdue.append({e.uid.value for e in cal.vevent_list if "逾期" in e.summary.value})
        every.append({e.uid.value for e in cal.vevent_list})
    assert overdue[0] and overdue[0] <= overdue[1]  # yesterday's overdue events are today's, not new ones
    assert overdue[1] <= every[0]  # one that fell due overnight is the follow-up event it was, moved


# 6. new faces --------------------------------------------------------------------------------------------------

def test_new_face_splits_only_on_the_separators_spec_names(tmp_path):
    book = tmp_path / "n.xlsx"
    build_workbook(book, "zh", {
        "customers": [{"customer_id": "C1", "customer_name": "甲", "owner": "周"}],
        "contacts": [{"customer_id": "C1", "name": "王芳", "role": "决策者"},
                     {"customer_id": "C1", "name": "Dr Wang", "role": "使用者"}],
        "visits": [{"visit_date": date(2026, 11, 20), "customer_id": "C1", "visitor": "周", "method": "面访",
                    "visitee": "王　芳、Dr Wang"},
                   {"visit_date": date(2026, 11, 21), "customer_id": "C1", "visitor": "周", "method": "面访",
                    "visitee": "王芳/赵强"}]})
    report = json.loads(kam("validate", str(book), "--format", "json", "--today", TODAY.isoformat()).stdout)
    faces = [f["message"] for f in report["issues"] if f["code"] == "new-face"]
    assert len(faces) == 1 and "赵强" in faces[0] and "王" not in faces[0].replace("赵强", "")


# 7 and 9. consolidate -----------------------------------------------------------------------------------------

def test_consolidate_counts_not_graded_apart_from_insufficient(tmp_path):
    book = tmp_path / "g.xlsx"
    build_workbook(book, "zh", {
        "customers": [{"customer_id": f"C{i}", "customer_name": f"客户{i}", "owner": "周"} for i in range(1, 4)],
        "assessment": [{"customer_id": "C1", "share": 4, "business_value": 4, "effort": 3, "deal_risk": 2,
                        "payment_risk": 2, "delivery_difficulty": 3},
                       {"customer_id": "C2", "share": 4},  # 信息不足
                       {"customer_id": "C3", "share": 9, "business_value": 4, "effort": 3, "deal_risk": 2,
                        "payment_risk": 2, "delivery_difficulty": 3}]})  # a bad factor: not graded
    graded = json.loads(kam("grade", str(book), "--format", "json").stdout)
    labels = [g["grade"] for g in graded["grades"]]
    run = kam("consolidate", str(book), "--db", str(tmp_path / "s.sqlite"), "--format", "json")
    grades = json.loads(run.stdout)["workbooks"][0]["grades"]
    assert grades["信息不足"] == labels.count("信息不足") == 1
    assert grades["未评级"] == labels.count(None) == 1  # "信息不足": 2 before


def test_the_consolidate_table_tells_same_named_workbooks_apart_and_keeps_sentences_out_of_numbers(tmp_path):
    team = tmp_path / "dup"
    for sub in ("a", "b"):
        (team / sub).mkdir(parents=True)
        build_workbook(team / sub / "张三.xlsx", "zh", make_team(TODAY)[next(iter(make_team(TODAY)))].rows)
    (team / "坏.xlsx").write_bytes(b"not a workbook")
    run = kam("consolidate", str(team), "--db", str(tmp_path / "s.sqlite"), "--today", TODAY.isoformat())
    assert "a/张三.xlsx" in run.stdout and "b/张三.xlsx" in run.stdout
    bad = next(line for line in run.stdout.splitlines() if "坏.xlsx" in line)
    assert "无法读取" in bad and "不是" not in bad  # the sentence stands on a line of its own, not in 行数
    assert "不是" in run.stdout.split(bad, 1)[1]


# 8. a pipe that closes early -----------------------------------------------------------------------------------

def test_a_clean_workbook_piped_into_head_exits_0(tmp_path):
    clean = tmp_path / "clean.xlsx"
    assert kam("new", str(clean)).returncode == 0
    piped = subprocess.run(f'"{sys.executable}" -m addin.cli validate "{clean}" | head -1; '
                           'exit ${PIPESTATUS[0]}', shell=True, executable="/bin/bash", capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert piped.returncode == 0 and "Traceback" not in piped.stderr and "Broken pipe" not in piped.stderr


# 10. --rep with no match -----------------------------------------------------------------------------------------

def test_a_rep_that_owns_nothing_is_said(demo):
    run = kam("validate", str(demo), "--rep", "无此人", "--today", TODAY.isoformat())
    assert run.returncode == 2 and "无此人" in run.stderr and "--rep" in run.stderr
    some = kam("validate", str(demo), "--rep", "无此人", "--rep", "林晓雯", "--today", TODAY.isoformat())
    assert some.returncode in (0, 1) and "无此人" in some.stderr


# 11. library words ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "said"), [(["foo"], "没有命令“foo”"), (["validate", "a", "b", "--today"], "--today"),
                                            (["validate", "x.xlsx", "--db"], "--db")])
def test_click_words_are_said_in_chinese(args, said):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and said in result.output
    assert "No such" not in result.output and "requires an argument" not in result.output


def test_a_zip_error_is_said_in_chinese(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    run = kam("validate", str(bad))
    assert run.returncode == 2 and not re.search(r"[A-Za-z]{4,} [a-z]{2,} [a-z]{2,}", run.stderr), run.stderr


# 12. language follows the workbook ------------------------------------------------------------------------------

def test_an_english_workbook_gets_english_without_lang(tmp_path):
    book = tmp_path / "en.xlsx"
    build_workbook(book, "en", make_demo(TODAY).rows)
    run = kam("validate", str(book), "--mark", "--today", TODAY.isoformat(), "--no-backup")
    assert run.returncode == 1
    assert "errors" in run.stdout.lower() and "错误" not in run.stdout
    ws = openpyxl.load_workbook(book)["Validation results"]
    heads = [c.value for c in ws[1] if c.value]
    assert heads and not any(re.search(r"[\u4e00-\u9fff]", str(h)) for h in heads)
    messages = [str(row[-1].value) for row in ws.iter_rows(min_row=2, max_row=30)]
    assert messages and all(re.search(r"[A-Za-z]{3,} [a-z]{2,}", m) for m in messages)  # English sentences


def test_lang_en_on_a_chinese_workbook_speaks_english_but_names_the_workbooks_own_values(tmp_path):
    book = tmp_path / "zh.xlsx"
    build_workbook(book, "zh", {
        "customers": [{"customer_id": "C1", "customer_name": "甲", "owner": "周"}],
        "visits": [{"visit_date": date(2026, 11, 20), "customer_id": "C1", "visitor": "周", "method": "登门"}]})
    run = kam("validate", str(book), "--mark", "--lang", "en", "--today", TODAY.isoformat(), "--no-backup",
              "--format", "json")
    enum = next(i for i in json.loads(run.stdout)["issues"] if i["code"] == "bad-enum")
    said = enum["message"]
    assert "expected one of" in said and "拜访方式" in said  # an English sentence naming the workbook's column
    assert "面访" in said.split("expected one of")[1]  # and offering what its drop-down holds
    assert not re.search(r"In-person|Phone|Method", said)
    wb = openpyxl.load_workbook(book)
    assert "校验结果" in wb.sheetnames and "Validation results" not in wb.sheetnames
    heads = [c.value for c in wb["校验结果"][1]]
    assert all(re.search(r"[\u4e00-\u9fff]", str(h)) for h in heads if h)  # the sheet speaks the workbook's words
    notes = [str(row[-1].value) for row in wb["校验结果"].iter_rows(min_row=2)]
    assert any("不在可选范围内" in n for n in notes)


# rough edges -------------------------------------------------------------------------------------------------------

def test_grade_json_keeps_the_stable_value_and_adds_a_label(demo):
    zh = json.loads(kam("grade", str(demo), "--format", "json").stdout)["grades"]
    en = json.loads(kam("grade", str(demo), "--format", "json", "--lang", "en").stdout)["grades"]
    assert [g["grade"] for g in zh] == [g["grade"] for g in en]
    assert "信息不足" in {g["grade"] for g in en}
    assert "INSUFFICIENT" in {g["grade_label"] for g in en}


def test_one_unreadable_workbook_still_gives_a_json_object(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("no")
    run = kam("validate", str(bad), "--format", "json")
    assert run.returncode == 2 and json.loads(run.stdout)["error"]


def test_the_lock_file_is_refused_before_the_table(demo):
    (demo.parent / f"~${demo.name}").write_text("x")
    run = kam("validate", str(demo), "--mark", "--today", TODAY.isoformat())
    assert run.returncode == 2 and run.stdout == ""  # no whole table first


def test_the_wheel_ships_everything_inside_the_package(tmp_path):
    pytest.importorskip("setuptools")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=600)
    if built.returncode != 0:
        pytest.skip(f"pip could not build a wheel here: {built.stderr[-300:]}")
    wheel = next(tmp_path.glob("kam-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"addin"}, tops  # no top-level macros/ or workbook_templates/ in site-packages
    for needed in ("addin/docs/templates.md", "addin/macros/kam.bas", "addin/workbook_templates/kam-template.zh.xlsx",
                   "addin/docs/templates/briefing.zh.docx"):
        assert needed in names
    assert any(n.endswith("LICENSE") for n in names) or (ROOT / "LICENSE").is_file()


def test_every_package_directory_is_in_the_wheel_list():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.relative_to(ROOT).parts[:-1]) for p in (ROOT / "addin").rglob("__init__.py")}
    assert found | {"addin.workbook_templates", "addin.macros"} == listed


def test_brief_variables_lists_what_a_template_may_use():
    result = CliRunner().invoke(cli, ["brief", "--variables"])
    assert result.exit_code == 0 and "account.customer_name" in result.output


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_version_1_store_is_upgraded_keeping_its_snapshots(tmp_path, request, kind):
    """Schema 2 counts 未评级 apart: a store written by the earlier kam (version 1, no such column) is upgraded
    in place by the migration, in SQLite and in the real PostgreSQL."""
    from addin.store import db

    book = tmp_path / "g.xlsx"
    build_workbook(book, "zh", make_demo(TODAY).rows)
    if kind == "sqlite":
        url = str(tmp_path / "s.sqlite")
    else:
        import psycopg

        base = request.getfixturevalue("postgres_url")
        with psycopg.connect(base.replace("/kam?", "/postgres?"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS kam_v1")
            conn.execute("CREATE DATABASE kam_v1")
        url = base.replace("/kam?", "/kam_v1?")
    assert kam("consolidate", str(book), "--db", url, "--today", TODAY.isoformat()).returncode in (0, 1)
    engine = db.engine_for(url)
    with engine.begin() as conn:  # back to what version 1 wrote
        conn.exec_driver_sql("ALTER TABLE snapshots DROP COLUMN grade_not_graded")
        conn.exec_driver_sql("DELETE FROM kam_schema WHERE version > 1")
    build_workbook(book, "zh", make_demo(TODAY, seed=7).rows)  # a changed workbook: a second snapshot
    assert kam("consolidate", str(book), "--db", url, "--today", TODAY.isoformat()).returncode in (0, 1)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT MAX(version) FROM kam_schema").scalar() == db.SCHEMA_VERSION
        rows = conn.exec_driver_sql("SELECT grade_not_graded FROM snapshots ORDER BY snapshot_id").all()
    engine.dispose()
    assert len(rows) == 2 and rows[0][0] is None and rows[1][0] is not None  # the old snapshot kept, as it was
