"""The piecewise reader of big sheets (addin.workbook.pieces) against python-calamine reading the same sheet
whole: the same grid, cell for cell, on every sheet of the 120-workbook corpus (XlsxWriter, openpyxl,
LibreOffice Calc, exceljs and SheetJS files; prefixed, Strict, no-styles... variants) cut into pieces of a
few rows, and the same findings from `kam validate` when the visit log of a bigger workbook is read in
pieces. Real parts: those producers' files and python-calamine itself."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from xml.parsers import expat

import pytest
from click.testing import CliRunner

from addin.cli import cli
from addin.workbook import guard, pieces
from addin.workbook.guard import inspect
from addin.workbook.reader import _calamine, read_workbook
from bench.common import big_workbook
from tests.corpus.build import build_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def _both(path: Path, piece_bytes: int) -> list[tuple[str, list[list[object]], list[list[object]]]]:
    listing = inspect(path)
    book = _calamine(path, listing.workbook_part, listing.other_sheets)
    out = []
    with zipfile.ZipFile(path) as zf:
        for sheet in listing.sheets:
            whole = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
            cut = pieces.read_in_pieces(zf, listing, guard.SheetPart(sheet.name, sheet.part), piece_bytes)
            out.append((sheet.name, whole, [list(row) for row in cut]))
    return out


def test_every_corpus_sheet_reads_the_same_in_pieces(corpus):
    compared = 0
    for path in corpus:
        for name, whole, cut in _both(path, piece_bytes=700):
            assert cut == whole, f"{path.name} / {name}"
            compared += len(whole)
    assert compared > 10_000


def test_a_piece_boundary_never_splits_a_row(tmp_path):
    path = big_workbook(visits=3_000, customers=200, folder=tmp_path)
    listing = inspect(path)
    visits = next(s for s in listing.sheets if s.name == "拜访记录")
    with zipfile.ZipFile(path) as zf:
        parts = list(pieces.cut(zf, path, guard.SheetPart(visits.name, visits.part), 50_000))
    assert len(parts) > 5
    numbers = []
    for part in parts:
        expat.ParserCreate().Parse(part, True)  # each piece a whole document: rows never cut in two
        assert b"<dimension" not in part
        numbers += [int(n) for n in re.findall(rb'<row r="(\d+)"', part)]
    assert numbers == list(range(1, len(numbers) + 1))
    for name, whole, cut in _both(path, piece_bytes=50_000):
        assert cut == whole, name


def test_gaps_and_a_late_first_column_keep_their_place(tmp_path):
    """Empty rows between pieces and a piece whose cells all sit right of column A come back in place."""
    import openpyxl

    path = tmp_path / "gaps.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "拜访记录"
    for r in range(3, 400, 7):
        ws.cell(row=r, column=3 if r > 200 else 1, value=f"r{r}")
        ws.cell(row=r, column=5, value=r * 1.5)
    ws.cell(row=450, column=9, value=date(2026, 1, 2))
    wb.save(path)
    for name, whole, cut in _both(path, piece_bytes=300):
        assert cut == whole, name


def _one_sheet_book(path: Path, title: str, rows: list[list[object]], change) -> Path:
    """An openpyxl workbook of one sheet, its sheet XML then changed by `change` (bytes -> bytes)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = title
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    members["xl/worksheets/sheet1.xml"] = change(members["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return path


def _row_150_before_row_20(sheet: bytes) -> bytes:
    start, end = sheet.index(b'<row r="150"'), sheet.index(b'<row r="151"')
    moved, sheet = sheet[start:end], sheet[:start] + sheet[end:]
    at = sheet.index(b'<row r="20"')
    return sheet[:at] + moved + sheet[at:]


def test_rows_out_of_order_fall_back_to_the_whole_sheet(tmp_path, monkeypatch):
    rows = [["客户编号", "客户名称"], *([f"K{i:03d}", f"公司{i}"] for i in range(200))]
    path = _one_sheet_book(tmp_path / "order.xlsx", "客户", rows, _row_150_before_row_20)
    listing = inspect(path)
    with zipfile.ZipFile(path) as zf, pytest.raises(pieces.OutOfOrder):
        pieces.read_in_pieces(zf, listing, guard.SheetPart("客户", listing.sheets[0].part), 500)
    whole = read_workbook(path)
    monkeypatch.setattr(guard, "BIG_SHEET", 500)
    cut = read_workbook(path)
    assert [(n, list(v)) for n, v in cut.sheets["customers"].rows] == whole.sheets["customers"].rows


def test_validate_finds_the_same_with_the_visit_log_in_pieces(tmp_path, monkeypatch):
    path = big_workbook(visits=5_000, customers=300, folder=tmp_path)
    runner = CliRunner()
    args = ["validate", str(path), "--format", "json", "--today", "2026-11-22"]
    whole = runner.invoke(cli, args)
    monkeypatch.setattr(guard, "BIG_SHEET", 100_000)
    monkeypatch.setattr(pieces, "PIECE_BYTES", 60_000)
    listing = inspect(path, stream_big=True)
    assert "拜访记录" in [s.name for s in listing.sheets if s.in_pieces]
    cut = runner.invoke(cli, args)
    assert whole.exit_code == cut.exit_code == 1
    assert json.loads(cut.output) == json.loads(whole.output)
    assert len(json.loads(cut.output)["issues"]) > 500


def test_rows_out_of_order_early_do_not_let_a_far_cell_later_through(tmp_path, monkeypatch):
    """When the pieces stop at rows out of order, the rest of the part is still scanned before calamine reads
    it whole: a far cell after that point is refused, not allocated."""
    from addin.errors import KamError

    far = b'<row r="1048000"><c r="XFD1048000" t="inlineStr"><is><t>x</t></is></c></row>'
    rows = [["客户编号", "客户名称"], *([f"K{i:03d}", f"公司{i}"] for i in range(200))]
    path = _one_sheet_book(tmp_path / "order-far.xlsx", "客户", rows,
                           lambda sheet: _row_150_before_row_20(sheet).replace(b"</sheetData>", far + b"</sheetData>"))
    monkeypatch.setattr(guard, "BIG_SHEET", 500)
    monkeypatch.setattr(guard, "CHUNK", 1_000)  # the part inflates in small chunks: the far cell comes late
    monkeypatch.setattr(pieces, "PIECE_BYTES", 500)
    with pytest.raises(KamError) as caught:
        read_workbook(path)
    assert caught.value.key == "file.far_cell"


def test_a_hostile_far_cell_in_a_later_piece_is_refused(tmp_path):
    """The guard's bound holds for a sheet read in pieces: the far cell is refused before calamine sees it."""
    from addin.errors import KamError

    far = b'<row r="1048000"><c r="XFD1048000" t="inlineStr"><is><t>x</t></is></c></row>'
    path = _one_sheet_book(tmp_path / "far.xlsx", "拜访记录", [[f"v{r}"] for r in range(1, 300)],
                           lambda sheet: sheet.replace(b"</sheetData>", far + b"</sheetData>"))
    listing = inspect(path, needed=set())  # listed, not scanned: the pieces are scanned as they are cut
    with zipfile.ZipFile(path) as zf, pytest.raises(KamError) as caught:
        pieces.read_in_pieces(zf, listing, guard.SheetPart("拜访记录", listing.sheets[0].part), 500)
    assert caught.value.key == "file.far_cell"


def test_pieces_stay_in_memory_when_the_temporary_folder_cannot_be_written(tmp_path, monkeypatch):
    """A full or read-only temporary folder costs speed, not the read: each piece is then packaged in memory."""
    import contextlib

    path = big_workbook(visits=2_000, customers=100, folder=tmp_path)
    gone = tmp_path / "no-such-folder"
    monkeypatch.setattr(pieces.tempfile, "TemporaryDirectory",
                        lambda **_kw: contextlib.nullcontext(str(gone)))
    parsed: list[object] = []
    real = pieces._parse
    monkeypatch.setattr(pieces, "_parse", lambda package: parsed.append(type(package)) or real(package))
    for name, whole, cut in _both(path, piece_bytes=40_000):
        assert cut == whole, name
    assert parsed and set(parsed) == {io.BytesIO}
    assert not gone.exists()
