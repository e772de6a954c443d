"""Fast workbook reader: guard checks first, then python-calamine for values, mapped onto the schema.

Returns plain `WorkbookData` for the core. Any failure of a library becomes one `KamError` sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from python_calamine import CalamineWorkbook

from addin.core.model import SheetTable, WorkbookData, build_table, shaped_like_spec
from addin.core.schema import SheetSpec, sheet_for_name
from addin.errors import KamError
from addin.workbook.guard import inspect


def _known(names: Iterable[str]) -> dict[str, tuple[str, SheetSpec]]:
    """Sheet key -> (name as written, spec) for the first sheet of each known kind."""
    found: dict[str, tuple[str, SheetSpec]] = {}
    for name in names:
        spec = sheet_for_name(name)
        if spec is not None and spec.key not in found:
            found[spec.key] = (name, spec)
    return found


def read_workbook(path: str | Path, sheets: Iterable[str] | None = None) -> WorkbookData:
    """Read the known sheets of an .xlsx/.xlsm (only `sheets` keys when given) into `WorkbookData`.

    Raises KamError (exit 2) for a file that cannot be read; never lets a library kill the process.
    """
    path = Path(path)
    wanted = set(sheets) if sheets is not None else None
    known: dict[str, tuple[str, SheetSpec]] = {}

    def choose(names: list[str]) -> set[str]:
        """The sheets to read (and so to scan): the first of each known kind, limited to `sheets`."""
        known.update((k, v) for k, v in _known(names).items() if wanted is None or k in wanted)
        return {name for name, _ in known.values()}

    listing = inspect(path, needed=choose)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise KamError("file.unreadable", file=path, detail=_short(exc)) from exc
    tables: dict[str, SheetTable] = {}
    for key, (name, spec) in known.items():
        try:
            grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise KamError("file.unreadable", file=path, detail=f"{name}: {_short(exc)}") from exc
        table = build_table(spec, name, grid)
        if shaped_like_spec(table):
            tables[key] = table
    adopted = {t.name for t in tables.values()}
    others = [s.name for s in listing.sheets if s.name not in adopted]
    return WorkbookData(str(path), tables, others, listing.date1904)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
