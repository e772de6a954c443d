"""Rules that guard the buying influences (SPEC §4): the four roles, the danger zone, coaches, the person's file."""

from __future__ import annotations

from collections.abc import Iterator

from addin.core.findings import Finding
from addin.core.parse import cell_text, person_key
from addin.core.rules.context import (
    WORKING_STAGES,
    Context,
    Shown,
    account_kwargs,
    blanks,
    has_visitee,
    people_met,
    roles_of,
    stages_of,
)
from addin.core.schema import CONTACTS, ROLE, STAGE, SUPPORT


def role_missing(ctx: Context) -> Iterator[Finding]:
    roles = roles_of(ctx)
    stages = stages_of(ctx)
    for cid in ctx.customer_rows:
        grade = ctx.grades.get(cid)
        stage = stages.get(cid)
        if grade not in ("A", "B") and stage not in WORKING_STAGES:
            continue  # the method: one unknown buyer is a danger once we work the account
        for role in ROLE.values:
            if role.zh not in roles.get(cid, ()):
                if grade in ("A", "B"):
                    yield ctx.account(cid, "role-missing", grade=grade, role=role)
                else:
                    yield Finding(**account_kwargs(ctx, cid, "role-missing", role=role,
                                                    stage=Shown(STAGE, stage or "")),
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


def coach_not_supportive(ctx: Context) -> Iterator[Finding]:
    """A 教练 who is neutral or opposed is no coach: a coach wants us to win."""
    contacts = ctx.sheets.get("contacts")
    if contacts is None or "role" not in contacts.typed or "support" not in contacts.typed:
        return
    names = contacts.raw.get("name")
    for i, (role, support) in enumerate(zip(contacts.typed["role"], contacts.typed["support"], strict=True)):
        if role == "教练" and support in ("反对", "中立"):
            yield contacts.row_finding(i, "coach-not-supportive", name=cell_text(names[i]) if names else "",
                                       support=Shown(SUPPORT, support))


def coach_neglected(ctx: Context) -> Iterator[Finding]:
    """A supportive 教练 of an A or B account not met (any method) in the last coach_contact_days."""
    contacts = ctx.sheets.get("contacts")
    if contacts is None or not {"role", "support"} <= set(contacts.typed) or not has_visitee(ctx):
        return
    met = people_met(ctx)
    limit = ctx.settings.coach_contact_days
    for i, (role, support) in enumerate(zip(contacts.typed["role"], contacts.typed["support"], strict=True)):
        cid = contacts.cid(i)
        if role != "教练" or support != "支持" or ctx.grades.get(cid) not in ("A", "B"):
            continue
        name = contacts.text("name", i)
        seen = [when for when, _ in met.get((cid, person_key(name)), ())]
        if not seen:
            yield contacts.row_finding(i, "coach-neglected", name=name, limit=limit,
                                       message_key="finding.coach-neglected.never")
        elif (ctx.today - max(seen)).days > limit:
            yield contacts.row_finding(i, "coach-neglected", name=name, limit=limit, last=max(seen).isoformat(),
                                       days=(ctx.today - max(seen)).days)


#: the person's file the method asks for on each decision maker (投其所好)
PROFILE = ("hometown", "interests", "family", "style")


def profile_thin(ctx: Context) -> Iterator[Finding]:
    """The 决策者 of an A account with none of 籍贯, 兴趣爱好, 家庭情况, 做事风格 filled."""
    contacts = ctx.sheets.get("contacts")
    if contacts is None or "role" not in contacts.typed:
        return
    columns = [contacts.raw[k] for k in PROFILE if k in contacts.raw]
    if not columns:
        return
    empty = [blanks(c) for c in columns]
    for i, role in enumerate(contacts.typed["role"]):
        if role == "决策者" and ctx.grades.get(contacts.cid(i)) == "A" and \
                all(c[i] in e for c, e in zip(columns, empty, strict=True)):
            yield contacts.row_finding(i, "profile-thin", name=contacts.text("name", i),
                                       fields=[CONTACTS.by_key[k].label for k in PROFILE])
