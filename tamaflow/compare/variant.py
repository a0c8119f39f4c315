"""One variant (one city's process) as the matcher sees it: the nodes that can correspond across
cities, their labels, lanes, nearest labelled neighbours, position in the flow and the
behavioural relations between them.

Built once per variant from `tamaflow.model` only; every pairwise computation then works on
numpy arrays, which is what keeps 26 × 60-step comparisons fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.graph import ProcessGraph, build_graph, first_reached, start_nodes
from ..model.graph import node_type as graph_node_type
from ..model.process import END, START, Process, Step

#: relation codes of the behavioural profile (Weidlich): x → y, y → x, exclusive, interleaving
ORDER, REVERSE, EXCLUSIVE, INTERLEAVING = 1, 2, 3, 4


@dataclass(slots=True)
class Node:
    """A matchable element: a task, a labelled event, or a labelled (deciding) gateway."""

    id: str
    name: str
    type: str  # task | event | gateway
    lane: str  # the lane's display name ("" when none)
    step: Step
    index: int  # position in `Process.steps`


@dataclass(slots=True)
class VariantView:
    variant: str
    process: Process
    graph: ProcessGraph
    nodes: list[Node]
    #: relative position of each node in the flow, 0 = first, 1 = last
    position: np.ndarray
    #: nearest matchable predecessors / successors; -1 stands for the start, -2 for the end
    preds: list[list[int]]
    succs: list[list[int]]
    #: behavioural profile over `nodes` (codes above; diagonal: EXCLUSIVE = no repetition,
    #: INTERLEAVING = in a loop)
    profile: np.ndarray
    #: reachability over `nodes`: reach[i, j] = j can follow i
    reach: np.ndarray
    index_of: dict[str, int] = field(default_factory=dict)
    #: the whole graph as index lists (`flow_index`), made on first use and kept
    flow: FlowIndex | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.nodes)


@dataclass(frozen=True, slots=True)
class FlowIndex:
    """A variant's whole graph (gateways, start and end included) in `graph.nodes` order, as
    integer lists: what the structural measure walks for every pair of variants. Made once per
    variant (`flow_index`); reading networkx's views again for each of 325 pairs cost more than
    the measure itself."""

    #: graph nodes in `graph.nodes` order
    names: list[str]
    #: graph index of each matchable node, in `VariantView.nodes` order
    labelled: np.ndarray
    #: (graph index, kind) of every control node (`control_kind` not None)
    control: list[tuple[int, str]]
    preds: list[list[int]]
    succs: list[list[int]]
    #: graph indexes of the nodes with an edge to themselves
    loops: list[int]
    edges: int


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


def flow_index(view: VariantView) -> FlowIndex:
    """The view's `FlowIndex`, made on the first call and kept on the view."""
    if view.flow is None:
        g = view.graph
        names = list(g.nodes)
        at = {x: k for k, x in enumerate(names)}
        kinds = [(k, control_kind(view, x)) for k, x in enumerate(names)]
        view.flow = FlowIndex(
            names=names,
            labelled=np.array([at[n.id] for n in view.nodes], dtype=np.int64),
            control=[(k, kind) for k, kind in kinds if kind is not None],
            preds=[[at[p] for p in g.predecessors(x)] for x in names],
            succs=[[at[s] for s in g.successors(x)] for x in names],
            loops=[at[x] for x in names if g.has_edge(x, x)],
            edges=g.number_of_edges(),
        )
    return view.flow


def is_matchable(step: Step) -> bool:
    """Tasks always; events and gateways only when they carry a label (a named decision such as
    特例転入か, a named message like "Application received")."""
    if step.is_task:
        return True
    if step.is_gateway:
        return bool(step.name.strip()) and not step.join
    return bool(step.name.strip())


def node_type(step: Step) -> str:
    """task | gateway | event: the graph's node type (model/graph.py) with start and end
    events counted as events, since compare matches them like any other event."""
    kind = graph_node_type(step)
    return "event" if kind in ("start", "end") else kind


def implied_words(step: Step) -> tuple[str, ...]:
    """English words an element type implies: a message catch event "Rejected" is received, a
    throw event is sent, a timer is waited for. Used only for English labels."""
    if step.event in ("message", "signal") or step.kind == "receive":
        return ("receive",)
    if step.event == "message-throw" or step.kind == "send":
        return ("send",)
    if step.event == "timer":
        return ("wait",)
    return ()


def _flow_order(g: ProcessGraph, written: dict[str, int]) -> list[str]:
    """A topological order of the flow with back edges (loops) ignored: DFS from the start in
    written order, then every node not reached, by written position."""
    starts = start_nodes(g)
    roots = sorted(starts, key=lambda n: (n != START, written.get(n, -1))) + sorted(
        (n for n in g.nodes if n not in starts), key=lambda n: written.get(n, 10**9)
    )
    state: dict[str, int] = {}
    post: list[str] = []
    for root in roots:
        if root in state:
            continue
        stack: list[tuple[str, list[str]]] = []
        state[root] = 1
        stack.append((root, sorted(g.successors(root), key=lambda n: written.get(n, 10**9), reverse=True)))
        while stack:
            node, todo = stack[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, sorted(g.successors(nxt), key=lambda n: written.get(n, 10**9), reverse=True)))
            else:
                state[node] = 2
                post.append(node)
                stack.pop()
    post.reverse()
    return post


def build_view(process: Process, variant: str | None = None) -> VariantView:
    """Derive everything the matcher needs from one process."""
    g = build_graph(process)
    lanes = process.lane_map()
    written = {s.id: i for i, s in enumerate(process.steps)}
    nodes: list[Node] = []
    for i, s in enumerate(process.steps):
        if is_matchable(s):
            lane = lanes[s.lane].name if s.lane in lanes else ""
            nodes.append(Node(s.id, s.name.strip(), node_type(s), lane, s, i))
    index_of = {n.id: k for k, n in enumerate(nodes)}
    n = len(nodes)

    order = _flow_order(g, written)
    rank = {node: k for k, node in enumerate(order)}
    matched_ranks = sorted(rank[x.id] for x in nodes if x.id in rank)
    dense = {r: k for k, r in enumerate(matched_ranks)}
    position = np.zeros(n)
    for k, x in enumerate(nodes):
        if n > 1 and x.id in rank:
            position[k] = dense[rank[x.id]] / (n - 1)

    def nearest(start: str, forward: bool) -> list[int]:
        """The nearest matchable nodes before or after `start` across routing nodes; -1 for
        the start, -2 for the end."""

        def is_start(y: str) -> bool:
            return g.nodes[y].get("type") == "start" or (not forward and y == START)

        def is_end(y: str) -> bool:
            return g.nodes[y].get("type") == "end" or y == END

        first = g.successors(start) if forward else g.predecessors(start)
        reached = first_reached(g, first, lambda y: y in index_of or is_start(y) or is_end(y),
                                forward=forward, exclude=[start])
        return sorted({index_of[y] if y in index_of else -1 if is_start(y) else -2 for y in reached})

    preds = [nearest(x.id, False) or [-1] for x in nodes]
    succs = [nearest(x.id, True) or [-2] for x in nodes]
    reach, profile = _profile(g, nodes, index_of, order)
    return VariantView(variant or process.variant, process, g, nodes, position, preds, succs, profile, reach, index_of)


def _descendant_masks(g: ProcessGraph, all_nodes: list[str], order: list[str]) -> dict[str, int]:
    """Every node's descendants (reachable by at least one flow; itself only on a loop) as a
    bit mask over `all_nodes`. Children before parents (`order` reversed), repeated until
    nothing changes (a loop takes one more round): one pass over the edges instead of one
    search per node."""
    bit = {x: 1 << k for k, x in enumerate(all_nodes)}
    below = dict.fromkeys(all_nodes, 0)
    in_order = set(order)
    ranked = [x for x in reversed(order) if x in below] + [x for x in all_nodes if x not in in_order]
    succ = {x: list(g.successors(x)) for x in all_nodes}
    changed = True
    while changed:
        changed = False
        for x in ranked:
            mask = below[x]
            for y in succ[x]:
                mask |= bit[y] | below[y]
            if mask != below[x]:
                below[x] = mask
                changed = True
    return below


def branch_relation(i: int, j: int, branch_sets: list[tuple[str, list[set[int]]]]) -> int:
    """The relation of two steps that do not reach each other: interleaving when the first split
    that puts them on different branches is parallel or inclusive, exclusive otherwise (and when
    no split separates them). `branch_sets`: per split, its kind and the steps of each branch."""
    for kind, sets in branch_sets:
        ins = {k for k, s in enumerate(sets) if i in s}
        jns = {k for k, s in enumerate(sets) if j in s}
        if ins and jns and not ins & jns:
            return INTERLEAVING if kind in ("parallel", "inclusive") else EXCLUSIVE
    return EXCLUSIVE


def _profile(g: ProcessGraph, nodes: list[Node], index_of: dict[str, int], order: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Behavioural profile from the graph: reachability gives the weak order; two nodes that
    cannot follow each other are interleaving when the nearest split that separates them is
    parallel or inclusive, exclusive otherwise."""
    n = len(nodes)
    all_nodes = list(g.nodes)
    below = _descendant_masks(g, all_nodes, order)
    bit = {x: 1 << k for k, x in enumerate(all_nodes)}
    node_bits = [bit[x.id] for x in nodes]
    reach = np.array([[bool(below[x.id] & b) for b in node_bits] for x in nodes], dtype=bool).reshape(n, n)
    profile = np.zeros((n, n), dtype=np.int8)
    fwd = reach & ~reach.T
    profile[fwd] = ORDER
    profile[fwd.T] = REVERSE
    both = reach & reach.T
    profile[both] = INTERLEAVING
    neither = ~reach & ~reach.T
    if neither.any():
        rank = {x: k for k, x in enumerate(order)}
        splits = [
            x for x in all_nodes
            if g.out_degree(x) > 1 and g.nodes[x].get("type") in ("gateway", "task", "event", "start")
        ]
        splits.sort(key=lambda x: rank.get(x, 10**9), reverse=True)  # nearest (latest) first
        branch_sets: list[tuple[str, list[set[int]]]] = []
        for sp in splits:
            step = g.nodes[sp].get("step")
            kind = step.gateway if step is not None and step.gateway else "parallel"
            sets: list[set[int]] = []
            for t in g.successors(sp):
                reached = bit[t] | below[t]  # t and all it leads to
                sets.append({k for k, b in enumerate(node_bits) if reached & b})
            branch_sets.append((kind, sets))
        for i, j in np.argwhere(neither).tolist():  # row-major, as a double loop visits them
            if i == j or profile[i, j]:
                continue
            profile[i, j] = profile[j, i] = branch_relation(i, j, branch_sets)
    for i in range(n):
        profile[i, i] = INTERLEAVING if reach[i, i] else EXCLUSIVE
    return reach, profile
