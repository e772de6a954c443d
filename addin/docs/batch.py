"""Write many briefings: names per SPEC §5, temp file + rename for each, parallel with --jobs, failures kept
per customer, and PDF through LibreOffice when asked."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.core.filenames import briefing_name
from addin.docs.render import Renderer, renderer_for
from addin.errors import KamError
from addin.workbook.files import write_bytes

PDF_TIMEOUT = 300  # seconds for one LibreOffice batch


@dataclass
class Outcome:
    """One customer's result: the file written, or why it failed."""

    customer_id: str
    path: Path | None
    error: str = ""


def plan_names(contexts: list[dict[str, Any]], ext: str, out: Path) -> list[Path]:
    """Safe, unique paths inside `out` for each context, in order (files already there are not counted)."""
    taken: set[str] = set()
    return [out / briefing_name(c["account"]["customer_id"], c["account"]["customer_name"], ext, taken)
            for c in contexts]


_WORKER: Renderer | None = None


def _init_worker(fmt: str, template: str) -> None:
    global _WORKER
    _WORKER = renderer_for(fmt, Path(template))


def _render_one(args: tuple[dict[str, Any], str]) -> Outcome:
    context, target = args
    assert _WORKER is not None
    return _write(_WORKER, context, Path(target))


def _write(renderer: Renderer, context: dict[str, Any], target: Path) -> Outcome:
    cid = context["account"]["customer_id"]
    try:
        data = renderer.render(context)
        write_bytes(target, data)
        return Outcome(cid, target)
    except KamError as exc:
        return Outcome(cid, None, exc.message(context.get("lang", "zh")))
    except Exception as exc:  # one customer's failure never stops the others
        return Outcome(cid, None, f"{type(exc).__name__}: {exc}"[:300])


def render_all(contexts: list[dict[str, Any]], fmt: str, template: Path, out: Path, jobs: int,
               progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Render every context into `out`; returns one outcome per context, in order."""
    out.mkdir(parents=True, exist_ok=True)
    ext = "docx" if fmt == "pdf" else fmt
    targets = plan_names(contexts, ext, out)
    results: list[Outcome] = []
    work = list(zip(contexts, [str(t) for t in targets], strict=True))
    if jobs <= 1 or len(contexts) < 8:
        renderer = renderer_for(fmt, template)
        outcomes: Iterator[Outcome] = (_write(renderer, c, Path(t)) for c, t in work)
        for outcome in outcomes:
            results.append(outcome)
            if progress:
                progress(outcome)
        return results
    chunk = max(1, len(work) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(fmt, str(template))) as pool:
        for outcome in pool.map(_render_one, work, chunksize=chunk):
            results.append(outcome)
            if progress:
                progress(outcome)
    return results


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
    """Convert the written .docx files to PDF in one LibreOffice run with a private profile; each PDF is
    checked to exist. The .docx files are removed once their PDF is there."""
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
