"""kam's cell functions through xlwings' real Windows UDF machinery (decorators, `call_udf`, converters),
run on Linux with pywin32 stubbed in a subprocess (see tests/xlwings_windows.py). Real part: xlwings itself."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.demo import make_demo
from addin.workbook_templates.builder import build_workbook

HERE = Path(__file__).parent
MISSING = {"missing": True}


def _run(calls: list) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "xlwings_windows.py")], input=json.dumps({"calls": calls}),
                          capture_output=True, text=True, cwd=HERE.parent, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _r(cells):
    return {"range": cells}


@pytest.fixture(scope="module")
def pipeline() -> dict:
    calls = [
        ["kam_grade", [4, 3, 3, 3, 3, 3, MISSING]],                                   # literals: doubles
        ["kam_grade", [_r(4), _r("3"), _r(3), _r(3), _r(3), _r(None), MISSING]],       # text number, empty cell
        ["kam_grade", [4, 3, 3, 3, 3, 3, _r([["参数", "值"], ["价值门槛", 4], [None, None]])]],  # 设置 range
        ["kam_grade", [4, 3, 3, 3, 3, 3, _r([["价值门槛", 4]])]],                      # one-row range stays 2-D
        ["kam_grade", [4, 3, 3, 3, 3, 3, _r([["价值门槛", 9]])]],
        ["kam_grade", [_r(6), 3, 3, 3, 3, 3, MISSING]],
        ["kam_value_score", [4, 3, 3, 3, 3, 3, MISSING]],
        ["kam_value_score", [None, 3, 3, 3, 3, 3, MISSING]],
        ["kam_difficulty_score", [4, 3, 3, 3, 3, 4, _r([["权重.供货难度", 0.25]])]],
        ["kam_advice", [1, 2, 2, 2, 2, 2, MISSING]],
        ["kam_grade_table", [_r([[4, 3, 3, 3, 3, 3], [None] * 6, ["x", 1, 1, 1, 1, 1]]), MISSING]],
        ["kam_grade_table", [_r([[4, 3, 3, 3, 3, 3]]), _r([["价值门槛", 4]])]],  # a single row stays a table
        ["kam_next_birthday", [_r({"date": "1980-12-01"}), "公历", _r({"date": "2026-11-22"})]],
        ["kam_next_birthday", [29556, _r("公历"), 46348]],  # serials from a dynamic array arrive as doubles
        ["kam_next_birthday", [_r("soon"), MISSING, MISSING]],
        ["kam_check_mobile", [_r(13812345678)]],
        ["kam_check_mobile", [_r("010-62345678")]],
        ["kam_check_credit_code", [_r("91350100M000100Y43")]],
    ]
    out = _run(calls)
    out["calls"] = calls
    return out


def test_every_udf_answers_through_xlwings_own_pipeline(pipeline):
    res = pipeline["results"]
    assert not [r for r in res if isinstance(r, dict) and "error" in r], res
    assert res[0] == [["A"]] and res[1] == [["信息不足"]]
    assert res[2] == [["C"]] and res[3] == [["C"]]
    assert res[4][0][0].startswith("设置有误") and res[5][0][0].startswith("份额无效")
    assert res[6] == [[3.5]] and res[7] == [[""]] and res[8] == [[3.25]]
    assert res[9] == [["考虑放弃或降低接触"]]
    assert res[10][0] == [3.5, 3.0, "A", "全力以赴"] and res[10][1] == ["", "", "", ""]
    assert res[10][2][2].startswith("份额无效")
    assert res[11] == [[3.5, 3.0, "C", "关注变化，做好关系维护"]]
    assert res[12] == [[{"datetime": "2026-12-01T00:00:00"}]] == res[13]
    assert res[14] == [["生日不是日期"]]
    assert res[15] == [[True]] and res[16] == [[False]] and res[17] == [[True]]


def test_udf_hints_are_converters_xlwings_knows(pipeline):
    """No union or Sequence hint reaches xlwings; ranges are 2-D; the date-dependent function is volatile."""
    for name, info in pipeline["xlfunc"].items():
        for arg in info["args"]:
            assert arg["convert"] == "typing.Any", (name, arg)
        assert info["ret"] == "typing.Any", name
        assert info["volatile"] is (name == "kam_next_birthday"), name
    settings = {n: [a["ndim"] for a in i["args"] if a["name"] == "settings"] for n, i in pipeline["xlfunc"].items()}
    assert all(v == [2] for v in settings.values() if v) and len([v for v in settings.values() if v]) == 5
    assert [a["ndim"] for a in pipeline["xlfunc"]["kam_grade_table"]["args"]] == [2, 2]


def test_generated_vba_wrappers_match_the_snapshot(pipeline):
    """The VBA that xlwings' Import Functions writes for kam (into an add-in: ActiveWorkbook)."""
    vba = pipeline["vba"]
    signatures = [line for line in vba.splitlines() if line.startswith(("Function", "Sub"))]
    golden = (HERE / "golden" / "udf_signatures.txt").read_text(encoding="utf-8").splitlines()
    assert signatures == golden
    assert "ActiveWorkbook, Application.Caller" in vba
    volatile_block = vba.split("Function kam_next_birthday")[1].split("End Function")[0]
    assert "Application.Volatile" in volatile_block
    assert "Application.Volatile" not in vba.split("Function kam_grade(")[1].split("End Function")[0]


def test_every_demo_row_grades_in_excel_as_on_the_command_line(tmp_path):
    path = tmp_path / "demo.xlsx"
    build_workbook(path, "zh", make_demo(date(2026, 11, 22)).rows)
    result = CliRunner().invoke(cli, ["grade", str(path), "--format", "json"])
    cli_grades = {g["customer_id"]: g for g in json.loads(result.output)["grades"]}
    rows = list(openpyxl.load_workbook(path)["价值评估"].iter_rows(min_row=2, values_only=True))
    calls = [["kam_grade", [_r(v) for v in row[1:7]] + [MISSING]] for row in rows]
    calls += [["kam_value_score", [_r(v) for v in row[1:7]] + [MISSING]] for row in rows]
    res = _run(calls)["results"]
    n = len(rows)
    for i, row in enumerate(rows):
        g = cli_grades[row[0]]
        grade, value = res[i][0][0], res[n + i][0][0]
        if g["grade"] is None:
            assert "无效" in grade
        else:
            assert grade == g["grade"] and (value == "" if g["value_score"] is None else
                                            value == pytest.approx(g["value_score"], abs=1e-4))
