"""Expected visits per case for many runs at once: the Monte-Carlo's inner loop.

`tamaflow.score.visits` solves one absorbing Markov chain per process; here the same chain
(`score.visits.transitions`) is solved for every run in one batched dense solve, with the branch
weights of some gateways given per run. The flows are affine in a gateway's branch weights (joins
only scale or drop flows), so each gateway's row is read off once: its flows with every weight 0,
and the change that each branch's weight of 1 makes. Depends on the model and score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from ..model.graph import to_graph
from ..model.process import Process
from ..score.visits import MAX_VISITS, branch_targets, endless_loop, transitions


@dataclass(slots=True)
class Chain:
    """A process graph ready for batched solves.

    `base` is the N×N flow matrix with the rows of the `varying` gateways at weight 0; for each
    of those, `effect[g]` (B×N) is what each of its B branches adds to its row per unit weight."""

    process: Process
    graph: nx.DiGraph
    nodes: list[str]
    index: dict[str, int]
    start: int
    base: np.ndarray
    targets: dict[str, list[str]] = field(default_factory=dict)
    effect: dict[str, np.ndarray] = field(default_factory=dict)


def _matrix(flows: Mapping[str, Mapping[str, float]], index: Mapping[str, int]) -> np.ndarray:
    q = np.zeros((len(index), len(index)))
    for u, out in flows.items():
        for v, w in out.items():
            q[index[u], index[v]] += w
    return q


def build_chain(process: Process, varying: list[str]) -> Chain:
    """The chain of `process` with the branch weights of the gateways `varying` left open."""
    g = to_graph(process)
    zero = {gid: [0.0] * len(branch_targets(g, gid)) for gid in varying}
    t = transitions(process, g, [], zero)
    index = {n: i for i, n in enumerate(t.nodes)}
    base = _matrix(t.flows, index)
    chain = Chain(process, g, t.nodes, index, index[t.start], base)
    for gid in varying:
        targets = branch_targets(g, gid)
        rows = np.zeros((len(targets), len(index)))
        for b in range(len(targets)):
            unit = dict(zero)
            unit[gid] = [1.0 if i == b else 0.0 for i in range(len(targets))]
            flows = transitions(process, g, [], unit).flows
            row = np.zeros(len(index))
            for v, w in flows[gid].items():
                row[index[v]] += w
            rows[b] = row - base[index[gid]]
        chain.targets[gid] = targets
        chain.effect[gid] = rows
    return chain


def solve_visits(chain: Chain, weights: Mapping[str, np.ndarray]) -> np.ndarray:
    """Expected visits of every node per case, one row per run.

    Parameters
    ----------
    chain : Chain
    weights : mapping of gateway id to array (R, B)
        The branch weights of every varying gateway per run (R may be 1 for all of them).

    Returns
    -------
    numpy.ndarray (R, N)
        Visits in `chain.nodes` order; R is the largest run count among `weights` (1 if none).

    Raises
    ------
    TamaflowError
        TF302 when the weights of some run make a loop that never ends.
    """
    runs = max((w.shape[0] for w in weights.values()), default=1)
    n = len(chain.nodes)
    q = np.broadcast_to(chain.base, (runs, n, n)).copy()
    for gid, w in weights.items():
        q[:, chain.index[gid], :] += np.broadcast_to(w, (runs, w.shape[1])) @ chain.effect[gid]
    a = np.eye(n)[None, :, :] - np.transpose(q, (0, 2, 1))
    e = np.zeros((runs, n, 1))
    e[:, chain.start, 0] = 1.0
    try:
        visits = np.linalg.solve(a, e)[:, :, 0]
    except np.linalg.LinAlgError:
        visits = np.full((runs, n), np.inf)
    if not np.all(np.isfinite(visits)) or visits.min() < -1e-9 or visits.max() > MAX_VISITS:
        raise endless_loop(chain.process, chain.graph, visits, ", ".join(f"`{g}`" for g in sorted(weights)))
    return np.maximum(visits, 0.0)
