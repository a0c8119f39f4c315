"""The page of a Graphviz drawing: a laid-out flow (`layout.py`), wrapped onto rows when it is
too wide for A4 landscape, with a title above and a legend below.

A long procedure laid out left to right is several times wider than high (国立市's 転入届: 17
columns, about 4.8 : 1); printed on A4 landscape its text would be 5 pt. `compose` cuts the
columns into rows so that the page prints as large as it can on A4 landscape (842 × 595 pt), cutting only where no
box or label is (between columns, preferring cuts that fewer flows cross). Every row repeats the
lane bands in the declared order, with the same left edge and the same width. A flow that
crosses a cut ends in a numbered connector circle at the right of its row and goes on from the
circle with the same number at the left of the next row (the usual off-page connector).

Coordinates are page points, y down; `graphviz_render` flips them for Graphviz. Pure geometry:
no I/O, nothing from compare/score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .flow import Bounds, Flow, FlowEdge, LaneBox

MARGIN = 10
ROW_GAP = 24  # between two rows of lane bands
CONNECTOR = 16  # diameter of a connector circle
CONNECTOR_ROOM = 24  # room for a connector at the right or left end of a row
TITLE_GAP = 8
#: A4 landscape in points: the page is cut into as many rows as make it print largest there
A4 = (842, 595)
MAX_ROWS = 8


@dataclass(slots=True)
class Band:
    """One lane in one row."""

    lane: LaneBox
    row: int
    bounds: Bounds


@dataclass(slots=True)
class Piece:
    """The part of a flow drawn in one row: from its source node or a connector, to its target
    or a connector (`tail`/`head` are DOT node names)."""

    edge: FlowEdge
    key: str
    tail: str
    head: str
    points: list[tuple[int, int]]
    arrow: bool


@dataclass(slots=True)
class Connector:
    """A numbered circle where a flow leaves one row and enters the next."""

    key: str
    text: str
    tooltip: str
    bounds: Bounds


@dataclass(slots=True)
class Page:
    width: int
    height: int
    title: Bounds
    legend: Bounds | None
    bands: list[Band]
    pieces: list[Piece]
    connectors: list[Connector]
    #: cut positions in layout x: row k shows layout x in [cuts[k], cuts[k + 1])
    cuts: list[int] = field(default_factory=list)
    #: per row: (dx, dy) from layout to page coordinates
    shifts: list[tuple[int, int]] = field(default_factory=list)
    header_w: int = 0

    @property
    def rows(self) -> int:
        return len(self.shifts)

    def row_of(self, x: float) -> int:
        """The row that shows layout x."""
        k = 0
        while k + 1 < len(self.cuts) - 1 and x >= self.cuts[k + 1]:
            k += 1
        return k

    def at(self, b: Bounds) -> Bounds:
        """A layout box on the page (in the row of its centre)."""
        dx, dy = self.shifts[self.row_of(b.x + b.w / 2)]
        return Bounds(b.x + dx, b.y + dy, b.w, b.h)


def _intervals(flow: Flow) -> list[tuple[int, int]]:
    """x ranges no cut may go through: every shape and every placed label, merged."""
    spans = [(n.bounds.x, n.bounds.right) for n in flow.nodes]
    spans += [(n.label.x, n.label.right) for n in flow.nodes if n.label is not None]
    spans += [(e.label.x, e.label.right) for e in flow.edges if e.label is not None]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _crossings(flow: Flow, x: int) -> int:
    return sum(1 for e in flow.edges for (ax, _), (bx, _) in zip(e.waypoints, e.waypoints[1:], strict=False)
               if min(ax, bx) < x < max(ax, bx))


def _cut_candidates(flow: Flow) -> list[int]:
    """x positions between columns that no shape, label or vertical flow segment touches."""
    merged = _intervals(flow)
    verticals = {a[0] for e in flow.edges for a, b in zip(e.waypoints, e.waypoints[1:], strict=False) if a[0] == b[0]}
    out: list[int] = []
    for (_, right), (left, _) in zip(merged, merged[1:], strict=False):
        if left - right < 2 * CONNECTOR_ROOM // 2:
            continue
        mid = (left + right) // 2
        for d in (0, 3, -3, 6, -6, 9, -9):
            if mid + d not in verticals and right < mid + d < left:
                out.append(mid + d)
                break
    return out


def _choose_cuts(flow: Flow, start: int, end: int, stack_h: int, header_w: int, extra_h: int) -> list[int]:
    """Cut positions (start and end included) for the number of rows whose page is closest to
    A4 landscape."""
    candidates = _cut_candidates(flow)
    best: tuple[float, list[int]] = (math.inf, [start, end])
    for rows in range(1, MAX_ROWS + 1):
        cuts = [start]
        for k in range(1, rows):
            target = start + (end - start) * k / rows
            usable = [x for x in candidates if x > cuts[-1] + 2 * CONNECTOR_ROOM]
            if not usable:
                break
            cuts.append(min(usable, key=lambda x: (abs(x - target) + 60 * _crossings(flow, x), x)))
        if len(cuts) < rows:
            break
        cuts.append(end)
        width = header_w + max(b - a for a, b in zip(cuts, cuts[1:], strict=False)) + 2 * CONNECTOR_ROOM * (rows > 1)
        height = rows * stack_h + (rows - 1) * ROW_GAP + extra_h
        score = max(width / A4[0], height / A4[1])  # 1 / the scale it prints at on A4
        if score < best[0] - 1e-9:
            best = (score, cuts)
    return best[1]


def compose(flow: Flow, header_w: int, title_size: tuple[int, int], legend_size: tuple[int, int] | None) -> Page:
    """The page of a laid-out flow whose lanes have a `header_w` wide header (see the module
    docstring). `title_size` and `legend_size` are the boxes the renderer needs for them."""
    lanes = flow.lanes
    top = min(lb.bounds.y for lb in lanes)
    stack_h = max(lb.bounds.bottom for lb in lanes) - top
    left = lanes[0].bounds.x
    start, end = left + header_w, max(lb.bounds.right for lb in lanes)
    title_h = title_size[1] + TITLE_GAP
    legend_h = legend_size[1] + TITLE_GAP if legend_size is not None else 0
    cuts = _choose_cuts(flow, start, end, stack_h, header_w, title_h + legend_h + 2 * MARGIN)
    rows = len(cuts) - 1
    lead = [CONNECTOR_ROOM if k > 0 else 0 for k in range(rows)]
    tail = [CONNECTOR_ROOM if k < rows - 1 else 0 for k in range(rows)]
    band_w = header_w + max(lead[k] + cuts[k + 1] - cuts[k] + tail[k] for k in range(rows))
    shifts = [(MARGIN + header_w + lead[k] - cuts[k], MARGIN + title_h + k * (stack_h + ROW_GAP) - top)
              for k in range(rows)]
    page = Page(0, 0, Bounds(MARGIN, MARGIN, 0, title_size[1]), None, [], [], [], cuts, shifts, header_w)
    for k in range(rows):
        for lb in lanes:
            page.bands.append(Band(lb, k, Bounds(MARGIN, lb.bounds.y + shifts[k][1], band_w, lb.bounds.h)))
    _split_edges(flow, page, band_w)
    rows_bottom = MARGIN + title_h + rows * stack_h + (rows - 1) * ROW_GAP
    width = max(band_w, title_size[0], legend_size[0] if legend_size is not None else 0) + 2 * MARGIN
    page.title = Bounds(MARGIN, MARGIN, title_size[0], title_size[1])
    if legend_size is not None:
        page.legend = Bounds(MARGIN, rows_bottom + TITLE_GAP, legend_size[0], legend_size[1])
    page.width, page.height = width, rows_bottom + legend_h + MARGIN
    return page


def _split_edges(flow: Flow, page: Page, band_w: int) -> None:
    """Each flow's waypoints cut at the row cuts, with a connector pair at every crossing."""
    names = {n.id: n.name or n.id for n in flow.nodes}
    for e in flow.edges:
        pts = e.waypoints
        if len(pts) < 2:
            continue
        row = page.row_of(pts[0][0])
        cur: list[tuple[int, int]] = [pts[0]]
        tail = e.source
        part = 0
        for (_, ay), (bx, by) in zip(pts, pts[1:], strict=False):
            while True:
                to_row = page.row_of(bx)
                if to_row == row or ay != by:
                    break
                # a horizontal run crossing the cut between `row` and the next row on its way
                step = 1 if to_row > row else -1
                x_cut = page.cuts[row + 1] if step > 0 else page.cuts[row]
                number = len(page.connectors) // 2 + 1
                key = f"{e.id}#{part}"
                leave, enter = _connector_pair(page, row, row + step, ay, band_w, step)
                cur.append((x_cut, ay))
                text = str(number)
                page.connectors.append(Connector(f"{key}a", text, f"{names[e.target]} へ続く", leave))
                page.connectors.append(Connector(f"{key}b", text, f"{names[e.source]} から続く", enter))
                _add_piece(page, e, key, tail, f"connector:{key}a", cur, row, False, leave)
                tail = f"connector:{key}b"
                row += step
                part += 1
                ex = enter.cx - page.shifts[row][0]
                cur = [(ex + (CONNECTOR // 2 if step > 0 else -CONNECTOR // 2), ay)]
            cur.append((bx, by))
        _add_piece(page, e, f"{e.id}#{part}", tail, e.target, cur, row, True, None)


def _connector_pair(page: Page, row: int, nxt: int, y: int, band_w: int, step: int) -> tuple[Bounds, Bounds]:
    """The circles where a flow leaves `row` (at its right end, or left end going back) and
    enters `nxt`, at the flow's height, in page coordinates."""
    r = CONNECTOR // 2
    right_x = MARGIN + band_w - CONNECTOR_ROOM // 2
    left_x = MARGIN + page.header_w + CONNECTOR_ROOM // 2
    ly, ny = y + page.shifts[row][1], y + page.shifts[nxt][1]
    out_x, in_x = (right_x, left_x) if step > 0 else (left_x, right_x)
    return Bounds(out_x - r, ly - r, CONNECTOR, CONNECTOR), Bounds(in_x - r, ny - r, CONNECTOR, CONNECTOR)


def _add_piece(page: Page, e: FlowEdge, key: str, tail: str, head: str, pts: list[tuple[int, int]], row: int,
               arrow: bool, end_at: Bounds | None) -> None:
    dx, dy = page.shifts[row]
    out = [(x + dx, y + dy) for x, y in pts]
    if end_at is not None:  # run on to the connector's edge
        y = out[-1][1]
        out[-1] = (end_at.x if end_at.x > out[-1][0] else end_at.right, y)
    clean: list[tuple[int, int]] = []
    for p in out:
        if not clean or clean[-1] != p:
            clean.append(p)
    if len(clean) < 2:
        clean.append(clean[0])
    page.pieces.append(Piece(e, key, tail, head, clean, arrow))
