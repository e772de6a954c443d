"""Builds the shipped .docx briefing templates with python-docx (`python -m addin.docs.build_templates`).

The built files are committed beside this module (a test checks they match). Headings are literal text in
the template's language, so a manager can restyle and reword them in Word; the data comes in as Jinja tags.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from addin.core.briefing import LABELS

HERE = Path(__file__).resolve().parent / "templates"
PAGE_WIDTH_CM, SIDE_MARGIN_CM = 21.0, 2.0
TEXT_WIDTH_CM = PAGE_WIDTH_CM - 2 * SIDE_MARGIN_CM  # every table fits in it (a test checks the grids)
CJK_FONT = "微软雅黑"
LATIN_FONT = "Calibri"
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
TABLE_PT = 9  # table text: a date (2026-11-22) and a role (Economic buyer) stay whole in their columns


def template_path(fmt: str, lang: str) -> Path:
    """The shipped template for a format and language (html/md serve both languages through `L`)."""
    if fmt == "docx":
        return HERE / f"briefing.{lang}.docx"
    return HERE / f"briefing.{fmt}"


def _fonts(style: Any, size: float | None = None, bold: bool | None = None, color: RGBColor | None = None) -> None:
    style.font.name = LATIN_FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), CJK_FONT)
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if color is not None:
        style.font.color.rgb = color


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _table(doc: Any, headers: list[str], loop: str, cells: list[str], widths: list[float]) -> Any:
    """A table with a header row and one looping row (docxtpl {%tr %} tags in rows of their own)."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, text in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        cell.paragraphs[0].runs[0].font.size = Pt(TABLE_PT)
        _shade(cell, "DDEBF7")
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for i, text in enumerate(cells):
        table.rows[2].cells[i].text = text
        table.rows[2].cells[i].paragraphs[0].runs[0].font.size = Pt(TABLE_PT)
    table.rows[3].cells[0].text = "{%tr endfor %}"
    _widths(table, widths)
    return table


def _widths(table: Any, widths: list[float]) -> None:
    """Fixed column widths that Word, WPS and LibreOffice all honour (grid and cells), scaled down to the
    text width when they add up to more; header rows repeat on every page and no row splits across pages."""
    total = sum(widths)
    if total > TEXT_WIDTH_CM:
        widths = [w * TEXT_WIDTH_CM / total for w in widths]
    table.autofit = False
    for n, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        if n == 0 and len(table.rows) > 2:  # a looping table's first row is its header
            trpr.append(OxmlElement("w:tblHeader"))
    for i, w in enumerate(widths):
        table.columns[i].width = Cm(w)
        for cell in table.columns[i].cells:
            cell.width = Cm(w)


def _p(doc: Any, text: str, style: str | None = None) -> None:
    doc.add_paragraph(text, style=style)


@contextmanager
def _unless_empty(doc: Any, condition: str, empty: str) -> Iterator[None]:
    """Paragraphs shown when `condition` holds, else the `empty` sentence (docxtpl {%p if/else/endif %})."""
    _p(doc, f"{{%p if {condition} %}}")
    yield
    _p(doc, "{%p else %}")
    _p(doc, empty)
    _p(doc, "{%p endif %}")


def _bullets(doc: Any, loop: str, text: str, items: str, empty: str) -> None:
    """One bullet per item, or the `empty` sentence when there is none."""
    _p(doc, f"{{%p for {loop} %}}")
    _p(doc, text, "List Bullet")
    _p(doc, "{%p endfor %}")
    _p(doc, f"{{%p if not {items} %}}")
    _p(doc, empty)
    _p(doc, "{%p endif %}")


def build(lang: str) -> bytes:
    L = {k: (v[1] if lang == "en" else v[0]) for k, v in LABELS.items()}
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(SIDE_MARGIN_CM))
    section.top_margin = Cm(2.2)  # room for a logo a user puts in the header (1 cm from the edge)
    section.bottom_margin = Cm(1.8)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)
    _footer(section, L)
    _east_asian_language(doc)
    _fonts(doc.styles["Normal"], 10.5)
    _fonts(doc.styles["Title"], 18, True, ACCENT)
    _fonts(doc.styles["Heading 1"], 13, True, ACCENT)
    _fonts(doc.styles["Heading 2"], 11, True, ACCENT)
    _fonts(doc.styles["List Bullet"], 10.5)
    _fonts(doc.styles["List Number"], 10.5)
    for name in ("Normal", "List Bullet", "List Number"):  # tight spacing: the summary must fit one page
        fmt = doc.styles[name].paragraph_format
        fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(3), 1.15
    for name in ("Heading 1", "Heading 2"):
        fmt = doc.styles[name].paragraph_format
        fmt.space_before, fmt.space_after = Pt(10), Pt(3)

    title = doc.add_paragraph("{{ account.customer_name }}", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.LEFT
    sub = doc.add_paragraph(f"{L['title']} · {{{{ today }}}}")
    sub.runs[0].font.color.rgb = RGBColor(0x59, 0x59, 0x59)

    block = doc.add_table(rows=2, cols=6)
    block.style = "Table Grid"
    pairs = [[(L["customer_id"], "{{ account.customer_id }}"), (L["owner"], "{{ account.owner }}"),
              (L["grade"], "{{ assessment.grade or '—' }}")],
             [(L["industry"], "{{ account.industry }}"), (L["stage"], "{{ account.stage }}"),
              (L["tier"], "{{ account.tier }}")]]
    for r, row in enumerate(pairs):
        for c, (label, value) in enumerate(row):
            head, cell = block.rows[r].cells[2 * c], block.rows[r].cells[2 * c + 1]
            head.text = label
            head.paragraphs[0].runs[0].bold = True
            _shade(head, "F2F2F2")
            cell.text = value
    _widths(block, [2.7, 3.1, 2.3, 3.4, 1.9, 3.6])  # "Customer ID" and "Relationship building" fit

    doc.add_heading(L["summary_section"], level=1)
    doc.add_paragraph(f"{L['grade']}{L['colon']}{{{{ summary.grade }}}}{L['gap']}{L['advice']}{L['colon']}"
                      f"{{{{ summary.advice or '—' }}}}{L['gap']}{L['stage']}{L['colon']}"
                      f"{{{{ summary.stage or '—' }}}}")
    doc.add_paragraph(f"{L['why']}{L['colon']}{{{{ summary.why or '—' }}}}")
    doc.add_paragraph(f"{L['summary_contact']}{L['colon']}{{{{ summary.last_contact or '—' }}}}{{{{ L.sep }}}}"
                      f"{{{{ summary.last_face }}}}")
    doc.add_paragraph(f"{L['summary_people']}{L['colon']}{{% for p in summary.people %}}{{{{ p.text }}}}"
                      f"{{% if not loop.last %}}{{{{ L.sep }}}}{{% endif %}}{{% endfor %}}"
                      f"{{% if not summary.people %}}—{{% endif %}}")
    _p(doc, "{%p if deal.present %}")
    _p(doc, f"{L['deal']}{L['colon']}{{{{ deal.line }}}}")
    _p(doc, "{%p endif %}")
    _p(doc, "{%p if after_sales.present %}")
    _p(doc, f"{L['after_sales']}{L['colon']}{{{{ after_sales.line }}}}")
    _p(doc, "{%p endif %}")
    doc.add_heading(L["summary_answers"], level=2)
    _p(doc, "{%p for a in summary.answers %}")
    _p(doc, "{{ loop.index }}. {{ a }}")
    _p(doc, "{%p endfor %}")
    doc.add_paragraph(f"{L['summary_overdue']}{L['colon']}{{% for o in summary.overdue %}}{{{{ o }}}}"
                      f"{{% if not loop.last %}}{{{{ L.sep }}}}{{% endif %}}{{% endfor %}}"
                      f"{{% if not summary.overdue %}}{L['nothing']}{{% endif %}}")
    doc.add_paragraph(f"{L['summary_ahead']}{L['colon']}{{% for o in summary.ahead %}}{{{{ o }}}}"
                      f"{{% if not loop.last %}}{{{{ L.sep }}}}{{% endif %}}{{% endfor %}}"
                      f"{{% if not summary.ahead %}}{L['nothing']}{{% endif %}}")
    doc.add_heading(L["summary_risks"], level=2)
    _bullets(doc, "r in summary.risks", "{{ r.text }} → {{ r.action }}", "summary.risks", L["nothing"])
    plan = doc.add_heading(L["plan_section"], level=1)
    plan.paragraph_format.page_break_before = True  # page 1 is the summary whole; the plan is page 2, to write on
    for key, expr in (("plan_purpose", "{{ plan.purpose or '—' }}"),
                      ("plan_changed", "{% for c in plan.changed %}{{ c }}{% if not loop.last %}{{ L.sep }}{% endif %}"
                                       "{% endfor %}{% if not plan.changed %}—{% endif %}"),
                      ("plan_strengths", "{{ plan.strengths or '—' }}"),
                      ("plan_competitor", "{{ plan.competitors or '—' }}")):
        _p(doc, L[key] + L["colon"] + expr, "List Bullet")
    _p(doc, "{%p if next_plan.present %}")
    _p(doc, L["next_plan"] + L["colon"] + "{{ next_plan.planned_on }} {{ next_plan.purpose }}"
            "{% if next_plan.visitee %} · {{ next_plan.visitee }}{% endif %}{% if next_plan.booked %} · "
            + L["booked"] + L["colon"] + "{{ next_plan.booked }}{% endif %}", "List Bullet")
    _p(doc, "{%p endif %}")
    for key in ("plan_goal", "plan_objections"):  # blanks for what only the rep can write
        _p(doc, L[key] + L["colon"] + "_" * 30, "List Bullet")
    _p(doc, L["plan_materials"] + L["colon"] + "{{ next_plan.materials or '" + "_" * 30 + "' }}", "List Bullet")
    _p(doc, "{%p if next_plan.questions %}")
    _p(doc, L["questions_prepared"] + L["colon"] + "{{ next_plan.questions }}", "List Bullet")
    _p(doc, "{%p endif %}")

    doc.add_heading(L["grade_section"], level=1)
    with _unless_empty(doc, "assessment.present", L["no_assessment"]):
        doc.add_paragraph(f"{L['grade']}{L['colon']}{{{{ assessment.grade }}}}{L['gap']}{L['advice']}{L['colon']}"
                          f"{{{{ assessment.advice }}}}")
        doc.add_paragraph(f"{L['value_score']} {{{{ assessment.value_score or '—' }}}} · "
                          f"{L['difficulty_score']} {{{{ assessment.difficulty_score or '—' }}}}")
        doc.add_paragraph(f"{L['why']}{L['colon']}{{{{ assessment.explanation }}}}")
        _table(doc, [L["factor"], L["axis"], L["score"]], "f in assessment.factors",
               ["{{ f.label }}", "{{ f.axis }}", "{{ f.value or '—' }}"], [6, 4, 4])

    doc.add_heading(L["roles_section"], level=1)
    _p(doc, "{%p if roles_missing %}")
    _p(doc, f"⚠ {L['missing']}{L['colon']}{{{{ roles_missing }}}}")
    _p(doc, "{%p endif %}")
    # eight narrow columns that fit the page in either language; the hints and 我方对接人 have their own lines
    _table(doc, [L["name"], L["role"], L["job_title"], L["mobile"], L["personality"],
                 L["influence"], L["support"], L["contact_level"]],
           "c in contacts",
           ["{{ c.name }}", "{{ c.role }}", "{{ c.title }}", "{{ c.mobile }}", "{{ c.personality }}",
            "{{ c.influence }}", "{{ c.support }}", "{{ c.contact_level }}"],
           [1.8, 2.2, 2.8, 2.6, 1.8, 1.6, 1.6, 1.6] if lang == "zh" else [1.5, 2.0, 2.0, 2.5, 2.5, 2.1, 1.8, 1.8])
    doc.add_heading(L["hint"], level=2)
    _p(doc, "{%p for c in contacts %}")
    _p(doc, "{{ c.name }}{% if c.personality %}" + L["open"] + "{{ c.personality }}" + L["close"] + "{% endif %}"
            + L["colon"] + "{{ c.hint or '—' }}{% for f in c.flags %} ⚠{{ f }}{% endfor %}", "List Bullet")
    _p(doc, "{%p endfor %}")
    doc.add_heading(L["org_section"], level=2)
    # plain paragraphs: the tree's own indent and └ show the levels (a bullet would sit at the margin)
    _p(doc, "{%p for n in org_tree %}")
    _p(doc, "{{ n.indent }}{{ n.name }} · {{ n.role }} · {{ n.influence }}/{{ n.support }}"
            "{% if n.our_contact %} · " + L["our_contact"] + L["colon"] + "{{ n.our_contact }}{% endif %}")
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p if not org_tree %}")
    _p(doc, L["no_org"])
    _p(doc, "{%p endif %}")
    doc.add_heading(L["approach_section"], level=2)
    _bullets(doc, "p in approach", "{{ p.salutation }}" + L["open"] + "{{ p.role }}" + L["close"] + L["colon"]
             + "{{ p.text }}",
             "approach", L["no_approach"])
    doc.add_heading(L["issues_section"], level=2)
    _bullets(doc, "i in issues", "{{ i.visit_date }} {% if i.type %}{{ L.open }}{{ i.type }}{{ L.close }}{% endif %}"
             "{{ i.issue }} · "
             "{{ i.state }}{% if i.handed_to %} · " + L["handed_to"] + L["colon"] + "{{ i.handed_to }}{% endif %}"
             "{% if i.resolution %} · {{ i.resolution }}{% endif %}", "issues", L["no_issues"])
    _p(doc, "{%p if satisfaction.present %}")
    _p(doc, f"{L['satisfaction']}{L['colon']}{{{{ satisfaction.latest }}}}/5{L['open']}{{{{ satisfaction.date }}}}"
            f"{{% if satisfaction.trend %}} · {{{{ satisfaction.trend }}}}{{% endif %}}{L['close']}")
    _p(doc, "{%p endif %}")
    # no second risk list: page 1 holds every risk, so the two can never disagree (red_flags stays in the context)

    doc.add_heading(L["development_section"], level=1)
    with _unless_empty(doc, "latest_development.present", L["no_development"]):
        for key in ("recorded_on", "decision_maker", "project_status", "our_progress", "competitors",
                    "next_week_plan", "result"):
            doc.add_paragraph(f"{L[key]}{L['colon']}{{{{ latest_development.{key} }}}}")

    doc.add_heading(L["visits_section"], level=1)
    with _unless_empty(doc, "visits", L["no_visits"]):
        _table(doc, [L["visit_date"], L["visitor"], L["method"], L["key_points"], L["follow_up"]], "v in visits",
               ["{{ v.visit_date }}", "{{ v.visitor }}", "{{ v.method }}", "{{ v.key_points }}",
                "{{ v.follow_up_state }}{% if v.resolution %} · " + L["resolution"] + L["colon"]
                + "{{ v.resolution }}{% endif %}"], [2.4, 2, 1.6, 7.6, 3.8])

    doc.add_heading(L["follow_ups_section"], level=1)
    with _unless_empty(doc, "open_follow_ups", L["no_follow_ups"]):
        _table(doc, [L["due"], L["item"], L["follow_up"]], "f in open_follow_ups",
               ["{{ f.due }}", "{{ f.item }}", "{% if f.overdue %}⚠ {% endif %}{{ f.state }}"], [2.6, 9.4, 5.4])

    doc.add_heading(L["birthdays_section"], level=1)
    _bullets(doc, "b in birthdays",
             "{{ b.next_date }}{{ L.open }}{{ b.in_days }}{{ L.close }}{{ b.name }} · {{ b.role }} · "
             "{{ b.born }}",
             "birthdays", L["no_birthdays"])

    doc.add_heading(L["questions_section"], level=1)  # the questions themselves: page 1 holds the answers
    _p(doc, "{%p for q in questions %}")
    _p(doc, "{% if q.attention %}⚠ {% endif %}{{ q.question }}", "List Number")
    _p(doc, "{%p endfor %}")

    props = doc.core_properties
    props.author, props.title, props.comments = "kam", L["title"], ""
    from datetime import datetime

    props.created = props.modified = datetime(2026, 1, 1)  # the template's; each briefing gets its own time
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return _without_thumbnail(buf.getvalue())


def _footer(section: Any, L: dict[str, str]) -> None:
    """A confidentiality note and the page number (a PAGE field) at the foot of every page."""
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(L["confidential"] + " · ")
    run.font.size = Pt(8)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        r = para.add_run()
        r.font.size = Pt(8)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            r._r.append(instr)


def _east_asian_language(doc: Any) -> None:
    """Declare Chinese (zh-CN) as the East Asian language, so LibreOffice and WPS pick Simplified Chinese
    glyphs (not the Japanese variants they choose for en-US)."""
    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")  # Latin text breaks at word boundaries; Chinese text is zh-CN
    lang.set(qn("w:eastAsia"), "zh-CN")
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for node in defaults.iter(qn("w:lang")):
            node.set(qn("w:eastAsia"), "zh-CN")


def _without_thumbnail(data: bytes) -> bytes:
    """python-docx's default template carries a blank thumbnail picture: drop it and its references."""
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "docProps/thumbnail.jpeg":
                continue
            part = src.read(info)
            if info.filename == "_rels/.rels":
                part = re.sub(rb"<Relationship [^>]*thumbnail[^>]*/>", b"", part)
            dst.writestr(info, part)
    return out.getvalue()


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for lang in ("zh", "en"):
        template_path("docx", lang).write_bytes(build(lang))
        print(template_path("docx", lang))


if __name__ == "__main__":
    main()
