"""`kam validate --mark`: a 校验结果 sheet, red/amber fills and a note on each offending cell.

Marks are removable: kam's fills are cell styles it adds (the map back to each cell's own style is kept in
a hidden defined name), its notes are comments by the author "kam". A new run first undoes the previous
marks, then marks what is still wrong, so the rep's own fills and notes are never touched.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from addin.core.findings import Finding
from addin.core.i18n import t
from addin.core.model import WorkbookData, cell_address
from addin.core.schema import RESULTS
from addin.core.text import norm
from addin.core.validation import ValidationReport
from addin.workbook import ooxml
from addin.workbook.guard import inspect
from addin.workbook.sheetxml import Style, escape_text, patch_cells, restore_styles
from addin.workbook.writer import WorkbookEdits, write_workbook

MARK_NAME = "_kam_marks"
FILL = {"error": "FFF4B6B6", "warning": "FFFCE4A8"}
RANK = {"error": 2, "warning": 1}


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


def _target_cell(book: WorkbookData, f: Finding) -> tuple[str, int, int] | None:
    """(sheet name, row, 0-based col) to mark for a finding; row-level findings mark their row's first column."""
    if not f.row or not isinstance(f.sheet, str):
        return None
    table = next((tb for tb in book.sheets.values() if tb.name == f.sheet), None)
    if table is None:
        return None
    if f.cell:
        m = re.match(r"([A-Z]+)(\d+)$", f.cell)
        if m:
            col = 0
            for ch in m.group(1):
                col = col * 26 + ord(ch) - 64
            return f.sheet, int(m.group(2)), col - 1
    if f.row == table.header_row:
        return f.sheet, f.row, 0
    first = min(table.index.values(), default=0)
    return f.sheet, f.row, table.index.get("customer_id", first)


def _results_sheet_xml(findings: list[Finding], lang: str) -> bytes:
    heads = [t(f"mark.col.{k}", lang) for k in ("severity", "code", "sheet", "cell", "row", "customer", "message")]
    rows = [b"".join(_inline(1, c, h) for c, h in enumerate(heads))]
    links = []
    for n, f in enumerate(findings, start=2):
        sheet = f.sheet if isinstance(f.sheet, str) else ""
        values = [t(f"sev.{f.severity}", lang), f.code, sheet, f.cell, f.row or "", f.customer_id, f.message(lang)]
        rows.append(b"".join(_inline(n, c, v) for c, v in enumerate(values)))
        if sheet and f.row:
            target = f.cell or f"A{f.row}"
            location = "'" + sheet.replace("'", "''") + "'!" + target
            links.append(f'<hyperlink ref="D{n}" location="{ooxml.attr_escape(location)}" '
                         f'display="{ooxml.attr_escape(target)}"/>')
    data = b"".join(f'<row r="{i}">'.encode() + r + b"</row>" for i, r in enumerate(rows, start=1))
    widths = (8, 22, 12, 9, 7, 12, 80)
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
            + (f"<hyperlinks>{''.join(links)}</hyperlinks>".encode() if links else b"")
            + b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
              b"</worksheet>")


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
    results_name = next((s.name for s in listing.sheets if norm(s.name) in {norm(a) for a in RESULTS.aliases()}),
                        None)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())

        def read(part: str) -> bytes:
            return zf.read(part) if part in names else b""

        workbook = read("xl/workbook.xml")
        styles = read("xl/styles.xml")
        types = read("[Content_Types].xml")
        wb_rels = read("xl/_rels/workbook.xml.rels")
        parts: dict[str, bytes] = {}

        # 1. the cells to mark, worst severity first, one note per cell
        severity: dict[tuple[str, int, int], str] = {}
        notes: dict[tuple[str, int, int], list[str]] = defaultdict(list)
        for f in report.findings:
            target = _target_cell(book, f)
            if target is None or target[0] == results_name:
                continue
            if RANK[f.severity] > RANK.get(severity.get(target, ""), 0):
                severity[target] = f.severity
            notes[target].append(f.message(lang))

        # 2. styles: kam's fills and one kam style per (own style, severity)
        xfs = ooxml.cell_xfs(styles)
        fill_ids = {}
        for sev, argb in FILL.items():
            styles, fill_ids[sev] = ooxml.ensure_fill(styles, argb)
        # trust the saved map only where the style really carries a kam fill (Excel may renumber on save)
        old_map = {kam: own for kam, own in _parse_map(ooxml.defined_name(workbook, MARK_NAME)).items()
                   if kam < len(xfs) and own < len(xfs) and ooxml.xf_fill(xfs[kam]) in fill_ids.values()}
        kam_of: dict[tuple[int, str], int] = {}
        for kam, own in old_map.items():
            if kam < len(xfs):
                for sev, fid in fill_ids.items():
                    if ooxml.xf_fill(xfs[kam]) == fid:
                        kam_of.setdefault((own, sev), kam)
        new_map = dict(old_map)

        # 3. per sheet: undo old marks, set new styles, rewrite kam's notes
        by_sheet: dict[str, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
        for (sheet, row, col), sev in severity.items():
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
                own_styles = _cell_styles(restored, marks)
                edits: dict[int, dict[int, Style | str | None]] = {}
                for row, cols in marks.items():
                    for col, sev in cols.items():
                        own = own_styles.get((row, col), 0)
                        key = (own, sev)
                        if key not in kam_of:
                            base = xfs[own] if own < len(xfs) else (xfs[0] if xfs else b'<xf numFmtId="0"/>')
                            kam_of[key] = len(xfs) + len(pending_xfs)
                            pending_xfs.append(ooxml.with_fill(base, fill_ids[sev]))
                            new_map[kam_of[key]] = own
                        edits.setdefault(row, {})[col] = Style(kam_of[key])
                restored = patch_cells(restored, edits).xml
                taken = ooxml.comment_refs(new_comments)
                add: dict[str, str] = {}
                for row, cols in marks.items():
                    for col in cols:
                        ref = cell_address(row, col)
                        if ref in taken:
                            skipped.append(f"{sheet}!{ref}")
                        else:
                            add[ref] = "kam:\n" + "\n".join(f"• {m}" for m in notes[(sheet, row, col)])
                if add:
                    noted += len(add)
                    if comments_part is None:
                        comments_part = _free_name(names | set(parts), "xl/comments{}.xml")
                        rel_id = ooxml.next_rel_id(rels)
                        rels = ooxml.add_rel(rels, rel_id, ooxml.REL_COMMENTS, ooxml.relative(part, comments_part))
                        types = ooxml.add_override(types, comments_part, ooxml.CT_COMMENTS)
                    if vml_part is None:
                        vml_part = _free_name(names | set(parts), "xl/drawings/vmlDrawing{}.vml")
                        rel_id = ooxml.next_rel_id(rels)
                        rels = ooxml.add_rel(rels, rel_id, ooxml.REL_VML, ooxml.relative(part, vml_part))
                        types = ooxml.ensure_default(types, "vml", ooxml.CT_VML)
                        restored = ooxml.insert_legacy_drawing(restored, rel_id)
                    new_comments = ooxml.add_comments(new_comments, add)
                    cells = [(int(re.sub(r"[A-Z]", "", r)), _col(r)) for r in add]
                    new_vml = ooxml.add_note_shapes(new_vml, cells)
            if restored != xml:
                parts[part] = restored
            if comments_part and new_comments != comments:
                parts[comments_part] = new_comments
            if vml_part and new_vml != vml:
                parts[vml_part] = new_vml
            if rels != read(rels_name):
                parts[rels_name] = rels
        if pending_xfs:
            styles, _ = ooxml.append_xfs(styles, pending_xfs)

        # 4. the results sheet: replaced when it exists, else added at the end
        title = results_name or RESULTS.text(lang)
        results_xml = _results_sheet_xml(report.findings, lang)
        if results_name is not None:
            parts[sheet_parts[results_name]] = results_xml
        else:
            sheet_part = _free_name(names | set(parts), "xl/worksheets/sheet{}.xml")
            rel_id = ooxml.next_rel_id(wb_rels)
            wb_rels = ooxml.add_rel(wb_rels, rel_id, ooxml.REL_SHEET, ooxml.relative("xl/workbook.xml", sheet_part))
            workbook = ooxml.add_sheet_entry(workbook, title, rel_id)
            types = ooxml.add_override(types, sheet_part, ooxml.CT_SHEET)
            parts[sheet_part] = results_xml
            parts["xl/_rels/workbook.xml.rels"] = wb_rels
        map_text = '"' + ";".join(f"{k}>{v}" for k, v in sorted(new_map.items())) + '"'
        workbook = ooxml.set_defined_name(workbook, MARK_NAME, map_text)
        parts["xl/workbook.xml"] = workbook
        parts["xl/styles.xml"] = styles
        parts["[Content_Types].xml"] = types
    write_edits = WorkbookEdits(parts={name: _replace_with(data) for name, data in parts.items()})
    result = write_workbook(path, write_edits, expected=expected, backup=backup)
    return MarkResult(path, title, len(severity), noted, result.backup, skipped)


def _replace_with(data: bytes) -> Callable[[bytes], bytes]:
    """A part edit that swaps in new bytes (computed from the same file the writer re-checks)."""
    return lambda _old: data


def _col(ref: str) -> int:
    col = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):  # type: ignore[union-attr]
        col = col * 26 + ord(ch) - 64
    return col - 1


def _free_name(taken: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n) in taken:
        n += 1
    return pattern.format(n)


def _cell_styles(xml: bytes, marks: dict[int, dict[int, str]]) -> dict[tuple[int, int], int]:
    """The style of each cell to be marked (0 when the cell or its style is absent; the column style otherwise)."""
    from addin.workbook.sheetxml import column_styles

    wanted = {cell_address(r, c).encode(): (r, c) for r, cols in marks.items() for c in cols}
    found: dict[tuple[int, int], int] = {}
    for m in re.finditer(rb'<c\b[^>]*?\br="([A-Z]+\d+)"[^>]*?>', xml):
        key = wanted.get(m.group(1))
        if key is not None:
            s = re.search(rb'\ss="(\d+)"', m.group(0))
            found[key] = int(s.group(1)) if s else 0
    col_styles = column_styles(xml)
    for (r, c) in wanted.values():
        if (r, c) not in found:
            found[(r, c)] = int(col_styles.get(c, b"0"))
    return found
