"""Turn core results into cell edits for the safe writer: which columns kam owns and what goes in them."""

from __future__ import annotations

from dataclasses import dataclass, field

from addin.core.findings import Finding, category, rule_name
from addin.core.grading import GradingReport
from addin.core.i18n import t
from addin.core.model import SheetTable, WorkbookData, parse_address
from addin.core.schema import ASSESSMENT
from addin.core.text import fit_cell, norm
from addin.core.validation import ValidationReport
from addin.workbook.writer import WorkbookEdits

GRADE_COLUMNS = ("value_score", "difficulty_score", "grade", "advice", "explanation")


def sheet_language(table: SheetTable) -> str:
    """"en" when the sheet's own headers are English, else "zh": new headers follow the sheet's language."""
    by_key = table.spec.by_key
    keyed = [c for c in table.columns if c.key]
    english = sum(1 for c in keyed if norm(c.header) in (norm(by_key[c.key].label.en) if c.key in by_key else "",
                                                         norm(c.key or "")))
    return "en" if english * 2 > len(keyed) else "zh"


def workbook_language(book: WorkbookData) -> str:
    """The language of the workbook's own headers (客户 first): the language of the sheets kam adds."""
    for key in ("customers", "assessment", "contacts", "visits", "development"):
        table = book.get(key)
        if table is not None and any(c.key for c in table.columns):
            return sheet_language(table)
    return "zh"


def grade_edits(table: SheetTable, report: GradingReport, lang: str) -> WorkbookEdits:
    """Cells for 价值分/难度分/等级/建议/说明 on every graded row; missing columns are added at the right."""
    edits = WorkbookEdits()
    next_col = max((c.index for c in table.columns if c.header), default=-1) + 1
    header_lang = sheet_language(table)
    cols: dict[str, int] = {}
    for key in GRADE_COLUMNS:
        if table.has(key):
            cols[key] = table.index[key]
        else:
            cols[key] = next_col
            edits.set(table.name, table.header_row, next_col, ASSESSMENT.by_key[key].label.text(header_lang))
            next_col += 1
    for graded in report.grades:
        record = {**graded.to_dict(lang), "grade": graded.grade.grade_text(lang)}  # the cell: the label, or empty
        for key in GRADE_COLUMNS:
            value = record[key]
            edits.set(table.name, graded.row, cols[key], value if value != "" else None)
    return edits


# --- validation marks and kam-owned sheets: planned once, applied by the file writer or by live Excel ------

MARK_RANK = {"error": 2, "warning": 1}
MARK_RGB = {"error": (244, 182, 182), "warning": (252, 228, 168)}
NOTE_PREFIX = "kam:"
#: the hidden sheet both the file writer and the Excel buttons keep: the cells kam filled and each one's own
#: fill (RGB hex or "none"; the file writer adds the fill's XML), so marks come off after any re-save
MARKS_SHEET = "_kam_marks"
MARKS_HEAD = ["sheet", "cell", "own fill", "own fill xml"]


@dataclass
class MarkPlan:
    """Which cells to fill (worst severity wins), the note for each, and the 校验结果 sheet's rows."""

    severity: dict[tuple[str, int, int], str] = field(default_factory=dict)
    notes: dict[tuple[str, int, int], str] = field(default_factory=dict)
    rows: list[list[object]] = field(default_factory=list)
    tints: tuple[str | None, ...] = ()  # per row of the results sheet after its header: its severity
    links: list[tuple[int, str, str]] = field(default_factory=list)  # (sheet row, location, display)


def _target_cell(book: WorkbookData, f: Finding) -> tuple[str, int, int] | None:
    """(sheet name, row, 0-based col) to mark; row- and account-level findings mark the row's 客户编号 cell."""
    if not f.row or not isinstance(f.sheet, str):
        return None
    table = next((tb for tb in book.sheets.values() if tb.name == f.sheet), None)
    if table is None:
        return None
    where = parse_address(f.cell) if f.cell else None
    if where is not None:
        return f.sheet, where[0], where[1]
    if f.row == table.header_row:
        return f.sheet, f.row, 0
    first = min(table.index.values(), default=0)
    return f.sheet, f.row, table.index.get("customer_id", first)


#: reminders whose cell holds a correct value (the 面访 was a 面访, the score was given): listed, never painted
LIST_ONLY = frozenset({"callback-missing", "visit-overlap", "birthday-missed", "satisfaction-drop", "new-face"})
#: the results sheet's columns; the links sit in 单元格
RESULT_HEADS = ("severity", "category", "rule", "sheet", "cell", "row", "customer", "message")
LINK_COL = RESULT_HEADS.index("cell")


def paints(f: Finding) -> bool:
    """Whether a finding marks a cell: every 填写错误, and a 销售提醒 only at the cell the rep acts on (never a
    correct value, never the account's ID for an account-level reminder)."""
    if category(f.code) == "data":
        return True
    return bool(f.cell) and f.code not in LIST_ONLY


def mark_plan(book: WorkbookData, report: ValidationReport, lang: str, skip_sheet: str | None = None,
              said: list[str] | None = None) -> MarkPlan:
    """Plan --mark for `report`: fills, notes and the results sheet, the same for a file and for live Excel.
    `said`: each finding's sentence in `lang`, when the caller rendered them already (for its JSON).
    The sheet lists errors first, then warnings, 填写错误 before 销售提醒, each in sheet order."""
    plan = MarkPlan()
    messages: dict[tuple[str, int, int], list[str]] = {}
    if said is None:
        said = [f.message(lang) for f in report.findings]  # each sentence rendered once, for its note and its row
    for f, message in zip(report.findings, said, strict=True):
        target = _target_cell(book, f) if paints(f) else None
        if target is None or target[0] == skip_sheet:
            continue
        if MARK_RANK[f.severity] > MARK_RANK.get(plan.severity.get(target, ""), 0):
            plan.severity[target] = f.severity
        messages.setdefault(target, []).append(message)
    plan.notes = {k: fit_cell(NOTE_PREFIX + "\n" + "\n".join(f"• {m}" for m in v), lang)
                  for k, v in messages.items()}
    plan.rows.append([t(f"mark.col.{k}", lang) for k in RESULT_HEADS])
    severities = {s: t(f"sev.{s}", lang) for s in MARK_RANK}
    kinds = {k: t(f"mark.category.{k}", lang) for k in ("data", "reminder")}
    order = sorted(range(len(report.findings)), key=lambda n: (-MARK_RANK[report.findings[n].severity],
                                                                category(report.findings[n].code) != "data", n))
    tints: list[str | None] = []
    for n, i in enumerate(order, start=2):
        f, message = report.findings[i], said[i]
        sheet = f.sheet if isinstance(f.sheet, str) else ""
        ref = (f.cell or f"A{f.row}") if sheet and f.row else ""  # row-level findings link to the row
        plan.rows.append([severities.get(f.severity) or t(f"sev.{f.severity}", lang), kinds[category(f.code)],
                          rule_name(f.code, lang), sheet, ref, f.row or "", f.customer_id, fit_cell(message, lang)])
        tints.append(f.severity)
        if ref:
            plan.links.append((n, "'" + sheet.replace("'", "''") + "'!" + ref, ref))
    plan.tints = tuple(tints)
    return plan
