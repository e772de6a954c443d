"""Formatting of reports for people (rich tables) and machines (JSON). No business rule lives here."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from addin.core.agenda import Agenda
from addin.core.birthdays import BirthdayReport
from addin.core.findings import Finding, count
from addin.core.grading import INSUFFICIENT, NOT_GRADED, GradingReport
from addin.core.i18n import t
from addin.core.schema import CHOICES, ROLE
from addin.core.validation import ValidationReport

if TYPE_CHECKING:
    from addin.store.load import Consolidation

GRADE_STYLE = {"A": "bold green", "B": "bold cyan", "C": "bold yellow", "D": "bold red", INSUFFICIENT: "magenta"}


def dump_json(data: Any, compact: bool = False, stream: str | None = None) -> None:
    """Print `data` as JSON (UTF-8, not ASCII-escaped) straight to stdout: indented on a terminal, compact
    into a pipe or file (the compact form uses the C encoder, several times faster on big reports) and
    always compact for JSON Lines (`compact`: one object per workbook, one per line).

    `stream` names a last key of `data` whose value may be any iterable of records: in the compact form they
    are encoded and written a batch at a time, so a report of 100,000 findings is never held as one string."""
    indent = 2 if sys.stdout.isatty() and not compact else None
    if stream is None or indent is not None:
        if stream is not None:
            data = {**data, stream: list(data[stream])}
        click.echo(json.dumps(data, ensure_ascii=False, indent=indent, default=str))
        return
    head = {k: v for k, v in data.items() if k != stream}
    text = json.dumps({**head, stream: []}, ensure_ascii=False, default=str)
    click.echo(text[:-2], nl=False)  # up to the list's "["
    batch: list[Any] = []
    first = True
    for item in data[stream]:
        batch.append(item)
        if len(batch) == STREAM_BATCH:  # one C-encoder call per batch, its brackets dropped
            click.echo(("" if first else ", ") + json.dumps(batch, ensure_ascii=False, default=str)[1:-1], nl=False)
            batch, first = [], False
    rest = json.dumps(batch, ensure_ascii=False, default=str)[1:-1]
    click.echo(("" if first or not batch else ", ") + rest + "]}")


#: records encoded and written together by `dump_json(stream=...)`
STREAM_BATCH = 2_000


def findings_table(findings: Iterable[Finding], lang: str, out: Console, limit: int | None = None,
                   said: list[str] | None = None) -> None:
    """Findings grouped by sheet, each with its cell address, code and message (at most `limit` per sheet;
    `said`: the sentences, when already rendered)."""
    by_sheet: dict[str, list[tuple[Finding, str | None]]] = {}
    for i, f in enumerate(findings):
        by_sheet.setdefault(f.sheet if isinstance(f.sheet, str) else str(f.sheet), []).append(
            (f, said[i] if said is not None else None))
    for sheet, items in by_sheet.items():
        table = Table(title=sheet or "-", title_justify="left", show_lines=False, expand=False)
        for head in ("cell", "severity", "code", "customer", "message"):
            table.add_column(t(f"col.{head}", lang), overflow="fold")
        shown = items if limit is None else items[:limit]
        for f, sentence in shown:
            where = f.cell or (str(f.row) if f.row else "")
            style = "red" if f.severity == "error" else "yellow"
            table.add_row(where, f"[{style}]{t('sev.' + f.severity, lang)}[/]", f.code, f.customer_id,
                          f.message(lang) if sentence is None else sentence)
        out.print(table)
        if len(shown) < len(items):
            out.print(t("report.more", lang, count=len(items) - len(shown)))


def validation_json(report: ValidationReport, source: str, lang: str,
                    said: list[str] | None = None) -> dict[str, Any]:
    """The SPEC §4 JSON object of `kam validate` (its issues made as they are read: see `dump_json`)."""
    errors, warnings = report.counts()
    return {
        "workbook": source,
        "today": report.today.isoformat(),
        "summary": {"rows_checked": report.rows_checked, "errors": errors, "warnings": warnings},
        # made one by one as they are written; `said`: the findings' sentences, when already rendered
        "issues": (f.to_dict(lang) for f in report.findings) if said is None
        else (f.to_dict(lang, m) for f, m in zip(report.findings, said, strict=True)),
    }


def validation_table(report: ValidationReport, source: str, lang: str, out: Console,
                     limit: int | None = 200, said: list[str] | None = None) -> None:
    """Findings grouped by sheet with their cells, then rows checked and the counts."""
    if report.findings:
        findings_table(report.findings, lang, out, limit, said)
    errors, warnings = report.counts()
    checked = ", ".join(f"{sheet} {n}" for sheet, n in report.rows_checked.items()) or "-"
    out.print(t("validate.checked", lang, file=source, checked=checked, today=report.today.isoformat()))
    style = "bold red" if errors else ("yellow" if warnings else "bold green")
    out.print(f"[{style}]{t('validate.summary', lang, errors=errors, warnings=warnings)}[/]")


def birthdays_json(report: BirthdayReport, lang: str) -> dict[str, Any]:
    """The SPEC §6 JSON object of `kam birthdays`."""
    return {
        "today": report.today.isoformat(),
        "window_days": report.window_days,
        "birthdays": [b.to_dict(ROLE.display(b.role, lang) if b.role else None,
                                CHOICES["calendar"].display(b.calendar, lang)) for b in report.birthdays],
        "unreadable": [{"customer_id": cid, "customer_name": cname, "name": name, "birthday": raw}
                       for cid, cname, name, raw in report.unreadable],
    }


def agenda_table(agenda: Agenda, lang: str, out: Console) -> None:
    """The agenda, a row per item, soonest first."""
    table = Table(title=t("agenda.title", lang, start=agenda.start.isoformat(), end=agenda.end.isoformat()),
                  title_justify="left")
    header, *rows = agenda.rows(lang)
    for head in header:
        table.add_column(str(head), overflow="fold")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    out.print(table)
    out.print(t("agenda.summary", lang, count=len(agenda.items)))


def birthdays_table(report: BirthdayReport, lang: str, out: Console) -> None:
    """Coming birthdays, soonest first."""
    table = Table(title=t("birthdays.title", lang, days=report.window_days, today=report.today.isoformat()),
                  title_justify="left")
    header, *rows = report.rows(lang)
    for head in header:
        table.add_column(str(head))
    for row in rows:
        table.add_row(*(str(v) for v in row))
    out.print(table)
    out.print(t("birthdays.summary", lang, count=len(report.birthdays)))
    if report.unreadable:
        out.print(t("birthdays.unreadable_line", lang, count=len(report.unreadable)))


def grading_json(report: GradingReport, source: str, lang: str) -> dict[str, Any]:
    """The SPEC §6 JSON object of `kam grade`."""
    return {
        "workbook": source,
        "grades": [g.to_dict(lang) for g in report.grades],
        "issues": [f.to_dict(lang) for f in report.issues],
    }


def grading_table(report: GradingReport, names: dict[str, str], lang: str, out: Console,
                  limit: int | None = 200) -> None:
    """A readable table of grades (coloured per grade, at most `limit` rows, as validate shows findings),
    then the findings and a count line."""
    table = Table(title=t("grade.title", lang, sheet=report.sheet), title_justify="left")
    for head in ("customer", "name", "value", "difficulty", "grade", "advice", "why"):
        table.add_column(t(f"col.{head}", lang), overflow="fold")
    shown = report.grades if limit is None else report.grades[:limit]
    for g in shown:
        d = g.to_dict(lang)
        grade = g.grade.grade or ""
        style = GRADE_STYLE.get(grade, "dim")
        table.add_row(g.customer_id, names.get(g.customer_id, ""),
                      "" if d["value_score"] is None else f"{d['value_score']:.2f}",
                      "" if d["difficulty_score"] is None else f"{d['difficulty_score']:.2f}",
                      f"[{style}]{g.grade.grade_text(lang) or '-'}[/]", d["advice"] or "", d["explanation"])
    out.print(table)
    if len(shown) < len(report.grades):
        out.print(t("report.more", lang, count=len(report.grades) - len(shown)))
    if report.issues:
        findings_table(report.issues, lang, out, limit)
    errors, warnings = count(report.issues)
    out.print(t("grade.summary", lang, rows=len(report.grades), spread=report.spread(lang), errors=errors,
                warnings=warnings))


def consolidation_json(result: Consolidation, today: date, lang: str) -> dict[str, Any]:
    """`kam consolidate --format json`: each workbook's line, the team findings and the totals."""
    loaded = [x.to_dict() for x in result.loaded]
    return {
        "store": result.store, "today": today.isoformat(), "workbooks": loaded,
        "summary": result.counts(),
        "team_issues": [f.to_dict(lang) for f in result.team],
        "retired": result.retired,
    }


def consolidation_table(result: Consolidation, lang: str, out: Console) -> None:
    """A line per workbook (rows, findings, grades, what happened), then the team findings."""
    table = Table(title=t("consolidate.title", lang, store=result.store), title_justify="left")
    heads = ("workbook", "status", "rows", "errors", "warnings", "A", "B", "C", "D", "insufficient", "not_graded")
    for head in heads:
        table.add_column(t(f"col.{head}", lang) if head not in "ABCD" else head,
                         justify="right" if head not in ("workbook", "status") else "left")
    style = {"loaded": "green", "unchanged": "dim", "failed": "bold red"}
    blank = [""] * (len(heads) - 2)
    for x in result.loaded:
        name = result.shown(x.path)
        if x.status == "failed":  # the sentence on a line of its own, never in the right-aligned number columns
            table.add_row(name, f"[{style[x.status]}]{t('status.failed', lang)}[/]", *blank)
        else:
            table.add_row(name, f"[{style[x.status]}]{t('status.' + x.status, lang)}[/]", str(x.rows),
                          str(x.errors), str(x.warnings),
                          *(str(x.grades.get(g, 0)) for g in ("A", "B", "C", "D", INSUFFICIENT, NOT_GRADED)))
        if x.message:
            table.add_row("", f"[{'red' if x.status == 'failed' else 'dim'}]{x.message}[/]", *blank)
    out.print(table)
    if result.team:
        team = Table(title=t("consolidate.team", lang), title_justify="left")
        for head in ("workbook", "cell", "code", "customer", "message"):
            team.add_column(t(f"col.{head}", lang), overflow="fold")
        for f in result.team:
            where = f"{f.finding.sheet}!{f.finding.row}" if f.finding.row else ""
            team.add_row(Path(f.workbook).name, where, f.finding.code, f.finding.customer_id, f.finding.message(lang))
        out.print(team)
    for path in result.retired:
        out.print(t("consolidate.retired", lang, file=path))
    out.print(t("consolidate.summary", lang, team=len(result.team), **result.counts()))
