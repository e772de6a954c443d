"""Grading benchmark: 10,000 accounts through kam's grading (scores, letters, advice, explanations, findings)
against a bare loop computing only the two weighted means and the letter, in the same run.

Run: python bench/grade_bench.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.core.grading import FACTORS, grade_workbook
from addin.core.model import WorkbookData, build_table
from addin.core.schema import ASSESSMENT, SETTINGS
from bench.common import timed

N = 10_000


def make_book() -> WorkbookData:
    rng = random.Random(3)
    header = ["客户编号", *[ASSESSMENT.by_key[k].label.zh for k in FACTORS]]
    rows = [header] + [[f"K{i:05d}", *[rng.randint(1, 5) for _ in FACTORS]] for i in range(N)]
    tables = {"assessment": build_table(ASSESSMENT, "价值评估", rows),
              "settings": build_table(SETTINGS, "设置", [["参数", "值"]])}
    return WorkbookData("bench", tables)


def bare(book: WorkbookData) -> int:
    table = book.get("assessment")
    assert table is not None
    n = 0
    for _, raw in table.rows:
        v = (raw[1] + raw[2]) / 2
        d = (raw[3] + raw[4] + raw[5] + raw[6]) / 4
        n += (v >= 3.5) + (d <= 3.0)
    return n


def full(book: WorkbookData) -> int:
    report = grade_workbook(book)
    return sum(len(g.to_dict()["explanation"]) for g in report.grades)


def main() -> None:
    book = make_book()
    base_s, _ = timed(lambda: bare(book), repeat=5)
    grade_s, _ = timed(lambda: grade_workbook(book), repeat=5)
    kam_s, _ = timed(lambda: full(book), repeat=5)
    print(f"accounts: {N:,}")
    print(f"bare loop (means + letter only):        {base_s * 1000:.0f} ms")
    print(f"kam grade_workbook (grades + findings):  {grade_s * 1000:.0f} ms")
    print(f"kam grade_workbook + JSON records:      {kam_s * 1000:.0f} ms (target well under 500 ms)")
    print(f"ratio kam / bare: {kam_s / base_s:.1f}x")


if __name__ == "__main__":
    main()
