"""Small, surgical edits of package parts (styles, workbook, content types, relationships, comments, VML).

Each function takes the bytes of one part and returns new bytes, changing only what it names, so the rest of
the part stays as the rep's Excel wrote it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from addin.core.model import parse_address
from addin.core.text import display_width
from addin.workbook.opc import TRANSITIONAL_MAIN, TRANSITIONAL_REL
from addin.workbook.sheetxml import Piece, encode_runs, escape_text, xml_escape

NS_REL = TRANSITIONAL_REL
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

_XF_BLOCK = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)
_FILLS = re.compile(rb"<fills\b[^>]*>(.*?)</fills>", re.S)
_FILL = re.compile(rb"<fill\b[^>]*?(?:/>|>.*?</fill>)", re.S)
_COUNT = re.compile(rb'\scount="\d+"')


def attr_escape(text: str) -> str:
    return xml_escape(text).replace('"', "&quot;")


def _set_count(open_tag: bytes, n: int) -> bytes:
    if _COUNT.search(open_tag):
        return _COUNT.sub(f' count="{n}"'.encode(), open_tag, count=1)
    return open_tag[:-1] + f' count="{n}">'.encode()


def fill_xml(argb: str) -> bytes:
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="{argb}"/><bgColor indexed="64"/>'
            f"</patternFill></fill>").encode()


DEFAULT_FILLS = (b'<fill><patternFill patternType="none"/></fill>',
                 b'<fill><patternFill patternType="gray125"/></fill>')
#: the elements of <styleSheet> in schema order, to place a missing block
_STYLE_ORDER = (b"numFmts", b"fonts", b"fills", b"borders", b"cellStyleXfs", b"cellXfs", b"cellStyles", b"dxfs",
                b"tableStyles", b"colors", b"extLst")


def minimal_styles(namespace: str = TRANSITIONAL_MAIN) -> bytes:
    """A styles part for a workbook that has none (some generators omit it): one font, the two required
    fills, one border, one cell style."""
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + f'<styleSheet xmlns="{namespace}">'.encode()
            + b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            + b'<fills count="2">' + b"".join(DEFAULT_FILLS) + b"</fills>"
            + b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            + b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            + b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            + b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            + b"</styleSheet>")


def _insert_block(styles: bytes, name: bytes, block: bytes) -> bytes:
    """Insert a missing top-level block of <styleSheet> at its schema position."""
    followers = _STYLE_ORDER[_STYLE_ORDER.index(name) + 1:]
    for tag in followers:
        m = re.search(rb"<" + tag + rb"\b", styles)
        if m:
            return styles[: m.start()] + block + styles[m.start():]
    end = styles.rfind(b"</styleSheet>")
    if end < 0:
        raise ValueError("styles part has no </styleSheet>")
    return styles[:end] + block + styles[end:]


def ensure_style_blocks(styles: bytes) -> bytes:
    """A styles part with <fills> (holding the two fills Excel requires first) and <cellXfs>."""
    styles = re.sub(rb"<fills\b([^>]*)/>", rb"<fills\1></fills>", styles, count=1)
    styles = re.sub(rb"<cellXfs\b([^>]*)/>", rb"<cellXfs\1></cellXfs>", styles, count=1)
    if _FILLS.search(styles) is None:
        styles = _insert_block(styles, b"fills", b'<fills count="2">' + b"".join(DEFAULT_FILLS) + b"</fills>")
    if _XF_BLOCK.search(styles) is None:
        styles = _insert_block(styles, b"cellXfs", b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
                                                   b'borderId="0"/></cellXfs>')
    return styles


def fills(styles: bytes) -> list[bytes]:
    m = _FILLS.search(styles)
    return _FILL.findall(m.group(1)) if m else []


def fill_rgb(fill: bytes) -> str | None:
    """The ARGB of a solid fill's colour (upper case), None for any other fill."""
    if b'patternType="solid"' not in fill:
        return None
    m = re.search(rb'<fgColor\b[^>]*\brgb="([0-9A-Fa-f]{6,8})"', fill)
    return m.group(1).decode().upper().rjust(8, "F") if m else None


def ensure_fill_xml(styles: bytes, wanted: bytes) -> tuple[bytes, int]:
    """The index of the fill `wanted` (an exact <fill> element), appending it to <fills> when absent."""
    m = _FILLS.search(styles)
    if m is None:
        raise ValueError("styles.xml has no <fills>")
    fills = _FILL.findall(m.group(1))
    for i, f in enumerate(fills):
        if f == wanted:
            return styles, i
    open_tag = styles[m.start(): m.start(1)]
    new_block = _set_count(open_tag, len(fills) + 1) + m.group(1) + wanted + b"</fills>"
    return styles[: m.start()] + new_block + styles[m.end():], len(fills)


def cell_xfs(styles: bytes) -> list[bytes]:
    m = _XF_BLOCK.search(styles)
    return _XF.findall(m.group(1)) if m else []


def xf_fill(xf: bytes) -> int:
    m = re.search(rb'\bfillId="(\d+)"', xf)
    return int(m.group(1)) if m else 0


def with_fill(xf: bytes, fill_id: int) -> bytes:
    """A copy of an <xf> with another fill applied."""
    head_end = xf.find(b">")
    if xf[head_end - 1: head_end] == b"/":
        head_end -= 1
    head, rest = xf[:head_end], xf[head_end:]
    head = re.sub(rb'\s(fillId|applyFill)="[^"]*"', b"", head)
    return head + f' fillId="{fill_id}" applyFill="1"'.encode() + rest


def append_xfs(styles: bytes, new: list[bytes]) -> tuple[bytes, int]:
    """Append <xf> elements to <cellXfs>; returns the new part and the index of the first one added."""
    m = _XF_BLOCK.search(styles)
    if m is None:
        raise ValueError("styles.xml has no <cellXfs>")
    existing = _XF.findall(m.group(1))
    open_tag = styles[m.start(): m.start(1)]
    block = _set_count(open_tag, len(existing) + len(new)) + m.group(1) + b"".join(new) + b"</cellXfs>"
    return styles[: m.start()] + block + styles[m.end():], len(existing)


def ensure_item(styles: bytes, block: str, wanted: bytes) -> tuple[bytes, int]:
    """The index of `wanted` (an exact <font> or <border> element) in its block of styles.xml (<fonts>,
    <borders>), appended when absent; a missing block is made."""
    item = block[:-1].encode()
    pattern = re.compile(rb"<" + block.encode() + rb"\b[^>]*>(.*?)</" + block.encode() + rb">", re.S)
    m = pattern.search(styles)
    if m is None:
        styles = re.sub(rb"<" + block.encode() + rb"\b[^>]*/>", b"", styles, count=1)
        styles = _insert_block(styles, block.encode(), f'<{block} count="0"></{block}>'.encode())
        m = pattern.search(styles)
        assert m is not None
    items = re.findall(rb"<" + item + rb"\b[^>]*?(?:/>|>.*?</" + item + rb">)", m.group(1), re.S)
    for i, found in enumerate(items):
        if found == wanted:
            return styles, i
    open_tag = styles[m.start(): m.start(1)]
    new_block = _set_count(open_tag, len(items) + 1) + m.group(1) + wanted + f"</{block}>".encode()
    return styles[: m.start()] + new_block + styles[m.end():], len(items)


def ensure_num_format(styles: bytes, code: str) -> tuple[bytes, int]:
    """The id of the custom number format `code` (e.g. yyyy-mm-dd), added to <numFmts> when absent."""
    block = re.search(rb"<numFmts\b[^>]*>(.*?)</numFmts>", styles, re.S)
    pattern = rb'<numFmt\b[^>]*\bnumFmtId="(\d+)"[^>]*\bformatCode="([^"]*)"'
    formats = re.findall(pattern, block.group(1)) if block else []
    for number, text in formats:
        if text.decode() == attr_escape(code):
            return styles, int(number)
    new_id = max([163, *(int(n) for n, _ in formats)]) + 1
    entry = f'<numFmt numFmtId="{new_id}" formatCode="{attr_escape(code)}"/>'.encode()
    if block is None:
        styles = re.sub(rb"<numFmts\b[^>]*/>", b"", styles, count=1)
        return _insert_block(styles, b"numFmts", b'<numFmts count="1">' + entry + b"</numFmts>"), new_id
    open_tag = styles[block.start(): block.start(1)]
    return (styles[: block.start()] + _set_count(open_tag, len(formats) + 1) + block.group(1) + entry
            + b"</numFmts>" + styles[block.end():]), new_id


def set_print_titles(workbook: bytes, sheet: str, rows: str = "$1:$1") -> bytes:
    """Repeat `rows` at the top of each printed page of `sheet` (the _xlnm.Print_Titles defined name, scoped to
    the sheet by its position among <sheet> entries); an earlier one for that sheet is replaced."""
    names = [m.group(1) for m in re.finditer(rb'<sheet\b[^>]*?\bname="([^"]*)"', workbook)]
    index = names.index(attr_escape(sheet).encode())
    quoted = "'" + sheet.replace("'", "''") + "'"
    entry = (f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
             f"{xml_escape(quoted)}!{rows}</definedName>").encode()
    workbook = re.sub(rb'<definedName\b[^>]*\bname="_xlnm\.Print_Titles"[^>]*\blocalSheetId="' + str(index).encode()
                      + rb'"[^>]*>.*?</definedName>', b"", workbook, flags=re.S)
    workbook = re.sub(rb'<definedName\b[^>]*\blocalSheetId="' + str(index).encode()
                      + rb'"[^>]*\bname="_xlnm\.Print_Titles"[^>]*>.*?</definedName>', b"", workbook, flags=re.S)
    if re.search(rb"<definedNames\b[^>]*/>", workbook):
        workbook = re.sub(rb"<definedNames\b[^>]*/>", b"<definedNames></definedNames>", workbook, count=1)
    if b"</definedNames>" in workbook:
        return workbook.replace(b"</definedNames>", entry + b"</definedNames>", 1)
    block = b"<definedNames>" + entry + b"</definedNames>"
    for after in (b"</externalReferences>", b"</functionGroups>", b"</sheets>"):
        at = workbook.find(after)
        if at >= 0:
            return workbook[: at + len(after)] + block + workbook[at + len(after):]
    raise ValueError("workbook part has no <sheets>")


# --- workbook.xml, rels, content types ---------------------------------------------------------------------

def add_sheet_entry(workbook: bytes, name: str, rel_id: str, rel_ns: str = NS_REL, hidden: bool = False) -> bytes:
    ids = [int(x) for x in re.findall(rb'<sheet\b[^>]*?\bsheetId="(\d+)"', workbook)]
    state = ' state="hidden"' if hidden else ""
    entry = (f'<sheet xmlns:r="{rel_ns}" name="{attr_escape(name)}" sheetId="{max(ids, default=0) + 1}"{state} '
             f'r:id="{rel_id}"/>').encode()
    if b"</sheets>" not in workbook:
        raise ValueError("workbook.xml has no <sheets>")
    return workbook.replace(b"</sheets>", entry + b"</sheets>", 1)


# --- legacy notes (comments part + VML shapes) ------------------------------------------------------------

KAM_AUTHOR = "kam"
_LEGACY_FOLLOWERS = (b"<legacyDrawingHF", b"<drawingHF", b"<picture", b"<oleObjects", b"<controls",
                     b"<webPublishItems", b"<tableParts", b"<extLst", b"</worksheet>")


def insert_legacy_drawing(sheet: bytes, rel_id: str, rel_ns: str = NS_REL) -> bytes:
    """Add <legacyDrawing r:id> at its schema position (a sheet holds at most one); the namespace is
    declared on the element itself, so it is bound whatever the root declares."""
    element = f'<legacyDrawing xmlns:r="{rel_ns}" r:id="{rel_id}"/>'.encode()
    after = max(sheet.rfind(b"</sheetData>"), sheet.rfind(b"<sheetData/>"), 0)  # every follower comes after the cells
    for tag in _LEGACY_FOLLOWERS:
        pos = sheet.rfind(tag) if tag == b"</worksheet>" else sheet.find(tag, after)
        if pos >= 0:
            view = memoryview(sheet)  # one copy of a 200 MB sheet, not three
            return b"".join((view[:pos], element, view[pos:]))
    raise ValueError("worksheet has no end tag")


def empty_comments(namespace: str = TRANSITIONAL_MAIN) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + f'<comments xmlns="{namespace}">'.encode()
            + b"<authors></authors><commentList></commentList></comments>")


def comment_refs(comments: bytes) -> dict[str, int]:
    """Cell ref -> author index of every comment in a comments part."""
    return {m.group(1).decode(): int(m.group(2))
            for m in re.finditer(rb'<comment\b[^>]*?\bref="([A-Z]+\d+)"[^>]*?\bauthorId="(\d+)"', comments)}


def authors(comments: bytes) -> list[str]:
    return [a.decode("utf-8") for a in re.findall(rb"<author>(.*?)</author>", comments, re.S)]


def comment_text(comment: bytes) -> str:
    """The plain text of a <comment> element (its runs joined)."""
    return html.unescape("".join(t.decode("utf-8", "replace")
                                 for t in re.findall(rb"<t\b[^>]*>(.*?)</t>", comment, re.S)))


def remove_kam_comments(comments: bytes, prefix: str) -> tuple[bytes, list[str]]:
    """Drop the comments kam wrote earlier, known by their text's `prefix` (a re-save in LibreOffice or WPS
    may rewrite the author, never the text); returns the part and the refs removed."""
    removed: list[str] = []

    def drop(m: re.Match[bytes]) -> bytes:
        if comment_text(m.group(0)).lstrip().startswith(prefix):
            ref = re.search(rb'\bref="([A-Z]+\d+)"', m.group(0))
            removed.append(ref.group(1).decode() if ref else "")
            return b""
        return m.group(0)

    out = re.sub(rb"<comment\b.*?</comment>", drop, comments, flags=re.S)
    return out, removed


def add_comments(comments: bytes, notes: dict[str, str]) -> bytes:
    """Append one comment per ref (author kam)."""
    return b"".join(add_comment_pieces(comments, notes))


def add_comment_pieces(comments: bytes, notes: dict[str, str], run: int = 4096) -> list[Piece]:
    """add_comments as pieces, never joined: the new comments are encoded `run` at a time (130,000 notes on a
    500,000-visit log are 40 MB, which a join and a replace held three times)."""
    if not comments:
        comments = empty_comments()
    names = authors(comments)
    if KAM_AUTHOR not in names:
        if b"<authors/>" in comments:
            comments = comments.replace(b"<authors/>", b"<authors></authors>", 1)
        comments = comments.replace(b"</authors>", f"<author>{KAM_AUTHOR}</author></authors>".encode(), 1)
        names.append(KAM_AUTHOR)
    kam = names.index(KAM_AUTHOR)
    if b"<commentList/>" in comments:
        comments = comments.replace(b"<commentList/>", b"<commentList></commentList>", 1)
    if b"</commentList>" not in comments:  # a part with no list at all gets one where it belongs, at the end
        comments = comments.replace(b"</comments>", b"<commentList></commentList></comments>", 1)
    made = (f'<comment ref="{ref}" authorId="{kam}"><text><r><rPr><sz val="9"/><rFont val="宋体"/>'
            f'<charset val="134"/></rPr><t xml:space="preserve">{escape_text(text)}</t></r></text></comment>'
            for ref, text in notes.items())
    pos = comments.index(b"</commentList>")
    return [comments[:pos], *encode_runs(made, run), comments[pos:]]


def empty_vml(block: int = 1) -> bytes:
    """A new VML drawing; `block` is its shape-id block (idmap), unique in the workbook as Excel expects."""
    return (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            b'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            + f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout></xml>'.encode())


def idmap_blocks(vml: bytes) -> list[int]:
    """The shape-id blocks a VML drawing claims (its o:idmap data, e.g. "1" or "1,2")."""
    m = re.search(rb'<o:idmap\b[^>]*\bdata="([^"]*)"', vml)
    return [int(x) for x in re.findall(rb"\d+", m.group(1))] if m else []


_NOTE_TYPE = (b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
              b'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
              b'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
# a VML shape with any prefix (kam and Excel write v:shape; openpyxl writes ns0:shape, declared on each element)
_SHAPE = re.compile(rb"<((?:[\w.-]+:)?)shape\b(?:(?!<(?:[\w.-]+:)?shape\b).)*?</\1shape>", re.S)
_ROW = re.compile(rb"<(?:[\w.-]+:)?Row>(\d+)</(?:[\w.-]+:)?Row>")
_COLUMN = re.compile(rb"<(?:[\w.-]+:)?Column>(\d+)</(?:[\w.-]+:)?Column>")
_NOTE = re.compile(rb"""ObjectType\s*=\s*["']Note["']""")


def _note_cell(shape: bytes) -> tuple[int, int] | None:
    """The (0-based row, 0-based column) a Note shape is anchored on; None for any other shape."""
    if not _NOTE.search(shape):
        return None
    row, col = _ROW.search(shape), _COLUMN.search(shape)
    return (int(row.group(1)), int(col.group(1))) if row and col else None


def remove_note_shapes(vml: bytes, refs: list[str]) -> bytes:
    """Drop the Note shapes anchored on `refs` (the notes kam removed)."""
    wanted = {(row - 1, col) for row, col in filter(None, map(parse_address, refs))}
    return _SHAPE.sub(lambda m: b"" if _note_cell(m.group(0)) in wanted else m.group(0), vml)


def keep_note_shapes(vml: bytes, refs: set[str]) -> bytes:
    """Keep one Note shape for each cell in `refs` (the cells that have a comment) and drop the rest: a shape
    with no comment (left by a program that rewrote the comments, as openpyxl does, under its own prefixes)
    or a second shape on one cell would show a note no one can remove, or print one."""
    wanted = {(row - 1, col) for row, col in filter(None, map(parse_address, refs))}
    seen: set[tuple[int, int]] = set()

    def keep(m: re.Match[bytes]) -> bytes:
        cell = _note_cell(m.group(0))
        if cell is None:
            return m.group(0)
        if cell not in wanted or cell in seen:
            return b""
        seen.add(cell)
        return m.group(0)

    return _SHAPE.sub(keep, vml)


def note_shape_cells(vml: bytes) -> list[tuple[int, int]]:
    """The cells (0-based row, 0-based column) of every Note shape, in order (for checks and tests)."""
    return [cell for m in _SHAPE.finditer(vml) if (cell := _note_cell(m.group(0))) is not None]


def add_note_shapes(vml: bytes, cells: list[tuple[int, int]], block: int = 1) -> bytes:
    """Append hidden Note shapes for 1-based rows / 0-based columns (a new drawing takes shape-id `block`)."""
    return b"".join(add_note_shape_pieces(vml, cells, block))


def note_size(text: str) -> tuple[int, int]:
    """(columns, rows) a note box spans to show `text` whole: about 17 Chinese characters (or 34 Latin ones) a
    line over three default columns, four to six columns for long notes, a sheet row (15 pt) per line."""
    width_cols = 3 if len(text) <= 120 else 4 if len(text) <= 300 else 6
    per_line = 11.5 * width_cols  # in Latin-character widths; a CJK character takes two
    lines = 0
    for line in text.split("\n"):
        lines += max(1, -(-display_width(line) // int(per_line)))
    return width_cols, max(3, lines + 1)


def add_note_shape_pieces(vml: bytes, cells: list[tuple[int, int]], block: int = 1, run: int = 4096,
                          sizes: list[tuple[int, int]] | None = None) -> list[Piece]:
    """add_note_shapes as pieces, never joined: the shapes are encoded `run` at a time (130,000 shapes are
    90 MB of VML). `sizes`: (columns, rows) each note box spans, to fit its text (default 2 × 4)."""
    if not vml:
        vml = empty_vml(block)
    if b'id="_x0000_t202"' not in vml:
        vml = vml.replace(b"</xml>", _NOTE_TYPE + b"</xml>", 1) if vml.rstrip().endswith(b"</xml>") else vml
    ids = [int(x) for x in re.findall(rb'id="_x0000_s(\d+)"', vml)]
    first_block = (idmap_blocks(vml) or [block])[0]
    next_id = max([*ids, first_block * 1024]) + 1
    root = vml[:vml.find(b">") + 1]
    # openpyxl's VML declares its namespaces on each element, not on <xml>: kam's shapes then declare theirs
    own = "" if b"xmlns:v=" in root and b"xmlns:o=" in root and b"xmlns:x=" in root else (
        ' xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
        ' xmlns:x="urn:schemas-microsoft-com:office:excel"')

    def shapes() -> Iterator[str]:
        for n, (row, col) in enumerate(cells):
            r0 = row - 1
            wide, high = sizes[n] if sizes is not None else (2, 4)
            anchor = f"{col + 1}, 15, {max(r0 - 1, 0)}, 10, {col + 1 + wide}, 15, {max(r0 - 1, 0) + high}, 4"
            yield (
                f'<v:shape{own} id="_x0000_s{next_id + n}" type="#_x0000_t202" style="position:absolute;margin-left:0;'
                f'margin-top:0;width:{48 * wide + 16}pt;height:{15 * high}pt;z-index:{next_id + n};visibility:hidden" '
                f'fillcolor="#ffffe1" '
                f'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
                f'<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
                f'<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/>'
                f"<x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
                f"<x:Row>{r0}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>")

    pos = vml.rfind(b"</xml>")
    return [vml[:pos], *encode_runs(shapes(), run), vml[pos:]]

