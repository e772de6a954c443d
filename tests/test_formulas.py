"""#28: grades as native formulas (`kam new --formulas`), recalculated by a real spreadsheet engine.

LibreOffice headless (forced to recalculate every formula on load) computes 价值分, 难度分, 等级 and 建议 over
the demo's rows and a few hundred generated factor/weight combinations, boundary cases at 1e-9 included;
`kam grade` reads the same file and must agree on every row. openpyxl re-saves the workbook first with new
factors and settings, which drops every cached value, so what is read back can only be LibreOffice's own.
"""

import random
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import make_demo
from addin.core.grading import grade_workbook
from addin.workbook.reader import read_workbook
from addin.workbook_templates.builder import build_workbook
from tests.conftest import needs_calc

TODAY = date(2026, 11, 22)
FACTOR_COLS = "BCDEFG"
RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def _recalculate(files: list[Path], out: Path, profile: Path) -> list[Path]:
    """Open each file in LibreOffice with "always recalculate" and save it again as .xlsx."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC, encoding="utf-8")
    out.mkdir(exist_ok=True)
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *map(str, files)],
                   capture_output=True, check=True, timeout=300)
    return [out / f.name for f in files]


def _cases(seed: int, n: int) -> list[list[object]]:
    """Generated factor rows: whole and half points, empty cells, and rows sitting on each threshold."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    for _ in range(n):
        row: list[object] = [rng.choice([1, 2, 3, 4, 5, 1.5, 2.5, 3.5, 4.5]) for _ in range(6)]
        if rng.random() < 0.1:
            row[rng.randrange(6)] = None
        rows.append(row)
    rows += [[3, 4, 3, 3, 3, 3], [4, 3, 3, 3, 3, 3], [1.5, 1.5, 1, 1, 1, 1], [5, 5, 4.5, 4.5, 4.5, 4.5],
             [3.5, 3.5, 3, 3, 3, 3], [3.5, 3.5, 3.5, 3.5, 3.5, 3.5], [2, 1, 5, 4, 4, 5]]
    return rows


SETTINGS = [  # (value weights, difficulty weights, thresholds and abandon lines)
    ({}, "defaults"),
    ({"weight_share": 0.3, "weight_business_value": 0.7, "weight_effort": 0.1, "weight_deal_risk": 0.2,
      "weight_payment_risk": 0.3, "weight_delivery_difficulty": 0.4}, "uneven weights"),
    ({"weight_share": 1, "weight_business_value": 2, "value_threshold": 3, "difficulty_threshold": 3.5,
      "abandon_value": 2, "abandon_difficulty": 4}, "other thresholds"),
    ({"weight_share": 0.1, "weight_business_value": 0.2, "weight_effort": 0.7, "weight_deal_risk": 0.1,
      "weight_payment_risk": 0.1, "weight_delivery_difficulty": 0.1, "value_threshold": 3.3}, "1e-9 cases"),
]


def _generated_book(path: Path, settings: dict[str, float], seed: int, n: int) -> int:
    """A formulas workbook whose 价值评估 rows and 设置 are replaced by generated ones (cached values dropped)."""
    build_workbook(path, "zh", formulas=True)
    wb = openpyxl.load_workbook(path)
    ws = wb["价值评估"]
    rows = _cases(seed, n)
    for i, factors in enumerate(rows, start=2):
        ws[f"A{i}"] = f"G{i:04d}"
        for col, value in zip(FACTOR_COLS, factors, strict=True):
            ws[f"{col}{i}"] = value
    conf = wb["设置"]
    from addin.core.settings import SETTING_SPECS

    for r in range(2, conf.max_row + 1):
        spec = next((s for s in SETTING_SPECS if s.label.zh == conf.cell(r, 1).value), None)
        if spec is not None and spec.attr in settings:
            conf.cell(r, 2).value = settings[spec.attr]
    wb.save(path)
    return len(rows)


def _compare(path: Path) -> int:
    """Every graded row: LibreOffice's formula results equal kam's grade of the same cells."""
    kam = {g.customer_id: g for g in grade_workbook(read_workbook(path)).grades}
    ws = openpyxl.load_workbook(path, data_only=True)["价值评估"]
    checked = 0
    for row in ws.iter_rows(min_row=2):
        cid = row[0].value
        if not cid:
            continue
        g = kam[str(cid)].grade
        value, difficulty, grade, advice = row[8].value, row[9].value, row[10].value, row[11].value
        assert (grade or None) == g.grade_text("zh"), (cid, grade, g.grade)
        assert (advice or None) == g.advice("zh"), (cid, advice, g.advice("zh"))
        for got, want in ((value, g.value_score), (difficulty, g.difficulty_score)):
            assert (got in (None, "")) == (want is None), (cid, got, want)
            if want is not None:
                assert abs(float(got) - want) < 1e-9, (cid, got, want)
        checked += 1
    return checked


@pytest.mark.libreoffice
@needs_calc
def test_libreoffice_recalculates_the_same_grades_as_kam(tmp_path):
    files = []
    demo = tmp_path / "demo.xlsx"
    build_workbook(demo, "zh", make_demo(TODAY).rows, formulas=True)
    wb = openpyxl.load_workbook(demo)  # re-saved by openpyxl: no cached value survives
    wb.save(demo)
    files.append(demo)
    total = 0
    for n, (settings, _why) in enumerate(SETTINGS):
        path = tmp_path / f"generated{n}.xlsx"
        total += _generated_book(path, settings, seed=n, n=70)
        files.append(path)
    assert total >= 280
    recalculated = _recalculate(files, tmp_path / "out", tmp_path / "profile")
    checked = sum(_compare(p) for p in recalculated)
    assert checked >= total + 40


def test_kam_new_formulas_writes_formulas_that_read_the_settings_by_name(tmp_path):
    path = tmp_path / "new.xlsx"
    result = CliRunner().invoke(cli, ["new", str(path), "--formulas"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    ws = wb["价值评估"]
    for col in "IJKL":
        assert str(ws[f"{col}2"].value).startswith("=") and str(ws[f"{col}501"].value).startswith("=")
    names = set(wb.defined_names.keys())
    assert {"kam_weight_share", "kam_value_threshold", "kam_abandon_difficulty"} <= names
    text = " ".join(str(ws[f"{c}2"].value) for c in "IJKL")
    used = {w.split("(")[0] for w in __import__("re").findall(r"[A-Z]+\(", text)}
    assert used <= {"IFERROR", "IF", "OR", "AND", "COUNTIF", "COUNT", "ISNUMBER", "NOT"}  # Excel 2010, WPS, Sheets


def test_grade_write_leaves_the_formulas_alone(tmp_path):
    path = tmp_path / "demo.xlsx"
    build_workbook(path, "zh", make_demo(TODAY).rows, formulas=True)
    result = CliRunner().invoke(cli, ["grade", str(path), "--write", "--no-backup"])
    assert result.exit_code in (0, 1), result.output
    ws = openpyxl.load_workbook(path)["价值评估"]
    assert str(ws["K2"].value).startswith("=") and str(ws["I2"].value).startswith("=")


def test_grade_mismatch_names_a_stale_grade_and_an_edited_formula(tmp_path):
    """SPEC §4 grade-mismatch: none on a freshly graded workbook or a fresh formulas one; a factor changed after
    grading, or a grade typed over a formula, is reported at the cell with kam's value."""
    import json

    from addin.workbook.writer import WorkbookEdits, write_workbook

    def mismatches(path: Path) -> list[dict]:
        out = CliRunner().invoke(cli, ["validate", str(path), "--format", "json", "--today", TODAY.isoformat()])
        return [i for i in json.loads(out.output)["issues"] if i["code"] == "grade-mismatch"]

    values, formulas = tmp_path / "values.xlsx", tmp_path / "formulas.xlsx"
    build_workbook(values, "zh", make_demo(TODAY).rows)
    CliRunner().invoke(cli, ["grade", str(values), "--write", "--no-backup"])
    build_workbook(formulas, "zh", make_demo(TODAY).rows, formulas=True)
    assert mismatches(values) == [] and mismatches(formulas) == []
    book = read_workbook(values)
    table = book.get("assessment")
    graded = {g.customer_id: g for g in grade_workbook(book).grades}
    row = next(n for n, r in table.rows if graded[str(table.raw(r, "customer_id"))].grade.grade == "A")
    edits = WorkbookEdits()
    edits.set(table.name, row, table.index["share"], 1)  # the share falls after grading: the cells are stale
    edits.set(table.name, row + 1, table.index["grade"], "A+")  # a grade typed by hand
    write_workbook(values, edits, backup=False)
    found = {i["cell"]: i["message"] for i in mismatches(values)}
    regraded = {g.customer_id: g for g in grade_workbook(read_workbook(values)).grades}
    cid = str(table.raw(dict(table.rows)[row], "customer_id"))
    want = regraded[cid].grade
    assert f"I{row}" in found and f"{want.value_score:.2f}" in found[f"I{row}"]
    assert f"K{row + 1}" in found and "A+" in found[f"K{row + 1}"]
    if want.grade != "A":
        assert f"K{row}" in found and want.grade in found[f"K{row}"]
