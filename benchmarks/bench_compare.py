"""Speed of `tamaflow compare` on generated variants of one procedure.

    .venv/bin/python benchmarks/bench_compare.py [--variants 26 200] [--steps 60] [--runs 3]

For each size: N variants of a 60-step procedure (Japanese labels, four lanes, exclusive
branches), each a seeded perturbation of one base flow: catalogue-style synonyms, dropped and
extra steps, two steps swapped, another lane, paper instead of the system. The files are written
as YAML, then timed end to end as a user runs it, once per output format
(`tamaflow compare DIR --format F`, through the CLI in-process) plus `--emit-standard`.
Prints the median of `--runs` runs, wall and user + system CPU time, with the load average (on a
shared machine the wall time mostly says how busy the others are). Target: every output ≤ 2 s for
26 variants on 2 cores. In-process runs after the first reuse the imports and the label cache;
`--cold` times each run as a fresh `python -m tamaflow` process instead, as a user meets it
(interpreter start, imports, dictionary load included), after byte-compiling the package as
`pip install` does (`compileall`; with PYTHONDONTWRITEBYTECODE set, as on this machine, every run
would otherwise compile tamaflow's modules again). The formats are every `--format` that
`compare` has (table, json, markdown, csv, xlsx).

Before and after a change, on a machine others are using: `--cold --baseline CHECKOUT` runs
each case with another checkout's tamaflow and with this one in turn, and prints both medians
with the mean load over their runs:

    git worktree add --detach ../base COMMIT
    .venv/bin/python benchmarks/bench_compare.py --variants 26 --runs 5 --cold --baseline ../base

In an environment with the `semantic` extra (`pip install -e '.[semantic]'`), `--cold --semantic`
runs each case without and with its word vectors (TAMAFLOW_SEMANTIC=0, then 1), interleaved: what
reading the vectors costs a user, start-up included:

    VENV/bin/python benchmarks/bench_compare.py --variants 26 --runs 5 --cold --semantic --formats json

The growth curve of both compare paths (issue 12), on realistic variants of a library
procedure written by `benchmarks/nationwide.py`:

    .venv/bin/python benchmarks/bench_compare.py --nationwide tennyu --sizes 26 100 200 500 1741 \
        --exact-up-to 200 --runs 3

For each size: `tamaflow compare DIR --format json --fast` and (up to `--exact-up-to`) `--exact`,
each a subprocess timed with `/usr/bin/time -v` (wall time and peak memory, median of `--runs`);
where both ran, the agreement of the two alignments (pair-set F1) and the mean absolute
difference of each similarity matrix; and for each path, its pair-set F1 against the generator's
own step ids (`against_ids`: the truth both paths approximate). The machine's load average is printed with every line:
the figures mean little on a busy machine. Target (2 cores): 1,741 variants ≤ 60 s and ≤ 4 GB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from tamaflow.cli import app  # noqa: E402
from tamaflow.cli.compare import CompareFormat  # noqa: E402
from tamaflow.io.yaml_writer import dump_process  # noqa: E402
from tamaflow.model.process import Branch, Lane, Process, Step  # noqa: E402

OBJECTS = ["申請書", "届出", "証明書", "通知書", "台帳", "住民票", "調査票", "請求書", "委任状", "鑑札", "受給資格", "所得情報"]
ACTIONS = [("受付", "受理"), ("確認", "点検"), ("審査", "内容確認"), ("入力", "登録"), ("照合", "突合"), ("決裁", "承認"),
           ("通知", "通知書送付"), ("交付", "発行"), ("保管", "保存"), ("起案", "起工"), ("照会", "問い合わせ")]
LANES = {"resident": "申請者", "counter": "市民課 窓口", "back": "市民課 審査担当", "system": "業務システム"}


def base_steps(n: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(id, object, action index, lane) of the base flow."""
    out = []
    for i in range(n):
        obj = rng.choice(OBJECTS)
        act = rng.randrange(len(ACTIONS))
        lane = rng.choice(list(LANES))
        out.append((f"s{i:02d}", obj, str(act), lane))
    return out


def variant(base: list[tuple[str, str, str, str]], city: str, seed: int) -> Process:
    rng = random.Random(seed)
    steps = list(base)
    for _ in range(rng.randint(1, 3)):  # drop
        steps.pop(rng.randrange(1, len(steps) - 1))
    for k in range(rng.randint(0, 2)):  # extra
        pos = rng.randrange(1, len(steps))
        steps.insert(pos, (f"x{k}", rng.choice(OBJECTS), str(rng.randrange(len(ACTIONS))), "counter"))
    i = rng.randrange(1, len(steps) - 2)  # swap two neighbours
    steps[i], steps[i + 1] = steps[i + 1], steps[i]
    out: list[Step] = []
    for sid, obj, act, lane in steps:
        word = ACTIONS[int(act)][rng.random() < 0.3]
        if rng.random() < 0.05:
            lane = rng.choice(list(LANES))
        name = f"{obj}の{word}" if rng.random() < 0.5 else f"{obj}を{word}する"
        out.append(Step(id=sid, name=name, lane=lane, medium="paper" if rng.random() < 0.2 else "system"))
    # two decisions: alternatives between a pair of steps, merging at the step after them
    for at in (len(out) // 3, 2 * len(out) // 3):
        a, b, after = out[at + 1], out[at + 2], out[at + 3]
        gw = Step(id=f"g{at}", name=f"{out[at].name}の結果か", gateway="exclusive", lane=out[at].lane,
                  branches=[Branch(to=a.id, when="はい"), Branch(to=b.id, when="いいえ", default=True)])
        a.next = after.id
        out.insert(at + 1, gw)
    return Process(process="bench", name="ベンチマーク手続", city=city, steps=out,
                   lanes=[Lane(k, v) for k, v in LANES.items()], channels=["counter"])


def write_variants(folder: Path, n: int, steps: int) -> None:
    base = base_steps(steps, random.Random(7))
    for v in range(n):
        city = f"city{v:03d}"
        (folder / f"{city}.yaml").write_text(dump_process(variant(base, city, 1000 + v), schema=None), encoding="utf-8")


def cpu_seconds() -> float:
    """User + system CPU time of this process so far: on a shared machine the wall time says
    how busy the others are, the CPU time what tamaflow itself costs."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def time_cli(args: list[str]) -> tuple[float, float]:
    """(wall seconds, user + system CPU seconds) of one `tamaflow ARGS` run in this process."""
    runner = CliRunner()
    c0, t0 = cpu_seconds(), time.perf_counter()
    r = runner.invoke(app, args)
    dt, dc = time.perf_counter() - t0, cpu_seconds() - c0
    if r.exit_code != 0:
        raise SystemExit(f"tamaflow {' '.join(args)} failed: {r.output}")
    return dt, dc


def time_subprocess(args: list[str], root: Path = ROOT, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, user + system CPU seconds) of `python -m tamaflow ARGS` as a new process,
    with the tamaflow of the checkout `root` (`-m` puts the working folder first on the path)
    and `env` added to the environment."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "tamaflow", *args], cwd=root, capture_output=True,
                       env={**os.environ, **(env or {})})
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"tamaflow {' '.join(args)} failed: {r.stderr.decode(errors='replace')[-2000:]}")
    return dt, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_line(label: str, runs: list[tuple[float, float]], load: float | None = None) -> str:
    """`label  wall s  (cpu s CPU, load L)`: medians of the runs, the load average at the end
    (or `load`, e.g. the mean over the runs)."""
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    load = os.getloadavg()[0] if load is None else load
    return f"  {label:<26} {wall:6.2f} s  (CPU {cpu:5.2f} s, load {load:.1f})"


def compile_package(root: Path) -> None:
    """Byte-compile the checkout's tamaflow, as `pip install` does for a user. Without it, a
    machine with PYTHONDONTWRITEBYTECODE set (this one) compiles the 45 modules compare imports
    on every run, about 0.08 s CPU a user never pays."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "tamaflow")], check=True)


def interleaved(cases: list[tuple[str, list[str]]], runs: int, before: tuple[str, Path, dict[str, str]],
                after: tuple[str, Path, dict[str, str]]) -> None:
    """Each case as a new process one way and the other (a checkout's tamaflow and an
    environment each), interleaved (before, after, before, after…), so that a busy moment on the
    shared machine hits both alike; the medians side by side, with the mean load over the runs."""
    for label, args in cases:
        times: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
        loads: list[float] = []
        for _ in range(runs):
            for way, (_name, root, env) in enumerate((before, after)):
                times[way].append(time_subprocess(args, root, env))
            loads.append(os.getloadavg()[0])
        load = statistics.mean(loads)
        for way, (name, _root, _env) in enumerate((before, after)):
            print(median_line(f"{label} {name}", times[way], load), flush=True)


def timed(args: list[str], out: Path) -> tuple[float, float]:
    """(wall seconds, peak resident GB) of `tamaflow ARGS -o OUT` in a subprocess."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "tamaflow", *args, "-o", str(out), "--force"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{r.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    assert wall and rss, r.stderr[-500:]
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024 ** 2


def pair_set(doc: dict) -> set[tuple[str, str, str, str]]:
    """Every (variant, step, other variant, other step) one alignment entry puts together."""
    out: set[tuple[str, str, str, str]] = set()
    for entry in doc["alignment"]:
        steps = {v: ([s] if isinstance(s, str) else s) for v, s in entry.items()}
        for a, b in itertools.combinations(sorted(steps), 2):
            out.update((a, x, b, y) for x in steps[a] for y in steps[b])
    return out


def agreement(exact: dict, fast: dict) -> str:
    """Pair-set F1 of the two alignments and the mean absolute difference of each matrix."""
    import numpy as np

    pe, pf = pair_set(exact), pair_set(fast)
    tp = len(pe & pf)
    p, r = tp / len(pf), tp / len(pe)
    k = len(exact["variants"])
    off = ~np.eye(k, dtype=bool)
    mad = {m: float(np.abs(np.array(exact["similarity"][m]) - np.array(fast["similarity"][m]))[off].mean())
           for m in exact["similarity"]}
    return f"F1 {2 * p * r / (p + r):.4f} (P {p:.4f} R {r:.4f}); MAD " + ", ".join(f"{m} {x:.4f}" for m, x in mad.items())


#: the ids `nationwide.py` gives the extra steps it splices in (x1_check, x2_approve …)
EXTRA_ID = re.compile(r"x\d+_")


def base_ids(folder: Path) -> dict[str, int]:
    """How many of the generated files in `folder` have each step id taken from the library flow
    (the extra steps' ids left out): read once per set, for `against_ids`."""
    from tamaflow.io.anyformat import load_any

    ids: dict[str, int] = {}
    for f in sorted(folder.glob("*.yaml")):
        for step in load_any(f).steps:
            if not EXTRA_ID.match(step.id):
                ids[step.id] = ids.get(step.id, 0) + 1
    return ids


def against_ids(doc: dict, ids: dict[str, int]) -> str:
    """Pair-set precision, recall and F1 of one alignment against the generator's own step ids
    (`ids`: `base_ids` of the set it aligns).

    `nationwide.py` keeps the id of every step it takes from the library flow (renamed, moved to
    another lane or medium, rewired around a dropped step), and the library writes one id per
    activity across its cities (`accept`, `check_id` …), so two cities' steps with one id are
    the same activity: the truth both paths are approximations of. The extra steps it splices
    in (`x1_check` …) sit wherever the dice put them, so pairs with one of them are left out of
    both counts. A merged step counts like a member: a pair it makes with another activity is
    a wrong pair, since the generator merges no work."""
    base = [(x, y) for _a, x, _b, y in pair_set(doc) if not EXTRA_ID.match(x) and not EXTRA_ID.match(y)]
    right = sum(1 for x, y in base if x == y)
    p, r = right / max(len(base), 1), right / max(sum(n * (n - 1) // 2 for n in ids.values()), 1)
    return f"F1 {2 * p * r / (p + r) if p + r else 0.0:.4f} (P {p:.4f} R {r:.4f})"


def nationwide(procedure: str, sizes: list[int], exact_up_to: int, runs: int) -> None:
    """The growth curve of both paths on `benchmarks/nationwide.py` variants."""
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / procedure
            gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "nationwide.py"), procedure, "-n", str(n),
                                  "-o", str(folder)], capture_output=True, text=True)
            if gen.returncode != 0:
                raise SystemExit(gen.stderr)
            docs = {}
            for method in ("fast", "exact"):
                if method == "exact" and n > exact_up_to:
                    print(f"{n:5d} variants  --exact  skipped (above --exact-up-to {exact_up_to})")
                    continue
                out = Path(tmp) / f"{method}.json"
                results = [timed(["compare", str(folder), "--format", "json", f"--{method}"], out) for _ in range(runs)]
                load = os.getloadavg()[0]
                size = out.stat().st_size / 1024 ** 2
                print(f"{n:5d} variants  --{method:<5}  {statistics.median(r[0] for r in results):7.1f} s  "
                      f"peak {max(r[1] for r in results):.2f} GB  json {size:.1f} MB  (median of {runs}; load {load:.1f})",
                      flush=True)
                docs[method] = json.loads(out.read_text(encoding="utf-8"))
            if len(docs) == 2:
                print(f"{n:5d} variants  fast vs exact: {agreement(docs['exact'], docs['fast'])}", flush=True)
            ids = base_ids(folder)
            for method, doc in docs.items():
                print(f"{n:5d} variants  --{method:<5}  against the generator's step ids: {against_ids(doc, ids)}",
                      flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nationwide", metavar="PROCEDURE", help="time both compare paths on nationwide.py variants of "
                    "this library procedure (the sizes below) instead of the synthetic set")
    ap.add_argument("--sizes", type=int, nargs="+", default=[26, 100, 200, 500, 1741])
    ap.add_argument("--exact-up-to", type=int, default=200, help="run --exact only up to this many variants")
    ap.add_argument("--variants", type=int, nargs="+", default=[26, 200])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="time every run as a new process (start-up included) "
                    "instead of in this one")
    ap.add_argument("--formats", nargs="+", default=[f.value for f in CompareFormat],
                    help="output formats to time (each is a full run; default: every format compare has)")
    ap.add_argument("--baseline", metavar="CHECKOUT", help="with --cold: time another checkout of tamaflow (e.g. a "
                    "`git worktree add --detach DIR COMMIT`) interleaved with this one, run for run")
    ap.add_argument("--semantic", action="store_true", help="with --cold: every case without and with the word "
                    "vectors of tamaflow[semantic] (TAMAFLOW_SEMANTIC=0, then 1), interleaved; needs the extra")
    args = ap.parse_args()
    if (args.baseline or args.semantic) and not args.cold:
        ap.error("--baseline and --semantic time whole processes: add --cold")
    if args.baseline and args.semantic:
        ap.error("--baseline or --semantic, not both")
    if args.nationwide:
        nationwide(args.nationwide, args.sizes, args.exact_up_to, args.runs)
        return 0
    for n in args.variants:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "bench"
            folder.mkdir()
            write_variants(folder, n, args.steps)
            cases = [(f"--format {fmt}", ["compare", str(folder), "--format", fmt,
                                          *(["-o", str(Path(tmp) / f"out.{fmt}"), "--force"] if fmt == "xlsx" else [])])
                     for fmt in args.formats]
            cases.append(("--emit-standard", ["compare", str(folder), "--format", "json", "--emit-standard",
                                              str(Path(tmp) / "std.yaml"), "--force"]))
            print(f"{n} variants × {args.steps} steps ({n * (n - 1) // 2} pairs), median of {args.runs}"
                  f"{', each a new process' if args.cold else ''}"
                  f"{f', interleaved with {args.baseline}' if args.baseline else ''}"
                  f"{', without and with the word vectors, interleaved' if args.semantic else ''}:")
            if args.cold:
                for root in (ROOT, *([Path(args.baseline).resolve()] if args.baseline else [])):
                    compile_package(root)
            if args.baseline:
                interleaved(cases, args.runs, ("before", Path(args.baseline).resolve(), {}), ("after", ROOT, {}))
                continue
            if args.semantic:
                interleaved(cases, args.runs, ("without vectors", ROOT, {"TAMAFLOW_SEMANTIC": "0"}),
                            ("with vectors", ROOT, {"TAMAFLOW_SEMANTIC": "1"}))
                continue
            timer = time_subprocess if args.cold else time_cli
            for label, argv in cases:
                runs = [timer(argv) for _ in range(args.runs)]
                print(median_line(label, runs), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
