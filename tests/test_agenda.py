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
    keys = {"date", "kind", "customer_id", "customer_name", "contact", "title", "detail"}
    assert data["items"] and all(set(i) == keys for i in data["items"])
    book = demo_book(TODAY)
    owners = {r["customer_id"]: r["owner"] for r in make_demo(TODAY).rows["customers"]}
    assert all(owners[i["customer_id"]] == REPS[0] for i in data["items"] if i["customer_id"])
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
