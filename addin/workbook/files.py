"""Small file helpers: write a new file atomically (temp file in the same folder, fsync, rename)."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from addin.errors import KamError


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see atomic_write)."""

    def put(fh: IO[bytes]) -> None:
        fh.write(data)

    atomic_write(path, put)


def umask_mode() -> int:
    """The mode a new file gets from the user's umask (mkstemp alone would give 600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def take_over(tmp: str | Path, original: Path) -> None:
    """Give a temp file that replaces `original` its permissions and owner (kept where we may set them);
    a new file gets the umask's mode."""
    try:
        st = original.stat()
    except FileNotFoundError:
        os.chmod(tmp, umask_mode())
        return
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    with contextlib.suppress(OSError, AttributeError):  # only root may give a file away
        if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
            os.chown(tmp, st.st_uid, st.st_gid)


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write` on a temp file beside `path`, fsync it, then move it into place in one step (with the
    old file's permissions, or the umask's for a new one).

    A crash or a full disk leaves either no file or the previous one, never a half-written file.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise KamError("file.cannot_write", file=path, detail=exc.strerror or exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        take_over(tmp, path)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise KamError("file.cannot_write", file=path, detail=exc.strerror or exc) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
