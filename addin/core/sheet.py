"""A sheet parsed column by column (SPEC §2): typed values, blanks and invalid cells, read once per workbook.

Every rule, the briefings, birthdays and the agenda read sheets through `parse_sheet`; it parses each
distinct value of a column once, because a visit log can hold 100,000 rows that repeat their dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from addin.core.findings import Finding, at_cell
from addin.core.lunar import BirthDate, parse_birthday
from addin.core.model import SheetTable
from addin.core.parse import Invalid, cell_text, customer_key, parse_field
from addin.core.schema import Field, FieldType

#: Optional text columns the rules read as text (required ones always are).
TEXT_USED = frozenset({"customer_name"})


def parse_value(spec_field: Field, raw: object, date1904: bool = False) -> object:
    """One cell by its field's type (a 生日 through the lunar calendar): a value, None when empty, or Invalid."""
    if spec_field.type is FieldType.BIRTHDAY:
        return parse_birthday(raw, date1904)
    return parse_field(spec_field, raw, date1904)


@dataclass
class Parsed:
    """One sheet parsed column by column: typed values (None when blank or invalid) and the invalid cells."""

    table: SheetTable
    rows: list[int]
    raw: dict[str, Sequence[object]] = field(default_factory=dict)
    typed: dict[str, list[Any]] = field(default_factory=dict)
    invalid: dict[str, list[tuple[int, Invalid]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def text(self, key: str, i: int) -> str:
        values = self.typed.get(key)
        if values is None:
            raw = self.raw.get(key)
            return cell_text(raw[i]) if raw is not None else ""
        value = values[i]
        return value if isinstance(value, str) else cell_text(value)

    @property
    def ids(self) -> list[str | None]:
        """The customer_id column as text (None where blank or absent)."""
        return self.typed.get("customer_id") or [None] * len(self.rows)

    def cid(self, i: int) -> str:
        ids = self.typed.get("customer_id")
        return (ids[i] or "") if ids is not None else ""

    def at(self, i: int, key: str, code: str, **params: Any) -> Finding:
        return at_cell(self.table, self.rows[i], key, code, self.cid(i) if "customer_id" in self.raw else "",
                       **params)

    def row_finding(self, i: int, code: str, message_key: str = "", **params: Any) -> Finding:
        """A finding about a whole row: no column or cell."""
        return Finding(code, sheet=self.table.name, row=self.rows[i], customer_id=self.cid(i),
                       message_key=message_key, params=params)


def parse_sheet(table: SheetTable, date1904: bool = False) -> Parsed:
    """Parse every mapped column of `table`; text stays raw, typed columns get values or Invalid."""
    parsed = Parsed(table, [n for n, _ in table.rows])
    grid = list(zip_longest(*(values for _, values in table.rows)))  # columns, transposed in C (never copied)
    for key, index in table.index.items():
        column: Sequence[object] = grid[index] if index < len(grid) else (None,) * len(parsed.rows)
        parsed.raw[key] = column
        spec_field = table.spec.by_key[key]
        if spec_field.type in (FieldType.TEXT, FieldType.PHONE, FieldType.CREDIT_CODE) or spec_field.computed:
            if key == "customer_id":  # once per account, not once per row: one key object per account
                keys = {value: customer_key(value) or None for value in set(column)}
                parsed.typed[key] = [keys[v] for v in column]
            elif spec_field.required or key in TEXT_USED:  # other text columns stay raw: no rule reads them typed
                parsed.typed[key] = _text_column(column)
            continue
        # parse each distinct value once (a visit log repeats its dates and methods a lot)
        results = {value: parse_value(spec_field, value, date1904) for value in set(column)}
        bad_values = {value for value, result in results.items() if isinstance(result, Invalid)}
        if bad_values:
            parsed.invalid[key] = [(i, results[v]) for i, v in enumerate(column) if v in bad_values]  # type: ignore[misc]
            typed: list[Any] = [None if v in bad_values else results[v] for v in column]
        else:
            parsed.invalid[key] = []
            typed = [results[v] for v in column]
        parsed.typed[key] = typed
    if "birthday" in parsed.typed:
        _lunar_birthdays(parsed)
    return parsed


def _lunar_birthdays(parsed: Parsed) -> None:
    """A 生日 that is lunar (by 历法 or by its own words) but names a day no lunar month has (day 31, or a
    real date's day 31 with 农历) is a bad-date, like any date that cannot exist."""
    calendars = parsed.typed.get("calendar") or [None] * len(parsed.rows)
    births = parsed.typed["birthday"]
    bad = [(i, Invalid("bad-date", parsed.raw["birthday"][i])) for i, (b, cal) in enumerate(zip(births, calendars,
                                                                                             strict=True))
           if isinstance(b, BirthDate) and not b.possible(b.is_lunar(cal))]
    for i, _ in bad:
        births[i] = None
    parsed.invalid["birthday"] = sorted([*parsed.invalid.get("birthday", []), *bad], key=lambda item: item[0])


def _text_column(column: Sequence[object]) -> list[str | None]:
    """Cell texts, stripped, None for blanks (a fast path for the common str cell)."""
    return [(v.strip() or None) if v.__class__ is str else (None if v is None else (cell_text(v) or None))
            for v in column]
