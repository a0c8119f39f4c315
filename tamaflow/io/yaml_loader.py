"""YAML process file → `Process`, with every problem reported at once as a positioned Finding.

The field table in `schema.py` drives the type checks; this module adds what a table cannot say
(step shapes, references, the YAML 1.1 surprises) and keeps the position of every value so later
checks can point at the right line too.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model.findings import HUMAN_LIMIT, Finding, TamaflowError, one_line, quoted
from ..model.ids import SAFE_ID, SLUG
from ..model.process import Branch, Lane, Pos, Process, Step, too_many_steps
from .marked_yaml import MNode, read_marked
from .schema import (
    BRANCH_FIELDS,
    CATALOGUE_CODE,
    MAX_LABEL,
    PROCESS_FIELDS,
    STEP_FIELDS,
    URL,
    Field,
)

#: a lane's name (the values of `lanes:`), checked as the label it is
_LANE_NAME = Field("lanes", "string", "lane name")

_INF = float("inf")
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "true", "false"}
#: characters no text value may hold once YAML has read its escapes (a raw one is refused with
#: the file, TF001; `"\x1b[31m"`, `"\0"` and `"\u202e"` in double quotes are not): C0 and C1
#: controls recolour the analyst's terminal, break CSV, XML and SVG, and NUL ends a C string;
#: U+2028/U+2029 split a line for editors; bidi embeddings, overrides and isolates (U+202A–U+202E,
#: U+2066–U+2069) show a label in another order than it is stored ("Trojan Source"). Labels are
#: one line; free text (`Field.multiline`) may keep line breaks and tabs.
_UNSAFE_IN_LABEL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


_SPEC_INDEX: dict[int, tuple[dict[str, Field], tuple[str, ...], tuple[Field, ...]]] = {}


def _spec_index(spec: tuple[Field, ...]) -> tuple[dict[str, Field], tuple[str, ...], tuple[Field, ...]]:
    """Name → Field and the required names of a field table, built once per table (the reader
    asks for them for every step of every file). Keyed by identity; the entry keeps the table
    alive so that its id cannot be reused by another one."""
    hit = _SPEC_INDEX.get(id(spec))
    if hit is None or hit[2] is not spec:
        hit = _SPEC_INDEX[id(spec)] = ({f.name: f for f in spec}, tuple(f.name for f in spec if f.required), spec)
    return hit


def _by_name(spec: tuple[Field, ...]) -> dict[str, Field]:
    return _spec_index(spec)[0]


def _required(spec: tuple[Field, ...]) -> tuple[str, ...]:
    return _spec_index(spec)[1]


class Collector:
    """Collects findings for one file, so that an analyst sees all of them in one run."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []

    def error(self, pos: Pos, code: str, message: str, element: str | None = None) -> None:
        self.findings.append(Finding(self.path, pos.line, pos.col, code, "error", message, element))


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _describe(node: MNode) -> str:
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    v = node.value
    if v is None:
        return "nothing (null)"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, (datetime.date, datetime.datetime)):
        return "a date"
    if not isinstance(v, str):  # pragma: no cover - the composer only admits str/int/float/bool/null/date
        return type(v).__name__
    return "text"


def _coercion_hint(node: MNode) -> str:
    """Explain YAML 1.1's silent re-typing of plain scalars, which surprises analysts."""
    if node.kind != "scalar" or not node.plain or node.raw is None:
        return ""
    raw = node.raw
    v = node.value
    if isinstance(v, bool) and raw.lower() in _YAML11_BOOLS:
        return f"; YAML reads the unquoted `{raw}` as the boolean {str(v).lower()}: quote it (\"{raw}\")"
    if isinstance(v, int) and ":" in raw:
        return f"; YAML reads the unquoted `{raw}` as the base-60 number {v}: quote it (\"{raw}\")"
    if isinstance(v, (int, float)):
        return f"; quote it (\"{raw}\") if it is text"
    if isinstance(v, (datetime.date, datetime.datetime)):
        return f"; YAML reads the unquoted `{raw}` as a date: quote it (\"{raw}\")"
    if v is None and raw in ("", "~", "null", "Null", "NULL"):
        return "; the value is empty"
    return ""


class _Reader:
    """Converts one marked tree to the model while collecting findings."""

    def __init__(self, c: Collector) -> None:
        self.c = c

    # ----- scalars ---------------------------------------------------------------------------
    def value(self, f: Field, node: MNode, where: str) -> Any:
        """Check one field value against its type; return the Python value or None (reported).

        The common, valid cases are accepted here without building any message; everything else
        goes through `_value`, which holds the complete checks and the messages."""
        t = f.type
        if node.kind == "scalar":
            v = node.value
            vc = v.__class__
            if vc is str:
                sv = v.strip()
                if t == "string":
                    if (sv and len(sv) <= f.max_length
                            and not (_UNSAFE_IN_TEXT if f.multiline else _UNSAFE_IN_LABEL).search(sv)):
                        return sv
                elif t == "enum":
                    if sv in f.enum:
                        return sv
                elif t == "id":
                    if SAFE_ID.match(sv) and ".." not in sv:
                        return sv
                elif t == "slug":
                    if SLUG.match(sv):
                        return sv
                elif t == "code":
                    if CATALOGUE_CODE.match(sv):
                        return sv
            elif vc is bool:
                if t == "bool":
                    return v
            elif (vc is int or vc is float) and (t == "number" or t == "share"):
                raw = node.raw or ""
                # plain decimal only (no 0-prefixed octal/hex, no base-60), finite, in range
                if (":" not in raw and (raw[:1] != "0" or raw == "0" or raw[:2] == "0.")
                        and 0 <= v < _INF and (t == "number" or v <= 1) and (f.maximum is None or v <= f.maximum)):
                    return v
        return self._value(f, node, where)

    def _value(self, f: Field, node: MNode, where: str) -> Any:
        t = f.type
        c = self.c
        label = f"`{f.name}`{where}"
        if t in ("string", "slug", "id", "code", "enum"):
            if node.kind != "scalar" or not isinstance(node.value, str):
                c.error(node.pos, "TF011", f"{label} must be text, not {_describe(node)}{_coercion_hint(node)}")
                return None
            s = node.value.strip()
            if t == "string":
                if not s:
                    c.error(node.pos, "TF011", f"{label} is empty")
                    return None
                return s if self.text(f, node, s, label) else None
            if t == "slug" and not SLUG.match(s):
                c.error(node.pos, "TF016", f"{label} {quoted(s)} is not a safe id: use lower-case ASCII letters, "
                        "digits, - and _ (it becomes a file name)")
                return None
            if t == "id" and (not SAFE_ID.match(s) or ".." in s):
                c.error(node.pos, "TF016", f"{label} {quoted(s)} is not a safe id: use ASCII letters, digits, _ . - "
                        "(no leading _ , no `..`; it becomes a file name and a BPMN id)")
                return None
            if t == "code" and not CATALOGUE_CODE.match(s):
                c.error(node.pos, "TF016", f"{label} {quoted(s)} is not a catalogue code like GEN-010")
                return None
            if t == "enum" and s not in f.enum:
                c.error(node.pos, "TF014", f"{label} {quoted(s)} is not one of {', '.join(f.enum)}{did_you_mean(s, f.enum)}")
                return None
            return s
        if t in ("number", "share"):
            v = node.value
            if node.kind != "scalar" or isinstance(v, bool) or not isinstance(v, (int, float)):
                hint = _coercion_hint(node)
                if node.kind == "scalar" and isinstance(node.value, (str, datetime.date)):
                    hint = ": write a plain number, e.g. 3 or 0.5"
                c.error(node.pos, "TF011", f"{label} must be a number, not {_describe(node)}{hint}")
                return None
            raw = node.raw or ""
            if ":" in raw:
                c.error(node.pos, "TF011", f"{label}: YAML reads `{raw}` as the base-60 number {v}: "
                        "write a plain number (minutes as 12.5, not 12:30)")
                return None
            if raw.startswith(("0o", "0x")) or (len(raw) > 1 and raw[0] == "0" and raw[1:].isdigit()):
                c.error(node.pos, "TF011", f"{label}: YAML reads `{raw}` as {v} (octal/hex): write it without the "
                        "leading 0")
                return None
            if v != v or v in (float("inf"), float("-inf")):
                c.error(node.pos, "TF015", f"{label} must be a finite number")
                return None
            if v < 0:
                c.error(node.pos, "TF015", f"{label} must not be negative (got {v})")
                return None
            if t == "share" and v > 1:
                c.error(node.pos, "TF015", f"{label} is a share between 0 and 1 (got {v}; write 0.6 for 60%)")
                return None
            if f.maximum is not None and v > f.maximum:
                # the figure as written: 10**330 has no float to show it by
                shown = raw if len(raw) <= 24 else f"{raw[:8]}…{raw[-4:]} ({len(raw)} characters)"
                c.error(node.pos, "TF015", f"{label} {shown} is over {f.maximum:,.0f} ({f.unit}), more than any "
                        "municipal procedure has: check the figure and its unit")
                return None
            return v
        if t == "bool":
            if node.kind != "scalar" or not isinstance(node.value, bool):
                c.error(node.pos, "TF011", f"{label} must be true or false, not {_describe(node)}"
                        + (f" ({quoted(node.raw)})" if node.kind == "scalar" and node.raw else ""))
                return None
            return node.value
        if t in ("strings", "fields"):
            if node.kind != "seq":
                c.error(node.pos, "TF011", f"{label} must be a list, e.g. [{node.raw or 'a'}]")
                return None
            out: list[str] = []
            for item in node.value:
                if item.kind != "scalar" or not isinstance(item.value, str) or not item.value.strip():
                    c.error(item.pos, "TF011", f"items of {label} must be text, not {_describe(item)}"
                            f"{_coercion_hint(item)}")
                    continue
                s = item.value.strip()
                if f.enum and s not in f.enum:
                    c.error(item.pos, "TF014", f"{label} item {quoted(s)} is not one of {', '.join(f.enum)}"
                            f"{did_you_mean(s, f.enum)}")
                    continue
                if t == "fields" or self.text(f, item, s, f"an item of {label}"):  # fields: names checked later
                    out.append(s)
            return out
        if t == "urls":
            items = node.value if node.kind == "seq" else [node]
            urls: list[str] = []
            for item in items:
                if item.kind != "scalar" or not isinstance(item.value, str) or not URL.match(item.value.strip()):
                    c.error(item.pos, "TF011", f"{label} must be an http(s) URL or a list of them")
                    continue
                if self.unsafe_characters(item, item.value.strip(), label, multiline=False):
                    continue
                urls.append(item.value.strip())
            return urls
        raise AssertionError(t)  # pragma: no cover - the table only uses the types above

    def text(self, f: Field, node: MNode, s: str, label: str) -> bool:
        """Whether the text `s` of field `f` is short enough and free of characters that would
        reach a terminal, CSV, HTML or SVG as something else than text (reported if not)."""
        if self.unsafe_characters(node, s, label, f.multiline):
            return False
        if len(s) > f.max_length:
            kind = "free text" if f.multiline else "a label"
            fix = "link a document in `source`" if f.multiline else "put the details in `note`"
            self.c.error(node.pos, "TF018", f"{label} is {len(s):,} characters long: {kind} may have at most "
                         f"{f.max_length:,}; shorten it ({fix})")
            return False
        return True

    def unsafe_characters(self, node: MNode, s: str, label: str, multiline: bool) -> bool:
        """Report (and say True) when `s` holds a character no text value may hold
        (`unsafe_character`)."""
        bad = unsafe_character(s, multiline)
        if bad is None:
            return False
        self.c.error(node.pos, "TF019", f"{label} {bad}: remove it (in double quotes, escapes such as \\x1b and "
                     "\\u202e write such characters too)")
        return True

    def fields(self, node: MNode, spec: tuple[Field, ...], where: str,
               special: dict[str, Callable[[MNode], Any]] | None = None) -> tuple[dict[str, Any], dict[str, Pos]]:
        """Check a mapping against a field table: unknown and missing fields, types."""
        by_name = _by_name(spec)
        values: dict[str, Any] = {}
        positions: dict[str, Pos] = {}
        for k, v in node.value if node.kind == "map" else ():
            key = k.value
            if key.__class__ is not str:
                self.c.error(k.pos, "TF010", f"field name {quoted(k.raw)}{where} must be text{_coercion_hint(k)}")
                continue
            f = by_name.get(key)
            if f is None:
                self.c.error(k.pos, "TF010", f"unknown field `{key}`{where}{did_you_mean(key, list(by_name))}")
                continue
            positions[key] = v.pos
            if special and key in special:
                values[key] = special[key](v)
            else:
                val = self.value(f, v, where)
                if val is not None:
                    values[key] = val
        for name in _required(spec):
            if name not in positions:
                self.c.error(node.pos, "TF013", f"missing required field `{name}`{where}")
        return values, positions

    # ----- structure -------------------------------------------------------------------------
    def process(self, root: MNode, path: str) -> Process | None:
        c = self.c
        if root.kind != "map":
            c.error(root.pos, "TF011", f"a process file is a mapping (process:, name:, steps: …), not {_describe(root)}")
            return None
        vals, pos = self.fields(root, PROCESS_FIELDS, "", {"lanes": self.lanes, "steps": self.steps})
        lanes: list[Lane] = vals.get("lanes") or []
        steps: list[Step] = vals.get("steps") or []
        self.assumed(vals.get("assumed", []), PROCESS_FIELDS, root.get("assumed"), "")
        self.references(steps, lanes)
        required = ("process", "name", "city", "steps")
        if any(r not in vals for r in required):
            return None
        return Process(
            process=vals["process"], name=vals["name"], city=vals["city"], steps=steps, lanes=lanes,
            area=vals.get("area"), volume=vals.get("volume"), source=vals.get("source", []),
            channels=vals.get("channels", []), assumed=vals.get("assumed", []),
            description=vals.get("description"), path=path, pos=root.pos, field_pos=pos,
        )

    def lanes(self, node: MNode) -> list[Lane]:
        if node.kind != "map":
            self.c.error(node.pos, "TF011", "`lanes` must be a mapping of lane id → name, e.g. `counter: 市民課 窓口`")
            return []
        out = []
        for k, v in node.items():
            if not isinstance(k.value, str) or not SAFE_ID.match(k.value):
                self.c.error(k.pos, "TF016", f"lane id {quoted(k.raw)} is not a safe id: use ASCII letters, digits, _ . -")
                continue
            if v.kind != "scalar" or not isinstance(v.value, str) or not v.value.strip():
                self.c.error(v.pos, "TF011", f"lane `{k.value}` needs a name (text), not {_describe(v)}"
                             f"{_coercion_hint(v)}")
                continue
            # reported, but the lane is kept: its steps' `lane:` stays declared (one error, not one a step)
            self.text(_LANE_NAME, v, v.value.strip(), f"the name of lane `{k.value}`")
            out.append(Lane(k.value, v.value.strip(), k.pos))
        return out

    def steps(self, node: MNode) -> list[Step]:
        if node.kind != "seq":
            self.c.error(node.pos, "TF011", "`steps` must be a list of steps (each starting with `- id:`)")
            return []
        if not node.value:
            self.c.error(node.pos, "TF013", "`steps` is empty: a process needs at least one step")
        too_many = too_many_steps(len(node.value))
        if too_many is not None:  # before a step is read (model.process.MAX_STEPS)
            self.c.error(node.pos, "TF015", too_many)
            return []
        out = []
        for i, item in enumerate(node.value):
            s = self.step(item, i)
            if s is not None:
                out.append(s)
        return out

    def step(self, node: MNode, index: int) -> Step | None:
        c = self.c
        if node.kind != "map":
            c.error(node.pos, "TF011", f"step {index + 1} must be a mapping (`- id: …`), not {_describe(node)}")
            return None
        idnode = node.get("id")
        sid = idnode.value if idnode is not None and isinstance(idnode.value, str) else None
        where = f" in step `{sid}`" if sid and len(sid) <= 60 else f" in step {index + 1}"
        vals, pos = self.fields(node, STEP_FIELDS, where, {"branches": lambda n: self.branches(n, where)})
        if "id" not in vals:
            return None
        s = Step(**vals, pos=node.pos, field_pos=pos)  # every step field name is a Step attribute
        if s.assumed:
            self.assumed(s.assumed, STEP_FIELDS, node.get("assumed"), where)
        self.shape(s, where)
        return s

    def branches(self, node: MNode, where: str) -> list[Branch]:
        if node.kind != "seq":
            self.c.error(node.pos, "TF011", f"`branches`{where} must be a list of {{to: …, when: …}}")
            return []
        out = []
        for item in node.value:
            if item.kind != "map":
                self.c.error(item.pos, "TF011", f"a branch{where} must be a mapping {{to: step_id, when: …}}")
                continue
            vals, _ = self.fields(item, BRANCH_FIELDS, f" of a branch{where}")
            if "to" in vals:
                out.append(Branch(vals["to"], vals.get("when"), vals.get("share"), vals.get("default", False), item.pos))
        return out

    def assumed(self, names: list[str], spec: tuple[Field, ...], node: MNode | None, where: str) -> None:
        if node is None or node.kind != "seq":
            return
        known = list(_by_name(spec))
        for item in node.value:
            if isinstance(item.value, str) and item.value not in known:
                self.c.error(item.pos, "TF014", f"`assumed`{where} names `{item.value}`, which is not a field"
                             f"{did_you_mean(item.value, known)}")

    def shape(self, s: Step, where: str) -> None:
        """What kind of node the step is, and which fields make sense for it."""
        c = self.c
        w = s.where
        # a `gateway:`/`event:` whose value was rejected (already reported) still says what the
        # analyst meant: do not pile "needs a gateway" or "missing name" on top of it
        meant_gateway = s.gateway is not None or "gateway" in s.field_pos
        meant_event = s.event is not None or "event" in s.field_pos
        if s.gateway and s.event:
            c.error(w("event"), "TF017", f"a step is a gateway or an event, not both{where}", s.id)
        if s.branches and not meant_gateway:
            c.error(w("branches"), "TF017", f"`branches` need `gateway: exclusive|parallel|inclusive`{where}", s.id)
        if s.join and not meant_gateway:
            c.error(w("join"), "TF017", f"`join: true` is for gateways: add `gateway: parallel`{where}", s.id)
        if s.gateway and not s.join:
            if "branches" not in s.field_pos:
                c.error(s.pos, "TF013", f"a splitting gateway needs `branches`{where} (or `join: true` for a join)",
                        s.id)
            if s.next:
                c.error(w("next"), "TF017", f"a splitting gateway flows by `branches`, not `next`{where}", s.id)
            if s.end:
                c.error(w("end"), "TF017", f"a splitting gateway cannot `end`{where}", s.id)
        if s.join and s.branches:
            c.error(w("branches"), "TF017", f"a joining gateway must not also split{where}: add a second gateway "
                    "after it (bpmnlint: no-gateway-join-fork)", s.id)
        if s.next and s.end:
            c.error(w("end"), "TF017", f"`next` and `end: true` contradict each other{where}", s.id)
        if s.event == "end" and (s.next or s.end):
            c.error(w("next") if s.next else w("end"), "TF017", f"an end event has no successor{where}", s.id)
        if s.is_gateway:
            for b in s.branches:
                if s.gateway == "parallel" and (b.when or b.share is not None or b.default):
                    c.error(b.pos, "TF017", f"a parallel branch takes every path: remove `when`, `share` and "
                            f"`default`{where}", s.id)
            if sum(1 for b in s.branches if b.default) > 1:
                c.error(w("branches"), "TF017", f"more than one `default: true` branch{where}", s.id)
        if s.is_task and not (meant_gateway or meant_event) and "name" not in s.field_pos:
            c.error(s.pos, "TF013", f"missing required field `name`{where} (every task needs a label)", s.id)
        if (meant_gateway or meant_event) and "kind" in s.field_pos:
            c.error(w("kind"), "TF017", f"`kind` is for tasks; this step is a {'gateway' if s.gateway else 'event'}"
                    f"{where}", s.id)

    def references(self, steps: list[Step], lanes: list[Lane]) -> None:
        c = self.c
        lane_ids: dict[str, Lane] = {}
        for lane in lanes:
            lane_ids.setdefault(lane.id, lane)
        seen: dict[str, Step] = {}
        for s in steps:
            if s.id in seen:
                c.error(s.where("id"), "TF020", f"duplicate step id `{s.id}` (first at line {seen[s.id].pos.line})",
                        s.id)
            else:
                seen[s.id] = s
        ids = list(seen)
        for i, s in enumerate(steps):
            if s.lane is not None and s.lane not in lane_ids:
                hint = did_you_mean(s.lane, list(lane_ids)) if lane_ids else " (declare it under `lanes:`)"
                c.error(s.where("lane"), "TF022", f"step `{s.id}` uses undeclared lane `{s.lane}`{hint}", s.id)
            if s.next is not None and s.next not in seen:
                c.error(s.where("next"), "TF021", f"`next: {s.next}` in step `{s.id}` names no step"
                        f"{did_you_mean(s.next, ids)}", s.id)
            for b in s.branches:
                if b.to not in seen:
                    c.error(b.pos, "TF021", f"branch `to: {b.to}` in step `{s.id}` names no step"
                            f"{did_you_mean(b.to, ids)}", s.id)
            if s.event == "start" and i != 0:
                c.error(s.where("event"), "TF017", f"`event: start` is only allowed on the first step (`{s.id}`)", s.id)


def read_process(path: str, data: bytes | None = None) -> tuple[Process | None, list[Finding]]:
    """Load one YAML process file. Returns the process (None if it could not be built) and every
    finding about the file. Never raises for bad input."""
    c = Collector(path)
    duplicates: list[TamaflowError] = []
    try:
        root = read_marked(path, data, duplicates)
    except TamaflowError as e:
        xml = _xml_model(path, data) if e.code != "TF001" else None
        return None, [xml or e.finding()]
    c.findings.extend(d.finding() for d in duplicates)
    proc = _Reader(c).process(root, path)
    errors = [f for f in c.findings if f.severity == "error"]
    if errors and root.kind != "map" and (xml := _xml_model(path, data)) is not None:
        return None, [xml]
    return (proc if not errors else None), sorted(c.findings, key=lambda f: (f.line, f.column, f.code))


def _xml_model(path: str, data: bytes | None) -> Finding | None:
    """The one error for a BPMN or PNML model given where a process YAML file is read (`validate
    model.bpmn`, `render`, `score`): it is XML, and its YAML syntax errors would say nothing
    useful. Asked only once reading the file as YAML has failed, so a regular file is read."""
    if data is None:
        try:
            with open(path, "rb") as f:
                data = f.read(512)
        except OSError:
            return None
    if not data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return None
    return Finding(path, 1, 1, "TF001", "error",
                   "an XML model (BPMN or PNML), not a process YAML file: `tamaflow import` turns it into one "
                   "(`tamaflow compare` also reads it as it is)")


def unsafe_character(s: str, multiline: bool = False) -> str | None:
    """What is wrong with the first character of `s` that a text value may not hold, as "holds
    U+202E, a bidi control, …, at character 3" (`_UNSAFE_IN_LABEL`; free text, `multiline`, may
    keep line breaks and tabs); None when there is none. The one rule for every text a label
    comes from: a YAML file, an imported model, a name typed for `tamaflow new`."""
    bad = (_UNSAFE_IN_TEXT if multiline else _UNSAFE_IN_LABEL).search(s)
    if bad is None:
        return None
    ch = bad.group()
    if "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069":
        what = "a bidi control, which shows the text in another order than it is stored"
    elif ch in "\u2028\u2029" or (not multiline and ch in "\n\r\x0b\x0c\x85"):
        what = "a line break (a label is one line)" if not multiline else "a Unicode line separator"
    elif ch == "\t":
        what = "a tab (a label is one line)"
    else:
        what = "a control character"
    return f"holds U+{ord(ch):04X}, {what}, at character {bad.start() + 1}"


def check_imported_labels(proc: Process) -> None:
    """Raise TamaflowError (TF018/TF019) at the first label of an imported model (BPMN, PNML) that
    a YAML file could not hold: `compare` reads those models without `validate`, and a label of
    16,000 Japanese characters crashed its analyser (SudachiPy). `import` itself keeps them: the
    YAML it writes is then refused by `validate`, at the line of the label."""
    labels: list[tuple[Pos, str]] = [(proc.pos, proc.name)]
    labels += [(lane.pos, lane.name) for lane in proc.lanes]
    for s in proc.steps:
        labels += [(s.pos, s.name), *((s.pos, x) for x in s.systems)]
        labels += [(b.pos, b.when) for b in s.branches if b.when]
    for pos, text in labels:
        bad = unsafe_character(text)
        if bad is not None:
            raise TamaflowError(f"the label {quoted(text)} {bad}: remove it", proc.path or "", pos.line, pos.col, "TF019")
        if len(text) > MAX_LABEL:
            raise TamaflowError(f"a label is {len(text):,} characters long: at most {MAX_LABEL:,} can be compared; "
                                "shorten it", proc.path or "", pos.line, pos.col, "TF018")


def load_process_strict(path: str | Path) -> Process:
    """Load a process or raise TamaflowError with the first error (for commands that need a
    valid process, e.g. render)."""
    proc, findings = read_process(str(path))
    errors = [f for f in findings if f.severity == "error"]
    if proc is None or errors:
        f = errors[0]
        more = f" (and {len(errors) - 1} more; run `tamaflow validate`)" if len(errors) > 1 else ""
        # cut the message here, not in `str(err)`: the count of the others must stay on the line
        raise TamaflowError(f"{one_line(f.message, HUMAN_LIMIT - len(more))}{more}", f.file, f.line, f.column, f.code)
    return proc
