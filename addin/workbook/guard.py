"""Checks run on a workbook file before any parser touches it, so no library can be made to crash kam.

python-calamine allocates the whole used range of a sheet (a file holding only A1 and XFD1048576 asks for
hundreds of GiB and aborts the process), and zip bombs or entity tricks can exhaust memory. Here we sniff the
file type, bound the zip, read the small XML parts with defusedxml and stream the sheet parts once to learn
their real extent before calamine sees them.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from addin.core.model import cell_address, column_index
from addin.errors import KamError
from addin.workbook.opc import TRANSITIONAL, Dialect, dialect_of, find_part, read_rels, rels_part, workbook_part

MAX_PARTS = 10_000
MAX_PART_BYTES = 2 * 1024**3  # inflated size of any one part we read
MAX_TOTAL_BYTES = 4 * 1024**3  # declared inflated size of the whole package
MAX_RATIO = 200  # inflated / compressed, checked for parts over RATIO_FLOOR bytes
RATIO_FLOOR = 20 * 1024**2
MAX_CELLS = 30_000_000  # bounding box of one sheet the fast reader may allocate (~1 GB); any 26-column sheet fits
CHUNK = 4 * 1024**2
#: a sheet part inflating to more than this is read in pieces (addin.workbook.pieces), never whole by calamine
BIG_SHEET = 16 * 1024**2

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_ROW_TAG = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_WIDE_REF = re.compile(rb' r="([A-Z]{2,})(\d+)"')  # only cells carry letters in an r= attribute
_WIDE_FAST = re.compile(rb' r="[A-Z]{2}')
_ROOT_START = re.compile(rb"<[A-Za-z_]")
# a cell with a formula and no cached value: <c r="B2"><f>...</f></c> (no or an empty <v>), as libraries write
_NO_VALUE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>]*>\s*<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>[^<]*'
                       rb'</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
MAX_PROLOG = 64 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class SheetPart:
    """One worksheet as listed in xl/workbook.xml."""

    name: str
    part: str
    max_row: int = 0
    max_col: int = 0  # 1-based; 0 when unknown
    far_cell: str = ""
    uncalculated: set[str] = field(default_factory=set)  # cells holding a formula Excel never calculated
    in_pieces: bool = False  # a big part: the guard scans it while the piecewise reader cuts it


@dataclass
class Inspection:
    """What the guard learned about a workbook file: its worksheets (chart and macro sheets are not listed),
    where the workbook part is, and its dialect (Transitional or Strict)."""

    path: Path
    sheets: list[SheetPart] = field(default_factory=list)
    date1904: bool = False
    workbook_part: str = "xl/workbook.xml"
    dialect: Dialect = TRANSITIONAL
    other_sheets: list[str] = field(default_factory=list)  # chart sheets, Excel 4 macro sheets, dialogs
    #: the workbook's shared strings and styles parts (absent: None), which a sheet's cells point into
    shared_strings: str | None = None
    styles: str | None = None


def sniff(path: Path) -> None:
    """Refuse files that are not .xlsx/.xlsm zips, naming what they really are."""
    if not path.exists():
        raise KamError("file.missing", file=path)
    if not path.is_file():
        raise KamError("file.not_file", file=path)
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise KamError("file.empty", file=path)
    if head.startswith(_OLE_MAGIC):
        raise KamError("file.encrypted" if _ole_has_stream(path, "EncryptedPackage") else "file.ole", file=path)
    if not head.startswith(b"PK"):
        raise KamError("file.not_zip", file=path)


def _ole_has_stream(path: Path, name: str) -> bool:
    """Whether an OLE compound file names a stream `name` (its directory stores names in UTF-16LE): an
    .xlsx saved with an open password is an OLE file holding an "EncryptedPackage" stream."""
    wanted = name.encode("utf-16-le")
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if wanted in tail + chunk:
                return True
            tail = chunk[-len(wanted):]
    return False


def _no_doctype_at_start(zf: zipfile.ZipFile, path: Path, info: zipfile.ZipInfo) -> None:
    """A DOCTYPE can only stand in the prolog, before the root element: read up to the root's start tag
    (however much comment padding comes first) and look there."""
    prolog = b""
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(64 * 1024):
                prolog += chunk
                if _DOCTYPE.search(prolog):
                    raise KamError("file.doctype", file=path, part=info.filename)
                root = _ROOT_START.search(prolog)
                if root is not None or len(prolog) > MAX_PROLOG:
                    break
                prolog = prolog[-64:]  # keep a tail so a split "<!DOCTYPE" is still seen
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise KamError("file.corrupt", file=path, detail=f"{info.filename}: {exc}") from exc


def _parse_small_xml(zf: zipfile.ZipFile, path: Path, part: str) -> SafeET.Element:
    """Parse a small XML part with defusedxml (no DTDs, no entities)."""
    data = _read_bounded(zf, path, part)
    if _DOCTYPE.search(data[:4096]) or _DOCTYPE.search(data):
        raise KamError("file.doctype", file=path, part=part)
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise KamError("file.doctype", file=path, part=part) from exc
    except SafeET.ParseError as exc:
        raise KamError("file.bad_xml", file=path, part=part, detail=exc) from exc


def _check_ratio(path: Path, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_PART_BYTES:
        raise KamError("file.bomb", file=path, part=info.filename, detail=f"{info.file_size:,} bytes")
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise KamError("file.bomb", file=path, part=info.filename, detail=f"{ratio}:1")


def _stream(zf: zipfile.ZipFile, path: Path, part: str):  # type: ignore[no-untyped-def]
    """Yield the inflated bytes of a part in chunks, refusing more than MAX_PART_BYTES whatever the header says."""
    info = zf.getinfo(part)
    _check_ratio(path, info)
    total = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                total += len(chunk)
                if total > MAX_PART_BYTES:
                    raise KamError("file.bomb", file=path, part=part, detail=f"> {MAX_PART_BYTES:,} bytes")
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise KamError("file.corrupt", file=path, detail=f"{part}: {exc}") from exc


def _read_bounded(zf: zipfile.ZipFile, path: Path, part: str) -> bytes:
    return b"".join(_stream(zf, path, part))


def _last_row(data: bytes) -> int:
    """The number of the last <row r="N"> tag in `data` (0 if none); rows are in order in a valid sheet."""
    start = max(data.rfind(b"<row"), data.rfind(b":row"))
    found = _ROW_TAG.search(data, start - 1) if start >= 0 else None
    if found is None:
        numbers = [int(m.group(1)) for m in _ROW_TAG.finditer(data)]
        return max(numbers, default=0)
    return int(found.group(1))


#: Excel's longest formula is 8,192 characters: a cell tag started this close to a chunk's end is carried over whole
MAX_CARRY = 64 * 1024


def _carry(data: bytes) -> bytes:
    """What the next chunk is scanned with: from the start of the last cell tag (a cell whose long formula
    straddles the boundary is then seen whole once), and at least the last 256 bytes (a row or cell
    reference cut in two)."""
    window = max(len(data) - MAX_CARRY, 0)  # look no further back than what could be carried
    start = max(data.rfind(b"<c ", window), data.rfind(b"<c>", window))
    prefixed = data.rfind(b":c ", window)
    if prefixed > start:
        start = data.rfind(b"<", window, prefixed)
    if start < 0 or len(data) - start > MAX_CARRY:
        return data[-256:]
    return data[min(start, len(data) - 256):]


_AFTER_TAG_NAME = frozenset(b" \t\r\n>/")
_BEFORE_F = frozenset(b"<:")


def _has_formula(data: bytes) -> bool:
    """Whether `data` may hold an <f> element (<f>, <f t="shared" .../>, <x:f>): the test before the costly
    _NO_VALUE scan, which a sheet's <formula1> (data validation) or <filterColumn> alone no longer sets off.
    It looks for the letter f first (memchr: rare in sheet XML and absent from Chinese text) and turns to the
    two-byte searches only in text full of f's (they cost 0.45 s over a 240 MB visit log)."""
    at, hits = data.find(b"f", 1), 0
    while at >= 0:
        if data[at - 1] in _BEFORE_F and at + 1 < len(data) and data[at + 1] in _AFTER_TAG_NAME:
            return True
        hits += 1
        if hits > 4096:
            return _has_formula_tag(data, at)
        at = data.find(b"f", at + 1)
    return False


def _has_formula_tag(data: bytes, start: int) -> bool:
    for needle in (b"<f", b":f"):
        at = data.find(needle, start - 1)
        while at >= 0:
            if at + 2 < len(data) and data[at + 2] in _AFTER_TAG_NAME:
                return True
            at = data.find(needle, at + 2)
    return False


class ExtentScan:
    """The guard's look at a sheet part, fed its inflated bytes chunk by chunk: the last row, the widest column,
    the cells holding a formula with no value, and no DOCTYPE. `scan_extent` feeds it a whole part; the
    piecewise reader feeds it as it cuts a big part into pieces."""

    def __init__(self, path: Path, sheet: SheetPart) -> None:
        self.path, self.sheet = path, sheet
        self.tail = b""
        self.first = True
        self.max_col = 0
        self.far = ""

    def feed(self, chunk: bytes) -> None:
        sheet = self.sheet
        data = self.tail + chunk
        if self.first and _DOCTYPE.search(data[:4096]):
            raise KamError("file.doctype", file=self.path, part=sheet.part)
        self.first = False
        sheet.max_row = max(sheet.max_row, _last_row(data))
        if _has_formula(data):
            sheet.uncalculated.update(m.group(1).decode() for m in _NO_VALUE.finditer(data))
        if _WIDE_FAST.search(data):
            for m in _WIDE_REF.finditer(data):
                col = column_index(m.group(1)) + 1
                if col > self.max_col:
                    self.max_col = col
                    self.far = f"{m.group(1).decode()}{m.group(2).decode()}"
        self.tail = _carry(data)
        sheet.max_col = max(self.max_col, 26)
        sheet.far_cell = self.far or (cell_address(sheet.max_row, 0) if sheet.max_row else "")

    def check(self) -> None:
        """Refuse a sheet whose bounding box (as seen so far) is more than the fast reader may allocate."""
        sheet = self.sheet
        if sheet.max_row * sheet.max_col > MAX_CELLS:
            raise KamError("file.far_cell", file=self.path, sheet=sheet.name, cell=sheet.far_cell,
                           cells=f"{sheet.max_row * sheet.max_col:,}")


def scan_extent(zf: zipfile.ZipFile, path: Path, sheet: SheetPart) -> None:
    """Stream a sheet part once: its last row, its widest column, and no DOCTYPE inside."""
    scan = ExtentScan(path, sheet)
    for chunk in _stream(zf, path, sheet.part):
        scan.feed(chunk)
    scan.check()


def own_dialect(book: Any, known: Dialect) -> Dialect:
    """The namespaces the workbook part really uses. Transitional and Strict are the known ones; any other
    (the 2006 beta files of Office 2007 in Apache POI's test data) is taken from the root element and the
    sheets' id attribute, so their sheets are listed, and a sheet kam adds is found again the next time
    instead of being added a second time."""
    tag = str(book.tag)
    root = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    if root in ("", known.main):
        return known
    rel = known.rel
    for sheet in book.iter(f"{{{root}}}sheet"):
        rel = next((k[1:].split("}", 1)[0] for k in sheet.attrib if k.startswith("{") and k.endswith("}id")), rel)
        break
    return Dialect(root, rel)


def inspect(path: Path, needed: set[str] | Callable[[list[str]], set[str]] | None = None,
            stream_big: bool = False) -> Inspection:
    """Open `path` as a zip, list its sheets, and scan the sheets in `needed` (names, or a function choosing
    names from the listed ones; None = all). With `stream_big`, a sheet part over BIG_SHEET is only marked
    `in_pieces`: its reader scans it as it goes, so the part is inflated once, not twice.

    Raises KamError with one sentence for anything unreadable or hostile.
    """
    sniff(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise KamError("file.corrupt", file=path, detail=exc) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            raise KamError("file.too_many_parts", file=path, count=len(infos), limit=MAX_PARTS)
        names_info = {i.filename: i for i in infos}
        names = set(names_info)
        root_rels = _read_bounded(zf, path, "_rels/.rels") if "_rels/.rels" in names else None
        book_part = workbook_part(names, root_rels)
        if book_part is None:
            raise KamError("file.no_workbook", file=path)
        declared = sum(i.file_size for i in infos)
        if declared > MAX_TOTAL_BYTES:
            raise KamError("file.bomb", file=path, part="*", detail=f"{declared:,} bytes in all")
        for info in infos:
            _check_ratio(path, info)
            if info.filename.endswith((".xml", ".rels", ".vml")):
                _no_doctype_at_start(zf, path, info)
        raw_book = _read_bounded(zf, path, book_part)
        result = Inspection(path, workbook_part=book_part, dialect=dialect_of(raw_book))
        book = _parse_small_xml(zf, path, book_part)
        result.dialect = own_dialect(book, result.dialect)
        main, rel_ns = "{" + result.dialect.main + "}", "{" + result.dialect.rel + "}"
        wb_rels = find_part(names, rels_part(book_part))
        rels = {r.id: r for r in read_rels(_read_bounded(zf, path, wb_rels), book_part)} if wb_rels else {}
        for book_rel in rels.values():
            if book_rel.is_a("sharedStrings"):
                result.shared_strings = find_part(names, book_rel.target)
            elif book_rel.is_a("styles"):
                result.styles = find_part(names, book_rel.target)
        pr = book.find(f"{main}workbookPr")
        result.date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        for sh in book.iter(f"{main}sheet"):
            rel = rels.get(sh.get(f"{rel_ns}id", ""))
            if rel is not None and not rel.is_a("worksheet"):
                result.other_sheets.append(sh.get("name", ""))
                continue
            part = rel.target if rel is not None else ""
            stored = find_part(names, part) or part
            result.sheets.append(SheetPart(sh.get("name", ""), stored))
        if callable(needed):
            needed = needed([s.name for s in result.sheets])
        for sheet in result.sheets:
            if needed is not None and sheet.name not in needed:
                continue
            if sheet.part not in names:
                raise KamError("file.corrupt", file=path, detail=f"{sheet.name}: {sheet.part or '?'} missing")
            if stream_big and names_info[sheet.part].file_size > BIG_SHEET:
                sheet.in_pieces = True  # scanned piece by piece as it is read (addin.workbook.pieces)
                continue
            scan_extent(zf, path, sheet)
    return result
