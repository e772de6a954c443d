"""Briefing benchmark: 1,000 .docx briefings through kam (template compiled once, other parts copied raw,
--jobs = CPU count) against a naive loop (a new DocxTemplate per customer, one process), same run.

Run: python bench/brief_bench.py
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, big_workbook, timed

N = 1000


def main() -> None:
    from docxtpl import DocxTemplate

    from addin.core.briefing import build_briefings
    from addin.docs.batch import render_all
    from addin.docs.build_templates import template_path
    from addin.docs.render import environment
    from addin.workbook.reader import read_workbook

    book = read_workbook(big_workbook())
    ctx_s, contexts = timed(lambda: build_briefings(book, date(2026, 11, 22))[:N])
    template = template_path("docx", "zh")
    naive_dir, kam_dir = OUT / "naive-briefs", OUT / "kam-briefs"
    for folder in (naive_dir, kam_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def naive() -> None:
        for c in contexts:
            tpl = DocxTemplate(template)
            tpl.render(c, jinja_env=environment("docx"), autoescape=True)
            buf = io.BytesIO()
            tpl.save(buf)
            (naive_dir / f"{c['account']['customer_id']}.docx").write_bytes(buf.getvalue())

    jobs = os.cpu_count() or 1
    naive_s, _ = timed(naive)
    kam_s, outcomes = timed(lambda: render_all(contexts, "docx", template, kam_dir, jobs))
    assert all(o.path is not None for o in outcomes) and len(outcomes) == N
    one_s, _ = timed(lambda: render_all(contexts, "docx", template, kam_dir, 1))
    print(f"contexts for {N:,} customers built in {ctx_s:.2f} s")
    print(f"naive loop (new DocxTemplate each, 1 process): {naive_s:.1f} s = {N / naive_s:.0f} docs/s")
    print(f"kam, 1 process:                                {one_s:.1f} s = {N / one_s:.0f} docs/s")
    print(f"kam, --jobs {jobs}:                                  {kam_s:.1f} s = {N / kam_s:.0f} docs/s")
    print(f"ratio: {naive_s / kam_s:.1f}x the naive loop (target >= 5x)")


if __name__ == "__main__":
    main()
