"""Templates run with a bound: each briefing is rendered in a worker process that may take at most
RENDER_SECONDS and, on Linux, RENDER_MEMORY bytes more than it started with; past either, that briefing
fails with one sentence naming the template, the worker is replaced and the other briefings still run.

A template is a file a team shares and anyone may edit; the Jinja sandbox stops it reaching Python, but not
looping or formatting without end (`'{:>300000000}'.format(1)` took 32 s and 1.8 GB in one call that no
signal interrupts). Only a process can be stopped from outside at any moment, so every render runs in one.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

RENDER_SECONDS = 10.0  # one briefing renders in milliseconds; a slow .docx fallback in well under a second
RENDER_MEMORY = 1 << 30  # bytes a worker may grow by (address space, Linux)
MAX_DOCUMENT = 32 << 20  # bytes of one rendered briefing: a real one is tens of kilobytes


@dataclass
class Rendered:
    """What a worker says of one job: the file written (or, for a trial, nothing), or why not."""

    index: int
    ok: bool
    kind: str = ""  # "", "undefined", "unsafe", "timeout", "memory", "died", "too_big", "error"
    detail: str = ""


Job = tuple[int, dict[str, Any], str | None]  # index, context, where to write (None: a trial, nothing written)


def _limit_memory(extra: int) -> None:
    """Let this process grow by at most `extra` bytes of address space (Linux; elsewhere only the time bound)."""
    with contextlib.suppress(ImportError, OSError, ValueError):
        import resource

        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _serve(conn: Connection, make: Callable[[], Any], memory: int) -> None:
    """A worker: build the renderer, then render each job sent until told to stop (None)."""
    from jinja2 import UndefinedError
    from jinja2.exceptions import SecurityError

    from addin.errors import KamError
    from addin.workbook.files import write_bytes

    renderer = make()
    _limit_memory(memory)
    while (job := conn.recv()) is not None:
        index, context, target = job
        try:
            data = renderer.render(context)
            if len(data) > MAX_DOCUMENT:
                conn.send(Rendered(index, False, "too_big", f"{len(data) >> 20} MB"))
                continue
            if target is not None:
                write_bytes(Path(target), data)
            conn.send(Rendered(index, True))
        except UndefinedError as exc:
            conn.send(Rendered(index, False, "undefined", str(exc.message or exc)))
        except SecurityError as exc:
            conn.send(Rendered(index, False, "unsafe", str(exc)))
        except MemoryError:
            conn.send(Rendered(index, False, "memory"))
        except KamError as exc:
            conn.send(Rendered(index, False, "error", exc.message(context.get("lang", "zh"))))
        except Exception as exc:  # one customer's failure never stops the others
            conn.send(Rendered(index, False, "error", f"{type(exc).__name__}: {exc}"[:300]))


class _Worker:
    def __init__(self, ctx: Any, make: Callable[[], Any], memory: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, make, memory), daemon=True)
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.deadline = 0.0

    def give(self, job: Job, seconds: float) -> None:
        self.job = job
        self.conn.send(job)
        self.deadline = time.monotonic() + seconds

    def stop(self, kill: bool = False) -> None:
        with contextlib.suppress(OSError, ValueError):
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def render_bounded(make: Callable[[], Any], jobs: list[Job], workers: int, seconds: float = RENDER_SECONDS,
                   memory: int = RENDER_MEMORY) -> Iterator[Rendered]:
    """Render `jobs` on `workers` processes, each job within `seconds` and `memory`; yields one Rendered per
    job as they finish (not in order). `make` builds the renderer in each worker (it must be picklable where
    processes are spawned: a module-level function or a functools.partial of one)."""
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    queue = deque(jobs)
    pool = [_Worker(ctx, make, memory) for _ in range(max(1, min(workers, len(jobs))))]
    try:
        while queue or any(w.job is not None for w in pool):
            for w in pool:
                if w.job is None and queue:
                    w.give(queue.popleft(), seconds)
            busy = [w for w in pool if w.job is not None]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy], timeout)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if w.job is None:
                    continue
                index = w.job[0]
                if w.conn in ready:
                    try:
                        got: Rendered = w.conn.recv()
                    except (EOFError, OSError):  # the worker died (past the memory bound in C, or from outside)
                        got = Rendered(index, False, "died")
                    w.job = None
                    if not got.ok and got.kind in ("memory", "died"):
                        w.stop(kill=True)
                        pool[i] = _Worker(ctx, make, memory)
                    yield got
                elif now >= w.deadline:
                    w.stop(kill=True)
                    pool[i] = _Worker(ctx, make, memory)
                    yield Rendered(index, False, "timeout")
    finally:
        for w in pool:
            w.stop()
