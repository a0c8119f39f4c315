"""`Process` → YAML text in the process format, for `tamaflow import` (and anything else that
generates process files).

Written by hand rather than with `yaml.dump` because the output is for analysts to read and
edit: fields in the documented order, defaults left out, branches as one-line mappings,
Japanese unescaped, and a quoted scalar exactly where YAML would otherwise misread it (`yes`,
`no`, `12:30`, `0123`, `null`, `書類OK?` in a flow mapping, `: ` inside text …). The output is
deterministic (same process, same bytes) and reads back into an equivalent process.

Depends only on the model, the field table and PyYAML's scalar resolver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from ..model.process import Branch, Process, Step
from .schema import PROCESS_FIELDS, STEP_FIELDS

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
#: characters that may not start a plain scalar (YAML indicators), conservatively
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`=<~")
#: characters YAML treats as line breaks or refuses unescaped, besides C0/C1 controls
_SPECIAL = {"\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff"}
_NEEDS_QUOTES_BLOCK = re.compile(r":\s|\s#|:$|^\s|\s$")
_FLOW_CHARS = set(",[]{}:#?&*!|>'\"%@`")
#: what YAML 1.2 (the editor's yaml-language-server, other tools) reads as a number even where
#: PyYAML's YAML 1.1 does not, e.g. `1e3`: quoted too, so every reader sees text
_YAML12_SPECIAL = re.compile(
    r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0x[0-9a-fA-F]+$|^0o[0-7]+$"
    r"|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$|^(true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$")


#: what YAML will not take unescaped: C0/C1 controls (line breaks and tabs among them), DEL,
#: lone surrogates and `_SPECIAL`; one regex, so a label of a million characters is escaped in
#: milliseconds (a loop per character took 7 s of CPU and 200 MB on one, found by
#: benchmarks/fuzz_campaign.py)
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(_SPECIAL)) + "]")
_TO_ESCAPE = re.compile('["\\\\]|' + _UNPRINTABLE.pattern)
_NAMED_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_FLOW_CHARS_RE = re.compile("[" + re.escape("".join(sorted(_FLOW_CHARS))) + "]")


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    named = _NAMED_ESCAPES.get(ch)
    if named is not None:
        return named
    o = ord(ch)
    return f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}"


def _double_quoted(s: str) -> str:
    return '"' + _TO_ESCAPE.sub(_escape, s) + '"'


def scalar(s: str, flow: bool = False) -> str:
    """A string as a YAML scalar: plain when YAML reads it back as the same text, otherwise
    double-quoted. `flow=True` for items inside `[…]` and `{…}`, where more characters matter."""
    if (
        not s
        or s[0] in _INDICATORS
        or _NEEDS_QUOTES_BLOCK.search(s)
        or _UNPRINTABLE.search(s)
        or (flow and _FLOW_CHARS_RE.search(s))
        or _YAML12_SPECIAL.match(s)
        or _RESOLVER.resolve(yaml.ScalarNode, s, (True, False)) != _STR_TAG
    ):
        return _double_quoted(s)
    return s


def unprintable(s: str) -> str | None:
    """The first character of `s` that one line of text cannot hold (a control character, a line
    break, a lone surrogate, a byte order mark), or None: what a name typed on the command line
    may not contain, since `scalar` would keep it only as an escape nobody meant to type."""
    m = _UNPRINTABLE.search(s)
    return m.group() if m else None


def number(v: float | int) -> str:
    """A number as YAML 1.1 reads it back as that number (no exponent without a dot)."""
    if isinstance(v, bool):  # pragma: no cover - callers pass numbers
        raise TypeError("bool is not a number here")
    if isinstance(v, int):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    text = repr(v)
    if "e" in text or "E" in text:
        text = f"{v:.15f}".rstrip("0").rstrip(".")
    return text


def _bool(v: bool) -> str:
    return "true" if v else "false"


def _flow_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(scalar(i, flow=True) for i in items) + "]"


def _branch(b: Branch, parallel: bool) -> str:
    parts = [f"to: {scalar(b.to, flow=True)}"]
    if not parallel:
        if b.when:
            parts.append(f"when: {scalar(b.when, flow=True)}")
        if b.share is not None:
            parts.append(f"share: {number(b.share)}")
        if b.default:
            parts.append("default: true")
    return "{" + ", ".join(parts) + "}"


def _step_lines(s: Step) -> list[str]:
    """YAML lines of one step. `next` and `end` are written as the model has them (an
    analyst's explicit `end: true` on the last step survives a round trip); importers leave
    them out where the order already says it."""
    lines: list[str] = []
    flows_on = not (s.is_gateway and not s.join) and s.event != "end"
    for f in STEP_FIELDS:
        key = f.name
        v = getattr(s, key)
        if key == "id":
            text = scalar(v)
        elif key == "name":
            if not v:
                continue
            text = scalar(v)
        elif key == "kind":
            if not s.is_task or v == "user":
                continue
            text = v
        elif key == "branches":
            if not (s.is_gateway and not s.join):
                continue
            lines.append("branches:")
            lines.extend(f"  - {_branch(b, s.gateway == 'parallel')}" for b in v)
            continue
        elif key == "next":
            if v is None or not flows_on:
                continue
            text = scalar(v)
        elif key == "end":
            if not v or not flows_on or s.next is not None:
                continue
            text = "true"
        elif key == "join":
            if not v or not s.is_gateway:
                continue
            text = "true"
        elif key in ("seal", "system_change"):
            if not v:
                continue
            text = "true"
        elif key in ("systems", "assumed"):
            if not v:
                continue
            text = _flow_list(v)
        elif v is None:
            continue
        elif isinstance(v, bool):
            text = _bool(v)
        elif isinstance(v, (int, float)):
            text = number(v)
        else:
            text = scalar(str(v))
        lines.append(f"{key}: {text}")
    return lines


def dump_process(process: Process, schema: str | None = "../../tamaflow.schema.json",
                 comments: Iterable[str] = ()) -> str:
    """The process as YAML text. `schema` is the path for the `# yaml-language-server` line
    (editor completion; None leaves the line out); `comments` become `# …` lines under it."""
    out: list[str] = []
    if schema:
        out.append(f"# yaml-language-server: $schema={schema}")
    for c in comments:
        for line in str(c).splitlines() or [""]:
            out.append(f"# {line}".rstrip())
    for f in PROCESS_FIELDS:
        key = f.name
        v = getattr(process, key)
        if key == "lanes":
            if v:
                out.append("lanes:")
                out.extend(f"  {scalar(lane.id)}: {scalar(lane.name)}" for lane in v)
            continue
        if key == "steps":
            out.append("steps:")
            steps = process.steps
            for s in steps:
                lines = _step_lines(s)
                out.append(f"  - {lines[0]}")
                out.extend(f"    {line}" for line in lines[1:])
            continue
        if key == "source":
            if len(v) == 1:
                out.append(f"source: {scalar(v[0])}")
            elif v:
                out.append("source:")
                out.extend(f"  - {scalar(u)}" for u in v)
            continue
        if key in ("channels", "assumed"):
            if v:
                out.append(f"{key}: {_flow_list(v)}")
            continue
        if v is None or v == "":
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(f"{key}: {number(v)}")
        else:
            out.append(f"{key}: {scalar(str(v))}")
    return "\n".join(out) + "\n"


__all__ = ["dump_process", "scalar", "number", "unprintable"]
