"""Checks on a workbook kam has written (shared by tests/test_corpus.py and bench/real_corpus.py).

`check_result(before, after)` returns one line per problem ("kind: detail"); no line means the write kept
SPEC §7: every part kam does not own byte-identical, no duplicate sheet names, a content type for every
part, no two part names equal but for case, and the file still opens in openpyxl (if it did before).
"""

from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile

COMMANDS = (
    ("grade --write", ("grade", "--write")),
    ("validate --mark", ("validate", "--mark", "--today", "2026-11-22")),
    ("birthdays --write", ("birthdays", "--write", "--today", "2026-11-22")),
)
#: parts a kam write may change: the package's bookkeeping, styles, worksheets and their notes
_OWNED = re.compile(r"(?i)^(\[Content_Types\]\.xml|.*_rels/.*\.rels|.*workbook\d*\.xml|.*styles\.xml|"
                    r".*worksheets/[^/]+\.xml|.*comments[^/]*\.xml|.*vmlDrawing[^/]*\.vml)$")


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.filename.endswith("/")}


def _sheet_names(members: dict[str, bytes]) -> list[str]:
    book = next((v for k, v in members.items() if re.search(r"(?i)workbook\d*\.xml$", k)
                 and b"sheets>" in v), b"")
    return [n.decode("utf-8", "replace") for n in re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', book)]


def _content_types_missing(members: dict[str, bytes]) -> list[str]:
    types = members.get("[Content_Types].xml", b"")
    defaults = {e.lower().decode() for e in re.findall(rb'<(?:\w+:)?Default\b[^>]*?Extension="([^"]+)"', types)}
    overrides = {p.lower().decode().lstrip("/") for p in
                 re.findall(rb'<(?:\w+:)?Override\b[^>]*?PartName="([^"]+)"', types)}
    missing = []
    for name in members:
        if name == "[Content_Types].xml":
            continue
        ext = posixpath.splitext(name)[1].lstrip(".").lower()
        if name.lower() not in overrides and ext not in defaults:
            missing.append(name)
    return missing


def _opens_in_openpyxl(data: bytes) -> bool:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            openpyxl.load_workbook(io.BytesIO(data)).close()
        return True
    except Exception:
        return False


def check_result(before: bytes, after: bytes) -> list[str]:
    old, new = _members(before), _members(after)
    problems = []
    book = re.search(rb'Target="/?([^"]+)"[^>]*?Type="[^"]*/officeDocument"|Type="[^"]*/officeDocument"[^>]*?'
                     rb'Target="/?([^"]+)"', old.get("_rels/.rels", b""))
    book_part = (book.group(1) or book.group(2)).decode() if book else "xl/workbook.xml"
    owned = {book_part, posixpath.join(posixpath.dirname(book_part), "_rels", posixpath.basename(book_part) + ".rels")}
    for name, data in old.items():
        if name not in new:
            problems.append(f"lost-part: {name}")
        elif new[name] != data and not _OWNED.match(name) and name not in owned:
            problems.append(f"changed-part: {name}")
    names = [n.casefold() for n in _sheet_names(new)]
    if len(names) != len(set(names)):
        problems.append(f"duplicate-sheet: {_sheet_names(new)}")
    problems += [f"no-content-type: {p}" for p in _content_types_missing(new) if p not in _content_types_missing(old)]
    lowered = [n.lower() for n in new]
    if len(lowered) != len(set(lowered)) and len({n.lower() for n in old}) == len(old):
        problems.append("case-clash: " + ", ".join(n for n in new if lowered.count(n.lower()) > 1))
    if _opens_in_openpyxl(before) and not _opens_in_openpyxl(after):
        problems.append("openpyxl: opens before, not after")
    return problems
