"""An in-memory fake of the xlwings Book API subset kam's Excel port and macros use (documented in
`addin/excel/port.py`), behaving like Excel where it matters for kam:

- Book: .sheets (iterate, [name or index], .add(name, after=)), .names (.add(name, refers_to), iterate),
  .app (.status_bar, .alert(prompt, title=) recorded in .alerts), .fullname, .name, .selection.
- Sheet: .name, .used_range.last_cell(.row/.column), .range(address | (row, col) | corner, corner), .clear(),
  .notes (iterate).
- Range: .options(ndim=2).value (2-D list, None for empty), .value (set a scalar or a 2-D list from the
  top-left), .formula, .color (RGB tuple or None), .note (.text, .delete()), .add_note(text),
  .add_hyperlink(address, text), .address, .row, .rows.count, .sheet.
- Like Excel, a value set as text starting with '=' becomes a formula; an apostrophe prefix stores text.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from addin.core.model import column_letter


def _rc(address: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", address)
    assert m, address
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


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


class FakeRange:
    def __init__(self, sheet: FakeSheet, top: tuple[int, int], bottom: tuple[int, int] | None = None) -> None:
        self.sheet = sheet
        self.top = top
        self.bottom = bottom or top
        self._ndim = 0
        sheet.book.calls += 1  # every Range is a COM round trip in real Excel

    def options(self, ndim: int = 0, **_kw: Any) -> FakeRange:
        r = FakeRange(self.sheet, self.top, self.bottom)
        r._ndim = ndim
        return r

    @property
    def row(self) -> int:
        return self.top[0]

    @property
    def rows(self) -> _Rows:
        return _Rows(self.bottom[0] - self.top[0] + 1)

    @property
    def address(self) -> str:
        return f"${column_letter(self.top[1] - 1)}${self.top[0]}"

    @property
    def value(self) -> Any:
        grid = [[self.sheet.cells.get((r, c)) for c in range(self.top[1], self.bottom[1] + 1)]
                for r in range(self.top[0], self.bottom[0] + 1)]
        if self._ndim == 2 or len(grid) > 1 or len(grid[0]) > 1:
            return grid
        return grid[0][0]

    @value.setter
    def value(self, value: Any) -> None:
        rows = value if isinstance(value, list) and value and isinstance(value[0], list) else [[value]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.set((self.top[0] + i, self.top[1] + j), v)

    def _formula_at(self, key: tuple[int, int]) -> str:
        if key in self.sheet.formulas:
            return self.sheet.formulas[key]
        v = self.sheet.cells.get(key)
        return "" if v is None else str(v)

    @property
    def formula(self) -> Any:
        """One string for one cell; a tuple of row tuples for a larger range (as xlwings returns)."""
        if self.top == self.bottom:
            return self._formula_at(self.top)
        return tuple(tuple(self._formula_at((r, c)) for c in range(self.top[1], self.bottom[1] + 1))
                     for r in range(self.top[0], self.bottom[0] + 1))

    @property
    def color(self) -> tuple[int, int, int] | None:
        return self.sheet.colors.get(self.top)

    @color.setter
    def color(self, rgb: tuple[int, int, int] | None) -> None:
        if rgb is None:
            self.sheet.colors.pop(self.top, None)
        else:
            self.sheet.colors[self.top] = tuple(rgb)

    @property
    def note(self) -> FakeNote | None:
        return self.sheet.notes_by_cell.get(self.top)

    def add_note(self, text: str) -> FakeNote:
        assert self.top not in self.sheet.notes_by_cell, "a cell holds one note"
        note = FakeNote(self.sheet, self.top, text)
        self.sheet.notes_by_cell[self.top] = note
        return note

    def add_hyperlink(self, address: str, text_to_display: str | None = None, screen_tip: str | None = None) -> None:
        self.sheet.links[self.top] = address
        self.sheet.set(self.top, text_to_display or address)


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], Any] = {}
        self.colors: dict[tuple[int, int], tuple[int, ...]] = {}
        self.notes_by_cell: dict[tuple[int, int], FakeNote] = {}
        self.links: dict[tuple[int, int], str] = {}
        self.formulas: dict[tuple[int, int], str] = {}

    def set(self, key: tuple[int, int], value: Any) -> None:
        self.formulas.pop(key, None)
        if isinstance(value, str) and value.startswith("="):  # Excel turns this into a formula
            self.formulas[key] = value
            self.cells.pop(key, None)
            return
        if isinstance(value, str) and value.startswith("'"):
            value = value[1:]  # Excel's text prefix
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if value is None or value == "":
            self.cells.pop(key, None)
        else:
            self.cells[key] = value

    @property
    def used_range(self) -> Any:
        keys = list(self.cells) or [(1, 1)]
        last = _Last(max(r for r, _ in keys), max(c for _, c in keys))
        return type("Used", (), {"last_cell": last})()

    def range(self, first: Any, second: Any = None) -> FakeRange:
        top = _rc(first) if isinstance(first, str) else tuple(first)
        bottom = (_rc(second) if isinstance(second, str) else tuple(second)) if second is not None else None
        return FakeRange(self, top, bottom)  # type: ignore[arg-type]

    def clear(self) -> None:
        self.cells.clear()
        self.colors.clear()
        self.notes_by_cell.clear()
        self.links.clear()

    @property
    def notes(self) -> list[FakeNote]:
        return list(self.notes_by_cell.values())

    def grid(self) -> list[list[Any]]:
        """The sheet's values from A1 (test helper)."""
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
            if s.name == key:
                return s
        raise KeyError(key)

    def add(self, name: str, before: FakeSheet | None = None, after: FakeSheet | None = None) -> FakeSheet:
        sheet = FakeSheet(self.book, name)
        index = self.items.index(after) + 1 if after is not None else len(self.items)
        self.items.insert(index, sheet)
        return sheet


class FakeName:
    def __init__(self, name: str, refers_to: str) -> None:
        self.name, self.refers_to = name, refers_to


class FakeNames(list):  # type: ignore[type-arg]
    def add(self, name: str, refers_to: str) -> FakeName:
        for existing in self:
            if existing.name == name:
                existing.refers_to = refers_to
                return existing
        item = FakeName(name, refers_to)
        self.append(item)
        return item


class FakeApp:
    def __init__(self) -> None:
        self.status_bar: Any = False
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
        self.selection: FakeRange | None = None
        self.calls = 0

    @classmethod
    def from_workbook(cls, path: str) -> FakeBook:
        """Load a real .xlsx's values into a fake book (what Excel would show), keeping sheet order."""
        import openpyxl

        book = cls(str(path))
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            sheet = book.sheets.add(ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.set((cell.row, cell.column), cell.value)
        return book
