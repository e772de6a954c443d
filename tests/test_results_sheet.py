"""#26: the 校验结果 sheet and the marks a rep acts on, on the demo workbook: read back by openpyxl (a second
library), and printed through a real LibreOffice to PDF, read back page by page with pdftotext."""

import re
import shutil
import subprocess
import zipfile
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import make_demo
from addin.core.findings import DATA_CODES, RULE_NAMES, SEVERITY
from addin.workbook.ooxml import note_shape_cells
from addin.workbook_templates.builder import build_workbook
from tests.conftest import needs_calc

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    """The demo workbook in each language, validated with --mark, and the findings as JSON."""
    out = {}
    for lang in ("zh", "en"):
        path = tmp_path_factory.mktemp(lang) / "demo.xlsx"
        build_workbook(path, lang, make_demo(TODAY).rows)
        report = CliRunner().invoke(cli, ["validate", str(path), "--format", "json", "--today", TODAY.isoformat(),
                                          "--lang", lang])
        import json

        issues = json.loads(report.output)["issues"]
        result = CliRunner().invoke(cli, ["validate", str(path), "--mark", "--today", TODAY.isoformat(),
                                          "--no-backup", "--lang", lang])
        assert result.exit_code == 1, result.output
        out[lang] = (path, issues)
    return out


def test_every_code_has_a_rule_name_in_both_languages():
    assert set(SEVERITY) <= set(RULE_NAMES)
    for code, (zh, en) in RULE_NAMES.items():
        assert zh and en and not re.search(r"[a-z]-[a-z]", zh) and not re.search(r"[\u4e00-\u9fff]", en), code


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_errors_come_first_with_their_category_and_rule_name(marked, lang):
    path, issues = marked[lang]
    ws = openpyxl.load_workbook(path)["校验结果" if lang == "zh" else "Validation results"]
    head = [c.value for c in ws[1]]
    assert head == (["级别", "类别", "规则", "工作表", "单元格", "行", "客户编号", "说明"] if lang == "zh" else
                    ["Severity", "Category", "Rule", "Sheet", "Cell", "Row", "Customer ID", "Message"])
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == len(issues)
    error, data = ("错误", "填写错误") if lang == "zh" else ("error", "Data to fix")
    ranks = [(r[0] != error, r[1] != data) for r in rows]
    assert ranks == sorted(ranks)  # errors, then warnings; data to fix before reminders within each
    # the same findings, counted independently from the JSON: per severity, category and rule name
    expected = sorted((i["severity"] == "error", i["code"] in DATA_CODES,
                       RULE_NAMES[i["code"]][1 if lang == "en" else 0]) for i in issues)
    got = sorted((r[0] == error, r[1] == data, r[2]) for r in rows)
    assert got == expected
    codes = set(SEVERITY)
    assert not any(str(v) in codes for r in rows for v in r)  # no code like stage-ahead-of-grade in the sheet


def test_the_sheet_is_styled_frozen_filtered_and_prints_landscape_one_page_wide(marked):
    path, _ = marked["zh"]
    ws = openpyxl.load_workbook(path)["校验结果"]
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFDDEBF7"
    tints = {r[0].value: r[0].fill.fgColor.rgb for r in ws.iter_rows(min_row=2)}
    assert tints == {"错误": "FFFCE4E4", "警告": "FFFFF4D9"}
    assert all(r[7].alignment.wrap_text for r in ws.iter_rows(min_row=2))
    long = max(ws.iter_rows(min_row=2), key=lambda r: len(r[7].value))
    assert ws.row_dimensions[long[0].row].height >= 30  # a long 说明 gets a taller row
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:H")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"


def test_a_reminder_never_paints_a_correct_value(marked):
    path, issues = marked["zh"]
    wb = openpyxl.load_workbook(path)
    painted = {(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row
               if c.fill is not None and c.fill.fill_type == "solid" and c.fill.fgColor.rgb in ("FFF4B6B6", "FFFCE4A8")}
    callbacks = [(i["sheet"], i["cell"]) for i in issues if i["code"] == "callback-missing"]
    assert callbacks and not set(callbacks) & painted  # the 面访 was a 面访: the rep must call, not fix it
    account_reminders = [(i["sheet"], f"A{i['row']}") for i in issues
                         if i["code"] not in DATA_CODES and not i["cell"] and i["sheet"] == "客户"]
    data_cells = {(i["sheet"], i["cell"] or f"A{i['row']}") for i in issues if i["code"] in DATA_CODES}
    assert account_reminders and not (set(account_reminders) & painted) - data_cells
    errors = {(i["sheet"], i["cell"]) for i in issues if i["code"] in DATA_CODES and i["cell"]}
    assert errors <= painted  # every data error is still marked


def test_notes_are_sized_to_their_text(marked):
    path, _ = marked["zh"]
    with zipfile.ZipFile(path) as z:
        vml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".vml"))
    anchors = [tuple(int(x) for x in a.split(b",")) for a in re.findall(rb"<x:Anchor>([^<]*)</x:Anchor>", vml)]
    spans = {a[6] - a[2] for a in anchors}
    assert note_shape_cells(vml) and len(spans) > 1  # not one box size for every note


@pytest.mark.libreoffice
@needs_calc
def test_the_results_print_with_their_header_on_every_page(marked, tmp_path):
    """LibreOffice prints the sheet: every page of it starts with the header row, and each 说明 is whole."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF cannot be read back")
    path, issues = marked["zh"]
    wb = openpyxl.load_workbook(path)
    for name in wb.sheetnames:
        if name != "校验结果":
            del wb[name]
    only = tmp_path / "results.xlsx"
    wb.save(only)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(only)],
                   capture_output=True, check=True, timeout=180)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "results.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2 and all(p.lstrip().startswith("级别") for p in pages)
    flat = re.sub(r"\s+", "", text)
    for issue in issues:
        assert re.sub(r"\s+", "", issue["message"])[:30] in flat, issue["message"]
