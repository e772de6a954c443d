"""SPEC §7 on workbooks as other programs write them: every write command, twice, on a generated corpus of
120 workbooks (5 producers: XlsxWriter, openpyxl, LibreOffice Calc, exceljs, SheetJS; 10 variants each, see
tests/corpus/build.py). Real parts: those producers' files, openpyxl and python-calamine reading the
results, LibreOffice opening them."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.workbook.guard import inspect
from addin.workbook.reader import read_workbook
from tests.conftest import needs_calc
from tests.corpus.build import FILES, VARIANTS, build_corpus
from tests.corpus_checks import COMMANDS, check_result

BASES = [f"{p}-{lang}" for p in ("xlsxwriter", "openpyxl") for lang in ("zh", "en")] + \
        sorted(p.stem for p in FILES.glob("*.xlsx"))
NAMES = [f"{b}--{v}" for b in BASES for v in VARIANTS]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    files = build_corpus(tmp_path_factory.mktemp("corpus"))
    return {p.name.rsplit(".", 1)[0]: p for p in files}


@pytest.fixture(scope="module")
def written(corpus, tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each file after each write command run twice: {name: {command: path}}, plus problems found."""
    runner = CliRunner()
    out: dict[str, dict[str, Path]] = {}
    work = tmp_path_factory.mktemp("written")
    for name, src in corpus.items():
        out[name] = {}
        for label, args in COMMANDS:
            copy = work / f"{name}--{args[0]}{src.suffix}"
            shutil.copy(src, copy)
            problems = []
            for _ in range(2):
                before = copy.read_bytes()
                result = runner.invoke(cli, [args[0], str(copy), *args[1:], "--no-backup"])
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    problems.append(f"crash: {result.exception!r}")
                    break
                if "意外错误" in result.output or result.exit_code not in (0, 1):
                    problems.append(f"exit {result.exit_code}: {result.output.strip()[:300]}")
                    break
                problems += check_result(before, copy.read_bytes())
            out[name][label] = copy
            out[name][label + " problems"] = problems  # type: ignore[assignment]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_every_write_command_twice_keeps_the_package_whole(name, written):
    for label, _args in COMMANDS:
        assert written[name][label + " problems"] == [], (name, label)


def _sheets(path: Path) -> list[str]:
    return [s.name for s in inspect(path, needed=set()).sheets]


@pytest.mark.parametrize("base", BASES)
def test_results_in_the_workbooks_language_and_only_once(base, written):
    english = base.endswith("-en")
    for variant in VARIANTS:
        marked = _sheets(written[f"{base}--{variant}"]["validate --mark"])
        results = "Validation results" if english else "校验结果"
        assert marked.count(results) == 1, (base, variant, marked)
        assert "_kam_marks" in marked
        birthdays = _sheets(written[f"{base}--{variant}"]["birthdays --write"])
        assert birthdays.count("Birthdays" if english else "生日提醒") == 1, (base, variant)


@pytest.mark.parametrize("variant", ["strict", "prefixed", "upper-case-parts", "workbook-elsewhere"])
def test_grades_are_written_whatever_the_dialect(variant, written):
    path = written[f"xlsxwriter-zh--{variant}"]["grade --write"]
    table = read_workbook(path).get("assessment")
    assert table is not None
    grades = [table.raw(values, "grade") for _n, values in table.rows]
    assert sum(g in ("A", "B", "C", "D", "信息不足") for g in grades) >= 10


def test_an_unrelated_contacts_sheet_is_left_alone(corpus, written):
    for base in BASES:
        src = corpus[f"{base}--contacts-sheet"]
        out = written[f"{base}--contacts-sheet"]["validate --mark"]
        with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
            assert a.read("xl/worksheets/phonelist.xml") == b.read("xl/worksheets/phonelist.xml"), base
            assert "xl/worksheets/_rels/phonelist.xml.rels" not in b.namelist(), base


@pytest.mark.libreoffice
@needs_calc
def test_libreoffice_opens_every_marked_workbook(written, tmp_path):
    files = [str(written[name]["validate --mark"]) for name in NAMES]
    out = tmp_path / "csv"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--convert-to", "csv", "--outdir", str(out), *files],
                   capture_output=True, timeout=900, check=False)
    missing = [f for f in files if not (out / (Path(f).stem + ".csv")).exists()]
    assert missing == []
