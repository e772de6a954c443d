"""The method, complete (#25): each new SPEC §4 code on a row that triggers it and a near miss that must not,
in memory; the method's own words accepted; and a workbook without the new columns keeps today's findings."""

import copy
from datetime import date

import pytest

from addin.core.findings import SEVERITY
from addin.core.model import WorkbookData, build_table
from addin.core.schema import CHOICES, SHEETS_BY_KEY
from addin.core.validation import validate
from bench.common import METHOD_COLUMNS
from tests.test_validation import CLEAN, TODAY, _both, _set, codes, run

NEW_CODES = ("stage-gate", "won-amount-missing", "close-date-passed", "amount-suspicious", "service-lapsed",
             "tier-grade-mismatch", "resolution-missing", "customer-not-informed", "satisfaction-drop",
             "coach-neglected", "birthday-missed", "plan-missed", "profile-thin")


def _plan(**values):
    def mutate(d):
        d.setdefault("plans", []).append({"计划日期": date(2026, 11, 18), "客户编号": "C1", "拜访人": "周",
                                          "拜访目的": "方案演示", **values})
    return mutate


def _settings(**values):
    def mutate(d):
        d["settings"] = [{"参数": k, "值": v} for k, v in values.items()]
    return mutate


CLOSING = _set("customers", 0, 开发阶段="促成成交")
TERMS = _set("development", 0, 预计金额=80, 预计签约日=date(2026, 12, 20))
WON = _both(_set("customers", 0, 开发阶段="已成交"), _set("development", 0, 开发结果="成功", 原因总结="决策者认可"))


CASES = [
    # code, trigger, near miss, expected (sheet, row, field)
    ("stage-gate", lambda d: d["contacts"].pop(3), _set("contacts", 3, 购买角色="内线"), ("客户", 2, "")),
    ("stage-gate", _both(CLOSING, TERMS, _set("visits", 0, 被访人="李娜"), _set("visits", 2, 被访人="王伟")),
     _both(CLOSING, TERMS, _set("visits", 0, 被访人="王伟、李娜")), ("客户", 2, "")),
    ("stage-gate", _both(CLOSING, _set("visits", 0, 被访人="王伟")),
     _both(CLOSING, TERMS, _set("visits", 0, 被访人="王伟")), ("客户", 2, "")),
    ("won-amount-missing", WON, _both(WON, _set("development", 0, 成交金额=120)), ("开发记录", 2, "won_amount")),
    ("close-date-passed", _set("development", 0, 预计签约日=date(2026, 11, 21)),
     _set("development", 0, 预计签约日=TODAY), ("开发记录", 2, "expected_close")),
    ("amount-suspicious", _set("development", 0, 预计金额=100_000), _set("development", 0, 预计金额=99_999),
     ("开发记录", 2, "expected_amount")),
    ("amount-suspicious", _set("development", 0, 预算金额="3500000"),
     _both(_set("development", 0, 预算金额="3500000"), _settings(金额单位="元")), ("开发记录", 2, "budget")),
    ("service-lapsed", _both(WON, _set("visits", 0, 拜访日期=date(2026, 10, 22)), _set("visits", 2, 拜访日期=date(2026, 10, 22))),
     _both(WON, _set("visits", 0, 拜访日期=date(2026, 10, 23)), _set("visits", 2, 拜访日期=date(2026, 10, 23))),
     ("客户", 2, "")),
    ("tier-grade-mismatch", _set("customers", 0, 客户层级="松散型"), _set("customers", 0, 客户层级="紧密型"),
     ("客户", 2, "tier")),
    ("tier-grade-mismatch", _set("customers", 1, 客户层级="死党级"), _set("customers", 1, 客户层级="紧密型"),
     ("客户", 3, "tier")),
    ("resolution-missing", _set("visits", 0, 处理结果=None, 告知客户=None),
     _set("visits", 1, 拜访日期=date(2026, 11, 15), 发现问题="交期", 跟进期限=date(2026, 11, 18)),
     ("拜访记录", 2, "resolution")),
    ("resolution-missing", _set("visits", 1, 拜访日期=date(2026, 11, 18), 发现问题="到货破损", 问题类别="投诉",
                                跟进期限=date(2026, 11, 19), 跟进完成=date(2026, 11, 19)),
     _set("visits", 1, 拜访日期=date(2026, 11, 19), 发现问题="到货破损", 问题类别="投诉", 跟进期限=date(2026, 11, 20),
          跟进完成=date(2026, 11, 20)), ("拜访记录", 3, "resolution")),
    ("customer-not-informed", _set("visits", 0, 告知客户=None), _set("visits", 0, 处理结果=None, 告知客户=None),
     ("拜访记录", 2, "customer_informed")),
    ("satisfaction-drop", _both(_set("visits", 0, 满意度=5), _set("visits", 2, 满意度=3)),
     _both(_set("visits", 0, 满意度=5), _set("visits", 2, 满意度=4)), ("拜访记录", 4, "satisfaction")),
    ("satisfaction-drop", _set("visits", 2, 满意度=2), _set("visits", 2, 满意度=3), ("拜访记录", 4, "satisfaction")),
    ("coach-neglected", _set("contacts", 3, 支持度="支持"),
     _both(_set("contacts", 3, 支持度="支持"), _set("visits", 2, 被访人="刘洋")), ("关键人", 5, "")),
    ("coach-neglected", _both(_set("contacts", 3, 支持度="支持"), _set("visits", 0, 被访人="刘洋"),
                              _set("visits", 0, 拜访日期=date(2026, 10, 22))),
     _both(_set("contacts", 3, 支持度="支持"), _set("visits", 0, 被访人="刘洋"), _set("visits", 0, 拜访日期=date(2026, 10, 23))),
     ("关键人", 5, "")),
    ("birthday-missed", _set("contacts", 0, 生日=date(1975, 11, 10)),
     _both(_set("contacts", 0, 生日=date(1975, 11, 10)), _set("visits", 2, 拜访日期=date(2026, 11, 13), 被访人="王伟")),
     ("关键人", 2, "birthday")),
    ("plan-missed", _plan(), _plan(计划日期=date(2026, 11, 5)), ("拜访计划", 2, "planned_on")),
    ("plan-missed", _plan(计划日期=date(2026, 11, 18)), _plan(计划日期=date(2026, 11, 19)), ("拜访计划", 2, "planned_on")),
    ("profile-thin", _set("contacts", 0, 籍贯=None), _set("contacts", 0, 籍贯=None, 兴趣爱好="钓鱼"), ("关键人", 2, "")),
]


@pytest.mark.parametrize("code,trigger,near_miss,where", CASES, ids=[c[0] for c in CASES])
def test_new_rule_triggers_and_near_miss_does_not(code, trigger, near_miss, where):
    hit = run(trigger)
    assert codes(hit, code) == [where], [f.to_dict() for f in hit.findings]
    finding = next(f for f in hit.findings if f.code == code)
    assert finding.severity == SEVERITY[code] == "warning"
    zh, en = finding.message("zh"), finding.message("en")
    assert zh and en and zh != en and "{" not in zh + en
    miss = run(near_miss)
    assert codes(miss, code) == [], [f.to_dict() for f in miss.findings]


def test_every_new_code_has_a_case():
    assert {c[0] for c in CASES} == set(NEW_CODES)


def test_gates_are_named_in_the_message():
    gates = [f.message("zh") for f in run(CLOSING).findings if f.code == "stage-gate"]
    assert len(gates) == 2  # no 面访 met the decision maker, and the latest record has no amount or close date
    assert any("见到决策者" in m for m in gates) and any("预计金额" in m and "预计签约日" in m for m in gates)


def test_a_birthday_greeted_on_the_day_or_due_today_is_not_missed():
    today = _set("contacts", 0, 生日=date(1975, 11, 22))
    assert not codes(run(today), "birthday-missed")
    lunar = _set("contacts", 3, 生日="农历十月初一", 历法="农历")  # 2026-11-09 this year: 13 days ago
    assert codes(run(lunar), "birthday-missed") == [("关键人", 5, "birthday")]
    c2 = _set("contacts", 0, 客户编号="C2", 生日=date(1975, 11, 10))  # a C account: no rule
    assert not codes(run(c2), "birthday-missed")


def test_a_won_account_without_a_tier_is_served_as_close():
    lapsed = _both(WON, _set("customers", 0, 客户层级=None), _set("visits", 0, 拜访日期=date(2026, 8, 23)),
                   _set("visits", 2, 拜访日期=date(2026, 8, 23)))
    assert codes(run(lapsed), "service-lapsed") == [("客户", 2, "")]  # 91 days: past the 90 of 紧密型
    on_time = _both(WON, _set("customers", 0, 客户层级=None), _set("visits", 0, 拜访日期=date(2026, 8, 24)),
                    _set("visits", 2, 拜访日期=date(2026, 8, 24)))
    assert not codes(run(on_time), "service-lapsed")


def _without_new_columns(data):
    tables = {}
    for key, rows in data.items():
        spec = SHEETS_BY_KEY[key]
        omit = METHOD_COLUMNS.get(key, ())
        headers = [f.label.zh for f in spec.fields if not f.computed and f.key not in omit]
        grid = [headers] + [[r.get(h) for h in headers] for r in rows]
        tables[key] = build_table(spec, spec.label.zh, grid)
    return WorkbookData("old.xlsx", tables)


def test_a_workbook_without_the_new_columns_gets_no_finding_that_needs_them():
    data = copy.deepcopy(CLEAN)
    for row in data["visits"]:
        row.pop("告知客户", None)
    data["contacts"][3]["支持度"] = "支持"  # a supportive coach nobody named: 被访人 exists, so coach-neglected may fire
    report = validate(_without_new_columns(data), TODAY)
    found = {f.code for f in report.findings}
    assert not found & {"won-amount-missing", "close-date-passed", "amount-suspicious", "customer-not-informed",
                        "satisfaction-drop", "plan-missed", "profile-thin"}
    assert found == {"coach-neglected"}  # it reads 被访人, which the old template had


@pytest.mark.parametrize("key,word,canonical", [
    ("method", "当面拜访", "面访"), ("method", "上門拜訪", "面访"), ("method", "推广会", "活动"), ("method", "交流會", "活动"),
    ("method", "恳谈会", "活动"), ("method", "联谊会", "活动"), ("role", "内线", "教练"), ("role", "內應", "教练"),
    ("role", "技术买家", "技术把关者"), ("role", "经济买家", "决策者"), ("role", "用户买家", "使用者"),
    ("stage", "确定开发对象", "确定对象"), ("budget_status", "已批覆", "已批复"), ("issue_type", "投訴", "投诉"),
    ("booked", "是", "是"), ("gender", "女", "女"),
])
def test_the_methods_own_words_are_accepted(key, word, canonical):
    assert CHOICES[key].canonical(word) == canonical


@pytest.mark.parametrize("header", ["预计金额", "预计金额（万元）", "预计金额(万元)", "預計金額（萬元）", "expected amount"])
def test_amount_headers_may_carry_their_unit(header):
    assert SHEETS_BY_KEY["development"].field_for_header(header) == "expected_amount"


def test_the_methods_words_in_cells_raise_no_finding():
    words = _both(_set("visits", 0, 拜访方式="当面拜访"), _set("contacts", 3, 购买角色="内线"),
                  _set("customers", 1, 开发阶段="确定开发对象"))
    assert run(words).findings == []


@pytest.mark.parametrize("key,value", [("金额单位", "美元"), ("阶段概率.促成成交", 150), ("售后拜访间隔.战略级", -1)])
def test_broken_new_settings_are_bad_settings(key, value):
    assert [f.code for f in run(_settings(**{key: value})).findings] == ["bad-setting"]


def test_stage_probability_and_service_interval_read_from_settings():
    from addin.core.settings import read_settings

    table = build_table(SHEETS_BY_KEY["settings"], "设置", [["参数", "值"], ["阶段概率.促成成交", 60],
                                                         ["售後拜訪間隔.松散型", 120], ["金額單位", "元"]])
    settings, findings = read_settings(table)
    assert findings == [] and settings.stage_probability("促成成交") == pytest.approx(0.6)
    assert settings.stage_probability("关系建立") == pytest.approx(0.4) and settings.stage_probability(None) == 0
    assert settings.service_interval("松散型") == 120 and settings.service_interval(None) == 90
    assert settings.amount_in_yuan


def test_rules_live_in_modules_named_for_what_they_guard():
    """One function per code, grouped by what it guards; no rule left in a catch-all file."""
    from addin.core.validation import RULES

    modules = {fn.__module__ for fn in RULES.values()}
    assert modules == {f"addin.core.rules.{m}" for m in ("records", "visits", "contacts", "deals", "care")}
    assert len(set(RULES.values())) == len(RULES)  # one function per code
