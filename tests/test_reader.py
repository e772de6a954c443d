"""The file reader: header mapping in any script and order, row numbers, and one sentence for bad files."""

import subprocess
import sys
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from addin.errors import KamError
from addin.workbook.reader import read_workbook


def test_headers_in_any_order_and_script_with_unknown_columns_kept(book):
    path = book({
        "拜訪記錄": [
            ["客戶編號", "自定义备注", "Visit Date", "拜访方式", "谈话要点", "拜訪人"],
            ["C001", "x", datetime(2026, 11, 3), "面訪", "谈价格", "张三"],
            [None, None, None, None, None, None],
            ["C002", None, "2026/11/4", "in-person", "看样品", "李四"],
        ],
        "Sheet9": [["whatever"]],
    })
    wb = read_workbook(path)
    visits = wb.get("visits")
    assert visits.name == "拜訪記錄" and visits.header_row == 1
    assert visits.index == {"customer_id": 0, "visit_date": 2, "method": 3, "key_points": 4, "visitor": 5}
    assert [c.header for c in visits.unknown_columns] == ["自定义备注"]
    assert [n for n, _ in visits.rows] == [2, 4]  # worksheet row numbers; the empty row is dropped
    records = dict(visits.records())
    assert records[2]["visit_date"] == date(2026, 11, 3)
    assert records[4]["visit_date"] == "2026/11/4"  # raw: parsing is the core's job
    assert visits.address(4, "method") == "D4"
    assert wb.other_sheets == ["Sheet9"]


def test_title_row_above_the_header_is_skipped(book):
    path = book({"客户": [["大客户清单（2026）"], [], ["客户编号", "客户名称", "负责销售"], ["C1", "甲医院", "周"]]})
    table = read_workbook(path).get("customers")
    assert table.header_row == 3
    assert table.rows[0][0] == 4


def test_duplicate_headers_are_reported_by_the_table(book):
    path = book({"客户": [["客户编号", "客戶編號", "客户名称"], ["C1", "C2", "x"]]})
    table = read_workbook(path).get("customers")
    assert table.index["customer_id"] == 0
    assert [c.header for c in table.duplicates] == ["客戶編號"]


def test_only_requested_sheets_are_read(book):
    path = book({"客户": [["客户编号"], ["C1"]], "拜访记录": [["拜访日期"], ["2026-01-01"]]})
    wb = read_workbook(path, sheets=["visits"])
    assert set(wb.sheets) == {"visits"}


def test_1904_date_system_is_reported(tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.active.title = "拜访记录"
    wb.active.append(["拜访日期"])
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    assert read_workbook(path).date1904 is True


@pytest.mark.parametrize("content,key", [
    (b"", "file.empty"),
    (b"customer_id,name\nC1,x\n", "file.not_zip"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600, "file.ole"),
    (b"PK\x03\x04" + b"\0" * 30, "file.corrupt"),
])
def test_unreadable_files_raise_one_sentence(tmp_path, content, key):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(KamError) as err:
        read_workbook(path)
    assert err.value.key == key
    assert str(path) in err.value.message("zh") and str(path) in err.value.message("en")


def test_truncated_workbook(book, tmp_path):
    good = book({"客户": [["客户编号"]] + [[f"C{i}"] for i in range(2000)]})
    data = good.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(KamError) as err:
        read_workbook(cut)
    assert err.value.key == "file.corrupt"


def test_zip_without_workbook(tmp_path):
    path = tmp_path / "nowb.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(KamError) as err:
        read_workbook(path)
    assert err.value.key == "file.no_workbook"


def test_missing_file(tmp_path):
    with pytest.raises(KamError) as err:
        read_workbook(tmp_path / "nope.xlsx")
    assert err.value.key == "file.missing"


def test_far_corner_cell_is_refused_without_killing_the_process(tmp_path):
    """python-calamine would abort on A1 + XFD1048576; the guard must refuse it first (run in a child)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "拜访记录"
    ws["A1"] = "拜访日期"
    ws["XFD1048576"] = "x"
    path = tmp_path / "corner.xlsx"
    wb.save(path)
    code = ("import sys\nfrom addin.workbook.reader import read_workbook\nfrom addin.errors import KamError\n"
            "try:\n    read_workbook(sys.argv[1])\nexcept KamError as e:\n    print(e.key, e.params['cell'])\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["file.far_cell", "XFD1048576"]


def test_doctype_in_a_part_is_refused(book, tmp_path):
    good = book({"客户": [["客户编号"], ["C1"]]})
    bad = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + body
            dst.writestr(item, data)
    with pytest.raises(KamError) as err:
        read_workbook(bad)
    assert err.value.key == "file.doctype"


def test_a_long_formula_across_a_chunk_boundary_is_still_seen_uncalculated(tmp_path, monkeypatch):
    """The guard streams a sheet in chunks: a never-calculated formula cell longer than the overlap between
    chunks, cut by a chunk boundary, was missed (its 拜访日期 then read as merely blank)."""
    import openpyxl

    from addin.workbook import guard
    from addin.workbook.reader import read_workbook

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "拜访记录"
    ws.append(["拜访日期", "客户编号", "拜访人", "拜访方式", "谈话要点"])
    long_formula = "=" + "+".join(["1"] * 700)  # 1,400 characters, written by openpyxl with no cached value
    for n in range(2, 60):
        ws.append([long_formula, f"C{n:04d}", "张三", "电话", "要点"])
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    expected = {f"A{n}" for n in range(2, 60)}
    for chunk in (997, 1500, 4093):  # boundaries falling inside the formulas at many offsets
        monkeypatch.setattr(guard, "CHUNK", chunk)
        assert read_workbook(path).uncalculated.get("拜访记录") == expected, chunk


@pytest.mark.parametrize(("xml", "found"), [
    (b'<c r="B2"><f>SUM(A1:A3)</f></c>', True),
    (b'<c r="B3"><f t="shared" si="0"/></c>', True),
    (b'<x:c r="B4"><x:f>1+1</x:f></x:c>', True),
    (b'<c r="B5"><f\n>1</f></c>', True),
    (b'<dataValidation><formula1>1</formula1><formula2>9</formula2></dataValidation>', False),
    (b'<autoFilter ref="A1:C9"><filterColumn colId="0"/></autoFilter><worksheet xmlns:foo="x">', False),
    (b"ends with <f", False),
    (b"<t>" + b"of fifty fine offers, " * 1000 + b'</t><c r="B9"><f>1</f></c>', True),
    (b"<t>" + b"of fifty fine offers, " * 1000 + b"</t><formula1>1</formula1>", False),
])
def test_the_guard_looks_for_formulas_only_where_an_f_element_may_stand(xml, found):
    """The costly scan for formulas without a value runs only when an <f> element (any prefix, open or
    self-closing) may be in the chunk; a sheet's <formula1> or <filterColumn> alone does not set it off."""
    from addin.workbook.guard import _has_formula

    assert _has_formula(xml) is found
