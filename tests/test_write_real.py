"""The write path against real re-saves and the file system: marks stay removable after openpyxl or
LibreOffice re-saves the workbook (styles renumbered, comment authors rewritten, inline strings shared),
permissions and owner are kept, read-only files refused, new files follow the umask, demo never overwrites."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import make_demo
from addin.workbook_templates.builder import build_workbook
from tests.conftest import needs_calc

KAM_FILLS = {"FFF4B6B6", "FFFCE4A8"}


def _demo(path: Path) -> Path:
    build_workbook(path, "zh", make_demo(date(2026, 11, 22)).rows)
    return path


def _run(*args: str) -> object:
    result = CliRunner().invoke(cli, [*args])
    assert result.exit_code in (0, 1), result.output
    return result


def _resave_openpyxl(path: Path, _tmp: Path) -> None:
    wb = openpyxl.load_workbook(path)
    wb.save(path)


def _resave_libreoffice(path: Path, tmp: Path) -> None:
    out = tmp / "lo-out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp / 'lo').as_uri()}", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                   capture_output=True, timeout=300, check=True)
    shutil.copy(out / path.name, path)


def _kam_marked(ws, ref: str) -> tuple[bool, bool]:
    cell = ws[ref]
    filled = cell.fill is not None and cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb in KAM_FILLS
    noted = cell.comment is not None and cell.comment.text.lstrip().startswith("kam:")
    return filled, noted


RESAVERS = [pytest.param(_resave_openpyxl, id="openpyxl"),
            pytest.param(_resave_libreoffice, id="libreoffice", marks=[
                pytest.mark.libreoffice,
                needs_calc])]


@pytest.mark.parametrize("resave", RESAVERS)
def test_marks_are_removed_after_a_resave_once_the_rep_fixes_the_cell(resave, tmp_path):
    book = _demo(tmp_path / "rep.xlsx")
    findings = json.loads(_run("validate", str(book), "--format", "json", "--today", "2026-11-22").output)["issues"]
    target = next(f for f in findings if f["code"] == "location-required")
    still = next(f for f in findings if f["code"] == "required" and f["sheet"] == "拜访记录")
    _run("validate", str(book), "--mark", "--today", "2026-11-22", "--no-backup")
    resave(book, tmp_path)  # styles renumbered, comment author rewritten, strings shared
    wb = openpyxl.load_workbook(book)
    ws = wb[target["sheet"]]
    assert _kam_marked(ws, target["cell"]) == (True, True)
    ws[target["cell"]] = "客户会议室"  # the rep fixes it
    wb.save(book)
    _run("validate", str(book), "--mark", "--today", "2026-11-22", "--no-backup")
    wb = openpyxl.load_workbook(book)
    assert _kam_marked(wb[target["sheet"]], target["cell"]) == (False, False)
    assert _kam_marked(wb[still["sheet"]], still["cell"]) == (True, True)  # still wrong: marked once more
    assert wb.sheetnames.count("校验结果") == 1 and wb["_kam_marks"].sheet_state == "hidden"


def test_a_write_keeps_the_files_mode(tmp_path):
    book = _demo(tmp_path / "rep.xlsx")
    os.chmod(book, 0o664)
    _run("grade", str(book), "--write", "--no-backup")
    assert stat.S_IMODE(book.stat().st_mode) == 0o664


def test_a_read_only_workbook_is_refused_not_replaced(tmp_path):
    book = _demo(tmp_path / "rep.xlsx")
    before = book.read_bytes()
    os.chmod(book, 0o444)
    result = CliRunner().invoke(cli, ["grade", str(book), "--write", "--lang", "en"])
    assert result.exit_code == 2 and "read-only" in result.output and str(book) in result.output
    assert book.read_bytes() == before


def test_new_files_follow_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        _run("new", str(tmp_path / "blank.xlsx"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "blank.xlsx").stat().st_mode) == 0o664


def test_demo_refuses_to_overwrite_and_force_keeps_a_backup(tmp_path):
    _run("demo", str(tmp_path), "--today", "2026-11-22")
    book = next(tmp_path.glob("*.xlsx"))
    book.write_bytes(book.read_bytes())  # the rep's copy
    marker = book.read_bytes()
    result = CliRunner().invoke(cli, ["demo", str(tmp_path), "--today", "2026-11-22", "--lang", "zh"])
    assert result.exit_code == 2 and "已存在" in result.output and book.read_bytes() == marker
    _run("demo", str(tmp_path), "--today", "2026-11-22", "--force")
    assert book.with_name(book.stem + ".bak.xlsx").read_bytes() == marker
