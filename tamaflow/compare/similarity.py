"""Similarity of two variants, three ways, each in [0, 1] (Dijkman et al., "Similarity of business
process models: metrics and evaluation", Information Systems 2011; behavioural profiles after
Weidlich/Kunze). References: docs/references.md ([Dijkman], [Weidlich], [Kunze]).

- **node matching**: 2·Σ Sim(n, m) / (|N1| + |N2|) over the optimal 1:1 mapping of labelled nodes
  with Sim ≥ cutoff (Hungarian algorithm on the label similarity).
- **structural**: 1 − graph-edit distance under the mapping found by Dijkman's greedy algorithm,
  on the full graph of `tamaflow.model.graph.to_graph` (gateways, start and end included; a task
  is never substituted by a control node). Paper form: fsubn divides by 2|M|, not |M|.
- **behavioural**: Jaccard of behavioural profiles (strict order, exclusiveness, interleaving
  for every pair of activities, plus the self-relation), with activities unified through the
  alignment's 1:1 correspondences; unmatched activities count against it.

Also the hierarchical clustering of the variants (average linkage over 1 − mean similarity).
Depends on the model only (through variant.py), numpy and scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import squareform

from .align import PairAlignment
from .variant import VariantView

MEASURES: tuple[str, ...] = ("node", "structural", "behavioural")


@dataclass(frozen=True, slots=True)
class GedWeights:
    """Weights of skipped nodes, skipped edges and substituted nodes. Dijkman leaves them as
    parameters; equal weights are the neutral choice."""

    skip_node: float = 1.0
    skip_edge: float = 1.0
    substitute: float = 1.0
    cutoff: float = 0.5


def node_matching(label_sim: np.ndarray, cutoff: float = 0.5) -> float:
    """Dijkman's node-matching similarity of two variants.

    Parameters
    ----------
    label_sim : ndarray of shape (n, m)
        Label similarity of the labelled nodes of the two variants.
    cutoff : float
        Pairs below it do not count as matched.

    Returns
    -------
    float
        2·Σ Sim(n, M(n)) / (n + m) over the optimal 1:1 mapping M with Sim ≥ cutoff; 1 for two
        empty variants.

    References
    ----------
    [Dijkman] in docs/references.md.
    """
    n, m = label_sim.shape
    if n + m == 0:
        return 1.0
    if n == 0 or m == 0:
        return 0.0
    gain = np.where(label_sim >= cutoff, label_sim, 0.0)
    rows, cols = linear_sum_assignment(-gain)
    total = float(gain[rows, cols].sum())
    return max(0.0, min(1.0, 2.0 * total / (n + m)))


def control_kind(view: VariantView, x: str) -> str | None:
    """What a control node of the graph is matched by: its kind (start, end, gateway:exclusive…).
    None for a labelled node, and for an unlabelled task, which has nothing to compare."""
    if x in view.index_of:
        return None
    data = view.graph.nodes[x]
    t = data.get("type")
    step = data.get("step")
    if t == "gateway" and step is not None:
        return f"gateway:{step.gateway}"
    if t == "task":
        return None
    return str(t)


def _graph_sim(va: VariantView, vb: VariantView, label_sim: np.ndarray) -> tuple[list[str], list[str], np.ndarray]:
    """Node similarity over all graph nodes: labelled nodes by label, control nodes by type."""
    na = list(va.graph.nodes)
    nb = list(vb.graph.nodes)
    S = np.zeros((len(na), len(nb)))
    ia = {x: k for k, x in enumerate(na)}
    ib = {x: k for k, x in enumerate(nb)}
    if va.size and vb.size:
        ra = np.array([ia[n.id] for n in va.nodes])
        rb = np.array([ib[n.id] for n in vb.nodes])
        S[np.ix_(ra, rb)] = label_sim

    ca = [control_kind(va, x) for x in na]
    cb = [control_kind(vb, x) for x in nb]
    for i, x in enumerate(ca):
        if x is None:
            continue
        for j, y in enumerate(cb):
            if y is None:
                continue
            if x == y:
                S[i, j] = 1.0
            elif x.startswith("gateway:") and y.startswith("gateway:"):
                S[i, j] = 0.5
    return na, nb, S


def structural(va: VariantView, vb: VariantView, label_sim: np.ndarray, w: GedWeights | None = None) -> float:
    """Structural similarity: 1 − the greedy graph-edit distance of the two flows.

    Parameters
    ----------
    va, vb : VariantView
    label_sim : ndarray of shape (va.size, vb.size)
        Substitution costs come from it (1 − similarity).
    w : GedWeights, optional
        Weights of skipped nodes, skipped edges and substitutions, and the substitution cutoff.

    Returns
    -------
    float
        In [0, 1]; deterministic (ties broken row-major).

    References
    ----------
    [Dijkman] in docs/references.md (greedy GED; the exact GED is intractable here).
    """
    w = w or GedWeights()
    na, nb, S = _graph_sim(va, vb, label_sim)
    n1, n2 = len(na), len(nb)
    ga, gb = va.graph, vb.graph
    e1, e2 = ga.number_of_edges(), gb.number_of_edges()
    if n1 + n2 == 0:
        return 1.0
    ia = {x: k for k, x in enumerate(na)}
    ib = {x: k for k, x in enumerate(nb)}
    pred_a = [[ia[p] for p in ga.predecessors(x)] for x in na]
    succ_a = [[ia[s] for s in ga.successors(x)] for x in na]
    pred_b = [[ib[p] for p in gb.predecessors(x)] for x in nb]
    succ_b = [[ib[s] for s in gb.successors(x)] for x in nb]
    open_ = S >= w.cutoff
    gain = np.zeros((n1, n2))  # edges that a pair would complete with the mapping so far
    for i in range(n1):
        if ga.has_edge(na[i], na[i]):
            for j in range(n2):
                if gb.has_edge(nb[j], nb[j]):
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
        cs = S.ravel()[cand]
        cg = gain.ravel()[cand]
        d = dist(k + 1, sub + (1.0 - cs), me + cg)
        best = int(np.argmin(d))
        if d[best] >= current - 1e-12:
            break
        flat = int(cand[best])
        x, y = divmod(flat, n2)
        k += 1
        sub += 1.0 - float(S[x, y])
        me += int(gain[x, y])
        current = float(d[best])
        open_[x, :] = False
        open_[:, y] = False
        # edges p→x / x→s now complete when p↦q with q→y (and s↦t with y→t)
        for p in pred_a[x]:
            for q in pred_b[y]:
                gain[p, q] += 1
        for s in succ_a[x]:
            for t in succ_b[y]:
                gain[s, t] += 1
    return max(0.0, min(1.0, 1.0 - current))


def behavioural(va: VariantView, vb: VariantView, pair: PairAlignment) -> float:
    """Behavioural similarity: Jaccard of the two behavioural profiles under the alignment.

    Parameters
    ----------
    va, vb : VariantView
        Their `profile` holds strict order, exclusiveness and interleaving per node pair.
    pair : PairAlignment
        Its 1:1 correspondences carry the relations of one variant over to the other.

    Returns
    -------
    float
        In [0, 1]; 1 for two empty variants.

    References
    ----------
    [Weidlich], [Kunze] in docs/references.md.
    """
    n, m = va.size, vb.size
    if n + m == 0:
        return 1.0
    mapping = {c.a: c.b for c in pair.one_to_one()}
    inter = 0
    if mapping:
        xs = np.array(sorted(mapping))
        ys = np.array([mapping[x] for x in xs])
        Ra = va.profile[np.ix_(xs, xs)]
        Rb = vb.profile[np.ix_(ys, ys)]
        inter = int((Ra == Rb).sum())
    union = n * n + m * m - inter
    return inter / union if union else 1.0


@dataclass(slots=True)
class Clustering:
    """Average-linkage clustering over 1 − mean similarity: `order` is the dendrogram's leaf
    order, `merges` the merge list (indexes into the variants, heights = distance)."""

    order: list[int]
    merges: list[tuple[list[int], list[int], float]]


def cluster(sim: np.ndarray) -> Clustering:
    """Average-linkage (UPGMA) clustering of the variants.

    Parameters
    ----------
    sim : ndarray of shape (k, k)
        Symmetric similarity of the variants (1 on the diagonal); distance is 1 − sim.

    Returns
    -------
    Clustering
        The leaf order of the dendrogram (for the heatmap) and every merge with its height.

    References
    ----------
    [Sokal] in docs/references.md.
    """
    k = sim.shape[0]
    if k < 2:
        return Clustering(list(range(k)), [])
    dist = np.clip(1.0 - sim, 0.0, 1.0)
    dist = (dist + dist.T) / 2.0
    np.fill_diagonal(dist, 0.0)
    Z = linkage(squareform(dist, checks=False), method="average")
    members: dict[int, list[int]] = {i: [i] for i in range(k)}
    merges: list[tuple[list[int], list[int], float]] = []
    for t, row in enumerate(Z):
        a, b = int(row[0]), int(row[1])
        left, right = sorted(members[a]), sorted(members[b])
        if left[0] > right[0]:
            left, right = right, left
        merges.append((left, right, round(float(row[2]), 6)))
        members[k + t] = sorted(left + right)
    return Clustering([int(x) for x in leaves_list(Z)], merges)
