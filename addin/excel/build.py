"""`kam excel build OUT.xlsm`: the thin COM adapter applying `plan.py` through xlwings (Windows/macOS with
Excel only; needs "Trust access to the VBA project object model" in Excel's Trust Center)."""

from __future__ import annotations

import platform
import shutil
import sys
import tempfile
from pathlib import Path

from addin.errors import KamError
from addin.excel.plan import BUTTONS, CONTROL_SHEET, HELP_LINES, MODULES


def can_build() -> bool:
    return sys.platform in ("win32", "darwin")


def build_macro_workbook(out: Path, lang: str = "zh", standalone: bool = False) -> Path:  # pragma: no cover
    """Open the template in Excel, import the VBA modules, add the 操作 sheet and its buttons, save .xlsm."""
    if not can_build():
        raise KamError("excel.needs_excel", system=platform.system() or sys.platform)
    import xlwings as xw

    from macros import BAS
    from workbook_templates.builder import template_path

    work = Path(tempfile.mkdtemp(prefix="kam-build-")) / "template.xlsx"
    shutil.copy(template_path(lang), work)
    app = xw.App(visible=False, add_book=False)
    try:
        book = app.books.open(str(work))
        project = book.api.VBProject
        for module in MODULES:
            project.VBComponents.Import(str(BAS.with_name(module)))
        if standalone:
            import xlwings

            project.VBComponents.Import(str(Path(xlwings.__file__).with_name("xlwings.bas")))
        sheet = book.sheets.add(CONTROL_SHEET, before=book.sheets[0])
        for i, line in enumerate(HELP_LINES, start=1):
            sheet.range((i, 1)).value = line
        for b in BUTTONS:
            shape = sheet.api.Buttons().Add(b.left, b.top + 80, b.width, b.height)
            shape.Caption = b.caption
            shape.OnAction = b.macro
        book.save(str(out))
    finally:
        app.quit()
    return out
