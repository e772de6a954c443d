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


def test_a_missing_sheet_is_never_a_silent_pass(runner, book, tmp_path):
    """#16.5: without 关键人, birthdays said 共 0 位 with exit 0; without 客户, brief exited 0."""
    path = _small(book)
    result = runner.invoke(cli, ["birthdays", str(path), "--today", TODAY, "--lang", "en"])
    assert result.exit_code == 1 and "Contacts" in result.output and "missing" in result.output
    no_customers = book({"价值评估": [["客户编号", "份额"], ["C1", 3]]})
    result = runner.invoke(cli, ["brief", str(no_customers), "--format", "md", "--out", str(tmp_path / "o"),
                                 "--today", TODAY])
    assert result.exit_code == 1 and "客户" in result.output
    result = runner.invoke(cli, ["brief", str(path), "--format", "md", "--out", str(tmp_path / "p"), "--today", TODAY])
    assert result.exit_code == 0 and result.output.count("拜访记录") == 1  # the absent visit log said once


def test_one_problem_raises_one_finding(runner, book):
    """#16.10: a count of -1 also gave contact-count-low; without a visit sheet stale-account still fired."""
    dev = [["记录日期", "客户编号", "销售人员", "累计接触次数"], ["2026-11-01", "C001", "王", -1]]
    visits = [["拜访日期", "客户编号", "拜访人", "拜访方式", "地点", "谈话要点"],
              ["2026-10-01", "C001", "王", "电话", None, "问候"]]
    path = _small(book, 开发记录=dev, 拜访记录=visits)
    codes = [f["code"] for f in json.loads(runner.invoke(cli, ["validate", str(path), "--format", "json", "--today",
                                                                TODAY]).output)["issues"]]
    assert "out-of-range" in codes and "contact-count-low" not in codes
    path = _small(book)
    codes = [f["code"] for f in json.loads(runner.invoke(cli, ["validate", str(path), "--format", "json", "--today",
                                                                TODAY]).output)["issues"]]
    assert "missing-sheet" in codes and "stale-account" not in codes


def test_file_system_failures_are_one_sentence_naming_the_path(runner, book, tmp_path):
    """#16.6: `kam brief --out a-file/sub` ended in the internal-error sentence (NotADirectoryError)."""
    path = _small(book)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for lang, reason in (("zh", "不是文件夹"), ("en", "not a directory")):
        result = runner.invoke(cli, ["brief", str(path), "--format", "md", "--out", str(blocker / "sub"),
                                     "--lang", lang])
        assert result.exit_code == 2 and reason in result.output and str(blocker) in result.output
        assert "意外" not in result.output and "unexpected" not in result.output


@pytest.mark.parametrize(("args", "zh", "en"), [
    (["grade", "{dir}/empty"], "没有 .xlsx 或 .xlsm 工作簿", "holds no .xlsx or .xlsm workbook"),
    (["grade", "{dir}/nowhere.xlsx"], "找不到文件", "does not exist"),
    (["brief", "{book}", "--grade", "Z"], "应为 A / B / C / D 之一", "expected one of A / B / C / D"),
    (["brief", "{book}", "--jobs", "0"], "不小于 1 的整数", "at least 1"),
    (["grade", "{book}", "--nope"], "没有选项 --nope", "There is no option --nope"),
])
def test_argument_errors_are_one_sentence_in_the_chosen_language(runner, book, tmp_path, args, zh, en):
    """#16: argument errors were English with a usage block even in Chinese."""
    path = _small(book)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "~$locked.xlsx").write_bytes(b"lock")  # a lock file is not a workbook
    filled = [a.format(dir=tmp_path, book=path) for a in args]
    for lang, expected in (("zh", zh), ("en", en)):
        result = runner.invoke(cli, [*filled, "--lang", lang])
        assert result.exit_code == 2 and expected in result.output, result.output
        assert "Usage:" not in result.output and len(result.output.strip().splitlines()) == 1


def test_the_template_suffix_chooses_the_format(runner, book, tmp_path):
    """#16: `--template x.md` without `--format md` was refused."""
    path = _small(book)
    template = tmp_path / "mine.md"
    template.write_text("# {{ account.customer_name }}\n", encoding="utf-8")
    result = runner.invoke(cli, ["brief", str(path), "--template", str(template), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in (tmp_path / "o").iterdir()) == [".md"] * 3
    result = runner.invoke(cli, ["brief", str(path), "--template", str(template), "--format", "docx",
                                 "--out", str(tmp_path / "p"), "--lang", "en"])
    assert result.exit_code == 2 and ".docx" in result.output


def test_common_variants_reps_type_are_accepted(runner, book):
    """#16: 其它 for 其他 and 紧密 for 紧密型 were bad-enum; an ambiguous 11/3/2026 now says which forms work."""
    customers = [["客户编号", "客户名称", "负责销售", "行业", "客户层级", "建档日期"],
                 ["C001", "甲公司", "王", "其它", "紧密", "2026/11/3"], ["C002", "乙公司", "李", "其他", "战略", "11/3/2026"],
                 ["C003", "丙公司", "张", "企业", "松散型", "2026年1月5日"]]
    path = _small(book, 客户=customers)
    issues = json.loads(runner.invoke(cli, ["validate", str(path), "--format", "json", "--today", TODAY]).output)["issues"]
    assert not [f for f in issues if f["code"] == "bad-enum"]
    bad = [f for f in issues if f["code"] == "bad-date"]
    assert [f["cell"] for f in bad] == ["F3"] and "2026/11/3" in bad[0]["message"] and "11/3/2026" in bad[0]["message"]


def test_grade_table_stops_at_200_rows_like_validate(runner, book):
    """#16: `kam grade` printed all 2,000 rows where validate stops at 200 (same rule, --all shows all)."""
    rows = [["客户编号", "份额", "经营价值", "投入", "成交风险", "付款风险", "供货难度"]] + \
        [[f"K{i:04d}", 3, 3, 3, 3, 3, 3] for i in range(260)]
    path = book({"价值评估": rows}, name="many.xlsx")
    short = runner.invoke(cli, ["grade", str(path), "--lang", "en"]).output
    assert "K0199" in short and "K0200" not in short and "60 more" in short
    full = runner.invoke(cli, ["grade", str(path), "--all", "--lang", "en"]).output
    assert "K0259" in full


def test_a_formula_never_calculated_is_not_called_empty(runner, book):
    """#16: a formula cell with no cached value (a program wrote it) was reported as "不能为空"."""
    path = _small(book, 客户=[["客户编号", "客户名称", "负责销售"], ["C001", '="甲"&"公司"', "王"],
                              ["C002", "乙公司", "李"], ["C003", "丙公司", None]])
    issues = json.loads(runner.invoke(cli, ["validate", str(path), "--format", "json", "--today", TODAY]).output)["issues"]
    required = {f["cell"]: f["message"] for f in issues if f["code"] == "required"}
    assert "公式" in required["B2"] and "Excel" in required["B2"]
    assert "公式" not in required["C4"]  # a really empty cell is still just empty
