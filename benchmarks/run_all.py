"""Run every benchmark, one after another (never in parallel: they time themselves on a shared
2-core machine), printing their output as it comes.

    .venv/bin/python benchmarks/run_all.py [--only validate,score] [-- extra args for each]

Runs `benchmarks/bench_*.py` in name order, then `benchmarks/alignment.py` (matching quality), each with
this interpreter and the repository root as the working folder. Exits 1 if any of them failed
(after running the rest), so `make bench` reports a broken benchmark instead of hiding it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def benchmarks() -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    quality = HERE / "alignment.py"
    if quality.is_file():
        found.append(quality)
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run every benchmark in benchmarks/, one after another.")
    ap.add_argument("--only", default="", help="comma-separated names to run (e.g. validate,alignment)")
    ap.add_argument("extra", nargs="*", help="arguments passed to every benchmark (after --)")
    args = ap.parse_args(argv)
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    failed: list[str] = []
    scripts = [p for p in benchmarks() if not wanted or p.stem.removeprefix("bench_") in wanted or p.stem in wanted]
    if not scripts:
        print("no benchmark matched", file=sys.stderr)
        return 2
    for script in scripts:
        rel = script.relative_to(ROOT)
        print(f"=== {rel}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script), *args.extra], cwd=ROOT, check=False)
        took = time.perf_counter() - t0
        status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
        print(f"=== {rel}: {status} in {took:.1f} s\n", flush=True)
        if proc.returncode != 0:
            failed.append(str(rel))
    if failed:
        print(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"all {len(scripts)} benchmark(s) ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
