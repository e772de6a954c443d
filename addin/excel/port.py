"""The live-workbook port: reads and writes an open Excel workbook through xlwings' Book API, applying the
same plans (`addin.workbook.plans`) the file adapter applies, so a button and the CLI leave the same sheets.

Only this subset of xlwings is used (the test fake implements exactly it): Book.sheets (iterate, index by
name or position, add(name, after=)), Book.names (add, iterate; Name.name, Name.refers_to), Book.app
(status_bar, alert), Book.fullname, Book.selection; Sheet.name, Sheet.used_range.last_cell.row/.column,
Sheet.range(cell or (row, col) or two corners), Sheet.clear(); Range.options(ndim=2).value, Range.value,
Range.formula, Range.color, Range.note (.text, .delete()), Range.add_note(text), Range.add_hyperlink(address,
text), Range.row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from addin.core.model import SheetTable, WorkbookData, build_table, column_letter
from addin.core.schema import Label, sheet_for_name
from addin.core.text import norm
from addin.workbook.plans import MARK_RGB, NOTE_PREFIX, MarkPlan
from addin.workbook.writer import WorkbookEdits

MARK_NAME = "_kam_marks_xl"
_FORMULA_START = ("=", "+", "-", "@")


def _safe(value: Any) -> Any:
    """Text that would turn into a formula gets Excel's text prefix (an apostrophe), like the file writer's
    inline strings: a value starting with = + - @ is always text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _runs(cells: dict[int, Any]) -> Iterator[tuple[int, list[Any]]]:
    """(first row, values) for each run of consecutive rows."""
    rows = sorted(cells)
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i] != rows[i - 1] + 1:
            yield rows[start], [cells[r] for r in rows[start:i]]
            start = i


def _column(formulas: Any, n: int) -> list[Any]:
    """xlwings gives one formula for one cell and a tuple of 1-tuples for a column: flatten to a list."""
    if n == 1:
        return [formulas[0][0] if isinstance(formulas, list | tuple) else formulas]
    return [row[0] if isinstance(row, list | tuple) else row for row in formulas]


class ExcelPort:
    """Reads a live workbook into `WorkbookData` and applies kam's plans to it."""

    def __init__(self, book: Any) -> None:
        self.book = book

    # --- reading ------------------------------------------------------------------------------------------
    def read(self, keys: Iterable[str] | None = None) -> WorkbookData:
        wanted = set(keys) if keys is not None else None
        tables: dict[str, SheetTable] = {}
        others: list[str] = []
        for sheet in self.book.sheets:
            spec = sheet_for_name(sheet.name)
            if spec is None:
                others.append(sheet.name)
                continue
            if spec.key in tables or (wanted is not None and spec.key not in wanted):
                continue
            last = sheet.used_range.last_cell
            grid = sheet.range((1, 1), (max(last.row, 1), max(last.column, 1))).options(ndim=2).value or []
            tables[spec.key] = build_table(spec, sheet.name, grid)
        return WorkbookData(str(getattr(self.book, "fullname", "")), tables, others)

    # --- writing cells ------------------------------------------------------------------------------------
    def apply(self, edits: WorkbookEdits) -> list[str]:
        """Set the planned cells, one call per run of consecutive rows in a column (a COM call per cell
        would take minutes on a big sheet); a cell holding a formula is left alone and returned."""
        kept: list[str] = []
        for sheet_name, rows in edits.cells.items():
            sheet = self.book.sheets[sheet_name]
            columns: dict[int, dict[int, Any]] = {}
            for row, cols in rows.items():
                for col, value in cols.items():
                    columns.setdefault(col, {})[row] = value
            for col, cells in columns.items():
                for first, values in _runs(cells):
                    target = sheet.range((first, col + 1), (first + len(values) - 1, col + 1))
                    formulas = _column(target.formula, len(values))
                    held = [i for i, f in enumerate(formulas) if isinstance(f, str) and f.startswith("=")]
                    if not held:
                        target.value = [[_safe(v)] for v in values]
                        continue
                    for i, value in enumerate(values):
                        if i in held:
                            kept.append(f"{sheet_name}!{column_letter(col)}{first + i}")
                        else:
                            sheet.range((first + i, col + 1)).value = _safe(value)
        return kept

    # --- kam-owned sheets ---------------------------------------------------------------------------------
    def owned_sheet(self, label: Label, lang: str, rows: list[list[Any]],
                    links: list[tuple[int, str, str]] = ()) -> str:  # type: ignore[assignment]
        """Replace (or add at the end) a sheet kam owns, e.g. 校验结果 or 生日提醒; returns its name."""
        wanted = {norm(a) for a in label.aliases()}
        sheet = next((s for s in self.book.sheets if norm(s.name) in wanted), None)
        if sheet is None:
            sheets = list(self.book.sheets)
            sheet = self.book.sheets.add(label.text(lang), after=sheets[-1] if sheets else None)
        else:
            sheet.clear()
        if rows:
            sheet.range((1, 1)).value = [[_safe(v) for v in r] for r in rows]
        for n, location, shown in links:
            sheet.range((n, 4)).add_hyperlink("#" + location, shown)
        return str(sheet.name)

    # --- validation marks ---------------------------------------------------------------------------------
    def _saved_marks(self) -> dict[tuple[str, str], str]:
        for name in self.book.names:
            if name.name == MARK_NAME:
                text = str(name.refers_to).lstrip("=").strip('"')
                out = {}
                for item in filter(None, text.split(";")):
                    where, _, color = item.rpartition("=")
                    sheet, _, cell = where.rpartition("!")
                    out[(sheet, cell)] = color
                return out
        return {}

    def mark(self, plan: MarkPlan, data: WorkbookData, results: Label, lang: str) -> tuple[str, int, list[str]]:
        """Undo kam's previous fills and notes, then fill, note and list `plan`; returns (results sheet,
        cells marked, cells whose own note was kept)."""
        kam_colors = set(MARK_RGB.values())
        for (sheet_name, cell), color in self._saved_marks().items():
            with contextlib.suppress(KeyError):
                rng = self.book.sheets[sheet_name].range(cell)
                if rng.color in kam_colors:
                    rng.color = None if color == "none" else tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))
        for table in data.sheets.values():
            sheet = self.book.sheets[table.name]
            for note in list(getattr(sheet, "notes", [])):
                if str(note.text).startswith(NOTE_PREFIX):
                    note.delete()
        saved: list[str] = []
        kept_notes: list[str] = []
        for (sheet_name, row, col), severity in plan.severity.items():
            rng = self.book.sheets[sheet_name].range((row, col + 1))
            old = rng.color
            saved.append(f"{sheet_name}!{rng.address.replace('$', '')}="
                         + ("none" if old is None else "".join(f"{c:02X}" for c in old)))
            rng.color = MARK_RGB[severity]
            if rng.note is not None:
                kept_notes.append(f"{sheet_name}!{rng.address.replace('$', '')}")
            else:
                rng.add_note(plan.notes[(sheet_name, row, col)])
        self.book.names.add(MARK_NAME, '="' + ";".join(saved) + '"')
        title = self.owned_sheet(results, lang, plan.rows, plan.links)
        return title, len(plan.severity), kept_notes

    # --- talking to the user ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def status(self, text: str) -> Iterator[None]:
        """Show `text` in Excel's status bar while a job runs."""
        app = self.book.app
        app.status_bar = text
        try:
            yield
        finally:
            app.status_bar = False

    def alert(self, text: str, title: str = "kam") -> None:
        self.book.app.alert(text, title=title)

    def selected_customers(self, data: WorkbookData) -> list[str]:
        """Customer IDs of the rows selected on the 客户 sheet (none when the selection is elsewhere)."""
        selection = getattr(self.book, "selection", None)
        table = data.get("customers")
        if selection is None or table is None or selection.sheet.name != table.name:
            return []
        rows = set(range(selection.row, selection.row + selection.rows.count))
        from addin.core.parse import cell_text

        return [cell_text(table.raw(values, "customer_id")) for number, values in table.rows
                if number in rows and table.raw(values, "customer_id") not in (None, "")]
