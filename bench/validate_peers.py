"""Validation against what a capable analyst writes instead (#17), measured side by side in one run: whole
processes, medians of 3, the same workbook, each child's peak memory (VmHWM).

Peers (five basic checks on the visit log: unknown customer, empty key points, 面访 without a place, a
follow-up more than 7 days after the visit, an overdue follow-up):
- openpyxl read-only, a Python loop;
- pandas + python-calamine, vectorised;
- polars + fastexcel (Arrow), with the columns people type into forced to text (FIELD-NOTES' trap);
- the floor: unzip the sheets and run expat over them with no handlers (no value is even looked at);
- a columnar read bound: fastexcel loading the six sheets kam checks with every column as text (kam needs each
  cell as typed, so text is the only safe Arrow type) and nothing else. It is what a polars rewrite of kam
  would spend before its first rule; when it alone is slower than the polars peer, "faster than polars"
  is out of reach for any columnar kam too.
kam runs all its rules: `kam validate --format json`, and `--mark` on a copy.

The peers' packages live in the benchmark's own environment (bench/out/peers-venv, made on first run with
pip), not in kam's dependencies.

`--clean` runs the same on the same team with every visit row kam finds fault with taken out (about 80% of
the rows stay): what a clean log costs, where no finding is made, rendered or written.

Run: python bench/validate_peers.py [--sizes 10000,100000,500000] [--repeat 3] [--clean]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import FINDINGS_LOCK, OUT, PEAK_MB, big_workbook, clean_workbook, findings_digest  # noqa: E402

PEERS_VENV = OUT / "peers-venv"
PEER_PACKAGES = ("openpyxl", "pandas", "python-calamine", "polars", "fastexcel", "pyarrow")
TODAY = "2026-11-22"

PRINT = "print(json.dumps({'issues': int(issues), 'rss': PEAK}))"

OPENPYXL = """
import json, sys, datetime
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
ids = {r[0] for r in wb["客户"].iter_rows(min_row=2, values_only=True)}
rows = wb["拜访记录"].iter_rows(values_only=True)
head = {h: i for i, h in enumerate(next(rows))}
names = ("拜访日期", "客户编号", "拜访方式", "地点", "谈话要点", "跟进期限", "跟进完成")
V, C, M, L, K, D, F = (head[h] for h in names)
today = datetime.datetime(2026, 11, 22)
issues = 0
for r in rows:
    if r[C] not in ids: issues += 1
    if not r[K]: issues += 1
    if r[M] == "面访" and not r[L]: issues += 1
    if isinstance(r[V], datetime.datetime) and isinstance(r[D], datetime.datetime):
        if (r[D] - r[V]).days > 7: issues += 1
    if isinstance(r[D], datetime.datetime) and r[D] < today and r[F] is None: issues += 1
""" + PRINT

PANDAS = """
import json, sys
import pandas as pd
path = sys.argv[1]
text = {"客户编号": str, "拜访方式": str, "地点": str, "谈话要点": str}
ids = set(pd.read_excel(path, sheet_name="客户", engine="calamine", dtype={"客户编号": str})["客户编号"])
v = pd.read_excel(path, sheet_name="拜访记录", engine="calamine", dtype=text)
visit = pd.to_datetime(v["拜访日期"], errors="coerce")
due = pd.to_datetime(v["跟进期限"], errors="coerce")
issues = (~v["客户编号"].isin(ids)).sum() + v["谈话要点"].isna().sum()
issues += ((v["拜访方式"] == "面访") & v["地点"].isna()).sum()
issues += ((due - visit).dt.days > 7).sum()
issues += ((due < pd.Timestamp("2026-11-22")) & v["跟进完成"].isna()).sum()
""" + PRINT

POLARS = """
import json, sys
import fastexcel
import polars as pl
path = sys.argv[1]
book = fastexcel.read_excel(path)
text = {"客户编号": "string", "拜访人": "string", "拜访方式": "string", "地点": "string", "谈话要点": "string"}
ids = book.load_sheet_by_name("客户", dtypes={"客户编号": "string"}).to_polars()["客户编号"]
v = book.load_sheet_by_name("拜访记录", dtypes=text).to_polars()
visit, due = pl.col("拜访日期").cast(pl.Date, strict=False), pl.col("跟进期限").cast(pl.Date, strict=False)
checks = v.select(
    (~pl.col("客户编号").is_in(ids.implode())).sum().alias("a"),
    pl.col("谈话要点").is_null().sum().alias("b"),
    ((pl.col("拜访方式") == "面访") & pl.col("地点").is_null()).sum().alias("c"),
    ((due - visit).dt.total_days() > 7).sum().alias("d"),
    ((due < pl.date(2026, 11, 22)) & pl.col("跟进完成").is_null()).sum().alias("e"),
)
issues = sum(checks.row(0))
""" + PRINT

FLOOR = """
import json, sys, zipfile
from xml.parsers import expat
issues = 0
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            parser = expat.ParserCreate()
            with z.open(name) as fh:
                while chunk := fh.read(1 << 20):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
""" + PRINT

COLUMNAR = """
import json, sys
import fastexcel
book = fastexcel.read_excel(sys.argv[1])
issues = 0
for name in ("客户", "价值评估", "关键人", "开发记录", "拜访记录", "设置"):
    issues += book.load_sheet_by_name(name, dtypes="string").to_arrow().num_rows * 0
""" + PRINT

KAM = """
import contextlib, io, json, sys
from addin.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
issues = out.getvalue().count('"code":')
""" + PRINT


def peers_python() -> Path:
    """The benchmark's own environment with the peers' packages (made once)."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        venv.create(PEERS_VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    return python


def run(python: Path, code: str, *args: str) -> tuple[float, dict]:
    code = "import json\n" + code.replace("PEAK", PEAK_MB)
    start = time.perf_counter()
    out = subprocess.run([str(python), "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(out.stderr[-2000:])
    return elapsed, json.loads(out.stdout.strip().splitlines()[-1])


def median(python: Path, code: str, repeat: int, *args: str, before: object = None) -> tuple[float, float, int]:
    runs = []
    for _ in range(repeat):
        if callable(before):
            before()
        runs.append(run(python, code, *args))
    return (statistics.median(r[0] for r in runs), max(r[1]["rss"] for r in runs), runs[-1][1]["issues"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,500000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clean", action="store_true", help="the team with a clean visit log")
    args = parser.parse_args()
    peers = peers_python()
    me = Path(sys.executable)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        book = (clean_workbook if args.clean else big_workbook)(visits=size, customers=2_000)
        copy = OUT / f"mark-copy-{size}{'-clean' if args.clean else ''}.xlsx"
        day = ["--today", TODAY]
        found = {
            "floor": median(peers, FLOOR, args.repeat, str(book)),
            "openpyxl-ro": median(peers, OPENPYXL, 1 if size > 100_000 else args.repeat, str(book)),
            "pandas": median(peers, PANDAS, args.repeat, str(book)),
            "polars": median(peers, POLARS, args.repeat, str(book)),
            "columnar read": median(peers, COLUMNAR, args.repeat, str(book)),
            "kam": median(me, KAM, args.repeat, "validate", str(book), "--format", "json", *day),
            "kam --mark": median(me, KAM, args.repeat, "validate", str(copy), "--mark", "--no-backup", "--format",
                                 "json", *day, before=lambda b=book, c=copy: shutil.copy(b, c)),
        }
        rows.append((size, found))
        locked = None if args.clean else json.loads(FINDINGS_LOCK.read_text(encoding="utf-8")).get(str(size))
        if locked is not None:  # the same findings as kam locked (an untimed run)
            report = subprocess.run([str(me), "-m", "addin.cli", "validate", str(book), "--format", "json", *day],
                                    capture_output=True, text=True, cwd=ROOT).stdout
            digest, counts = findings_digest(json.loads(report), codes=set(locked["counts"]))
            same = digest == locked["digest"]
            print(f"{size}: findings {'unchanged' if same else 'CHANGED'} against tests/golden/findings_lock.json"
                  + ("" if same else f" (counts now {counts}, locked {locked['counts']})"))
    names = list(rows[0][1])
    print(f"{'visits':>8} | " + " | ".join(f"{n:>22}" for n in names))
    for size, found in rows:
        print(f"{size:>8} | " + " | ".join(f"{t:6.2f} s {mb:5.0f} MB {found['kam'][0] / t:4.2f}x" if n != "kam"
                                           else f"{t:6.2f} s {mb:5.0f} MB  kam " for n, (t, mb, _i) in found.items()))
    print("each cell: median seconds, peak MB, and kam's time as a multiple of it (kam / peer)")
    for size, found in rows:
        kam_s = found["kam"][0]
        print(f"{size:>8}: kam {kam_s / found['floor'][0]:.2f}x the floor (goal <= 2 at 100k), "
              f"{kam_s / found['polars'][0]:.2f}x polars (goal < 1; a columnar read alone is "
              f"{found['columnar read'][0] / found['polars'][0]:.2f}x polars), "
              f"--mark {found['kam --mark'][0] / kam_s:.2f}x validate (goal <= 2), "
              f"peak {found['kam'][1]:.0f} MB (goal <= 400 at 500k)")
    print(json.dumps([{"visits": s, **{k: {"s": v[0], "mb": v[1], "issues": v[2]} for k, v in f.items()}}
                      for s, f in rows]))


if __name__ == "__main__":
    main()
