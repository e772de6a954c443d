"""What a reader hands to the core: per sheet, the header mapping and the raw rows with their row numbers.

The core never sees a file: adapters (file reader, live Excel) build these plain objects, and rules,
grading and documents work on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from addin.core.schema import SheetSpec
from addin.core.text import is_blank


@lru_cache(maxsize=4096)
def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str | bytes) -> int:
    """0-based column index of Excel column letters (A -> 0, AA -> 26): the inverse of column_letter."""
    n = 0
    for ch in letters.decode("ascii") if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


_ADDRESS = re.compile(r"([A-Z]+)(\d+)$")


def parse_address(ref: str) -> tuple[int, int] | None:
    """(1-based row, 0-based column) of an A1 address such as "K384", or None when it is not one."""
    m = _ADDRESS.match(ref)
    return (int(m.group(2)), column_index(m.group(1))) if m else None


def cell_address(row: int, col: int) -> str:
    """A1 address of a 1-based row and 0-based column."""
    return f"{column_letter(col)}{row}"


@dataclass(frozen=True, slots=True)
class Column:
    """One header cell: 0-based index, header as written, and the field key it maps to (None if unknown)."""

    index: int
    header: str
    key: str | None


@dataclass
class SheetTable:
    """One known sheet as read: where its header is, which column holds which field, and its rows.

    `rows` hold raw cell values (one list per worksheet row, aligned to worksheet columns starting at A)
    with the 1-based worksheet row number; empty rows are dropped.
    """

    spec: SheetSpec
    name: str
    header_row: int
    columns: list[Column]
    rows: list[tuple[int, Sequence[object]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index: dict[str, int] = {}
        self.duplicates: list[Column] = []
        self._headers = {c.index: c.header for c in self.columns}
        for col in self.columns:
            if col.key is None:
                continue
            if col.key in self.index:
                self.duplicates.append(col)
            else:
                self.index[col.key] = col.index

    @property
    def unknown_columns(self) -> list[Column]:
        """Columns whose header matches no field: kept aside, never an error."""
        return [c for c in self.columns if c.key is None and c.header]

    def has(self, key: str) -> bool:
        return key in self.index

    def header(self, key: str) -> str:
        """The header of a field as the rep wrote it (empty if the column is absent)."""
        idx = self.index.get(key)
        return self._headers.get(idx, "") if idx is not None else ""

    def address(self, row: int, key: str) -> str:
        """A1 address of a field in a worksheet row (empty if the column is absent)."""
        idx = self.index.get(key)
        return cell_address(row, idx) if idx is not None else ""

    def raw(self, values: Sequence[object], key: str) -> object:
        """The raw value of a field in one row (None when the column is absent or the row is short)."""
        idx = self.index.get(key)
        if idx is None or idx >= len(values):
            return None
        return values[idx]

    def records(self) -> Iterator[tuple[int, dict[str, object]]]:
        """Each row as (row number, {field key: raw value}) for the mapped fields."""
        items = list(self.index.items())
        for number, values in self.rows:
            n = len(values)
            yield number, {k: (values[i] if i < n else None) for k, i in items}


@dataclass
class WorkbookData:
    """A workbook as read: the known sheets by key, and the names of the other sheets."""

    source: str
    sheets: dict[str, SheetTable]
    other_sheets: list[str] = field(default_factory=list)
    date1904: bool = False
    #: sheet name -> cells holding a formula with no calculated value (read as empty; a program wrote the
    #: formula and nobody opened the file in Excel since)
    uncalculated: dict[str, set[str]] = field(default_factory=dict)

    def get(self, key: str) -> SheetTable | None:
        return self.sheets.get(key)


def find_header(spec: SheetSpec, rows: Sequence[Sequence[object]], scan: int = 10) -> int | None:
    """Index (0-based, in `rows`) of the header row: the first non-empty row, unless one of the first
    `scan` non-empty rows names more of the sheet's fields (a title row above the table)."""
    first: int | None = None
    best: tuple[int, int] | None = None
    seen = 0
    for i, row in enumerate(rows):
        if all(is_blank(v) for v in row):
            continue
        if first is None:
            first = i
        hits = sum(1 for v in row if not is_blank(v) and spec.field_for_header(v))
        if hits and (best is None or hits > best[0]):
            best = (hits, i)
        seen += 1
        if seen >= scan:
            break
    if best is not None and best[0] >= 2:
        return best[1]
    return first


def shaped_like_spec(table: SheetTable) -> bool:
    """Whether a sheet named like one of kam's really is one. A Chinese name (客户, 拜访记录...) is kam's own;
    a common English name ("Contacts", "Settings") counts only when its header names the sheet's anchor
    column (customer_id, or key for settings) or at least half of its fields. An unrelated sheet that only
    shares a name is left alone: never validated, coloured or annotated. An empty sheet counts as kam's."""
    keys = {c.key for c in table.columns if c.key}
    if not table.name.isascii() or not any(c.header for c in table.columns):
        return True
    anchor = "customer_id" if "customer_id" in table.spec.by_key else table.spec.fields[0].key
    return anchor in keys or len(keys) * 2 >= len(table.spec.fields)


def build_table(spec: SheetSpec, name: str, rows: Sequence[Sequence[object]], first_row: int = 1) -> SheetTable:
    """Map a sheet's raw grid (rows starting at worksheet row `first_row`, columns at A) onto `spec`."""
    header_at = find_header(spec, rows)
    if header_at is None:
        return SheetTable(spec, name, first_row, [], [])
    header_cells = rows[header_at]
    columns = [
        Column(i, "" if is_blank(v) else str(v).strip(), spec.field_for_header(v) if not is_blank(v) else None)
        for i, v in enumerate(header_cells)
    ]
    body = [(first_row + offset, rows[offset]) for offset in range(header_at + 1, len(rows))
            if _has_value(rows[offset])]
    return SheetTable(spec, name, first_row + header_at, columns, body)


def _has_value(values: Sequence[object]) -> bool:
    """True when a row holds anything but empty cells and white space (fast path: the first cell)."""
    for v in values:
        if v is None:
            continue
        if v.__class__ is str:
            if v.strip():
                return True
        else:
            return True
    return False
