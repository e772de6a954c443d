"""Validation of SPEC §4: one small rule function per code, over column-parsed sheets. Errors are values.

`validate(book, today)` parses every known sheet once (column by column, with caches, because a visit log
can hold 100,000 rows), then runs each rule of `RULES` and returns every finding, sorted by sheet and row.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import zip_longest
from typing import Any

from addin.core.findings import Finding, at_cell, count
from addin.core.grading import FACTORS, INSUFFICIENT, Grade, grade_factors
from addin.core.i18n import Phrase, t
from addin.core.model import SheetTable, WorkbookData, cell_address
from addin.core.parse import (
    Invalid,
    cell_text,
    credit_check_char,
    customer_key,
    is_valid_credit_code,
    is_valid_phone,
    name_key,
    parse_field,
    person_key,
    split_people,
)
from addin.core.schema import ASSESSMENT, RESULT, ROLE, SHEETS, STAGE, SUPPORT, Field, FieldType, SheetSpec
from addin.core.settings import Settings, read_settings
from addin.core.text import is_blank, norm

#: Optional text columns the rules read as text (required ones always are).
TEXT_USED = frozenset({"customer_name"})

#: The sheets `kam validate` needs (设置 is optional: missing keys take their defaults).
NEEDED = ("customers", "assessment", "contacts", "development", "visits")


@dataclass
class Parsed:
    """One sheet parsed column by column: typed values (None when blank or invalid) and the invalid cells."""

    table: SheetTable
    rows: list[int]
    raw: dict[str, Sequence[object]] = field(default_factory=dict)
    typed: dict[str, list[Any]] = field(default_factory=dict)
    invalid: dict[str, list[tuple[int, Invalid]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def text(self, key: str, i: int) -> str:
        values = self.typed.get(key)
        if values is None:
            raw = self.raw.get(key)
            return cell_text(raw[i]) if raw is not None else ""
        value = values[i]
        return value if isinstance(value, str) else cell_text(value)

    @property
    def ids(self) -> list[str | None]:
        """The customer_id column as text (None where blank or absent)."""
        return self.typed.get("customer_id") or [None] * len(self.rows)

    def cid(self, i: int) -> str:
        ids = self.typed.get("customer_id")
        return (ids[i] or "") if ids is not None else ""

    def at(self, i: int, key: str, code: str, **params: Any) -> Finding:
        return at_cell(self.table, self.rows[i], key, code, self.cid(i) if "customer_id" in self.raw else "",
                       **params)

    def row_finding(self, i: int, code: str, **params: Any) -> Finding:
        """A finding about a whole row: no column or cell."""
        return Finding(code, sheet=self.table.name, row=self.rows[i], customer_id=self.cid(i), params=params)


def parse_sheet(table: SheetTable, date1904: bool = False) -> Parsed:
    """Parse every mapped column of `table`; text stays raw, typed columns get values or Invalid."""
    parsed = Parsed(table, [n for n, _ in table.rows])
    grid = list(zip_longest(*(values for _, values in table.rows)))  # columns, transposed in C (never copied)
    for key, index in table.index.items():
        column: Sequence[object] = grid[index] if index < len(grid) else (None,) * len(parsed.rows)
        parsed.raw[key] = column
        spec_field = table.spec.by_key[key]
        if spec_field.type in (FieldType.TEXT, FieldType.PHONE, FieldType.CREDIT_CODE) or spec_field.computed:
            if key == "customer_id":  # once per account, not once per row: one key object per account
                keys = {value: customer_key(value) or None for value in set(column)}
                parsed.typed[key] = [keys[v] for v in column]
            elif spec_field.required or key in TEXT_USED:  # other text columns stay raw: no rule reads them typed
                parsed.typed[key] = _text_column(column)
            continue
        # parse each distinct value once (a visit log repeats its dates and methods a lot)
        results = {value: parse_field(spec_field, value, date1904) for value in set(column)}
        bad_values = {value for value, result in results.items() if isinstance(result, Invalid)}
        if bad_values:
            parsed.invalid[key] = [(i, results[v]) for i, v in enumerate(column) if v in bad_values]  # type: ignore[misc]
            typed: list[Any] = [None if v in bad_values else results[v] for v in column]
        else:
            parsed.invalid[key] = []
            typed = [results[v] for v in column]
        parsed.typed[key] = typed
    if "birthday" in parsed.typed:
        _lunar_birthdays(parsed)
    return parsed


def _lunar_birthdays(parsed: Parsed) -> None:
    """A 生日 that is lunar (by 历法 or by its own words) but names a day no lunar month has (day 31, or a
    real date's day 31 with 农历) is a bad-date, like any date that cannot exist."""
    from addin.core.birthdays import BirthDate

    calendars = parsed.typed.get("calendar") or [None] * len(parsed.rows)
    births = parsed.typed["birthday"]
    bad = [(i, Invalid("bad-date", parsed.raw["birthday"][i])) for i, (b, cal) in enumerate(zip(births, calendars,
                                                                                             strict=True))
           if isinstance(b, BirthDate) and not b.possible(b.is_lunar(cal))]
    for i, _ in bad:
        births[i] = None
    parsed.invalid["birthday"] = sorted([*parsed.invalid.get("birthday", []), *bad], key=lambda item: item[0])


def _text_column(column: Sequence[object]) -> list[str | None]:
    """Cell texts, stripped, None for blanks (a fast path for the common str cell)."""
    return [(v.strip() or None) if v.__class__ is str else (None if v is None else (cell_text(v) or None))
            for v in column]


@dataclass
class Context:
    """Everything the rules look at: parsed sheets, settings, today, and each account's grade."""

    book: WorkbookData
    today: date
    settings: Settings
    setting_findings: list[Finding]
    sheets: dict[str, Parsed]
    customer_rows: dict[str, int] = field(default_factory=dict)  # customer_id -> index in 客户
    grades: dict[str, str | None] = field(default_factory=dict)
    abandon: set[str] = field(default_factory=set)  # accounts past an abandon line (考虑放弃或降低接触)
    graded: dict[str, Grade] = field(default_factory=dict)  # each account's full grade (scores, advice)

    def account(self, cid: str, code: str, **params: Any) -> Finding:
        """An account-level finding, pointing at the account's row in 客户."""
        customers = self.sheets["customers"]
        i = self.customer_rows[cid]
        return Finding(code, sheet=customers.table.name, row=customers.rows[i], customer_id=cid,
                       params={"name": customers.text("customer_name", i) or cid, **params})


Rule = Callable[[Context], Iterator[Finding]]


def _expected(f: Field) -> object:
    if f.choices is not None:
        return f.choices
    if f.type is FieldType.INTEGER:
        return Phrase("expected.integer")
    if f.minimum == 1 and f.maximum == 5:
        return Phrase("expected.factor")
    return Phrase("expected.number")


# --- sheet and column rules -------------------------------------------------------------------------------

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


# --- cell rules -------------------------------------------------------------------------------------------

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
                    yield parsed.at(i, key, code, value=cell_text(invalid.raw), expected=_expected(f))


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
                    yield parsed.at(i, key, "out-of-range", value=shown, expected=_expected(f))


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


# --- row and cross-sheet rules ----------------------------------------------------------------------------

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
    for key in ("assessment", "contacts", "development", "visits"):
        parsed = ctx.sheets.get(key)
        if parsed is None or "customer_id" not in parsed.raw:
            continue
        known = ctx.customer_rows
        for i, cid in enumerate(parsed.typed["customer_id"]):
            if cid and cid not in known:
                yield parsed.at(i, "customer_id", "unknown-customer", value=cid)


def _visits(ctx: Context) -> Parsed | None:
    return ctx.sheets.get("visits")


def duplicate_row(ctx: Context) -> Iterator[Finding]:
    visits = _visits(ctx)
    if visits is None:
        return
    keys = ("visit_date", "customer_id", "visitor", "method", "key_points")
    cols = [visits.typed.get(k) for k in keys]
    if any(c is None for c in cols):
        return
    seen: dict[tuple, int] = {}
    for i, signature in enumerate(zip(*cols, strict=True)):
        if not any(signature):
            continue
        if signature in seen:
            yield visits.row_finding(i, "duplicate-row", first=visits.rows[seen[signature]])
        else:
            seen[signature] = i


def _blanks(column: Sequence[object] | None) -> frozenset[object]:
    """The values of a column a rep would call empty, each looked at once (a visit log repeats its values,
    so a row's test is then one set lookup)."""
    return frozenset(v for v in set(column) if is_blank(v)) if column is not None else frozenset()


def location_required(ctx: Context) -> Iterator[Finding]:
    visits = _visits(ctx)
    if visits is None or "method" not in visits.typed:
        return
    locations = visits.raw.get("location")
    blank = _blanks(locations)
    for i, method in enumerate(visits.typed["method"]):
        if method == "面访" and (locations is None or locations[i] in blank):
            if locations is None:
                yield visits.row_finding(i, "location-required")
            else:
                yield visits.at(i, "location", "location-required")


def follow_up_missing(ctx: Context) -> Iterator[Finding]:
    visits = _visits(ctx)
    if visits is None or "issues_found" not in visits.raw:
        return
    due = visits.raw.get("follow_up_due")
    no_issue, no_due = _blanks(visits.raw["issues_found"]), _blanks(due)
    for i, issue in enumerate(visits.raw["issues_found"]):
        if issue not in no_issue and (due is None or due[i] in no_due):
            key = "follow_up_due" if due is not None else "issues_found"
            yield visits.at(i, key, "follow-up-missing", value=cell_text(issue))


def follow_up_late(ctx: Context) -> Iterator[Finding]:
    visits = _visits(ctx)
    if visits is None or "visit_date" not in visits.typed or "follow_up_due" not in visits.typed:
        return
    limit = ctx.settings.follow_up_days
    for i, (visit, due) in enumerate(zip(visits.typed["visit_date"], visits.typed["follow_up_due"], strict=True)):
        if visit is not None and due is not None and (due - visit).days > limit:
            yield visits.at(i, "follow_up_due", "follow-up-late", due=due.isoformat(), visit=visit.isoformat(),
                            days=(due - visit).days, limit=limit)


def follow_up_before_visit(ctx: Context) -> Iterator[Finding]:
    visits = _visits(ctx)
    if visits is None or "visit_date" not in visits.typed:
        return
    for key in ("follow_up_due", "follow_up_done"):
        values = visits.typed.get(key)
        if values is None:
            continue
        for i, (visit, when) in enumerate(zip(visits.typed["visit_date"], values, strict=True)):
            if visit is not None and when is not None and when < visit:
                yield visits.at(i, key, "follow-up-before-visit", value=when.isoformat(), visit=visit.isoformat())


def follow_up_overdue(ctx: Context) -> Iterator[Finding]:
    visits = _visits(ctx)
    if visits is None or "follow_up_due" not in visits.typed:
        return
    done = visits.raw.get("follow_up_done")
    not_done = _blanks(done)
    for i, due in enumerate(visits.typed["follow_up_due"]):
        if due is not None and due < ctx.today and (done is None or done[i] in not_done):
            yield visits.at(i, "follow_up_due", "follow-up-overdue", due=due.isoformat(),
                            today=ctx.today.isoformat())


def visit_overlap(ctx: Context) -> Iterator[Finding]:
    """On each later visit of a customer that another visitor saw within overlap_days before it."""
    visits = _visits(ctx)
    if visits is None or not {"visit_date", "visitor", "customer_id"} <= set(visits.typed):
        return
    window = ctx.settings.overlap_days
    dates, people = visits.typed["visit_date"], visits.typed["visitor"]
    # every visit in order of account, date and row; within an account, a run of visits by one visitor ends
    # where another visitor's begins, and the visit that ended the run before is the nearest one by someone
    # else: one pass, whatever the window (looking back from each visit cost 2.5 s on 500,000 at 200 days)
    order = sorted((cid, when, i) for i, (cid, when, who) in enumerate(zip(visits.ids, dates, people, strict=True))
                   if cid and when is not None and who)
    before: tuple[str, date, str] | None = None  # (account, date, visitor) of the visit just before
    other: tuple[date, str] | None = None  # the last visit of the run before this one
    for cid, when, i in order:
        who = people[i]
        if before is None or before[0] != cid:
            other = None
        elif before[2] != who:
            other = before[1], before[2]
        if other is not None and (when - other[0]).days <= window:
            yield visits.at(i, "visitor", "visit-overlap", visitor=who, visit=when.isoformat(),
                            other_visitor=other[1], other_date=other[0].isoformat(), limit=window)
        before = cid, when, who


def result_reason_missing(ctx: Context) -> Iterator[Finding]:
    dev = ctx.sheets.get("development")
    if dev is None or "result" not in dev.typed:
        return
    reasons = dev.raw.get("reason_summary")
    for i, result in enumerate(dev.typed["result"]):
        if result in ("成功", "失败") and (reasons is None or is_blank(reasons[i])):
            key = "reason_summary" if reasons is not None else "result"
            shown = dev.table.spec.by_key["result"].choices
            yield dev.at(i, key, "result-reason-missing", value=_Shown(shown, result))


class _Shown:
    """An enum value shown in the message language."""

    def __init__(self, choices: Any, value: str) -> None:
        self.choices, self.value = choices, value

    def text(self, lang: str) -> str:
        return str(self.choices.display(self.value, lang))


def contact_count_low(ctx: Context) -> Iterator[Finding]:
    dev, visits = ctx.sheets.get("development"), _visits(ctx)
    if dev is None or visits is None or "contact_count" not in dev.typed or "recorded_on" not in dev.typed:
        return
    if "visit_date" not in visits.typed:
        return
    dates_by_customer: dict[str, list[date]] = defaultdict(list)
    for cid, when in zip(visits.ids, visits.typed["visit_date"], strict=True):
        if cid and when is not None:
            dates_by_customer[cid].append(when)
    for dates in dates_by_customer.values():
        dates.sort()
    claims, recorded_dates = dev.typed["contact_count"], dev.typed["recorded_on"]
    for i, (claimed, recorded) in enumerate(zip(claims, recorded_dates, strict=True)):
        if claimed is None or recorded is None or claimed < 0:  # a negative count is out-of-range already
            continue
        logged = bisect.bisect_right(dates_by_customer.get(dev.cid(i), []), recorded)
        if claimed < logged:
            yield dev.at(i, "contact_count", "contact-count-low", value=claimed, visits=logged,
                         date=recorded.isoformat())


# --- account-level rules (point at the account's row in 客户) ----------------------------------------------

def insufficient_info(ctx: Context) -> Iterator[Finding]:
    assessment = ctx.sheets.get("assessment")
    if "customers" not in ctx.sheets or assessment is None:
        return
    first: dict[str, int] = {}
    for i in range(len(assessment)):
        first.setdefault(assessment.cid(i), i)
    for cid in ctx.customer_rows:
        if cid not in first:
            yield Finding(**_account_kwargs(ctx, cid, "insufficient-info"),
                          message_key="finding.insufficient-info.no_row")
            continue
        i = first[cid]
        empty = [ASSESSMENT.by_key[k].label for k in FACTORS
                 if k in assessment.raw and is_blank(assessment.raw[k][i])]
        empty += [ASSESSMENT.by_key[k].label for k in FACTORS if k not in assessment.raw]
        if empty:
            yield Finding(**_account_kwargs(ctx, cid, "insufficient-info", factors=empty),
                          message_key="finding.insufficient-info.empty")


def _account_kwargs(ctx: Context, cid: str, code: str, **params: Any) -> dict[str, Any]:
    base = ctx.account(cid, code, **params)
    return {"code": code, "sheet": base.sheet, "row": base.row, "customer_id": cid, "params": base.params}


def role_missing(ctx: Context) -> Iterator[Finding]:
    contacts = ctx.sheets.get("contacts")
    roles: dict[str, set[str]] = defaultdict(set)
    if contacts is not None and "role" in contacts.typed:
        for i, role in enumerate(contacts.typed["role"]):
            if role:
                roles[contacts.cid(i)].add(role)
    stages = _stages(ctx)
    for cid in ctx.customer_rows:
        grade = ctx.grades.get(cid)
        stage = stages.get(cid)
        if grade not in ("A", "B") and stage not in WORKING_STAGES:
            continue  # the method: one unknown buyer is a danger once we work the account
        for role in ROLE.values:
            if role.zh not in roles[cid]:
                if grade in ("A", "B"):
                    yield ctx.account(cid, "role-missing", grade=grade, role=role)
                else:
                    yield Finding(**_account_kwargs(ctx, cid, "role-missing", role=role,
                                                    stage=_Shown(STAGE, stage or "")),
                                  message_key="finding.role-missing.stage")


def _contact_rule(ctx: Context, code: str, key: str, value: str) -> Iterator[Finding]:
    contacts = ctx.sheets.get("contacts")
    if contacts is None or "influence" not in contacts.typed or key not in contacts.typed:
        return
    names = contacts.raw.get("name")
    for i, (influence, other) in enumerate(zip(contacts.typed["influence"], contacts.typed[key], strict=True)):
        if influence == "高" and other == value:
            yield contacts.row_finding(i, code, name=cell_text(names[i]) if names is not None else "")


def danger_zone(ctx: Context) -> Iterator[Finding]:
    return _contact_rule(ctx, "danger-zone", "contact_level", "低")


def opposed_influencer(ctx: Context) -> Iterator[Finding]:
    return _contact_rule(ctx, "opposed-influencer", "support", "反对")


def stale_account(ctx: Context) -> Iterator[Finding]:
    visits = _visits(ctx)
    if visits is None or "visit_date" not in visits.typed:  # no visit log: missing-sheet/column says so
        return
    last: dict[str, date] = {}
    for cid, when in zip(visits.ids, visits.typed["visit_date"], strict=True):
        if cid and when is not None and when <= ctx.today and (cid not in last or when > last[cid]):
            last[cid] = when
    limit = ctx.settings.a_visit_interval_days
    for cid in ctx.customer_rows:
        if ctx.grades.get(cid) != "A":
            continue
        if cid not in last:
            yield Finding(**_account_kwargs(ctx, cid, "stale-account"), message_key="finding.stale-account.never")
        elif (ctx.today - last[cid]).days > limit:
            yield ctx.account(cid, "stale-account", days=(ctx.today - last[cid]).days, last=last[cid].isoformat(),
                              limit=limit)


# --- the method's rules (SPEC §4, second part) --------------------------------------------------------------

WORKING_STAGES = ("关系建立", "促成成交")
CLOSED_STAGES = ("已成交", "已终止")


def _stages(ctx: Context) -> dict[str, str | None]:
    customers = ctx.sheets.get("customers")
    if customers is None or "stage" not in customers.typed:
        return {}
    return {cid: customers.typed["stage"][i] for cid, i in ctx.customer_rows.items()}


def coach_not_supportive(ctx: Context) -> Iterator[Finding]:
    """A 教练 who is neutral or opposed is no coach: a coach wants us to win."""
    contacts = ctx.sheets.get("contacts")
    if contacts is None or "role" not in contacts.typed or "support" not in contacts.typed:
        return
    names = contacts.raw.get("name")
    for i, (role, support) in enumerate(zip(contacts.typed["role"], contacts.typed["support"], strict=True)):
        if role == "教练" and support in ("反对", "中立"):
            yield contacts.row_finding(i, "coach-not-supportive", name=cell_text(names[i]) if names else "",
                                       support=_Shown(SUPPORT, support))


def stage_ahead_of_grade(ctx: Context) -> Iterator[Finding]:
    """Effort going where the model says to hold back: 关系建立/促成成交 on a D or abandon account."""
    for cid, stage in _stages(ctx).items():
        if stage in WORKING_STAGES and (ctx.grades.get(cid) == "D" or cid in ctx.abandon):
            yield ctx.account(cid, "stage-ahead-of-grade", stage=_Shown(STAGE, stage),
                              grade=ctx.grades.get(cid) or "")


def stage_no_assessment(ctx: Context) -> Iterator[Finding]:
    """The value assessment is the gate to relationship building: no grade at a working or won stage."""
    if ctx.setting_findings or "assessment" not in ctx.sheets:
        return
    for cid, stage in _stages(ctx).items():
        if stage in (*WORKING_STAGES, "已成交") and (cid not in ctx.grades or ctx.grades[cid] == INSUFFICIENT):
            yield ctx.account(cid, "stage-no-assessment", stage=_Shown(STAGE, stage))


def result_stage_mismatch(ctx: Context) -> Iterator[Finding]:
    """The latest 开发记录 and 开发阶段 disagree (won but not 已成交, lost but not 已终止, or closed but 进行中)."""
    dev = ctx.sheets.get("development")
    stages = _stages(ctx)
    if dev is None or "result" not in dev.typed or not stages:
        return
    dates = dev.typed.get("recorded_on") or [None] * len(dev)
    latest: dict[str, int] = {}
    for i, cid in enumerate(dev.ids):
        if cid and dev.typed["result"][i] is not None:
            j = latest.get(cid)
            if j is None or (dates[i] or date.min, i) >= (dates[j] or date.min, j):
                latest[cid] = i
    for cid, i in latest.items():
        result, stage = dev.typed["result"][i], stages.get(cid)
        if cid not in ctx.customer_rows or stage is None:
            continue
        if (result == "成功" and stage != "已成交") or (result == "失败" and stage != "已终止") or \
                (result == "进行中" and stage in CLOSED_STAGES):
            yield ctx.account(cid, "result-stage-mismatch", result=_Shown(RESULT, result),
                              stage=_Shown(STAGE, stage), date=dates[i].isoformat() if dates[i] else "")


def assessment_stale(ctx: Context) -> Iterator[Finding]:
    """An assessment older than 评估有效天数 on an account still being worked: re-grade it."""
    assessment = ctx.sheets.get("assessment")
    if assessment is None or "assessed_on" not in assessment.typed:
        return
    stages = _stages(ctx)
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


def callback_missing(ctx: Context) -> Iterator[Finding]:
    """The method's callback: after a 面访 of an A/B account, some contact within 回访天数."""
    visits = _visits(ctx)
    if visits is None or not {"visit_date", "method"} <= set(visits.typed):
        return
    days = ctx.settings.callback_days
    dates = visits.typed["visit_date"]
    by_customer: dict[str, list[date]] = defaultdict(list)
    for cid, when in zip(visits.ids, dates, strict=True):
        if cid and when is not None:
            by_customer[cid].append(when)
    for seen in by_customer.values():
        seen.sort()
    for i, (cid, when, method) in enumerate(zip(visits.ids, dates, visits.typed["method"], strict=True)):
        if not cid or when is None or method != "面访" or ctx.grades.get(cid) not in ("A", "B"):
            continue
        age = (ctx.today - when).days
        if not days <= age <= 90:
            continue
        seen = by_customer[cid]
        after = bisect.bisect_right(seen, when)  # the first contact after this visit, if any
        if after == len(seen) or seen[after] > when + timedelta(days=days):
            yield visits.at(i, "method", "callback-missing", date=when.isoformat(), days=days)


def review_missing(ctx: Context) -> Iterator[Finding]:
    """The manager's monthly review: last month's visits without 负责人意见 (when 月度审核 is 是)."""
    visits = _visits(ctx)
    if not ctx.settings.monthly_review or visits is None or "manager_comment" not in visits.raw \
            or "visit_date" not in visits.typed:
        return
    last = ctx.today.replace(day=1) - timedelta(days=1)
    comments = visits.raw["manager_comment"]
    no_comment = _blanks(comments)
    for i, when in enumerate(visits.typed["visit_date"]):
        if when is not None and (when.year, when.month) == (last.year, last.month) and comments[i] in no_comment:
            yield visits.at(i, "manager_comment", "review-missing", month=f"{last.year}-{last.month:02d}")


def new_face(ctx: Context) -> Iterator[Finding]:
    """A 被访人 of a recent visit who is not in 关键人 for that account: a new player in the buying group."""
    visits = _visits(ctx)
    contacts = ctx.sheets.get("contacts")
    if visits is None or contacts is None or "visitee" not in visits.raw or "visit_date" not in visits.typed:
        return
    known: dict[str, set[str]] = defaultdict(set)
    names = contacts.raw.get("name") or []
    for i, cid in enumerate(contacts.ids):
        if cid and i < len(names) and not is_blank(names[i]):
            known[cid].add(person_key(cell_text(names[i])))
    recent = {d for d in set(visits.typed["visit_date"]) if d is not None and 0 <= (ctx.today - d).days <= 90}
    said: dict[object, list[tuple[str, str]]] = {}  # a 被访人 cell -> its names and their keys, once per value
    for i, (cid, when) in enumerate(zip(visits.ids, visits.typed["visit_date"], strict=True)):
        if when not in recent or not cid:
            continue
        met = visits.raw["visitee"][i]
        people = said.get(met)
        if people is None:
            people = said[met] = [] if is_blank(met) else \
                [(n, person_key(n)) for n in split_people(cell_text(met))]
        new = [n for n, key in people if key not in known[cid]]
        if new:
            yield visits.at(i, "visitee", "new-face", names=new)


#: SPEC §4, one rule per code, in the order of the spec's table.
RULES: dict[str, Rule] = {
    "missing-sheet": missing_sheet,
    "missing-column": missing_column,
    "duplicate-column": duplicate_column,
    "required": required,
    "bad-date": bad_date,
    "bad-number": bad_number,
    "out-of-range": out_of_range,
    "bad-enum": bad_enum,
    "future-date": future_date,
    "bad-phone": bad_phone,
    "bad-credit-code": bad_credit_code,
    "bad-setting": bad_setting,
    "duplicate-key": duplicate_key,
    "unknown-customer": unknown_customer,
    "duplicate-row": duplicate_row,
    "location-required": location_required,
    "follow-up-missing": follow_up_missing,
    "follow-up-late": follow_up_late,
    "follow-up-before-visit": follow_up_before_visit,
    "follow-up-overdue": follow_up_overdue,
    "visit-overlap": visit_overlap,
    "result-reason-missing": result_reason_missing,
    "contact-count-low": contact_count_low,
    "insufficient-info": insufficient_info,
    "role-missing": role_missing,
    "danger-zone": danger_zone,
    "opposed-influencer": opposed_influencer,
    "stale-account": stale_account,
    "coach-not-supportive": coach_not_supportive,
    "stage-ahead-of-grade": stage_ahead_of_grade,
    "stage-no-assessment": stage_no_assessment,
    "result-stage-mismatch": result_stage_mismatch,
    "assessment-stale": assessment_stale,
    "duplicate-account": duplicate_account,
    "callback-missing": callback_missing,
    "review-missing": review_missing,
    "new-face": new_face,
}


@dataclass
class ValidationReport:
    """All findings of one workbook and how many rows of each sheet were checked."""

    today: date
    rows_checked: dict[str, int]
    findings: list[Finding]

    def counts(self) -> tuple[int, int]:
        """(errors, warnings)."""
        return count(self.findings)


def build_context(book: WorkbookData, today: date) -> Context:
    """Parse the workbook once and grade its accounts (for the rules that depend on A/B grades)."""
    settings, setting_findings = read_settings(book.get("settings"))
    sheets = {key: parse_sheet(table, book.date1904) for key, table in book.sheets.items() if key != "settings"}
    ctx = Context(book, today, settings, setting_findings, sheets)
    customers = sheets.get("customers")
    if customers is not None and "customer_id" in customers.raw:
        for i in range(len(customers)):
            cid = customers.cid(i)
            if cid and cid not in ctx.customer_rows:
                ctx.customer_rows[cid] = i
    assessment = sheets.get("assessment")
    if assessment is not None and not setting_findings:
        broken = {j for k in FACTORS for j, _ in assessment.invalid.get(k, [])}
        for i in range(len(assessment)):
            cid = assessment.cid(i)
            if not cid or cid in ctx.grades:
                continue
            if i in broken:
                ctx.grades[cid] = None
                continue
            factors = {k: assessment.typed[k][i] if k in assessment.typed else None for k in FACTORS}
            if any(v is not None and not 1 <= v <= 5 for v in factors.values()):
                ctx.grades[cid] = None
                continue
            graded = grade_factors(factors, settings)
            ctx.grades[cid] = graded.grade
            ctx.graded[cid] = graded
            if graded.abandon:
                ctx.abandon.add(cid)
    return ctx


def validate(book: WorkbookData, today: date, ctx: Context | None = None) -> ValidationReport:
    """Run every rule of SPEC §4 over `book` as of `today`; never raises for bad data. A context already
    built for the same book and day (e.g. by the briefings) is reused rather than parsed again."""
    ctx = ctx or build_context(book, today)
    order_codes = {code: n for n, code in enumerate(RULES)}
    findings: list[Finding] = []
    for rule in RULES.values():
        findings.extend(rule(ctx))
    order = {t.name: n for n, t in enumerate(book.sheets.values())}
    columns = {t.name: {c.header: c.index for c in t.columns} for t in book.sheets.values()}

    def position(f: Finding) -> tuple[int, int, int, int]:
        sheet = f.sheet if isinstance(f.sheet, str) else ""
        return (order.get(sheet, -1), f.row or 0, columns.get(sheet, {}).get(f.column, -1),
                order_codes[f.code])

    findings.sort(key=position)
    rows = {t.name: len(t.rows) for t in book.sheets.values()}
    return ValidationReport(today, rows, findings)
