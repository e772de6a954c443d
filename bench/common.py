"""Shared benchmark helpers: build large workbooks from the demo data and time things."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from addin.core.demo import make_demo
from addin.workbook_templates.builder import build_workbook

OUT = Path(__file__).resolve().parent / "out"

#: the columns and sheets "The method, complete" (#25) added to the template: the benchmark and lock workbooks
#: leave them out, so they stay the workbooks whose findings were locked (a rule needing them cannot fire)
METHOD_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("gender", "hometown", "interests", "family", "style", "tenure_years", "mailing_address"),
    "development": ("stage", "urgency", "budget", "budget_status", "expected_amount", "expected_close",
                    "won_amount"),
    "visits": ("issue_type", "handed_to", "customer_informed", "satisfaction"),
    "plans": ("planned_on", "customer_id", "visitor", "visitee", "method", "purpose", "materials", "questions",
              "booked"),
}


def big_workbook(visits: int = 100_000, customers: int = 2_000, today: date = date(2026, 11, 22),
                 folder: Path = OUT) -> Path:
    """A team workbook with `customers` accounts and `visits` visit rows (cached in `folder`, bench/out/)."""
    path = folder / f"team-v2-{customers}c-{visits}v.xlsx"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    build_workbook(path, "zh", team_rows(visits, customers, today), omit=METHOD_COLUMNS)
    return path


def method_workbook(visits: int = 100_000, customers: int = 2_000, today: date = date(2026, 11, 22),
                    folder: Path = OUT, filled: bool = True) -> Path:
    """big_workbook's team from the complete demo (money, stages, the issue loop, satisfaction, plans): with
    `filled` every new column is written, without it the same rows go into a workbook without those columns,
    so the two differ only in what #25 added (bench/validate_bench.py prints the ratio)."""
    path = folder / f"team-v3-{customers}c-{visits}v{'' if filled else '-bare'}.xlsx"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rows = team_rows(visits, customers, today, complete=True)
    build_workbook(path, "zh", rows, omit=None if filled else METHOD_COLUMNS)
    return path


def clean_workbook(visits: int = 100_000, customers: int = 2_000, today: date = date(2026, 11, 22),
                   folder: Path = OUT) -> Path:
    """big_workbook's team with every visit row kam finds fault with taken out, until its visit log is clean
    (a few rounds: taking a row out can leave another without its follow-up); about 80% of the rows stay, so
    the file is named by the rows asked for, with "clean" in its name. Cached in `folder`."""
    from addin.core.validation import validate
    from addin.workbook.reader import read_workbook

    path = folder / f"team-v2-{customers}c-{visits}v-clean.xlsx"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rows = team_rows(visits, customers, today)
    for _round in range(6):
        build_workbook(path, "zh", rows, omit=METHOD_COLUMNS)
        book = read_workbook(path)
        visits_table = book.get("visits")
        assert visits_table is not None
        faulted = {f.row for f in validate(book, today).findings
                   if f.sheet == visits_table.name and f.row and f.row > visits_table.header_row}
        if not faulted:
            break
        first = visits_table.header_row + 1
        rows["visits"] = [v for i, v in enumerate(rows["visits"]) if i + first not in faulted]
    return path


def team_rows(visits: int, customers: int, today: date, complete: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The rows of big_workbook's team: the demo's accounts, contacts and records repeated, `visits` visits
    (`complete`: from the demo with the method's money, stages, issue loop and plans)."""
    demo = make_demo(today, complete=complete).rows
    rng = random.Random(7)
    base_c = demo["customers"]
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in demo}
    for i in range(customers):
        src = base_c[i % len(base_c)]
        rows["customers"].append({**src, "customer_id": f"K{i:05d}", "customer_name": f"{src['customer_name']}{i}"})
    for i, a in enumerate(demo["assessment"] * (customers // len(demo["assessment"]) + 1)):
        if i >= customers:
            break
        rows["assessment"].append({**a, "customer_id": f"K{i:05d}"})
    for i, c in enumerate(demo["contacts"] * (customers * 4 // len(demo["contacts"]) + 1)):
        if i >= customers * 4:
            break
        rows["contacts"].append({**c, "customer_id": f"K{i // 4:05d}"})
    owners = [(str(c["customer_id"]), str(c["owner"])) for c in rows["customers"]]
    rows["visits"] = scaled_visits(demo["visits"], visits, owners, rng, today)
    rows["development"] = [dict(d, customer_id=f"K{i % customers:05d}") for i, d in enumerate(demo["development"] * 20)]
    if complete:
        rows["plans"] = [dict(p, customer_id=f"K{i % customers:05d}") for i, p in enumerate(demo["plans"] * 40)]
    return rows


def scaled_visits(template: list[dict[str, Any]], n: int, accounts: list[tuple[str, str]], rng: random.Random,
                  today: date) -> list[dict[str, Any]]:
    """`n` visits made from the demo's, spread over the last two years among `accounts` (id, owner), like a
    real team: the owner visits, most follow-ups are done, a few slip."""
    out = []
    for i in range(n):
        v = dict(template[i % len(template)])
        v["customer_id"], v["visitor"] = accounts[rng.randrange(len(accounts))]
        v["visit_date"] = today - timedelta(days=rng.randrange(1, 730))
        if v.get("follow_up_due"):
            v["follow_up_due"] = v["visit_date"] + timedelta(days=rng.randrange(1, 9))
            late = rng.random() < 0.03 or v["follow_up_due"] > today
            v["follow_up_done"] = None if late else v["follow_up_due"]
        out.append(v)
    return out


#: Peak memory of the current process in MB. VmHWM is per address space, so unlike ru_maxrss it does not
#: inherit the parent's peak across fork+exec (which made child measurements look as big as the parent).
PEAK_MB = ("int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024")


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of `repeat` runs, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def findings_digest(report: dict[str, Any], codes: Collection[str] | None = None) -> tuple[str, dict[str, int]]:
    """A `kam validate --format json` object reduced to what must not change when kam gets faster: a digest of
    every finding's code, sheet, row, cell and customer (not its wording) and the count per code; with `codes`,
    of those codes' findings only (the codes locked before a later issue added new ones)."""
    import hashlib
    import json
    from collections import Counter

    keys = [(i["code"], i["sheet"], i["row"], i["cell"], i["customer_id"]) for i in report["issues"]
            if codes is None or i["code"] in codes]
    digest = hashlib.sha256(json.dumps(keys, ensure_ascii=False).encode("utf-8")).hexdigest()
    return digest, dict(sorted(Counter(k[0] for k in keys).items()))


#: the findings kam locked on the generated workbooks (visits -> digest and counts), tests/golden/
FINDINGS_LOCK = Path(__file__).resolve().parents[1] / "tests" / "golden" / "findings_lock.json"
