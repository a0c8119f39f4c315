"""Matching quality of `tamaflow compare` on models nobody here wrote.

    .venv/bin/python benchmarks/pmmc.py [--set ua|bpi15|all] [--details]

- `ua`: Process Model Matching Contest 2015, University Admission (9 BPMN models, 36 gold pairs,
  232 correspondences) from ../shared/data/pmmc2015-ua. Best published micro F1 0.698 (AML),
  exact label identity ≈ 0.55.
- `bpi15`: BPI Challenge 2015, five Dutch municipalities (115 PNML nets, 213 gold pairs) from
  ../shared/data/bpi15-municipalities; gold generated from activity codes, so a smoke test at
  scale rather than a matching benchmark.

Each gold pair is compared exactly as `tamaflow compare A B --format json` would: the CLI's own
loader (`load_models`) and the library call (`compare_processes`) with default options. The
contest matches activities (tasks and events), so correspondences between gateways are left out
of the score; 1:n groups count as several 1:1 pairs. Scores are micro-averaged (TP, FP, FN
summed over pairs) against the gold standard's `=` cells, whose element ids are mapped through
the importer's `safe_id` like the step ids.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tamaflow.app.compare import load_models  # noqa: E402
from tamaflow.compare import compare_processes, correspondences  # noqa: E402
from tamaflow.compare.labels import label_key  # noqa: E402
from tamaflow.model.ids import safe_id  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"


def read_gold(path: Path) -> set[tuple[str, str]]:
    """`=` cells of an Alignment-API RDF file as (local id of entity1, local id of entity2)."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    out: set[tuple[str, str]] = set()
    for cell in tree.iter("{*}Cell"):
        rel = cell.find("{*}relation")
        if rel is not None and (rel.text or "=").strip() != "=":
            continue
        e1 = cell.find("{*}entity1")
        e2 = cell.find("{*}entity2")
        if e1 is None or e2 is None:
            continue
        a = str(e1.get(RDF, "")).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        b = str(e2.get(RDF, "")).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        out.add((safe_id(a), safe_id(b)))
    return out


def score(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def run_set(models: Path, gold_dir: Path, suffix: str, details: bool) -> dict[str, float]:
    tp = fp = fn = 0
    btp = bfp = 0  # exact-label baseline, for reference
    times: list[float] = []
    pairs = sorted(gold_dir.glob("*.rdf"))
    for gp in pairs:
        stem = gp.stem
        a, b = _split_pair(stem, models, suffix)
        fa, fb = models / f"{a}{suffix}", models / f"{b}{suffix}"
        gold = read_gold(gp)
        t0 = time.perf_counter()
        procs = load_models([str(fa), str(fb)])
        comp = compare_processes(procs)
        times.append(time.perf_counter() - t0)
        va, vb = comp.views
        activity_a = {n.id for n in va.nodes if n.type != "gateway"}
        activity_b = {n.id for n in vb.nodes if n.type != "gateway"}
        pred = {(x, y) for x, y in correspondences(comp, va.variant, vb.variant) if x in activity_a and y in activity_b}
        t, f, n = len(pred & gold), len(pred - gold), len(gold - pred)
        tp, fp, fn = tp + t, fp + f, fn + n
        exact = {
            (x.id, y.id) for x in va.nodes for y in vb.nodes
            if x.id in activity_a and y.id in activity_b and x.name and label_key(x.name) == label_key(y.name)
        }
        btp += len(exact & gold)
        bfp += len(exact - gold)
        if details:
            names_a = {x.id: x.name for x in va.nodes}
            names_b = {x.id: x.name for x in vb.nodes}
            for x, y in sorted(pred - gold):
                print(f"  FP {stem}: {names_a.get(x)!r} ~ {names_b.get(y)!r}")
            for x, y in sorted(gold - pred):
                print(f"  FN {stem}: {names_a.get(x, x)!r} ~ {names_b.get(y, y)!r}")
    p, r, f1 = score(tp, fp, fn)
    bp, br, bf = score(btp, bfp, tp + fn - btp)
    return {"pairs": len(pairs), "gold": tp + fn, "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1,
            "baseline_p": bp, "baseline_r": br, "baseline_f1": bf,
            "median_s": statistics.median(times) if times else 0.0, "total_s": sum(times)}


def _split_pair(stem: str, models: Path, suffix: str) -> tuple[str, str]:
    """`A-B` where model names may themselves contain '-': try every cut."""
    for i, ch in enumerate(stem):
        if ch == "-" and (models / f"{stem[:i]}{suffix}").is_file() and (models / f"{stem[i + 1:]}{suffix}").is_file():
            return stem[:i], stem[i + 1:]
    raise SystemExit(f"cannot split gold pair {stem!r} into two model names under {models}")


def report(name: str, res: dict[str, float]) -> None:
    print(f"{name}: {res['pairs']} pairs, {res['gold']} gold correspondences")
    print(f"  tamaflow compare   P {res['precision']:.3f}  R {res['recall']:.3f}  F1 {res['f1']:.3f}  "
          f"(TP {res['tp']}, FP {res['fp']}, FN {res['fn']})")
    print(f"  exact-label ref.   P {res['baseline_p']:.3f}  R {res['baseline_r']:.3f}  F1 {res['baseline_f1']:.3f}")
    print(f"  time per pair: median {res['median_s'] * 1000:.0f} ms, total {res['total_s']:.1f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=["ua", "bpi15", "all"], default="all")
    ap.add_argument("--details", action="store_true", help="list false positives and negatives")
    args = ap.parse_args()
    if not SHARED.exists():
        print(f"skipped: {SHARED} is absent (the reference data lives beside the repository)")
        return 0
    if args.set in ("ua", "all"):
        d = SHARED / "pmmc2015-ua"
        report("PMMC 2015 University Admission", run_set(d / "models", d / "goldstandard", ".bpmn", args.details))
    if args.set in ("bpi15", "all"):
        d = SHARED / "bpi15-municipalities"
        report("BPIC 2015 municipalities (smoke test)", run_set(d / "pnml", d / "goldstandard", ".pnml", args.details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
