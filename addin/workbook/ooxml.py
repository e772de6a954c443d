"""Small, surgical edits of package parts (styles, workbook, content types, relationships, comments, VML).

Each function takes the bytes of one part and returns new bytes, changing only what it names, so the rest of
the part stays as the rep's Excel wrote it.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass

from addin.core.model import parse_address
from addin.workbook.sheetxml import escape_text

NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_COMMENTS = NS_REL + "/comments"
REL_VML = NS_REL + "/vmlDrawing"
REL_SHEET = NS_REL + "/worksheet"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

_XF_BLOCK = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)
_FILLS = re.compile(rb"<fills\b[^>]*>(.*?)</fills>", re.S)
_FILL = re.compile(rb"<fill\b[^>]*?(?:/>|>.*?</fill>)", re.S)
_COUNT = re.compile(rb'\scount="\d+"')


def attr_escape(text: str) -> str:
    return escape_text(text).replace('"', "&quot;")


def _set_count(open_tag: bytes, n: int) -> bytes:
    if _COUNT.search(open_tag):
        return _COUNT.sub(f' count="{n}"'.encode(), open_tag, count=1)
    return open_tag[:-1] + f' count="{n}">'.encode()


def fill_xml(argb: str) -> bytes:
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="{argb}"/><bgColor indexed="64"/>'
            f"</patternFill></fill>").encode()


def ensure_fill(styles: bytes, argb: str) -> tuple[bytes, int]:
    """The index of a solid fill of colour `argb`, appending it to <fills> when absent."""
    m = _FILLS.search(styles)
    if m is None:
        raise ValueError("styles.xml has no <fills>")
    fills = _FILL.findall(m.group(1))
    wanted = fill_xml(argb)
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


# --- workbook.xml, rels, content types ---------------------------------------------------------------------

def add_sheet_entry(workbook: bytes, name: str, rel_id: str) -> bytes:
    ids = [int(x) for x in re.findall(rb'<sheet\b[^>]*?\bsheetId="(\d+)"', workbook)]
    entry = (f'<sheet xmlns:r="{NS_REL}" name="{attr_escape(name)}" sheetId="{max(ids, default=0) + 1}" '
             f'r:id="{rel_id}"/>').encode()
    if b"</sheets>" not in workbook:
        raise ValueError("workbook.xml has no <sheets>")
    return workbook.replace(b"</sheets>", entry + b"</sheets>", 1)


_NAME_FOLLOWERS = (b"<calcPr", b"<oleSize", b"<customWorkbookViews", b"<pivotCaches", b"<smartTagPr",
                   b"<smartTagTypes", b"<webPublishing", b"<fileRecoveryPr", b"<webPublishObjects", b"<extLst",
                   b"</workbook>")


def defined_name(workbook: bytes, name: str) -> str | None:
    m = re.search(rb'<definedName\b[^>]*\bname="' + re.escape(name.encode()) + rb'"[^>]*>(.*?)</definedName>',
                  workbook, re.S)
    return html.unescape(m.group(1).decode("utf-8")) if m else None


def set_defined_name(workbook: bytes, name: str, formula: str) -> bytes:
    """Set (or add) a hidden workbook-level defined name holding `formula`."""
    element = f'<definedName name="{name}" hidden="1">{escape_text(formula)}</definedName>'.encode()
    pattern = re.compile(rb'<definedName\b[^>]*\bname="' + re.escape(name.encode()) + rb'"[^>]*>.*?</definedName>',
                         re.S)
    if pattern.search(workbook):
        return pattern.sub(lambda _m: element, workbook, count=1)
    if b"</definedNames>" in workbook:
        return workbook.replace(b"</definedNames>", element + b"</definedNames>", 1)
    if re.search(rb"<definedNames\s*/>", workbook):
        return re.sub(rb"<definedNames\s*/>", b"<definedNames>" + element + b"</definedNames>", workbook, count=1)
    for tag in _NAME_FOLLOWERS:
        pos = workbook.find(tag)
        if pos >= 0:
            return workbook[:pos] + b"<definedNames>" + element + b"</definedNames>" + workbook[pos:]
    raise ValueError("workbook.xml has no place for definedNames")


def add_override(types: bytes, part: str, content_type: str) -> bytes:
    if f'PartName="/{part}"'.encode() in types:
        return types
    element = f'<Override PartName="/{part}" ContentType="{content_type}"/>'.encode()
    return types.replace(b"</Types>", element + b"</Types>", 1)


def ensure_default(types: bytes, ext: str, content_type: str) -> bytes:
    if re.search(rb'<Default\b[^>]*Extension="' + ext.encode() + rb'"', types, re.I):
        return types
    return types.replace(b"</Types>", f'<Default Extension="{ext}" ContentType="{content_type}"/></Types>'.encode(), 1)


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str  # resolved part name


def rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def read_rels(data: bytes, source_part: str) -> list[Rel]:
    folder = posixpath.dirname(source_part)
    out = []
    for m in re.finditer(rb"<Relationship\b([^>]*?)/?>", data):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
        target = attrs.get(b"Target", b"").decode()
        if attrs.get(b"TargetMode", b"") == b"External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.append(Rel(attrs.get(b"Id", b"").decode(), attrs.get(b"Type", b"").decode(), resolved))
    return out


def next_rel_id(data: bytes) -> str:
    ids = [int(x) for x in re.findall(rb'Id="rId(\d+)"', data)]
    return f"rId{max(ids, default=0) + 1}"


def add_rel(data: bytes, rel_id: str, rel_type: str, target: str) -> bytes:
    if not data:
        data = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                b"</Relationships>")
    element = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'.encode()
    return data.replace(b"</Relationships>", element + b"</Relationships>", 1)


def relative(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part))


# --- legacy notes (comments part + VML shapes) ------------------------------------------------------------

KAM_AUTHOR = "kam"
_LEGACY_FOLLOWERS = (b"<legacyDrawingHF", b"<drawingHF", b"<picture", b"<oleObjects", b"<controls",
                     b"<webPublishItems", b"<tableParts", b"<extLst", b"</worksheet>")


def insert_legacy_drawing(sheet: bytes, rel_id: str) -> bytes:
    """Add <legacyDrawing r:id> at its schema position (a sheet holds at most one); the namespace is
    declared on the element itself, so it is bound whatever the root declares."""
    element = f'<legacyDrawing xmlns:r="{NS_REL}" r:id="{rel_id}"/>'.encode()
    for tag in _LEGACY_FOLLOWERS:
        pos = sheet.rfind(tag) if tag == b"</worksheet>" else sheet.find(tag)
        if pos >= 0:
            return sheet[:pos] + element + sheet[pos:]
    raise ValueError("worksheet has no end tag")


def empty_comments() -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<authors></authors><commentList></commentList></comments>")


def comment_refs(comments: bytes) -> dict[str, int]:
    """Cell ref -> author index of every comment in a comments part."""
    return {m.group(1).decode(): int(m.group(2))
            for m in re.finditer(rb'<comment\b[^>]*?\bref="([A-Z]+\d+)"[^>]*?\bauthorId="(\d+)"', comments)}


def authors(comments: bytes) -> list[str]:
    return [a.decode("utf-8") for a in re.findall(rb"<author>(.*?)</author>", comments, re.S)]


def remove_kam_comments(comments: bytes) -> tuple[bytes, list[str]]:
    """Drop the comments kam wrote earlier; returns the part and the refs removed."""
    names = authors(comments)
    if KAM_AUTHOR not in names:
        return comments, []
    kam = names.index(KAM_AUTHOR)
    removed: list[str] = []

    def drop(m: re.Match[bytes]) -> bytes:
        author = re.search(rb'\bauthorId="(\d+)"', m.group(0))
        if author and int(author.group(1)) == kam:
            ref = re.search(rb'\bref="([A-Z]+\d+)"', m.group(0))
            removed.append(ref.group(1).decode() if ref else "")
            return b""
        return m.group(0)

    out = re.sub(rb"<comment\b.*?</comment>", drop, comments, flags=re.S)
    return out, removed


def add_comments(comments: bytes, notes: dict[str, str]) -> bytes:
    """Append one comment per ref (author kam)."""
    if not comments:
        comments = empty_comments()
    names = authors(comments)
    if KAM_AUTHOR not in names:
        if b"<authors/>" in comments:
            comments = comments.replace(b"<authors/>", b"<authors></authors>", 1)
        comments = comments.replace(b"</authors>", f"<author>{KAM_AUTHOR}</author></authors>".encode(), 1)
        names.append(KAM_AUTHOR)
    kam = names.index(KAM_AUTHOR)
    body = b"".join(
        (f'<comment ref="{ref}" authorId="{kam}"><text><r><rPr><sz val="9"/><rFont val="宋体"/><charset val="134"/>'
         f'</rPr><t xml:space="preserve">{escape_text(text)}</t></r></text></comment>').encode()
        for ref, text in notes.items())
    if b"<commentList/>" in comments:
        comments = comments.replace(b"<commentList/>", b"<commentList></commentList>", 1)
    return comments.replace(b"</commentList>", body + b"</commentList>", 1)


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
_SHAPE = re.compile(rb"<v:shape\b(?:(?!<v:shape\b).)*?</v:shape>", re.S)


def remove_note_shapes(vml: bytes, refs: list[str]) -> bytes:
    """Drop the Note shapes anchored on `refs` (the notes kam removed)."""
    wanted = {(row - 1, col) for row, col in filter(None, map(parse_address, refs))}

    def drop(m: re.Match[bytes]) -> bytes:
        shape = m.group(0)
        if b'ObjectType="Note"' not in shape:
            return shape
        row = re.search(rb"<x:Row>(\d+)</x:Row>", shape)
        col = re.search(rb"<x:Column>(\d+)</x:Column>", shape)
        if row and col and (int(row.group(1)), int(col.group(1))) in wanted:
            return b""
        return shape

    return _SHAPE.sub(drop, vml)


def add_note_shapes(vml: bytes, cells: list[tuple[int, int]], block: int = 1) -> bytes:
    """Append hidden Note shapes for 1-based rows / 0-based columns (a new drawing takes shape-id `block`)."""
    if not vml:
        vml = empty_vml(block)
    if b'id="_x0000_t202"' not in vml:
        vml = vml.replace(b"</xml>", _NOTE_TYPE + b"</xml>", 1) if vml.rstrip().endswith(b"</xml>") else vml
    ids = [int(x) for x in re.findall(rb'id="_x0000_s(\d+)"', vml)]
    first_block = (idmap_blocks(vml) or [block])[0]
    next_id = max([*ids, first_block * 1024]) + 1
    shapes = []
    for n, (row, col) in enumerate(cells):
        r0 = row - 1
        anchor = f"{col + 1}, 15, {max(r0 - 1, 0)}, 10, {col + 3}, 15, {r0 + 3}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{next_id + n}" type="#_x0000_t202" style="position:absolute;margin-left:0;'
            f'margin-top:0;width:160pt;height:70pt;z-index:{next_id + n};visibility:hidden" fillcolor="#ffffe1" '
            f'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            f'<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            f'<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/>'
            f"<x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r0}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>")
    pos = vml.rfind(b"</xml>")
    return vml[:pos] + "".join(shapes).encode() + vml[pos:]

