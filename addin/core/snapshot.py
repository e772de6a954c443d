"""One workbook as the team store keeps it (SPEC §9): every row of the data sheets with typed values, its
grades and its findings, and the few numbers the consolidation table shows. Pure: rows in, rows out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from addin.core.findings import Finding, count
from addin.core.grading import NOT_GRADED
from addin.core.model import SheetTable, WorkbookData
from addin.core.parse import cell_text
from addin.core.schema import SHEETS, Field, FieldType
from addin.core.validation import Context, Parsed, build_context, validate

#: sheet key -> store table name (plain English plurals a BI tool shows well)
STORE_TABLES = {"customers": "customers", "assessment": "assessments", "contacts": "contacts",
                "development": "development", "visits": "visits", "plans": "plans"}


def stored_fields(sheet_key: str) -> list[Field]:
    """The fields of a sheet kept in the store: every field a rep types (kam's computed columns are kept
    once, in the grades table, from kam's own model rather than whatever the cells held)."""
    spec = next(s for s in SHEETS if s.key == sheet_key)
    return [f for f in spec.fields if not f.computed]


@dataclass
class Rows:
    """One sheet's rows for the store, column-major in the making and row tuples out: `columns` names each
    position of a tuple (row_number first, then field keys)."""

    columns: list[str]
    values: list[tuple[Any, ...]]

    def column(self, key: str) -> list[Any]:
        if key not in self.columns:
            return []
        i = self.columns.index(key)
        return [v[i] for v in self.values]


@dataclass
class Snapshot:
    """A workbook's content for the store."""

    rows: dict[str, Rows]  # store table -> its columns and rows
    grades: list[dict[str, Any]]
    findings: list[Finding]
    rep: str  # the 负责销售 named most often in 客户 ("" when none)
    newest_entry: date | None  # newest 拜访日期 or 记录日期 (stale-workbook)
    grade_counts: dict[str, int] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return sum(len(v.values) for v in self.rows.values())

    def counts(self) -> tuple[int, int]:
        return count(self.findings)


def with_settings(book: WorkbookData, settings: SheetTable | None) -> WorkbookData:
    """`book` graded with another workbook's 设置 (`--settings BOOK`: one model for the whole team)."""
    if settings is None:
        return book
    sheets = {k: v for k, v in book.sheets.items() if k != "settings"}
    sheets["settings"] = settings
    return WorkbookData(book.source, sheets, book.other_sheets, book.date1904, book.uncalculated)


def _column(parsed: Parsed, f: Field) -> list[Any]:
    """A column's values for the store: typed where they parsed (dates, numbers, canonical choices), the text
    as written for text and birthdays (a 农历 day is not a 公历 date), None where blank or invalid."""
    if f.type is FieldType.BIRTHDAY or f.key not in parsed.typed:
        return [None if v is None else (v.strip() or None) if v.__class__ is str else (cell_text(v) or None)
                for v in parsed.raw[f.key]]
    return parsed.typed[f.key]


def take_snapshot(book: WorkbookData, today: date) -> Snapshot:
    """Validate and grade `book` as of `today` and turn it into store rows."""
    ctx = build_context(book, today)
    report = validate(book, today, ctx)
    rows: dict[str, Rows] = {}
    for key, table_name in STORE_TABLES.items():
        parsed = ctx.sheets.get(key)
        if parsed is None:
            rows[table_name] = Rows(["row_number"], [])
            continue
        present = [f for f in stored_fields(key) if f.key in parsed.raw]
        columns = [parsed.rows, *(_column(parsed, f) for f in present)]
        rows[table_name] = Rows(["row_number", *(f.key for f in present)], list(zip(*columns, strict=True)))
    grades = _grades(ctx)
    owners = Counter(o for o in rows["customers"].column("owner") if o)
    newest = [d for table, k in (("visits", "visit_date"), ("development", "recorded_on"))
              for d in rows[table].column(k) if isinstance(d, date) and d <= today]
    spread = Counter(g["grade"] or NOT_GRADED for g in grades)
    return Snapshot(rows, grades, report.findings, str(owners.most_common(1)[0][0]) if owners else "",
                    max(newest, default=None), dict(spread))


def _grades(ctx: Context) -> list[dict[str, Any]]:
    """Each assessed account's grade by kam's model, as validation graded it (the account's first row)."""
    assessment = ctx.sheets.get("assessment")
    if assessment is None or "customer_id" not in assessment.raw:
        return []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i in range(len(assessment)):
        cid = assessment.cid(i)
        if not cid or cid in seen:
            continue
        seen.add(cid)
        graded = ctx.graded.get(cid)
        out.append({"customer_id": cid, "row_number": assessment.rows[i],
                    "value_score": graded.value_score if graded else None,
                    "difficulty_score": graded.difficulty_score if graded else None,
                    "grade": ctx.grades.get(cid), "advice": graded.advice("zh") if graded else None,
                    "abandon": bool(graded and graded.abandon)})
    return out
