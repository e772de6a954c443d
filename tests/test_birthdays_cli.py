"""`kam birthdays` on a real file: the SPEC §2 example, text forms, unreadable birthdays listed (never
dropped), and a 生日提醒 sheet with real Excel dates."""

import json
from datetime import datetime

import openpyxl
from click.testing import CliRunner

from addin.cli import cli

HEAD = ["客户编号", "姓名", "购买角色", "生日", "历法"]


def _book(book):
    return book({
        "客户": [["客户编号", "客户名称", "负责销售"], ["C1", "甲公司", "王"]],
        "关键人": [HEAD, ["C1", "周一", "决策者", "1985-10-15", "农历"], ["C1", "吴二", "教练", "腊月初八", None],
                   ["C1", "郑三", "使用者", "明年再说", "公历"], ["C1", "王四", "使用者", "1985-10-31", "农历"],
                   ["C1", "冯五", "使用者", datetime(1990, 11, 30), "公历"]],
    })


def test_lunar_birthdays_as_reps_write_them(book):
    path = _book(book)
    result = CliRunner().invoke(cli, ["birthdays", str(path), "--format", "json", "--today", "2026-11-22",
                                      "--days", "60"])
    data = json.loads(result.output)
    got = {b["name"]: (b["next_date"], b["birthday"], b["calendar"]) for b in data["birthdays"]}
    assert got["周一"] == ("2026-11-23", "农历十月十五", "农历")  # SPEC §2: 1985-10-15 + 农历 = 农历十月十五
    assert got["吴二"] == ("2027-01-15", "农历腊月初八", "农历")
    assert got["冯五"] == ("2026-11-30", "1990-11-30", "公历")
    unreadable = {u["name"]: u["birthday"] for u in data["unreadable"]}
    assert unreadable == {"郑三": "明年再说", "王四": "1985-10-31"}  # listed, not silently dropped


def test_unreadable_birthdays_are_said_and_validate_marks_them(book):
    path = _book(book)
    table = CliRunner().invoke(cli, ["birthdays", str(path), "--today", "2026-11-22", "--lang", "en"]).output
    assert "2 contacts have a birthday kam cannot read" in table
    issues = json.loads(CliRunner().invoke(cli, ["validate", str(path), "--format", "json", "--today",
                                                 "2026-11-22"]).output)["issues"]
    assert sorted(f["cell"] for f in issues if f["code"] == "bad-date") == ["D4", "D5"]


def test_the_birthday_sheet_holds_real_dates(book):
    path = _book(book)
    CliRunner().invoke(cli, ["birthdays", str(path), "--write", "--today", "2026-11-22", "--no-backup"])
    ws = openpyxl.load_workbook(path)["生日提醒"]
    first = [c.value for c in ws[2]]
    assert first[0] == datetime(2026, 11, 23) and ws["A2"].is_date
