"""`kam agenda` (SPEC §8): every kind of item on the demo, windows, --rep, JSON, and an .ics that a second,
independent iCalendar library (vobject) reads back. Real parts: icalendar writes, vobject parses."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.core.agenda import KINDS, build_agenda, window
from addin.core.demo import REPS, demo_book, make_demo
from addin.workbook_templates.builder import build_workbook

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("agenda") / "demo.xlsx"
    build_workbook(path, "zh", make_demo(TODAY).rows)
    return path


def test_every_kind_of_item_appears_for_the_demo():
    book = demo_book(TODAY)
    agenda = build_agenda(book, TODAY, *window(TODAY, days=90), "zh")
    kinds = {i.kind for i in agenda.items}
    assert kinds == set(KINDS), set(KINDS) - kinds
    callbacks = {i.customer_id: i.date for i in agenda.items if i.kind == "callback"}
    assert callbacks["C0001"] == TODAY + timedelta(days=4)  # the demo's 面访 of three days ago
    festivals = {i.title: i.date for i in agenda.items if i.kind == "festival"}
    assert festivals["元旦"] == date(2027, 1, 1)
    assert all(i.date >= TODAY for i in agenda.items) and agenda.items == sorted(agenda.items, key=lambda i: i.date)


@pytest.mark.parametrize(("festival", "lunar_day"), [("春节", date(2027, 2, 6)), ("元宵节", date(2027, 2, 20)),
                                                     ("端午节", date(2027, 6, 9)), ("中秋节", date(2027, 9, 15)),
                                                     ("重阳节", date(2027, 10, 8))])
def test_lunar_festivals_are_computed(festival, lunar_day):
    book = demo_book(TODAY)
    agenda = build_agenda(book, TODAY, date(2027, 1, 1), date(2027, 12, 31), "zh")
    assert {i.title: i.date for i in agenda.items if i.kind == "festival"}[festival] == lunar_day


def test_industry_festivals_go_to_their_accounts():
    book = demo_book(TODAY)
    agenda = build_agenda(book, TODAY, date(2027, 8, 1), date(2027, 9, 30), "en")
    titles = {i.title: i.detail for i in agenda.items if i.kind == "festival"}
    assert "Teachers' Day" in titles and "Physicians' Day" in titles
    assert "Hospital" in titles["Physicians' Day"] or "医院" in titles["Physicians' Day"]


def test_windows_month_and_week():
    assert window(TODAY, month="2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert window(date(2026, 11, 25), week=True) == (date(2026, 11, 23), date(2026, 11, 29))
    assert window(TODAY, days=7) == (TODAY, TODAY + timedelta(days=7))


def test_rep_filter_and_json_shape(demo_path):
    result = CliRunner().invoke(cli, ["agenda", str(demo_path), "--today", "2026-11-22", "--rep", REPS[0],
                                      "--format", "json", "--days", "60"])
    data = json.loads(result.output)
    assert set(data) >= {"today", "from", "to", "items"} and data["from"] == "2026-11-22"
    keys = {"date", "kind", "customer_id", "customer_name", "contact", "title", "detail", "owner", "mobile"}
    assert data["items"] and all(set(i) == keys for i in data["items"])
    book = demo_book(TODAY)
    owners = {r["customer_id"]: r["owner"] for r in make_demo(TODAY).rows["customers"]}
    assert all(owners[i["customer_id"]] == REPS[0] == i["owner"] for i in data["items"] if i["customer_id"])
    mobiles = {(r["customer_id"], r["name"]): r.get("mobile") for r in make_demo(TODAY).rows["contacts"]}
    called = [i for i in data["items"] if i["kind"] == "birthday"]
    assert called and all(i["mobile"] == (mobiles[(i["customer_id"], i["contact"])] or "") for i in called)
    assert len(data["items"]) < len(build_agenda(book, TODAY, *window(TODAY, days=60), "zh").items)


def test_bad_month_is_one_sentence(demo_path):
    result = CliRunner().invoke(cli, ["agenda", str(demo_path), "--month", "2026-13", "--lang", "en"])
    assert result.exit_code == 2 and "YYYY-MM" in result.output


def test_ics_imports_into_a_second_calendar_library(demo_path, tmp_path):
    import vobject

    out = tmp_path / "agenda.ics"
    result = CliRunner().invoke(cli, ["agenda", str(demo_path), "--today", "2026-11-22", "--days", "60",
                                      "--format", "ics", "--out", str(out)])
    assert result.exit_code == 0, result.output
    cal = vobject.readOne(out.read_text(encoding="utf-8"))
    events = cal.contents["vevent"]
    data = json.loads(CliRunner().invoke(cli, ["agenda", str(demo_path), "--today", "2026-11-22", "--days", "60",
                                               "--format", "json"]).output)
    assert len(events) == len(data["items"])
    first = events[0]
    assert isinstance(first.dtstart.value, date) and first.dtend.value - first.dtstart.value == timedelta(days=1)
    assert first.valarm.trigger.value == timedelta(hours=-15)
    uids = [e.uid.value for e in events]
    assert len(set(uids)) == len(uids)
    again = tmp_path / "again.ics"
    CliRunner().invoke(cli, ["agenda", str(demo_path), "--today", "2026-11-22", "--days", "60", "--format", "ics",
                             "--out", str(again)])
    assert [e.uid.value for e in vobject.readOne(again.read_text(encoding="utf-8")).contents["vevent"]] == uids


def test_a_day_that_does_not_exist_is_left_off_the_agenda_as_in_the_birthday_list(tmp_path):
    """'2-30' read as 公历 names no day: `kam birthdays` lists it as unreadable, and the agenda (which picks
    its birthdays with the birthday list's own code) leaves it off instead of failing on it."""
    demo = make_demo(TODAY)
    first = dict(demo.rows["contacts"][0], birthday="2-30", calendar="公历", name="错日期")
    demo.rows["contacts"].insert(0, first)
    path = tmp_path / "bad-day.xlsx"
    build_workbook(path, "zh", demo.rows)
    result = CliRunner().invoke(cli, ["agenda", str(path), "--days", "400", "--format", "json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)["items"]
    names = {i["contact"] for i in items if i["kind"] == "birthday"}
    assert "错日期" not in names and "曾雪梅" in names


def test_the_methods_items_keep_their_uid_on_the_next_day_and_say_dates(demo_path, tmp_path):
    """#25: plans, service contacts due, open issues and expected closes, imported by vobject from files made on
    two different days: an item still there the next day keeps its UID (a phone updates, never duplicates), and
    no event text counts days ("还有 N 天" goes stale in a phone)."""
    import re

    import vobject

    seen = []
    for n, day in enumerate(("2026-11-22", "2026-11-23")):
        out = tmp_path / f"a{n}.ics"
        result = CliRunner().invoke(cli, ["agenda", str(demo_path), "--today", day, "--days", "30", "--format", "ics",
                                          "--out", str(out)])
        assert result.exit_code == 0, result.output
        events = vobject.readOne(out.read_text(encoding="utf-8")).contents["vevent"]
        text = " ".join(e.summary.value + " " + getattr(e, "description", e.summary).value for e in events)
        assert not re.search(r"还有\s*\d+\s*天|in -?\d+ days", text)
        seen.append({e.summary.value: e.uid.value for e in events})
    for title in ("投诉待处理：到货设备外壳有划痕", "已成交客户售后回访", "计划拜访：技术交流", "预计签约"):
        summary = next(s for s in seen[0] if s.startswith(title))  # the summary adds the account's name
        assert seen[0][summary] == seen[1][summary], summary


def test_plan_issue_service_and_close_items_come_from_their_rows():
    """Recomputed from the rows, not through the agenda: every future 拜访计划 row in the window is one plan
    item on its date, every open complaint stands on its due day or today, every won account has one
    service-due item."""
    rows = make_demo(TODAY).rows
    agenda = build_agenda(demo_book(TODAY), TODAY, *window(TODAY, days=30), "zh")
    plans = sorted((p["planned_on"], p["customer_id"]) for p in rows["plans"]
                   if TODAY <= p["planned_on"] <= TODAY + timedelta(days=30))
    assert sorted((i.date, i.customer_id) for i in agenda.items if i.kind == "plan") == plans
    won = {c["customer_id"] for c in rows["customers"] if c["stage"] == "已成交"}
    due = {i.customer_id for i in agenda.items if i.kind == "service-due"}
    assert due <= won and all(i.date >= TODAY for i in agenda.items)
    complaints = [v for v in rows["visits"] if v.get("issue_type") == "投诉" and not v.get("resolution")]
    for v in complaints:
        item = next(i for i in agenda.items if i.kind == "issue" and i.customer_id == v["customer_id"])
        assert item.date == max(v["visit_date"] + timedelta(days=3), TODAY)


def test_a_plan_not_yet_booked_says_so_and_the_review_counts_no_visit_dated_ahead():
    """From the rows: each 拜访计划 row whose 已预约 is 否 reads 还没约好, every other plan not; the monthly review
    counts last month's visits without 负责人意见 up to today only (a visit dated ahead is a future-date error)."""
    rows = make_demo(TODAY).rows
    agenda = build_agenda(demo_book(TODAY), TODAY, *window(TODAY, days=30), "zh")
    unbooked = {(p["planned_on"], p["customer_id"]) for p in rows["plans"] if p.get("booked") == "否"}
    plans = [i for i in agenda.items if i.kind == "plan"]
    assert any((i.date, i.customer_id) in unbooked for i in plans)
    for i in plans:
        assert ("还没约好" in i.title) == ((i.date, i.customer_id) in unbooked), i
    review = next(i for i in agenda.items if i.kind == "review" and i.date == date(2026, 12, 1))
    waiting = sum(1 for v in rows["visits"] if isinstance(v.get("visit_date"), date)
                  and (v["visit_date"].year, v["visit_date"].month) == (2026, 11) and v["visit_date"] <= TODAY
                  and not v.get("manager_comment"))
    assert f"{waiting} 条" in review.detail if waiting else "没有" in review.detail or "已" in review.detail
    ahead = [v for v in rows["visits"] if isinstance(v.get("visit_date"), date) and v["visit_date"] > TODAY]
    assert ahead  # the demo's planted future-date row, which must not be counted


def test_a_follow_up_says_whom_to_call_and_the_number():
    """From the rows: an open follow-up (due or overdue) names a person of its visit's 被访人, the first one
    关键人 has a 手机 for, and carries that 手机; a callback too."""
    rows = make_demo(TODAY).rows
    agenda = build_agenda(demo_book(TODAY), TODAY, *window(TODAY, days=30), "zh")
    phones = {(c["customer_id"], c["name"]): str(c["mobile"]) for c in rows["contacts"] if c.get("mobile")}
    checked = 0
    for v in rows["visits"]:
        if not v.get("follow_up_due") or v.get("follow_up_done") or not v.get("visitee"):
            continue
        people = [p for p in v["visitee"].replace("，", "、").split("、") if p]
        known = [p for p in people if (v["customer_id"], p) in phones]
        items = [i for i in agenda.items if i.kind in ("follow-up", "overdue") and i.customer_id == v["customer_id"]
                 and str(v["follow_up_due"]) in i.identity]
        for item in items:
            assert item.contact == (known[0] if known else people[0]), (item, v)
            assert item.mobile == (phones[(v["customer_id"], known[0])] if known else ""), item
            checked += 1
    assert checked >= 3
    assert any(i.mobile for i in agenda.items if i.kind == "callback")
