"""Patch cells inside one worksheet's XML without parsing or re-serialising the rest of it.

Only the `<row>` elements that receive a value are rewritten; every other byte of the part stays as it was
(rows, styles, formulas, data validation, conditional formatting, extension lists). Text is always written
as an inline string, so it never becomes a formula and sharedStrings.xml is not touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from addin.core.model import cell_address, column_index
from addin.core.text import MAX_CELL


@dataclass(frozen=True)
class Style:
    """An edit that sets only a cell's style (its value and formula stay as they are): a fixed style id, or
    `remap`, which turns the cell's current style id (the column's for a new cell) into the new one."""

    id: int = 0
    remap: Callable[[int], int] | None = None

    def apply(self, current: int) -> int:
        return self.remap(current) if self.remap is not None else self.id


CellValue = str | int | float | Style | None

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROW_OPEN = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?(/?)>')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_COL_TAG = re.compile(rb"<col\b([^>]*?)/?>")
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>')
_REF = re.compile(rb"([A-Z]+)(\d+)")
_STYLE_ATTR = re.compile(rb'\ss="(\d+)"')
_CELL_REF = re.compile(rb'\br="([A-Z]+)\d+"')


_LETTERS = [cell_address(1, c)[:-1].encode() for c in range(702)]  # A..ZZ as bytes, for finding a cell


class UnsupportedSheet(Exception):
    """The sheet XML uses a form this patcher does not rewrite safely (e.g. namespace prefixes)."""


_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_OOXML_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    """A text as the content of a cell's or a note's <t>: at most MAX_CELL characters (a longer one is cut, with
    "…"), XML-escaped, without the characters XML 1.0 cannot hold, and a literal `_xHHHH_` written as
    `_x005F_xHHHH_` (OOXML's escape, which every reader decodes). Most text needs none of it."""
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL - 1] + "…"
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return _OOXML_ESCAPE.sub("_x005F_", xml_escape(text))


def xml_escape(text: str) -> str:
    """XML-escape text (an attribute's or an element's) and drop what XML 1.0 cannot hold."""
    text = _ILLEGAL_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


def cell_xml(row: int, col: int, value: CellValue, style: bytes | None) -> bytes:
    """One `<c>` element: numbers as numbers, everything else as an inline string."""
    ref = cell_address(row, col).encode()
    s = b' s="' + style + b'"' if style else b""
    if value is None or value == "":
        return b'<c r="' + ref + b'"' + s + b"/>"
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        return b'<c r="' + ref + b'"' + s + b"><v>" + repr(float(value)).removesuffix(".0").encode() + b"</v></c>"
    text = escape_text(str(value)).encode("utf-8")
    return (b'<c r="' + ref + b'"' + s + b' t="inlineStr"><is><t xml:space="preserve">' + text + b"</t></is></c>")


@dataclass
class PatchResult:
    """The new XML and the cells that were left alone because they hold a formula."""

    xml: bytes
    kept_formulas: list[str]


def column_styles(xml: bytes) -> dict[int, bytes]:
    """0-based column index -> style id from the sheet's <cols>, for new cells in a formatted column."""
    styles: dict[int, bytes] = {}
    start = xml.find(b"<cols>")
    if start < 0:
        return styles
    end = xml.find(b"</cols>", start)
    for m in _COL_TAG.finditer(xml, start, end):
        a = _attrs(m.group(1))
        if b"style" in a and b"min" in a and b"max" in a:
            lo, hi = int(a[b"min"]), int(a[b"max"])
            for c in range(lo - 1, min(hi, lo + 200)):
                styles[c] = a[b"style"]
    return styles


def _restyle(cell: bytes, style: int) -> bytes:
    head_end = cell.find(b">")
    self_closing = cell[head_end - 1: head_end] == b"/"
    head = cell[: head_end - 1] if self_closing else cell[:head_end]
    head = _STYLE_ATTR.sub(b"", head) + b' s="%d"' % style
    return head + cell[head_end - 1 if self_closing else head_end:]


class _Unsure(Exception):
    """A reference found where it cannot be told apart from text (r="K123" inside a cell's text)."""


def _cell_span(row_xml: bytes, row: int, col: int, number: bytes) -> tuple[int, int, int] | None:
    """(start, end, end of the start tag) of the row's cell in column `col`, found by its reference; None
    when nothing in the row reads like it. Raises _Unsure when the first match is not inside a <c ...> tag
    (text reading r="K123": the real cell may still come later)."""
    at = row_xml.find(b' r="' + _LETTERS[col] + number if col < len(_LETTERS) else
                      b' r="' + cell_address(row, col).encode() + b'"')
    if at < 0:
        return None
    start = row_xml.rfind(b"<c", 0, at + 1)
    head_end = row_xml.find(b">", at)
    if start < 0 or head_end < 0 or row_xml[start + 2: start + 3] not in (b" ", b"\t", b"\n", b"\r") \
            or b">" in row_xml[start:at]:
        raise _Unsure(col)
    end = head_end + 1 if row_xml[head_end - 1: head_end] == b"/" else row_xml.find(b"</c>", head_end) + 4
    if end < 4:
        raise _Unsure(col)
    return start, end, head_end


def _restyle_in_place(row_xml: bytes, row: int, edits: Mapping[int, CellValue],
                      col_styles: Mapping[int, bytes]) -> bytes | None:
    """Style-only edits (what --mark does to most rows) made where the cells stand, without taking the row
    apart: a cell the row has is restyled; one it lacks (a mark on an empty cell) is inserted before the
    nearest cell to its right, or after the last one. None when a cell's tag cannot be told apart with
    certainty, or the row has no cells (the general path then does it). Styles are computed in the order of
    `edits`, as the general path does (a remap may record what it saw)."""
    try:
        return _restyle_where_they_stand(row_xml, row, edits, col_styles)
    except _Unsure:
        return None


def _restyle_where_they_stand(row_xml: bytes, row: int, edits: Mapping[int, CellValue],
                              col_styles: Mapping[int, bytes]) -> bytes | None:
    number = b'%d"' % row
    close = row_xml.rfind(b"</row>")
    last = row_xml.rfind(b"<c ", 0, close)
    last_ref = _CELL_REF.search(row_xml, last) if last >= 0 else None
    last_col = column_index(last_ref.group(1)) if last_ref is not None else -1
    if last_col < min(edits):  # only new cells at the right: the general path appends them, in column order
        return None
    places: list[tuple[int, int, int, int, Style]] = []  # (start, end, head end or -1 for a new cell, col, style)
    for col, style in edits.items():
        if not isinstance(style, Style):
            return None
        span = _cell_span(row_xml, row, col, number)
        if span is not None:
            places.append((span[0], span[1], span[2], col, style))
            continue
        if close < 0:
            return None
        if col > last_col:
            places.append((close, close, -1, col, style))
            continue
        right = next((found for c in range(col + 1, last_col + 1)
                      if (found := _cell_span(row_xml, row, c, number)) is not None), None)
        if right is None:
            return None
        places.append((right[0], right[0], -1, col, style))
    spans: list[tuple[int, int, int, bytes, int]] = []  # (start, 0 new / 1 restyled, col, cell, where to go on)
    for start, end, head_end, col, style in places:  # every place known: only now may a remap see it (it records)
        if head_end < 0:
            spans.append((start, 0, col, _new_cell(row, col, style, col_styles), start))
            continue
        cell = row_xml[start:end]
        current = _STYLE_ATTR.search(cell, 0, head_end - start)
        spans.append((start, 1, col, _restyle(cell, style.apply(int(current.group(1)) if current else 0)), end))
    spans.sort(key=lambda span: span[:3])  # new cells before the cell they go in front of, by column
    out, pos = [], 0
    for start, _kind, _col, cell, resume in spans:
        out += [row_xml[pos:start], cell]
        pos = resume
    out.append(row_xml[pos:])
    if any(kind == 0 for _s, kind, _c, _cell, _r in spans):  # cells added: the spans hint goes stale
        open_end = out[0].find(b">") if out[0] else -1
        if open_end >= 0:
            out[0] = re.sub(rb'\sspans="[^"]*"', b"", out[0][:open_end]) + out[0][open_end:]
    return b"".join(out)


def _patch_row(row_xml: bytes, row: int, edits: Mapping[int, CellValue], col_styles: Mapping[int, bytes],
               kept: list[str]) -> bytes:
    """Rewrite one <row> element's cells for `edits` (0-based col -> value), keeping the others."""
    restyled = _restyle_in_place(row_xml, row, edits, col_styles)
    if restyled is not None:
        return restyled
    open_end = row_xml.find(b">") + 1
    if row_xml[open_end - 2: open_end] == b"/>":
        head, body, tail = row_xml[: open_end - 2] + b">", b"", b"</row>"
    else:
        head, body, tail = row_xml[:open_end], row_xml[open_end: -len(b"</row>")], b"</row>"
    first_edit = min(edits)
    last_cell = body.rfind(b"<c ")
    last_ref = _CELL_REF.search(body, last_cell) if last_cell >= 0 else None
    if last_cell < 0 or (last_ref is not None and column_index(last_ref.group(1)) < first_edit):
        # fast path: every edit lies right of the row's last cell (new columns at the right), so append
        head = re.sub(rb'\sspans="[^"]*"', b"", head)
        return head + body + b"".join(_new_cell(row, c, v, col_styles) for c, v in sorted(edits.items())) + tail
    existing: dict[int, bytes] = {}
    for m in _CELL.finditer(body):
        ref = _CELL_REF.search(m.group(1))
        if ref is None:
            raise UnsupportedSheet("cell without a reference")
        existing[column_index(ref.group(1))] = m.group(0)
    for col, value in edits.items():
        old = existing.get(col)
        if old is None:
            existing[col] = _new_cell(row, col, value, col_styles)
            continue
        if isinstance(value, Style):
            current = _STYLE_ATTR.search(old[: old.find(b">")])
            existing[col] = _restyle(old, value.apply(int(current.group(1)) if current else 0))
            continue
        if b"<f" in old:  # a formula in an owned column (e.g. a kam UDF) is the rep's: leave it
            kept.append(cell_address(row, col))
            continue
        existing[col] = cell_xml(row, col, value, _attrs(_CELL.match(old).group(1)).get(b"s"))  # type: ignore[union-attr]
    head = re.sub(rb'\sspans="[^"]*"', b"", head)  # a stale hint once cells are added; optional in the format
    return head + b"".join(existing[c] for c in sorted(existing)) + tail


def _rows_to_visit(xml: bytes, start: int, end: int, order: list[int]) -> Iterator[re.Match[bytes]]:
    """The <row> tags patch_cells must look at, in order: where a row to edit is written plainly as
    `<row r="N"` (as Excel and the libraries write it), a jump straight to it over the rows in between
    (a 100,000-row sheet with 20,000 rows marked); otherwise every row from there on, as they come."""
    pos = start
    for number in order:
        at = xml.find(b'<row r="' + str(number).encode() + b'"', pos, end)
        found = _ROW_OPEN.match(xml, at) if at >= 0 else None
        if found is None or int(found.group(1)) != number:
            yield from _ROW_OPEN.finditer(xml, pos, end)  # a new row, or another way of writing the tag
            return
        yield found
        pos = found.end()


def _prefixed_sheet_data(xml: bytes) -> bool:
    """Whether the part writes <x:sheetData> (found by its literal tail first: a regex scan of a 200 MB
    part for a prefixed tag took 0.09 s per 45 MB)."""
    at = xml.find(b":sheetData")
    while at >= 0:
        if re.search(rb"<\w+:sheetData\b", xml[max(at - 64, 0): at + 11]):
            return True
        at = xml.find(b":sheetData", at + 10)
    return False


def patch_cells(xml: bytes, edits: Mapping[int, Mapping[int, CellValue]]) -> PatchResult:
    """Apply `edits` ({1-based row: {0-based col: value}}) to a worksheet part; rows are created as needed."""
    pieces, kept = patch_pieces(xml, edits)
    return PatchResult(b"".join(pieces), kept)


#: a stretch of a part: bytes, or a view into the part it was patched from (not copied)
Piece = bytes | memoryview


def encode_runs(texts: Iterable[str], run: int) -> list[bytes]:
    """`texts`, made as they are asked for, encoded `run` at a time in order: a part kam writes in pieces
    (results sheet, comments, VML) never exists whole as text, and each piece is one encode call."""
    out: list[bytes] = []
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == run:
            out.append("".join(batch).encode())
            batch = []
    if batch:
        out.append("".join(batch).encode())
    return out


def patch_pieces(xml: bytes, edits: Mapping[int, Mapping[int, CellValue]]) -> tuple[list[Piece], list[str]]:
    """patch_cells without the join: the patched part as pieces, most of them views into `xml` (a 500,000-row
    sheet is 240 MB; joined, it would sit in memory twice), and the formulas kept. The last piece is the part
    from </sheetData> to the end, where elements that follow the cells (legacyDrawing) go."""
    if b"<sheetData" not in xml or _prefixed_sheet_data(xml):
        raise UnsupportedSheet("no plain <sheetData>")
    kept: list[str] = []
    col_styles = column_styles(xml)
    start = xml.find(b"<sheetData")
    empty = re.compile(rb"<sheetData\s*/>").match(xml, start)
    if empty:
        xml = xml[:start] + b"<sheetData></sheetData>" + xml[empty.end():]
    body_start = xml.find(b">", start) + 1
    body_end = xml.find(b"</sheetData>", body_start)
    view = memoryview(xml)  # the untouched stretches go into the result uncopied (a 500,000-row sheet is 200 MB)
    pieces: list[bytes | memoryview] = []
    pos = body_start
    order = sorted(edits)
    k = 0  # next row of `order` still to write
    for m in _rows_to_visit(xml, body_start, body_end, order):
        if k == len(order):
            break
        number = int(m.group(1))
        if order[k] < number:  # rows that do not exist yet go before this one
            pieces.append(view[pos: m.start()])
            pos = m.start()
            while k < len(order) and order[k] < number:
                pieces.append(_new_row(order[k], edits[order[k]], col_styles))
                k += 1
        if k < len(order) and order[k] == number:
            end = m.end() if m.group(2) == b"/" else xml.find(b"</row>", m.end()) + len(b"</row>")
            pieces.append(view[pos: m.start()])
            pieces.append(_patch_row(xml[m.start(): end], number, edits[number], col_styles, kept))
            pos = end
            k += 1
    if k < len(order):
        # rows after the last existing row (or in an empty sheet)
        pieces.append(view[pos:body_end])
        pos = body_end
        for r in order[k:]:
            pieces.append(_new_row(r, edits[r], col_styles))
    head = _fix_dimension(xml[:body_start], edits)  # <dimension> comes before <sheetData>
    return [head, *pieces, view[pos:body_end], view[body_end:]], kept


def _new_cell(row: int, col: int, value: CellValue, col_styles: Mapping[int, bytes]) -> bytes:
    """A cell that did not exist: a style-only edit makes an empty styled cell; a value takes the column style."""
    if isinstance(value, Style):
        return cell_xml(row, col, None, str(value.apply(int(col_styles.get(col, b"0")))).encode())
    return cell_xml(row, col, value, col_styles.get(col))


def _new_row(row: int, edits: Mapping[int, CellValue], col_styles: Mapping[int, bytes]) -> bytes:
    cells = b"".join(_new_cell(row, c, v, col_styles) for c, v in sorted(edits.items()))
    return b'<row r="' + str(row).encode() + b'">' + cells + b"</row>"


def _fix_dimension(xml: bytes, edits: Mapping[int, Mapping[int, CellValue]]) -> bytes:
    """Widen <dimension ref> to cover the written cells (never narrow it)."""
    m = _DIMENSION.search(xml, 0, 4096)
    cols = [c for row in edits.values() for c in row]
    if m is None or not cols:
        return xml
    c1, r1 = column_index(m.group(1)), int(m.group(2))
    c2 = column_index(m.group(3)) if m.group(3) else c1
    r2 = int(m.group(4)) if m.group(4) else r1
    first = cell_address(min(r1, min(edits)), min(c1, min(cols)))
    last = cell_address(max(r2, max(edits)), max(c2, max(cols)))
    return xml[: m.start(1)] + f"{first}:{last}".encode() + xml[m.end(4) if m.group(4) else m.end(2):]
