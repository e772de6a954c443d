"""`kam report` (#14): numbers checked against an independent count over the rows the demo team was built
from; the .xlsx's native charts and the ranges they read (openpyxl and the chart XML); the .html page is
self-contained; changes since the period before come from the snapshot history; LibreOffice opens the .xlsx."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import REPS, make_team
from addin.core.period import parse_period
from addin.workbook_templates.builder import build_workbook
from tests.conftest import needs_calc

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, Path]:
    """The demo team consolidated into a SQLite store: (folder of workbooks, store)."""
    folder = tmp_path_factory.mktemp("team")
    for rep, data in make_team(TODAY).items():
        build_workbook(folder / f"{rep}.xlsx", "zh", data.rows)
    db = folder / "kam-team.sqlite"
    result = CliRunner().invoke(cli, ["consolidate", str(folder), "--db", str(db), "--today", TODAY.isoformat()])
    assert result.exit_code in (0, 1), result.output
    return folder, db


def _report(db: Path, *extra: str) -> dict:
    result = CliRunner().invoke(cli, ["report", "--db", str(db), "--today", TODAY.isoformat(), "--format", "json",
                                      *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_per_rep_numbers_match_an_independent_count(store):
    _folder, db = store
    report = _report(db)
    team = make_team(TODAY)
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    by_rep = {r["rep"]: r for r in report["per_rep"]}
    assert set(by_rep) == set(REPS)
    for rep, data in team.items():
        owner = {c["customer_id"]: c["owner"] for c in data.rows["customers"]}
        mine = [v for v in data.rows["visits"] if isinstance(v["visit_date"], date)
                and owner.get(v["customer_id"], rep) == rep]
        in_period = [v for v in mine if start <= v["visit_date"] <= end]
        assert by_rep[rep]["visits"] == len(in_period), rep
        assert by_rep[rep]["in_person"] == sum(1 for v in in_period if v["method"] == "面访")  # a stable JSON key
        overdue = [v for v in mine if isinstance(v["follow_up_due"], date) and v["follow_up_done"] is None
                   and v["follow_up_due"] < TODAY]
        assert by_rep[rep]["overdue"] == len(overdue), rep
        assert by_rep[rep]["accounts"] == len({c["customer_id"] for c in data.rows["customers"]})
    overdue_list = Counter(row["rep"] for row in report["overdue"])
    assert overdue_list == Counter({r: by_rep[r]["overdue"] for r in REPS if by_rep[r]["overdue"]})


def test_stage_by_grade_matches_kam_grade_on_each_workbook(store):
    folder, db = store
    report = _report(db)
    expected: Counter[tuple[str, str]] = Counter()
    for rep, data in make_team(TODAY).items():
        graded = json.loads(CliRunner().invoke(cli, ["grade", str(folder / f"{rep}.xlsx"), "--format", "json"]).stdout)
        grade = {g["customer_id"]: g["grade"] for g in graded["grades"]}
        seen = set()
        for c in data.rows["customers"]:
            if c["customer_id"] in seen:
                continue
            seen.add(c["customer_id"])
            expected[(c["stage"] or "未填", grade.get(c["customer_id"]) or "未评级")] += 1
    got: Counter[tuple[str, str]] = Counter()
    keys = {"A": "A", "B": "B", "C": "C", "D": "D", "信息不足": "insufficient", "未评级": "not_graded"}
    for row in report["pipeline"]:
        for grade, key in keys.items():
            if row[key]:
                got[(row["stage"], grade)] += row[key]
    assert got == expected
    assert sum(row["total"] for row in report["pipeline"]) == sum(expected.values())


def test_lists_hold_the_planted_team_problems(store):
    report = _report(store[1])
    assert sorted(r["owner"] for r in report["claimed"]) == sorted([REPS[0], REPS[3]])
    assert all(r["customer_name"] for r in report["stale_a"])
    won = [d for d in report["deals"] if d["result"] == "成功"]
    assert won and all(date(2026, 11, 1).isoformat() <= d["recorded_on"] <= TODAY.isoformat() for d in won)
    assert any(c["kind"] == "生日" for c in report["care"])


def test_rep_option_keeps_one_rep(store):
    report = _report(store[1], "--rep", REPS[1])
    assert [r["rep"] for r in report["per_rep"]] == [REPS[1]]
    assert {r["rep"] for r in report["overdue"]} <= {REPS[1]}


def test_changes_since_the_period_before_come_from_the_history(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "team"
    folder.mkdir()
    team = make_team(TODAY)
    rep = REPS[1]
    for name, data in team.items():
        build_workbook(folder / f"{name}.xlsx", "zh", data.rows)
    db = tmp_path / "s.sqlite"
    assert runner.invoke(cli, ["consolidate", str(folder), "--db", str(db), "--today", "2026-10-20"]).exit_code in (0, 1)
    moved = next(c for c in team[rep].rows["customers"] if c["stage"] == "关系建立")
    moved["stage"] = "促成成交"
    build_workbook(folder / f"{rep}.xlsx", "zh", team[rep].rows)
    assert runner.invoke(cli, ["consolidate", str(folder), "--db", str(db), "--today", TODAY.isoformat()]).exit_code in (0, 1)
    report = _report(db, "--period", "2026-11")
    assert [(c["customer_id"], c["stage_before"], c["stage_now"]) for c in report["changes"]] == [
        (moved["customer_id"], "关系建立", "促成成交")]
    # the October report compares with nothing older: no change to show
    assert _report(db, "--period", "2026-10")["changes"] == []


def _span(period):
    return (period.start, period.end)


def test_periods():
    assert _span(parse_period("2026Q4", TODAY)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert _span(parse_period("2026-02", TODAY)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert _span(parse_period("2026", TODAY)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert _span(parse_period(None, TODAY)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert _span(parse_period(None, TODAY, date(2026, 9, 1), date(2026, 9, 15))) == (date(2026, 9, 1), date(2026, 9, 15))
    assert parse_period("2026-13", TODAY) is None and parse_period("Q4", TODAY) is None
    assert _span(parse_period("2026Q4", TODAY).before()) == (date(2026, 7, 1), date(2026, 9, 30))


def test_bad_period_empty_store_and_bad_out_are_one_sentence(store, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--db", str(store[1]), "--period", "2026-13"])
    assert result.exit_code == 2 and "2026Q4" in result.output
    result = runner.invoke(cli, ["report", "--db", str(tmp_path / "new.sqlite"), "--lang", "en"])
    assert result.exit_code == 2 and "kam consolidate" in result.output
    assert not (tmp_path / "new.sqlite").exists()  # asking for a report creates no store
    result = runner.invoke(cli, ["report", "--db", str(store[1]), "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and ".xlsx" in result.output


def _chart_refs(path: Path) -> list[list[str]]:
    """The cell ranges each chart of the .xlsx reads, from the chart parts themselves."""
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        return [[ref.replace("'", "") for ref in re.findall(r"<c:f>([^<]+)</c:f>", z.read(n).decode("utf-8"))]
                for n in charts]  # a sheet name is quoted or not, as the writer likes


def test_xlsx_has_a_sheet_per_section_frozen_filtered_and_three_native_charts(store, tmp_path):
    out = tmp_path / "团队报告.xlsx"
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["各销售", "阶段与等级", "变化", "成交与丢单", "逾期跟进", "撞单", "A级未拜访", "生日节日",
                             "每周拜访"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    per_rep = wb["各销售"]
    heads = [c.value for c in per_rep[1]]
    assert heads[:7] == ["销售", "客户数", "A", "B", "C", "D", "信息不足"]
    charts = _chart_refs(out)
    assert len(charts) == 3
    grades = charts[0]
    n = len(REPS) + 1
    # the grades chart: one series per grade, its name the header cell, categories the rep names
    assert "各销售!$C$1" in grades and f"各销售!$A$2:$A${n}" in grades and f"各销售!$C$2:$C${n}" in grades
    assert sorted(per_rep[f"A{r}"].value for r in range(2, n + 1)) == sorted(REPS)
    funnel = charts[1]
    pipeline = wb["阶段与等级"]
    total_col = [c.value for c in pipeline[1]].index("合计")
    letter = openpyxl.utils.get_column_letter(total_col + 1)
    assert f"阶段与等级!${letter}$2:${letter}$9" in funnel
    weekly = charts[2]
    assert any(ref.startswith("每周拜访!$B$2:$B$") for ref in weekly)
    # a number format a manager reads: dates as dates, the in-person share as a percentage
    share = heads.index("面访占比") + 1
    assert per_rep.cell(2, share).number_format == "0%"
    assert wb["逾期跟进"]["D2"].is_date


def test_html_is_self_contained_with_three_svg_charts(store, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--out",
                                      str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "<script" not in page and "<link" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from elsewhere
    for title in ("Per rep", "Pipeline: stage × grade", "Overdue follow-ups", "Accounts claimed twice",
                  "A accounts not visited lately", "Birthdays and festivals in the next 30 days", "Visits per week"):
        assert f"<h2>{title}</h2>" in page
    assert "@media print" in page
    for rep in REPS:
        assert rep in page


@needs_calc
def test_libreoffice_opens_the_report_xlsx(store, tmp_path):
    out = tmp_path / "r.xlsx"
    assert CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--out",
                                    str(out)]).exit_code == 0
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "r.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000


def test_per_rep_writes_a_file_for_each_rep_holding_only_that_rep(store, tmp_path):
    out = tmp_path / "团队报告.xlsx"
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--out",
                                      str(out), "--per-rep"])
    assert result.exit_code == 0, result.output
    for rep in REPS:
        own = tmp_path / f"团队报告_{rep}.xlsx"
        rows = list(openpyxl.load_workbook(own)["各销售"].iter_rows(min_row=2, values_only=True))
        assert [r[0] for r in rows] == [rep]
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--per-rep"])
    assert result.exit_code == 2 and "--out" in result.output


@pytest.mark.parametrize("n", [0, 1, 3, 2_000, 2_001, 4_001])
def test_streamed_json_is_byte_for_byte_the_json_of_the_whole(n, capsys):
    """`dump_json(stream=...)` writes the records a batch at a time; the text is what json.dumps gives for the
    whole object, whatever the number of records against the batch size."""
    from addin import report

    def records():
        return ({"row": i, "message": f"第{i}行 \"引号\"", "cell": None} for i in range(n))

    report.dump_json({"workbook": "甲.xlsx", "summary": {"errors": n}, "issues": records()}, stream="issues")
    written = capsys.readouterr().out
    whole = {"workbook": "甲.xlsx", "summary": {"errors": n}, "issues": list(records())}
    assert written == json.dumps(whole, ensure_ascii=False) + "\n"
