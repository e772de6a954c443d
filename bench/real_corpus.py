"""Run kam's write commands twice on every workbook of a folder (e.g. public projects' test data) and count
the outcomes: written, refused with one sentence, internal error, crash; then check each result (every part
kam does not own byte-identical, no duplicate sheet names, every part with a content type, no part names
equal but for case, opens in openpyxl).

    python -m bench.real_corpus DIR [--limit N]

The files are not part of the repository; tests/test_corpus.py runs the same checks on a generated corpus.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner

from addin.cli import cli
from tests.corpus_checks import COMMANDS, check_result


def run(folder: Path, limit: int | None) -> None:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))[:limit]
    runner = CliRunner()
    counts: dict[str, collections.Counter[str]] = {c[0]: collections.Counter() for c in COMMANDS}
    problems: dict[str, collections.Counter[str]] = {c[0]: collections.Counter() for c in COMMANDS}
    examples: dict[str, str] = {}
    work = Path(tempfile.mkdtemp(prefix="kam-corpus-"))
    for src in files:
        for name, args in COMMANDS:
            copy = work / src.name
            shutil.copy(src, copy)
            outcome = "written"
            for _ in range(2):
                before = copy.read_bytes()
                result = runner.invoke(cli, [*args[:1], str(copy), *args[1:], "--no-backup"])
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    outcome = "crash"
                elif "意外错误" in result.output:
                    outcome = "internal error"
                    examples.setdefault(f"{name}: internal", f"{src.name}: {result.output.strip()[:200]}")
                elif result.exit_code == 2:
                    outcome = "refused"
                    examples.setdefault(f"{name}: refused {src.name}", result.output.strip()[:160])
                if outcome != "written":
                    break
                for problem in check_result(before, copy.read_bytes()):
                    problems[name][problem.split(":")[0]] += 1
                    examples.setdefault(f"{name}: {problem.split(':')[0]}", f"{src.name}: {problem}")
            counts[name][outcome] += 1
            copy.unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    print(f"{len(files)} workbooks from {folder}")
    for name, _args in COMMANDS:
        print(f"  {name:18} " + ", ".join(f"{k} {v}" for k, v in counts[name].most_common())
              + ("; problems: " + ", ".join(f"{k} {v}" for k, v in problems[name].most_common())
                 if problems[name] else ""))
    for key, text in list(examples.items())[:30]:
        print(f"    e.g. {key}: {text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int)
    ns = parser.parse_args()
    run(ns.folder, ns.limit)
