"""Graphviz drawings of a process: DOT source, and SVG/PNG through Debian's `dot`.

Lanes are cluster bands stacked in YAML order (invisible anchors at the first and last rank
stretch every band over the whole width), tasks are shaped by kind, gateways are diamonds and
events circles. Labels use the IPAGothic font (Debian `fonts-ipafont-gothic`) so Japanese shows
in PNGs instead of empty boxes.

Overlays arrive as plain data (`Overlay`: step id → colour and tooltip, plus legend lines), so
this module never imports compare or score; the CLI computes them. The DOT text is ours and
deterministic; SVG/PNG bytes depend on the installed Graphviz version.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import graphviz

from ..model.findings import TamaflowError
from ..model.ja_names import DIAGRAM_KINDS
from ..model.process import Process
from .flow import END_LABEL, START_LABEL, Flow, FlowNode, back_edges, build_flow, layer_of

FONT = "IPAGothic"
LANE_FILL = ("#f4f6fa", "#eef3ee")
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


def _q(s: str) -> str:
    """A DOT double-quoted string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _h(s: str) -> str:
    """Text for an HTML-like label."""
    return html.escape(s, quote=True).replace("\n", "<BR/>")


def _attrs(d: Mapping[str, str]) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in d.items()) + "]"


def _node_attrs(n: FlowNode, overlay: Overlay | None) -> dict[str, str]:
    s = n.step
    a: dict[str, str] = {}
    if n.kind == "task" and s is not None:
        shape, style = KIND_SHAPE.get(s.kind, ("box", "rounded"))
        a["shape"] = shape
        a["style"] = _q(",".join(x for x in ("filled", style) if x))
        tag = DIAGRAM_KINDS.get(s.kind, s.kind)
        extra = []
        if s.minutes is not None:
            extra.append(f"{s.minutes:g}分")
        if s.seal:
            extra.append("押印")
        info = " · ".join([tag, *extra])
        a["label"] = f'<{_h(n.name)}<BR/><FONT POINT-SIZE="8" COLOR="#555555">{_h(info)}</FONT>>'
        a["fillcolor"] = _q("white")
    elif n.kind == "gateway":
        kind = s.gateway if s is not None and s.gateway else "exclusive"
        a["shape"] = "diamond"
        a["style"] = "filled"
        a["fillcolor"] = _q("#fff8e1")
        a["width"] = a["height"] = "0.45"
        a["fixedsize"] = "true"
        a["label"] = _q(GATEWAY_MARK[kind])
        if n.name:
            a["xlabel"] = _q(n.name)
    else:
        a["shape"] = "circle"
        a["style"] = "filled"
        a["width"] = a["height"] = "0.35"
        a["fixedsize"] = "true"
        a["label"] = _q("")
        if n.kind == "start":
            a["fillcolor"] = _q("#e8f5e9")
        elif n.kind == "end":
            a["fillcolor"] = _q("#ffebee")
            a["penwidth"] = "3"
        else:
            a["fillcolor"] = _q("#e3f2fd")
            a["peripheries"] = "2"
        if n.name:
            a["xlabel"] = _q(n.name)
    tooltip = n.name or n.id
    if s is not None and overlay is not None and s.id in overlay.marks:
        mark = overlay.marks[s.id]
        a["fillcolor"] = _q(mark.colour)
        if mark.tooltip:
            tooltip = f"{tooltip}\n{mark.tooltip}"
    a["tooltip"] = _q(tooltip)
    return a


def to_dot(process: Process, overlay: Overlay | None = None, flow: Flow | None = None,
           city_name: str | None = None) -> str:
    """DOT source of the process (deterministic)."""
    flow = flow or build_flow(process)
    nodes = {n.id: n for n in flow.nodes}
    merges = {n.id for n in flow.nodes if n.origin == "merge"}
    back = back_edges(flow)
    out: list[str] = []
    w = out.append
    title = f"{process.name}（{city_name or process.city}）"
    w(f"digraph {_q(f'{process.process}/{process.city}')} {{")
    gattrs = {"rankdir": "LR", "newrank": "true", "fontname": _q(FONT), "fontsize": "14", "labelloc": "t",
              "labeljust": "l", "nodesep": "0.35", "ranksep": "0.45", "forcelabels": "true", "pad": "0.2"}
    w(f"  graph {_attrs(gattrs)}")
    w(f"  graph [label={_graph_label(title, overlay)}]")
    w("  node " + _attrs({"fontname": _q(FONT), "fontsize": "10", "margin": _q("0.12,0.06")}))
    w("  edge " + _attrs({"fontname": _q(FONT), "fontsize": "9", "arrowsize": "0.7"}))
    has_lanes = bool(process.lanes)
    heads: list[str] = []
    tails: list[str] = []
    for i, lb in enumerate(flow.lanes):
        members = [nid for nid in lb.nodes if nid not in merges]
        indent = "  "
        if has_lanes:
            w(f"  subgraph {_q(f'cluster_{lb.bpmn_id}')} {{")
            lattrs = {"label": _q(lb.name), "style": "filled", "fillcolor": _q(LANE_FILL[i % 2]),
                      "color": _q("#9aa5b1"), "labeljust": "l", "fontsize": "11"}
            w(f"    graph {_attrs(lattrs)}")
            head, tail = f"{lb.bpmn_id}__head", f"{lb.bpmn_id}__tail"
            heads.append(head)
            tails.append(tail)
            w(f"    {_q(head)} [shape=point, style=invis, width=0, label=\"\"]")
            w(f"    {_q(tail)} [shape=point, style=invis, width=0, label=\"\"]")
            indent = "    "
        for nid in members:
            w(f"{indent}{_q(nid)} {_attrs(_node_attrs(nodes[nid], overlay))}")
        if has_lanes:
            w("  }")
    if has_lanes:
        # anchors share the rank of the first and of the last column, so each band spans the
        # whole width; flat invisible edges between them keep the bands in YAML order
        ranks = layer_of(flow)
        drawn = [n.id for n in flow.nodes if n.id not in merges]
        first = min(drawn, key=lambda nid: (ranks[nid], 0))
        last = max(drawn, key=lambda nid: (ranks[nid], 0))
        w("  { rank=same; " + "; ".join(_q(x) for x in [*heads, first]) + " }")
        w("  { rank=same; " + "; ".join(_q(x) for x in [*tails, last]) + " }")
        for a, b in zip(heads, heads[1:], strict=False):  # keep the bands in YAML order
            w(f"  {_q(a)} -> {_q(b)} [style=invis]")
        for a, b in zip(tails, tails[1:], strict=False):
            w(f"  {_q(a)} -> {_q(b)} [style=invis]")
    for e in flow.edges:
        if e.source in merges:
            continue
        target = e.target
        if target in merges:
            target = flow.step_ids[e.step_target]
        ea: dict[str, str] = {}
        label = e.branch.when if e.branch is not None and e.branch.when else ""
        if e.branch is not None and e.branch.share is not None:
            label = f"{label} {e.branch.share:.0%}".strip()
        if e.default:
            label = f"{label} (既定)".strip()
        if label:
            ea["label"] = _q(label)
        if e.id in back:
            ea["constraint"] = "false"
            ea["style"] = "dashed"
            ea["color"] = _q("#c0392b")
        w(f"  {_q(e.source)} -> {_q(target)}" + (f" {_attrs(ea)}" if ea else ""))
    w("}")
    return "\n".join(out) + "\n"


def _graph_label(title: str, overlay: Overlay | None) -> str:
    if overlay is None or not overlay.legend:
        return _q(title + (f" — {overlay.title}" if overlay is not None and overlay.title else ""))
    rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>{_h(title)}</B></TD></TR>']
    if overlay.title:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT">{_h(overlay.title)}</TD></TR>')
    for colour, text in overlay.legend:
        rows.append(f'<TR><TD BGCOLOR="{_h(colour)}" WIDTH="14"> </TD><TD ALIGN="LEFT">{_h(text)}</TD></TR>')
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">' + "".join(rows) + "</TABLE>>"


def run_dot(source: str, fmt: str) -> bytes:
    """Lay out DOT source with Graphviz' `dot` (through the graphviz package) into svg or png."""
    if fmt not in ("svg", "png"):
        raise ValueError(fmt)
    try:
        data: bytes = graphviz.pipe("dot", fmt, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise TamaflowError("Graphviz `dot` is not installed: run `make sysdeps` (Debian package graphviz)",
                            code="TF000") from None
    except graphviz.CalledProcessError as e:
        msg = (e.stderr or b"").decode("utf-8", "replace").strip().splitlines() if isinstance(e.stderr, bytes) else []
        raise TamaflowError(f"Graphviz dot failed: {msg[-1] if msg else e.returncode}", code="TF900") from None
    return data


def render_graphviz(process: Process, fmt: str, overlay: Overlay | None = None, city_name: str | None = None
                    ) -> bytes:
    """`dot`, `svg` or `png` bytes of a process."""
    source = to_dot(process, overlay, city_name=city_name)
    if fmt == "dot":
        return source.encode("utf-8")
    return run_dot(source, fmt)


__all__ = ["END_LABEL", "FORMATS", "Mark", "Overlay", "START_LABEL", "render_graphviz", "run_dot", "to_dot"]
