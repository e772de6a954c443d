"""Briefings: golden text, hostile names in every format, file names, template checks, batches, PDF."""

import html
import io
import os
import re
import zipfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from addin.cli import cli
from addin.core.briefing import build_briefings
from addin.core.demo import make_demo
from addin.core.filenames import MAX_BYTES, briefing_name
from addin.docs.build_templates import build, template_path
from addin.docs.render import renderer_for
from addin.workbook.reader import read_workbook
from addin.workbook_templates.builder import build_workbook
from tests.conftest import needs_writer

TODAY = date(2026, 11, 22)
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KAM_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "team.xlsx"
    build_workbook(path, "zh", make_demo(TODAY).rows)
    return path


def docx_text(data: bytes) -> str:
    """Paragraph and table text of a .docx, in document order."""
    doc = Document(io.BytesIO(data))
    lines = []
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.split("}")[1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for tr in child.iter():
                if tr.tag.endswith("}tr"):
                    cells = [("".join(t.text or "" for t in tc.iter() if t.tag.endswith("}t")))
                             for tc in tr if tc.tag.endswith("}tc")]
                    lines.append(" | ".join(cells))
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_golden_text_of_a_docx_briefing(demo_book, lang):
    """Set KAM_UPDATE_GOLDEN=1 to regenerate after an intended change, and review the diff."""
    context = build_briefings(read_workbook(demo_book), TODAY, lang, customers=["C0002"])[0]
    text = docx_text(renderer_for("docx", template_path("docx", lang)).render(context))
    golden = GOLDEN / f"brief_C0002.{lang}.txt"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "no golden file: run with KAM_UPDATE_GOLDEN=1 and review it"
    assert text == golden.read_text(encoding="utf-8")


def test_shipped_docx_templates_equal_the_builder_output():
    for lang in ("zh", "en"):
        with zipfile.ZipFile(io.BytesIO(build(lang))) as built, zipfile.ZipFile(template_path("docx", lang)) as shipped:
            assert {n: built.read(n) for n in built.namelist()} == {n: shipped.read(n) for n in shipped.namelist()}, \
                "run `python -m addin.docs.build_templates` and commit"


HOSTILE = [("C1", 'A & B <有限> "引号" \'单\''), ("../x", "路径/穿越\\名"), ("CON", "保留名."), ("C4", "长" * 100)]


@pytest.fixture
def hostile_book(tmp_path):
    rows = make_demo(TODAY).rows
    for (cid, name), customer in zip(HOSTILE, rows["customers"], strict=False):
        old = customer["customer_id"]
        customer.update(customer_id=cid, customer_name=name)
        for sheet in ("assessment", "contacts", "development", "visits"):
            for r in rows[sheet]:
                if r["customer_id"] == old:
                    r["customer_id"] = cid
    rows["visits"][0]["key_points"] = "谈到 <script>alert(1)</script> & 价格"
    path = tmp_path / "hostile.xlsx"
    build_workbook(path, "zh", rows)
    return path


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def _visible(fmt: str, data: bytes) -> str:
    if fmt == "docx":
        return docx_text(data)
    text = data.decode("utf-8")
    if fmt == "md":
        text = MarkdownIt("commonmark").enable("table").render(text)
    parser = _Text()
    parser.feed(text)
    return html.unescape("".join(parser.parts))


@pytest.mark.parametrize("fmt", ["docx", "html", "md"])
def test_hostile_names_print_literally_and_files_stay_inside_out(hostile_book, tmp_path, fmt):
    out = tmp_path / "out"
    picks = [arg for cid, _ in HOSTILE for arg in ("--customer", cid)]
    result = CliRunner().invoke(cli, ["brief", str(hostile_book), "--format", fmt, "--out", str(out), "--jobs", "1",
                                      "--today", "2026-11-22", *picks])
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == len(HOSTILE)
    for f in files:
        assert f.parent == out and f.suffix == f".{fmt}" and len(f.name.encode()) <= MAX_BYTES
    assert not (tmp_path / "x").exists()
    by_id = {f.name.split("_")[0]: f for f in files}
    text = _visible(fmt, by_id["C1"].read_bytes())
    assert 'A & B <有限> "引号" \'单\'' in text
    if fmt != "docx":
        assert "<script>" not in by_id["C1"].read_text(encoding="utf-8") or fmt == "md"
    page = _visible(fmt, next(f for f in files if "路径" in f.name).read_bytes())
    assert "路径/穿越\\名" in page


def test_markdown_escapes_and_html_never_runs(hostile_book, tmp_path):
    out = tmp_path / "md"
    CliRunner().invoke(cli, ["brief", str(hostile_book), "--format", "md", "--out", str(out), "--customer", "C1",
                             "--today", "2026-11-22"])
    raw = next(out.iterdir()).read_text(encoding="utf-8")
    assert r"A & B \<有限\>" in raw  # escaped only where Markdown needs it
    rendered = MarkdownIt("commonmark").enable("table").render(raw)
    assert "<script>" not in rendered  # the visit text stays text
    assert "A &amp; B &lt;有限&gt;" in rendered  # and prints literally


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60))
@example("---")
@example("    indented code")
@example("\t\tcode")
@example("# heading")
@example("1. one")
@example("[x](http://e.com) *em* `c` <b>")
def test_markdown_values_never_become_markup(value):
    """Whatever a cell holds, the Markdown briefing shows it as text in its list item: the only elements
    CommonMark makes are the list itself, its paragraph and the <br> of a line break."""
    import re as _re

    from addin.docs.render import md_escape

    html = MarkdownIt("commonmark").render("- " + md_escape(value) + "\n")
    tags = {t.strip("/ ").split()[0] for t in _re.findall(r"<([^>]+)>", html)}
    assert tags <= {"ul", "li", "p", "br"}, (value, html)


@given(st.text(min_size=0, max_size=40), st.text(min_size=0, max_size=120), st.sampled_from(["docx", "html", "md"]))
def test_file_name_properties(cid, name, ext):
    taken: set[str] = set()
    got = briefing_name(cid, name, ext, taken)
    assert "/" not in got and "\\" not in got and "\x00" not in got
    assert got not in (".", "..") and got.split(".")[0] != ""
    assert len(got.encode("utf-8")) <= MAX_BYTES
    assert got.endswith(f"_简报.{ext}")
    assert not re.search(r'[<>:"|?*\x00-\x1f]', got)
    stem = got[: -len(f".{ext}")]
    assert not stem.endswith((".", " "))


@given(st.lists(st.tuples(st.text(max_size=10), st.text(max_size=60)), min_size=2, max_size=12))
def test_distinct_customers_get_distinct_names(people):
    taken: set[str] = set()
    names = [briefing_name(c, n, "docx", taken) for c, n in people]
    assert len({n.casefold() for n in names}) == len(names)


def test_unknown_template_variables_are_one_error_and_nothing_is_written(demo_book, tmp_path):
    template = tmp_path / "mine.html"
    template.write_text("<p>{{ account.customer_name }} {{ acount.owner }} {{ grade_letter }}</p>", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--format", "html", "--template", str(template),
                                      "--out", str(out), "--lang", "en"])
    assert result.exit_code == 2
    assert 'acount.owner (line 1: "' in result.output and "grade_letter (line 1" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_typo_inside_a_loop_stops_the_batch_before_any_file(demo_book, tmp_path, fmt):
    """#15/#16.7: `{{ f.dew }}` in a loop was missed by the trial render: 2 files were written, then a raw
    UndefinedError. Every loop and branch is checked now, and every unknown name is said with its line."""
    template = tmp_path / f"mine.{fmt}"
    template.write_text("{{ account.customer_name }}\n{% for f in open_follow_ups %}\n{{ f.dew }}\n{% endfor %}\n"
                        "{% if assessment.grade == 'Z' %}{{ account.ownr }}{% endif %}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--template", str(template), "--out", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "f.dew（第 3 行" in result.output and "account.ownr（第 5 行" in result.output
    assert "Undefined" not in result.output and "dict object" not in result.output


def test_a_docx_template_error_names_the_paragraph(demo_book, tmp_path):
    import zipfile

    from addin.docs.build_templates import template_path

    source = template_path("docx", "en")
    template = tmp_path / "mine.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(template, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"{{ c.name }}", b"{{ c.nmae }}", 1)
            dst.writestr(info, data)
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--template", str(template), "--out",
                                      str(tmp_path / "o"), "--lang", "en"])
    assert result.exit_code == 2 and 'c.nmae (in the paragraph "{{ c.nmae }}")' in result.output


def test_templates_are_sandboxed(demo_book, tmp_path):
    template = tmp_path / "evil.md"
    template.write_text("{{ account.__class__.__mro__ }}", encoding="utf-8")
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--format", "md", "--template", str(template),
                                      "--out", str(tmp_path / "o"), "--lang", "en"])
    assert result.exit_code == 2 and "not allowed" in result.output and not (tmp_path / "o").exists()


def test_unknown_attribute_is_caught_before_the_batch(demo_book, tmp_path):
    template = tmp_path / "mine.md"
    template.write_text("# {{ account.customer_nmae }}", encoding="utf-8")
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--format", "md", "--template", str(template),
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "customer_nmae" in result.output


def test_a_failing_customer_does_not_stop_the_others(demo_book, tmp_path):
    template = tmp_path / "mine.md"
    template.write_text("{{ account.customer_id }} {{ 1 // (assessment.factors | length) }}", encoding="utf-8")
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--format", "md", "--template", str(template),
                                      "--out", str(out), "--jobs", "1", "--lang", "en"])
    assert result.exit_code == 1
    written = len(list(out.iterdir()))
    failed = result.output.count("Failed ")
    assert failed == 2 and written == 46  # the two accounts without an assessment row
    assert f"{written} written, 0 skipped, {failed} failed" in result.output
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_parallel_jobs_write_the_same_documents(demo_book, tmp_path):
    runner = CliRunner()
    for jobs, folder in ((1, "one"), (2, "two")):
        result = runner.invoke(cli, ["brief", str(demo_book), "--format", "html", "--out", str(tmp_path / folder),
                                     "--jobs", str(jobs), "--today", "2026-11-22"])
        assert result.exit_code == 0, result.output
    one = {p.name: p.read_bytes() for p in (tmp_path / "one").iterdir()}
    two = {p.name: p.read_bytes() for p in (tmp_path / "two").iterdir()}
    assert one == two and len(one) == 48


def test_filters_by_grade_and_customer(demo_book, tmp_path):
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--format", "md", "--grade", "A", "--out",
                                      str(tmp_path / "a"), "--today", "2026-11-22"])
    assert result.exit_code == 0
    grades = {c["account"]["customer_id"] for c in build_briefings(read_workbook(demo_book), TODAY, grades=["A"])}
    assert {p.name.split("_")[0] for p in (tmp_path / "a").iterdir()} == grades and grades


def test_briefing_context_answers_the_five_questions(demo_book):
    contexts = build_briefings(read_workbook(demo_book), TODAY)
    for c in contexts:
        assert len(c["questions"]) == 5 and all(q["question"] and q["answer"] for q in c["questions"])
    gap = next(c for c in contexts if any(r["missing"] for r in c["roles"]))
    missing = [r["role"] for r in gap["roles"] if r["missing"]]
    assert all(m in gap["questions"][1]["answer"] for m in missing) and gap["questions"][1]["attention"]


def test_briefing_birthdays_match_kam_birthdays(demo_book):
    from addin.core.birthdays import birthday_report

    report = birthday_report(read_workbook(demo_book), TODAY)
    contexts = {c["account"]["customer_id"]: c for c in build_briefings(read_workbook(demo_book), TODAY)}
    for b in report.birthdays:
        assert any(x["name"] == b.name and x["next_date"] == b.next_date.isoformat()
                   for x in contexts[b.customer_id]["birthdays"])
    assert sum(len(c["birthdays"]) for c in contexts.values()) == len(report.birthdays)


def test_birthdays_json_shape(demo_book):
    import json

    result = CliRunner().invoke(cli, ["birthdays", str(demo_book), "--format", "json", "--today", "2026-11-22",
                                      "--days", "60"])
    data = json.loads(result.output)
    assert data["today"] == "2026-11-22" and data["window_days"] == 60
    first = data["birthdays"][0]
    assert {"customer_id", "name", "role", "calendar", "birthday", "next_date", "days_until"} <= set(first)
    days = [b["days_until"] for b in data["birthdays"]]
    assert days == sorted(days) and max(days) <= 60


def test_template_reference_documents_every_context_key(demo_book):
    doc = (Path(__file__).parents[1] / "addin" / "docs" / "templates.md").read_text(encoding="utf-8")
    context = build_briefings(read_workbook(demo_book), TODAY, customers=["C0001"])[0]
    for key, value in context.items():
        assert f"`{key}`" in doc, key
        if isinstance(value, dict) and key != "L":
            for sub in value:
                assert f"`{key}.{sub}`" in doc, f"{key}.{sub}"
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for sub in value[0]:
                assert f"`{sub}`" in doc, f"{key}[].{sub}"


@pytest.mark.libreoffice
@needs_writer
def test_pdf_through_libreoffice(demo_book, tmp_path):
    out = tmp_path / "pdf"
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--format", "pdf", "--customer", "C0001",
                                      "--customer", "C0002", "--out", str(out), "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 2 and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert not list(out.glob("*.docx"))


def test_pdf_without_libreoffice_is_one_sentence(demo_book, tmp_path, monkeypatch):
    import addin.docs.batch as batch

    monkeypatch.setattr(batch.shutil, "which", lambda _name: None)
    result = CliRunner().invoke(cli, ["brief", str(demo_book), "--format", "pdf", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2 and "LibreOffice" in result.output and not (tmp_path / "p").exists()


def test_pdf_with_libreoffice_but_no_writer_names_the_missing_part(demo_book, tmp_path, monkeypatch):
    """#16: with LibreOffice Calc only, the PDF run said "LibreOffice 未能生成 PDF" and left the .docx."""
    import addin.docs.batch as batch
    import addin.docs.briefs as briefs

    monkeypatch.setattr(batch.shutil, "which", lambda name: "/usr/bin/soffice" if name == "soffice" else None)
    monkeypatch.setattr(briefs, "has_component", lambda part: part == "calc")
    for lang, words in (("zh", "Writer"), ("en", "without Writer")):
        result = CliRunner().invoke(cli, ["brief", str(demo_book), "--format", "pdf", "--out", str(tmp_path / "p"),
                                          "--lang", lang])
        assert result.exit_code == 2 and words in result.output and not (tmp_path / "p").exists()


def test_an_ungraded_account_says_not_graded_and_why(tmp_path):
    """#16.3: a factor of 6 left the grade blank in briefings ("**** · 建议：")."""
    from datetime import date

    from addin.core.briefing import build_briefings
    from addin.core.demo import make_demo
    from addin.workbook.reader import read_workbook
    from addin.workbook_templates.builder import build_workbook

    path = tmp_path / "d.xlsx"
    build_workbook(path, "zh", make_demo(date(2026, 11, 22)).rows)
    book = read_workbook(path)
    by_lang = {lang: build_briefings(book, date(2026, 11, 22), lang) for lang in ("zh", "en")}
    bad = [c for c in by_lang["zh"] if c["assessment"]["present"] and c["assessment"]["grade"] == "未评级"]
    assert bad, "the demo plants a factor of 6"
    assert "付款风险" in bad[0]["assessment"]["advice"]
    en = next(c for c in by_lang["en"] if c["account"]["customer_id"] == bad[0]["account"]["customer_id"])
    assert en["assessment"]["grade"] == "not graded" and "invalid" in en["assessment"]["advice"]


@pytest.mark.parametrize(("body", "zh", "en"), [
    ("{% p if x %}", "不认识的标签 p", "unknown tag p"),
    ("{{ account.customer_name ) }}", "多出了“)”", "an unexpected ')'"),
    ("{% for c in contacts %}{{ c.name }}", "还缺少 endfor", "ends before its endfor"),
])
def test_template_syntax_errors_say_where_and_what(demo_book, tmp_path, body, zh, en):
    """#16.7: a syntax error ended in "'end of print statement'.。" or "Encountered unknown tag 'p'.。"."""
    template = tmp_path / "mine.md"
    template.write_text("# 简报\n" + body + "\n", encoding="utf-8")
    for lang, words in (("zh", zh), ("en", en)):
        result = CliRunner().invoke(cli, ["brief", str(demo_book), "--template", str(template), "--out",
                                          str(tmp_path / "o"), "--lang", lang])
        assert result.exit_code == 2 and words in result.output, result.output
        assert ".。" not in result.output and ("第 2 行" in result.output or "line 2" in result.output
                                               or "line 3" in result.output or "第 3 行" in result.output)


def test_the_demo_fills_every_list_the_template_check_relies_on():
    """The template check resolves loop variables against the demo's contexts: every list must have items."""
    from datetime import date

    from addin.core.demo import demo_book
    from addin.docs.tmplcheck import shape_of

    for lang in ("zh", "en"):
        shape = shape_of(build_briefings(demo_book(date(2026, 11, 22), lang), date(2026, 11, 22), lang))
        lists = [k for k, v in shape.keys.items() if list in v.leaves]
        assert {"contacts", "roles", "red_flags", "visits", "open_follow_ups", "birthdays", "questions"} <= set(lists)
        empty = [k for k in lists if shape.keys[k].item is None or not shape.keys[k].item.keys]
        assert empty == [], empty


def test_five_questions_follow_the_method(book):
    """SPEC §5: only a supportive 教练 is a coach; not met = no 面访 naming them in 被访人; new faces from 被访人;
    the final decision maker; the last written contact (短信/微信/邮件/信函)."""
    from datetime import date

    from addin.core.briefing import build_briefings
    from addin.workbook.reader import read_workbook

    path = book({
        "客户": [["客户编号", "客户名称", "负责销售", "开发阶段"], ["C1", "甲医院", "周", "关系建立"]],
        "关键人": [["客户编号", "姓名", "购买角色", "影响力", "支持度", "接触度"],
                   ["C1", "田杰", "教练", "中", "反对", "高"], ["C1", "王伟", "决策者", "高", "支持", "中"],
                   ["C1", "李娜", "技术把关者", "中", "支持", "高"], ["C1", "张敏", "使用者", "低", "中立", "低"]],
        "拜访记录": [["拜访日期", "客户编号", "拜访人", "被访人", "拜访方式", "地点", "谈话要点", "客户想法"],
                     ["2026-11-01", "C1", "周", "王伟、赵新", "面访", "甲医院", "方案", "预算要压缩"],
                     ["2026-11-05", "C1", "周", "李娜", "微信", None, "发资料", None]],
    })
    context = build_briefings(read_workbook(path), date(2026, 11, 22), "zh")[0]
    answers = [q["answer"] for q in context["questions"]]
    assert "田杰" not in answers[0].split("。")[0] and "李娜" in answers[0]  # an opposed coach is no coach
    assert "田杰" in answers[0] and "不算数" in answers[0]
    assert "李娜" in answers[1] and "张敏" in answers[1] and "王伟" not in answers[1].split("还没当面见过")[1]
    assert "赵新" in answers[2] and "预算要压缩" in answers[2] and "王伟" in answers[2]
    assert "2026-11-05" in answers[4] and "微信" in answers[4]
    codes = {f["code"] for f in context["red_flags"]}
    assert {"coach-not-supportive", "new-face"} <= codes


def test_english_text_has_no_chinese_punctuation_and_chinese_has_no_stray_spaces():
    """#12 wording: "Advice：", full-width brackets and ideographic spaces in English; spaces between Chinese
    characters in messages. Every message table and the shipped text templates are checked."""
    import re

    from addin.core import briefing
    from addin.core.findings import RULE_NAMES
    from addin.core.grading import ADVICE
    from addin.core.i18n import MESSAGES
    from addin.workbook_templates.builder import _INTRO

    cjk_punct = re.compile(r"[：，（）。、“”；　]")
    ascii_in_chinese = re.compile(r"[\u4e00-\u9fff][,;:!?]|[,;:!?][\u4e00-\u9fff]")  # "客户 48, 价值评估"
    person = r"\{(?:rep|reps|owner|other_owner|person|people|visitor|visitors|coach|who|names)\}"
    tables = [MESSAGES, briefing.LABELS, briefing._QUESTIONS, briefing._ANSWERS, briefing._STATE, briefing._PAGE1,
              briefing._ACTIONS, briefing._DEAL, briefing.HINTS, RULE_NAMES, ADVICE,
              {f"intro{i}": pair for i, pair in enumerate(zip(_INTRO["zh"], _INTRO["en"], strict=True))}]
    for table in tables:
        for key, pair in table.items():
            zh, en = pair
            if key not in ("colon", "open", "close", "gap"):  # the punctuation labels themselves
                assert not cjk_punct.search(en), (key, en)
                assert not ascii_in_chinese.search(zh), (key, zh)
            assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", zh), (key, zh)
            # a person's name is Chinese: "吴佳怡 拜访" is as wrong as "吴佳怡 的"
            assert not re.search(person + r" [\u4e00-\u9fff]|[\u4e00-\u9fff] " + person, zh), (key, zh)
            assert not [c for c in RULE_NAMES if "-" in c and c in zh], (key, zh)  # no rule code in Chinese
    for name in ("briefing.md", "briefing.html"):
        source = (Path(__file__).parents[1] / "addin" / "docs" / "templates" / name).read_text(encoding="utf-8")
        literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|<[^>]+>", "", source, flags=re.S)
        assert not cjk_punct.search(literal), (name, cjk_punct.findall(literal))


def test_org_tree_follows_reports_to_and_survives_a_loop():
    from addin.core.briefing import _org_tree

    def person(name, boss="", ours=""):
        return {"name": name, "role": "r", "influence": "高", "support": "支持", "reports_to": boss,
                "our_contact": ours}

    tree = _org_tree([person("乙", "甲"), person("甲", "", "周"), person("丙", "乙"), person("丁", "戊"),
                      person("戊", "丁")], "zh")
    assert [(n["name"], n["depth"]) for n in tree] == [("甲", 0), ("乙", 1), ("丙", 2), ("丁", 0), ("戊", 1)]
    assert tree[0]["our_contact"] == "周" and tree[2]["indent"].endswith("└ ")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_briefing_layout_fits_the_page(demo_book, lang):
    """#15: every table within the text width, header rows repeated, rows kept whole, page numbers and a
    confidentiality footer, zh-CN as East Asian language, no library boilerplate, created at render time."""
    import re
    from datetime import UTC, datetime

    from addin.docs.build_templates import TEXT_WIDTH_CM

    context = build_briefings(read_workbook(demo_book), TODAY, lang, customers=["C0002"])[0]
    data = renderer_for("docx", template_path("docx", lang)).render(context)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        document = z.read("word/document.xml")
        footer = z.read("word/footer1.xml")
        styles = z.read("word/styles.xml")
        core = z.read("docProps/core.xml").decode()
        names = z.namelist()
    width_twips = TEXT_WIDTH_CM / 2.54 * 1440
    grids = [sum(int(x) for x in re.findall(rb'w:w="(\d+)"', g))
             for g in re.findall(rb"<w:tblGrid>.*?</w:tblGrid>", document, re.S)]
    assert len(grids) >= 4 and max(grids) <= width_twips + 1, grids
    assert document.count(b"<w:tblHeader/>") >= 3 and b"<w:cantSplit/>" in document
    assert b"PAGE" in footer and ("注意保密" in footer.decode() or "confidential" in footer.decode())
    assert b'w:eastAsia="zh-CN"' in styles
    assert "python-docx" not in core and "<dc:creator>kam</dc:creator>" in core
    assert str(datetime.now(UTC).year) in re.search(r"<dcterms:created[^>]*>([^<]*)<", core).group(1)
    assert "docProps/thumbnail.jpeg" not in names


def test_html_prints_well_and_drops_control_characters(demo_book):
    """#15: @page A4, header rows that repeat (thead), rows kept whole, notes keep their line breaks, and no
    control character (\\v, \\x01) reaches the page."""
    context = build_briefings(read_workbook(demo_book), TODAY, "zh", customers=["C0002"])[0]
    context["account"]["customer_name"] = "甲\x0b公司\x01"
    context["visits"][0]["key_points"] = "第一行\n第二行"
    page = renderer_for("html", template_path("html", "zh")).render(context).decode("utf-8")
    assert "@page { size: A4" in page and "thead { display: table-header-group; }" in page
    assert "break-inside: avoid" in page and "white-space: pre-wrap" in page
    assert page.count("<thead>") >= 3 and "甲公司" in page
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", page)
    assert "第一行\n第二行" in page


def test_the_summary_page_lists_the_top_risks_with_what_to_do():
    """#15, #26: a one-page summary first: grade and why, the stage, five answers, overdue items, what lies
    ahead, and every risk of the account, each with a suggested action; the detail starts on the next page."""
    from addin.core.demo import demo_book

    contexts = build_briefings(demo_book(TODAY), TODAY, "zh")
    busy = max(contexts, key=lambda c: len(c["red_flags"]))
    summary = busy["summary"]
    assert len(summary["answers"]) == 5 and summary["grade"]
    assert summary["risks"] and all(r["action"] and r["text"] for r in summary["risks"])
    overdue = next(c for c in contexts if c["summary"]["overdue"])
    assert all(o.split()[0] <= TODAY.isoformat() for o in overdue["summary"]["overdue"])
    data = renderer_for("docx", template_path("docx", "zh")).render(busy)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        document = z.read("word/document.xml").decode("utf-8")
    assert document.index("一页摘要") < document.index("<w:pageBreakBefore/>") < document.index("评级与原因")


def test_the_visit_plan_is_filled_from_the_workbook_with_blanks_for_the_rep(demo_book):
    """#15.3: purpose (下一步 / 下周对策), what changed, strengths, competitors; labelled blanks for the rest."""
    contexts = build_briefings(read_workbook(demo_book), TODAY, "en")
    with_dev = next(c for c in contexts if c["latest_development"]["present"] and c["visits"])
    plan = with_dev["plan"]
    assert plan["purpose"] and plan["competitors"] == with_dev["latest_development"]["competitors"]
    assert plan["changed"] and plan["changed"][0].startswith("The customer last said: ")
    text = renderer_for("md", template_path("md", "en")).render(with_dev).decode("utf-8")
    assert "Goal of this visit" in text and "______" in text and plan["purpose"].split()[0] in text
