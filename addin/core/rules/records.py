"""Rules that guard the records themselves (SPEC §4): sheets, columns, cells, keys, settings, the assessment."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from addin.core.findings import Finding
from addin.core.grading import FACTORS
from addin.core.i18n import Phrase, t
from addin.core.model import WorkbookData, cell_address
from addin.core.parse import cell_text, credit_check_char, is_valid_credit_code, is_valid_phone, name_key, parse_number
from addin.core.rules.context import CLOSED_STAGES, NEEDED, Context, account_kwargs, expected_phrase, stages_of
from addin.core.schema import ASSESSMENT, SHEETS, Field, FieldType, SheetSpec
from addin.core.sheet import Parsed
from addin.core.text import is_blank, norm


def missing_sheet(ctx: Context) -> Iterator[Finding]:
    yield from missing_sheets(ctx.book, NEEDED)


def missing_sheets(book: WorkbookData, keys: Iterable[str]) -> list[Finding]:
    """A missing-sheet finding for each sheet of `keys` the workbook lacks (commands that need a sheet say so
    instead of passing silently)."""
    out = []
    for key in keys:
        if book.get(key) is None:
            label = next(s for s in SHEETS if s.key == key).label
            out.append(Finding("missing-sheet", sheet=label.zh, params={"sheet": label}))
    return out


def _needed_columns(spec: SheetSpec) -> list[Field]:
    return [f for f in spec.fields if f.required or (spec is ASSESSMENT and f.key in FACTORS)]


def missing_column(ctx: Context) -> Iterator[Finding]:
    for parsed in ctx.sheets.values():
        table = parsed.table
        for f in _needed_columns(table.spec):
            if not table.has(f.key):
                yield Finding("missing-column", sheet=table.name, row=table.header_row, field=f.key,
                              params={"sheet": table.name, "header": f.label})


def duplicate_column(ctx: Context) -> Iterator[Finding]:
    for parsed in ctx.sheets.values():
        table = parsed.table
        for col in table.duplicates:
            yield Finding("duplicate-column", sheet=table.name, row=table.header_row, column=col.header,
                          cell=cell_address(table.header_row, col.index), field=col.key or "",
                          params={"header": col.header, "other": table.header(col.key or ""), "field": col.key})


def required(ctx: Context) -> Iterator[Finding]:
    for parsed in ctx.sheets.values():
        formulas = ctx.book.uncalculated.get(parsed.table.name, set())
        for f in parsed.table.spec.fields:
            typed = parsed.typed.get(f.key)
            if not f.required or typed is None:
                continue
            invalid = {i for i, _ in parsed.invalid.get(f.key, ())}
            for i, value in enumerate(typed):
                if value is None and i not in invalid:  # None and not invalid: the cell is blank
                    finding = parsed.at(i, f.key, "required")
                    if finding.cell in formulas:  # not blank: a formula Excel has not calculated yet
                        finding = parsed.at(i, f.key, "required", message_key="finding.required.formula")
                    yield finding


def _invalid(ctx: Context, code: str) -> Iterator[Finding]:
    for parsed in ctx.sheets.values():
        if parsed.table.spec.key == "settings":
            continue  # 设置 values are judged by bad-setting
        for key, bad in parsed.invalid.items():
            f = parsed.table.spec.by_key[key]
            for i, invalid in bad:
                if invalid.code == code:
                    yield parsed.at(i, key, code, value=cell_text(invalid.raw), expected=expected_phrase(f))


def bad_date(ctx: Context) -> Iterator[Finding]:
    return _invalid(ctx, "bad-date")


def bad_number(ctx: Context) -> Iterator[Finding]:
    return _invalid(ctx, "bad-number")


def bad_enum(ctx: Context) -> Iterator[Finding]:
    return _invalid(ctx, "bad-enum")


def out_of_range(ctx: Context) -> Iterator[Finding]:
    for parsed in ctx.sheets.values():
        if parsed.table.spec.key == "settings":
            continue
        for key, values in parsed.typed.items():
            f = parsed.table.spec.by_key[key]
            if f.computed or f.type not in (FieldType.NUMBER, FieldType.INTEGER):
                continue
            lo, hi = f.minimum, f.maximum
            for i, v in enumerate(values):
                if v is not None and ((lo is not None and v < lo - 1e-9) or (hi is not None and v > hi + 1e-9)):
                    shown = int(v) if float(v).is_integer() else v
                    yield parsed.at(i, key, "out-of-range", value=shown, expected=expected_phrase(f))


def future_date(ctx: Context) -> Iterator[Finding]:
    from addin.core.birthdays import BirthDate

    for parsed in ctx.sheets.values():
        calendars = parsed.typed.get("calendar") or [None] * len(parsed.rows)
        for key, values in parsed.typed.items():
            if not parsed.table.spec.by_key[key].not_future:
                continue
            if parsed.table.spec.by_key[key].type is FieldType.DATE:  # most cells: compare each distinct day once
                late = {v for v in set(values) if v is not None and v > ctx.today}
                for i, v in enumerate(values) if late else ():
                    if v in late:
                        yield parsed.at(i, key, "future-date", value=v.isoformat(), today=ctx.today.isoformat())
                continue
            for i, v in enumerate(values):
                if isinstance(v, BirthDate):  # a birthday: its day of birth, when the year is written
                    lunar = v.is_lunar(calendars[i])
                    born = v.solar_birth(lunar)
                    if born is not None and born > ctx.today:
                        yield parsed.at(i, key, "future-date", value=v.show(lunar), today=ctx.today.isoformat())
                elif v is not None and v > ctx.today:
                    yield parsed.at(i, key, "future-date", value=v.isoformat(), today=ctx.today.isoformat())


def _filled(ctx: Context, kind: FieldType) -> Iterator[tuple[Parsed, str, int, object]]:
    """(sheet, field, row index, raw value) of every non-empty cell in the columns of one type."""
    for parsed in ctx.sheets.values():
        for key, values in parsed.raw.items():
            if parsed.table.spec.by_key[key].type is kind:
                for i, v in enumerate(values):
                    if not is_blank(v):
                        yield parsed, key, i, v


def bad_phone(ctx: Context) -> Iterator[Finding]:
    for parsed, key, i, v in _filled(ctx, FieldType.PHONE):
        if not is_valid_phone(v):
            yield parsed.at(i, key, "bad-phone", value=cell_text(v))


def bad_credit_code(ctx: Context) -> Iterator[Finding]:
    for parsed, key, i, v in _filled(ctx, FieldType.CREDIT_CODE):
        if not is_valid_credit_code(v):
            yield parsed.at(i, key, "bad-credit-code", value=cell_text(v), reason=_credit_reason(v))


def _credit_reason(raw: object) -> Phrase | _Reason:
    text = cell_text(raw).strip().upper()
    if len(text) != 18:
        return _Reason("credit.length", length=len(text))
    check = credit_check_char(text[:17])
    if check is None or text[17] not in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        return Phrase("credit.chars")
    return _Reason("credit.check", check=check)


class _Reason(Phrase):
    """A phrase with its own parameters (e.g. the expected check character)."""

    __slots__ = ("params",)

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.params = params

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.params)


def bad_setting(ctx: Context) -> Iterator[Finding]:
    yield from ctx.setting_findings


def duplicate_key(ctx: Context) -> Iterator[Finding]:
    for key in ("customers", "assessment"):
        parsed = ctx.sheets.get(key)
        if parsed is None or "customer_id" not in parsed.raw:
            continue
        first: dict[str, int] = {}
        for i in range(len(parsed)):
            cid = parsed.cid(i)
            if not cid:
                continue
            if cid in first:
                yield parsed.at(i, "customer_id", "duplicate-key", value=cid, first=parsed.rows[first[cid]])
            else:
                first[cid] = i


def unknown_customer(ctx: Context) -> Iterator[Finding]:
    if "customers" not in ctx.sheets:
        return
    for key in ("assessment", "contacts", "development", "visits", "plans"):
        parsed = ctx.sheets.get(key)
        if parsed is None or "customer_id" not in parsed.raw:
            continue
        known = ctx.customer_rows
        for i, cid in enumerate(parsed.typed["customer_id"]):
            if cid and cid not in known:
                yield parsed.at(i, "customer_id", "unknown-customer", value=cid)


def duplicate_account(ctx: Context) -> Iterator[Finding]:
    """Two 客户 rows with different IDs but the same credit code or the same name (spaces, brackets, case
    and width ignored): one account entered twice."""
    customers = ctx.sheets.get("customers")
    if customers is None:
        return
    codes = customers.typed.get("credit_code") or [None] * len(customers)
    names = customers.raw.get("customer_name") or [None] * len(customers)
    by_code: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for i, cid in enumerate(customers.ids):
        if not cid:
            continue
        code = norm(codes[i]).upper() if codes[i] else ""
        name = name_key(names[i])
        first = by_code.get(code) if code else None
        key = "credit_code"
        if first is None and name:
            first, key = by_name.get(name), "customer_name"
        if first is not None and customers.ids[first] != cid:
            yield customers.at(i, key, "duplicate-account", other=customers.ids[first], line=customers.rows[first])
            continue
        if code:
            by_code.setdefault(code, i)
        if name:
            by_name.setdefault(name, i)


def insufficient_info(ctx: Context) -> Iterator[Finding]:
    assessment = ctx.sheets.get("assessment")
    if "customers" not in ctx.sheets or assessment is None:
        return
    first: dict[str, int] = {}
    for i in range(len(assessment)):
        first.setdefault(assessment.cid(i), i)
    for cid in ctx.customer_rows:
        if cid not in first:
            yield Finding(**account_kwargs(ctx, cid, "insufficient-info"),
                          message_key="finding.insufficient-info.no_row")
            continue
        i = first[cid]
        empty = [ASSESSMENT.by_key[k].label for k in FACTORS
                 if k in assessment.raw and is_blank(assessment.raw[k][i])]
        empty += [ASSESSMENT.by_key[k].label for k in FACTORS if k not in assessment.raw]
        if empty:
            yield Finding(**account_kwargs(ctx, cid, "insufficient-info", factors=empty),
                          message_key="finding.insufficient-info.empty")


def grade_mismatch(ctx: Context) -> Iterator[Finding]:
    """A 价值分, 难度分 or 等级 cell (or a formula's cached value) that differs from SPEC §3 for its row: the
    factors changed since it was written, or a formula was edited. Empty cells are not yet graded: no finding."""
    assessment = ctx.sheets.get("assessment")
    if assessment is None or ctx.setting_findings:
        return
    seen: set[str] = set()
    for i in range(len(assessment)):
        cid = assessment.cid(i)
        if not cid or cid in seen:
            continue
        seen.add(cid)
        grade = ctx.graded.get(cid)
        if grade is None:
            continue
        for key, want in (("value_score", grade.value_score), ("difficulty_score", grade.difficulty_score)):
            if key not in assessment.raw or is_blank(assessment.raw[key][i]):
                continue
            got = parse_number(assessment.raw[key][i])  # a computed column is not parsed with the sheet
            if want is None or not isinstance(got, int | float) or abs(got - want) > 0.005:
                yield assessment.at(i, key, "grade-mismatch", value=cell_text(assessment.raw[key][i]),
                                    expected="—" if want is None else f"{want:.2f}")
        if "grade" in assessment.raw and not is_blank(assessment.raw["grade"][i]):
            written = assessment.text("grade", i)
            labels = {grade.grade_text("zh"), grade.grade_text("en")}
            if written not in labels:
                yield assessment.at(i, "grade", "grade-mismatch", value=written, expected=grade.grade_text("zh") or "—")


def assessment_stale(ctx: Context) -> Iterator[Finding]:
    """An assessment older than 评估有效天数 on an account still being worked: re-grade it."""
    assessment = ctx.sheets.get("assessment")
    if assessment is None or "assessed_on" not in assessment.typed:
        return
    stages = stages_of(ctx)
    limit = ctx.settings.assessment_valid_days
    seen: set[str] = set()
    for i, cid in enumerate(assessment.ids):
        when = assessment.typed["assessed_on"][i]
        if not cid or cid in seen or when is None:
            continue
        seen.add(cid)
        if stages.get(cid) not in CLOSED_STAGES and (ctx.today - when).days > limit:
            yield assessment.at(i, "assessed_on", "assessment-stale", value=when.isoformat(),
                                days=(ctx.today - when).days, limit=limit)
