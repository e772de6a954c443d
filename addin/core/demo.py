"""A realistic sample team workbook, as rows: 48 accounts over a year of work, with a few seeded mistakes.

Pure and deterministic for a given `today` and `seed`, so the demo and its tests agree. The organisations
and people are invented.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from addin.core.model import WorkbookData
from addin.core.parse import credit_check_char

Row = dict[str, Any]

CITIES = ("杭州", "苏州", "南京", "宁波", "合肥", "无锡", "绍兴", "嘉兴")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "桂英", "建华", "志强", "晓东", "海燕", "国庆", "丽华", "文斌", "雪梅", "宏伟", "春燕")
REPS = ("周海涛", "林晓雯", "陈志远", "吴佳怡")

#: the relationship tiers that go with each profile (the demo plants one that disagrees with the grade)
TIERS = {"A": ("战略级", "死党级", "紧密型", "战略级"), "B": ("死党级", "紧密型", "紧密型", "死党级"),
         "C": ("紧密型", "松散型", "紧密型", "松散型"), "D": ("松散型", "松散型", "紧密型", "松散型"),
         "?": ("紧密型", "松散型", "紧密型", "松散型"), "-": ("松散型", "紧密型", "松散型", "松散型")}

ORGS: dict[str, tuple[tuple[str, str], ...]] = {
    "教育": (("{c}市第{n}中学", "重点中学"), ("{c}职业技术学院", "高职院校"), ("{c}市实验小学", "小学"),
             ("{c}理工大学", "本科院校"), ("{c}外国语学校", "民办学校"), ("{c}市教育装备中心", "教育装备")),
    "医疗": (("{c}市第{n}人民医院", "三甲医院"), ("{c}市中医院", "中医院"), ("{c}市妇幼保健院", "专科医院"),
             ("{c}康宁口腔医院", "民营医院"), ("{c}市疾病预防控制中心", "疾控"), ("{c}市急救中心", "急救")),
    "政府": (("{c}市教育局", "教育主管"), ("{c}市卫生健康委员会", "卫生主管"), ("{c}市数据资源管理局", "数字政府"),
             ("{c}市公安局交通警察支队", "公安"), ("{c}市政务服务中心", "政务服务"), ("{c}市自然资源和规划局", "自然资源")),
    "企业": (("{c}恒远精密制造股份有限公司", "装备制造"), ("{c}华信物流有限公司", "物流"),
             ("{c}新禾食品集团有限公司", "食品"), ("{c}云帆网络科技有限公司", "互联网"),
             ("{c}宏达建设集团有限公司", "建筑"), ("{c}安泰化工有限公司", "化工")),
}

#: titles by industry and buying role, as such an organisation names them (a hospital has a 院长 and a 护士长)
TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "教育": {"决策者": ("校长", "副校长", "党委书记"), "技术把关者": ("信息中心主任", "网络中心主任", "教务处主任"),
             "使用者": ("教研组长", "年级组长", "实验室主任"), "教练": ("校办主任", "总务处干事", "装备管理员")},
    "医疗": {"决策者": ("院长", "副院长", "分管副院长"), "技术把关者": ("信息科科长", "设备科科长", "医务科科长"),
             "使用者": ("护士长", "科室主任", "药剂科主任"), "教练": ("院办秘书", "采购办专员", "设备科干事")},
    "政府": {"决策者": ("局长", "分管副局长", "主任"), "技术把关者": ("信息中心主任", "科技信息科科长", "技术处处长"),
             "使用者": ("业务科科长", "办公室主任", "窗口负责人"), "教练": ("综合科干事", "办公室副主任", "规划科科员")},
    "企业": {"决策者": ("总经理", "董事长", "副总经理"), "技术把关者": ("技术总监", "总工程师", "IT 经理"),
             "使用者": ("生产部经理", "仓储主管", "车间主任"), "教练": ("采购专员", "项目经理", "总经办秘书")},
}

#: real districts of each demo city, so an address reads like one
DISTRICTS = {
    "杭州": ("西湖区", "拱墅区", "滨江区", "上城区"), "苏州": ("姑苏区", "工业园区", "吴中区", "虎丘区"),
    "南京": ("鼓楼区", "玄武区", "秦淮区", "建邺区"), "宁波": ("海曙区", "鄞州区", "江北区", "北仑区"),
    "合肥": ("蜀山区", "包河区", "庐阳区", "瑶海区"), "无锡": ("梁溪区", "滨湖区", "新吴区", "锡山区"),
    "绍兴": ("越城区", "柯桥区", "上虞区", "诸暨市"), "嘉兴": ("南湖区", "秀洲区", "海宁市", "桐乡市"),
}
STREETS = ("人民路", "解放路", "中山路", "建设路")

#: how many choices each draw had when the findings lock was taken (tests/golden/findings_lock.json): the
#: draws keep their sizes so the random sequence, and every row the rules look at, stays as locked
_DRAWS = {"决策者": 7, "技术把关者": 5, "使用者": 5, "教练": 5, "district": 5}


def _pick(rng: random.Random, options: tuple[str, ...], draw: str) -> str:
    return options[rng.randrange(_DRAWS[draw]) % len(options)]
PURPOSES = ("初次拜访，了解需求", "方案交流", "技术交流", "商务谈判", "样品演示", "回访与关系维护", "高层拜访", "项目进度沟通")
POINTS = (
    "客户关心交付周期，希望三个月内上线", "对方案整体认可，要求补充同类案例", "预算已批，进入比选阶段",
    "技术部门担心与现有系统对接", "采购流程需走公开招标", "使用部门反馈操作培训不足", "对价格有顾虑，希望分期付款",
    "竞争对手已做过演示", "领导要求下月前给出试点方案", "确认了下一步参观样板客户的时间",
)
VIEWS = ("认可我方实力", "倾向于再比较一下", "对价格敏感", "希望尽快推进", "态度中立", "关心售后服务")
ISSUES = ("报价高于预算", "接口文档缺失", "决策链不清楚", "交付周期太长", "竞争对手压价", "样品有一处缺陷")
NEXT = ("提交修订方案", "安排技术交流", "约见分管领导", "寄送样品", "整理案例资料", "发送报价单")
COMPETITORS = ("东方科技", "华腾系统", "瑞达信息", "中科智联", "—")

#: The mistakes the demo seeds on purpose, with the finding each should raise (for the README and tests).
#: (sheet key, code, what was planted in Chinese, in English)
SEEDED_MISTAKES: tuple[tuple[str, str, str, str], ...] = (
    ("visits", "location-required", "一次面访没写地点", "an in-person visit without a location"),
    ("visits", "follow-up-late", "跟进期限定在拜访后 12 天", "a follow-up due 12 days after the visit"),
    ("visits", "follow-up-missing", "发现问题却没定跟进期限", "an issue found but no follow-up date"),
    ("visits", "unknown-customer", "客户编号 C0999 不在客户表", "customer ID C0999 is not on the customer sheet"),
    ("visits", "future-date", "拜访日期写成了明天", "a visit dated tomorrow"),
    ("visits", "duplicate-row", "同一次拜访录了两遍", "the same visit entered twice"),
    ("visits", "required", "谈话要点空着", "key points left empty"),
    ("visits", "visit-overlap", "两位销售三天内先后拜访同一客户", "two reps visited one customer within three days"),
    ("contacts", "bad-phone", "手机号少了一位", "a mobile number one digit short"),
    ("development", "result-reason-missing", "标为成功却没写原因总结", "marked won with no reason summary"),
    ("customers", "bad-credit-code", "信用代码校验位错误", "a credit code with a wrong check character"),
    ("assessment", "out-of-range", "付款风险打了 6 分", "payment risk scored 6"),
)


@dataclass
class DemoData:
    """The demo rows per sheet key, plus the date they were made for."""

    today: date
    rows: dict[str, list[Row]] = field(default_factory=dict)


def _credit_code(rng: random.Random) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = rng.choice("159") + rng.choice("1239") + "".join(rng.choice("0123456789") for _ in range(6))
    body += "".join(rng.choice(chars) for _ in range(9))
    check = credit_check_char(body)
    assert check is not None
    return body + check


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            return name


def _factors(rng: random.Random, profile: str) -> list[int]:
    high, low = (4, 5), (1, 2, 3)
    value = [rng.choice(high), rng.choice(high)] if profile in "AB" else [rng.choice(low), rng.choice((2, 3, 4))]
    spread = (1, 2, 3) if profile in "AC" else (3, 4, 5)
    return value + [rng.choice(spread) for _ in range(4)]


def _seed_method_cases(today: date, customers: list[Row], assessment: list[Row], contacts: list[Row],
                       development: list[Row], visits: list[Row]) -> None:
    """What the method asks for, done as a team really does it, with a few slips a manager would recognise:
    who was met on each visit (被访人; one new face lately), last month's visits reviewed (two not yet), one
    assessment left to age, one deal marked won while the account still sits at 促成成交."""
    coaches = [p for p in contacts if p["role"] == "教练" and p["support"] == "中立"]
    for k, p in enumerate(coaches):  # a coach is someone who wants us to win: most are, a few only seem to be
        if k % 6:
            p["support"] = "支持"
    owners = {c["customer_id"]: c["owner"] for c in customers}
    by_account: dict[object, dict[str, str]] = {}
    for p in contacts:
        by_account.setdefault(p["customer_id"], {}).setdefault(str(p["role"]), str(p["name"]))
    for p in contacts:  # the org tree (上级) and who on our side works with each person (我方对接人)
        heads = by_account.get(p["customer_id"], {})
        boss = heads.get("决策者") if p["role"] in ("技术把关者", "教练") else heads.get("技术把关者") \
            if p["role"] == "使用者" else None
        p["reports_to"] = boss if boss and boss != p["name"] else None
        p["our_contact"] = owners.get(p["customer_id"]) if p["role"] in ("决策者", "教练") else "售前工程师"
    people: dict[object, list[str]] = {}
    for p in contacts:
        people.setdefault(p["customer_id"], []).append(str(p["name"]))
    last_month_end = today.replace(day=1) - timedelta(days=1)
    unreviewed = 0
    for n, v in enumerate(visits):
        names = people.get(v["customer_id"], [])
        if names:
            v["visitee"] = names[n % len(names)]
        when = v["visit_date"]
        if isinstance(when, date) and (when.year, when.month) == (last_month_end.year, last_month_end.month):
            unreviewed += 1
            v["manager_comment"] = None if unreviewed <= 2 else "已核实，按计划推进"
    recent = [v for v in visits if isinstance(v["visit_date"], date) and 0 < (today - v["visit_date"]).days <= 30
              and v.get("visitee")]
    if recent:
        recent[len(recent) // 2]["visitee"] = f"{recent[len(recent) // 2]['visitee']}、新任采购处长"
    working = [c["customer_id"] for c in customers if c["stage"] == "关系建立"]
    stale = next((a for a in assessment if a["customer_id"] in working[1:]), None)
    if stale is not None:
        stale["assessed_on"] = today - timedelta(days=240)
    closing = {c["customer_id"] for c in customers if c["stage"] == "促成成交"}
    won = next((d for d in reversed(development) if d["customer_id"] in closing and d["result"] == "进行中"), None)
    if won is not None:
        won["result"], won["reason_summary"] = "成功", "决策者认可方案，价格谈妥"


def make_demo(today: date, seed: int = 20261122, complete: bool = True) -> DemoData:
    """Build the sample team workbook rows for `today`."""
    rng = random.Random(seed)
    start = today - timedelta(days=365)
    used_names: set[str] = set()
    customers: list[Row] = []
    assessment: list[Row] = []
    contacts: list[Row] = []
    development: list[Row] = []
    visits: list[Row] = []
    profiles = "AAAAAAAAABBBBBBBBBCCCCCCCCCDDDDDDDDD" + "AABC" + "??????" + "--"  # ? empty factor, - no row
    stages = ("确定对象", "信息收集", "价值评估", "关系建立", "促成成交", "已成交", "已终止")
    index = 0
    for industry, templates in ORGS.items():
        for n in range(12):
            index += 1
            cid = f"C{index:04d}"
            city = CITIES[(index * 3 + n) % len(CITIES)]
            pattern, segment = templates[n % len(templates)]
            name = pattern.format(c=city, n="一二三四五六七八九十"[n % 10])
            if any(c["customer_name"] == name for c in customers):
                name = name.replace(city, CITIES[(index + 5) % len(CITIES)])
                city = CITIES[(index + 5) % len(CITIES)]  # the address follows the organisation's city
            owner = REPS[index % len(REPS)]
            profile = profiles[(index * 7) % len(profiles)]
            customers.append({
                "customer_id": cid, "customer_name": name,
                "credit_code": _credit_code(rng) if industry == "企业" or n % 2 == 0 else None,
                "industry": industry, "segment": segment, "owner": owner,
                "stage": stages[min(index % 7, 6)] if profile != "A" else rng.choice(stages[2:6]),
                "tier": rng.choice(TIERS[profile]),
                "address": f"{city}市{_pick(rng, DISTRICTS[city], 'district')}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                "created_on": start - timedelta(days=rng.randint(0, 90)),
                "_profile": profile,
            })
            if profile != "-":
                f = _factors(rng, profile if profile != "?" else rng.choice("ABCD"))
                row: Row = dict(zip(("share", "business_value", "effort", "deal_risk", "payment_risk",
                                     "delivery_difficulty"), f, strict=True))
                if profile == "?":
                    row[rng.choice(list(row))] = None
                assessment.append({"customer_id": cid, **row,  # assessed 15-155 days ago: still valid
                                   "assessed_on": start + timedelta(days=rng.randint(60, 200) + 150)})
            roles = ["决策者", "技术把关者", "使用者", "教练"]
            if index % 5 == 0:
                roles.remove(rng.choice(roles))
            if index % 11 == 0:
                roles.append("使用者")
            for role in roles:
                birthday = date(rng.randint(1965, 1992), rng.randint(1, 12), rng.randint(1, 28))
                calendar = "农历" if rng.random() < 0.25 else "公历"
                influence = "高" if role == "决策者" else rng.choice(("高", "中", "低"))
                watch = len(contacts) % 23  # a few high-influence people we barely reach, or who oppose us
                level = "低" if watch == 5 and influence == "高" else rng.choices(("高", "中"), (3, 4))[0]
                support = "反对" if watch == 11 and influence == "高" else rng.choices(("支持", "中立"), (5, 4))[0]
                contacts.append({
                    "customer_id": cid, "name": _person(rng, used_names), "role": role,
                    "title": _pick(rng, TITLES[industry][role], role), "mobile": _mobile(rng), "birthday": birthday,
                    "calendar": calendar, "personality": rng.choice(("老虎", "孔雀", "猫头鹰", "无尾熊")),
                    "influence": influence,
                    "support": support, "contact_level": level,
                })
    # a few birthdays in the coming month so the reminder has something to show
    for k, c in enumerate(contacts[3:60:9]):
        soon = today + timedelta(days=3 + k * 4)
        c["birthday"] = date(1980 + k, soon.month, min(soon.day, 28))
        c["calendar"] = "公历"
    # visits: more for A accounts, mostly by the owner
    visit_weights = {"A": 14, "B": 8, "C": 5, "D": 2, "?": 4, "-": 2}
    for c in customers:
        count = visit_weights[str(c["_profile"])] + rng.randint(0, 3)
        days = sorted(rng.sample(range(20, 362), count))
        for d in days:
            vdate = start + timedelta(days=d)
            method = rng.choices(("面访", "电话", "视频", "邮件", "活动"), (6, 3, 2, 1, 1))[0]
            issue = rng.choice(ISSUES) if rng.random() < 0.35 else None
            due = vdate + timedelta(days=rng.randint(2, 7)) if issue or rng.random() < 0.3 else None
            done = None
            if due is not None and (due < today - timedelta(days=10) or rng.random() < 0.6):
                done = min(due - timedelta(days=rng.randint(0, 2)), today)
                done = max(done, vdate)
            visits.append({
                "visit_date": vdate, "customer_id": c["customer_id"], "visitor": c["owner"],
                "method": method, "location": str(c["customer_name"]) if method in ("面访", "活动") else None,
                "purpose": rng.choice(PURPOSES), "key_points": rng.choice(POINTS),
                "customer_view": rng.choice(VIEWS), "issues_found": issue, "next_steps": rng.choice(NEXT),
                "follow_up_due": due, "follow_up_done": done, "manager_comment": None,
            })
    # the method's callback: the first account was visited in person three days ago and nobody has called since
    first = customers[0]
    visits[:] = [v for v in visits if v["customer_id"] != first["customer_id"] or
                 v["visit_date"] < today - timedelta(days=3)]
    visits.append({"visit_date": today - timedelta(days=3), "customer_id": first["customer_id"],
                   "visitor": first["owner"], "method": "面访", "location": str(first["customer_name"]),
                   "purpose": PURPOSES[0], "key_points": POINTS[0], "customer_view": VIEWS[0], "issues_found": None,
                   "next_steps": NEXT[0], "follow_up_due": None, "follow_up_done": None, "manager_comment": None})
    visits.sort(key=lambda v: (v["visit_date"], v["customer_id"]))
    # development records: two or three updates for the accounts being worked on
    for c in customers[::2]:
        mine = [v for v in visits if v["customer_id"] == c["customer_id"]]
        if not mine:
            continue
        dm = next((p for p in contacts if p["customer_id"] == c["customer_id"] and p["role"] == "决策者"), None)
        coach = next((p for p in contacts if p["customer_id"] == c["customer_id"] and p["role"] == "教练"), None)
        for k, when in enumerate(sorted({mine[len(mine) // 3]["visit_date"], mine[-1]["visit_date"]})):
            assert isinstance(when, date)
            result = "进行中"
            if k == 1 and c["stage"] == "已成交":
                result = "成功"
            elif k == 1 and c["stage"] == "已终止":
                result = "失败"
            development.append({
                "recorded_on": when, "customer_id": c["customer_id"], "sales_rep": c["owner"],
                "decision_maker": dm["name"] if dm else None, "dm_title": dm["title"] if dm else None,
                "dm_phone": dm["mobile"] if dm else None,
                "contact": coach["name"] if coach else None, "contact_title": coach["title"] if coach else None,
                "contact_phone": f"0571-8{rng.randint(1_000_000, 9_999_999)}",
                "project_status": rng.choice(("需求调研中", "方案评审中", "等待预算批复", "招标准备中", "试点运行中")),
                "project_start": when + timedelta(days=rng.randint(30, 120)),
                "proposal_author": rng.choice(REPS), "implementer": rng.choice(("交付一组", "交付二组")),
                "our_progress": rng.choice(("完成需求调研", "提交了初版方案", "安排了技术交流", "完成样板参观")),
                "competitors": rng.choice(COMPETITORS), "next_week_plan": rng.choice(NEXT), "result": result,
                "contact_count": sum(1 for v in mine if v["visit_date"] <= when),
                "total_days": (when - c["created_on"]).days,
                "reason_summary": ("方案贴合需求，决策者支持" if result == "成功" else
                                   "预算取消，项目暂停" if result == "失败" else None),
                "notes": None,
            })
    _seed_mistakes(rng, today, customers, assessment, contacts, development, visits)
    _seed_method_cases(today, customers, assessment, contacts, development, visits)
    rows = {"customers": customers, "assessment": assessment, "contacts": contacts, "development": development,
            "visits": visits}
    if complete:
        rows["plans"] = _method_complete(random.Random(seed + 26), today, customers, assessment, contacts,
                                         development, visits)
    for c in customers:
        c.pop("_profile", None)
        c.pop("_grade", None)
    return DemoData(today, rows)


def _seed_mistakes(rng: random.Random, today: date, customers: list[Row], assessment: list[Row],
                   contacts: list[Row], development: list[Row], visits: list[Row]) -> None:
    """Plant the SEEDED_MISTAKES, each once, in otherwise clean rows."""
    in_person = [v for v in visits if v["method"] == "面访" and v["visit_date"] < today - timedelta(days=40)]
    in_person[5]["location"] = None
    late = in_person[9]
    late["follow_up_due"] = late["visit_date"] + timedelta(days=12)
    late["follow_up_done"] = late["follow_up_due"]
    late["issues_found"] = late["issues_found"] or ISSUES[1]
    missing = in_person[14]
    missing["issues_found"] = ISSUES[0]
    missing["follow_up_due"] = None
    missing["follow_up_done"] = None
    stray = dict(in_person[20])
    stray.update(customer_id="C0999", issues_found=None, follow_up_due=None, follow_up_done=None)
    visits.append(stray)
    future = dict(visits[-2])
    future.update(visit_date=today + timedelta(days=1), issues_found=None, follow_up_due=None,
                  follow_up_done=None, method="电话", location=None)
    visits.append(future)
    visits.insert(visits.index(in_person[25]) + 1, dict(in_person[25]))
    in_person[30]["key_points"] = None
    twin = dict(in_person[35])
    others = [r for r in REPS if r != twin["visitor"]]
    twin.update(visitor=others[0], visit_date=twin["visit_date"] + timedelta(days=3),
                issues_found=None, follow_up_due=None, follow_up_done=None, key_points=POINTS[0])
    visits.insert(visits.index(in_person[35]) + 1, twin)
    contacts[7]["mobile"] = str(contacts[7]["mobile"])[:10]
    won = next((d for d in development if d["result"] == "成功"), None)
    if won is None:
        won = development[-1]
        won["result"] = "成功"
    won["reason_summary"] = None
    customers[2]["credit_code"] = _broken_code(str(customers[0]["credit_code"] or _credit_code(rng)))
    assessment[4]["payment_risk"] = 6


def _broken_code(code: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    wrong = chars[(chars.index(code[-1]) + 1) % len(chars)]
    return code[:-1] + wrong


def demo_book(today: date, lang: str = "zh") -> WorkbookData:
    """The demo team as a workbook read in memory (headers in `lang`), e.g. to build the full briefing
    context a template is checked against."""
    from addin.core.model import build_table
    from addin.core.schema import SHEETS

    rows = make_demo(today).rows
    tables = {}
    for spec in SHEETS:
        if spec.key not in rows:
            continue
        keys = [f.key for f in spec.fields]
        grid = [[f.label.text(lang) for f in spec.fields]] + [[r.get(k) for k in keys] for r in rows[spec.key]]
        tables[spec.key] = build_table(spec, spec.label.text(lang), grid)
    return WorkbookData("demo", tables)


#: what the demo team plants for the manager's view (SPEC §9 team findings)
TEAM_PLANTED = ("account-claimed-twice", "team-visit-overlap", "stale-workbook")


def make_team(today: date, seed: int = 20261122) -> dict[str, DemoData]:
    """The demo split into one workbook per rep (by 负责销售), with the team's own problems planted: the last
    rep also claims the first rep's A account under another ID and visited it two days after the owner did
    (撞单 and team-visit-overlap), and the third rep stopped filling in 45 days ago (stale-workbook)."""
    from addin.core.parse import name_key

    demo = make_demo(today, seed)
    owner = {str(c["customer_id"]): str(c["owner"]) for c in demo.rows["customers"]}
    # one organisation entered twice in the rep's workbook (a planted duplicate-account) stays in one workbook
    first_owner: dict[str, str] = {}
    for c in demo.rows["customers"]:
        for key in (f"code:{c['credit_code']}" if c["credit_code"] else "", f"name:{name_key(c['customer_name'])}"):
            if key:
                owner[str(c["customer_id"])] = first_owner.setdefault(key, owner[str(c["customer_id"])])
        c["owner"] = owner[str(c["customer_id"])]
    books = {rep: DemoData(today, {key: [] for key in demo.rows}) for rep in REPS}
    for key, rows in demo.rows.items():
        for row in rows:
            books[owner.get(str(row.get("customer_id")), REPS[0])].rows[key].append(row)
    first, stale, poacher = REPS[0], REPS[2], REPS[3]
    names = Counter(name_key(c["customer_name"]) for c in demo.rows["customers"])
    claimed = next(c for c in books[first].rows["customers"] if c["credit_code"]
                   and names[name_key(c["customer_name"])] == 1 and any(
        v["customer_id"] == c["customer_id"] and v["visit_date"] <= today - timedelta(days=5)
        for v in books[first].rows["visits"]))
    last = max(v["visit_date"] for v in books[first].rows["visits"] if v["customer_id"] == claimed["customer_id"])
    assert isinstance(last, date)
    twin = {**claimed, "customer_id": "C0901", "owner": poacher, "stage": "关系建立"}
    books[poacher].rows["customers"].append(twin)
    books[poacher].rows["assessment"].append({"customer_id": "C0901", "share": 4, "business_value": 4, "effort": 3,
                                              "deal_risk": 3, "payment_risk": 2, "delivery_difficulty": 3,
                                              "assessed_on": last})
    books[poacher].rows["visits"].append({
        "visit_date": last + timedelta(days=2), "customer_id": "C0901", "visitor": poacher, "method": "面访",
        "location": str(claimed["customer_name"]), "purpose": PURPOSES[0], "key_points": POINTS[1],
        "customer_view": VIEWS[1], "issues_found": None, "next_steps": NEXT[1], "follow_up_due": None,
        "follow_up_done": None, "manager_comment": None})
    cutoff = today - timedelta(days=45)
    for key, column in (("visits", "visit_date"), ("development", "recorded_on")):
        rows = books[stale].rows[key]
        rows[:] = [r for r in rows if not isinstance(r[column], date) or r[column] <= cutoff]
    return books


HOMETOWNS = ("浙江温州", "江苏盐城", "安徽安庆", "山东临沂", "福建莆田", "江西上饶", "湖南衡阳", "河南信阳", "浙江金华")
INTERESTS = ("钓鱼", "羽毛球", "书法", "摄影", "登山", "围棋", "喝茶，懂岩茶", "跑步，跑过半程马拉松", "看足球")
FAMILY = ("女儿今年高考", "儿子在读大学", "父母同住，母亲身体不好", "孩子刚上小学", "爱人是中学老师", "儿子在国外读书")
STYLES = ("看数据说话，要书面材料", "雷厉风行，不喜欢绕弯子", "谨慎，习惯集体决策", "重关系，先交朋友再谈事",
          "注重细节，会逐条核对方案")
FEMALE_GIVEN = {"芳", "娜", "敏", "静", "艳", "娟", "霞", "秀英", "桂英", "海燕", "丽华", "雪梅", "春燕"}
RESOLUTIONS = {"需求": "已整理需求清单，纳入方案第二版", "难题": "已安排工程师上门排查解决", "建议": "已反馈产品部，下一版本采纳",
               "投诉": "已更换问题批次并当面致歉"}
HANDLERS = {"需求": "售前工程师", "难题": "技术支持部", "建议": "产品部", "投诉": "售后服务部"}
MATERIALS = ("产品白皮书、同类单位案例集", "报价单和分期付款方案", "样品和检测报告", "实施计划和培训安排", "年度服务报告")
QUESTIONS = ("明年预算什么时候批？评审小组有哪些人？", "对第二版方案还有哪些顾虑？", "上线时间能否提前到明年三月？",
             "使用部门对培训还有什么要求？", "今年的服务满意吗？明年有什么新需求？")


def _visit(today: date, when: date, customer: Row, method: str, purpose: str, points: str,
           visitee: str | None) -> Row:
    """A visit row with every column the log has (the manager has reviewed it when its month has closed)."""
    return {"visit_date": when, "customer_id": customer["customer_id"], "visitor": customer["owner"],
            "visitee": visitee, "method": method, "location": str(customer["customer_name"]) if method == "面访" else None,
            "purpose": purpose, "key_points": points, "customer_view": VIEWS[0], "issues_found": None,
            "next_steps": NEXT[4], "follow_up_due": None, "follow_up_done": None,
            "manager_comment": "已阅" if when < today.replace(day=1) else None}


def _grades(assessment: list[Row]) -> dict[object, str | None]:
    """Each assessed account's grade by the default model (the layer plants by grade, as a rep would see it)."""
    from addin.core.grading import FACTORS, grade_factors
    from addin.core.settings import Settings

    settings = Settings()
    out: dict[object, str | None] = {}
    for a in assessment:
        factors = {k: a.get(k) for k in FACTORS}
        if a["customer_id"] not in out and all(isinstance(v, int) and 1 <= v <= 5 for v in factors.values()):
            out[a["customer_id"]] = grade_factors(factors, settings).grade
    return out


def _method_complete(rng: random.Random, today: date, customers: list[Row], assessment: list[Row],
                     contacts: list[Row], development: list[Row], visits: list[Row]) -> list[Row]:
    """The other half of the method, as a real team fills it in: the person's file on decision makers and
    coaches, money and a stage history in 开发记录, the issue loop and satisfaction in 拜访记录, coaches and
    birthdays kept in touch with, service after the sale, and 拜访计划. Each new rule gets one plausible slip
    (a coach not seen for weeks, a missed birthday call, a complaint not told, a lapsed won account, a plan
    missed, a deal whose close date passed, an amount typed in 元). Returns the 拜访计划 rows."""
    by_id = {c["customer_id"]: c for c in customers}
    grades = _grades(assessment)
    for c in customers:
        c["_grade"] = grades.get(c["customer_id"], "")
    valued = [c for c in customers if c["_grade"] in ("A", "B")]
    # the person's file (投其所好): decision makers and coaches of the accounts worth it, one A left bare
    bare = next(c["customer_id"] for c in customers if c["_grade"] == "A")
    for p in contacts:
        p["gender"] = "女" if str(p["name"])[1:] in FEMALE_GIVEN else "男"
        account = by_id.get(p["customer_id"])
        if account is None or p["role"] not in ("决策者", "教练") or p["customer_id"] == bare:
            continue
        if account["_grade"] in ("A", "B") or rng.random() < 0.4:
            p.update(hometown=rng.choice(HOMETOWNS), interests=rng.choice(INTERESTS), family=rng.choice(FAMILY),
                     style=rng.choice(STYLES), tenure_years=rng.randint(1, 12), mailing_address=account["address"])
    _deals(rng, today, customers, contacts, development, visits)
    _issue_loop(rng, today, customers, visits)
    _keep_in_touch(rng, today, valued, contacts, visits)
    _after_sales(today, customers, visits)
    visits.sort(key=lambda v: (v["visit_date"], str(v["customer_id"])))
    return _plans(rng, today, valued, contacts, visits)


def _deals(rng: random.Random, today: date, customers: list[Row], contacts: list[Row], development: list[Row],
           visits: list[Row]) -> None:
    """Budgets, expected amounts and closes, signed amounts and each update's stage (the stage history); the
    accounts being closed have a development record and their decision maker met in person, but for one."""
    stages = ("确定对象", "信息收集", "价值评估", "关系建立", "促成成交", "已成交", "已终止")
    by_id = {c["customer_id"]: c for c in customers}
    recorded = {d["customer_id"] for d in development}
    late = [c for c in customers if c["stage"] in ("促成成交", "已成交")]
    for n, c in enumerate(late):
        mine = [v for v in visits if v["customer_id"] == c["customer_id"] and v["visit_date"] <= today]
        in_person = [v for v in mine if v["method"] == "面访"]
        dm = next((p for p in contacts if p["customer_id"] == c["customer_id"] and p["role"] == "决策者"), None)
        if dm is not None and in_person and n != 1:  # the second account at the closing stages never met theirs
            _name_in(in_person[-1], str(dm["name"]))
        if c["customer_id"] not in recorded and c["stage"] == "促成成交" and mine:
            when = mine[-1]["visit_date"]
            development.append({
                "recorded_on": when, "customer_id": c["customer_id"], "sales_rep": c["owner"],
                "decision_maker": dm["name"] if dm else None, "dm_title": dm["title"] if dm else None,
                "project_status": "商务谈判中", "our_progress": "报价已提交，等待评审", "competitors": COMPETITORS[0],
                "next_week_plan": NEXT[2], "result": "进行中", "contact_count": len(mine),
                "total_days": (when - c["created_on"]).days})
    rows: dict[object, list[Row]] = {}
    for d in development:
        rows.setdefault(d["customer_id"], []).append(d)
    status = {"确定对象": "未知", "信息收集": "未知", "价值评估": "申请中", "关系建立": "已批复", "促成成交": "已到位",
              "已成交": "已到位", "已终止": "申请中"}
    won_rows: list[Row] = []
    passed: Row | None = None
    for cid, mine in rows.items():
        account = by_id.get(cid)
        if account is None:
            continue
        stage = str(account["stage"] or "信息收集")
        k = stages.index(stage)
        before = stages[3] if stage == "已终止" else stages[max(k - 1, 0)]
        budget = rng.choice((30, 50, 80, 120, 200, 350))
        mine.sort(key=lambda d: d["recorded_on"])
        for n, d in enumerate(mine):
            at = stage if n == len(mine) - 1 else before
            d.update(stage=at, urgency=rng.choice(("高", "中", "中", "低")), budget=budget,
                     budget_status=status[at], expected_amount=round(budget * rng.choice((0.7, 0.8, 0.9)), 1))
            if at in ("关系建立", "促成成交"):
                d["expected_close"] = max(today + timedelta(days=rng.randint(20, 150)), d["recorded_on"])
            if d["result"] == "成功":
                d["won_amount"] = d["expected_amount"]
                won_rows.append(d)
        if passed is None and stage == "关系建立" and mine[-1]["result"] == "进行中":
            passed = mine[-1]
    if won_rows:  # one win recorded without its amount
        won_rows[-1]["won_amount"] = None
    if passed is not None:  # a deal whose expected close slipped by without an update
        passed["expected_close"] = today - timedelta(days=9)
    vague = next((mine[-1] for cid, mine in rows.items() if by_id.get(cid, {}).get("stage") == "促成成交"), None)
    if vague is not None:  # at the closing stage with no date to sign yet
        vague["expected_close"] = None
    typed_in_yuan = next((d for d in development if d["stage"] == "信息收集"), None)
    if typed_in_yuan is not None:  # 180 万元 typed as 1,800,000
        typed_in_yuan["budget"] = 1_800_000


def _issue_loop(rng: random.Random, today: date, customers: list[Row], visits: list[Row]) -> None:
    """谁走访谁督办: each issue typed, handed over, resolved and told; one complaint still open past its days,
    one resolution never told to the customer; satisfaction asked now and then, one account's falling."""
    issues = [v for v in visits if v.get("issues_found") and isinstance(v["visit_date"], date)
              and v["visit_date"] <= today]
    for v in issues:
        kind = rng.choices(("需求", "难题", "建议", "投诉"), (4, 3, 2, 1))[0]
        v["issue_type"] = kind
        v["handed_to"] = HANDLERS[kind] if kind != "需求" else None
        age = (today - v["visit_date"]).days
        if age > (3 if kind == "投诉" else 7) or rng.random() < 0.5:
            v["resolution"] = RESOLUTIONS[kind]
            v["customer_informed"] = min(v["visit_date"] + timedelta(days=rng.randint(1, 5)), today)
    open_complaint = next((v for v in reversed(issues) if 5 <= (today - v["visit_date"]).days <= 20), None)
    if open_complaint is not None:
        open_complaint.update(issue_type="投诉", issues_found="到货设备外壳有划痕", handed_to="售后服务部",
                              resolution=None, customer_informed=None)
    told = [v for v in issues if v.get("resolution") and v is not open_complaint]
    if told:
        told[len(told) // 2]["customer_informed"] = None
    base = {c["customer_id"]: rng.choice((4, 5)) for c in customers}
    for v in visits:
        if v["method"] in ("面访", "电话") and rng.random() < 0.3 and v["customer_id"] in base:
            v["satisfaction"] = base[v["customer_id"]] - rng.choice((0, 0, 1))
    scored = [c for c in customers if c["_grade"] in ("A", "B") and sum(
        1 for v in visits if v["customer_id"] == c["customer_id"] and v.get("satisfaction")) >= 2]
    if scored:  # the latest answer two points down: something went wrong lately
        mine = sorted((v for v in visits if v["customer_id"] == scored[-1]["customer_id"] and v.get("satisfaction")),
                      key=lambda v: v["visit_date"])
        mine[-2]["satisfaction"], mine[-1]["satisfaction"] = 5, 3


def _name_in(visit: Row, name: str) -> None:
    met = str(visit.get("visitee") or "")
    if name not in met.split("、"):
        visit["visitee"] = f"{met}、{name}" if met else name


def _keep_in_touch(rng: random.Random, today: date, valued: list[Row], contacts: list[Row],
                   visits: list[Row]) -> None:
    """Coaches of A/B accounts met within the month (one not for weeks) and their people's birthdays greeted
    (one missed)."""
    from addin.core.lunar import BirthDate, next_birthday, parse_birthday

    ids = {c["customer_id"] for c in valued}
    by_id = {c["customer_id"]: c for c in valued}
    coaches = [p for p in contacts if p["customer_id"] in ids and p["role"] == "教练" and p["support"] == "支持"]
    for n, p in enumerate(coaches):
        account = by_id[p["customer_id"]]
        if n == 1:  # this coach was last seen six weeks ago
            for v in visits:
                if v["customer_id"] == p["customer_id"] and str(p["name"]) in str(v.get("visitee") or ""):
                    v["visitee"] = "、".join(x for x in str(v["visitee"]).split("、") if x != p["name"]) or None
            old = [v for v in visits if v["customer_id"] == p["customer_id"] and 40 <= (today - v["visit_date"]).days <= 60]
            if old:
                _name_in(old[-1], str(p["name"]))
            continue
        recent = [v for v in visits if v["customer_id"] == p["customer_id"] and isinstance(v["visit_date"], date)
                  and 0 <= (today - v["visit_date"]).days <= 25]
        if recent:
            _name_in(recent[-1], str(p["name"]))
        else:
            visits.append(_visit(today, today - timedelta(days=rng.randint(5, 20)), account, "电话", "教练沟通",
                                 "与教练电话沟通，了解内部评审进展", str(p["name"])))
    missed = False
    for p in contacts:
        person_account = by_id.get(p["customer_id"])
        born = parse_birthday(p.get("birthday"))
        if person_account is None or not isinstance(born, BirthDate):
            continue
        lunar = born.is_lunar(p.get("calendar"))
        day = next_birthday(born, "农历" if lunar else "公历", today - timedelta(days=30))
        if not today - timedelta(days=30) <= day < today:
            continue
        named = any(abs((v["visit_date"] - day).days) <= 3 and str(p["name"]) in str(v.get("visitee") or "")
                    for v in visits if v["customer_id"] == p["customer_id"])
        if named:
            continue
        if not missed and day <= today - timedelta(days=5):
            missed = True  # the rep was travelling that week: nobody called
            continue
        visits.append(_visit(today, day, person_account, "微信", "生日问候", "微信送上生日祝福，寄了贺卡", str(p["name"])))


def _after_sales(today: date, customers: list[Row], visits: list[Row]) -> None:
    """Won accounts served at their tier's cadence, but for one: the longest without contact is left lapsed;
    a 松散型 tier left on one account that has grown into an A."""
    from addin.core.settings import Settings

    settings = Settings()
    won = [c for c in customers if c["stage"] == "已成交"]
    last = {c["customer_id"]: max((v["visit_date"] for v in visits if v["customer_id"] == c["customer_id"]
                                   and v["visit_date"] <= today), default=None) for c in won}
    lapsed = min(won, key=lambda c: last[c["customer_id"]] or date.min, default=None)
    for c in won:
        interval = settings.service_interval(c["tier"])
        when = last[c["customer_id"]]
        if c is lapsed:
            if when is not None and (today - when).days <= interval:
                c["tier"] = "战略级" if c["_grade"] in ("A", "B") else c["tier"]
            continue
        if when is None or (today - when).days > interval - 7:
            visits.append(_visit(today, today - timedelta(days=min(12, interval // 3)), c, "面访", "售后回访",
                                 "回访使用情况，客户对交付和培训满意", None))
            visits[-1].update(satisfaction=5, customer_view="希望明年扩大使用范围")
    grown = next((c for c in customers if c["_grade"] == "A" and c["stage"] == "关系建立"), None)
    if grown is not None:
        grown["tier"] = "松散型"


def _plans(rng: random.Random, today: date, valued: list[Row], contacts: list[Row], visits: list[Row]) -> list[Row]:
    """拜访计划: visits planned and made, one planned and never made, and the next two weeks ahead."""
    plans: list[Row] = []
    names: dict[object, list[str | None]] = {}
    for p in contacts:
        names.setdefault(p["customer_id"], []).append(str(p["name"]))
    ids = {c["customer_id"] for c in valued}
    made = [v for v in visits if v["customer_id"] in ids and v["method"] == "面访"
            and 3 < (today - v["visit_date"]).days <= 60]
    for v in made[::3]:
        plans.append({"planned_on": v["visit_date"], "customer_id": v["customer_id"], "visitor": v["visitor"],
                      "visitee": v.get("visitee"), "method": "面访", "purpose": v["purpose"],
                      "materials": rng.choice(MATERIALS), "questions": rng.choice(QUESTIONS), "booked": "是"})
    for c in valued:
        seen = {v["visit_date"] for v in visits if v["customer_id"] == c["customer_id"]}
        day = today - timedelta(days=10)
        if not any(abs((d - day).days) <= 3 for d in seen if isinstance(d, date)):
            plans.append({"planned_on": day, "customer_id": c["customer_id"], "visitor": c["owner"],
                          "visitee": (names.get(c["customer_id"]) or [None])[0], "method": "面访",
                          "purpose": "方案交流", "materials": MATERIALS[1], "questions": QUESTIONS[1], "booked": "否"})
            break
    for n, c in enumerate(valued[:8]):
        people = names.get(c["customer_id"]) or [None]
        served = c["stage"] == "已成交"  # after the sale the visit is a service call, with its own questions
        plans.append({"planned_on": today + timedelta(days=2 + n * 2), "customer_id": c["customer_id"],
                      "visitor": c["owner"], "visitee": people[n % len(people)], "method": "面访",
                      "purpose": "售后回访" if served else PURPOSES[(n + 1) % len(PURPOSES)],
                      "materials": MATERIALS[4] if served else MATERIALS[n % len(MATERIALS)],
                      "questions": QUESTIONS[4] if served else QUESTIONS[n % len(QUESTIONS)],
                      "booked": "是" if n % 3 else "否"})
    plans.sort(key=lambda p: (p["planned_on"], str(p["customer_id"])))
    return plans
