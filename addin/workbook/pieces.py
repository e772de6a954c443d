"""Reading a big sheet part in pieces, so that neither time nor memory is spent on the whole part at once.

python-calamine parses a sheet into one owned range of cells (about 60 bytes a cell, 430 MB for a 500,000-row
visit log) before any value reaches Python, and the guard must inflate the part once more beforehand to learn
its extent. Here the part is inflated once: each chunk is scanned by the guard (`ExtentScan`) and cut after a
`</row>` into pieces of about PIECE_BYTES. Each piece becomes a small uncompressed package in a temporary
folder (the sheet's own start tags, its rows, the workbook's shared strings and styles; deleted once parsed)
that calamine parses on a worker thread (it lets go of the GIL) while the main thread scans and cuts the next
one and converts the one before. The grid handed back is the one `to_python(skip_empty_area=False)` gives
for the whole sheet: rows from row 1, columns from A, every row as wide as the widest, empty cells "".
Rows out of order stop the pieces (OutOfOrder): the reader then scans the rest and reads the part whole.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import zipfile
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from pathlib import Path

from python_calamine import CalamineSheet, CalamineWorkbook

from addin.errors import KamError
from addin.workbook.guard import MAX_PROLOG, ExtentScan, Inspection, SheetPart, _read_bounded, _stream

PIECE_BYTES = 4 * 1024**2  # 4 MB of sheet XML: about 8,500 rows of a 15-column visit log
SHARED_STRINGS_SHARE = 4
#: the XML of one row (or of what stands between two rows) may be at most this long: a 16,384-column row of
#: shared strings is under 1 MB
MAX_ROW_BYTES = 64 * 1024**2
DEPTH = 1  # pieces parsed or waiting while the main thread converts one
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>")
_ROOT = re.compile(rb"<((?:\w+:)?)worksheet\b")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")
_ROW_END = re.compile(rb"</(?:\w+:)?row>")

_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                  b'2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                  b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
_ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
              b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
              b'2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_REL = '<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" ' \
       'Target="{target}"/>'


class OutOfOrder(Exception):
    """A piece starts above the rows already read (rows out of order in the part): read the sheet whole."""


class Package:
    """The parts every piece is packaged with: workbook (one sheet, the file's date system), its
    relationships, the shared strings and the styles, read once."""

    SHEET = "piece"

    def __init__(self, zf: zipfile.ZipFile, listing: Inspection) -> None:
        path = listing.path
        self.parts: dict[str, bytes] = {}
        self.count = 0
        rels = [_REL.format(id="rId1", kind="worksheet", target="worksheets/sheet1.xml")]
        if listing.shared_strings:
            self.parts["xl/sharedStrings.xml"] = _read_bounded(zf, path, listing.shared_strings)
            rels.append(_REL.format(id="rId2", kind="sharedStrings", target="sharedStrings.xml"))
        if listing.styles:
            self.parts["xl/styles.xml"] = _read_bounded(zf, path, listing.styles)
            rels.append(_REL.format(id="rId3", kind="styles", target="styles.xml"))
        self.parts["[Content_Types].xml"] = _CONTENT_TYPES
        self.parts["_rels/.rels"] = _ROOT_RELS
        self.parts["xl/_rels/workbook.xml.rels"] = (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships">{"".join(rels)}</Relationships>').encode()
        pr = '<workbookPr date1904="1"/>' if listing.date1904 else ""
        self.parts["xl/workbook.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{pr}<sheets><sheet name="{self.SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>').encode()

    def around(self, piece: bytes, folder: str | None) -> str | io.BytesIO:
        """An uncompressed package holding `piece` as its one sheet: a file in `folder` (calamine then reads
        it without coming back to Python for each read, which on a busy main thread waits for the GIL), or
        in memory when there is no folder to write to."""
        target: str | io.BytesIO = io.BytesIO()
        if folder is not None:
            self.count += 1
            target = os.path.join(folder, f"piece{self.count}.xlsx")
        try:
            with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as z:
                for name, data in self.parts.items():
                    z.writestr(name, data)
                z.writestr("xl/worksheets/sheet1.xml", piece)
        except OSError:  # a full or read-only temporary folder: the piece stays in memory
            return self.around(piece, None)
        if isinstance(target, io.BytesIO):
            target.seek(0)
        return target


def _row_end(buf: bytes, start: int, end: int) -> int:
    """The offset just after the last `</row>` (or `</x:row>`) that ends within buf[start:end], or -1."""
    at = buf.rfind(b"row>", start, end)
    while at >= 0:
        tag = buf.rfind(b"</", max(at - 64, start), at)
        if tag >= 0 and _ROW_END.fullmatch(buf, tag, at + 4):
            return at + 4
        at = buf.rfind(b"row>", start, at)
    return -1


def cut(zf: zipfile.ZipFile, path: Path, sheet: SheetPart, piece_bytes: int) -> Iterator[bytes]:
    """The sheet part as well-formed pieces of whole rows, each guard-checked before it is handed out.

    Linear in the part: a stretch with no `</row>` is searched once, where it grew, and refused past
    MAX_ROW_BYTES (no real row comes near it; a crafted part padded with white space would otherwise be
    held and searched again for every chunk, 32 s and 1.3 GB for 400 MB of padding)."""
    scan = ExtentScan(path, sheet)
    head: bytes | None = None
    close = b""
    buf = b""
    searched = 0  # buf[:searched] holds no </row> after the last cut (less a tag's length)
    for chunk in _stream(zf, path, sheet.part):
        scan.feed(chunk)
        scan.check()
        buf = buf + chunk if buf else chunk
        if head is None:
            found = _SHEET_DATA.search(buf)
            if found is None or found.group(2):  # no rows yet, or <sheetData/>: the part stays whole
                if found is None and len(buf) > MAX_PROLOG:
                    raise KamError("file.corrupt", file=path, detail=f"{sheet.name}: no <sheetData>")
                continue
            root = _ROOT.search(buf, 0, found.start())
            head = _DIMENSION.sub(b"", buf[:found.end()])  # a <dimension> would size every piece like the whole
            close = b"</" + found.group(1) + b"sheetData></" + (root.group(1) if root else b"") + b"worksheet>"
            buf = buf[found.end():]
        start = 0
        while len(buf) - start >= piece_bytes:
            end = _row_end(buf, start, start + piece_bytes)
            if end < 0:  # one row longer than a piece: it goes whole, once it has all come in
                found_end = _ROW_END.search(buf, max(start + piece_bytes, searched))
                if found_end is None:
                    searched = max(len(buf) - 64, start)
                    if len(buf) - start > MAX_ROW_BYTES:
                        raise KamError("file.long_row", file=path, sheet=sheet.name, size=MAX_ROW_BYTES // 1024**2)
                    break
                end = found_end.end()
            yield head + buf[start:end] + close
            start = end
            searched = 0
        if start:
            buf = buf[start:]
            searched = max(searched - start, 0)
    yield (head or b"") + buf


def read_in_pieces(zf: zipfile.ZipFile, listing: Inspection, sheet: SheetPart,
                   piece_bytes: int | None = None) -> list[Sequence[object]]:
    """The whole grid of a big sheet, read piece by piece (see the module's docstring). Raises OutOfOrder
    when its rows are not in order, KamError when the guard refuses it, and calamine's errors as they come.

    Each piece is packaged with the shared strings, which calamine parses again for every piece: pieces
    are made at least SHARED_STRINGS_SHARE times as big as that part, so that costs at most a quarter more."""
    package = Package(zf, listing)
    if piece_bytes is None:
        piece_bytes = max(PIECE_BYTES, SHARED_STRINGS_SHARE * len(package.parts.get("xl/sharedStrings.xml", b"")))
    grid = Grid()
    pending: deque[Future[CalamineSheet]] = deque()
    with (tempfile.TemporaryDirectory(prefix="kam-", ignore_cleanup_errors=True) as folder,
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam-piece") as pool):
        try:
            for piece in cut(zf, listing.path, sheet, piece_bytes):
                pending.append(pool.submit(_parse, package.around(piece, folder)))
                del piece
                while len(pending) > DEPTH:
                    grid.add(pending.popleft().result())
            while pending:
                grid.add(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()
    return grid.finish()


def _parse(package: str | io.BytesIO) -> CalamineSheet:
    """Parse a packaged piece (on the worker thread); its file is gone once parsed."""
    if isinstance(package, io.BytesIO):
        return CalamineWorkbook.from_filelike(package).get_sheet_by_name(Package.SHEET)
    book = CalamineWorkbook.from_path(package)
    try:
        return book.get_sheet_by_name(Package.SHEET)
    finally:
        book.close()
        with contextlib.suppress(OSError):
            os.remove(package)


#: values of one kind that may stand in for each other when equal (1 == 1.0 == True must not be merged)
_SAFE_KINDS = ({str}, {str, float}, {str, int}, {str, bool}, {str, date}, {str, datetime}, {str, time},
               {str, timedelta})


class Grid:
    """The rows of a sheet as its pieces come in. Equal cell values of a column are kept once (a visit log
    repeats its dates, accounts, people and methods on every row, and calamine makes a new object for each
    cell); a column whose values are mostly distinct (notes) is left as it is."""

    def __init__(self) -> None:
        self.rows: list[Sequence[object]] = []
        self.memos: dict[int, dict[object, object] | None] = {}

    def add(self, sheet: CalamineSheet) -> None:
        """Add a parsed piece's rows at their place: empty rows for any gap, columns padded from A."""
        if sheet.height == 0 or sheet.width == 0 or sheet.start is None:
            return
        top, left = sheet.start
        if top < len(self.rows):
            raise OutOfOrder(top)
        columns = list(zip(*sheet.to_python(skip_empty_area=True), strict=True))
        del sheet
        shared = [self._shared(left + i, column) for i, column in enumerate(columns)]
        del columns
        if left:
            shared[:0] = [("",) * len(shared[0])] * left
        self.rows.extend(() for _ in range(top - len(self.rows)))
        self.rows.extend(zip(*shared, strict=True))

    def _shared(self, index: int, column: tuple[object, ...]) -> Sequence[object]:
        memo = self.memos.get(index, {})
        if memo is None:
            return column
        kinds = set(map(type, column))
        kinds.discard(type(None))
        if not any(kinds <= safe for safe in _SAFE_KINDS):
            return column
        before = len(memo)
        out = list(map(memo.setdefault, column, column))
        if len(memo) - before > len(column) // 2:  # mostly distinct: not worth a dictionary
            self.memos[index] = None
        else:
            self.memos[index] = memo
        return out

    def finish(self) -> list[Sequence[object]]:
        """Every row as wide as the widest, filled with "" as calamine fills the whole sheet."""
        rows = self.rows
        width = max(map(len, rows), default=0)
        for i, row in enumerate(rows):
            if len(row) < width:
                rows[i] = (*row, *("",) * (width - len(row)))
        return rows
