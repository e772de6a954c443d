"""The team report for people: labelled tables (terminal), JSON, an .xlsx with native Excel charts
(XlsxWriter) and a self-contained printable .html with the same charts as inline SVG (matplotlib)."""

from __future__ import annotations

import html
import io
import math
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from addin.analytics.teamreport import METHODS, TeamReport
from addin.core.i18n import MESSAGES, t
from addin.core.schema import CHOICES
from addin.core.text import printable

#: columns whose values are canonical choices shown in the user's language
_CHOICE_COLUMNS = {"stage": "stage", "stage_before": "stage", "stage_now": "stage", "result": "result"}
_GRADE_COLUMNS = ("grade_before", "grade_now")
_DATE_COLUMNS = ("visit_date", "follow_up_due", "recorded_on", "last_visit", "date", "week_start")
_PERCENT_COLUMNS = ("in_person_share",)
GRADE_COLORS = {"A": "#2E7D32", "B": "#0277BD", "C": "#F9A825", "D": "#C62828", "信息不足": "#8E24AA"}


def column_label(key: str, lang: str) -> str:
    """A column key shown in `lang`: a method (面访), a grade, or a report column."""
    if key in METHODS:
        return CHOICES["method"].display(key, lang)
    if key in ("A", "B", "C", "D"):
        return key
    for prefix in ("report.col.", "report.value."):
        if prefix + key in MESSAGES:
            return t(prefix + key, lang)
    return key


def _value(key: str, value: Any, lang: str) -> Any:
    """A cell shown in `lang`: choices and grades translated, timestamps as dates, NaN as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str) and f"report.value.{value}" in MESSAGES and (key in _CHOICE_COLUMNS
                                                                           or key in _GRADE_COLUMNS):
        return t(f"report.value.{value}", lang)
    if key in _CHOICE_COLUMNS and isinstance(value, str):
        return CHOICES[_CHOICE_COLUMNS[key]].display(value, lang) or value
    if key == "kind" and isinstance(value, str):
        return t("agenda.kind.birthday", lang) if value == "birthday" else t(f"agenda.{value}", lang)
    return value.item() if hasattr(value, "item") else value


def labelled(report: TeamReport, lang: str) -> dict[str, tuple[str, list[str], list[str], list[list[Any]]]]:
    """Section key -> (title, column keys, column labels, rows of display values)."""
    out: dict[str, tuple[str, list[str], list[str], list[list[Any]]]] = {}
    for key, frame in report.sections().items():
        if key == "pipeline":
            frame = frame.copy()
            frame["total"] = frame.sum(axis=1)
            frame = frame.reset_index()
        keys = [str(c) for c in frame.columns]
        rows = [[_value(k, v, lang) for k, v in zip(keys, row, strict=True)]
                for row in frame.itertuples(index=False, name=None)]
        out[key] = (t(f"report.section.{key}", lang), keys, [column_label(k, lang) for k in keys], rows)
    return out


def _json_key(key: str) -> str:
    """A column key as a JSON key that never changes with the language: a choice (面访, 信息不足) by its English
    value in snake case (in_person, insufficient); rep names (the weekly section) stay as they are."""
    fixed = {"信息不足": "insufficient", "未评级": "not_graded"}
    if key in fixed:
        return fixed[key]
    for choices in CHOICES.values():
        for value in choices.values:
            if value.zh == key:
                return re.sub(r"[^a-z0-9]+", "_", value.en.lower()).strip("_")
    return key


def report_json(report: TeamReport, lang: str) -> dict[str, Any]:
    """`kam report --format json`: the period and each section as a list of records keyed by column key (the
    same keys in both languages)."""
    sections = {}
    for key, (_title, keys, _labels, rows) in labelled(report, lang).items():
        names = [_json_key(k) if key != "weekly" else k for k in keys]
        sections[key] = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in zip(names, row, strict=True)}
                         for row in rows]
    return {"period": {"label": report.period.label, "from": report.period.start.isoformat(),
                       "to": report.period.end.isoformat()},
            "today": report.today.isoformat(), "workbooks": report.workbooks, **sections}


def _text(v: Any, key: str = "") -> str:
    if v is None:
        return ""
    if key in _PERCENT_COLUMNS and isinstance(v, float):
        return f"{v:.0%}"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def report_table(report: TeamReport, lang: str, out: Console) -> None:
    """Every section as a rich table under the report's title."""
    out.print(f"[bold]{t('report.title', lang, period=report.period.label)}[/]")
    out.print(_subtitle(report, lang))
    for _key, (title, keys, labels, rows) in labelled(report, lang).items():
        table = Table(title=title, title_justify="left")
        shown = [i for i, k in enumerate(keys) if k not in METHODS]  # visits by method: in the .xlsx and JSON
        for i in shown:
            table.add_column(labels[i], overflow="fold")
        for row in rows:
            table.add_row(*(_text(row[i], keys[i]) for i in shown))
        if not rows:
            table.add_row(t("report.none", lang), *[""] * (len(shown) - 1))
        out.print(table)


def _subtitle(report: TeamReport, lang: str) -> str:
    return t("report.subtitle", lang, start=report.period.start.isoformat(), end=report.period.end.isoformat(),
             today=report.today.isoformat(), books=report.workbooks)


# --- .xlsx -------------------------------------------------------------------------------------------------

def write_xlsx(report: TeamReport, lang: str, target: Any) -> dict[str, str]:
    """One sheet per section (frozen header, filter, formats) and three native charts; returns the sheet
    names by section key. `target` is a path or a binary file object."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(target, {"strings_to_numbers": False, "strings_to_formulas": False,
                                      "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"})
    wb.set_properties({"title": t("report.title", lang, period=report.period.label), "author": "kam"})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    formats = {"date": wb.add_format({"num_format": "yyyy-mm-dd"}), "pct": wb.add_format({"num_format": "0%"}),
               "dec": wb.add_format({"num_format": "0.0"})}
    names: dict[str, str] = {}
    sections = labelled(report, lang)
    for key, (title, keys, labels, rows) in sections.items():
        name = t(f"report.sheet.{key}", lang)[:31]
        names[key] = name
        ws = wb.add_worksheet(name)
        for c, label in enumerate(labels):
            ws.write(0, c, label, head)
            width = max([_width(label), *(_width(_text(r[c], keys[c])) for r in rows[:500])])
            fmt = (formats["date"] if keys[c] in _DATE_COLUMNS else formats["pct"] if keys[c] in _PERCENT_COLUMNS
                   else formats["dec"] if keys[c].endswith("_per_100") else None)
            ws.set_column(c, c, min(max(width + 2, 8), 60), fmt)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if isinstance(v, date):
                    ws.write_datetime(r, c, datetime(v.year, v.month, v.day))
                elif v is not None:
                    ws.write(r, c, v)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(labels) - 1)
        ws.set_header(f"&L{title}&R{report.period.label}")
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
    _xlsx_charts(wb, sections, names, lang)
    wb.close()
    return names


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _xlsx_charts(wb: Any, sections: dict[str, Any], names: dict[str, str], lang: str) -> None:
    """Grades per rep (stacked columns), the stage funnel (bars, first stage on top), visits per week (lines)."""
    _t, keys, _l, rows = sections["per_rep"]
    sheet = names["per_rep"]
    ws = wb.get_worksheet_by_name(sheet)
    if rows:
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for grade in ("A", "B", "C", "D", "信息不足"):
            c = keys.index(grade)
            chart.add_series({"name": [sheet, 0, c], "categories": [sheet, 1, 0, len(rows), 0],
                              "values": [sheet, 1, c, len(rows), c], "gap": 60,
                              "fill": {"color": GRADE_COLORS[grade]}})
        chart.set_title({"name": t("report.chart.grades", lang)})
        ws.insert_chart(len(rows) + 3, 0, chart, {"x_scale": 1.4, "y_scale": 1.2})
    _t, keys, _l, rows = sections["pipeline"]
    sheet = names["pipeline"]
    total = keys.index("total")
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": [sheet, 0, total], "categories": [sheet, 1, 0, len(rows), 0],
                      "values": [sheet, 1, total, len(rows), total], "data_labels": {"value": True}})
    chart.set_title({"name": t("report.chart.funnel", lang)})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    wb.get_worksheet_by_name(sheet).insert_chart(len(rows) + 3, 0, chart, {"x_scale": 1.3, "y_scale": 1.2})
    _t, keys, _l, rows = sections["weekly"]
    sheet = names["weekly"]
    if len(keys) > 1 and rows:
        chart = wb.add_chart({"type": "line"})
        for c in range(1, len(keys)):
            chart.add_series({"name": [sheet, 0, c], "categories": [sheet, 1, 0, len(rows), 0],
                              "values": [sheet, 1, c, len(rows), c], "marker": {"type": "circle"}})
        chart.set_title({"name": t("report.chart.weekly", lang)})
        chart.set_x_axis({"date_axis": True, "num_format": "mm-dd", "major_unit": 7, "major_unit_type": "days"})
        wb.get_worksheet_by_name(sheet).insert_chart(1, len(keys) + 1, chart, {"x_scale": 1.4, "y_scale": 1.2})


# --- .html -------------------------------------------------------------------------------------------------

_CSS = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC", sans-serif;
       margin: 2em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 2px solid #4472C4; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
th, td { border: 1px solid #bbb; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #DDEBF7; } td.n { text-align: right; } td:first-child { white-space: nowrap; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } .charts figure { margin: 0; }
.sub { color: #555; }
@media print { body { margin: 0; } h2 { break-after: avoid; } table, figure { break-inside: avoid; } }
"""


def _esc(text: str) -> str:
    """Text for the page: escaped, and without control characters (a rep's name may carry one)."""
    return html.escape(printable(text))


def write_html(report: TeamReport, lang: str) -> str:
    """A self-contained page (no script, no link): the same sections as tables and the three charts as
    inline SVG whose text stays text, so the browser's own CJK fonts draw it."""
    sections = labelled(report, lang)
    title = t("report.title", lang, period=report.period.label)
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{_esc(title)}</h1><p class=\"sub\">{_esc(_subtitle(report, lang))}</p>",
             '<div class="charts">', *_svg_charts(sections, lang), "</div>"]
    for _key, (heading, keys, labels, rows) in sections.items():
        parts.append(f"<h2>{_esc(heading)}</h2>")
        if not rows:
            parts.append(f"<p>{_esc(t('report.none', lang))}</p>")
            continue
        heads = "".join(f"<th>{_esc(x)}</th>" for x in labels)
        parts.append(f"<table><thead><tr>{heads}</tr></thead><tbody>")
        for row in rows:
            cells = []
            for k, v in zip(keys, row, strict=True):
                numeric = isinstance(v, int | float) and not isinstance(v, bool)
                opening = '<td class="n">' if numeric else "<td>"
                cells.append(f"{opening}{_esc(_text(v, k))}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _svg_charts(sections: dict[str, Any], lang: str) -> list[str]:
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    for grade in ("A", "B", "C", "D", "信息不足"):
        values = [r[keys.index(grade)] or 0 for r in rows]
        ax.bar(reps, values, bottom=bottom, label=column_label(grade, lang), color=GRADE_COLORS[grade])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(t("report.chart.grades", lang))
    ax.legend(fontsize=8, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    figures.append(fig)
    _t, keys, _l, rows = sections["pipeline"]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.barh([str(r[0]) for r in rows], [r[keys.index("total")] for r in rows], color="#4472C4")
    ax.invert_yaxis()
    ax.set_title(t("report.chart.funnel", lang))
    figures.append(fig)
    _t, keys, _l, rows = sections["weekly"]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for c in range(1, len(keys)):
        ax.plot([r[0].strftime("%m-%d") for r in rows], [r[c] for r in rows], marker="o", label=printable(str(keys[c])))
    ax.set_title(t("report.chart.weekly", lang))
    if len(keys) > 1:
        ax.legend(fontsize=8, frameon=False)
    ax.tick_params(axis="x", labelsize=7, rotation=45)
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
