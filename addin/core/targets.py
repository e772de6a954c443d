"""The manager's 目标 sheet (SPEC §3, read by `kam report --targets BOOK`): one row per rep and period. A bad row
gets one sentence naming its cell and is left out; the other rows still count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from addin.core.model import cell_address
from addin.core.period import parse_period
from addin.core.sheet import Parsed

TARGET_FIELDS = ("visits", "in_person_visits", "new_accounts", "won_amount")


@dataclass
class Targets:
    """The readable target rows and a (message key, params) per row left out."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def period_label(raw: object, today: date) -> str | None:
    """A 期间 cell as a report period label (2026-11, 2026Q4, 2026); Excel turns a typed 2026-11 into a date,
    which is read back as its month."""
    if isinstance(raw, datetime | date):
        return f"{raw.year}-{raw.month:02d}"
    if isinstance(raw, int | float) and float(raw).is_integer():
        raw = str(int(raw))
    text = str(raw or "").strip()
    if not text or not text[:4].isdigit():  # 本月 and the like name no fixed period in a targets table
        return None
    period = parse_period(text.upper() if "q" in text else text, today)
    return period.label if period is not None else None


def read_targets(parsed: Parsed, reps: set[str], today: date) -> Targets:
    """The 目标 rows whose 负责销售 is a rep of the store and whose 期间 is readable; numbers as typed."""
    out = Targets()
    seen: dict[tuple[str, str], int] = {}
    table = parsed.table
    for i, row in enumerate(parsed.rows):
        def where(key: str, row: int = row) -> dict[str, Any]:
            col = table.index.get(key)
            return {"sheet": table.name, "cell": cell_address(row, col) if col is not None else str(row)}

        owner = parsed.text("owner", i).strip()
        raw_period = parsed.raw.get("period", [None] * len(parsed))[i]
        label = period_label(raw_period, today)
        bad = next(((key, inv.raw) for key in TARGET_FIELDS for r, inv in parsed.invalid.get(key, []) if r == i), None)
        if bad is None:
            bad = next(((key, v) for key in TARGET_FIELDS if isinstance(v := (parsed.typed.get(key) or [None] * len(
                parsed))[i], int | float) and v < 0), None)
        if not owner or owner not in reps:
            out.problems.append(("targets.unknown_rep", {**where("owner"), "rep": owner or "-",
                                                         "reps": "、".join(sorted(reps)) or "-"}))
        elif label is None:
            out.problems.append(("targets.bad_period", {**where("period"), "value": raw_period or ""}))
        elif bad is not None:
            out.problems.append(("targets.bad_number", {**where(bad[0]), "value": bad[1]}))
        elif (owner, label) in seen:
            out.problems.append(("targets.duplicate", {**where("owner"), "rep": owner, "period": label,
                                                       "first": seen[(owner, label)]}))
        else:
            seen[(owner, label)] = row
            out.rows.append({"owner": owner, "period": label,
                             **{key: (parsed.typed.get(key) or [None] * len(parsed))[i] for key in TARGET_FIELDS}})
    return out
