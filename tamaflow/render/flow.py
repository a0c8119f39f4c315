"""The BPMN-ready flow of a process: the nodes and sequence flows a BPMN file needs, and the
order-based facts (back edges, columns) that every drawing of it shares.

`build_flow(process)` differs from `model.graph.to_graph` where BPMN tools insist: the implicit
end becomes one end event per predecessor (an event with several incoming flows is a bpmnlint
`fake-join`), and where several flows meet at a task, an event or a splitting gateway an
exclusive merge gateway `_merge_<step>` is inserted (bpmnlint `fake-join` and
`no-gateway-join-fork`). Ids are stable: a step keeps its id (prefixed with `_` when it is not
an XML NCName, e.g. starts with a digit); generated elements start with `_`, which step ids never
do, so they cannot collide. Coordinates are filled in later by `layout.py`.

Pure functions of the model: no I/O, no lxml, nothing from compare/score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model.graph import node_type, to_graph
from ..model.ids import claim_id
from ..model.process import END, START, Branch, Process, Step

START_LABEL = "開始"
END_LABEL = "終了"

NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(slots=True)
class Bounds:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2

    def overlaps(self, other: Bounds) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom


@dataclass(slots=True)
class FlowNode:
    """One BPMN flow node. `origin` says where it comes from: `step` (a YAML step),
    `start`/`end` (the implicit start and end events) or `merge` (an inserted converging
    gateway)."""

    id: str
    kind: str  # task | gateway | start | end | event
    name: str
    lane: str | None  # YAML lane id after resolution (for drawing); the step's own lane is step.lane
    origin: str
    step: Step | None = None
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    default_flow: str | None = None
    bounds: Bounds = field(default_factory=lambda: Bounds(0, 0, 0, 0))
    label: Bounds | None = None
    #: the external label's lines as the layout wrapped them into `label`
    label_lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FlowEdge:
    """One sequence flow. `branch` is the YAML branch it draws (None for plain flows);
    `step_source`/`step_target` are the YAML step ids it connects in the model graph (`_start`
    / `_end` for the implicit events), which differ from source/target when a merge gateway was
    inserted."""

    id: str
    source: str
    target: str
    step_source: str
    step_target: str
    name: str = ""
    condition: str | None = None
    default: bool = False
    branch: Branch | None = None
    branch_index: int | None = None
    waypoints: list[tuple[int, int]] = field(default_factory=list)
    label: Bounds | None = None
    label_lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LaneBox:
    id: str | None  # YAML lane id; None for the single band of a process without lanes
    bpmn_id: str
    name: str
    bounds: Bounds = field(default_factory=lambda: Bounds(0, 0, 0, 0))
    nodes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Flow:
    """A process as BPMN nodes and flows, in the fixed order they are written."""

    process: Process
    nodes: list[FlowNode]
    edges: list[FlowEdge]
    lanes: list[LaneBox]
    step_ids: dict[str, str]  # YAML step id → BPMN id
    ids: IdRegistry
    pool: Bounds = field(default_factory=lambda: Bounds(0, 0, 0, 0))

    def node_map(self) -> dict[str, FlowNode]:
        return {n.id: n for n in self.nodes}


class IdRegistry:
    """Hands out unique XML ids deterministically: the wanted id, or the wanted id + `_2`, `_3`…"""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def claim(self, wanted: str) -> str:
        base = wanted if NCNAME.match(wanted) else "_" + re.sub(r"[^A-Za-z0-9_.-]", "_", wanted)
        return claim_id(base, self.used)


def bpmn_id_for_step(step_id: str) -> str:
    """The BPMN id a step gets (before uniqueness): itself, or `_` + itself if not an NCName."""
    return step_id if NCNAME.match(step_id) else "_" + step_id


def build_flow(process: Process) -> Flow:
    """Nodes and flows for BPMN, with merge gateways and end events added (see module doc)."""
    g = to_graph(process)
    ids = IdRegistry()
    steps = process.steps
    step_bpmn: dict[str, str] = {}
    # step ids first, so they keep their own id even when a generated name would want it
    for s in steps:
        step_bpmn[s.id] = ids.claim(bpmn_id_for_step(s.id))

    lane_ids = [lane.id for lane in process.lanes]
    # merges are needed where several flows meet at anything but a joining gateway
    needs_merge: set[str] = set()
    for s in steps:
        if s.id in g and g.in_degree(s.id) > 1 and not (s.is_gateway and s.join):
            needs_merge.add(s.id)

    nodes: list[FlowNode] = []
    merge_of: dict[str, str] = {}
    end_of: dict[str, str] = {}
    if START in g:
        nodes.append(FlowNode(ids.claim("_start"), "start", START_LABEL, None, "start"))
    for s in steps:
        if s.id in needs_merge:
            mid = ids.claim(f"_merge_{s.id}")
            merge_of[s.id] = mid
            nodes.append(FlowNode(mid, "gateway", "", s.lane, "merge"))
        kind = node_type(s)
        name = s.name or ("" if s.is_gateway and (s.join or s.gateway == "parallel") else s.id)
        nodes.append(FlowNode(step_bpmn[s.id], kind, name, s.lane, "step", s))
        if g.has_edge(s.id, END):
            eid = ids.claim(f"_end_{s.id}")
            end_of[s.id] = eid
            nodes.append(FlowNode(eid, "end", END_LABEL, s.lane, "end"))
    if START in g and g.has_edge(START, END):  # a process without steps
        end_of[START] = ids.claim("_end")
        nodes.append(FlowNode(end_of[START], "end", END_LABEL, None, "end"))

    by_id = {n.id: n for n in nodes}
    start_id = nodes[0].id if nodes and nodes[0].origin == "start" else None
    edges: list[FlowEdge] = []
    steps_by_id = process.step_map()

    def bpmn_of(node: str) -> str:
        if node == START:
            assert start_id is not None
            return start_id
        return step_bpmn[node]

    def add_edge(src: str, tgt: str, step_src: str, step_tgt: str, attrs: dict[str, object]) -> None:
        eid = ids.claim(f"_flow_{src.lstrip('_')}_{tgt.lstrip('_')}")
        e = FlowEdge(eid, src, tgt, step_src, step_tgt)
        src_step = steps_by_id.get(step_src)
        if src_step is not None and src_step.is_gateway and not src_step.join and src_step.branches:
            idx = int(attrs.get("order", 0))  # type: ignore[call-overload]
            b = src_step.branches[idx]
            e.branch, e.branch_index = b, idx
            e.default = b.default
            if src_step.gateway != "parallel":
                conditional = any(x.when or x.default for x in src_step.branches)
                if b.when:
                    e.condition = b.when
                    e.name = b.when
                elif conditional and not b.default:
                    # bpmnlint conditional-flows: every branch of a conditional split needs a
                    # condition; name it after where it goes, the analyst left it unnamed
                    tname = steps_by_id[step_tgt].name if step_tgt in steps_by_id else ""
                    e.condition = f"→ {tname or step_tgt}"
                    e.name = e.condition
        edges.append(e)
        by_id[src].outgoing.append(eid)
        by_id[tgt].incoming.append(eid)
        if e.default:
            by_id[src].default_flow = eid

    # fixed order: by source in written order, then branch order; a merge's own flow follows it
    sources = ([START] if START in g else []) + [s.id for s in steps]
    for src in sources:
        if src != START and src in merge_of:
            add_edge(merge_of[src], step_bpmn[src], src, src, {"order": 0})
        succ = sorted(g.out_edges(src, data=True), key=lambda e: int(e[2].get("order", 0)))
        for _, tgt, attrs in succ:
            if tgt == END:
                add_edge(bpmn_of(src), end_of[src], src, END, attrs)
            elif tgt in merge_of:
                add_edge(bpmn_of(src), merge_of[tgt], src, tgt, attrs)
            elif tgt in step_bpmn:
                add_edge(bpmn_of(src), step_bpmn[tgt], src, tgt, attrs)

    _resolve_lanes(nodes, edges, lane_ids)
    lanes: list[LaneBox] = []
    if process.lanes:
        for lane in process.lanes:
            lanes.append(LaneBox(lane.id, ids.claim(f"_lane_{lane.id}"), lane.name))
    else:
        lanes.append(LaneBox(None, "", ""))
    lane_index = {lb.id: i for i, lb in enumerate(lanes)}
    for n in nodes:
        lanes[lane_index.get(n.lane, 0)].nodes.append(n.id)
    return Flow(process, nodes, edges, lanes, step_bpmn, ids)


def _resolve_lanes(nodes: list[FlowNode], edges: list[FlowEdge], lane_ids: list[str]) -> None:
    """Give every node a lane to be drawn in: its own; else its first predecessor's; else its
    first successor's; else the first lane. Gateways and implicit events are often unlaned."""
    if not lane_ids:
        for n in nodes:
            n.lane = None
        return
    by_id = {n.id: n for n in nodes}
    edge_by_id = {e.id: e for e in edges}
    known = set(lane_ids)
    for n in nodes:
        if n.lane not in known:
            n.lane = None

    def borrow(n: FlowNode, neighbours: list[str]) -> bool:
        """Take the lane of the first laned neighbour; say whether one was found."""
        for nid in neighbours:
            if by_id[nid].lane is not None:
                n.lane = by_id[nid].lane
                return True
        return False

    changed = True
    while changed:  # propagate forward, then backward, until stable (few passes in practice)
        changed = False
        for n in nodes:
            if n.lane is None and borrow(n, [edge_by_id[fid].source for fid in n.incoming]):
                changed = True
        for n in reversed(nodes):
            if n.lane is None and borrow(n, [edge_by_id[fid].target for fid in n.outgoing]):
                changed = True
    for n in nodes:
        if n.lane is None:
            n.lane = lane_ids[0]


def dfs_order(flow: Flow) -> tuple[set[str], list[str]]:
    """Depth-first search in written order from the start: the back edges (loops) and a
    topological order of the rest."""
    by_id = {n.id: n for n in flow.nodes}
    edge_by_id = {e.id: e for e in flow.edges}
    back: set[str] = set()
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    postorder: list[str] = []
    roots = [n.id for n in flow.nodes if not n.incoming] + [n.id for n in flow.nodes]
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            nid, i = stack[-1]
            out = by_id[nid].outgoing
            if i < len(out):
                stack[-1] = (nid, i + 1)
                e = edge_by_id[out[i]]
                st = state.get(e.target)
                if st == 1:
                    back.add(e.id)
                elif st is None:
                    state[e.target] = 1
                    stack.append((e.target, 0))
            else:
                state[nid] = 2
                postorder.append(nid)
                stack.pop()
    return back, list(reversed(postorder))


def longest_path_layers(flow: Flow, back: set[str], topo: list[str]) -> dict[str, int]:
    """Longest-path layering over the forward flows: a node's column is one more than the
    furthest of its predecessors."""
    by_id = {n.id: n for n in flow.nodes}
    edge_by_id = {e.id: e for e in flow.edges}
    layer: dict[str, int] = {}
    for nid in topo:
        lv = 0
        for fid in by_id[nid].incoming:
            if fid not in back:
                lv = max(lv, layer[edge_by_id[fid].source] + 1)
        layer[nid] = lv
    return layer


def layer_of(flow: Flow) -> dict[str, int]:
    """Column (layer) of every node, as the layout places them."""
    back, topo = dfs_order(flow)
    return longest_path_layers(flow, back, topo)


def back_edges(flow: Flow) -> set[str]:
    """Ids of the flows that go back (rework loops), as the layout sees them."""
    return dfs_order(flow)[0]
