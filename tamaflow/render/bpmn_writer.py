"""BPMN 2.0 XML with full BPMNDI, written with lxml.

One collaboration with one participant (pool) per process, a laneSet with the YAML lanes, typed
tasks, gateways with named conditions and default flows, start/end/intermediate events, and a
diagram laid out by `layout.py` over the flow of `flow.py`. The output is byte-identical for the same process (stable ids,
fixed element order, no timestamps), so diffs of `diagrams/` stay small.

Depends only on the model, io/bpmn and `render.flow`/`render.layout`; never on compare/score (overlays are Graphviz
only and come in as plain data).

The model-only parts (the `tf:` round-trip extension, documentation text, value formatting) are
in io/bpmn/write.py, next to the reader; this module adds what needs the layout.
"""

from __future__ import annotations

from lxml import etree

from ..io.bpmn.namespaces import BPMNDI_NS, DC_NS, DI_NS, EVENT_TAGS, GATEWAY_TAGS, NSMAP, TASK_TAGS, XSI_NS, bpmn, tf
from ..io.bpmn.write import (
    XML_DECLARATION,
    pool_title,
    process_doc,
    step_doc,
    sub,
    write_branch,
    write_tf_process,
    write_tf_step,
)
from ..model.process import Process
from .flow import Bounds, Flow, FlowEdge, FlowNode
from .layout import BPMN_STYLE, LABEL_MAX_W, build_layout
from .text import clip

#: lines of a lane or pool name in its 30 px strip
STRIP_LINES = 2


def element_tag(node: FlowNode) -> str:
    """BPMN element local name for a flow node."""
    s = node.step
    if node.kind == "start":
        return "startEvent"
    if node.kind == "end":
        return "endEvent"
    if node.kind == "gateway":
        return GATEWAY_TAGS[s.gateway] if s is not None and s.gateway else "exclusiveGateway"
    if node.kind == "event":
        assert s is not None and s.event is not None
        return EVENT_TAGS[s.event][0]
    assert s is not None
    return TASK_TAGS.get(s.kind, "task")


def _bounds(parent: etree._Element, b: Bounds) -> None:
    sub(parent, f"{{{DC_NS}}}Bounds", {"x": str(b.x), "y": str(b.y), "width": str(b.w), "height": str(b.h)})


def _label(parent: etree._Element, b: Bounds | None) -> None:
    if b is not None:
        _bounds(sub(parent, f"{{{BPMNDI_NS}}}BPMNLabel"), b)


def flow_to_xml(flow: Flow, city_name: str | None = None) -> etree._Element:
    """The `bpmn:definitions` tree of a laid-out flow."""
    p = flow.process
    ids = flow.ids
    defs = etree.Element(bpmn("definitions"), nsmap=NSMAP)  # type: ignore[arg-type]
    defs.set("id", ids.claim("_definitions"))
    defs.set("targetNamespace", f"https://tamaflow.example/processes/{p.process}/{p.city}")
    defs.set("exporter", "tamaflow")
    collab_id = ids.claim("_collaboration")
    pool_id = ids.claim("_pool")
    proc_id = ids.claim(f"_process_{p.process}_{p.city}")
    collab = sub(defs, bpmn("collaboration"), {"id": collab_id})
    title = pool_title(p, city_name)
    shown = clip(title, max(LABEL_MAX_W, flow.pool.h - 10), STRIP_LINES)
    part = sub(collab, bpmn("participant"), {"id": pool_id, "name": shown, "processRef": proc_id})
    if shown != title:  # the drawing clipped it: the full title stays readable in the modeler
        sub(part, bpmn("documentation"), text=title)

    proc = sub(defs, bpmn("process"), {"id": proc_id, "name": p.name, "isExecutable": "false"})
    sub(proc, bpmn("documentation"), text=process_doc(p))
    write_tf_process(sub(proc, bpmn("extensionElements")), p)

    has_lanes = bool(p.lanes)
    if has_lanes:
        lane_set = sub(proc, bpmn("laneSet"), {"id": ids.claim("_laneset")})
        for lb in flow.lanes:
            shown = clip(lb.name, max(LABEL_MAX_W, lb.bounds.h - 10), STRIP_LINES)
            lane = sub(lane_set, bpmn("lane"), {"id": lb.bpmn_id, "name": shown})
            tf_lane = {"lane_id": lb.id or ""}
            if shown != lb.name:  # clipped in the drawing: documentation and tf:lane keep it whole
                sub(lane, bpmn("documentation"), text=lb.name)
                tf_lane["name"] = lb.name
            sub(sub(lane, bpmn("extensionElements")), tf("lane"), tf_lane)
            for nid in lb.nodes:
                sub(lane, bpmn("flowNodeRef"), text=nid)

    step_index = {s.id: i for i, s in enumerate(p.steps)}
    for n in flow.nodes:
        attrs = {"id": n.id}
        shown = BPMN_STYLE.node_name(n)
        if shown:
            attrs["name"] = shown
        if n.default_flow is not None:
            attrs["default"] = n.default_flow
        el = sub(proc, bpmn(element_tag(n)), attrs)
        if n.step is not None:
            doc = step_doc(n.step)
            if shown != n.name:  # clipped in the drawing: the documentation keeps the whole name
                doc = f"name: {n.name}" + (f"\n{doc}" if doc else "")
            if doc:
                sub(el, bpmn("documentation"), text=doc)
            write_tf_step(sub(el, bpmn("extensionElements")), n.step, step_index[n.step.id])
        else:
            sub(sub(el, bpmn("extensionElements")), tf("generated"), {"kind": n.origin})
        for fid in n.incoming:
            sub(el, bpmn("incoming"), text=fid)
        for fid in n.outgoing:
            sub(el, bpmn("outgoing"), text=fid)
        if n.kind == "event" and n.step is not None and n.step.event is not None:
            definition = EVENT_TAGS[n.step.event][1]
            if definition is not None:
                sub(el, bpmn(definition), {"id": ids.claim(f"{n.id}_def")})

    for e in flow.edges:
        _sequence_flow(proc, e)

    diagram = sub(defs, f"{{{BPMNDI_NS}}}BPMNDiagram", {"id": ids.claim("_diagram")})
    plane = sub(diagram, f"{{{BPMNDI_NS}}}BPMNPlane", {"id": ids.claim("_plane"), "bpmnElement": collab_id})
    shape = sub(plane, f"{{{BPMNDI_NS}}}BPMNShape",
                 {"id": ids.claim(f"{pool_id}_di"), "bpmnElement": pool_id, "isHorizontal": "true"})
    _bounds(shape, flow.pool)
    if has_lanes:
        for lb in flow.lanes:
            shape = sub(plane, f"{{{BPMNDI_NS}}}BPMNShape",
                         {"id": ids.claim(f"{lb.bpmn_id}_di"), "bpmnElement": lb.bpmn_id, "isHorizontal": "true"})
            _bounds(shape, lb.bounds)
    for n in flow.nodes:
        attrs = {"id": ids.claim(f"{n.id}_di"), "bpmnElement": n.id}
        if n.kind == "gateway" and (n.step is None or n.step.gateway == "exclusive"):
            attrs["isMarkerVisible"] = "true"
        shape = sub(plane, f"{{{BPMNDI_NS}}}BPMNShape", attrs)
        _bounds(shape, n.bounds)
        _label(shape, n.label)
    for e in flow.edges:
        edge = sub(plane, f"{{{BPMNDI_NS}}}BPMNEdge", {"id": ids.claim(f"{e.id}_di"), "bpmnElement": e.id})
        for x, y in e.waypoints:
            sub(edge, f"{{{DI_NS}}}waypoint", {"x": str(x), "y": str(y)})
        _label(edge, e.label)
    return defs


def _sequence_flow(proc: etree._Element, e: FlowEdge) -> None:
    attrs = {"id": e.id}
    if e.name:  # clipped like the label the layout made room for; the branch's documentation
        # and its conditionExpression keep the whole condition
        attrs["name"] = clip(e.name, BPMN_STYLE.label_w, BPMN_STYLE.label_lines)
    attrs["sourceRef"] = e.source
    attrs["targetRef"] = e.target
    el = sub(proc, bpmn("sequenceFlow"), attrs)
    if e.branch is not None:
        write_branch(el, e.branch, e.step_source, e.branch_index)
    if e.condition is not None:
        cond = sub(el, bpmn("conditionExpression"), text=e.condition)
        cond.set(f"{{{XSI_NS}}}type", "bpmn:tFormalExpression")


def to_bpmn_bytes(process: Process, city_name: str | None = None) -> bytes:
    """The BPMN file of one process (UTF-8, XML declaration, two-space indent, final newline)."""
    return to_bpmn_with_flow(process, city_name)[0]


def to_bpmn_with_flow(process: Process, city_name: str | None = None) -> tuple[bytes, Flow]:
    """Like `to_bpmn_bytes`, also returning the laid-out flow (for tests and other renderers)."""
    flow = build_layout(process)
    root = flow_to_xml(flow, city_name)
    etree.indent(root, space="  ")
    body: bytes = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    return XML_DECLARATION + body, flow
