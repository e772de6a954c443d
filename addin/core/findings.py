"""Findings: the one record shape of SPEC §4, shared by grading and validation. Errors are values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from addin.core.i18n import Phrase, join, t
from addin.core.model import SheetTable

#: Every SPEC §4 code with its severity.
SEVERITY: dict[str, str] = {
    "missing-sheet": "error",
    "missing-column": "error",
    "duplicate-column": "error",
    "required": "error",
    "bad-date": "error",
    "bad-number": "error",
    "out-of-range": "error",
    "bad-enum": "error",
    "future-date": "error",
    "bad-phone": "warning",
    "bad-credit-code": "error",
    "bad-setting": "error",
    "duplicate-key": "error",
    "unknown-customer": "error",
    "duplicate-row": "warning",
    "location-required": "error",
    "follow-up-missing": "warning",
    "follow-up-late": "warning",
    "follow-up-before-visit": "error",
    "follow-up-overdue": "warning",
    "visit-overlap": "warning",
    "result-reason-missing": "error",
    "contact-count-low": "warning",
    "insufficient-info": "warning",
    "role-missing": "warning",
    "danger-zone": "warning",
    "opposed-influencer": "warning",
    "stale-account": "warning",
    "coach-not-supportive": "warning",
    "stage-ahead-of-grade": "warning",
    "stage-no-assessment": "warning",
    "result-stage-mismatch": "warning",
    "assessment-stale": "warning",
    "duplicate-account": "warning",
    "callback-missing": "warning",
    "review-missing": "warning",
    "new-face": "warning",
    "stage-gate": "warning",
    "won-amount-missing": "warning",
    "close-date-passed": "warning",
    "amount-suspicious": "warning",
    "service-lapsed": "warning",
    "tier-grade-mismatch": "warning",
    "resolution-missing": "warning",
    "customer-not-informed": "warning",
    "satisfaction-drop": "warning",
    "coach-neglected": "warning",
    "birthday-missed": "warning",
    "plan-missed": "warning",
    "profile-thin": "warning",
    "grade-mismatch": "warning",
    # team findings (SPEC §9), over many workbooks
    "account-claimed-twice": "warning",
    "team-visit-overlap": "warning",
    "stale-workbook": "warning",
}


#: Each code's short name, as the 校验结果 sheet and the demo show it (zh, en): never the code in a Chinese sheet.
RULE_NAMES: dict[str, tuple[str, str]] = {
    "missing-sheet": ("缺少工作表", "Sheet missing"),
    "missing-column": ("缺少列", "Column missing"),
    "duplicate-column": ("列名重复", "Column twice"),
    "required": ("必填项为空", "Required cell empty"),
    "bad-date": ("日期无法识别", "Not a date"),
    "bad-number": ("数字无法识别", "Not a number"),
    "out-of-range": ("数值超出范围", "Out of range"),
    "bad-enum": ("不在下拉选项中", "Not one of the choices"),
    "future-date": ("日期在今天之后", "Date in the future"),
    "bad-phone": ("电话号码有误", "Bad phone number"),
    "bad-credit-code": ("信用代码有误", "Bad credit code"),
    "bad-setting": ("设置有误", "Bad setting"),
    "duplicate-key": ("编号重复", "ID repeated"),
    "unknown-customer": ("客户编号不存在", "Unknown customer ID"),
    "duplicate-row": ("重复录入", "Row entered twice"),
    "location-required": ("面访未填地点", "Visit without a place"),
    "follow-up-missing": ("有问题未定跟进期限", "No follow-up date"),
    "follow-up-late": ("跟进期限过晚", "Follow-up set too late"),
    "follow-up-before-visit": ("跟进日期早于拜访", "Follow-up before the visit"),
    "follow-up-overdue": ("跟进逾期", "Follow-up overdue"),
    "visit-overlap": ("多人拜访同一客户", "Visited by two people"),
    "result-reason-missing": ("开发结果缺原因", "Result without a reason"),
    "contact-count-low": ("接触次数少于记录", "Contact count too low"),
    "insufficient-info": ("评估信息不足", "Assessment incomplete"),
    "role-missing": ("缺少购买角色", "Buying role missing"),
    "danger-zone": ("危险区关键人", "Danger zone"),
    "opposed-influencer": ("有影响力者反对", "Influencer opposed"),
    "stale-account": ("A 级客户久未拜访", "A account not visited"),
    "coach-not-supportive": ("教练不支持我方", "Coach not supportive"),
    "stage-ahead-of-grade": ("阶段超前于评级", "Stage ahead of grade"),
    "stage-no-assessment": ("未评估先推进", "Stage without assessment"),
    "result-stage-mismatch": ("结果与阶段不符", "Result and stage disagree"),
    "assessment-stale": ("评估过期", "Assessment out of date"),
    "duplicate-account": ("疑似重复客户", "Same account twice"),
    "callback-missing": ("面访后未回访", "No call back"),
    "review-missing": ("缺负责人意见", "No manager comment"),
    "new-face": ("新面孔", "New face"),
    "stage-gate": ("阶段关口未过", "Stage gate not met"),
    "won-amount-missing": ("成交缺金额", "Won without an amount"),
    "close-date-passed": ("预计签约日已过", "Close date passed"),
    "amount-suspicious": ("金额单位可疑", "Amount looks wrong"),
    "service-lapsed": ("售后回访超期", "Service contact overdue"),
    "tier-grade-mismatch": ("层级与评级不符", "Tier and grade disagree"),
    "resolution-missing": ("问题未处理", "Issue unresolved"),
    "customer-not-informed": ("未告知客户处理结果", "Customer not told"),
    "satisfaction-drop": ("满意度下降", "Satisfaction down"),
    "coach-neglected": ("教练久未联系", "Coach not contacted"),
    "birthday-missed": ("错过生日问候", "Birthday missed"),
    "plan-missed": ("计划拜访未执行", "Planned visit missed"),
    "profile-thin": ("决策者档案空白", "Decision maker file empty"),
    "grade-mismatch": ("评级与计算不符", "Grade differs from kam's"),
    "account-claimed-twice": ("撞单", "Claimed twice"),
    "team-visit-overlap": ("两位销售先后拜访", "Visited by two reps"),
    "stale-workbook": ("工作簿久未更新", "Workbook not updated"),
}

#: 填写错误: a cell holds something wrong or is missing something, and the rep fixes the sheet. Every other code
#: is a 销售提醒: the sheet is right, and the method asks the rep to act on the account (call, visit, assess).
DATA_CODES = frozenset({
    "missing-sheet",
    "missing-column",
    "duplicate-column",
    "required",
    "bad-date",
    "bad-number",
    "out-of-range",
    "bad-enum",
    "future-date",
    "bad-phone",
    "bad-credit-code",
    "bad-setting",
    "duplicate-key",
    "unknown-customer",
    "duplicate-row",
    "location-required",
    "follow-up-missing",
    "follow-up-late",
    "follow-up-before-visit",
    "result-reason-missing",
    "contact-count-low",
    "insufficient-info",
    "duplicate-account",
    "result-stage-mismatch",
    "won-amount-missing",
    "amount-suspicious",
    "grade-mismatch",
})


def rule_name(code: str, lang: str = "zh") -> str:
    """The short name of a finding's rule in `lang` (the code itself only for a code kam does not know)."""
    pair = RULE_NAMES.get(code)
    return code if pair is None else pair[1] if lang == "en" else pair[0]


def category(code: str) -> str:
    """"data" (填写错误, fix the cell) or "reminder" (销售提醒, act on the account)."""
    return "data" if code in DATA_CODES else "reminder"


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: where it is, its stable code, and what to say (rendered per language on output)."""

    code: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    cell: str = ""
    field: str = ""
    customer_id: str = ""
    message_key: str = ""
    params: Mapping[str, Any] = dc_field(default_factory=dict)

    @property
    def severity(self) -> str:
        return SEVERITY[self.code]

    def message(self, lang: str = "zh", quote: str | None = None) -> str:
        """The sentence in `lang`; the workbook's own headers and values it names in `quote` (the workbook's
        language, when --lang asks for another: an English sentence about a Chinese workbook names 拜访方式 and
        offers 面访, what its drop-downs hold, not Method and In-person)."""
        return t(self.message_key or f"finding.{self.code}", lang, **render_params(self.params, lang, quote))

    def to_dict(self, lang: str = "zh", message: str | None = None) -> dict[str, Any]:
        """The SPEC §4 record (`message`: the sentence when it was already rendered in `lang`)."""
        return {
            "sheet": self.sheet, "row": self.row, "column": self.column, "cell": self.cell,
            "field": self.field, "code": self.code, "severity": self.severity,
            "customer_id": self.customer_id, "message": self.message(lang) if message is None else message,
        }


def at_cell(table: SheetTable, row: int, key: str, code: str, customer_id: str = "", message_key: str = "",
            **params: Any) -> Finding:
    """A finding at one cell of a sheet: row, column header, A1 address and field key filled in."""
    header = table.header(key)
    return Finding(code, sheet=table.name, row=row, column=header, cell=table.address(row, key), field=key,
                   customer_id=customer_id, message_key=message_key, params={"header": header, **params})


def render_params(params: Mapping[str, Any], lang: str, quote: str | None = None) -> dict[str, Any]:
    """Parameters as text for a message: phrases in the message's language, the workbook's own words (headers,
    choice values) in `quote` (default: the same), values as written."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        kind = value.__class__
        if kind is str or kind is int or kind is float:  # most values: written as they are
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = join((_text(v, lang, quote) for v in value), lang)
        else:
            out[key] = _text(value, lang, quote)
    return out


def _text(value: Any, lang: str, quote: str | None = None) -> Any:
    """A phrase in `lang`, a label (a header, a choice) in `quote` or `lang`; anything else as it is."""
    if not (hasattr(value, "text") and callable(value.text)):
        return value
    return value.text(lang if quote is None or isinstance(value, Phrase) else quote)


def count(findings: list[Finding]) -> tuple[int, int]:
    """(errors, warnings) in `findings`."""
    errors = sum(1 for f in findings if f.severity == "error")
    return errors, len(findings) - errors
