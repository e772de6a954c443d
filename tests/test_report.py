"""`kam report` (#14): numbers checked against an independent count over the rows the demo team was built
from; the .xlsx's native charts and the ranges they read (openpyxl and the chart XML); the .html page is
self-contained; changes since the period before come from the snapshot history; LibreOffice opens the .xlsx."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import REPS, make_team
from addin.core.period import parse_period
from addin.workbook_templates.builder import build_workbook
from tests.conftest import needs_calc
from tests.report_oracle import expected

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


def _grades(folder: Path) -> dict[str, dict[str, str]]:
    """Each workbook's grades as `kam grade` gives them (the grading engine, not the report)."""
    out = {}
    for book in sorted(folder.glob("*.xlsx")):
        graded = json.loads(CliRunner().invoke(cli, ["grade", str(book), "--format", "json"]).stdout)
        out[book.stem] = {g["customer_id"]: g["grade"] or "未评级" for g in graded["grades"]}
    return out


def _check_against_oracle(report: dict, rows: dict, grades: dict, start: date, end: date, today: date) -> None:
    """Every figure the oracle recomputes from the rows equals the report's."""
    want = expected(rows, grades, start, end, today)
    assert report["period"]["as_of"] == want.as_of.isoformat()
    assert (report["period"]["before_from"], report["period"]["before_to"]) == tuple(d.isoformat() for d in want.before)
    by_rep = {r["rep"]: r for r in report["per_rep"]}
    follow = {r["rep"]: r for r in report["follow_up"]}
    methods = {r["rep"]: r for r in report["methods"]}
    assert set(by_rep) == set(want.per_rep)
    keys = {"A": "A", "B": "B", "C": "C", "D": "D", "信息不足": "insufficient", "未评级": "not_graded"}
    for rep, w in want.per_rep.items():
        got = by_rep[rep]
        assert got["accounts"] == w.get("accounts", 0), rep
        for grade, key in keys.items():
            assert got[key] == w.get(grade, 0), (rep, grade)
        assert got["visits"] == w.get("visits", 0) and got["visits_before"] == w.get("visits_before", 0), rep
        assert methods[rep]["in_person"] == w.get("in_person", 0) and methods[rep]["total"] == got["visits"], rep
        assert got["won"] == w.get("won", 0) and got["won_amount"] == pytest.approx(w.get("won_amount", 0)), rep
        for key in ("opened", "on_time", "late", "pending", "opened_overdue", "overdue"):
            assert follow[rep][key] == w.get(key, 0), (rep, key)
        assert follow[rep]["rows_checked"] == w.get("accounts", 0) + w.get("visit_rows", 0), rep
    h = report["headline"]
    assert h["accounts"]["now"] == want.headline["accounts"]
    assert h["visits"] == {"now": want.headline["visits"], "before": want.headline["visits_before"]}
    assert h["in_person_share"]["now"] == want.headline["in_person_share"]
    assert h["won"] == {"now": want.headline["won"], "before": want.headline["won_before"]}
    assert h["won_amount"]["now"] == pytest.approx(want.headline["won_amount"])
    assert h["won_amount"]["before"] == pytest.approx(want.headline["won_amount_before"])
    assert h["win_rate"]["now"] == want.headline["win_rate"]
    assert h["pipeline"]["now"] == pytest.approx(want.headline["pipeline"])
    assert h["pipeline"]["before"] == pytest.approx(want.headline["pipeline_before"])
    assert h["forecast"]["now"] == pytest.approx(want.headline["forecast"])
    assert h["overdue"]["now"] == want.headline["overdue"]
    value = {r["stage"]: r for r in report["pipeline_value"]}
    for stage, amount in want.pipeline_value.items():
        assert value[stage]["total"] == pytest.approx(amount) and value[stage]["weighted"] == pytest.approx(
            want.weighted[stage]), stage
    assert sorted((d["customer_id"], d["result"], d["rep"]) for d in report["deals"]) == sorted(want.deals)
    trend = {r["month"]: r["visit_count"] for r in report["trend"]}
    for month, n in trend.items():
        assert n == want.monthly_visits.get(month, 0), month
    weekly = {(r["week_start"], r["rep"]): r["visits"] for r in report["weekly"] if r["visits"]}
    assert weekly == want.weekly


def _team_rows(team) -> dict:
    return {rep: data.rows for rep, data in team.items()}


def test_every_figure_matches_an_independent_count_from_the_rows(store):
    folder, db = store
    rows, grades = _team_rows(make_team(TODAY)), _grades(folder)
    for period, start, end in (("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
                               ("2026-10", date(2026, 10, 1), date(2026, 10, 31))):
        _check_against_oracle(_report(db, "--period", period), rows, grades, start, end, TODAY)


def test_numbers_agree_with_one_another(store):
    """SPEC §9's invariants: a rep's accounts are the sum of the grade columns; the headline is the sum of the
    reps; the charts' tables add up to the same; follow-ups set = on time + late + not yet due + overdue ones."""
    report = _report(store[1], "--period", "2026-11")
    grade_keys = ("A", "B", "C", "D", "insufficient", "not_graded")
    for r in report["per_rep"]:
        assert r["accounts"] == sum(r[k] for k in grade_keys)
    assert report["headline"]["accounts"]["now"] == sum(r["accounts"] for r in report["per_rep"])
    assert sum(r["total"] for r in report["pipeline"]) == report["headline"]["accounts"]["now"]
    assert report["headline"]["visits"]["now"] == sum(r["visits"] for r in report["per_rep"])
    assert sum(r["visits"] for r in report["weekly"] if r["week_start"] >= "2026-11-02") <= \
        report["headline"]["visits"]["now"]
    assert report["headline"]["won_amount"]["now"] == pytest.approx(sum(r["won_amount"] for r in report["won_lost"]))
    assert report["headline"]["pipeline"]["now"] == pytest.approx(sum(r["total"] for r in report["pipeline_value"]))
    assert report["headline"]["forecast"]["now"] == pytest.approx(sum(r["weighted"] for r in report["pipeline_value"]))
    assert report["trend"][-1]["won_amount"] == pytest.approx(report["headline"]["won_amount"]["now"])
    assert report["trend"][-1]["pipeline"] == pytest.approx(report["headline"]["pipeline"]["now"])
    for f in report["follow_up"]:
        assert f["on_time"] + f["late"] + f["pending"] + f["opened_overdue"] == f["opened"]
        assert f["opened_overdue"] <= f["overdue"]  # the period's overdue are among all overdue
    won = sum(1 for d in report["deals"] if d["result"] == "成功")
    assert won == report["headline"]["won"]["now"] == sum(r["won"] for r in report["won_lost"])


def test_the_team_findings_and_attention_lines(store):
    report = _report(store[1])
    claims = [r for r in report["team"] if r["code"] == "account-claimed-twice"]
    assert len(claims) == 1  # once, naming both reps
    assert set(claims[0]["reps"].split("、")) == {REPS[0], REPS[3]}
    assert [r["code"] for r in report["team"]].count("team-visit-overlap") == 1
    # the two visits recomputed from the rows: the earlier first in reps, dates, IDs and workbooks alike
    overlap = next(r for r in report["team"] if r["code"] == "team-visit-overlap")
    team = make_team(TODAY)
    name = {book: {c["customer_id"]: c["customer_name"] for c in data.rows["customers"]} for book, data in team.items()}
    ids = dict(zip(overlap["workbook"].split("、"), overlap["customer_id"].split("、"), strict=True))
    visits = sorted((v["visit_date"].isoformat(), v["visitor"], book) for book, data in team.items()
                    for v in data.rows["visits"] if book + ".xlsx" in ids and v.get("customer_id") == ids[book + ".xlsx"]
                    and isinstance(v.get("visit_date"), date))
    assert len({name[b.removesuffix(".xlsx")][i] for b, i in ids.items()}) == 1  # one organisation, two IDs
    pair = next((a, b) for a, b in pairwise(visits) if a[2] != b[2]
                and overlap["detail"] == f"{a[0]}、{b[0]}")
    assert overlap["reps"] == f"{pair[0][1]}、{pair[1][1]}"
    assert overlap["workbook"] == f"{pair[0][2]}.xlsx、{pair[1][2]}.xlsx"
    assert claims[0]["workbook"].count(".xlsx") == 2 and "/" not in claims[0]["customer_id"]
    stale = [r for r in report["attention"] if r["stale"]]
    assert [r["rep"] for r in stale] == [REPS[2]]
    assert sorted(r["workbook"] for r in report["attention"]) == sorted(f"{rep}.xlsx" for rep in REPS)
    assert all(r["customer_name"] for r in report["stale_a"])
    assert any(c["kind"] == "birthday" for c in report["care"])
    festivals = [c for c in report["care"] if c["kind"].startswith("festival")]
    for f in festivals:  # each festival once per rep, each account once, nothing cut short
        ids = f["customer_id"].split("、")
        assert len(ids) == len(set(ids)) and "…" not in f["customer_name"]
    assert len({(f["kind"], f["rep"]) for f in festivals}) == len(festivals)


def test_rep_option_keeps_one_rep(store):
    report = _report(store[1], "--rep", REPS[1])
    assert [r["rep"] for r in report["per_rep"]] == [REPS[1]]
    assert {r["rep"] for r in report["overdue"]} <= {REPS[1]}
    assert {r["rep"] for r in report["deals"]} <= {REPS[1]}


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
    first = _report(db, "--period", "2026-10")  # the only snapshot is from inside the period: nothing before it
    assert first["changes"] == [] and first["notes"]["changes"] == "首次汇总，无上期对比。"  # SPEC §9's words
    moved = next(c for c in team[rep].rows["customers"] if c["stage"] == "关系建立")
    moved["stage"] = "促成成交"
    build_workbook(folder / f"{rep}.xlsx", "zh", team[rep].rows)
    assert runner.invoke(cli, ["consolidate", str(folder), "--db", str(db), "--today", TODAY.isoformat()]).exit_code in (0, 1)
    report = _report(db, "--period", "2026-11")
    assert [(c["customer_id"], c["stage_before"], c["stage_now"]) for c in report["changes"]] == [
        (moved["customer_id"], "关系建立", "促成成交")]
    assert "changes" not in report["notes"]
    # the October report compares with nothing older: it says so
    october = _report(db, "--period", "2026-10")
    assert october["changes"] == [] and "首次汇总" in october["notes"]["changes"]


def test_future_rows_and_ungraded_accounts_on_a_second_snapshot(tmp_path):
    """A visit and a win dated after the as-of day are not counted anywhere; accounts without an assessment
    are 未评级 and still add up; the second snapshot's figures match the oracle too."""
    folder = tmp_path / "team"
    folder.mkdir()
    team = make_team(TODAY)
    rep = REPS[0]
    rows = team[rep].rows
    cid = rows["customers"][0]["customer_id"]
    rows["visits"].append({**rows["visits"][0], "customer_id": cid, "visit_date": TODAY + timedelta(days=3),
                           "method": "面访", "follow_up_due": TODAY + timedelta(days=1), "follow_up_done": None})
    rows["development"].append({**rows["development"][0], "customer_id": cid, "recorded_on": TODAY + timedelta(days=2),
                                "result": "成功", "won_amount": 999, "reason_summary": "提前写的"})
    for n in range(2):
        rows["customers"].append({**rows["customers"][1], "customer_id": f"C095{n}", "customer_name": f"新客户{n}号",
                                  "credit_code": None})
    moved = rows["customers"][2]  # an account in this rep's workbook that another rep owns: its visits are theirs
    moved["owner"] = REPS[1]
    for back in (1, 9, 40):
        rows["visits"].append({**rows["visits"][0], "customer_id": moved["customer_id"],
                               "visit_date": TODAY - timedelta(days=back), "method": "电话"})
    for name, data in team.items():
        build_workbook(folder / f"{name}.xlsx", "zh", data.rows)
    db = tmp_path / "s.sqlite"
    runner = CliRunner()
    assert runner.invoke(cli, ["consolidate", str(folder), "--db", str(db), "--today", "2026-10-20"]).exit_code in (0, 1)
    rows["visits"].append({**rows["visits"][1], "customer_id": "C0950", "visit_date": TODAY - timedelta(days=1),
                           "method": "电话"})
    build_workbook(folder / f"{rep}.xlsx", "zh", rows)
    assert runner.invoke(cli, ["consolidate", str(folder), "--db", str(db), "--today", TODAY.isoformat()]).exit_code in (0, 1)
    report = _report(db, "--period", "2026-11")
    _check_against_oracle(report, _team_rows(team), _grades(folder), date(2026, 11, 1), date(2026, 11, 30), TODAY)
    mine = next(r for r in report["per_rep"] if r["rep"] == rep)
    assert mine["not_graded"] >= 2
    assert all(d["recorded_on"] <= TODAY.isoformat() for d in report["deals"])
    assert 999 not in [d["won_amount"] for d in report["deals"]]


def test_nothing_handed_out_carries_an_absolute_path(store, tmp_path):
    folder, db = store
    out = {}
    for suffix in (".html", ".xlsx"):
        target = tmp_path / f"r{suffix}"
        assert CliRunner().invoke(cli, ["report", "--db", str(db), "--today", TODAY.isoformat(), "--out",
                                        str(target)]).exit_code == 0
        out[suffix] = target
    texts = [out[".html"].read_text(encoding="utf-8"), json.dumps(_report(db), ensure_ascii=False)]
    texts.append(CliRunner().invoke(cli, ["report", "--db", str(db), "--today", TODAY.isoformat(), "--format",
                                          "text"]).stdout)
    with zipfile.ZipFile(out[".xlsx"]) as z:
        texts += [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")]
    for text in texts:
        assert str(folder) not in text and str(tmp_path) not in text and "/tmp/" not in text


def test_text_summary_fits_a_chat_message(store):
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--format",
                                      "text"])
    assert result.exit_code == 0, result.output
    text = result.stdout.strip()
    report = _report(store[1])
    assert len(text) <= 1500
    assert not re.search(r"[│┃━─┏┗╋┼]", text)  # no table drawing
    assert text.startswith("【团队报告 2026-11】")
    assert f"拜访 {report['headline']['visits']['now']} 次" in text
    assert "撞单：" in text and REPS[0] in text and REPS[3] in text
    assert f"{REPS[2]}（{REPS[2]}.xlsx）" in text  # the stale workbook needs attention
    assert "加权预测" in text


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


@pytest.mark.parametrize(("args", "says", "not_says"), [
    (["--period", "2026Q4", "--from", "2026-11-01"], ["--period 2026Q4", "--from/--to"], ["看不懂"]),
    (["--from", "2026-12-31", "--to", "2026-01-01"], ["--from 2026-12-31", "--to 2026-01-01"], ["--period"]),
])
def test_each_bad_option_names_the_right_one(store, args, says, not_says):
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), *args])
    assert result.exit_code == 2 and "Traceback" not in result.output
    line = result.output.strip()
    assert len(line.splitlines()) == 1
    assert all(s in line for s in says) and not any(s in line for s in not_says), line


def test_a_store_in_a_missing_folder_is_named_as_such(tmp_path):
    missing = tmp_path / "没有这个文件夹" / "kam-team.sqlite"
    build_workbook(tmp_path / "张三.xlsx", "zh")
    for command in (["report"], ["consolidate", str(tmp_path / "张三.xlsx")]):
        result = CliRunner().invoke(cli, [*command, "--db", str(missing)])
        assert result.exit_code == 2, result.output
        assert "没有这个文件夹" in result.output and "不存在" in result.output
        assert "kam consolidate 文件夹" not in result.output  # not "the store is empty"
    assert not missing.parent.exists()


@pytest.fixture
def read_only_copy(store, tmp_path):
    """The store on a real read-only file system (a read-only bind mount: the kernel refuses every write)."""
    folder = tmp_path / "只读"
    folder.mkdir()
    shutil.copy2(store[1], folder / "kam-team.sqlite")
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("needs mount privileges (root in the CI container) to make a read-only file system")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True, capture_output=True)
        yield folder / "kam-team.sqlite"
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_report_opens_a_store_on_a_read_only_file_system(read_only_copy, store):
    with pytest.raises(OSError):
        (read_only_copy.parent / "probe").write_text("x")
    before = read_only_copy.read_bytes()
    on_read_only = _report(read_only_copy)
    assert on_read_only == _report(store[1])
    assert read_only_copy.read_bytes() == before and sorted(p.name for p in read_only_copy.parent.iterdir()) == [
        "kam-team.sqlite"]  # no -wal, no -shm, nothing written


def test_targets_vs_actual_with_bad_rows_said_and_left_out(store, tmp_path):
    from tests.conftest import write_book

    book = write_book(tmp_path / "目标.xlsx", {"目标": [
        ["负责销售", "期间", "拜访数", "面访数", "新建客户数", "成交金额"],
        [REPS[0], "2026-11", 20, 8, 1, 300],
        [REPS[1], date(2026, 11, 1), 15, 6, 0, 100],  # Excel made 2026-11 a date: read as its month
        ["王不在", "2026-11", 10, 5, 1, 50],
        [REPS[2], "十一月", 10, 5, 1, 50],
        [REPS[3], "2026-11", -3, 5, 1, 50],
        [REPS[0], "2026-11", 99, 9, 9, 999],
        [REPS[3], "2026Q4", 30, 10, 2, 500],
    ]})
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--format",
                                      "json", "--targets", str(book)])
    assert result.exit_code == 0, result.output
    said = result.stderr.strip().splitlines()
    assert len(said) == 4
    assert "A4" in said[0] and "王不在" in said[0]
    assert "B5" in said[1] and "十一月" in said[1]
    assert "C6" in said[2] and "-3" in said[2]
    assert "A7" in said[3] and "第 2 行" in said[3]
    report = json.loads(result.stdout)
    rows = {r["rep"]: r for r in report["targets"]}
    assert set(rows) == {REPS[0], REPS[1]}  # 2026Q4 is another period; the bad rows are left out
    per_rep = {r["rep"]: r for r in report["per_rep"]}
    for rep, target in ((REPS[0], 300), (REPS[1], 100)):
        assert rows[rep]["won_amount_target"] == target
        assert rows[rep]["visits"] == per_rep[rep]["visits"] and rows[rep]["won_amount"] == per_rep[rep]["won_amount"]
    quarter = json.loads(CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(),
                                                  "--format", "json", "--targets", str(book), "--period",
                                                  "2026Q4"]).stdout)
    assert [r["rep"] for r in quarter["targets"]] == [REPS[3]]
    text = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--format", "text",
                                    "--targets", str(book)]).stdout
    assert "成交目标 400 万元" in text


def test_postgresql_gives_the_same_report_as_sqlite(store, postgres_url):
    import psycopg

    folder, db = store
    with psycopg.connect(postgres_url.replace("/kam?", "/postgres?"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS kam_report")
        conn.execute("CREATE DATABASE kam_report")
    url = postgres_url.replace("/kam?", "/kam_report?")
    result = CliRunner().invoke(cli, ["consolidate", str(folder), "--db", url, "--today", TODAY.isoformat()])
    assert result.exit_code in (0, 1), result.output
    for period in ("2026-11", "2026Q3", "本周"):
        assert _report(url, "--period", period) == _report(db, "--period", period), period


def _chart_refs(path: Path) -> list[list[str]]:
    """The cell ranges each chart of the .xlsx reads, from the chart parts themselves."""
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        return [[ref.replace("'", "") for ref in re.findall(r"<c:f>([^<]+)</c:f>", z.read(n).decode("utf-8"))]
                for n in charts]  # a sheet name is quoted or not, as the writer likes


def test_xlsx_has_a_sheet_per_section_frozen_filtered_printable_and_native_charts(store, tmp_path):
    out = tmp_path / "团队报告.xlsx"
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:4] == ["要点", "需要关注", "团队问题", "各销售"]
    assert {"在谈金额", "预计签约", "成交与丢单", "阶段转化", "精力分配", "售后服务", "客户问题", "满意度", "趋势"} <= set(
        wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # OOXML: absent = 1
        assert ws.print_title_rows == "$1:$1"
    per_rep = wb["各销售"]
    heads = [c.value for c in per_rep[1]]
    assert heads[:8] == ["销售", "客户数", "A", "B", "C", "D", "信息不足", "未评级"]
    assert len(heads) <= 14  # one page width, readable
    charts = _chart_refs(out)
    assert len(charts) == 4
    grades, funnel, weekly, trend = charts
    n = len(REPS) + 1
    # the grades chart: one series per grade (未评级 too), its name the header cell, categories the rep names
    assert "各销售!$C$1" in grades and f"各销售!$A$2:$A${n}" in grades and f"各销售!$H$2:$H${n}" in grades
    assert sorted(per_rep[f"A{r}"].value for r in range(2, n + 1)) == sorted(REPS)
    value = wb["在谈金额"]
    stages = [value.cell(r, 1).value for r in range(2, 7)]
    assert stages == ["确定对象", "信息收集", "价值评估", "关系建立", "促成成交"]  # the working stages, no 已终止/未填
    total = openpyxl.utils.get_column_letter([c.value for c in value[1]].index("合计") + 1)
    assert f"在谈金额!${total}$2:${total}$6" in funnel
    with zipfile.ZipFile(out) as z:
        xml = [z.read(n).decode("utf-8") for n in sorted(z.namelist()) if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    assert "<c:barDir val=\"bar\"/>" in xml[1] and "<c:grouping val=\"stacked\"/>" in xml[1]  # centred funnel
    assert any(ref.startswith("每周拜访!$B$2:$B$") for ref in weekly)
    assert any(ref.startswith("趋势!") for ref in trend)
    # one colour per rep: the weekly lines carry the colour the .html uses for the same rep
    from addin.docs.teamout import REP_COLORS
    for i, _rep in enumerate(sorted(REPS)):
        assert REP_COLORS[i].lstrip("#").upper() in xml[2].upper()
    share = heads.index("面访占比") + 1
    assert per_rep.cell(2, share).number_format == "0%"
    assert wb["逾期跟进"]["D2"].is_date


def test_html_is_self_contained_with_four_svg_charts_and_a_print_layout(store, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), "--today", TODAY.isoformat(), "--out",
                                      str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and "<script" not in page and "<link" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from elsewhere
    for title in ("At a glance", "Who needs attention: each workbook", "Per rep", "Overdue follow-ups",
                  "A accounts not visited lately", "Stage conversion (last 12 months)", "The last 12 months"):
        assert f"<h2>{title}</h2>" in page
    assert "@page { size: A4 landscape" in page and "thead { display: table-header-group; }" in page
    # each short section kept whole on a printed page: its heading never alone at a page's foot
    assert re.search(r'<section class="keep">\s*<h2>Per rep</h2>', page)
    assert "figure, .keep { break-inside: avoid; }" in page
    for rep in REPS:
        assert rep in page
    assert "、" not in page and "x 10,000" not in page and "(10k CNY)" in page  # English lists and units


@needs_calc
def test_the_printed_report_pairs_its_lists_says_its_units_and_cuts_nothing(store, tmp_path):
    """A manager's print: a percent reads the same in .html, .xlsx and the text (halves up, as Excel's 0%); a
    festival row names each account beside its ID (two accounts of one name are two names); a rep with no
    visit has no 面访 share (not 0%); the headline's amounts carry their unit; counts are whole numbers; a
    header or a text longer than its column wraps in a row tall enough for it."""
    from addin.docs.teamout import percent

    assert [percent(x) for x in (0.125, 0.145, 0.3846, 0.005, 0.0)] == ["13%", "15%", "38%", "1%", "0%"]
    day = ["--today", "2026-12-06"]
    out, page = tmp_path / "r.xlsx", tmp_path / "r.html"
    for target in (out, page):
        assert CliRunner().invoke(cli, ["report", "--db", str(store[1]), *day, "--out", str(target)]).exit_code == 0
    result = CliRunner().invoke(cli, ["report", "--db", str(store[1]), *day, "--format", "json"])
    report = json.loads(result.stdout)
    names = {c["customer_id"]: c["customer_name"] for data in make_team(TODAY).values()
             for c in data.rows["customers"]}
    festivals = [r for r in report["care"] if r["kind"].startswith("festival")]
    assert festivals
    for r in festivals:
        ids = r["customer_id"].split("、")
        assert r["customer_name"].split("、") == [names[i] for i in ids], r
    # the birthdays the headline counts are listed, each greeted or not as the visits say (within 3 days)
    assert report["headline"]["birthdays_due"]["now"] == len(report["birthdays"]) > 0
    assert report["headline"]["birthdays_greeted"]["now"] == sum(r["greeted"] for r in report["birthdays"])
    visits = [v for data in make_team(TODAY).values() for v in data.rows["visits"]]
    for r in report["birthdays"]:
        when = date.fromisoformat(r["date"])
        assert "2026-12-01" <= r["date"] <= "2026-12-06", r
        met = any(v.get("customer_id") == r["customer_id"] and r["contact"] in str(v.get("visitee") or "")
                  and isinstance(v.get("visit_date"), date) and abs((v["visit_date"] - when).days) <= 3
                  for v in visits)
        assert r["greeted"] == met, r
    # the deals count from 开发记录, the accounts by stage from 客户: the note under the deals says so
    deals = sum(r["deals"] for r in report["pipeline_value"])
    working = sum(r["total"] for r in report["pipeline"] if r["stage"] in {r2["stage"] for r2 in report["pipeline_value"]})
    assert deals != working and "开发记录" in report["notes"]["pipeline_value"]
    idle = [r for r in report["per_rep"] if r["visits"] == 0]
    assert idle and all(r["in_person_share"] is None for r in idle)
    assert all(r["in_person_share"] is not None for r in report["per_rep"] if r["visits"])
    html_text = page.read_text(encoding="utf-8")
    for r in report["conversion"]:
        if r["rate"] is not None:
            assert f">{percent(r['rate'])}<" in html_text, r
    wb = openpyxl.load_workbook(out)
    glance = wb["要点"]
    money = {row[0].value: row[1] for row in glance.iter_rows(min_row=2) if row[0].value}
    for label in ("成交金额（万元）", "在谈金额（万元）", "加权预测（万元）"):
        assert money[label].number_format == "#,##0.00", label
    assert any("2026-12-06" in str(c.value) and "金额单位：万元" in str(c.value) for c in glance["A"] if c.value)
    for ws in wb.worksheets:
        widths = {i: dim.width for dim in ws.column_dimensions.values() for i in range(dim.min, dim.max + 1)}
        for row in ws.iter_rows(max_row=ws.max_row):
            for cell in row:
                v = cell.value
                if isinstance(v, float) and cell.number_format == "General":
                    assert not v.is_integer(), (ws.title, cell.coordinate, v)  # 211, not 211.0
                if not isinstance(v, str) or cell.font.i:  # the notes under a table run on
                    continue
                size = sum(2 if ord(ch) > 0x2E80 else 1 for ch in v)
                if size > widths.get(cell.column, 8.43):  # it needs a second line: it wraps, in a row with room
                    assert cell.alignment.wrap_text, (ws.title, cell.coordinate)
                    assert (ws.row_dimensions[cell.row].height or 15) >= 30, (ws.title, cell.coordinate)


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
        book = openpyxl.load_workbook(own)
        rows = list(book["各销售"].iter_rows(min_row=2, values_only=True))
        assert [r[0] for r in rows if r[1] is not None] == [rep]  # the note under the table has no figures
        assert {r[1] for r in book["需要关注"].iter_rows(min_row=2, values_only=True) if r[1]} == {rep}
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


def _fifty_workbooks(folder: Path) -> dict:
    """50 rep workbooks made from the demo team's rows: own rep, own account IDs and names, dates shifted."""
    import copy

    team = make_team(TODAY)
    rows_by_book = {}
    for b in range(50):
        rows = copy.deepcopy(team[REPS[b % len(REPS)]].rows)
        rep, shift = f"销售{b:02d}", timedelta(days=b % 9)
        ids = {c["customer_id"]: f"W{b:02d}{c['customer_id']}" for c in rows["customers"]}
        for key, sheet in rows.items():
            for row in sheet:
                if row.get("customer_id") in ids:
                    row["customer_id"] = ids[row["customer_id"]]
                for k in ("visit_date", "follow_up_due", "follow_up_done", "recorded_on"):
                    if isinstance(row.get(k), date) and row[k] - shift <= TODAY:
                        row[k] = row[k] - shift
                if key == "customers":
                    row.update(owner=rep, customer_name=f"{row['customer_name']}{b:02d}", credit_code=None)
        build_workbook(folder / f"{rep}.xlsx", "zh", rows)
        rows_by_book[rep] = rows
    return rows_by_book


def test_a_fifty_workbook_store_matches_the_independent_count(tmp_path):
    """The SQL aggregation at more than a handful of workbooks: every figure the oracle recomputes in memory
    from the 50 workbooks' rows equals the report's, this month (running) and last month."""
    folder = tmp_path / "团队"
    folder.mkdir()
    rows = _fifty_workbooks(folder)
    db = tmp_path / "s.sqlite"
    result = CliRunner().invoke(cli, ["consolidate", str(folder), "--db", str(db), "--today", TODAY.isoformat()])
    assert result.exit_code in (0, 1), result.output
    grades = _grades(folder)
    for period, start, end in (("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
                               ("2026-10", date(2026, 10, 1), date(2026, 10, 31))):
        report = _report(db, "--period", period)
        assert len(report["per_rep"]) == 50
        _check_against_oracle(report, rows, grades, start, end, TODAY)
