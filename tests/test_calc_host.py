"""#28: the buttons on a real spreadsheet. The same button cases run on the in-memory fake of xlwings' Book API
AND on LibreOffice Calc (kam's production UNO adapter, addin/excel/calc.py, over a headless soffice these tests
start and stop), on the demo and on a 2,000-account workbook, and must leave the sheets the CLI leaves.
Without Python-UNO or LibreOffice the Calc cases skip and say which is missing."""

import shutil
import time
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import make_demo, make_team
from addin.excel import macros
from addin.excel.calc import uno_path
from addin.workbook_templates.builder import build_workbook
from tests.fake_xlwings import FakeBook

TODAY = date(2026, 11, 22)
HOSTS = ["fake", "calc"]
TIMES: dict[str, float] = {}


@pytest.fixture(scope="module")
def calc_host():
    if not uno_path():
        pytest.skip("Python-UNO is not installed (Debian: python3-uno): LibreOffice cannot be driven")
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    from addin.excel.calc import CalcHost

    with CalcHost() as host:
        yield host


@pytest.fixture
def open_book(request, tmp_path):
    """open_book(host, path): the workbook (a copy) opened in that host."""

    def opener(host: str, path: Path):
        copy = tmp_path / f"{host}-{path.name}"
        shutil.copy(path, copy)
        if host == "fake":
            return FakeBook.from_workbook(str(copy))
        return request.getfixturevalue("calc_host").open(copy)

    return opener


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "team.xlsx"
    build_workbook(path, "zh", make_demo(TODAY).rows)
    return path


@pytest.fixture(scope="module")
def team_2000(tmp_path_factory):
    from bench.common import big_workbook

    return big_workbook(visits=6_000, customers=2_000, today=TODAY, folder=tmp_path_factory.mktemp("team"))


def _cli(src: Path, tmp_path: Path, *steps: tuple[str, ...]) -> Path:
    copy = tmp_path / ("cli-" + src.name)
    shutil.copy(src, copy)
    for args in steps:
        result = CliRunner().invoke(cli, [args[0], str(copy), *args[1:], "--no-backup"])
        assert result.exit_code in (0, 1), result.output
    return copy


def _cell(v):
    """A cell as both hosts and openpyxl can agree on: dates as day serials, numbers as rounded floats."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime | date):
        moment = v if isinstance(v, datetime) else datetime(v.year, v.month, v.day)
        return round((moment - datetime(1899, 12, 30)).total_seconds() / 86400, 6)
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return round(float(v), 6)
    return v


def _norm(grid) -> list[list]:
    rows = [[_cell(v) for v in r] for r in (grid or [])]
    width = max((len(r) for r in rows), default=0)
    rows = [r + [None] * (width - len(r)) for r in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    while rows and width and all(r[-1] is None for r in rows):
        rows = [r[:-1] for r in rows]
        width -= 1
    return rows


def _file_grid(path: Path, sheet: str) -> list[list]:
    return [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def _marked(rows: list[list]) -> set[tuple[str, str]]:
    return {(str(r[0]), str(r[1])) for r in rows[1:] if r and r[0] and r[1]}


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("which", ["demo", "team_2000"])
def test_the_buttons_leave_the_sheets_the_cli_leaves(host, which, request, open_book, tmp_path):
    src = request.getfixturevalue(which)
    book = open_book(host, src)
    for button in ("grade", "validate", "birthdays", "agenda"):
        started = time.perf_counter()
        message = getattr(macros, button)(book, today=TODAY)
        TIMES[f"{host}/{which}/{button}"] = time.perf_counter() - started
        print(f"{host} {which} {button}: {TIMES[f'{host}/{which}/{button}']:.2f} s")  # quoted in the note
        assert "意外" not in message and "内部错误" not in message, (button, message)
    final = _cli(src, tmp_path, ("grade", "--write"), ("validate", "--mark", "--today", TODAY.isoformat()),
                 ("birthdays", "--write", "--today", TODAY.isoformat()),
                 ("agenda", "--write", "--today", TODAY.isoformat()))
    for sheet in ("价值评估", "校验结果", "生日提醒", "日程"):
        assert _norm(book.sheets[sheet].grid()) == _norm(_file_grid(final, sheet)), (host, sheet)
    # the same cells marked, as each host's own record of them says
    assert _marked(book.sheets["_kam_marks"].grid()) == _marked(_file_grid(final, "_kam_marks"))
    assert book.sheets["_kam_marks"].visible is False
    if host == "calc" and which == "team_2000":
        return  # a second press on 2,000 accounts takes Calc over a minute: the demo case presses twice
    # a second press replaces kam's sheets, adds none, and marks the same cells again
    names = [s.name for s in book.sheets]
    macros.validate(book, today=TODAY)
    assert [s.name for s in book.sheets] == names
    assert _marked(book.sheets["_kam_marks"].grid()) == _marked(_file_grid(final, "_kam_marks"))


def test_calc_keeps_a_validation_note_on_the_cell_and_the_reps_fill(calc_host, demo, tmp_path):
    """On LibreOffice: kam's notes sit on the marked cells; a second run takes them off and puts them back,
    and a fill the rep gave a cell kam never marked stays."""
    copy = tmp_path / "notes.xlsx"
    shutil.copy(demo, copy)
    book = calc_host.open(copy)
    visits = book.sheets["拜访记录"]
    visits.range((300, 3)).color = (0, 176, 240)  # the rep's own blue
    macros.validate(book, today=TODAY)
    notes = [n.text for n in visits.notes]
    assert notes and all(n.startswith("kam:") for n in notes)
    macros.validate(book, today=TODAY)
    assert sorted(n.text for n in visits.notes) == sorted(notes)
    assert visits.range((300, 3)).color == (0, 176, 240)


def test_calc_brief_takes_the_rows_selected_on_the_customer_sheet(calc_host, demo, tmp_path):
    """Calc keeps no selection per sheet (switching sheets drops a multi-cell selection): the rep selects rows
    on 客户 and presses the button there; the port reads the selection before any switch."""
    copy = tmp_path / "brief.xlsx"
    shutil.copy(demo, copy)
    book = calc_host.open(copy)
    book.sheets["客户"].activate()
    book.select("A3:B5")  # rows 3-5: C0002, C0003, C0004
    message = macros.brief(book, today=TODAY, out=tmp_path / "out")
    assert "生成 3 份" in message, message
    assert sorted(p.name.split("_")[0] for p in (tmp_path / "out").iterdir()) == ["C0002", "C0003", "C0004"]


def test_calc_consolidate_writes_the_report_the_cli_computes(calc_host, tmp_path):
    import json

    team = tmp_path / "团队"
    team.mkdir()
    for rep, data in make_team(TODAY).items():
        build_workbook(team / f"{rep}.xlsx", "zh", data.rows)
    manager = tmp_path / "经理" / "kam.xlsx"
    manager.parent.mkdir()
    build_workbook(manager, "zh")
    book = calc_host.open(manager)
    started = time.perf_counter()
    message = macros.consolidate(book, today=TODAY, folder=str(team))
    TIMES["calc/team/consolidate"] = time.perf_counter() - started
    assert "4 个工作簿" in message, message
    store = manager.parent / "kam-team.sqlite"
    report = json.loads(CliRunner().invoke(cli, ["report", "--db", str(store), "--today", TODAY.isoformat(),
                                                "--format", "json"]).stdout)
    grid = book.sheets["团队-各销售"].grid()
    heads = grid[0]
    shown = {r[0]: dict(zip(heads, r, strict=False)) for r in grid[1:] if r and r[0]}
    for rep in report["per_rep"]:
        assert shown[rep["rep"]]["本期拜访"] == rep["visits"]
    charts = [c.name for c in book.sheets["团队-各销售"].charts]
    assert charts == ["kam_grades"]
    macros.consolidate(book, today=TODAY, folder=str(team))  # again: the same sheets, each chart once
    assert [c.name for c in book.sheets["团队-各销售"].charts] == ["kam_grades"]



def test_calc_consolidate_reads_the_managers_targets_and_says_each_row_left_out(calc_host, tmp_path):
    """The manager's macro workbook (`kam new --manager`'s 目标 sheet) on Calc: 汇总 compares the good rows with
    the actuals as `kam report --targets` does, and names each bad row (cell and reason) on 团队汇总."""
    import json

    team = tmp_path / "团队"
    team.mkdir()
    reps = list(make_team(TODAY))
    for rep, data in make_team(TODAY).items():
        build_workbook(team / f"{rep}.xlsx", "zh", data.rows)
    manager = tmp_path / "经理" / "kam.xlsx"
    manager.parent.mkdir()
    targets = [{"owner": reps[0], "period": "2026-11", "visits": 20, "in_person_visits": 8, "new_accounts": 1,
                "won_amount": 300},
               {"owner": "王不在", "period": "2026-11", "visits": 10},
               {"owner": reps[1], "period": "十一月", "visits": 10},
               {"owner": reps[1], "period": "2026-11", "visits": 15, "won_amount": 100}]
    build_workbook(manager, "zh", {"targets": targets}, manager=True)
    book = calc_host.open(manager)
    message = macros.consolidate(book, today=TODAY, folder=str(team))
    assert "“目标”表有 2 行没有计入" in message, message
    summary = [r[0] for r in book.sheets["团队汇总"].grid() if r and r[0]]
    heading = summary.index("“目标”表中没有计入的行")
    said = summary[heading + 1:]
    assert len(said) == 2 and "A3" in said[0] and "王不在" in said[0] and "B4" in said[1] and "十一月" in said[1]
    store = manager.parent / "kam-team.sqlite"
    cli_report = json.loads(CliRunner().invoke(cli, ["report", "--db", str(store), "--today", TODAY.isoformat(),
                                                    "--format", "json", "--targets", str(manager)]).stdout)
    grid = book.sheets["团队-目标与实际"].grid()
    shown = {r[0]: dict(zip(grid[0], r, strict=False)) for r in grid[1:] if r and r[0]}
    assert set(shown) == {r["rep"] for r in cli_report["targets"]} == {reps[0], reps[1]}
    for row in cli_report["targets"]:
        values = list(shown[row["rep"]].values())
        assert row["visits"] in values and row["visits_target"] in values, (row, shown[row["rep"]])
    # printed as the manager presses Print: landscape, one page wide, the header row on every page
    styles = book.doc.getStyleFamilies().getByName("PageStyles")
    for name in ("团队汇总", "团队-各销售"):
        sheet = book.sheets[name].api
        style = styles.getByName(sheet.PageStyle)
        assert style.IsLandscape and style.Size.Width > style.Size.Height and style.ScaleToPagesX == 1, name
        assert sheet.getPrintTitleRows() and sheet.getTitleRows().EndRow == 0, name
    wide = book.sheets["团队-各销售"].grid()[0]
    sheets = book.doc.getSheets()
    for name in list(sheets.getElementNames()):
        if name != "团队-各销售":
            sheets.removeByName(name)
    import subprocess

    import uno
    from com.sun.star.beans import PropertyValue

    pdf = tmp_path / "各销售.pdf"
    pdf_filter = PropertyValue()
    pdf_filter.Name, pdf_filter.Value = "FilterName", "calc_pdf_Export"
    book.doc.storeToURL(uno.systemPathToFileUrl(str(pdf)), (pdf_filter,))
    first_page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True,
                                text=True, check=True).stdout
    assert wide[0] in first_page and wide[-1] in first_page, (wide, first_page[:400])  # every column on page 1


SHIM = '''"""kam's RunPython for LibreOffice: runs the command a kam.bas Sub hands over, with xlwings' Book.caller() as
the open spreadsheet (the test puts this file into the profile's Scripts/python folder)."""
import sys
sys.path[:0] = {paths!r}


def run_python(command):
    import uno
    from addin.excel import macros
    from addin.excel.calc import CalcBook
    ctx = uno.getComponentContext()
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    docs = desktop.getComponents().createEnumeration()
    while docs.hasMoreElements():
        doc = docs.nextElement()
        if doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            break
    book = CalcBook(doc)
    macros._book = lambda given: given if given is not None else book
    try:
        exec(command, {{}})
    except BaseException:  # headless Basic swallows a Python error: write it where the test reads
        import traceback
        book.app.alerts.append(("error", traceback.format_exc()))
    with open({log!r}, "a", encoding="utf-8") as f:  # each button's message box, for the test to read
        f.writelines(text.replace("\\n", " ") + "\\n" for _title, text in book.app.alerts)
    return ""
'''

BASIC_RUNPYTHON = """Function RunPython(PythonCommand As String)
    Dim factory As Object, provider As Object, script As Object
    factory = createUnoService("com.sun.star.script.provider.MasterScriptProviderFactory")
    provider = factory.createScriptProvider("")
    script = provider.getScript("vnd.sun.star.script:kam_shim.py$run_python?language=Python&location=user")
    script.invoke(Array(PythonCommand), Array(), Array())
End Function
"""


def test_kam_bas_runs_every_button_in_libreoffice_basic_on_a_real_sheet(tmp_path):
    """kam.bas, unchanged, in LibreOffice Basic (VBA mode) with a RunPython shim that runs the command in
    LibreOffice's own Python: each of the six button Subs produces its sheets (or files) in the open workbook."""
    import html
    import site
    import subprocess
    import sys

    if not uno_path():
        pytest.skip("Python-UNO is not installed (Debian: python3-uno): LibreOffice cannot be driven")
    exe = shutil.which("soffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if not Path("/usr/lib/libreoffice/program/pythonscript.py").exists():
        pytest.skip("LibreOffice's Python script provider is not installed (libreoffice-script-provider-python)")
    from addin.excel.calc import CalcHost, _soffice_env
    from addin.macros import BAS

    profile = tmp_path / "profile"
    subprocess.run([exe, "--headless", f"-env:UserInstallation={profile.as_uri()}", "--terminate_after_init"],
                   capture_output=True, timeout=180, check=False, env=_soffice_env())
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.exists(), "LibreOffice did not create its Standard Basic library"
    bas = BAS.read_text(encoding="ascii").replace("\r\n", "\n")
    body = "\n".join(line for line in bas.splitlines()
                     if not line.startswith("Attribute ") and line.strip() != "Option Explicit")
    harness = "Option VBASupport 1\n" + BASIC_RUNPYTHON + body
    module.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC '
                      '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n<script:module '
                      'xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
                      'script:language="StarBasic">' + html.escape(harness, quote=False) + "</script:module>",
                      encoding="utf-8")
    scripts = profile / "user" / "Scripts" / "python"
    scripts.mkdir(parents=True, exist_ok=True)
    repo = str(Path(__file__).resolve().parents[1])
    log = tmp_path / "alerts.txt"
    (scripts / "kam_shim.py").write_text(SHIM.format(paths=[repo, *site.getsitepackages()], log=str(log)),
                                         encoding="utf-8")
    folder = tmp_path / "books"
    folder.mkdir()
    for rep, data in make_team(TODAY).items():  # 汇总 takes the workbook's own folder: the team sits beside it
        build_workbook(folder / f"{rep}.xlsx", "zh", data.rows)
    book_path = folder / "demo.xlsx"
    build_workbook(book_path, "zh", make_demo(TODAY).rows)
    del sys  # the shim runs in LibreOffice's Python, not this one
    with CalcHost(profile) as host:
        book = host.open(book_path)
        times = {}
        for sub in ("KamGrade", "KamValidate", "KamBirthdays", "KamAgenda", "KamBrief", "KamConsolidate"):
            started = time.perf_counter()
            host.run_basic(f"Standard.Module1.{sub}")
            times[sub] = time.perf_counter() - started
        names = [s.name for s in book.sheets]
        graded = book.sheets["价值评估"].grid()
    alerts = log.read_text(encoding="utf-8").splitlines()
    print({k: f"{v:.1f} s" for k, v in times.items()})  # quoted in the note
    assert {"校验结果", "生日提醒", "日程", "团队汇总", "团队-各销售"} <= set(names), names
    heads = graded[0]
    assert {r[heads.index("等级")] for r in graded[1:] if r[0]} >= {"A", "B", "C", "D"}
    assert len(alerts) == 6 and alerts[0].startswith("已评级 46 行") and "校验完成" in alerts[1], alerts
    assert "生成 48 份" in alerts[4] and len(list((folder / "demo_简报").glob("*.docx"))) == 48, alerts
    assert "4 个工作簿" in alerts[5] and not any("意外" in a or "内部错误" in a for a in alerts), alerts
