"""The findings of a large generated team workbook, locked (#17): a faster reader or column-wise rules must
find exactly what kam finds today, cell for cell. The lock is a digest of every finding's code, sheet, row,
cell and customer (not its wording, which may be improved freely) and the count per code, so a difference
says which codes moved. bench/validate_peers.py checks the same lock on 100,000 and 500,000 visits."""

from __future__ import annotations

import json

from click.testing import CliRunner

from addin.cli import cli
from bench.common import FINDINGS_LOCK, big_workbook, findings_digest


def test_findings_on_a_20000_visit_workbook_are_unchanged(tmp_path):
    book = big_workbook(visits=20_000, customers=2_000, folder=tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(book), "--format", "json", "--today", "2026-11-22"])
    locked = json.loads(FINDINGS_LOCK.read_text(encoding="utf-8"))["20000"]
    digest, counts = findings_digest(json.loads(result.stdout), codes=set(locked["counts"]))
    assert counts == locked["counts"]  # a difference here names the codes that moved
    assert digest == locked["digest"]
