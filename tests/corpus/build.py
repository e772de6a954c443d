"""A corpus of kam workbooks as other programs write them, for the write-path tests (SPEC §7).

Producers: XlsxWriter (kam's template builder), openpyxl (load + save), LibreOffice Calc (files/*-libreoffice*),
exceljs and SheetJS (files/*-exceljs*, files/*-sheetjs*: written by tests/corpus/make_js_producers.mjs from
the grid in files/grid-*.json; committed, since Node is not needed to run the tests). Every base file holds
the same small team (12 accounts) in Chinese or English.

Variants, applied to each base the way real producers differ (FIELD-NOTES: what 1,950 public test files
showed): namespace prefixes (ClosedXML's `<x:sheets>`), Strict OOXML (purl.oclc.org namespaces), no styles
part, a styles part without <fills>, content types declared per part only (LibreOffice), part names in
other case (`Sheet1.xml`), the workbook part away from xl/workbook.xml (found through _rels/.rels), an
Excel 4 macro sheet (.xlsm), and an unrelated English "Contacts" sheet.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

FILES = Path(__file__).with_name("files")
TODAY = date(2026, 11, 22)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"

Members = dict[str, bytes]


def small_demo() -> dict[str, list[dict[str, object]]]:
    """The demo team cut to 12 accounts (every sheet's rows for them)."""
    from addin.core.demo import make_demo

    rows = make_demo(TODAY).rows
    keep = {r["customer_id"] for r in rows["customers"][:12]}
    return {k: [r for r in v if k == "settings" or r.get("customer_id") in keep] for k, v in rows.items()}


def xlsxwriter_base(path: Path, lang: str) -> Path:
    from addin.workbook_templates.builder import build_workbook

    build_workbook(path, lang, small_demo())
    return path


def openpyxl_base(path: Path, lang: str, work: Path) -> Path:
    import openpyxl

    wb = openpyxl.load_workbook(xlsxwriter_base(work / f"src-{lang}.xlsx", lang))
    wb.save(path)
    return path


def grid(path: Path) -> dict[str, list[list[object]]]:
    """Sheet name -> rows of values (dates as {"d": ISO}), for the JS producers."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        out[ws.title] = [[{"d": v.date().isoformat()} if isinstance(v, datetime) else
                          {"d": v.isoformat()} if isinstance(v, date) else v for v in row]
                         for row in ws.iter_rows(values_only=True)]
    return out


def _members(path: Path) -> Members:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.filename.endswith("/")}


def _write(path: Path, members: Members) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        order = ["[Content_Types].xml"] + [n for n in members if n != "[Content_Types].xml"]
        for name in order:
            z.writestr(name, members[name])
    path.write_bytes(buf.getvalue())
    return path


def _book_part(m: Members) -> str:
    rel = re.search(rb'Type="[^"]*/officeDocument"[^>]*Target="/?([^"]+)"', m["_rels/.rels"]) or \
        re.search(rb'Target="/?([^"]+)"[^>]*Type="[^"]*/officeDocument"', m["_rels/.rels"])
    return rel.group(1).decode() if rel else "xl/workbook.xml"


def _main_parts(m: Members) -> list[str]:
    return [n for n, d in m.items() if n.endswith(".xml") and f'xmlns="{MAIN}"'.encode() in d[:2000]]


def prefixed(m: Members) -> Members:
    """Every SpreadsheetML part with its elements written as x:name (as ClosedXML and others write)."""
    out = dict(m)
    for name in _main_parts(m):
        data = m[name].replace(f'xmlns="{MAIN}"'.encode(), f'xmlns:x="{MAIN}"'.encode(), 1)
        data = re.sub(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", rb"<\1x:\2", data)
        out[name] = data
    return out


def strict(m: Members) -> Members:
    """The package in Strict OOXML's namespaces (Excel's "Strict Open XML Spreadsheet")."""
    out = {}
    for name, data in m.items():
        if name.endswith((".xml", ".rels")):
            data = data.replace(MAIN.encode(), STRICT_MAIN.encode()).replace(REL.encode(), STRICT_REL.encode())
        out[name] = data
    book = _book_part(out)
    out[book] = re.sub(rb"(<(?:\w+:)?workbook\b)", rb'\1 conformance="strict"', out[book], count=1)
    return out


def _drop_rel(m: Members, source_rels: str, kind: str) -> tuple[Members, str | None]:
    rels = m[source_rels]
    found = re.search(rb'<Relationship\b[^>]*Type="[^"]*/' + kind.encode() + rb'"[^>]*/>', rels)
    if not found:
        return m, None
    target = re.search(rb'Target="([^"]+)"', found.group(0)).group(1).decode()  # type: ignore[union-attr]
    out = dict(m)
    out[source_rels] = rels.replace(found.group(0), b"")
    return out, target


def no_styles(m: Members) -> Members:
    book = _book_part(m)
    rels = book.rsplit("/", 1)[0] + "/_rels/" + book.rsplit("/", 1)[1] + ".rels"
    out, target = _drop_rel(m, rels, "styles")
    if target:
        part = (book.rsplit("/", 1)[0] + "/" + target) if not target.startswith("/") else target.lstrip("/")
        out.pop(part, None)
        out["[Content_Types].xml"] = re.sub(rb'<Override PartName="/' + re.escape(part.encode()) + rb'"[^>]*/>', b"",
                                           out["[Content_Types].xml"])
    for name in list(out):  # without styles, no cell may name a style
        if "/worksheets/" in name and name.endswith(".xml"):
            out[name] = re.sub(rb'\ss="\d+"', b"", out[name])
    return out


def no_fills(m: Members) -> Members:
    out = dict(m)
    for name in out:
        if name.endswith("styles.xml"):
            out[name] = re.sub(rb"<fills\b.*?</fills>", b"", out[name], flags=re.S)
            out[name] = re.sub(rb'\sfillId="\d+"', b"", out[name])
    return out


def overrides_only(m: Members) -> Members:
    """Content types declared part by part, with no Default for xml or rels (as LibreOffice writes)."""
    out = dict(m)
    types = out["[Content_Types].xml"]
    defaults = dict(re.findall(rb'<Default Extension="([^"]+)" ContentType="([^"]+)"/>', types))
    overrides = {o for o in re.findall(rb'PartName="/([^"]+)"', types)}
    extra = b""
    for name in m:
        ext = name.rsplit(".", 1)[-1].encode()
        if name != "[Content_Types].xml" and name.encode() not in overrides and ext in (b"rels", b"xml"):
            extra += b'<Override PartName="/' + name.encode() + b'" ContentType="' + defaults[ext] + b'"/>'
    types = re.sub(rb'<Default Extension="(?:rels|xml)"[^>]*/>', b"", types)
    out["[Content_Types].xml"] = types.replace(b"</Types>", extra + b"</Types>")
    return out


def _rename(m: Members, old: str, new: str) -> Members:
    out = {}
    old_rel, new_rel = old.split("/")[-1].encode(), new.split("/")[-1].encode()
    for name, data in m.items():
        if name.endswith((".rels", "[Content_Types].xml")):
            data = data.replace(b"/" + old_rel + b'"', b"/" + new_rel + b'"').replace(b'"' + old_rel + b'"',
                                                                                     b'"' + new_rel + b'"')
            data = data.replace(("/" + old).encode(), ("/" + new).encode())
        out[new if name == old else name] = data
    return out


def upper_case_parts(m: Members) -> Members:
    """Worksheet part names in another case (Sheet1.xml): kam's new sheet1.xml would clash."""
    out = m
    for name in [n for n in m if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]:
        out = _rename(out, name, name.replace("/sheet", "/Sheet"))
    return out


def workbook_elsewhere(m: Members) -> Members:
    """The workbook part at xl/main.xml, found only through _rels/.rels."""
    out = {}
    for name, data in m.items():
        if name == "xl/workbook.xml":
            name = "xl/main.xml"
        elif name == "xl/_rels/workbook.xml.rels":
            name = "xl/_rels/main.xml.rels"
        elif name in ("_rels/.rels", "[Content_Types].xml"):
            data = data.replace(b"xl/workbook.xml", b"xl/main.xml")
        out[name] = data
    return out


def macro_sheet(m: Members) -> Members:
    """An Excel 4 macro sheet beside the worksheets (saved as .xlsm)."""
    out = dict(m)
    book = _book_part(m)
    rels_name = book.rsplit("/", 1)[0] + "/_rels/" + book.rsplit("/", 1)[1] + ".rels"
    out["xl/macrosheets/sheet1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xm:macrosheet '
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1">'
        b"<f>RETURN()</f></c></row></sheetData></xm:macrosheet>")
    out[rels_name] = out[rels_name].replace(
        b"</Relationships>", b'<Relationship Id="rIdXlm" Type="http://schemas.microsoft.com/office/2006/relationships/'
        b'xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>')
    out[book] = re.sub(rb"(</(?:\w+:)?sheets>)", rb'<sheet xmlns:r="' + REL.encode() + rb'" name="Macro1" '
                       rb'sheetId="99" r:id="rIdXlm"/>\1', out[book], count=1)
    types = out["[Content_Types].xml"].replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml."
                                               b"sheet.main+xml", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    out["[Content_Types].xml"] = types.replace(
        b"</Types>", b'<Override PartName="/xl/macrosheets/sheet1.xml" '
        b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>')
    return out


def contacts_sheet(m: Members) -> Members:
    """An unrelated sheet named "Contacts" (a phone list), which kam must not adopt or mark (an English base
    has kam's own Contacts sheet: there it is "Buying influences", another English name of that sheet)."""
    out = dict(m)
    book = _book_part(m)
    title = "Contacts" if b'name="Contacts"' not in m[book] else "Buying influences"
    rels_name = book.rsplit("/", 1)[0] + "/_rels/" + book.rsplit("/", 1)[1] + ".rels"
    out["xl/worksheets/phonelist.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Email</t></is>'
        '</c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Front desk</t></is></c><c r="B2" t="inlineStr"><is>'
        "<t>desk@example.com</t></is></c></row></sheetData></worksheet>").encode()
    out[rels_name] = out[rels_name].replace(
        b"</Relationships>", f'<Relationship Id="rIdPhone" Type="{REL}/worksheet" '
        'Target="worksheets/phonelist.xml"/></Relationships>'.encode())
    out[book] = re.sub(rb"(</(?:\w+:)?sheets>)", f'<sheet xmlns:r="{REL}" name="{title}" sheetId="98" '
                       'r:id="rIdPhone"/>'.encode() + rb"\1", out[book], count=1)
    out["[Content_Types].xml"] = out["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/worksheets/phonelist.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.worksheet+xml"/></Types>')
    return out


VARIANTS: dict[str, Callable[[Members], Members]] = {
    "as-saved": lambda m: m,
    "prefixed": prefixed,
    "strict": strict,
    "no-styles": no_styles,
    "no-fills": no_fills,
    "overrides-only": overrides_only,
    "upper-case-parts": upper_case_parts,
    "workbook-elsewhere": workbook_elsewhere,
    "macro-sheet": macro_sheet,
    "contacts-sheet": contacts_sheet,
}


def bases(work: Path) -> dict[str, Path]:
    """The base workbook of every producer present: XlsxWriter and openpyxl made now, LibreOffice, exceljs
    and SheetJS from the committed files."""
    out = {}
    for lang in ("zh", "en"):
        out[f"xlsxwriter-{lang}"] = xlsxwriter_base(work / f"xlsxwriter-{lang}.xlsx", lang)
        out[f"openpyxl-{lang}"] = openpyxl_base(work / f"openpyxl-{lang}.xlsx", lang, work)
    for path in sorted(FILES.glob("*.xlsx")):
        out[path.stem] = path
    return out


def build_corpus(work: Path) -> list[Path]:
    """Every base × every variant, written into `work`."""
    made = []
    for name, base in bases(work).items():
        members = _members(base)
        for variant, change in VARIANTS.items():
            ext = ".xlsm" if variant == "macro-sheet" else ".xlsx"
            made.append(_write(work / f"{name}--{variant}{ext}", change(members)))
    return made


def refresh_committed(work: Path) -> None:  # pragma: no cover (run by hand: python -m tests.corpus.build)
    """Regenerate files/: LibreOffice's re-save of the XlsxWriter base, and the grids for the JS producers
    (then run `node tests/corpus/make_js_producers.mjs` with exceljs and xlsx installed)."""
    for lang in ("zh", "en"):
        src = xlsxwriter_base(work / f"kam-{lang}.xlsx", lang)
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(work / 'lo').as_uri()}",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work / "lo-out"), str(src)],
                       check=True, capture_output=True, timeout=300)
        shutil.copy(work / "lo-out" / src.name, FILES / f"libreoffice-{lang}.xlsx")
        (FILES / f"grid-{lang}.json").write_text(json.dumps(grid(src), ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    import tempfile

    refresh_committed(Path(tempfile.mkdtemp()))
