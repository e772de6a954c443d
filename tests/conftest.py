"""Shared helpers: small real workbooks written with openpyxl for adapter tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from addin.docs.batch import has_component

# kam keeps its record of the briefings it wrote in the user's data folder: the tests (and the processes they
# start) keep theirs in a folder of their own
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="kam-test-data-")

#: LibreOffice tests skip for the part they need, not for the binary: Debian's soffice exists with Calc only
needs_calc = pytest.mark.skipif(not has_component("calc"), reason="LibreOffice Calc is not installed here")
needs_writer = pytest.mark.skipif(not has_component("writer"), reason="LibreOffice Writer is not installed here")
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def write_book(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    """Write `sheets` (name -> rows starting at A1) to an .xlsx with openpyxl."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


@pytest.fixture
def book(tmp_path):
    """Factory: book({"拜访记录": [[...], ...]}) -> path of a fresh .xlsx."""
    counter = iter(range(1000))

    def make(sheets: dict[str, Sequence[Sequence[object]]], name: str | None = None) -> Path:
        return write_book(tmp_path / (name or f"book{next(counter)}.xlsx"), sheets)

    return make


def _pg_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (Debian keeps them out of PATH), or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL cluster (initdb + pg_ctl, Unix socket only, in a temp folder), stopped after
    the session; the tests that use it skip, saying why, where the server programs are absent (.ci/run
    installs Debian's postgresql package where it can)."""
    import os
    import subprocess

    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed")
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="kam-pg-"))  # under /tmp: pytest's own temp root is private to root
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres account
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres account to run the server as")
        os.chmod(root, 0o755)
        os.chown(root, pw.pw_uid, pw.pw_gid)
        os.chown(sock, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    run = lambda *args: subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)  # noqa: E731
    run(str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
    run(str(pg_bin / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "-o",
        f"-k {sock} -c listen_addresses='' -c fsync=off", "start")
    try:
        run(str(pg_bin / "createdb"), "-h", str(sock), "-U", "postgres", "kam")
        yield f"postgresql://postgres@/kam?host={sock}"
    finally:
        subprocess.run([*as_user, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
