"""The method's cost (#25): `kam validate` on the 100,000-visit team workbook with the method's columns and
拜访计划 filled, against the same rows in a workbook without them (the template before #25), in the same run.

Run: python bench/method_bench.py   (prints both times, the ratio and each run's peak memory; target <= 1.15)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import method_workbook  # noqa: E402
from bench.validate_bench import KAM, run  # noqa: E402


def main() -> None:
    bare, filled = method_workbook(filled=False), method_workbook(filled=True)
    for path in (bare, filled):
        print(f"workbook: {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
    bare_s, bare_r = min((run(KAM, bare) for _ in range(3)), key=lambda r: r[0])
    full_s, full_r = min((run(KAM, filled) for _ in range(3)), key=lambda r: r[0])
    print(f"without the new columns: {bare_s:.2f} s, {bare_r['issues']:,} findings, peak {bare_r['rss']:.0f} MB")
    print(f"with them filled:        {full_s:.2f} s, {full_r['issues']:,} findings, peak {full_r['rss']:.0f} MB")
    print(f"ratio: {full_s / bare_s:.2f} (target <= 1.15)")


if __name__ == "__main__":
    main()
