"""The agenda as an iCalendar file (RFC 5545) for Outlook, Apple and Android calendars, made with `icalendar`:
one all-day VEVENT per item, a UID stable across runs (a re-import updates instead of duplicating), and a
reminder at 09:00 the day before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from addin.core.agenda import Agenda
from addin.core.i18n import t
from addin.core.text import printable


def agenda_ics(agenda: Agenda, lang: str, name: str = "kam") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//kam//key-account agenda//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", printable(name))
    stamp = datetime.now(UTC).replace(microsecond=0)
    for item in agenda.items:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.date)  # a date, not a datetime: an all-day event
        event.add("dtend", item.date + timedelta(days=1))
        who = " · ".join(x for x in (item.customer_name, item.contact) if x and x not in item.title)
        summary = f"{item.title}（{who}）" if who and lang == "zh" else f"{item.title} ({who})" if who else item.title
        event.add("summary", printable(summary))  # RFC 5545 TEXT: no control character (a pasted cell may hold one)
        phone = (f"；手机 {item.mobile}" if lang == "zh" else f"; mobile {item.mobile}") if item.mobile else ""
        event.add("description", printable(item.detail + phone))  # the number to call, in the phone itself
        event.add("categories", [t(f"agenda.kind.{item.kind}", lang)])
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", printable(item.title))
        alarm.add("trigger", timedelta(hours=-15))  # 09:00 the day before an all-day event
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
