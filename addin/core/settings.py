"""Settings of the 设置 sheet (SPEC §2): one frozen dataclass holding every default in one place."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cached_property

from addin.core.findings import Finding
from addin.core.i18n import Phrase
from addin.core.model import SheetTable
from addin.core.parse import cell_text, parse_number
from addin.core.schema import STAGE, Label, _l
from addin.core.text import is_blank, loose, norm

VALUE_FACTORS = ("share", "business_value")
DIFFICULTY_FACTORS = ("effort", "deal_risk", "payment_risk", "delivery_difficulty")


@dataclass(frozen=True)
class Settings:
    """Grading weights, thresholds and day limits. The defaults here are the defaults of SPEC §2."""

    weight_share: float = 0.5
    weight_business_value: float = 0.5
    weight_effort: float = 0.25
    weight_deal_risk: float = 0.25
    weight_payment_risk: float = 0.25
    weight_delivery_difficulty: float = 0.25
    value_threshold: float = 3.5
    difficulty_threshold: float = 3.0
    abandon_value: float = 1.5
    abandon_difficulty: float = 4.5
    follow_up_days: int = 7
    overlap_days: int = 7
    a_visit_interval_days: int = 30
    birthday_window_days: int = 30
    assessment_valid_days: int = 180
    monthly_review: bool = True
    callback_days: int = 7
    amount_unit: str = "万元"
    coach_contact_days: int = 30
    complaint_days: int = 3
    service_interval_strategic: int = 30
    service_interval_loyal: int = 60
    service_interval_close: int = 90
    service_interval_loose: int = 180
    stage_probability_targeting: float = 5
    stage_probability_information_gathering: float = 10
    stage_probability_assessment: float = 20
    stage_probability_relationship_building: float = 40
    stage_probability_closing: float = 70
    stage_probability_won: float = 100
    stage_probability_terminated: float = 0

    def service_interval(self, tier: str | None) -> int:
        """Days between service contacts after the sale, by 客户层级 (紧密型 when the tier is not set)."""
        return {"战略级": self.service_interval_strategic, "死党级": self.service_interval_loyal,
                "松散型": self.service_interval_loose}.get(tier or "", self.service_interval_close)

    def stage_probability(self, stage: str | None) -> float:
        """The share (0-1) of 预计金额 the weighted forecast counts at `stage` (0 when the stage is unknown)."""
        attr = _STAGE_ATTR.get(stage or "")
        return float(getattr(self, attr)) / 100 if attr else 0.0

    @property
    def amount_in_yuan(self) -> bool:
        """Whether amounts are typed in 元 (金额单位 元) rather than 万元."""
        return self.amount_unit == "元"

    def amount_text(self, value: float, lang: str) -> str:
        """An amount in the unit of 金额单位 (see `amount_text`)."""
        return amount_text(value, self.amount_unit, lang)

    def weights(self, factors: tuple[str, ...]) -> tuple[float, ...]:
        """The weights of `factors`, in order."""
        table = self.weight_map
        return tuple(table[f] for f in factors)

    @cached_property
    def weight_map(self) -> dict[str, float]:
        """Factor key -> weight, computed once per settings object (grading calls it per account)."""
        return {f.name.removeprefix("weight_"): float(getattr(self, f.name))
                for f in fields(self) if f.name.startswith("weight_")}

    @cached_property
    def axis_sums(self) -> tuple[float, float]:
        """(sum of value weights, sum of difficulty weights)."""
        table = self.weight_map
        return (sum(table[f] for f in VALUE_FACTORS), sum(table[f] for f in DIFFICULTY_FACTORS))


def amount_text(value: float, unit: str, lang: str) -> str:
    """An amount as a sales sheet writes it, `unit` being 金额单位 (万元 or 元): 96 万元, and CNY 960k in English,
    which has no word for 万. The briefing, the agenda and the report's text all say amounts this way."""
    in_yuan = unit == "元"
    if lang == "en" and not in_yuan:
        value = float(value) * 10  # thousands
    number = int(round(value, 6)) if float(round(value, 6)).is_integer() else round(float(value), 2)
    if lang == "en":
        return f"CNY {number:,}" if in_yuan or not number else f"CNY {number:,}k"
    return f"{number:,} {unit}"


#: 开发阶段 -> the Settings attribute of its 阶段概率
_STAGE_ATTR = {"确定对象": "stage_probability_targeting", "信息收集": "stage_probability_information_gathering",
               "价值评估": "stage_probability_assessment", "关系建立": "stage_probability_relationship_building",
               "促成成交": "stage_probability_closing", "已成交": "stage_probability_won",
               "已终止": "stage_probability_terminated"}


@dataclass(frozen=True)
class SettingSpec:
    """One row of 设置: its names, the dataclass attribute it sets, its kind and what it means."""

    attr: str
    label: Label
    kind: str  # "weight", "threshold", "days", "flag" (是/否), "unit" (万元/元) or "percent" (0-100)
    meaning: tuple[str, str]

    @property
    def default(self) -> float | int | bool | str:
        value: float | int | bool | str = getattr(Settings(), self.attr)
        return value


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("weight_share", _l("权重.份额", "權重.份額", "weight.share"), "weight",
                ("价值分中“份额”的权重。", "Weight of share in the value score.")),
    SettingSpec("weight_business_value", _l("权重.经营价值", "權重.經營價值", "weight.business_value"), "weight",
                ("价值分中“经营价值”的权重。", "Weight of business value in the value score.")),
    SettingSpec("weight_effort", _l("权重.投入", "權重.投入", "weight.effort"), "weight",
                ("难度分中“投入”的权重。", "Weight of effort in the difficulty score.")),
    SettingSpec("weight_deal_risk", _l("权重.成交风险", "權重.成交風險", "weight.deal_risk"), "weight",
                ("难度分中“成交风险”的权重。", "Weight of deal risk in the difficulty score.")),
    SettingSpec("weight_payment_risk", _l("权重.付款风险", "權重.付款風險", "weight.payment_risk"), "weight",
                ("难度分中“付款风险”的权重。", "Weight of payment risk in the difficulty score.")),
    SettingSpec("weight_delivery_difficulty", _l("权重.供货难度", "權重.供貨難度", "weight.delivery_difficulty"), "weight",
                ("难度分中“供货难度”的权重。", "Weight of delivery difficulty in the difficulty score.")),
    SettingSpec("value_threshold", _l("价值门槛", "價值門檻", "value_threshold"), "threshold",
                ("价值分达到此线算高价值（1-5）。", "A value score at or above this is high value (1-5).")),
    SettingSpec("difficulty_threshold", _l("难度门槛", "難度門檻", "difficulty_threshold"), "threshold",
                ("难度分不超过此线算低难度（1-5）。", "A difficulty score at or below this is low difficulty (1-5).")),
    SettingSpec("abandon_value", _l("放弃价值线", "放棄價值線", "abandon_value"), "threshold",
                ("价值分不高于此线时建议考虑放弃。", "At or below this value score, consider dropping the account.")),
    SettingSpec("abandon_difficulty", _l("放弃难度线", "放棄難度線", "abandon_difficulty"), "threshold",
                ("难度分不低于此线时建议考虑放弃。", "At or above this difficulty score, consider dropping the account.")),
    SettingSpec("follow_up_days", _l("跟进天数", "跟進天數", "follow_up_days"), "days",
                ("跟进期限最多可比拜访日期晚几天。", "How many days after a visit the follow-up may be due.")),
    SettingSpec("overlap_days", _l("重叠天数", "重疊天數", "overlap_days"), "days",
                ("几天内不同的人拜访同一客户算重叠。", "Visits by different people within this many days overlap.")),
    SettingSpec("a_visit_interval_days", _l("A级拜访间隔", "A級拜訪間隔", "a_visit_interval_days"), "days",
                ("A 级客户最长多少天必须拜访一次。", "The longest an A account may go without a visit, in days.")),
    SettingSpec("birthday_window_days", _l("生日提前天数", "生日提前天數", "birthday_window_days"), "days",
                ("提前多少天提醒关键人生日。", "How many days ahead to list birthdays.")),
    SettingSpec("assessment_valid_days", _l("评估有效天数", "評估有效天數", "assessment_valid_days"), "days",
                ("价值评估多少天后需要重新评估。", "How many days a value assessment stays valid.")),
    SettingSpec("monthly_review", _l("月度审核", ("月度審核", "月度審覈"), "monthly_review"), "flag",
                ("部门经理是否每月审核上月的拜访记录（是/否）。", "Whether the manager reviews last month's visits every month (yes/no).")),
    SettingSpec("callback_days", _l("回访天数", "回訪天數", "callback_days"), "days",
                ("面访后几天内要电话回访。", "Call back within this many days after an in-person visit.")),
    SettingSpec("amount_unit", _l("金额单位", "金額單位", "amount_unit"), "unit",
                ("金额按万元还是元填写（万元/元）。", "Whether amounts are typed in 10,000 CNY (万元) or CNY (元).")),
    SettingSpec("coach_contact_days", _l("教练联系天数", "教練聯繫天數", "coach_contact_days"), "days",
                ("A、B 级客户的教练最长多少天要联系一次。", "The longest a coach of an A or B account may go unseen, in days.")),
    SettingSpec("complaint_days", _l("投诉处理天数", "投訴處理天數", "complaint_days"), "days",
                ("投诉须在几天内有处理结果。", "Days within which a complaint needs a resolution.")),
    *(SettingSpec(f"service_interval_{en}", _l(f"售后拜访间隔.{zh}", (f"售後拜訪間隔.{hant}", f"售後拜訪間隔.{zh}"),
                                                               f"service_interval.{en}"),
                  "days", (f"已成交的{zh}客户多少天内要联系一次。", f"Days between service contacts for a won {en} account."))
      for zh, hant, en in (("战略级", "戰略級", "strategic"), ("死党级", "死黨級", "loyal"), ("紧密型", "緊密型", "close"),
                           ("松散型", "鬆散型", "loose"))),
    *(SettingSpec(attr, _l(f"阶段概率.{zh}", tuple(f"階段概率.{h}" for h in STAGE.values[n].hant),
                           attr.replace("stage_probability_", "stage_probability.")),
                  "percent", (f"加权预测中{zh}阶段的成交概率（百分数）。",
                              "Win probability at this stage for the weighted forecast, in percent."))
      for n, (zh, attr) in enumerate(_STAGE_ATTR.items())),
)

_YES = {"是", "yes", "y", "true", "1", "对", "對", "on"}
_NO = {"否", "no", "n", "false", "0", "不", "off"}

assert {s.attr for s in SETTING_SPECS} == {f.name for f in fields(Settings)}, "every setting has a spec"

_LOOKUP: dict[str, SettingSpec] = {}
for _spec in SETTING_SPECS:
    for _alias in (*_spec.label.aliases(), _spec.attr):
        _LOOKUP[norm(_alias)] = _spec
        _LOOKUP[loose(_alias)] = _spec


def setting_for_key(key: object) -> SettingSpec | None:
    """The setting a 设置 key names (Chinese, Traditional or English), or None."""
    return _LOOKUP.get(norm(key)) or _LOOKUP.get(loose(key))



def read_settings(table: SheetTable | None) -> tuple[Settings, list[Finding]]:
    """Settings from the 设置 sheet: defaults for missing keys, a `bad-setting` finding for each broken one.

    When any finding is returned the model is broken and nothing may be graded with it.
    """
    if table is None:
        return Settings(), []
    values: dict[str, float | int | bool | str] = {}
    seen: dict[str, int] = {}
    findings: list[Finding] = []

    def bad(kind: str, row: int | None, key: object, value: object = "", **extra: object) -> None:
        findings.append(Finding(
            "bad-setting", sheet=table.name, row=row, column=table.header("value") if row else "",
            cell=table.address(row, "value") if row else "", field="value",
            message_key=f"finding.bad-setting.{kind}", params={"key": key, "value": value, **extra}))

    for number, raw in table.rows:
        key_raw, value_raw = table.raw(raw, "key"), table.raw(raw, "value")
        if is_blank(key_raw):
            continue
        key_text = str(key_raw).strip()
        spec = setting_for_key(key_text)
        if spec is None:
            bad("unknown", number, key_text, value_raw)
            continue
        if spec.attr in seen:
            bad("duplicate", number, key_text, value_raw, other=seen[spec.attr])
            continue
        seen[spec.attr] = number
        if is_blank(value_raw):
            continue
        if spec.kind == "flag":
            flag = cell_text(value_raw).strip().casefold()
            if flag in _YES or flag in _NO:
                values[spec.attr] = flag in _YES
            else:
                bad("flag", number, key_text, value_raw)
            continue
        if spec.kind == "unit":
            unit = cell_text(value_raw).strip().replace("萬", "万")
            if unit in ("万元", "元"):
                values[spec.attr] = unit
            else:
                bad("unit", number, key_text, value_raw)
            continue
        value = parse_number(value_raw)
        if not isinstance(value, float):
            bad("not_number", number, key_text, value_raw)
        elif spec.kind == "weight" and value < 0:
            bad("negative", number, key_text, _num(value))
        elif spec.kind == "threshold" and not 1 <= value <= 5:
            bad("threshold", number, key_text, _num(value))
        elif spec.kind == "percent" and not 0 <= value <= 100:
            bad("percent", number, key_text, _num(value))
        elif spec.kind == "days" and (value < 0 or not value.is_integer()):
            bad("days", number, key_text, _num(value))
        else:
            values[spec.attr] = int(value) if spec.kind == "days" else value
    settings = replace(Settings(), **values)  # type: ignore[arg-type]
    for axis, factors in (("axis.value", VALUE_FACTORS), ("axis.difficulty", DIFFICULTY_FACTORS)):
        if sum(settings.weights(factors)) <= 0:
            findings.append(Finding("bad-setting", sheet=table.name, field="value",
                                    message_key="finding.bad-setting.axis_zero", params={"axis": Phrase(axis)}))
    return settings, findings


def _num(value: float) -> int | float:
    return int(value) if value.is_integer() else value
