"""BPMN 2.0 XML with full BPMNDI, written with lxml.

One collaboration with one participant (pool) per process, a laneSet with the YAML lanes, typed
tasks, gateways with named conditions and default flows, start/end/intermediate events, and a
diagram laid out by `layout.py`. The output is byte-identical for the same process (stable ids,
fixed element order, no timestamps), so diffs of `diagrams/` stay small.

Depends only on the model and `render.layout`; never on compare/score (overlays are Graphviz
only and come in as plain data).

Round trip: the tamaflow extension (namespace `TF_NS`)
---------------------------------------------------------
(No extension element has an `id` attribute, so none can clash with BPMN ids.)
Everything a YAML file says is stored, so that `tamaflow import` (io/bpmn_read.py) can rebuild
the YAML exactly. Values are written as in YAML: booleans `true`/`false`, numbers in their
shortest form (`3`, `0.05`), text verbatim. An attribute or child is absent when the YAML field
was absent (or empty / false for lists and `seal`/`system_change`/`join`/`end`, their defaults).

On `bpmn:process` → `bpmn:extensionElements`:
    <tf:process process="tennyu" name="転入届" city="kunitachi" area="…" volume="4200">
      <tf:source>https://…</tf:source>        (one per source, in order)
      <tf:channel>counter</tf:channel>        (one per channel, in order)
      <tf:assumed>volume</tf:assumed>         (one per assumed field, in order)
      <tf:description>…</tf:description>      (optional)
    </tf:process>

On each `bpmn:lane`: <tf:lane lane_id="counter"/> (the YAML lane id; the lane's `name` attribute is
the YAML lane name; lanes are written in YAML order).

On each flow node that is a YAML step:
    <tf:step step_id="check_id" index="0" name="本人確認" lane="counter" kind="user"
             gateway="exclusive" join="true" event="timer" next="review" end="true"
             minutes="3" medium="paper" rule_based="true" structured="false" seal="true"
             exceptions="0.05" access="web" system_change="true" standard="JUKI-020">
      <tf:system>住民記録システム</tf:system>    (one per system, in order)
      <tf:assumed>minutes</tf:assumed>        (one per assumed field, in order)
      <tf:note>…</tf:note>                    (optional)
    </tf:step>
  `step_id` is the YAML step id (the BPMN id is the same unless the step id is not an NCName, then
  it is prefixed with `_`); `index` is the 0-based position in `steps:` (order matters: a step
  without `next` flows to the following one); `name`, `lane`, `kind` (tasks only), `gateway`,
  `join`, `event`, `next`, `end` are the YAML fields as written (the laneSet membership is for
  drawing: gateways without a YAML lane are drawn in a neighbour's lane, but have no `lane`).

On each sequence flow that draws a YAML branch:
    <tf:branch from="has_card" to="read_card" index="0" when="…" share="0.6" default="true"/>
  `from`/`to` are YAML step ids (`to` is the real target even when the flow ends at an inserted
  merge gateway); `index` is the branch's position in `branches:`.

Generated elements carry no tf:step: the implicit start (`_start`), the implicit end events
(`_end_<step>`, one per step that ends), and merge gateways (`_merge_<step>`, inserted where
several flows meet a task, an event or a splitting gateway; bpmnlint `fake-join`) are marked
`<tf:generated kind="start|end|merge"/>` so an importer can drop them. Human-readable
`bpmn:documentation` repeats the attributes for people reading the file in a modeler.
"""

from __future__ import annotations

import re

from lxml import etree

from ..model.process import Process, Step
from .layout import Bounds, Flow, FlowEdge, FlowNode, build_layout

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TF_NS = "https://tamaflow.example/schema/bpmn"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "xsi": XSI_NS, "tf": TF_NS}

TASK_TAGS = {
    "user": "userTask",
    "manual": "manualTask",
    "service": "serviceTask",
    "send": "sendTask",
    "receive": "receiveTask",
    "rule": "businessRuleTask",
    "approval": "userTask",
}
GATEWAY_TAGS = {"exclusive": "exclusiveGateway", "parallel": "parallelGateway", "inclusive": "inclusiveGateway"}
#: intermediate events: element and event definition (None = a plain "none" event)
EVENT_TAGS: dict[str, tuple[str, str | None]] = {
    "message": ("intermediateCatchEvent", "messageEventDefinition"),
    "message-throw": ("intermediateThrowEvent", "messageEventDefinition"),
    "timer": ("intermediateCatchEvent", "timerEventDefinition"),
    "signal": ("intermediateCatchEvent", "signalEventDefinition"),
    "none": ("intermediateThrowEvent", None),
}
#: step attributes stored on tf:step, in this order (YAML field names)
STEP_SCALARS = ("minutes", "medium", "rule_based", "structured", "seal", "exceptions", "access",
                "system_change", "standard")


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def _tf(tag: str) -> str:
    return f"{{{TF_NS}}}{tag}"


def fmt(value: object) -> str:
    """A value as YAML would write it: true/false, shortest number, or the text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


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


def _step_doc(s: Step) -> str:
    parts: list[str] = []
    if s.is_task:
        parts.append(f"kind: {s.kind}")
    for key in STEP_SCALARS:
        v = getattr(s, key)
        if v is None or (key in ("seal", "system_change") and not v):
            continue
        parts.append(f"{key}: {fmt(v)}")
    if s.systems:
        parts.append("systems: " + ", ".join(s.systems))
    if s.assumed:
        parts.append("assumed (estimated): " + ", ".join(s.assumed))
    if s.note:
        parts.append(f"note: {s.note}")
    return "\n".join(parts)


def _process_doc(p: Process) -> str:
    parts = [f"{p.name} ({p.process}) — {p.city}"]
    if p.area:
        parts.append(f"area: {p.area}")
    if p.volume is not None:
        parts.append(f"volume: {fmt(p.volume)} cases/year")
    if p.channels:
        parts.append("channels: " + ", ".join(p.channels))
    if p.source:
        parts.append("source: " + " ".join(p.source))
    if p.assumed:
        parts.append("assumed (estimated): " + ", ".join(p.assumed))
    if p.description:
        parts.append(p.description)
    return "\n".join(parts)


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(s: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters a YAML escape can produce)."""
    return _NOT_XML.sub("", s)


def _sub(parent: etree._Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None
         ) -> etree._Element:
    el = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in (attrib or {}).items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _tf_process(ext: etree._Element, p: Process) -> None:
    attrs = {"process": p.process, "name": p.name, "city": p.city}
    if p.area is not None:
        attrs["area"] = p.area
    if p.volume is not None:
        attrs["volume"] = fmt(p.volume)
    el = _sub(ext, _tf("process"), attrs)
    for src in p.source:
        _sub(el, _tf("source"), text=src)
    for ch in p.channels:
        _sub(el, _tf("channel"), text=ch)
    for a in p.assumed:
        _sub(el, _tf("assumed"), text=a)
    if p.description is not None:
        _sub(el, _tf("description"), text=p.description)


def _tf_step(ext: etree._Element, s: Step, index: int) -> None:
    attrs: dict[str, str] = {"step_id": s.id, "index": str(index)}
    if "name" in s.field_pos or s.name:
        attrs["name"] = s.name
    if s.lane is not None:
        attrs["lane"] = s.lane
    if s.is_task:
        attrs["kind"] = s.kind
    if s.gateway is not None:
        attrs["gateway"] = s.gateway
    if s.join:
        attrs["join"] = "true"
    if s.event is not None:
        attrs["event"] = s.event
    if s.next is not None:
        attrs["next"] = s.next
    if s.end:
        attrs["end"] = "true"
    for key in STEP_SCALARS:
        v = getattr(s, key)
        if v is None or (key in ("seal", "system_change") and not v):
            continue
        attrs[key] = fmt(v)
    el = _sub(ext, _tf("step"), attrs)
    for sysname in s.systems:
        _sub(el, _tf("system"), text=sysname)
    for a in s.assumed:
        _sub(el, _tf("assumed"), text=a)
    if s.note is not None:
        _sub(el, _tf("note"), text=s.note)


def _bounds(parent: etree._Element, b: Bounds) -> None:
    _sub(parent, f"{{{DC_NS}}}Bounds", {"x": str(b.x), "y": str(b.y), "width": str(b.w), "height": str(b.h)})


def _label(parent: etree._Element, b: Bounds | None) -> None:
    if b is not None:
        _bounds(_sub(parent, f"{{{BPMNDI_NS}}}BPMNLabel"), b)


def pool_title(process: Process, city_name: str | None = None) -> str:
    """The pool's label: procedure name and city (its Japanese name when the library knows it)."""
    return f"{process.name}（{city_name or process.city}）"


def flow_to_xml(flow: Flow, city_name: str | None = None) -> etree._Element:
    """The `bpmn:definitions` tree of a laid-out flow."""
    p = flow.process
    ids = flow.ids
    defs = etree.Element(_b("definitions"), nsmap=NSMAP)  # type: ignore[arg-type]
    defs.set("id", ids.claim("_definitions"))
    defs.set("targetNamespace", f"https://tamaflow.example/processes/{p.process}/{p.city}")
    defs.set("exporter", "tamaflow")
    collab_id = ids.claim("_collaboration")
    pool_id = ids.claim("_pool")
    proc_id = ids.claim(f"_process_{p.process}_{p.city}")
    collab = _sub(defs, _b("collaboration"), {"id": collab_id})
    _sub(collab, _b("participant"), {"id": pool_id, "name": pool_title(p, city_name), "processRef": proc_id})

    proc = _sub(defs, _b("process"), {"id": proc_id, "name": p.name, "isExecutable": "false"})
    _sub(proc, _b("documentation"), text=_process_doc(p))
    _tf_process(_sub(proc, _b("extensionElements")), p)

    has_lanes = bool(p.lanes)
    if has_lanes:
        lane_set = _sub(proc, _b("laneSet"), {"id": ids.claim("_laneset")})
        for lb in flow.lanes:
            lane = _sub(lane_set, _b("lane"), {"id": lb.bpmn_id, "name": lb.name})
            _sub(_sub(lane, _b("extensionElements")), _tf("lane"), {"lane_id": lb.id or ""})
            for nid in lb.nodes:
                _sub(lane, _b("flowNodeRef"), text=nid)

    step_index = {s.id: i for i, s in enumerate(p.steps)}
    for n in flow.nodes:
        attrs = {"id": n.id}
        if n.name:
            attrs["name"] = n.name
        if n.default_flow is not None:
            attrs["default"] = n.default_flow
        el = _sub(proc, _b(element_tag(n)), attrs)
        if n.step is not None:
            doc = _step_doc(n.step)
            if doc:
                _sub(el, _b("documentation"), text=doc)
            _tf_step(_sub(el, _b("extensionElements")), n.step, step_index[n.step.id])
        else:
            _sub(_sub(el, _b("extensionElements")), _tf("generated"), {"kind": n.origin})
        for fid in n.incoming:
            _sub(el, _b("incoming"), text=fid)
        for fid in n.outgoing:
            _sub(el, _b("outgoing"), text=fid)
        if n.kind == "event" and n.step is not None and n.step.event is not None:
            definition = EVENT_TAGS[n.step.event][1]
            if definition is not None:
                _sub(el, _b(definition), {"id": ids.claim(f"{n.id}_def")})

    for e in flow.edges:
        _sequence_flow(proc, e)

    diagram = _sub(defs, f"{{{BPMNDI_NS}}}BPMNDiagram", {"id": ids.claim("_diagram")})
    plane = _sub(diagram, f"{{{BPMNDI_NS}}}BPMNPlane", {"id": ids.claim("_plane"), "bpmnElement": collab_id})
    shape = _sub(plane, f"{{{BPMNDI_NS}}}BPMNShape",
                 {"id": ids.claim(f"{pool_id}_di"), "bpmnElement": pool_id, "isHorizontal": "true"})
    _bounds(shape, flow.pool)
    if has_lanes:
        for lb in flow.lanes:
            shape = _sub(plane, f"{{{BPMNDI_NS}}}BPMNShape",
                         {"id": ids.claim(f"{lb.bpmn_id}_di"), "bpmnElement": lb.bpmn_id, "isHorizontal": "true"})
            _bounds(shape, lb.bounds)
    for n in flow.nodes:
        attrs = {"id": ids.claim(f"{n.id}_di"), "bpmnElement": n.id}
        if n.kind == "gateway" and (n.step is None or n.step.gateway == "exclusive"):
            attrs["isMarkerVisible"] = "true"
        shape = _sub(plane, f"{{{BPMNDI_NS}}}BPMNShape", attrs)
        _bounds(shape, n.bounds)
        _label(shape, n.label)
    for e in flow.edges:
        edge = _sub(plane, f"{{{BPMNDI_NS}}}BPMNEdge", {"id": ids.claim(f"{e.id}_di"), "bpmnElement": e.id})
        for x, y in e.waypoints:
            _sub(edge, f"{{{DI_NS}}}waypoint", {"x": str(x), "y": str(y)})
        _label(edge, e.label)
    return defs


def _sequence_flow(proc: etree._Element, e: FlowEdge) -> None:
    attrs = {"id": e.id}
    if e.name:
        attrs["name"] = e.name
    attrs["sourceRef"] = e.source
    attrs["targetRef"] = e.target
    el = _sub(proc, _b("sequenceFlow"), attrs)
    if e.branch is not None:
        b = e.branch
        doc = []
        if b.when:
            doc.append(f"when: {b.when}")
        if b.share is not None:
            doc.append(f"share: {fmt(b.share)}")
        if b.default:
            doc.append("default: true")
        if doc:
            _sub(el, _b("documentation"), text="\n".join(doc))
        battrs = {"from": e.step_source, "to": b.to, "index": str(e.branch_index)}
        if b.when is not None:
            battrs["when"] = b.when
        if b.share is not None:
            battrs["share"] = fmt(b.share)
        if b.default:
            battrs["default"] = "true"
        _sub(_sub(el, _b("extensionElements")), _tf("branch"), battrs)
    if e.condition is not None:
        cond = _sub(el, _b("conditionExpression"), text=e.condition)
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
