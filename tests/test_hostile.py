"""A corpus of broken and hostile workbooks: each ends in one sentence and exit 2, or in normal findings and
exit 1; never a traceback, a killed process or a written file."""

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from addin.core.model import column_letter
from tests.conftest import write_book

HEADERS = ["客户编号", "客户名称", "负责销售"]


def _rewrite(src: Path, dst: Path, part: str, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == part:
                data = change(data)
            zout.writestr(item.filename, data)
    return dst


def _base(tmp: Path) -> Path:
    return write_book(tmp / "base.xlsx", {"客户": [HEADERS, ["C1", "甲", "周"]]})


def make_empty(tmp):
    (tmp / "empty.xlsx").write_bytes(b"")
    return tmp / "empty.xlsx"


def make_text(tmp):
    (tmp / "text.xlsx").write_text("客户编号,客户名称\nC1,甲\n", encoding="utf-8")
    return tmp / "text.xlsx"


def make_xls(tmp):
    (tmp / "old.xls.xlsx").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 4096)
    return tmp / "old.xls.xlsx"


def make_encrypted(tmp):
    # Office encryption wraps the package in an OLE compound file with EncryptionInfo/EncryptedPackage
    body = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
    (tmp / "locked.xlsx").write_bytes(body + b"\0" * 2048)
    return tmp / "locked.xlsx"


def make_real_encrypted(tmp):
    """An .xlsx encrypted with an open password by msoffcrypto-tool (Office's ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_book(tmp / "plain.xlsx", {"客户": [HEADERS, ["C1", "甲", "周"]]})
    with plain.open("rb") as src, (tmp / "real-locked.xlsx").open("wb") as out:
        OOXMLFile(src).encrypt("secret", out)
    return tmp / "real-locked.xlsx"


def make_truncated(tmp):
    base = write_book(tmp / "big.xlsx", {"客户": [HEADERS] + [[f"C{i}", "甲", "周"] for i in range(3000)]})
    data = base.read_bytes()
    (tmp / "truncated.xlsx").write_bytes(data[: len(data) * 2 // 3])
    return tmp / "truncated.xlsx"


def make_zip_bomb(tmp):
    padding = b" " * (60 * 1024 * 1024)  # 60 MB of white space inside the sheet: inflates > 1000:1
    return _rewrite(_base(tmp), tmp / "bomb.xlsx", "xl/worksheets/sheet1.xml",
                    lambda d: d.replace(b"<sheetData>", b"<sheetData>" + padding, 1))


def make_billion_laughs(tmp):
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(f'<!ENTITY lol{i} "{"&lol%s;" % (i - 1 or "") * 10}">'.encode() for i in range(1, 10))
           + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b"<si><t>&lol9;</t></si></sst>")
    import xlsxwriter

    base = tmp / "sst.xlsx"
    wb = xlsxwriter.Workbook(base)  # XlsxWriter keeps strings in xl/sharedStrings.xml, as Excel does
    wb.add_worksheet("客户").write_row(0, 0, HEADERS)
    wb.close()
    return _rewrite(base, tmp / "laughs.xlsx", "xl/sharedStrings.xml", lambda _d: lol)


def make_sparse_corner(tmp):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(HEADERS)
    ws["XFD1048576"] = "x"
    wb.save(tmp / "corner.xlsx")
    return tmp / "corner.xlsx"


def make_20000_columns(tmp):
    cells = "".join(f'<c r="{column_letter(i - 1)}1" t="inlineStr"><is><t>h{i}</t></is></c>' for i in range(4, 20001))
    return _rewrite(_base(tmp), tmp / "wide.xlsx", "xl/worksheets/sheet1.xml",
                    lambda d: d.replace(b"</row>", cells.encode() + b"</row>", 1))


def make_wrong_dimension(tmp):
    base = write_book(tmp / "dim.xlsx", {"客户": [HEADERS, ["C1", "甲", "周"], ["C2", "乙", None]]})
    return _rewrite(base, tmp / "wrongdim.xlsx", "xl/worksheets/sheet1.xml",
                    lambda d: __import__("re").sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A1"/>', d))


def make_uncached_formulas(tmp):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(HEADERS)
    ws.append(["C1", '=CONCAT("甲","医院")', "周"])  # openpyxl writes formulas without cached values
    wb.save(tmp / "formulas.xlsx")
    return tmp / "formulas.xlsx"


def make_merged_headers(tmp):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["大客户清单"])
    ws.merge_cells("A1:C1")
    ws.append(HEADERS)
    ws.merge_cells("C2:D2")
    ws.append(["C1", "甲", None])
    wb.save(tmp / "merged.xlsx")
    return tmp / "merged.xlsx"


def make_bad_xml(tmp):
    return _rewrite(_base(tmp), tmp / "badxml.xlsx", "xl/worksheets/sheet1.xml", lambda d: d[: len(d) // 2])


def make_no_workbook_part(tmp):
    with zipfile.ZipFile(tmp / "nowb.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    return tmp / "nowb.xlsx"


# name, maker, expected exit, a phrase the one-sentence message (or output) must hold
CORPUS = [
    ("empty", make_empty, 2, "0 字节"),
    ("text renamed .xlsx", make_text, 2, "不是 Excel 工作簿"),
    ("old .xls", make_xls, 2, "旧版 .xls"),
    ("encrypted", make_encrypted, 2, "设置了打开密码（已加密）"),
    ("encrypted by msoffcrypto", make_real_encrypted, 2, "设置了打开密码（已加密）"),
    ("truncated", make_truncated, 2, "损坏或不完整"),
    ("zip bomb", make_zip_bomb, 2, "压缩炸弹"),
    ("billion laughs", make_billion_laughs, 2, "DOCTYPE"),
    ("sparse corner cells", make_sparse_corner, 2, "XFD1048576"),
    ("20,000 columns", make_20000_columns, 1, "missing-sheet"),
    ("wrong dimension", make_wrong_dimension, 1, "C3"),
    ("uncached formulas", make_uncached_formulas, 1, "客户名称"),
    ("merged headers", make_merged_headers, 1, "负责销售"),
    ("broken sheet XML", make_bad_xml, 2, "无法读取"),
    ("zip without workbook", make_no_workbook_part, 2, "xl/workbook.xml"),
]


@pytest.mark.parametrize("name,maker,code,phrase", CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_file(tmp_path, name, maker, code, phrase):
    path = maker(tmp_path)
    before = path.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    proc = subprocess.run([sys.executable, "-m", "addin", "validate", str(path), "--today", "2026-11-22",
                           "--format", "json" if code == 1 else "table"],
                          capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == code, out[-2000:]
    assert "Traceback" not in out
    assert phrase in out, out[-2000:]
    if code == 2:
        assert len(proc.stderr.strip().splitlines()) == 1 and str(path) in proc.stderr
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == listing


def test_hostile_files_are_refused_by_grade_write_too(tmp_path):
    path = make_zip_bomb(tmp_path)
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "addin", "grade", str(path), "--write", "--lang", "en"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "zip bomb" in proc.stderr and path.read_bytes() == before


def test_wrong_dimension_still_reads_every_row(tmp_path):
    from addin.workbook.reader import read_workbook

    table = read_workbook(make_wrong_dimension(tmp_path)).get("customers")
    assert [n for n, _ in table.rows] == [2, 3]


def test_merged_title_and_header_cells_map_columns(tmp_path):
    from addin.workbook.reader import read_workbook

    table = read_workbook(make_merged_headers(tmp_path)).get("customers")
    assert table.header_row == 2 and table.index == {"customer_id": 0, "customer_name": 1, "owner": 2}


def test_guard_counts_four_letter_columns(tmp_path):
    from addin.workbook.guard import inspect

    sheet = inspect(make_20000_columns(tmp_path)).sheets[0]
    assert sheet.max_col == 20000 and sheet.far_cell == "ACOF1"


def test_doctype_hidden_behind_a_long_comment_is_found(tmp_path):
    from addin.errors import KamError
    from addin.workbook.guard import inspect

    def pad(data: bytes) -> bytes:
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return b'<?xml version="1.0"?><!--' + b"x" * 200_000 + b'--><!DOCTYPE a [<!ENTITY b "c">]>' + body

    path = _rewrite(_base(tmp_path), tmp_path / "padded.xlsx", "xl/styles.xml", pad)
    with pytest.raises(KamError) as err:
        inspect(path)
    assert err.value.key == "file.doctype" and err.value.params["part"] == "xl/styles.xml"
