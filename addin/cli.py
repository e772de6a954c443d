"""The `kam` command line: parses, calls the library, formats. Expected failures exit 2 with one sentence."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from addin import __version__
from addin.core.i18n import t
from addin.core.parse import Invalid, parse_date
from addin.errors import KamError

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


_ERRNO_ZH = {errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "这是一个文件夹", errno.EACCES: "没有权限",
             errno.EPERM: "没有权限", errno.ENOSPC: "磁盘空间不足", errno.ENAMETOOLONG: "文件名太长",
             errno.EROFS: "位于只读的磁盘上", errno.ENOENT: "不存在", errno.EEXIST: "已存在"}


def os_sentence(exc: OSError, lang: str) -> str:
    """One sentence for a file-system failure, naming the path and the reason."""
    path = exc.filename or "?"
    if lang == "zh":
        return t("file.os_error", lang, path=path, reason=_ERRNO_ZH.get(exc.errno or 0, exc.strerror or str(exc)))
    return t("file.os_error", lang, path=path, reason=(exc.strerror or str(exc)).lower())


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
    return t("arg.other", lang, detail=exc.format_message())


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(code)


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    ctx.find_root().meta["kam.lang"] = value
    return value


def _parse_today(ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    parsed = parse_date(value)
    if parsed is None or isinstance(parsed, Invalid):
        _fail(t("arg.bad_date", _lang(ctx), value=value), 2)
        raise AssertionError  # unreachable: _fail raises
    return parsed


def lang_option(func: F) -> F:
    return click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                        is_eager=True, expose_value=True, callback=_set_lang,
                        help="消息语言 / message language")(func)


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
@lang_option
def new_cmd(path: Path, force: bool, lang: str) -> None:
    """新建空白客户工作簿（模板）。 Create a blank rep workbook from the template."""
    from addin.workbook.files import write_bytes
    from workbook_templates.builder import template_path

    if path.suffix.lower() != ".xlsx":
        raise KamError("file.bad_ext", file=path)
    if path.exists() and not force:
        raise KamError("file.exists", file=path)
    write_bytes(path, template_path(lang).read_bytes())
    click.echo(t("new.done", lang, file=path))


@cli.command("demo")
@click.argument("folder", required=False, default="kam-demo", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已有的示例工作簿（旧文件存为 .bak）/ overwrite, keeping a .bak")
@today_option
@lang_option
def demo_cmd(folder: Path, today: date, lang: str, force: bool) -> None:
    """生成示例团队工作簿并演示评级、校验和简报。 Write a sample team workbook and run the jobs on it."""
    from addin.demo import run_demo

    run_demo(folder, today, lang, console(), force)


def format_option(func: F) -> F:
    return click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                        help="输出格式 / output format")(func)


def book_argument(func: F) -> F:
    return click.argument("book", type=click.Path(dir_okay=False, path_type=Path))(func)


@cli.command("grade")
@book_argument
@format_option
@click.option("--write", is_flag=True, help="把结果写回价值评估表 / write the results into the Assessment sheet")
@click.option("--no-backup", is_flag=True, help="写回时不保留 .bak 备份 / keep no .bak copy when writing")
@click.option("--all", "show_all", is_flag=True, help="表格显示全部行（默认 200 行） / show every row")
@today_option
@lang_option
@click.pass_context
def grade_cmd(ctx: click.Context, book: Path, fmt: str, write: bool, no_backup: bool, show_all: bool, today: date,
              lang: str) -> None:
    """按价值×难度模型给每个客户评级。 Grade every account A/B/C/D from the value x difficulty model."""
    from addin.core.briefing import customer_names
    from addin.core.findings import count
    from addin.core.grading import grade_workbook
    from addin.report import dump_json, grading_json, grading_table
    from addin.workbook.plans import grade_edits
    from addin.workbook.reader import read_workbook
    from addin.workbook.writer import fingerprint, write_workbook

    seen = fingerprint(book) if write and book.is_file() else None
    data = read_workbook(book, sheets=["assessment", "settings", "customers"])
    report = grade_workbook(data)
    out = console()
    if fmt == "json":
        dump_json(grading_json(report, str(book), lang))
    else:
        grading_table(report, customer_names(data), lang, out, None if show_all else 200)
    table = data.get("assessment")
    if write and table is not None and report.grades:
        edits = grade_edits(table, report, lang)
        with _working(t("progress.write", lang, file=book.name)):
            result = write_workbook(book, edits, expected=seen, backup=not no_backup)
        _report_write(book, edits, result, lang, fmt)
    errors, _ = count(report.issues)
    ctx.exit(1 if errors else 0)


@cli.command("validate")
@book_argument
@format_option
@click.option("--mark", is_flag=True, help="在工作簿中标出问题并生成校验结果表 / mark findings in the workbook")
@click.option("--all", "show_all", is_flag=True, help="表格显示全部问题（默认每表 200 条） / show every finding")
@click.option("--no-backup", is_flag=True, help="写回时不保留 .bak 备份 / keep no .bak copy when writing")
@today_option
@lang_option
@click.pass_context
def validate_cmd(ctx: click.Context, book: Path, fmt: str, mark: bool, show_all: bool, no_backup: bool,
                 today: date, lang: str) -> None:
    """逐格校验各表（开发记录、拜访记录等）。 Check every sheet down to the cell."""
    from addin.core.validation import validate
    from addin.report import dump_json, validation_json, validation_table
    from addin.workbook.reader import read_workbook
    from addin.workbook.writer import fingerprint

    seen = fingerprint(book) if mark and book.is_file() else None
    data = read_workbook(book)
    report = validate(data, today)
    out = console()
    if fmt == "json":
        dump_json(validation_json(report, str(book), lang))
    else:
        validation_table(report, str(book), lang, out, None if show_all else 200)
    if mark:
        from addin.workbook.marks import mark_workbook

        with _working(t("progress.mark", lang, file=book.name)):
            result = mark_workbook(book, data, report, lang, expected=seen, backup=not no_backup)
        _tell(result.lines(lang), fmt)
    errors, _ = report.counts()
    ctx.exit(1 if errors else 0)


@cli.command("brief")
@book_argument
@click.option("--customer", "customers", multiple=True, metavar="ID",
              help="只生成这些客户（可重复） / only these customers")
@click.option("--grade", "grades", multiple=True, type=click.Choice(["A", "B", "C", "D"]),
              help="只生成这些等级（可重复） / only these grades")
@click.option("--format", "fmt", type=click.Choice(["docx", "html", "md", "pdf"]), default=None,
              help="输出格式（默认按模板扩展名，否则 docx）/ output format (default: the template's, else docx)")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), help="自己的模板 / your own template")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="输出文件夹 / output folder")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="并行进程数（默认 CPU 数） / parallel processes")
@today_option
@lang_option
@click.pass_context
def brief_cmd(ctx: click.Context, book: Path, customers: tuple[str, ...], grades: tuple[str, ...], fmt: str,
              template: Path | None, out: Path | None, jobs: int | None, today: date, lang: str) -> None:
    """为每个客户生成拜访简报（docx/html/md/pdf）。 Write a briefing per customer (docx, html, md, pdf)."""
    from addin.docs.briefs import run_briefs

    failed = run_briefs(book, list(customers), list(grades), fmt, template, out, jobs or os.cpu_count() or 1,
                        today, lang, console())
    ctx.exit(1 if failed else 0)


@cli.command("agenda")
@book_argument
@click.option("--days", type=click.IntRange(min=0), default=None, help="未来多少天（默认 30） / the coming N days (30)")
@click.option("--month", default=None, metavar="YYYY-MM", help="某个月（每月一号的清单） / one calendar month")
@click.option("--week", is_flag=True, help="本周（周一到周日） / this week, Monday to Sunday")
@click.option("--rep", "reps", multiple=True, metavar="NAME", help="只看这位销售的客户（可重复） / one rep's accounts")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "ics"]), default="table", show_default=True,
              help="输出格式 / output format")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="写入文件（否则输出到屏幕） / write to this file (else to the screen)")
@click.option("--write", is_flag=True, help="写入“日程”表 / write the 日程 sheet into the workbook")
@click.option("--no-backup", is_flag=True, help="写回时不保留 .bak 备份 / keep no .bak copy when writing")
@today_option
@lang_option
def agenda_cmd(book: Path, days: int | None, month: str | None, week: bool, reps: tuple[str, ...], fmt: str,
               out: Path | None, write: bool, no_backup: bool, today: date, lang: str) -> None:
    """销售日程：生日、节日、跟进、回访、A 级拜访、月度审核。 The rep's agenda of care and follow-ups."""
    import re

    from addin.core.agenda import build_agenda, window
    from addin.core.schema import AGENDA
    from addin.report import agenda_table, dump_json
    from addin.workbook.files import write_bytes
    from addin.workbook.marks import AGENDA_WIDTHS
    from addin.workbook.reader import read_workbook
    from addin.workbook.writer import fingerprint

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise KamError("agenda.bad_month", value=month)
    start, end = window(today, days, month, week)
    seen = fingerprint(book) if write and book.is_file() else None
    data = read_workbook(book)
    agenda = build_agenda(data, today, start, end, lang, list(reps) or None)
    if write:
        _write_owned(book, data, AGENDA, agenda.rows(lang), AGENDA_WIDTHS, seen, no_backup, lang,
                     "json" if fmt != "table" else fmt, "agenda.written_book", len(agenda.items))
    if fmt == "ics":
        from addin.docs.ics import agenda_ics

        payload = agenda_ics(agenda, lang, name=f"kam · {book.stem}")
        if out is None:
            click.echo(payload.decode("utf-8"), nl=False)
        else:
            write_bytes(out, payload)
            click.echo(t("agenda.written", lang, count=len(agenda.items), file=out), err=True)
    elif fmt == "json":
        dump_json(agenda.to_dict())
    else:
        agenda_table(agenda, lang, console())


@cli.command("birthdays")
@book_argument
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="未来多少天内（默认按设置表，30 天） / window in days (default: the 设置 value, 30)")
@format_option
@click.option("--write", is_flag=True, help="写入“生日提醒”表 / write the 生日提醒 sheet into the workbook")
@click.option("--no-backup", is_flag=True, help="写回时不保留 .bak 备份 / keep no .bak copy when writing")
@today_option
@lang_option
@click.pass_context
def birthdays_cmd(ctx: click.Context, book: Path, days: int | None, fmt: str, write: bool, no_backup: bool,
                  today: date, lang: str) -> None:
    """列出近期过生日的关键人（农历已换算）。 Contacts whose birthday is coming up (lunar converted)."""
    from addin.core.birthdays import birthday_report
    from addin.core.schema import BIRTHDAYS
    from addin.report import birthdays_json, birthdays_table, dump_json
    from addin.workbook.marks import BIRTHDAY_WIDTHS
    from addin.workbook.reader import read_workbook
    from addin.workbook.writer import fingerprint

    seen = fingerprint(book) if write and book.is_file() else None
    data = read_workbook(book, sheets=["contacts", "customers", "settings"])
    if _missing(data, ["contacts"], lang):
        ctx.exit(1)
    report = birthday_report(data, today, days)
    if fmt == "json":
        dump_json(birthdays_json(report, lang))
    else:
        birthdays_table(report, lang, console())
    if write:
        _write_owned(book, data, BIRTHDAYS, report.rows(lang), BIRTHDAY_WIDTHS, seen, no_backup, lang, fmt,
                     "birthdays.written", len(report.birthdays))


@cli.group("excel")
def excel_group() -> None:
    """Excel 前端：生成带按钮的宏工作簿。 Excel front: build the macro workbook."""


@excel_group.command("build")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--standalone", is_flag=True, help="内嵌 xlwings 的 VBA 模块 / embed xlwings' VBA module")
@lang_option
def excel_build_cmd(out: Path, standalone: bool, lang: str) -> None:
    """用模板生成带按钮的 .xlsm（需 Excel）。 Build the .xlsm with buttons (needs Excel)."""
    from addin.excel.build import build_macro_workbook

    if out.suffix.lower() != ".xlsm":
        raise KamError("file.bad_ext_xlsm", file=out)
    build_macro_workbook(out, lang, standalone)
    click.echo(t("excel.built", lang, file=out))


@excel_group.command("addin")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@lang_option
def excel_addin_cmd(out: Path, lang: str) -> None:
    """生成 kam 加载项 .xlam：单元格函数和按钮宏（需 Windows 版 Excel）。 Build the kam add-in (Excel on Windows)."""
    from addin.excel.build import build_addin

    if out.suffix.lower() != ".xlam":
        raise KamError("file.bad_ext_xlam", file=out)
    build_addin(out)
    click.echo(t("excel.addin_built", lang, file=out))


@contextlib.contextmanager
def _working(text: str) -> Iterator[None]:
    """A spinner with `text` on a terminal while a long write runs (a 100,000-row --mark takes seconds)."""
    out = console(stderr=True)
    if not out.is_terminal:
        yield
        return
    with out.status(text):
        yield


def _write_owned(book: Path, data: Any, label: Any, rows: list[list[object]], widths: tuple[int, ...],
                 seen: str | None, no_backup: bool, lang: str, fmt: str, done_key: str, count: int) -> None:
    """Write a sheet kam owns (生日提醒, 日程), named in the workbook's language, and say what was written."""
    from addin.workbook.marks import write_owned_sheet
    from addin.workbook.plans import workbook_language

    sheet, kept = write_owned_sheet(book, label, workbook_language(data), rows, widths, expected=seen,
                                    backup=not no_backup)
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
    """Say what a write did: on stdout, or on stderr when stdout carries JSON."""
    for line in lines:
        click.echo(line, err=fmt == "json")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="kam")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        sys.exit(code)


if __name__ == "__main__":
    main()
