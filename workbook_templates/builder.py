"""Builds the rep workbook from the schema: six data sheets, drop-downs, formats, settings and a 说明 sheet.

The committed template files beside this module are this builder's output (`python -m addin.workbook_templates`
regenerates them; a test checks they match). `kam demo` uses the same builder with sample rows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from addin.core.grading import FACTORS
from addin.core.schema import INSTRUCTIONS, REP_SHEETS, SETTINGS, TARGETS, Field, FieldType, SheetSpec
from addin.core.settings import SETTING_SPECS, Settings
from addin.core.text import wrapped_lines
from addin.excel.plan import XLWINGS_CONF

from .formulas import NAMED_SETTINGS, setting_name

LAST_ROW = 1_048_575  # 0-based last worksheet row: validations cover the whole column below the header
FIXED_CREATED = datetime(2026, 1, 1)  # stable document properties so a rebuild is byte-identical

TEXT_TYPES = (FieldType.PHONE, FieldType.CREDIT_CODE)

_UI: dict[str, dict[str, str]] = {
    "zh": {
        "title": "大客户管理工作簿：填写说明",
        "sheet": "工作表",
        "column": "列",
        "required": "必填",
        "yes": "是",
        "allowed": "可选值 / 格式",
        "how": "怎么填",
        "date": "日期",
        "number": "数字",
        "integer": "整数",
        "phone": "电话",
        "credit_code": "18 位代码",
        "factor": "1-5 的数字",
        "amount": "金额（万元）",
        "dv_date": "请填写日期，如 2026-11-03。",
        "dv_factor": "请填写 1 到 5 之间的数字。",
        "dv_int": "请填写不小于 0 的整数。",
        "dv_score": "请填写 1 到 5 之间的整数。",
        "dv_amount": "请填写不小于 0 的金额（单位万元）。",
        "dv_positive": "请填写不小于 0 的数字。",
        "dv_list": "请从下拉列表中选择。",
        "dv_title": "提示",
    },
    "en": {
        "title": "Key-account workbook: how to fill it in",
        "sheet": "Sheet",
        "column": "Column",
        "required": "Required",
        "yes": "yes",
        "allowed": "Allowed values / format",
        "how": "How to fill it",
        "date": "date",
        "number": "number",
        "integer": "whole number",
        "phone": "phone",
        "credit_code": "18-character code",
        "factor": "number from 1 to 5",
        "amount": "amount (10,000 CNY)",
        "dv_date": "Enter a date such as 2026-11-03.",
        "dv_factor": "Enter a number from 1 to 5.",
        "dv_int": "Enter a whole number of 0 or more.",
        "dv_score": "Enter a whole number from 1 to 5.",
        "dv_amount": "Enter an amount of 0 or more (in 10,000 CNY).",
        "dv_positive": "Enter a number of 0 or more.",
        "dv_list": "Pick a value from the list.",
        "dv_title": "Hint",
    },
}


_INTRO: dict[str, list[str]] = {
    "zh": [
            "本工作簿由 kam 生成，用来管理大客户：登记客户、评估价值、记录关键人、开发进展和每次拜访。",
            "表头文字请不要修改（可以调整列的顺序，也可以在右侧加自己的列）。灰底的列由 kam 自动计算。",
            "浅橙色表头是必填列。带下拉箭头的列请从列表中选择；日期请填真实日期，如 2026-11-03。",
            "填完后请让 kam 校验（Excel 中点“校验”按钮，或命令行运行 kam validate），按提示逐条修正。",
            "校验后：红底单元格是错误，必须改；黄底单元格是警告，请核对；鼠标移到单元格上可看批注。“校验结果”表按先错误后警告"
            "列出每一条，“类别”一列分开“填写错误”（改表格）和“销售提醒”（按方法该去做的事，例如回访、拜访教练），"
            "销售提醒一般只列在表里；要你在某一格补填或更新的，那一格也涂黄色。再次校验时，kam 会先去掉上次的颜色和批注。",
    ],
    "en": [
            "This workbook was made by kam to run key accounts: the accounts, their value, their buying "
            "influences, the development record and every visit.",
            "Keep the header texts as they are (you may reorder columns or add your own on the right). "
            "Grey columns are computed by kam.",
            "Orange headers are required. Pick values from the drop-down lists; enter real dates such as 2026-11-03.",
            "When done, let kam check it (the Validate button in Excel, or `kam validate` on the command line).",
            "After a check, a red cell is an error to fix and an amber cell a warning to look at; hover over it for "
            "the note. The Validation results sheet lists errors first, then warnings; its Category column tells "
            "data to fix from sales reminders (what the method asks you to do, such as a call back), which are "
            "listed, and colour a cell only where they ask you to fill it in or bring it up to date. A new check "
            "first takes the previous colours and notes off.",
    ],
}


def sheet_title(spec: SheetSpec, lang: str) -> str:
    """The sheet name used in a workbook built in `lang`."""
    return spec.label.text(lang)


def _allowed(field: Field, lang: str) -> str:
    ui = _UI[lang]
    if field.choices is not None:
        return " / ".join(field.choices.labels(lang))
    if field.type is FieldType.NUMBER and field.minimum == 1 and field.maximum == 5:
        return ui["factor"]
    if field.unit:
        return ui["amount"]
    if field.type is FieldType.INTEGER and field.maximum is not None:
        return f"{int(field.minimum or 0)}-{int(field.maximum)}"
    return {
        FieldType.DATE: ui["date"],
        FieldType.BIRTHDAY: ui["date"],
        FieldType.NUMBER: ui["number"],
        FieldType.INTEGER: ui["integer"],
        FieldType.PHONE: ui["phone"],
        FieldType.CREDIT_CODE: ui["credit_code"],
    }.get(field.type, "")


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "等线", "font_size": 11, "valign": "vcenter"}
        head = {**base, "bold": True, "border": 1, "text_wrap": True, "align": "center"}
        self.header = wb.add_format({**head, "bg_color": "#DDEBF7"})
        self.header_required = wb.add_format({**head, "bg_color": "#F8CBAD"})
        self.header_computed = wb.add_format({**head, "bg_color": "#D9D9D9"})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.text = wb.add_format({**base, "num_format": "@"})
        self.number = wb.add_format({**base, "num_format": "0.00"})
        self.amount = wb.add_format({**base, "num_format": '#,##0.00"万元"'})
        self.plain = wb.add_format(base)
        self.computed = wb.add_format({**base, "bg_color": "#F2F2F2"})
        self.title = wb.add_format({**base, "bold": True, "font_size": 16})
        self.wrap = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.bold_wrap = wb.add_format({**base, "bold": True, "text_wrap": True, "valign": "top"})

    def column(self, field: Field) -> Any:
        if field.computed:
            return self.computed
        if field.type in (FieldType.DATE, FieldType.BIRTHDAY):
            return self.date
        if field.type in TEXT_TYPES or field.key == "customer_id":
            return self.text
        if field.unit:
            return self.amount
        return self.plain


def _validate(ws: Worksheet, col: int, field: Field, lang: str) -> None:
    ui = _UI[lang]
    common = {"input_title": ui["dv_title"], "error_title": ui["dv_title"]}
    if field.computed:
        return
    if field.choices is not None:
        ws.data_validation(1, col, LAST_ROW, col, {
            **common, "validate": "list", "source": field.choices.labels(lang),
            "error_type": "warning", "input_message": ui["dv_list"], "error_message": ui["dv_list"],
        })
    elif field.type is FieldType.DATE:
        ws.data_validation(1, col, LAST_ROW, col, {
            **common, "validate": "date", "criteria": "between", "minimum": date(1900, 1, 1),
            "maximum": date(2099, 12, 31), "error_type": "warning",
            "input_message": ui["dv_date"], "error_message": ui["dv_date"],
        })
    elif field.type is FieldType.NUMBER and field.minimum is not None and field.maximum is not None:
        ws.data_validation(1, col, LAST_ROW, col, {
            **common, "validate": "decimal", "criteria": "between", "minimum": field.minimum,
            "maximum": field.maximum, "input_message": ui["dv_factor"], "error_message": ui["dv_factor"],
        })
    elif field.type is FieldType.INTEGER and field.maximum is not None:
        ws.data_validation(1, col, LAST_ROW, col, {
            **common, "validate": "integer", "criteria": "between", "minimum": int(field.minimum or 0),
            "maximum": int(field.maximum), "error_type": "warning", "input_message": ui["dv_score"],
            "error_message": ui["dv_score"],
        })
    elif field.type is FieldType.NUMBER and field.minimum is not None:
        message = ui["dv_amount"] if field.unit else ui["dv_positive"]
        ws.data_validation(1, col, LAST_ROW, col, {
            **common, "validate": "decimal", "criteria": ">=", "value": field.minimum, "error_type": "warning",
            "input_message": message, "error_message": message,
        })
    elif field.type is FieldType.INTEGER:
        ws.data_validation(1, col, LAST_ROW, col, {
            **common, "validate": "integer", "criteria": ">=", "value": int(field.minimum or 0),
            "error_type": "warning", "input_message": ui["dv_int"], "error_message": ui["dv_int"],
        })


def _printable(ws: Worksheet, repeat_header: bool = True) -> None:
    """A4 landscape, one page wide, header row repeated: what a manager gets when pressing Print."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if repeat_header:
        ws.repeat_rows(0)


def _cell_value(field: Field, value: object, lang: str) -> object:
    if field.choices is not None and isinstance(value, str):
        return field.choices.display(value, lang)
    return value


def _write_row(ws: Worksheet, row: int, fields: Sequence[Field], values: Mapping[str, object],
               fmt: _Formats, lang: str) -> None:
    for col, field in enumerate(fields):
        value = _cell_value(field, values.get(field.key), lang)
        if value is None or value == "":
            continue
        if isinstance(value, datetime | date):
            stamp = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
            ws.write_datetime(row, col, stamp, fmt.date)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt.number if field.computed else fmt.column(field))
        else:
            ws.write_string(row, col, str(value), fmt.column(field))


#: rows of 价值评估 that get the grading formulas in a blank `kam new --formulas` workbook (fill down for more)
FORMULA_ROWS = 500


def _data_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, spec: SheetSpec, lang: str,
                rows: Sequence[Mapping[str, object]], fields: Sequence[Field],
                formulas: Settings | None = None) -> None:
    ws = wb.add_worksheet(sheet_title(spec, lang))
    for col, field in enumerate(fields):
        header_fmt = fmt.header_computed if field.computed else (
            fmt.header_required if field.required else fmt.header)
        ws.write_string(0, col, field.label.text(lang), header_fmt)
        ws.set_column(col, col, field.width, fmt.column(field))
        _validate(ws, col, field, lang)
    ws.set_row(0, 30)
    ws.freeze_panes(1, 0)
    _printable(ws)
    ws.autofilter(0, 0, max(len(rows), 1), len(fields) - 1)
    for i, values in enumerate(rows, start=1):
        _write_row(ws, i, fields, values, fmt, lang)
    if formulas is not None and spec.key == "assessment":
        _grade_formulas(ws, fmt, fields, rows, lang, formulas)


def _grade_formulas(ws: Worksheet, fmt: _Formats, fields: Sequence[Field], rows: Sequence[Mapping[str, object]],
                    lang: str, settings: Settings) -> None:
    """价值分, 难度分, 等级, 建议 as formulas on every data row (and blank rows up to FORMULA_ROWS), each with
    kam's own result cached, so the file shows the grades before any recalculation."""
    from addin.core.grading import grade_factors, parse_factors
    from addin.core.model import column_letter

    from .formulas import grade_formulas

    cols = {f.key: i for i, f in enumerate(fields)}
    needed = ("customer_id", *FACTORS, "value_score", "difficulty_score", "grade", "advice")
    if any(k not in cols for k in needed):
        return  # an older layout without these columns: kam grade writes values there
    letters = {k: column_letter(i) for k, i in cols.items()}
    seen: set[str] = set()
    for n in range(1, max(len(rows), FORMULA_ROWS) + 1):
        values = rows[n - 1] if n <= len(rows) else {}
        cached: dict[str, object] = {"value_score": "", "difficulty_score": "", "grade": "", "advice": ""}
        cid = str(values.get("customer_id") or "").strip()
        factors, bad = parse_factors(values)
        if cid and cid not in seen and not bad:
            g = grade_factors(factors, settings)
            cached = {"value_score": "" if g.value_score is None else g.value_score,
                      "difficulty_score": "" if g.difficulty_score is None else g.difficulty_score,
                      "grade": g.grade_text(lang) or "", "advice": g.advice(lang) or ""}
        if cid:
            seen.add(cid)
        for key, formula in grade_formulas(n + 1, letters, lang).items():
            style = fmt.number if key in ("value_score", "difficulty_score") else fmt.column(fields[cols[key]])
            ws.write_formula(n, cols[key], "=" + formula, style, cached[key])


def _settings_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, lang: str,
                    overrides: Mapping[str, object] | None = None, named: bool = False) -> None:
    ws = wb.add_worksheet(sheet_title(SETTINGS, lang))
    _printable(ws)
    for col, field in enumerate(SETTINGS.fields):
        ws.write_string(0, col, field.label.text(lang), fmt.header_required if field.required else fmt.header)
        ws.set_column(col, col, field.width)
    ws.freeze_panes(1, 0)
    for row, spec in enumerate(SETTING_SPECS, start=1):
        ws.write_string(row, 0, spec.label.zh if lang == "zh" else spec.label.en)
        value = (overrides or {}).get(spec.attr, spec.default)
        if isinstance(value, bool):  # a yes/no setting shows as the word a rep types
            value = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        ws.write(row, 1, value)
        ws.write_string(row, 2, spec.meaning[1] if lang == "en" else spec.meaning[0], fmt.wrap)
        if named and spec.attr in NAMED_SETTINGS:  # the grading formulas read these cells by name
            wb.define_name(setting_name(spec.attr), f"='{ws.name}'!$B${row + 1}")


def _instructions_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, lang: str,
                        sheets: Sequence[SheetSpec] = REP_SHEETS) -> None:
    ui = _UI[lang]
    ws = wb.add_worksheet(INSTRUCTIONS.text(lang))
    _printable(ws, repeat_header=False)
    widths = (14, 18, 8, 34, 60)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, ui["title"], fmt.title)
    row = 2
    for line in _INTRO[lang]:
        ws.merge_range(row, 0, row, 4, line, fmt.wrap)
        ws.set_row(row, 16 * wrapped_lines(line, sum(widths)))  # LibreOffice prints a wrapped row as tall as set
        row += 1
    row += 1
    for col, key in enumerate(("sheet", "column", "required", "allowed", "how")):
        ws.write_string(row, col, ui[key], fmt.header)
    row += 1
    for spec in sheets:
        ws.write_string(row, 0, sheet_title(spec, lang), fmt.bold_wrap)
        ws.merge_range(row, 1, row, 4, spec.hint[1] if lang == "en" else spec.hint[0], fmt.bold_wrap)
        row += 1
        for field in spec.fields:
            texts = (field.label.text(lang), _allowed(field, lang), field.hint_text(lang))
            ws.write_string(row, 1, texts[0], fmt.wrap)
            if field.required:
                ws.write_string(row, 2, ui["yes"], fmt.wrap)
            ws.write_string(row, 3, texts[1], fmt.wrap)
            ws.write_string(row, 4, texts[2], fmt.wrap)
            lines = max(wrapped_lines(text, widths[col]) for text, col in zip(texts, (1, 3, 4), strict=True))
            if lines > 1:
                ws.set_row(row, 16 * lines)
            row += 1
        row += 1


def build_workbook(target: str | Path | IO[bytes], lang: str = "zh",
                   data: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
                   settings: Mapping[str, object] | None = None,
                   omit: Mapping[str, Collection[str]] | None = None, formulas: bool = False,
                   manager: bool = False) -> None:
    """Write a rep workbook to `target`: 说明 first, then the data sheets with `data` rows if given.

    `data` maps sheet keys to rows of {field key: value} (canonical enum values are shown in `lang`); `omit`
    maps sheet keys to columns left out (a sheet whose every column is omitted is left out), e.g. to build a
    workbook as an older template had it. `formulas`: 价值分/难度分/等级/建议 as native formulas over the factor
    cells and named cells on 设置 (workbook_templates/formulas.py), so grades live in the cells on any host.
    `manager`: also the 目标 sheet before 设置, where a manager sets each rep's targets for the 汇总 button.
    """
    options = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(target, options)
    wb.set_properties({"title": _UI[lang]["title"], "author": "kam", "created": FIXED_CREATED})
    fmt = _Formats(wb)
    sheets = [*(x for x in REP_SHEETS if x is not SETTINGS), TARGETS, SETTINGS] if manager else list(REP_SHEETS)
    _instructions_sheet(wb, fmt, lang, sheets)
    for spec in sheets:
        fields = [f for f in spec.fields if f.key not in (omit or {}).get(spec.key, ())]
        if spec is SETTINGS:
            _settings_sheet(wb, fmt, lang, settings, named=formulas)
        elif fields:
            model = Settings(**{k: v for k, v in (settings or {}).items()}) if formulas else None  # type: ignore[arg-type]
            _data_sheet(wb, fmt, spec, lang, (data or {}).get(spec.key, ()), fields, model)
    conf = wb.add_worksheet("xlwings.conf")  # tells the xlwings add-in where kam's cell functions live
    for row, (key, value) in enumerate(XLWINGS_CONF):
        conf.write_string(row, 0, key)
        conf.write_string(row, 1, value)
    conf.hide()
    wb.close()


def template_path(lang: str) -> Path:
    """Where the committed template for `lang` lives."""
    return Path(__file__).with_name(f"kam-template.{lang}.xlsx")
