"""The `kam` command line: parses, calls the library, formats. Expected failures exit 2 with one sentence."""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from addin import __version__
from addin.core.i18n import t
from addin.core.parse import Invalid, parse_date
from addin.errors import KamError, os_sentence

F = TypeVar("F", bound=Callable[..., Any])


class KamGroup(click.Group):
    """A click group that turns every expected failure into one sentence and exit 2, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["kam.argv"] = list(args)  # to find --lang when a sub-command's arguments fail to parse
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _bulk_allocation():
                return super().invoke(ctx)
        except KamError as exc:
            _fail(exc.message(_lang(ctx)), exc.exit_code)
        except click.UsageError as exc:  # a bad argument: one sentence in the user's language, no usage block
            _fail(usage_sentence(exc, _lang(ctx)), 2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except OSError as exc:  # not a folder, no permission, disk full, name too long: name the path
            _fail(os_sentence(exc, _lang(ctx)), 2)
        except KeyboardInterrupt:
            _fail("已中断。" if _lang(ctx) == "zh" else "Interrupted.", 130)
        except Exception as exc:  # an unexpected bug still ends in one sentence, exit 2
            if os.environ.get("KAM_DEBUG"):
                traceback.print_exc()
            detail = f"{type(exc).__name__}: {exc}"[:200]
            _fail(t("internal", _lang(ctx), detail=detail), 2)


@contextlib.contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while a command runs: a 100,000-row sheet allocates millions of
    acyclic objects (cell values, rows, columns) and repeated full collections cost ~30% of a validation."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _lang(ctx: click.Context) -> str:
    """The chosen language; while arguments are still being parsed, read --lang from the command line."""
    lang: str | None = ctx.find_root().meta.get("kam.lang")
    if lang is None:
        args = list(ctx.find_root().meta.get("kam.argv", []))
        for i, a in enumerate(args):
            if a == "--lang" and i + 1 < len(args):
                return "en" if args[i + 1] == "en" else "zh"
            if a.startswith("--lang="):
                return "en" if a.endswith("=en") else "zh"
    return lang or "zh"


def usage_sentence(exc: click.UsageError, lang: str) -> str:
    """A bad argument said in one sentence of the user's language (click's own text is English)."""
    if isinstance(exc, click.NoSuchOption):
        return t("arg.no_such_option", lang, option=exc.option_name)
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return t("arg.missing", lang, name=(exc.param.opts or [exc.param.name or "?"])[0].upper()
                 if exc.param.param_type_name == "argument" else exc.param.opts[0])
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        param = exc.param
        name = param.opts[0] if param.param_type_name == "option" else (param.name or "?").upper()
        kind = param.type
        if isinstance(kind, click.Choice):
            expected = t("arg.expected.choice", lang, choices=" / ".join(str(c) for c in kind.choices))
        elif isinstance(kind, click.IntRange) and kind.min is not None:
            expected = t("arg.expected.int_min", lang, min=kind.min)
        elif isinstance(kind, click.Path) and not kind.dir_okay:
            expected = t("arg.expected.file", lang)
        elif isinstance(kind, click.Path) and not kind.file_okay:
            expected = t("arg.expected.folder", lang)
        else:
            expected = exc.message
        return t("arg.bad", lang, name=name, expected=expected)
    message = exc.format_message()
    commands = ", ".join(sorted(cli.commands))
    if (m := re.match(r"No such command '(.+)'\.", message)):
        return t("arg.no_such_command", lang, name=m.group(1), commands=commands)
    if (m := re.match(r"Got unexpected extra arguments? \((.+)\)", message)):
        return t("arg.extra", lang, value=m.group(1))
    if message.startswith("Missing command"):
        return t("arg.no_command", lang, commands=commands)
    if (m := re.match(r"Option '(.+)' requires an argument", message)):
        return t("arg.needs_value", lang, option=m.group(1))
    return t("arg.other", lang, detail=message)


def dump_json(data: Any, compact: bool = False, stream: str | None = None) -> None:
    """JSON on stdout (addin.report's, imported when first needed to keep `kam --help` quick)."""
    from addin.report import dump_json as dump

    dump(data, compact, stream)


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(code)


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Keep --lang for messages said before a workbook is read; None means: follow each workbook."""
    if value is not None:
        ctx.find_root().meta["kam.lang"] = value
    return value


def book_language(path: Path, chosen: str | None) -> str:
    """The language to speak about one workbook: --lang when given, else its headers' (as the buttons do: an
    English workbook gets English sheets and messages), else Chinese. Read from the 客户 sheet alone."""
    if chosen is not None:
        return chosen
    from addin.workbook.plans import workbook_language
    from addin.workbook.reader import read_workbook

    try:
        return workbook_language(read_workbook(path, sheets=["customers"]))
    except (KamError, OSError, ValueError):
        return "zh"  # the command itself says what is wrong with the file


def _parse_today(ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    parsed = parse_date(value)
    if parsed is None or isinstance(parsed, Invalid):
        _fail(t("arg.bad_date", _lang(ctx), value=value), 2)
        raise AssertionError  # unreachable: _fail raises
    return parsed


def lang_option(func: F) -> F:
    return click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                        is_eager=True, expose_value=True, callback=_set_lang,
                        help="消息语言（默认跟随工作簿表头的语言，否则中文） / message language (default: the "
                             "workbook's headers', else Chinese)")(func)


def today_option(func: F) -> F:
    return click.option("--today", metavar="YYYY-MM-DD", callback=_parse_today,
                        help="按这一天计算（默认今天） / date to compute as of (default: today)")(func)


def console(stderr: bool = False) -> Console:
    """A rich console; wide when output goes to a file or pipe, so tables are not squeezed to 80 columns."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(highlight=False, soft_wrap=False, width=None if stream.isatty() else 160, stderr=stderr)


@click.group(cls=KamGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kam")
def cli() -> None:
    """kam：大客户管理工具（评级、校验、简报）。 Key-account management for Excel workbooks."""


@cli.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已有文件 / overwrite an existing file")
@click.option("--formulas", is_flag=True,
              help="价值分、难度分、等级、建议写成公式，不装 Python 也能评级（WPS、Mac 均可）/ grades as formulas")
@click.option("--manager", is_flag=True, help="另加“目标”表，经理给每位销售定目标 / also a 目标 (targets) sheet")
@lang_option
def new_cmd(path: Path, force: bool, formulas: bool, manager: bool, lang: str | None) -> None:
    """新建空白客户工作簿（模板）。 Create a blank rep workbook from the template."""
    lang = lang or "zh"  # no workbook to take the language from
    import io

    from addin.workbook.files import write_bytes
    from addin.workbook_templates.builder import build_workbook, template_path

    if path.suffix.lower() != ".xlsx":
        raise KamError("file.bad_ext", file=path)
    if path.exists() and not force:
        raise KamError("file.exists", file=path)
    if formulas or manager:
        buffer = io.BytesIO()
        build_workbook(buffer, lang, formulas=formulas, manager=manager)
        write_bytes(path, buffer.getvalue())
    else:
        write_bytes(path, template_path(lang).read_bytes())
    click.echo(t("new.done", lang, file=path))


@cli.command("demo")
@click.argument("folder", required=False, default="kam-demo", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已有的示例工作簿（旧文件存为 .bak）/ overwrite, keeping a .bak")
@today_option
@lang_option
def demo_cmd(folder: Path, today: date, lang: str, force: bool) -> None:
    """生成示例团队工作簿并演示评级、校验和简报。 Write a sample team workbook and run the jobs on it."""
    lang = lang or "zh"  # no workbook to take the language from
    from addin.demo import run_demo

    run_demo(folder, today, lang, console(), force)


def format_option(func: F) -> F:
    return click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                        help="输出格式 / output format")(func)


def books_argument(func: F) -> F:
    """One or more workbooks or folders (searched recursively, SPEC §6)."""
    return click.argument("books", nargs=-1, required=True, type=click.Path(path_type=Path))(func)


def rep_option(func: F) -> F:
    return click.option("--rep", "reps", multiple=True, metavar="NAME",
                        help="只看这位销售负责的客户（可重复） / only this rep's accounts (repeatable)")(func)


@dataclass
class Done:
    """What one workbook's run came to: its exit status and the counts the total line adds up."""

    code: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _each(books: tuple[Path, ...], fmt: str, chosen: str | None, total_key: str,
          one: Callable[[Path, bool, str], Done]) -> int:
    """Run `one` on every workbook of `books` (files and folders): with several, a section per workbook, an
    unreadable one said in one sentence while the rest still run, then a total line; returns the worst exit
    status. With one workbook the output is exactly the single-workbook one."""
    from collections import Counter

    from addin.workbook.paths import expand

    paths = expand(books)
    many = len(paths) > 1
    out = console()
    worst, failed = 0, 0
    sums: Counter[str] = Counter()
    lang = chosen or "zh"
    for n, path in enumerate(paths):
        if many and fmt == "table":
            out.rule(f"[bold]{path}[/]", align="left")
        here = book_language(path, chosen)
        if n == 0:
            lang = here  # the total line speaks the first workbook's language
        try:
            done = one(path, many, here)
        except KamError as exc:
            if not many:
                if fmt == "json":  # stdout still carries its object, as with several workbooks
                    dump_json({"workbook": str(path), "error": exc.message(here)}, compact=True)
                raise
            click.echo(exc.message(here), err=True)
            if fmt == "json":  # every workbook has its line, so a nightly job sees which one failed
                dump_json({"workbook": str(path), "error": exc.message(here)}, compact=True)
            failed += 1
            worst = max(worst, exc.exit_code)
            continue
        sums.update(done.counts)
        worst = max(worst, done.code)
    if many:
        _tell([t(total_key, lang, books=len(paths), failed=failed, **{k: sums.get(k, 0) for k in TOTAL_KEYS})],
              fmt)
    return worst


#: the counts a total line may name (missing ones are 0)
TOTAL_KEYS = ("errors", "warnings", "rows", "items", "brief_failed")


def _narrow(data: Any, reps: tuple[str, ...], lang: str = "zh") -> Any:
    """The workbook narrowed to the reps' accounts (`--rep`), or as read. A name that owns no account is said
    (on stderr), so a misspelt --rep never reads as a clean result."""
    if not reps:
        return data
    from addin.core.scope import for_reps, unmatched_reps

    unmatched = unmatched_reps(data, reps)
    if len(unmatched) == len(set(reps)):  # nothing left to look at: not a clean result
        raise KamError("rep.none", rep="、".join(unmatched) if lang == "zh" else ", ".join(unmatched), file=data.source)
    for rep in unmatched:
        click.echo(t("rep.none", lang, rep=rep, file=data.source), err=True)
    return for_reps(data, reps)


@cli.command("grade")
@books_argument
@format_option
@click.option("--write", is_flag=True, help="把结果写回价值评估表 / write the results into the Assessment sheet")
@click.option("--no-backup", is_flag=True, help="写回时不保留 .bak 备份 / keep no .bak copy when writing")
@click.option("--all", "show_all", is_flag=True, help="表格显示全部行（默认 200 行） / show every row")
@rep_option
@today_option
@lang_option
@click.pass_context
def grade_cmd(ctx: click.Context, books: tuple[Path, ...], fmt: str, write: bool, no_backup: bool, show_all: bool,
              reps: tuple[str, ...], today: date, lang: str | None) -> None:
    """按价值×难度模型给每个客户评级。 Grade every account A/B/C/D from the value x difficulty model."""
    from addin.core.briefing import customer_names
    from addin.core.findings import count
    from addin.core.grading import grade_workbook
    from addin.report import grading_json, grading_table
    from addin.workbook.plans import grade_edits, workbook_language
    from addin.workbook.reader import read_workbook
    from addin.workbook.writer import fingerprint, preflight, write_workbook

    def one(book: Path, many: bool, lang: str) -> Done:
        seen = fingerprint(book) if write and book.is_file() else None
        if write and book.is_file():
            preflight(book, not no_backup)
        data = _narrow(read_workbook(book, sheets=["assessment", "settings", "customers"]), reps, lang)
        report = grade_workbook(data)
        if fmt == "json":
            dump_json(grading_json(report, str(book), lang), compact=many)
        else:
            grading_table(report, customer_names(data), lang, console(), None if show_all else 200)
        table = data.get("assessment")
        if write and table is not None and report.grades:
            edits = grade_edits(table, report, workbook_language(data))  # cells in the workbook's own language
            with _working(t("progress.write", lang, file=book.name)):
                result = write_workbook(book, edits, expected=seen, backup=not no_backup)
            _report_write(book, edits, result, lang, fmt)
        errors, warnings = count(report.issues)
        return Done(1 if errors else 0, {"rows": len(report.grades), "errors": errors, "warnings": warnings})

    ctx.exit(_each(books, fmt, lang, "total.grade", one))


@cli.command("validate")
@books_argument
@format_option
@click.option("--mark", is_flag=True, help="在工作簿中标出问题并生成校验结果表 / mark findings in the workbook")
@click.option("--all", "show_all", is_flag=True, help="表格显示全部问题（默认每表 200 条） / show every finding")
@click.option("--no-backup", is_flag=True, help="写回时不保留 .bak 备份 / keep no .bak copy when writing")
@rep_option
@today_option
@lang_option
@click.pass_context
def validate_cmd(ctx: click.Context, books: tuple[Path, ...], fmt: str, mark: bool, show_all: bool, no_backup: bool,
                 reps: tuple[str, ...], today: date, lang: str | None) -> None:
    """逐格校验各表（开发记录、拜访记录等）。 Check every sheet down to the cell."""
    from addin.core.validation import validate
    from addin.report import validation_json, validation_table
    from addin.workbook.plans import workbook_language
    from addin.workbook.reader import read_workbook
    from addin.workbook.writer import fingerprint, preflight

    def one(book: Path, many: bool, lang: str) -> Done:
        seen = fingerprint(book) if mark and book.is_file() else None
        if mark and book.is_file():
            preflight(book, not no_backup)
        data = read_workbook(book)
        report = validate(_narrow(data, reps, lang), today)
        own = workbook_language(data)  # what the workbook's sheets, headers and drop-downs are written in
        # each sentence rendered once, for the JSON and the marks; naming the workbook's own words
        said = [f.message(lang, own) for f in report.findings] if mark or own != lang else None
        if fmt == "json":
            dump_json(validation_json(report, str(book), lang, said), compact=many, stream="issues")
        else:
            validation_table(report, str(book), lang, console(), None if show_all else 200, said)
        if mark:
            from addin.workbook.marks import mark_workbook

            marks = said if own == lang else [f.message(own) for f in report.findings]  # the sheet: its own words
            with _working(t("progress.mark", lang, file=book.name)):
                result = mark_workbook(book, data, report, own, expected=seen, backup=not no_backup, release=True,
                                       said=marks)
            _tell(result.lines(lang), fmt)
        errors, warnings = report.counts()
        return Done(1 if errors else 0, {"errors": errors, "warnings": warnings,
                                         "rows": sum(report.rows_checked.values())})

    ctx.exit(_each(books, fmt, lang, "total.validate", one))


def _show_variables(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`kam brief --variables`: the variable list that ships with kam (addin/docs/templates.md)."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.resources import files

    click.echo(files("addin.docs").joinpath("templates.md").read_text(encoding="utf-8"))
    ctx.exit(0)


@cli.command("brief")
@books_argument
@click.option("--customer", "customers", multiple=True, metavar="ID",
              help="只生成这些客户（可重复） / only these customers")
@click.option("--grade", "grades", multiple=True, type=click.Choice(["A", "B", "C", "D"]),
              help="只生成这些等级（可重复） / only these grades")
@click.option("--format", "fmt", type=click.Choice(["docx", "html", "md", "pdf"]), default=None,
              help="输出格式（默认按模板扩展名，否则 docx）/ output format (default: the template's, else docx)")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), help="自己的模板 / your own template")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="输出文件夹 / output folder")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="并行进程数（默认 CPU 数） / parallel processes")
@click.option("--force", is_flag=True,
              help="覆盖生成后被改过的简报（旧的存为 .bak） / overwrite edited briefings, keeping a .bak")
@click.option("--variables", is_flag=True, is_eager=True, expose_value=False, callback=_show_variables,
              help="列出模板可用的全部变量后退出 / list every variable a template may use, then exit")
@rep_option
@today_option
@lang_option
@click.pass_context
def brief_cmd(ctx: click.Context, books: tuple[Path, ...], customers: tuple[str, ...], grades: tuple[str, ...],
              fmt: str, template: Path | None, out: Path | None, jobs: int | None, force: bool,
              reps: tuple[str, ...], today: date, lang: str | None) -> None:
    """为每个客户生成拜访简报（docx/html/md/pdf）。 Write a briefing per customer (docx, html, md, pdf)."""
    from addin.core.filenames import unique_name
    from addin.docs.briefs import run_briefs

    taken: set[str] = set()

    def one(book: Path, many: bool, lang: str) -> Done:
        # each workbook its own folder (two books may share customer IDs), unique even where two books in two
        # folders share a file name, and never "..": a name made safe
        folder = out / unique_name(book.stem, "", taken) if out is not None and many else out
        failed = run_briefs(book, list(customers), list(grades), fmt, template, folder, jobs or os.cpu_count() or 1,
                            today, lang, console(), list(reps), force)
        return Done(1 if failed else 0, {"brief_failed": failed})

    ctx.exit(_each(books, "table", lang, "total.brief", one))


@cli.command("agenda")
@books_argument
@click.option("--days", type=click.IntRange(min=0), default=None, help="未来多少天（默认 30） / the coming N days (30)")
@click.option("--month", default=None, metavar="YYYY-MM", help="某个月（每月一号的清单） / one calendar month")
@click.option("--week", is_flag=True, help="本周（周一到周日） / this week, Monday to Sunday")
@rep_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "ics"]), default="table", show_default=True,
              help="输出格式 / output format")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="写入文件（否则输出到屏幕） / write to this file (else to the screen)")
@click.option("--write", is_flag=True, help="写入“日程”表 / write the 日程 sheet into the workbook")
@click.option("--no-backup", is_flag=True, help="写回时不保留 .bak 备份 / keep no .bak copy when writing")
@today_option
@lang_option
@click.pass_context
def agenda_cmd(ctx: click.Context, books: tuple[Path, ...], days: int | None, month: str | None, week: bool,
               reps: tuple[str, ...], fmt: str, out: Path | None, write: bool, no_backup: bool, today: date,
               lang: str | None) -> None:
    """销售日程：生日、节日、跟进、回访、A 级拜访、月度审核。 The rep's agenda of care and follow-ups.
    With several workbooks and --format ics, one calendar holds them all."""
    import re

    from addin.core.agenda import Agenda, build_agenda, window
    from addin.core.schema import AGENDA
    from addin.report import agenda_table
    from addin.workbook.marks import AGENDA_WIDTHS, AGENDA_WRAP
    from addin.workbook.plans import workbook_language
    from addin.workbook.reader import read_workbook
    from addin.workbook.writer import fingerprint, preflight

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise KamError("agenda.bad_month", value=month)
    start, end = window(today, days, month, week)
    calendar = Agenda(today, start, end, [])
    spoken: list[str] = []  # each workbook's language: the calendar and the last line speak the first's

    def one(book: Path, many: bool, lang: str) -> Done:
        seen = fingerprint(book) if write and book.is_file() else None
        if write and book.is_file():
            preflight(book, not no_backup)
        data = read_workbook(book)
        spoken.append(lang)
        agenda = build_agenda(_narrow(data, reps, lang), today, start, end, lang, list(reps) or None)
        if write:
            own = workbook_language(data)
            sheet = agenda if own == lang else build_agenda(_narrow(data, reps, lang), today, start, end, own,
                                                             list(reps) or None)
            _write_owned(book, data, AGENDA, sheet.rows(own), AGENDA_WIDTHS, seen, no_backup, lang, fmt,
                         "agenda.written_book", len(agenda.items), AGENDA_WRAP)
        if fmt == "ics":
            calendar.items.extend(agenda.items)
        elif fmt == "json":
            dump_json({"workbook": str(book), **agenda.to_dict()} if many else agenda.to_dict(), compact=many)
        else:
            agenda_table(agenda, lang, console())
        return Done(0, {"items": len(agenda.items)})

    if fmt == "ics" or out is None:
        code = _each(books, fmt, lang, "total.agenda", one)
    else:  # the table or JSON goes into --out, written whole once every workbook is done
        import io

        from addin.workbook.files import write_bytes

        screen, sys.stdout = sys.stdout, io.StringIO()
        try:
            code = _each(books, fmt, lang, "total.agenda", one)
            text = sys.stdout.getvalue()
        finally:
            sys.stdout = screen
        write_bytes(out, text.encode("utf-8"))
        click.echo(t("agenda.written_file", spoken[0] if spoken else lang or "zh", file=out), err=True)
    if fmt == "ics":
        _write_ics(calendar, books, out, spoken[0] if spoken else lang or "zh")
    ctx.exit(code)


def _write_ics(calendar: Any, books: tuple[Path, ...], out: Path | None, lang: str) -> None:
    """The agenda items of every workbook as one calendar (an item two workbooks share, e.g. a festival
    greeting, once), to `out` or stdout."""
    from addin.docs.ics import agenda_ics
    from addin.workbook.files import write_bytes

    unique = {item.uid: item for item in calendar.items}
    calendar.items[:] = sorted(unique.values(), key=lambda i: (i.date, i.kind, i.customer_id))
    name = f"kam · {books[0].stem}" if len(books) == 1 else "kam"
    payload = agenda_ics(calendar, lang, name=name)
    if out is None:
        click.echo(payload.decode("utf-8"), nl=False)
    else:
        write_bytes(out, payload)
        click.echo(t("agenda.written", lang, count=len(calendar.items), file=out), err=True)


@cli.command("birthdays")
@books_argument
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="未来多少天内（默认按设置表，30 天） / window in days (default: the 设置 value, 30)")
@format_option
@click.option("--write", is_flag=True, help="写入“生日提醒”表 / write the 生日提醒 sheet into the workbook")
@click.option("--no-backup", is_flag=True, help="写回时不保留 .bak 备份 / keep no .bak copy when writing")
@rep_option
@today_option
@lang_option
@click.pass_context
def birthdays_cmd(ctx: click.Context, books: tuple[Path, ...], days: int | None, fmt: str, write: bool,
                  no_backup: bool, reps: tuple[str, ...], today: date, lang: str | None) -> None:
    """列出近期过生日的关键人（农历已换算）。 Contacts whose birthday is coming up (lunar converted)."""
    from addin.core.birthdays import birthday_report
    from addin.core.schema import BIRTHDAYS
    from addin.report import birthdays_json, birthdays_table
    from addin.workbook.marks import BIRTHDAY_WIDTHS, BIRTHDAY_WRAP
    from addin.workbook.plans import workbook_language
    from addin.workbook.reader import read_workbook
    from addin.workbook.writer import fingerprint, preflight

    def one(book: Path, many: bool, lang: str) -> Done:
        seen = fingerprint(book) if write and book.is_file() else None
        if write and book.is_file():
            preflight(book, not no_backup)
        data = read_workbook(book, sheets=["contacts", "customers", "settings"])
        if _missing(data, ["contacts"], lang):
            return Done(1)
        report = birthday_report(_narrow(data, reps, lang), today, days)
        if fmt == "json":
            body = birthdays_json(report, lang)
            dump_json({"workbook": str(book), **body} if many else body, compact=many)
        else:
            birthdays_table(report, lang, console())
        if write:
            _write_owned(book, data, BIRTHDAYS, report.rows(workbook_language(data)), BIRTHDAY_WIDTHS, seen,
                         no_backup, lang, fmt, "birthdays.written", len(report.birthdays), BIRTHDAY_WRAP)
        return Done(0, {"items": len(report.birthdays)})

    ctx.exit(_each(books, fmt, lang, "total.birthdays", one))


def db_option(func: F) -> F:
    return click.option("--db", default=None, metavar="STORE",
                        help="团队库：SQLite 文件（默认 ./kam-team.sqlite）或 postgresql://… / the team store")(func)


@cli.command("consolidate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--settings", "settings_book", type=click.Path(dir_okay=False, path_type=Path),
              help="用这个工作簿的设置表给全队评级 / grade the whole team with this workbook's 设置")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="并行读取的进程数（默认 CPU 数） / processes reading workbooks in parallel")
@format_option
@today_option
@lang_option
@click.pass_context
def consolidate_cmd(ctx: click.Context, paths: tuple[Path, ...], db: str | None, settings_book: Path | None,
                    jobs: int | None, fmt: str, today: date, lang: str | None) -> None:
    """把多位销售的工作簿汇总进团队库。 Load many reps' workbooks into the team store."""
    lang = lang or "zh"  # no workbook to take the language from
    from addin.report import consolidation_json, consolidation_table
    from addin.store.db import open_store
    from addin.store.load import consolidate, team_model
    from addin.workbook.paths import expand

    books = expand(paths)
    folders = [p for p in paths if p.is_dir()]
    model = team_model(settings_book)
    workers = jobs or os.cpu_count() or 1
    with open_store(db) as engine, _working(t("consolidate.progress", lang, file="…")) as status:
        result = consolidate(books, engine, today, model, lang,
                             lambda p: status(t("consolidate.progress", lang, file=p.name)), jobs=workers,
                             folders=folders)
    if fmt == "json":
        dump_json(consolidation_json(result, today, lang))
    else:
        consolidation_table(result, lang, console())
    worst = max((2 if x.status == "failed" else 1 if x.errors else 0 for x in result.loaded), default=0)
    ctx.exit(worst)


def _date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None or isinstance(parsed, Invalid):
        raise click.BadParameter(value, ctx=ctx, param=param)
    return parsed


@cli.command("report")
@db_option
@click.option("--period", default=None, metavar="2026-11|2026Q4|2026|本月|上月|本周|上周|本季度|上季度",
              help="统计期间（默认本月） / the period (this-month, last-week …)")
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", callback=_date_option, help="起始日 / first day")
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD", callback=_date_option, help="截止日 / last day")
@rep_option
@click.option("--targets", "targets_book", type=click.Path(dir_okay=False, path_type=Path),
              help="含“目标”表的工作簿，对比目标与实际 / a workbook with a 目标 sheet: targets vs actual")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="写入 .xlsx 或 .html 文件 / write an .xlsx or .html file")
@click.option("--per-rep", is_flag=True,
              help="另为每位销售各写一份（文件名加上姓名） / also one file per rep, named after the rep")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "text"]), default="table",
              help="table、json，或 text（发微信群、钉钉群的简短文字） / text: a short summary for a chat group")
@today_option
@lang_option
def report_cmd(db: str | None, period: str | None, start: date | None, end: date | None, reps: tuple[str, ...],
               targets_book: Path | None, out: Path | None, per_rep: bool, fmt: str, today: date,
               lang: str | None) -> None:
    """经理的团队报告（来自团队库）。 The manager's team report from the store."""
    lang = lang or "zh"  # no workbook to take the language from
    from addin.core.period import parse_period
    from addin.docs.teamout import report_json, report_table, report_text, write_report_file
    from addin.store import db as store
    from addin.store.frames import team_report

    if period is not None and (start is not None or end is not None):
        raise KamError("report.period_and_range", period=period)
    if start is not None and end is not None and start > end:
        raise KamError("report.range_reversed", start=start.isoformat(), end=end.isoformat())
    chosen = parse_period(period, today, start, end)
    if chosen is None:
        raise KamError("report.bad_period", value=period or f"{start}~{end}")
    if out is not None and out.suffix.lower() not in (".xlsx", ".html", ".htm"):
        raise KamError("report.bad_out", file=out)
    if per_rep and out is None:
        raise KamError("report.per_rep_needs_out")
    target = db or store.DEFAULT_STORE
    if "://" not in target:  # a report never creates a store
        if not Path(target).parent.is_dir():
            raise KamError("store.no_folder", db=target, folder=Path(target).parent)
        if not Path(target).is_file():
            raise KamError("store.empty", db=target)
    _ready_for_report(db)
    with store.open_store(db, read_only=True) as engine:
        if not _loaded(engine):
            raise KamError("store.empty", db=store.shown(engine))
        targets = _targets(targets_book, engine, today, lang) if targets_book is not None else None
        report = team_report(engine, chosen, today, lang, reps=list(reps) or None, targets=targets)
        if per_rep and out is not None:
            from addin.core.filenames import unique_name

            taken = {out.name.casefold()}
            for rep in report.reps:
                own = out.with_name(unique_name(f"{out.stem}_{rep}", out.suffix, taken))
                write_report_file(team_report(engine, chosen, today, lang, reps=[rep], targets=targets), lang, own)
                click.echo(t("report.written", lang, file=own), err=fmt != "table")
    if out is not None:
        write_report_file(report, lang, out)
        click.echo(t("report.written", lang, file=out), err=fmt != "table")
    if fmt == "json":
        dump_json(report_json(report, lang))
    elif fmt == "text":
        click.echo(report_text(report, lang))
    elif out is None:
        report_table(report, lang, console())


def _ready_for_report(db: str | None) -> None:
    """A store made by an older kam is upgraded first (the only write a report makes); one that cannot be
    written then is named in one sentence. A current store is left untouched: the report opens it read-only."""
    from sqlalchemy.exc import SQLAlchemyError

    from addin.store import db as store

    with store.open_store(db, read_only=True) as engine:
        version = store.schema_version(engine)
    if version == 0:
        raise KamError("store.empty", db=db or store.DEFAULT_STORE)
    if version >= store.SCHEMA_VERSION:
        if version > store.SCHEMA_VERSION:
            raise KamError("store.too_new", version=version, supported=store.SCHEMA_VERSION)
        return
    engine = store.engine_for(db or store.DEFAULT_STORE)
    try:
        store.migrate(engine)
    except SQLAlchemyError as exc:
        raise KamError("store.old_read_only", db=store.shown(engine),
                       detail=store.store_error(engine, exc)) from exc
    finally:
        engine.dispose()


def _loaded(engine: Any) -> int:
    from sqlalchemy import func, select

    from addin.store import db as store

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(store.workbooks)
                                .where(store.workbooks.c.current_snapshot_id.is_not(None))).scalar() or 0)


def _targets(book: Path, engine: Any, today: date, lang: str) -> Any:
    """The 目标 rows of `book` as a frame; each bad row is said in one sentence on stderr and left out."""
    from addin.store.frames import targets_frame
    from addin.workbook.reader import read_workbook

    data = read_workbook(book, ["targets"])
    table = data.get("targets")
    if table is None:
        raise KamError("report.no_targets_sheet", file=book)
    frame, problems = targets_frame(table, data.date1904, engine, today)
    for key, params in problems:
        click.echo(t(key, lang, file=book.name, **params), err=True)
    return frame


@cli.group("excel")
def excel_group() -> None:
    """Excel 前端：生成带按钮的宏工作簿。 Excel front: build the macro workbook."""


@excel_group.command("build")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--standalone", is_flag=True, help="内嵌 xlwings 的 VBA 模块 / embed xlwings' VBA module")
@click.option("--manager", is_flag=True, help="经理用：另加“目标”表，汇总按它对比目标 / with the 目标 sheet 汇总 reads")
@lang_option
def excel_build_cmd(out: Path, standalone: bool, manager: bool, lang: str | None) -> None:
    """用模板生成带按钮的 .xlsm（需 Excel）。 Build the .xlsm with buttons (needs Excel)."""
    lang = lang or "zh"  # no workbook to take the language from
    from addin.excel.build import build_macro_workbook

    if out.suffix.lower() != ".xlsm":
        raise KamError("file.bad_ext_xlsm", file=out)
    build_macro_workbook(out, lang, standalone, manager)
    click.echo(t("excel.built", lang, file=out))


@excel_group.command("addin")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@lang_option
def excel_addin_cmd(out: Path, lang: str | None) -> None:
    """生成 kam 加载项 .xlam：单元格函数和按钮宏（需 Windows 版 Excel）。 Build the kam add-in (Excel on Windows)."""
    lang = lang or "zh"  # no workbook to take the language from
    from addin.excel.build import build_addin

    if out.suffix.lower() != ".xlam":
        raise KamError("file.bad_ext_xlam", file=out)
    build_addin(out)
    click.echo(t("excel.addin_built", lang, file=out))


@contextlib.contextmanager
def _working(text: str) -> Iterator[Callable[[str], None]]:
    """A spinner with `text` on a terminal while a long job runs (a 100,000-row --mark takes seconds); yields
    a function that changes its text (doing nothing off a terminal)."""
    out = console(stderr=True)
    if not out.is_terminal:
        yield lambda _text: None
        return
    with out.status(text) as status:
        yield lambda now: status.update(now)


def _write_owned(book: Path, data: Any, label: Any, rows: list[list[object]], widths: tuple[int, ...],
                 seen: str | None, no_backup: bool, lang: str, fmt: str, done_key: str, count: int,
                 wrap: frozenset[int] = frozenset()) -> None:
    """Write a sheet kam owns (生日提醒, 日程), named in the workbook's language, and say what was written."""
    from addin.workbook.marks import write_owned_sheet
    from addin.workbook.plans import workbook_language

    sheet, kept = write_owned_sheet(book, label, workbook_language(data), rows, widths, expected=seen,
                                    backup=not no_backup, wrap=wrap)
    lines = [t(done_key, lang, file=book, sheet=sheet, count=count)]
    if kept is not None:
        lines.append(t("write.backup", lang, backup=kept))
    _tell(lines, fmt)


def _missing(data: Any, keys: list[str], lang: str) -> bool:
    """Say (on stderr) which needed sheets the workbook lacks; True when any is missing (exit 1)."""
    from addin.core.validation import missing_sheets

    found = missing_sheets(data, keys)
    for f in found:
        click.echo(f"{data.source}: {f.message(lang)}", err=True)
    return bool(found)


def _report_write(book: Path, edits: Any, result: Any, lang: str, fmt: str) -> None:
    """Say what was written (on stderr when stdout carries JSON)."""
    from addin.workbook.writer import sheet_cells

    cells = sum(sheet_cells(e) for e in edits.cells.values())
    lines = [t("write.done", lang, file=book, cells=cells)]
    if result.backup is not None:
        lines.append(t("write.backup", lang, backup=result.backup))
    for _sheet, refs in result.kept_formulas.items():
        lines.append(t("write.kept_formulas", lang, cells=", ".join(refs[:20])))
    _tell(lines, fmt)


def _tell(lines: list[str], fmt: str) -> None:
    """Say what a write did: on stdout beside a table, on stderr when stdout carries JSON or a calendar."""
    for line in lines:
        click.echo(line, err=fmt != "table")


class PipeSafe:
    """stdout that outlives its reader: when the reader goes away (`kam validate x.xlsx | head -1`), the rest
    of the output goes to the null device and the command ends with its own status, not a broken pipe's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _gone(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    if not isinstance(sys.stdout, PipeSafe):
        sys.stdout = PipeSafe(sys.stdout)
    try:
        cli.main(args=argv, prog_name="kam")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        sys.exit(code)


if __name__ == "__main__":
    main()
