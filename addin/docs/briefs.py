"""`kam brief`: build contexts, check the template, render every customer, report each file and a summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from addin.core.briefing import build_briefings
from addin.core.i18n import t
from addin.core.parse import customer_key
from addin.core.scope import for_reps, unmatched_reps
from addin.core.validation import missing_sheets
from addin.docs.batch import Outcome, has_component, render_all, soffice
from addin.docs.build_templates import template_path
from addin.docs.render import check_variables, renderer_for
from addin.errors import KamError
from addin.workbook.reader import read_workbook

#: the template suffixes each output format takes (the first is named in messages)
TEMPLATE_EXT = {"docx": (".docx",), "pdf": (".docx",), "html": (".html", ".htm"), "md": (".md", ".markdown")}


def default_out(book: Path, lang: str) -> Path:
    """Beside the workbook: `<name>_简报/` (`<name>_briefings/` in English)."""
    return book.with_name(f"{book.stem}_{'briefings' if lang == 'en' else '简报'}")


def run_briefs(book: Path, customers: list[str], grades: list[str], fmt: str | None, template: Path | None,
               out: Path | None, jobs: int, today: date, lang: str, console: Console,
               reps: list[str] | None = None, force: bool = False) -> int:
    """Write the briefings and print one line per file and a summary; returns how many failed (or, when
    nothing was written, how many customers asked for were skipped)."""
    suffix = template.suffix.lower() if template is not None else ""
    if fmt is None:  # the template says which format it writes: x.md -> md
        fmt = next((f for f in ("md", "html") if suffix in TEMPLATE_EXT[f]), "docx")
    if fmt == "pdf" and soffice() is None:
        raise KamError("brief.no_libreoffice")
    if fmt == "pdf" and not has_component("writer"):
        raise KamError("brief.no_writer")
    if template is not None and suffix not in TEMPLATE_EXT[fmt]:
        raise KamError("brief.template_ext", file=template, ext=TEMPLATE_EXT[fmt][0], fmt=fmt)
    source = template or template_path("docx" if fmt == "pdf" else fmt, lang)
    data = read_workbook(book)
    if reps:
        unmatched = unmatched_reps(data, reps)
        if len(unmatched) == len(set(reps)):
            raise KamError("rep.none", rep="、".join(unmatched) if lang == "zh" else ", ".join(unmatched), file=book)
        for rep in unmatched:
            console.print(t("rep.none", lang, rep=rep, file=book), highlight=False)
        data = for_reps(data, reps)
    for f in missing_sheets(data, ["customers", "contacts", "visits", "development", "assessment"]):
        console.print(f"{book}: {f.message(lang)}", highlight=False)  # each absent sheet said once
    if data.get("customers") is None:
        return 1  # nothing to brief: the 客户 sheet is what a briefing is made from
    contexts = build_briefings(data, today, lang, customers or None, grades or None)
    found = {c["account"]["customer_id"] for c in contexts}
    skipped = [c for c in dict.fromkeys(customers) if customer_key(c) not in found and not grades]
    for cid in skipped:
        console.print(t("brief.skipped", lang, customer=cid))
    folder = out or default_out(book, lang)
    if not contexts:
        console.print(t("brief.none", lang))
        console.print(t("brief.summary", lang, written=0, skipped=len(skipped), failed=0, folder=folder))
        return len(skipped)  # every customer asked for was skipped: nothing done, exit 1
    renderer = renderer_for(fmt, source)
    check_variables(renderer, contexts, lang)
    outcomes: list[Outcome]
    if console.is_terminal:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(t("brief.progress", lang, total=len(contexts)), total=len(contexts))
            outcomes = render_all(contexts, fmt, source, folder, jobs, lambda _o: bar.advance(task), force, lang)
    else:
        outcomes = render_all(contexts, fmt, source, folder, jobs, force=force, lang=lang)
    for o in outcomes:
        if o.kept is not None:
            console.print(t("brief.kept", lang, file=o.kept), highlight=False)
        elif o.path is not None:
            console.print(t("brief.written", lang, file=o.path), highlight=False)
            if o.backup is not None:
                console.print(t("brief.backup", lang, file=o.backup), highlight=False)
        else:
            console.print(t("brief.failed", lang, customer=o.customer_id, error=o.error), highlight=False)
    failed = sum(1 for o in outcomes if o.path is None and o.kept is None)
    kept = sum(1 for o in outcomes if o.kept is not None)
    console.print(t("brief.summary", lang, written=len(outcomes) - failed - kept, skipped=len(skipped) + kept,
                    failed=failed, folder=folder))
    return failed
