"""Benchmark: `tamaflow publish` on the whole library, end to end, as `make site` runs it.

Each run is a fresh process (`python -m tamaflow publish LIBRARY -o TMP/site`), so the figure
includes start-up, validation, compare/score/render, the heatmaps and writing every file. Prints
every run and the median of `--runs` full builds into an empty folder, then the median of
rebuilds into the same folder (nothing changed: the incremental path that skips unchanged
files), and the site's size.

    .venv/bin/python benchmarks/bench_publish.py [--library processes] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(library: Path, out: Path) -> float:
    env = dict(os.environ, SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", "1700000000"))
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "tamaflow", "publish", str(library), "-o", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"publish failed ({r.returncode}):\n{r.stderr}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--library", type=Path, default=ROOT / "processes")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    files = sorted(args.library.glob("*/*.yaml"))
    print(f"library: {args.library} ({len(files)} process files, "
          f"{len({f.parent.name for f in files})} procedures); {os.cpu_count()} CPU(s)")
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        out = Path(tmp) / "site"
        full: list[float] = []
        for i in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            full.append(build(args.library, out))
            print(f"  full build {i + 1}: {full[-1]:.2f} s")
        again: list[float] = []
        for i in range(args.runs):
            again.append(build(args.library, out))
            print(f"  rebuild (unchanged) {i + 1}: {again[-1]:.2f} s")
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        count = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"full build median of {args.runs}: {statistics.median(full):.2f} s")
    print(f"rebuild median of {args.runs}: {statistics.median(again):.2f} s")
    print(f"site: {count} files, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
