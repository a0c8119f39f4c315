"""Benchmark: `tamaflow impact` on the whole library, the Monte-Carlo against the point estimate.

The library is validated and every procedure compared once (what `compare` costs is measured by
bench_compare.py); then the median of `--repeat` timings (default 5) of:
- point estimates only (`runs` 0): the standard at every city's volume, scored, with its changes;
- the same with the Monte-Carlo at `--runs` runs (default 1,000: the `tamaflow impact` default);
so the difference is what the runs cost. Note the machine's load next to the figures.

    .venv/bin/python benchmarks/bench_impact.py [--library processes] [--runs 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from tamaflow.app.cities import city_names
from tamaflow.app.compare import load_catalogue_for
from tamaflow.check.validate import validate_paths
from tamaflow.compare import compare_processes
from tamaflow.impact import Spreads, impact_of
from tamaflow.model.process import Process
from tamaflow.score import default_config


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--library", default="processes")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    checked = validate_paths([a.library])
    groups: dict[str, list[Process]] = {}
    for p in checked.processes:
        groups.setdefault(p.process, []).append(p)
    catalogue = load_catalogue_for([a.library])
    compared = [(compare_processes(sorted(ps, key=lambda p: p.city), catalogue), sorted(ps, key=lambda p: p.city))
                for ps in groups.values() if len(ps) > 1]
    cfg, names = default_config(), city_names([a.library])
    pairs = sum(len(ps) for _c, ps in compared)
    print(f"library {a.library}: {len(compared)} procedures, {pairs} procedure × city; load {os.getloadavg()[0]:.1f}")
    for runs in (0, a.runs):
        times = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            im = impact_of(compared, cfg, Spreads(), runs=runs, seed=0, realisation_range=(0.6, 0.9), names=names)
            times.append(time.perf_counter() - t)
        print(f"impact, runs={runs:>5}: median {statistics.median(times):.3f} s of {a.repeat} "
              f"(min {min(times):.3f}); savings {im.savings:,.0f} h/yr")


if __name__ == "__main__":
    main()
