"""The flow graph of a process: the one graph every analysis and renderer reads.

Flow rules (the format's contract, see docs/format.md):
- a task or event flows to `next` if given, else ends if `end: true` (or it is an `event: end`),
  else flows to the following step in the list; the last step flows to the end;
- a splitting gateway flows along its `branches`;
- a joining gateway (`join: true`) flows to `next` or the following step;
- the implicit start `_start` flows to the first step, unless the first step is `event: start`,
  which then is the start node itself.

Nodes carry `type` (start | end | task | gateway | event), `name`, `lane`, `step` (the Step, or
None for the implicit start/end). Edges carry `when`, `share`, `default` and `order` (the
position of the branch, for deterministic output).

`build_graph` returns it as a `ProcessGraph` (plain adjacency dicts); `to_graph` as a networkx
DiGraph with the same nodes, edges, attributes and order, for the analyses that use networkx's
algorithms. The checks read the `ProcessGraph`, so that `tamaflow validate` never imports
networkx (about 95 ms, more than the rest of its start-up; issue 10).

The graph queries every analysis shares (start/end nodes, reachability, dominators) live here
too, so that the checks, the variant comparison and the score agree on them by construction.
They take either graph: both offer `nodes`, `succ`, `pred` and `graph` alike.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .process import END, START, Process, Step

if TYPE_CHECKING:
    import networkx as nx

#: attributes of one node or one edge (see the module docstring for the keys)
Attrs = dict[str, Any]


class GraphView(Protocol):
    """What the shared queries read, in networkx's spelling: node → attributes, node →
    successor → edge attributes, node → predecessor → edge attributes, graph attributes."""

    @property
    def nodes(self) -> Mapping[str, Mapping[str, Any]]: ...

    @property
    def succ(self) -> Mapping[str, Mapping[str, Any]]: ...

    @property
    def pred(self) -> Mapping[str, Mapping[str, Any]]: ...

    @property
    def graph(self) -> dict[str, Any]: ...


class ProcessGraph:
    """A directed graph as adjacency dicts, with the part of networkx's DiGraph interface that the
    checks use and networkx's semantics for it: nodes and edges keep insertion order, an edge to
    an unknown node adds that node, adding an edge or node again updates its attributes, and an
    edge's attribute dict is one object seen from both ends."""

    def __init__(self, **graph: Any) -> None:
        self.graph: dict[str, Any] = dict(graph)
        self.nodes: dict[str, Attrs] = {}
        self.succ: dict[str, dict[str, Attrs]] = {}
        self.pred: dict[str, dict[str, Attrs]] = {}

    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def add_node(self, node: str, **attrs: Any) -> None:
        if node not in self.nodes:
            self.nodes[node] = {}
            self.succ[node] = {}
            self.pred[node] = {}
        self.nodes[node].update(attrs)

    def add_edge(self, source: str, target: str, **attrs: Any) -> None:
        for node in (source, target):
            if node not in self.nodes:
                self.add_node(node)
        data = self.succ[source].get(target, {})
        data.update(attrs)
        self.succ[source][target] = self.pred[target][source] = data

    def successors(self, node: str) -> Iterator[str]:
        """Targets of the flows out of `node`, in the order they were added."""
        return iter(self.succ[node])

    def predecessors(self, node: str) -> Iterator[str]:
        """Sources of the flows into `node`, in the order they were added."""
        return iter(self.pred[node])

    @property
    def edges(self) -> EdgeView:
        """The flows, as networkx's `DiGraph.edges`: (source, target) pairs by source in node
        order, `edges[u, v]` the attributes, `edges(data=True)` (source, target, attributes)."""
        return EdgeView(self.succ)

    def has_edge(self, source: str, target: str) -> bool:
        return target in self.succ.get(source, {})

    def number_of_nodes(self) -> int:
        return len(self.nodes)

    def number_of_edges(self) -> int:
        return sum(len(targets) for targets in self.succ.values())

    def out_degree(self, node: str) -> int:
        return len(self.succ[node])

    def in_degree(self, node: str) -> int:
        return len(self.pred[node])

    def in_edges(self, node: str, data: bool = False) -> list[tuple[Any, ...]]:
        """The flows into `node` in the order they were added: (source, node), with `data`
        (source, node, attributes)."""
        return [(u, node, d) if data else (u, node) for u, d in self.pred[node].items()]

    def out_edges(self, node: str, data: bool = False) -> list[tuple[Any, ...]]:
        """The flows out of `node` in the order they were added: (node, target), with `data`
        (node, target, attributes)."""
        return [(node, v, d) if data else (node, v) for v, d in self.succ[node].items()]

    def to_networkx(self) -> nx.DiGraph:
        """The same graph as a networkx DiGraph: same nodes, edges, attributes and order."""
        import networkx as nx

        g = nx.DiGraph(**self.graph)
        g.add_nodes_from((n, dict(attrs)) for n, attrs in self.nodes.items())
        g.add_edges_from((u, v, dict(data)) for u, v, data in self.edges(data=True))
        return g


class EdgeView:
    """`ProcessGraph.edges`: the part of networkx's OutEdgeView the analyses use."""

    def __init__(self, succ: dict[str, dict[str, Attrs]]) -> None:
        self._succ = succ

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for source, targets in self._succ.items():
            for target in targets:
                yield source, target

    def __len__(self) -> int:
        return sum(len(targets) for targets in self._succ.values())

    def __contains__(self, edge: object) -> bool:
        return isinstance(edge, tuple) and len(edge) == 2 and edge[1] in self._succ.get(edge[0], {})

    def __getitem__(self, edge: tuple[str, str]) -> Attrs:
        source, target = edge
        return self._succ[source][target]

    def __call__(self, data: bool = False) -> Iterator[tuple[Any, ...]]:
        for source, targets in self._succ.items():
            for target, attrs in targets.items():
                yield (source, target, attrs) if data else (source, target)


def successors(process: Process, index: int) -> list[tuple[str, dict[str, object]]]:
    """Outgoing flows of step `index` as (target id, edge attributes), in written order."""
    steps = process.steps
    step = steps[index]
    following = steps[index + 1].id if index + 1 < len(steps) else END
    if step.is_gateway and not step.join and step.branches:
        return [
            (b.to, {"when": b.when, "share": b.share, "default": b.default, "order": i})
            for i, b in enumerate(step.branches)
        ]
    if step.event == "end":
        return []
    if step.next is not None:
        return [(step.next, {"order": 0})]
    if step.end:
        return [(END, {"order": 0})]
    return [(following, {"order": 0})]


def node_type(step: Step) -> str:
    if step.is_gateway:
        return "gateway"
    if step.event == "start":
        return "start"
    if step.event == "end":
        return "end"
    if step.is_event:
        return "event"
    return "task"


def build_graph(process: Process) -> ProcessGraph:
    """Build the flow graph. Dangling targets are kept as nodes of type `missing`, so that checks
    can report them instead of the graph silently dropping a flow."""
    g = ProcessGraph(process=process.process, city=process.city, name=process.name)
    steps = process.steps
    explicit_start = bool(steps) and steps[0].event == "start"
    if not explicit_start:
        g.add_node(START, type="start", name="", lane=None, step=None)
        if steps:
            g.add_edge(START, steps[0].id, order=0)
        else:
            g.add_edge(START, END, order=0)
    for s in steps:
        g.add_node(s.id, type=node_type(s), name=s.name, lane=s.lane, step=s)
    uses_end = False
    for i, s in enumerate(steps):
        for target, attrs in successors(process, i):
            if target == END:
                uses_end = True
            elif target not in g:
                g.add_node(target, type="missing", name="", lane=None, step=None)
            g.add_edge(s.id, target, **attrs)
    if uses_end or not steps:
        g.add_node(END, type="end", name="", lane=None, step=None)
    return g


def to_graph(process: Process) -> nx.DiGraph:
    """`build_graph` as a networkx DiGraph, for the analyses that use networkx's algorithms."""
    return build_graph(process).to_networkx()


def start_nodes(g: GraphView) -> list[str]:
    """The start node(s): `_start`, or the first step when it is `event: start`."""
    return [n for n, attrs in g.nodes.items() if attrs.get("type") == "start"]


def end_nodes(g: GraphView) -> list[str]:
    """The end node(s): `_end` and every `event: end` step."""
    return [n for n, attrs in g.nodes.items() if attrs.get("type") == "end"]


# The algorithms below are the textbook ones, written against the adjacency views: called
# once per validated file, networkx's own versions spent more time in their dispatch layer than
# in the search (tests/test_fuzz.py checks them against networkx).

def reachable_from(adjacency: Mapping[str, Iterable[str]], sources: Iterable[str]) -> set[str]:
    """Every node reachable from `sources` (included) along `adjacency`: `g.succ` walks the
    flow forwards (descendants), `g.pred` backwards (ancestors)."""
    seen = set(sources)
    todo = list(seen)
    while todo:
        for m in adjacency[todo.pop()]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


def descendants(g: GraphView, node: str) -> set[str]:
    """Nodes reachable from `node` by at least one flow (`node` itself only when on a loop),
    like `nx.descendants` but cheaper per call."""
    return reachable_from(g.succ, g.succ[node])


def first_reached(g: GraphView, starts: Iterable[str], stop: Callable[[str], bool], *, forward: bool = True,
                  exclude: Iterable[str] = ()) -> list[str]:
    """Where walks from `starts` first meet a node for which `stop` holds, in breadth-first
    order, each node once. A walk goes on through the other nodes (routing gateways, unlabelled
    events) and never enters `exclude`. The starts themselves are tested too.

    Compare uses it to find a step's nearest steps that matter across the routing between them,
    and whether a decision's other branch leads straight past a step."""
    adjacency = g.succ if forward else g.pred
    found: list[str] = []
    seen = set(exclude)
    queue = deque(starts)
    while queue:
        y = queue.popleft()
        if y in seen:
            continue
        seen.add(y)
        if stop(y):
            found.append(y)
            continue
        queue.extend(adjacency[y])
    return found


def reachable_from_start(g: GraphView) -> set[str]:
    """Nodes reachable from the start(s), computed once per graph (several rules ask)."""
    reach: set[str] | None = g.graph.get("_tamaflow_reachable")
    if reach is None:
        reach = reachable_from(g.succ, start_nodes(g))
        g.graph["_tamaflow_reachable"] = reach
    return reach


def immediate_dominators(g: GraphView, start: str) -> dict[str, str]:
    """Immediate dominator of every node reachable from `start` (start → start), by the
    iterative algorithm of Cooper, Harvey and Kennedy (2001), like `nx.immediate_dominators`
    (which, from networkx 3.5, leaves the start out).

    Examples
    --------
    >>> g = ProcessGraph()
    >>> for u, v in [("s", "a"), ("s", "b"), ("a", "j"), ("b", "j")]:
    ...     g.add_edge(u, v)
    >>> immediate_dominators(g, "s")["j"]
    's'
    """
    succ, pred = g.succ, g.pred
    post: list[str] = []
    seen = {start}
    stack = [(start, iter(succ[start]))]
    while stack:
        node, it = stack[-1]
        for m in it:
            if m not in seen:
                seen.add(m)
                stack.append((m, iter(succ[m])))
                break
        else:
            stack.pop()
            post.append(node)
    order = post[::-1]  # reverse postorder
    rank = {n: i for i, n in enumerate(order)}
    idom = {start: start}
    changed = True
    while changed:
        changed = False
        for n in order[1:]:
            new: str | None = None
            for p in pred[n]:
                if p not in idom:
                    continue
                if new is None:
                    new = p
                    continue
                a, b = p, new
                while a != b:
                    while rank[a] > rank[b]:
                        a = idom[a]
                    while rank[b] > rank[a]:
                        b = idom[b]
                new = a
            if new is not None and idom.get(n) != new:
                idom[n] = new
                changed = True
    return idom
