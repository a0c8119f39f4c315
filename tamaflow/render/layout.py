"""BPMN-ready flow and its diagram layout: layered, left to right, with horizontal swimlanes.

Two stages, both pure functions of the model (no I/O, no lxml, nothing from compare/score):

1. `build_flow(process)` turns the YAML process into the nodes and sequence flows a BPMN file
   needs. It differs from `model.graph.to_graph` where BPMN tools insist: the implicit end
   becomes one end event per predecessor (an event with several incoming flows is a bpmnlint
   `fake-join`), and where several flows meet at a task, an event or a splitting gateway an
   exclusive merge gateway `_merge_<step>` is inserted (bpmnlint `fake-join` and
   `no-gateway-join-fork`). Ids are stable: a step keeps its id (prefixed with `_` when it is
   not an XML NCName, e.g. starts with a digit); generated elements start with `_`, which step
   ids never do, so they cannot collide.
2. `layout(flow)` places every node (Sugiyama style): depth-first search in written order finds
   the back edges (rework loops), longest-path layering gives the columns, long edges get dummy
   slots so they never run through a shape, and rows are assigned inside each lane band. Edges
   get orthogonal waypoints; loops run below the rows in the margin between rows, where no shape
   can be. Everything is integer and ordered, so the same process gives the same coordinates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TypeVar

from ..model.graph import node_type, to_graph
from ..model.process import END, START, Branch, Process, Step

# ----- sizes (pixels, bpmn-js conventions) ------------------------------------------------------
TASK_W, TASK_H = 100, 80
GATEWAY_W = GATEWAY_H = 50
EVENT_W = EVENT_H = 36
POOL_LABEL = 30  # the vertical strip with the pool name
LANE_LABEL = 30  # the vertical strip with each lane name
LANE_PAD = 10  # free space above the first and below the last row of a lane
ROW_MARGIN = 25  # free space above and below the tallest shape in a row
GAP = 60  # horizontal gap between columns
GAP_LABELLED = 110  # after a column holding a split with labelled branches
LEFT_MARGIN = 40  # from the lane label strip to the first column
RIGHT_MARGIN = 60
ORIGIN_X, ORIGIN_Y = 20, 20
LABEL_MAX_W = 90
LINE_H = 14

START_LABEL = "開始"
END_LABEL = "終了"

NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def text_width(text: str) -> int:
    """Approximate width at bpmn-js' 11 px label font: wide (CJK) characters ≈ 11 px, others ≈ 6.5."""
    w = 0.0
    for ch in text:
        w += 11.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 6.5
    return int(w + 0.5)


def label_size(text: str, max_w: int = LABEL_MAX_W) -> tuple[int, int]:
    """Width and height of a wrapped external label."""
    w = text_width(text)
    if w <= max_w:
        return max(w, 10), LINE_H
    lines = -(-w // max_w)
    return max_w, LINE_H * lines


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

    def contains(self, other: Bounds) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom


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

    def edge_map(self) -> dict[str, FlowEdge]:
        return {e.id: e for e in self.edges}


class IdRegistry:
    """Hands out unique XML ids deterministically: the wanted id, or the wanted id + `_2`, `_3`…"""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def claim(self, wanted: str) -> str:
        base = wanted if NCNAME.match(wanted) else "_" + re.sub(r"[^A-Za-z0-9_.-]", "_", wanted)
        out, n = base, 1
        while out in self.used:
            n += 1
            out = f"{base}_{n}"
        self.used.add(out)
        return out


def bpmn_id_for_step(step_id: str) -> str:
    """The BPMN id a step gets (before uniqueness): itself, or `_` + itself if not an NCName."""
    return step_id if NCNAME.match(step_id) else "_" + step_id


def _task_height(name: str) -> int:
    """Tasks grow taller when their name needs more than four lines inside the 100 px box."""
    lines = -(-text_width(name) // (TASK_W - 10)) if name else 1
    return max(TASK_H, lines * LINE_H + 24)


# ===== stage 1: the BPMN flow ====================================================================
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
    changed = True
    while changed:  # propagate forward, then backward, until stable (few passes in practice)
        changed = False
        for n in nodes:
            if n.lane is None:
                for fid in n.incoming:
                    pl = by_id[edge_by_id[fid].source].lane
                    if pl is not None:
                        n.lane, changed = pl, True
                        break
        for n in reversed(nodes):
            if n.lane is None:
                for fid in n.outgoing:
                    sl = by_id[edge_by_id[fid].target].lane
                    if sl is not None:
                        n.lane, changed = sl, True
                        break
    for n in nodes:
        if n.lane is None:
            n.lane = lane_ids[0]


def _dfs(flow: Flow) -> tuple[set[str], list[str]]:
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


def _layers(flow: Flow, back: set[str], topo: list[str]) -> dict[str, int]:
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
    back, topo = _dfs(flow)
    return _layers(flow, back, topo)


def back_edges(flow: Flow) -> set[str]:
    """Ids of the flows that go back (rework loops), as the layout sees them."""
    return _dfs(flow)[0]


# ===== stage 2: coordinates =======================================================================
@dataclass(slots=True)
class _Item:
    """A slot in the grid: a real node or a dummy carrying a long edge through a column."""

    key: str
    layer: int
    lane: int
    order: int
    parent: str | None = None  # item whose row this one prefers
    parent_rank: int = 0
    row: int = 0
    node: FlowNode | None = None


def _size(n: FlowNode) -> tuple[int, int]:
    if n.kind == "task":
        return TASK_W, _task_height(n.name)
    if n.kind == "gateway":
        return GATEWAY_W, GATEWAY_H
    return EVENT_W, EVENT_H


def layout(flow: Flow) -> Flow:
    """Fill in bounds, waypoints and label bounds (in place; returns the flow for chaining)."""
    nodes, edges = flow.nodes, flow.edges
    if not nodes:
        return flow
    by_id = {n.id: n for n in nodes}
    edge_by_id = {e.id: e for e in edges}
    lane_index = {lb.id: i for i, lb in enumerate(flow.lanes)}

    back, topo = _dfs(flow)
    dfs_rank = {nid: i for i, nid in enumerate(topo)}

    layer = _layers(flow, back, topo)

    # --- grid items: nodes plus dummies on long forward edges ---------------------------------
    items: dict[str, _Item] = {}
    chains: dict[str, list[str]] = {}  # edge id → item keys from source to target
    for nid in topo:
        n = by_id[nid]
        items[nid] = _Item(nid, layer[nid], lane_index.get(n.lane, 0), dfs_rank[nid], node=n)
    for e in edges:
        if e.id in back:
            continue
        ls, lt = layer[e.source], layer[e.target]
        chain = [e.source]
        src_item = items[e.source]
        rank = by_id[e.source].outgoing.index(e.id)
        for k in range(ls + 1, lt):
            key = f"{e.id}#{k}"
            items[key] = _Item(key, k, src_item.lane, src_item.order, chain[-1], rank)
            chain.append(key)
        chain.append(e.target)
        chains[e.id] = chain
    # parent of a real node: its first forward predecessor (in flow order)
    for nid in topo:
        n = by_id[nid]
        for fid in n.incoming:
            if fid in back:
                continue
            chain = chains[fid]
            items[nid].parent = chain[-2]
            items[nid].parent_rank = by_id[edge_by_id[fid].source].outgoing.index(fid)
            break

    # --- rows, layer by layer ----------------------------------------------------------------
    by_layer: dict[int, list[_Item]] = {}
    for it in items.values():
        by_layer.setdefault(it.layer, []).append(it)
    n_layers = max(by_layer) + 1
    lane_rows = [1] * len(flow.lanes)
    for k in range(n_layers):
        taken: set[tuple[int, int]] = set()

        def pref(it: _Item) -> int:
            if it.parent is None:
                return 0
            p = items[it.parent]
            return p.row if p.lane == it.lane else 0

        layer_items = sorted(by_layer.get(k, []), key=lambda it: (it.lane, pref(it), it.parent_rank, it.order, it.key))
        for it in layer_items:
            r = pref(it)
            while (it.lane, r) in taken:
                r += 1
            it.row = r
            taken.add((it.lane, r))
            lane_rows[it.lane] = max(lane_rows[it.lane], r + 1)

    # --- sizes and coordinates ---------------------------------------------------------------
    sizes = {n.id: _size(n) for n in nodes}
    tallest = max(h for _, h in sizes.values())
    row_h = tallest + 2 * ROW_MARGIN
    col_w = [EVENT_W] * n_layers
    labelled_split = [False] * n_layers
    for n in nodes:
        k = layer[n.id]
        col_w[k] = max(col_w[k], sizes[n.id][0])
        if n.kind == "gateway" and len(n.outgoing) > 1 and any(edge_by_id[f].name for f in n.outgoing):
            labelled_split[k] = True
    gaps = [GAP_LABELLED if labelled_split[k] else GAP for k in range(n_layers)]
    content_x = ORIGIN_X + POOL_LABEL + LANE_LABEL
    col_x: list[int] = []
    x = content_x + LEFT_MARGIN
    for k in range(n_layers):
        col_x.append(x)
        x += col_w[k] + gaps[k]
    pool_right = x - gaps[-1] + RIGHT_MARGIN

    lane_top: list[int] = []
    y = ORIGIN_Y
    for i, _lb in enumerate(flow.lanes):
        lane_top.append(y)
        y += lane_rows[i] * row_h + 2 * LANE_PAD
    pool_bottom = y

    def row_cy(lane: int, row: int) -> int:
        return lane_top[lane] + LANE_PAD + row * row_h + row_h // 2

    def row_bottom(lane: int, row: int) -> int:
        return lane_top[lane] + LANE_PAD + (row + 1) * row_h

    for n in nodes:
        it = items[n.id]
        w, h = sizes[n.id]
        cx = col_x[it.layer] + col_w[it.layer] // 2
        cy = row_cy(it.lane, it.row)
        n.bounds = Bounds(cx - w // 2, cy - h // 2, w, h)

    flow.pool = Bounds(ORIGIN_X, ORIGIN_Y, pool_right - ORIGIN_X, pool_bottom - ORIGIN_Y)
    for i, lb in enumerate(flow.lanes):
        h = lane_rows[i] * row_h + 2 * LANE_PAD
        lb.bounds = Bounds(ORIGIN_X + POOL_LABEL, lane_top[i], pool_right - ORIGIN_X - POOL_LABEL, h)

    # occupancy of each column, for "is the way straight up/down free?"
    occupied: dict[int, list[tuple[int, int]]] = {}
    for it in items.values():
        if it.node is not None:
            b = it.node.bounds
            occupied.setdefault(it.layer, []).append((b.y, b.bottom))
        else:
            cy = row_cy(it.lane, it.row)
            occupied.setdefault(it.layer, []).append((cy - 2, cy + 2))

    def column_free(k: int, y1: int, y2: int, skip: Bounds) -> bool:
        lo, hi = min(y1, y2), max(y1, y2)
        for a, b in occupied.get(k, []):
            if (a, b) == (skip.y, skip.bottom):
                continue
            if a < hi and lo < b:
                return False
        return True

    gap_use: dict[int, int] = {}  # gap index (after column k; -1 = before the first) → uses

    def gap_x(k: int) -> int:
        """An x for a vertical segment in the gap after column k, staggered per use."""
        used = gap_use.get(k, 0)
        gap_use[k] = used + 1
        if k < 0:
            left, width = content_x, LEFT_MARGIN
        elif k >= n_layers - 1:
            left, width = col_x[k] + col_w[k], RIGHT_MARGIN
        else:
            left, width = col_x[k] + col_w[k], gaps[k]
        step = 8
        slots = max(1, (width - 16) // step)
        return left + 12 + step * (used % slots)

    loop_use: dict[tuple[int, int], int] = {}
    corners: set[tuple[str, str]] = set()  # (node, top|bottom) corners of diamonds already in use

    def corner_free(n: FlowNode, side: str, leaving: bool) -> bool:
        """Splits are left and joins entered through a top/bottom corner, once per corner."""
        if n.kind != "gateway" or (n.id, side) in corners:
            return False
        return len(n.outgoing) > 1 if leaving else len(n.outgoing) <= 1

    for e in edges:
        s, t = by_id[e.source], by_id[e.target]
        sb, tb = s.bounds, t.bounds
        pts: list[tuple[int, int]]
        if e.id in back:
            lo_s, lo_t = items[s.id], items[t.id]
            lower = max((lo_s.lane, lo_s.row), (lo_t.lane, lo_t.row))
            n_use = loop_use.get(lower, 0)
            loop_use[lower] = n_use + 1
            yc = row_bottom(*lower) - 6 - 6 * (n_use % max(1, (ROW_MARGIN - 8) // 6))
            ks, kt = layer[s.id], layer[t.id]
            pts = []
            if corner_free(s, "bottom", True) and column_free(ks, sb.bottom, yc, sb):
                corners.add((s.id, "bottom"))
                pts += [(sb.cx, sb.bottom), (sb.cx, yc)]
            else:
                xs = gap_x(ks)
                pts += [(sb.right, sb.cy), (xs, sb.cy), (xs, yc)]
            if corner_free(t, "bottom", False) and column_free(kt, tb.bottom, yc, tb):
                corners.add((t.id, "bottom"))
                pts += [(tb.cx, yc), (tb.cx, tb.bottom)]
            else:
                xt = gap_x(kt - 1)
                pts += [(xt, yc), (xt, tb.cy), (tb.x, tb.cy)]
        else:
            chain = chains[e.id]
            ys = [sb.cy] + [row_cy(items[c].lane, items[c].row) for c in chain[1:-1]] + [tb.cy]
            ks = layer[s.id]
            pts = []
            first = 0
            side = "top" if ys[1] < sb.cy else "bottom"
            if ys[1] != sb.cy and corner_free(s, side, True) and column_free(ks, sb.cy, ys[1], sb):
                # leave a split through the diamond's top or bottom corner, BPMN style
                corners.add((s.id, side))
                yedge = sb.y if ys[1] < sb.cy else sb.bottom
                pts += [(sb.cx, yedge), (sb.cx, ys[1])]
                first = 1
            else:
                pts.append((sb.right, sb.cy))
            for hop in range(first, len(ys) - 1):
                y1, y2 = ys[hop], ys[hop + 1]
                if y1 == y2:
                    continue
                k = ks + hop
                last = hop == len(ys) - 2
                side = "top" if y1 < tb.cy else "bottom"
                if last and corner_free(t, side, False) and column_free(k + 1, y1, tb.cy, tb):
                    # enter a join through its top or bottom corner
                    corners.add((t.id, side))
                    pts += [(tb.cx, y1), (tb.cx, tb.y if y1 < tb.cy else tb.bottom)]
                    break
                xg = gap_x(k)
                pts += [(xg, y1), (xg, y2)]
            else:
                pts.append((tb.x, tb.cy))
        e.waypoints = _clean(pts)

    _place_labels(flow, by_id)
    return flow


def _clean(pts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop repeated points and middle points of straight runs."""
    out: list[tuple[int, int]] = []
    for p in pts:
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            if (a[0] == b[0] == p[0]) or (a[1] == b[1] == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return out


def _place_labels(flow: Flow, by_id: dict[str, FlowNode]) -> None:
    """External labels, each at the first of a few candidate spots that covers the fewest
    shapes, then other labels, then flow lines: conditions beside the first segment after the
    split (right, else left of it; above, else below it), events below (else above) their circle, named
    gateways above-left (else below-left, above-right, below-right) of the diamond."""
    obstacles = _Obstacles(flow)
    # flow labels first: they have fewer good spots than a gateway's name
    for e in flow.edges:
        if not e.name or len(e.waypoints) < 2:
            continue
        (x1, y1), (x2, y2) = e.waypoints[0], e.waypoints[1]
        w, h = label_size(e.name)
        if x1 == x2:  # vertical first segment
            y = y1 + 3 if y2 > y1 else y1 - h - 3
            cands = [Bounds(x1 + 5, y, w, h), Bounds(x1 - 5 - w, y, w, h)]
        else:
            cands = [Bounds(x1 + 5, y1 - h - 3, w, h), Bounds(x1 + 5, y1 + 3, w, h)]
        e.label = obstacles.place(cands, e.source)
    for n in flow.nodes:
        b = n.bounds
        if not n.name or n.kind == "task":
            continue
        w, h = label_size(n.name)
        if n.kind == "gateway":
            cands = [Bounds(b.cx - 6 - w, b.y - h - 2, w, h), Bounds(b.cx - 6 - w, b.bottom + 2, w, h),
                     Bounds(b.cx + 6, b.y - h - 2, w, h), Bounds(b.cx + 6, b.bottom + 2, w, h)]
        else:
            cands = [Bounds(b.cx - w // 2, b.bottom + 5, w, h), Bounds(b.cx - w // 2, b.y - h - 5, w, h)]
        n.label = obstacles.place(cands, n.id)


_T = TypeVar("_T")


class _Obstacles:
    """Shapes, placed labels and flow segments, bucketed by 200 px columns for quick lookup."""

    BUCKET = 200

    def __init__(self, flow: Flow) -> None:
        self.shapes: dict[int, list[tuple[str, Bounds]]] = {}
        self.labels: dict[int, list[Bounds]] = {}
        self.lines: dict[int, list[Bounds]] = {}
        for n in flow.nodes:
            self._add(self.shapes, n.bounds, (n.id, n.bounds))
        for e in flow.edges:
            for (ax, ay), (bx, by) in zip(e.waypoints, e.waypoints[1:], strict=False):
                seg = Bounds(min(ax, bx), min(ay, by), abs(ax - bx) + 1, abs(ay - by) + 1)
                self._add(self.lines, seg, seg)

    def _keys(self, b: Bounds) -> range:
        return range(b.x // self.BUCKET, b.right // self.BUCKET + 1)

    def _add(self, table: dict[int, list[_T]], b: Bounds, item: _T) -> None:
        for k in self._keys(b):
            table.setdefault(k, []).append(item)

    def cost(self, b: Bounds, owner: str) -> int:
        shapes: set[str] = set()
        labels = lines = 0
        for k in self._keys(b):
            shapes.update(sid for sid, sb in self.shapes.get(k, []) if sid != owner and b.overlaps(sb))
            labels += sum(1 for lb in self.labels.get(k, []) if b.overlaps(lb))
            lines += sum(1 for seg in self.lines.get(k, []) if b.overlaps(seg))
        return 1000 * len(shapes) + 10 * labels + lines

    def place(self, candidates: list[Bounds], owner: str) -> Bounds:
        best = min(range(len(candidates)), key=lambda i: (self.cost(candidates[i], owner), i))
        chosen = candidates[best]
        self._add(self.labels, chosen, chosen)
        return chosen


def build_layout(process: Process) -> Flow:
    """`layout(build_flow(process))`: the one call renderers need."""
    return layout(build_flow(process))
