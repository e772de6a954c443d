"""Fast workbook reader: guard checks first, then python-calamine for values, mapped onto the schema.

Returns plain `WorkbookData` for the core. Any failure of a library becomes one `KamError` sentence.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import cast

from python_calamine import CalamineWorkbook

from addin.core.model import SheetTable, WorkbookData, build_table, shaped_like_spec
from addin.core.schema import SheetSpec, sheet_for_name
from addin.errors import KamError
from addin.workbook.guard import Inspection, SheetPart, inspect, scan_extent
from addin.workbook.pieces import OutOfOrder, read_in_pieces


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

    listing = inspect(path, needed=choose, stream_big=True)
    try:
        book = _calamine(path, listing.workbook_part, listing.other_sheets)
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise KamError("file.unreadable", file=path, detail=_short(exc)) from exc
    parts = {s.name: s for s in listing.sheets}
    tables: dict[str, SheetTable] = {}
    for key, (name, spec) in known.items():
        grid = _grid(path, listing, book, parts[name])
        table = build_table(spec, name, grid)
        del grid
        if shaped_like_spec(table):
            tables[key] = table
    adopted = {t.name for t in tables.values()}
    others = [s.name for s in listing.sheets if s.name not in adopted]
    uncalculated = {s.name: s.uncalculated for s in listing.sheets if s.uncalculated}
    return WorkbookData(str(path), tables, others, listing.date1904, uncalculated)


def _grid(path: Path, listing: Inspection, book: CalamineWorkbook, part: SheetPart) -> list[Sequence[object]]:
    """A sheet's grid from row 1 and column A: a big part in pieces, the others whole."""
    try:
        if part.in_pieces:
            with zipfile.ZipFile(path) as zf:
                try:
                    return read_in_pieces(zf, listing, part)
                except OutOfOrder:  # rows out of order: calamine places them, reading the part whole, once the
                    part.in_pieces = False  # guard has scanned all of it (the pieces stopped part way)
                    scan_extent(zf, path, part)
        return cast(list[Sequence[object]], book.get_sheet_by_name(part.name).to_python(skip_empty_area=False))
    except KamError:
        raise
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise KamError("file.unreadable", file=path, detail=f"{part.name}: {_short(exc)}") from exc


def _calamine(path: Path, book_part: str, other_sheets: list[str]) -> CalamineWorkbook:
    """python-calamine looks for the workbook at xl/workbook.xml only and stops at sheets that are not
    worksheets (an Excel 4 macro sheet: "Unrecognized sheet:type"). Such a file is handed to it as an
    in-memory copy of the package with the workbook and its relationships (targets made absolute) at the
    usual place and only the worksheets listed."""
    if book_part == "xl/workbook.xml" and not other_sheets:
        return CalamineWorkbook.from_path(str(path))
    import io
    import re

    from addin.workbook.opc import read_rels, rels_part
    from addin.workbook.sheetxml import xml_escape

    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as dst:
        names = set(src.namelist())
        for info in src.infolist():
            if info.filename not in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
                dst.writestr(info.filename, src.read(info))
        workbook = src.read(book_part)
        for name in other_sheets:
            quoted = re.escape(xml_escape(name).replace('"', "&quot;").encode())
            workbook = re.sub(rb'<(?:\w+:)?sheet\b[^>]*?\bname="' + quoted + rb'"[^>]*?/>', b"", workbook)
        dst.writestr("xl/workbook.xml", workbook)
        rels = src.read(rels_part(book_part)) if rels_part(book_part) in names else b""
        items = "".join(f'<Relationship Id="{r.id}" Type="{r.type}" '
                        + (f'Target="{r.target}" TargetMode="External"/>' if r.external else f'Target="/{r.target}"/>')
                        for r in read_rels(rels, book_part))
        dst.writestr("xl/_rels/workbook.xml.rels",
                     '<?xml version="1.0" encoding="UTF-8"?><Relationships '
                     f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>')
    buf.seek(0)
    return CalamineWorkbook.from_filelike(buf)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
