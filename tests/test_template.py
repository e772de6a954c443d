"""The rep workbook template: committed file == builder output; sheets, headers, drop-downs, formats."""

import io
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from addin.core.schema import REP_SHEETS, SHEETS, TARGETS, FieldType
from addin.core.settings import SETTING_SPECS, Settings, read_settings
from addin.workbook.reader import read_workbook
from addin.workbook_templates.builder import build_workbook, template_path
from tests.conftest import needs_calc


def col_format(ws, col: int) -> str:
    """Number format of a column, looking through grouped <col min max> ranges."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= dim.max:
            return dim.number_format
    return "General"


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_committed_template_equals_builder_output(lang):
    buf = io.BytesIO()
    build_workbook(buf, lang)
    committed = template_path(lang).read_bytes()
    assert _parts(committed) == _parts(buf.getvalue()), "run `python -m addin.workbook_templates` and commit"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_sheets_headers_and_validations(lang):
    wb = openpyxl.load_workbook(template_path(lang))
    assert {s.label.text(lang) for s in SHEETS} - set(wb.sheetnames) == {TARGETS.label.text(lang)}  # the manager's
    for spec in REP_SHEETS:
        ws = wb[spec.label.text(lang)]
        headers = [c.value for c in ws[1]]
        assert headers[: len(spec.fields)] == [f.label.text(lang) for f in spec.fields]
        assert ws.freeze_panes == "A2"
        validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
        for col, field in enumerate(spec.fields, start=1):
            letter = openpyxl.utils.get_column_letter(col)
            if spec.key == "settings":
                continue
            dv = validations.get(f"{letter}2")
            if field.choices is not None:
                assert dv is not None and dv.type == "list", (spec.key, field.key)
                listed = dv.formula1.strip('"').split(",")
                assert listed == field.choices.labels(lang)
            if field.type is FieldType.DATE:
                assert dv is not None and dv.type == "date"
                assert col_format(ws, col) == "yyyy-mm-dd"
            if field.type is FieldType.NUMBER and not field.computed and field.maximum == 5:  # a factor
                assert dv is not None and dv.type == "decimal"
                assert (float(dv.formula1), float(dv.formula2)) == (1.0, 5.0)
                assert dv.errorStyle in (None, "stop")
            elif field.type is FieldType.NUMBER and not field.computed:  # an amount or a count of years: >= 0
                assert dv is not None and dv.type == "decimal" and dv.operator == "greaterThanOrEqual"
                assert float(dv.formula1) == 0
            if field.unit:  # amounts are numbers shown in 万元
                assert col_format(ws, col) == '#,##0.00"万元"'
            if field.key == "satisfaction":
                assert dv is not None and dv.type == "whole" and (dv.formula1, dv.formula2) == ("1", "5")


def test_visits_method_dropdown_in_chinese():
    ws = openpyxl.load_workbook(template_path("zh"))["拜访记录"]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("面访" in dv.formula1 and "微信" in dv.formula1 and "E2" in str(dv.sqref) for dv in lists)  # 被访人 is D


def test_id_and_phone_columns_are_text_so_leading_zeros_survive():
    ws = openpyxl.load_workbook(template_path("zh"))["关键人"]
    assert col_format(ws, 1) == "@"  # 客户编号
    assert col_format(ws, 5) == "@"  # 手机


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_settings_sheet_holds_every_default(lang):
    book = read_workbook(template_path(lang))
    table = book.get("settings")
    values = {table.raw(v, "key"): table.raw(v, "value") for _, v in table.rows}
    assert len(values) == len(SETTING_SPECS)
    settings, findings = read_settings(table)
    assert findings == [] and settings == Settings()  # the sheet reads back as exactly the defaults
    for spec in SETTING_SPECS:
        key = spec.label.zh if lang == "zh" else spec.label.en
        if spec.kind == "flag":
            assert values[key] == ({"zh": "是", "en": "yes"}[lang] if spec.default else {"zh": "否", "en": "no"}[lang])
        elif spec.kind == "unit":
            assert values[key] == spec.default == "万元"
        else:
            assert float(values[key]) == float(spec.default)


def test_instructions_sheet_explains_every_sheet_in_chinese():
    ws = openpyxl.load_workbook(template_path("zh"))["说明"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for spec in REP_SHEETS:
        assert spec.label.zh in text and spec.hint[0] in text
    assert "必填" in text


def test_template_reads_back_with_calamine_and_the_reader():
    wb = CalamineWorkbook.from_path(str(template_path("zh")))
    assert wb.sheet_names == ["说明", "客户", "价值评估", "关键人", "开发记录", "拜访记录", "拜访计划", "设置", "xlwings.conf"]
    book = read_workbook(template_path("zh"))
    assert set(book.sheets) == {s.key for s in REP_SHEETS}
    assert all(not t.rows for k, t in book.sheets.items() if k != "settings")
    assert book.other_sheets == ["说明", "xlwings.conf"]


def test_template_names_the_udf_module_for_xlwings():
    ws = openpyxl.load_workbook(template_path("zh"))["xlwings.conf"]
    assert ws.sheet_state == "hidden"
    assert [ws["A1"].value, ws["B1"].value] == ["UDF Modules", "addin.excel.udfs"]


@pytest.mark.libreoffice
@needs_calc
def test_template_opens_in_libreoffice_headless(tmp_path):
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    src = tmp_path / "t.xlsx"
    src.write_bytes(template_path("zh").read_bytes())
    profile = (tmp_path / "profile").as_uri()
    proc = subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "csv",
                           "--outdir", str(tmp_path / "out"), str(src)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "t.csv").exists()



def test_kam_new_manager_adds_the_targets_sheet_the_summary_button_and_report_read(tmp_path):
    """`kam new --manager`: the rep template plus 目标 before 设置 (headers as SPEC §3 names them), listed on 说明,
    and read back by kam's own reader as the targets sheet; a rep's `kam new` has no 目标."""
    from click.testing import CliRunner

    from addin.cli import cli

    book, rep = tmp_path / "经理.xlsx", tmp_path / "销售.xlsx"
    for path, extra in ((book, ["--manager"]), (rep, [])):
        done = CliRunner().invoke(cli, ["new", str(path), *extra])
        assert done.exit_code == 0, done.output
    names = openpyxl.load_workbook(book).sheetnames
    assert names.index("目标") == names.index("设置") - 1
    assert "目标" not in openpyxl.load_workbook(rep).sheetnames
    wb = openpyxl.load_workbook(book)
    assert [c.value for c in wb["目标"][1]] == [f.label.zh for f in TARGETS.fields]
    assert [c.value for c in wb["目标"][1]][:2] == ["负责销售", "期间"]
    assert any(c.value == "目标" for row in wb["说明"].iter_rows() for c in row)
    table = read_workbook(book, ["targets"]).get("targets")
    assert table is not None and table.rows == []
