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

Only depends on the model and the safe XML parser; the PNML reader reuses `FlowGraph`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..model.findings import TamaflowError
from ..model.process import Branch, Lane, Pos, Process, Step
from .schema import SAFE_ID, SLUG
from .xml_safe import local, namespace, parse_xml

BPMN_NAMESPACES = (
    "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "http://www.omg.org/spec/BPMN/20100501/MODEL",  # pre-final exports of some tools
)
#: tamaflow's own attributes in `bpmn:extensionElements` (`TF_NS` of tamaflow/render/bpmn_writer.py;
#: repeated here because io must not import render)
TAMAFLOW_NS = "https://tamaflow.example/schema/bpmn"
#: step fields restored from `tf:step` onto the Step as they are
_STEP_ATTRS = ("minutes", "medium", "rule_based", "structured", "systems", "seal", "exceptions", "access",
               "system_change", "standard", "note", "assumed")

TASK_KINDS = {
    "task": "user",
    "userTask": "user",
    "manualTask": "manual",
    "serviceTask": "service",
    "scriptTask": "service",
    "sendTask": "send",
    "receiveTask": "receive",
    "businessRuleTask": "rule",
    # activities with inner structure are imported as one task (see module docstring)
    "subProcess": "user",
    "adHocSubProcess": "user",
    "transaction": "user",
    "callActivity": "user",
}
GATEWAYS = {
    "exclusiveGateway": "exclusive",
    "parallelGateway": "parallel",
    "inclusiveGateway": "inclusive",
    "complexGateway": "inclusive",
    "eventBasedGateway": "exclusive",
}
EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


# ----- ids and names ---------------------------------------------------------------------------
def safe_id(raw: str) -> str:
    """An element id as a tamaflow step id: characters outside `A-Za-z0-9_.-` become `_`, a
    leading non-alphanumeric gets an `id` prefix, `..` is broken up, length ≤ 100.

    Deterministic, so an element id from elsewhere (a gold standard) maps to the same step id."""
    s = unicodedata.normalize("NFKC", raw.strip())
    s = _UNSAFE_CHARS.sub("_", s).replace("..", "._")
    if not s or not s[0].isalnum() or not s[0].isascii():
        s = "id" + ("" if s.startswith("_") else "_") + s
    s = s[:100]
    return s if SAFE_ID.match(s) else "id_" + str(abs(hash(s)))[:12]  # pragma: no cover - defensive


def slugify(text: str, fallback: str = "imported") -> str:
    """A lower-case slug for `process`/`city` in a YAML file (folder and file names)."""
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"[^a-z0-9_-]+", "-", s).strip("-_")
    s = re.sub(r"-{2,}", "-", s)[:64].strip("-_")
    if not s or not SLUG.match(s):
        return fallback
    return s


def clean_name(text: str | None) -> str:
    """Labels from modelling tools are wrapped by hand: collapse all whitespace to single
    spaces, except that a line break between two Japanese (non-ASCII) characters just goes,
    since Japanese text has no spaces between words."""
    parts = [" ".join(line.split()) for line in (text or "").splitlines()]
    out = ""
    for part in (p for p in parts if p):
        if out and not (ord(out[-1]) > 0x2E7F and ord(part[0]) > 0x2E7F):
            out += " "
        out += part
    return out


# ----- the neutral flow graph shared by the BPMN and PNML readers --------------------------------
@dataclass(slots=True)
class Node:
    """A flow node before it becomes a Step: ids are still the source element ids."""

    id: str
    type: str  # task | gateway | event
    name: str = ""
    lane: str | None = None
    pool: str | None = None
    kind: str = "user"
    gateway: str | None = None
    event: str | None = None
    #: event definition (message, timer, signal, …) for events whose role changes on import
    event_def: str | None = None
    event_based: bool = False
    #: restored tamaflow attributes (RPA fields, note, assumed, …) → set on the Step as-is
    attrs: dict[str, Any] = field(default_factory=dict)
    #: keep even when it looks superfluous (a tamaflow step written by tamaflow's own writer)
    keep: bool = False
    #: the YAML step id stored by tamaflow's writer (kept instead of `safe_id(id)`)
    step_id: str | None = None
    #: the step's position in the YAML `steps:` list, stored by tamaflow's writer
    index: int | None = None
    #: made up by the import (a split after a task, a join before one): not a source element
    generated: bool = False
    #: a gateway that joins (synchronises or explicitly merges) its incoming flows
    sync: bool = False
    notes: list[str] = field(default_factory=list)
    pos: Pos = Pos()


@dataclass(slots=True)
class Edge:
    source: str
    target: str
    when: str | None = None
    share: float | None = None
    default: bool = False
    #: has a real condition (conditionExpression): several such flows from a task are inclusive
    conditional: bool = False
    #: an alternative that excludes the normal flow (boundary event)
    choice: bool = False
    order: int = 0


class FlowGraph:
    """Nodes and directed edges with both adjacency lists, in document order (deterministic)."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.out: dict[str, list[Edge]] = {}
        self.inc: dict[str, list[Edge]] = {}
        self._order = 0
        #: source ids of nodes that should come first when there is a choice (PNML initial places)
        self.start_hints: list[str] = []

    def add_node(self, node: Node) -> Node:
        self.nodes[node.id] = node
        self.out.setdefault(node.id, [])
        self.inc.setdefault(node.id, [])
        return node

    def fresh_id(self, base: str) -> str:
        """A node id not yet used, derived from `base` (and unique after `safe_id`)."""
        taken = set(self.nodes) | {safe_id(n) for n in self.nodes}
        cand = base
        i = 2
        while cand in taken or safe_id(cand) in taken:
            cand = f"{base}_{i}"
            i += 1
        return cand

    def add_edge(self, source: str, target: str, **attrs: Any) -> Edge | None:
        """Add a flow unless it duplicates one (same ends): then merge labels and shares."""
        if source not in self.nodes or target not in self.nodes:
            return None
        for e in self.out[source]:
            if e.target == target:
                new_when = attrs.get("when")
                if new_when and e.when and new_when != e.when:
                    e.when = f"{e.when} / {new_when}"
                elif new_when and not e.when:
                    e.when = new_when
                if attrs.get("share") is not None:
                    e.share = min(1.0, (e.share or 0.0) + float(attrs["share"]))
                e.default = e.default or bool(attrs.get("default"))
                e.conditional = e.conditional or bool(attrs.get("conditional"))
                e.choice = e.choice or bool(attrs.get("choice"))
                return e
        self._order += 1
        order = attrs.pop("order", None)
        e = Edge(source, target, order=self._order if order is None else order, **attrs)
        self.out[source].append(e)
        self.inc[target].append(e)
        return e

    def remove_edge(self, e: Edge) -> None:
        self.out[e.source].remove(e)
        self.inc[e.target].remove(e)

    def remove_node(self, nid: str) -> None:
        for e in list(self.out[nid]):
            self.remove_edge(e)
        for e in list(self.inc[nid]):
            self.remove_edge(e)
        del self.nodes[nid], self.out[nid], self.inc[nid]

    def bypass(self, nid: str) -> None:
        """Remove a routing node, connecting each predecessor to each successor. The incoming
        flow keeps its label (it is the branch of an earlier split); loops that would only
        pass through the removed node are dropped, since a silent loop does nothing."""
        ins = list(self.inc[nid])
        outs = list(self.out[nid])
        self.remove_node(nid)
        for i in ins:
            for o in outs:
                if i.source == o.target:
                    continue
                self.add_edge(i.source, o.target, when=i.when or (o.when if len(ins) == 1 else None),
                              share=i.share, default=i.default, conditional=i.conditional, choice=i.choice,
                              order=i.order)
        if nid in self.start_hints:
            idx = self.start_hints.index(nid)
            self.start_hints[idx:idx + 1] = [o.target for o in outs if o.target in self.nodes]


@dataclass(slots=True)
class Meta:
    """Process-level fields found in the source file."""

    process: str
    name: str
    city: str
    lanes: list[Lane] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    path: str | None = None


def build_process(g: FlowGraph, meta: Meta) -> tuple[Process, dict[str, str]]:
    """Turn a flow graph into a valid-by-construction Process (see module docstring).

    Returns the process and a map step id → source element id (gateways the import made up,
    such as `<id>_split`, are not in the map)."""
    if not any(n.type != "gateway" for n in g.nodes.values()):
        raise TamaflowError("the model has no tasks or events: nothing to import", meta.path or "", 1, 1, "TF001")
    _normalise_gateways(g)
    _drop_plain_ends(g)
    _split_activities(g)
    first = _single_start(g)
    start = g.nodes.get(first) if first is not None else None
    if start is not None and start.generated and start.event == "start" and not start.name \
            and len(g.out[start.id]) == 1:
        first = g.out[start.id][0].target  # tamaflow's drawn implicit start: implicit again
        g.remove_node(start.id)
    order = _flow_order(g, first)
    order = _written_order(g, order)
    ids = _assign_ids(g, order)
    steps = [_to_step(g, g.nodes[n], ids, n == first) for n in order]
    for i, step in enumerate(steps):  # say only what the order does not
        following = steps[i + 1].id if i + 1 < len(steps) else None
        if step.next is not None and step.next == following:
            step.next = None
        if step.end and following is None:
            step.end = False
    origin = {ids[n]: n for n in order if not g.nodes[n].generated}
    lanes = list({lane.id: lane for lane in reversed(meta.lanes)}.values())[::-1]
    proc = Process(
        process=meta.process, name=meta.name, city=meta.city, steps=steps, lanes=lanes, path=meta.path,
    )
    for key, value in meta.attrs.items():
        if not key.startswith("_") and key not in ("process", "name", "city", "lanes", "steps"):
            setattr(proc, key, value)
    return proc, origin


def _normalise_gateways(g: FlowGraph) -> None:
    """Reduce gateways to what the format writes explicitly: splits and joins.

    Whether a parallel/inclusive gateway joins is decided once, from its incoming flows in the
    source: bypassing an exclusive merge in front of it adds flows that do not synchronise. For
    the same reason an exclusive merge right before a join is kept as an explicit
    `gateway: exclusive, join: true` step instead of dissolving into the join."""
    for gw in g.nodes.values():
        if gw.type == "gateway" and gw.gateway != "exclusive" and len(g.inc[gw.id]) >= 2:
            gw.sync = True
    changed = True
    while changed:
        changed = False
        for nid in list(g.nodes):
            node = g.nodes.get(nid)
            if node is None or node.type != "gateway" or node.keep:
                continue
            n_in, n_out = len(g.inc[nid]), len(g.out[nid])
            if n_in <= 1 and n_out <= 1:
                g.bypass(nid)
                changed = True
            elif n_out <= 1 and not node.sync:
                # several ways in but no synchronisation: alternatives merging
                succ = g.nodes[g.out[nid][0].target] if n_out else None
                if succ is not None and succ.type == "gateway" and succ.sync:
                    node.sync = True  # explicit exclusive merge in front of a join
                    node.gateway = "exclusive"
                else:
                    g.bypass(nid)  # an exclusive merge: implicit in the format
                    changed = True
            elif node.sync and n_out >= 2:
                join = g.add_node(Node(g.fresh_id(f"{nid}_join"), "gateway", "", node.lane, node.pool,
                                       gateway=node.gateway, sync=True, pos=node.pos, generated=True))
                for e in list(g.inc[nid]):
                    g.remove_edge(e)
                    g.add_edge(e.source, join.id, when=e.when, share=e.share, default=e.default,
                               conditional=e.conditional, choice=e.choice, order=e.order)
                g.add_edge(join.id, nid)
                node.sync = False
                changed = True


def _drop_plain_ends(g: FlowGraph) -> None:
    """A made-up, unnamed end event reached only from tasks or events is what `end: true` says
    in fewer lines: drop it. (Gateway branches still need it as a target.)"""
    for nid in list(g.nodes):
        node = g.nodes[nid]
        if node.generated and node.event == "end" and not node.name and g.inc[nid] \
                and all(g.nodes[e.source].type != "gateway" for e in g.inc[nid]):
            g.remove_node(nid)


def _split_activities(g: FlowGraph) -> None:
    """A task or event with several outgoing flows gets an explicit split after it."""
    for nid in list(g.nodes):
        node = g.nodes[nid]
        outs = g.out[nid]
        if node.type == "gateway" or len(outs) < 2:
            continue
        if any(e.choice for e in outs):
            kind = "exclusive"
            for e in outs:
                if not e.choice and not e.when:
                    e.default = True
        elif any(e.conditional or e.default for e in outs):
            kind = "inclusive"
        else:
            kind = "parallel"
        split = g.add_node(Node(g.fresh_id(f"{nid}_split"), "gateway", "", node.lane, node.pool, gateway=kind,
                                pos=node.pos, generated=True))
        for e in list(outs):
            g.remove_edge(e)
            g.add_edge(split.id, e.target, when=e.when, share=e.share, default=e.default,
                       conditional=e.conditional, choice=e.choice, order=e.order)
        g.add_edge(nid, split.id)


def _single_start(g: FlowGraph) -> str | None:
    """Make the graph start in one place and return that node's id.

    Several roots (pools started independently, several start events, a PNML net with several
    initial places) are joined under one split: parallel across pools, exclusive within one."""
    if not g.nodes:
        return None
    roots = [n for n in g.nodes if not g.inc[n]]
    hinted = [h for h in g.start_hints if h in g.nodes]
    if not roots:
        return hinted[0] if hinted else next((n for n, v in g.nodes.items() if v.event == "start"), next(iter(g.nodes)))
    roots.sort(key=lambda n: (0 if n in hinted else 1, 0 if g.nodes[n].event == "start" else 1))
    if len(roots) == 1:
        return roots[0]
    primary = roots[0]
    others = roots[1:]
    pnode = g.nodes[primary]
    pools = {g.nodes[r].pool for r in roots}
    kind = "parallel" if len(pools) > 1 else "exclusive"
    if pnode.event == "start":
        split = g.add_node(Node(g.fresh_id(f"{primary}_split"), "gateway", "", pnode.lane, pnode.pool,
                                gateway=kind, pos=pnode.pos, generated=True))
        targets = [e.target for e in g.out[primary]]
        for e in list(g.out[primary]):
            g.remove_edge(e)
        g.add_edge(primary, split.id)
        for t in targets + others:
            g.add_edge(split.id, t, when=_root_label(g, t) if kind == "exclusive" else None)
        return primary
    split = g.add_node(Node(g.fresh_id("start_split"), "gateway", "", pnode.lane, pnode.pool, gateway=kind,
                            pos=pnode.pos, generated=True))
    for t in roots:
        g.add_edge(split.id, t, when=_root_label(g, t) if kind == "exclusive" else None)
    return split.id


def _root_label(g: FlowGraph, nid: str) -> str:
    n = g.nodes[nid]
    return n.name or safe_id(nid)


def _flow_order(g: FlowGraph, first: str | None) -> list[str]:
    """Reverse postorder of a depth-first walk from the start, following flows in document
    order: every step comes after the steps that lead to it (except along loops), which is how
    an analyst reads a flow. Unreachable nodes follow in document order."""
    if first is None:
        return []
    seen: set[str] = {first}
    post: list[str] = []
    stack: list[tuple[str, list[str]]] = [(first, _succ(g, first))]
    while stack:
        nid, succ = stack[-1]
        while succ:
            t = succ.pop(0)
            if t not in seen:
                seen.add(t)
                stack.append((t, _succ(g, t)))
                break
        else:
            post.append(nid)
            stack.pop()
    order = post[::-1]
    order += [n for n in g.nodes if n not in seen]
    return order


def _written_order(g: FlowGraph, order: list[str]) -> list[str]:
    """Where tamaflow's writer stored each step's position, keep the YAML order (made-up
    gateways stay right after the step they follow in the flow order)."""
    if not order or any(g.nodes[n].index is None for n in order if not g.nodes[n].generated):
        return order
    keyed: list[tuple[float, int, str]] = []
    last = -1.0
    for i, n in enumerate(order):
        idx = g.nodes[n].index
        last = float(idx) if idx is not None else last + 0.001
        keyed.append((last, i, n))
    result = [n for _, _, n in sorted(keyed)]
    return result if result[0] == order[0] else order


def _succ(g: FlowGraph, nid: str) -> list[str]:
    # visited last-first so that, reversed, the first branch comes right after its split
    return [e.target for e in sorted(g.out[nid], key=lambda e: e.order, reverse=True)]


def _assign_ids(g: FlowGraph, order: list[str]) -> dict[str, str]:
    """Step ids: the YAML id stored by tamaflow's writer, else `safe_id(element id)`; ids
    stored by the writer are claimed first, then the rest in document order, so the original
    element keeps the plain id and only a clash gets a `_2` suffix."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for n, node in g.nodes.items():
        if node.step_id and node.step_id not in used:
            ids[n] = node.step_id
            used.add(node.step_id)
    for n in g.nodes:
        if n in ids:
            continue
        base = safe_id(n)
        cand = base
        i = 2
        while cand in used:
            cand = f"{base[:95]}_{i}"
            i += 1
        used.add(cand)
        ids[n] = cand
    del order
    return ids


_EVENT_FROM_DEF = {"message": "message", "timer": "timer", "signal": "signal"}


def _to_step(g: FlowGraph, node: Node, ids: dict[str, str], is_first: bool) -> Step:
    nid = node.id
    outs = sorted(g.out[nid], key=lambda e: e.order)
    step = Step(id=ids[nid], name=node.name, lane=node.lane, pos=node.pos)
    if node.type == "gateway":
        step.gateway = node.gateway
        if node.sync and len(outs) <= 1:
            step.join = True
            if outs:
                step.next = ids[outs[0].target]
            else:
                step.end = True
        else:
            for e in outs:
                b = Branch(ids[e.target])
                if node.gateway != "parallel":
                    b.when = e.when or (_root_label(g, e.target) if node.event_based else None)
                    b.share = e.share
                    b.default = e.default
                step.branches.append(b)
            defaults = [b for b in step.branches if b.default]
            for b in defaults[1:]:
                b.default = False
    else:
        if node.type == "event":
            step.event = _event_kind(g, node, is_first, bool(outs))
        else:
            step.kind = node.kind
            if not step.name:
                step.name = nid
        if outs and step.event != "end":
            step.next = ids[outs[0].target]
        elif not outs and step.event != "end":
            step.end = True
    for key, value in node.attrs.items():
        if key in _STEP_ATTRS:
            setattr(step, key, value)
    if node.notes:
        extra = "; ".join(node.notes)
        step.note = f"{step.note}; {extra}" if step.note else extra
    return step


def _event_kind(g: FlowGraph, node: Node, is_first: bool, has_out: bool) -> str:
    ev = node.event or "none"
    if ev == "start" and (not is_first or g.inc[node.id]):
        return _EVENT_FROM_DEF.get(node.event_def or "", "none")
    if ev == "end" and has_out:
        return "message-throw" if node.event_def == "message" else "none"
    if ev == "start" and not is_first:  # pragma: no cover - covered by the first branch
        return "none"
    return ev


# ----- BPMN specifics ----------------------------------------------------------------------------
def _pos(el: etree._Element) -> Pos:
    return Pos(el.sourceline or 0, 1 if el.sourceline else 0)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c.tag) == name and namespace(c.tag) in BPMN_NAMESPACES]


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


def _is_flow_node(el: etree._Element) -> bool:
    tag = local(el.tag)
    return namespace(el.tag) in BPMN_NAMESPACES and (tag in TASK_KINDS or tag in GATEWAYS or tag in EVENTS)


# ----- tamaflow's own extension (see tamaflow/render/bpmn_writer.py) ------------------------------
def _tf(el: etree._Element, name: str) -> etree._Element | None:
    """The `tf:<name>` element inside `el`'s extensionElements, if any."""
    for ext in _children(el, "extensionElements"):
        for c in ext:
            if namespace(c.tag) == TAMAFLOW_NS and local(c.tag) == name:
                return c
    return None


def _tf_texts(el: etree._Element, name: str) -> list[str]:
    return [c.text or "" for c in el if namespace(c.tag) == TAMAFLOW_NS and local(c.tag) == name]


def _tf_text(el: etree._Element, name: str) -> str | None:
    texts = _tf_texts(el, name)
    return texts[0] if texts else None


def _number(raw: str) -> float | int | None:
    try:
        return int(raw) if re.fullmatch(r"-?\d+", raw.strip()) else float(raw)
    except ValueError:
        return None


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
    for ls in _children(proc_el, "laneSet"):
        for lane in _children(ls, "lane"):
            tl = _tf(lane, "lane")
            lid = (tl.get("lane_id") or tl.get("id")) if tl is not None else None
            if lid:
                ids[lane.get("id", "")] = lid
                lanes.append(Lane(lid, lane.get("name") or lid, _pos(lane)))
    return lanes, ids


def _read_tamaflow_exact(path: str, proc_el: etree._Element, tp: etree._Element
                         ) -> tuple[Process, dict[str, str]] | None:
    """Rebuild the YAML process exactly from tamaflow's extension elements.

    Returns None when the drawing no longer matches the stored steps (someone edited the file
    in a modeler): then the file is imported from its flows like any other BPMN."""
    from ..model.graph import to_graph
    from ..model.process import END, START

    indexed: list[tuple[int, Step, str]] = []
    generated: dict[str, str] = {}
    for el in proc_el:
        if not _is_flow_node(el):
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
    step_of = {eid: s.id for _, s, eid in indexed}
    by_step = {s.id: s for s in steps}
    if len(by_step) != len(steps):
        return None
    # sequence flows: branches from tf:branch, and the graph to check against
    flows = _children(proc_el, "sequenceFlow")
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
        for lane in _children(lane_set, "lane"):
            found.append((lane, depth))
            for child in _children(lane, "childLaneSet"):
                walk(child, depth + 1)

    for ls in _children(proc_el, "laneSet"):
        walk(ls, 0)
    leaf = [lane for lane, _ in found if not any(_children(cs, "lane") for cs in _children(lane, "childLaneSet"))]
    yaml_id: dict[str, str] = {}
    for lane_el, _ in found:
        tl = _tf(lane_el, "lane")
        own = (tl.get("lane_id") or tl.get("id")) if tl is not None else None
        yaml_id[lane_el.get("id", "")] = own or safe_id(lane_el.get("id", ""))
    for lane_el, _depth in sorted(found, key=lambda x: x[1]):
        for ref in _children(lane_el, "flowNodeRef"):
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


def read_bpmn_mapped(path: str) -> tuple[Process, dict[str, str]]:
    """Read a BPMN 2.0 file; return the process and step id → BPMN element id."""
    root = _bpmn_root(path)
    stem = Path(path).stem
    processes = _children(root, "process")
    if not processes:
        raise TamaflowError("the BPMN file holds no <process>: nothing to import", path, root.sourceline or 1, 1,
                            "TF001")
    collaborations = _children(root, "collaboration")
    participants = [p for c in collaborations for p in _children(c, "participant")]
    pool_of_process = {p.get("processRef"): p for p in participants if p.get("processRef")}
    by_id = {p.get("id"): p for p in processes}
    ordered = [by_id[p.get("processRef")] for p in participants if p.get("processRef") in by_id]
    ordered = list(dict.fromkeys(ordered)) + [p for p in processes if p not in ordered]
    # Processes with nothing in them (e.g. a black-box pool's empty process) add no flow.
    ordered = [p for p in ordered if any(_is_flow_node(c) for c in p)] or ordered[:1]
    several = len(ordered) > 1

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
        for el in proc_el:
            tag = local(el.tag)
            if namespace(el.tag) not in BPMN_NAMESPACES:
                continue
            eid = el.get("id")
            if tag == "sequenceFlow":
                flows.append(el)
                continue
            if not eid or not _is_flow_node(el):
                continue
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
            attrs = {k: v for k, v in fields.items() if k in _STEP_ATTRS}
            if tag in TASK_KINDS:
                node = g.add_node(Node(eid, "task", kind=fields.get("kind") or TASK_KINDS[tag], attrs=attrs, **common))
                if tag in ("subProcess", "adHocSubProcess", "transaction"):
                    inner = sum(1 for c in el.iter() if local(c.tag) in TASK_KINDS) - 1
                    if inner > 0:
                        node.notes.append(f"subprocess with {inner} inner activities, imported as one task")
            elif tag in GATEWAYS:
                gw = g.add_node(Node(eid, "gateway", gateway=fields.get("gateway") or GATEWAYS[tag],
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
                    ev = _EVENT_FROM_DEF.get(edef or "", "none")
                g.add_node(Node(eid, "event", event=fields.get("event") or ev, event_def=edef, attrs=attrs, **common))
                if tag == "boundaryEvent":
                    boundaries.append(el)
    for f in flows:
        src, tgt = f.get("sourceRef", ""), f.get("targetRef", "")
        cond = _text(next(iter(_children(f, "conditionExpression")), None))
        name = clean_name(f.get("name"))
        tb = _tf_branch(f)
        if tb is not None:  # tamaflow's writer: the branch as written in YAML
            share = _number(tb.get("share", "")) if tb.get("share") is not None else None
            g.add_edge(src, tgt, when=tb.get("when"), default=tb.get("default") == "true",
                       conditional=tb.get("when") is not None, share=float(share) if share is not None else None)
        else:
            g.add_edge(src, tgt, when=name or cond or None, default=f.get("id") in defaults, conditional=bool(cond))
    for b in boundaries:
        node = g.nodes[b.get("id", "")]
        label = node.name or (f"{node.event_def} event" if node.event_def else "boundary event")
        g.add_edge(b.get("attachedToRef", ""), node.id, when=label, choice=True)
    # a message to a pool drawn as a whole starts that pool's process at its one message start
    message_start: dict[str, str] = {}
    for part in participants:
        proc_el = by_id.get(part.get("processRef"))
        starts = [el.get("id", "") for el in (proc_el if proc_el is not None else [])
                  if local(el.tag) == "startEvent" and _event_def(el) == "message" and el.get("id") in g.nodes]
        if len(starts) == 1:
            message_start[part.get("id", "")] = starts[0]
    for c in collaborations:
        for mf in _children(c, "messageFlow"):
            src, tgt = mf.get("sourceRef", ""), mf.get("targetRef", "")
            tgt = message_start.get(tgt, tgt)
            if src in g.nodes and tgt in g.nodes:
                if g.nodes[tgt].event == "start" and not g.inc[tgt]:
                    g.add_edge(src, tgt)
                else:
                    sname = g.nodes[src].name
                    g.nodes[tgt].notes.append(f"message from {safe_id(src)}" + (f" ({sname})" if sname else ""))
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


def read_bpmn(path: str) -> Process:
    """Read a BPMN 2.0 file (all pools merged into one process, lanes per pool/lane).

    Raises TamaflowError (`path:line:col: message`) for unsafe, broken or non-BPMN files."""
    return read_bpmn_mapped(path)[0]


__all__ = ["read_bpmn", "read_bpmn_mapped", "safe_id", "slugify", "clean_name", "FlowGraph", "Node", "Edge",
           "Meta", "build_process"]
