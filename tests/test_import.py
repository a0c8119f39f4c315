"""`tamaflow import`: BPMN 2.0 (bpmn.io, Camunda, Signavio) and PNML → process YAML that
validates, keeps element ids as step ids, and refuses unsafe or broken XML with one line.

Driven through the CLI on hand-written fixtures (tests/fixtures/import/) and, when ../shared is
present, on all 9 PMMC 2015 BPMN models and all 115 BPI 2015 Petri nets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.io.anyformat import load_any
from tamaflow.io.bpmn.read import read_bpmn_mapped
from tamaflow.io.pnml import read_pnml_mapped
from tamaflow.io.yaml_loader import load_process_strict
from tamaflow.io.yaml_writer import dump_process, scalar
from tamaflow.model.ids import safe_id
from tamaflow.model.process import Process, Step

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "import"
UNSAFE = FIXTURES / "unsafe"
SHARED = ROOT.parent / "shared"
PMMC = sorted((SHARED / "data" / "pmmc2015-ua" / "models").glob("*.bpmn"))
BPI = sorted((SHARED / "data" / "bpi15-municipalities" / "pnml").glob("*.pnml"))
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
runner = CliRunner()
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared (PMMC and BPI reference data) is absent")


def import_cli(src: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(app, ["import", str(src), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    return result.stdout


def import_all(sources: list[Path], folder: Path) -> list[Path]:
    """`tamaflow import` each source to FOLDER/<stem>.yaml (each must succeed); the outputs in order."""
    outs = [folder / f"{src.stem}.yaml" for src in sources]
    for src, out in zip(sources, outs, strict=True):
        import_cli(src, out)
    return outs


def validate_json(*paths: Path) -> list[dict[str, object]]:
    result = runner.invoke(app, ["validate", *map(str, paths), "--format", "json"])
    findings: list[dict[str, object]] = json.loads(result.stdout)
    assert result.exit_code == (1 if any(f["severity"] == "error" for f in findings) else 0), result.output
    return findings


def assert_valid(findings: list[dict[str, object]]) -> None:
    errors = [f for f in findings if f["severity"] == "error"]
    assert not errors, errors


# ----- hand-written fixtures ----------------------------------------------------------------------

def test_bpmnio_lanes_gateways_boundary_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "permit.yaml"
    stdout = import_cli(FIXTURES / "bpmnio_permit.bpmn", out)
    assert "wrote" in stdout and "3 lanes" in stdout
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert "道路占用許可申請" in text and "\\u" not in text  # Japanese unescaped
    assert validate_json(out) == []
    proc = load_process_strict(out)
    assert proc.process == "bpmnio_permit" and proc.city == "permit"  # the city is the target file's name
    assert [(lane.id, lane.name) for lane in proc.lanes] == [
        ("Lane_applicant", "申請者"), ("Lane_counter", "道路管理課窓口"), ("Lane_back", "審査担当")]
    steps = proc.step_map()
    # element ids are step ids; data objects, annotations and subprocess internals are not steps
    assert {"StartEvent_1", "Activity_apply", "Activity_receive", "Gateway_complete", "Gateway_fork",
            "Activity_police", "Event_wait", "Activity_review", "Gateway_join", "Activity_issue", "Event_done",
            "Event_timeout", "Activity_remind", "Activity_1x9k2d0", "Gateway_reviewed"} <= set(steps)
    assert not {"DataObjectReference_form", "Activity_sub_site", "TextAnnotation_1"} & set(steps)
    assert proc.steps[0].id == "StartEvent_1" and proc.steps[0].event == "start"
    assert steps["Activity_apply"].name == "申請書を提出する"  # a hand line break in Japanese just goes
    assert steps["Activity_1x9k2d0"].name == "Activity_1x9k2d0"  # unnamed task: named by its id
    assert (steps["Activity_receive"].kind, steps["Activity_police"].kind, steps["Activity_issue"].kind,
            steps["Activity_remind"].kind) == ("manual", "send", "rule", "service")
    assert steps["Activity_review"].note and "subprocess" in steps["Activity_review"].note
    gw = steps["Gateway_complete"]
    assert [(b.to, b.when, b.default) for b in gw.branches] == [
        ("Gateway_fork", "yes", True), ("Activity_1x9k2d0", "${missing > 0}", False)]
    assert steps["Gateway_join"].gateway == "parallel" and steps["Gateway_join"].join
    assert (steps["Event_wait"].event, steps["Event_timeout"].event) == ("message", "timer")
    # the boundary timer is a branch beside the normal flow, which is the default
    split = steps["Activity_review_split"]
    assert split.gateway == "exclusive"
    assert [(b.to, b.when, b.default) for b in split.branches] == [
        ("Gateway_reviewed", None, True), ("Event_timeout", "2週間経過", False)]
    # the exclusive merge in front of the parallel join stays an explicit merge step
    assert steps["Gateway_reviewed"].gateway == "exclusive" and steps["Gateway_reviewed"].join


def test_camunda_collaboration_pools_message_flows(tmp_path: Path) -> None:
    out = tmp_path / "parking.yaml"
    import_cli(FIXTURES / "camunda_collaboration.bpmn", out)
    assert validate_json(out) == []
    proc = load_process_strict(out)
    assert proc.name == "Parking permit" and proc.process == "parking-permit"
    assert [(lane.id, lane.name) for lane in proc.lanes] == [
        ("Participant_resident", "Resident"), ("Lane_clerk", "City hall / Clerk"),
        ("Lane_head", "City hall / Head of office")]
    steps = proc.step_map()
    assert proc.steps[0].id == "Start_resident" and proc.steps[0].event == "start"
    # the message that starts the city's process becomes a parallel flow from the sender
    assert [b.to for b in steps["Task_send_split"].branches] == ["Gateway_wait", "Start_city"]
    assert steps["Task_send_split"].gateway == "parallel"
    assert steps["Start_city"].event == "message" and steps["Start_city"].lane == "Lane_clerk"
    # other message flows are notes, not control flow
    assert steps["Catch_result"].note == "message from Task_notify (Notify the resident)"
    # event-based gateway: exclusive, conditions are the events
    assert [(b.to, b.when) for b in steps["Gateway_wait"].branches] == [
        ("Catch_result", "Result received"), ("Catch_timeout", "30 days")]
    # a task with two unconditional flows splits in parallel; a gateway that joins and splits
    # becomes a join followed by a split
    assert steps["Task_register_split"].gateway == "parallel"
    assert steps["Gateway_sync_join"].join and steps["Gateway_sync_join"].gateway == "parallel"
    assert [b.to for b in steps["Gateway_sync"].branches] == ["Task_print", "Task_archive"]
    assert steps["Task_send"].name == "Send application"  # whitespace collapsed
    assert steps["Task_register"].kind == "service"


def test_signavio_labels_yaml_would_misread(tmp_path: Path) -> None:
    out = tmp_path / "tricky.yaml"
    import_cli(FIXTURES / "signavio_tricky.bpmn", out)
    assert validate_json(out) == []
    text = out.read_text(encoding="utf-8")
    for quoted in ('"yes"', '"no"', '"12:30"', '"0123"', '"null"', '"a: b"', '"#tag"', '"~"', '"1e3"', '"on"'):
        assert quoted in text, quoted
    proc = load_process_strict(out)
    names = {s.id: s.name for s in proc.steps}
    assert (names["sid-S"], names["sid-T1"], names["sid-T2"], names["sid-T3"], names["sid-T4"]) == \
        ("yes", "no", "12:30", "0123", "null")
    assert names["sid-T5"] == "\"quoted\" 'single' [list] {map} & *star"
    steps = proc.step_map()
    assert [(b.when, b.default) for b in steps["sid-G1"].branches] == [("on", True), ("書類OK?", False)]
    assert steps["sid-G2"].gateway == "inclusive" and steps["sid-G2"].join
    assert steps["sid-G3"].gateway == "inclusive"  # complex → inclusive
    assert [b.when for b in steps["sid-G3"].branches] == ["~", "1e3"]
    assert steps["sid-E1"].event == "message-throw"
    assert not proc.lanes


def test_pnml_fixture(tmp_path: Path) -> None:
    out = tmp_path / "net.yaml"
    import_cli(FIXTURES / "net.pnml", out)
    findings = validate_json(out)
    assert {f["code"] for f in findings} <= {"TF107"}  # Petri nets have no branch conditions
    proc = load_process_strict(out)
    assert proc.name == "建築確認"
    steps = proc.step_map()
    tasks = {s.id: s.name for s in proc.steps if s.is_task}
    assert tasks == {"t_receive_complete": "receive application", "t_fast": "fast track",
                     "t_normal": "normal track", "t_check": "check plans", "t_fee": "charge fee", "t_decide": "decide"}
    assert "t_redo" not in steps and "t_end" not in steps  # silent transitions are only flow
    assert steps["t_and"].gateway == "parallel"  # a silent transition that forks ($invisible$)
    assert steps["t_decide_join"].join and [b.to for b in steps["p1"].branches] == ["t_fast", "t_normal"]
    assert steps["p7"].gateway == "exclusive"  # the redo loop's choice
    assert {b.to for b in steps["p7"].branches} == {"p1", "sink"} and steps["sink"].event == "end"


def test_output_is_deterministic(tmp_path: Path) -> None:
    for name in ("bpmnio_permit.bpmn", "camunda_collaboration.bpmn", "net.pnml"):
        a, b = tmp_path / "a" / f"{name}.yaml", tmp_path / "b" / f"{name}.yaml"  # the city is the file name
        import_cli(FIXTURES / name, a)
        import_cli(FIXTURES / name, b)
        assert a.read_bytes() == b.read_bytes()


def test_refuses_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "permit.yaml"
    out.write_text("# an analyst's file\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(FIXTURES / "bpmnio_permit.bpmn"), "-o", str(out)])
    assert result.exit_code == 2
    assert "--force" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "# an analyst's file\n"
    import_cli(FIXTURES / "bpmnio_permit.bpmn", out, "--force")
    assert "Activity_apply" in out.read_text(encoding="utf-8")


def test_usage_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(FIXTURES / "net.pnml"), "-o", str(tmp_path / "x.txt")])
    assert result.exit_code == 2 and ".yaml" in result.stderr
    result = runner.invoke(app, ["import", str(FIXTURES / "net.docx"), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "unknown model format" in result.stderr
    result = runner.invoke(app, ["import", str(FIXTURES / "missing.bpmn"), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1 and "no such file" in result.stderr


@pytest.mark.parametrize(("name", "line", "message"), [
    ("billion_laughs.bpmn", 2, "unsafe XML: a document type declaration"),
    ("external_entity.bpmn", 2, "unsafe XML: a document type declaration"),
    ("external_dtd.bpmn", 2, "unsafe XML: a document type declaration"),
    ("external_entity.pnml", 2, "unsafe XML: a document type declaration"),
    ("truncated.bpmn", 6, "XML syntax error"),
    ("garbage.bpmn", 1, "XML syntax error"),
    ("not_bpmn.bpmn", 2, "not a BPMN 2.0 file: the root element is <svg>"),
    ("no_namespace.xml", 2, "not a BPMN 2.0 file: the root element is <definitions> without a namespace"),
    ("empty.bpmn", 1, "file is empty"),
])
def test_unsafe_and_broken_files_give_one_line(tmp_path: Path, name: str, line: int, message: str) -> None:
    out = tmp_path / "out.yaml"
    result = runner.invoke(app, ["import", str(UNSAFE / name), "-o", str(out)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{UNSAFE / name}:{line}:"), lines[0]
    assert message in lines[0]
    assert "Traceback" not in result.output and "root:" not in result.output
    assert not out.exists()


def test_pnml_given_bpmn_root_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "wrong.pnml"
    src.write_bytes((FIXTURES / "bpmnio_permit.bpmn").read_bytes())
    result = runner.invoke(app, ["import", str(src), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1 and "not a PNML file" in result.stderr


def test_load_any_dispatches_by_extension() -> None:
    assert load_any(FIXTURES / "net.pnml").city == "net"
    assert load_any(FIXTURES / "camunda_collaboration.bpmn").city == "camunda_collaboration"
    yaml_file = ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml"
    if yaml_file.is_file():
        assert load_any(yaml_file).steps


# ----- the YAML writer ----------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_scalars_read_back_as_the_same_text(text: str) -> None:
    """Whatever the label, block and flow scalars read back as exactly that text."""
    doc = f"a: {scalar(text)}\nb: [{scalar(text, flow=True)}]\nc: {{k: {scalar(text, flow=True)}}}\n"
    assert yaml.safe_load(doc) == {"a": text, "b": [text], "c": {"k": text}}


def test_written_numbers_and_lists_validate(tmp_path: Path) -> None:
    proc = Process(process="p", name="手続", city="c", steps=[
        Step(id="a", name="受付", minutes=2.5, exceptions=1e-05, systems=["住民記録, 旧", "yes"], assumed=["minutes"],
             seal=True, rule_based=False, note="1行目\n2行目"),
        Step(id="b", name="off", end=True),
    ], volume=4200.0, source=["https://example.org/a"], channels=["counter"])
    out = tmp_path / "p.yaml"
    out.write_text(dump_process(proc), encoding="utf-8")
    assert validate_json(out) == []
    back = load_process_strict(out)
    a = back.step("a")
    assert (a.minutes, a.exceptions, a.systems, a.note, a.seal, a.rule_based) == \
        (2.5, 1e-05, ["住民記録, 旧", "yes"], "1行目\n2行目", True, False)
    assert back.volume == 4200 and back.step("b").name == "off"


# ----- real models from other tools (../shared) ---------------------------------------------------

@needs_shared
def test_pmmc_bpmn_all_import_and_validate(tmp_path: Path) -> None:
    assert len(PMMC) == 9
    outs = import_all(PMMC, tmp_path)
    for src, out in zip(PMMC, outs, strict=True):
        proc = load_process_strict(out)
        assert proc.city == src.stem.lower()  # YAML slug of the file stem
        assert load_any(src).city == src.stem  # the model keeps the stem as written (compare)
        # every task and event of every pool is a step, under its own element id
        root = etree.parse(str(src)).getroot()
        elements = {el.get("id"): el.get("name") for el in root.iter(f"{{{BPMN_NS}}}*")
                    if etree.QName(el).localname in ("task", "startEvent", "endEvent", "intermediateCatchEvent")}
        steps = proc.step_map()
        assert set(elements) <= set(steps)
        for eid, name in elements.items():
            assert steps[eid].name == " ".join((name or "").split()) or (not name and steps[eid].name in ("", eid))
        assert len(proc.lanes) >= 2  # the applicant's and the university's pools at least
    assert_valid(validate_json(*outs))


@needs_shared
def test_bpi15_pnml_all_import_and_validate(tmp_path: Path) -> None:
    assert len(BPI) == 115
    outs = import_all(BPI, tmp_path)
    for src, out in zip(BPI[:: 10], outs[:: 10], strict=True):  # ids and labels, on a sample
        proc = load_process_strict(out)
        steps = proc.step_map()
        root = etree.parse(str(src)).getroot()
        for t in root.iter("{*}transition"):
            label = t.findtext("{*}name/{*}text")
            if label:
                assert steps[safe_id(t.get("id", ""))].name == " ".join(label.split())
    assert_valid(validate_json(tmp_path))


@needs_shared
def test_mapped_readers_give_the_source_ids() -> None:
    proc, origin = read_pnml_mapped(str(BPI[0]))
    assert origin["01_BB_640_complete"] == "01_BB_640+complete"
    assert all(proc.step(sid) for sid in origin)
    proc, origin = read_bpmn_mapped(str(PMMC[0]))
    assert all(sid == eid for sid, eid in origin.items())  # Signavio ids are already safe


POOL_MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <collaboration id="c">
    <participant id="P_a" name="住民" processRef="A" />
    <participant id="P_b" name="市役所" processRef="B" />
    <messageFlow id="m" sourceRef="a1" targetRef="P_b" />
  </collaboration>
  <process id="A">
    <startEvent id="a0" /><sendTask id="a1" name="申請する" /><endEvent id="a2" />
    <sequenceFlow id="f1" sourceRef="a0" targetRef="a1" /><sequenceFlow id="f2" sourceRef="a1" targetRef="a2" />
  </process>
  <process id="B">
    <startEvent id="b0"><messageEventDefinition /></startEvent><task id="b1" name="受付" />
    <sequenceFlow id="f3" sourceRef="b0" targetRef="b1" />
  </process>
</definitions>
"""


def test_message_to_a_pool_starts_its_process(tmp_path: Path) -> None:
    src = tmp_path / "pool.bpmn"
    src.write_text(POOL_MESSAGE, encoding="utf-8")
    out = tmp_path / "pool.yaml"
    import_cli(src, out)
    assert validate_json(out) == []
    steps = load_process_strict(out).step_map()
    assert [b.to for b in steps["a1_split"].branches] == ["a2", "b0"]
    assert steps["b0"].event == "message" and steps["b1"].lane == "P_b"


def test_model_without_tasks_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "empty.bpmn"
    src.write_text('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
                   '<process id="p"><laneSet id="l"/></process></definitions>', encoding="utf-8")
    result = runner.invoke(app, ["import", str(src), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1 and "nothing to import" in result.stderr
