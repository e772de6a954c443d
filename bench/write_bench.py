"""Write-back benchmark: set one column on all 100,000 rows of the visit log through kam's safe writer
(patch the sheet inside the zip, copy every other part raw, verify, atomic replace) against openpyxl
load + set + save, in the same run. Also times `kam grade --write` on the same workbook.

Run: python bench/write_bench.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, big_workbook, timed

COLUMN = 12  # M: 负责人意见 (manager comment)


def kam_write(path: Path) -> None:
    from addin.workbook.writer import WorkbookEdits, write_workbook

    edits = WorkbookEdits()
    for row in range(2, 100_002):
        edits.set("拜访记录", row, COLUMN, f"已阅 {row}")
    write_workbook(path, edits, backup=False)


def openpyxl_write(path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["拜访记录"]
    for row in range(2, 100_002):
        ws.cell(row, COLUMN + 1, f"已阅 {row}")
    wb.save(path)


def kam_grade_write(path: Path) -> None:
    from click.testing import CliRunner

    from addin.cli import cli

    result = CliRunner().invoke(cli, ["grade", str(path), "--write", "--no-backup", "--format", "json"])
    assert result.exit_code in (0, 1), result.output


def main() -> None:
    source = big_workbook()
    work = OUT / "write-target.xlsx"
    shutil.copy(source, work)
    kam_s, _ = timed(lambda: kam_write(work))
    shutil.copy(source, work)
    opx_s, _ = timed(lambda: openpyxl_write(work))
    shutil.copy(source, work)
    grade_s, _ = timed(lambda: kam_grade_write(work))
    print(f"workbook: {source.name} (100,000 visit rows)")
    print(f"kam safe writer, 100,000 cells:   {kam_s:.2f} s")
    print(f"openpyxl load + set + save:       {opx_s:.2f} s")
    print(f"ratio: {opx_s / kam_s:.1f}x faster")
    print(f"kam grade --write (2,000 rows, whole command): {grade_s:.2f} s")


if __name__ == "__main__":
    main()
