"""Which workbooks a command works on: files as given, folders searched recursively (SPEC §6)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from addin.errors import KamError

#: what a folder search picks up (an .xlsm is a workbook with macros; .xlam add-ins and .xls are not reps' books)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def is_candidate(path: Path) -> bool:
    """A workbook a folder search takes: .xlsx/.xlsm, not Excel's `~$` lock file, not a kam .bak copy, not
    hidden (a leading dot: macOS `._x.xlsx` resource forks, editor temp files)."""
    name = path.name
    return (path.suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith(("~$", "."))
            and not path.stem.lower().endswith(".bak") and path.is_file())


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given (any name: a wrong file is refused by the reader with its own sentence) and every
    workbook under each folder, in a stable order, each once. A path that does not exist, or a folder
    with no workbook in it, is one sentence (KamError, exit 2)."""
    out: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted((p for p in path.rglob("*") if is_candidate(p)), key=lambda p: str(p).casefold())
            if not found:
                raise KamError("paths.empty_folder", folder=path)
        elif path.exists():
            found = [path]
        else:
            raise KamError("file.missing", file=path)
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out
