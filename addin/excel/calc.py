"""LibreOffice Calc as a host for the buttons: the xlwings Book subset `ExcelPort` uses (see port.py), over
Python-UNO against a headless soffice. kam's unchanged port and macros run on it, so a real spreadsheet
engine, not a fake, checks what the buttons leave in a workbook.

How Calc differs from Excel, and what this adapter does about it (docs/EXCEL.md lists them too):
- a string written with Excel's text prefix (an apostrophe) is stored without it, as text; a string starting
  with "=" becomes a formula, its argument separator turned into Calc's ";" (outside quotes), and a
  HYPERLINK to "#'Sheet'!A1" into Calc's "#'Sheet'.A1";
- dates come back as day serials (kam's parser takes serials); dates written are serials with a yyyy-mm-dd
  number format;
- Calc keeps no selection per sheet: activating another sheet drops a multi-cell selection, so 生成简报 reads
  the selection of 客户 only when 客户 is the active sheet (the port reads it before any switch);
- no dynamic-array spills (no HasSpill), no folder picker (汇总 takes the workbook's folder, or `folder=`);
- a message box would block a headless run: alerts are recorded in `app.alerts`.
`CalcHost` starts soffice with a private profile on a free port and stops it; `CalcHost.open(path)` gives a
`CalcBook`. Python-UNO comes with LibreOffice (Debian: python3-uno); `uno_path()` finds it for a venv.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from addin.core.model import column_letter

UNO_DIRS = ("/usr/lib/python3/dist-packages", "/usr/lib/libreoffice/program")
_EPOCH = datetime(1899, 12, 30)
_ALL_CONTENT = 1023  # com.sun.star.sheet.CellFlags: values, dates, strings, annotations, formulas, attributes...


def uno_path() -> bool:
    """Make Python-UNO importable (a venv does not see the system's dist-packages); False when absent."""
    try:
        import uno
        return True
    except ImportError:
        pass
    for folder in UNO_DIRS:
        if Path(folder, "uno.py").exists() and folder not in sys.path:
            sys.path.append(folder)
    try:
        import uno  # noqa: F401
        return True
    except ImportError:
        return False


def _soffice_env() -> dict[str, str]:
    """The environment for soffice: without a virtualenv's or pyenv's Python on PATH or PYTHON* settings, which
    would make LibreOffice's own Python (its script provider) load the wrong interpreter's modules."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PYENV"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if ".pyenv" not in p and not p.startswith(sys.prefix))
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _excel_formula(text: str) -> str:
    """An Excel formula as Calc's API reads it: "," outside quotes becomes ";", and a link into the workbook
    ("#'客户'!C4") takes Calc's sheet separator ("#'客户'.C4")."""
    out, quoted = [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        out.append(";" if ch == "," and not quoted else ch)
    formula = "".join(out)
    return re.sub(r"\"#('(?:[^']|'')+'|[^\"!]+)!", r'"#\1.', formula)


def _to_cell(value: Any) -> tuple[str, Any]:
    """(kind, value) to store: "text", "formula", "number", "date" or "empty"."""
    if value is None or value == "":
        return "empty", ""
    if isinstance(value, bool):
        return "number", float(value)
    if isinstance(value, datetime | date):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        return "date", (moment - _EPOCH).total_seconds() / 86400
    if isinstance(value, int | float):
        return "number", float(value)
    text = str(value)
    if text.startswith("'"):
        return "text", text[1:]
    if text.startswith("="):
        return "formula", _excel_formula(text)
    return "text", text


def _from_cell(value: Any) -> Any:
    return None if value == "" else value


class CalcApp:
    """Book.app: the status bar and screen updating kam sets, alerts recorded (a headless run has no box)."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.alerts: list[tuple[str, str]] = []
        self.status_history: list[Any] = []
        self._status: Any = False
        self._updating = True
        self.api = self  # no FileDialog here: the port's folder picker falls back to the workbook's folder

    @property
    def status_bar(self) -> Any:
        return self._status

    @status_bar.setter
    def status_bar(self, value: Any) -> None:
        self._status = value
        self.status_history.append(value)

    @property
    def screen_updating(self) -> bool:
        return self._updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        if value and not self._updating:
            self.doc.unlockControllers()
        elif not value and self._updating:
            self.doc.lockControllers()
        self._updating = value

    def alert(self, prompt: str, title: str = "") -> None:
        self.alerts.append((title, prompt))


class _Cell:
    def __init__(self, row: int, column: int) -> None:
        self.row, self.column = row, column


class _Used:
    def __init__(self, sheet: Any) -> None:
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.getRangeAddress()
        self.last_cell = _Cell(end.EndRow + 1, end.EndColumn + 1)


class CalcNote:
    """A cell's note; deleted by clearing that one cell's annotation (no index to shift, no search)."""

    def __init__(self, sheet: CalcSheet, row: int, column: int, text: str) -> None:
        self._sheet, self._row, self._column, self.text = sheet, row, column, text

    def delete(self) -> None:
        self._sheet.api.getCellRangeByPosition(self._column, self._row, self._column, self._row).clearContents(8)


class CalcChart:
    def __init__(self, sheet: CalcSheet, name: str) -> None:
        self._sheet, self.name = sheet, name
        self.chart_type = ""
        self.source_address = ""

    @property
    def title(self) -> str:
        doc = self._sheet.api.getCharts().getByName(self.name).getEmbeddedObject()
        return str(doc.getTitle().String) if doc.HasMainTitle else ""

    @title.setter
    def title(self, text: str) -> None:
        doc = self._sheet.api.getCharts().getByName(self.name).getEmbeddedObject()
        doc.HasMainTitle = True
        doc.getTitle().String = text

    def delete(self) -> None:
        self._sheet.api.getCharts().removeByName(self.name)


#: xlwings chart types kam uses -> (Calc diagram service, vertical bars, stacked, symbols on lines)
_DIAGRAMS = {"column_stacked": ("com.sun.star.chart.BarDiagram", False, True),
             "bar_clustered": ("com.sun.star.chart.BarDiagram", True, False),
             "line_markers": ("com.sun.star.chart.LineDiagram", False, False)}


class CalcCharts:
    def __init__(self, sheet: CalcSheet) -> None:
        self._sheet = sheet

    def __iter__(self) -> Iterator[CalcChart]:
        charts = self._sheet.api.getCharts()
        return iter([CalcChart(self._sheet, n) for n in charts.getElementNames()])

    def add(self, chart_type: str, source: CalcRange, name: str, anchor: CalcRange) -> CalcChart:
        import uno

        rect = uno.createUnoStruct("com.sun.star.awt.Rectangle")
        cell = anchor.areas[0]
        position = cell.getPropertyValue("Position")
        rect.X, rect.Y, rect.Width, rect.Height = position.X, position.Y, 16000, 9000
        addresses = tuple(a.getRangeAddress() for a in source.areas)
        charts = self._sheet.api.getCharts()
        charts.addNewByName(name, rect, addresses, True, True)
        service, vertical, stacked = _DIAGRAMS.get(chart_type, _DIAGRAMS["bar_clustered"])
        doc = charts.getByName(name).getEmbeddedObject()
        diagram = doc.createInstance(service)
        doc.setDiagram(diagram)
        if service.endswith("BarDiagram"):
            diagram.Vertical = vertical
            diagram.Stacked = stacked
        chart = CalcChart(self._sheet, name)
        chart.chart_type, chart.source_address = chart_type, source.address
        return chart


class CalcRange:
    """A cell range (several areas allowed), as xlwings' Range for what the port asks of it."""

    def __init__(self, sheet: CalcSheet, areas: list[Any], ndim: int | None = None) -> None:
        self.sheet, self.areas, self._ndim = sheet, areas, ndim
        first = areas[0].getRangeAddress()
        self.row = first.StartRow + 1
        self.column = first.StartColumn + 1
        self.rows = _Count(first.EndRow - first.StartRow + 1)
        self.api = object()  # no HasSpill: Calc has no dynamic-array spills

    @property
    def address(self) -> str:
        parts = []
        for a in self.areas:
            r = a.getRangeAddress()
            start = f"${column_letter(r.StartColumn)}${r.StartRow + 1}"
            end = f"${column_letter(r.EndColumn)}${r.EndRow + 1}"
            parts.append(start if start == end else f"{start}:{end}")
        return ",".join(parts)

    def options(self, ndim: int | None = None) -> CalcRange:
        return CalcRange(self.sheet, self.areas, ndim)

    def _shape(self, grid: list[list[Any]]) -> Any:
        if self._ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if len(grid) == 1:
            return grid[0]
        if all(len(r) == 1 for r in grid):
            return [r[0] for r in grid]
        return grid

    @property
    def value(self) -> Any:
        grid = [[_from_cell(v) for v in row] for row in self.areas[0].getDataArray()]
        return self._shape(grid)

    @value.setter
    def value(self, data: Any) -> None:
        area = self.areas[0]
        r = area.getRangeAddress()
        grid = data if isinstance(data, list | tuple) and data and isinstance(data[0], list | tuple) else \
            [[data]] if not isinstance(data, list | tuple) else [list(data)]
        height, width = len(grid), max(len(row) for row in grid)
        target = self.sheet.api.getCellRangeByPosition(r.StartColumn, r.StartRow, r.StartColumn + width - 1,
                                                       r.StartRow + height - 1)
        cells = [[_to_cell(v) for v in list(row) + [None] * (width - len(row))] for row in grid]
        target.setDataArray(tuple(tuple(value if kind != "formula" else "" for kind, value in row)
                                  for row in cells))
        for j in range(width):  # formulas and date formats a run of rows at a time, per column
            for kind in ("formula", "date"):
                rows = [i for i in range(height) if cells[i][j][0] == kind]
                for first, last in _row_runs(rows):
                    run = target.getCellRangeByPosition(j, first, j, last)
                    if kind == "formula":
                        run.setFormulaArray(tuple((cells[i][j][1],) for i in range(first, last + 1)))
                    else:
                        run.NumberFormat = self.sheet.book.date_format

    @property
    def formula(self) -> Any:
        grid = [list(row) for row in self.areas[0].getFormulaArray()]
        if self._ndim != 2 and len(grid) > 1 and all(len(r) == 1 for r in grid):
            return tuple((r[0],) for r in grid)  # as xlwings gives a column's formulas
        return self._shape(grid)

    @property
    def color(self) -> tuple[int, int, int] | None:
        from com.sun.star.beans.PropertyState import AMBIGUOUS_VALUE

        colours = set()
        for area in self.areas:  # a range answers AMBIGUOUS_VALUE when its cells' fills differ
            if area.getPropertyState("CellBackColor") == AMBIGUOUS_VALUE:
                raise ValueError("the cells have different fills")
            colours.add(int(area.CellBackColor))
        if len(colours) != 1:
            raise ValueError("the cells have different fills")  # as xlwings fails on Excel's Null
        c = colours.pop()
        return None if c < 0 else ((c >> 16) & 255, (c >> 8) & 255, c & 255)

    @color.setter
    def color(self, rgb: tuple[int, int, int] | None) -> None:
        value = -1 if rgb is None else (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]
        for area in self.areas:
            area.CellBackColor = value
            area.IsCellBackgroundTransparent = rgb is None

    @property
    def note(self) -> CalcNote | None:
        found = self.sheet._note_at(self.row - 1, self.column - 1)
        return found

    def add_note(self, text: str) -> None:
        if self.note is not None:
            raise ValueError("the cell has a note already")  # Excel refuses a second note on a cell
        import uno

        address = uno.createUnoStruct("com.sun.star.table.CellAddress")
        address.Sheet, address.Column, address.Row = self.sheet.index(), self.column - 1, self.row - 1
        self.sheet.api.getAnnotations().insertNew(address, text)


def _row_runs(rows: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive row numbers."""
    start = prev = None
    for r in rows:
        if start is None:
            start = prev = r
        elif r == prev + 1:  # type: ignore[operator]
            prev = r
        else:
            yield start, prev  # type: ignore[misc]
            start = prev = r
    if start is not None:
        yield start, prev  # type: ignore[misc]


class _Count:
    def __init__(self, count: int) -> None:
        self.count = count


class _PageSetupApi:
    """Excel's PageSetup properties kam sets (ExcelPort._print_wide), on a Calc page style of kam's own: Calc keeps
    orientation and scaling in page styles, not on the sheet."""

    STYLE = "kam-landscape"
    _sheet: CalcSheet

    def __init__(self, sheet: CalcSheet) -> None:
        object.__setattr__(self, "_sheet", sheet)

    def _style(self) -> Any:
        doc = self._sheet.book.doc
        styles = doc.getStyleFamilies().getByName("PageStyles")
        if not styles.hasByName(self.STYLE):
            styles.insertByName(self.STYLE, doc.createInstance("com.sun.star.style.PageStyle"))
        self._sheet.api.PageStyle = self.STYLE
        return styles.getByName(self.STYLE)

    def __setattr__(self, name: str, value: Any) -> None:
        import uno

        if name == "Orientation":
            style = self._style()
            size = style.Size
            if (value == 2) != (size.Width > size.Height):  # a landscape page is wider than high
                size.Width, size.Height = size.Height, size.Width
                style.Size = size
            style.IsLandscape = value == 2
        elif name == "FitToPagesWide":
            self._style().ScaleToPagesX = int(value)
        elif name == "FitToPagesTall":
            self._style().ScaleToPagesY = int(value or 0)  # False: as many pages high as it takes
        elif name == "PrintTitleRows":
            first, last = (int(part.strip("$")) for part in str(value).split(":"))
            rows = uno.createUnoStruct("com.sun.star.table.CellRangeAddress")
            rows.Sheet, rows.StartRow, rows.EndRow = self._sheet.index(), first - 1, last - 1
            self._sheet.api.setTitleRows(rows)
            self._sheet.api.setPrintTitleRows(True)
        # Zoom: Calc scales by ScaleToPagesX alone


class _PageSetup:
    def __init__(self, sheet: CalcSheet) -> None:
        self.api = _PageSetupApi(sheet)


class CalcSheet:
    """A sheet; its name and position are read once (kam renames no sheet): each is a call over the socket."""

    def __init__(self, book: CalcBook, api: Any, name: str | None = None) -> None:
        self.book, self.api = book, api
        self.name = name if name is not None else str(api.getName())

    def index(self) -> int:
        return self.book.sheets.names().index(self.name)

    def activate(self) -> None:
        self.book.doc.getCurrentController().setActiveSheet(self.api)

    @property
    def visible(self) -> bool:
        return bool(self.api.IsVisible)

    @visible.setter
    def visible(self, value: bool) -> None:
        self.api.IsVisible = value

    @property
    def used_range(self) -> _Used:
        return _Used(self.api)

    def range(self, first: Any, second: Any = None) -> CalcRange:
        if isinstance(first, str) and second is None:
            areas = [self.api.getCellRangeByName(part.replace("$", "")) for part in first.split(",")]
            return CalcRange(self, areas)
        if isinstance(first, CalcRange):
            return first
        (r1, c1) = first
        (r2, c2) = second if second is not None else first
        return CalcRange(self, [self.api.getCellRangeByPosition(c1 - 1, r1 - 1, c2 - 1, r2 - 1)])

    @property
    def page_setup(self) -> _PageSetup:
        return _PageSetup(self)

    def clear(self) -> None:
        cursor = self.api.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.getRangeAddress()
        area = self.api.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)
        if not self.api.getCharts().hasElements():
            area.clearContents(_ALL_CONTENT)
            return
        # LibreOffice 7.4 aborts later when a chart's data is cleared under the document's action lock (the
        # 汇总 button's second run); the lock is lifted for this one call and put back
        locks = self.book.doc.resetActionLocks()
        try:
            area.clearContents(_ALL_CONTENT)
        finally:
            self.book.doc.setActionLocks(locks)

    @property
    def notes(self) -> list[CalcNote]:
        annotations = self.api.getAnnotations()
        out = []
        for i in range(annotations.getCount()):
            note = annotations.getByIndex(i)
            where = note.getPosition()
            out.append(CalcNote(self, where.Row, where.Column, str(note.getString())))
        return out

    def _note_at(self, row: int, col: int) -> CalcNote | None:
        """The note on one cell, asked of the cell itself (a cell without one answers with empty text)."""
        text = str(self.api.getCellByPosition(col, row).getAnnotation().getString())
        return CalcNote(self, row, col, text) if text else None

    @property
    def charts(self) -> CalcCharts:
        return CalcCharts(self)

    def grid(self) -> list[list[Any]]:
        """Every value of the used area, rows of cells (for tests and checks)."""
        last = self.used_range.last_cell
        return self.range((1, 1), (last.row, last.column)).options(ndim=2).value


class CalcSheets:
    def __init__(self, book: CalcBook) -> None:
        self.book = book
        self._known: dict[str, CalcSheet] = {}

    def names(self) -> list[str]:
        return list(self.book.doc.getSheets().getElementNames())

    def _sheet(self, name: str) -> CalcSheet:
        """One CalcSheet per name, kept: the port looks a sheet up for every note it adds."""
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = CalcSheet(self.book, self.book.doc.getSheets().getByName(name), name)
        return known

    def __iter__(self) -> Iterator[CalcSheet]:
        names = self.names()
        for gone in set(self._known) - set(names):
            del self._known[gone]
        return iter([self._sheet(n) for n in names])

    def __getitem__(self, key: str | int) -> CalcSheet:
        name = self.names()[key] if isinstance(key, int) else key
        return self._sheet(name)  # a missing name raises, as COM does

    def add(self, name: str, before: CalcSheet | None = None, after: CalcSheet | None = None) -> CalcSheet:
        sheets = self.book.doc.getSheets()
        names = list(sheets.getElementNames())
        position = names.index(before.name) if before is not None else \
            names.index(after.name) + 1 if after is not None else len(names)
        sheets.insertNewByName(name, position)
        return self._sheet(name)

    @property
    def active(self) -> CalcSheet:
        return self._sheet(str(self.book.doc.getCurrentController().getActiveSheet().getName()))


class CalcName:
    def __init__(self, api: Any) -> None:
        self.name, self.refers_to = str(api.getName()), "=" + str(api.getContent())


class CalcNames:
    def __init__(self, book: CalcBook) -> None:
        self.book = book

    def __iter__(self) -> Iterator[CalcName]:
        names = self.book.doc.NamedRanges
        return iter([CalcName(names.getByName(n)) for n in names.getElementNames()])

    def add(self, name: str, refers_to: str) -> CalcName:
        import uno

        names = self.book.doc.NamedRanges
        if names.hasByName(name):
            names.removeByName(name)
        names.addNewByName(name, refers_to.lstrip("="), uno.createUnoStruct("com.sun.star.table.CellAddress"), 0)
        return CalcName(names.getByName(name))


class CalcBook:
    """An open Calc document as the xlwings Book subset of port.py."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.app = CalcApp(doc)
        self.sheets = CalcSheets(self)
        self.names = CalcNames(self)
        formats = doc.getNumberFormats()
        import uno

        locale = uno.createUnoStruct("com.sun.star.lang.Locale")
        found = formats.queryKey("YYYY-MM-DD", locale, False)
        self.date_format = found if found >= 0 else formats.addNew("YYYY-MM-DD", locale)

    @property
    def fullname(self) -> str:
        import uno

        url = str(self.doc.getURL())
        return uno.fileUrlToSystemPath(url) if url.startswith("file:") else self.name

    @property
    def name(self) -> str:
        url = str(self.doc.getURL())
        return url.rsplit("/", 1)[-1] if url else "Untitled"

    @property
    def selection(self) -> CalcRange | None:
        chosen = self.doc.getCurrentController().getSelection()
        if not hasattr(chosen, "getRangeAddress"):
            return None
        sheet = self.sheets.active
        r = chosen.getRangeAddress()
        return CalcRange(sheet, [sheet.api.getCellRangeByPosition(r.StartColumn, r.StartRow, r.EndColumn, r.EndRow)])

    def select(self, address: str) -> None:
        """Select cells on the active sheet, as a rep does before pressing 生成简报."""
        cells = self.sheets.active.api.getCellRangeByName(address)
        self.doc.getCurrentController().select(cells)

    def save(self) -> None:
        self.doc.store()


class CalcHost:
    """A headless LibreOffice of its own (private profile, free port), started and stopped by kam."""

    def __init__(self, profile: Path | None = None) -> None:
        """`profile`: a LibreOffice user profile prepared beforehand (e.g. holding Basic modules or Python
        scripts); by default a fresh one, removed on close."""
        if not uno_path():
            raise RuntimeError("Python-UNO is not installed (Debian: apt-get install python3-uno)")
        exe = shutil.which("soffice")
        if exe is None:
            raise RuntimeError("LibreOffice (soffice) is not installed")
        self.own_profile = profile is None
        self.profile = profile if profile is not None else Path(tempfile.mkdtemp(prefix="kam-calc-"))
        self.port = _free_port()
        self.process = subprocess.Popen(
            [exe, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
             f"-env:UserInstallation={self.profile.as_uri()}",
             f"--accept=socket,host=127.0.0.1,port={self.port};urp;StarOffice.ComponentContext"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_soffice_env())
        self.desktop = self._connect()

    def _connect(self, timeout: float = 60) -> Any:
        import uno

        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + timeout
        while True:
            try:
                ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={self.port};urp;StarOffice.ComponentContext")
                self.desktop_context = ctx
                return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.close()
                    raise RuntimeError("LibreOffice did not start") from None
                time.sleep(0.3)

    def open(self, path: Path) -> CalcBook:
        import uno
        from com.sun.star.beans import PropertyValue

        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        doc = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(str(path.resolve())), "_blank", 0,
                                                (hidden,))
        if doc is None:  # LibreOffice answers a file it will not open (e.g. locked by another soffice) with nothing
            raise RuntimeError(f"LibreOffice did not open {path.name}: is it open elsewhere (a .~lock file beside it)?")
        doc.addActionLock()  # headless: no view to refresh after each of thousands of notes and fills
        doc.lockControllers()
        return CalcBook(doc)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.desktop.terminate()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=20)
        if self.process.poll() is None:
            self.process.kill()
        if self.own_profile:
            shutil.rmtree(self.profile, ignore_errors=True)

    def run_basic(self, macro: str) -> Any:
        """Run a Basic Sub of the profile's own libraries (e.g. "Standard.Module1.KamHarness")."""
        factory = self.desktop_context.ServiceManager.createInstanceWithContext(
            "com.sun.star.script.provider.MasterScriptProviderFactory", self.desktop_context)
        script = factory.createScriptProvider("").getScript(
            f"vnd.sun.star.script:{macro}?language=Basic&location=application")
        return script.invoke((), (), ())

    def __enter__(self) -> CalcHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
