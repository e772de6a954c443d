"""The live-workbook port: reads and writes an open Excel workbook through xlwings' Book API, applying the
same plans (`addin.workbook.plans`) the file adapter applies, so a button and the CLI leave the same sheets.

Only this subset of xlwings (>= 0.37.5) is used; the test fake implements exactly it and a test checks each
name against real xlwings: Book.sheets (iterate, [name], add(name, after=), .active), Book.app (status_bar,
screen_updating, alert), Book.fullname, Book.name, Book.selection; Sheet.name, Sheet.activate(),
Sheet.visible, Sheet.used_range.last_cell.row/.column, Sheet.range(cell or (row, col), corner), Sheet.clear(),
Sheet.notes, Sheet.charts (iterate, add(chart_type, source, name, anchor)), Chart.name/.title/.delete();
Range.options(ndim=2).value, Range.value, Range.formula, Range.color, Range.note (.text,
.delete()), Range.add_note(text), Range.add_hyperlink(address, text), Range.address, Range.row, Range.rows,
Range.sheet, Range.api.HasSpill (Excel 365; read defensively).

How Excel differs from a file, and what the port does about it:
- a string written through `.value` is converted by Excel ("2026-11-22" becomes a date, "0123" a number,
  "=x" a formula): every string is written with Excel's text prefix (an apostrophe), so it stays text;
- text written as `'=x` reads back through `.formula` as "=x": a cell holds a formula only when its
  `.formula` starts with "=" and differs from its value;
- a sheet that does not exist raises a COM error (not KeyError): sheets are looked up by name, never indexed
  blindly;
- `Book.selection` is the selection on the active sheet (the 操作 sheet when a button is clicked): the
  selection of 客户 is read by activating it for a moment, with screen updating off;
- a defined name cannot hold text over 255 characters: the cells kam marked (and their own fills) are kept on
  a hidden sheet kam owns, `_kam_marks`;
- cells inside a dynamic-array spill (e.g. of kam_grade_table) are never overwritten.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from addin.core.model import SheetTable, WorkbookData, build_table, column_letter, parse_address, shaped_like_spec
from addin.core.parse import cell_text, customer_key
from addin.core.schema import Label, sheet_for_name
from addin.core.text import norm
from addin.workbook.plans import LINK_COL, MARK_RGB, MARKS_HEAD, MARKS_SHEET, NOTE_PREFIX, MarkPlan
from addin.workbook.writer import WorkbookEdits

_NO_FILL = "none"


def _text(value: Any) -> Any:
    """A value as Excel should store it: strings always as text (apostrophe prefix), "" as an empty cell."""
    if isinstance(value, str):
        return "'" + value if value else None
    return value


def _runs(cells: dict[int, Any]) -> Iterator[tuple[int, list[Any]]]:
    """(first row, values) for each run of consecutive rows."""
    rows = sorted(cells)
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i] != rows[i - 1] + 1:
            yield rows[start], [cells[r] for r in rows[start:i]]
            start = i


def _column(values: Any, n: int) -> list[Any]:
    """xlwings gives a scalar for one cell and a list (1-D) or tuple of 1-tuples for a column: a flat list."""
    if n == 1:
        return [values[0][0] if isinstance(values, list | tuple) and values and isinstance(values[0], list | tuple)
                else values]
    return [row[0] if isinstance(row, list | tuple) else row for row in values]


def _unions(cells: Iterable[tuple[int, int]], limit: int = 255) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """Multi-area addresses ("B2:B4,D9,...") covering `cells` (row, 0-based col), each within Excel's 255
    characters for Range(address): one COM call fills or reads up to dozens of scattered cells."""
    by_col: dict[int, dict[int, None]] = {}
    for row, col in cells:
        by_col.setdefault(col, {})[row] = None
    parts: list[str] = []
    covered: list[tuple[int, int]] = []
    for col in sorted(by_col):
        for first, values in _runs(by_col[col]):
            last = first + len(values) - 1
            area = f"{column_letter(col)}{first}" + (f":{column_letter(col)}{last}" if last > first else "")
            if parts and len(",".join(parts)) + 1 + len(area) > limit:
                yield ",".join(parts), covered
                parts, covered = [], []
            parts.append(area)
            covered.extend((r, col) for r in range(first, last + 1))
    if parts:
        yield ",".join(parts), covered


def _spilled(rng: Any) -> bool:
    """True unless Excel says no cell of `rng` is part of a dynamic-array spill (no HasSpill: no spills)."""
    try:
        return rng.api.HasSpill is not False
    except Exception:  # older Excel, macOS: no HasSpill, so no dynamic arrays either
        return False


def _hex(rgb: Any) -> str:
    return _NO_FILL if rgb is None else "".join(f"{int(c):02X}" for c in rgb)


def _rgb(text: str) -> tuple[int, int, int] | None:
    return None if text == _NO_FILL else (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


class ExcelPort:
    """Reads a live workbook into `WorkbookData` and applies kam's plans to it."""

    def __init__(self, book: Any) -> None:
        self.book = book

    def sheet(self, name: str) -> Any:
        """The sheet called `name` (case ignored, as Excel does), or None: no COM error for a missing sheet."""
        wanted = name.casefold()
        return next((s for s in self.book.sheets if str(s.name).casefold() == wanted), None)

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
            table = build_table(spec, sheet.name, grid)
            if shaped_like_spec(table):
                tables[spec.key] = table
            else:
                others.append(sheet.name)
        return WorkbookData(str(self.local_path() or self.book.name), tables, others)

    def local_path(self) -> Path | None:
        """The workbook's file on this PC, or None: an unsaved book ("工作簿1") has no folder, and a book opened
        from OneDrive or SharePoint may have none xlwings can find (its `fullname` then raises XlwingsError)."""
        try:
            name = str(self.book.fullname)
        except Exception:  # xlwings' "Couldn't find your local OneDrive file" and COM errors alike
            return None
        if "://" in name:
            return None
        path = Path(name)
        return path if path.is_absolute() and path.parent.is_dir() else None

    def xlwings_stamp(self) -> str | None:
        """The xlwings version the workbook (or kam.xlam) was built with, from its STAMP_NAME defined name."""
        from addin.excel.plan import STAMP_NAME

        try:
            for name in self.book.names:
                if str(name.name).split("!")[-1] == STAMP_NAME:
                    return str(name.refers_to).lstrip("=").strip('"') or None
        except Exception:  # a host without defined names: nothing to check
            return None
        return None

    def where(self) -> str:
        """How to name the workbook's location in a message: its URL, or that it is not saved yet."""
        try:
            name = str(self.book.fullname)
        except Exception:
            return str(self.book.name)
        return name if "://" in name else ""

    # --- writing cells ------------------------------------------------------------------------------------
    def apply(self, edits: WorkbookEdits) -> list[str]:
        """Set the planned cells, one call per run of consecutive rows in a column (a COM call per cell
        would take minutes on a big sheet); a cell holding a formula, or inside a spill, is left alone and
        returned."""
        kept: list[str] = []
        for sheet_name, rows in edits.cells.items():
            sheet = self.sheet(sheet_name)
            if sheet is None:
                continue
            columns: dict[int, dict[int, Any]] = {}
            for row, cols in rows.items():
                for col, value in cols.items():
                    columns.setdefault(col, {})[row] = value
            for col, cells in columns.items():
                for first, values in _runs(cells):
                    n = len(values)
                    target = sheet.range((first, col + 1), (first + n - 1, col + 1))
                    formulas = _column(target.formula, n)
                    shown = _column(target.value, n)
                    held = {i for i, (f, v) in enumerate(zip(formulas, shown, strict=True))
                            if isinstance(f, str) and f.startswith("=") and f != cell_text(v)}
                    if _spilled(target):  # some cell of the run is in a spill: find which, cell by cell
                        held |= {i for i in range(n) if _spilled(sheet.range((first + i, col + 1)))}
                    if not held:
                        target.value = [[_text(v)] for v in values]
                        continue
                    for i, value in enumerate(values):
                        if i in held:
                            kept.append(f"{sheet_name}!{column_letter(col)}{first + i}")
                        else:
                            sheet.range((first + i, col + 1)).value = _text(value)
        return kept

    # --- kam-owned sheets ---------------------------------------------------------------------------------
    def owned_sheet(self, label: Label, lang: str, rows: list[list[Any]],
                    links: Iterable[tuple[int, str, str]] = ()) -> str:
        """Replace (or add at the end) a sheet kam owns, e.g. 校验结果 or 生日提醒; returns its name."""
        wanted = {norm(a) for a in label.aliases()}
        sheet = next((s for s in self.book.sheets if norm(s.name) in wanted), None)
        if sheet is None:
            sheet = self._add_sheet(label.text(lang))
        else:
            sheet.clear()
        cells = [[_text(v) for v in r] for r in rows]
        for n, location, shown in links:  # links as HYPERLINK formulas: one write, not a call per link
            cells[n - 1][LINK_COL] = '=HYPERLINK("#{}","{}")'.format(location.replace('"', '""'),
                                                                      shown.replace('"', '""'))
        self._write_rows(sheet, cells, text=False)
        self._print_wide(sheet)
        return str(sheet.name)

    def _print_wide(self, sheet: Any) -> None:
        """Landscape, one page wide, the header row on every page: a sheet kam writes prints as kam's files do
        (Excel's PageSetup through xlwings' page_setup.api; the Calc adapter maps it to a page style). A host
        without it prints as it likes: nothing else depends on it."""
        app: Any = getattr(self.book.app, "api", None)
        with contextlib.suppress(Exception):
            app.PrintCommunication = False  # Excel asks the printer driver at each property otherwise
        with contextlib.suppress(Exception):
            setup = sheet.page_setup.api
            setup.Orientation = 2  # xlLandscape
            setup.Zoom = False  # Excel: FitToPages* count only without a zoom
            setup.FitToPagesWide = 1
            setup.FitToPagesTall = False
            setup.PrintTitleRows = "$1:$1"
        with contextlib.suppress(Exception):
            app.PrintCommunication = True

    def _add_sheet(self, name: str) -> Any:
        sheets = list(self.book.sheets)
        return self.book.sheets.add(name, after=sheets[-1] if sheets else None)

    @staticmethod
    def _write_rows(sheet: Any, rows: list[list[Any]], text: bool = True) -> None:
        """Write a block from A1 in one call; `text=False` when the cells are already prepared."""
        if rows:
            width = max(len(r) for r in rows)
            sheet.range((1, 1)).value = [[_text(v) if text else v for v in r] + [None] * (width - len(r))
                                         for r in rows]

    # --- validation marks ---------------------------------------------------------------------------------
    def _saved_marks(self) -> list[tuple[str, str, str]]:
        """(sheet, cell, the cell's own fill before kam marked it) from the hidden `_kam_marks` sheet."""
        sheet = self.sheet(MARKS_SHEET)
        if sheet is None:
            return []
        last = sheet.used_range.last_cell
        grid = sheet.range((1, 1), (max(last.row, 1), 3)).options(ndim=2).value or []
        return [(str(r[0]), str(r[1]), str(r[2] or _NO_FILL)) for r in grid[1:] if r and r[0] and r[1]]

    def _unmark(self, data: WorkbookData) -> None:
        """Give every cell kam filled last time its own fill back (unless the rep re-coloured it since) and
        delete kam's notes (recognised by their text, which any re-save keeps)."""
        kam_colors = {tuple(c) for c in MARK_RGB.values()}
        groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for sheet_name, cell, own in self._saved_marks():
            where = parse_address(cell)
            if where is not None:
                groups.setdefault((sheet_name, own), []).append(where)
        for (sheet_name, own), cells in groups.items():
            sheet = self.sheet(sheet_name)
            if sheet is None:
                continue
            for address, covered in _unions(cells):
                current = self._fills(sheet, address, covered)
                if all(c is not None and tuple(c) in kam_colors for c in current):
                    sheet.range(address).color = _rgb(own)
                    continue
                for (row, col), c in zip(covered, current, strict=True):  # leave what the rep re-coloured
                    if c is not None and tuple(c) in kam_colors:
                        sheet.range((row, col + 1)).color = _rgb(own)
        for table in data.sheets.values():
            sheet = self.sheet(table.name)
            for note in list(sheet.notes) if sheet is not None else []:
                if str(note.text).startswith(NOTE_PREFIX):
                    note.delete()

    @staticmethod
    def _fills(sheet: Any, address: str, covered: list[tuple[int, int]]) -> list[Any]:
        """The fills of the cells of a multi-area address: one call when they are uniform (the usual case)."""
        try:
            return [sheet.range(address).color] * len(covered)
        except Exception:  # mixed fills: Excel reports no single colour
            return [sheet.range((row, col + 1)).color for row, col in covered]

    def mark(self, plan: MarkPlan, data: WorkbookData, results: Label, lang: str) -> tuple[str, int, list[str]]:
        """Undo kam's previous fills and notes, then fill, note and list `plan`; returns (results sheet,
        cells marked, cells whose own note was kept)."""
        self._unmark(data)
        saved: list[list[str]] = [MARKS_HEAD[:3]]  # the fill's XML is the file writer's alone
        kept_notes: list[str] = []
        groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for (sheet_name, row, col), severity in plan.severity.items():
            groups.setdefault((sheet_name, severity), []).append((row, col))
        for (sheet_name, severity), cells in groups.items():
            sheet = self.sheet(sheet_name)
            if sheet is None:
                continue
            for address, covered in _unions(cells):
                for (row, col), own in zip(covered, self._fills(sheet, address, covered), strict=True):
                    saved.append([sheet_name, f"{column_letter(col)}{row}", _hex(own)])
                sheet.range(address).color = MARK_RGB[severity]
        for (sheet_name, row, col), text in plan.notes.items():
            sheet = self.sheet(sheet_name)
            if sheet is None:
                continue
            rng = sheet.range((row, col + 1))
            try:
                rng.add_note(text)  # one call; Excel refuses a second note on a cell...
            except Exception:
                if rng.note is None:
                    raise
                kept_notes.append(f"{sheet_name}!{column_letter(col)}{row}")  # ...so the rep's own note stays
        self._save_marks(saved)
        title = self.owned_sheet(results, lang, plan.rows, plan.links)
        return title, len(plan.severity), kept_notes

    def _save_marks(self, rows: list[list[str]]) -> None:
        sheet = self.sheet(MARKS_SHEET)
        if sheet is None:
            sheet = self._add_sheet(MARKS_SHEET)
        else:
            sheet.clear()
        self._write_rows(sheet, rows)
        sheet.visible = False

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

    def chart(self, sheet_name: str, source: str, kind: str, title: str, left_col: int, name: str) -> None:
        """A native chart of `source` (an address, several areas allowed) beside a table on a sheet kam owns,
        replacing the chart of the same name from an earlier run (clearing a sheet leaves its charts)."""
        sheet = self.sheet(sheet_name)
        if sheet is None:
            return
        for old in list(sheet.charts):
            if str(old.name) == name:
                old.delete()
        chart = sheet.charts.add(chart_type=kind, source=sheet.range(source), name=name,
                                 anchor=sheet.range((2, left_col)))
        with contextlib.suppress(Exception):  # a title is a nicety some Excel versions refuse through COM
            chart.title = title

    def choose_folder(self, title: str, initial: str) -> str | None:
        """Excel's own folder picker (FileDialog msoFileDialogFolderPicker, through COM); None when the
        manager cancels. Excel for Mac has no FileDialog: there the macro workbook's own folder is taken."""
        try:
            dialog = self.book.app.api.FileDialog(4)
        except Exception:
            return initial
        dialog.Title = title
        dialog.InitialFileName = initial.rstrip("\\/") + ("\\" if "\\" in initial else "/")
        if dialog.Show() != -1:
            return None
        return str(dialog.SelectedItems(1))

    def alert(self, text: str, title: str = "kam") -> None:
        self.book.app.alert(text, title=title)

    def selected_customers(self, data: WorkbookData) -> list[str]:
        """Customer IDs of the rows selected on the 客户 sheet, whichever sheet is active (the button sits on
        操作): Excel keeps a selection per sheet but reports only the active one's, so 客户 is activated for
        a moment with screen updating off. A selection of only the header row means no choice (all)."""
        table = data.get("customers")
        sheet = self.sheet(table.name) if table is not None else None
        if table is None or sheet is None:
            return []
        app = self.book.app
        active = self.book.sheets.active
        if str(active.name) == str(sheet.name):
            selection = self.book.selection
        else:
            app.screen_updating = False
            try:
                sheet.activate()
                selection = self.book.selection
                active.activate()
            finally:
                app.screen_updating = True
        if selection is None:
            return []
        rows = set(range(selection.row, selection.row + selection.rows.count))
        return [customer_key(table.raw(values, "customer_id")) for number, values in table.rows
                if number in rows and table.raw(values, "customer_id") not in (None, "")]
