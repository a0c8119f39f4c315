"""Benchmark: `tamaflow score` on the whole library and on a generated 300-step process.

Prints the median of 5 runs (by default) of:
- library, end to end: validate every file in processes/, score, render JSON (what
  `tamaflow score processes/ --format json` does, without the process start-up);
- library, model only: scoring the already loaded processes (Markov visits, steps, report);
- a generated 300-step process: `score_process` alone (its (I − Q) solve is the biggest).

    .venv/bin/python benchmarks/bench_score.py [--library processes] [--steps 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from tamaflow.check.validate import validate_paths
from tamaflow.model.process import Branch, Lane, Process, Step
from tamaflow.score import score_process, score_processes, to_json

KINDS = ("user", "manual", "service", "send", "receive", "rule", "approval")
MEDIA = ("paper", "pdf", "email", "web-form", "system", "in-person", "phone")


def generate(n_steps: int = 300) -> Process:
    """A valid process with `n_steps` steps: tasks with every attribute, an exclusive split with
    shares every 10 steps, a parallel split/join every 25, a rework loop back every 30."""
    lanes = [Lane("resident", "住民")] + [Lane(f"lane{i}", f"担当{i} 係") for i in range(5)]
    steps: list[Step] = []
    i = 0
    while len(steps) < n_steps - 1:
        lane = lanes[1 + (i // 3) % 5].id
        sid = f"s{i:04d}"
        room = n_steps - 1 - len(steps)
        if i % 10 == 5 and room > 4:
            a, b, after = f"s{i + 1:04d}", f"s{i + 2:04d}", f"s{i + 3:04d}"
            steps.append(Step(sid, name=f"判定{i}", gateway="exclusive", lane=lane, branches=[
                Branch(a, when=f"条件A{i}", share=0.7, default=True), Branch(b, when=f"条件B{i}", share=0.3)]))
            steps.append(Step(a, name=f"処理A{i}", lane=lane, minutes=3, medium="system", rule_based=True,
                              structured=True, next=after))
            steps.append(Step(b, name=f"処理B{i}", lane=lane, minutes=6, medium="paper", rule_based=False))
            i += 3
            continue
        if i % 25 == 12 and room > 5:
            a, b, join = f"s{i + 1:04d}", f"s{i + 2:04d}", f"s{i + 3:04d}"
            steps.append(Step(sid, name=f"並行{i}", gateway="parallel", lane=lane, branches=[Branch(a), Branch(b)]))
            steps.append(Step(a, name=f"並行A{i}", lane=lane, kind="service", next=join))
            steps.append(Step(b, name=f"並行B{i}", lane=lane, minutes=2, seal=True, next=join))
            steps.append(Step(join, name=f"合流{i}", gateway="parallel", join=True, lane=lane))
            i += 4
            continue
        if i % 30 == 29 and i > 40 and room > 2:
            back, nxt = f"s{i - 4:04d}", f"s{i + 1:04d}"
            steps.append(Step(sid, name=f"再確認{i}", gateway="exclusive", lane=lane, branches=[
                Branch(nxt, when="OK", share=0.9, default=True), Branch(back, when="差戻し", share=0.1)]))
            i += 1
            continue
        steps.append(Step(sid, name=f"手続{i}を処理する", lane=lane, kind=KINDS[i % len(KINDS)], minutes=1 + i % 9,
                          medium=MEDIA[i % len(MEDIA)], rule_based=i % 4 != 0, structured=i % 3 != 0,
                          systems=["住民記録システム", "宛名システム"][: 1 + i % 2], access="terminal",
                          exceptions=0.05))
        i += 1
    ids = {s.id for s in steps}
    for s in steps:
        if s.next is not None and s.next not in ids:
            s.next = None
        s.branches = [b if b.to in ids else Branch(f"s{i:04d}", b.when, b.share, b.default) for b in s.branches]
    steps.append(Step(f"s{i:04d}", name="通知する", lane=lanes[1].id, kind="send", minutes=2, end=True))
    return Process("bench", "ベンチマーク", "bench", steps, lanes, volume=10_000)


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--library", default=str(Path(__file__).resolve().parent.parent / "processes"))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    lib = Path(args.library)
    files = sorted(lib.glob("*/*.yaml"))
    if files:
        def end_to_end() -> str:
            checked = validate_paths([str(lib)], jobs=1)
            return to_json(score_processes(checked.processes))

        checked = validate_paths([str(lib)], jobs=1)
        procs = checked.processes
        n_steps = sum(len(p.steps) for p in procs)
        t_all = median_seconds(end_to_end, args.runs)
        t_model = median_seconds(lambda: score_processes(procs), args.runs)
        print(f"library {lib.name}/: {len(procs)} processes, {n_steps} steps")
        print(f"  validate + score + JSON: median {t_all * 1000:.1f} ms over {args.runs} runs")
        print(f"  score only:              median {t_model * 1000:.1f} ms over {args.runs} runs "
              f"({t_model / max(1, len(procs)) * 1000:.2f} ms per process)")
    else:
        print(f"library {lib}: no process files, skipped")

    proc = generate(args.steps)
    sc = score_process(proc)  # warm-up, and a sanity check that the generated flow is scorable
    t_gen = median_seconds(lambda: score_process(proc), args.runs)
    print(f"generated process: {len(proc.steps)} steps, {sc.minutes_per_case:.1f} staff min/case, "
          f"potential {sc.potential:.3f}")
    print(f"  score_process: median {t_gen * 1000:.1f} ms over {args.runs} runs")


if __name__ == "__main__":
    main()
