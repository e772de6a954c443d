"""#26: page 1 of a briefing a rep can trust, checked on every demo account against the rows themselves.

Each expectation is recomputed here from the demo's rows and from `validate` (not from the briefing's code):
every 销售提醒 of the account is among the risks, the abandon line and a D grade are said, silence past
A级拜访间隔 is said, a done 下一步 or a closed account's item is never this visit's goal, the coach is never
among the people to ask the coach about, and the people to meet carry their mobile from 关键人.
"""

from datetime import date, timedelta

import pytest

from addin.core.briefing import build_briefings
from addin.core.demo import demo_book
from addin.core.findings import DATA_CODES
from addin.core.grading import grade_workbook
from addin.core.validation import validate

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def book():
    return demo_book(TODAY)


@pytest.fixture(scope="module")
def contexts(book):
    return {c["account"]["customer_id"]: c for c in build_briefings(book, TODAY, "zh")}


def _rows(book, key):
    table = book.get(key)
    return [dict(zip(table.index, values, strict=False)) for _, values in table.rows]


def test_every_reminder_of_the_account_is_a_risk_on_page_1(book, contexts):
    stages = {r["customer_id"]: r["stage"] for r in _rows(book, "customers")}
    closed_quiet = {"callback-missing", "coach-neglected", "stale-account"}  # no sale to push when 已终止
    reminders: dict[str, set[str]] = {}
    for f in validate(book, TODAY).findings:
        if f.customer_id and f.code not in DATA_CODES:
            reminders.setdefault(f.customer_id, set()).add(f.code)
    checked = 0
    for cid, codes in reminders.items():
        risks = {r["code"] for r in contexts[cid]["summary"]["risks"]}
        expected = codes - (closed_quiet if stages[cid] == "已终止" else set())
        if "silent" in risks:
            expected.discard("stale-account")  # said once, with the number of days
        if "role-missing" in codes:
            expected.discard("stage-gate")  # a gate naming only missing roles is the role-missing risk again
        assert expected <= risks, (cid, expected - risks)
        assert all(r["text"] and r["action"] for r in contexts[cid]["summary"]["risks"]), cid
        checked += 1
    assert checked >= 10


def test_the_abandon_line_and_a_d_grade_are_risks_with_the_accounts_own_scores(book, contexts):
    graded = {g.customer_id: g.grade for g in grade_workbook(book).grades}
    abandon = [c for c, g in graded.items() if g.abandon]
    d_only = [c for c, g in graded.items() if g.grade == "D" and not g.abandon]
    assert abandon and d_only
    for cid in abandon:
        g = graded[cid]
        risk = next(r for r in contexts[cid]["summary"]["risks"] if r["code"] == "abandon")
        assert contexts[cid]["summary"]["risks"][0] is risk
        scores = {f"{s:.2f}" for s in (g.value_score, g.difficulty_score) if s is not None}
        assert any(s in risk["text"] for s in scores) and "≤" not in risk["text"] and "≥" not in risk["text"]
        if g.grade in ("A", "B", "C", "D"):
            assert contexts[cid]["summary"]["advice"] == "考虑放弃或降低接触"
    for cid in d_only:
        assert contexts[cid]["summary"]["risks"][0]["code"] == "grade-d"


def test_silence_past_the_a_visit_interval_is_a_risk_with_its_days(book, contexts):
    last: dict[str, date] = {}
    for v in _rows(book, "visits"):
        when = v["visit_date"]
        if isinstance(when, date) and when <= TODAY and v["customer_id"]:
            last[v["customer_id"]] = max(last.get(v["customer_id"], when), when)
    stages = {r["customer_id"]: r["stage"] for r in _rows(book, "customers")}
    silent = 0
    for cid, context in contexts.items():
        codes = [r["code"] for r in context["summary"]["risks"]]
        if stages.get(cid) == "已终止":
            assert "silent" not in codes and "terminated" in codes
            continue
        seen = last.get(cid)
        quiet = seen is None or TODAY - seen > timedelta(days=30)
        assert ("silent" in codes) == quiet, cid
        if seen is not None and quiet:
            risk = next(r for r in context["summary"]["risks"] if r["code"] == "silent")
            assert f"已 {(TODAY - seen).days} 天没有联系" in risk["text"] and seen.isoformat() in risk["text"]
            silent += 1
    assert silent >= 1


def test_a_done_next_step_or_a_closed_account_is_never_this_visits_goal(book, contexts):
    stages = {r["customer_id"]: r["stage"] for r in _rows(book, "customers")}
    done: dict[str, set[str]] = {}
    open_: dict[str, set[str]] = {}
    for v in _rows(book, "visits"):
        if v["next_steps"]:
            (done if v["follow_up_done"] else open_).setdefault(v["customer_id"], set()).add(v["next_steps"])
    hit = 0
    for cid, context in contexts.items():
        purpose = context["plan"]["purpose"]
        if stages.get(cid) == "已终止":
            assert context["plan"]["closed"] and "已终止" in purpose
            for step in done.get(cid, set()) | open_.get(cid, set()):
                assert step not in purpose
            hit += 1
            continue
        if purpose in done.get(cid, set()) and purpose not in open_.get(cid, set()):
            pytest.fail(f"{cid}: offers {purpose}, a 下一步 already done")
    assert hit >= 1


def test_the_coach_is_never_among_those_to_ask_the_coach_about(book, contexts):
    coaches: dict[str, set[str]] = {}
    for c in _rows(book, "contacts"):
        if c["role"] == "教练" and c["support"] == "支持":
            coaches.setdefault(c["customer_id"], set()).add(c["name"])
    asked = 0
    for cid, context in contexts.items():
        answer = context["summary"]["answers"][1]
        if "还没当面见过" not in answer:
            continue
        for part in answer.split("。"):
            if part.startswith("还没当面见过") and not part.startswith("还没当面见过教练"):
                names = part.removeprefix("还没当面见过").split("、")
                assert not set(names) & coaches.get(cid, set()), (cid, answer)
                asked += 1
        if not coaches.get(cid):
            assert "请教练" not in answer, (cid, answer)
    assert asked >= 5


def test_the_people_to_meet_carry_their_mobile_from_the_contacts(book, contexts):
    mobiles = {(c["customer_id"], c["name"]): c.get("mobile") or "" for c in _rows(book, "contacts")}
    shown = 0
    for cid, context in contexts.items():
        for p in context["summary"]["people"]:
            assert p["phone"] == str(mobiles.get((cid, p["name"]), "") or "")
            if p["phone"]:
                assert p["phone"] in p["text"]
                shown += 1
        assert context["summary"]["last_face"]  # a line on the last 面访, or that there is none
    assert shown >= 20
