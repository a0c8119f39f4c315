"""Safe YAML reading that keeps the line and column of every value.

Why our own composer instead of `yaml.safe_load`:
- safe_load forgets positions, and analysts need `file:line:col` for every message;
- safe_load silently keeps the last of two duplicate keys;
- safe_load expands aliases (the "billion laughs" bomb) and recurses on deep nesting.

We read PyYAML's event stream (libyaml's C parser when present, which is fast and streams
events without recursion) and build a small tree of `MNode`s iteratively, with limits on depth,
node count and alias expansion. Scalars keep their raw text, so that when YAML turns `no` into
false or `12:30` into 750 we can say so.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import Any

import yaml

from ..model.findings import TamaflowError
from ..model.process import Pos

#: the parser behind `compose`: libyaml's C parser (~10x faster) where the platform's wheel has it,
#: else PyYAML's pure-Python one; a test swaps it to check that both give the same findings
try:
    from yaml._yaml import CParser as Parser
except ImportError:  # pragma: no cover - depends on the platform's wheel
    from yaml import SafeLoader as Parser  # type: ignore[assignment]

MAX_BYTES = 5_000_000
MAX_DEPTH = 64
MAX_NODES = 500_000

#: the only explicit tags a process file may carry (`!!str "0123"` is a legitimate way to quote);
#: anything else — `!!python/object`, `!!binary`, `!!set`, local `!tags` — is refused (TF003)
_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_YAML + t for t in ("str", "int", "float", "bool", "null"))
_COLLECTION_TAGS = {"map": _YAML + "map", "seq": _YAML + "seq"}
_STR = _YAML + "str"
_INT = _YAML + "int"

_ScalarEvent = yaml.ScalarEvent
_MappingStartEvent = yaml.MappingStartEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_MappingEndEvent = yaml.MappingEndEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_AliasEvent = yaml.AliasEvent
_DocumentStartEvent = yaml.DocumentStartEvent
_StreamEndEvent = yaml.StreamEndEvent
_NO_KEYS: dict[Any, MNode] = {}  # placeholder `seen` of a sequence (never written)

#: plain scalar text → (resolved tag, value): field names, enum values and small numbers repeat
#: across steps and files, and PyYAML's regex resolver is the slowest part of reading a scalar.
#: Values are immutable (str, int, float, bool, None, date), so sharing them is safe.
PLAIN_CACHE: dict[str, tuple[str, Any]] = {}
_PLAIN_MAX = 50_000
#: (line << 23 | column) → Pos: positions are immutable and the same line/column pairs recur
#: across the files of a library, so each is built once (a column is < 2**23: files ≤ 5 MB)
_POS: dict[int, Pos] = {}
_POS_MAX = 200_000


def _pos_of(mark: Any) -> Pos:
    key = (mark.line << 23) | mark.column
    pos = _POS.get(key)
    if pos is None:
        if len(_POS) >= _POS_MAX:
            _POS.clear()
        pos = _POS[key] = Pos(mark.line + 1, mark.column + 1)
    return pos


@dataclass(slots=True)
class MNode:
    """A YAML node with its position. `kind` is 'map', 'seq' or 'scalar'."""

    kind: str
    pos: Pos
    #: map: list of (key node, value node); seq: list of nodes; scalar: the constructed value
    value: Any = None
    #: the scalar as written (None for map/seq)
    raw: str | None = None
    #: True when the scalar was plain (unquoted): only then does YAML re-type it
    plain: bool = False
    tag: str = ""

    def get(self, key: str) -> MNode | None:
        if self.kind != "map":
            return None
        for k, v in self.value:
            if k.value == key:
                return v
        return None

    def items(self) -> list[tuple[MNode, MNode]]:
        return list(self.value) if self.kind == "map" else []

    def to_python(self) -> Any:
        """Plain Python value (for generic consumers). Positions are dropped."""
        if self.kind == "map":
            return {k.to_python(): v.to_python() for k, v in self.value}
        if self.kind == "seq":
            return [v.to_python() for v in self.value]
        return self.value


_resolver = yaml.resolver.Resolver()


class _ScalarBuilder(yaml.constructor.SafeConstructor):
    """SafeConstructor used only to turn one scalar into its Python value."""

    def build(self, tag: str, value: str, style: str | None) -> Any:
        node = yaml.ScalarNode(tag, value, style=style)
        fn = self.yaml_constructors.get(tag)
        if fn is None:
            return value
        return fn(self, node)


_builder = _ScalarBuilder()


def check_text(data: bytes, path: str) -> str:
    """Bytes → text, with one clear error for empty, binary, oversized or non-UTF-8 files."""
    if len(data) > MAX_BYTES:
        raise TamaflowError(
            f"file is {len(data):,} bytes, over the {MAX_BYTES:,}-byte limit for a process file", path, 1, 1, "TF001"
        )
    if not data.strip():
        raise TamaflowError("file is empty: write a process definition (see `tamaflow new`)", path, 1, 1, "TF001")
    if b"\x00" in data[:8192]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or _looks_utf16(data[:8192]):
            raise TamaflowError("file is UTF-16: re-save it as UTF-8", path, 1, 1, "TF001")
        raise TamaflowError("binary file, not YAML text", path, 1, 1, "TF001")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        hint = "re-save it as UTF-8"
        try:
            data.decode("cp932")
            hint = "it looks like Shift_JIS (CP932, as Excel saves it): re-save it as UTF-8"
        except UnicodeDecodeError:
            pass
        raise TamaflowError(f"file is not UTF-8: {hint}", path, line, col, "TF001") from None
    bad = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise TamaflowError(
            f"control character U+{ord(bad.group()):04X} in the text: binary data or a broken copy-paste",
            path, line, col, "TF001",
        )
    return text


def _looks_utf16(sample: bytes) -> bool:
    """UTF-16 without a byte-order mark (some Windows tools write it): YAML's ASCII keys leave a
    NUL in every other byte, on one side only."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return False
    return (odd.count(0) > 0.3 * len(odd) and 0 not in even) or (even.count(0) > 0.3 * len(even) and 0 not in odd)


def compose(text: str, path: str, problems: list[TamaflowError] | None = None) -> MNode:
    """Parse one YAML document into an MNode tree, safely.

    Raises TamaflowError (TF002 syntax, TF003 unsafe, TF012 duplicate key) with a position. When
    `problems` is given, duplicate keys are appended to it instead (the first value is kept) so
    that the caller can report them together with every other finding of the file.

    This loop runs once per YAML event of every validated file, so it is written for speed:
    dispatch on the event class by identity, and plain scalars resolved once per distinct text
    (`PLAIN_CACHE`) instead of through PyYAML's resolver and constructor each time.
    """
    anchors: dict[str, MNode] = {}
    # the open container is held in locals (cur …); the stack saves those of the enclosing ones:
    # (container, its list, is a mapping, pending key node, keys seen, drop the pending pair)
    cur: MNode | None = None
    cur_list: list[Any] = []
    is_map = False
    pending: MNode | None = None
    seen: dict[Any, MNode] = {}  # keys of the open mapping: linear duplicate detection
    drop = False
    stack: list[tuple[Any, ...]] = []
    root: MNode | None = None
    count = 0
    docs = 0
    plain_cache = PLAIN_CACHE
    pos_cache = _POS
    # module globals as locals: this loop runs for every event of every file
    ScalarEvent, MappingStart, SequenceStart = _ScalarEvent, _MappingStartEvent, _SequenceStartEvent
    MappingEnd, SequenceEnd, STR, Node, pos_of = _MappingEndEvent, _SequenceEndEvent, _STR, MNode, _pos_of
    parser = Parser(text)
    try:
        get_event = parser.get_event
        while True:
            ev: Any = get_event()
            cls = ev.__class__
            if cls is ScalarEvent:
                count += 1
                raw = ev.value
                tag = ev.tag
                if tag is None or tag == "!":
                    if ev.implicit[0] and not ev.style:
                        hit = plain_cache.get(raw)
                        if hit is None:
                            hit = _resolve_plain(raw, path, ev.start_mark)
                        resolved, value = hit
                        plain = True
                    else:  # quoted, literal or folded: always text
                        resolved, value, plain = STR, raw, False
                else:
                    if tag not in _SCALAR_TAGS:
                        raise TamaflowError(
                            f"YAML tag {_show_tag(tag)} is not allowed in process files: remove it",
                            path, *_lc(ev.start_mark), code="TF003",
                        )
                    resolved, value, plain = tag, _construct(tag, raw, ev.style, path, ev.start_mark), False
                mark = ev.start_mark
                pos = pos_cache.get((mark.line << 23) | mark.column) or pos_of(mark)
                node = Node("scalar", pos, value, raw, plain, resolved)
                if ev.anchor:
                    anchors[ev.anchor] = node
            elif cls is MappingStart or cls is SequenceStart:
                count += 1
                if len(stack) >= MAX_DEPTH:
                    raise TamaflowError(
                        f"nesting deeper than {MAX_DEPTH} levels: not a process definition",
                        path, *_lc(ev.start_mark), code="TF003",
                    )
                kind = "map" if cls is MappingStart else "seq"
                tag = ev.tag
                if tag is not None and tag != "!" and tag != _COLLECTION_TAGS[kind]:
                    raise TamaflowError(
                        f"YAML tag {_show_tag(tag)} is not allowed in process files: remove it",
                        path, *_lc(ev.start_mark), code="TF003",
                    )
                container = MNode(kind, _pos_of(ev.start_mark), [])
                if ev.anchor:
                    anchors[ev.anchor] = container
                stack.append((cur, cur_list, is_map, pending, seen, drop))
                cur, cur_list, is_map, pending, drop = container, container.value, kind == "map", None, False
                seen = {} if is_map else _NO_KEYS
                continue
            elif cls is MappingEnd or cls is SequenceEnd:
                node = cur  # type: ignore[assignment]
                cur, cur_list, is_map, pending, seen, drop = stack.pop()
            elif cls is _AliasEvent:
                target = anchors.get(str(ev.anchor))
                if target is None:
                    raise TamaflowError(f"unknown alias *{ev.anchor}", path, *_lc(ev.start_mark), code="TF002")
                if target is cur or any(target is frame[0] for frame in stack):
                    # `&a [*a]`: a node containing itself would send every later walk into a loop
                    raise TamaflowError(
                        f"recursive alias *{ev.anchor} (the node contains itself): not allowed in process files",
                        path, *_lc(ev.start_mark), code="TF003",
                    )
                count += _size(target)
                node = target
            elif cls is _DocumentStartEvent:
                docs += 1
                if docs > 1:
                    raise TamaflowError(
                        "more than one YAML document (a second `---`): keep one process per file",
                        path, *_lc(ev.start_mark), code="TF002",
                    )
                continue
            elif cls is _StreamEndEvent or ev is None:
                break
            else:  # stream start, document end
                continue
            if count > MAX_NODES:
                raise TamaflowError(
                    f"more than {MAX_NODES:,} YAML nodes (alias expansion?): refusing to read it",
                    path, *_lc(ev.start_mark), code="TF003",
                )
            if cur is None:
                root = node
            elif not is_map:
                cur_list.append(node)
            elif pending is None:  # a mapping key
                if node.kind != "scalar":
                    raise TamaflowError(
                        "a mapping key must be a plain value, not a list or mapping",
                        path, node.pos.line, node.pos.col, "TF002",
                    )
                if node.plain and node.raw == "<<":
                    raise TamaflowError(
                        "YAML merge keys (<<) are not supported: write the fields out",
                        path, node.pos.line, node.pos.col, "TF003",
                    )
                key = node.value
                dkey = key if key.__class__ is str else _key_identity(key)
                first = seen.get(dkey)
                if first is not None:
                    dup = TamaflowError(
                        f"duplicate key {node.raw!r} (first at line {first.pos.line}): YAML would silently keep "
                        "only the last one; remove or rename one",
                        path, node.pos.line, node.pos.col, "TF012",
                    )
                    if problems is None:
                        raise dup
                    problems.append(dup)
                    drop = True
                else:
                    seen[dkey] = node
                pending = node
            else:  # a mapping value
                if not drop:
                    cur_list.append((pending, node))
                pending = None
                drop = False
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if e.context_mark is not None and "end of stream" in (e.problem or ""):
            # an unclosed quote or bracket: the end of the file says nothing, its opening does
            mark = e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (e.problem or "syntax error").strip()
        context = f" {e.context.strip()}" if e.context else ""
        if context and e.context_mark is not None and e.context_mark.line + 1 != line:
            context += f" that starts at line {e.context_mark.line + 1}"
        if "maximum nesting depth" in problem:  # libyaml's own limit (1000 flow levels) hit before ours
            raise TamaflowError(f"nesting too deep ({problem}): not a process definition", path, line, col,
                                "TF003") from None
        hint = ""
        at = _char_at(text, mark) if mark else ""
        if "mapping values are not allowed" in problem:
            hint = " (a `:` inside a value? quote the value)"
        elif at == "\t" or "found character '\\t'" in problem or "tab" in problem:
            hint = " (YAML does not allow tabs for indentation: use spaces)"
        raise TamaflowError(f"YAML syntax error: {problem}{context}{hint}", path, line, col, "TF002") from None
    except yaml.YAMLError as e:
        raise TamaflowError(f"YAML error: {str(e).splitlines()[0]}", path, 1, 1, "TF002") from None
    except RecursionError:
        raise TamaflowError("nesting too deep: not a process definition", path, 1, 1, "TF003") from None
    finally:
        parser.dispose()
    if root is None:
        raise TamaflowError("file holds no YAML document", path, 1, 1, "TF001")
    return root


def _resolve_plain(raw: str, path: str, mark: Any) -> tuple[str, Any]:
    """Tag and value of a plain scalar, as YAML 1.1 (PyYAML's resolver) reads it; memoised."""
    resolved = _resolver.resolve(yaml.ScalarNode, raw, (True, False))
    if resolved == _STR:  # most text: no constructor needed
        value: Any = raw
    elif resolved == _INT and raw.isascii() and raw.isdigit() and (raw[0] != "0" or raw == "0"):
        value = _construct(resolved, raw, None, path, mark) if len(raw) > 18 else int(raw)
        # a plain decimal (octal, hex, base 60 and `_` go through PyYAML, and so do numbers too
        # long for int(), which say so as an error)
    else:
        value = _construct(resolved, raw, None, path, mark)
    hit = (resolved, value)
    if len(PLAIN_CACHE) >= _PLAIN_MAX:
        PLAIN_CACHE.clear()
    PLAIN_CACHE[raw] = hit
    return hit


def _construct(tag: str, raw: str, style: str | None, path: str, mark: Any) -> Any:
    try:
        return _builder.build(tag, raw, style)
    except (yaml.YAMLError, ValueError, OverflowError) as e:
        shown = raw if len(raw) <= 40 else f"{raw[:20]}…{raw[-10:]} ({len(raw)} characters)"
        why = "too many digits for a number (quote it if it is text)" if "digits" in str(e) else str(e)[:200]
        raise TamaflowError(
            f"cannot read {shown!r} as {tag.rsplit(':', 1)[-1]}: {why}".splitlines()[0],
            path, *_lc(mark), code="TF002",
        ) from None


def _show_tag(tag: str | None) -> str:
    """A tag as the analyst wrote it: `!!python/object`, not the expanded URI."""
    t = str(tag)
    return "!!" + t[len(_YAML):] if t.startswith(_YAML) else t


def _lc(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _char_at(text: str, mark: Any) -> str:
    """The character a parser error mark points at ('' when out of range)."""
    start = 0
    for _ in range(mark.line):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    i = start + mark.column
    return text[i] if i < len(text) else ""


def _key_identity(value: Any) -> Any:
    """Dict key under which two mapping keys count as the same: YAML's equality of the constructed
    values (so `1` and `01`… are one key), but a boolean never equals the number 1."""
    try:
        hash(value)
    except TypeError:  # pragma: no cover - scalars are hashable; be safe anyway
        return (type(value).__name__, repr(value))
    return (isinstance(value, bool), value)


def _size(node: MNode) -> int:
    """Node count of a subtree, as an alias would expand it (bounded by MAX_NODES)."""
    total = 0
    todo = [node]
    while todo and total <= MAX_NODES:
        n = todo.pop()
        total += 1
        if n.kind == "seq":
            todo.extend(n.value)
        elif n.kind == "map":
            total += len(n.value)  # the keys
            for _k, v in n.value:
                todo.append(v)
    return total


def read_marked(path: str, data: bytes | None = None, problems: list[TamaflowError] | None = None) -> MNode:
    """Read a file (or given bytes) into a marked tree; every problem is a TamaflowError (duplicate
    keys go to `problems` when given, see `compose`)."""
    if data is None:
        try:
            # open without blocking, then insist on a regular file: a FIFO or device named *.yaml
            # would otherwise make `validate` wait forever
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with open(fd, "rb") as f:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise TamaflowError("not a regular file (a pipe or device?)", path, 1, 1, "TF001")
                data = f.read(MAX_BYTES + 1)
        except OSError as e:
            raise TamaflowError(f"cannot read file: {e.strerror}", path, 1, 1, "TF001") from None
    return compose(check_text(data, path), path, problems)
