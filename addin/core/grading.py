"""The value × difficulty grading model of SPEC §3, with explanations, over parsed assessment rows.

Value score V is the weighted mean of share and business_value; difficulty score D the weighted mean of
the four difficulty factors. A: V high and D low; B: V high, D high; C: V low, D low; D: both against.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from addin.core.findings import Finding, at_cell, render_params
from addin.core.i18n import Phrase, t
from addin.core.model import WorkbookData, cell_address
from addin.core.parse import Invalid, cell_text, customer_key, parse_number
from addin.core.schema import ASSESSMENT, Label
from addin.core.settings import DIFFICULTY_FACTORS, VALUE_FACTORS, Settings, read_settings

EPS = 1e-9
FACTORS = VALUE_FACTORS + DIFFICULTY_FACTORS
INSUFFICIENT = "信息不足"
#: the tally key of a row kam could not grade (a bad factor, broken settings, a duplicate): never 信息不足
NOT_GRADED = "未评级"
FACTOR_RANGE = Phrase("expected.factor")
RANK = {"A": 0, "B": 1, "C": 2, "D": 3}

ADVICE: dict[str, tuple[str, str]] = {
    "A": ("全力以赴", "Go all in"),
    "B": ("控制投入，做好关系维护", "Control the investment and keep the relationship warm"),
    "C": ("关注变化，做好关系维护", "Watch for changes and keep the relationship warm"),
    "D": ("暂缓观察", "Hold off and observe"),
    "abandon": ("考虑放弃或降低接触", "Consider dropping the account or reducing contact"),
    INSUFFICIENT: ("继续收集信息", "Keep gathering information"),
}


def factor_label(key: str) -> Label:
    """The header label of a factor (for messages in either language)."""
    return ASSESSMENT.by_key[key].label


def weighted_mean(values: list[float], weights: tuple[float, ...]) -> float:
    """Weighted mean; weights need not sum to 1 (the axis sum is checked > 0 by the settings)."""
    return sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)


def classify(v: float, d: float, s: Settings) -> str:
    """The letter grade for scores `v` and `d`, comparing with a 1e-9 tolerance."""
    high = v >= s.value_threshold - EPS
    easy = d <= s.difficulty_threshold + EPS
    if high:
        return "A" if easy else "B"
    return "C" if easy else "D"


def is_abandon(v: float | None, d: float | None, s: Settings) -> bool:
    """V <= abandon_value or D >= abandon_difficulty, whatever the grade."""
    return (v is not None and v <= s.abandon_value + EPS) or (d is not None and d >= s.abandon_difficulty - EPS)


@dataclass(frozen=True)
class Part:
    """One clause of an explanation: a message key and its parameters."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Grade:
    """The grade of one account: scores, letter (or 信息不足, or None when not graded), and why."""

    value_score: float | None
    difficulty_score: float | None
    grade: str | None
    abandon: bool
    parts: tuple[Part, ...] = ()

    def grade_text(self, lang: str = "zh") -> str | None:
        if self.grade == INSUFFICIENT and lang == "en":
            return "INSUFFICIENT"
        return self.grade

    def advice(self, lang: str = "zh") -> str | None:
        """SPEC §3 advice: 信息不足 first, then the abandon rule, then the grade's advice."""
        if self.grade is None:
            return None
        key = self.grade if self.grade == INSUFFICIENT or not self.abandon else "abandon"
        zh, en = ADVICE[key]
        return en if lang == "en" else zh

    def explanation(self, lang: str = "zh") -> str:
        sep = "; " if lang == "en" else "；"
        return sep.join(t(p.key, lang, **render_params(p.params, lang)) for p in self.parts)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def _snap(x: float) -> float:
    r = round(x)
    return float(r) if abs(x - r) < 1e-9 else x


def _moves(factors: Mapping[str, float], v: float, d: float, s: Settings, better: bool) -> list[tuple]:
    """Single-factor integer changes (1-5) that cross a threshold: to a better grade, or (better=False) a worse one."""
    now = classify(v, d, s)
    out = []
    wv, wd = s.axis_sums
    for index, key in enumerate(FACTORS):
        weight = s.weight_map[key]
        if weight <= 0:
            continue
        x = factors[key]
        is_value = key in VALUE_FACTORS
        if is_value:
            req = _snap(x + (s.value_threshold - v) * wv / weight)
            new = math.ceil(req) if better else math.ceil(req) - 1
        else:
            req = _snap(x - (d - s.difficulty_threshold) * wd / weight)
            new = math.floor(req) if better else math.floor(req) + 1
        if not 1 <= new <= 5 or new == x:
            continue
        nv = v + (new - x) * weight / wv if is_value else v
        nd = d + (new - x) * weight / wd if not is_value else d
        grade = classify(nv, nd, s)
        if (RANK[grade] < RANK[now]) if better else (RANK[grade] > RANK[now]):
            out.append((abs(new - x), RANK[grade] if better else -RANK[grade], index, key, x, new, grade))
    return sorted(out)


def _driver_part(key: str, value: float, top: bool) -> Part:
    """The factor that pulls most, said the right way round: a difficulty factor helps when it is low (付款风险低),
    so "主要优势是付款风险（1 分）" would read as if the risk were the strength."""
    message = "grade.expl.driver_high" if top else "grade.expl.driver_low"
    if key in DIFFICULTY_FACTORS:
        message += ".difficulty"
    return Part(message, {"factor": factor_label(key), "value": _fmt(value)})


def _driver(factors: Mapping[str, float], s: Settings, top: bool) -> tuple[str, float]:
    """The factor that pulls the grade most: largest weighted distance to its axis threshold."""
    wv, wd = s.axis_sums
    scored = []
    for index, key in enumerate(FACTORS):
        w = s.weight_map[key]
        if key in VALUE_FACTORS:
            pull = w / wv * (factors[key] - s.value_threshold)
        else:
            pull = w / wd * (s.difficulty_threshold - factors[key])
        scored.append((pull, index, key))
    if top:
        _, _, key = max(scored, key=lambda item: (item[0], -item[1]))
    else:
        _, _, key = min(scored)
    return key, factors[key]


def _change(message: str, move: tuple) -> Part:
    """The clause naming one single-factor change and the grade it leads to."""
    _, _, _, key, old, new, grade = move
    return Part(message, {"factor": factor_label(key), "old": _fmt(old), "new": _fmt(new), "grade": grade})


def _abandon_part(v: float | None, d: float | None, s: Settings) -> Part:
    """Which abandon line the account reached, with its own scores: the rep sees why, not the rule."""
    low = v is not None and v <= s.abandon_value + EPS
    hard = d is not None and d >= s.abandon_difficulty - EPS
    which = "both" if low and hard else "value" if low else "difficulty"
    return Part(f"grade.expl.abandon.{which}", {"v": "" if v is None else f"{v:.2f}",
                                                "d": "" if d is None else f"{d:.2f}",
                                                "av": _fmt(s.abandon_value), "ad": _fmt(s.abandon_difficulty)})


def grade_factors(factors: Mapping[str, float | None], s: Settings) -> Grade:
    """Grade one account from its six factors (None = empty); factors must already be valid numbers in 1-5."""
    values = [factors.get(k) for k in VALUE_FACTORS]
    diffs = [factors.get(k) for k in DIFFICULTY_FACTORS]
    v = weighted_mean(values, s.weights(VALUE_FACTORS)) if None not in values else None  # type: ignore[arg-type]
    d = weighted_mean(diffs, s.weights(DIFFICULTY_FACTORS)) if None not in diffs else None  # type: ignore[arg-type]
    abandon = is_abandon(v, d, s)
    abandon_part = _abandon_part(v, d, s)
    if v is None or d is None:
        missing = [factor_label(k) for k in FACTORS if factors.get(k) is None]
        parts = [Part("grade.expl.insufficient", {"factors": missing})]
        if abandon:
            parts.append(abandon_part)
        return Grade(v, d, INSUFFICIENT, abandon, tuple(parts))
    full: dict[str, float] = {k: float(factors[k]) for k in FACTORS}  # type: ignore[arg-type]
    grade = classify(v, d, s)
    parts = []
    if grade == "A":
        key, value = _driver(full, s, top=True)
        parts.append(_driver_part(key, value, top=True))
        parts.append(Part("grade.expl.top"))
        drops = _moves(full, v, d, s, better=False)
        if drops:
            parts.append(_change("grade.expl.drop", drops[0]))
    else:
        key, value = _driver(full, s, top=False)
        parts.append(_driver_part(key, value, top=False))
        lifts = _moves(full, v, d, s, better=True)
        if lifts:
            parts.append(_change("grade.expl.lift", lifts[0]))
        else:
            low, hard = v < s.value_threshold - EPS, d > s.difficulty_threshold + EPS  # what keeps it down
            which = "both" if low and hard else "value" if low else "difficulty"
            parts.append(Part(f"grade.expl.no_lift.{which}", {"vt": _fmt(s.value_threshold), "v": f"{v:.2f}",
                                                              "dt": _fmt(s.difficulty_threshold), "d": f"{d:.2f}"}))
    if abandon:
        parts.append(abandon_part)
    return Grade(v, d, grade, abandon, tuple(parts))


@dataclass(frozen=True)
class GradedRow:
    """One assessment row with its grade."""

    customer_id: str
    row: int
    grade: Grade

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The SPEC §6 grade record."""
        g = self.grade
        return {
            "customer_id": self.customer_id, "row": self.row,
            "value_score": None if g.value_score is None else round(g.value_score, 4),
            "difficulty_score": None if g.difficulty_score is None else round(g.difficulty_score, 4),
            # the stable value of SPEC §3 (A-D, 信息不足) whatever the language, and its label in `lang`
            "grade": g.grade, "grade_label": g.grade_text(lang) or t("grade.none", lang), "advice": g.advice(lang),
            "abandon": g.abandon, "explanation": g.explanation(lang),
        }


@dataclass
class GradingReport:
    """Everything `kam grade` reports: one row per assessment row, and the grading findings."""

    grades: list[GradedRow]
    issues: list[Finding]
    settings: Settings
    sheet: str = ""

    def spread(self, lang: str = "zh") -> str:
        """How many rows got each grade, e.g. "A 12，B 11，信息不足 6，未评级 1" ("-" when none)."""
        tally: dict[str, int] = {}
        for g in self.grades:
            label = g.grade.grade_text(lang) or t("grade.none", lang)
            tally[label] = tally.get(label, 0) + 1
        return ("，" if lang == "zh" else ", ").join(f"{k} {v}" for k, v in sorted(tally.items())) or "-"


def parse_factors(raw: Mapping[str, object]) -> tuple[dict[str, float | None], dict[str, tuple[str, str]]]:
    """Parse the six factor cells: values (None when empty) and, per bad factor, (code, value as text).

    One rule for `kam grade`, the UDFs and the macros: a number (text allowed) from 1 to 5, or empty.
    """
    factors: dict[str, float | None] = {}
    bad: dict[str, tuple[str, str]] = {}
    for key in FACTORS:
        raw_value = raw.get(key)
        value = parse_number(raw_value)
        if isinstance(value, Invalid):
            bad[key] = ("bad-number", cell_text(raw_value))
        elif value is not None and not 1 - EPS <= value <= 5 + EPS:
            bad[key] = ("out-of-range", _fmt(value))
        else:
            factors[key] = value
    return factors, bad


def _not_graded(reason: str, **params: Any) -> Grade:
    return Grade(None, None, None, False, (Part(reason, params),))


def grade_workbook(book: WorkbookData) -> GradingReport:
    """Grade every row of 价值评估 with the workbook's 设置; findings for anything that stops a grade."""
    settings, issues = read_settings(book.get("settings"))
    table = book.get("assessment")
    if table is None:
        issues.append(Finding("missing-sheet", sheet=ASSESSMENT.label.zh, params={"sheet": ASSESSMENT.label}))
        return GradingReport([], issues, settings)
    broken_model = bool(issues)
    for col in table.duplicates:
        issues.append(Finding("duplicate-column", sheet=table.name, row=table.header_row, column=col.header,
                              cell=cell_address(table.header_row, col.index), field=col.key or "",
                              params={"header": col.header, "other": table.header(col.key or ""),
                                      "field": col.key}))
    for key in ("customer_id", *FACTORS):
        if not table.has(key):
            label = ASSESSMENT.by_key[key].label
            issues.append(Finding("missing-column", sheet=table.name, row=table.header_row, field=key,
                                  params={"sheet": table.name, "header": label}))
    if not table.has("customer_id"):
        return GradingReport([], issues, settings, table.name)
    customers = book.get("customers")
    known = None
    if customers is not None and customers.has("customer_id"):
        known = {customer_key(customers.raw(v, "customer_id")) for _, v in customers.rows}
    first_row: dict[str, int] = {}
    graded: list[GradedRow] = []
    for number, raw in table.rows:
        cid = customer_key(table.raw(raw, "customer_id"))
        if not cid:
            issues.append(at_cell(table, number, "customer_id", "required"))
            continue
        if cid in first_row:
            issues.append(at_cell(table, number, "customer_id", "duplicate-key", cid, value=cid, first=first_row[cid]))
            graded.append(GradedRow(cid, number, _not_graded("grade.expl.duplicate", first=first_row[cid])))
            continue
        first_row[cid] = number
        if known is not None and cid not in known:
            issues.append(at_cell(table, number, "customer_id", "unknown-customer", cid, value=cid))
        factors, problems = parse_factors({key: table.raw(raw, key) for key in FACTORS})
        for key, (code, shown) in problems.items():
            issues.append(at_cell(table, number, key, code, cid, value=shown, expected=FACTOR_RANGE))
        bad: list[Label] = [factor_label(key) for key in problems]
        if broken_model:
            graded.append(GradedRow(cid, number, _not_graded("grade.expl.bad_settings")))
        elif bad:
            graded.append(GradedRow(cid, number, _not_graded("grade.expl.bad_factor", factors=bad)))
        else:
            graded.append(GradedRow(cid, number, grade_factors(factors, settings)))
    return GradingReport(graded, issues, settings, table.name)
