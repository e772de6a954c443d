"""SPEC §3 as native spreadsheet formulas (`kam new --formulas`): 价值分, 难度分, 等级 and 建议 over the factor
cells and named cells on 设置, so grades live in the cells on any host (Excel 2010, WPS, LibreOffice, Google
Sheets), without Python. Only IF, AND, OR, ISNUMBER, COUNT, COUNTIF: functions every one of them has.

The same model as addin/core/grading.py: weighted means, the 1e-9 tolerance at the thresholds, 信息不足 for an
empty factor, nothing for a bad factor, a repeated 客户编号 or broken settings (IFERROR), the abandon advice.
A factor typed as text ("3") is a bad factor here although `kam grade` reads it: `kam validate` then reports
the row as grade-mismatch. Each formula carries kam's own result as its cached value, so a viewer that never
recalculates shows the right grade too.
"""

from __future__ import annotations

from collections.abc import Mapping

from addin.core.grading import ADVICE, DIFFICULTY_FACTORS, FACTORS, INSUFFICIENT, VALUE_FACTORS

#: the settings the formulas read, each a defined name over its 值 cell on 设置
NAMED_SETTINGS = ("weight_share", "weight_business_value", "weight_effort", "weight_deal_risk",
                  "weight_payment_risk", "weight_delivery_difficulty", "value_threshold", "difficulty_threshold",
                  "abandon_value", "abandon_difficulty")
EPS = "1E-9"


def setting_name(attr: str) -> str:
    """The defined name of a setting's cell, e.g. kam_weight_share."""
    return f"kam_{attr}"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def grade_formulas(row: int, letters: Mapping[str, str], lang: str) -> dict[str, str]:
    """The four formulas of 1-based worksheet `row`, given each field's column letter (customer_id, the six
    factors, value_score, difficulty_score, grade)."""
    cell = {k: f"{letters[k]}{row}" for k in (*FACTORS, "customer_id", "value_score", "difficulty_score", "grade")}
    cid = cell["customer_id"]
    first = f"{letters['customer_id']}$1:{letters['customer_id']}{row - 1}"
    bad = ",".join(f'AND({c}<>"",OR(NOT(ISNUMBER({c})),{c}<1,{c}>5))' for c in (cell[k] for k in FACTORS))
    skip = f'OR({cid}="",COUNTIF({first},{cid})>0,{bad})'

    def mean(keys: tuple[str, ...]) -> str:
        numbers = ",".join(f"ISNUMBER({cell[k]})" for k in keys)
        top = "+".join(f"{setting_name('weight_' + k)}*{cell[k]}" for k in keys)
        bottom = "+".join(setting_name("weight_" + k) for k in keys)
        return f'IFERROR(IF({skip},"",IF(AND({numbers}),({top})/({bottom}),"")),"")'

    v, d = cell["value_score"], cell["difficulty_score"]
    vt, dt = setting_name("value_threshold"), setting_name("difficulty_threshold")
    high, easy = f"{v}>={vt}-{EPS}", f"{d}<={dt}+{EPS}"
    every = ",".join(cell[k] for k in FACTORS)
    insufficient = _quote("INSUFFICIENT" if lang == "en" else INSUFFICIENT)
    letter = f'IF(AND({high},{easy}),"A",IF({high},"B",IF({easy},"C","D")))'
    grade = f'IFERROR(IF({skip},"",IF(COUNT({every})<6,{insufficient},{letter})),"")'
    g = cell["grade"]
    av, ad = setting_name("abandon_value"), setting_name("abandon_difficulty")
    abandon = f"OR(AND(ISNUMBER({v}),{v}<={av}+{EPS}),AND(ISNUMBER({d}),{d}>={ad}-{EPS}))"
    pick = 1 if lang == "en" else 0
    by_letter = _quote(ADVICE["D"][pick])
    for key in ("C", "B", "A"):
        by_letter = f'IF({g}="{key}",{_quote(ADVICE[key][pick])},{by_letter})'
    advice = (f'IFERROR(IF({g}="","",IF({g}={insufficient},{_quote(ADVICE[INSUFFICIENT][pick])},'
              f'IF({abandon},{_quote(ADVICE["abandon"][pick])},{by_letter}))),"")')
    return {"value_score": mean(VALUE_FACTORS), "difficulty_score": mean(DIFFICULTY_FACTORS), "grade": grade,
            "advice": advice}
