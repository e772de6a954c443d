"""The safe writer (SPEC §7): only owned cells change, everything else stays byte-identical; no half files."""

import io
import os
import random
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from addin.cli import cli
from addin.errors import KamError
from addin.workbook.writer import WorkbookEdits, backup_path, fingerprint, lock_file, write_workbook


def _png() -> bytes:
    """A valid 1x1 red PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def _vba_project() -> bytes:
    import xlwings
    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as zf:
        return zf.read("xl/vbaProject.bin")


def rich_workbook(path: Path) -> Path:
    """A rep workbook with everything openpyxl is known to lose: VBA, a form button, comments, x14 validation,
    data bars, a chart, an image, a table, a defined name, a text box and another sheet."""
    vba = path.parent / "vbaProject.bin"
    vba.write_bytes(_vba_project())
    img = path.parent / "logo.png"
    img.write_bytes(_png())
    wb = xlsxwriter.Workbook(path)
    wb.add_vba_project(str(vba))
    ws = wb.add_worksheet("价值评估")
    header = ["客户编号", "份额", "经营价值", "投入", "成交风险", "付款风险", "供货难度", "我的备注"]
    ws.write_row(0, 0, header)
    for i in range(1, 6):
        ws.write_row(i, 0, [f"C{i}", 4, 3 + i % 3, 2, 3, 2, 3, f"note {i}"])
    ws.write_comment("H2", "rep's own note")
    ws.data_validation("B2:G100", {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 5})
    ws.conditional_format("B2:B6", {"type": "data_bar", "bar_solid": True})  # x14 extension
    ws.insert_button("J2", {"macro": "SampleCall", "caption": "评级"})
    ws.insert_textbox("J6", "a text box")
    ws.insert_image("J10", str(img))
    other = wb.add_worksheet("客户")
    other.write_row(0, 0, ["客户编号", "客户名称", "负责销售"])
    other.add_table("A1:C6", {"columns": [{"header": h} for h in ("客户编号", "客户名称", "负责销售")],
                              "data": [[f"C{i}", f"甲{i}", "周"] for i in range(1, 6)]})
    other.data_validation("D2:D10", {"validate": "list", "source": "=价值评估!$A$2:$A$6"})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=价值评估!$B$2:$B$6"})
    other.insert_chart("F2", chart)
    wb.define_name("Factors", "=价值评估!$B$2:$G$6")
    wb.close()
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _raw(path: Path) -> dict[str, tuple[int, int]]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: (i.CRC, i.compress_size) for i in zf.infolist()}


def _sheet_part(path: Path, name: str) -> str:
    from addin.workbook.guard import inspect
    return next(s.part for s in inspect(path, needed=set()).sheets if s.name == name)


def test_grade_write_keeps_every_other_part_byte_identical(tmp_path):
    book = rich_workbook(tmp_path / "rep.xlsm")
    before, raw_before = _members(book), _raw(book)
    result = CliRunner().invoke(cli, ["grade", str(book), "--write"])
    assert result.exit_code == 0, result.output
    after, raw_after = _members(book), _raw(book)
    owned = _sheet_part(book, "价值评估")
    assert set(before) == set(after)
    for name in before:
        if name != owned:
            assert after[name] == before[name], name
            assert raw_after[name] == raw_before[name], name  # copied as stored, not recompressed
    # inside the owned sheet, everything outside <sheetData> and <dimension> is unchanged too
    import re
    strip = re.compile(rb"<sheetData>.*</sheetData>|<dimension [^>]*/>", re.S)
    assert strip.sub(b"", after[owned]) == strip.sub(b"", before[owned])
    ws = openpyxl.load_workbook(book)["价值评估"]
    assert [c.value for c in ws[1]][:13] == ["客户编号", "份额", "经营价值", "投入", "成交风险", "付款风险", "供货难度",
                                             "我的备注", "价值分", "难度分", "等级", "建议", "说明"]
    assert ws["K2"].value in {"A", "B", "C", "D"} and ws["H2"].value == "note 1"
    assert backup_path(book).read_bytes() and _members(backup_path(book)) == before
    assert "vbaProject.bin" in "".join(after)


def test_rewrite_replaces_values_in_place(tmp_path):
    book = rich_workbook(tmp_path / "rep.xlsx")
    runner = CliRunner()
    assert runner.invoke(cli, ["grade", str(book), "--write", "--no-backup"]).exit_code == 0
    first = _members(book)
    assert runner.invoke(cli, ["grade", str(book), "--write", "--no-backup"]).exit_code == 0
    assert _members(book) == first  # idempotent: same columns reused, nothing appended twice
    assert not backup_path(book).exists()


def test_formula_cells_in_owned_columns_are_left_alone(tmp_path):
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "价值评估"
    ws.append(["客户编号", "份额", "经营价值", "投入", "成交风险", "付款风险", "供货难度", "等级"])
    ws.append(["C1", 4, 4, 2, 2, 2, 2, "=kam_grade(B2,C2,D2,E2,F2,G2)"])
    wb.save(path)
    result = CliRunner().invoke(cli, ["grade", str(path), "--write"])
    assert result.exit_code == 0
    assert "H2" in result.output
    assert openpyxl.load_workbook(path)["价值评估"]["H2"].value == "=kam_grade(B2,C2,D2,E2,F2,G2)"


def test_lock_file_refuses_and_leaves_the_file_untouched(tmp_path):
    book = rich_workbook(tmp_path / "rep.xlsx")
    lock_file(book).write_bytes(b"owner")
    before = book.read_bytes()
    result = CliRunner().invoke(cli, ["grade", str(book), "--write"])
    assert result.exit_code == 2 and "Excel" in result.output
    assert book.read_bytes() == before and not backup_path(book).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["rep.xlsx", "~$rep.xlsx", "vbaProject.bin",
                                                                 "logo.png"])


def test_changed_on_disk_since_read_is_refused(tmp_path):
    book = rich_workbook(tmp_path / "rep.xlsx")
    seen = fingerprint(book)
    with zipfile.ZipFile(book, "a") as zf:  # someone saves a change after kam read the file
        zf.writestr("docProps/custom-note.txt", "edited")
    before = book.read_bytes()
    edits = WorkbookEdits()
    edits.set("价值评估", 2, 9, "x")
    with pytest.raises(KamError) as err:
        write_workbook(book, edits, expected=seen)
    assert err.value.key == "write.changed" and book.read_bytes() == before


def test_full_disk_keeps_the_original(tmp_path, monkeypatch):
    book = rich_workbook(tmp_path / "rep.xlsx")
    before = book.read_bytes()

    def no_space(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    result = CliRunner().invoke(cli, ["grade", str(book), "--write", "--lang", "en"])
    assert result.exit_code == 2 and "the disk is full" in result.output
    assert book.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_text_is_never_a_formula_and_survives_round_trip(tmp_path):
    book = rich_workbook(tmp_path / "rep.xlsx")
    edits = WorkbookEdits()
    for i, text in enumerate(["=1+1", "+86 138", "-5", "@x", "A & B <有限>", 'say "hi"']):
        edits.set("价值评估", 10 + i, 0, text)
    write_workbook(book, edits, backup=False)
    ws = openpyxl.load_workbook(book)["价值评估"]
    assert [ws.cell(10 + i, 1).value for i in range(6)] == ["=1+1", "+86 138", "-5", "@x", "A & B <有限>",
                                                            'say "hi"']
    assert all(ws.cell(10 + i, 1).data_type == "s" for i in range(6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=60))
def test_any_unicode_text_round_trips(tmp_path, text):
    book = tmp_path / "u.xlsx"
    if not book.exists():
        rich_workbook(book)
    edits = WorkbookEdits()
    edits.set("价值评估", 3, 12, text)
    write_workbook(book, edits, backup=False)
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("价值评估").to_python(skip_empty_area=False)
    expected = "".join(ch for ch in text if ch in "\t\n\r" or not (ord(ch) < 32 or ch in "\ufffe\uffff"))
    assert rows[2][12] == expected


KILL_SCRIPT = """
import sys
from addin.cli import main
main(["grade", sys.argv[1], "--write", "--no-backup"])
"""


def test_killing_the_writer_never_leaves_a_corrupt_file(tmp_path):
    """50 runs SIGKILLed at random moments: the file is always the old or the new version."""
    book = rich_workbook(tmp_path / "rep.xlsx")
    old = book.read_bytes()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(book)], check=True, capture_output=True)
    full = time.perf_counter() - start
    new = book.read_bytes()
    assert new != old
    rng = random.Random(50)
    outcomes = {"old": 0, "new": 0}
    for _ in range(50):
        book.write_bytes(old)
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(book)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.0) * full)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = book.read_bytes()
        assert now in (old, new), "half-written file"
        outcomes["old" if now == old else "new"] += 1
        with zipfile.ZipFile(io.BytesIO(now)) as zf:
            assert zf.testzip() is None
    assert outcomes["old"] + outcomes["new"] == 50
    print("kill outcomes:", outcomes)


def test_a_part_that_would_not_parse_is_never_written(tmp_path, monkeypatch):
    """The writer checks every XML part it made before it goes into the file (beside its deflating): a
    patch gone wrong stops the write with one sentence and the workbook stays as it was."""
    from addin.workbook import writer
    from addin.workbook.sheetxml import PatchResult

    path = rich_workbook(tmp_path / "rich.xlsm")
    before = path.read_bytes()
    monkeypatch.setattr(writer, "patch_cells", lambda xml, edits: PatchResult(xml.replace(b"</sheetData>", b""), []))
    edits = writer.WorkbookEdits()
    edits.set("价值评估", 2, 8, "x")
    with pytest.raises(KamError) as caught:
        writer.write_workbook(path, edits, backup=False)
    assert caught.value.key == "write.verify"
    assert path.read_bytes() == before and not list(tmp_path.glob("*.tmp"))


def test_the_well_formed_check_reads_a_part_in_slices_and_still_catches_what_is_broken(monkeypatch):
    """libxml2 (through lxml, the real part) is fed CHECK_SLICE bytes at a time: a character cut in two by a
    slice still parses, and a broken tag, an empty part or a DOCTYPE in a later slice is refused."""
    from addin.workbook import writer

    monkeypatch.setattr(writer, "CHECK_SLICE", 7)
    good = '<?xml version="1.0" encoding="UTF-8"?><r><t>拜访记录 é</t><t>第二</t></r>'.encode()
    writer.well_formed("ok.xml", good)
    for bad in (good.replace(b"</r>", b"</x>"), b"", good + b"<r/>", good.replace(b"\xe7\xac\xac", b"\x01")):
        with pytest.raises(writer.PartNotXml):
            writer.well_formed("bad.xml", bad)
    with pytest.raises(writer.PartNotXml, match="DOCTYPE"):
        writer.well_formed("dtd.xml", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>')


def test_a_check_started_early_that_fails_stops_the_write(tmp_path, monkeypatch):
    """A part handed on as it was made (Packed) whose check failed is never written: the writer takes that
    check's verdict (it does not check the same bytes again) and the workbook stays as it was."""
    from concurrent.futures import ThreadPoolExecutor

    from addin.workbook import writer

    path = tmp_path / "book.xlsx"
    openpyxl.Workbook().save(path)
    before = path.read_bytes()
    broken = b"<worksheet><sheetData></worksheet>"
    with ThreadPoolExecutor(max_workers=2) as pool:
        made = writer.Packed("xl/worksheets/sheet1.xml", [broken[:9], memoryview(broken)[9:]], pool)
        checked_again: list[str] = []
        check = writer.well_formed
        monkeypatch.setattr(writer, "well_formed", lambda name, data: checked_again.append(name) or check(name, data))
        edits = writer.WorkbookEdits(parts={"xl/worksheets/sheet1.xml": made})
        with pytest.raises(KamError) as caught:
            writer.write_workbook(path, edits, backup=False)
    assert caught.value.key == "write.verify"
    assert "xl/worksheets/sheet1.xml" not in checked_again
    assert path.read_bytes() == before


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=30), st.integers(1, 64))
def test_a_part_in_pieces_is_deflated_and_checked_as_the_same_part_whole(pieces, size):
    """However a part is cut (bytes and views, grouped into runs of any size), its CRC-32 and deflated bytes
    are those of the part whole, and zlib (the real part) inflates them back to it."""
    from addin.workbook import writer

    whole = b"".join(pieces)
    cut: list[bytes | memoryview] = [memoryview(p) if i % 2 else p for i, p in enumerate(pieces)]
    runs = writer._runs(cut, size)
    assert b"".join(b"".join(r) if isinstance(r, list) else bytes(r) for r in runs) == whole
    crc, raw = writer.deflate(runs)
    assert (crc, raw) == writer.deflate(whole)
    assert crc == zlib.crc32(whole) and zlib.decompress(raw, -15) == whole


def test_a_part_in_pieces_reaches_the_file_whole(tmp_path):
    """A sheet handed to the writer as pieces (views into its old XML and new bytes) is written as their
    join; openpyxl (the real part) reads the new value, and the part's recorded size is the join's."""
    from concurrent.futures import ThreadPoolExecutor

    from addin.workbook import writer

    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "old"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    at = xml.index(b"<sheetData>") + len(b"<sheetData>")
    end = xml.index(b"</sheetData>")
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe6\x96\xb0</t></is></c></row>'
    view = memoryview(xml)
    with ThreadPoolExecutor(max_workers=2) as pool:
        made = writer.Packed("xl/worksheets/sheet1.xml", [view[:at], row, view[end:]], pool)
        writer.write_workbook(path, writer.WorkbookEdits(parts={"xl/worksheets/sheet1.xml": made}), backup=False)
    assert openpyxl.load_workbook(path).active["A1"].value == "新"
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == at + len(row) + len(xml) - end


def test_an_owned_sheet_keeps_white_space_only_where_it_matters(tmp_path):
    """Texts of kam's own sheets carry xml:space="preserve" only when they start or end with white space or
    hold a line break or a double space; openpyxl (the real part) reads every one back as written."""
    import openpyxl

    from addin.workbook.marks import owned_sheet_xml

    values = ["plain", " leading", "trailing ", "two\nlines", "a  b", "<&>", "plain"]
    xml = owned_sheet_xml([values], [], (10,) * len(values))
    assert xml.count(b'xml:space="preserve"') == 4
    path = tmp_path / "owned.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "校验结果"
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    members["xl/worksheets/sheet1.xml"] = xml
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    row = next(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert list(row) == values


@pytest.mark.parametrize("broken", [
    b"<r>&foo;</r>", b"<r>a\x01b</r>", b"<r>&#1;</r>", b"<r><a></b></r>", b"<r/><s/>", b"<r><a>", b"<r a=1/>",
    b'<r a="1" a="2"/>', b'<r a="<"/>', b"<r>\xff\xfe</r>", b"", b"<r/>junk", b"<!DOCTYPE r><r/>",
])
def test_the_part_check_refuses_what_expat_refused(broken):
    """The libxml2 check (lxml, the real part) refuses every malformed part the expat check refused: an
    undefined entity, a control character, mismatched or unclosed tags, two roots, a bad or repeated
    attribute, bad UTF-8, an empty part, text after the root, a DOCTYPE."""
    from xml.parsers import expat

    from addin.workbook import writer

    with pytest.raises(writer.PartNotXml):
        writer.well_formed("part.xml", broken)
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = lambda *_a: (_ for _ in ()).throw(expat.ExpatError("DOCTYPE"))
    with pytest.raises(expat.ExpatError):
        parser.Parse(broken, True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.one_of(st.text(max_size=6), st.integers(-5, 5)), min_size=1, max_size=4), max_size=12),
       st.integers(1, 13))
def test_an_owned_sheet_encoded_in_runs_is_the_same_sheet(rows, run):
    """The rows of kam's own sheets are encoded a run at a time: wherever the runs fall, the bytes are the
    same as in one run."""
    from addin.workbook.marks import _rows_xml

    assert b"".join(_rows_xml(rows, None, run)) == b"".join(_rows_xml(rows, None, 10_000))
