"""PNML Petri nets (as exported by ProM, pm4py and other process-mining tools) → `Process`.

Mapping (the usual Petri net → BPMN translation, then the same clean-up as BPMN imports):
- a **labelled transition** becomes a task step (id = `safe_id(transition id)`, name = label);
- a **silent transition** (no label, `$invisible$`, or a `tau…` label) is routing only: a
  parallel gateway that disappears when it has one way in and one way out;
- a **place** is an exclusive routing point: with ≥ 2 outgoing arcs it becomes an exclusive
  gateway (a choice), with ≥ 2 incoming arcs an implicit merge, otherwise it disappears;
- a transition with ≥ 2 output places is followed by a parallel split (`<id>_split`), one with
  ≥ 2 input places is preceded by a parallel join (`<id>_join`);
- the initially marked place is where the process starts; places without outgoing arcs end it.
Only the first `<net>` of a file is read (a PNML file normally holds one); nested pages are
flattened. Process `city` is the file stem, `process` a slug of the net name or the stem.

Only depends on the model, the safe XML parser and the neutral flow graph (io/flowgraph.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ..model.findings import TamaflowError, quoted
from ..model.ids import slugify
from ..model.process import Pos, Process
from .flowgraph import FlowGraph, Meta, Node, build_process, clean_name, refuse_too_many_steps
from .xml_safe import local, parse_xml

_SILENT_LABEL = re.compile(r"^(tau|τ)([\s_:-].*|\d*)$|^\$invisible\$$", re.IGNORECASE)


def _name(el: etree._Element) -> str:
    for c in el:
        if local(c.tag) == "name":
            for t in c:
                if local(t.tag) == "text":
                    return clean_name(t.text)
    return ""


def _silent(el: etree._Element, label: str) -> bool:
    if not label or _SILENT_LABEL.match(label):
        return True
    for c in el:
        if local(c.tag) == "toolspecific" and c.get("activity") == "$invisible$":
            return True
    return False


def _marking(el: etree._Element) -> int:
    for c in el:
        if local(c.tag) == "initialMarking":
            text = "".join(c.itertext()).strip()
            try:
                return int(text or "0")
            except ValueError:
                return 0
    return 0


def _pos(el: etree._Element) -> Pos:
    return Pos(el.sourceline or 0, 1 if el.sourceline else 0)


def _check_arc(path: str, arc: etree._Element, kind_of: dict[str, str]) -> None:
    """Refuse an arc that names no place or transition, or joins two of a kind: left out, its
    transitions would lose their order, and the import would make up a start for them."""
    ends = [(attr, arc.get(attr) or "") for attr in ("source", "target")]
    for attr, ref in ends:
        if ref not in kind_of:
            problem = f"has no {attr}" if not ref else f"{attr}={quoted(ref)} names no place or transition of the net"
            raise TamaflowError(f"arc {quoted(arc.get('id', ''))} {problem}: point it at a place or transition id, "
                                "or delete it", path, arc.sourceline or 1, 1, "TF021")
    (_, s), (_, t) = ends
    if kind_of[s] == kind_of[t]:
        raise TamaflowError(f"arc {quoted(arc.get('id', ''))} joins two {kind_of[s]}s ({quoted(s)} → {quoted(t)}): an "
                            "arc goes from a place to a transition or back", path, arc.sourceline or 1, 1, "TF021")


def read_pnml_mapped(path: str) -> tuple[Process, dict[str, str]]:
    """Read a PNML file; return the process and step id → PNML element id."""
    root = parse_xml(path).getroot()
    if local(root.tag) != "pnml":
        raise TamaflowError(f"not a PNML file: the root element is <{local(root.tag)}>, expected <pnml>",
                            path, root.sourceline or 1, 1, "TF001")
    net = next((c for c in root if local(c.tag) == "net"), None)
    if net is None:
        raise TamaflowError("the PNML file holds no <net>: nothing to import", path, root.sourceline or 1, 1, "TF001")
    places: list[etree._Element] = []
    transitions: list[etree._Element] = []
    arcs: list[etree._Element] = []
    seen: dict[str, etree._Element] = {}
    for el in net.iter():
        tag = local(el.tag)
        if tag in ("place", "transition") and el.get("id"):
            first = seen.setdefault(el.get("id", ""), el)
            if first is not el:  # the later one would replace the first, and its arcs go astray
                raise TamaflowError(f"duplicate id {quoted(el.get('id', ''))}: the <{tag}> here and the "
                                    f"<{local(first.tag)}> on line {first.sourceline} share it; give each its own id",
                                    path, el.sourceline or 1, 1, "TF020")
            (places if tag == "place" else transitions).append(el)
        elif tag == "arc":
            arcs.append(el)
    if not transitions:
        raise TamaflowError("the Petri net has no transitions: nothing to import", path, net.sourceline or 1, 1,
                            "TF001")
    # each transition's label and whether it is silent (routing), read once for the checks and the graph
    read = [(t, label, _silent(t, label)) for t in transitions for label in (_name(t),)]
    labelled = sum(1 for _t, _label, silent in read if not silent)
    # before any graph is built: each labelled transition becomes a step, places and silent
    # transitions may vanish
    refuse_too_many_steps(labelled, path, at_least=True)

    g = FlowGraph()
    kind_of: dict[str, str] = {}
    out_arcs = {a.get("source", "") for a in arcs}
    for p in places:
        pid = p.get("id", "")
        if pid in out_arcs:
            g.add_node(Node(pid, "gateway", gateway="exclusive", pos=_pos(p), generated=True))
        else:  # a final place: the process ends here (dropped again where a plain `end: true` will do)
            g.add_node(Node(pid, "event", event="end", pos=_pos(p), generated=True))
        kind_of[pid] = "place"
    if not labelled:
        # only routing: the net would become a lone end event, a "process" with nothing in it
        raise TamaflowError(f"the Petri net has only silent transitions ({len(transitions):,}, no labels): nothing "
                            "to import; label the transitions that are activities", path, net.sourceline or 1, 1,
                            "TF001")
    for t, label, silent in read:
        tid = t.get("id", "")
        if silent:
            g.add_node(Node(tid, "gateway", gateway="parallel", pos=_pos(t), generated=True))
        else:
            g.add_node(Node(tid, "task", name=label, kind="user", pos=_pos(t)))
        kind_of[tid] = "transition"
    ins: dict[str, list[str]] = {}
    outs: dict[str, list[str]] = {}
    for a in arcs:
        s, t = a.get("source", ""), a.get("target", "")
        _check_arc(path, a, kind_of)
        outs.setdefault(s, []).append(t)
        ins.setdefault(t, []).append(s)
    for t in transitions:
        tid = t.get("id", "")
        node = g.nodes[tid]
        entry, exit_ = tid, tid
        if node.type == "task":
            if len(ins.get(tid, [])) >= 2:
                entry = g.add_node(Node(g.fresh_id(f"{tid}_join"), "gateway", gateway="parallel", pos=node.pos,
                                        generated=True)).id
                g.add_edge(entry, tid)
            if len(outs.get(tid, [])) >= 2:
                exit_ = g.add_node(Node(g.fresh_id(f"{tid}_split"), "gateway", gateway="parallel", pos=node.pos,
                                        generated=True)).id
                g.add_edge(tid, exit_)
        for p in ins.get(tid, []):
            g.add_edge(p, entry)
        for p in outs.get(tid, []):
            g.add_edge(exit_, p)
    marked = [p.get("id", "") for p in places if _marking(p) > 0]
    g.start_hints = marked or [p.get("id", "") for p in places if not ins.get(p.get("id", ""))]
    stem = Path(path).stem
    name = _name(net) or stem
    meta = Meta(process=slugify(name, slugify(stem)), name=name, city=stem, path=path)
    proc, origin = build_process(g, meta)
    return proc, origin


def read_pnml(path: str) -> Process:
    """Read a PNML Petri net as a process (see module docstring for the mapping).

    Raises TamaflowError (`path:line:col: message`) for unsafe, broken or non-PNML files."""
    return read_pnml_mapped(path)[0]


__all__ = ["read_pnml", "read_pnml_mapped"]
