"""The context handed to a briefing template (SPEC §5): one plain dict per customer, display-ready text.

Every value is a string, a number, a bool, a list or a dict of those, in the chosen language, so a template
written in Word needs no formatting logic. addin/docs/templates.md (`kam brief --variables`) lists every variable.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from addin.core.birthdays import upcoming
from addin.core.findings import Finding, category
from addin.core.grading import FACTORS, GradedRow, grade_workbook
from addin.core.i18n import join, t
from addin.core.model import WorkbookData
from addin.core.parse import cell_text, customer_key, person_key, split_people
from addin.core.schema import ASSESSMENT, CHOICES, CONTACTS, CUSTOMERS, DEVELOPMENT, PLANS, ROLE, STAGE, VISITS, Choices
from addin.core.settings import VALUE_FACTORS
from addin.core.validation import Context, Parsed, build_context, validate

#: the findings a briefing lists as 风险提示 (risk notes) of the account
RED_FLAG_CODES = ("role-missing", "danger-zone", "opposed-influencer", "coach-not-supportive", "stage-ahead-of-grade",
                  "stage-no-assessment", "result-stage-mismatch", "new-face", "stage-gate", "close-date-passed",
                  "service-lapsed", "coach-neglected", "satisfaction-drop", "resolution-missing",
                  "customer-not-informed", "birthday-missed", "tier-grade-mismatch", "profile-thin")
RECENT_VISITS = 5

#: How to talk to each personality type, in our own words (zh, en).
HINTS: dict[str, tuple[str, str]] = {
    "老虎": ("开门见山：先给结论和收益，准备两三个可选方案请对方拍板，守时、少寒暄、别说教。",
             "Get to the point: lead with the conclusion and the gain, offer two or three options for them to decide, "
             "be punctual and brief."),
    "孔雀": ("热情互动：多谈愿景和成功案例，给对方表现和被认可的机会；口头答应的事会后用书面确认。",
             "Be warm and lively: talk vision and success stories, give them room to shine, and confirm what was "
             "agreed in writing afterwards."),
    "猫头鹰": ("用事实说话：带齐数据、案例和书面方案，讲清逻辑与风险控制，给足思考时间，不要催。",
               "Bring facts: data, references and a written proposal; explain the logic and how risks are handled, "
               "and give them time to think."),
    "无尾熊": ("先建立信任：态度温和有耐心，强调稳妥、服务和售后保障，帮对方减轻做决定的压力。",
               "Build trust first: be patient and gentle, stress safety, service and support, and take pressure off "
               "the decision."),
}

#: Labels templates can use as {{ L.key }} (zh, en).
LABELS: dict[str, tuple[str, str]] = {
    "title": ("客户拜访简报", "Customer briefing"),
    "customer_id": ("客户编号", "Customer ID"),
    "owner": ("负责销售", "Owner"),
    "industry": ("行业", "Industry"),
    "stage": ("开发阶段", "Stage"),
    "tier": ("客户层级", "Tier"),
    "date": ("日期", "Date"),
    "grade": ("等级", "Grade"),
    "grade_section": ("评级与原因", "Grade and why"),
    "summary_section": ("一页摘要", "At a glance"),
    "summary_answers": ("五问速览", "The five questions"),
    "summary_overdue": ("逾期跟进", "Overdue follow-ups"),
    "summary_ahead": ("近期生日与节日", "Birthdays and festivals ahead"),
    "summary_risks": ("风险与对策", "Risks and what to do"),
    "summary_people": ("这次要见的人", "People to meet"),
    "summary_contact": ("联系情况", "Contact so far"),
    "nothing": ("无", "none"),
    "detail_section": ("详细资料", "In detail"),
    "plan_section": ("拜访计划", "Visit plan"),
    "plan_purpose": ("这次拜访要推进的事", "What this visit should move forward"),
    "plan_changed": ("上次拜访以来的变化", "What changed since the last visit"),
    "plan_strengths": ("我们的优势", "Our strengths"),
    "plan_competitor": ("竞争对手", "Competitors"),
    "plan_blanks": ("由销售填写", "For the rep to fill in"),
    "plan_goal": ("本次目标（希望客户做出的承诺）", "Goal of this visit (the commitment we want)"),
    "plan_objections": ("可能的异议与应对", "Likely objections and our answers"),
    "plan_materials": ("要带的资料", "Materials to bring"),
    "advice": ("建议", "Advice"),
    "why": ("原因", "Why"),
    "value_score": ("价值分", "Value score"),
    "difficulty_score": ("难度分", "Difficulty score"),
    "factor": ("因素", "Factor"),
    "score": ("分数", "Score"),
    "axis": ("维度", "Axis"),
    "no_assessment": ("尚无价值评估。", "No assessment yet."),
    "roles_section": ("购买角色一览", "Buying roles"),
    "role": ("角色", "Role"),
    "people": ("关键人", "People"),
    "name": ("姓名", "Name"),
    "job_title": ("职务", "Title"),
    "mobile": ("手机", "Mobile"),
    "personality": ("性格", "Personality"),
    "hint": ("沟通提示", "How to talk to them"),
    "influence": ("影响力", "Influence"),
    "support": ("支持度", "Support"),
    "contact_level": ("接触度", "Contact"),
    "missing": ("尚未找到", "not found yet"),
    "red_flags": ("风险提示", "Risks"),
    "org_section": ("组织关系与我方对接人", "Who reports to whom, and our counterparts"),
    "no_org": ("还没有登记任何关键人。", "No key people listed yet."),
    "our_contact": ("我方对接人", "our contact"),
    "resolution": ("处理结果", "resolution"),
    "confidential": ("内部资料，注意保密", "Internal: confidential"),
    "deal": ("成交前景", "The deal"),
    "after_sales": ("售后", "After the sale"),
    "next_plan": ("下次计划拜访", "Next planned visit"),
    "questions_prepared": ("问话提纲", "Questions"),
    "approach_section": ("投其所好：决策者与教练", "Approaching the decision maker and the coach"),
    "no_approach": ("还没有登记决策者或教练。", "No decision maker or coach listed yet."),
    "no_profile": ("个人档案空白：请向教练了解籍贯、爱好、家庭和做事风格。", "No personal file yet: learn hometown, interests, family and style from the coach."),
    "no_profile_coach": ("个人档案空白：多和本人聊聊籍贯、爱好、家庭和做事风格。", "No personal file yet: talk with them about hometown, interests, family and style."),
    "issues_section": ("问题与投诉", "Issues and complaints"),
    "no_issues": ("没有未关闭的问题。", "No open issues."),
    "handed_to": ("转交", "handed to"),
    "satisfaction": ("满意度", "Satisfaction"),
    "booked": ("已预约", "booked"),
    "colon": ("：", ": "),  # punctuation of the language: no full-width colon or bracket in English
    "open": ("（", " ("),
    "close": ("）", ")"),
    "gap": ("　", "   "),
    "sep": ("；", "; "),  # between items of a list in running text
    "no_red_flags": ("暂无风险提示。", "No risks noted."),
    "development_section": ("最新开发进展", "Latest development"),
    "no_development": ("尚无开发记录。", "No development record yet."),
    "recorded_on": ("记录日期", "Recorded on"),
    "decision_maker": ("决策人", "Decision maker"),
    "project_status": ("项目现状", "Project status"),
    "our_progress": ("跟进情况", "Our progress"),
    "competitors": ("竞争对手", "Competitors"),
    "next_week_plan": ("下周对策", "Next week"),
    "result": ("开发结果", "Result"),
    "visits_section": ("最近拜访", "Recent visits"),
    "no_visits": ("尚无拜访记录。", "No visits logged yet."),
    "visit_date": ("日期", "Date"),
    "visitor": ("拜访人", "Visitor"),
    "method": ("方式", "Method"),
    "key_points": ("谈话要点", "Key points"),
    "follow_up": ("跟进", "Follow-up"),
    "follow_ups_section": ("待办跟进", "Open follow-ups"),
    "no_follow_ups": ("没有未完成的跟进。", "No open follow-ups."),
    "due": ("期限", "Due"),
    "item": ("事项", "Item"),
    "birthdays_section": ("近期生日", "Birthdays coming up"),
    "no_birthdays": ("近期没有关键人过生日。", "No birthdays in the window."),
    "questions_section": ("拜访前五问", "Five questions before the visit"),
}

_STATE = {
    "done": ("已完成 {date}", "done {date}"),
    "open": ("待完成，期限 {date}", "open, due {date}"),
    "overdue": ("已逾期 {days} 天（期限 {date}）", "overdue by {days} days (due {date})"),
    "none": ("", ""),
}

_QUESTIONS: dict[str, tuple[str, str]] = {
    "coach": ("教练：谁是（或可能成为）我们的教练？一位够不够？", "Coach: who is, or could become, our coach? Is one enough?"),
    "sale": ("正在进行的销售：每个购买角色都找到了吗？哪些人还没当面见过？需要教练帮我们多了解吗？",
             "The sale in progress: are all buyers identified? Whom have we not met face to face? Do we need the coach to learn more?"),
    "regroup": ("演员重组（采购班子有没有变）：预算或采购权有变化吗？有新面孔吗？有组织调整吗？确定谁最终拍板吗？",
                "Changes in the buying group: has the budget or buying power changed? New faces? A reorganisation? Do we know who makes the final decision?"),
    "questions": ("问话提纲：这次要问的问题准备好了吗？", "Question list: is the list for this visit ready?"),
    "written": ("文字沟通：最近有没有用短信、微信、邮件或信函联系？", "Written contact: have we used SMS, WeChat, email or letters lately?"),
}
_ANSWERS: dict[str, tuple[str, str]] = {
    "coach.yes": ("教练：{names}。", "Coach: {names}."),
    "coach.one": ("只有一位，最好再培养一位。", "Only one; better develop a second."),
    "coach.maybe": ("还没有教练；可以培养：{names}（支持我们且接触多）。", "No coach yet; candidates: {names} (supportive, in close contact)."),
    "coach.no": ("还没有教练，也没有明显人选：从支持我们的使用者或技术把关者中物色。", "No coach and no obvious candidate yet: look among the supportive users or technical buyers."),
    "coach.false": ("另有{names}标为教练但不支持我们，不算数。", "{names} marked as coach but not supportive do not count."),
    "sale.roles_ok": ("四种购买角色都已找到。", "All four buying roles are identified."),
    "sale.roles_missing": ("还缺：{roles}。", "Still missing: {roles}."),
    "sale.unmet": ("还没当面见过{names}。", "Not yet met face to face: {names}."),
    "sale.coach_unmet": ("还没当面见过教练{names}，尽快约见。", "The coach, {names}, not yet met face to face: meet soon."),
    "sale.no_coach_ask": ("找机会当面拜访，或请已认识的人引见。", "Find a chance to meet them, or ask someone you know for an introduction."),
    "sale.all_met": ("登记的关键人都当面见过。", "Every listed person has been met face to face."),
    "sale.no_contacts": ("还没有登记任何关键人。", "No key people listed yet."),
    "sale.ask_coach": ("可请教练{coach}帮忙摸清想法。", "Ask the coach, {coach}, to find out where they stand."),
    "regroup.budget": ("项目现状和客户想法：{text}。", "Project status and the customer's view: {text}."),
    "regroup.budget_none": ("记录里没有预算或采购权的信息，需要问。", "Nothing recorded on budget or buying power: ask."),
    "regroup.new": ("新面孔：{names}，请补进关键人表。", "New faces: {names}; add them to Contacts."),
    "regroup.no_new": ("拜访和开发记录中没有新面孔。", "No new faces in the visits or development records."),
    "regroup.no_records": ("还没有拜访或开发记录，无从判断人员变化。", "No visits or development records yet: changes cannot be told."),
    "regroup.dm_changed": ("决策人由{old}变为{new}：组织可能有调整。", "The decision maker changed from {old} to {new}: a reorganisation may be under way."),
    "regroup.decider": ("拍板的人：{names}（决策者，影响力高）。", "Final decision: {names} (economic buyer, high influence)."),
    "regroup.no_decider": ("还不确定谁最终拍板（没有影响力高的决策者）。", "Not sure who makes the final decision (no economic buyer with high influence)."),
    "questions.open": ("未完成的跟进 {open} 项（其中 {overdue} 项已逾期）", "open follow-ups: {open} ({overdue} overdue)"),
    "questions.open_none_overdue": ("未完成的跟进 {open} 项", "open follow-ups: {open}"),
    "questions.issues": ("未办完的跟进（{items}）", "follow-ups not done: {items}"),
    "questions.view": ("客户上次说“{view}”", "the customer's last view: {view}"),
    "questions.ready": ("问话提纲还没写，可以从这些事问起：{items}。", "No question list yet; start from: {items}."),
    "questions.also": ("还可以问：{items}。", "Also worth asking: {items}."),
    "questions.prepared": ("已准备：{date} 的拜访计划里写了问话提纲（{questions}）。", "Prepared: the plan for {date} has its questions ({questions})."),
    "questions.empty": ("记录里没有未决事项；请事先写好问话提纲。", "Nothing open on record; write the question list beforehand."),
    "written.last": ("最近一次书面联系：{date}（{method}）。", "Last written contact: {date} ({method})."),
    "written.none": ("还没有书面联系记录：重要的事会后用短信、微信或邮件确认。", "No written contact on record: confirm what matters by SMS, WeChat or email after a meeting."),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _show(value: Any, lang: str, choices: Choices | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if choices is not None and isinstance(value, str):
        return choices.display(value, lang)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)


def _row(parsed: Parsed, i: int, keys: list[str], lang: str) -> dict[str, Any]:
    """One row as display text: typed values where parsed, raw text otherwise."""
    out: dict[str, Any] = {}
    spec = parsed.table.spec
    for key in keys:
        choices = spec.by_key[key].choices if key in spec.by_key else None
        values = parsed.typed.get(key)
        out[key] = _show(values[i], lang, choices) if values is not None else parsed.text(key, i)
    return out


@dataclass
class _Index:
    """Rows of each sheet grouped by customer, built once for all briefings."""

    rows: dict[str, dict[str, list[int]]]

    def of(self, sheet: str, cid: str) -> list[int]:
        return self.rows.get(sheet, {}).get(cid, [])


def _index(ctx: Context) -> _Index:
    rows: dict[str, dict[str, list[int]]] = {}
    for key, parsed in ctx.sheets.items():
        groups: dict[str, list[int]] = defaultdict(list)
        for i, cid in enumerate(parsed.ids):
            if cid:
                groups[cid].append(i)
        rows[key] = groups
    return _Index(rows)


def customer_names(book: WorkbookData) -> dict[str, str]:
    """客户编号 -> 客户名称 from 客户, the first row winning for a repeated ID (as in validation, briefings and
    birthdays; the later row is a duplicate-key finding)."""
    table = book.get("customers")
    names: dict[str, str] = {}
    if table is not None and table.has("customer_id"):
        for _, values in table.rows:
            names.setdefault(customer_key(table.raw(values, "customer_id")), cell_text(table.raw(values, "customer_name")))
    return names


def build_briefings(book: WorkbookData, today: date, lang: str = "zh",
                    customers: list[str] | None = None, grades: list[str] | None = None) -> list[dict[str, Any]]:
    """One context per customer of 客户 (in sheet order), filtered by IDs and/or grades when given."""
    ctx = build_context(book, today)
    report = validate(book, today, ctx)
    graded = {g.customer_id: g for g in grade_workbook(book).grades}
    flags: dict[str, list[Finding]] = defaultdict(list)
    reminders: dict[str, list[Finding]] = defaultdict(list)  # every 销售提醒 of the account, for page 1
    account_sheet = ctx.sheets["customers"].table.name if "customers" in ctx.sheets else None
    contact_sheet = ctx.sheets["contacts"].table.name if "contacts" in ctx.sheets else None
    wrong: set[int] = set()  # a mobile 校验 found wrong is printed with that said: no number dialled in vain
    for f in report.findings:
        if f.code == "bad-phone" and f.sheet == contact_sheet and f.field == "mobile" and f.row is not None:
            wrong.add(f.row)
        if f.code in RED_FLAG_CODES and f.customer_id:
            flags[f.customer_id].append(f)
        account_level = f.sheet == account_sheet and (not f.column or f.code == "duplicate-account")
        if f.customer_id and (category(f.code) == "reminder" or account_level):
            reminders[f.customer_id].append(f)  # and every account-level finding (no assessment, result vs stage)
    wrong_phones = frozenset(wrong)
    index = _index(ctx)
    out = []
    cust = ctx.sheets.get("customers")
    if cust is None:
        return []
    wanted = {customer_key(c) for c in customers} if customers else None
    for cid, i in ctx.customer_rows.items():
        if wanted is not None and cid not in wanted:
            continue
        g = graded.get(cid)
        letter = g.grade.grade if g else None
        if grades and (letter or "") not in grades:
            continue
        out.append(_briefing(ctx, index, cust, i, cid, g, flags.get(cid, []), reminders.get(cid, []), today, lang,
                             wrong_phones))
    return out


def _briefing(ctx: Context, index: _Index, cust: Parsed, i: int, cid: str, graded: GradedRow | None,
              flags: list[Finding], reminders: list[Finding], today: date, lang: str,
              wrong_phones: frozenset[int] = frozenset()) -> dict[str, Any]:
    account = _row(cust, i, [f.key for f in CUSTOMERS.fields if f.key in cust.raw], lang)
    for f in CUSTOMERS.fields:
        account.setdefault(f.key, "")
    contacts = _contacts(ctx, index, cid, lang, wrong_phones)
    visits, follow_ups = _visits(ctx, index, cid, today, lang)
    development = _development(ctx, index, cid, lang)
    roles = []
    for role in ROLE.values:
        people = [c["name"] for c in contacts if c["role_key"] == role.zh]
        roles.append({"role": role.text(lang), "people": join(people, lang), "missing": not people})
    birthday_people = [(cid, account["customer_name"], c["name"], c["role_key"] or None, c["_born"], c["_calendar"])
                       for c in contacts]
    birthdays = [{"name": b.name, "role": _show(b.role, lang, ROLE), "calendar": _show(b.calendar, lang, CHOICES["calendar"]),
                  "birthday": b.shown, "next_date": b.next_date.isoformat(), "days_until": b.days_until,
                  # ready to print: 农历冬月二十 says its calendar itself; a 公历 date gets it in front
                  "born": b.shown if b.calendar == "农历" and lang == "zh" else
                  f"{_show(b.calendar, lang, CHOICES['calendar'])} {b.shown}",
                  "in_days": t("brief.today", lang) if b.days_until == 0 else t("brief.in_days", lang,
                                                                                    days=b.days_until)}
                 for b in upcoming(birthday_people, today, ctx.settings.birthday_window_days)]
    for c in contacts:
        del c["_born"], c["_calendar"]
    deal = _deal(ctx, index, cid, today, lang)
    next_plan = _next_plan(ctx, index, cid, today, lang)
    stage_key = (cust.typed.get("stage") or [None] * len(cust))[i]
    questions = _questions(contacts, roles, development, follow_ups, ctx, index, cid, lang, next_plan)
    touch = _touch(ctx, index, cid, today, lang)
    return {
        "lang": lang,
        "L": {k: _pick(v, lang) for k, v in LABELS.items()},
        "today": today.isoformat(),
        "account": account,
        "assessment": _assessment(ctx, index, cid, graded, lang),
        "contacts": contacts,
        "roles": roles,
        "roles_missing": join([str(r["role"]) for r in roles if r["missing"]], lang),
        "org_tree": _org_tree(contacts, lang),
        "red_flags": [{"code": f.code, "text": f.message(lang)} for f in flags],
        "latest_development": development,
        "visits": visits,
        "open_follow_ups": follow_ups,
        "birthdays": birthdays,
        "questions": questions,
        "summary": _summary(account, graded, questions, follow_ups, birthdays, reminders, today, lang,
                            Page1(ctx, stage_key, touch, contacts, next_plan)),
        "plan": _plan(ctx, index, cid, contacts, development, follow_ups, lang, stage_key),
        "counts": {"visits": len(index.of("visits", cid)), "contacts": len(contacts)},
        "deal": deal,
        "approach": _approach(contacts, lang),
        "next_plan": next_plan,
        "after_sales": _after_sales(ctx, index, cid, today, lang),
        "issues": _issues(ctx, index, cid, today, lang),
        "satisfaction": _satisfaction(ctx, index, cid, lang),
    }


#: what to do about each kind of risk note (the method's advice, in a sentence a rep can act on)
_ACTIONS: dict[str, tuple[str, str]] = {
    "role-missing": ("请教练或已认识的人引见，把缺的购买角色找出来。", "Ask the coach or a known contact to introduce the missing buyer."),
    "danger-zone": ("通过教练、高层对高层或书面材料间接影响此人。", "Reach this person indirectly: through the coach, senior-level contact or written material."),
    "opposed-influencer": ("先弄清反对的原因，再请支持者或高层出面化解。", "Find out why first, then let a supporter or a senior contact address it."),
    "coach-not-supportive": ("核实此人的真实态度，另外培养一位真正支持我们的教练。", "Check where this person really stands and develop a coach who wants us to win."),
    "stage-ahead-of-grade": ("复核价值评估；评估不变就收缩投入。", "Review the assessment; if it stands, scale back the effort."),
    "stage-no-assessment": ("先做价值评估，再继续推进关系。", "Assess the account before building the relationship further."),
    "result-stage-mismatch": ("更新开发阶段或开发结果，让两处一致。", "Update the stage or the result so that they agree."),
    "new-face": ("了解新面孔的角色和态度，并补进关键人表。", "Find out the new person's role and stance, and add them to Contacts."),
    "stage-gate": ("先补上这一关再往下推进，不要跳阶段。", "Pass this gate before moving on; do not skip a stage."),
    "close-date-passed": ("和客户确认新的签约时间，更新预计签约日。", "Agree a new signing date with the customer and update the forecast."),
    "service-lapsed": ("尽快安排售后回访，了解使用情况和新需求。", "Arrange a service visit soon: how it is used, what is needed next."),
    "coach-neglected": ("本周内约教练见面或通个电话。", "Meet or call the coach this week."),
    "satisfaction-drop": ("弄清不满的原因，请主管一起上门回访。", "Find out what went wrong and visit with your manager."),
    "resolution-missing": ("督促转交的同事给出处理结果（谁走访谁督办）。", "Chase whoever the issue went to for a resolution: the visitor is responsible."),
    "customer-not-informed": ("把处理结果告诉客户，并记下告知日期。", "Tell the customer the outcome and record the date."),
    "birthday-missed": ("补一个问候，下次生日提前安排。", "Send belated wishes and put the next birthday in the calendar."),
    "tier-grade-mismatch": ("复核客户层级和价值评估，统一两处。", "Review the tier and the assessment so they agree."),
    "profile-thin": ("向教练了解决策者的籍贯、爱好、家庭和做事风格。", "Learn the decision maker's hometown, interests, family and style from the coach."),
    "follow-up-overdue": ("把逾期的跟进办完，填上跟进完成日期。", "Finish the overdue follow-up and fill in the date it was done."),
    "visit-overlap": ("和同事商定由谁主跑这家客户。", "Agree with your colleague who leads this account."),
    "stale-account": ("尽快约一次拜访。", "Book a visit soon."),
    "assessment-stale": ("重新做一次价值评估，更新评估日期。", "Assess the account again and update the date."),
    "callback-missing": ("给客户打电话回访，并记进拜访记录。", "Call the customer back and log the call."),
    "review-missing": ("请负责人审阅拜访记录，写下意见。", "Ask your manager to review the visits and comment."),
    "plan-missed": ("补记这次拜访，或和客户另约时间。", "Log the visit, or agree a new date with the customer."),
    "insufficient-info": ("补齐价值评估的六个因素。", "Fill in the six factors of the assessment."),
    "duplicate-account": ("与主管确认后合并为一个客户编号。", "Merge the two into one customer ID with your manager."),
}


#: the risks that cannot wait, first on page 1 whatever else there is: a customer let down or a date passed
URGENT_RISKS = ("resolution-missing", "satisfaction-drop", "service-lapsed", "customer-not-informed", "close-date-passed")


def _said_already(finding: Finding, roles_missing: set[str]) -> bool:
    """A stage gate whose missing roles a role-missing note already names (one risk told once on page 1)."""
    missing = finding.params.get("missing") if finding.code == "stage-gate" else None
    return isinstance(missing, list) and bool(missing) and all(getattr(r, "zh", "") in roles_missing for r in missing)


@dataclass(frozen=True)
class Page1:
    """What page 1 needs beyond the summary's own inputs: the stage, the last contacts, the people."""

    ctx: Context
    stage: str | None
    touch: dict[str, Any]
    contacts: list[dict[str, Any]]
    next_plan: dict[str, Any]


#: the extra risks page 1 adds to the findings, with what to do (zh, en)
_PAGE1: dict[str, tuple[str, str]] = {
    "grade-d": ("评为 D 级，建议{advice}", "graded D: {advice}"),
    "grade-d.action": ("减少投入，只做必要的关系维护，把时间留给 A、B 级客户。", "Scale back: keep in touch only as needed and give the time to the A and B accounts."),
    "abandon.action": ("与主管商量是否收缩投入，把时间留给更值得投入的客户。", "Agree with your manager whether to scale back, and give the time to accounts that repay it."),
    "role-missing.coach": ("从支持我们、接触多的人里培养一位教练。", "Develop a coach among the supportive people you see often."),
    "terminated": ("客户已终止，不再推进销售", "the account is closed as lost: no sale is being pursued"),
    "terminated.action": ("只做关系维护；客户重新有需求时，再更新开发阶段。", "Keep in touch only; update the stage if the customer needs something again."),
    "silent": ("已 {days} 天没有联系（上次 {date}，{method}），超过 {limit} 天", "no contact for {days} days (last on {date}, {method}), more than {limit}"),
    "silent.never": ("还没有任何拜访或联系记录", "no visit or contact on record"),
    "silent.action": ("本周内联系一次，了解近况。", "Get in touch this week and hear how things stand."),
    "silent.never.action": ("先打电话或拜访，建立第一次联系。", "Call or visit to make the first contact."),
    "more": ("（同类共 {count} 条）", " ({count} like this)"),
    "no_phone": ("未留手机", "no mobile on file"),
    "wrong_phone": ("（号码有误）", " (wrong number)"),
    "last_face": ("上次面访 {date}，{visitor}见了{visitee}", "Last in-person visit {date}: {visitor} met {visitee}"),
    "last_face.nobody": ("上次面访 {date}，拜访人{visitor}", "Last in-person visit {date}, by {visitor}"),
    "last_face.none": ("还没有面访记录", "No in-person visit on record"),
    "last_contact": ("最近一次联系 {date}（{method}）", "last contact {date} ({method})"),
}


def _summary(account: dict[str, Any], graded: GradedRow | None, questions: list[dict[str, Any]],
             follow_ups: list[dict[str, Any]], birthdays: list[dict[str, Any]], reminders: list[Finding],
             today: date, lang: str, page: Page1) -> dict[str, Any]:
    """The one-page summary: grade, advice and why, the stage, the last contacts, the people to meet with
    their phones, the five answers in a line each, what is overdue, birthdays and festivals ahead, and every
    risk of the account (each kind once), each with what to do."""
    from addin.core.agenda import festival_dates

    record = graded.to_dict(lang) if graded is not None else {}
    grade = record.get("grade_label") or t("grade.none", lang)
    why = record.get("explanation") or ""
    ahead = [f"{b['next_date']} {b['name']}{_pick(LABELS['open'], lang)}{b['in_days']}{_pick(LABELS['close'], lang)}"
             for b in birthdays]
    if grade in ("A", "B") and page.stage != "已终止":
        for key, when, only in festival_dates(today, today + timedelta(days=30)):
            if only is None or account.get("industry") in (only, CHOICES["industry"].display(only, lang)):
                ahead.append(f"{when.isoformat()} {t(f'agenda.festival.{key}', lang)}")
    return {
        "grade": grade,
        "advice": record.get("advice") or "",
        "why": why,
        "stage": account.get("stage", ""),
        "answers": [q["answer"] for q in questions],
        "overdue": [f"{f['due']} {f['item']}" for f in follow_ups if f["overdue"]],
        "ahead": sorted(ahead),
        "risks": _risks(graded, reminders, page, lang),
        "last_face": page.touch["face_line"],
        "last_contact": page.touch["contact_line"],
        "people": [] if page.stage == "已终止" else _people_to_meet(page.contacts, page.next_plan, questions, lang),
    }


def _risks(graded: GradedRow | None, reminders: list[Finding], page: Page1, lang: str) -> list[dict[str, str]]:
    """Every risk of the account, most pressing first: the abandon line or a D grade, a closed account, the
    days without contact past a_visit_interval_days, then each kind of reminder once (with how many)."""
    out: list[dict[str, str]] = []
    grade = graded.grade if graded is not None else None
    if grade is not None and grade.abandon:
        line = next((p for p in grade.parts if p.key.startswith("grade.expl.abandon")), None)
        if line is not None:
            out.append({"code": "abandon", "text": t(line.key, lang, **line.params),
                        "action": _pick(_PAGE1["abandon.action"], lang)})
    elif grade is not None and grade.grade == "D":
        out.append({"code": "grade-d", "text": _pick(_PAGE1["grade-d"], lang).format(advice=grade.advice(lang)),
                    "action": _pick(_PAGE1["grade-d.action"], lang)})
    silent = False
    if page.stage == "已终止":
        out.append({"code": "terminated", "text": _pick(_PAGE1["terminated"], lang),
                    "action": _pick(_PAGE1["terminated.action"], lang)})
    else:
        limit = page.ctx.settings.a_visit_interval_days
        touch = page.touch
        if any(f.code == "service-lapsed" for f in reminders):
            silent = True  # a won account's silence is told once, by its own service interval
        elif touch["last_contact"] is None:
            silent = True
            out.append({"code": "silent", "text": _pick(_PAGE1["silent.never"], lang),
                        "action": _pick(_PAGE1["silent.never.action"], lang)})
        elif touch["days_silent"] > limit:
            silent = True
            out.append({"code": "silent", "text": _pick(_PAGE1["silent"], lang).format(
                days=touch["days_silent"], date=touch["last_contact"], method=touch["last_method"], limit=limit),
                "action": _pick(_PAGE1["silent.action"], lang)})
    order = {code: i for i, code in enumerate((*URGENT_RISKS, *_ACTIONS))}
    roles_missing = {str(getattr(f.params.get("role"), "zh", "")) for f in reminders if f.code == "role-missing"}
    kinds: dict[str, list[Finding]] = defaultdict(list)
    for f in reminders:
        if _said_already(f, roles_missing) or (silent and f.code == "stale-account"):
            continue  # one risk told once on page 1
        if page.stage == "已终止" and f.code in ("callback-missing", "coach-neglected", "stale-account"):
            continue  # no sale to push on a closed account
        if f.code == "callback-missing" and str(f.params.get("date", "")) < (page.touch["last_contact"] or ""):
            continue  # a contact since that 面访: nothing to call back about now
        kinds[f.code].append(f)
    for code in sorted(kinds, key=lambda c: order.get(c, len(order))):
        found = kinds[code]
        text = found[0].message(lang).rstrip("。.")
        if len(found) > 1 and code != "role-missing":
            text += _pick(_PAGE1["more"], lang).format(count=len(found))
        elif code == "role-missing":
            text = join([f.message(lang).rstrip("。.") for f in found], lang) if lang == "en" else \
                "；".join(f.message(lang).rstrip("。") for f in found)
        coach = code == "role-missing" and all(getattr(f.params.get("role"), "zh", "") == "教练" for f in found)
        action = _PAGE1["role-missing.coach"] if coach else _ACTIONS.get(code, ("", ""))
        out.append({"code": code, "text": text, "action": _pick(action, lang)})
    for risk in out:  # an English risk is a sentence of its own
        risk["text"] = risk["text"][:1].upper() + risk["text"][1:] if lang == "en" else risk["text"]
    return out


def _touch(ctx: Context, index: _Index, cid: str, today: date, lang: str) -> dict[str, Any]:
    """The account's last contact of any kind and its last 面访 (visits after today are future-date errors)."""
    visits = ctx.sheets.get("visits")
    out: dict[str, Any] = {"last_contact": None, "last_method": "", "days_silent": 0, "contact_line": "",
                           "face_line": _pick(_PAGE1["last_face.none"], lang)}
    if visits is None or "visit_date" not in visits.typed:
        return out
    dates = visits.typed["visit_date"]
    methods = visits.typed.get("method") or [None] * len(visits)
    rows = sorted((i for i in index.of("visits", cid) if dates[i] is not None and dates[i] <= today),
                  key=lambda i: (dates[i], i), reverse=True)
    if not rows:
        return out
    last = rows[0]
    method = _show(methods[last], lang, CHOICES["method"]) or "—"
    out.update(last_contact=dates[last].isoformat(), last_method=method, days_silent=(today - dates[last]).days,
               contact_line=_pick(_PAGE1["last_contact"], lang).format(date=dates[last].isoformat(), method=method))
    face = next((i for i in rows if methods[i] == "面访"), None)
    if face is not None:
        visitee = join(split_people(visits.text("visitee", face)), lang) if "visitee" in visits.raw else ""
        key = "last_face" if visitee else "last_face.nobody"
        out["face_line"] = _pick(_PAGE1[key], lang).format(date=dates[face].isoformat(),
                                                          visitor=visits.text("visitor", face) or "—", visitee=visitee)
        points = visits.text("key_points", face)
        if points:
            out["face_line"] += _pick(LABELS["open"], lang) + points + _pick(LABELS["close"], lang)
    return out


def _people_to_meet(contacts: list[dict[str, Any]], next_plan: dict[str, Any], questions: list[dict[str, Any]],
                    lang: str) -> list[dict[str, str]]:
    """Whom this visit is about, with their mobile: the people the next plan names, else the final decision
    makers, the coach and those not yet met face to face (at most five)."""
    by_name = {c["name"]: c for c in contacts if c["name"]}
    wanted: list[str] = []
    if next_plan.get("present") and next_plan.get("visitee"):
        wanted = split_people(next_plan["visitee"])
    if not wanted:
        wanted = [c["name"] for c in contacts if c["role_key"] == "决策者"]
        wanted += [c["name"] for c in contacts if c["role_key"] == "教练" and c["support_key"] == "支持"]
        wanted += questions[1].get("unmet", []) if len(questions) > 1 else []
    out = []
    for name in list(dict.fromkeys(wanted))[:5]:
        c = by_name.get(name, {})
        phone = c.get("mobile", "")
        role = c.get("role", "")
        out.append({"name": name, "role": role, "phone": phone,
                    "text": name + _pick(LABELS["open"], lang) + (role + _pick(("，", ", "), lang) if role else "")
                    + (phone or _pick(_PAGE1["no_phone"], lang)) + _pick(LABELS["close"], lang)})
    return out


def _plan(ctx: Context, index: _Index, cid: str, contacts: list[dict[str, Any]], development: dict[str, Any],
          follow_ups: list[dict[str, Any]], lang: str, stage: str | None = None) -> dict[str, Any]:
    """What a pre-visit plan holds that the workbook can fill: the purpose (the latest 下一步 not yet done,
    else 下周对策; none on a closed account), what changed since the last visit, strengths beside the risks,
    the competitor as recorded."""
    visits = ctx.sheets.get("visits")
    rows = index.of("visits", cid)
    closed = stage == "已终止"
    step, done = _open_next_step(visits, rows)
    week = development.get("next_week_plan", "")
    purpose = "" if closed else step or (week if week not in done else "")
    changed = []
    view = _last_text(visits, rows, "customer_view")
    if view:
        changed.append(_pick(("客户上次说“{view}”", "The customer last said: {view}"), lang).format(view=view))
    open_issues = [f["item"] for f in follow_ups]
    if open_issues:
        changed.append(_pick(("还有未办完的事（{items}）", "Still open: {items}"), lang).format(
            items=join(open_issues[:3], lang)))
    if development.get("project_status"):
        changed.append(_pick(("项目现状为“{status}”", "Project status: {status}"), lang).format(
            status=development["project_status"]))
    strengths = [c["name"] + _pick(LABELS["open"], lang) + c["role"] + _pick(LABELS["close"], lang)
                 for c in contacts if c["support_key"] == "支持" and c["influence_key"] in ("高", "中")]
    return {
        "purpose": purpose if not closed else _pick(("客户已终止，本次不推进销售，只做关系维护",
                                                     "the account is closed: keep in touch, no sale to push"), lang),
        "closed": closed,
        "changed": changed,
        "strengths": _pick(("支持我们的关键人有", "Supportive key people: "), lang) + join(strengths, lang)
        if strengths else "",
        "competitors": development.get("competitors", ""),
    }


def _open_next_step(visits: Parsed | None, rows: list[int]) -> tuple[str, set[str]]:
    """The latest 下一步 whose follow-up is not done yet, and every 下一步 already done (history, never a goal)."""
    if visits is None or "next_steps" not in visits.raw or not rows:
        return "", set()
    dates = visits.typed.get("visit_date") or [None] * len(visits)
    finished = visits.typed.get("follow_up_done") or [None] * len(visits)
    done = {visits.text("next_steps", i) for i in rows if finished[i] is not None} - {""}
    for i in sorted(rows, key=lambda i: (dates[i] or date.min, i), reverse=True):
        text = visits.text("next_steps", i)
        if text:
            return ("" if finished[i] is not None else text), done
    return "", done


def _org_tree(contacts: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The account's people in reporting order (上级 first, each person's reports under them), with role,
    influence, support and our counterpart (我方对接人); `depth` and `indent` show the level."""
    names = {c["name"] for c in contacts if c["name"]}
    under: dict[str, list[dict[str, Any]]] = defaultdict(list)
    roots = []
    for c in contacts:
        boss = c.get("reports_to", "")
        if boss and boss in names and boss != c["name"]:
            under[boss].append(c)
        else:
            roots.append(c)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def walk(c: dict[str, Any], depth: int) -> None:
        if c["name"] in seen:  # a loop in 上级: show each person once
            return
        seen.add(c["name"])
        out.append({"name": c["name"], "role": c["role"], "influence": c["influence"], "support": c["support"],
                    "our_contact": c.get("our_contact", ""), "reports_to": c.get("reports_to", ""),
                    "depth": depth, "indent": ("　" if lang == "zh" else "  ") * 2 * depth + ("└ " if depth else "")})
        for child in under.get(c["name"], []):
            walk(child, depth + 1)

    for c in roots:
        walk(c, 0)
    for c in contacts:  # people only reachable through a loop
        walk(c, 0)
    return out


def _assessment(ctx: Context, index: _Index, cid: str, graded: GradedRow | None, lang: str) -> dict[str, Any]:
    parsed = ctx.sheets.get("assessment")
    rows = index.of("assessment", cid)
    if parsed is None or not rows or graded is None:
        return {"present": False, "grade": "", "advice": "", "explanation": "", "value_score": "",
                "difficulty_score": "", "abandon": False, "factors": [], "assessed_on": ""}
    i = rows[0]
    record = graded.to_dict(lang)
    factors = []
    for key in FACTORS:
        values = parsed.typed.get(key)
        axis = "axis.value" if key in VALUE_FACTORS else "axis.difficulty"
        factors.append({"key": key, "label": ASSESSMENT.by_key[key].label.text(lang),
                        "value": _show(values[i], lang) if values is not None else "", "axis": t(axis, lang)})
    return {
        "present": True,
        # an ungraded row (a bad factor, broken settings) says so and why, never a blank grade
        "grade": record["grade_label"],
        "advice": record["advice"] or record["explanation"],
        "explanation": record["explanation"],
        "value_score": "" if record["value_score"] is None else f"{record['value_score']:.2f}",
        "difficulty_score": "" if record["difficulty_score"] is None else f"{record['difficulty_score']:.2f}",
        "abandon": record["abandon"],
        "factors": factors,
        "assessed_on": _show(parsed.typed["assessed_on"][i], lang) if "assessed_on" in parsed.typed else "",
    }


def _mentioned(ctx: Context, index: _Index, cid: str) -> str:
    """All the text of the customer's visits and development records, to see whom we have met."""
    parts: list[str] = []
    for sheet, keys in (("visits", ("purpose", "key_points", "customer_view", "issues_found", "next_steps")),
                        ("development", ("decision_maker", "contact", "our_progress", "notes"))):
        parsed = ctx.sheets.get(sheet)
        if parsed is None:
            continue
        for i in index.of(sheet, cid):
            parts.extend(parsed.text(k, i) for k in keys)
    return "\n".join(parts)


def _contacts(ctx: Context, index: _Index, cid: str, lang: str,
              wrong_phones: frozenset[int] = frozenset()) -> list[dict[str, Any]]:
    parsed = ctx.sheets.get("contacts")
    if parsed is None:
        return []
    text = _mentioned(ctx, index, cid)
    keys = [f.key for f in CONTACTS.fields if f.key in parsed.raw]
    out = []
    for i in index.of("contacts", cid):
        row = _row(parsed, i, keys, lang)
        for f in CONTACTS.fields:
            row.setdefault(f.key, "")
        typed = {k: (parsed.typed[k][i] if k in parsed.typed else None) for k in
                 ("role", "personality", "influence", "support", "contact_level", "birthday", "calendar", "gender")}
        flags = []
        if typed["influence"] == "高" and typed["contact_level"] == "低":
            flags.append(_pick(("影响力高但接触少（危险区）", "high influence, little contact (danger zone)"), lang))
        if typed["influence"] == "高" and typed["support"] == "反对":
            flags.append(_pick(("影响力高且反对我们", "high influence and opposed to us"), lang))
        name = row.get("name", "")
        if row.get("mobile") and parsed.rows[i] in wrong_phones:
            row["mobile"] += _pick(_PAGE1["wrong_phone"], lang)
        row.update({
            "role_key": typed["role"] or "",
            "support_key": typed["support"] or "", "contact_key": typed["contact_level"] or "",
            "influence_key": typed["influence"] or "", "gender_key": typed["gender"] or "",
            "hint": _pick(HINTS[typed["personality"]], lang) if typed["personality"] in HINTS else "",
            "flags": flags,
            "met": bool(name) and (name in text or typed["contact_level"] in ("高", "中")),
            "_born": typed["birthday"], "_calendar": typed["calendar"],
        })
        out.append(row)
    return out


def _visits(ctx: Context, index: _Index, cid: str, today: date,
            lang: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    parsed = ctx.sheets.get("visits")
    if parsed is None or "visit_date" not in parsed.typed:
        return [], []
    dates = parsed.typed["visit_date"]
    rows = sorted((i for i in index.of("visits", cid) if dates[i] is None or dates[i] <= today),
                  key=lambda i: (dates[i] or date.min, i), reverse=True)  # a visit after today is an error
    keys = [f.key for f in VISITS.fields if f.key in parsed.raw]
    none = [None] * len(parsed)
    dues, dones = parsed.typed.get("follow_up_due") or none, parsed.typed.get("follow_up_done") or none
    recent: list[dict[str, Any]] = []
    open_items: list[dict[str, Any]] = []
    for n, i in enumerate(rows):
        due, done = dues[i], dones[i]
        if n >= RECENT_VISITS and (done is not None or due is None):
            continue  # neither recent nor open: nothing to show
        row = _row(parsed, i, keys, lang)
        for f in VISITS.fields:
            row.setdefault(f.key, "")
        state = "none"
        days = 0
        if done is not None:
            state = "done"
        elif due is not None:
            state = "overdue" if due < today else "open"
            days = (today - due).days
        row["follow_up_state"] = _pick(_STATE[state], lang).format(date=_show(done or due, lang), days=days)
        row["overdue"] = state == "overdue"
        if n < RECENT_VISITS:
            recent.append(row)
        if state in ("open", "overdue"):
            open_items.append({"visit_date": row["visit_date"], "item": row["issues_found"] or row["next_steps"] or
                               row["key_points"], "due": _show(due, lang), "overdue": state == "overdue",
                               "days_overdue": max(days, 0), "state": row["follow_up_state"]})
    open_items.sort(key=lambda r: r["due"])
    return recent, open_items


def _development(ctx: Context, index: _Index, cid: str, lang: str) -> dict[str, Any]:
    parsed = ctx.sheets.get("development")
    rows = index.of("development", cid) if parsed is not None else []
    if parsed is None or not rows:
        return {"present": False, "previous_decision_maker": "", **{f.key: "" for f in DEVELOPMENT.fields}}
    dates = parsed.typed.get("recorded_on") or [None] * len(parsed)
    ordered = sorted(rows, key=lambda i: (dates[i] or date.min, i))
    latest = ordered[-1]
    row: dict[str, Any] = _row(parsed, latest, [f.key for f in DEVELOPMENT.fields if f.key in parsed.raw], lang)
    for f in DEVELOPMENT.fields:
        row.setdefault(f.key, "")
    row["present"] = True
    row["previous_decision_maker"] = parsed.text("decision_maker", ordered[-2]) if len(ordered) > 1 else ""
    row["_people"] = sorted({parsed.text(k, i) for i in rows for k in ("decision_maker", "contact")} - {""})
    return row


def _questions(contacts: list[dict], roles: list[dict], development: dict[str, Any], follow_ups: list[dict],
               ctx: Context, index: _Index, cid: str, lang: str,
               next_plan: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The method's five self-questions before a visit, answered from the sheets where they can be; the
    others stay as prompts."""
    def q(key: str, answer: str, attention: bool) -> dict[str, Any]:
        return {"question": _pick(_QUESTIONS[key], lang), "answer": answer, "attention": attention}

    def a(key: str, **params: Any) -> str:
        return _pick(_ANSWERS[key], lang).format(**params)

    space = "" if lang == "zh" else " "
    # 1. coach: supportive 教练 only; otherwise supportive people in close contact could become one
    coaches = [c["name"] for c in contacts if c["role_key"] == "教练" and c["support_key"] == "支持"]
    false_coaches = [c["name"] for c in contacts if c["role_key"] == "教练" and c["support_key"] != "支持"]
    candidates = [c["name"] for c in contacts if c["role_key"] != "教练" and c["support_key"] == "支持"
                  and c["contact_key"] == "高"]
    if coaches:
        coach = a("coach.yes", names=join(coaches, lang)) + (space + a("coach.one") if len(coaches) == 1 else "")
    else:
        coach = a("coach.maybe", names=join(candidates, lang)) if candidates else a("coach.no")
    if false_coaches:
        coach += space + a("coach.false", names=join(false_coaches, lang))
    # 2. the sale in progress: roles, whom we have not met face to face, whether the coach should help
    missing = [r["role"] for r in roles if r["missing"]]
    visits = ctx.sheets.get("visits")
    rows = index.of("visits", cid)
    if visits is not None and "visitee" in visits.raw:
        met_text = " ".join(visits.text("visitee", i) for i in rows
                            if (visits.typed.get("method") or [None] * len(visits))[i] == "面访")
        unmet = [c["name"] for c in contacts if c["name"] and c["name"] not in met_text]
    else:
        unmet = [c["name"] for c in contacts if c["contact_key"] == "低"]
    coach_unmet = [n for n in unmet if n in coaches]
    unmet = [n for n in unmet if n not in coaches]  # the coach is never among those to ask the coach about
    sale = a("sale.roles_missing", roles=join(missing, lang)) if missing else a("sale.roles_ok")
    if not contacts:
        sale += space + a("sale.no_contacts")
    elif unmet:
        names = join(unmet, lang)
        sale += space + a("sale.unmet", names=names) + space + (
            a("sale.ask_coach", coach=join(coaches, lang)) if coaches else a("sale.no_coach_ask"))
    elif not coach_unmet:
        sale += space + a("sale.all_met")
    if coach_unmet:
        sale += space + a("sale.coach_unmet", names=join(coach_unmet, lang))
    # 3. changes in the buying group
    parts = []
    budget = [t for t in (development.get("project_status", ""), _last_text(visits, rows, "customer_view"))
              if t]
    parts.append(a("regroup.budget", text="；".join(budget) if lang == "zh" else "; ".join(budget)) if budget
                 else a("regroup.budget_none"))
    listed = {person_key(c["name"]) for c in contacts}
    strangers = [p for p in development.pop("_people", []) if person_key(p) not in listed]
    if visits is not None and "visitee" in visits.raw:
        for i in rows:
            strangers += [n for n in split_people(visits.text("visitee", i)) if person_key(n) not in listed]
    strangers = list(dict.fromkeys(strangers))
    if strangers:
        parts.append(a("regroup.new", names=join(strangers, lang)))
    elif rows or development.get("present"):
        parts.append(a("regroup.no_new"))
    else:
        parts.append(a("regroup.no_records"))
    old_dm, new_dm = development.get("previous_decision_maker", ""), development.get("decision_maker", "")
    if old_dm and new_dm and old_dm != new_dm:
        parts.append(a("regroup.dm_changed", old=old_dm, new=new_dm))
    deciders = [c["name"] for c in contacts if c["role_key"] == "决策者" and c["influence_key"] == "高"]
    parts.append(a("regroup.decider", names=join(deciders, lang)) if deciders else a("regroup.no_decider"))
    regroup = space.join(parts)
    # 4. the question list: open follow-ups, unresolved issues, the customer's last view
    items = []
    overdue = sum(1 for f in follow_ups if f["overdue"])
    if follow_ups:
        items.append(a("questions.open", open=len(follow_ups), overdue=overdue) if overdue
                     else a("questions.open_none_overdue", open=len(follow_ups)))
    issues = [f["item"] for f in follow_ups if f.get("item")][:3]
    if issues:
        items.append(a("questions.issues", items=join(issues, lang)))
    view = _last_text(visits, rows, "customer_view")
    if view:
        items.append(a("questions.view", view=view))
    prepared = bool(next_plan and next_plan.get("present") and next_plan.get("questions"))
    to_ask = "；".join(items) if lang == "zh" else "; ".join(items)
    questions = a("questions.also" if prepared else "questions.ready", items=to_ask) if items \
        else a("questions.empty")
    if prepared:
        assert next_plan is not None
        prepared_text = a("questions.prepared", date=next_plan["planned_on"], questions=next_plan["questions"])
        questions = prepared_text + (space + questions if items else "")
    # 5. written contact
    written = None
    if visits is not None and "method" in visits.typed:
        dates = visits.typed.get("visit_date") or [None] * len(visits)
        done = [(dates[i], visits.typed["method"][i]) for i in rows
                if visits.typed["method"][i] in ("短信", "微信", "邮件", "信函") and dates[i] is not None]
        written = max(done, key=lambda d: d[0]) if done else None
    written_text = a("written.last", date=written[0].isoformat(), method=_show(written[1], lang, CHOICES["method"])) \
        if written else a("written.none")
    return [
        q("coach", coach, not coaches or len(coaches) == 1),
        {**q("sale", sale, bool(missing) or bool(unmet) or bool(coach_unmet) or not contacts),
         "unmet": coach_unmet + unmet},
        q("regroup", regroup, bool(strangers) or not deciders),
        q("questions", questions, bool(follow_ups) and not prepared),
        q("written", written_text, written is None),
    ]


def _last_text(visits: Parsed | None, rows: list[int], key: str) -> str:
    """The latest non-empty `key` among the account's visits (e.g. what the customer last said)."""
    if visits is None or key not in visits.raw or not rows:
        return ""
    dates = visits.typed.get("visit_date") or [None] * len(visits)
    for i in sorted(rows, key=lambda i: (dates[i] or date.min, i), reverse=True):
        text = visits.text(key, i)
        if text:
            return text
    return ""


_DEAL: dict[str, tuple[str, str]] = {
    "budget": ("预算 {amount}", "budget {amount}"),
    "urgency": ("需求紧迫度{level}", "urgency {level}"),
    "expected": ("预计 {amount}", "expected {amount}"),
    "close": ("预计 {date} 签约", "expected to sign on {date}"),
    "won": ("已签 {amount}", "signed {amount}"),
    "at_stage": ("自 {since} 起在{stage}阶段，已 {days} 天", "at {stage} since {since}, {days} days"),
}


def _deal(ctx: Context, index: _Index, cid: str, today: date, lang: str) -> dict[str, Any]:
    """The deal line: budget and its state, urgency, the expected amount and close, what was signed, and how
    long the account has been at its stage (from the 开发记录 stage history)."""
    dev = ctx.sheets.get("development")
    keys = ("budget", "budget_status", "urgency", "expected_amount", "expected_close", "won_amount")
    out: dict[str, Any] = {"present": False, "line": "", "stage_since": "", "days_at_stage": "",
                           **{k: "" for k in keys}}
    rows = index.of("development", cid) if dev is not None else []
    if dev is None or not rows:
        return out
    dates = dev.typed.get("recorded_on") or [None] * len(dev)
    ordered = sorted(rows, key=lambda i: (dates[i] or date.min, i))
    for key in keys:  # each the latest stated: a later update may leave a known budget blank
        values = dev.typed.get(key)
        if values is None:
            continue
        stated = [i for i in ordered if values[i] is not None]
        if stated:
            value = values[stated[-1]]
            field = DEVELOPMENT.by_key[key]
            out[key] = ctx.settings.amount_text(value, lang) if field.unit else _show(value, lang, field.choices)
    stages = dev.typed.get("stage")
    customers = ctx.sheets["customers"]
    current = (customers.typed.get("stage") or [None] * len(customers))[ctx.customer_rows[cid]]
    if stages is not None and current is not None:
        since = None
        for i in reversed(ordered):  # the first record of the run of updates at the current stage
            if stages[i] != current:
                break
            since = dates[i]
        if since is not None:
            out["stage_since"], out["days_at_stage"] = since.isoformat(), (today - since).days
    parts = []
    if out["budget"]:
        parts.append(_pick(_DEAL["budget"], lang).format(amount=out["budget"]) +
                     (_pick(LABELS["open"], lang) + out["budget_status"] + _pick(LABELS["close"], lang)
                      if out["budget_status"] else ""))
    if out["urgency"]:
        parts.append(_pick(_DEAL["urgency"], lang).format(level=out["urgency"]))
    if out["won_amount"]:
        parts.append(_pick(_DEAL["won"], lang).format(amount=out["won_amount"]))
    else:
        if out["expected_amount"]:
            parts.append(_pick(_DEAL["expected"], lang).format(amount=out["expected_amount"]))
        if out["expected_close"]:
            parts.append(_pick(_DEAL["close"], lang).format(date=out["expected_close"]))
    if out["stage_since"]:
        parts.append(_pick(_DEAL["at_stage"], lang).format(since=out["stage_since"], days=out["days_at_stage"],
                                                          stage=_show(current, lang, STAGE)))
    out["present"] = bool(parts)
    out["line"] = ("，" if lang == "zh" else "; ").join(parts) + ("。" if lang == "zh" and parts else "")
    return out


def _approach(contacts: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """投其所好: how to approach each 决策者 and 教练, from the person's file and their personality."""
    out = []
    labels = {"hometown": ("籍贯", "from"), "interests": ("爱好", "enjoys"), "family": ("家庭", "family"),
              "style": ("做事风格", "style"), "tenure_years": ("任职", "in post")}
    for c in contacts:
        if c["role_key"] not in ("决策者", "教练"):
            continue
        surname = c["name"][:1] if lang == "zh" else c["name"]
        title = {"男": ("先生", "Mr"), "女": ("女士", "Ms")}.get(c.get("gender_key") or "", ("", ""))
        salutation = (surname + title[0]) if lang == "zh" and title[0] else \
            (f"{title[1]} {c['name']}" if title[1] else c["name"])
        facts = []
        for key, (zh, en) in labels.items():
            value = c.get(key)
            if value not in (None, ""):
                shown = f"{value}{'年' if lang == 'zh' else ' years'}" if key == "tenure_years" else value
                facts.append(f"{zh}：{shown}" if lang == "zh" else f"{en}: {shown}")
        thin = not any(c.get(k) for k in ("hometown", "interests", "family", "style"))
        said = ("；" if lang == "zh" else "; ").join(facts)
        empty = "no_profile_coach" if c["role_key"] == "教练" else "no_profile"  # never "ask the coach" the coach
        first = _pick(LABELS[empty], lang) if thin else said + ("。" if lang == "zh" else ". ")
        out.append({"name": c["name"], "role": c["role"], "salutation": salutation, "facts": said, "hint": c["hint"],
                    "thin": thin, "text": first + c["hint"]})
    return out


def _next_plan(ctx: Context, index: _Index, cid: str, today: date, lang: str) -> dict[str, Any]:
    """The next visit planned in 拜访计划 (today or later): purpose, materials and prepared questions."""
    plans = ctx.sheets.get("plans")
    keys = [f.key for f in PLANS.fields]
    empty = {"present": False, **{k: "" for k in keys}}
    if plans is None or "planned_on" not in plans.typed:
        return empty
    ahead = [i for i in index.of("plans", cid) if plans.typed["planned_on"][i] is not None
             and plans.typed["planned_on"][i] >= today]
    if not ahead:
        return empty
    i = min(ahead, key=lambda i: (plans.typed["planned_on"][i], i))
    row = _row(plans, i, [k for k in keys if k in plans.raw], lang)
    return {**empty, **row, "present": True}


def _after_sales(ctx: Context, index: _Index, cid: str, today: date, lang: str) -> dict[str, Any]:
    """For a won account: its tier, the last contact, and when the next service contact is due."""
    customers = ctx.sheets["customers"]
    i = ctx.customer_rows[cid]
    stage = (customers.typed.get("stage") or [None] * len(customers))[i]
    tier = (customers.typed.get("tier") or [None] * len(customers))[i]
    out: dict[str, Any] = {"present": stage == "已成交", "tier": _show(tier, lang, CHOICES["tier"]) if tier else "",
                           "interval_days": "", "last_contact": "", "next_due": "", "lapsed": False, "line": ""}
    if not out["present"]:
        return out
    interval = ctx.settings.service_interval(tier)
    visits = ctx.sheets.get("visits")
    seen = [visits.typed["visit_date"][j] for j in index.of("visits", cid)
            if visits is not None and "visit_date" in visits.typed and visits.typed["visit_date"][j] is not None
            and visits.typed["visit_date"][j] <= today]
    last = max(seen, default=None)
    due = last + timedelta(days=interval) if last else today
    out.update(interval_days=interval, last_contact=last.isoformat() if last else "", next_due=due.isoformat(),
               lapsed=due < today)
    if lang == "zh":
        out["line"] = (f"已成交，{out['tier'] or '未定层级'}客户每 {interval} 天至少联系一次；"
                       f"上次联系 {out['last_contact'] or '无记录'}，" +
                       (f"应在 {out['next_due']} 前回访，已超期。" if out["lapsed"] else f"下次应在 {out['next_due']} 前回访。"))
    else:
        out["line"] = (f"Won; a {out['tier'] or 'untiered'} account is served every {interval} days; last contact "
                       f"{out['last_contact'] or 'none on record'}; next due by {out['next_due']}"
                       + (", overdue." if out["lapsed"] else "."))
    return out


def _issues(ctx: Context, index: _Index, cid: str, today: date, lang: str) -> list[dict[str, Any]]:
    """Issues and complaints not yet closed (no 处理结果, or the customer not told), oldest first."""
    visits = ctx.sheets.get("visits")
    if visits is None or "issues_found" not in visits.raw or "visit_date" not in visits.typed:
        return []
    out = []
    kinds = visits.typed.get("issue_type") or [None] * len(visits)
    told = visits.typed.get("customer_informed")
    for i in sorted(index.of("visits", cid), key=lambda i: (visits.typed["visit_date"][i] or date.min, i)):
        issue = visits.text("issues_found", i)
        if not issue:
            continue
        resolution = visits.text("resolution", i)
        informed = told[i] if told is not None else None
        if resolution and (told is None or informed is not None):
            continue
        when = visits.typed["visit_date"][i]
        state = ("已处理，未告知客户", "resolved, customer not told") if resolution else ("待处理", "open")
        out.append({"visit_date": _show(when, lang), "issue": issue, "type": _show(kinds[i], lang, CHOICES["issue_type"]),
                    "complaint": kinds[i] == "投诉", "handed_to": visits.text("handed_to", i),
                    "resolution": resolution, "state": _pick(state, lang),
                    "days_open": (today - when).days if when else ""})
    return out


def _satisfaction(ctx: Context, index: _Index, cid: str, lang: str) -> dict[str, Any]:
    """The latest 满意度 of the account, the one before it and the trend."""
    visits = ctx.sheets.get("visits")
    out: dict[str, Any] = {"present": False, "latest": "", "previous": "", "date": "", "trend": ""}
    if visits is None or "satisfaction" not in visits.typed:
        return out
    dates = visits.typed.get("visit_date") or [None] * len(visits)
    scored = sorted((dates[i] or date.min, i, visits.typed["satisfaction"][i]) for i in index.of("visits", cid)
                    if visits.typed["satisfaction"][i] is not None)
    if not scored:
        return out
    when, _, latest = scored[-1]
    previous = scored[-2][2] if len(scored) > 1 else None
    trend = ("", "") if previous is None else ("上升", "up") if latest > previous else \
        ("下降", "down") if latest < previous else ("持平", "steady")
    out.update(present=True, latest=int(latest), previous=int(previous) if previous is not None else "",
               date=when.isoformat(), trend=_pick(trend, lang))
    return out
