"""kam validate end to end on real files: JSON shape, exit codes, seeded mistakes, and --mark round trips."""

import json
import zipfile
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from addin.cli import cli
from addin.core.settings import SETTING_SPECS
from addin.workbook.writer import WorkbookEdits, write_workbook
from tests.conftest import needs_calc


@pytest.fixture
def runner():
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def test_fresh_template_validates_clean(runner, tmp_path):
    book = tmp_path / "new.xlsx"
    assert invoke(runner, "new", book).exit_code == 0
    result = invoke(runner, "validate", book, "--format", "json", "--today", "2026-11-22")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["issues"] == [] and data["summary"]["errors"] == 0 and data["today"] == "2026-11-22"
    assert data["summary"]["rows_checked"] == {"客户": 0, "价值评估": 0, "关键人": 0, "开发记录": 0, "拜访记录": 0,
                                               "拜访计划": 0, "设置": len(SETTING_SPECS)}
    table = invoke(runner, "validate", book, "--today", "2026-11-22")
    assert "客户 0" in table.output and "错误 0 条" in table.output


def seeded_workbook(runner, path):
    """A kam new workbook filled by a rep, with known mistakes."""
    assert invoke(runner, "new", path).exit_code == 0
    wb = openpyxl.load_workbook(path)
    wb["客户"].append(["C1", "甲医院", None, "医疗", "三甲", "周", "关系建立", "战略级", "杭州", date(2025, 1, 1)])
    wb["客户"].append(["C2", "乙中学", "12345", "教育", None, None, None, None, None, None])  # credit code, owner
    wb["价值评估"].append(["C1", 5, 5, 2, 2, 2, 2, date(2026, 9, 1)])
    wb["价值评估"].append(["C2", 3, 3, 2, 2, 7, 2])  # payment risk 7
    for name, role in (("王", "决策者"), ("李", "技术把关者"), ("张", "使用者"), ("刘", "教练")):
        wb["关键人"].append(["C1", name, role, None, "13812345678"])
    # columns: 拜访日期, 客户编号, 拜访人, 被访人, 拜访方式, 地点, 拜访目的, 谈话要点, 客户想法, 发现问题, 下一步, 跟进期限
    wb["拜访记录"].append([date(2026, 11, 1), "C1", "周", None, "面访", None, None, "谈方案"])  # no location
    wb["拜访记录"].append([date(2026, 11, 2), "C3", "周", None, "电话", None, None, "电话回访"])  # unknown customer
    wb["拜访记录"].append([date(2026, 11, 3), "C1", "周", None, "电话", None, None, "问进度", None, "价格", None,
                           date(2026, 11, 15)])  # 12 days later
    wb.save(path)
    return path


def test_seeded_mistakes_give_exact_findings(runner, tmp_path):
    book = seeded_workbook(runner, tmp_path / "rep.xlsx")
    result = invoke(runner, "validate", book, "--format", "json", "--today", "2026-11-22", "--lang", "en")
    assert result.exit_code == 1
    data = json.loads(result.output)
    got = {(i["code"], i["sheet"], i["row"], i["field"]) for i in data["issues"]}
    assert got == {
        ("bad-credit-code", "客户", 3, "credit_code"),
        ("required", "客户", 3, "owner"),
        ("out-of-range", "价值评估", 3, "payment_risk"),
        ("location-required", "拜访记录", 2, "location"),
        ("unknown-customer", "拜访记录", 3, "customer_id"),
        ("follow-up-late", "拜访记录", 4, "follow_up_due"),
        ("follow-up-overdue", "拜访记录", 4, "follow_up_due"),
        # the new template has the method's columns, so its rules read them: 价格 found 19 days ago is still
        # unresolved, and the A account's decision maker has no personal file
        ("resolution-missing", "拜访记录", 4, "resolution"),
        ("profile-thin", "关键人", 2, ""),
    }
    first = data["issues"][0]
    assert list(first) == ["sheet", "row", "column", "cell", "field", "code", "severity", "customer_id", "message"]
    assert data["summary"]["errors"] == 5 and data["summary"]["warnings"] == 4


def test_unreadable_file_is_exit_2(runner, tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook")
    result = invoke(runner, "validate", bad)
    assert result.exit_code == 2 and "Traceback" not in result.output and str(bad) in result.output


def _fill(ws, ref):
    return ws[ref].fill.fgColor.rgb if ws[ref].fill and ws[ref].fill.fill_type == "solid" else None


def test_mark_round_trip_keeps_the_reps_own_fills_and_notes(runner, tmp_path):
    book = seeded_workbook(runner, tmp_path / "rep.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["拜访记录"]
    ws["H2"].fill = PatternFill("solid", fgColor="FF00B0F0")  # the rep's own blue fill
    ws["H2"].comment = Comment("my own note", "rep")
    ws["B3"].comment = Comment("rep note on a wrong cell", "rep")  # kam must not overwrite this note
    wb.save(book)

    result = invoke(runner, "validate", book, "--mark", "--today", "2026-11-22")
    assert result.exit_code == 1, result.output
    wb = openpyxl.load_workbook(book)
    ws = wb["拜访记录"]
    assert _fill(ws, "F2") == "FFF4B6B6"                     # location-required: error fill
    assert "面访必须填写地点" in ws["F2"].comment.text and ws["F2"].comment.author == "kam"
    assert _fill(ws, "L4") == "FFFCE4A8"                     # warnings: amber
    assert _fill(ws, "H2") == "FF00B0F0" and ws["H2"].comment.text == "my own note"
    assert ws["B3"].comment.text == "rep note on a wrong cell"  # kept, the finding is still listed
    assert _fill(ws, "B3") == "FFF4B6B6"
    results = wb["校验结果"]
    assert results.max_row == 1 + 9
    links = {results.cell(r, 5).hyperlink.location for r in range(2, results.max_row + 1)
             if results.cell(r, 5).hyperlink}  # in 单元格
    assert "'拜访记录'!F2" in links
    assert "B3" in result.output  # the kept note is named

    # the rep fixes the location and the customer ID (here through kam's writer, keeping styles as Excel does)
    edits = WorkbookEdits()
    edits.set("拜访记录", 2, 5, "甲医院门诊楼")  # 地点 (F)
    edits.set("拜访记录", 3, 1, "C1")
    write_workbook(book, edits, backup=False)
    result = invoke(runner, "validate", book, "--mark", "--today", "2026-11-22", "--no-backup")
    assert result.exit_code == 1
    wb = openpyxl.load_workbook(book)
    ws = wb["拜访记录"]
    assert _fill(ws, "F2") is None and ws["F2"].comment is None     # kam's mark is gone
    assert _fill(ws, "B3") is None and ws["B3"].comment.text == "rep note on a wrong cell"
    assert _fill(ws, "H2") == "FF00B0F0" and ws["H2"].comment.text == "my own note"
    assert _fill(ws, "L4") == "FFFCE4A8"                             # still wrong, still marked
    assert wb.sheetnames.count("校验结果") == 1 and wb["校验结果"].max_row == 1 + 7  # five as before, and resolution-missing, profile-thin


def test_mark_twice_is_stable(runner, tmp_path):
    book = seeded_workbook(runner, tmp_path / "rep.xlsx")
    invoke(runner, "validate", book, "--mark", "--today", "2026-11-22", "--no-backup")
    with zipfile.ZipFile(book) as zf:
        first = {n: zf.read(n) for n in zf.namelist()}
    invoke(runner, "validate", book, "--mark", "--today", "2026-11-22", "--no-backup")
    with zipfile.ZipFile(book) as zf:
        second = {n: zf.read(n) for n in zf.namelist()}
    assert first == second


def _sheet_parts(book) -> dict[str, str]:
    """Sheet name -> worksheet part, read through workbook.xml and its relationships."""
    from defusedxml import ElementTree as ET

    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(book) as zf:
        rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
        sheets = [(s.get("name"), s.get(rid)) for s in ET.fromstring(zf.read("xl/workbook.xml")).iter()
                  if s.tag.endswith("}sheet")]
    return {name: "xl/" + rels[r].removeprefix("/xl/") for name, r in sheets}


def _with_part_changed(book, part, change):
    with zipfile.ZipFile(book) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, change(data) if info.filename == part else data)


def test_mark_a_crafted_workbook_whose_sheets_share_parts(runner, tmp_path):
    """Two sheet names pointing at one worksheet part, or two sheets at one comments part (no program writes
    that; a crafted file can): --mark marks the shared part once, with the findings of every name, and
    openpyxl (the real part) opens the result."""
    book = seeded_workbook(runner, tmp_path / "rep.xlsx")
    invoke(runner, "validate", book, "--mark", "--today", "2026-11-22", "--no-backup")  # comments parts now exist
    parts = _sheet_parts(book)
    visits, development = parts["拜访记录"], parts["开发记录"]
    shared_sheet = tmp_path / "shared-sheet.xlsx"
    shared_sheet.write_bytes(book.read_bytes())
    _with_part_changed(shared_sheet, "xl/_rels/workbook.xml.rels",
                       lambda d: d.replace(development.removeprefix("xl/").encode(), visits.removeprefix("xl/").encode()))
    result = invoke(runner, "validate", shared_sheet, "--mark", "--today", "2026-11-22", "--no-backup")
    assert result.exit_code == 1 and "kam 遇到意外错误" not in result.output, result.output
    wb = openpyxl.load_workbook(shared_sheet)
    noted = {c.coordinate for row in wb["拜访记录"].iter_rows() for c in row if c.comment}
    assert {"F2", "B3", "L4"} <= noted  # the visit findings are marked on the shared part
    shared_notes = tmp_path / "shared-notes.xlsx"
    shared_notes.write_bytes(book.read_bytes())
    with zipfile.ZipFile(book) as zf:
        rels_of = {n: zf.read(n) for n in zf.namelist() if n.endswith(".xml.rels") and "worksheets/_rels" in n}
    visits_rels = rels_of[visits.replace("worksheets/", "worksheets/_rels/") + ".rels"]
    customers_rels = parts["客户"].replace("worksheets/", "worksheets/_rels/") + ".rels"
    assert customers_rels in rels_of and b"comments" in visits_rels
    _with_part_changed(shared_notes, customers_rels, lambda _d: visits_rels)
    result = invoke(runner, "validate", shared_notes, "--mark", "--today", "2026-11-22", "--no-backup")
    assert result.exit_code == 1 and "kam 遇到意外错误" not in result.output, result.output
    openpyxl.load_workbook(shared_notes)


def test_mark_keeps_unowned_parts_of_a_rich_workbook(runner, tmp_path):
    from tests.test_writer import rich_workbook

    book = rich_workbook(tmp_path / "rich.xlsm")
    with zipfile.ZipFile(book) as zf:
        before = {n: zf.read(n) for n in zf.namelist()}
    result = invoke(runner, "validate", book, "--mark", "--today", "2026-11-22")
    assert result.exit_code == 1  # missing sheets
    with zipfile.ZipFile(book) as zf:
        after = {n: zf.read(n) for n in zf.namelist()}
    for name in ("xl/vbaProject.bin", "xl/charts/chart1.xml", "xl/media/image1.png", "xl/tables/table1.xml"):
        assert after[name] == before[name]
    assert "xl/vbaProject.bin" in after and len(after) > len(before)


@pytest.mark.libreoffice
@needs_calc
def test_marked_and_graded_workbook_opens_in_libreoffice(runner, tmp_path):
    import shutil
    import subprocess

    book = seeded_workbook(runner, tmp_path / "rep.xlsx")
    invoke(runner, "grade", book, "--write", "--no-backup")
    invoke(runner, "validate", book, "--mark", "--today", "2026-11-22", "--no-backup")
    invoke(runner, "birthdays", book, "--write", "--today", "2026-11-22", "--no-backup")
    proc = subprocess.run([shutil.which("soffice"), f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), str(book)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "rep.pdf").read_bytes().startswith(b"%PDF")


def test_an_english_workbook_gives_the_same_findings_as_a_chinese_one(tmp_path):
    """Headers, sheet names and every enum value written in English are read exactly like the Chinese."""
    from addin.core.demo import make_demo
    from addin.core.validation import validate
    from addin.workbook.reader import read_workbook
    from addin.workbook_templates.builder import build_workbook

    rows = make_demo(date(2026, 11, 22)).rows
    found = {}
    for lang in ("zh", "en"):
        path = tmp_path / f"{lang}.xlsx"
        build_workbook(path, lang, rows)
        book = read_workbook(path)
        assert all(not t.unknown_columns for t in book.sheets.values())
        report = validate(book, date(2026, 11, 22))
        found[lang] = sorted((f.code, f.row, f.field, f.customer_id) for f in report.findings)
    assert found["zh"] == found["en"] and found["zh"]
