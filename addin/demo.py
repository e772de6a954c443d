"""`kam demo`: write the sample team workbook, then run the jobs that exist on it and summarise."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from rich.console import Console

from addin.core.birthdays import birthday_report
from addin.core.briefing import build_briefings
from addin.core.demo import SEEDED_MISTAKES, make_demo
from addin.core.findings import category, rule_name
from addin.core.grading import grade_workbook
from addin.core.i18n import t
from addin.core.schema import RESULTS
from addin.core.validation import validate
from addin.docs.batch import render_all
from addin.docs.build_templates import template_path
from addin.errors import KamError
from addin.workbook.files import atomic_write, keep_copy
from addin.workbook.marks import mark_workbook
from addin.workbook.plans import grade_edits
from addin.workbook.reader import read_workbook
from addin.workbook.writer import backup_path, write_workbook
from addin.workbook_templates.builder import build_workbook

DEMO_FILE = {"zh": "示例团队工作簿.xlsx", "en": "demo-team-workbook.xlsx"}


def write_demo_workbook(folder: Path, today: date, lang: str = "zh", force: bool = False) -> Path:
    """Write the sample workbook into `folder` and return its path; an existing one is refused, or with
    `force` kept as its .bak copy."""
    data = make_demo(today)
    path = folder / DEMO_FILE[lang]
    if path.exists():
        if not force:
            raise KamError("demo.exists", file=path, backup=backup_path(path).name)
        keep_copy(path, backup_path(path))
    atomic_write(path, lambda fh: build_workbook(fh, lang, data.rows, formulas=True))  # grades live in the cells
    return path


def run_demo(folder: Path, today: date, lang: str, out: Console, force: bool = False) -> Path:
    """The whole demo: write, read back, and print what was found and where the files are."""
    path = write_demo_workbook(folder, today, lang, force)
    out.print(t("demo.written", lang, file=path))
    book = read_workbook(path)
    counts = ("，" if lang == "zh" else ", ").join(f"{table.name} {len(table.rows)}" for table in book.sheets.values())
    out.print(t("demo.rows", lang, counts=counts))
    report = grade_workbook(book)
    table = book.get("assessment")
    assert table is not None
    write_workbook(path, grade_edits(table, report, lang), backup=False)
    out.print(t("demo.graded", lang, spread=report.spread(lang),
                sheet=table.name))
    book = read_workbook(path)
    report_v = validate(book, today)
    mark_workbook(path, book, report_v, lang, backup=False)
    errors, warnings = report_v.counts()
    by_code = Counter(f.code for f in report_v.findings)
    out.print(t("demo.validated", lang, errors=errors, warnings=warnings, sheet=RESULTS.text(lang)))
    seeded = {code: (zh if lang == "zh" else en) for _sheet, code, zh, en in SEEDED_MISTAKES}
    # errors first, then data to fix, then the reminders: 7 errors are not hidden under 21 callbacks
    first = {f.code: (f.severity != "error", category(f.code) != "data") for f in report_v.findings}
    for code, n in sorted(by_code.items(), key=lambda item: (*first[item[0]], -item[1], item[0])):
        planted = t("demo.planted", lang, what=seeded[code]) if code in seeded else ""
        out.print(f"  • {rule_name(code, lang)} × {n}{planted}")  # the rule's name, never its code, in Chinese
    briefs = folder / ("briefings" if lang == "en" else "简报")
    contexts = build_briefings(book, today, lang)
    outcomes = render_all(contexts, "docx", template_path("docx", lang), briefs, 1)
    written = sum(1 for o in outcomes if o.path is not None)
    out.print(t("demo.briefs", lang, count=written, folder=briefs))
    report_b = birthday_report(book, today)
    out.print(t("demo.birthdays", lang, count=len(report_b.birthdays), days=report_b.window_days))
    run_team_demo(folder, today, lang, out)
    out.print(t("demo.next", lang, file=path))
    return path


TEAM_FOLDER = {"zh": "团队", "en": "team"}
TEAM_REPORT = {"zh": "团队报告", "en": "team-report"}


def run_team_demo(folder: Path, today: date, lang: str, out: Console) -> Path:
    """The manager's view of a small team: a workbook per rep (with 撞单, a visit by two reps and a rep who
    stopped filling in, planted), consolidated into a store beside them, and this month's report."""
    from addin.core.demo import REPS, make_team
    from addin.docs.teamout import write_report_file
    from addin.store.db import open_store
    from addin.store.frames import month_report
    from addin.store.load import TeamModel, consolidate

    team = folder / TEAM_FOLDER[lang]
    team.mkdir(parents=True, exist_ok=True)
    books = []
    for n, (rep, data) in enumerate(make_team(today).items()):
        name = f"{rep}.xlsx" if lang == "zh" else f"rep{n + 1}.xlsx"
        target = team / name
        atomic_write(target, lambda fh, rows=data.rows: build_workbook(fh, lang, rows))  # type: ignore[misc]
        books.append(target)
    store = folder / "kam-team.sqlite"
    with open_store(store) as engine:
        result = consolidate(books, engine, today, TeamModel(), lang)
        report = month_report(engine, today, lang)
    codes = Counter(f.finding.code for f in result.team)
    out.print(t("demo.team", lang, count=len(REPS), folder=team, store=store, loaded=result.counts()["loaded"],
                codes=("、" if lang == "zh" else ", ").join(f"{rule_name(c, lang)} × {n}"
                                                            for c, n in sorted(codes.items()))))
    html, xlsx = folder / f"{TEAM_REPORT[lang]}.html", folder / f"{TEAM_REPORT[lang]}.xlsx"
    write_report_file(report, lang, html)
    write_report_file(report, lang, xlsx)
    out.print(t("demo.team_report", lang, html=html, xlsx=xlsx, store=store))
    return store
