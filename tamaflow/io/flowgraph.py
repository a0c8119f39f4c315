"""The neutral flow graph shared by the BPMN and PNML readers, and its one way into a `Process`.

A reader fills a `FlowGraph` with the source's nodes and flows (ids still the source element
ids); `build_process` then reduces it to what the YAML format writes: gateways only where a
split or a join is explicit, one start, steps in reading order, safe unique step ids. How each
source maps onto nodes is the readers' business (io/bpmn/read.py, io/pnml.py).

Only depends on the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model.findings import TamaflowError
from ..model.ids import ID_LIMIT, claim_id, safe_id
from ..model.process import Branch, Lane, Pos, Process, Step, too_many_steps

#: step fields a reader restores onto the Step as they are (tamaflow's own BPMN extension)
STEP_ATTRS = ("minutes", "medium", "rule_based", "structured", "systems", "seal", "exceptions", "access",
              "system_change", "standard", "note", "assumed")
#: event definition → the tamaflow event of a catching event (anything else is `none`)
EVENT_FROM_DEF = {"message": "message", "timer": "timer", "signal": "signal"}


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


def refuse_too_many_steps(count: int, path: str, *, at_least: bool = False) -> None:
    """Raise the TF015 error (`path:1:1`) when a model has more steps than a process may
    (`model.process.too_many_steps`), as a YAML file with them is refused. The readers call it
    with what the source is sure to become before they build anything (`at_least`): building
    the graph of a model of a hundred thousand elements took longer than anyone waits."""
    message = too_many_steps(count, at_least=at_least)
    if message is not None:
        raise TamaflowError(message, path, 1, 1, "TF015")


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
    """A flow between two nodes, with what the readers learned about it (label, share,
    default); `order` keeps document order so that the built process is deterministic."""

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
        #: how many nodes hold each id, as given or after `safe_id`: `fresh_id` looks a candidate
        #: up here instead of building the set anew, which made a split after every task quadratic
        self._taken: dict[str, int] = {}
        #: the one flow between two nodes (`add_edge` merges a second into it), found without
        #: scanning the source's flows: a split into thousands of flows made that quadratic too
        self._edges: dict[tuple[str, str], Edge] = {}

    @staticmethod
    def _names(nid: str) -> set[str]:
        """The ids a node holds for `fresh_id`: its own, and what `safe_id` makes of it."""
        return {nid, safe_id(nid)}

    def add_node(self, node: Node) -> Node:
        if node.id not in self.nodes:
            for name in self._names(node.id):
                self._taken[name] = self._taken.get(name, 0) + 1
        self.nodes[node.id] = node
        self.out.setdefault(node.id, [])
        self.inc.setdefault(node.id, [])
        return node

    def fresh_id(self, base: str) -> str:
        """A node id not yet used, derived from `base` (and unique after `safe_id`)."""
        taken = self._taken
        cand = base
        i = 2
        while taken.get(cand) or taken.get(safe_id(cand)):
            suffix = f"_{i}"
            cand = base + suffix
            if len(safe_id(base)) + len(suffix) > ID_LIMIT:
                # the suffix must survive safe_id's cut at ID_LIMIT, or a long base never gets
                # unique (the importer looped for ever on a 100-character id)
                cand = safe_id(base)[:ID_LIMIT - len(suffix)] + suffix
            i += 1
        return cand

    def add_edge(self, source: str, target: str, **attrs: Any) -> Edge | None:
        """Add a flow unless it duplicates one (same ends): then merge labels and shares."""
        if source not in self.nodes or target not in self.nodes:
            return None
        e = self._edges.get((source, target))
        if e is not None:
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
        self._edges[source, target] = e
        return e

    def remove_edge(self, e: Edge) -> None:
        del self._edges[e.source, e.target]
        self.out[e.source].remove(e)
        self.inc[e.target].remove(e)

    def remove_node(self, nid: str) -> None:
        for e in list(self.out[nid]):
            self.remove_edge(e)
        for e in list(self.inc[nid]):
            self.remove_edge(e)
        del self.nodes[nid], self.out[nid], self.inc[nid]
        for name in self._names(nid):
            self._taken[name] -= 1

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
    # every node left becomes a step, the splits and joins made above too: the exact count
    refuse_too_many_steps(len(g.nodes), meta.path or "")
    order = _flow_order(g, first)
    order = _written_order(g, order)
    ids = _assign_ids(g)
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


def _assign_ids(g: FlowGraph) -> dict[str, str]:
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
        if n not in ids:
            ids[n] = claim_id(safe_id(n), used, ID_LIMIT)
    return ids



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
        if key in STEP_ATTRS:
            setattr(step, key, value)
    if node.notes:
        extra = "; ".join(node.notes)
        step.note = f"{step.note}; {extra}" if step.note else extra
    return step


def _event_kind(g: FlowGraph, node: Node, is_first: bool, has_out: bool) -> str:
    ev = node.event or "none"
    if ev == "start" and (not is_first or g.inc[node.id]):
        return EVENT_FROM_DEF.get(node.event_def or "", "none")
    if ev == "end" and has_out:
        return "message-throw" if node.event_def == "message" else "none"
    if ev == "start" and not is_first:  # pragma: no cover - covered by the first branch
        return "none"
    return ev


__all__ = ["EVENT_FROM_DEF", "STEP_ATTRS", "Edge", "FlowGraph", "Meta", "Node", "build_process", "clean_name",
           "refuse_too_many_steps"]
