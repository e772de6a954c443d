"""The package layer every write goes through (SPEC §7): find parts through relationships, speak the
package's own dialect (Transitional or Strict namespaces, any namespace prefix), name new parts without
clashes, and give every new part a content type.

kam keeps its own zip patching (it keeps every other part byte-identical and is ~10x faster than a load and
save by openpyxl); this module is the small, tested layer that makes it safe on files from every producer.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

TRANSITIONAL_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
TRANSITIONAL_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


@dataclass(frozen=True)
class Dialect:
    """The namespaces a package uses: Transitional (what Excel saves by default) or Strict."""

    main: str
    rel: str

    @property
    def strict(self) -> bool:
        return self.main == STRICT_MAIN

    def rel_type(self, kind: str) -> str:
        """A relationship type such as "worksheet", "styles", "comments", "vmlDrawing" in this dialect."""
        return f"{self.rel}/{kind}"


TRANSITIONAL = Dialect(TRANSITIONAL_MAIN, TRANSITIONAL_REL)
STRICT = Dialect(STRICT_MAIN, STRICT_REL)


def dialect_of(workbook: bytes) -> Dialect:
    return STRICT if STRICT_MAIN.encode() in workbook[:4096] or b"purl.oclc.org/ooxml/spreadsheetml" in workbook \
        else TRANSITIONAL


def attrs(raw: bytes) -> dict[str, str]:
    return {k.decode(): (a if a is not None else b).decode("utf-8", "replace") for k, a, b in _ATTR.findall(raw)}


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str  # resolved part name (no leading slash)
    external: bool = False

    def is_a(self, kind: str) -> bool:
        """True for a relationship of `kind` ("worksheet", "officeDocument"...) in either dialect."""
        return self.type.rsplit("/", 1)[-1] == kind


def rels_part(part: str) -> str:
    """The relationships part of a part: xl/workbook.xml -> xl/_rels/workbook.xml.rels; "" -> _rels/.rels."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    """The part name a relationship target of `source_part` points at (targets may be absolute)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def read_rels(data: bytes, source_part: str) -> list[Rel]:
    out = []
    for m in _REL.finditer(data):
        a = attrs(m.group(1))
        external = a.get("TargetMode", "").lower() == "external"
        target = a.get("Target", "")
        out.append(Rel(a.get("Id", ""), a.get("Type", ""), target if external else resolve(source_part, target),
                       external))
    return out


def workbook_part(names: set[str], root_rels: bytes | None) -> str | None:
    """The workbook part, found through the package relationships (_rels/.rels), not by a fixed path."""
    if root_rels:
        for rel in read_rels(root_rels, ""):
            if rel.is_a("officeDocument") and not rel.external:
                found = find_part(names, rel.target)
                if found:
                    return found
    return find_part(names, "xl/workbook.xml")


def find_part(names: set[str], part: str) -> str | None:
    """The stored name of `part`, case ignored (OPC part names are case-insensitive)."""
    if part in names:
        return part
    folded = part.casefold()
    return next((n for n in names if n.casefold() == folded), None)


def free_part_name(taken: set[str], pattern: str) -> str:
    """`pattern` ("xl/worksheets/sheet{}.xml") with the first number whose name no part has, case ignored."""
    folded = {n.casefold() for n in taken}
    n = 1
    while pattern.format(n).casefold() in folded:
        n += 1
    return pattern.format(n)


def relative(from_part: str, to_part: str) -> str:
    """The target to write in `from_part`'s relationships for `to_part`."""
    return posixpath.relpath(to_part, posixpath.dirname(from_part) or ".")


def next_rel_id(rels: bytes) -> str:
    ids = {a.get("Id", "") for a in (attrs(m.group(1)) for m in _REL.finditer(rels))}
    n = len(ids) + 1
    while f"rId{n}" in ids:
        n += 1
    return f"rId{n}"


def empty_rels() -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + f'<Relationships xmlns="{PKG_REL}"></Relationships>'.encode())


def add_rel(rels: bytes, rel_id: str, rel_type: str, target: str) -> bytes:
    """Append a relationship (creating the part's XML when empty); keeps the part's own prefix."""
    if not rels.strip():
        rels = empty_rels()
    rels = unprefix(rels, PKG_REL)
    rels = re.sub(rb"<Relationships\b([^>]*?)/>", rb"<Relationships\1></Relationships>", rels, count=1)
    element = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{_attr(target)}"/>'.encode()
    return rels.replace(b"</Relationships>", element + b"</Relationships>", 1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


# --- content types ------------------------------------------------------------------------------------------

_DEFAULT = re.compile(rb"<(?:\w+:)?Default\b([^>]*?)/?>")
_OVERRIDE = re.compile(rb"<(?:\w+:)?Override\b([^>]*?)/?>")
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def content_type_of(types: bytes, part: str) -> str | None:
    folded = "/" + part.casefold().lstrip("/")
    for m in _OVERRIDE.finditer(types):
        a = attrs(m.group(1))
        if a.get("PartName", "").casefold() == folded:
            return a.get("ContentType")
    ext = posixpath.splitext(part)[1].lstrip(".").casefold()
    for m in _DEFAULT.finditer(types):
        a = attrs(m.group(1))
        if a.get("Extension", "").casefold() == ext:
            return a.get("ContentType")
    return None


def ensure_content_type(types: bytes, part: str, content_type: str) -> bytes:
    """Declare `content_type` for a part kam adds: nothing when a Default already says so, else an Override
    (producers such as LibreOffice declare every part by Override, with no Default for .rels or .xml)."""
    if content_type_of(types, part) == content_type:
        return types
    types = unprefix(types, _CT_NS)
    element = f'<Override PartName="/{_attr(part.lstrip("/"))}" ContentType="{content_type}"/>'.encode()
    return types.replace(b"</Types>", element + b"</Types>", 1)


# --- namespace prefixes -------------------------------------------------------------------------------------

_ROOT = re.compile(rb"<(?![?!])([\w.-]+:)?([\w.-]+)\b([^>]*?)(/?)>", re.S)


def prefix_of(data: bytes, namespace: str) -> bytes | None:
    """The prefix (b"x") the part binds to `namespace`; b"" when it is the default namespace; None if absent."""
    m = _ROOT.search(data)
    if m is None:
        return None
    root = m.group(3)
    ns = namespace.encode()
    if re.search(rb'\sxmlns\s*=\s*["\']' + re.escape(ns) + rb'["\']', root):
        return b""
    p = re.search(rb"\sxmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(ns) + rb"[\"']", root)
    return p.group(1) if p else None


def unprefix(data: bytes, namespace: str) -> bytes:
    """The same XML with the elements of `namespace` written without a prefix (that namespace made the
    default on the root element), so kam's edits can name elements plainly. The infoset is unchanged; only a
    part kam rewrites anyway goes through this. Unchanged when the part already uses no prefix for it."""
    p = prefix_of(data, namespace)
    if not p:
        return data
    m = _ROOT.search(data)
    assert m is not None
    root_attrs = m.group(3)
    if re.search(rb'\sxmlns\s*=', root_attrs):
        raise ValueError("a part binds its default namespace elsewhere and prefixes its own elements")
    q = re.escape(p)
    out = re.sub(rb"<" + q + rb":([\w.-]+)", rb"<\1", data)
    out = re.sub(rb"</" + q + rb":([\w.-]+)", rb"</\1", out)
    m = _ROOT.search(out)
    assert m is not None
    insert = m.start(3)
    return out[:insert] + f' xmlns="{namespace}"'.encode() + out[insert:]
