"""`kam validate --mark`: a 校验结果 sheet, red/amber fills and a note on each offending cell.

Marks are removable: kam's fills are cell styles it adds (the map back to each cell's own style is kept in
a hidden defined name), its notes are comments by the author "kam". A new run first undoes the previous
marks, then marks what is still wrong, so the rep's own fills and notes are never touched.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from addin.core.i18n import t
from addin.core.model import WorkbookData, cell_address, parse_address
from addin.core.schema import RESULTS, Label
from addin.core.text import norm
from addin.core.validation import ValidationReport
from addin.workbook import ooxml
from addin.workbook.guard import inspect
from addin.workbook.plans import MARK_RGB, mark_plan
from addin.workbook.sheetxml import CellValue, Style, escape_text, patch_cells, restore_styles
from addin.workbook.writer import WorkbookEdits, write_workbook

MARK_NAME = "_kam_marks"
FILL = {sev: "FF" + "".join(f"{c:02X}" for c in rgb) for sev, rgb in MARK_RGB.items()}
RESULT_WIDTHS = (8, 22, 12, 9, 7, 12, 80)
BIRTHDAY_WIDTHS = (12, 9, 12, 26, 10, 12, 8, 12)


@dataclass
class MarkResult:
    """What --mark did, for the closing lines of the command."""

    file: Path
    sheet: str
    marked: int
    noted: int
    backup: Path | None
    skipped_notes: list[str] = field(default_factory=list)

    def lines(self, lang: str) -> list[str]:
        out = [t("mark.done", lang, file=self.file, sheet=self.sheet, cells=self.marked, notes=self.noted)]
        if self.skipped_notes:
            out.append(t("mark.kept_notes", lang, cells=", ".join(self.skipped_notes[:20])))
        if self.backup is not None:
            out.append(t("write.backup", lang, backup=self.backup))
        return out


def _parse_map(text: str | None) -> dict[int, int]:
    """'"12>3;13>3"' -> {12: 3, 13: 3} (kam style -> the cell's own style)."""
    if not text:
        return {}
    body = text.strip().strip('"')
    out = {}
    for pair in body.split(";"):
        if ">" in pair:
            a, b = pair.split(">", 1)
            if a.strip().isdigit() and b.strip().isdigit():
                out[int(a)] = int(b)
    return out


def owned_sheet_xml(rows: list[list[object]], links: list[tuple[int, str, str]], widths: tuple[int, ...]) -> bytes:
    """A whole worksheet kam owns (校验结果, 生日提醒): frozen header, filter, column widths, links in column D."""
    data = b"".join(f'<row r="{i}">'.encode() + b"".join(_inline(i, c, v) for c, v in enumerate(r)) + b"</row>"
                    for i, r in enumerate(rows, start=1))
    hyperlinks = "".join(
        f'<hyperlink ref="D{n}" location="{ooxml.attr_escape(loc)}" display="{ooxml.attr_escape(shown)}"/>'
        for n, loc, shown in links)
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    last = cell_address(max(len(rows), 1), len(widths) - 1)
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            + f'<dimension ref="A1:{last}"/>'.encode()
            + b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
              b'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + f"<cols>{cols}</cols>".encode() + b"<sheetData>" + data + b"</sheetData>"
            + f'<autoFilter ref="A1:{last}"/>'.encode()
            + (f"<hyperlinks>{hyperlinks}</hyperlinks>".encode() if links else b"")
            + b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
              b"</worksheet>")


def existing_sheet(names: list[str], label: Label) -> str | None:
    """The workbook's sheet answering to one of `label`'s names (kam's own sheet from an earlier run)."""
    wanted = {norm(a) for a in label.aliases()}
    return next((n for n in names if norm(n) in wanted), None)


@dataclass
class Package:
    """The package parts an edit touches, read once, changed in memory, handed to the writer."""

    names: set[str]
    workbook: bytes
    types: bytes
    wb_rels: bytes
    parts: dict[str, bytes] = field(default_factory=dict)

    def place_sheet(self, sheet_parts: dict[str, str], current: str | None, title: str, xml: bytes) -> None:
        """Replace kam's sheet when it exists, else add it at the end (no sheet index shifts)."""
        if current is not None:
            self.parts[sheet_parts[current]] = xml
            return
        part = _free_name(self.names | set(self.parts), "xl/worksheets/sheet{}.xml")
        rel_id = ooxml.next_rel_id(self.wb_rels)
        self.wb_rels = ooxml.add_rel(self.wb_rels, rel_id, ooxml.REL_SHEET, ooxml.relative("xl/workbook.xml", part))
        self.workbook = ooxml.add_sheet_entry(self.workbook, title, rel_id)
        self.types = ooxml.add_override(self.types, part, ooxml.CT_SHEET)
        self.parts[part] = xml

    def edits(self) -> WorkbookEdits:
        parts = dict(self.parts)
        parts["xl/workbook.xml"] = self.workbook
        parts["[Content_Types].xml"] = self.types
        parts["xl/_rels/workbook.xml.rels"] = self.wb_rels
        return WorkbookEdits(parts={name: _replace_with(data) for name, data in parts.items()})


def write_owned_sheet(path: Path, label: Label, lang: str, rows: list[list[object]], widths: tuple[int, ...], *,
                      expected: str | None = None, backup: bool = True) -> tuple[str, Path | None]:
    """Write (or replace) one kam-owned sheet, e.g. 生日提醒, through the safe writer; returns its name."""
    listing = inspect(path, needed=set())
    sheet_parts = {s.name: s.part for s in listing.sheets}
    current = existing_sheet(list(sheet_parts), label)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        pkg = Package(names, zf.read("xl/workbook.xml"), zf.read("[Content_Types].xml"),
                      zf.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b"")
    title = current or label.text(lang)
    pkg.place_sheet(sheet_parts, current, title, owned_sheet_xml(rows, [], widths))
    result = write_workbook(path, pkg.edits(), expected=expected, backup=backup)
    return title, result.backup


def _inline(row: int, col: int, value: object) -> bytes:
    ref = cell_address(row, col)
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'.encode()
    text = escape_text(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'.encode()


def mark_workbook(path: Path, book: WorkbookData, report: ValidationReport, lang: str, *,
                  expected: str | None = None, backup: bool = True) -> MarkResult:
    """Undo kam's previous marks, then mark `report`'s findings and (re)write the results sheet."""
    listing = inspect(path, needed=set())
    sheet_parts = {s.name: s.part for s in listing.sheets}
    results_name = existing_sheet(list(sheet_parts), RESULTS)
    plan = mark_plan(book, report, lang, skip_sheet=results_name)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())

        def read(part: str) -> bytes:
            return zf.read(part) if part in names else b""

        pkg = Package(names, read("xl/workbook.xml"), read("[Content_Types].xml"), read("xl/_rels/workbook.xml.rels"))
        styles = read("xl/styles.xml")
        blocks = [b for name in names if name.endswith(".vml") for b in ooxml.idmap_blocks(read(name))]
        next_block = max(blocks, default=0) + 1

        # styles: kam's fills and one kam style per (own style, severity)
        xfs = ooxml.cell_xfs(styles)
        fill_ids = {}
        for sev, argb in FILL.items():
            styles, fill_ids[sev] = ooxml.ensure_fill(styles, argb)
        # trust the saved map only where the style really carries a kam fill (Excel may renumber on save)
        old_map = {kam: own for kam, own in _parse_map(ooxml.defined_name(pkg.workbook, MARK_NAME)).items()
                   if kam < len(xfs) and own < len(xfs) and ooxml.xf_fill(xfs[kam]) in fill_ids.values()}
        kam_of: dict[tuple[int, str], int] = {}
        for kam, own in old_map.items():
            for sev, fid in fill_ids.items():
                if ooxml.xf_fill(xfs[kam]) == fid:
                    kam_of.setdefault((own, sev), kam)
        new_map = dict(old_map)

        by_sheet: dict[str, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
        for (sheet, row, col), sev in plan.severity.items():
            by_sheet[sheet][row][col] = sev
        noted = 0
        skipped: list[str] = []
        pending_xfs: list[bytes] = []
        for sheet, part in sheet_parts.items():
            if sheet == results_name:
                continue
            xml = read(part)
            restored = restore_styles(xml, old_map) if old_map else xml
            rels_name = ooxml.rels_part(part)
            rels = read(rels_name)
            rel_list = ooxml.read_rels(rels, part)
            comments_part = next((r.target for r in rel_list if r.type == ooxml.REL_COMMENTS), None)
            vml_part = next((r.target for r in rel_list if r.type == ooxml.REL_VML), None)
            comments = read(comments_part) if comments_part else b""
            vml = read(vml_part) if vml_part else b""
            new_comments, removed = ooxml.remove_kam_comments(comments) if comments else (comments, [])
            new_vml = ooxml.remove_note_shapes(vml, removed) if removed and vml else vml
            marks = by_sheet.get(sheet, {})
            if marks:

                def kam_style(own: int, sev: str) -> int:
                    """The kam style for a cell's own style and a severity, created on first use."""
                    if (own, sev) not in kam_of:
                        base = xfs[own] if own < len(xfs) else (xfs[0] if xfs else b'<xf numFmtId="0"/>')
                        kam_of[(own, sev)] = len(xfs) + len(pending_xfs)
                        pending_xfs.append(ooxml.with_fill(base, fill_ids[sev]))
                        new_map[kam_of[(own, sev)]] = own
                    return kam_of[(own, sev)]

                by_severity = {sev: Style(remap=partial(kam_style, sev=sev)) for sev in FILL}
                edits: dict[int, dict[int, CellValue]] = {
                    row: {col: by_severity[sev] for col, sev in cols.items()} for row, cols in marks.items()}
                restored = patch_cells(restored, edits).xml
                taken = ooxml.comment_refs(new_comments)
                add: dict[str, str] = {}
                for row, cols in marks.items():
                    for col in cols:
                        ref = cell_address(row, col)
                        if ref in taken:
                            skipped.append(f"{sheet}!{ref}")
                        else:
                            add[ref] = plan.notes[(sheet, row, col)]
                if add:
                    noted += len(add)
                    if comments_part is None:
                        comments_part = _free_name(names | set(pkg.parts), "xl/comments{}.xml")
                        rel_id = ooxml.next_rel_id(rels)
                        rels = ooxml.add_rel(rels, rel_id, ooxml.REL_COMMENTS, ooxml.relative(part, comments_part))
                        pkg.types = ooxml.add_override(pkg.types, comments_part, ooxml.CT_COMMENTS)
                    if vml_part is None:
                        vml_part = _free_name(names | set(pkg.parts), "xl/drawings/vmlDrawing{}.vml")
                        rel_id = ooxml.next_rel_id(rels)
                        rels = ooxml.add_rel(rels, rel_id, ooxml.REL_VML, ooxml.relative(part, vml_part))
                        pkg.types = ooxml.ensure_default(pkg.types, "vml", ooxml.CT_VML)
                        restored = ooxml.insert_legacy_drawing(restored, rel_id)
                    new_comments = ooxml.add_comments(new_comments, add)
                    if not new_vml:
                        new_vml, next_block = ooxml.empty_vml(next_block), next_block + 1
                    new_vml = ooxml.add_note_shapes(new_vml, [w for r in add if (w := parse_address(r))])
            if restored != xml:
                pkg.parts[part] = restored
            if comments_part and new_comments != comments:
                pkg.parts[comments_part] = new_comments
            if vml_part and new_vml != vml:
                pkg.parts[vml_part] = new_vml
            if rels != read(rels_name):
                pkg.parts[rels_name] = rels
        if pending_xfs:
            styles, _ = ooxml.append_xfs(styles, pending_xfs)
        pkg.parts["xl/styles.xml"] = styles
        title = results_name or RESULTS.text(lang)
        pkg.place_sheet(sheet_parts, results_name, title, owned_sheet_xml(plan.rows, plan.links, RESULT_WIDTHS))
        map_text = '"' + ";".join(f"{k}>{v}" for k, v in sorted(new_map.items())) + '"'
        pkg.workbook = ooxml.set_defined_name(pkg.workbook, MARK_NAME, map_text)
    result = write_workbook(path, pkg.edits(), expected=expected, backup=backup)
    return MarkResult(path, title, len(plan.severity), noted, result.backup, skipped)


def _replace_with(data: bytes) -> Callable[[bytes], bytes]:
    """A part edit that swaps in new bytes (computed from the same file the writer re-checks)."""
    return lambda _old: data


def _free_name(taken: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n) in taken:
        n += 1
    return pattern.format(n)
