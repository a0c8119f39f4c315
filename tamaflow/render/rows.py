"""The page of a Graphviz drawing: a laid-out flow (`layout.py`), wrapped onto rows when it is
too wide for A4 landscape, with a title above and a legend below.

A long procedure laid out left to right is several times wider than high (国立市's 転入届: 17
columns, about 4.8 : 1); printed on A4 landscape its text would be 5 pt. `compose` cuts the
columns into rows so that the page prints as large as it can on A4 landscape (842 × 595 pt), cutting only where no
box or label is (between columns, preferring cuts that fewer flows cross). Every row repeats the
lane bands in the declared order, with the same left edge and the same width. A flow that
crosses a cut ends in a numbered connector circle at the right of its row and goes on from the
circle with the same number at the left of the next row (the usual off-page connector).

Within a row, the horizontal strips where nothing is drawn (a lane's second row of boxes that
only the other half of the procedure uses, a lane idle in this part) shrink to a thin gap, so a
row is only as tall as what it shows; every lane keeps at least the height its header needs.
Boxes and labels keep their sizes; vertical flow segments stretch or shrink with the strips.

Coordinates are page points, y down; `graphviz_render` flips them for Graphviz. Pure geometry:
no I/O, nothing from compare/score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.process import END
from .flow import Bounds, Flow, FlowEdge, LaneBox

MARGIN = 10
ROW_GAP = 24  # between two rows of lane bands
CONNECTOR = 16  # diameter of a connector circle
CONNECTOR_ROOM = 24  # room for a connector at the right or left end of a row
TITLE_GAP = 8
#: what an empty strip shrinks to, and the free space kept around boxes, labels and flow lines
STRIP = 14
PAD_BOX, PAD_LABEL, PAD_LINE = 8, 3, 6
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
class RowMap:
    """Layout → page coordinates in one row: x shifted by `dx`; y through a monotone
    piecewise-linear map (slope 1 where something is drawn, compressed in empty strips)."""

    dx: int
    knots: list[tuple[float, float]]  # (layout y, page y)

    def y(self, v: float) -> int:
        ks = self.knots
        if v <= ks[0][0]:
            return round(ks[0][1] + v - ks[0][0])
        for (a, fa), (b, fb) in zip(ks, ks[1:], strict=False):
            if v <= b:
                return round(fa + (v - a) * (fb - fa) / (b - a)) if b > a else round(fb)
        return round(ks[-1][1] + v - ks[-1][0])


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
    maps: list[RowMap] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.maps)

    def row_of(self, x: float) -> int:
        """The row that shows layout x."""
        k = 0
        while k + 1 < len(self.cuts) - 1 and x >= self.cuts[k + 1]:
            k += 1
        return k

    def at(self, b: Bounds) -> Bounds:
        """A layout box on the page (in the row of its centre; its size kept)."""
        m = self.maps[self.row_of(b.x + b.w / 2)]
        return Bounds(b.x + m.dx, m.y(b.y), b.w, b.h)


def _intervals(flow: Flow) -> list[tuple[int, int]]:
    """x ranges no cut may go through: every shape and every placed label, merged."""
    spans = [(n.bounds.x, n.bounds.right) for n in flow.nodes]
    spans += [(n.label.x, n.label.right) for n in flow.nodes if n.label is not None]
    spans += [(e.label.x, e.label.right) for e in flow.edges if e.label is not None]
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
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
        if left - right < CONNECTOR_ROOM:
            continue
        mid = (left + right) // 2
        for d in (0, 3, -3, 6, -6, 9, -9):
            if mid + d not in verticals and right < mid + d < left:
                out.append(mid + d)
                break
    return out


def _cuts(flow: Flow, candidates: list[int], start: int, end: int, rows: int) -> list[int] | None:
    """Cuts for `rows` rows of about equal width, each near its target and crossed by few flows."""
    cuts = [start]
    for k in range(1, rows):
        target = start + (end - start) * k / rows
        usable = [x for x in candidates if x > cuts[-1] + 2 * CONNECTOR_ROOM]
        if not usable:
            return None
        cuts.append(min(usable, key=lambda x: (abs(x - target) + 60 * _crossings(flow, x), x)))
    return [*cuts, end]


def compose(flow: Flow, header_w: int, title_size: tuple[int, int], legend_size: tuple[int, int] | None,
            lane_min_h: list[int]) -> Page:
    """The page of a laid-out flow whose lanes have a `header_w` wide header (see the module
    docstring): of one to `MAX_ROWS` rows, the fewest that print largest on A4 landscape (at
    most at full size).
    `title_size` and `legend_size` are the boxes the renderer needs for them; `lane_min_h` the
    height each lane's header needs."""
    lanes = flow.lanes
    start, end = lanes[0].bounds.x + header_w, max(lb.bounds.right for lb in lanes)
    candidates = _cut_candidates(flow)
    best: tuple[float, Page] | None = None
    for rows in range(1, MAX_ROWS + 1):
        cuts = _cuts(flow, candidates, start, end, rows)
        if cuts is None:
            break
        page = _build(flow, cuts, header_w, title_size, legend_size, lane_min_h)
        # 1 / the scale it prints at on A4; no gain past full size, so a drawing that fits A4
        # as it is stays in one row
        score = max(page.width / A4[0], page.height / A4[1], 1.0)
        if best is None or score < best[0] - 1e-9:
            best = (score, page)
    assert best is not None
    return best[1]


@dataclass(slots=True)
class _Cross:
    """A flow crossing a cut, before the rows have their page coordinates."""

    key: str
    text: str
    tooltip: str
    row: int
    right: bool  # at the row's right end (else its left end)
    y: int  # layout y


@dataclass(slots=True)
class _Part:
    edge: FlowEdge
    key: str
    tail: str
    head: str
    row: int
    points: list[tuple[int, int]]  # layout coordinates
    arrow: bool
    end_at: str | None  # the connector it runs into


def _build(flow: Flow, cuts: list[int], header_w: int, title_size: tuple[int, int],
           legend_size: tuple[int, int] | None, lane_min_h: list[int]) -> Page:
    lanes = flow.lanes
    rows = len(cuts) - 1
    lead = [CONNECTOR_ROOM if k > 0 else 0 for k in range(rows)]
    trail = [CONNECTOR_ROOM if k < rows - 1 else 0 for k in range(rows)]
    band_w = header_w + max(lead[k] + cuts[k + 1] - cuts[k] + trail[k] for k in range(rows))
    page = Page(0, 0, Bounds(MARGIN, MARGIN, title_size[0], title_size[1]), None, [], [], [], cuts, [])
    parts, crosses = _split_edges(flow, page)
    title_h = title_size[1] + TITLE_GAP
    y = MARGIN + title_h
    for k in range(rows):
        knots = _knots(flow, page, parts, k, lane_min_h)
        shift = y - knots[0][1]
        page.maps.append(RowMap(MARGIN + header_w + lead[k] - cuts[k], [(a, b + shift) for a, b in knots]))
        y = round(page.maps[k].knots[-1][1]) + ROW_GAP
    for k, m in enumerate(page.maps):
        for lb in lanes:
            top, bottom = m.y(lb.bounds.y), m.y(lb.bounds.bottom)
            page.bands.append(Band(lb, k, Bounds(MARGIN, top, band_w, bottom - top)))
    r = CONNECTOR // 2
    centre = {}
    for c in crosses:
        cx = MARGIN + band_w - CONNECTOR_ROOM // 2 if c.right else MARGIN + header_w + CONNECTOR_ROOM // 2
        b = Bounds(cx - r, page.maps[c.row].y(c.y) - r, CONNECTOR, CONNECTOR)
        centre[c.key] = b
        page.connectors.append(Connector(c.key, c.text, c.tooltip, b))
    for part in parts:
        m = page.maps[part.row]
        pts = [(x + m.dx, m.y(v)) for x, v in part.points]
        if part.end_at is not None:  # run on to the connector's edge
            b = centre[part.end_at]
            pts[-1] = (b.x if b.x > pts[-1][0] else b.right, pts[-1][1])
        if part.tail.startswith("connector:"):
            b = centre[part.tail.removeprefix("connector:")]
            pts[0] = (b.right if b.x < pts[0][0] else b.x, pts[0][1])
        clean: list[tuple[int, int]] = []
        for p in pts:
            if not clean or clean[-1] != p:
                clean.append(p)
        if len(clean) < 2:
            clean.append(clean[0])
        page.pieces.append(Piece(part.edge, part.key, part.tail, part.head, clean, part.arrow))
    rows_bottom = y - ROW_GAP
    legend_h = legend_size[1] + TITLE_GAP if legend_size is not None else 0
    page.width = max(band_w, title_size[0], legend_size[0] if legend_size is not None else 0) + 2 * MARGIN
    if legend_size is not None:
        page.legend = Bounds(MARGIN, rows_bottom + TITLE_GAP, legend_size[0], legend_size[1])
    page.height = rows_bottom + legend_h + MARGIN
    return page


def _knots(flow: Flow, page: Page, parts: list[_Part], k: int, lane_min_h: list[int]) -> list[tuple[float, float]]:
    """The y map of row `k` (page y from 0): what the row draws keeps its height, the strips
    between shrink to `STRIP`."""
    lanes = flow.lanes
    top, bottom = lanes[0].bounds.y, lanes[-1].bounds.bottom
    busy: list[tuple[int, int]] = []
    for n in flow.nodes:
        if page.row_of(n.bounds.cx) == k:
            busy.append((n.bounds.y - PAD_BOX, n.bounds.bottom + PAD_BOX))
        if n.label is not None and page.row_of(n.label.x + n.label.w / 2) == k:
            busy.append((n.label.y - PAD_LABEL, n.label.bottom + PAD_LABEL))
    for e in flow.edges:
        if e.label is not None and page.row_of(e.label.x + e.label.w / 2) == k:
            busy.append((e.label.y - PAD_LABEL, e.label.bottom + PAD_LABEL))
    for part in parts:
        if part.row == k:
            busy += [(a[1] - PAD_LINE, a[1] + PAD_LINE) for a, b in zip(part.points, part.points[1:], strict=False)
                     if a[1] == b[1]]
    for lb, need in zip(lanes, lane_min_h, strict=True):
        need = min(need, lb.bounds.h)
        mid = lb.bounds.y + lb.bounds.h // 2
        busy.append((mid - need // 2, mid - need // 2 + need))
    busy = [(max(a, top), min(b, bottom)) for a, b in busy if b > top and a < bottom]
    knots: list[tuple[float, float]] = [(top, 0.0)]
    for a, b in _merge(busy):
        last, at = knots[-1]
        if a > last:
            knots.append((a, at + min(STRIP, a - last)))
        last, at = knots[-1]
        knots.append((b, at + (b - max(a, last))))
    last, at = knots[-1]
    if bottom > last:
        knots.append((bottom, at + min(STRIP, bottom - last)))
    return knots


def _split_edges(flow: Flow, page: Page) -> tuple[list[_Part], list[_Cross]]:
    """Each flow's waypoints cut at the row cuts, with a connector pair at every crossing."""
    steps = flow.process.step_map()

    def name(step_id: str) -> str:  # the YAML step a flow joins (a merge gateway has no name)
        s = steps.get(step_id)
        return (s.name or s.id) if s is not None else "終了" if step_id == END else "開始"

    parts: list[_Part] = []
    crosses: list[_Cross] = []
    for e in flow.edges:
        pts = e.waypoints
        if len(pts) < 2:
            continue
        row = page.row_of(pts[0][0])
        cur: list[tuple[int, int]] = [pts[0]]
        tail = e.source
        part = 0
        for (_, ay), (bx, by) in zip(pts, pts[1:], strict=False):
            while page.row_of(bx) != row and ay == by:
                # a horizontal run crossing the cut between `row` and the next row on its way
                step = 1 if page.row_of(bx) > row else -1
                x_cut = page.cuts[row + 1] if step > 0 else page.cuts[row]
                text = str(len(crosses) // 2 + 1)
                key = f"{e.id}#{part}"
                crosses.append(_Cross(f"{key}a", text, f"{name(e.step_target)} へ続く", row, step > 0, ay))
                crosses.append(_Cross(f"{key}b", text, f"{name(e.step_source)} から続く", row + step, step < 0, ay))
                parts.append(_Part(e, key, tail, f"connector:{key}a", row, [*cur, (x_cut, ay)], False, f"{key}a"))
                tail = f"connector:{key}b"
                row += step
                part += 1
                cur = [(page.cuts[row] if step > 0 else page.cuts[row + 1], ay)]
            cur.append((bx, by))
        parts.append(_Part(e, f"{e.id}#{part}", tail, e.target, row, cur, True, None))
    return parts, crosses
