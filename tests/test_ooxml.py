"""Part-level edits: fills, styles, relationships, comments and VML notes."""

from defusedxml import ElementTree as ET

from addin.workbook import ooxml

STYLES = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
          b'</fill></fills><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          b'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1">'
          b'<alignment vertical="center"/></xf></cellXfs></styleSheet>')


def test_fill_is_added_once_and_xfs_keep_their_other_attributes():
    styles, red = ooxml.ensure_fill_xml(STYLES, ooxml.fill_xml("FFF4B6B6"))
    again, red2 = ooxml.ensure_fill_xml(styles, ooxml.fill_xml("FFF4B6B6"))
    assert red == red2 == 2 and again == styles and b'<fills count="3">' in styles
    xfs = ooxml.cell_xfs(styles)
    new = [ooxml.with_fill(xf, red) for xf in xfs]
    styles, first = ooxml.append_xfs(styles, new)
    assert first == 2 and b'<cellXfs count="4">' in styles
    ET.fromstring(styles)
    added = ooxml.cell_xfs(styles)[3]
    assert b'numFmtId="14"' in added and b'fillId="2" applyFill="1"' in added and b"<alignment" in added
    assert ooxml.xf_fill(added) == 2


def test_comments_by_kam_are_removed_by_their_text_and_others_kept():
    part = ooxml.add_comments(b"", {"A1": "kam:\n• says <x> & y"})
    theirs = part.replace(b"<authors><author>kam</author></authors>", b"<authors><author>rep</author>"
                          b"<author>kam</author></authors>").replace(b'authorId="0"', b'authorId="1"')
    theirs = theirs.replace(b"</commentList>", b'<comment ref="B2" authorId="0"><text><t>mine, not kam:</t></text>'
                            b"</comment></commentList>")
    cleaned, removed = ooxml.remove_kam_comments(theirs, "kam:")
    assert removed == ["A1"] and ooxml.comment_refs(cleaned) == {"B2": 0}
    ET.fromstring(cleaned)
    # LibreOffice rewrites the author to " " and splits the text into runs: still kam's
    resaved = part.replace(b"<author>kam</author>", b"<author> </author>").replace(
        b'<t xml:space="preserve">kam:', b"<t>ka</t></r><r><t>m:")
    assert ooxml.remove_kam_comments(resaved, "kam:")[1] == ["A1"]


def test_note_shapes_follow_their_comments():
    vml = ooxml.add_note_shapes(b"", [(2, 4), (5, 0)])
    assert vml.count(b'ObjectType="Note"') == 2 and b"<x:Row>1</x:Row><x:Column>4</x:Column>" in vml
    vml = ooxml.add_note_shapes(vml, [(7, 1)])
    assert vml.count(b"_x0000_s1025") == 1 and b"_x0000_s1027" in vml
    left = ooxml.remove_note_shapes(vml, ["E2"])
    assert left.count(b'ObjectType="Note"') == 2 and b"<x:Row>1</x:Row><x:Column>4</x:Column>" not in left


def test_legacy_drawing_goes_before_table_parts():
    sheet = b"<worksheet><sheetData/><pageMargins/><tableParts count='1'/></worksheet>"
    out = ooxml.insert_legacy_drawing(sheet, "rId9")
    assert out.index(b"<legacyDrawing") < out.index(b"<tableParts") and b'r:id="rId9"' in out
    ET.fromstring(out)


def test_each_new_vml_drawing_gets_its_own_shape_id_block():
    first = ooxml.add_note_shapes(ooxml.empty_vml(1), [(2, 1)])
    second = ooxml.add_note_shapes(ooxml.empty_vml(2), [(2, 1)])
    assert ooxml.idmap_blocks(first) == [1] and ooxml.idmap_blocks(second) == [2]
    assert b'id="_x0000_s1025"' in first and b'id="_x0000_s2049"' in second


def test_notes_and_shapes_made_in_runs_are_the_same_part():
    """Comments and VML shapes are encoded a run at a time; however the runs fall, the part is the same, and
    a comments part with no list at all gets one and keeps its notes (defusedxml parses it)."""
    notes = {f"A{r}": f"kam:\n• 第{r}条 <x>" for r in range(1, 12)}
    whole = ooxml.add_comments(b"", notes)
    assert all(b"".join(ooxml.add_comment_pieces(b"", notes, run)) == whole for run in (1, 2, 5, 11, 50))
    cells = [(r, r % 3) for r in range(2, 13)]
    shapes = ooxml.add_note_shapes(b"", cells)
    assert all(b"".join(ooxml.add_note_shape_pieces(b"", cells, run=run)) == shapes for run in (1, 4, 100))
    bare = b'<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors/></comments>'
    part = ooxml.add_comments(bare, {"B3": "kam: x"})
    ET.fromstring(part)
    assert ooxml.comment_refs(part) == {"B3": 0}
