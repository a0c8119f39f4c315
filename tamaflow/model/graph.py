"""The networkx view of a process: the one graph every analysis and renderer reads.

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

The graph queries every analysis shares (start/end nodes, reachability, dominators) live here
too, so that the checks, the variant comparison and the score agree on them by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from .process import END, START, Process, Step


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


def to_graph(process: Process) -> nx.DiGraph:
    """Build the DiGraph. Dangling targets are kept as nodes of type `missing`, so that checks
    can report them instead of the graph silently dropping a flow."""
    g = nx.DiGraph(process=process.process, city=process.city, name=process.name)
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


def start_nodes(g: nx.DiGraph) -> list[str]:
    """The start node(s): `_start`, or the first step when it is `event: start`."""
    return [n for n, t in g.nodes(data="type") if t == "start"]


def end_nodes(g: nx.DiGraph) -> list[str]:
    """The end node(s): `_end` and every `event: end` step."""
    return [n for n, t in g.nodes(data="type") if t == "end"]


# The algorithms below are the textbook ones, written against networkx's adjacency views: called
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


def descendants(g: nx.DiGraph, node: str) -> set[str]:
    """Nodes reachable from `node` by at least one flow (`node` itself only when on a loop),
    like `nx.descendants` but cheaper per call."""
    return reachable_from(g.succ, g.succ[node])


def reachable_from_start(g: nx.DiGraph) -> set[str]:
    """Nodes reachable from the start(s), computed once per graph (several rules ask)."""
    reach: set[str] | None = g.graph.get("_tamaflow_reachable")
    if reach is None:
        reach = reachable_from(g.succ, start_nodes(g))
        g.graph["_tamaflow_reachable"] = reach
    return reach


def immediate_dominators(g: nx.DiGraph, start: str) -> dict[str, str]:
    """Immediate dominator of every node reachable from `start` (start → start), by the
    iterative algorithm of Cooper, Harvey and Kennedy (2001), like `nx.immediate_dominators`
    (which, from networkx 3.5, leaves the start out).

    Examples
    --------
    >>> g = nx.DiGraph([("s", "a"), ("s", "b"), ("a", "j"), ("b", "j")])
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
