"""The demo team data is realistic: all industries, four roles with gaps, a year of visits, seeded mistakes."""

from collections import Counter
from datetime import date

from addin.core.demo import make_demo

TODAY = date(2026, 11, 22)


def test_demo_is_deterministic():
    assert make_demo(TODAY).rows == make_demo(TODAY).rows


def test_demo_covers_industries_roles_and_gaps():
    rows = make_demo(TODAY).rows
    industries = Counter(c["industry"] for c in rows["customers"])
    assert set(industries) == {"教育", "医疗", "政府", "企业"} and min(industries.values()) >= 8
    roles_by_customer: dict[str, set] = {}
    for c in rows["contacts"]:
        roles_by_customer.setdefault(c["customer_id"], set()).add(c["role"])
    full = {"决策者", "技术把关者", "使用者", "教练"}
    assert any(r == full for r in roles_by_customer.values())
    assert any(r != full for r in roles_by_customer.values())
    assert any(c["calendar"] == "农历" for c in rows["contacts"])


def test_demo_has_a_year_of_visits_and_development_records():
    rows = make_demo(TODAY).rows
    assert len(rows["visits"]) >= 300
    assert len(rows["development"]) >= 20
    assert {v["method"] for v in rows["visits"]} >= {"面访", "电话", "视频"}
    ids = {c["customer_id"] for c in rows["customers"]}
    assert len(ids) == len(rows["customers"])  # unique IDs
    strays = [v for v in rows["visits"] if v["customer_id"] not in ids]
    assert [v["customer_id"] for v in strays] == ["C0999"]


def test_every_planted_mistake_is_found_by_validation(tmp_path):
    from addin.core.demo import SEEDED_MISTAKES
    from addin.core.validation import validate
    from addin.workbook.reader import read_workbook
    from addin.workbook_templates.builder import build_workbook

    path = tmp_path / "demo.xlsx"
    build_workbook(path, "zh", make_demo(TODAY).rows)
    found = {(f.sheet, f.code) for f in validate(read_workbook(path), TODAY).findings}
    names = {"customers": "客户", "assessment": "价值评估", "contacts": "关键人", "development": "开发记录",
             "visits": "拜访记录"}
    for sheet, code, _zh, _en in SEEDED_MISTAKES:
        assert (names[sheet], code) in found, code


def test_the_demo_shows_every_rule_of_the_method():
    """Each of the method's codes fires on the demo for a reason a manager would recognise."""
    from datetime import date

    from addin.core.demo import demo_book
    from addin.core.validation import validate

    found = {f.code for f in validate(demo_book(date(2026, 11, 22)), date(2026, 11, 22)).findings}
    method = {"coach-not-supportive", "stage-ahead-of-grade", "stage-no-assessment", "result-stage-mismatch",
              "assessment-stale", "duplicate-account", "callback-missing", "review-missing", "new-face"}
    assert method <= found, method - found


def test_the_demo_plants_each_new_rule_once_for_a_plausible_reason():
    """#25: each new code fires on the demo, and (but for the stage gates a team really misses) only where a
    slip was planted: a workbook flooded with one warning teaches a rep to ignore it."""
    from collections import Counter

    from addin.core.demo import demo_book
    from addin.core.validation import validate

    counts = Counter(f.code for f in validate(demo_book(TODAY), TODAY).findings)
    once = ("won-amount-missing", "close-date-passed", "amount-suspicious", "service-lapsed", "tier-grade-mismatch",
            "resolution-missing", "customer-not-informed", "satisfaction-drop", "coach-neglected", "birthday-missed",
            "plan-missed", "profile-thin")
    assert {code: counts[code] for code in once} == dict.fromkeys(once, 1)
    assert 1 <= counts["stage-gate"] <= 8


def test_demo_people_and_places_are_plausible():
    """A hospital has a 院长 and a 护士长, a school a 校长, a bureau a 局长; an address lies in the organisation's
    own city, in a district that city has."""
    from addin.core.demo import CITIES, DISTRICTS

    rows = make_demo(TODAY).rows
    industry = {c["customer_id"]: c["industry"] for c in rows["customers"]}
    titles = {(industry[p["customer_id"]], p["title"]) for p in rows["contacts"]}
    assert ("医疗", "护士长") in titles and ("教育", "校长") in titles and ("政府", "局长") in titles
    wrong = {t for i, t in titles if (i, t) in {(x, y) for x in ("教育", "政府", "企业") for y in ("院长", "护士长")}}
    assert not wrong and not {t for i, t in titles if i != "教育" and t == "校长"}
    for c in rows["customers"]:
        city = next(x for x in CITIES if str(c["customer_name"]).startswith(x))
        assert str(c["address"]).startswith(f"{city}市") and any(d in c["address"] for d in DISTRICTS[city])


def test_demo_money_and_plans_are_real_numbers_and_dates():
    rows = make_demo(TODAY).rows
    amounts = [d[k] for d in rows["development"] for k in ("budget", "expected_amount", "won_amount") if d.get(k)]
    assert amounts and all(isinstance(a, int | float) and a > 0 for a in amounts)
    assert {p["booked"] for p in rows["plans"]} == {"是", "否"} and any(p["planned_on"] > TODAY for p in rows["plans"])
    stages = {d["customer_id"]: [] for d in rows["development"]}
    for d in sorted(rows["development"], key=lambda d: d["recorded_on"]):
        stages[d["customer_id"]].append(d["stage"])
    assert any(len(set(s)) > 1 for s in stages.values())  # a stage history: the account moved on
