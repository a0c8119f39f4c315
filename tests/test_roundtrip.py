"""YAML → BPMN → YAML keeps every step, lane, branch and attribute.

For every process in processes/ and every process fixture: `tamaflow render --to bpmn`, then
`tamaflow import` of that BPMN, then the imported file must hold the same process (field by
field, in the same order) and, written by the same writer, the same YAML text. Also: the same
BPMN stripped of tamaflow's extension elements (as a foreign modeler would save it) still
imports as a valid process with the same tasks, and a file edited in a modeler falls back to
the flow-based import while keeping the stored attributes.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from lxml import etree
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.io.yaml_loader import load_process_strict, read_process
from tamaflow.io.yaml_writer import dump_process
from tamaflow.model.graph import to_graph
from tamaflow.model.library import LIBRARY_FILES
from tamaflow.model.process import Process

ROOT = Path(__file__).resolve().parents[1]
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TF_NS = "https://tamaflow.example/schema/bpmn"
runner = CliRunner()


def _process_files() -> list[Path]:
    found = sorted(p for p in (ROOT / "processes").rglob("*.yaml") if p.name not in LIBRARY_FILES)
    for sub in ("valid", "render", "score", "publish"):
        for p in sorted((ROOT / "tests" / "fixtures" / sub).rglob("*.yaml")):
            if p.name in LIBRARY_FILES:
                continue
            proc, _ = read_process(str(p))
            if proc is not None:  # config files (e.g. score weights) are not processes
                found.append(p)
    return found


FILES = _process_files()
STEP_FIELDS = ("id", "name", "lane", "kind", "gateway", "join", "event", "next", "end", "minutes", "medium",
               "rule_based", "structured", "systems", "seal", "exceptions", "access", "system_change", "standard",
               "note", "assumed")
PROCESS_FIELDS = ("process", "name", "city", "area", "volume", "source", "channels", "assumed", "description")


def _id(p: Path) -> str:
    return str(p.relative_to(ROOT))


def render(src: Path, out: Path) -> Path:
    result = runner.invoke(app, ["render", str(src), "--to", "bpmn", "-o", str(out)])
    assert result.exit_code == 0, result.output
    proc = load_process_strict(src)
    bpmn = out / proc.process / f"{proc.city}.bpmn"
    assert bpmn.is_file()
    return bpmn


def import_(src: Path, out: Path) -> Process:
    result = runner.invoke(app, ["import", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return load_process_strict(out)


def flows(p: Process) -> set[tuple[str, str, object, object, object]]:
    return {(u, v, d.get("when"), d.get("share"), bool(d.get("default"))) for u, v, d in to_graph(p).edges(data=True)}


def test_there_is_something_to_round_trip() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("src", FILES, ids=_id)
def test_yaml_bpmn_yaml_keeps_everything(src: Path, tmp_path: Path) -> None:
    original = load_process_strict(src)
    bpmn = render(src, tmp_path / "bpmn")
    back = import_(bpmn, tmp_path / "back.yaml")
    for f in PROCESS_FIELDS:
        assert getattr(back, f) == getattr(original, f), f
    assert [(lane.id, lane.name) for lane in back.lanes] == [(lane.id, lane.name) for lane in original.lanes]
    assert [s.id for s in back.steps] == [s.id for s in original.steps]
    for a, b in zip(original.steps, back.steps, strict=True):
        for f in STEP_FIELDS:
            assert getattr(b, f) == getattr(a, f), (a.id, f)
        assert [(x.to, x.when, x.share, x.default) for x in b.branches] == \
            [(x.to, x.when, x.share, x.default) for x in a.branches], a.id
    assert flows(back) == flows(original)
    body = [line for line in (tmp_path / "back.yaml").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]
    assert body == [line for line in dump_process(original).splitlines() if not line.startswith("#")]
    findings = runner.invoke(app, ["validate", str(tmp_path / "back.yaml")])
    assert findings.exit_code == 0, findings.output


def _strip_tamaflow(bpmn: Path, out: Path) -> Path:
    """The file as a modeler without tamaflow's extension would save it."""
    root = etree.parse(str(bpmn), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    for el in list(root.iter(f"{{{TF_NS}}}*")):
        parent = el.getparent()
        assert parent is not None
        parent.remove(el)
    out.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return out


@pytest.mark.parametrize("src", FILES[:: max(1, len(FILES) // 12)], ids=_id)
def test_foreign_bpmn_without_extensions_imports_as_the_same_flow(src: Path, tmp_path: Path) -> None:
    original = load_process_strict(src)
    bpmn = _strip_tamaflow(render(src, tmp_path / "bpmn"), tmp_path / "foreign.bpmn")
    back = import_(bpmn, tmp_path / "foreign.yaml")
    validated = runner.invoke(app, ["validate", str(tmp_path / "foreign.yaml")])
    assert validated.exit_code == 0, validated.output
    # tasks keep their ids (or the writer's `_`-prefixed NCName, made safe), names and types
    # (`approval` is a userTask in plain BPMN)
    tasks = {s.id: (s.name, "user" if s.kind == "approval" else s.kind) for s in original.steps if s.is_task}
    got = {s.id.removeprefix("id__"): (s.name, s.kind) for s in back.steps if s.is_task}
    assert got == tasks
    assert len(back.lanes) == len(original.lanes)

    # same order of work: task-to-task reachability is unchanged
    def reach(p: Process) -> set[tuple[str, str]]:
        g = to_graph(p)
        ids = {s.id for s in p.steps if s.is_task}
        return {(a.removeprefix("id__"), b.removeprefix("id__")) for a in ids for b in nx.descendants(g, a)
                if b in ids}

    assert reach(back) == reach(original)


def test_bpmn_edited_in_a_modeler_keeps_stored_attributes(tmp_path: Path) -> None:
    """A task added in a modeler (no tf:step) makes the importer read the flows, still restoring
    what tamaflow stored on the other steps."""
    src = next(p for p in FILES if any(s.minutes is not None for s in load_process_strict(p).steps))
    original = load_process_strict(src)
    bpmn = render(src, tmp_path / "bpmn")
    tree = etree.parse(str(bpmn), etree.XMLParser(resolve_entities=False, no_network=True))
    proc_el = tree.getroot().find(f"{{{BPMN_NS}}}process")
    assert proc_el is not None
    flow = proc_el.find(f"{{{BPMN_NS}}}sequenceFlow")
    assert flow is not None
    new = etree.SubElement(proc_el, f"{{{BPMN_NS}}}task", id="Activity_added", name="追加した確認")
    extra = etree.SubElement(proc_el, f"{{{BPMN_NS}}}sequenceFlow", id="Flow_added", sourceRef="Activity_added",
                             targetRef=flow.get("targetRef", ""))
    flow.set("targetRef", new.get("id", ""))
    del extra
    edited = tmp_path / "edited.bpmn"
    tree.write(str(edited), xml_declaration=True, encoding="UTF-8")
    back = import_(edited, tmp_path / "edited.yaml")
    steps = back.step_map()
    assert steps["Activity_added"].name == "追加した確認"
    for s in original.steps:
        if s.is_task:
            assert s.id in steps
            b = steps[s.id]
            assert (b.minutes, b.medium, b.systems, b.assumed, b.lane) == (s.minutes, s.medium, s.systems,
                                                                          s.assumed, s.lane), s.id
    assert back.process == original.process and back.volume == original.volume
    validated = runner.invoke(app, ["validate", str(tmp_path / "edited.yaml")])
    assert validated.exit_code == 0, validated.output


@pytest.mark.parametrize("name", ["bpmnio_permit.bpmn", "camunda_collaboration.bpmn", "signavio_tricky.bpmn",
                                  "net.pnml"])
def test_imported_fixtures_round_trip_through_bpmn(name: str, tmp_path: Path) -> None:
    """Foreign model → YAML → BPMN → YAML: the second import reproduces the first exactly."""
    first = tmp_path / "first.yaml"
    import_(ROOT / "tests" / "fixtures" / "import" / name, first)
    bpmn = render(first, tmp_path / "bpmn")
    second = tmp_path / "second.yaml"
    import_(bpmn, second)

    def body(p: Path) -> list[str]:
        return [line for line in p.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]

    assert body(second) == body(first)
