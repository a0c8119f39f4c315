"""Graphviz drawings of a process: DOT source, and SVG/PNG through Debian's Graphviz.

The drawing uses the same layout as the BPMN diagram (`layout.py`): lanes are bands in the
order the YAML declares them, with one left edge and a header of the lane's name; flows are
orthogonal and change lanes only between their own two lanes; labels sit where they cover no
box and stay in their lane. Graphviz' own `dot` layout cannot promise any of that (it reorders
cluster bands, draws long diagonals across lanes, and its `splines=ortho` drops edge labels),
so the DOT we write has every position fixed and is drawn by `neato -n2`, which keeps node
positions and edge paths as given and only draws. Graphviz still measures and draws the text
(HTML-like labels, fonts through fontconfig in PNGs).

A process wider than A4 landscape is wrapped onto rows (`rows.py`). Tasks show their name
(clipped with an ellipsis, see `text.py`), their kind in plain Japanese and minutes, and badges
for 押印 (seal), 紙 (paper) and 対面 (in person), explained in a legend. Fonts fall back
through Meiryo and Yu Gothic (Windows PCs in city offices) to IPAGothic (Debian
`fonts-ipafont-gothic`, used for PNGs here) and sans-serif.

Overlays arrive as plain data (`Overlay`: step id → colour and tooltip, plus legend lines), so
this module never imports compare or score; app/render.py computes them. The DOT text is ours
and deterministic; SVG/PNG bytes depend on the installed Graphviz version. In the SVG, each
shape's `<title>` holds its full text (the hover tooltip), whatever the drawing clipped.
"""

from __future__ import annotations

import bisect
import functools
import html
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import graphviz
from lxml import etree

from ..model.findings import TamaflowError
from ..model.ja_names import KINDS
from ..model.process import Process
from .flow import END_LABEL, START_LABEL, Bounds, Flow, FlowEdge, FlowNode, back_edges, build_flow
from .layout import LINE_H, Style, layout
from .rows import Page, compose
from .text import clip_lines, drawable, replace_clusters, text_width, xml_safe

#: font list for SVG viewers (CSS fallbacks) and Pango (PNG): Windows first, then Debian
FONT = "Meiryo, Yu Gothic, IPAGothic, sans-serif"
LANE_FILL = ("#f4f6fa", "#eef3ee")
LANE_HEADER_FILL = ("#e3e8f0", "#dde8dd")
LANE_BORDER = "#9aa5b1"
#: shape and extra style per task kind
KIND_SHAPE: dict[str, tuple[str, str]] = {
    "user": ("box", "rounded"),
    "approval": ("box", "rounded,bold"),
    "manual": ("box", "rounded,dashed"),
    "service": ("component", ""),
    "rule": ("tab", ""),
    "send": ("cds", ""),
    "receive": ("box", "rounded,diagonals"),
}
GATEWAY_MARK = {"exclusive": "×", "parallel": "+", "inclusive": "○"}
FORMATS = ("dot", "svg", "png")
#: the badges a task can carry: (text, colour, background, legend text)
BADGES: dict[str, tuple[str, str, str, str]] = {
    "seal": ("押印", "#b71c1c", "#fdecea", "押印が必要な手順"),
    "paper": ("紙", "#6d4c41", "#efebe9", "紙の書類を扱う手順"),
    "in-person": ("対面", "#0d47a1", "#e3f2fd", "窓口で対面する手順"),
}
BACK_EDGE = "#c0392b"
BADGE_H = 16
KIND_LINE_H = 12
#: the Graphviz drawing's room: wider tasks than BPMN (ten kanji a line), lane names written
#: horizontally in a 100 pt header, no pool strip (the title is above the lanes)
TASK_W = 120
LANE_HEADER_W = 100
TITLE_MAX_W = 900
LEGEND_ROW = 18


@dataclass(frozen=True, slots=True)
class Mark:
    """How the overlay paints one step."""

    colour: str
    tooltip: str = ""


@dataclass(slots=True)
class Overlay:
    """Colours for steps (by YAML step id) and the legend to explain them."""

    marks: Mapping[str, Mark] = field(default_factory=dict)
    legend: Sequence[tuple[str, str]] = ()  # (colour, text)
    title: str = ""


def badges_of(n: FlowNode) -> list[str]:
    """The badge keys of a task: seal, paper, in-person (in that order)."""
    s = n.step
    if s is None or n.kind != "task":
        return []
    out = ["seal"] if s.seal else []
    if s.medium in ("paper", "in-person"):
        out.append(s.medium)
    return out


def edge_text(e: FlowEdge) -> str:
    """A flow's label: the branch condition, its share and (既定) for the default branch."""
    label = e.branch.when if e.branch is not None and e.branch.when else ""
    if e.branch is not None and e.branch.share is not None:
        label = f"{label} {e.branch.share:.0%}".strip()
    if e.default:
        label = f"{label} (既定)".strip()
    return label


def _extra_h(n: FlowNode) -> int:
    return KIND_LINE_H + (BADGE_H if badges_of(n) else 0)


GRAPHVIZ_STYLE = Style(task_w=TASK_W, task_min_h=64, label_w=80, pool_label=0, lane_label=LANE_HEADER_W, extra_h=_extra_h,
                       edge_text=edge_text)


#: Graphviz' lexer refuses a quoted string over 16 KiB (YYLMAX); longer text (a tooltip with a
#: 10,000-character name) is written as "…" + "…" pieces, which DOT joins
QUOTED_PIECE = 2000


def _q(s: str) -> str:
    """A DOT double-quoted string (XML-safe: Graphviz copies it into the SVG)."""
    text = xml_safe(s)
    pieces = [text[i:i + QUOTED_PIECE] for i in range(0, len(text), QUOTED_PIECE)] or [""]
    return " + ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
                      for p in pieces)


def _h(s: str) -> str:
    """Text for an HTML-like label."""
    return html.escape(xml_safe(s), quote=True).replace("\n", "<BR/>")


def _attrs(d: Mapping[str, str]) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in d.items()) + "]"


def _inch(v: float) -> str:
    return f"{v / 72:.4f}".rstrip("0").rstrip(".")


class _Canvas:
    """Page coordinates (y down, points) → Graphviz coordinates (y up)."""

    def __init__(self, height: int) -> None:
        self.height = height

    def pt(self, x: float, y: float) -> str:
        return f"{x:g},{self.height - y:g}"

    def box(self, b: Bounds) -> dict[str, str]:
        """pos/width/height of a shape filling `b` exactly."""
        return {"pos": _q(self.pt(b.x + b.w / 2, b.y + b.h / 2) + "!"), "width": _inch(b.w), "height": _inch(b.h),
                "fixedsize": "true"}


def _task_label(n: FlowNode, lines: list[str]) -> str:
    s = n.step
    assert s is not None
    info = [KINDS.get(s.kind, s.kind)]
    if s.minutes is not None:
        info.append(f"{s.minutes:g}分")
    rows = [f"<TR><TD>{'<BR/>'.join(_h(x) for x in lines) or ' '}</TD></TR>",
            f'<TR><TD><FONT POINT-SIZE="8" COLOR="#555555">{_h(" · ".join(info))}</FONT></TD></TR>']
    badges = badges_of(n)
    if badges:
        cells = "".join(f'<TD BORDER="1" COLOR="{BADGES[k][1]}" BGCOLOR="{BADGES[k][2]}">'
                        f'<FONT POINT-SIZE="8" COLOR="{BADGES[k][1]}"><B>{BADGES[k][0]}</B></FONT></TD>'
                        for k in badges)
        rows.append(f'<TR><TD><TABLE BORDER="0" CELLSPACING="2" CELLPADDING="1"><TR>{cells}</TR></TABLE></TD></TR>')
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">' + "".join(rows) + "</TABLE>>"


def _node_attrs(n: FlowNode, b: Bounds, c: _Canvas, overlay: Overlay | None) -> dict[str, str]:
    s = n.step
    a: dict[str, str] = {"id": _q(f"node-{n.id}"), **c.box(b)}
    if n.kind == "task" and s is not None:
        shape, style = KIND_SHAPE.get(s.kind, ("box", "rounded"))
        a["shape"] = shape
        a["style"] = _q(",".join(x for x in ("filled", style) if x))
        a["label"] = _task_label(n, GRAPHVIZ_STYLE.name_lines_of(n.name))
        a["fillcolor"] = _q("white")
        if "seal" in badges_of(n):
            a["color"] = _q(BADGES["seal"][1])
            a["penwidth"] = "1.6"
    elif n.kind == "gateway":
        kind = s.gateway if s is not None and s.gateway else "exclusive"
        a.update(shape="diamond", style="filled", fillcolor=_q("#fff8e1"), label=_q(GATEWAY_MARK[kind]))
    else:
        a.update(shape="circle", style="filled", label=_q(""))
        if n.kind == "start":
            a["fillcolor"] = _q("#e8f5e9")
        elif n.kind == "end":
            a["fillcolor"] = _q("#ffebee")
            a["penwidth"] = "3"
        else:
            a["fillcolor"] = _q("#e3f2fd")
            a["peripheries"] = "2"
    tooltip = n.name or n.id
    if s is not None and overlay is not None and s.id in overlay.marks:
        mark = overlay.marks[s.id]
        a["fillcolor"] = _q(mark.colour)
        if mark.tooltip:
            tooltip = f"{tooltip}\n{mark.tooltip}"
    a["tooltip"] = _q(tooltip)
    return a


def _label_node(key: str, text: str, lines: list[str], b: Bounds, c: _Canvas, size: int = 9) -> str:
    label = "<" + "<BR/>".join(_h(x) for x in lines) + ">"
    # a box without border: its (translucent white) polygon keeps crossing lines off the text
    # and tells a reader of the SVG where the label is
    a = {"id": _q(f"label-{key}"), "shape": "box", "style": "filled", "color": "transparent",
         "fillcolor": _q("#ffffffc0"), "margin": "0", **c.box(b), "fontsize": str(size), "label": label,
         "tooltip": _q(text)}
    return f"  {_q('label:' + key)} {_attrs(a)}"


def _spline(points: list[tuple[int, int]], c: _Canvas, arrow: float) -> str:
    """A Graphviz edge `pos`: straight cubic pieces through the waypoints, the last one
    shortened by the arrowhead, whose tip is the `e,` point."""
    pts = [(float(x), float(y)) for x, y in points]
    (x1, y1), (x2, y2) = pts[-2], pts[-1]
    length = max(abs(x2 - x1), abs(y2 - y1))
    cut = min(arrow, length / 2)
    dx = (x2 - x1) / length if length else 0.0
    dy = (y2 - y1) / length if length else 0.0
    end = (x2 - dx * cut, y2 - dy * cut)
    body = [*pts[:-1], end]
    ctrl = [body[0]]
    for p, q in zip(body, body[1:], strict=False):
        ctrl += [p, q, q]
    return "e," + c.pt(x2, y2) + " " + " ".join(c.pt(x, y) for x, y in ctrl)


def to_dot(process: Process, overlay: Overlay | None = None, flow: Flow | None = None,
           city_name: str | None = None) -> str:
    """DOT source of the process with every position fixed (deterministic); draw it with
    `neato -n2`."""
    flow = layout(flow or build_flow(process), GRAPHVIZ_STYLE)
    title = f"{process.name}（{city_name or process.city}）"
    sub = overlay.title if overlay is not None else ""
    legend = _legend(flow, overlay)
    title_lines = [*clip_lines(title, TITLE_MAX_W, 1), *(clip_lines(sub, TITLE_MAX_W, 2) if sub else [])]
    title_size = (max(text_width(x) for x in title_lines) * 14 // 11 + 10, 20 * len(title_lines))
    legend_size = None
    if legend:
        # a heading row and one row per entry; a 30 pt key cell, spacing and the border
        legend_size = (max(text_width(t) for _, _, t in legend) * 10 // 11 + 56, LEGEND_ROW * (len(legend) + 1) + 12)
    # a lane header needs its name's lines (up to six, then it is clipped) and some air
    lane_min_h = [max(40, len(clip_lines(lb.name, LANE_HEADER_W - 10, 6)) * LINE_H + 16) for lb in flow.lanes]
    page = compose(flow, LANE_HEADER_W, title_size, legend_size, lane_min_h)
    return _write(process, flow, page, overlay, (title, title_lines), legend)


def _legend(flow: Flow, overlay: Overlay | None) -> list[tuple[str, str, str]]:
    """Legend rows (kind, colour, text): badges that appear, the rework loop if any, then the
    overlay's own rows (clipped to one line each)."""
    shown = {k for n in flow.nodes for k in badges_of(n)}
    rows = [("badge:" + k, BADGES[k][1], BADGES[k][3]) for k in BADGES if k in shown]
    if back_edges(flow):
        rows.append(("loop", BACK_EDGE, "差し戻し (やり直し)"))
    if overlay is not None:
        rows += [("fill", colour, clip_lines(text, TITLE_MAX_W, 1)[0]) for colour, text in overlay.legend]
    return rows


def _legend_label(rows: list[tuple[str, str, str]]) -> str:
    cells = []
    for kind, colour, text in rows:
        if kind.startswith("badge:"):
            k = kind.split(":", 1)[1]
            key = (f'<TD BORDER="1" COLOR="{colour}" BGCOLOR="{BADGES[k][2]}" WIDTH="30">'
                   f'<FONT POINT-SIZE="8" COLOR="{colour}"><B>{BADGES[k][0]}</B></FONT></TD>')
        elif kind == "loop":
            key = f'<TD WIDTH="30"><FONT COLOR="{colour}"><B>- - →</B></FONT></TD>'
        else:
            key = f'<TD BORDER="1" COLOR="#888888" BGCOLOR="{_h(colour)}" WIDTH="30"> </TD>'
        cells.append(f'<TR>{key}<TD ALIGN="LEFT">{_h(text)}</TD></TR>')
    return ('<<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
            '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>凡例</B></TD></TR>' + "".join(cells) + "</TABLE>>")


def _write(process: Process, flow: Flow, page: Page, overlay: Overlay | None, title: tuple[str, list[str]],
           legend: list[tuple[str, str, str]]) -> str:
    c = _Canvas(page.height)
    out: list[str] = []
    w = out.append
    w("// tamaflow: every position is fixed (points); draw with `neato -n2 -Tsvg FILE` (render --to svg does)")
    w(f"digraph {_q(f'{process.process}/{process.city}')} {{")
    w("  graph " + _attrs({"layout": "neato", "bb": _q(f"0,0,{page.width},{page.height}"), "pad": "0.2",
                           "fontname": _q(FONT), "outputorder": "breadthfirst"}))
    w("  node " + _attrs({"fontname": _q(FONT), "fontsize": "10", "margin": "0"}))
    w("  edge " + _attrs({"fontname": _q(FONT), "arrowsize": "0.7"}))
    full, lines = title
    head = "<" + "<BR ALIGN=\"LEFT\"/>".join(f"<B>{_h(x)}</B>" if i == 0 else _h(x) for i, x in enumerate(lines))
    ta = {"id": _q("title"), "shape": "plaintext", "margin": "0", **c.box(page.title), "fontsize": "14",
          "labeljust": "l", "label": head + '<BR ALIGN="LEFT"/>>', "tooltip": _q(full)}
    w(f"  title {_attrs(ta)}")
    for band in page.bands:
        lb = band.lane
        i = flow.lanes.index(lb)
        key = f"{lb.bpmn_id or 'lane'}#{band.row}"
        body = {"id": _q(f"lane-{key}"), "shape": "box", "style": "filled", "fillcolor": _q(LANE_FILL[i % 2]),
                "color": _q(LANE_BORDER), "label": _q(""), **c.box(band.bounds)}
        w(f"  {_q('lane:' + key)} {_attrs(body)}")
        if lb.name:
            hb = Bounds(band.bounds.x, band.bounds.y, LANE_HEADER_W, band.bounds.h)
            lines = clip_lines(lb.name, LANE_HEADER_W - 10, max(1, (hb.h - 10) // LINE_H))
            header = {"id": _q(f"laneheader-{key}"), "shape": "box", "style": "filled",
                    "fillcolor": _q(LANE_HEADER_FILL[i % 2]), "color": _q(LANE_BORDER), "fontsize": "10",
                    "label": "<" + "<BR/>".join(f"<B>{_h(x)}</B>" for x in lines) + ">", "tooltip": _q(lb.name),
                    **c.box(hb)}
            w(f"  {_q('laneheader:' + key)} {_attrs(header)}")
    back = back_edges(flow)
    for piece in page.pieces:
        e = piece.edge
        ea = {"id": _q(f"edge-{piece.key}"), "pos": _q(_spline(piece.points, c, 7.0))}
        if e.id in back:
            ea.update(style="dashed", color=_q(BACK_EDGE))
        if not piece.arrow:
            ea["arrowhead"] = "none"
        w(f"  {_q(piece.tail)} -> {_q(piece.head)} {_attrs(ea)}")
    for n in flow.nodes:
        w(f"  {_q(n.id)} {_attrs(_node_attrs(n, page.at(n.bounds), c, overlay))}")
    for conn in page.connectors:
        a = {"id": _q(f"connector-{conn.key}"), "shape": "circle", "style": "filled", "fillcolor": _q("white"),
             "fontsize": "9", "label": _q(conn.text), "tooltip": _q(conn.tooltip), **c.box(conn.bounds)}
        w(f"  {_q('connector:' + conn.key)} {_attrs(a)}")
    for e in flow.edges:
        text = edge_text(e)
        if text and e.label is not None:
            w(_label_node(e.id, text, e.label_lines, page.at(e.label), c))
    for n in flow.nodes:
        if n.name and n.kind != "task" and n.label is not None:
            w(_label_node(n.id, n.name, n.label_lines, page.at(n.label), c))
    if page.legend is not None:
        la = {"id": _q("legend"), "shape": "plaintext", "margin": "0", **c.box(page.legend),
              "label": _legend_label(legend)}
        w(f"  legend {_attrs(la)}")
    w("}")
    return "\n".join(out) + "\n"


def run_dot(source: str, fmt: str) -> bytes:
    """Draw positioned DOT source with Graphviz (`neato -n2`, through the graphviz package) as svg
    or png."""
    if fmt not in ("svg", "png"):
        raise ValueError(fmt)
    try:
        data: bytes = graphviz.pipe("neato", fmt, source.encode("utf-8"), neato_no_op=2, quiet=True)
    except graphviz.ExecutableNotFound:
        raise TamaflowError("Graphviz is not installed: run `make sysdeps` (Debian package graphviz)",
                            code="TF000") from None
    except graphviz.CalledProcessError as e:
        msg = (e.stderr or b"").decode("utf-8", "replace").strip().splitlines() if isinstance(e.stderr, bytes) else []
        raise TamaflowError(f"Graphviz failed: {msg[-1] if msg else e.returncode}", code="TF900") from None
    return svg_titles(data) if fmt == "svg" else data


#: what a PNG shows for an emoji no installed font can draw (Pango would draw a hex box taller
#: than the line, running over the next line); SVG viewers bring their own emoji fonts
NO_GLYPH = "□"


@functools.cache
def _font_coverage() -> tuple[tuple[int, int], ...]:
    """Code point ranges the installed fonts cover, from fontconfig (empty if it is missing)."""
    try:
        out = subprocess.run(["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True, check=False,
                             timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    ranges = set()
    for token in out.split():
        first, _, last = token.partition("-")
        try:
            ranges.add((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):  # disjoint, so one bisect finds the only range that can hold a point
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


def _drawable_glyphs(cluster: str) -> bool:
    """Whether some installed font has every visible code point of an emoji cluster."""
    cov = _font_coverage()
    starts = [a for a, _ in cov]
    for ch in cluster:
        o = ord(ch)
        if o == 0x200D or 0xFE00 <= o <= 0xFE0F or 0x1F3FB <= o <= 0x1F3FF:
            continue  # joiners, variation selectors and skin tones need no glyph of their own
        i = bisect.bisect_right(starts, o) - 1
        if i < 0 or o > cov[i][1]:
            return False
    return True


_XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
_SVG = "{http://www.w3.org/2000/svg}"


def svg_titles(data: bytes) -> bytes:
    """Graphviz titles each shape with its DOT name and puts the tooltip on an `<a>`; browsers
    show the `<title>`, so it gets the tooltip (the full, unclipped text)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    root = etree.fromstring(data, parser)
    for g in root.iter(f"{_SVG}g"):
        if g.get("class") not in ("node", "edge"):
            continue
        title = g.find(f"{_SVG}title")
        link = next((a for a in g.iter(f"{_SVG}a") if a.get(_XLINK_TITLE)), None)
        if title is not None and link is not None:
            title.text = link.get(_XLINK_TITLE)
    body: bytes = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True)
    return body + b"\n"


def render_graphviz(process: Process, fmt: str, overlay: Overlay | None = None, city_name: str | None = None
                    ) -> bytes:
    """`dot`, `svg` or `png` bytes of a process."""
    source = to_dot(process, overlay, city_name=city_name)
    if fmt == "dot":
        return source.encode("utf-8")
    if fmt == "png":
        source = replace_clusters(source, _drawable_glyphs, NO_GLYPH)
    return run_dot(source, fmt)


__all__ = ["END_LABEL", "FORMATS", "GRAPHVIZ_STYLE", "Mark", "Overlay", "START_LABEL", "drawable", "render_graphviz",
           "run_dot", "to_dot"]
