"""Write many briefings: names per SPEC §5, temp file + rename for each, parallel with --jobs, failures kept
per customer, and PDF through LibreOffice when asked.

A briefing someone changed after kam wrote it (a rep's notes in the .docx) is never overwritten. kam keeps a
record of each file it wrote and the SHA-256 it had (one small JSON per output folder, in the user's data
folder, so the briefing folder holds only briefings); a file that is not as kam left it is kept and said, and
`--force` writes the new one and keeps the old as NAME.bak.<ext>. PDFs are made from .docx files in a private
folder of kam's own, so no .docx in the output folder is touched."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from addin.core.filenames import briefing_name
from addin.docs.bounded import MAX_DOCUMENT, RENDER_MEMORY, RENDER_SECONDS, Job, Rendered, render_bounded
from addin.docs.render import Renderer, renderer_for
from addin.errors import KamError
from addin.workbook.files import keep_copy, take_over, write_bytes
from addin.workbook.writer import backup_path

PDF_TIMEOUT = 300  # seconds for one LibreOffice batch


@dataclass
class Outcome:
    """One customer's result: the file written, or why it failed, or the edited file kept (`kept`)."""

    customer_id: str
    path: Path | None
    error: str = ""
    kept: Path | None = None
    backup: Path | None = None


def _record(folder: Path) -> Path:
    """Where kam keeps its record of the briefings it wrote into `folder` (outside it)."""
    from platformdirs import user_data_dir

    key = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:32]
    return Path(user_data_dir("kam", appauthor=False)) / "briefings" / f"{key}.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(folder: Path) -> dict[str, str]:
    """The files kam wrote into `folder` and their SHA-256 then ({} when none, or unreadable)."""
    try:
        data = json.loads(_record(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write_manifest(folder: Path, manifest: dict[str, str]) -> None:
    """Save the record (only names still in the folder). A record that cannot be written costs only this:
    the next run keeps these files as if changed, and says so."""
    kept = {k: v for k, v in manifest.items() if (folder / k).is_file()}
    with contextlib.suppress(KamError):
        write_bytes(_record(folder), json.dumps(kept, ensure_ascii=False, indent=0, sort_keys=True).encode())


def edited(target: Path, manifest: dict[str, str]) -> bool:
    """Whether `target` is a file kam did not leave as it is: changed since kam wrote it, or never kam's."""
    if not target.exists() and not target.is_symlink():
        return False
    return target.is_symlink() or not target.is_file() or manifest.get(target.name) != _sha256(target)


def plan_names(contexts: list[dict[str, Any]], ext: str, out: Path) -> list[Path]:
    """Safe, unique paths inside `out` for each context, in order (files already there are not counted:
    a re-run writes the same names)."""
    taken: set[str] = set()
    return [out / briefing_name(c["account"]["customer_id"], c["account"]["customer_name"], ext, taken,
                                "briefing" if c.get("lang") == "en" else "简报")  # the reader's language
            for c in contexts]


def render_all(contexts: list[dict[str, Any]], fmt: str, template: Path, out: Path, jobs: int,
               progress: Callable[[Outcome], None] | None = None, force: bool = False,
               lang: str = "zh") -> list[Outcome]:
    """Render every context into `out`, each in a bounded worker (addin.docs.bounded); returns one outcome
    per context, in order. A briefing past its time or memory bound fails with one sentence naming the
    template; the others still run. An edited briefing is kept (see the module doc); PDFs are converted in
    a private folder and moved in."""
    out.mkdir(parents=True, exist_ok=True)
    targets = plan_names(contexts, fmt, out)
    manifest = read_manifest(out)
    results: list[Outcome | None] = [None] * len(contexts)
    work: list[Job] = []
    for i, (context, target) in enumerate(zip(contexts, targets, strict=True)):
        if edited(target, manifest) and not (force and target.is_file() and not target.is_symlink()):
            results[i] = Outcome(context["account"]["customer_id"], None, kept=target)
            if progress:
                progress(results[i])  # type: ignore[arg-type]
        else:
            work.append((i, context, None))
    with tempfile.TemporaryDirectory(prefix=".kam-", dir=out) as private:
        made = [Path(private) / (t.stem + (".docx" if fmt == "pdf" else t.suffix)) for t in targets]
        work = [(i, c, str(made[i])) for i, c, _ in work]
        for done in render_bounded(partial(renderer_for, fmt, template), work, jobs):
            context = contexts[done.index]
            cid = context["account"]["customer_id"]
            outcome = Outcome(cid, made[done.index]) if done.ok else \
                Outcome(cid, None, bound_message(done, template, context.get("lang", lang)))
            results[done.index] = outcome
            if progress:
                progress(outcome)
        final = [o for o in results if o is not None]
        if fmt == "pdf":
            final = to_pdf(final, lang)
        for o in final:
            if o.path is None:
                continue
            target = out / o.path.name
            if target.exists() and edited(target, manifest):  # --force: the edited one is kept as .bak
                o.backup = backup_path(target)
                keep_copy(target, o.backup)
            take_over(o.path, target)
            os.replace(o.path, target)
            o.path = target
            manifest[target.name] = _sha256(target)
    write_manifest(out, manifest)
    return final


def bound_message(done: Rendered, template: Path, lang: str) -> str:
    """Why one briefing was not written, in one sentence naming the template when it was its fault."""
    from addin.core.i18n import MESSAGES, t

    if done.detail in MESSAGES:  # the template's own limits say why in a message key
        return t(done.detail, lang)
    if done.kind in ("timeout", "memory", "died", "too_big"):
        return t(f"brief.bound.{done.kind}", lang, file=template.name, seconds=int(RENDER_SECONDS),
                 mb=RENDER_MEMORY >> 20, size=MAX_DOCUMENT >> 20)
    return done.detail


def trial(renderer: Renderer, context: dict[str, Any]) -> Rendered:
    """One render of `context` within the bounds, nothing written (the check before a batch)."""
    return next(render_bounded(lambda: renderer, [(0, context, None)], 1))


def soffice() -> str | None:
    """LibreOffice's command, when installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


#: LibreOffice's parts by what they open, and the library each installs in LibreOffice's program folder
#: (Debian splits them: libreoffice-writer-nogui, libreoffice-calc-nogui; `soffice` exists with either).
COMPONENTS = {"writer": "swlo", "calc": "sclo"}


def has_component(part: str) -> bool:
    """Whether LibreOffice can open documents of `part` ("writer" for .docx, "calc" for .xlsx) here."""
    exe = soffice()
    if exe is None:
        return False
    program = Path(os.path.realpath(exe)).parent
    lib = COMPONENTS[part]
    return any(program.glob(f"lib{lib}.*")) or any(program.glob(f"{lib}*.dll")) or \
        any(program.parent.glob(f"**/lib{lib}.*"))


def to_pdf(outcomes: list[Outcome], lang: str) -> list[Outcome]:
    """Convert the .docx files kam just wrote in its private folder to PDF there, in one LibreOffice run
    with a private profile; each PDF is checked to exist. Only those private .docx files are removed."""
    exe = soffice()
    if exe is None:
        raise KamError("brief.no_libreoffice")
    if not has_component("writer"):
        raise KamError("brief.no_writer")
    done = [o for o in outcomes if o.path is not None]
    if not done:
        return outcomes
    folder = done[0].path.parent  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory(prefix="kam-lo-") as profile:
        command = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--convert-to", "pdf",
                   "--outdir", str(folder), *[str(o.path) for o in done]]
        with contextlib.suppress(subprocess.TimeoutExpired):  # whatever was converted is checked below
            subprocess.run(command, capture_output=True, timeout=PDF_TIMEOUT, check=False,
                           env={**os.environ, "HOME": profile})
    result = []
    for o in outcomes:
        if o.path is None:
            result.append(o)
            continue
        pdf = o.path.with_suffix(".pdf")
        if pdf.exists() and pdf.stat().st_size > 0:
            o.path.unlink(missing_ok=True)
            result.append(Outcome(o.customer_id, pdf))
        else:  # no PDF: the .docx it was made from goes too, so a failed run leaves no half result
            o.path.unlink(missing_ok=True)
            result.append(Outcome(o.customer_id, None, "LibreOffice did not produce a PDF" if lang == "en"
                                  else "LibreOffice 未能生成 PDF"))
    return result
