"""Reader benchmark: the 拜访记录 of a 100,000-row workbook, kam's reader vs openpyxl normal mode, same run.

Run: python bench/read_bench.py   (prints both times, the ratio and kam's peak memory)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PEAK_MB, big_workbook, timed


def kam_read(path: Path) -> int:
    from addin.workbook.reader import read_workbook

    return len(read_workbook(path, sheets=["visits"]).get("visits").rows)  # type: ignore[union-attr]


def openpyxl_read(path: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(path)  # normal mode, as a naive script would
    ws = wb["拜访记录"]
    return sum(1 for row in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in row))


def peak_mb_of(code: str) -> float:
    """Peak RSS (MB) of a child process running `code` (so each reader is measured alone)."""
    probe = f"{code}\nprint({PEAK_MB})"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.split()
    return float(out[-1])


def main() -> None:
    path = big_workbook()
    print(f"workbook: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    kam_s, kam_rows = timed(lambda: kam_read(path), repeat=3)
    opx_s, opx_rows = timed(lambda: openpyxl_read(path))
    assert kam_rows == opx_rows, (kam_rows, opx_rows)
    probe = f"from bench.read_bench import kam_read; from pathlib import Path; kam_read(Path({str(path)!r}))"
    kam_mb = peak_mb_of(probe)
    print(f"rows read: {kam_rows:,}")
    print(f"kam reader (guard + calamine): {kam_s:.2f} s, peak {kam_mb:.0f} MB")
    print(f"openpyxl normal mode:          {opx_s:.2f} s")
    print(f"ratio: {opx_s / kam_s:.1f}x faster (target >= 8x, kam <= 1.5 s)")


if __name__ == "__main__":
    main()
