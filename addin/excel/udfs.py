"""Worksheet functions (xlwings UDFs): thin wrappers over the core, so a cell gives `kam grade`'s answer.

`xlwings.conf` in the template names this module (UDF Modules = addin.excel.udfs). Cells may be empty,
numbers arrive as floats or as text, dates as datetime or as floats (Excel serials from dynamic arrays); an
optional trailing range of 设置 rows (参数, 值) overrides the weights and thresholds.

Since xlwings 0.32 a UDF's type hints are xlwings converters: a union (`X | None`) or `Sequence[...]` has no
converter and every call fails in Excel (xlwings issue 2586). So every parameter and return here is hinted
`Any` (xlwings' default value converter) and ranges are declared with `@xw.arg(..., ndim=2)`; a test runs
each function through xlwings' real Windows decorators and conversion pipeline.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import xlwings as xw

from addin.core.grading import FACTORS, INSUFFICIENT, Grade, factor_label, grade_factors, parse_factors
from addin.core.lunar import next_birthday, parse_birthday
from addin.core.model import build_table
from addin.core.parse import Invalid, is_mobile, is_valid_credit_code, parse_date
from addin.core.schema import CHOICES, SETTINGS
from addin.core.settings import Settings, read_settings
from addin.core.text import is_blank


def _settings(rows: Any) -> Settings | str:
    """Settings from an optional 2-column range (a header row is allowed); an error text if broken."""
    if not rows:
        return Settings()
    if not isinstance(rows[0], list | tuple):  # one row given without ndim=2 (called from Python)
        rows = [rows]
    body = [list(r[:2]) + [None] * (2 - len(r[:2])) for r in rows
            if r and not is_blank(r[0]) and SETTINGS.field_for_header(r[0]) != "key"]
    settings, findings = read_settings(build_table(SETTINGS, "设置", [["参数", "值"], *body]))
    if findings:
        return "设置有误：" + findings[0].message("zh")
    return settings


def _grade(values: list[Any], settings: Any) -> Grade | str:
    if len(values) != len(FACTORS):
        return f"需要 {len(FACTORS)} 个因素"
    factors, bad = parse_factors(dict(zip(FACTORS, values, strict=True)))
    if bad:
        key, (_code, shown) = next(iter(bad.items()))
        return f"{factor_label(key).zh}无效：{shown or '?'}（应为1–5）"
    model = _settings(settings)
    if isinstance(model, str):
        return model
    return grade_factors(factors, model)


def _round(x: float | None) -> Any:
    return "" if x is None else round(x, 4)


@xw.func
@xw.arg("settings", ndim=2)
def kam_grade(share: Any, business_value: Any, effort: Any, deal_risk: Any, payment_risk: Any,
              delivery_difficulty: Any, settings: Any = None) -> Any:
    """等级 A/B/C/D、信息不足，或指出哪个因素有误。 The grade, INSUFFICIENT, or which factor is wrong."""
    g = _grade([share, business_value, effort, deal_risk, payment_risk, delivery_difficulty], settings)
    return g if isinstance(g, str) else (g.grade or INSUFFICIENT)


@xw.func
@xw.arg("settings", ndim=2)
def kam_value_score(share: Any, business_value: Any, effort: Any, deal_risk: Any, payment_risk: Any,
                    delivery_difficulty: Any, settings: Any = None) -> Any:
    """价值分（份额与经营价值的加权平均）。 The value score."""
    g = _grade([share, business_value, effort, deal_risk, payment_risk, delivery_difficulty], settings)
    return g if isinstance(g, str) else _round(g.value_score)


@xw.func
@xw.arg("settings", ndim=2)
def kam_difficulty_score(share: Any, business_value: Any, effort: Any, deal_risk: Any, payment_risk: Any,
                         delivery_difficulty: Any, settings: Any = None) -> Any:
    """难度分（四项难度因素的加权平均）。 The difficulty score."""
    g = _grade([share, business_value, effort, deal_risk, payment_risk, delivery_difficulty], settings)
    return g if isinstance(g, str) else _round(g.difficulty_score)


@xw.func
@xw.arg("settings", ndim=2)
def kam_advice(share: Any, business_value: Any, effort: Any, deal_risk: Any, payment_risk: Any,
               delivery_difficulty: Any, settings: Any = None) -> Any:
    """对应等级的建议。 The advice that goes with the grade."""
    g = _grade([share, business_value, effort, deal_risk, payment_risk, delivery_difficulty], settings)
    return g if isinstance(g, str) else (g.advice("zh") or "")


@xw.func
@xw.arg("factors", ndim=2)
@xw.arg("settings", ndim=2)
def kam_grade_table(factors: Any, settings: Any = None) -> Any:
    """n 行 × 6 列因素 → n 行 [价值分, 难度分, 等级, 建议]（动态数组）。 One array call for a whole table."""
    out: list[list[Any]] = []
    for row in factors or []:
        cells = list(row)[: len(FACTORS)]
        if all(is_blank(v) for v in cells):
            out.append(["", "", "", ""])
            continue
        g = _grade(cells + [None] * (len(FACTORS) - len(cells)), settings)
        if isinstance(g, str):
            out.append(["", "", g, ""])
        else:
            out.append([_round(g.value_score), _round(g.difficulty_score), g.grade or INSUFFICIENT,
                        g.advice("zh") or ""])
    return out or [["", "", "", ""]]


@xw.func(volatile=True)  # depends on today's date when `today` is omitted
def kam_next_birthday(birthday: Any, calendar: Any = None, today: Any = None) -> Any:
    """下一个生日的公历日期（农历自动换算）。 The coming solar date of a solar or lunar birthday."""
    born = parse_birthday(birthday)
    if born is None or isinstance(born, Invalid):
        return "" if born is None else "生日不是日期"
    cal = CHOICES["calendar"].canonical(calendar) if not is_blank(calendar) else "公历"
    if cal is None:
        return "历法应为公历或农历"
    if not born.possible(born.is_lunar(cal)):
        return "生日不是日期"
    now = parse_date(today) if not is_blank(today) else date.today()
    if not isinstance(now, date):
        return "今天不是日期"
    when = next_birthday(born, cal, now)
    return datetime(when.year, when.month, when.day)


@xw.func
def kam_check_mobile(text: Any) -> Any:
    """是否为大陆手机号（可带 +86）。 True for a mainland mobile number."""
    return not is_blank(text) and is_mobile(text)


@xw.func
def kam_check_credit_code(text: Any) -> Any:
    """统一社会信用代码是否有效（18 位，校验码正确）。 True for a valid unified social credit code."""
    return not is_blank(text) and is_valid_credit_code(text)
