"""The parts of a BPMN file that depend on the model only: tamaflow's round-trip extension
(namespace `TF_NS`), the human-readable documentation, the pool title, and the XML-safe value
formatting. The diagram (shapes, edges, DI) needs a layout and is assembled in
render/bpmn_writer.py, which calls these; keeping them here puts the writer of the extension
next to its reader (io/bpmn/read.py) while io still never imports render.

The `tf:` extension
-------------------
(No extension element has an `id` attribute, so none can clash with BPMN ids.)
Everything a YAML file says is stored, so that `tamaflow import` (io/bpmn/read.py) can rebuild
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

from ...model.process import Branch, Process, Step
from .namespaces import bpmn, tf

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
#: step attributes stored on tf:step, in this order (YAML field names)
STEP_SCALARS = ("minutes", "medium", "rule_based", "structured", "seal", "exceptions", "access",
                "system_change", "standard")
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def fmt(value: object) -> str:
    """A value as YAML would write it: true/false, shortest number, or the text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def xml_text(s: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters a YAML escape can produce)."""
    return _NOT_XML.sub("", s)


def sub(parent: etree._Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None
        ) -> etree._Element:
    """A child element whose attribute values and text are made XML-safe."""
    el = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in (attrib or {}).items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def pool_title(process: Process, city_name: str | None = None) -> str:
    """The pool's label: procedure name and city (its Japanese name when the library knows it)."""
    return f"{process.name}（{city_name or process.city}）"


def _step_scalars(s: Step) -> list[tuple[str, str]]:
    """The step's STEP_SCALARS that the YAML states (seal/system_change only when true)."""
    out: list[tuple[str, str]] = []
    for key in STEP_SCALARS:
        v = getattr(s, key)
        if v is None or (key in ("seal", "system_change") and not v):
            continue
        out.append((key, fmt(v)))
    return out


def step_doc(s: Step) -> str:
    """The step's attributes as `bpmn:documentation` text, for people reading it in a modeler."""
    parts: list[str] = []
    if s.is_task:
        parts.append(f"kind: {s.kind}")
    parts.extend(f"{key}: {value}" for key, value in _step_scalars(s))
    if s.systems:
        parts.append("systems: " + ", ".join(s.systems))
    if s.assumed:
        parts.append("assumed (estimated): " + ", ".join(s.assumed))
    if s.note:
        parts.append(f"note: {s.note}")
    return "\n".join(parts)


def process_doc(p: Process) -> str:
    """The process's fields as `bpmn:documentation` text."""
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


def _tf_texts(parent: etree._Element, tag: str, texts: list[str]) -> None:
    """One `tf:<tag>` child per text, in order (a YAML list)."""
    for text in texts:
        sub(parent, tf(tag), text=text)


def write_tf_process(ext: etree._Element, p: Process) -> None:
    """`tf:process` into the process's extensionElements."""
    attrs = {"process": p.process, "name": p.name, "city": p.city}
    if p.area is not None:
        attrs["area"] = p.area
    if p.volume is not None:
        attrs["volume"] = fmt(p.volume)
    el = sub(ext, tf("process"), attrs)
    _tf_texts(el, "source", p.source)
    _tf_texts(el, "channel", p.channels)
    _tf_texts(el, "assumed", p.assumed)
    if p.description is not None:
        sub(el, tf("description"), text=p.description)


def write_tf_step(ext: etree._Element, s: Step, index: int) -> None:
    """`tf:step` into a flow node's extensionElements; `index` is the step's place in `steps:`."""
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
    attrs.update(_step_scalars(s))
    el = sub(ext, tf("step"), attrs)
    _tf_texts(el, "system", s.systems)
    _tf_texts(el, "assumed", s.assumed)
    if s.note is not None:
        sub(el, tf("note"), text=s.note)


def write_branch(flow_el: etree._Element, b: Branch, source: str, index: int | None) -> None:
    """A YAML branch on the sequence flow that draws it: its documentation and `tf:branch`
    (`source` is the YAML step the branch leaves, `index` its place in `branches:`)."""
    doc = []
    if b.when:
        doc.append(f"when: {b.when}")
    if b.share is not None:
        doc.append(f"share: {fmt(b.share)}")
    if b.default:
        doc.append("default: true")
    if doc:
        sub(flow_el, bpmn("documentation"), text="\n".join(doc))
    battrs = {"from": source, "to": b.to, "index": str(index)}
    if b.when is not None:
        battrs["when"] = b.when
    if b.share is not None:
        battrs["share"] = fmt(b.share)
    if b.default:
        battrs["default"] = "true"
    sub(sub(flow_el, bpmn("extensionElements")), tf("branch"), battrs)
