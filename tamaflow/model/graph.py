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
"""

from __future__ import annotations

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
    return [n for n, t in g.nodes(data="type") if t == "start"]


def end_nodes(g: nx.DiGraph) -> list[str]:
    return [n for n, t in g.nodes(data="type") if t == "end"]
