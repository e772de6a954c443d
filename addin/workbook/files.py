"""Small file helpers: write a new file atomically (temp file in the same folder, fsync, rename), never through
a link kam did not make, and leaving no temp file behind when the process is killed (Linux)."""

from __future__ import annotations

import contextlib
import os
import secrets
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


class TempFile:
    """A file written beside its destination and then moved over it in one rename. On Linux it is an unnamed
    O_TMPFILE, given a (hidden) name only just before the rename, so a process killed while writing leaves
    nothing behind; elsewhere, or where the file system cannot, a hidden named temp file."""

    def __init__(self, folder: Path, prefix: str, suffix: str) -> None:
        self.folder, self.prefix, self.suffix = folder, prefix, suffix
        self.name: str | None = None
        try:
            self.fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o600)  # type: ignore[attr-defined,unused-ignore]
            if not os.path.exists(f"/proc/self/fd/{self.fd}"):  # no way to give it a name later
                os.close(self.fd)
                raise OSError("no /proc")
        except (AttributeError, OSError):
            self.fd, self.name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)

    @property
    def path(self) -> str:
        """A path that opens the file (for reading it back, or for chmod)."""
        return self.name or f"/proc/self/fd/{self.fd}"

    def open(self) -> IO[bytes]:
        """A binary writer on the file (its own descriptor: closing it keeps the file)."""
        return os.fdopen(os.dup(self.fd), "wb")

    def publish(self, dest: Path) -> None:
        """Move the file over `dest` in one step (a link at `dest` is replaced, never written through)."""
        if self.name is None:
            name = str(self.folder / f"{self.prefix}{secrets.token_hex(6)}{self.suffix}")
            proc = os.open("/proc/self/fd", os.O_RDONLY)
            try:  # linkat(AT_SYMLINK_FOLLOW): os.link with no dir fd calls link(), which links the /proc entry
                os.link(str(self.fd), name, src_dir_fd=proc, follow_symlinks=True)
            finally:
                os.close(proc)
            self.name = name
        os.replace(self.name, dest)
        self.name = None

    def close(self) -> None:
        """Let go of the file; an unpublished named one is removed (it is this run's own)."""
        with contextlib.suppress(OSError):
            os.close(self.fd)
        if self.name is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.name)
            self.name = None


def refuse_link(path: Path) -> None:
    """Refuse to put a file at `path` when something other than a regular file stands there (a link, a folder,
    a FIFO): kam writes through no link it did not make."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise KamError("file.is_link", file=path)


def keep_copy(src: Path, dest: Path) -> None:
    """Copy `src` to `dest` atomically (temp file + fsync + rename; `src`'s permissions), refusing a `dest`
    that is a link: a kill or a full disk leaves the old `dest` as it was."""
    refuse_link(dest)

    def put(fh: IO[bytes]) -> None:
        with src.open("rb") as source:
            while chunk := source.read(1 << 20):
                fh.write(chunk)

    atomic_write(dest, put, like=src)


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], like: Path | None = None) -> None:
    """Call `write` on a temp file beside `path`, fsync it, then move it into place in one step (with the
    permissions of `like`, else of the old file, or the umask's for a new one).

    A crash or a full disk leaves either no file or the previous one, never a half-written file.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = TempFile(folder, f".{path.name}.", ".tmp")
    except OSError as exc:
        raise KamError("file.cannot_write_in", folder=folder, detail=exc) from exc
    try:
        with tmp.open() as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        take_over(tmp.path, like or path)
        tmp.publish(path)
    except OSError as exc:
        raise KamError("file.cannot_write", file=path, detail=exc) from exc
    finally:
        tmp.close()
