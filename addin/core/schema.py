"""The workbook schema of SPEC §2 as data: sheets, headers, field keys, types, rules and their aliases.

This module is the one source for the template builder, the reader, validation and documents. Every label
carries its Simplified form, its real Traditional form(s) and English; `tests/test_schema.py` checks the
Traditional forms against OpenCC so the table cannot drift into made-up characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from addin.core.i18n import join
from addin.core.text import loose, norm


class FieldType(StrEnum):
    """The value types a cell can hold (SPEC §2)."""

    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    INTEGER = "integer"
    ENUM = "enum"
    PHONE = "phone"
    CREDIT_CODE = "credit_code"
    BIRTHDAY = "birthday"  # a date, or a month and day (lunar ones in Chinese words too), read with 历法


@dataclass(frozen=True)
class Label:
    """A name in three scripts: Simplified (canonical), Traditional forms, English (+ extra aliases)."""

    zh: str
    hant: tuple[str, ...]
    en: str
    extra: tuple[str, ...] = ()

    def aliases(self) -> tuple[str, ...]:
        """Every written form this label answers to."""
        return (self.zh, *self.hant, self.en, *self.extra)

    def text(self, lang: str) -> str:
        """The label shown to users in `lang` ("zh" or "en")."""
        return self.en if lang == "en" else self.zh


def _l(zh: str, hant: str | tuple[str, ...], en: str, *extra: str) -> Label:
    return Label(zh, (hant,) if isinstance(hant, str) else hant, en, tuple(extra))


@dataclass(frozen=True)
class Choices:
    """An enumerated list of allowed values; the canonical value is the Simplified label."""

    key: str
    values: tuple[Label, ...]

    @cached_property
    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for value in self.values:
            for alias in value.aliases():
                table[norm(alias)] = value.zh
                table[loose(alias)] = value.zh
        return table

    def canonical(self, raw: object) -> str | None:
        """The canonical value for a raw cell value in any of the three forms, or None if not allowed."""
        return self._lookup.get(norm(raw)) or self._lookup.get(loose(raw))

    def text(self, lang: str) -> str:
        """The allowed values as one phrase for a message."""
        return join(self.labels(lang), lang)

    def labels(self, lang: str) -> list[str]:
        """The allowed values as shown to users in `lang` (drop-down lists, messages)."""
        return [v.text(lang) for v in self.values]

    def display(self, canonical: str, lang: str) -> str:
        """Show a canonical value in `lang`."""
        for value in self.values:
            if value.zh == canonical:
                return value.text(lang)
        return canonical


INDUSTRY = Choices("industry", (
    _l("教育", "教育", "Education"),
    _l("医疗", "醫療", "Healthcare", "medical"),
    _l("政府", "政府", "Government"),
    _l("企业", "企業", "Enterprise", "business", "company"),
    _l("其他", "其他", "Other", "其它"),  # 其它 is how many reps write it
))
STAGE = Choices("stage", (
    _l("确定对象", "確定對象", "Targeting", "确定开发对象", "確定開發對象"),
    _l("信息收集", ("信息收集", "資訊收集"), "Information gathering"),
    _l("价值评估", "價值評估", "Assessment"),
    _l("关系建立", "關係建立", "Relationship building"),
    _l("促成成交", "促成成交", "Closing"),
    _l("已成交", "已成交", "Won"),
    _l("已终止", "已終止", "Terminated"),
))
TIER = Choices("tier", (
    _l("战略级", "戰略級", "Strategic", "战略", "戰略"),  # the tier names without 级/型, as reps type them
    _l("死党级", "死黨級", "Loyal", "死党", "死黨"),
    _l("紧密型", "緊密型", "Close", "紧密", "緊密"),
    _l("松散型", "鬆散型", "Loose", "松散", "鬆散"),
))
ROLE = Choices("role", (
    _l("决策者", "決策者", "Economic buyer", "经济买家", "經濟買家"),  # the method's other names for the roles
    _l("技术把关者", "技術把關者", "Technical buyer", "技术买家", "技術買家"),
    _l("使用者", "使用者", "User buyer", "用户买家", "用戶買家"),
    _l("教练", "教練", "Coach", "内线", "內線", "内应", "內應"),
))
CALENDAR = Choices("calendar", (
    _l("公历", "公曆", "Solar", "gregorian", "阳历", "陽曆", "新历", "新曆"),
    _l("农历", "農曆", "Lunar", "阴历", "陰曆", "旧历", "舊曆"),
))
PERSONALITY = Choices("personality", (
    _l("老虎", "老虎", "Tiger"),
    _l("孔雀", "孔雀", "Peacock"),
    _l("猫头鹰", "貓頭鷹", "Owl"),
    _l("无尾熊", "無尾熊", "Koala"),
))
LEVEL = Choices("level", (
    _l("高", "高", "High"),
    _l("中", "中", "Medium", "mid"),
    _l("低", "低", "Low"),
))
SUPPORT = Choices("support", (
    _l("支持", "支持", "Supportive", "support"),
    _l("中立", "中立", "Neutral"),
    _l("反对", "反對", "Opposed", "against"),
))
RESULT = Choices("result", (
    _l("进行中", "進行中", "In progress", "ongoing"),
    _l("成功", "成功", "Won", "success"),
    _l("失败", "失敗", "Lost", "failed"),
))
METHOD = Choices("method", (
    _l("面访", "面訪", "In-person", "face-to-face", "visit", "当面拜访", "當面拜訪", "上门拜访", "上門拜訪"),
    _l("电话", "電話", "Phone", "call", "telephone"),
    _l("视频", "視頻", "Video", "视频会议"),
    _l("微信", "微信", "WeChat", "wechat message"),
    _l("短信", ("短信", "簡訊", "短訊"), "SMS", "text message"),
    _l("邮件", "郵件", "Email", "e-mail"),
    _l("信函", "信函", "Letter"),
    _l("活动", "活動", "Event", "推广会", "推廣會", "交流会", "交流會", "恳谈会", "懇談會", "联谊会", "聯誼會"),
))
GENDER = Choices("gender", (
    _l("男", "男", "Male", "m", "男性"),
    _l("女", "女", "Female", "f", "女性"),
))
URGENCY = Choices("urgency", LEVEL.values)
BUDGET_STATUS = Choices("budget_status", (
    _l("未知", "未知", "Unknown"),
    _l("申请中", "申請中", "Requested", "applying"),
    _l("已批复", "已批覆", "Approved", "已批准"),
    _l("已到位", "已到位", "Available", "funded", "在位"),
))
ISSUE_TYPE = Choices("issue_type", (
    _l("投诉", "投訴", "Complaint"),
    _l("建议", "建議", "Suggestion"),
    _l("需求", "需求", "Need", "requirement"),
    _l("难题", "難題", "Problem", "difficulty"),
))
YES_NO = Choices("booked", (
    _l("是", "是", "Yes", "y", "true", "1", "已预约", "已預約"),
    _l("否", "否", "No", "n", "false", "0", "未预约", "未預約"),
))

#: Choices by key, for the template builder and messages.
CHOICES: dict[str, Choices] = {
    c.key: c for c in (INDUSTRY, STAGE, TIER, ROLE, CALENDAR, PERSONALITY, LEVEL, SUPPORT, RESULT, METHOD, GENDER,
                       URGENCY, BUDGET_STATUS, ISSUE_TYPE, YES_NO)
}


@dataclass(frozen=True)
class Field:
    """One column of a sheet: its key, labels, type and rules."""

    key: str
    label: Label
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: Choices | None = None
    minimum: float | None = None
    maximum: float | None = None
    not_future: bool = False
    unique: bool = False
    computed: bool = False
    width: int = 14
    hint: tuple[str, str] = ("", "")
    unit: str = ""  # an amount's unit as the template shows it (万元)

    def hint_text(self, lang: str) -> str:
        """The help line for this column in the 说明 sheet."""
        return self.hint[1] if lang == "en" else self.hint[0]


def _f(key: str, label: Label, type: FieldType = FieldType.TEXT, **kw: object) -> Field:
    return Field(key, label, type, **kw)  # type: ignore[arg-type]


T, D, N, INT, E, P, C = (FieldType.TEXT, FieldType.DATE, FieldType.NUMBER, FieldType.INTEGER,
                       FieldType.ENUM, FieldType.PHONE, FieldType.CREDIT_CODE)

CUSTOMER_ID = _l("客户编号", "客戶編號", "Customer ID", "customer_id", "客户编码", "客戶編碼")


def _cid(**kw: object) -> Field:
    return _f("customer_id", CUSTOMER_ID, T, required=True, width=12, **kw)


def _factor(key: str, label: Label, hint: tuple[str, str]) -> Field:
    return _f(key, label, N, minimum=1, maximum=5, width=10, hint=hint)


def _amount(key: str, label: Label, hint: tuple[str, str]) -> Field:
    """An amount in 万元 (or 元, by 设置 金额单位); the header may carry its unit: 预计金额（万元）."""
    extra = tuple(f"{alias}({unit})" for alias in (label.zh, *label.hant) for unit in ("万元", "萬元", "元"))
    return _f(key, Label(label.zh, label.hant, label.en, (*label.extra, *extra)), N, minimum=0, width=11,
              hint=hint, unit="万元")


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the workbook: its names and columns, in template order."""

    key: str
    label: Label
    fields: tuple[Field, ...]
    hint: tuple[str, str] = ("", "")
    extra_names: tuple[str, ...] = field(default=())

    @cached_property
    def by_key(self) -> dict[str, Field]:
        return {f.key: f for f in self.fields}

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header alias -> field key."""
        table: dict[str, str] = {}
        for f in self.fields:
            for alias in (*f.label.aliases(), f.key):
                table[norm(alias)] = f.key
                table[loose(alias)] = f.key
        return table

    def field_for_header(self, header: object) -> str | None:
        """The field key a header names, in any of the three forms, or None for an unknown column."""
        return self.header_lookup.get(norm(header)) or self.header_lookup.get(loose(header))

    def names(self) -> tuple[str, ...]:
        return (*self.label.aliases(), self.key, *self.extra_names)


CUSTOMERS = SheetSpec("customers", _l("客户", "客戶", "Customers", "客户表", "客户清单", "客戶清單"), (
    _cid(unique=True, hint=("每个客户一个唯一编号，其他表都用它关联到客户。", "One unique ID per account; every other sheet links to it.")),
    _f("customer_name", _l("客户名称", "客戶名稱", "Customer name"), required=True, width=26,
       hint=("单位全称。", "The organisation's full name.")),
    _f("credit_code", _l("统一社会信用代码", "統一社會信用代碼", "Credit code", "unified social credit code"), C, width=22,
       hint=("可不填；填写时须为 18 位，末位校验码正确。", "Optional; if given, 18 characters with a valid check character.")),
    _f("industry", _l("行业", "行業", "Industry"), E, choices=INDUSTRY, width=10,
       hint=("从下拉列表选择。", "Pick from the drop-down list.")),
    _f("segment", _l("细分领域", "細分領域", "Segment"), width=14, hint=("自由填写，如“三甲医院”。", "Free text, e.g. 'tertiary hospital'.")),
    _f("owner", _l("负责销售", "負責銷售", "Owner", "account owner"), required=True, width=10,
       hint=("对这个客户负责的销售。", "The rep accountable for the account.")),
    _f("stage", _l("开发阶段", "開發階段", "Stage"), E, choices=STAGE, width=12,
       hint=("客户当前所处的开发阶段。", "Where the account stands in the development process.")),
    _f("tier", _l("客户层级", "客戶層級", "Tier"), E, choices=TIER, width=10,
       hint=("与我方关系的紧密程度。", "How close the relationship is.")),
    _f("address", _l("地址", "地址", "Address"), width=30, hint=("办公地址。", "Office address.")),
    _f("created_on", _l("建档日期", "建檔日期", "Created on"), D, not_future=True, width=12,
       hint=("建立客户档案的日期。", "When the account was opened.")),
), hint=("每行一个客户。客户编号必须唯一，其他各表都用客户编号关联。",
         "One row per account. The customer ID must be unique; the other sheets refer to it."))

ASSESSMENT = SheetSpec("assessment", _l("价值评估", "價值評估", "Assessment", "客户评估", "客戶評估"), (
    _cid(unique=True, hint=("每个客户一行评估。", "One assessment row per account.")),
    _factor("share", _l("份额", "份額", "Share"), ("1-5 分：能拿到客户业务的份额越大分越高。", "1-5: the bigger the share of the customer's business we can win, the higher.")),
    _factor("business_value", _l("经营价值", "經營價值", "Business value"), ("1-5 分：这单生意对我方经营越有价值分越高。", "1-5: the more the deal is worth to our business, the higher.")),
    _factor("effort", _l("投入", "投入", "Effort"), ("1-5 分：需要的时间、人力、费用越多分越高。", "1-5: the more time, people and money it takes, the higher.")),
    _factor("deal_risk", _l("成交风险", "成交風險", "Deal risk"), ("1-5 分：拿不下单的风险越大分越高。", "1-5: the greater the risk of losing the deal, the higher.")),
    _factor("payment_risk", _l("付款风险", "付款風險", "Payment risk"), ("1-5 分：回款越没把握分越高。", "1-5: the less certain the payment, the higher.")),
    _factor("delivery_difficulty", _l("供货难度", "供貨難度", "Delivery difficulty"), ("1-5 分：我方供货越吃力、技术难度越大，分越高。", "1-5: the harder supply or technology is for us, the higher.")),
    _f("assessed_on", _l("评估日期", "評估日期", "Assessed on"), D, not_future=True, width=12, hint=("做这次评估的日期。", "When this assessment was made.")),
    _f("value_score", _l("价值分", "價值分", "Value score"), N, computed=True, width=9, hint=("由 kam 计算，请勿手填。", "Computed by kam; do not type here.")),
    _f("difficulty_score", _l("难度分", "難度分", "Difficulty score"), N, computed=True, width=9, hint=("由 kam 计算。", "Computed by kam.")),
    _f("grade", _l("等级", "等級", "Grade"), computed=True, width=9, hint=("A/B/C/D 或 信息不足，由 kam 计算。", "A/B/C/D or INSUFFICIENT, computed by kam.")),
    _f("advice", _l("建议", "建議", "Advice"), computed=True, width=22, hint=("对应等级的开发策略。", "The strategy that goes with the grade.")),
    _f("explanation", _l("说明", "說明", "Explanation"), computed=True, width=40, hint=("为什么是这个等级，差什么能升级。", "Why this grade, and what would lift it.")),
), hint=("每个客户一行，六个因素各打 1-5 分。前两项是价值，后四项是难度。",
         "One row per account; score six factors from 1 to 5. The first two measure value, the other four difficulty."))

CONTACTS = SheetSpec("contacts", _l("关键人", "關鍵人", "Contacts", "关键人物", "關鍵人物", "buying influences"), (
    _cid(hint=("此人所属客户的编号。", "The account this person belongs to.")),
    _f("name", _l("姓名", "姓名", "Name"), required=True, width=10, hint=("关键人姓名。", "The person's name.")),
    _f("role", _l("购买角色", "購買角色", "Role", "buying role"), E, choices=ROLE, width=12,
       hint=("决策者、技术把关者、使用者、教练四选一。", "Economic buyer, technical buyer, user buyer or coach.")),
    _f("title", _l("职务", "職務", "Title", "job title"), width=12, hint=("在客户单位的职务。", "Job title at the account.")),
    _f("mobile", _l("手机", "手機", "Mobile", "phone"), P, width=15, hint=("大陆手机号或座机，可带 +86。", "Mainland mobile or landline, +86 allowed.")),
    _f("birthday", _l("生日", "生日", "Birthday"), FieldType.BIRTHDAY, not_future=True, width=14, hint=("出生日期，按本人过生日的历法写：历法为农历时，所写的月日就是农历月日（1985-10-15 即农历十月十五）。也可写“农历十月十五”“腊月初八”“闰四月初八”，年份可省。", "Date of birth as the person keeps it: with the Lunar calendar the month and day written ARE the lunar ones (1985-10-15 = lunar 10th month, 15th day). Chinese forms such as 农历十月十五, 腊月初八, 闰四月初八 work too; the year may be left out.")),
    _f("calendar", _l("历法", "曆法", "Calendar"), E, choices=CALENDAR, width=8, hint=("公历（默认）或农历。", "Solar (default) or lunar.")),
    _f("personality", _l("性格类型", "性格類型", "Personality"), E, choices=PERSONALITY, width=10,
       hint=("老虎、孔雀、猫头鹰、无尾熊。", "Tiger, peacock, owl or koala.")),
    _f("influence", _l("影响力", "影響力", "Influence"), E, choices=LEVEL, width=8, hint=("对采购决定的影响：高/中/低。", "Weight in the buying decision: high/medium/low.")),
    _f("support", _l("支持度", "支持度", "Support"), E, choices=SUPPORT, width=8, hint=("对我方的态度：支持/中立/反对。", "Attitude to us: supportive/neutral/opposed.")),
    _f("contact_level", _l("接触度", "接觸度", "Contact level"), E, choices=LEVEL, width=8, hint=("我方与其接触的深度：高/中/低。", "How well we are in touch: high/medium/low.")),
    _f("our_contact", _l("我方对接人", "我方對接人", "Our contact", "相应对应者", "相應對應者"), width=10, hint=("我方谁与此人对接（方法中的“相应对应者”）。", "Who on our side works with this person.")),
    _f("reports_to", _l("上级", "上級", "Reports to", "superior"), width=10, hint=("此人在本单位的上级（填关键人姓名），用于画组织关系。", "This person's superior at the account (a contact's name), for the org tree.")),
    _f("gender", _l("性别", "性別", "Gender", "sex"), E, choices=GENDER, width=6, hint=("男或女，问候时称先生或女士。", "Male or female, for the greeting.")),
    _f("hometown", _l("籍贯", "籍貫", "Hometown", "老家"), width=10, hint=("老家在哪里，聊天时用得上。", "Where the person comes from.")),
    _f("interests", _l("兴趣爱好", "興趣愛好", "Interests", "爱好", "愛好", "hobbies"), width=16, hint=("喜欢什么，投其所好。", "What the person enjoys.")),
    _f("family", _l("家庭情况", "家庭情況", "Family"), width=16, hint=("家人情况，如孩子上学、老人身体。", "Family, e.g. children at school, parents' health.")),
    _f("style", _l("做事风格", "做事風格", "Style", "working style"), width=16, hint=("做决定和办事的习惯。", "How the person decides and works.")),
    _f("tenure_years", _l("任职年限", "任職年限", "Tenure years", "tenure"), N, minimum=0, width=8, hint=("在现职务上的年数。", "Years in the current post.")),
    _f("mailing_address", _l("通信地址", "通信地址", "Mailing address"), width=24, hint=("寄贺卡、礼品的地址。", "Where cards and gifts go.")),
), hint=("每个客户的采购影响人，每人一行。四种购买角色都要找到人。",
         "The buying influences of each account, one row per person. Find someone for each of the four roles."))

DEVELOPMENT = SheetSpec("development", _l("开发记录", "開發記錄", "Development", "大客户开发记录表", "大客戶開發記錄表", "development record"), (
    _f("recorded_on", _l("记录日期", "記錄日期", "Recorded on"), D, required=True, not_future=True, width=12,
       hint=("填写本条记录的日期，不能晚于今天。", "When this update was written; not after today.")),
    _cid(hint=("客户编号，须在客户表中存在。", "Customer ID; must exist in Customers.")),
    _f("sales_rep", _l("销售人员", "銷售人員", "Sales rep"), required=True, width=10, hint=("填写人。", "Who wrote the update.")),
    _f("decision_maker", _l("决策人", "決策人", "Decision maker"), width=10, hint=("客户方拍板的人。", "Who signs off at the account.")),
    _f("dm_title", _l("决策人职务", "決策人職務", "Decision maker title", "dm title"), width=12, hint=("决策人的职务。", "Their title.")),
    _f("dm_phone", _l("决策人电话", "決策人電話", "Decision maker phone", "dm phone"), P, width=15, hint=("手机或座机。", "Mobile or landline.")),
    _f("contact", _l("联系人", ("聯繫人", "聯絡人"), "Contact"), width=10, hint=("日常对接人。", "Day-to-day contact.")),
    _f("contact_title", _l("联系人职务", ("聯繫人職務", "聯絡人職務"), "Contact title"), width=12, hint=("联系人的职务。", "Their title.")),
    _f("contact_phone", _l("联系人电话", ("聯繫人電話", "聯絡人電話"), "Contact phone"), P, width=15, hint=("手机或座机。", "Mobile or landline.")),
    _f("project_status", _l("项目现状", "項目現狀", "Project status"), width=22, hint=("客户项目目前的情况。", "Where the customer's project stands.")),
    _f("project_start", _l("启动时间", ("啓動時間", "啟動時間"), "Project start"), D, width=12, hint=("项目计划或实际启动日期。", "Planned or actual project start.")),
    _f("proposal_author", _l("方案制作人", "方案製作人", "Proposal author"), width=10, hint=("我方负责写方案的人。", "Who writes our proposal.")),
    _f("implementer", _l("方案实施人", "方案實施人", "Implementer"), width=10, hint=("我方负责实施的人。", "Who delivers it.")),
    _f("our_progress", _l("跟进情况", "跟進情況", "Our progress", "我方跟紧情况", "我方跟緊情況", "我方跟进情况", "我方跟進情況"), width=22, hint=("我方本期做了什么。", "What we did this period.")),
    _f("competitors", _l("竞争对手", "競爭對手", "Competitors", "竞争对手详情", "競爭對手詳情"), width=16, hint=("在争这单的对手。", "Who else is competing.")),
    _f("next_week_plan", _l("下周对策", "下週對策", "Next week plan"), width=22, hint=("下周准备怎么做。", "What we will do next week.")),
    _f("stage", _l("开发阶段", "開發階段", "Stage"), E, choices=STAGE, width=12,
       hint=("本次更新时客户所处的阶段；按记录日期排起来就是阶段历史。", "The account's stage at this update; in date order, its stage history.")),
    _f("urgency", _l("需求紧迫度", "需求緊迫度", "Urgency"), E, choices=URGENCY, width=9, hint=("客户需求有多急：高/中/低。", "How urgent the need is: high/medium/low.")),
    _amount("budget", _l("预算金额", "預算金額", "Budget"), ("客户为这个项目准备的预算，单位万元。", "The customer's budget for the project, in 10,000 CNY.")),
    _f("budget_status", _l("预算状态", "預算狀態", "Budget status"), E, choices=BUDGET_STATUS, width=9,
       hint=("未知、申请中、已批复、已到位。", "Unknown, requested, approved or available.")),
    _amount("expected_amount", _l("预计金额", "預計金額", "Expected amount"), ("预计能签下的金额，单位万元。", "What we expect to sign, in 10,000 CNY.")),
    _f("expected_close", _l("预计签约日", "預計簽約日", "Expected close"), D, width=12, hint=("预计签约的日期，可以是将来。", "When we expect to sign; may lie ahead.")),
    _amount("won_amount", _l("成交金额", "成交金額", "Won amount"), ("实际签下的金额，结果为成功时填写。", "The amount signed; fill it in when won.")),
    _f("result", _l("开发结果", "開發結果", "Result"), E, choices=RESULT, width=9, hint=("进行中、成功或失败。", "In progress, won or lost.")),
    _f("contact_count", _l("累计接触次数", "累計接觸次數", "Contact count"), INT, minimum=0, width=10, hint=("到本次为止累计接触客户的次数。", "Contacts with the account so far.")),
    _f("total_days", _l("开发总时间(天)", "開發總時間(天)", "Total days", "开发总时间", "開發總時間"), INT, minimum=0, width=10, hint=("从开始开发到现在的天数。", "Days since development began.")),
    _f("reason_summary", _l("原因总结", "原因總結", "Reason summary"), width=22, hint=("结果为成功或失败时必填：为什么。", "Required when won or lost: why.")),
    _f("notes", _l("备注", "備註", "Notes"), width=18, hint=("其他说明。", "Anything else.")),
), hint=("大客户开发记录表：每个客户每次更新一行，记录决策人、进展、对手和下周对策。",
         "The development record: one row per account per update, with the decision maker, progress, rivals and next week's plan."))

VISITS = SheetSpec("visits", _l("拜访记录", "拜訪記錄", "Visits", "客户拜访记录表", "客戶拜訪記錄表", "客户走访日志", "客戶走訪日誌", "客戶走訪日志", "visit log"), (
    _f("visit_date", _l("拜访日期", "拜訪日期", "Visit date"), D, required=True, not_future=True, width=12,
       hint=("拜访当天的日期，不能晚于今天。", "The day of the visit; not after today.")),
    _cid(hint=("客户编号，须在客户表中存在。", "Customer ID; must exist in Customers.")),
    _f("visitor", _l("拜访人", "拜訪人", "Visitor"), required=True, width=10, hint=("谁去拜访的。", "Who made the visit.")),
    _f("visitee", _l("被访人", "被訪人", "Visitee", "met", "被拜访人"), width=12, hint=("见到的关键人姓名，多人用“、”分隔；不在关键人表里的是新面孔。", "The contacts met, separated by 、 or commas; a name not in Contacts is a new face.")),
    _f("method", _l("拜访方式", "拜訪方式", "Method"), E, required=True, choices=METHOD, width=10,
       hint=("面访、电话、视频、微信、短信、邮件、信函、活动。", "In-person, phone, video, WeChat, SMS, email, letter or event.")),
    _f("location", _l("地点", "地點", "Location", "place"), width=16, hint=("面访必须填写地点。", "Required for in-person visits.")),
    _f("purpose", _l("拜访目的", "拜訪目的", "Purpose"), width=16, hint=("这次去想达成什么。", "What the visit was meant to achieve.")),
    _f("key_points", _l("谈话要点", "談話要點", "Key points", "主要谈话要点", "主要談話要點"), required=True, width=30, hint=("谈了什么，必填。", "What was discussed; required.")),
    _f("customer_view", _l("客户想法", "客戶想法", "Customer view"), width=20, hint=("客户的态度和想法。", "What the customer thinks.")),
    _f("issues_found", _l("发现问题", "發現問題", "Issues found"), width=20, hint=("发现的问题；填了就要写跟进期限。", "Problems found; if filled, set a follow-up due date.")),
    _f("next_steps", _l("下一步", "下一步", "Next steps"), width=20, hint=("下一步行动。", "The next action.")),
    _f("follow_up_due", _l("跟进期限", "跟進期限", "Follow-up due"), D, width=12, hint=("最晚何时跟进，一般不超过拜访后 7 天。", "When to follow up by; normally within 7 days.")),
    _f("follow_up_done", _l("跟进完成", "跟進完成", "Follow-up done"), D, not_future=True, width=12, hint=("实际完成跟进的日期。", "When the follow-up was actually done.")),
    _f("issue_type", _l("问题类别", "問題類別", "Issue type"), E, choices=ISSUE_TYPE, width=9,
       hint=("发现问题属于投诉、建议、需求还是难题。", "Whether the issue is a complaint, suggestion, need or problem.")),
    _f("handed_to", _l("转交", "轉交", "Handed to"), width=10, hint=("问题转给谁处理；拜访人仍负责督办（谁走访谁督办）。", "Who the issue went to; the visitor still chases it.")),
    _f("resolution", _l("处理结果", "處理結果", "Resolution"), width=20, hint=("对发现问题做了什么。", "What was done about the issues found.")),
    _f("customer_informed", _l("告知客户", "告知客戶", "Customer informed"), D, not_future=True, width=12,
       hint=("把处理结果告诉客户的日期。", "When the customer was told the outcome.")),
    _f("satisfaction", _l("满意度", "滿意度", "Satisfaction"), INT, minimum=1, maximum=5, width=8,
       hint=("客户本次的满意程度，1-5 分，5 最满意。", "The customer's satisfaction this time, 1-5, 5 the best.")),
    _f("manager_comment", _l("负责人意见", "負責人意見", "Manager comment"), width=20, hint=("部门负责人每月审核后的意见。", "The manager's comment after the monthly review.")),
), hint=("客户拜访记录表：每次拜访一行。面访要写地点，发现问题要定跟进期限并按时完成。",
         "The visit log: one row per visit. In-person visits need a place; problems found need a follow-up date, kept."))

PLANS = SheetSpec("plans", _l("拜访计划", "拜訪計劃", "Plans", "visit plans", "拜访计划表", "拜訪計劃表"), (
    _f("planned_on", _l("计划日期", "計劃日期", "Planned on", "planned date"), D, required=True, width=12,
       hint=("打算去拜访的日期，可以是将来。", "The day the visit is planned for; may lie ahead.")),
    _cid(hint=("客户编号，须在客户表中存在。", "Customer ID; must exist in Customers.")),
    _f("visitor", _l("拜访人", "拜訪人", "Visitor"), required=True, width=10, hint=("谁去拜访。", "Who will visit.")),
    _f("visitee", _l("被访人", "被訪人", "Visitee", "met", "被拜访人"), width=12, hint=("打算见的关键人。", "Whom the visit is for.")),
    _f("method", _l("拜访方式", "拜訪方式", "Method"), E, choices=METHOD, width=10, hint=("同拜访记录。", "As in Visits.")),
    _f("purpose", _l("拜访目的", "拜訪目的", "Purpose"), required=True, width=18, hint=("这次去想达成什么，必填。", "What the visit is meant to achieve; required.")),
    _f("materials", _l("要带的资料", "要帶的資料", "Materials", "携带资料", "攜帶資料"), width=18, hint=("样品、方案、资料等。", "Samples, proposals, documents.")),
    _f("questions", _l("问话提纲", "問話提綱", "Questions", "question list"), width=24, hint=("准备问客户的问题。", "The questions prepared for the visit.")),
    _f("booked", _l("已预约", "已預約", "Booked", "appointment"), E, choices=YES_NO, width=7, hint=("是否已和客户约好。", "Whether the appointment is made.")),
), hint=("拜访计划：打算去的拜访写在这里，不要提前写进拜访记录。计划日期后 3 天内有对应拜访就算完成。",
         "Planned visits go here, not ahead into Visits. A plan is done by a visit of that customer by that visitor within 3 days of its date."))

TARGETS = SheetSpec("targets", _l("目标", "目標", "Targets", "销售目标", "銷售目標"), (
    _f("owner", _l("负责销售", "負責銷售", "Owner", "rep"), required=True, width=10, hint=("销售姓名，与客户表的负责销售一致。", "The rep, as named in Customers.")),
    _f("period", _l("期间", "期間", "Period"), required=True, width=10, hint=("2026-11、2026Q4 或 2026。", "2026-11, 2026Q4 or 2026.")),
    _f("visits", _l("拜访数", "拜訪數", "Visits"), INT, minimum=0, width=8, hint=("本期拜访次数目标。", "Visits to make in the period.")),
    _f("in_person_visits", _l("面访数", "面訪數", "In-person visits"), INT, minimum=0, width=8, hint=("其中面访次数目标。", "Of which in person.")),
    _f("new_accounts", _l("新建客户数", "新建客戶數", "New accounts"), INT, minimum=0, width=10, hint=("本期新建档客户数目标。", "New accounts to open.")),
    _amount("won_amount", _l("成交金额", "成交金額", "Won amount"), ("本期成交金额目标，单位万元。", "Amount to win in the period, in 10,000 CNY.")),
), hint=("部门经理给每位销售定的目标，每人每期一行。", "The manager's targets, one row per rep per period."))

SETTINGS = SheetSpec("settings", _l("设置", ("設置", "設定"), "Settings", "参数设置", "參數設置"), (
    _f("key", _l("参数", "參數", "Key", "parameter", "setting"), required=True, width=26, hint=("参数名，请勿改动。", "Setting name; do not change it.")),
    _f("value", _l("值", "值", "Value"), N, required=True, width=10, hint=("参数值，可按需调整。", "Its value; adjust as needed.")),
    _f("description", _l("含义", "含義", "Description", "说明", "說明"), width=48, hint=("参数的含义。", "What it means.")),
), hint=("评级权重、门槛和各项天数。删掉的参数按默认值计算。",
         "Grading weights, thresholds and day limits. A missing setting takes its default."))

#: The data sheets of SPEC §2, in template order (拜访计划 and 目标 are optional).
SHEETS: tuple[SheetSpec, ...] = (CUSTOMERS, ASSESSMENT, CONTACTS, DEVELOPMENT, VISITS, PLANS, TARGETS, SETTINGS)
SHEETS_BY_KEY: dict[str, SheetSpec] = {s.key: s for s in SHEETS}

#: The sheets of a rep's workbook (`kam new`, `kam demo`): 目标 is the manager's, in the macro workbook.
REP_SHEETS: tuple[SheetSpec, ...] = tuple(s for s in SHEETS if s is not TARGETS)

#: Sheets kam writes or ships besides the data sheets.
INSTRUCTIONS = _l("说明", "說明", "Instructions", "填写说明", "填寫說明")
RESULTS = _l("校验结果", "校驗結果", "Validation results")
BIRTHDAYS = _l("生日提醒", "生日提醒", "Birthdays")
AGENDA = _l("日程", "日程", "Agenda")

_SHEET_LOOKUP: dict[str, str] = {}
for _sheet in SHEETS:
    for _name in _sheet.names():
        _SHEET_LOOKUP[norm(_name)] = _sheet.key
        _SHEET_LOOKUP[loose(_name)] = _sheet.key


def sheet_for_name(name: object) -> SheetSpec | None:
    """The sheet spec a workbook sheet name stands for, in any of the three forms."""
    key = _SHEET_LOOKUP.get(norm(name)) or _SHEET_LOOKUP.get(loose(name))
    return SHEETS_BY_KEY[key] if key else None


def all_labels() -> list[Label]:
    """Every label of the schema: sheets, headers and enum values (for alias checks)."""
    labels: list[Label] = [s.label for s in SHEETS] + [INSTRUCTIONS, RESULTS, BIRTHDAYS]
    for s in SHEETS:
        labels.extend(f.label for f in s.fields)
    for c in CHOICES.values():
        labels.extend(c.values)
    return labels
