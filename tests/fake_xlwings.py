"""An in-memory fake of the xlwings Book API subset kam's Excel port and macros use (documented in
`addin/excel/port.py`), strict where Excel is (read from xlwings' source and Excel's object model); a test
checks every public name here against real xlwings' classes and signatures.

- Book: .sheets (iterate, [name or index], .add(name, before=, after=), .active), .app (.status_bar,
  .screen_updating, .alert(prompt, title=) recorded in .alerts), .fullname, .name, .selection.
- Sheet: .name, .activate(), .visible, .used_range.last_cell(.row/.column), .range(address | (row, col) |
  corner, corner), .clear(), .notes.
- Range: .options(ndim=2).value, .value, .formula, .color, .note (.text, .delete()), .add_note(text),
  .add_hyperlink(address, text), .address, .row, .rows.count, .sheet, .api.HasSpill.

Like Excel (and unlike a dict):
- numbers come back as floats; a 1-row or 1-column range reads as a flat list unless ndim=2;
- a string written through .value is converted: "=..." becomes a formula, "0123" the number 123, "2026-11-22"
  a date; an apostrophe prefix stores the rest as text, and .formula then shows the text without it;
- a formula cell's .value is its calculated value, its .formula the formula;
- sheets["missing"] raises a COM error (FakeComError, not KeyError); a duplicate sheet name is refused;
- Book.selection is the selection on the ACTIVE sheet;
- reading .color of a multi-cell range with mixed fills fails (xlwings cannot convert Excel's Null);
- writing into a cell of a dynamic-array spill breaks the spill (recorded in sheet.spill_broken);
- a defined name holding a string constant over 255 characters is refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from addin.core.model import column_letter


class FakeComError(Exception):
    """Stands for pywintypes.com_error."""


def _rc(address: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", address)
    assert m, address
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


def excel_converts(text: str) -> Any:
    """What Excel stores when `text` is typed or written through Range.Value without a text prefix."""
    s = text.strip()
    if _NUMBER.fullmatch(s):
        return float(s)
    m = _DATE.fullmatch(s)
    if m:
        try:
            return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return text
    return text


class FakeNote:
    def __init__(self, sheet: FakeSheet, key: tuple[int, int], text: str) -> None:
        self.sheet, self.key, self.text = sheet, key, text

    def delete(self) -> None:
        self.sheet.notes_by_cell.pop(self.key, None)


class _Last:
    def __init__(self, row: int, column: int) -> None:
        self.row, self.column = row, column


class _Rows:
    def __init__(self, count: int) -> None:
        self.count = count


class _RangeApi:
    def __init__(self, rng: FakeRange) -> None:
        self.rng = rng

    @property
    def HasSpill(self) -> bool | None:  # True, False, or None (Excel's Null) for a mixed range
        keys = self.rng.keys()
        inside = [k in self.rng.sheet.spills for k in keys]
        return True if all(inside) else False if not any(inside) else None


class FakeRange:
    def __init__(self, sheet: FakeSheet, top: tuple[int, int], bottom: tuple[int, int] | None = None,
                 more: list[tuple[tuple[int, int], tuple[int, int]]] | None = None) -> None:
        self.sheet = sheet
        self.top = top
        self.bottom = bottom or top
        self.more = more or []  # further areas of a multi-area range ("A1,B5:B9"); Value reads the first
        self._ndim: int | None = None
        sheet.book.calls += 1  # every Range is a COM round trip in real Excel

    def keys(self) -> list[tuple[int, int]]:
        return [(r, c) for top, bottom in [(self.top, self.bottom), *self.more]
                for r in range(top[0], bottom[0] + 1) for c in range(top[1], bottom[1] + 1)]

    def options(self, ndim: int | None = None, **_kw: Any) -> FakeRange:
        r = FakeRange(self.sheet, self.top, self.bottom)
        r._ndim = ndim
        return r

    @property
    def api(self) -> _RangeApi:
        return _RangeApi(self)

    @property
    def row(self) -> int:
        return self.top[0]

    @property
    def rows(self) -> _Rows:
        return _Rows(self.bottom[0] - self.top[0] + 1)

    @property
    def address(self) -> str:
        """Excel's absolute address, every area of a multi-area range ("$A$1:$A$5,$C$1:$G$5")."""
        def area(top: tuple[int, int], bottom: tuple[int, int]) -> str:
            first = f"${column_letter(top[1] - 1)}${top[0]}"
            return first if top == bottom else first + f":${column_letter(bottom[1] - 1)}${bottom[0]}"

        return ",".join(area(t, b) for t, b in [(self.top, self.bottom), *self.more])

    def _grid(self, cell: Any) -> list[list[Any]]:
        return [[cell((r, c)) for c in range(self.top[1], self.bottom[1] + 1)]
                for r in range(self.top[0], self.bottom[0] + 1)]

    @property
    def value(self) -> Any:
        grid = self._grid(self.sheet.shown)
        if self._ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if len(grid) == 1:
            return grid[0]
        if len(grid[0]) == 1:
            return [row[0] for row in grid]
        return grid

    @value.setter
    def value(self, value: Any) -> None:
        if isinstance(value, list | tuple) and value and isinstance(value[0], list | tuple):
            rows = value
        elif isinstance(value, list | tuple):
            rows = [value]
        else:
            rows = [[value]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.write((self.top[0] + i, self.top[1] + j), v)

    @property
    def formula(self) -> Any:
        """One string for one cell; a tuple of row tuples for a larger range (as xlwings returns)."""
        grid = self._grid(self.sheet.formula_at)
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        return tuple(tuple(r) for r in grid)

    @property
    def color(self) -> tuple[int, int, int] | None:
        colors = {self.sheet.colors.get(k) for k in self.keys()}
        if len(colors) > 1:
            raise TypeError("int_to_rgb() of Excel's Null: the range has mixed fills")
        return colors.pop()

    @color.setter
    def color(self, rgb: tuple[int, int, int] | None) -> None:
        for k in self.keys():
            if rgb is None:
                self.sheet.colors.pop(k, None)
            else:
                self.sheet.colors[k] = tuple(rgb)  # type: ignore[assignment]

    @property
    def note(self) -> FakeNote | None:
        return self.sheet.notes_by_cell.get(self.top)

    def add_note(self, text: str) -> FakeNote:
        if self.top in self.sheet.notes_by_cell:
            raise FakeComError("a cell holds one note")
        note = FakeNote(self.sheet, self.top, text)
        self.sheet.notes_by_cell[self.top] = note
        return note

    def add_hyperlink(self, address: str, text_to_display: str | None = None, screen_tip: str | None = None) -> None:
        self.sheet.links[self.top] = address
        self.sheet.write(self.top, "'" + (text_to_display or address))


class FakeChart:
    """A chart object as xlwings shows it: name, chart_type, title, delete(); `source_address` for tests."""

    def __init__(self, charts: FakeCharts, name: str, chart_type: str | None, source: FakeRange | None) -> None:
        self.charts, self.name, self.chart_type = charts, name, chart_type
        self.source_address = source.address if source is not None else ""
        self.title: str | None = None

    def delete(self) -> None:
        self.charts.items.remove(self)


class FakeCharts:
    """Sheet.charts: iterate, count, add(...). Sheet.clear() leaves charts alone, as in Excel."""

    def __init__(self) -> None:
        self.items: list[FakeChart] = []

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self.items))

    @property
    def count(self) -> int:
        return len(self.items)

    def add(self, left: float = 0, top: float = 0, width: float = 355, height: float = 211,
            chart_type: str | None = None, source: FakeRange | None = None, name: str | None = None,
            anchor: FakeRange | None = None) -> FakeChart:
        chart = FakeChart(self, name or f"Chart {len(self.items) + 1}", chart_type, source)
        self.items.append(chart)
        return chart


class FakePageSetup:
    """xlwings' Sheet.page_setup: `.api` is Excel's PageSetup, whose properties the fake keeps as set."""

    def __init__(self) -> None:
        self.api = type("PageSetupApi", (), {})()


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.charts = FakeCharts()
        self.cells: dict[tuple[int, int], Any] = {}
        self.colors: dict[tuple[int, int], tuple[int, ...]] = {}
        self.notes_by_cell: dict[tuple[int, int], FakeNote] = {}
        self.links: dict[tuple[int, int], str] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.spills: set[tuple[int, int]] = set()
        self.spill_broken = False
        self.visible = True
        self.selection: FakeRange | None = None
        self.page_setup = FakePageSetup()

    # --- what Excel stores ---
    def write(self, key: tuple[int, int], value: Any) -> None:
        """A value written through Range.Value, converted as Excel converts it."""
        if key in self.spills:
            self.spill_broken = True
        self.formulas.pop(key, None)
        if isinstance(value, str):
            if value.startswith("'"):
                value = value[1:]
            elif value.startswith("="):
                self.formulas[key] = value
                self.cells.pop(key, None)
                link = re.fullmatch(r'=HYPERLINK\("((?:[^"]|"")*)","((?:[^"]|"")*)"\)', value)
                if link:  # Excel calculates it: the cell shows the friendly name and links to the address
                    self.links[key] = link.group(1).replace('""', '"')
                    self.cells[key] = link.group(2).replace('""', '"')
                return
            else:
                value = excel_converts(value)
        self.put(key, value)

    def put(self, key: tuple[int, int], value: Any) -> None:
        """Store a value as it is (a typed text cell, a number...): numbers as floats, dates as datetime."""
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            value = float(value)
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if value is None or value == "":
            self.cells.pop(key, None)
        else:
            self.cells[key] = value

    def set_formula(self, key: tuple[int, int], formula: str, value: Any) -> None:
        """A formula cell and the value Excel calculated for it."""
        self.formulas[key] = formula
        self.put(key, value)

    def shown(self, key: tuple[int, int]) -> Any:
        return self.cells.get(key)

    def formula_at(self, key: tuple[int, int]) -> str:
        if key in self.formulas:
            return self.formulas[key]
        v = self.cells.get(key)
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    # --- the xlwings Sheet API ---
    def activate(self) -> None:
        self.book.active_sheet = self

    @property
    def used_range(self) -> Any:
        keys = list(self.cells) + list(self.formulas) or [(1, 1)]
        last = _Last(max(r for r, _ in keys), max(c for _, c in keys))
        return type("Used", (), {"last_cell": last})()

    def range(self, cell1: Any, cell2: Any = None) -> FakeRange:
        first, second = cell1, cell2
        if isinstance(first, str) and ("," in first or ":" in first):
            if len(first) > 255:
                raise FakeComError("Range(address): Excel takes at most 255 characters")
            areas = []
            for part in first.split(","):
                a, _, b = part.partition(":")
                areas.append((_rc(a), _rc(b or a)))
            return FakeRange(self, areas[0][0], areas[0][1], areas[1:])
        top = _rc(first) if isinstance(first, str) else tuple(first)
        bottom = (_rc(second) if isinstance(second, str) else tuple(second)) if second is not None else None
        return FakeRange(self, top, bottom)  # type: ignore[arg-type]

    def clear(self) -> None:
        self.cells.clear()
        self.formulas.clear()
        self.colors.clear()
        self.notes_by_cell.clear()
        self.links.clear()

    @property
    def notes(self) -> list[FakeNote]:
        return list(self.notes_by_cell.values())

    # --- test helpers ---
    def select(self, first: Any, second: Any = None) -> None:
        """The rep selects cells on this sheet (Excel remembers a selection per sheet)."""
        self.selection = self.range(first, second)

    def grid(self) -> list[list[Any]]:
        """The sheet's values from A1."""
        last = self.used_range.last_cell
        return self.range((1, 1), (last.row, last.column)).options(ndim=2).value


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self.items: list[FakeSheet] = []

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: str | int) -> FakeSheet:
        if isinstance(key, int):
            return self.items[key]
        for s in self.items:
            if s.name.casefold() == key.casefold():
                return s
        raise FakeComError(f"(-2147352567, 'Exception occurred.', None, None): no sheet {key!r}")

    @property
    def active(self) -> FakeSheet:
        return self.book.active_sheet or self.items[0]

    def add(self, name: str, before: FakeSheet | None = None, after: FakeSheet | None = None) -> FakeSheet:
        if any(s.name.casefold() == name.casefold() for s in self.items):
            raise FakeComError(f"That name is already taken: {name}")
        if len(name) > 31 or re.search(r"[\\/?*\[\]:]", name):
            raise FakeComError(f"Excel refuses the sheet name {name!r}")
        sheet = FakeSheet(self.book, name)
        if after is not None:
            index = self.items.index(after) + 1
        elif before is not None:
            index = self.items.index(before)
        else:
            index = len(self.items)
        self.items.insert(index, sheet)
        return sheet


class FakeName:
    def __init__(self, name: str, refers_to: str) -> None:
        self.name, self.refers_to = name, refers_to


class FakeNames(list):  # type: ignore[type-arg]
    def add(self, name: str, refers_to: str) -> FakeName:
        if any(len(s) > 255 for s in re.findall(r'"((?:[^"]|"")*)"', refers_to)):
            raise FakeComError("Text values in formulas are limited to 255 characters")
        for existing in self:
            if existing.name == name:
                existing.refers_to = refers_to
                return existing
        item = FakeName(name, refers_to)
        self.append(item)
        return item


class _FileDialog:
    """Excel's FileDialog as COM shows it: Title, InitialFileName, Show() (-1 when OK), SelectedItems(n)."""

    def __init__(self, app: FakeApp) -> None:
        self.app = app
        self.Title = ""
        self.InitialFileName = ""

    def Show(self) -> int:
        self.app.dialogs.append((self.Title, self.InitialFileName))
        return -1 if self.app.folder_choice is not None else 0

    def SelectedItems(self, index: int) -> str:
        assert index == 1 and self.app.folder_choice is not None
        return self.app.folder_choice


class _AppApi:
    def __init__(self, app: FakeApp) -> None:
        self.app = app

    def FileDialog(self, kind: int) -> _FileDialog:
        assert kind == 4, "msoFileDialogFolderPicker"
        return _FileDialog(self.app)


class FakeApp:
    def __init__(self) -> None:
        self.folder_choice: str | None = None  # what the manager picks in the folder dialog (None: Cancel)
        self.dialogs: list[tuple[str, str]] = []
        self.api = _AppApi(self)
        self.status_bar: Any = False
        self.screen_updating = True
        self.status_history: list[Any] = []
        self.alerts: list[tuple[str, str]] = []

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "status_bar" and hasattr(self, "status_history"):
            self.status_history.append(value)
        object.__setattr__(self, key, value)

    def alert(self, prompt: str, title: str | None = None, **_kw: Any) -> None:
        self.alerts.append((title or "", prompt))


class FakeBook:
    def __init__(self, fullname: str = "/tmp/fake.xlsx") -> None:
        self.fullname = fullname
        self.name = fullname.rsplit("/", 1)[-1]
        self.sheets = FakeSheets(self)
        self.names = FakeNames()
        self.app = FakeApp()
        self.active_sheet: FakeSheet | None = None
        self.calls = 0

    @property
    def selection(self) -> FakeRange | None:
        """The application's selection: the one on the active sheet."""
        return self.sheets.active.selection

    @classmethod
    def from_workbook(cls, path: str) -> FakeBook:
        """Load a real .xlsx's values into a fake book (what Excel would show), keeping sheet order; typed text
        stays text, numbers become floats."""
        import openpyxl

        book = cls(str(path))
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            sheet = book.sheets.add(ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.put((cell.row, cell.column), cell.value)
        return book
