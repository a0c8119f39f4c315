"""Expected visits per case of every node of a process: an absorbing Markov chain over
`tamaflow.model.graph.to_graph`, so that branch shares and rework loops weigh each step's
minutes correctly in the RPA score (docs/score.md §2).

Depends only on the model (and numpy/scipy).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import MatrixRankWarning, spsolve

from ..model.findings import TamaflowError
from ..model.graph import immediate_dominators, start_nodes, to_graph
from ..model.process import Process, Step
from .wording import percent

#: more expected visits than this means the shares make a loop that (almost) never ends
MAX_VISITS = 1e6


def endless_loop(process: Process, g: nx.DiGraph, visits: np.ndarray | None, varied: str = "") -> TamaflowError:
    """TF302 at the first splitting gateway inside a loop, where the shares are written.

    `visits` are the expected visits the solver gave (None when it gave none). Finite and not
    negative, their largest is quoted: a loop that almost never ends (300 nested checks each
    sending 99 % back is 100^300 visits, not an infinite loop) must not be said to have shares
    adding up to 1. Otherwise the loop truly never ends. `varied` names the gateways whose
    shares a business case varied (impact's runs)."""
    solved = visits is not None and bool(np.all(np.isfinite(visits))) and float(visits.min()) >= -1e-9
    most = float(visits.max()) if solved and visits is not None else None
    at, where = process.pos, ""
    looped = {n for comp in nx.strongly_connected_components(g) if len(comp) > 1 for n in comp}
    for st in process.steps:
        if st.id in looped and st.is_gateway and st.branches:
            at, where = st.where("branches"), f" at `{st.id}`"
            break
    why = f"with the shares of {varied} varied, " if varied else ""
    if most is None:
        text = (f"{why}the branch shares make a loop that never ends{where} (the shares back into the loop add "
                "up to 1): give the way out a share > 0")
    else:
        text = (f"{why}the branch shares make a loop that almost never ends{where}: a step would be done "
                f"{most:.3g} times per case on average (more than {MAX_VISITS:,.0f}): give the way out a larger share")
    if varied:
        text += " (or a smaller `shares` spread)"
    return TamaflowError(text, process.path or "", at.line, at.col, "TF302")


def branch_weights(g: nx.DiGraph, node: str, step: Step, notes: list[str]) -> dict[str, float]:
    """Probability (or, for parallel/inclusive, expected tokens) along each outgoing flow."""
    out = sorted(g.out_edges(node, data=True), key=lambda e: e[2].get("order", 0))
    if step.gateway == "parallel":
        return {v: 1.0 for _u, v, _d in out}  # every branch is taken once
    shares = [d.get("share") for _u, _v, d in out]
    given = sum(s for s in shares if s is not None)
    missing = [i for i, s in enumerate(shares) if s is None]
    filled = [s if s is not None else max(0.0, 1.0 - given) / len(missing) for s in shares]
    if missing:
        notes.append(f"分岐 `{node}` の share 未記入 {len(missing)} 本 → 残り {percent(max(0.0, 1.0 - given))} を均等に配分")
    total = sum(filled)
    if step.gateway == "exclusive" and abs(total - 1.0) > 1e-9:
        if total <= 0:
            filled = [1.0 / len(out)] * len(out)
            notes.append(f"分岐 `{node}` の share がすべて 0 → 均等に配分")
        else:
            filled = [s / total for s in filled]
            notes.append(f"分岐 `{node}` の share 合計 {total:.2f} → 1 に正規化")
    weights: dict[str, float] = {}
    for (_u, v, _d), w in zip(out, filled, strict=True):
        weights[v] = weights.get(v, 0.0) + w
    return weights


@dataclass(slots=True)
class Transitions:
    """The process graph as a Markov chain: `flows[u][v]` is the expected number of tokens node
    `u` sends to `v` per visit (branch shares, parallel tokens, joins firing once)."""

    start: str
    nodes: list[str]
    flows: dict[str, dict[str, float]]


def transitions(process: Process, g: nx.DiGraph | None = None, notes: list[str] | None = None,
                weights: Mapping[str, Sequence[float]] | None = None) -> Transitions:
    """The chain `expected_visits` solves, on its own so that a caller can vary the branch shares
    and solve many chains at once (`tamaflow.impact`'s Monte-Carlo).

    `weights` gives, for a splitting gateway id, the weight of each of its outgoing flows in the
    order of `branch_targets`, used as they are (no filling or normalising): the flows are affine in them, so a
    caller can read each branch's effect off a few calls.
    """
    g = g if g is not None else to_graph(process)
    notes = notes if notes is not None else []
    starts = start_nodes(g)
    if len(starts) != 1:
        raise TamaflowError(f"cannot score a process with {len(starts)} start nodes: run `tamaflow validate`",
                            process.path or "", process.pos.line, process.pos.col, "TF301")
    start = starts[0]
    nodes = list(g.nodes)
    transient = [n for n in nodes if g.out_degree(n) > 0]
    flows: dict[str, dict[str, float]] = {}
    for u in transient:
        step: Step | None = g.nodes[u].get("step")
        if step is not None and step.is_gateway and not step.join and step.branches:
            if weights is not None and u in weights:
                flows[u] = _given_weights(g, u, weights[u])
            else:
                flows[u] = branch_weights(g, u, step, notes)
        else:
            flows[u] = {v: 1.0 for v in g.successors(u)}
    joins = [n for n in transient if (s := g.nodes[n].get("step")) is not None and s.join
             and s.gateway in ("parallel", "inclusive")]
    if joins:
        dom = immediate_dominators(g, start)
        for j in joins:
            d = dom.get(j)  # None: the join is not reachable from the start
            split: Step | None = g.nodes[d].get("step") if d is not None else None
            if d is not None and split is not None and split.is_gateway and not split.join and split.gateway in ("parallel", "inclusive"):
                # arrivals do not count: the join fires once per activation of its split
                for u in flows:
                    flows[u].pop(j, None)
                flows[d][j] = 1.0
            else:
                indeg = max(1, g.in_degree(j))
                for u in flows:
                    if j in flows[u]:
                        flows[u][j] /= indeg
    return Transitions(start, nodes, flows)


def branch_targets(g: nx.DiGraph, node: str) -> list[str]:
    """The targets of a gateway's outgoing flows in branch order: the order `weights` follow."""
    return [v for _u, v, _d in sorted(g.out_edges(node, data=True), key=lambda e: e[2].get("order", 0))]


def _given_weights(g: nx.DiGraph, node: str, given: Sequence[float]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for v, w in zip(branch_targets(g, node), given, strict=True):
        weights[v] = weights.get(v, 0.0) + float(w)
    return weights


def expected_visits(process: Process, g: nx.DiGraph | None = None,
                    notes: list[str] | None = None) -> dict[str, float]:
    """Expected visits per case of every node: the start's row of the fundamental matrix
    N = (I − Q)^-1 of the absorbing chain over the process graph.

    Exclusive/inclusive splits follow the branch shares (missing shares split the rest evenly);
    a parallel split sends a token down every branch; a parallel or inclusive join fires once
    per activation of the split that dominates it (or, in an unstructured model, once per
    arrival divided by its number of incoming flows). End nodes absorb.

    Parameters
    ----------
    process : Process
    g : networkx.DiGraph, optional
        The process graph (`model.graph.to_graph`), when the caller has it already.
    notes : list of str, optional
        Receives a sentence for every assumption made (missing shares split evenly, …).

    Returns
    -------
    dict of str to float
        Node id → expected visits per case (1 for a step every case passes once).

    References
    ----------
    [Kemeny] in docs/references.md (the fundamental matrix of an absorbing Markov chain).
    """
    g = g if g is not None else to_graph(process)
    notes = notes if notes is not None else []
    chain = transitions(process, g, notes)
    start, nodes, flows = chain.start, chain.nodes, chain.flows
    transient = [n for n in nodes if g.out_degree(n) > 0]
    idx = {n: i for i, n in enumerate(transient)}
    if start not in idx:  # a start that goes nowhere: nothing is visited but the start
        return {n: (1.0 if n == start else 0.0) for n in nodes}
    # (I − Q)^T as a sparse matrix: a process graph has about one flow per node, and a sparse
    # solve stays well under a millisecond where a dense one costs O(n^3) and fights over BLAS threads
    size = len(transient)
    rows: list[int] = list(range(size))
    cols: list[int] = list(range(size))
    vals: list[float] = [1.0] * size
    for u, targets in flows.items():
        for v, w in targets.items():
            if v in idx:
                rows.append(idx[v])
                cols.append(idx[u])
                vals.append(-w)
    a = sp.csc_matrix((vals, (rows, cols)), shape=(size, size))
    e = np.zeros(size)
    e[idx[start]] = 1.0
    row: np.ndarray | None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", MatrixRankWarning)
            row = np.atleast_1d(spsolve(a, e))
    except (MatrixRankWarning, RuntimeError, ValueError):
        row = None
    if row is None or not np.all(np.isfinite(row)) or row.min() < -1e-9 or row.max() > MAX_VISITS:
        raise endless_loop(process, g, row)
    visits = {n: max(0.0, float(row[idx[n]])) for n in transient}
    absorbed = {n: 0.0 for n in nodes if n not in idx}
    for u, targets in flows.items():
        for v, w in targets.items():
            if v in absorbed:
                absorbed[v] += visits[u] * w
    visits.update(absorbed)
    return {n: visits[n] for n in nodes}
