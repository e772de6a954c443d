"""Bugs a newcomer met (#16), each with the behaviour that failed before."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from addin.cli import cli

TODAY = "2026-11-22"


@pytest.fixture
def runner():
    return CliRunner()


def _small(book, **extra):
    sheets = {
        "客户": [["客户编号", "客户名称", "负责销售"], ["C001", "甲公司", "王"], ["C002", "乙公司", "李"],
                 ["C003", "丙公司", "张"]],
        "价值评估": [["客户编号", "份额", "经营价值", "投入", "成交风险", "付款风险", "供货难度"],
                     ["C001", 4, 4, 2, 2, 2, 2], ["C002", 3, 3, 3, 3, 3, 3], ["C003", 2, 2, 4, 4, 4, 4]],
    }
    sheets.update(extra)
    return book(sheets)


def test_one_rule_for_a_repeated_customer_id(runner, book):
    """#16.4: `kam grade` named the later 客户 row; validate, brief and birthdays the first."""
    path = _small(book, 客户=[["客户编号", "客户名称", "负责销售"], ["C001", "甲公司", "王"], ["C001", "后来的公司", "李"]],
                  价值评估=[["客户编号", "份额", "经营价值", "投入", "成交风险", "付款风险", "供货难度"],
                            ["C001", 4, 4, 2, 2, 2, 2]])
    out = runner.invoke(cli, ["grade", str(path)]).output
    assert "甲公司" in out and "后来的公司" not in out


def test_ids_are_normalised_in_every_sheet_and_option(runner, book, tmp_path):
    """#16.8: `--customer "C002 "` was skipped; a full-width Ｃ００３ in 拜访记录 was unknown-customer."""
    visits = [["拜访日期", "客户编号", "拜访人", "拜访方式", "地点", "谈话要点"],
              ["2026-11-01", "Ｃ００３", "张", "电话", None, "问候"]]
    path = _small(book, 拜访记录=visits)
    report = json.loads(runner.invoke(cli, ["validate", str(path), "--format", "json", "--today", TODAY]).output)
    assert not [f for f in report["issues"] if f["code"] == "unknown-customer"]
    result = runner.invoke(cli, ["brief", str(path), "--customer", "C002 ", "--format", "md",
                                 "--out", str(tmp_path / "out"), "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert [p.name.split("_")[0] for p in (tmp_path / "out").iterdir()] == ["C002"]


def test_nothing_done_is_exit_1(runner, book, tmp_path):
    """#16.9: when every --customer was skipped the exit status was 0."""
    path = _small(book)
    result = runner.invoke(cli, ["brief", str(path), "--customer", "X9", "--format", "md", "--out",
                                 str(tmp_path / "o"), "--today", TODAY])
    assert result.exit_code == 1 and "X9" in result.output


def test_brief_progress_label_reads_well(book, tmp_path, monkeypatch):
    """#16.2: the progress bar said "简报：生成 … 份，跳过  个，失败  个（bmd2）"."""
    from rich.console import Console
    from rich.progress import Progress

    from addin.docs.briefs import run_briefs

    labels: list[str] = []
    real = Progress.add_task

    def spy(self, description, *a, **k):
        labels.append(description)
        return real(self, description, *a, **k)

    monkeypatch.setattr(Progress, "add_task", spy)
    path = _small(book)
    for lang in ("zh", "en"):
        console = Console(force_terminal=True, file=open(tmp_path / f"out-{lang}.txt", "w"))  # noqa: SIM115
        run_briefs(path, [], [], "md", None, tmp_path / lang, 1, date(2026, 11, 22), lang, console)
    assert labels == ["正在生成 3 份简报", "Writing 3 briefings"]
