"""Render one briefing context into bytes: .docx through docxtpl, .html and .md through jinja2.

Every environment is sandboxed, escapes what it prints (XML/HTML autoescape, Markdown backslashes) and uses
StrictUndefined, so a misspelt variable is an error, never silently empty text. Templates come from files
only; no template is ever built from data.

For .docx the body of document.xml is compiled once (docxtpl's own pre-processing) and each document is
written by copying the template's other parts raw; a template with tags in headers, footers, footnotes or
properties falls back to plain docxtpl per document.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from addin.core.i18n import MESSAGES, join, t
from addin.errors import KamError
from addin.ziputil import copy_raw

# only what Markdown would read as markup inside a line: emphasis, code, links/images, HTML, table pipes
# (brackets and parentheses alone are plain text, so "(danger zone)" stays readable)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_LEAD = re.compile(r"^(\s*|\s*\d{1,9})((?<=\d)[.)]|(?<!\d)[#+\-](?=\s|$)|(?<!\d)-(?=[\s-]*$))", re.M)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(rb"\{[{%#]")
_BODY = re.compile(rb"<w:body\b.*</w:body>", re.S)


def md_escape(value: Any) -> Any:
    """Backslash-escape Markdown punctuation so data prints literally (CommonMark escapes any ASCII mark);
    line breaks become <br> so a multi-line value cannot break a table row."""
    if isinstance(value, str):
        value = _MD_ENTITY.sub("&amp;", _MD_SPECIAL.sub(r"\\\1", _CONTROL.sub("", value)))
        value = "\n".join(line.lstrip() for line in value.split("\n"))  # an indent would open a code block
        value = _MD_LEAD.sub(r"\1\\\2", value)  # "# x", "- x", "1. x", "---" would open a block
        return value.replace("\r\n", "\n").replace("\n", "<br>")
    return value


#: a date in printed text: its hyphens become non-breaking (U+2011), so no line ends in "2026-10-"
_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def keep_dates(value: Any) -> Any:
    """A value for Word or a page: dates never broken across lines (Word and LibreOffice break after "-")."""
    return _DATE.sub("\\1\u2011\\2\u2011\\3", value) if isinstance(value, str) else value


def html_clean(value: Any) -> Any:
    """Control characters (\\v, \\x01...) never reach an HTML page; dates stay whole; autoescape does the rest."""
    return keep_dates(_CONTROL.sub("", value)) if isinstance(value, str) else value


#: the longest text or list one operator in a template may make (a whole briefing is far shorter)
MAX_MADE = 1_000_000
_WIDE_FORMAT = re.compile(r"%[-#0 +]*(?:\*|\d{5,})|%[-#0 +]*\d*\.(?:\*|\d{5,})")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, and `*`, `%` and `**` refused where they would make something huge ('x' * 10**9,
    '%0999999999d' % 1, 9 ** 9 ** 9): a quick sentence instead of waiting for the worker's bound."""

    intercepted_binops = frozenset({"*", "%", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_MADE:
                    raise SecurityError("brief.huge.repeat")  # a message key: said in the user's language
        elif operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise SecurityError("brief.huge.width")
        elif operator == "**" and isinstance(right, int | float) and abs(right) > 1000:
            raise SecurityError("brief.huge.power")
        return super().call_binop(context, operator, left, right)


def environment(fmt: str) -> SandboxedEnvironment:
    """The sandboxed Jinja environment for a format."""
    if fmt == "md":
        return BoundedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=md_escape,
                                    keep_trailing_newline=True)
    return BoundedEnvironment(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=True,
                                finalize=html_clean if fmt == "html" else keep_dates)


_OTHER_FILES = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from … import",
                nodes.Extends: "extends"}


def compile_template(env: SandboxedEnvironment, source: str, path: Path) -> Template:
    """Compile a template's source, refusing one that pulls in other files (include, import, extends): a
    template comes from its one file only (without a loader Jinja would fail later with "no loader")."""
    tree = env.parse(source)
    for node in tree.find_all(tuple(_OTHER_FILES)):
        raise KamError("brief.template_include", file=path, tag=_OTHER_FILES[type(node)])
    return env.from_string(tree)


class Renderer:
    """Compiles a template once and renders contexts to bytes."""

    fmt: str
    path: Path
    source: str  # the Jinja source (a .docx: its body, one paragraph per line)
    env: SandboxedEnvironment

    def render(self, context: dict[str, Any]) -> bytes:
        raise NotImplementedError


class TextRenderer(Renderer):
    """HTML or Markdown from a jinja2 template file."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self.env = environment(fmt)
        try:
            self.source = path.read_text(encoding="utf-8-sig")
            self.template = compile_template(self.env, self.source, path)  # a syntax error names self.source's line
        except (OSError, UnicodeDecodeError) as exc:
            raise KamError("brief.template_unreadable", file=path, detail=exc) from exc
        except TemplateSyntaxError as exc:
            raise syntax_error(path, exc, self.source if hasattr(self, "source") else "", "text") from exc

    def render(self, context: dict[str, Any]) -> bytes:
        return self.template.render(context).encode("utf-8")


class DocxRenderer(Renderer):
    """A .docx from a docxtpl template, with the compiled-once fast path described above."""

    fmt = "docx"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = environment("docx")
        try:
            self.data = path.read_bytes()
            self.base = DocxTemplate(io.BytesIO(self.data))
            with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
                self.document = zf.read("word/document.xml")
                others = [i.filename for i in zf.infolist()
                          if i.filename != "word/document.xml" and i.filename.endswith(".xml")]
                self.fast = not any(_TAG.search(zf.read(name)) for name in others)
            self.base.render_init()
            body = self.base.patch_xml(self.base.get_xml())
            self.source = re.sub(r"<w:p([ >])", r"\n<w:p\1", body)  # one paragraph per line
            self.template = compile_template(self.env, self.source, path)
        except KamError:
            raise
        except TemplateSyntaxError as exc:
            raise syntax_error(path, exc, getattr(self, "source", ""), "docx") from exc
        except Exception as exc:  # not a zip, no document.xml, broken XML: one sentence
            raise KamError("brief.template_unreadable", file=path, detail=exc) from exc

    def render(self, context: dict[str, Any]) -> bytes:
        if not self.fast:
            return self._render_slow(context)
        xml = self.template.render(context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        xml = self.base.resolve_listing(xml)
        tree = self.base.fix_tables(xml)
        body = etree.tostring(tree, encoding="utf-8")
        document = _BODY.sub(lambda _m: body.replace(b"<?xml version='1.0' encoding='utf-8'?>", b""),
                             self.document, count=1)
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(self.data)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                if info.filename in ("word/document.xml", "docProps/core.xml"):
                    data = document if info.filename == "word/document.xml" else _stamped(src.read(info))
                    member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    dst.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
                else:
                    copy_raw(src, dst, info)
        return out.getvalue()

    def _render_slow(self, context: dict[str, Any]) -> bytes:
        tpl = DocxTemplate(io.BytesIO(self.data))
        tpl.render(context, jinja_env=environment("docx"), autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()


def _stamped(core: bytes) -> bytes:
    """The document's core properties with created/modified set to now (the template's are fixed)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + now + rb"\g<2>", core)


_SYNTAX = (
    (re.compile(r"Encountered unknown tag '([^']+)'"), "不认识的标签 {0}", "unknown tag {0}"),
    (re.compile(r"expected token 'end of print statement', got '([^']+)'"),
     "{{{{ }}}} 里的写法有误（多出“{0}”）", "something is wrong inside {{{{ }}}} (an extra '{0}')"),
    (re.compile(r"Unexpected end of template.*looking for the following tags: '([^']+)'"),
     "模板已结束，但还缺少 {0}", "the template ends before its {0}"),
    (re.compile(r"unexpected '([^']+)'"), "多出了“{0}”", "an unexpected '{0}'"),
)


def syntax_error(path: Path, exc: TemplateSyntaxError, source: str, kind: str) -> KamError:
    """A template syntax error as a Word or text user can act on: where (the line, or for a .docx the
    paragraph's text) and what, in both languages (Jinja's own words are English)."""
    from addin.docs.tmplcheck import line_text

    message = exc.message or ""
    zh, en = message, message
    for pattern, zh_text, en_text in _SYNTAX:
        m = pattern.search(message)
        if m:
            zh, en = zh_text.format(*m.groups()), en_text.format(*m.groups())
            break
    text = line_text(source, exc.lineno) if source else ""
    key = "brief.template_syntax.paragraph" if kind == "docx" else "brief.template_syntax"
    return KamError(key, file=path, line=exc.lineno, text=text, detail_zh=zh, detail_en=en)


def renderer_for(fmt: str, path: Path) -> Renderer:
    """The renderer for an output format and a template file."""
    if fmt in ("docx", "pdf"):
        return DocxRenderer(path)
    return TextRenderer(path, fmt)


def check_variables(renderer: Renderer, contexts: list[dict[str, Any]], lang: str = "zh") -> None:
    """Refuse, before any document is written, a template naming variables the briefing does not have: every
    path in every loop and branch (checked on the template's syntax tree against the shape of the batch's and
    the demo's contexts), all of them named with where they stand; then one trial render."""
    from datetime import date

    from addin.core.briefing import build_briefings
    from addin.core.demo import demo_book
    from addin.docs.tmplcheck import line_text, shape_of, unknown_paths

    demo = build_briefings(demo_book(date(2026, 11, 22), lang), date(2026, 11, 22), lang)
    unknown = unknown_paths(renderer.env, renderer.source, shape_of(contexts + demo))
    if unknown:
        key = "brief.unknown_var.paragraph" if renderer.fmt == "docx" else "brief.unknown_var.line"
        places = [t(key, lang, name=u.path, line=u.line, text=line_text(renderer.source, u.line)) for u in unknown]
        raise KamError("brief.unknown_vars", file=renderer.path, names=join(places, lang))
    from addin.docs.batch import bound_message, trial

    done = trial(renderer, contexts[0])
    lang = contexts[0].get("lang", "zh")
    if done.kind == "undefined":
        raise KamError("brief.unknown_vars", file=renderer.path, names=done.detail)
    if done.kind == "unsafe":
        detail = t(done.detail, lang) if done.detail in MESSAGES else done.detail
        raise KamError("brief.template_unsafe", file=renderer.path, detail=detail)
    if not done.ok:
        raise KamError("brief.template_failed", detail=bound_message(done, renderer.path, lang))
