"""The grading model of SPEC §3: boundaries, empty factors, settings, explanations and properties."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.core.grading import FACTORS, INSUFFICIENT, classify, grade_factors, grade_workbook
from addin.core.model import WorkbookData, build_table
from addin.core.schema import ASSESSMENT, CUSTOMERS, SETTINGS
from addin.core.settings import Settings, read_settings

S = Settings()


def f(share, bv, effort, deal, pay, deliv):
    return dict(zip(FACTORS, (share, bv, effort, deal, pay, deliv), strict=True))


@pytest.mark.parametrize("factors,grade,v,d", [
    (f(4, 3, 3, 3, 3, 3), "A", 3.5, 3.0),          # exact boundaries V = 3.5, D = 3.0 are in A
    (f(4, 3, 3, 3, 3, 4), "B", 3.5, 3.25),
    (f(3, 3, 3, 3, 3, 3), "C", 3.0, 3.0),
    (f(3, 3, 4, 3, 3, 3), "D", 3.0, 3.25),
    (f(5, 5, 1, 1, 1, 1), "A", 5.0, 1.0),
    (f(1, 1, 5, 5, 5, 5), "D", 1.0, 5.0),
])
def test_grade_table(factors, grade, v, d):
    g = grade_factors(factors, S)
    assert (g.grade, g.value_score, g.difficulty_score) == (grade, v, d)


def test_tolerance_makes_3_4999999999_count_as_3_5():
    assert classify(3.4999999999, 3.0000000001, S) == "A"
    assert classify(3.4999999, 3.0, S) == "C"


@pytest.mark.parametrize("grade,advice_zh,advice_en", [
    ("A", "全力以赴", "Go all in"),
    ("B", "控制投入，做好关系维护", "Control the investment and keep the relationship warm"),
    ("C", "关注变化，做好关系维护", "Watch for changes and keep the relationship warm"),
    ("D", "暂缓观察", "Hold off and observe"),
])
def test_advice_per_grade(grade, advice_zh, advice_en):
    factors = {"A": f(4, 4, 2, 2, 2, 2), "B": f(4, 4, 4, 4, 4, 4), "C": f(3, 3, 2, 2, 2, 2),
               "D": f(3, 3, 4, 4, 4, 4)}[grade]
    g = grade_factors(factors, S)
    assert g.grade == grade and not g.abandon
    assert g.advice("zh") == advice_zh and g.advice("en") == advice_en


def test_abandon_overrides_advice_whatever_the_grade():
    low_value = grade_factors(f(1, 2, 2, 2, 2, 2), S)  # V = 1.5 <= abandon_value
    assert low_value.grade == "C" and low_value.abandon
    assert low_value.advice() == "考虑放弃或降低接触"
    hard = grade_factors(f(5, 5, 5, 5, 4, 4), S)  # D = 4.5 >= abandon_difficulty
    assert hard.grade == "B" and hard.abandon and "dropping" in hard.advice("en")
    assert not grade_factors(f(2, 2, 4, 4, 4, 5), S).abandon  # V 2, D 4.25


def test_empty_factor_gives_insufficient_with_the_complete_axis_scored():
    g = grade_factors(f(4, None, 2, 2, 3, 3), S)
    assert g.grade == INSUFFICIENT and g.grade_text("en") == "INSUFFICIENT"
    assert g.value_score is None and g.difficulty_score == 2.5
    assert g.advice() == "继续收集信息" and g.advice("en") == "Keep gathering information"
    assert "经营价值" in g.explanation() and "Business value" in g.explanation("en")


def test_explanation_names_the_smallest_lift():
    g = grade_factors(f(3, 3, 2, 2, 2, 2), S)  # C, V = 3.0: business value 3 -> 4 gives V 3.5 -> A
    assert g.grade == "C"
    assert "由 3 改为 4 可升为 A" in g.explanation()
    assert "would lift it to A" in g.explanation("en")
    g = grade_factors(f(4, 4, 4, 3, 3, 3), S)  # B with D 3.25: effort 4 -> 3 gives 3.0 -> A
    assert "“投入”由 4 改为 3 可升为 A" in g.explanation()


def test_explanation_when_no_single_change_lifts():
    g = grade_factors(f(1, 1, 5, 5, 5, 5), S)
    assert g.grade == "D" and "单改一项升不了级（价值分要达到 3.5、难度分要降到 3，现为 1.00 和 5.00）" in g.explanation() \
        and "价值分 1.00 已低到放弃线 1.5" in g.explanation()


def test_a_explains_what_would_drop_it():
    g = grade_factors(f(4, 3, 3, 3, 3, 3), S)
    assert g.grade == "A" and "已是最高等级" in g.explanation() and "将降为" in g.explanation()


def test_custom_weights_and_thresholds():
    s = replace(S, weight_share=3.0, weight_business_value=1.0, value_threshold=4.0)
    g = grade_factors(f(5, 1, 1, 1, 1, 1), s)
    assert g.value_score == 4.0 and g.grade == "A"


def settings_table(rows):
    return build_table(SETTINGS, "设置", [["参数", "值"], *rows])


@pytest.mark.parametrize("key,value,attr", [
    ("权重.份额", "2", "weight_share"), ("weight.share", 2, "weight_share"), ("權重.份額", 2.0, "weight_share"),
    ("价值门槛", "4", "value_threshold"), ("difficulty_threshold", 2.5, "difficulty_threshold"),
    ("跟进天数", "10", "follow_up_days"), ("A级拜访间隔", 14, "a_visit_interval_days"),
])
def test_settings_in_chinese_traditional_and_english_keys(key, value, attr):
    s, findings = read_settings(settings_table([[key, value]]))
    assert findings == [] and float(getattr(s, attr)) == float(value)


def test_missing_settings_take_defaults():
    s, findings = read_settings(settings_table([]))
    assert s == Settings() and findings == []
    assert read_settings(None) == (Settings(), [])


@pytest.mark.parametrize("rows,kind", [
    ([["权重.份额", "高"]], "not_number"),
    ([["权重.投入", -1]], "negative"),
    ([["价值门槛", 6]], "threshold"),
    ([["放弃难度线", 0.5]], "threshold"),
    ([["跟进天数", 2.5]], "days"),
    ([["权重.份额", 0], ["权重.经营价值", 0]], "axis_zero"),
    ([["权重.分额", 1]], "unknown"),
    ([["价值门槛", 3], ["value_threshold", 4]], "duplicate"),
])
def test_broken_settings_are_bad_setting_findings(rows, kind):
    _, findings = read_settings(settings_table(rows))
    assert [x.code for x in findings] == ["bad-setting"]
    assert findings[0].message_key == f"finding.bad-setting.{kind}"
    assert findings[0].message("zh") and findings[0].message("en")


def book(assessment_rows, settings_rows=(), customers=("C1", "C2", "C3")):
    header = ["客户编号", "份额", "经营价值", "投入", "成交风险", "付款风险", "供货难度"]
    tables = {
        "assessment": build_table(ASSESSMENT, "价值评估", [header, *assessment_rows]),
        "settings": build_table(SETTINGS, "设置", [["参数", "值"], *settings_rows]),
        "customers": build_table(CUSTOMERS, "客户", [["客户编号"], *[[c] for c in customers]]),
    }
    return WorkbookData("mem.xlsx", tables)


def test_workbook_grading_with_text_numbers_and_findings():
    report = grade_workbook(book([
        ["C1", "4", "３", 3, 3, 3, 3],          # text numbers, full-width digit
        ["C2", 6, 4, 2, 2, 2, 2],              # out of range
        ["C3", "很高", 4, 2, 2, 2, 2],          # not a number
        ["C9", 4, 4, 2, 2, 2, 2],              # unknown customer, still graded
        ["C1", 4, 4, 2, 2, 2, 2],              # duplicate
        [None, 4, 4, 2, 2, 2, 2],              # required
    ]))
    grades = {(g.customer_id, g.row): g.grade.grade for g in report.grades}
    assert grades == {("C1", 2): "A", ("C2", 3): None, ("C3", 4): None, ("C9", 5): "A", ("C1", 6): None}
    codes = [(x.code, x.row, x.field, x.cell) for x in report.issues]
    assert codes == [("out-of-range", 3, "share", "B3"), ("bad-number", 4, "share", "B4"),
                     ("unknown-customer", 5, "customer_id", "A5"), ("duplicate-key", 6, "customer_id", "A6"),
                     ("required", 7, "customer_id", "A7")]


def test_broken_settings_grade_nothing():
    report = grade_workbook(book([["C1", 4, 4, 2, 2, 2, 2]], settings_rows=[["价值门槛", 9]]))
    assert [x.code for x in report.issues] == ["bad-setting"]
    assert all(g.grade.grade is None for g in report.grades)
    assert "设置有误" in report.grades[0].grade.explanation()


def test_missing_sheet_and_columns():
    report = grade_workbook(WorkbookData("x.xlsx", {}))
    assert [(x.code, x.message("en")) for x in report.issues] == [
        ("missing-sheet", "Sheet 'Assessment' is missing: add it as in the template (kam new makes one).")]
    partial = WorkbookData("x.xlsx", {"assessment": build_table(ASSESSMENT, "价值评估", [["客户编号", "份额"], ["C1", 4]])})
    report = grade_workbook(partial)
    assert {x.field for x in report.issues if x.code == "missing-column"} == set(FACTORS) - {"share"}
    assert report.grades[0].grade.grade == INSUFFICIENT


def test_json_record_shape():
    report = grade_workbook(book([["C1", 4, 3, 3, 3, 3, 3]]))
    record = report.grades[0].to_dict("en")
    assert set(record) == {"customer_id", "row", "value_score", "difficulty_score", "grade", "advice", "abandon",
                           "explanation", "grade_label"}  # SPEC §6: keys may be added, never changed
    assert record["grade"] == "A" and record["abandon"] is False and record["row"] == 2


# --- properties -------------------------------------------------------------------------------------------

factor = st.integers(min_value=1, max_value=5)
factors6 = st.tuples(factor, factor, factor, factor, factor, factor)
RANK = {"A": 0, "B": 1, "C": 2, "D": 3}


def _value_rank(grade):  # for monotonicity: compare high/low value and easy/hard separately
    return grade in ("A", "B"), grade in ("A", "C")


@given(factors6, st.integers(0, 5), st.integers(1, 4))
def test_worse_factor_never_improves_the_grade(values, index, step):
    before = grade_factors(dict(zip(FACTORS, values, strict=True)), S).grade
    changed = list(values)
    if index < 2:
        changed[index] = max(1, changed[index] - step)  # lower a value factor
    else:
        changed[index] = min(5, changed[index] + step)  # raise a difficulty factor
    after = grade_factors(dict(zip(FACTORS, changed, strict=True)), S).grade
    high_b, easy_b = _value_rank(before)
    high_a, easy_a = _value_rank(after)
    assert (high_a <= high_b) and (easy_a <= easy_b)


@given(factors6)
def test_scores_stay_in_range(values):
    g = grade_factors(dict(zip(FACTORS, values, strict=True)), S)
    assert 1 <= g.value_score <= 5 and 1 <= g.difficulty_score <= 5


weights = st.floats(min_value=0.01, max_value=10, allow_nan=False)


@given(factors6, st.tuples(weights, weights), st.tuples(weights, weights, weights, weights),
       st.floats(min_value=0.01, max_value=100))
@settings(max_examples=200)
def test_scaling_an_axis_weights_changes_nothing(values, wv, wd, k):
    base = replace(S, weight_share=wv[0], weight_business_value=wv[1], weight_effort=wd[0], weight_deal_risk=wd[1],
                   weight_payment_risk=wd[2], weight_delivery_difficulty=wd[3])
    scaled = replace(base, weight_share=wv[0] * k, weight_business_value=wv[1] * k)
    a = grade_factors(dict(zip(FACTORS, values, strict=True)), base)
    b = grade_factors(dict(zip(FACTORS, values, strict=True)), scaled)
    assert a.grade == b.grade and a.abandon == b.abandon
    assert abs(a.value_score - b.value_score) < 1e-9


@given(factors6, st.permutations(list(range(7))))
@settings(max_examples=50)
def test_column_order_does_not_matter(values, order):
    header = ["客户编号", "份额", "经营价值", "投入", "成交风险", "付款风险", "供货难度"]
    row = ["C1", *values]
    straight = grade_workbook(book([row])).grades[0].to_dict()
    shuffled_header = [header[i] for i in order]
    shuffled_row = [row[i] for i in order]
    table = build_table(ASSESSMENT, "价值评估", [shuffled_header, shuffled_row])
    report = grade_workbook(WorkbookData("m", {"assessment": table}))
    assert report.grades[0].to_dict() == straight


@given(factors6)
def test_lift_suggestion_really_lifts(values):
    factors = dict(zip(FACTORS, values, strict=True))
    g = grade_factors(factors, S)
    for part in g.parts:
        if part.key == "grade.expl.lift":
            key = next(k for k in FACTORS if part.params["factor"].zh == ASSESSMENT.by_key[k].label.zh)
            assert str(factors[key]) == part.params["old"]
            lifted = grade_factors({**factors, key: int(part.params["new"])}, S)
            assert lifted.grade == part.params["grade"]
            assert RANK[lifted.grade] < RANK[g.grade]
