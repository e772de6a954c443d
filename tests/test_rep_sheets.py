"""#26: the 日程 and 生日提醒 sheets and the .ics a rep keeps: who calls and the number to call, every account
to greet, dates as 2026-11-23, and no day count that goes stale. Read back by openpyxl and vobject (second
libraries) and printed through a real LibreOffice, read back with pdftotext."""

import re
import shutil
import subprocess
from datetime import date

import openpyxl
import pytest
import vobject
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import make_demo
from addin.workbook_templates.builder import build_workbook
from tests.conftest import needs_calc

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The demo workbook with 日程 (to the end of the year, 元旦 included) and 生日提醒 written."""
    path = tmp_path_factory.mktemp("sheets") / "demo.xlsx"
    demo = make_demo(TODAY)
    build_workbook(path, "zh", demo.rows)
    for args in (["agenda", "--days", "45"], ["birthdays"]):
        result = CliRunner().invoke(cli, [args[0], str(path), *args[1:], "--write", "--no-backup", "--today",
                                          TODAY.isoformat()])
        assert result.exit_code == 0, result.output
    return path, demo.rows


def _table(ws):
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_both_sheets_say_who_calls_and_the_number(written):
    path, rows = written
    owners = {r["customer_id"]: r["owner"] for r in rows["customers"]}
    mobiles = {(r["customer_id"], r["name"]): r.get("mobile") or None for r in rows["contacts"]}
    wb = openpyxl.load_workbook(path)
    for sheet, person in (("日程", "关键人"), ("生日提醒", "姓名")):
        head, items = _table(wb[sheet])
        assert "负责销售" in head and "手机" in head, head
        checked = 0
        for item in items:
            if item["客户编号"]:
                assert item["负责销售"] == owners[item["客户编号"]]
            if item[person] and (item["客户编号"], item[person]) in mobiles:
                assert item["手机"] == mobiles[(item["客户编号"], item[person])]
                checked += 1
        assert checked >= 5, sheet


def test_dates_are_real_dates_shown_as_yyyy_mm_dd_and_the_sheets_print_landscape(written):
    path, _ = written
    wb = openpyxl.load_workbook(path)
    for sheet in ("日程", "生日提醒"):
        ws = wb[sheet]
        first = ws["A2"]
        assert first.is_date and first.number_format == "yyyy-mm-dd", (sheet, first.number_format)
        assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFDDEBF7" and ws.freeze_panes == "A2"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$1"


def test_a_festival_names_every_account_to_greet(written):
    path, rows = written
    _, items = _table(openpyxl.load_workbook(path)["日程"])
    new_year = next(i for i in items if i["事项"] == "元旦")
    assert "等" not in new_year["说明"] and "另有" not in new_year["说明"]
    from addin.core.grading import grade_workbook
    from addin.workbook.reader import read_workbook

    greet = {g.customer_id for g in grade_workbook(read_workbook(path)).grades if g.grade.grade in ("A", "B")}
    names = {r["customer_id"]: r["customer_name"] for r in reversed(rows["customers"])}
    assert len(greet) > 12  # more than the old cut at twelve
    for cid in greet:
        assert f"{names[cid]}（{cid}）" in new_year["说明"], cid


def test_the_calendar_says_dates_never_day_counts_and_keeps_its_uids(written, tmp_path):
    path, _ = written
    seen = []
    for day in ("2026-11-22", "2026-11-25"):
        out = tmp_path / f"{day}.ics"
        result = CliRunner().invoke(cli, ["agenda", str(path), "--format", "ics", "--out", str(out), "--today", day,
                                          "--days", "60"])
        assert result.exit_code == 0, result.output
        cal = vobject.readOne(out.read_text(encoding="utf-8"))
        events = cal.vevent_list
        texts = [e.summary.value + " " + e.description.value for e in events]
        for text in texts:
            assert not re.search(r"还有\s*-?\d+\s*天|已逾期\s*\d+\s*天|in -?\d+ days|-\d+\s*天", text), text
        assert any("手机 1" in e.description.value for e in events)  # the number to call, in the phone
        keys = [(e.summary.value, e.description.value) for e in events]
        seen.append({k: e.uid.value for k, e in zip(keys, events, strict=True) if keys.count(k) == 1})
    both = set(seen[0]) & set(seen[1])  # the same item, three days later: the same event for the phone
    assert len(both) >= 10 and all(seen[0][k] == seen[1][k] for k in both)
    overdue = [k for k in both if "逾期" in k[0]]
    assert overdue  # an overdue follow-up moves to each new today, and keeps its UID


@pytest.mark.libreoffice
@needs_calc
def test_the_sheets_print_legibly(written, tmp_path):
    """LibreOffice prints each sheet: landscape, the header on every page, no more pages than rows need."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF cannot be read back")
    path, _ = written
    for sheet, head in (("日程", "日期"), ("生日提醒", "生日")):
        wb = openpyxl.load_workbook(path)
        for name in wb.sheetnames:
            if name != sheet:
                del wb[name]
        rows = wb[sheet].max_row
        only = tmp_path / f"{sheet}.xlsx"
        wb.save(only)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(only)],
                       capture_output=True, check=True, timeout=180)
        pdf = tmp_path / f"{sheet}.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
        assert width > height, sheet  # landscape
        pages = [p for p in subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                           text=True, check=True).stdout.split("\f") if p.strip()]
        assert all(p.lstrip().startswith(head) for p in pages), sheet
        assert len(pages) <= max(1, rows // 12), (sheet, len(pages), rows)
