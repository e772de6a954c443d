"""`kam validate --mark`: a 校验结果 sheet, red/amber fills and a note on each offending cell.

Marks are removable, and stay so after the rep re-saves the file in Excel, WPS or LibreOffice (which may
renumber styles and rewrite comment authors): the cells kam filled, with each cell's own fill, are listed
on a hidden sheet kam owns (`_kam_marks`, the same sheet the Excel buttons keep), a cell still counts as
kam's while its fill has kam's colour, and kam's notes are known by their text ("kam:"). A new run first
undoes the previous marks, then marks what is still wrong, so the rep's own fills and notes are never touched.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from addin.core.i18n import t
from addin.core.model import WorkbookData, cell_address, column_letter, parse_address
from addin.core.schema import RESULTS, Label
from addin.core.text import display_width, norm
from addin.core.validation import ValidationReport
from addin.errors import KamError
from addin.workbook import ooxml, opc
from addin.workbook.guard import Inspection, inspect
from addin.workbook.plans import (
    LINK_COL,
    MARK_RANK,
    MARK_RGB,
    MARKS_HEAD,
    MARKS_SHEET,
    NOTE_PREFIX,
    mark_plan,
    workbook_language,
)
from addin.workbook.sheetxml import CellValue, Piece, Style, encode_runs, escape_text, patch_pieces
from addin.workbook.writer import Packed, Replace, WorkbookEdits, write_workbook

FILL = {sev: "FF" + "".join(f"{c:02X}" for c in rgb) for sev, rgb in MARK_RGB.items()}
RESULT_WIDTHS = (7, 10, 21, 11, 9, 6, 10, 70)
#: the rule's name and the sentence wrap (a nine-character rule name ran into the next column in LibreOffice)
RESULT_WRAP = frozenset({2, len(RESULT_WIDTHS) - 1})
BIRTHDAY_WIDTHS = (12, 9, 10, 26, 10, 10, 12, 14, 7, 16)
BIRTHDAY_WRAP = frozenset({3})
AGENDA_WIDTHS = (11, 10, 10, 22, 9, 9, 13, 28, 48)
AGENDA_WRAP = frozenset({3, 7, 8})


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


@dataclass(frozen=True)
class Look:
    """How kam dresses a sheet it owns so it reads and prints well: column widths, the columns whose text
    wraps, a tint per data row ("error", "warning" or None), the column holding the links, and a landscape
    print layout one page wide with the header row on every page."""

    widths: tuple[int, ...]
    wrap: frozenset[int] = frozenset()
    tints: tuple[str | None, ...] = ()
    link_col: int = 3


#: row tints of the results sheet: lighter than the cell marks, which kam recognises by their exact colour
TINT_ARGB = {"error": "FFFCE4E4", "warning": "FFFFF4D9"}
HEAD_ARGB = "FFDDEBF7"
DATE_FORMAT = "yyyy-mm-dd"  # dates as the rep writes them, whatever the machine's short-date setting


@dataclass(frozen=True)
class Dress:
    """The style numbers of a Look in one workbook: the header's, and a body cell's by tint, wrap and date."""

    head: int
    body: Mapping[tuple[str | None, bool, bool], int]


def owned_sheet_xml(rows: list[list[object]], links: list[tuple[int, str, str]], widths: tuple[int, ...],
                    namespace: str = opc.TRANSITIONAL_MAIN, rel_ns: str = opc.TRANSITIONAL_REL,
                    date_style: int | None = None) -> bytes:
    """A whole worksheet kam owns (校验结果, 生日提醒): frozen header, filter, column widths, links in column D;
    in the package's own dialect (Transitional or Strict namespaces)."""
    return b"".join(owned_sheet_pieces(rows, links, widths, namespace, rel_ns, date_style))


def owned_sheet_pieces(rows: list[list[object]], links: list[tuple[int, str, str]], widths: tuple[int, ...],
                       namespace: str = opc.TRANSITIONAL_MAIN, rel_ns: str = opc.TRANSITIONAL_REL,
                       date_style: int | None = None, look: Look | None = None,
                       dress: Dress | None = None) -> list[Piece]:
    """owned_sheet_xml as pieces, never joined: the rows are encoded a run at a time, so a 150,000-finding
    results sheet never exists as one text and one bytes object at once. With a `look` and its `dress`, the
    header is styled, rows tinted, long text wrapped, and the sheet prints landscape, one page wide."""
    column = column_letter(look.link_col if look is not None else 3)
    hyperlinks = "".join(
        f'<hyperlink ref="{column}{n}" location="{ooxml.attr_escape(loc)}" display="{ooxml.attr_escape(shown)}"/>'
        for n, loc, shown in links)
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    last = cell_address(max(len(rows), 1), len(widths) - 1)
    printed = look is not None and dress is not None
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + f'<worksheet xmlns="{namespace}" xmlns:r="{rel_ns}">'.encode()
            + (b'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if printed else b"")
            + f'<dimension ref="A1:{last}"/>'.encode()
            + b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
              b'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + f"<cols>{cols}</cols>".encode() + b"<sheetData>")
    tail = (b"</sheetData>" + f'<autoFilter ref="A1:{last}"/>'.encode()
            + (f"<hyperlinks>{hyperlinks}</hyperlinks>".encode() if links else b"")
            + (b'<printOptions gridLines="1"/>' if printed else b"")
            + b'<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
            + (b'<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>' if printed else b"")
            + b"</worksheet>")
    return [head, *_rows_xml(rows, date_style, look=look if printed else None, dress=dress), tail]


def existing_sheet(names: list[str], label: Label) -> str | None:
    """The workbook's sheet answering to one of `label`'s names (kam's own sheet from an earlier run)."""
    wanted = {norm(a) for a in label.aliases()}
    return next((n for n in names if norm(n) in wanted), None)


class Package:
    """The package parts an edit touches: read once through the package layer (parts found by
    relationships, any prefix, either dialect), changed in memory, handed to the writer as whole-part edits."""

    def __init__(self, zf: zipfile.ZipFile, listing: Inspection,
                 early: dict[str, Future[bytes]] | None = None, checker: ThreadPoolExecutor | None = None) -> None:
        self.zf = zf
        # parts being read on another thread, each taken (and let go of) when first asked for
        self.early = early if early is not None else {}
        self.checker = checker  # where the big parts kam makes are checked and deflated as soon as they are made
        self.names = set(zf.namelist())
        self.dialect = listing.dialect
        self.workbook_part = listing.workbook_part
        self.parts: dict[str, bytes | Packed] = {}
        self.workbook = self.xml(self.workbook_part)
        self.wb_rels_part = self.stored(opc.rels_part(self.workbook_part))
        self.wb_rels = self.read(self.wb_rels_part)
        self.types = self.read("[Content_Types].xml")
        self._as_read = (self.workbook, self.wb_rels, self.types)

    def stored(self, part: str) -> str:
        """The name `part` has in this package (part names are case-insensitive), else `part` itself."""
        return part if part in self.parts else (opc.find_part(self.names, part) or part)

    def read(self, part: str) -> bytes:
        """A part as stored (b"" when absent), or as changed so far."""
        part = self.stored(part)
        if part in self.parts:
            data = self.parts[part]
            if isinstance(data, Packed):
                raise RuntimeError(f"{part} was handed to the writer as it was made, and is not kept")
            return data
        if part in self.early:
            return self.early.pop(part).result()
        return self.zf.read(part) if part in self.names else b""

    def xml(self, part: str) -> bytes:
        """A SpreadsheetML part ready for kam's edits: its elements without a namespace prefix."""
        data = self.read(part)
        try:
            return opc.unprefix(data, self.dialect.main) if data else data
        except ValueError as exc:
            raise KamError("write.unsupported", file=self.zf.filename, sheet=part, detail=exc) from exc

    def made(self, part: str, data: bytes | list[Piece], keep: bool = False) -> None:
        """Set a part kam made, whole or in pieces. With a checker, an XML or VML part is handed on as it is
        made (`Packed`: checked, if XML, and deflated on the checker's threads beside the making of the next
        part, then only its deflated bytes kept) and cannot be read back; without one, or to `keep` it for
        reading back, it is kept as bytes."""
        if self.checker is not None and part.endswith((".xml", ".vml")) and not keep:
            self.parts[part] = Packed(part, [data] if isinstance(data, bytes) else data, self.checker,
                                      check=part.endswith(".xml"))  # VML drawings are not strict XML
        else:
            self.parts[part] = data if isinstance(data, bytes) else b"".join(data)

    def new_part(self, pattern: str) -> str:
        return opc.free_part_name(self.names | set(self.parts), pattern)

    def add_part(self, part: str, data: bytes | list[Piece], content_type: str) -> None:
        self.made(part, data)
        self.types = opc.ensure_content_type(self.types, part, content_type)

    def link(self, source: str, target: str, kind: str) -> str:
        """Add a relationship of `kind` from `source` to `target`; returns its id. A new .rels part gets its
        content type too (LibreOffice declares every part by Override, with no Default for .rels)."""
        rels_name = self.stored(opc.rels_part(source))
        rels = self.wb_rels if source == self.workbook_part else self.read(rels_name)
        rel_id = opc.next_rel_id(rels)
        rels = opc.add_rel(rels, rel_id, self.dialect.rel_type(kind), opc.relative(source, target))
        if source == self.workbook_part:
            self.wb_rels = rels
        else:
            self.parts[rels_name] = rels
        self.types = opc.ensure_content_type(self.types, rels_name, opc.CT_RELS)
        return rel_id

    def rels(self, part: str) -> list[opc.Rel]:
        data = self.wb_rels if part == self.workbook_part else self.read(opc.rels_part(part))
        return opc.read_rels(data, part)

    def styles(self) -> tuple[str, bytes]:
        """The styles part (created, with its relationship and content type, when the file has none)."""
        rel = next((r for r in self.rels(self.workbook_part) if r.is_a("styles") and not r.external), None)
        # a styles part kam made earlier in this run (the file had none) is found among the parts made
        found = opc.find_part(self.names | set(self.parts), rel.target) if rel is not None else None
        if found is not None:
            return found, ooxml.ensure_style_blocks(self.xml(found))
        part = "xl/styles.xml" if opc.find_part(self.names, "xl/styles.xml") is None else \
            self.new_part("xl/styles{}.xml")
        self.link(self.workbook_part, part, "styles")
        self.types = opc.ensure_content_type(self.types, part, opc.CT_STYLES)
        return part, ooxml.minimal_styles(self.dialect.main)

    def place_sheet(self, current_part: str | None, title: str, xml: bytes | list[Piece], hidden: bool = False) -> None:
        """Replace kam's sheet when it exists, else add it at the end (no sheet index shifts)."""
        if current_part is not None:
            self.made(current_part, xml)
            return
        part = self.new_part("xl/worksheets/sheet{}.xml")
        rel_id = self.link(self.workbook_part, part, "worksheet")
        self.workbook = ooxml.add_sheet_entry(self.workbook, title, rel_id, self.dialect.rel, hidden)
        self.add_part(part, xml, ooxml.CT_SHEET)

    def owned_sheet(self, current_part: str | None, title: str, rows: list[list[object]],
                    links: list[tuple[int, str, str]], widths: tuple[int, ...], hidden: bool = False,
                    date_style: int | None = None, look: Look | None = None) -> None:
        dress = self.dress(look) if look is not None else None
        self.place_sheet(current_part, title, owned_sheet_pieces(rows, links, widths, self.dialect.main,
                                                                 self.dialect.rel, date_style, look, dress), hidden)
        if look is not None:  # the header row on every printed page
            self.workbook = ooxml.set_print_titles(self.workbook, title)

    def dress(self, look: Look) -> Dress:
        """The styles a Look needs, added to the workbook's styles once: a bold header on a blue fill, and for
        each tint a plain, a wrapped and a date cell (yyyy-mm-dd), all with thin borders and centred in the row
        (top-aligned, LibreOffice sets Chinese and Latin text of one row at different heights)."""
        part, styles = self.styles()
        styles, bold = ooxml.ensure_item(styles, "fonts", b'<font><b/><sz val="11"/><name val="Calibri"/></font>')
        styles, plain = ooxml.ensure_item(styles, "fonts", b'<font><sz val="11"/><name val="Calibri"/></font>')
        side = b'<left style="thin"><color rgb="FFBFBFBF"/></left><right style="thin"><color rgb="FFBFBFBF"/></right>' \
               b'<top style="thin"><color rgb="FFBFBFBF"/></top><bottom style="thin"><color rgb="FFBFBFBF"/></bottom>'
        styles, border = ooxml.ensure_item(styles, "borders", b"<border>" + side + b"<diagonal/></border>")
        styles, date_fmt = ooxml.ensure_num_format(styles, DATE_FORMAT)
        fills: dict[str | None, int] = {None: 0}
        for tint, argb in (*TINT_ARGB.items(), ("head", HEAD_ARGB)):
            styles, fills[tint] = ooxml.ensure_fill_xml(styles, ooxml.fill_xml(argb))

        def xf(font: int, fill: int, fmt: int, wrap: bool) -> bytes:
            wrapped = ' wrapText="1"' if wrap else ""
            return (f'<xf numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0" '
                    f'applyNumberFormat="1" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">'
                    f'<alignment vertical="center"{wrapped}/></xf>').encode()

        keys = [(tint, wrap, dated) for tint in (None, *TINT_ARGB) for wrap in (False, True) for dated in (False, True)]
        wanted = [xf(bold, fills["head"], 0, True)] + [xf(plain, fills[t], date_fmt if d else 0, w) for t, w, d in keys]
        have = {x: i for i, x in reversed(list(enumerate(ooxml.cell_xfs(styles))))}
        missing = [x for x in dict.fromkeys(wanted) if x not in have]  # a second run reuses the first run's
        if missing:
            styles, first = ooxml.append_xfs(styles, missing)
            have.update({x: first + i for i, x in enumerate(missing)})
        self.parts[part] = styles
        return Dress(have[wanted[0]], {key: have[wanted[1 + i]] for i, key in enumerate(keys)})

    def date_style(self) -> int:
        """A cell style showing a date (Excel's built-in short date, number format 14), added when absent."""
        part, styles = self.styles()
        xfs = ooxml.cell_xfs(styles)
        for i, xf in enumerate(xfs):
            if re.search(rb'\bnumFmtId="14"', xf):
                if part not in self.names:
                    self.parts[part] = styles
                return i
        styles, index = ooxml.append_xfs(styles, [b'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
                                                  b'applyNumberFormat="1"/>'])
        self.parts[part] = styles
        return index

    def edits(self) -> WorkbookEdits:
        """Whole-part edits for the writer: every part kam changed or added, nothing else."""
        parts = dict(self.parts)
        names = (self.workbook_part, self.wb_rels_part, "[Content_Types].xml")
        for name, now, before in zip(names, (self.workbook, self.wb_rels, self.types), self._as_read, strict=True):
            if now != before:
                parts[name] = now
        return WorkbookEdits(parts={name: data if isinstance(data, Packed) else Replace(data)
                                    for name, data in parts.items()})


def write_owned_sheet(path: Path, label: Label, lang: str, rows: list[list[object]], widths: tuple[int, ...], *,
                      expected: str | None = None, backup: bool = True,
                      wrap: frozenset[int] = frozenset()) -> tuple[str, Path | None]:
    """Write (or replace) one kam-owned sheet, e.g. 生日提醒, through the safe writer; returns its name
    (a new sheet is named in `lang`, the language of the workbook's own headers). It is dressed to be read
    and printed: styled header, `wrap` columns wrapped, dates as yyyy-mm-dd, landscape one page wide."""
    listing = inspect(path, needed=set())
    sheet_parts = {s.name: s.part for s in listing.sheets}
    current = existing_sheet(list(sheet_parts), label)
    with zipfile.ZipFile(path) as zf:
        pkg = Package(zf, listing)
        title = current or label.text(lang)
        pkg.owned_sheet(sheet_parts.get(current) if current else None, title, rows, [], widths,
                        look=Look(widths, wrap))
        edits = pkg.edits()
    result = write_workbook(path, edits, expected=expected, backup=backup)
    return title, result.backup


def _rows_xml(rows: list[list[object]], date_style: int | None, run: int = 4096, look: Look | None = None,
              dress: Dress | None = None) -> list[bytes]:
    """The <row> elements of an owned sheet, built as text and encoded `run` rows at a time (a 30,000-finding
    results sheet is 200,000 cells: per-cell bytes and address calls were a fifth of a --mark): text as an
    inline string, whole numbers as numbers, dates (when the workbook has a date style) as real Excel dates.
    A text met before (a code, a severity, a sheet name, a fill) is escaped once. With a look, every cell
    carries its style (header, tint, wrap, date), worked out once per tint."""
    width = max((len(r) for r in rows), default=0)
    letters = [column_letter(c) for c in range(width)]
    escaped: dict[str, str] = {}
    dressed = look is not None and dress is not None
    if dressed:
        assert look is not None and dress is not None
        date_style = date_style if date_style is not None else dress.body[(None, False, True)]
        by_tint = {tint: ([f' s="{dress.body[(tint, c in look.wrap, False)]}"' for c in range(width)],
                          [f' s="{dress.body[(tint, False, True)]}"' for c in range(width)])
                   for tint in (None, *TINT_ARGB)}
        header = ([f' s="{dress.head}"'] * width, [f' s="{dress.head}"'] * width)
    plain = ([""] * width, [f' s="{date_style}"'] * width)

    def text(value: str) -> str:
        """The <t> element of a text: white space kept where it would otherwise be lost."""
        done = escaped.get(value)
        if done is None:
            keep = value == value.strip() and "\n" not in value and "  " not in value
            done = ("<t>" if keep else '<t xml:space="preserve">') + escape_text(value) + "</t>"
            if len(escaped) < 50_000:
                escaped[value] = done
        return done

    wrapped = sorted(look.wrap) if look is not None else []

    def height(r: list[object]) -> str:
        """A row tall enough for its wrapped text (LibreOffice keeps a row's stored height; Excel too, once
        a row has one): a line per column width of text, a Chinese character two widths, 15 pt a line."""
        lines = 1
        for c in wrapped:
            if c < len(r) and isinstance(r[c], str) and look is not None:
                per_line = max(int(look.widths[c] * 0.85) - 2, 6)  # LibreOffice wraps early: room to spare
                count = sum(max(1, -(-display_width(part) // per_line)) for part in str(r[c]).split("\n"))
                lines = max(lines, count)
        return "" if lines == 1 else f' ht="{15 * lines + 2}" customHeight="1"'

    def row_xml() -> Iterator[str]:
        tints = look.tints if look is not None else ()
        for i, r in enumerate(rows, start=1):
            if not dressed:
                texts, dates = plain
            elif i == 1:
                texts, dates = header
            else:
                texts, dates = by_tint[tints[i - 2] if i - 2 < len(tints) else None]
            out = [f'<row r="{i}"{height(r) if dressed and i > 1 else ""}>']
            for c, v in enumerate(r):
                ref = f"{letters[c]}{i}"
                if v.__class__ is not str:
                    if isinstance(v, date) and date_style is not None:  # a real Excel date: the serial, formatted
                        out.append(f'<c r="{ref}"{dates[c]}><v>{(v - date(1899, 12, 30)).days}</v></c>')
                        continue
                    if isinstance(v, int):
                        out.append(f'<c r="{ref}"{texts[c]}><v>{v}</v></c>')
                        continue
                    v = str(v)
                out.append(f'<c r="{ref}"{texts[c]} t="inlineStr"><is>{text(v)}</is></c>')
            out.append("</row>")
            yield "".join(out)

    return encode_runs(row_xml(), run)


KAM_ARGB = set(FILL.values())
MARKS_WIDTHS = (16, 8, 10, 60)


class StyleBook:
    """The cell styles of a workbook while kam marks it: kam's style for a cell's own style and severity,
    and the way back (the cell's current style with its own fill again), each created once, on first use."""

    def __init__(self, styles: bytes) -> None:
        self.styles = styles
        self.xfs = ooxml.cell_xfs(styles)
        self.stored = len(self.xfs)
        self._made: dict[tuple[int, bytes], int] = {}
        self._canon: dict[bytes, int] = {}
        self._fills = ooxml.fills(styles)  # parsed once; refreshed only when a fill is added
        self._own: dict[int, tuple[bytes, str, str]] = {}  # style -> its fill as recorded (fills never change)

    def xf(self, i: int) -> bytes:
        return self.xfs[i] if 0 <= i < len(self.xfs) else (self.xfs[0] if self.xfs else b'<xf numFmtId="0"/>')

    def fill_of(self, i: int) -> bytes:
        fid = ooxml.xf_fill(self.xf(i))
        return self._fills[fid] if 0 <= fid < len(self._fills) else ooxml.DEFAULT_FILLS[0]

    def own_fill(self, i: int) -> tuple[bytes, str, str]:
        """The fill of style `i` as the marks sheet records it: XML, colour column, XML as text (once per
        style: a marked sheet has a handful of styles and 30,000 marked cells)."""
        known = self._own.get(i)
        if known is None:
            fill = self.fill_of(i)
            known = self._own[i] = (fill, _fill_colour(fill), fill.decode())
        return known

    def is_kam(self, i: int) -> bool:
        return ooxml.fill_rgb(self.fill_of(i)) in KAM_ARGB

    def with_fill(self, i: int, fill: bytes) -> int:
        """The style `i` with `fill` instead of its own (an existing identical style is reused)."""
        key = (i, fill)
        if key not in self._made:
            self.styles, fid = ooxml.ensure_fill_xml(self.styles, fill)
            if fid >= len(self._fills):
                self._fills = ooxml.fills(self.styles)
            if ooxml.xf_fill(self.xf(i)) == fid and 0 <= i < len(self.xfs):
                self._made[key] = i
            else:
                new = ooxml.with_fill(self.xf(i), fid)
                same = self._canonical().get(new)  # e.g. the cell's own style when kam's fill comes off
                if same is None:
                    same = len(self.xfs)
                    self.xfs.append(new)
                    self._canon[new] = same
                self._made[key] = same
        return self._made[key]

    def _canonical(self) -> dict[bytes, int]:
        """Each style written as `with_fill` writes it (fillId and applyFill last) -> its first index."""
        if not self._canon:
            for n, xf in enumerate(self.xfs):
                self._canon.setdefault(ooxml.with_fill(xf, ooxml.xf_fill(xf)), n)
        return self._canon

    def result(self) -> bytes:
        if len(self.xfs) == self.stored:
            return self.styles
        return ooxml.append_xfs(self.styles, self.xfs[self.stored:])[0]


def _own_fill(rgb: object, xml: object) -> bytes:
    """The fill a cell had before kam marked it, from the marks sheet (the fill XML kam recorded; else the
    colour the Excel buttons record: RGB hex, or "none")."""
    text = str(xml or "").strip()
    if text.startswith("<fill"):
        return text.encode()
    colour = str(rgb or "").strip().upper()
    if len(colour) == 6 and all(c in "0123456789ABCDEF" for c in colour):
        return ooxml.fill_xml("FF" + colour)
    return ooxml.DEFAULT_FILLS[0]


def _fill_colour(fill: bytes) -> str:
    """How the marks sheet shows a fill in its colour column: RGB hex for a solid fill, else "none"."""
    argb = ooxml.fill_rgb(fill)
    return argb[2:] if argb else "none"


def _recorded_marks(path: Path, part_listed: bool) -> dict[str, dict[tuple[int, int], bytes]]:
    """sheet -> {(row, 0-based col): own fill} from the hidden marks sheet (any producer's re-save of it)."""
    if not part_listed:
        return {}
    from python_calamine import CalamineWorkbook

    inspect(path, needed={MARKS_SHEET})  # bound the sheet before calamine allocates it
    try:
        grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(MARKS_SHEET).to_python()
    except Exception:  # an unreadable record means nothing to restore, never a failed run
        return {}
    out: dict[str, dict[tuple[int, int], bytes]] = defaultdict(dict)
    for row in grid[1:]:
        cells = list(row) + [None] * 4
        where = parse_address(str(cells[1] or ""))
        if cells[0] and where is not None:
            out[str(cells[0])][where] = _own_fill(cells[2], cells[3])
    return out


def _marks_of(names: list[str], by_sheet: Mapping[str, dict[int, dict[int, str]]],
              notes: Mapping[tuple[str, int, int], str]) -> tuple[dict[int, dict[int, str]], Callable[[int, int], str]]:
    """The marks of one sheet part ({row: {col: severity}}) and the note of each marked cell: the sheet's own,
    or, for a part several sheet names point at, theirs together (worst severity, notes one after another)."""
    if len(names) == 1:
        return by_sheet.get(names[0], {}), lambda row, col: notes[(names[0], row, col)]
    marks: dict[int, dict[int, str]] = defaultdict(dict)
    said: dict[tuple[int, int], list[str]] = defaultdict(list)
    for name in names:
        for row, cols in by_sheet.get(name, {}).items():
            for col, severity in cols.items():
                if MARK_RANK[severity] > MARK_RANK.get(marks[row].get(col, ""), 0):
                    marks[row][col] = severity
                note = notes[(name, row, col)]
                said[(row, col)].append(note if not said[(row, col)] else note.removeprefix(NOTE_PREFIX + "\n"))
    return dict(marks), lambda row, col: "\n".join(said[(row, col)])


@dataclass
class _Notes:
    """What marking one sheet part's notes came to."""

    legacy_rel: str | None  # the relationship of a VML drawing made for the sheet, for its <legacyDrawing>
    added: int
    skipped: list[str]
    next_block: int  # the next free shape-id block for a new VML drawing


def _mark_notes(pkg: Package, part: str, sheet: str, marks: Mapping[int, Mapping[int, str]],
                note_of: Callable[[int, int], str], shared: Counter[str | None], next_block: int) -> _Notes:
    """Take kam's earlier notes off one sheet part and put a note on each cell it marks (a cell holding
    another note keeps it, and is listed as skipped); the comments and VML parts are made at once. A part
    two sheets share (`shared` counts them) is kept whole, to be read back."""
    rel_list = pkg.rels(part)
    comments_rel = next((r for r in rel_list if r.is_a("comments")), None)
    vml_rel = next((r for r in rel_list if r.is_a("vmlDrawing")), None)
    comments_part = opc.find_part(pkg.names, comments_rel.target) if comments_rel else None
    vml_part = opc.find_part(pkg.names, vml_rel.target) if vml_rel else None
    comments = pkg.xml(comments_part) if comments_part else b""
    vml = pkg.read(vml_part) if vml_part else b""
    new_comments, removed = ooxml.remove_kam_comments(comments, NOTE_PREFIX) if comments else (comments, [])
    taken = ooxml.comment_refs(new_comments) if new_comments else {}
    if vml and vml_part and shared[vml_part] <= 1:  # one shape per remaining comment, whoever wrote the VML
        new_vml = ooxml.keep_note_shapes(vml, set(taken))
    else:
        new_vml = ooxml.remove_note_shapes(vml, removed) if removed and vml else vml
    comments_out: bytes | list[Piece] = new_comments
    vml_out: bytes | list[Piece] = new_vml
    legacy_rel = None
    add: dict[str, str] = {}
    skipped: list[str] = []
    for row, cols in marks.items():
        for col in cols:
            ref = cell_address(row, col)
            if ref in taken:
                skipped.append(f"{sheet}!{ref}")
            else:
                add[ref] = note_of(row, col)
    if add:
        if comments_part is None:
            comments_part = pkg.new_part("xl/comments{}.xml")
            pkg.link(part, comments_part, "comments")
            pkg.types = opc.ensure_content_type(pkg.types, comments_part, ooxml.CT_COMMENTS)
            new_comments = ooxml.empty_comments(pkg.dialect.main)
        if vml_part is None:
            vml_part = pkg.new_part("xl/drawings/vmlDrawing{}.vml")
            legacy_rel = pkg.link(part, vml_part, "vmlDrawing")
            pkg.types = opc.ensure_content_type(pkg.types, vml_part, ooxml.CT_VML)
        comments_out = ooxml.add_comment_pieces(new_comments, add)
        if not new_vml:
            new_vml, next_block = ooxml.empty_vml(next_block), next_block + 1
        placed = [(w, ooxml.note_size(text)) for r, text in add.items() if (w := parse_address(r))]
        vml_out = ooxml.add_note_shape_pieces(new_vml, [w for w, _ in placed], sizes=[size for _, size in placed])
    if comments_part and (comments_out is not new_comments or new_comments != comments):
        pkg.made(comments_part, comments_out, keep=shared[comments_part] > 1)
    if vml_part and (vml_out is not new_vml or new_vml != vml):
        pkg.made(vml_part, vml_out, keep=shared[vml_part] > 1)
    return _Notes(legacy_rel, len(add), skipped, next_block)


def mark_workbook(path: Path, book: WorkbookData, report: ValidationReport, lang: str, *,
                  expected: str | None = None, backup: bool = True, release: bool = False,
                  said: list[str] | None = None) -> MarkResult:
    """Undo kam's previous marks, then mark `report`'s findings and (re)write the results sheet. With
    `release`, the rows of `book` are let go before the plan is made (the command line needs them no more,
    and on a 500,000-visit workbook the plan and the rewritten sheets reuse their memory). `said`:
    the findings' sentences in `lang`, when the caller rendered them already."""
    listing = inspect(path, needed=set())
    sheet_parts = {s.name: s.part for s in listing.sheets}
    results_name = existing_sheet(list(sheet_parts), RESULTS)
    with zipfile.ZipFile(path) as zf, ThreadPoolExecutor(max_workers=2) as pool:
        # the sheets to mark are inflated beside the planning (zlib lets go of the GIL): 0.1 s on 100,000 visits;
        # then each part kam makes is checked and deflated on this pool while the next is made (Package.made)
        names = set(zf.namelist())
        marked = {f.sheet for f in report.findings if isinstance(f.sheet, str)}
        early = {part: pool.submit(zf.read, part) for name, part in sheet_parts.items()
                 if name in marked and part in names}
        if release:  # the plan needs each sheet's name, header row and columns, not its rows
            for table in book.sheets.values():
                table.rows = []
        plan = mark_plan(book, report, lang, skip_sheet=results_name, said=said)
        recorded = _recorded_marks(path, MARKS_SHEET in sheet_parts)
        pkg = Package(zf, listing, early, checker=pool)

        # the results sheet first: its pieces are checked and deflated while the sheets are patched (made after
        # them, they waited beside the patched sheets for the workers: 100 MB more at 500,000 visits)
        title = results_name or RESULTS.text(workbook_language(book))
        pkg.owned_sheet(sheet_parts.get(results_name) if results_name else None, title, plan.rows, plan.links,
                        RESULT_WIDTHS, look=Look(RESULT_WIDTHS, RESULT_WRAP, plan.tints, LINK_COL))
        plan.rows, plan.links = [], []
        styles_part, styles = pkg.styles()  # after the results sheet's own styles were added
        sb = StyleBook(styles)
        kam_fill = {sev: ooxml.fill_xml(argb) for sev, argb in FILL.items()}
        by_sheet: dict[str, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
        for (sheet, row, col), sev in plan.severity.items():
            by_sheet[sheet][row][col] = sev
        noted = 0
        skipped: list[str] = []
        record: list[list[object]] = [list(MARKS_HEAD)]
        blocks = [b for name in pkg.names if name.lower().endswith(".vml") for b in ooxml.idmap_blocks(pkg.read(name))]
        next_block = max(blocks, default=0) + 1
        # each sheet part is marked once: a part two sheet names point at (only a crafted file does that) takes
        # the marks of all of them; a comments or VML part two sheets share is kept whole, to be read back,
        # instead of being handed on as it is made
        names_of: dict[str, list[str]] = defaultdict(list)
        for sheet, part in sheet_parts.items():
            if sheet not in (results_name, MARKS_SHEET) and part:
                names_of[part].append(sheet)
        rels_of = {part: pkg.rels(part) for part in names_of}  # as stored: a sheet's own links come in its turn
        notes_parts = Counter(opc.find_part(pkg.names, r.target) for rels in rels_of.values() for r in rels
                              if r.is_a("comments") or r.is_a("vmlDrawing"))
        for part, sheet_names in names_of.items():
            sheet = sheet_names[0]
            marks, note_of = _marks_of(sheet_names, by_sheet, plan.notes)
            undo = {cell: own for name in sheet_names for cell, own in recorded.get(name, {}).items()}
            if not marks and not undo and not any(r.is_a("comments") for r in rels_of[part]):
                continue
            xml = pkg.xml(part)
            # the notes first: their parts are checked and deflated while this sheet is patched
            notes = _mark_notes(pkg, part, sheet, marks, note_of, notes_parts, next_block)
            noted += notes.added
            skipped += notes.skipped
            next_block = notes.next_block
            edits: dict[int, dict[int, CellValue]] = defaultdict(dict)
            cells = {(r, c) for r, cols in marks.items() for c in cols} | set(undo)
            for row, col in cells:
                own = undo.get((row, col))
                severity = marks.get(row, {}).get(col)

                def remap(current: int, own: bytes | None = own, sev: str | None = severity,
                          where: tuple[int, int] = (row, col), sheet: str = sheet) -> int:
                    back = sb.with_fill(current, own) if own is not None and sb.is_kam(current) else current
                    if sev is None:
                        return back
                    _fill, colour, fill_text = sb.own_fill(back)
                    record.append([sheet, cell_address(*where), colour, fill_text])
                    return sb.with_fill(back, kam_fill[sev])

                edits[row][col] = Style(remap=remap)
            # the patched sheet stays in pieces, most of them views into the original: never joined, they are
            # checked and deflated as they stand (Package.made), and the original goes once that is done
            patched: list[Piece] = patch_pieces(xml, edits)[0] if edits else [xml]
            changed = bool(edits)
            del xml
            if notes.legacy_rel is not None:
                patched[-1] = ooxml.insert_legacy_drawing(bytes(patched[-1]), notes.legacy_rel, pkg.dialect.rel)
                changed = True
            if changed:
                pkg.made(part, patched)
            del patched, edits  # the pieces are the writer's threads' now (they hold the original sheet)
        new_styles = sb.result()
        if new_styles != pkg.read(styles_part) or styles_part not in pkg.names:
            pkg.parts[styles_part] = new_styles
        if len(record) > 1 or MARKS_SHEET in sheet_parts:
            pkg.owned_sheet(sheet_parts.get(MARKS_SHEET), MARKS_SHEET, record, [], MARKS_WIDTHS, hidden=True)
        edits_out = pkg.edits()
        result = write_workbook(path, edits_out, expected=expected, backup=backup)
    return MarkResult(path, title, len(plan.severity), noted, result.backup, skipped)
