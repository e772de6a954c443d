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
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from addin.errors import KamError
from addin.ziputil import copy_raw

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|&~])")
_TAG = re.compile(rb"\{[{%#]")
_BODY = re.compile(rb"<w:body\b.*</w:body>", re.S)


def md_escape(value: Any) -> Any:
    """Backslash-escape Markdown punctuation so data prints literally (CommonMark escapes any ASCII mark);
    line breaks become <br> so a multi-line value cannot break a table row."""
    if isinstance(value, str):
        return _MD_SPECIAL.sub(r"\\\1", value).replace("\r\n", "\n").replace("\n", "<br>")
    return value


def environment(fmt: str) -> SandboxedEnvironment:
    """The sandboxed Jinja environment for a format."""
    if fmt == "md":
        return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=md_escape,
                                    keep_trailing_newline=True)
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=True)


class Renderer:
    """Compiles a template once and renders contexts to bytes."""

    fmt: str
    path: Path

    def variables(self) -> set[str]:
        """Top-level names the template uses (to check against the context before a batch)."""
        raise NotImplementedError

    def render(self, context: dict[str, Any]) -> bytes:
        raise NotImplementedError


class TextRenderer(Renderer):
    """HTML or Markdown from a jinja2 template file."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self.env = environment(fmt)
        try:
            self.source = path.read_text(encoding="utf-8-sig")
            self.template = self.env.from_string(self.source)
        except (OSError, UnicodeDecodeError) as exc:
            raise KamError("brief.template_unreadable", file=path, detail=exc) from exc
        except TemplateSyntaxError as exc:
            raise KamError("brief.template_syntax", file=path, line=exc.lineno, detail=exc.message) from exc

    def variables(self) -> set[str]:
        return set(meta.find_undeclared_variables(self.env.parse(self.source)))

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
            self.template = self.env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", body))
        except KamError:
            raise
        except TemplateSyntaxError as exc:
            raise KamError("brief.template_syntax", file=path, line=exc.lineno, detail=exc.message) from exc
        except Exception as exc:  # not a zip, no document.xml, broken XML: one sentence
            raise KamError("brief.template_unreadable", file=path, detail=exc) from exc

    def variables(self) -> set[str]:
        return set(DocxTemplate(io.BytesIO(self.data)).get_undeclared_template_variables(self.env))

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
                if info.filename == "word/document.xml":
                    member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    dst.writestr(member, document, compress_type=zipfile.ZIP_DEFLATED)
                else:
                    copy_raw(src, dst, info)
        return out.getvalue()

    def _render_slow(self, context: dict[str, Any]) -> bytes:
        tpl = DocxTemplate(io.BytesIO(self.data))
        tpl.render(context, jinja_env=environment("docx"), autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()


def renderer_for(fmt: str, path: Path) -> Renderer:
    """The renderer for an output format and a template file."""
    if fmt in ("docx", "pdf"):
        return DocxRenderer(path)
    return TextRenderer(path, fmt)


def check_variables(renderer: Renderer, context: dict[str, Any]) -> None:
    """Refuse, before any document is written, a template naming variables the context does not have:
    unknown top-level names from the template itself, unknown attributes from a trial render."""
    unknown = sorted(renderer.variables() - set(context))
    if not unknown:
        try:
            renderer.render(context)
        except UndefinedError as exc:
            unknown = [str(exc.message or exc)]
        except SecurityError as exc:
            raise KamError("brief.template_unsafe", file=renderer.path, detail=exc) from exc
    if unknown:
        raise KamError("brief.unknown_vars", file=renderer.path, names=", ".join(unknown))
