"""#26: page 1 of a briefing a rep can trust, checked on every demo account against the rows themselves.

Each expectation is recomputed here from the demo's rows and from `validate` (not from the briefing's code):
every 销售提醒 of the account is among the risks, the abandon line and a D grade are said, silence past
A级拜访间隔 is said, a done 下一步 or a closed account's item is never this visit's goal, the coach is never
among the people to ask the coach about, and the people to meet carry their mobile from 关键人.
"""

import re
from datetime import date, timedelta

import pytest

from addin.core.briefing import build_briefings
from addin.core.demo import demo_book
from addin.core.findings import DATA_CODES
from addin.core.grading import grade_workbook
from addin.core.validation import validate
from tests.conftest import needs_writer

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def book():
    return demo_book(TODAY)


@pytest.fixture(scope="module")
def contexts(book):
    return {c["account"]["customer_id"]: c for c in build_briefings(book, TODAY, "zh")}


def _rows(book, key):
    table = book.get(key)
    return [dict(zip(table.index, values, strict=False)) for _, values in table.rows]


def test_every_reminder_and_account_level_finding_is_a_risk_on_page_1(book, contexts):
    stages = {r["customer_id"]: r["stage"] for r in _rows(book, "customers")}
    closed_quiet = {"callback-missing", "coach-neglected", "stale-account"}  # no sale to push when 已终止
    last: dict[str, str] = {}
    for v in _rows(book, "visits"):
        when = v["visit_date"]
        if isinstance(when, date) and when <= TODAY and v["customer_id"]:
            last[v["customer_id"]] = max(last.get(v["customer_id"], ""), when.isoformat())
    reminders: dict[str, set[str]] = {}
    for f in validate(book, TODAY).findings:  # every 销售提醒 and every account-level finding
        account_level = f.sheet == "客户" and (not f.column or f.code == "duplicate-account")
        if f.code == "callback-missing" and f.params["date"] < last.get(f.customer_id, ""):
            continue  # a contact since that 面访: no call back to ask for any more
        if f.customer_id and (f.code not in DATA_CODES or account_level):
            reminders.setdefault(f.customer_id, set()).add(f.code)
    checked = 0
    for cid, codes in reminders.items():
        risks = {r["code"] for r in contexts[cid]["summary"]["risks"]}
        expected = codes - (closed_quiet if stages[cid] == "已终止" else set())
        if "silent" in risks:
            expected.discard("stale-account")  # said once, with the number of days
        if "role-missing" in codes:
            expected.discard("stage-gate")  # a gate naming only missing roles is the role-missing risk again
        assert expected <= risks, (cid, expected - risks)
        assert all(r["text"] and r["action"] for r in contexts[cid]["summary"]["risks"]), cid
        checked += 1
    assert checked >= 10


def test_the_abandon_line_and_a_d_grade_are_risks_with_the_accounts_own_scores(book, contexts):
    graded = {g.customer_id: g.grade for g in grade_workbook(book).grades}
    abandon = [c for c, g in graded.items() if g.abandon]
    d_only = [c for c, g in graded.items() if g.grade == "D" and not g.abandon]
    assert abandon and d_only
    for cid in abandon:
        g = graded[cid]
        risk = next(r for r in contexts[cid]["summary"]["risks"] if r["code"] == "abandon")
        assert contexts[cid]["summary"]["risks"][0] is risk
        scores = {f"{s:.2f}" for s in (g.value_score, g.difficulty_score) if s is not None}
        assert any(s in risk["text"] for s in scores) and "≤" not in risk["text"] and "≥" not in risk["text"]
        if g.grade in ("A", "B", "C", "D"):
            assert contexts[cid]["summary"]["advice"] == "考虑放弃或降低接触"
    for cid in d_only:
        assert contexts[cid]["summary"]["risks"][0]["code"] == "grade-d"


def test_silence_past_the_a_visit_interval_is_a_risk_with_its_days(book, contexts):
    last: dict[str, date] = {}
    for v in _rows(book, "visits"):
        when = v["visit_date"]
        if isinstance(when, date) and when <= TODAY and v["customer_id"]:
            last[v["customer_id"]] = max(last.get(v["customer_id"], when), when)
    stages = {r["customer_id"]: r["stage"] for r in _rows(book, "customers")}
    silent = 0
    for cid, context in contexts.items():
        codes = [r["code"] for r in context["summary"]["risks"]]
        if stages.get(cid) == "已终止":
            assert "silent" not in codes and "terminated" in codes
            continue
        seen = last.get(cid)
        quiet = seen is None or TODAY - seen > timedelta(days=30)
        if "service-lapsed" in codes:  # a won account's silence is told once, by its own service interval
            assert "silent" not in codes, cid
            continue
        assert ("silent" in codes) == quiet, cid
        if seen is not None and quiet:
            risk = next(r for r in context["summary"]["risks"] if r["code"] == "silent")
            assert f"已 {(TODAY - seen).days} 天没有联系" in risk["text"] and seen.isoformat() in risk["text"]
            silent += 1
    assert silent >= 1


def test_a_done_next_step_or_a_closed_account_is_never_this_visits_goal(book, contexts):
    stages = {r["customer_id"]: r["stage"] for r in _rows(book, "customers")}
    done: dict[str, set[str]] = {}
    open_: dict[str, set[str]] = {}
    for v in _rows(book, "visits"):
        if v["next_steps"]:
            (done if v["follow_up_done"] else open_).setdefault(v["customer_id"], set()).add(v["next_steps"])
    hit = 0
    for cid, context in contexts.items():
        purpose = context["plan"]["purpose"]
        if stages.get(cid) == "已终止":
            assert context["plan"]["closed"] and "已终止" in purpose
            for step in done.get(cid, set()) | open_.get(cid, set()):
                assert step not in purpose
            hit += 1
            continue
        if purpose in done.get(cid, set()) and purpose not in open_.get(cid, set()):
            pytest.fail(f"{cid}: offers {purpose}, a 下一步 already done")
    assert hit >= 1


def test_the_coach_is_never_among_those_to_ask_the_coach_about(book, contexts):
    coaches: dict[str, set[str]] = {}
    for c in _rows(book, "contacts"):
        if c["role"] == "教练" and c["support"] == "支持":
            coaches.setdefault(c["customer_id"], set()).add(c["name"])
    asked = 0
    for cid, context in contexts.items():
        answer = context["summary"]["answers"][1]
        if "还没当面见过" not in answer:
            continue
        for part in answer.split("。"):
            if part.startswith("还没当面见过") and not part.startswith("还没当面见过教练"):
                names = part.removeprefix("还没当面见过").split("、")
                assert not set(names) & coaches.get(cid, set()), (cid, answer)
                asked += 1
        if not coaches.get(cid):
            assert "请教练" not in answer, (cid, answer)
    assert asked >= 5


def test_the_people_to_meet_carry_their_mobile_from_the_contacts(book, contexts):
    mobiles = {(c["customer_id"], c["name"]): c.get("mobile") or "" for c in _rows(book, "contacts")}
    shown = 0
    for cid, context in contexts.items():
        for p in context["summary"]["people"]:
            assert p["phone"].removesuffix("（号码有误）") == str(mobiles.get((cid, p["name"]), "") or "")
            if p["phone"]:
                assert p["phone"] in p["text"]
                shown += 1
        assert context["summary"]["last_face"]  # a line on the last 面访, or that there is none
    assert shown >= 20


def test_a_mobile_the_check_found_wrong_is_printed_with_that_said(book, contexts):
    """Every contact whose 手机 validate calls bad-phone carries 号码有误 in the briefing, and no other does: a rep
    must not dial a number kam knows cannot work."""
    report = validate(book, TODAY)
    wrong = {(f.customer_id, f.row) for f in report.findings if f.code == "bad-phone" and f.sheet == "关键人"
             and f.field == "mobile"}
    assert wrong  # the demo plants one
    table = book.get("contacts")
    by_row = {n: dict(zip(table.index, values, strict=False)) for n, values in table.rows}  # the sheet's own rows
    names = {(by_row[n]["customer_id"], by_row[n]["name"]) for _, n in wrong}
    flagged = {(cid, c["name"]) for cid, ctx in contexts.items() for c in ctx["contacts"] if "号码有误" in c["mobile"]}
    assert flagged == names


def _pick_accounts(contexts) -> list[str]:
    """The four most different accounts: the busiest, an A, a D or abandon one, and the nearly empty one."""
    ids = list(contexts)
    busiest = max(ids, key=lambda c: (contexts[c]["counts"]["visits"] + len(contexts[c]["summary"]["risks"]), c))
    a = next(c for c in ids if contexts[c]["summary"]["grade"] == "A" and c != busiest)
    d = next(c for c in ids if any(r["code"] in ("abandon", "grade-d") for r in contexts[c]["summary"]["risks"])
             and c not in (busiest, a))
    empty = min(ids, key=lambda c: (contexts[c]["counts"]["visits"] + contexts[c]["counts"]["contacts"], c))
    return list(dict.fromkeys([busiest, a, d, empty]))


@pytest.mark.libreoffice
@needs_writer
def test_page_1_holds_the_summary_and_nothing_breaks_mid_word_in_the_pdf(book, contexts, tmp_path):
    """Rendered by LibreOffice to PDF and read back with pdftotext (poppler), page by page: page 1 holds the
    whole summary (page 2 starts with the visit plan, the page the rep writes on), and no Latin word, date or phone is cut across lines."""
    import shutil
    import subprocess

    from click.testing import CliRunner

    from addin.cli import cli
    from addin.workbook_templates.builder import build_workbook

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF cannot be read back")
    font = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout
    if not re.search("Calibri|Carlito", font):
        pytest.skip("neither Calibri nor Carlito (fonts-crosextra-carlito) is installed: the template's columns "
                    "are measured in Calibri, and a wider stand-in font breaks words the template does not")
    path = tmp_path / "demo.xlsx"
    from addin.core.demo import make_demo

    build_workbook(path, "zh", make_demo(TODAY).rows)
    chosen = _pick_accounts(contexts)
    runs = [("zh", chosen), ("en", chosen[:1])]
    for lang, ids in runs:
        out = tmp_path / lang
        args = ["brief", str(path), "--format", "pdf", "--out", str(out), "--today", TODAY.isoformat(),
                "--lang", lang]
        for cid in ids:
            args += ["--customer", cid]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        pdfs = sorted(out.glob("*.pdf"))
        assert len(pdfs) == len(ids)
        for pdf in pdfs:
            text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.replace("\u2011", "-")
            # -layout keeps each printed line as it is (the plain mode joins "2026-10-" and "25" into "2026-1025")
            layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                    text=True, check=True).stdout.replace("\u2011", "-")
            pages = text.split("\f")
            first, second = pages[0], pages[1]
            heads = ("一页摘要", "风险与对策", "五问速览", "这次要见的人") if lang == "zh" else \
                ("At a glance", "Risks and what to do", "The five questions", "People to meet")
            assert all(h in first for h in heads), (pdf.name, first[:300])
            assert ("拜访计划" if lang == "zh" else "Visit plan") in second.strip().splitlines()[0], pdf.name
            cid = pdf.name.split("_")[0]
            context = build_briefings(book, TODAY, lang, customers=[cid])[0]
            for risk in context["summary"]["risks"]:  # every risk on page 1, whole
                assert _squash(risk["text"][:40]) in _squash(first), (pdf.name, risk["text"])
            for line in layout.splitlines():
                assert not re.search(r"\d{4}-(\d{1,2}-?)?$", line.rstrip()), (pdf.name, line)  # a date cut in two
                assert not re.search(r"\d{4}-\d{2}-\d\b(?!\d)\s*$", line.rstrip()), (pdf.name, line)
            source = _docx_words(context, lang)
            # a line may break after a hyphen (pdftotext then joins "follow-" and "up"), never inside a word
            words = set(re.findall(r"[A-Za-z]{3,}", source)) | set(re.findall(r"[A-Za-z]{3,}", source.replace("-", "")))
            for token in re.findall(r"[A-Za-z]{3,}", text):
                assert token in words, (pdf.name, token)  # a Latin word cut in two is no word of the document


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _docx_words(context, lang) -> str:
    """Every text the rendered document holds: the .docx rendered again and read as plain text."""
    import io

    from docx import Document

    from addin.docs.build_templates import template_path
    from addin.docs.render import renderer_for

    doc = Document(io.BytesIO(renderer_for("docx", template_path("docx", lang)).render(context)))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)
