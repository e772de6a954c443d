"""What every rule looks at (SPEC §4): the parsed sheets, settings, today and each account's grade."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from addin.core.findings import Finding
from addin.core.grading import FACTORS, Grade, grade_factors
from addin.core.i18n import Phrase
from addin.core.model import WorkbookData
from addin.core.parse import cell_text, person_key, split_people
from addin.core.schema import Field, FieldType
from addin.core.settings import Settings, read_settings
from addin.core.sheet import Parsed, parse_sheet
from addin.core.text import is_blank

T = TypeVar("T")

#: The sheets `kam validate` needs (设置 is optional: missing keys take their defaults).
NEEDED = ("customers", "assessment", "contacts", "development", "visits")


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
    memo: dict[str, Any] = field(default_factory=dict)  # what several rules derive alike, derived once

    def account(self, cid: str, code: str, **params: Any) -> Finding:
        """An account-level finding, pointing at the account's row in 客户."""
        customers = self.sheets["customers"]
        i = self.customer_rows[cid]
        return Finding(code, sheet=customers.table.name, row=customers.rows[i], customer_id=cid,
                       params={"name": customers.text("customer_name", i) or cid, **params})


Rule = Callable[[Context], Iterator[Finding]]


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


def expected_phrase(f: Field) -> object:
    if f.choices is not None:
        return f.choices
    if f.type is FieldType.INTEGER:
        return Phrase("expected.integer")
    if f.minimum == 1 and f.maximum == 5:
        return Phrase("expected.factor")
    return Phrase("expected.number")


def visit_log(ctx: Context) -> Parsed | None:
    return ctx.sheets.get("visits")


def blanks(column: Sequence[object] | None) -> frozenset[object]:
    """The values of a column a rep would call empty, each looked at once (a visit log repeats its values,
    so a row's test is then one set lookup)."""
    return frozenset(v for v in set(column) if is_blank(v)) if column is not None else frozenset()


class Shown:
    """An enum value shown in the message language."""

    def __init__(self, choices: Any, value: str) -> None:
        self.choices, self.value = choices, value

    def text(self, lang: str) -> str:
        return str(self.choices.display(self.value, lang))


def account_kwargs(ctx: Context, cid: str, code: str, **params: Any) -> dict[str, Any]:
    base = ctx.account(cid, code, **params)
    return {"code": code, "sheet": base.sheet, "row": base.row, "customer_id": cid, "params": base.params}


WORKING_STAGES = ("关系建立", "促成成交")


CLOSED_STAGES = ("已成交", "已终止")


def stages_of(ctx: Context) -> dict[str, str | None]:
    customers = ctx.sheets.get("customers")
    if customers is None or "stage" not in customers.typed:
        return {}
    return {cid: customers.typed["stage"][i] for cid, i in ctx.customer_rows.items()}


def latest_row(parsed: Parsed, key: str | None = None) -> dict[str, int]:
    """Each account's latest row of a dated sheet (开发记录 by 记录日期, then row order); with `key`, the latest
    row whose `key` cell holds a value."""
    dates = parsed.typed.get("recorded_on") or [None] * len(parsed)
    values = parsed.typed.get(key) if key else None
    if key and values is None:
        return {}
    latest: dict[str, int] = {}
    for i, cid in enumerate(parsed.ids):
        if not cid or (values is not None and values[i] is None):
            continue
        j = latest.get(cid)
        if j is None or (dates[i] or date.min, i) >= (dates[j] or date.min, j):
            latest[cid] = i
    return latest


def _once(ctx: Context, derive: Callable[[Context], T]) -> T:
    """`derive(ctx)`, computed on the first call and kept on the context for the other rules that need it."""
    key = derive.__name__
    if key not in ctx.memo:
        ctx.memo[key] = derive(ctx)
    value: T = ctx.memo[key]
    return value


def visit_days(ctx: Context) -> dict[str, list[date]]:
    """Each account's visit dates up to today, sorted (any method: a call counts as contact)."""
    return _once(ctx, _visit_days)


def _visit_days(ctx: Context) -> dict[str, list[date]]:
    visits = visit_log(ctx)
    out: dict[str, list[date]] = {}
    if visits is None or "visit_date" not in visits.typed:
        return out
    for cid, when in zip(visits.ids, visits.typed["visit_date"], strict=True):
        if cid and when is not None and when <= ctx.today:
            out.setdefault(cid, []).append(when)
    for days in out.values():
        days.sort()
    return out


def people_met(ctx: Context) -> dict[tuple[str, str], list[tuple[date, str | None]]]:
    """(account, person key) -> the (date, method) of each visit up to today naming that person in 被访人;
    empty when the visit log has no 被访人 column (the rules that need it then do not fire)."""
    return _once(ctx, _people_met)


def _people_met(ctx: Context) -> dict[tuple[str, str], list[tuple[date, str | None]]]:
    visits = visit_log(ctx)
    met: dict[tuple[str, str], list[tuple[date, str | None]]] = {}
    if visits is None or "visitee" not in visits.raw or "visit_date" not in visits.typed:
        return met
    methods = visits.typed.get("method") or [None] * len(visits)
    said: dict[object, list[str]] = {}
    for i, (cid, when) in enumerate(zip(visits.ids, visits.typed["visit_date"], strict=True)):
        if not cid or when is None or when > ctx.today:
            continue
        raw = visits.raw["visitee"][i]
        keys = said.get(raw)
        if keys is None:
            keys = said[raw] = [] if is_blank(raw) else [person_key(n) for n in split_people(cell_text(raw))]
        for key in keys:
            met.setdefault((cid, key), []).append((when, methods[i]))
    return met


def has_visitee(ctx: Context) -> bool:
    """Whether the visit log says whom each visit met (the 被访人 column)."""
    visits = visit_log(ctx)
    return visits is not None and "visitee" in visits.raw and "visit_date" in visits.typed


def roles_of(ctx: Context) -> dict[str, set[str]]:
    """Each account's buying roles filled in 关键人 (an account with none is absent)."""
    return _once(ctx, _roles_of)


def _roles_of(ctx: Context) -> dict[str, set[str]]:
    contacts = ctx.sheets.get("contacts")
    roles: dict[str, set[str]] = defaultdict(set)
    if contacts is not None and "role" in contacts.typed:
        for i, role in enumerate(contacts.typed["role"]):
            cid = contacts.cid(i)
            if role and cid:
                roles[cid].add(role)
    return dict(roles)
