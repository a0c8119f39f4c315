"""Benchmark: how long the `tamaflow` command takes to start, against a bare Python start.

Runs each of these as a whole process, interleaved (one of each per round, so a busy moment on
the shared machine hits all three alike), `--runs` rounds:

    python -c pass
    tamaflow --help
    tamaflow validate processes/tennyu/kunitachi.yaml
    tamaflow compare processes/tennyu/kunitachi.yaml processes/tennyu/chofu.yaml --format json

and prints the median wall time of each and its ratio to the bare start. The goal of issue 10:
`validate` of one file within 12× a bare `python -c pass` (it was about 40× when every command
imported scipy, networkx, matplotlib and the compare stack at start). The two-city `compare` is
almost all start-up (imports, the SudachiPy dictionary, the work vocabulary): the part of a
26-city comparison's 2 s (issues 11 and 12) that does not grow with the cities. Exit 1 when a
command fails.

    .venv/bin/python benchmarks/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the one file `validate` checks; a real library file, so the validator does its full work
SAMPLE = "processes/tennyu/kunitachi.yaml"
#: two variants of it for `compare`: the start-up of the compare stack with next to no work
PAIR = [SAMPLE, "processes/tennyu/chofu.yaml"]


def commands() -> dict[str, list[str]]:
    """Label → argv. `tamaflow` runs through this interpreter (`-m tamaflow`), so the figures do
    not depend on which console script happens to be first on PATH."""
    python = sys.executable
    return {
        "python -c pass": [python, "-c", "pass"],
        "tamaflow --help": [python, "-m", "tamaflow", "--help"],
        f"tamaflow validate {SAMPLE}": [python, "-m", "tamaflow", "validate", SAMPLE],
        "tamaflow compare (2 cities) --format json": [python, "-m", "tamaflow", "compare", *PAIR, "--format", "json"],
    }


def time_once(argv: list[str]) -> float:
    """Wall seconds of one whole process; raises if it fails."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {proc.returncode}):\n{proc.stderr.decode(errors='replace')}")
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15, help="interleaved rounds (default 15)")
    args = ap.parse_args(argv)
    cmds = commands()
    # byte-compile tamaflow as `pip install` does: with PYTHONDONTWRITEBYTECODE set (as on this
    # machine) the warm-up below would not write the .pyc files, and every run would compile again
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tamaflow")], check=True)
    for cmd in cmds.values():  # warm the file cache once, untimed
        time_once(cmd)
    times: dict[str, list[float]] = {label: [] for label in cmds}
    for _ in range(args.runs):
        for label, cmd in cmds.items():
            times[label].append(time_once(cmd))
    bare = statistics.median(times["python -c pass"])
    print(f"start-up, median of {args.runs} interleaved runs (whole processes):")
    for label, runs in times.items():
        median = statistics.median(runs)
        print(f"  {label:<50} {median * 1000:7.1f} ms  {median / bare:5.1f}×  "
              f"(min {min(runs) * 1000:.1f}, max {max(runs) * 1000:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
