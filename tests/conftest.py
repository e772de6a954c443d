"""Shared helpers: small real workbooks written with openpyxl for adapter tests."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from addin.docs.batch import has_component

#: LibreOffice tests skip for the part they need, not for the binary: Debian's soffice exists with Calc only
needs_calc = pytest.mark.skipif(not has_component("calc"), reason="LibreOffice Calc is not installed here")
needs_writer = pytest.mark.skipif(not has_component("writer"), reason="LibreOffice Writer is not installed here")
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def write_book(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    """Write `sheets` (name -> rows starting at A1) to an .xlsx with openpyxl."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


@pytest.fixture
def book(tmp_path):
    """Factory: book({"拜访记录": [[...], ...]}) -> path of a fresh .xlsx."""
    counter = iter(range(1000))

    def make(sheets: dict[str, Sequence[Sequence[object]]], name: str | None = None) -> Path:
        return write_book(tmp_path / (name or f"book{next(counter)}.xlsx"), sheets)

    return make
