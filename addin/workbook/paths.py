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


#: folder names of the sync clients Chinese and international teams use: a file there is copied by a client
#: that does not know SQLite's write-ahead log, and two PCs writing the same store corrupt it
SYNCED = ("onedrive", "dropbox", "icloud", "iclouddrive", "google drive", "googledrive", "nutstore", "坚果云",
          "baidunetdisk", "百度网盘", "wpsdrive", "wps云盘", "seafile", "nextcloud", "owncloud")


def shared_folder(folder: Path, environ: dict[str, str] | None = None, remote: bool | None = None) -> str | None:
    """Why `folder` is no place for an SQLite store: "network" (a UNC path, or a drive Windows reports as
    remote), "synced" (under a sync client's folder), else None. `remote` overrides the Windows drive check."""
    import os

    env = os.environ if environ is None else environ
    text = str(folder)
    if text.startswith(("\\\\", "//")):
        return "network"
    if remote is None:
        remote = _remote_drive(text)
    if remote:
        return "network"
    roots = [env.get(k, "") for k in ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")]
    lowered = text.replace("\\", "/").casefold()
    if any(r and lowered.startswith(r.replace("\\", "/").casefold()) for r in roots):
        return "synced"
    parts = [p.casefold() for p in lowered.split("/")]
    if any(p == name or p.startswith(name + " -") or p.startswith(name + "-") for p in parts for name in SYNCED):
        return "synced"
    return None


def _remote_drive(text: str) -> bool:
    """On Windows, whether the drive of `text` is a mapped network drive (GetDriveTypeW == DRIVE_REMOTE)."""
    import sys

    if sys.platform != "win32" or len(text) < 2 or text[1] != ":":
        return False
    import ctypes

    return bool(ctypes.windll.kernel32.GetDriveTypeW(text[:2] + "\\") == 4)


def local_store_folder(environ: dict[str, str] | None = None) -> Path:
    """A folder on this PC for the 汇总 store when the workbook sits on a shared one: %LOCALAPPDATA%\\kam
    on Windows, ~/.local/share/kam elsewhere."""
    import os

    env = os.environ if environ is None else environ
    base = env.get("LOCALAPPDATA")
    return Path(base) / "kam" if base else Path.home() / ".local" / "share" / "kam"
