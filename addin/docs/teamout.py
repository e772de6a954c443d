"""The team report for people: labelled tables (terminal), JSON, a short text for a chat group, an .xlsx with
native Excel charts (XlsxWriter) and a self-contained printable .html with the same charts as inline SVG
(matplotlib). One colour per rep and per grade everywhere. No business rule lives here."""

from __future__ import annotations

import html
import io
import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from addin.analytics.teamreport import METHODS, WORKING, TeamReport
from addin.core.i18n import MESSAGES, t
from addin.core.schema import CHOICES
from addin.core.settings import amount_text
from addin.core.text import display_width, printable, wrapped_lines

#: the order sections are shown in, the manager's questions first
SECTION_ORDER = ("headline", "attention", "team", "per_rep", "follow_up", "targets", "effort", "methods",
                 "pipeline_value", "closes", "won_lost", "deals", "conversion", "pipeline", "changes", "service",
                 "lapsed", "issues", "complaints", "satisfaction", "satisfaction_drops", "overdue", "stale_a",
                 "birthdays", "care", "weekly", "trend")
#: columns whose values are canonical choices shown in the user's language
_CHOICE_COLUMNS = {"stage": "stage", "stage_before": "stage", "stage_now": "stage", "result": "result",
                   "tier": "tier", "issue_type": "issue_type"}
_GRADE_COLUMNS = ("grade_before", "grade_now")
_DATE_COLUMNS = ("visit_date", "follow_up_due", "recorded_on", "last_visit", "date", "week_start", "newest_entry",
                 "customer_informed")
_PERCENT_COLUMNS = ("in_person_share", "share_A", "share_B", "share_C", "share_D", "in_person_A", "in_person_D",
                    "win_rate", "rate", "probability")
_MONEY_COLUMNS = ("won_amount", "won_amount_before", "average", "amount", "weighted", "pipeline",
                  "won_amount_target")
_DECIMAL_COLUMNS = ("errors_per_100", "warnings_per_100", "satisfaction_avg", "satisfaction_avg_before",
                    "median_days", "median_cycle_days", "days_to_inform")
#: columns holding a list joined with 、 (two reps, two IDs, a festival's accounts): English shows ", "
_LIST_COLUMNS = frozenset({"reps", "customer_id", "customer_name", "workbook", "detail"})
#: the headline's rows that are amounts
_MONEY_METRICS = ("won_amount", "pipeline", "forecast")
_MONEY_SECTIONS = ("pipeline_value",)  # every number column but deals and probability is an amount
GRADE_COLORS = {"A": "#2E7D32", "B": "#0277BD", "C": "#F9A825", "D": "#C62828", "信息不足": "#8E24AA",
                "未评级": "#9E9E9E"}
#: one colour per rep, the same in the .xlsx and the .html (Tableau 10, readable in print)
REP_COLORS = ("#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F",
              "#BAB0AC")
_GRADES = ("A", "B", "C", "D", "信息不足", "未评级")


def rep_color(report: TeamReport, rep: str) -> str:
    """The rep's colour: by the rep's place in the team, the same in every chart and every file."""
    reps = sorted(report.reps)
    return REP_COLORS[reps.index(rep) % len(REP_COLORS)] if rep in reps else "#666666"


def unit_label(report: TeamReport, lang: str) -> str:
    """The report's amount unit as a label says it: 万元, or 10k CNY in English."""
    if lang == "en":
        return "CNY" if report.amount_unit == "元" else "10k CNY"
    return report.amount_unit


def column_label(key: str, lang: str, unit: str = "") -> str:
    """A column key shown in `lang`: a method (面访), a grade, or a report column (amounts with their unit)."""
    if key in _MONEY_METRICS and unit:
        label = t(f"report.metric.{key}", lang)
        return label + (f"（{unit}）" if lang == "zh" else f" ({unit})")
    if key in METHODS:
        return CHOICES["method"].display(key, lang)
    if key in ("A", "B", "C", "D"):
        return key
    for prefix in ("report.col.", "report.value."):
        if prefix + key in MESSAGES:
            label = t(prefix + key, lang)
            if key in _MONEY_COLUMNS and unit:
                label += f"（{unit}）" if lang == "zh" else f" ({unit})"
            return label
    return key


def _value(key: str, value: Any, lang: str) -> Any:
    """A cell shown in `lang`: choices and grades translated, timestamps as dates, NaN as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, bool):
        return t("report.value.yes", lang) if value else ""
    if key == "code" and isinstance(value, str):
        return t(f"report.code.{value}", lang)
    if lang == "en" and key in _LIST_COLUMNS and isinstance(value, str):  # lists joined the Chinese way in the data
        return value.replace("、", ", ")
    if key == "greeted":  # said both ways: a blank would hide the birthday nobody greeted
        return t("report.value.greeted" if value else "report.value.not_greeted", lang)
    if key == "flag" and value:
        return t("report.value.d_over_a", lang)
    if isinstance(value, str) and f"report.value.{value}" in MESSAGES and (key in _CHOICE_COLUMNS
                                                                           or key in _GRADE_COLUMNS):
        return t(f"report.value.{value}", lang)
    if key in _CHOICE_COLUMNS and isinstance(value, str):
        return CHOICES[_CHOICE_COLUMNS[key]].display(value, lang) or value
    if key == "kind" and isinstance(value, str):
        return t("agenda.kind.birthday", lang) if value == "birthday" else t(f"agenda.{value}", lang)
    return value.item() if hasattr(value, "item") else value


def _headline_frame(report: TeamReport) -> pd.DataFrame:
    rows = [{"metric": k, "now": v["now"], "before": v["before"]} for k, v in report.headline.items()]
    return pd.DataFrame(rows, columns=["metric", "now", "before"])


Section = tuple[str, list[str], list[str], list[list[Any]]]


def labelled(report: TeamReport, lang: str) -> dict[str, Section]:
    """Section key -> (title, column keys, column labels, rows of display values), in SECTION_ORDER."""
    frames = {"headline": _headline_frame(report), **report.sections}
    unit = unit_label(report, lang)
    out: dict[str, Section] = {}
    for key in SECTION_ORDER:
        if key not in frames:
            continue
        frame = frames[key]
        keys = [str(c) for c in frame.columns]
        rows = [[_value(k, v, lang) for k, v in zip(keys, row, strict=True)]
                for row in frame.itertuples(index=False, name=None)]
        if key == "headline":  # an amount's row says its unit, as an amount's column does
            rows = [[column_label(r[0], lang, unit) if r[0] in _MONEY_METRICS else t(f"report.metric.{r[0]}", lang),
                     *r[1:]] for r in rows]
        title = t(f"report.section.{key}", lang, unit=unit)
        out[key] = (title, keys, [column_label(k, lang, unit) for k in keys], rows)
    return out


def _json_key(key: str) -> str:
    """A column key as a JSON key that never changes with the language: a choice (面访, 信息不足) by its English
    value in snake case (in_person, insufficient)."""
    fixed = {"信息不足": "insufficient", "未评级": "not_graded"}
    if key in fixed:
        return fixed[key]
    for choices in CHOICES.values():
        for value in choices.values:
            if value.zh == key:
                return re.sub(r"[^a-z0-9]+", "_", value.en.lower()).strip("_")
    return key


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v.item() if hasattr(v, "item") else v


def report_json(report: TeamReport, lang: str) -> dict[str, Any]:
    """`kam report --format json`: the period, the headline figures (now and before), and each section as
    records keyed by column key (the same keys in both languages; canonical values, not translations)."""
    sections: dict[str, Any] = {}
    for key, frame in report.sections.items():
        if key == "weekly":  # long form: a rep's name is data, not a key
            long = frame.melt(id_vars="week_start", var_name="rep", value_name="visits")
            frame = long.sort_values(["week_start", "rep"])
        names = [_json_key(str(c)) for c in frame.columns]
        sections[key] = [{k: _plain(v) for k, v in zip(names, row, strict=True)}
                         for row in frame.itertuples(index=False, name=None)]
    w = report.windows
    return {"period": {"label": report.period.label, "from": report.period.start.isoformat(),
                       "to": report.period.end.isoformat(), "as_of": w.end.isoformat(),
                       "before_from": w.before_start.isoformat(), "before_to": w.before_end.isoformat()},
            "today": report.today.isoformat(), "workbooks": report.workbooks, "amount_unit": report.amount_unit,
            "headline": {k: {"now": _plain(v["now"]), "before": _plain(v["before"])}
                         for k, v in report.headline.items()},
            "notes": {k: t(v, lang) for k, v in report.notes.items()}, **sections}


def percent(v: float) -> str:
    """A share as a whole percent, halves rounded up as Excel's 0% format does (Python's format rounds 12.5% down
    to 12%, Excel up to 13%: the .html and the .xlsx must say the same)."""
    return f"{(Decimal(repr(v)) * 100).quantize(Decimal(1), ROUND_HALF_UP)}%"


def _text(v: Any, key: str = "") -> str:
    if v is None:
        return ""
    if key in _PERCENT_COLUMNS and isinstance(v, float):
        return percent(v)
    if key in _DECIMAL_COLUMNS and isinstance(v, float):
        return f"{v:.1f}".removesuffix(".0")
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _headline_text(report: TeamReport, metric: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if metric in ("in_person_share", "win_rate"):
        return percent(v)
    return _text(v)


def report_table(report: TeamReport, lang: str, out: Console) -> None:
    """Every section as a rich table under the report's title, each note under its table."""
    out.print(f"[bold]{t('report.title', lang, period=report.period.label)}[/]")
    out.print(subtitle(report, lang))
    for key, (title, keys, labels, rows) in labelled(report, lang).items():
        table = Table(title=title, title_justify="left")
        shown = list(range(len(keys)))
        for i in shown:
            table.add_column(labels[i], overflow="fold")
        for raw, row in zip(_headline_frame(report).itertuples(index=False) if key == "headline" else rows,
                            rows, strict=False):
            if key == "headline":
                table.add_row(row[0], _headline_text(report, raw.metric, raw.now),
                              _headline_text(report, raw.metric, raw.before))
            else:
                table.add_row(*(_text(row[i], keys[i]) for i in shown))
        if not rows:
            table.add_row(_empty_text(report, key, lang), *[""] * (len(shown) - 1))
        out.print(table)
        if key in report.notes and rows:
            out.print(f"[dim]{t(report.notes[key], lang)}[/]")


def _empty_text(report: TeamReport, key: str, lang: str) -> str:
    """What an empty section says: its note when it has one (首次汇总，无上期对比), else （无）."""
    return t(report.notes[key], lang) if key in report.notes else t("report.none", lang)


def subtitle(report: TeamReport, lang: str) -> str:
    w = report.windows
    common = {"start": report.period.start.isoformat(), "end": report.period.end.isoformat(),
              "today": report.today.isoformat(), "books": report.workbooks, "unit": unit_label(report, lang),
              "asof": w.end.isoformat(), "days": (w.end - w.start).days + 1, "bstart": w.before_start.isoformat(),
              "bend": w.before_end.isoformat()}
    if w.partial:
        return t("report.subtitle_partial", lang, **common)
    return t("report.subtitle", lang, **common) + t("report.subtitle_before", lang, **common)


# --- text for a chat group -----------------------------------------------------------------------------------

TEXT_LIMIT = 1500


def report_text(report: TeamReport, lang: str) -> str:
    """A plain summary for a WeChat or 钉钉 group (at most 1,500 characters, no table drawing): the period,
    visits and the 面访 share, won vs target, the forecast, overdue, who needs attention, 撞单."""
    h = report.headline
    sep = "；" if lang == "zh" else "; "

    def money(v: Any) -> str:  # a sentence says the amount itself: 45 万元, CNY 450k
        return amount_text(float(v or 0), report.amount_unit, lang)

    def pct(v: Any) -> str:
        return "-" if v is None else percent(v)

    w = report.windows
    lines = [t("report.text.title", lang, period=report.period.label, start=w.start.isoformat(),
               asof=w.end.isoformat()),
             t("report.text.visits", lang, visits=h["visits"]["now"], before=h["visits"]["before"],
               share=pct(h["in_person_share"]["now"]))]
    won = t("report.text.won", lang, won=h["won"]["now"], amount=money(h["won_amount"]["now"]),
            before=money(h["won_amount"]["before"]))
    targets = report.sections.get("targets")
    if targets is not None and len(targets):
        goal = float(pd.to_numeric(targets["won_amount_target"], errors="coerce").fillna(0).sum())
        if goal:
            won += sep + t("report.text.target", lang, target=money(goal), done=pct(h["won_amount"]["now"] / goal))
    lines += [won, t("report.text.pipeline", lang, pipeline=money(h["pipeline"]["now"]),
                     forecast=money(h["forecast"]["now"])),
              t("report.text.overdue", lang, overdue=h["overdue"]["now"], stale=h["stale_a"]["now"])]
    needs = []
    for b in report.sections["attention"].itertuples(index=False):
        if b.stale:
            key = "report.text.stale_book" if not pd.isna(b.days_since) else "report.text.stale_book_empty"
            needs.append(t(key, lang, rep=b.rep or "-", workbook=b.workbook,
                           days=int(b.days_since) if not pd.isna(b.days_since) else 0))
    for e in report.sections["effort"].itertuples(index=False):
        if e.flag:
            needs.append(t("report.text.flag_effort", lang, rep=e.rep))
    lines.append(t("report.text.attention", lang) + _joined(needs, lang, 6))
    team = report.sections["team"]
    claims = [t("report.text.claim", lang, name=x.detail, reps=x.reps)
              for x in team[team["code"] == "account-claimed-twice"].itertuples(index=False)]
    lines.append(t("report.text.claimed", lang) + _joined(claims, lang, 5))
    per_rep = report.sections["per_rep"]
    reps = [t("report.text.rep", lang, rep=r.rep, visits=r.visits, amount=money(r.won_amount))
            for r in per_rep.itertuples(index=False)]
    lines.append(t("report.text.reps", lang) + _joined(reps, lang, 12))
    text = "\n".join(printable(x) for x in lines)
    while len(text) > TEXT_LIMIT and len(lines) > 5:  # the per-rep line goes first, then the others shrink
        lines.pop()
        text = "\n".join(printable(x) for x in lines)
    return text[:TEXT_LIMIT]


def _joined(items: list[str], lang: str, limit: int) -> str:
    if not items:
        return t("report.text.none", lang)
    sep = "；" if lang == "zh" else "; "
    shown = sep.join(items[:limit])
    if len(items) > limit:
        shown += ("，" if lang == "zh" else ", ") + t("report.text.more", lang, count=len(items) - limit)
    return shown


# --- .xlsx -------------------------------------------------------------------------------------------------

def write_xlsx(report: TeamReport, lang: str, target: Any) -> dict[str, str]:
    """One sheet per section (frozen header, filter, formats, printed landscape one page wide with the header
    row repeated) and four native charts; returns the sheet names by section key."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(target, {"strings_to_numbers": False, "strings_to_formulas": False,
                                      "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"})
    wb.set_properties({"title": t("report.title", lang, period=report.period.label), "author": "kam"})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    # every cell centred in its row, so a row a wrapped text made taller still reads across (top alignment sets
    # CJK and Latin text at different heights in LibreOffice)
    top = {"valign": "vcenter"}
    # dates centred: right-aligned they ran into the text of the next column; one-decimal figures in General
    # with the value rounded as the .html rounds it (237, 1.6: "0.0" showed 237.0)
    formats = {"date": wb.add_format({"num_format": "yyyy-mm-dd", "align": "center", **top}),
               "pct": wb.add_format({"num_format": "0%", **top}), "dec": wb.add_format(top),
               "money": wb.add_format({"num_format": "#,##0.00", **top}), "top": wb.add_format(top),
               "note": wb.add_format({"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "top"}),
               "wrap": wb.add_format({"text_wrap": True, **top})}
    names: dict[str, str] = {}
    sections = labelled(report, lang)
    metrics = list(_headline_frame(report)["metric"])
    asof = t("report.header.asof", lang, period=report.period.label, asof=report.windows.end.isoformat())
    for key, (title, keys, labels, rows) in sections.items():
        name = t(f"report.sheet.{key}", lang)[:31]
        names[key] = name
        ws = wb.add_worksheet(name)
        widths = _columns(ws, formats, key, keys, labels, rows, head)
        for r, row in enumerate(rows, start=1):
            wrapped = [wrapped_lines(_text(v, keys[c]), widths[c]) for c, v in enumerate(row) if isinstance(v, str)]
            if max(wrapped, default=1) > 1:  # LibreOffice does not grow a wrapped row by itself
                ws.set_row(r, 15 * max(wrapped))
            for c, v in enumerate(row):
                if isinstance(v, date):
                    ws.write_datetime(r, c, datetime(v.year, v.month, v.day), formats["date"])
                elif key == "headline" and c and isinstance(v, float) and metrics[r - 1] in ("in_person_share",
                                                                                             "win_rate"):
                    ws.write_number(r, c, v, formats["pct"])
                elif key == "headline" and c and isinstance(v, int | float) and metrics[r - 1] in _MONEY_METRICS:
                    ws.write_number(r, c, v, formats["money"])
                elif isinstance(v, float) and v.is_integer() and _format(formats, key, keys[c], keys) is None:
                    ws.write_number(r, c, int(v))  # a count stored as a float reads 211, not 211.0
                elif isinstance(v, float) and keys[c] in _DECIMAL_COLUMNS:
                    ws.write_number(r, c, round(v, 1))
                elif isinstance(v, float):
                    ws.write_number(r, c, round(v, 2))  # no 98.40000000000001 in the formula bar
                elif v is not None:
                    ws.write(r, c, v)
        last = len(rows) + 1
        if not rows:
            ws.write(1, 0, _empty_text(report, key, lang))
            last = 2
        notes = [t(report.notes[key], lang)] if key in report.notes and rows else []
        if key == "headline":  # the days counted, the as-of day and the unit, as the .html says under its title
            notes.append(subtitle(report, lang))
        for n, text in enumerate(notes):
            _note(ws, last + 1 + n, text, widths, formats["note"])
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(labels) - 1)
        # the as-of day on every page: the day counts on it (已过天数, 还有几天) are as of that day
        ws.set_header(f"&L{_header_text(title)}&R{_header_text(asof)}")
        ws.set_footer("&C&P / &N")
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.repeat_rows(0)
        ws.fit_to_pages(1, 0)
    _xlsx_charts(wb, report, sections, names, lang)
    wb.close()
    return names


#: the widest a column gets (characters); longer texts wrap within it
_MAX_WIDTH = 40


def _columns(ws: Any, formats: dict[str, Any], section: str, keys: list[str], labels: list[str],
             rows: list[list[Any]], head: Any) -> list[int]:
    """Write the header and size each column to its label (up to 20) and its values (up to _MAX_WIDTH, past
    which its texts wrap); the header row gets the lines its longest label needs. Returns the widths."""
    widths = []
    for c, label in enumerate(labels):
        ws.write(0, c, label, head)
        content = max((display_width(_text(r[c], keys[c])) for r in rows[:500]), default=0)
        width = max(min(max(min(display_width(label), 20), content) + 2, _MAX_WIDTH), 8)
        shown = _format(formats, section, keys[c], keys) or formats["wrap" if content + 2 > _MAX_WIDTH else "top"]
        ws.set_column(c, c, width, shown)
        widths.append(width)
    ws.set_row(0, 15 * max((wrapped_lines(label, w) for label, w in zip(labels, widths, strict=True)), default=1))
    return widths


def _note(ws: Any, row: int, text: str, widths: list[int], fmt: Any) -> None:
    """A note under a table, wrapped across the table's width in a row tall enough for it (a long note left
    to run on past the table would make "one page wide" shrink the whole sheet)."""
    if len(widths) > 1:
        ws.merge_range(row, 0, row, len(widths) - 1, text, fmt)
    else:
        ws.write(row, 0, text, fmt)
    ws.set_row(row, 15 * wrapped_lines(text, sum(widths)))


def _header_text(text: str) -> str:
    """Text for a page header: '&' doubled, as Excel's header codes need."""
    return text.replace("&", "&&")


def _format(formats: dict[str, Any], section: str, key: str, keys: list[str]) -> Any:
    if key in _DATE_COLUMNS:
        return formats["date"]
    if key in _PERCENT_COLUMNS:
        return formats["pct"]
    if key in _DECIMAL_COLUMNS:
        return formats["dec"]
    if key in _MONEY_COLUMNS or (section in _MONEY_SECTIONS and key not in ("stage", "deals", "probability")):
        return formats["money"]
    return None


def _xlsx_charts(wb: Any, report: TeamReport, sections: dict[str, Section], names: dict[str, str],
                 lang: str) -> None:
    """Grades per rep (stacked columns), the pipeline funnel (centred bars of the working stages), visits per
    week (a line per rep, in the rep's colour) and the 12-month trend (lines)."""
    _t, keys, _l, rows = sections["per_rep"]
    sheet = names["per_rep"]
    if rows:
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for grade in _GRADES:
            c = keys.index(grade)
            chart.add_series({"name": [sheet, 0, c], "categories": [sheet, 1, 0, len(rows), 0],
                              "values": [sheet, 1, c, len(rows), c], "gap": 60,
                              "fill": {"color": GRADE_COLORS[grade]}})
        chart.set_title({"name": t("report.chart.grades", lang)})
        wb.get_worksheet_by_name(sheet).insert_chart(len(rows) + 4, 0, chart, {"x_scale": 1.4, "y_scale": 1.2})
    _funnel(wb, sections["pipeline_value"], names["pipeline_value"], lang, unit_label(report, lang))
    _t, keys, _l, rows = sections["weekly"]
    sheet = names["weekly"]
    if len(keys) > 1 and rows:
        chart = wb.add_chart({"type": "line"})
        for c in range(1, len(keys)):
            color = rep_color(report, keys[c])
            chart.add_series({"name": [sheet, 0, c], "categories": [sheet, 1, 0, len(rows), 0],
                              "values": [sheet, 1, c, len(rows), c], "line": {"color": color},
                              "marker": {"type": "circle", "fill": {"color": color}, "border": {"color": color}}})
        chart.set_title({"name": t("report.chart.weekly", lang)})
        chart.set_x_axis({"date_axis": True, "num_format": "mm-dd", "major_unit": 7, "major_unit_type": "days"})
        wb.get_worksheet_by_name(sheet).insert_chart(len(rows) + 4, 0, chart, {"x_scale": 1.4, "y_scale": 1.2})
    _t, keys, _l, rows = sections["trend"]
    sheet = names["trend"]
    chart = wb.add_chart({"type": "line"})
    for key, color in (("won_amount", "#59A14F"), ("pipeline", "#4E79A7")):
        c = keys.index(key)
        chart.add_series({"name": [sheet, 0, c], "categories": [sheet, 1, 0, len(rows), 0],
                          "values": [sheet, 1, c, len(rows), c], "line": {"color": color},
                          "marker": {"type": "circle", "fill": {"color": color}, "border": {"color": color}}})
    c = keys.index("visit_count")
    visits = wb.add_chart({"type": "column"})
    visits.add_series({"name": [sheet, 0, c], "categories": [sheet, 1, 0, len(rows), 0],
                       "values": [sheet, 1, c, len(rows), c], "y2_axis": True, "fill": {"color": "#BAB0AC"}})
    visits.set_y2_axis({"name": t("report.axis.visits", lang)})
    chart.combine(visits)
    chart.set_y_axis({"name": t("report.axis.amount", lang, unit=unit_label(report, lang))})
    chart.set_title({"name": t("report.chart.trend", lang)})
    chart.set_legend({"position": "bottom"})
    # low enough that the 12 months, the note and the chart print on one landscape page
    wb.get_worksheet_by_name(sheet).insert_chart(len(rows) + 4, 0, chart, {"x_scale": 1.5, "y_scale": 0.8})


def _funnel(wb: Any, section: Section, sheet: str, lang: str, unit: str) -> None:
    """The funnel Excel has no chart type for before 2019: stacked bars whose first, invisible series centres
    each stage's bar; the visible one is the stage's Σ 预计金额. The helper column sits right of the table."""
    _t, keys, _l, rows = section
    ws = wb.get_worksheet_by_name(sheet)
    total = keys.index("total")
    helper = len(keys) + 1
    values = [float(r[total] or 0) for r in rows]
    top = max(values, default=0.0)
    ws.write(0, helper, "")
    for r, v in enumerate(values, start=1):
        ws.write_number(r, helper, (top - v) / 2)
    ws.set_column(helper, helper, None, None, {"hidden": True})
    chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
    chart.add_series({"categories": [sheet, 1, 0, len(rows), 0], "values": [sheet, 1, helper, len(rows), helper],
                      "fill": {"none": True}, "border": {"none": True}})
    chart.add_series({"name": [sheet, 0, total], "categories": [sheet, 1, 0, len(rows), 0],
                      "values": [sheet, 1, total, len(rows), total], "fill": {"color": "#4E79A7"}, "gap": 20,
                      "data_labels": {"value": True, "num_format": "#,##0"}})
    chart.set_title({"name": t("report.chart.funnel", lang, unit=unit)})
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"visible": False, "major_gridlines": {"visible": False}})
    chart.set_legend({"none": True})
    chart.show_hidden_data()
    ws.insert_chart(len(rows) + 4, 0, chart, {"x_scale": 1.3, "y_scale": 1.1})


# --- .html -------------------------------------------------------------------------------------------------

_CSS = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC", sans-serif;
       margin: 2em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.4em; border-bottom: 2px solid #4472C4; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
th, td { border: 1px solid #bbb; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #DDEBF7; word-break: keep-all; } td.n { text-align: right; white-space: nowrap; }
td:first-child, td.s { white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 1em; }
.charts figure { margin: 0; } .charts svg { width: 100%; height: auto; }
.sub, .note { color: #555; } .note { font-size: .85em; margin: .2em 0 0; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 9pt; }
  h1 { font-size: 14pt; } h2 { font-size: 11pt; break-after: avoid; }
  table { width: 100%; font-size: 8pt; page-break-inside: auto; }
  thead { display: table-header-group; } tr { break-inside: avoid; }
  th, td { padding: 1px 3px; }
  .charts { grid-template-columns: 1fr 1fr; gap: 4mm; } figure, .keep { break-inside: avoid; }
  .charts svg { max-height: 80mm; }
}
"""


#: short values a printed table must not break (a rep's name in two lines reads as two people)
_NOWRAP = frozenset({"rep", "owner", "date", "visit_date", "follow_up_due", "last_visit", "recorded_on", "week_start",
                     "month", "newest_entry", "close_date", "customer_informed"})


#: sections of at most this many rows are kept on one printed page
_KEEP_ROWS = 15


def _esc(text: str) -> str:
    """Text for the page: escaped, and without control characters (a rep's name may carry one)."""
    return html.escape(printable(text))


def write_html(report: TeamReport, lang: str) -> str:
    """A self-contained page (no script, no link): the same sections as tables and the charts as inline SVG
    whose text stays text, so the browser's own CJK fonts draw it; a print layout for A4 landscape."""
    sections = labelled(report, lang)
    title = t("report.title", lang, period=report.period.label)
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{_esc(title)}</h1><p class=\"sub\">{_esc(subtitle(report, lang))}</p>"]
    charts = _svg_charts(report, sections, lang)
    headline = _headline_frame(report)
    for key, (heading, keys, labels, rows) in sections.items():
        if key == "per_rep":  # the charts after the headline and the attention lists, before the details
            parts.extend([f"<h2>{_esc(t('report.section.charts', lang))}</h2>", '<div class="charts">', *charts,
                          "</div>"])
        # a short section prints whole: its heading is never left alone at the foot of a page
        parts.append('<section class="keep">' if len(rows) <= _KEEP_ROWS else "<section>")
        parts.append(f"<h2>{_esc(heading)}</h2>")
        if not rows:
            parts.append(f"<p>{_esc(_empty_text(report, key, lang))}</p>")
        else:
            heads = "".join(f"<th>{_esc(x)}</th>" for x in labels)
            parts.append(f"<table><thead><tr>{heads}</tr></thead><tbody>")
            for n, row in enumerate(rows):
                cells = []
                for i, (k, v) in enumerate(zip(keys, row, strict=True)):
                    numeric = isinstance(v, int | float) and not isinstance(v, bool)
                    opening = '<td class="n">' if numeric else '<td class="s">' if k in _NOWRAP else "<td>"
                    shown = _headline_text(report, headline.iloc[n, 0], v) if key == "headline" and i else _text(v, k)
                    cells.append(f"{opening}{_esc(shown)}</td>")
                parts.append("<tr>" + "".join(cells) + "</tr>")
            parts.append("</tbody></table>")
        if key in report.notes and rows:
            parts.append(f'<p class="note">{_esc(t(report.notes[key], lang))}</p>')
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _svg_charts(report: TeamReport, sections: dict[str, Section], lang: str) -> list[str]:
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    # without a CJK font installed, matplotlib measures Chinese labels with a fallback font and warns; the SVG
    # keeps them as text ("svg.fonttype": "none") and the browser draws them with its own fonts
    warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
    # "text.parse_math": off, or a rep named "Li $$" is read as math text and the chart fails
    plt.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "text.parse_math": False,
                         "font.sans-serif": ["Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "DejaVu Sans"]})
    figures = []
    _t, keys, _l, rows = sections["per_rep"]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    bottom = [0] * len(rows)
    reps = [printable(str(r[0])) for r in rows]
    for grade in _GRADES:
        values = [r[keys.index(grade)] or 0 for r in rows]
        ax.bar(reps, values, bottom=bottom, label=column_label(grade, lang), color=GRADE_COLORS[grade])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(t("report.chart.grades", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, ncols=6, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    figures.append(fig)
    _t, keys, _l, rows = sections["pipeline_value"]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    values = [float(r[keys.index("total")] or 0) for r in rows]
    top = max(values, default=0.0)
    stages = [CHOICES["stage"].display(s, lang) for s in WORKING]
    ax.barh(stages, values, left=[(top - v) / 2 for v in values], color="#4E79A7")
    for i, v in enumerate(values):
        ax.text(top / 2, i, _text(v), ha="center", va="center", color="white" if v > top * 0.2 else "#222",
                fontsize=8)
    ax.invert_yaxis()
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(t("report.chart.funnel", lang, unit=unit_label(report, lang)))
    figures.append(fig)
    _t, keys, _l, rows = sections["weekly"]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for c in range(1, len(keys)):
        ax.plot([r[0].strftime("%m-%d") for r in rows], [r[c] for r in rows], marker="o",
                label=printable(str(keys[c])), color=rep_color(report, keys[c]))
    ax.set_title(t("report.chart.weekly", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(keys) > 1:
        ax.legend(fontsize=8, frameon=False)
    ax.tick_params(axis="x", labelsize=8, rotation=45)
    figures.append(fig)
    _t, keys, labels, rows = sections["trend"]
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    months = [str(r[0]) for r in rows]  # 2026-01: "26-01" read as a day and a month
    twin = ax.twinx()
    twin.bar(months, [r[keys.index("visit_count")] for r in rows], color="#BAB0AC", alpha=0.5,
             label=labels[keys.index("visit_count")])
    for key, color in (("won_amount", "#59A14F"), ("pipeline", "#4E79A7")):
        ax.plot(months, [r[keys.index(key)] for r in rows], marker="o", color=color, label=labels[keys.index(key)])
    ax.set_zorder(twin.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_title(t("report.chart.trend", lang))
    ax.set_ylabel(t("report.axis.amount", lang, unit=unit_label(report, lang)), fontsize=8)
    twin.set_ylabel(t("report.axis.visits", lang), fontsize=8)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=3)
    ax.tick_params(axis="x", labelsize=8, rotation=45)
    figures.append(fig)
    out = []
    for fig in figures:
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
        plt.close(fig)
        svg = buf.getvalue()
        svg = re.sub(r"<metadata>.*?</metadata>", "", svg[svg.index("<svg"):], flags=re.DOTALL)  # no dates
        out.append(f"<figure>{svg}</figure>")
    return out


def write_report_file(report: TeamReport, lang: str, path: Path) -> None:
    """`--out report.xlsx|report.html`, written whole or not at all."""
    from addin.workbook.files import atomic_write, write_bytes

    if path.suffix.lower() != ".xlsx":
        write_bytes(path, write_html(report, lang).encode("utf-8"))
        return

    def put_xlsx(fh: Any) -> None:
        write_xlsx(report, lang, fh)

    atomic_write(path, put_xlsx)
