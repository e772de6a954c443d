"""The manager's buttons (评级, 校验, 生成简报, 生日提醒, 日程, 汇总): each `action(book=None)` works on the
workbook that called it (`xw.Book.caller()`), through the same plans as the command line. Progress shows in
Excel's status bar; any failure ends in a message box, never silently. Messages and the sheets kam adds
follow the language of the workbook's own headers (a workbook with English headers gets English).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from addin.core.birthdays import birthday_report
from addin.core.briefing import build_briefings
from addin.core.findings import rule_name
from addin.core.grading import grade_workbook
from addin.core.i18n import t
from addin.core.schema import AGENDA, BIRTHDAYS, RESULTS
from addin.core.validation import validate as run_rules
from addin.errors import KamError
from addin.excel.port import ExcelPort
from addin.workbook.plans import grade_edits, mark_plan, workbook_language


def _book(book: Any) -> Any:
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _run(book: Any, status_key: str, job: Callable[[ExcelPort, str], str]) -> str:
    """Run a job on the calling workbook: status bar while it runs, a message box with the outcome."""
    port = ExcelPort(_book(book))
    lang = "zh"
    try:
        lang = workbook_language(port.read(["customers"]))
        _same_xlwings(port)
        with port.status(t(status_key, lang)):
            message = job(port, lang)
    except KamError as exc:
        message = exc.message(lang)
    except Exception as exc:  # a button must never fail silently (a COM error included)
        message = t("internal", lang, detail=f"{type(exc).__name__}: {exc}"[:200])
    port.alert(message)
    return message


def _same_xlwings(port: ExcelPort) -> None:
    """A workbook or kam.xlam built with another xlwings than Python has: its VBA and DLL do not match what
    Python runs (a later `pip install -U` brought a newer xlwings). One sentence: rebuild, or pin it back."""
    import xlwings

    built = port.xlwings_stamp()
    if built is not None and built != xlwings.__version__:
        raise KamError("excel.version_mismatch", file=port.book.name, built=built, installed=xlwings.__version__)


def grade(book: Any = None, today: date | None = None) -> str:
    """评级: grade every account and fill 价值分/难度分/等级/建议/说明 in 价值评估."""

    def job(port: ExcelPort, lang: str) -> str:
        data = port.read(["assessment", "settings", "customers"])
        table = data.get("assessment")
        if table is None:
            raise KamError("excel.no_sheet", sheet=t("excel.assessment", lang))
        report = grade_workbook(data)
        kept = port.apply(grade_edits(table, report, lang))
        message = t("excel.graded", lang, rows=len(report.grades), spread=report.spread(lang))
        if kept:
            message += "\n" + t("write.kept_formulas", lang, cells=", ".join(kept[:20]))
        return message

    return _run(book, "excel.status.grade", job)


def validate(book: Any = None, today: date | None = None) -> str:
    """校验: check every sheet, fill and annotate the offending cells, list them on 校验结果."""

    def job(port: ExcelPort, lang: str) -> str:
        data = port.read()
        report = run_rules(data, today or date.today())
        existing = next((s.name for s in port.book.sheets if s.name in RESULTS.aliases()), None)
        plan = mark_plan(data, report, lang, skip_sheet=existing)
        sheet, marked, kept = port.mark(plan, data, RESULTS, lang)
        errors, warnings = report.counts()
        message = t("excel.validated", lang, errors=errors, warnings=warnings, cells=marked, sheet=sheet)
        if kept:
            message += "\n" + t("mark.kept_notes", lang, cells=", ".join(kept[:20]))
        return message

    return _run(book, "excel.status.validate", job)


def brief(book: Any = None, today: date | None = None, out: Path | None = None) -> str:
    """生成简报: briefings for the customers selected on 客户, or for all; files beside the workbook."""

    def job(port: ExcelPort, lang: str) -> str:
        from addin.docs.batch import render_all
        from addin.docs.briefs import default_out
        from addin.docs.build_templates import template_path

        data = port.read()
        chosen = port.selected_customers(data)
        contexts = build_briefings(data, today or date.today(), lang, chosen or None)
        if not contexts:
            return t("brief.none", lang)
        folder = out or default_out(_local(port, lang, "brief"), lang)
        done = [0]

        def progress(_outcome: object) -> None:
            done[0] += 1
            port.book.app.status_bar = t("excel.status.brief_n", lang, done=done[0], total=len(contexts))

        outcomes = render_all(contexts, "docx", template_path("docx", lang), folder, os.cpu_count() or 1,
                              progress)
        failed = [o for o in outcomes if o.path is None]
        message = t("brief.summary", lang, written=len(outcomes) - len(failed), skipped=0, failed=len(failed),
                    folder=folder)
        for o in failed[:10]:
            message += "\n" + t("brief.failed", lang, customer=o.customer_id, error=o.error)
        return message

    return _run(book, "excel.status.brief", job)


def _local(port: ExcelPort, lang: str, action: str) -> Path:
    """The workbook's own file on this PC, for the buttons that write beside it; one sentence otherwise."""
    path = port.local_path()
    if path is None:
        raise KamError("excel.no_local_path", where=port.where() or t("excel.unsaved", lang),
                       action=t(f"excel.action.{action}", lang))
    return path


def agenda(book: Any = None, today: date | None = None) -> str:
    """日程: the rep's agenda for the coming 30 days (birthdays, festivals, follow-ups...) on a 日程 sheet."""

    def job(port: ExcelPort, lang: str) -> str:
        from addin.core.agenda import build_agenda, window

        when = today or date.today()
        data = port.read()
        plan = build_agenda(data, when, *window(when), lang)
        sheet = port.owned_sheet(AGENDA, lang, plan.rows(lang))
        return t("agenda.written_sheet", lang, count=len(plan.items), sheet=sheet)

    return _run(book, "excel.status.agenda", job)


def birthdays(book: Any = None, today: date | None = None) -> str:
    """生日提醒: the coming birthdays (农历 converted) on a 生日提醒 sheet."""

    def job(port: ExcelPort, lang: str) -> str:
        data = port.read(["contacts", "customers", "settings"])
        report = birthday_report(data, today or date.today())
        sheet = port.owned_sheet(BIRTHDAYS, lang, report.rows(lang))
        return t("birthdays.written", lang, file=port.book.name, sheet=sheet, count=len(report.birthdays))

    return _run(book, "excel.status.birthdays", job)


#: the team store the 汇总 button keeps beside the macro workbook
TEAM_STORE = "kam-team.sqlite"


def consolidate(book: Any = None, today: date | None = None, folder: str | None = None) -> str:
    """汇总: choose a folder of reps' workbooks, load them into the store beside this workbook (graded by this
    workbook's own 设置 when it has one), and write the month's team report into sheets kam owns here."""

    def job(port: ExcelPort, lang: str) -> str:
        from addin.core.period import parse_period
        from addin.core.schema import Label
        from addin.docs.teamout import labelled, unit_label
        from addin.store.db import open_store
        from addin.store.frames import team_report
        from addin.store.load import TeamModel, model_from_table
        from addin.store.load import consolidate as load_all
        from addin.workbook.paths import expand, local_store_folder, shared_folder

        when = today or date.today()
        me = _local(port, lang, "consolidate")
        kind = shared_folder(me.parent)
        if kind is not None:  # SQLite's write-ahead log is unsafe where a sync client or a network share sits
            raise KamError("excel.shared_store", kind=t(f"excel.kind.{kind}", lang), folder=me.parent,
                           local=local_store_folder())
        chosen = folder or port.choose_folder(t("excel.pick_folder", lang), str(me.parent))
        if not chosen:
            return t("excel.no_folder", lang)
        paths = [p for p in expand([Path(chosen)]) if p.resolve() != me.resolve()]
        own = port.read(["settings", "targets"])
        settings = own.get("settings")
        model = model_from_table(settings, str(me)) if settings is not None and settings.rows else TeamModel()
        store = me.parent / TEAM_STORE
        done = [0]

        def progress(path: Path) -> None:
            done[0] += 1
            port.book.app.status_bar = t("excel.status.consolidate_n", lang, done=done[0], total=len(paths),
                                         file=path.name)

        with open_store(store) as engine:
            result = load_all(paths, engine, when, model, lang, progress, folders=[Path(chosen)])
            period = parse_period(None, when)
            assert period is not None  # the current month always parses
            targets, left_out = _own_targets(own, engine, when)
            report = team_report(engine, period, when, lang, model.settings, targets=targets)
        summary = Label(t("excel.team_summary", "zh"), (), t("excel.team_summary", "en"))
        said = [t(key, lang, file=port.book.name, **params) for key, params in left_out]
        first = port.owned_sheet(summary, lang, _summary_rows(result, lang, said))
        sections = labelled(report, lang)
        written: dict[str, str] = {}
        for key, (_title, _keys, labels, rows) in sections.items():
            name = Label(t("excel.team_sheet", "zh", name=t(f"report.sheet.{key}", "zh")), (),
                         t("excel.team_sheet", "en", name=t(f"report.sheet.{key}", "en")))
            written[key] = port.owned_sheet(name, lang, [labels, *rows])
        for key, source, kind, chart in team_charts(sections):
            port.chart(written[key], source, kind, t(f"report.chart.{chart}", lang, unit=unit_label(report, lang)),
                       len(sections[key][1]) + 2, f"kam_{chart}")
        done_text = t("excel.consolidated", lang, folder=chosen, books=len(paths), store=store,
                      team=len(result.team), sheets=len(sections) + 1, first=first, **result.counts())
        if said:  # the manager learns here that a target row did not count, and where to read which
            done_text += "\n" + t("excel.targets_left_out", lang, count=len(said), sheet=first)
        return done_text

    return _run(book, "excel.status.consolidate", job)


def _own_targets(own: Any, engine: Any, when: date) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    """The macro workbook's own 目标 sheet as the report's targets (None without one), and a (message key,
    params) per row left out, as `kam report --targets` says them."""
    table = own.get("targets")
    if table is None or not table.rows:
        return None, []
    from addin.store.frames import targets_frame

    return targets_frame(table, own.date1904, engine, when)


def team_charts(sections: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(section, source address, xlwings chart type, chart key) of the charts the .xlsx report has: grades per
    rep (stacked columns over the rep names and the six grade columns), the pipeline by working stage (bars
    of each stage's Σ 预计金额), visits per week (a line per rep) and the 12-month trend (lines)."""
    from addin.core.model import column_letter

    out: list[tuple[str, str, str, str]] = []
    _t, keys, _l, rows = sections["per_rep"]
    if rows:
        first, last = column_letter(keys.index("A")), column_letter(keys.index("未评级"))
        out.append(("per_rep", f"A1:A{len(rows) + 1},{first}1:{last}{len(rows) + 1}", "column_stacked", "grades"))
    _t, keys, _l, rows = sections["pipeline_value"]
    total = column_letter(keys.index("total"))
    out.append(("pipeline_value", f"A1:A{len(rows) + 1},{total}1:{total}{len(rows) + 1}", "bar_clustered",
                "funnel"))
    _t, keys, _l, rows = sections["weekly"]
    if rows and len(keys) > 1:
        out.append(("weekly", f"A1:{column_letter(len(keys) - 1)}{len(rows) + 1}", "line_markers", "weekly"))
    _t, keys, _l, rows = sections["trend"]
    first, last = column_letter(keys.index("won_amount")), column_letter(keys.index("pipeline"))
    out.append(("trend", f"A1:A{len(rows) + 1},{first}1:{last}{len(rows) + 1}", "line_markers", "trend"))
    return out


def _summary_rows(result: Any, lang: str, targets_left_out: list[str] | None = None) -> list[list[Any]]:
    """The 团队汇总 sheet: a line per workbook, the team findings, then each 目标 row that did not count."""
    from addin.core.grading import INSUFFICIENT, NOT_GRADED

    heads = ["workbook", "status", "rows", "errors", "warnings"]
    rows: list[list[Any]] = [[*(t(f"col.{h}", lang) for h in heads), "A", "B", "C", "D",
                              t("col.insufficient", lang), t("col.not_graded", lang), t("col.message", lang)]]
    for x in result.loaded:
        rows.append([result.shown(x.path), t(f"status.{x.status}", lang), x.rows, x.errors, x.warnings,
                     *(x.grades.get(g, 0) for g in ("A", "B", "C", "D", INSUFFICIENT, NOT_GRADED)), x.message])
    rows.append([])
    rows.append([t("consolidate.team", lang)])
    rows.append([t("col.workbook", lang), t("col.cell", lang), t("mark.col.rule", lang), t("col.customer", lang),
                 t("col.message", lang)])
    for f in result.team:
        where = f"{f.finding.sheet}!{f.finding.row}" if f.finding.row else ""
        rows.append([Path(f.workbook).name, where, rule_name(f.finding.code, lang), f.finding.customer_id,
                     f.finding.message(lang)])
    if targets_left_out:
        rows.append([])
        rows.append([t("excel.targets_heading", lang)])
        rows.extend([line] for line in targets_left_out)
    return rows
