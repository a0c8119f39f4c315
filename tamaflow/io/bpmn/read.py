"""BPMN 2.0 XML → `Process`: import models drawn in bpmn.io, Camunda Modeler, Signavio (and
tamaflow's own BPMN writer) so they can be validated, compared and scored like YAML files.

How BPMN maps onto the format (decisions, see also docs):
- **Pools.** All pools of a collaboration are merged into one process. Each lane becomes a
  tamaflow lane (lane id = BPMN lane id); a pool without lanes becomes one lane (only when the
  file holds several pools). Message flows that start another pool's process (target is a start
  event) become flows, so the merged graph is connected: the sender then splits in parallel
  into its own continuation and the other pool. Other message flows are not control flow; they
  are recorded in the receiving step's `note`. Pools whose start is not triggered by a message
  run in parallel from the first start event.
- **Ids.** Element ids are kept as step ids, passed through `safe_id` (characters outside
  `A-Za-z0-9_.-` become `_`); compare maps gold-standard ids through the same function.
  `read_bpmn_mapped` also returns step id → element id.
- **Tasks** keep their names with whitespace collapsed; unnamed tasks are named by their id.
  Task types map to `kind` (task/userTask → user, manualTask → manual, service/scriptTask →
  service, sendTask → send, receiveTask → receive, businessRuleTask → rule). **Subprocesses**
  (embedded, call activities, transactions) become one task: comparing and scoring work on the
  level the modeller chose to show, and flattening would invent lanes for the inner nodes.
- **Gateways.** A converging exclusive gateway becomes an implicit merge (several flows into
  one step); converging parallel/inclusive gateways become `join: true` steps; a gateway that
  both joins and splits becomes a join followed by a split (`<id>_join`, `<id>`). Gateways with
  one way in and one way out are dropped. Event-based gateways become exclusive gateways whose
  conditions are the events' names; complex gateways become inclusive. Conditions come from the
  flow's name, else its `conditionExpression`; `default` flows become `default: true`.
- **Implicit splits.** An activity with several outgoing flows gets a split after it
  (`<id>_split`): parallel for unconditional flows, inclusive when a flow has a condition,
  exclusive for **boundary events**, which become a branch "the event happened" next to the
  normal (default) flow.
- **Events** stay steps: the first start event is `event: start`; other start events become
  `message`/`timer`/`signal`/`none` events; intermediate catch events map by their definition;
  throw events with a message are `message-throw`; end events are `event: end`.
- Data objects, stores, text annotations, associations and diagram interchange are ignored.

Only depends on the model, the safe XML parser and the neutral flow graph (io/flowgraph.py,
shared with the PNML reader). Its counterpart is io/bpmn/write.py (the `tf:` extension format).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from lxml import etree

from ...model.findings import TamaflowError, quoted
from ...model.ids import safe_id, slugify
from ...model.process import Branch, Lane, Pos, Process, Step
from ..flowgraph import (
    EVENT_FROM_DEF,
    STEP_ATTRS,
    FlowGraph,
    Meta,
    Node,
    build_process,
    clean_name,
    refuse_too_many_steps,
)
from ..xml_safe import local, namespace, parse_xml
from .namespaces import BPMN_NAMESPACES, GATEWAY_OF, TASK_KIND_OF, bpmn_children, is_bpmn, is_flow_node, tf_children


def _pos(el: etree._Element) -> Pos:
    return Pos(el.sourceline or 0, 1 if el.sourceline else 0)


def _text(el: etree._Element | None) -> str:
    return clean_name("".join(el.itertext())) if el is not None else ""


def _event_def(el: etree._Element) -> str | None:
    for c in el:
        name = local(c.tag)
        if name.endswith("EventDefinition"):
            return name[: -len("EventDefinition")]
    return None


def _bpmn_root(path: str) -> etree._Element:
    tree = parse_xml(path)
    root = tree.getroot()
    if local(root.tag) != "definitions" or namespace(root.tag) not in BPMN_NAMESPACES:
        ns = namespace(root.tag)
        raise TamaflowError(
            f"not a BPMN 2.0 file: the root element is <{local(root.tag)}>"
            f"{' in ' + ns if ns else ' without a namespace'}, expected <definitions> in {BPMN_NAMESPACES[0]}",
            path, root.sourceline or 1, 1, "TF001")
    return root


# ----- tamaflow's own extension (written by io/bpmn/write.py) -----------------------------------
def _tf(el: etree._Element, name: str) -> etree._Element | None:
    """The `tf:<name>` element inside `el`'s extensionElements, if any."""
    for ext in bpmn_children(el, "extensionElements"):
        for c in tf_children(ext, name):
            return c
    return None


def _tf_texts(el: etree._Element, name: str) -> list[str]:
    return [c.text or "" for c in tf_children(el, name)]


def _tf_text(el: etree._Element, name: str) -> str | None:
    texts = _tf_texts(el, name)
    return texts[0] if texts else None


def _number(raw: str) -> float | int | None:
    """A tamaflow attribute's number, or None when it is not a finite one (`1e309` is infinity
    to float(), and int() of infinity raised OverflowError out of the importer)."""
    try:
        value = int(raw) if re.fullmatch(r"-?\d+", raw.strip()) else float(raw)
    except ValueError:
        return None
    return value if isinstance(value, int) or math.isfinite(value) else None


_STEP_BOOLS = ("join", "end", "rule_based", "structured", "seal", "system_change")
_STEP_NUMBERS = ("minutes", "exceptions")
_STEP_TEXTS = ("name", "lane", "kind", "gateway", "event", "next", "medium", "access", "standard")


def _tf_step_fields(st: etree._Element) -> dict[str, Any]:
    """The YAML fields of one step as tamaflow's writer stored them on `tf:step`."""
    out: dict[str, Any] = {}
    for key in _STEP_TEXTS:
        if st.get(key) is not None:
            out[key] = st.get(key)
    for key in _STEP_BOOLS:
        if st.get(key) is not None:
            out[key] = st.get(key) == "true"
    for key in _STEP_NUMBERS:
        if st.get(key) is not None:
            num = _number(st.get(key, ""))
            if num is not None:
                out[key] = num
    systems = _tf_texts(st, "system")
    if systems:
        out["systems"] = systems
    assumed = _tf_texts(st, "assumed")
    if assumed:
        out["assumed"] = assumed
    note = _tf_text(st, "note")
    if note is not None:
        out["note"] = note
    return out


def _tf_branch(flow: etree._Element) -> etree._Element | None:
    return _tf(flow, "branch")


def _tf_process_fields(tp: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("process", "name", "city", "area"):
        if tp.get(key) is not None:
            out[key] = tp.get(key)
    if tp.get("volume") is not None:
        vol = _number(tp.get("volume", ""))
        if vol is not None:
            out["volume"] = vol
    for key, child in (("source", "source"), ("channels", "channel"), ("assumed", "assumed")):
        values = _tf_texts(tp, child)
        if values:
            out[key] = values
    desc = _tf_text(tp, "description")
    if desc is not None:
        out["description"] = desc
    return out


def _tf_lanes(proc_el: etree._Element) -> tuple[list[Lane], dict[str, str]]:
    """YAML lanes from the laneSet (in order) and BPMN lane id → YAML lane id."""
    lanes: list[Lane] = []
    ids: dict[str, str] = {}
    for ls in bpmn_children(proc_el, "laneSet"):
        for lane in bpmn_children(ls, "lane"):
            tl = _tf(lane, "lane")
            lid = (tl.get("lane_id") or tl.get("id")) if tl is not None else None
            if lid:
                ids[lane.get("id", "")] = lid
                # tf:lane keeps the whole name when the drawing's `name` was clipped
                lanes.append(Lane(lid, (tl.get("name") if tl is not None else None) or lane.get("name") or lid,
                                  _pos(lane)))
    return lanes, ids


def _read_tamaflow_exact(path: str, proc_el: etree._Element, tp: etree._Element
                         ) -> tuple[Process, dict[str, str]] | None:
    """Rebuild the YAML process exactly from tamaflow's extension elements.

    Returns None when the drawing no longer matches the stored steps (someone edited the file
    in a modeler): then the file is imported from its flows like any other BPMN."""
    from ...model.graph import to_graph
    from ...model.process import END, START

    indexed: list[tuple[int, Step, str]] = []
    generated: dict[str, str] = {}
    for el in proc_el:
        if not is_flow_node(el):
            continue
        eid = el.get("id", "")
        st = _tf(el, "step")
        gen = _tf(el, "generated")
        if st is None and gen is None:
            return None
        if st is None:
            generated[eid] = (gen.get("kind") if gen is not None else None) or ""
            continue
        fields = _tf_step_fields(st)
        sid = st.get("step_id") or st.get("id")
        if not sid:
            return None
        step = Step(id=sid, pos=_pos(el))
        for key, value in fields.items():
            setattr(step, key, value)
        index = _number(st.get("index", "")) if st.get("index") is not None else None
        indexed.append((int(index) if index is not None else len(indexed), step, eid))
    indexed.sort(key=lambda x: x[0])
    steps = [s for _, s, _ in indexed]
    refuse_too_many_steps(len(steps), path)  # its gateways count too; before the graph below
    step_of = {eid: s.id for _, s, eid in indexed}
    by_step = {s.id: s for s in steps}
    if len(by_step) != len(steps):
        return None
    # sequence flows: branches from tf:branch, and the graph to check against
    flows = bpmn_children(proc_el, "sequenceFlow")
    merge_target: dict[str, str] = {}
    for f in flows:
        if generated.get(f.get("sourceRef", "")) == "merge":
            merge_target[f.get("sourceRef", "")] = f.get("targetRef", "")

    def resolve(eid: str) -> str | None:
        seen = 0
        while eid in merge_target and seen < 1000:
            eid = merge_target[eid]
            seen += 1
        if eid in step_of:
            return step_of[eid]
        kind = generated.get(eid)
        return START if kind == "start" else END if kind == "end" else None

    drawn: set[tuple[str, str]] = set()
    branches: dict[str, list[tuple[int, Branch]]] = {}
    for f in flows:
        src, tgt = f.get("sourceRef", ""), f.get("targetRef", "")
        if generated.get(src) == "merge":
            continue
        a, b = resolve(src), resolve(tgt)
        if a is None or b is None:
            return None
        drawn.add((a, b))
        tb = _tf_branch(f)
        if tb is not None:
            frm = tb.get("from") or a
            br = Branch(tb.get("to") or b, tb.get("when"), None, tb.get("default") == "true", _pos(f))
            if tb.get("share") is not None:
                share = _number(tb.get("share", ""))
                br.share = float(share) if share is not None else None
            idx = _number(tb.get("index", "0"))
            branches.setdefault(frm, []).append((int(idx) if idx is not None else 0, br))
    for sid, items in branches.items():
        if sid not in by_step:
            return None
        by_step[sid].branches = [b for _, b in sorted(items, key=lambda x: x[0])]
    lanes, _ = _tf_lanes(proc_el)
    fields = _tf_process_fields(tp)
    proc = Process(process=fields.get("process", slugify(Path(path).stem)), name=fields.get("name", Path(path).stem),
                   city=fields.get("city", Path(path).stem), steps=steps, lanes=lanes, path=path, pos=_pos(tp))
    for key in ("area", "volume", "source", "channels", "assumed", "description"):
        if key in fields:
            setattr(proc, key, fields[key])
    if {(u, v) for u, v in to_graph(proc).edges()} != drawn:
        return None
    return proc, {sid: eid for eid, sid in step_of.items()}


# ----- any BPMN -----------------------------------------------------------------------------------
def _lanes(proc_el: etree._Element, pool_id: str, pool_name: str, several_pools: bool,
           lanes: list[Lane], lane_of: dict[str, str]) -> None:
    """Leaf lanes of a process (nested lane sets: the innermost lane wins). Lane ids become
    `safe_id(BPMN lane id)`, or the YAML lane id stored by tamaflow's writer."""
    found: list[tuple[etree._Element, int]] = []

    def walk(lane_set: etree._Element, depth: int) -> None:
        for lane in bpmn_children(lane_set, "lane"):
            found.append((lane, depth))
            for child in bpmn_children(lane, "childLaneSet"):
                walk(child, depth + 1)

    for ls in bpmn_children(proc_el, "laneSet"):
        walk(ls, 0)
    leaf = [lane for lane, _ in found if not any(bpmn_children(cs, "lane") for cs in bpmn_children(lane, "childLaneSet"))]
    yaml_id: dict[str, str] = {}
    for lane_el, _ in found:
        tl = _tf(lane_el, "lane")
        own = (tl.get("lane_id") or tl.get("id")) if tl is not None else None
        yaml_id[lane_el.get("id", "")] = own or safe_id(lane_el.get("id", ""))
    for lane_el, _depth in sorted(found, key=lambda x: x[1]):
        for ref in bpmn_children(lane_el, "flowNodeRef"):
            lane_of[(ref.text or "").strip()] = yaml_id[lane_el.get("id", "")]
    n_leaf = len(leaf)
    for lane_el in leaf:
        lid = lane_el.get("id")
        if not lid:
            continue
        own = clean_name(lane_el.get("name"))
        if several_pools and pool_name and own and own != pool_name and n_leaf > 1:
            name = f"{pool_name} / {own}"
        else:
            name = own or pool_name or lid
        lanes.append(Lane(yaml_id[lid], name, _pos(lane_el)))
    if not leaf and several_pools:
        lanes.append(Lane(safe_id(pool_id), pool_name or pool_id, _pos(proc_el)))
        for el in proc_el:
            if el.get("id"):
                lane_of.setdefault(el.get("id", ""), safe_id(pool_id))


def _add_nodes(path: str, g: FlowGraph, proc_el: etree._Element, pool_id: str, lane_of: dict[str, str],
               flows: list[etree._Element], boundaries: list[etree._Element], defaults: set[str]) -> None:
    """The flow nodes of one process into `g` (tasks, gateways, events, with what tamaflow's
    writer stored on them); its sequence flows, boundary events and default flow ids are
    collected for later, when every node exists.

    A node without an id, or with the id of an earlier node (in any pool), is an error: the
    flows name nodes by id, so one of them would silently lose its flows or be lost (TF020)."""
    for el in proc_el:
        tag = local(el.tag)
        if not is_bpmn(el):
            continue
        eid = el.get("id")
        if tag == "sequenceFlow":
            flows.append(el)
            continue
        if not is_flow_node(el):
            continue
        if not eid:
            raise TamaflowError(f"<{tag}> has no id: give it one (flows name their source and target by id)",
                                path, el.sourceline or 1, 1, "TF013")
        if eid in g.nodes:
            first = g.nodes[eid].pos.line
            raise TamaflowError(f"duplicate id {quoted(eid)}: the <{tag}> here and the element on line {first} "
                                "share it; give each element its own id", path, el.sourceline or 1, 1, "TF020")
        if el.get("default"):
            defaults.add(el.get("default", ""))
        st = _tf(el, "step")
        fields = _tf_step_fields(st) if st is not None else {}
        generated = _tf(el, "generated") is not None
        lane = fields.pop("lane", None) if st is not None else lane_of.get(eid)
        name = fields.pop("name", None) if "name" in fields else clean_name(el.get("name"))
        common: dict[str, Any] = dict(name="" if generated else name, lane=lane, pool=pool_id, pos=_pos(el),
                                      step_id=(st.get("step_id") or st.get("id")) if st is not None else None,
                                      generated=generated, keep=st is not None,
                                      index=int(st.get("index", "0")) if st is not None
                                      and (st.get("index") or "").isdigit() else None)
        attrs = {k: v for k, v in fields.items() if k in STEP_ATTRS}
        if tag in TASK_KIND_OF:
            node = g.add_node(Node(eid, "task", kind=fields.get("kind") or TASK_KIND_OF[tag], attrs=attrs, **common))
            if tag in ("subProcess", "adHocSubProcess", "transaction"):
                inner = sum(1 for c in el.iter() if local(c.tag) in TASK_KIND_OF) - 1
                if inner > 0:
                    node.notes.append(f"subprocess with {inner} inner activities, imported as one task")
        elif tag in GATEWAY_OF:
            gw = g.add_node(Node(eid, "gateway", gateway=fields.get("gateway") or GATEWAY_OF[tag],
                                 event_based=tag == "eventBasedGateway", attrs=attrs, **common))
            gw.keep = gw.keep and not fields.get("join")
            gw.sync = bool(fields.get("join"))
        else:
            edef = _event_def(el)
            if tag == "startEvent":
                ev = "start"
            elif tag == "endEvent":
                ev = "end"
            elif tag == "intermediateThrowEvent":
                ev = "message-throw" if edef == "message" else ("signal" if edef == "signal" else "none")
            else:
                ev = EVENT_FROM_DEF.get(edef or "", "none")
            g.add_node(Node(eid, "event", event=fields.get("event") or ev, event_def=edef, attrs=attrs, **common))
            if tag == "boundaryEvent":
                boundaries.append(el)


def _dangling(path: str, g: FlowGraph, el: etree._Element, what: str, attr: str) -> None:
    """Refuse a flow (or boundary event) whose `attr` names no node of the process: dropping
    it would leave its nodes unconnected, and the import then made up a start split to reach
    them (TF021)."""
    ref = el.get(attr)
    if ref is not None and ref in g.nodes:
        return
    problem = f"has no {attr}" if not ref else f"{attr}={quoted(ref)} names no task, event or gateway of the process"
    raise TamaflowError(f"{what} {problem}: set it to the id of one, or delete the element", path,
                        el.sourceline or 1, 1, "TF021")


def _add_flows(path: str, g: FlowGraph, flows: list[etree._Element], boundaries: list[etree._Element],
               defaults: set[str]) -> None:
    """Sequence flows (a tamaflow-written branch as written in YAML, else the flow's name or
    condition), then each boundary event as a choice beside its activity's normal flow. A flow
    whose end is no node is an error (`_dangling`), never silently left out."""
    for f in flows:
        for attr in ("sourceRef", "targetRef"):
            _dangling(path, g, f, f"sequenceFlow {quoted(f.get('id', ''))}", attr)
        src, tgt = f.get("sourceRef", ""), f.get("targetRef", "")
        cond = _text(next(iter(bpmn_children(f, "conditionExpression")), None))
        name = clean_name(f.get("name"))
        tb = _tf_branch(f)
        if tb is not None:  # tamaflow's writer: the branch as written in YAML
            share = _number(tb.get("share", "")) if tb.get("share") is not None else None
            g.add_edge(src, tgt, when=tb.get("when"), default=tb.get("default") == "true",
                       conditional=tb.get("when") is not None, share=float(share) if share is not None else None)
        else:
            g.add_edge(src, tgt, when=name or cond or None, default=f.get("id") in defaults, conditional=bool(cond))
    for b in boundaries:
        _dangling(path, g, b, f"boundaryEvent {quoted(b.get('id', ''))}", "attachedToRef")
        node = g.nodes[b.get("id", "")]
        label = node.name or (f"{node.event_def} event" if node.event_def else "boundary event")
        g.add_edge(b.get("attachedToRef", ""), node.id, when=label, choice=True)


def _add_messages(g: FlowGraph, collaborations: list[etree._Element], participants: list[etree._Element],
                  by_id: dict[str | None, etree._Element]) -> None:
    """Message flows: one that starts another pool's process becomes a flow (see the module
    docstring); any other is noted on the step that receives it."""
    message_start: dict[str, str] = {}
    for part in participants:
        proc_el = by_id.get(part.get("processRef"))
        starts = [el.get("id", "") for el in (proc_el if proc_el is not None else [])
                  if local(el.tag) == "startEvent" and _event_def(el) == "message" and el.get("id") in g.nodes]
        if len(starts) == 1:
            message_start[part.get("id", "")] = starts[0]
    for c in collaborations:
        for mf in bpmn_children(c, "messageFlow"):
            src, tgt = mf.get("sourceRef", ""), mf.get("targetRef", "")
            tgt = message_start.get(tgt, tgt)
            if src in g.nodes and tgt in g.nodes:
                if g.nodes[tgt].event == "start" and not g.inc[tgt]:
                    g.add_edge(src, tgt)
                else:
                    sname = g.nodes[src].name
                    g.nodes[tgt].notes.append(f"message from {safe_id(src)}" + (f" ({sname})" if sname else ""))


def _certain_steps(processes: list[etree._Element]) -> int:
    """How many steps `processes` become at least, whatever the import makes of their gateways:
    each task and event the model draws is a step; a gateway may vanish (one way in and out),
    and so may the start and end tamaflow's writer made up (`tf:generated`)."""
    return sum(1 for proc_el in processes for el in proc_el
               if is_flow_node(el) and local(el.tag) not in GATEWAY_OF and _tf(el, "generated") is None)


def read_bpmn_mapped(path: str) -> tuple[Process, dict[str, str]]:
    """Read a BPMN 2.0 file; return the process and step id → BPMN element id."""
    root = _bpmn_root(path)
    stem = Path(path).stem
    processes = bpmn_children(root, "process")
    if not processes:
        raise TamaflowError("the BPMN file holds no <process>: nothing to import", path, root.sourceline or 1, 1,
                            "TF001")
    collaborations = bpmn_children(root, "collaboration")
    participants = [p for c in collaborations for p in bpmn_children(c, "participant")]
    pool_of_process = {p.get("processRef"): p for p in participants if p.get("processRef")}
    by_id = {p.get("id"): p for p in processes}
    ordered = [by_id[p.get("processRef")] for p in participants if p.get("processRef") in by_id]
    ordered = list(dict.fromkeys(ordered)) + [p for p in processes if p not in ordered]
    # Processes with nothing in them (e.g. a black-box pool's empty process) add no flow.
    ordered = [p for p in ordered if any(is_flow_node(c) for c in p)] or ordered[:1]
    several = len(ordered) > 1
    # before any graph is built: a model of thousands of tasks is refused as its YAML would be
    refuse_too_many_steps(_certain_steps(ordered), path, at_least=True)

    tf_process = next((tp for p in ordered if (tp := _tf(p, "process")) is not None), None)
    if tf_process is not None and not several:
        exact = _read_tamaflow_exact(path, ordered[0], tf_process)
        if exact is not None:
            return exact

    g = FlowGraph()
    lanes: list[Lane] = []
    lane_of: dict[str, str] = {}
    flows: list[etree._Element] = []
    boundaries: list[etree._Element] = []
    defaults: set[str] = set()
    for proc_el in ordered:
        part = pool_of_process.get(proc_el.get("id"))
        pool_id = (part.get("id") if part is not None else None) or proc_el.get("id") or "pool"
        pool_name = clean_name(part.get("name") if part is not None else None) or clean_name(proc_el.get("name"))
        _lanes(proc_el, pool_id, pool_name, several, lanes, lane_of)
        _add_nodes(path, g, proc_el, pool_id, lane_of, flows, boundaries, defaults)
    _add_flows(path, g, flows, boundaries, defaults)
    _add_messages(g, collaborations, participants, by_id)
    pattrs = _tf_process_fields(tf_process) if tf_process is not None else {}
    if tf_process is not None:
        lanes = _tf_lanes(ordered[0])[0] or lanes
    name = (pattrs.pop("name", None) or next((clean_name(c.get("name")) for c in collaborations if c.get("name")), "")
            or (clean_name(ordered[0].get("name")) if not several else "")
            or clean_name(root.get("name")) or stem)
    city = str(pattrs.pop("city", None) or stem)
    process = str(pattrs.pop("process", None) or slugify(name, slugify(stem)))
    meta = Meta(process=process, name=name, city=city, lanes=lanes, attrs=pattrs, path=path)
    return build_process(g, meta)


def declared_city(path: str) -> str | None:
    """The city a BPMN file names itself (tamaflow's own BPMN carries it in `tf:process`), or
    None: other tools' files have none, and the reader falls back to the file name. The import
    uses it to tell a city the model states from one guessed from the file name."""
    for proc_el in bpmn_children(_bpmn_root(path), "process"):
        tp = _tf(proc_el, "process")
        if tp is not None and tp.get("city"):
            return str(tp.get("city"))
    return None


def read_bpmn(path: str) -> Process:
    """Read a BPMN 2.0 file (all pools merged into one process, lanes per pool/lane).

    Raises TamaflowError (`path:line:col: message`) for unsafe, broken or non-BPMN files."""
    return read_bpmn_mapped(path)[0]


__all__ = ["declared_city", "read_bpmn", "read_bpmn_mapped"]
