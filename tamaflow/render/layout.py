"""The diagram layout of a BPMN flow (render/flow.py): layered, left to right, with horizontal
swimlanes, Sugiyama style.

`layout(flow)` runs named phases: the back edges (rework loops) and the columns come from the
flow (depth-first search in written order, longest-path layering); `_grid` adds dummy slots on
long edges so they never run through a shape; `_assign_rows` gives rows inside each lane band;
`_measure` turns columns and rows into pixels and `_place` puts the shapes and lanes there;
`_Router` draws orthogonal waypoints (loops run below the rows in the margin between rows, where
no shape can be); `_place_labels` puts external labels where they cover the least. Everything
is integer and ordered, so the same process gives the same coordinates.

Pure functions of the model: no I/O, no lxml, nothing from compare/score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..model.process import Process
from .flow import Bounds, Flow, FlowEdge, FlowNode, build_flow, dfs_order, longest_path_layers
from .text import clip, clip_lines, text_width

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


@dataclass(frozen=True, slots=True)
class Style:
    """What a drawing needs room for. BPMN (the default) follows bpmn-js: 100 px tasks and a
    30 px strip for the pool and for each lane name, written vertically. The Graphviz drawing
    writes lane names horizontally in a wider header, has no pool strip (its title is above)
    and adds a kind line and 押印/紙/対面 badges under a task's name (`extra_h`)."""

    task_w: int = TASK_W
    task_min_h: int = TASK_H
    #: lines of a task name before the ellipsis (the longest name in the library needs 5)
    name_lines: int = 7
    #: lines of an external label (conditions, event and gateway names) before the ellipsis
    label_lines: int = 4
    label_w: int = LABEL_MAX_W
    pool_label: int = POOL_LABEL
    lane_label: int = LANE_LABEL
    #: extra height a renderer draws under a task's name
    extra_h: Callable[[FlowNode], int] | None = None
    #: the label a renderer writes on a flow (BPMN: its name, the condition)
    edge_text: Callable[[FlowEdge], str] | None = None

    def flow_label(self, e: FlowEdge) -> str:
        """The text drawn beside a flow."""
        return self.edge_text(e) if self.edge_text is not None else e.name

    def name_lines_of(self, name: str) -> list[str]:
        """The lines of a task name inside its box (clipped with an ellipsis)."""
        return clip_lines(name, self.task_w - 10, self.name_lines) if name else []

    def label_lines_of(self, text: str, width: int | None = None) -> list[str]:
        """The lines of an external label (clipped with an ellipsis), wrapped at `width`."""
        return clip_lines(text, width or self.label_w, self.label_lines)

    def node_name(self, n: FlowNode) -> str:
        """A node's name as one clipped string (BPMN `name`: the modeler wraps it itself)."""
        if n.kind == "task":
            return clip(n.name, self.task_w - 10, self.name_lines)
        return clip(n.name, self.label_w, self.label_lines)

    def label_size(self, text: str, width: int | None = None) -> tuple[int, int]:
        """Width and height of a wrapped external label."""
        lines = self.label_lines_of(text, width)
        return max(10, max(text_width(x) for x in lines)), LINE_H * len(lines)

    def task_height(self, n: FlowNode) -> int:
        """Tasks grow taller when their (clipped) name needs more than four lines."""
        lines = max(1, len(self.name_lines_of(n.name)))
        extra = self.extra_h(n) if self.extra_h is not None else 0
        return max(self.task_min_h, lines * LINE_H + 24 + extra)


BPMN_STYLE = Style()


def label_size(text: str, max_w: int = LABEL_MAX_W) -> tuple[int, int]:
    """Width and height of a wrapped external label in the BPMN style."""
    return Style(label_w=max_w).label_size(text)


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


def _size(n: FlowNode, style: Style) -> tuple[int, int]:
    if n.kind == "task":
        return style.task_w, style.task_height(n)
    if n.kind == "gateway":
        return GATEWAY_W, GATEWAY_H
    return EVENT_W, EVENT_H


def layout(flow: Flow, style: Style = BPMN_STYLE) -> Flow:
    """Fill in bounds, waypoints and label bounds (in place; returns the flow for chaining)."""
    if not flow.nodes:
        return flow
    back, topo = dfs_order(flow)
    layer = longest_path_layers(flow, back, topo)
    items, chains = _grid(flow, back, topo, layer)
    lane_rows = _assign_rows(items, len(flow.lanes))
    grid = _measure(flow, layer, lane_rows, style)
    _place(flow, items, grid, lane_rows, style)
    router = _Router(flow, items, chains, layer, back, grid)
    for e in flow.edges:
        e.waypoints = _clean(router.route(e))
    _place_labels(flow, style)
    return flow


def _grid(flow: Flow, back: set[str], topo: list[str], layer: dict[str, int]
          ) -> tuple[dict[str, _Item], dict[str, list[str]]]:
    """Grid items: the nodes plus a dummy in every column a long forward edge crosses; and for
    each forward edge, its item keys from source to target. A node's parent (whose row it
    prefers) is the item before it on its first forward incoming flow."""
    by_id = {n.id: n for n in flow.nodes}
    edge_by_id = {e.id: e for e in flow.edges}
    lane_index = {lb.id: i for i, lb in enumerate(flow.lanes)}
    dfs_rank = {nid: i for i, nid in enumerate(topo)}
    items: dict[str, _Item] = {}
    chains: dict[str, list[str]] = {}
    for nid in topo:
        n = by_id[nid]
        items[nid] = _Item(nid, layer[nid], lane_index.get(n.lane, 0), dfs_rank[nid], node=n)
    for e in flow.edges:
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
    for nid in topo:
        for fid in by_id[nid].incoming:
            if fid in back:
                continue
            items[nid].parent = chains[fid][-2]
            items[nid].parent_rank = by_id[edge_by_id[fid].source].outgoing.index(fid)
            break
    return items, chains


def _assign_rows(items: dict[str, _Item], n_lanes: int) -> list[int]:
    """Rows, column by column: each item takes its parent's row when that is in the same lane
    and free, else the next free row below. Returns the number of rows of each lane."""
    by_layer: dict[int, list[_Item]] = {}
    for it in items.values():
        by_layer.setdefault(it.layer, []).append(it)
    lane_rows = [1] * n_lanes

    def pref(it: _Item) -> int:
        if it.parent is None:
            return 0
        p = items[it.parent]
        return p.row if p.lane == it.lane else 0

    for k in range(max(by_layer) + 1):
        taken: set[tuple[int, int]] = set()
        layer_items = sorted(by_layer.get(k, []), key=lambda it: (it.lane, pref(it), it.parent_rank, it.order, it.key))
        for it in layer_items:
            r = pref(it)
            while (it.lane, r) in taken:
                r += 1
            it.row = r
            taken.add((it.lane, r))
            lane_rows[it.lane] = max(lane_rows[it.lane], r + 1)
    return lane_rows


@dataclass(slots=True)
class _Measures:
    """Columns, gaps, rows and lane tops in pixels."""

    sizes: dict[str, tuple[int, int]]
    row_h: int
    col_x: list[int]
    col_w: list[int]
    gaps: list[int]
    content_x: int
    pool_right: int
    lane_top: list[int]
    pool_bottom: int

    @property
    def n_layers(self) -> int:
        return len(self.col_x)

    def row_cy(self, lane: int, row: int) -> int:
        return self.lane_top[lane] + LANE_PAD + row * self.row_h + self.row_h // 2

    def row_bottom(self, lane: int, row: int) -> int:
        return self.lane_top[lane] + LANE_PAD + (row + 1) * self.row_h


def _measure(flow: Flow, layer: dict[str, int], lane_rows: list[int], style: Style) -> _Measures:
    """Column widths (the widest shape; a wider gap after a split with labelled branches), one
    row height for the whole diagram (the tallest shape plus margins) and the lanes' tops."""
    edge_by_id = {e.id: e for e in flow.edges}
    n_layers = max(layer.values()) + 1
    sizes = {n.id: _size(n, style) for n in flow.nodes}
    tallest = max(h for _, h in sizes.values())
    row_h = tallest + 2 * ROW_MARGIN
    col_w = [EVENT_W] * n_layers
    labelled_split = [False] * n_layers
    for n in flow.nodes:
        k = layer[n.id]
        col_w[k] = max(col_w[k], sizes[n.id][0])
        if n.kind == "gateway" and len(n.outgoing) > 1 and any(edge_by_id[f].name for f in n.outgoing):
            labelled_split[k] = True
    gaps = [GAP_LABELLED if labelled_split[k] else GAP for k in range(n_layers)]
    content_x = ORIGIN_X + style.pool_label + style.lane_label
    col_x: list[int] = []
    x = content_x + LEFT_MARGIN
    for k in range(n_layers):
        col_x.append(x)
        x += col_w[k] + gaps[k]
    lane_top: list[int] = []
    y = ORIGIN_Y
    for i in range(len(flow.lanes)):
        lane_top.append(y)
        y += lane_rows[i] * row_h + 2 * LANE_PAD
    return _Measures(sizes, row_h, col_x, col_w, gaps, content_x, x - gaps[-1] + RIGHT_MARGIN, lane_top, y)


def _place(flow: Flow, items: dict[str, _Item], m: _Measures, lane_rows: list[int], style: Style) -> None:
    """Bounds of every shape (centred in its column and row), of the pool and of each lane."""
    for n in flow.nodes:
        it = items[n.id]
        w, h = m.sizes[n.id]
        cx = m.col_x[it.layer] + m.col_w[it.layer] // 2
        cy = m.row_cy(it.lane, it.row)
        n.bounds = Bounds(cx - w // 2, cy - h // 2, w, h)
    flow.pool = Bounds(ORIGIN_X, ORIGIN_Y, m.pool_right - ORIGIN_X, m.pool_bottom - ORIGIN_Y)
    for i, lb in enumerate(flow.lanes):
        h = lane_rows[i] * m.row_h + 2 * LANE_PAD
        lb.bounds = Bounds(ORIGIN_X + style.pool_label, m.lane_top[i], m.pool_right - ORIGIN_X - style.pool_label, h)


class _Router:
    """Orthogonal waypoints for each flow, edge by edge in written order. It remembers what
    earlier edges used: vertical slots in the gaps between columns, loop lanes below each row,
    and the top/bottom corners of gateways."""

    def __init__(self, flow: Flow, items: dict[str, _Item], chains: dict[str, list[str]], layer: dict[str, int],
                 back: set[str], m: _Measures) -> None:
        self.by_id = {n.id: n for n in flow.nodes}
        self.items, self.chains, self.layer, self.back, self.m = items, chains, layer, back, m
        # occupancy of each column, for "is the way straight up/down free?"
        self.occupied: dict[int, list[tuple[int, int]]] = {}
        for it in items.values():
            if it.node is not None:
                b = it.node.bounds
                self.occupied.setdefault(it.layer, []).append((b.y, b.bottom))
            else:
                cy = m.row_cy(it.lane, it.row)
                self.occupied.setdefault(it.layer, []).append((cy - 2, cy + 2))
        self.gap_use: dict[int, int] = {}  # gap index (after column k; -1 = before the first) → uses
        self.loop_use: dict[tuple[int, int], int] = {}
        self.corners: set[tuple[str, str]] = set()  # (node, top|bottom) corners of diamonds already in use

    def column_free(self, k: int, y1: int, y2: int, skip: Bounds) -> bool:
        lo, hi = min(y1, y2), max(y1, y2)
        for a, b in self.occupied.get(k, []):
            if (a, b) == (skip.y, skip.bottom):
                continue
            if a < hi and lo < b:
                return False
        return True

    def gap_x(self, k: int) -> int:
        """An x for a vertical segment in the gap after column k, staggered per use."""
        m = self.m
        used = self.gap_use.get(k, 0)
        self.gap_use[k] = used + 1
        if k < 0:
            left, width = m.content_x, LEFT_MARGIN
        elif k >= m.n_layers - 1:
            left, width = m.col_x[k] + m.col_w[k], RIGHT_MARGIN
        else:
            left, width = m.col_x[k] + m.col_w[k], m.gaps[k]
        step = 8
        slots = max(1, (width - 16) // step)
        return left + 12 + step * (used % slots)

    def corner_free(self, n: FlowNode, side: str, leaving: bool) -> bool:
        """Splits are left and joins entered through a top/bottom corner, once per corner."""
        if n.kind != "gateway" or (n.id, side) in self.corners:
            return False
        return len(n.outgoing) > 1 if leaving else len(n.outgoing) <= 1

    def route(self, e: FlowEdge) -> list[tuple[int, int]]:
        s, t = self.by_id[e.source], self.by_id[e.target]
        return self._loop(s, t) if e.id in self.back else self._forward(e, s, t)

    def _loop(self, s: FlowNode, t: FlowNode) -> list[tuple[int, int]]:
        """A back edge: down (or out to the gap), along the margin below the lower row, and up."""
        sb, tb = s.bounds, t.bounds
        lo_s, lo_t = self.items[s.id], self.items[t.id]
        lower = max((lo_s.lane, lo_s.row), (lo_t.lane, lo_t.row))
        n_use = self.loop_use.get(lower, 0)
        self.loop_use[lower] = n_use + 1
        yc = self.m.row_bottom(*lower) - 6 - 6 * (n_use % max(1, (ROW_MARGIN - 8) // 6))
        ks, kt = self.layer[s.id], self.layer[t.id]
        pts: list[tuple[int, int]] = []
        if self.corner_free(s, "bottom", True) and self.column_free(ks, sb.bottom, yc, sb):
            self.corners.add((s.id, "bottom"))
            pts += [(sb.cx, sb.bottom), (sb.cx, yc)]
        else:
            xs = self.gap_x(ks)
            pts += [(sb.right, sb.cy), (xs, sb.cy), (xs, yc)]
        if self.corner_free(t, "bottom", False) and self.column_free(kt, tb.bottom, yc, tb):
            self.corners.add((t.id, "bottom"))
            pts += [(tb.cx, yc), (tb.cx, tb.bottom)]
        else:
            xt = self.gap_x(kt - 1)
            pts += [(xt, yc), (xt, tb.cy), (tb.x, tb.cy)]
        return pts

    def _forward(self, e: FlowEdge, s: FlowNode, t: FlowNode) -> list[tuple[int, int]]:
        """A forward edge through its dummies' rows, changing row only in the gaps."""
        sb, tb = s.bounds, t.bounds
        chain = self.chains[e.id]
        ys = [sb.cy] + [self.m.row_cy(self.items[c].lane, self.items[c].row) for c in chain[1:-1]] + [tb.cy]
        ks = self.layer[s.id]
        pts: list[tuple[int, int]] = []
        first = 0
        side = "top" if ys[1] < sb.cy else "bottom"
        if ys[1] != sb.cy and self.corner_free(s, side, True) and self.column_free(ks, sb.cy, ys[1], sb):
            # leave a split through the diamond's top or bottom corner, BPMN style
            self.corners.add((s.id, side))
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
            if last and self.corner_free(t, side, False) and self.column_free(k + 1, y1, tb.cy, tb):
                # enter a join through its top or bottom corner
                self.corners.add((t.id, side))
                pts += [(tb.cx, y1), (tb.cx, tb.y if y1 < tb.cy else tb.bottom)]
                break
            xg = self.gap_x(k)
            pts += [(xg, y1), (xg, y2)]
        else:
            pts.append((tb.x, tb.cy))
        return pts


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


def _beside(seg: tuple[tuple[int, int], tuple[int, int]], w: int, h: int) -> list[Bounds]:
    """Spots for a label of w×h beside one segment of a flow, near its start: right then left
    of a vertical segment, above then below a horizontal one."""
    (x1, y1), (x2, y2) = seg
    if x1 == x2:
        y = y1 + 3 if y2 > y1 else y1 - h - 3
        return [Bounds(x1 + 5, y, w, h), Bounds(x1 - 5 - w, y, w, h)]
    x = x1 + 5 if x2 > x1 else x1 - 5 - w
    return [Bounds(x, y1 - h - 3, w, h), Bounds(x, y1 + 3, w, h)]


def _place_labels(flow: Flow, style: Style = BPMN_STYLE) -> None:
    """External labels, each at the first of a few candidate spots that covers the fewest
    shapes, then leaves its lane the least, then covers other labels, then flow lines:
    conditions beside the first segment after the split (right, else left of it; above, else
    below it), else beside the next segment; events below (else above) their circle; named
    gateways above-left (else below-left, above-right, below-right) of the diamond."""
    obstacles = _Obstacles(flow)
    lane_of = {nid: lb.bounds for lb in flow.lanes for nid in lb.nodes}
    # flow labels first: they have fewer good spots than a gateway's name
    for e in flow.edges:
        text = style.flow_label(e)
        if not text or len(e.waypoints) < 2:
            continue
        w, h = style.label_size(text)
        cands = _beside((e.waypoints[0], e.waypoints[1]), w, h)
        if len(e.waypoints) >= 3:
            cands += _beside((e.waypoints[1], e.waypoints[2]), w, h)
        e.label = obstacles.place(cands, "", lane_of.get(e.source))
        e.label_lines = style.label_lines_of(text)
    for n in flow.nodes:
        b = n.bounds
        if not n.name or n.kind == "task":
            continue
        # each spot at the usual width, then wrapped half as wide again (fewer lines, for a
        # name below an event at the bottom of its lane)
        options: list[tuple[Bounds, int]] = []
        for width in (style.label_w, style.label_w * 3 // 2):
            w, h = style.label_size(n.name, width)
            if n.kind == "gateway":
                spots = [Bounds(b.cx - 6 - w, b.y - h - 2, w, h), Bounds(b.cx - 6 - w, b.bottom + 2, w, h),
                         Bounds(b.cx + 6, b.y - h - 2, w, h), Bounds(b.cx + 6, b.bottom + 2, w, h)]
            else:
                spots = [Bounds(b.cx - w // 2, b.bottom + 5, w, h), Bounds(b.cx - w // 2, b.y - h - 5, w, h),
                         Bounds(b.right + 5, b.cy - h // 2, w, h), Bounds(b.x - 5 - w, b.cy - h // 2, w, h)]
            options += [(spot, width) for spot in spots]
        n.label = obstacles.place([spot for spot, _ in options], n.id, lane_of.get(n.id))
        n.label_lines = style.label_lines_of(n.name, next(wd for spot, wd in options if spot is n.label))


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

    def cost(self, b: Bounds, owner: str, lane: Bounds | None = None) -> int:
        """Covered shapes weigh most, then leaving the owner's lane, other labels, flow lines."""
        shapes: set[str] = set()
        labels = lines = 0
        for k in self._keys(b):
            shapes.update(sid for sid, sb in self.shapes.get(k, []) if sid != owner and b.overlaps(sb))
            labels += sum(1 for lb in self.labels.get(k, []) if b.overlaps(lb))
            lines += sum(1 for seg in self.lines.get(k, []) if b.overlaps(seg))
        outside = lane is not None and not (lane.x <= b.x and b.right <= lane.right and lane.y <= b.y
                                            and b.bottom <= lane.bottom)
        return 1000 * len(shapes) + 500 * outside + 10 * labels + lines

    def place(self, candidates: list[Bounds], owner: str, lane: Bounds | None = None) -> Bounds:
        best = min(range(len(candidates)), key=lambda i: (self.cost(candidates[i], owner, lane), i))
        chosen = candidates[best]
        self._add(self.labels, chosen, chosen)
        return chosen


def build_layout(process: Process, style: Style = BPMN_STYLE) -> Flow:
    """`layout(build_flow(process), style)`: the one call renderers need."""
    return layout(build_flow(process), style)
