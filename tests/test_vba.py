"""The VBA side without Excel: kam.bas as Excel's import expects it, compiled and run by LibreOffice Basic
(VBA mode) with a stub RunPython, and what the builds take from xlwings' own shipped files (read with olevba
and openpyxl). Real parts: LibreOffice Basic; xlwings' quickstart workbook and add-in; oletools."""

import html
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from addin.excel.build import xlwings_file
from addin.excel.plan import (
    ADDIN_CONF_SHEET,
    ADDIN_SOURCE,
    BUTTONS,
    STANDALONE_MODULES,
    STANDALONE_SOURCE,
    XLWINGS_CONF,
)
from addin.macros import BAS
from tests.conftest import needs_soffice


def test_kam_bas_is_crlf_and_ascii():
    raw = BAS.read_bytes()
    raw.decode("ascii")  # Excel's VBA import reads the system code page: ASCII is safe everywhere
    assert raw.count(b"\r\n") == raw.count(b"\n") > 10 and b"\r\r" not in raw
    assert raw.startswith(b'Attribute VB_Name = "kam"\r\n')


def _xba(source: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
            '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
            'script:language="StarBasic">' + html.escape(source, quote=False) + "</script:module>")


@pytest.mark.libreoffice
@needs_soffice
def test_kam_bas_compiles_and_runs_in_libreoffice_basic(tmp_path):
    """LibreOffice Basic in VBA mode compiles kam.bas; each button Sub hands its command to RunPython (a stub
    that records it). A compile error stops the run (LibreOffice shows a dialog), so no record is written."""
    exe = shutil.which("soffice")
    profile = tmp_path / "profile"
    url = profile.as_uri()
    subprocess.run([exe, "--headless", f"-env:UserInstallation={url}", "--terminate_after_init"],
                   capture_output=True, timeout=180, check=False)
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.exists(), "LibreOffice did not create its Standard Basic library"
    record = tmp_path / "calls.txt"
    subs = [b.macro for b in BUTTONS]
    harness = "\n".join([
        "Option VBASupport 1",
        "Dim calls As String",
        "Function RunPython(PythonCommand As String)",
        "    calls = calls & PythonCommand & Chr(10)",
        "End Function",
        "Sub KamHarness",
        "    calls = \"\"",
        *[f"    {s}" for s in subs],
        "    Dim f As Integer",
        "    f = FreeFile",
        f'    Open "{record}" For Output As #f',
        "    Print #f, calls",
        "    Close #f",
        "End Sub",
        "",
    ])
    bas = BAS.read_text(encoding="ascii").replace("\r\n", "\n")
    body = "\n".join(line for line in bas.splitlines()
                     if not line.startswith("Attribute ") and line.strip() != "Option Explicit")
    module.write_text(_xba(harness + body), encoding="utf-8")
    try:
        subprocess.run([exe, "--headless", f"-env:UserInstallation={url}", "macro:///Standard.Module1.KamHarness"],
                       capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("LibreOffice Basic did not finish: kam.bas failed to compile or run")
    calls = [c for c in record.read_text().splitlines() if c.strip()]
    assert calls == [f"import addin.excel.macros as m; m.{f}()"
                     for f in ("grade", "validate", "brief", "birthdays", "agenda", "consolidate")]


def _olevba_modules(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {stream.split("/")[-1]: code for _f, stream, _n, code in parser.extract_macros()}
    finally:
        parser.close()


def test_standalone_build_takes_every_module_xlwings_standalone_quickstart_needs():
    modules = _olevba_modules(xlwings_file(STANDALONE_SOURCE))
    assert set(STANDALONE_MODULES) <= set(modules)
    assert "Public Function RunPython" in modules["xlwings"]
    assert "Dictionary" in modules["xlwings"]  # its macOS branch uses the Dictionary class: it must come along
    assert "Class_Initialize" in modules["Dictionary"]


def test_the_addin_source_is_what_the_addin_build_expects():
    """The kam add-in starts from xlwings' add-in quickstart: its config sheet is "_" + PROJECT_NAME + ".conf",
    it has a "UDF Modules" row to point at kam's functions, and the XLPy function the UDF wrappers call."""
    path = xlwings_file(ADDIN_SOURCE)
    code = _olevba_modules(path)["xlwings"]
    project = re.search(r'PROJECT_NAME As String = "(\w+)"', code)
    assert project and f"_{project.group(1)}.conf" == ADDIN_CONF_SHEET
    assert "Function XLPy()" in code
    with zipfile.ZipFile(path) as z:
        assert f'name="{ADDIN_CONF_SHEET}"' in z.read("xl/workbook.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    assert all(f"<t>{key}</t>" in strings for key, _ in XLWINGS_CONF)


@pytest.mark.parametrize("source", ["quickstart_addin_ribbon.xlam", "quickstart_addin.xlam"])
def test_kam_xlam_carries_a_ribbon_tab_with_the_six_buttons(source, tmp_path):
    """kam.xlam's customUI part (read back here from xlwings' own shipped add-ins, as the build leaves them):
    a kam tab whose six buttons run KamRibbon, which kam.bas dispatches by the button's id to the Sub of that
    name; the package relationship is there once, and the VBA project is byte-identical and still readable."""
    from lxml import etree

    from addin.excel.build import RIBBON_PART, with_ribbon

    original = xlwings_file(source).read_bytes()
    built = tmp_path / "kam.xlam"
    built.write_bytes(with_ribbon(original))
    with zipfile.ZipFile(built) as z, zipfile.ZipFile(xlwings_file(source)) as before:
        ui = etree.fromstring(z.read(RIBBON_PART))
        rels = z.read("_rels/.rels").decode()
        assert z.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
    ns = {"ui": "http://schemas.microsoft.com/office/2006/01/customui"}
    buttons = ui.findall(".//ui:tab/ui:group/ui:button", ns)
    assert [(b.get("id"), b.get("label")) for b in buttons] == [(b.macro, b.caption) for b in BUTTONS]
    assert {b.get("onAction") for b in buttons} == {"KamRibbon"}
    assert rels.count("relationships/ui/extensibility") == 1 and RIBBON_PART in rels  # xlwings: 2007 type
    bas = BAS.read_text(encoding="ascii")
    for b in BUTTONS:
        assert f'Case "{b.macro}": {b.macro}' in bas and f"Sub {b.macro}()" in bas
    assert "Sub KamRibbon(control As Object)" in bas
    assert "xlwings" in _olevba_modules(built)  # olevba still reads the add-in's VBA
