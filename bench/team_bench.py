"""Team benchmark (#14): a team of reps' workbooks through `kam consolidate` (first run and a re-run with nothing
changed) and `kam report`, against `kam validate` over the same workbooks, measured in the same run; each
command is a child process whose peak memory (VmHWM) is read.

Run: python bench/team_bench.py                 (200 workbooks x 2,000 visits = 400,000 visits)
     python bench/team_bench.py --sizes 50,100,200   (three sizes, for how it grows)
Workbooks are generated once into bench/out/team-<books>x<visits>/ (distinct accounts per rep, a few 撞单).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import OUT, PEAK_MB, scaled_visits  # noqa: E402

TODAY = date(2026, 11, 22)

CHILD = """
import contextlib, io, json, sys
from addin.cli import main
out = io.StringIO()
code = 0
with contextlib.redirect_stdout(out):
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "bytes": len(out.getvalue()), "rss": PEAK}))
"""


def team(books: int, visits: int, customers: int = 50) -> Path:
    """`books` rep workbooks of `customers` accounts and `visits` visits each, under bench/out (cached)."""
    from addin.core.demo import _credit_code, make_demo
    from addin.workbook_templates.builder import build_workbook

    folder = OUT / f"team-{books}x{visits}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    demo = make_demo(TODAY).rows
    for b in range(books):
        rng = random.Random(b)
        rep = f"销售{b:03d}"
        rows: dict[str, list[dict[str, Any]]] = {k: [] for k in demo}
        for i in range(customers):
            src = demo["customers"][i % len(demo["customers"])]
            claimed = b % 20 == 1 and i == 0  # every 20th rep also works an account of the rep before (撞单)
            name = f"{src['customer_name']}{b - 1 if claimed else b}-{i}"
            rows["customers"].append({**src, "customer_id": f"R{b:03d}K{i:03d}", "customer_name": name,
                                      "owner": rep, "credit_code": _credit_code(rng) if i % 2 else None})
            a = demo["assessment"][i % len(demo["assessment"])]
            rows["assessment"].append({**a, "customer_id": f"R{b:03d}K{i:03d}"})
        for i in range(customers * 4):
            c = demo["contacts"][i % len(demo["contacts"])]
            rows["contacts"].append({**c, "customer_id": f"R{b:03d}K{i // 4:03d}"})
        accounts = [(f"R{b:03d}K{k:03d}", rep) for k in range(customers)]
        rows["visits"] = scaled_visits(demo["visits"], visits, accounts, rng, TODAY)
        rows["development"] = [dict(d, customer_id=f"R{b:03d}K{i % customers:03d}", sales_rep=rep)
                               for i, d in enumerate(demo["development"])]
        build_workbook(folder / f"{rep}.xlsx", "zh", rows)
    done.write_text("ok")
    return folder


def child(*args: str) -> tuple[float, dict]:
    """Run `kam ARGS` in a child process: wall time and what it reports (exit code, output size, peak MB)."""
    code = CHILD.replace("PEAK", PEAK_MB)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT).stdout
    return time.perf_counter() - start, json.loads(out.strip().splitlines()[-1])


def measure(books: int, visits: int) -> dict[str, Any]:
    folder = team(books, visits)
    store = folder.parent / f"team-{books}x{visits}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    day = ["--today", TODAY.isoformat()]
    t_validate, validate = child("validate", str(folder), "--format", "json", *day)
    t_first, first = child("consolidate", str(folder), "--db", str(store), "--format", "json", *day)
    t_again, again = child("consolidate", str(folder), "--db", str(store), "--format", "json", *day)
    t_report, report = child("report", "--db", str(store), "--format", "json", *day)
    t_xlsx, _ = child("report", "--db", str(store), "--out", str(folder.parent / f"team-{books}.xlsx"), *day)
    return {"books": books, "visits": books * visits, "validate": t_validate, "validate_mb": validate["rss"],
            "consolidate": t_first, "consolidate_mb": first["rss"], "again": t_again, "again_mb": again["rss"],
            "report": t_report, "report_mb": report["rss"], "report_xlsx": t_xlsx,
            "store_mb": store.stat().st_size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="200", help="comma-separated numbers of workbooks")
    parser.add_argument("--visits", type=int, default=2_000, help="visits per workbook")
    args = parser.parse_args()
    rows = [measure(int(n), args.visits) for n in args.sizes.split(",")]
    print(f"{'books':>6} {'visits':>8} | {'validate':>9} {'consolidate':>11} {'ratio':>6} {'peak MB':>8} | "
          f"{'re-run':>7} | {'report':>7} {'peak MB':>8} {'xlsx':>6} | {'store MB':>8}")
    for r in rows:
        print(f"{r['books']:>6} {r['visits']:>8} | {r['validate']:>8.1f}s {r['consolidate']:>10.1f}s "
              f"{r['consolidate'] / r['validate']:>5.2f}x {r['consolidate_mb']:>8.0f} | {r['again']:>6.2f}s | "
              f"{r['report']:>6.2f}s {r['report_mb']:>8.0f} {r['report_xlsx']:>5.2f}s | {r['store_mb']:>8.1f}")
    print("goals (#14): consolidate <= 1.5x validate; re-run < 3 s; report < 5 s; peak < 1 GB")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
