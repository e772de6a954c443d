"""The kam command line: help, kam new, kam demo, and one sentence with exit 2 for expected failures."""

from datetime import date

import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import SEEDED_MISTAKES
from addin.core.findings import rule_name
from addin.workbook.reader import read_workbook
from addin.workbook_templates.builder import template_path


@pytest.fixture
def runner():
    return CliRunner()


def test_help_lists_every_command_with_one_line(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("new", "demo"):
        assert f"  {name} " in result.output


def test_new_writes_the_template(runner, tmp_path):
    target = tmp_path / "团队" / "张三.xlsx"
    result = runner.invoke(cli, ["new", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == template_path("zh").read_bytes()
    assert str(target) in result.output


def test_new_in_english(runner, tmp_path):
    target = tmp_path / "rep.xlsx"
    assert runner.invoke(cli, ["new", str(target), "--lang", "en"]).exit_code == 0
    assert read_workbook(target).get("visits").name == "Visits"


def test_new_refuses_to_overwrite_without_force(runner, tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"precious")
    result = runner.invoke(cli, ["new", str(target)])
    assert result.exit_code == 2
    assert "已存在" in result.output and "Traceback" not in result.output
    assert target.read_bytes() == b"precious"
    assert runner.invoke(cli, ["new", str(target), "--force"]).exit_code == 0
    assert target.read_bytes() == template_path("zh").read_bytes()


def test_new_refuses_other_extensions_in_english(runner, tmp_path):
    result = runner.invoke(cli, ["new", str(tmp_path / "a.xlsm"), "--lang", "en"])
    assert result.exit_code == 2
    assert result.output.strip().endswith("without macros.")
    assert len(result.output.strip().splitlines()) == 1


def test_bad_today_is_one_sentence_exit_2(runner, tmp_path):
    result = runner.invoke(cli, ["demo", str(tmp_path), "--today", "tomorrow"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output and "Traceback" not in result.output


def test_unknown_option_is_exit_2(runner):
    assert runner.invoke(cli, ["new", "--nope"]).exit_code == 2


def test_demo_writes_a_realistic_workbook(runner, tmp_path):
    result = runner.invoke(cli, ["demo", str(tmp_path / "d"), "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    files = [p for p in (tmp_path / "d").glob("*.xlsx") if not p.name.startswith("团队报告")]
    assert len(files) == 1
    book = read_workbook(files[0])
    assert len(book.get("customers").rows) >= 40
    assert len(book.get("visits").rows) >= 300
    for _, code, _zh, _en in SEEDED_MISTAKES:  # each named as the rule is in Chinese, never by its code
        assert rule_name(code, "zh") in result.output and code not in result.output


def test_demo_also_shows_the_managers_view(runner, tmp_path):
    """#14.5: a small team with planted 撞单, overlap and a stale workbook, consolidated, and the report."""
    import openpyxl

    from addin.core.demo import REPS, TEAM_PLANTED

    folder = tmp_path / "d"
    result = runner.invoke(cli, ["demo", str(folder), "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (folder / "团队").glob("*.xlsx")) == sorted(f"{r}.xlsx" for r in REPS)
    for code in TEAM_PLANTED:
        assert rule_name(code, "zh") in result.output and code not in result.output
    assert (folder / "kam-team.sqlite").exists()
    assert "<svg" in (folder / "团队报告.html").read_text(encoding="utf-8")
    assert "各销售" in openpyxl.load_workbook(folder / "团队报告.xlsx").sheetnames
    report = runner.invoke(cli, ["report", "--db", str(folder / "kam-team.sqlite"), "--today", "2026-11-22"])
    assert report.exit_code == 0 and "撞单" in report.output


def test_internal_errors_are_one_sentence(runner, tmp_path, monkeypatch):
    import addin.demo

    def boom(*_a, **_k):
        raise ZeroDivisionError("simulated")

    monkeypatch.setattr(addin.demo, "run_demo", boom)
    result = runner.invoke(cli, ["demo", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 2
    assert "unexpected error" in result.output and "Traceback" not in result.output


def test_main_entry_point_exit_codes(tmp_path, capsys):
    from addin.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["new", str(tmp_path / "x.txt")])
    assert exc.value.code == 2
    assert ".xlsx" in capsys.readouterr().err


def test_demo_dates_follow_today():
    from addin.core.demo import make_demo

    data = make_demo(date(2026, 11, 22))
    visits = data.rows["visits"]
    assert min(v["visit_date"] for v in visits) >= date(2025, 11, 22)
    assert sum(1 for v in visits if v["visit_date"] > date(2026, 11, 22)) == 1  # the seeded future date


def test_demo_in_english_prints_no_chinese(runner, tmp_path):
    """#16.1: the planted-mistake notes of `kam demo --lang en` were Chinese."""
    import re

    result = runner.invoke(cli, ["demo", str(tmp_path / "d"), "--today", "2026-11-22", "--lang", "en"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "planted" in line]
    assert len(notes) == len(SEEDED_MISTAKES)
    assert not [line for line in notes if re.search(r"[\u4e00-\u9fff]", line)]


def test_the_shipped_contract_is_the_teams():
    """README and code cite "SPEC §N": docs/SPEC.md ships the contract, kept equal to ../shared/SPEC.md."""
    from pathlib import Path

    here = Path(__file__).resolve().parents[1]
    shipped = (here / "docs" / "SPEC.md").read_text(encoding="utf-8")
    assert "## 4. Validation" in shipped
    team = here.parent / "shared" / "SPEC.md"
    if team.exists():
        assert shipped == team.read_text(encoding="utf-8"), "copy ../shared/SPEC.md to docs/SPEC.md"
