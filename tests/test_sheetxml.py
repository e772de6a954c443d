"""The in-place cell patcher: result is well-formed, cells stay in column order, others untouched."""

import re
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addin.core.model import cell_address
from addin.workbook.sheetxml import Style, patch_cells, patch_pieces

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sheet(rows: dict[int, dict[int, str]]) -> bytes:
    body = "".join(
        f'<row r="{r}" spans="1:9">' + "".join(
            f'<c r="{cell_address(r, c)}" s="1" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in sorted(cells.items()))
        + "</row>" for r, cells in sorted(rows.items()))
    return (f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/>'
            f"<sheetData>{body}</sheetData><pageMargins/></worksheet>").encode()


def cells_of(xml: bytes) -> dict[str, str]:
    root = ET.fromstring(xml)
    out = {}
    for c in root.iter(f"{NS}c"):
        t = c.find(f"{NS}is/{NS}t")
        v = c.find(f"{NS}v")
        out[c.get("r")] = t.text if t is not None else (v.text if v is not None else f"style:{c.get('s')}")
    return out


grid = st.dictionaries(st.integers(1, 6), st.dictionaries(st.integers(0, 6), st.sampled_from(["a", "b", "c"]),
                                                          min_size=1), max_size=5)
edit_grid = st.dictionaries(st.integers(1, 8), st.dictionaries(st.integers(0, 8),
                                                               st.one_of(st.sampled_from(["x", "y"]), st.integers(0, 9)),
                                                               min_size=1), min_size=1, max_size=5)


@given(grid, edit_grid)
def test_patch_sets_exactly_the_edits(rows, edits):
    xml = sheet(rows)
    out = patch_cells(xml, edits).xml
    expected = {cell_address(r, c): v for r, cells in rows.items() for c, v in cells.items()}
    expected.update({cell_address(r, c): str(v) for r, cells in edits.items() for c, v in cells.items()})
    assert cells_of(out) == expected
    for row in ET.fromstring(out).iter(f"{NS}row"):
        cols = [re.match(r"[A-Z]+", c.get("r")).group(0) for c in row.iter(f"{NS}c")]
        assert cols == sorted(cols, key=lambda s: (len(s), s))  # cells in column order
    rows_seen = [int(r.get("r")) for r in ET.fromstring(out).iter(f"{NS}row")]
    assert rows_seen == sorted(rows_seen)
    assert out.endswith(b"<pageMargins/></worksheet>")
    pieces, _kept = patch_pieces(xml, edits)  # the same part in pieces, ending where followers of the cells go
    assert b"".join(pieces) == out and bytes(pieces[-1]).startswith(b"</sheetData>")


def test_style_only_edit_keeps_the_value():
    xml = sheet({2: {0: "keep", 1: "me"}})
    out = patch_cells(xml, {2: {1: Style(7), 4: Style(7)}}).xml
    assert cells_of(out) == {"A2": "keep", "B2": "me", "E2": "style:7"}
    assert b'<c r="B2" t="inlineStr" s="7">' in out


def test_dimension_widens_but_never_narrows():
    out = patch_cells(sheet({1: {0: "a"}}), {9: {5: "z"}}).xml
    assert b'<dimension ref="A1:F9"/>' in out
    out = patch_cells(sheet({1: {0: "a"}}), {2: {0: "z"}}).xml
    assert b'<dimension ref="A1:C3"/>' in out


def test_style_only_edits_restyle_cells_in_place_and_text_that_looks_like_a_reference_is_not_a_cell():
    from addin.workbook.sheetxml import Style, patch_cells

    seen: list[int] = []

    def remap(current: int) -> int:
        seen.append(current)
        return current + 10

    row = (b'<row r="2"><c r="A2" t="inlineStr"><is><t> r="B2"</t></is></c><c r="B2" s="1"/>'
           b'<c r="C2" s="2"><v>5</v></c></row>')
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + row
           + b'<row r="3"><c r="B3"/><c r="C3" s="4"><v>1</v></c></row></sheetData></worksheet>')
    out = patch_cells(xml, {2: {1: Style(remap=remap), 2: Style(7)}, 3: {2: Style(remap=remap)}}).xml
    assert b'<c r="A2" t="inlineStr"><is><t> r="B2"</t></is></c>' in out  # the text is not taken for B2
    assert b'<c r="B2" s="11"/>' in out and b'<c r="C2" s="7"><v>5</v></c>' in out
    assert b'<c r="B3"/><c r="C3" s="14"><v>1</v></c>' in out
    assert seen == [1, 4]  # each remap called once per cell, in the order of the edits


def test_a_prefixed_sheet_data_is_told_apart_from_text_that_names_it():
    """patch_cells refuses <x:sheetData> (found by its literal tail, then checked as a tag), not a plain part
    whose text merely mentions x:sheetData."""
    from addin.workbook.sheetxml import UnsupportedSheet, _prefixed_sheet_data

    plain = (b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x:sheetData</t></is></c></row>'
             b"</sheetData></worksheet>")
    prefixed = b'<x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"/></x:sheetData></x:worksheet>'
    assert not _prefixed_sheet_data(plain)
    assert _prefixed_sheet_data(prefixed)
    assert patch_cells(plain, {1: {1: "y"}}).xml.count(b"<c ") == 2
    with pytest.raises(UnsupportedSheet):
        patch_cells(prefixed + b"<sheetData/>", {1: {0: "y"}})


def _cells_and_styles(xml: bytes) -> list[tuple[str, str | None, str | None]]:
    """Each cell of the sheet in document order: reference, style, and value or text."""
    out = []
    for c in ET.fromstring(xml).iter(f"{NS}c"):
        t, v = c.find(f"{NS}is/{NS}t"), c.find(f"{NS}v")
        out.append((c.get("r"), c.get("s"), t.text if t is not None else (v.text if v is not None else None)))
    return out


styled_rows = st.dictionaries(st.integers(1, 5), st.dictionaries(st.integers(0, 7), st.integers(0, 4), min_size=1),
                              max_size=4)
style_edits = st.dictionaries(st.integers(1, 6), st.dictionaries(st.integers(0, 9), st.integers(0, 3), min_size=1),
                              min_size=1, max_size=4)


@given(styled_rows, style_edits)
def test_marks_made_where_cells_stand_are_what_taking_the_row_apart_makes(rows, edits):
    """Style-only edits done in place (existing cells restyled, missing ones inserted before their right-hand
    neighbour or at the row's end) give the same cells, in the same order, with the same remaps seen in the
    same order, as the general path that takes each row apart."""
    import addin.workbook.sheetxml as sx

    body = "".join(f'<row r="{r}" spans="1:9">' + "".join(
        f'<c r="{cell_address(r, c)}" s="{s}"><v>{c}</v></c>' for c, s in sorted(cells.items())) + "</row>"
        for r, cells in sorted(rows.items()))
    xml = (f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cols>'
           f'<col min="3" max="3" style="9"/></cols><sheetData>{body}</sheetData></worksheet>').encode()

    def run(in_place: bool) -> tuple[list, list[int]]:
        seen: list[int] = []

        def remap(current: int, add: int) -> int:
            seen.append(current)
            return current * 10 + add

        plan = {r: {c: Style(remap=lambda cur, a=a: remap(cur, a)) for c, a in cols.items()}
                for r, cols in edits.items()}
        original = sx._restyle_in_place

        def watched(*args):
            done = original(*args)
            fell_back.append(done is None)
            return done

        sx._restyle_in_place = watched if in_place else (lambda *_args: None)
        try:
            out = patch_cells(xml, plan).xml
        finally:
            sx._restyle_in_place = original
        return _cells_and_styles(out), seen

    fell_back: list[bool] = []
    assert run(True) == run(False)
    appended_only = [r for r, cols in edits.items() if r in rows and min(cols) > max(rows[r])]
    assert fell_back.count(True) == len(appended_only)  # every other existing row was marked in place
