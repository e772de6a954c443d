"""`kam excel build OUT.xlsm` and `kam excel addin OUT.xlam`: the thin COM adapter applying `plan.py`
through xlwings. Windows with Excel only: it imports VBA (Excel's Trust Center → "Trust access to the VBA
project object model"), and on macOS `book.api` has no VBProject nor form buttons (xlwings issue 2295); a
file built on Windows works on macOS for the buttons (after `xlwings runpython install`)."""

from __future__ import annotations

import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from addin.errors import KamError
from addin.excel.plan import (
    ADDIN_CONF_SHEET,
    ADDIN_SOURCE,
    BUTTONS,
    CONTROL_SHEET,
    HELP_LINES,
    MODULES,
    STAMP_NAME,
    STANDALONE_MODULES,
    STANDALONE_SOURCE,
    UDF_MODULE,
    XLWINGS_ADDIN,
    XLWINGS_CONF,
)

VBEXT_STD_MODULE, VBEXT_CLASS_MODULE = 1, 2


def can_build() -> bool:
    return sys.platform == "win32"


def _need_windows() -> None:
    if not can_build():
        raise KamError("excel.needs_excel", system=platform.system() or sys.platform)


def xlwings_file(name: str) -> Path:
    """A file shipped inside the installed xlwings package (its quickstart workbooks and add-ins)."""
    import xlwings

    return Path(xlwings.__file__).with_name(name)


#: what the COM application answering "Excel.Application" calls itself when it is Microsoft Excel (WPS
#: registers itself under the same ProgID where both are installed and names itself ET / WPS 表格)
EXCEL_NAME = "Microsoft Excel"


def must_be_excel(app: Any) -> None:
    """Refuse, in one sentence, to build with a COM application that is not Microsoft Excel (e.g. WPS)."""
    name = str(getattr(app.api, "Name", "") or "")
    if name != EXCEL_NAME:
        path = str(getattr(app.api, "Path", "") or "")
        raise KamError("excel.not_excel", name=name or "?", path=path or "?")


def stamp(book: Any) -> None:
    """Write the xlwings version this file's VBA and DLL belong to (checked by every button, see macros)."""
    import xlwings

    book.names.add(STAMP_NAME, f'="{xlwings.__version__}"')


RIBBON_PART = "customUI/customUI.xml"
RIBBON_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"


def with_ribbon(data: bytes) -> bytes:
    """The add-in package with kam's ribbon tab as its customUI part (xlwings' own tab replaced, or the part and
    its package relationship added); every other part copied as it is, the VBA project untouched."""
    import io
    import re
    import zipfile

    from addin.excel.plan import ribbon_xml

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for info in src.infolist():
            part = src.read(info)
            if info.filename == RIBBON_PART:
                part = ribbon_xml()
            elif info.filename == "_rels/.rels" and RIBBON_PART not in names:
                rel = f'<Relationship Id="rIdKamRibbon" Type="{RIBBON_REL}" Target="{RIBBON_PART}"/>'.encode()
                part = re.sub(rb"</Relationships>\s*$", rel + b"</Relationships>", part)
            dst.writestr(info, part)
        if RIBBON_PART not in names:
            dst.writestr(RIBBON_PART, ribbon_xml())
    return out.getvalue()


def _import_kam_modules(project: Any) -> None:
    from addin.macros import BAS

    for module in MODULES:
        project.VBComponents.Import(str(BAS.with_name(module)))


def _copy_modules(source_project: Any, project: Any, names: tuple[str, ...], work: Path) -> None:
    """Export modules from one VBA project and import them into another (the only way VBA copies code)."""
    for name in names:
        component = source_project.VBComponents(name)
        ext = ".cls" if component.Type == VBEXT_CLASS_MODULE else ".bas"
        path = work / (name + ext)
        component.Export(str(path))
        project.VBComponents.Import(str(path))


def build_macro_workbook(out: Path, lang: str = "zh", standalone: bool = False,
                         manager: bool = False) -> Path:  # pragma: no cover
    """Open the template in Excel, add the VBA (a reference to the xlwings add-in, or xlwings' own modules),
    the 操作 sheet and its buttons, and save as .xlsm. `manager`: the template with the 目标 sheet 汇总 reads."""
    _need_windows()
    import xlwings as xw

    from addin.workbook_templates.builder import build_workbook, template_path

    work = Path(tempfile.mkdtemp(prefix="kam-build-"))
    if manager:
        build_workbook(work / "template.xlsx", lang, manager=True)
    else:
        shutil.copy(template_path(lang), work / "template.xlsx")
    app = xw.App(visible=False, add_book=False)
    try:
        must_be_excel(app)
        book = app.books.open(str(work / "template.xlsx"))
        project = book.api.VBProject
        if standalone:
            source = app.books.open(str(xlwings_file(STANDALONE_SOURCE)))
            _copy_modules(source.api.VBProject, project, STANDALONE_MODULES, work)
            source.close()
        else:
            addin = Path(app.startup_path) / XLWINGS_ADDIN
            if not addin.exists():
                raise KamError("excel.no_xlwings_addin", path=addin)
            project.References.AddFromFile(str(addin))
        _import_kam_modules(project)
        sheet = book.sheets.add(CONTROL_SHEET, before=book.sheets[0])
        for i, line in enumerate(HELP_LINES, start=1):
            sheet.range((i, 1)).value = "'" + line
        for b in BUTTONS:
            shape = sheet.api.Buttons().Add(b.left, b.top + 80, b.width, b.height)
            shape.Caption = b.caption
            shape.OnAction = b.macro
        stamp(book)
        book.save(str(out))
    finally:
        app.quit()
    return out


def build_addin(out: Path) -> Path:  # pragma: no cover
    """The kam add-in: xlwings' own add-in quickstart (RunPython without a reference), its xlwings.conf sheet
    pointing at kam's cell functions, the functions' VBA wrappers written by xlwings' own `import_udfs`
    (an .xlam's wrappers call ActiveWorkbook), and the button macros. Reps' workbooks stay .xlsx."""
    _need_windows()
    import xlwings as xw
    from xlwings.udfs import import_udfs

    shutil.copy(xlwings_file(ADDIN_SOURCE), out)
    app = xw.App(visible=False, add_book=False)
    try:
        must_be_excel(app)
        book = app.books.open(str(out))
        conf = book.sheets[ADDIN_CONF_SHEET]
        keys = [str(k or "").upper() for k in conf.range("A1:A20").value]
        for key, value in XLWINGS_CONF:
            row = keys.index(key.upper()) + 1 if key.upper() in keys else keys.index("") + 1
            conf.range((row, 1)).value = [[key, value]]
        import_udfs(UDF_MODULE, book.api)
        _import_kam_modules(book.api.VBProject)
        stamp(book)
        book.save()
    finally:
        app.quit()
    out.write_bytes(with_ribbon(out.read_bytes()))  # the kam tab: reps who load only kam.xlam see the buttons
    return out
