"""Property tests: whatever bytes, text or structure an analyst (or a broken export) hands us,
loading and checking never raises — every problem comes back as a positioned Finding — and the
CLI never shows a traceback. Kept fast: ~200 examples per property, no deadline."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tamaflow.check.rules import run_rules
from tamaflow.cli import app
from tamaflow.io.marked_yaml import compose
from tamaflow.io.yaml_loader import read_process
from tamaflow.model.findings import Finding, TamaflowError
from tamaflow.model.graph import ProcessGraph, descendants, immediate_dominators, reachable_from
from tamaflow.model.process import CHANNELS, EVENT_KINDS, GATEWAY_KINDS, MEDIA, TASK_KINDS

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODE = re.compile(r"^TF\d{3}$")


def check(data: bytes) -> tuple[Any, list[Finding]]:
    """Load and, when the file loads, run every structural rule: the whole per-file path."""
    proc, findings = read_process("fuzz.yaml", data)
    for f in findings:
        assert isinstance(f, Finding)
        assert CODE.match(f.code), f
        assert f.severity in ("error", "warning", "info")
        assert f.line >= 1 and f.column >= 1, f
        assert f.file == "fuzz.yaml" and f.message
    if proc is not None:
        assert not [f for f in findings if f.severity == "error"]
        for f in run_rules(proc):
            assert CODE.match(f.code) and f.line >= 0
    else:
        assert [f for f in findings if f.severity == "error"], "no process and no error to say why"
    return proc, findings


# ----- raw input -----------------------------------------------------------------------------

@FAST
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    check(data)


@FAST
@given(st.text(max_size=2000))
def test_random_text(text: str) -> None:
    check(text.encode("utf-8"))


#: fragments that exercise YAML's corners: indentation, flow collections, anchors, tags, merge
#: keys, documents, quotes, tabs, comments, the process format's own field names
FRAGMENTS = [
    "process: ", "name: ", "city: ", "steps:", "lanes:", "- id: ", "next: ", "branches:", "- {to: ",
    "gateway: parallel", "join: true", "end: true", "share: ", "when: ", "minutes: ", "kind: user",
    "a", "b", "x1", "転入", "12:30", "0123", "no", "on", "~", "null", "1e3", ".nan", "-5", "0.5", "1.5",
    ": ", "- ", "[", "]", "{", "}", ", ", "? ", "&a ", "*a", "&b ", "*b", "<<: ", "!!python/object ",
    "!!str ", "!!binary ", "!local ", "---", "...", "'", '"', "|", ">", "#", "\t", "\n", "\n  ", "\n    ",
    "\n      ", "%YAML 1.1\n", "\ufeff", "\x00", "\r\n",
]


@FAST
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=80))
def test_yaml_like_fragments(parts: list[str]) -> None:
    check("".join(parts).encode("utf-8"))


# ----- structures --------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["no", "yes", "on", "12:30", "0123", "2024-04-01", "../x", "_start"]),
)
keys = st.one_of(
    st.sampled_from(["process", "name", "city", "steps", "lanes", "id", "next", "to", "when", "share",
                     "gateway", "join", "end", "event", "kind", "minutes", "branches", "lane", "assumed"]),
    st.text(max_size=10),
)
structures = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=6), st.dictionaries(keys, children, max_size=6)),
    max_leaves=60,
)


@FAST
@given(structures)
def test_random_structures_dumped_as_yaml(value: Any) -> None:
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=None)
    check(text.encode("utf-8"))


def _normal(value: Any) -> Any:
    """NaN-safe form for comparing loaded values."""
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


def _keys(value: Any) -> int:
    """How many mapping keys a loaded value holds, at every depth."""
    if isinstance(value, dict):
        return len(value) + sum(_keys(v) for v in value.values())
    if isinstance(value, list):
        return sum(_keys(v) for v in value)
    return 0


@FAST
@given(structures)
@example({" ": None, "\x85": None})
def test_composer_reads_what_safe_load_reads(value: Any) -> None:
    """Our positioned composer (with its memoised scalars) gives the values PyYAML gives, and
    refuses a duplicate key where PyYAML silently keeps the last one. PyYAML's dumper does not
    round-trip every key: it writes "\x85" in quotes as a line break, which reads back as " ",
    so {" ": None, "\x85": None} is dumped as a mapping with the key " " twice."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=None)
    loaded = yaml.safe_load(text)
    try:
        got = compose(text, "x.yaml").to_python()
    except TamaflowError as e:
        assert e.code == "TF012" and _keys(loaded) < _keys(value), e
        return
    assert _normal(got) == _normal(loaded)


STEP_IDS = ["a", "b", "c", "d", "e", "f"]


@st.composite
def processes(draw: st.DrawFn) -> dict[str, Any]:
    """Process-shaped data: mostly well-formed fields with random flows between the steps, so
    that most examples load and the structural rules see every kind of graph (cycles, joins
    without splits, nested splits, gateways with one branch, events in odd places); now and then
    a dangling target, a duplicate id or an undeclared lane."""
    lanes = draw(st.dictionaries(st.sampled_from(["l1", "l2", "l3"]), st.text(min_size=1, max_size=5), max_size=3))
    ids = draw(st.lists(st.sampled_from(STEP_IDS + ["g1", "g2", "g3", "j1", "j2"]), min_size=1, max_size=10,
                        unique=True))
    if draw(st.integers(0, 9)) == 0:
        ids.append(ids[0])  # a duplicate id
    targets = st.integers(0, 11).flatmap(lambda k: st.just("zz") if k == 0 else st.sampled_from(ids))
    steps = []
    for sid in ids:
        step: dict[str, Any] = {"id": sid, "name": f"作業{sid}"}
        shape = draw(st.sampled_from(["task", "task", "task", "split", "split", "join", "event"]))
        if shape == "split":
            step["gateway"] = draw(st.sampled_from(GATEWAY_KINDS))
            branches = []
            for target in draw(st.lists(targets, min_size=1, max_size=3)):
                b: dict[str, Any] = {"to": target}
                if step["gateway"] != "parallel" and draw(st.booleans()):
                    b["when"] = f"条件{target}"
                    b["share"] = draw(st.sampled_from([0.1, 0.5, 0.9, 1.0]))
                branches.append(b)
            step["branches"] = branches
        elif shape == "join":
            step["gateway"] = "parallel"
            step["join"] = True
        elif shape == "event":
            step["event"] = draw(st.sampled_from(EVENT_KINDS))
        else:
            step["kind"] = draw(st.sampled_from(TASK_KINDS))
            step["minutes"] = draw(st.sampled_from([0, 1, 2.5, 10]))
            step["medium"] = draw(st.sampled_from(MEDIA))
        if shape != "split" and step.get("event") != "end" and draw(st.integers(0, 2)) == 0:
            if draw(st.booleans()):
                step["next"] = draw(targets)
            else:
                step["end"] = True
        if lanes and draw(st.integers(0, 3)) > 0:
            step["lane"] = draw(st.sampled_from(sorted(lanes))) if draw(st.integers(0, 9)) else "nowhere"
        steps.append(step)
    proc: dict[str, Any] = {"process": "fuzz", "name": "ファズ", "city": "hino", "steps": steps}
    if lanes:
        proc["lanes"] = lanes
    if draw(st.booleans()):
        proc["channels"] = draw(st.lists(st.sampled_from(CHANNELS), max_size=3, unique=True))
    return proc


@FAST
@given(processes())
def test_process_shaped_data_through_every_rule(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    proc, findings = check(text.encode("utf-8"))
    again = read_process("fuzz.yaml", text.encode("utf-8"))[1]
    assert again == findings  # deterministic


# ----- the shared graph queries (model/graph.py) agree with networkx ---------------------------

@FAST
@given(st.integers(1, 14).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))))
def test_graph_algorithms_agree_with_networkx(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = graph
    g = nx.DiGraph()
    g.add_nodes_from(str(i) for i in range(n))
    g.add_edges_from((str(a), str(b)) for a, b in edges)
    expected = dict(nx.immediate_dominators(g, "0"))
    expected["0"] = "0"  # networkx ≥ 3.5 leaves the start out
    assert immediate_dominators(g, "0") == expected
    assert reachable_from(g.succ, ["0"]) == nx.descendants(g, "0") | {"0"}
    assert reachable_from(g.pred, [str(n - 1)]) == nx.ancestors(g, str(n - 1)) | {str(n - 1)}
    assert descendants(g, "0") - {"0"} == nx.descendants(g, "0")
    # the checks run the same queries on the networkx-free graph (model.graph.ProcessGraph)
    plain = ProcessGraph()
    for i in range(n):
        plain.add_node(str(i))
    for a, b in edges:
        plain.add_edge(str(a), str(b))
    assert plain.to_networkx().edges == g.edges
    # compare's variant views read the same graph through networkx's spelling (edges, degrees)
    assert list(plain.edges) == list(g.edges) and list(plain.edges(data=True)) == list(g.edges(data=True))
    assert plain.number_of_nodes() == g.number_of_nodes() and plain.number_of_edges() == g.number_of_edges()
    for x in g.nodes:
        assert plain.out_degree(x) == g.out_degree(x) and plain.in_degree(x) == g.in_degree(x)
        assert plain.in_edges(x, data=True) == list(g.in_edges(x, data=True))
        assert plain.out_edges(x) == list(g.out_edges(x))
        assert plain.has_edge(x, x) == g.has_edge(x, x) == ((x, x) in plain.edges)
    assert immediate_dominators(plain, "0") == expected
    assert reachable_from(plain.succ, ["0"]) == nx.descendants(g, "0") | {"0"}
    assert reachable_from(plain.pred, [str(n - 1)]) == nx.ancestors(g, str(n - 1)) | {str(n - 1)}
    assert descendants(plain, "0") - {"0"} == nx.descendants(g, "0")


# ----- a few through the CLI ---------------------------------------------------------------------

@FEW
@given(st.one_of(st.binary(max_size=500), st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(
    lambda parts: "".join(parts).encode("utf-8"))))
def test_cli_never_shows_a_traceback(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(data)
        for fmt in ("json", "human"):
            result = CliRunner().invoke(app, ["validate", "--format", fmt, str(path)])
            assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
            assert result.exit_code in (0, 1), result.output
            assert "Traceback" not in result.output
            if fmt == "json":
                for f in json.loads(result.stdout):
                    assert f["file"] == str(path) and CODE.match(f["code"])
            else:
                for line in result.stdout.splitlines():
                    assert line.startswith(f"{path}:"), line
