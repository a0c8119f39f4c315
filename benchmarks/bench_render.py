"""Benchmark: BPMN with full DI and a Graphviz SVG for a generated 300-step process.

Targets (issue 4): BPMN ≤ 1 s, SVG ≤ 2 s. Prints the median of 5 runs of each.

    .venv/bin/python benchmarks/bench_render.py [--steps 300] [--runs 5]

The process is built in memory (no YAML parsing in the timing): 6 lanes, a task chain with an
exclusive split every 10 steps (two branches with shares and a default, merging implicitly), a
parallel split/join every 25 steps, and a rework loop back every 30 steps.
"""

from __future__ import annotations

import argparse
import statistics
import time

from tamaflow.model.process import Branch, Lane, Process, Step
from tamaflow.render import render

KINDS = ("user", "manual", "service", "send", "receive", "rule", "approval")


def generate(n_steps: int = 300) -> Process:
    """A valid process with about `n_steps` steps exercising every layout case."""
    lanes = [Lane(f"lane{i}", f"担当{i} 係") for i in range(6)]
    steps: list[Step] = []
    i = 0
    while len(steps) < n_steps:
        lane = lanes[(i // 3) % len(lanes)].id
        sid = f"s{i:04d}"
        if i % 10 == 5 and len(steps) + 4 < n_steps:
            a, b, after = f"s{i + 1:04d}", f"s{i + 2:04d}", f"s{i + 3:04d}"
            steps.append(Step(sid, name=f"判定{i}", gateway="exclusive", lane=lane, branches=[
                Branch(a, when=f"条件A{i}", share=0.7, default=True), Branch(b, when=f"条件B{i}", share=0.3)]))
            steps.append(Step(a, name=f"処理A{i}", lane=lane, kind="user", minutes=3, next=after))
            steps.append(Step(b, name=f"処理B{i}", lane=lanes[(i // 3 + 1) % len(lanes)].id, kind="manual"))
            i += 3
            continue
        if i % 25 == 12 and len(steps) + 4 < n_steps:
            a, b, join = f"s{i + 1:04d}", f"s{i + 2:04d}", f"s{i + 3:04d}"
            steps.append(Step(sid, gateway="parallel", lane=lane, branches=[Branch(a), Branch(b)]))
            steps.append(Step(a, name=f"並行A{i}", lane=lane, kind="service", next=join))
            steps.append(Step(b, name=f"並行B{i}", lane=lanes[(i // 3 + 2) % len(lanes)].id, kind="send", next=join))
            steps.append(Step(join, gateway="parallel", join=True, lane=lane))
            i += 4
            continue
        if i % 30 == 29 and i > 40:
            back = f"s{i - 4:04d}"
            nxt = f"s{i + 1:04d}"
            steps.append(Step(sid, name=f"再確認{i}", gateway="exclusive", lane=lane, branches=[
                Branch(nxt, when="OK", share=0.9, default=True), Branch(back, when="差戻し", share=0.1)]))
            i += 1
            continue
        steps.append(Step(sid, name=f"手続{i}を処理する", lane=lane, kind=KINDS[i % len(KINDS)], minutes=5,
                          medium="paper", rule_based=True, systems=["住民記録システム"]))
        i += 1
    ids = {s.id for s in steps}
    # drop references past the end (the last construct may have been cut short)
    for s in steps:
        if s.next is not None and s.next not in ids:
            s.next = None
        s.branches = [b for b in s.branches if b.to in ids]
        if s.gateway and not s.join and len(s.branches) < 2:
            s.gateway, s.branches = None, []
            s.name = s.name or s.id
    return Process("bench", "ベンチマーク手続", "tachikawa", steps, lanes)


def median_seconds(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    proc = generate(args.steps)
    bpmn = render(proc, "bpmn")
    svg = render(proc, "svg")
    t_bpmn = median_seconds(lambda: render(proc, "bpmn"), args.runs)
    t_svg = median_seconds(lambda: render(proc, "svg"), args.runs)
    print(f"process: {len(proc.steps)} steps, {len(proc.lanes)} lanes; BPMN {len(bpmn) // 1024} KiB, "
          f"SVG {len(svg) // 1024} KiB")
    print(f"bpmn+DI  median of {args.runs}: {t_bpmn:.3f} s (target ≤ 1 s) {'OK' if t_bpmn <= 1 else 'SLOW'}")
    print(f"svg      median of {args.runs}: {t_svg:.3f} s (target ≤ 2 s) {'OK' if t_svg <= 2 else 'SLOW'}")


if __name__ == "__main__":
    main()
