"""The structural measure's greedy search keeps its candidates in per-gain queues instead of
scanning every open pair each round (tamaflow/compare/similarity.py, `_greedy_distance`). That
is a speed change only: these tests hold it to the full scan it replaced, value for value, on
random graphs whose similarities tie often (exactly and after rounding), and on the library.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tamaflow.app.compare import collect_models, load_models
from tamaflow.compare.align import Matcher
from tamaflow.compare.similarity import GedWeights, _graph_sim, _greedy_distance, structural
from tamaflow.compare.variant import FlowIndex, build_view, flow_index

ROOT = Path(__file__).resolve().parents[1]


def full_scan(S: np.ndarray, fa: FlowIndex, fb: FlowIndex, w: GedWeights) -> float:
    """The greedy graph-edit distance as it was written before the queues: every open pair
    evaluated each round, numpy's argmin picking the row-major first of the best."""
    n1, n2 = S.shape
    e1, e2 = fa.edges, fb.edges
    open_ = S >= w.cutoff
    gain = np.zeros((n1, n2))
    for i in fa.loops:
        for j in fb.loops:
            gain[i, j] += 1
    wsum = w.skip_node + w.skip_edge + w.substitute
    etot = e1 + e2

    def dist(k: int, sub: np.ndarray | float, me: np.ndarray | int) -> np.ndarray:
        fskipn = (n1 + n2 - 2 * k) / (n1 + n2)
        fskipe = (etot - 2 * np.asarray(me, dtype=np.float64)) / etot if etot else np.zeros(1)
        fsubn = np.asarray(sub, dtype=np.float64) / k if k > 0 else np.zeros(1)
        return np.atleast_1d((w.skip_node * fskipn + w.skip_edge * fskipe + w.substitute * fsubn) / wsum)

    k, sub, me = 0, 0.0, 0
    current = float(dist(k, sub, me)[0])
    while True:
        cand = np.flatnonzero(open_)
        if cand.size == 0:
            break
        d = dist(k + 1, sub + (1.0 - S.ravel()[cand]), me + gain.ravel()[cand])
        best = int(np.argmin(d))
        if d[best] >= current - 1e-12:
            break
        x, y = divmod(int(cand[best]), n2)
        k += 1
        sub += 1.0 - float(S[x, y])
        me += int(gain[x, y])
        current = float(d[best])
        open_[x, :] = False
        open_[:, y] = False
        for p in fa.preds[x]:
            for q in fb.preds[y]:
                gain[p, q] += 1
        for s in fa.succs[x]:
            for t in fb.succs[y]:
                gain[s, t] += 1
    return current


def random_flow(rng: random.Random, n: int) -> FlowIndex:
    """A random directed graph on n nodes, self-loops and dense corners included."""
    edges = {(a, b) for a in range(n) for b in range(n) if rng.random() < rng.choice((0.05, 0.15, 0.4))}
    return FlowIndex(
        names=[f"n{i}" for i in range(n)], labelled=np.arange(n), control=[],
        preds=[[a for a, b in sorted(edges) if b == x] for x in range(n)],
        succs=[[b for a, b in sorted(edges) if a == x] for x in range(n)],
        loops=[x for x in range(n) if (x, x) in edges],
        edges=len(edges),
    )


@pytest.mark.parametrize("seed", range(300))
def test_queues_pick_what_the_full_scan_picks(seed: int) -> None:
    rng = random.Random(seed)
    fa, fb = random_flow(rng, rng.randint(0, 14)), random_flow(rng, rng.randint(1, 14))
    # few distinct values, so that exact ties and ties after rounding are common
    near = [float(np.nextafter(x, 1.0)) for x in (0.5, 0.6, 0.9)]
    values = [rng.choice((0.0, 0.3, 0.5, 0.6, 0.7, 1 / 3 + 0.4, 0.9, 1.0, *near)) for _ in range(5)]
    S = np.array([[rng.choice(values) for _ in fb.names] for _ in fa.names]).reshape(len(fa.names), len(fb.names))
    w = rng.choice([GedWeights(), GedWeights(0.3, 0.9, 0.1, 0.4), GedWeights(1.0, 0.0, 1.0), GedWeights(0.0, 1.0, 0.5)])
    assert _greedy_distance(S, fa, fb, w) == full_scan(S, fa, fb, w)


def test_a_rounding_tie_goes_to_the_row_major_first() -> None:
    """(0, 1) is more similar by one unit in the last place, but its distance rounds to the same
    float as (0, 0)'s: the full scan takes (0, 0), which closes (1, 0); taking (0, 1) would leave
    (1, 0) open and map two pairs."""
    S = np.array([[0.5, np.nextafter(0.5, 1.0)], [0.5, 0.0]])
    flow = FlowIndex(names=["a", "b"], labelled=np.arange(2), control=[], preds=[[], []], succs=[[], []], loops=[],
                     edges=0)
    assert _greedy_distance(S, flow, flow, GedWeights()) == full_scan(S, flow, flow, GedWeights()) == 1 / 3


def test_the_library_measures_the_same_as_the_full_scan() -> None:
    procs = load_models(collect_models([str(ROOT / "processes" / "tennyu")])).processes
    views = [build_view(p) for p in procs]
    matcher = Matcher(views)
    for i in range(len(views)):
        for j in range(len(views)):
            S = matcher.label_matrix(i, j)
            fa, fb = flow_index(views[i]), flow_index(views[j])
            expected = max(0.0, min(1.0, 1.0 - full_scan(_graph_sim(views[i], views[j], S), fa, fb, GedWeights())))
            assert structural(views[i], views[j], S) == expected


def test_negative_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        GedWeights(skip_edge=-1.0)
    with pytest.raises(ValueError, match="not all zero"):
        GedWeights(0.0, 0.0, 0.0)
