"""Turn core results into cell edits for the safe writer: which columns kam owns and what goes in them."""

from __future__ import annotations

from addin.core.grading import GradingReport
from addin.core.model import SheetTable
from addin.core.schema import ASSESSMENT
from addin.core.text import norm
from addin.workbook.writer import WorkbookEdits

GRADE_COLUMNS = ("value_score", "difficulty_score", "grade", "advice", "explanation")


def sheet_language(table: SheetTable) -> str:
    """"en" when the sheet's own headers are English, else "zh": new headers follow the sheet's language."""
    english = sum(1 for c in table.columns if c.key and norm(c.header) in (norm(ASSESSMENT.by_key[c.key].label.en)
                                                                          if c.key in ASSESSMENT.by_key else "",
                                                                          norm(c.key)))
    return "en" if english * 2 > len([c for c in table.columns if c.key]) else "zh"


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
        record = graded.to_dict(lang)
        for key in GRADE_COLUMNS:
            value = record[key]
            edits.set(table.name, graded.row, cols[key], value if value != "" else None)
    return edits
