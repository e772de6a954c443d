"""Every SPEC §4 code: a row that triggers it and a near miss that must not."""

import copy
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.core.findings import SEVERITY
from addin.core.model import WorkbookData, build_table
from addin.core.schema import SHEETS_BY_KEY
from addin.core.validation import RULES, validate

TODAY = date(2026, 11, 22)

CLEAN = {
    "customers": [
        {"客户编号": "C1", "客户名称": "甲医院", "统一社会信用代码": "91350100M000100Y43", "行业": "医疗", "负责销售": "周",
         "开发阶段": "关系建立", "客户层级": "战略级", "建档日期": date(2025, 1, 5)},
        {"客户编号": "C2", "客户名称": "乙中学", "行业": "教育", "负责销售": "林", "建档日期": "2025/2/1"},
    ],
    "assessment": [
        {"客户编号": "C1", "份额": 5, "经营价值": 5, "投入": 2, "成交风险": 2, "付款风险": 2, "供货难度": 2},
        {"客户编号": "C2", "份额": 3, "经营价值": 3, "投入": 2, "成交风险": 2, "付款风险": 2, "供货难度": 2},
    ],
    "contacts": [
        {"客户编号": "C1", "姓名": "王伟", "购买角色": "决策者", "手机": "13812345678", "影响力": "高", "支持度": "支持",
         "接触度": "中", "籍贯": "福建莆田"},
        {"客户编号": "C1", "姓名": "李娜", "购买角色": "技术把关者", "手机": "+86 139 1234 5678", "影响力": "中"},
        {"客户编号": "C1", "姓名": "张敏", "购买角色": "使用者", "手机": "0571-87654321"},
        {"客户编号": "C1", "姓名": "刘洋", "购买角色": "教练", "生日": date(1980, 12, 1), "历法": "农历"},
    ],
    "development": [
        {"记录日期": date(2026, 11, 1), "客户编号": "C1", "销售人员": "周", "开发结果": "进行中", "累计接触次数": 1,
         "开发总时间(天)": 300, "决策人电话": "010-62345678"},
    ],
    "visits": [
        {"拜访日期": date(2026, 10, 30), "客户编号": "C1", "拜访人": "周", "拜访方式": "面访", "地点": "甲医院",
         "谈话要点": "方案", "发现问题": "预算", "跟进期限": date(2026, 11, 5), "跟进完成": date(2026, 11, 4),
         "处理结果": "报价按预算分两期", "告知客户": date(2026, 11, 4), "负责人意见": "已核实"},
        {"拜访日期": date(2026, 11, 10), "客户编号": "C2", "拜访人": "林", "拜访方式": "电话", "谈话要点": "回访"},
        {"拜访日期": date(2026, 11, 3), "客户编号": "C1", "拜访人": "周", "拜访方式": "电话", "谈话要点": "面访后回访"},
    ],
}


def make(data):
    tables = {}
    for key, rows in data.items():
        spec = SHEETS_BY_KEY[key]
        headers = [f.label.zh for f in spec.fields if not f.computed] if rows is not None else []
        extra = [h for r in rows for h in r if h not in headers]
        headers += list(dict.fromkeys(extra))
        grid = [headers] + [[r.get(h) for h in headers] for r in rows]
        tables[key] = build_table(spec, spec.label.zh, grid)
    return WorkbookData("mem.xlsx", tables)


def run(mutate=None, today=TODAY):
    data = copy.deepcopy(CLEAN)
    if mutate:
        mutate(data)
    return validate(make(data), today)


def codes(report, code):
    return [(f.sheet, f.row, f.field) for f in report.findings if f.code == code]


def test_clean_workbook_has_no_findings():
    report = run()
    assert report.findings == [], [f.to_dict() for f in report.findings]
    assert report.rows_checked == {"客户": 2, "价值评估": 2, "关键人": 4, "开发记录": 1, "拜访记录": 3}


def test_every_spec_code_has_a_rule():
    from addin.core.team import TEAM_RULES

    assert set(RULES) | set(TEAM_RULES) == set(SEVERITY) and not set(RULES) & set(TEAM_RULES)


def _both(*mutations):
    def mutate(d):
        for m in mutations:
            m(d)
    return mutate


def _set(sheet, i, **values):
    def mutate(d):
        d[sheet][i].update(values)
    return mutate


CASES = [
    # code, trigger, near miss, expected (sheet, row, field)
    ("required", _set("visits", 0, 谈话要点=None), _set("visits", 0, 谈话要点="x"), ("拜访记录", 2, "key_points")),
    ("bad-date", _set("visits", 0, 拜访日期="2026-13-01"), _set("visits", 0, 拜访日期="2026年10月30日"),
     ("拜访记录", 2, "visit_date")),
    ("bad-number", _set("assessment", 0, 份额="很高"), _set("assessment", 0, 份额=" 5 "), ("价值评估", 2, "share")),
    ("out-of-range", _set("assessment", 0, 投入=6), _set("assessment", 0, 投入=5), ("价值评估", 2, "effort")),
    ("bad-enum", _set("visits", 0, 拜访方式="飞鸽传书"), _set("visits", 0, 拜访方式="面訪"), ("拜访记录", 2, "method")),
    ("future-date", _set("visits", 1, 拜访日期=date(2026, 11, 23)), _set("visits", 1, 拜访日期=TODAY),
     ("拜访记录", 3, "visit_date")),
    ("future-date", _set("contacts", 3, 生日=date(2026, 11, 23)), _set("contacts", 3, 生日=date(2026, 1, 1)),
     ("关键人", 5, "birthday")),
    ("bad-phone", _set("contacts", 0, 手机="1381234567"), _set("contacts", 0, 手机="+8613812345678"),
     ("关键人", 2, "mobile")),
    ("bad-credit-code", _set("customers", 0, 统一社会信用代码="91350100M000100Y44"),
     _set("customers", 0, 统一社会信用代码="91350100m000100y43"), ("客户", 2, "credit_code")),
    ("duplicate-key", lambda d: d["customers"].append({"客户编号": "C1", "客户名称": "重", "负责销售": "周"}),
     lambda d: d["customers"].append({"客户编号": "C3", "客户名称": "丙", "负责销售": "周"}), ("客户", 4, "customer_id")),
    ("unknown-customer", _set("visits", 1, 客户编号="C9"), _set("visits", 1, 客户编号="C2"),
     ("拜访记录", 3, "customer_id")),
    ("duplicate-row", lambda d: d["visits"].append(dict(d["visits"][1])),
     lambda d: d["visits"].append(dict(d["visits"][1], 谈话要点="另一件事")), ("拜访记录", 5, "")),
    ("location-required", _set("visits", 0, 地点=None), _set("visits", 1, 地点=None), ("拜访记录", 2, "location")),
    ("follow-up-missing", _set("visits", 1, 发现问题="报价高"),
     _set("visits", 1, 发现问题="报价高", 跟进期限=date(2026, 11, 12), 跟进完成=date(2026, 11, 12)),
     ("拜访记录", 3, "follow_up_due")),
    ("follow-up-late", _set("visits", 0, 跟进期限=date(2026, 11, 7), 跟进完成=date(2026, 11, 7)),
     _set("visits", 0, 跟进期限=date(2026, 11, 6), 跟进完成=date(2026, 11, 6)),  # exactly 7 days is fine
     ("拜访记录", 2, "follow_up_due")),
    ("follow-up-before-visit", _set("visits", 0, 跟进完成=date(2026, 10, 29)),
     _set("visits", 0, 跟进完成=date(2026, 10, 30)), ("拜访记录", 2, "follow_up_done")),
    ("follow-up-overdue", _set("visits", 0, 跟进完成=None, 跟进期限=date(2026, 11, 21)),
     _set("visits", 0, 跟进完成=None, 跟进期限=TODAY), ("拜访记录", 2, "follow_up_due")),
    ("visit-overlap",
     lambda d: d["visits"].append(dict(d["visits"][0], 拜访日期=date(2026, 11, 6), 拜访人="林", 谈话要点="另谈")),
     lambda d: d["visits"].append(dict(d["visits"][0], 拜访日期=date(2026, 11, 11), 拜访人="林", 谈话要点="另谈")),
     ("拜访记录", 5, "visitor")),
    ("result-reason-missing", _set("development", 0, 开发结果="成功"),
     _set("development", 0, 开发结果="成功", 原因总结="决策者支持"), ("开发记录", 2, "reason_summary")),
    ("contact-count-low", _set("development", 0, 累计接触次数=0), _set("development", 0, 累计接触次数=1),
     ("开发记录", 2, "contact_count")),
    ("insufficient-info", _set("assessment", 1, 投入=None), _set("assessment", 1, 投入=1), ("客户", 3, "")),
    ("role-missing", lambda d: d["contacts"].pop(3), _set("contacts", 3, 购买角色="教練"), ("客户", 2, "")),
    ("danger-zone", _set("contacts", 0, 接触度="低"), _set("contacts", 1, 接触度="低"), ("关键人", 2, "")),
    ("opposed-influencer", _set("contacts", 0, 支持度="反对"), _set("contacts", 1, 支持度="反对"), ("关键人", 2, "")),
    ("stale-account", _both(_set("visits", 0, 拜访日期=date(2026, 10, 22), 跟进期限=None, 跟进完成=None),
                            _set("visits", 2, 拜访日期=date(2026, 10, 22))),
     _both(_set("visits", 0, 拜访日期=date(2026, 10, 23), 跟进期限=None, 跟进完成=None),
           _set("visits", 2, 拜访日期=date(2026, 10, 23))), ("客户", 2, "")),
    ("coach-not-supportive", _set("contacts", 3, 支持度="中立"), _set("contacts", 3, 支持度="支持"), ("关键人", 5, "")),
    ("stage-ahead-of-grade", _set("assessment", 0, 份额=2, 经营价值=2, 投入=4, 成交风险=4, 付款风险=4, 供货难度=4),
     _both(_set("assessment", 0, 份额=2, 经营价值=2, 投入=4, 成交风险=4, 付款风险=4, 供货难度=4),
           _set("customers", 0, 开发阶段="信息收集")), ("客户", 2, "")),
    ("stage-no-assessment", lambda d: d["assessment"].pop(0), lambda d: d["assessment"].pop(1), ("客户", 2, "")),
    ("result-stage-mismatch", _set("development", 0, 开发结果="成功", 原因总结="决策者支持"),
     _both(_set("development", 0, 开发结果="成功", 原因总结="决策者支持"), _set("customers", 0, 开发阶段="已成交")),
     ("客户", 2, "")),
    ("assessment-stale", _set("assessment", 0, 评估日期=date(2026, 5, 25)), _set("assessment", 0, 评估日期=date(2026, 5, 26)),
     ("价值评估", 2, "assessed_on")),
    ("duplicate-account", lambda d: d["customers"].append({"客户编号": "C3", "客户名称": " 甲 医院 ", "负责销售": "周"}),
     lambda d: d["customers"].append({"客户编号": "C3", "客户名称": "甲医院分院", "负责销售": "周"}), ("客户", 4, "customer_name")),
    ("callback-missing", lambda d: d["visits"].pop(2), _set("visits", 2, 拜访日期=date(2026, 11, 6)),
     ("拜访记录", 2, "method")),
    ("review-missing", _set("visits", 0, 负责人意见=None), _set("visits", 1, 负责人意见=None), ("拜访记录", 2, "manager_comment")),
    ("new-face", _set("visits", 1, 被访人="陈新"), _set("visits", 0, 被访人="王伟、李娜"), ("拜访记录", 3, "visitee")),
]


def test_role_missing_also_for_accounts_being_worked():
    """The method: one unknown buyer is a danger, so role-missing fires at 关系建立/促成成交 whatever the grade."""
    hit = run(_set("customers", 1, 开发阶段="促成成交"))  # C2: grade C, no contacts at all
    assert len([f for f in hit.findings if f.code == "role-missing" and f.customer_id == "C2"]) == 4
    assert "促成成交" in next(f for f in hit.findings if f.code == "role-missing").message("zh")
    assert not [f for f in run(_set("customers", 1, 开发阶段="信息收集")).findings if f.code == "role-missing"]


def test_danger_zone_advises_indirect_contact():
    f = next(x for x in run(_set("contacts", 0, 接触度="低")).findings if x.code == "danger-zone")
    assert "教练" in f.message("zh") and "间接" in f.message("zh") and "indirectly" in f.message("en")


@pytest.mark.parametrize("code,trigger,near_miss,where", CASES, ids=[c[0] for c in CASES])
def test_rule_triggers_and_near_miss_does_not(code, trigger, near_miss, where):
    hit = run(trigger)
    assert codes(hit, code) == [where], [f.to_dict() for f in hit.findings]
    finding = next(f for f in hit.findings if f.code == code)
    assert finding.severity == SEVERITY[code]
    assert finding.message("zh") and finding.message("en") and finding.message("zh") != finding.message("en")
    miss = run(near_miss)
    assert codes(miss, code) == [], [f.to_dict() for f in miss.findings]


def test_missing_sheet_missing_column_duplicate_column():
    data = copy.deepcopy(CLEAN)
    del data["development"]
    book = make(data)
    visits = book.sheets["visits"]
    book.sheets["visits"] = build_table(visits.spec, "拜访记录", [["拜访日期", "客户编号", "拜訪日期"], [date(2026, 1, 1), "C1",
                                                                                            "x"]])
    report = validate(book, TODAY)
    found = {(f.code, f.sheet, f.field) for f in report.findings if f.code.startswith(("missing", "duplicate-col"))}
    assert ("missing-sheet", "开发记录", "") in found
    assert {("missing-column", "拜访记录", k) for k in ("visitor", "method", "key_points")} <= found
    assert ("duplicate-column", "拜访记录", "visit_date") in found


def test_bad_setting_is_reported_and_blocks_grade_rules():
    data = copy.deepcopy(CLEAN)
    book = make(data)
    book.sheets["settings"] = build_table(SHEETS_BY_KEY["settings"], "设置", [["参数", "值"], ["价值门槛", 7]])
    report = validate(book, TODAY)
    assert [f.code for f in report.findings] == ["bad-setting"]
    assert report.findings[0].cell == "B2"


def test_settings_change_the_rules():
    data = copy.deepcopy(CLEAN)
    data["visits"][0].update(跟进期限=date(2026, 11, 7), 跟进完成=date(2026, 11, 7))
    book = make(data)
    book.sheets["settings"] = build_table(SHEETS_BY_KEY["settings"], "设置", [["参数", "值"], ["follow_up_days", 10]])
    assert [f.code for f in validate(book, TODAY).findings] == []


def test_english_and_traditional_values_are_valid():
    data = copy.deepcopy(CLEAN)
    data["visits"][0]["拜访方式"] = "in-person"
    data["visits"][1]["拜访方式"] = "電話"
    data["contacts"][0]["支持度"] = "Supportive"
    assert run(lambda d: d.update(data)).findings == []


def test_datetime_and_serial_dates_are_accepted():
    report = run(_set("visits", 1, 拜访日期=datetime(2026, 11, 10, 15, 30)))
    assert report.findings == []
    report = run(_set("visits", 1, 拜访日期=46336.0))  # 2026-11-10 as a serial in a General cell
    assert report.findings == []


def test_messages_name_the_value_and_the_expectation():
    f = next(x for x in run(_set("visits", 0, 拜访方式="飞鸽传书")).findings if x.code == "bad-enum")
    assert "飞鸽传书" in f.message("zh") and "面访" in f.message("zh") and "微信" in f.message("zh")
    assert "'飞鸽传书'" in f.message("en") and "In-person" in f.message("en") and "WeChat" in f.message("en")
    f = next(x for x in run(_set("assessment", 0, 投入=6)).findings if x.code == "out-of-range")
    assert "6" in f.message("en") and "1 to 5" in f.message("en")


def test_findings_are_sorted_by_sheet_then_row():
    report = run(lambda d: (d["visits"][1].update(谈话要点=None), d["customers"][1].update(负责销售=None)))
    assert [(f.sheet, f.row) for f in report.findings] == [("客户", 3), ("拜访记录", 3)]


def test_overlap_on_each_later_visit_only():
    def three_visits(d):
        base = d["visits"][0]
        d["visits"].pop(2)  # the callback of the clean book: not part of this story
        d["visits"] += [dict(base, 拜访日期=date(2026, 11, 2), 拜访人="林", 谈话要点="b"),
                        dict(base, 拜访日期=date(2026, 11, 3), 拜访人="吴", 谈话要点="c")]
    report = run(three_visits)
    assert codes(report, "visit-overlap") == [("拜访记录", 4, "visitor"), ("拜访记录", 5, "visitor")]


def _overlap_by_scanning_back(visits, window):
    """visit-overlap as the method states it, the slow way: for each visit, look back over the same account's
    earlier visits (by date, then row) until one is more than `window` days old; the first by someone else is
    the overlap. Row index -> (other visitor, other date)."""
    from collections import defaultdict

    by_account = defaultdict(list)
    for i, (cid, when, who) in enumerate(visits):
        if cid and when is not None and who:
            by_account[cid].append((when, i, who))
    found = {}
    for items in by_account.values():
        items.sort()
        for pos, (when, i, who) in enumerate(items):
            for back in range(pos - 1, -1, -1):
                other_date, _, other = items[back]
                if (when - other_date).days > window:
                    break
                if other != who:
                    found[i] = (other, other_date.isoformat())
                    break
    return found


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3", ""]), st.integers(0, 40) | st.none(),
                          st.sampled_from(["周", "林", "吴", ""])), max_size=40),
       st.integers(0, 12))
def test_visit_overlap_is_the_look_back_the_method_describes(visits, window):
    """The rule walks each account's visits once in date order (a run of one visitor's visits ends where
    another's begins); it finds exactly what scanning back from every visit finds, for any window."""
    import dataclasses

    from addin.core.validation import build_context, visit_overlap

    rows = [(cid, None if day is None else date(2026, 10, 1) + timedelta(days=day), who) for cid, day, who in visits]
    data = copy.deepcopy(CLEAN)
    data["visits"] = [{"拜访日期": when, "客户编号": cid, "拜访人": who, "拜访方式": "电话", "谈话要点": "x"}
                      for cid, when, who in rows]
    book = make(data)
    ctx = build_context(book, TODAY)
    ctx.settings = dataclasses.replace(ctx.settings, overlap_days=window)
    header = book.sheets["visits"].header_row
    got = {f.row - header - 1: (f.params["other_visitor"], f.params["other_date"]) for f in visit_overlap(ctx)}
    assert got == _overlap_by_scanning_back(rows, window)


def test_a_callback_missed_but_contacted_since_does_not_ask_to_call_now():
    """callback-missing: with no contact since, it asks for a call now; when the customer was contacted later
    (past 回访天数), it says when and asks for a callback in time next time, not a call now."""
    late = run(_set("visits", 2, 拜访日期=date(2026, 11, 7)))
    finding = next(f for f in late.findings if f.code == "callback-missing")
    assert "2026-11-07" in finding.message("zh") and "尽快" not in finding.message("zh")
    assert "2026-11-07" in finding.message("en") and "soon" not in finding.message("en")
    none = run(lambda d: d["visits"].pop(2))
    assert "尽快" in next(f for f in none.findings if f.code == "callback-missing").message("zh")
