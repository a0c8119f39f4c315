"""Benchmark: importing every reference model, as `tamaflow import` does for one file.

Times, per run, reading all 115 BPI 2015 PNML nets and all 9 PMMC 2015 BPMN models from
../shared/data (safe XML parse → flow graph → process) and writing each as YAML text; then the
same through the CLI code path (`tamaflow import FILE -o OUT.yaml --force`, in-process, so the
figure is the import itself, not 124 interpreter start-ups). Prints every run and the median.

    .venv/bin/python benchmarks/bench_import.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from tamaflow.cli import app  # noqa: E402
from tamaflow.io.bpmn.read import read_bpmn  # noqa: E402
from tamaflow.io.pnml import read_pnml  # noqa: E402
from tamaflow.io.yaml_writer import dump_process  # noqa: E402


def library_run(pnml: list[Path], bpmn: list[Path]) -> tuple[float, float, int]:
    """Seconds for the PNML files, for the BPMN files, and the number of steps imported."""
    steps = 0
    t0 = time.perf_counter()
    for p in pnml:
        proc = read_pnml(str(p))
        dump_process(proc)
        steps += len(proc.steps)
    t1 = time.perf_counter()
    for p in bpmn:
        proc = read_bpmn(str(p))
        dump_process(proc)
        steps += len(proc.steps)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, steps


def cli_run(files: list[Path], out: Path) -> float:
    runner = CliRunner()
    t0 = time.perf_counter()
    for p in files:
        result = runner.invoke(app, ["import", str(p), "-o", str(out / f"{p.stem}.yaml"), "--force"])
        if result.exit_code != 0:
            raise SystemExit(f"import failed for {p}: {result.output}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    pnml = sorted((SHARED / "bpi15-municipalities" / "pnml").glob("*.pnml"))
    bpmn = sorted((SHARED / "pmmc2015-ua" / "models").glob("*.bpmn"))
    if not pnml or not bpmn:
        raise SystemExit(f"reference data not found under {SHARED} (../shared is needed for this benchmark)")
    print(f"{len(pnml)} PNML + {len(bpmn)} BPMN files")
    library_run(pnml, bpmn)  # warm-up: imports, caches
    lib: list[tuple[float, float, int]] = []
    for i in range(args.runs):
        r = library_run(pnml, bpmn)
        lib.append(r)
        print(f"  library run {i + 1}: PNML {r[0]:.3f} s, BPMN {r[1]:.3f} s, total {r[0] + r[1]:.3f} s "
              f"({r[2]} steps)")
    cli: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            t = cli_run(pnml + bpmn, Path(tmp))
            cli.append(t)
            print(f"  CLI run {i + 1}: {t:.3f} s for {len(pnml) + len(bpmn)} imports")
    print(f"median of {args.runs}: library PNML {statistics.median(r[0] for r in lib):.3f} s, "
          f"BPMN {statistics.median(r[1] for r in lib):.3f} s, "
          f"all {statistics.median(r[0] + r[1] for r in lib):.3f} s; "
          f"CLI (parse + write YAML + structural check) {statistics.median(cli):.3f} s "
          f"= {1000 * statistics.median(cli) / (len(pnml) + len(bpmn)):.1f} ms per file")


if __name__ == "__main__":
    main()
