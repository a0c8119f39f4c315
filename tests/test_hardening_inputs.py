"""Inputs the fuzzing of the fifteenth session found silently dropped, invented or crashing, now
refused with one `path:line:col: error TFxxx …` line and a non-zero exit: broken BPMN and PNML
models at import, unreadable procedure folders, a file given twice, a folder with no process
files, and a `--jobs` below one. Every test drives the CLI on real files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clihelp import invoke

ROOT = Path(__file__).resolve().parents[1]
PUBLISH = ROOT / "tests" / "fixtures" / "publish"
BPMN = '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">\n<process id="p" name="受付">\n'
#: one finding line, as the project prints every problem with a file
LINE = re.compile(r"^\S+:\d+:\d+: error TF\d{3} ")


def bpmn(tmp_path: Path, body: str, name: str = "m.bpmn") -> Path:
    """A BPMN file whose process holds `body` (one element a line: line 3 is the first)."""
    src = tmp_path / name
    src.write_text(BPMN + body + "\n</process>\n</definitions>\n", encoding="utf-8")
    return src


def refused_import(src: Path, tmp_path: Path) -> str:
    """`tamaflow import SRC -o out.yaml` must fail with one finding line and write nothing."""
    out = tmp_path / "out.yaml"
    code, stdout, stderr = invoke("import", str(src), "-o", str(out))
    lines = stderr.strip().splitlines()
    assert code == 1 and stdout == "" and len(lines) == 1 and LINE.match(lines[0]), stderr
    assert not out.exists()
    return lines[0]


# ----- import: nothing dropped or made up ---------------------------------------------------------

FLOWS = '<startEvent id="s"/>\n<task id="t1" name="受付"/>\n<endEvent id="e"/>\n' \
        '<sequenceFlow id="f1" sourceRef="s" targetRef="t1"/>\n'


def test_a_flow_to_nowhere_is_refused_at_its_line(tmp_path: Path) -> None:
    """It disappeared, and the import made up a split from the start to t1 and e."""
    src = bpmn(tmp_path, FLOWS + '<sequenceFlow id="f2" sourceRef="t1" targetRef="nowhere"/>')
    assert refused_import(src, tmp_path) == (
        f"{src}:7:1: error TF021 sequenceFlow 'f2' targetRef='nowhere' names no task, event or gateway of the "
        "process: set it to the id of one, or delete the element")


def test_a_flow_without_a_source_is_refused_at_its_line(tmp_path: Path) -> None:
    """It disappeared, and e became a second start under a split labelled `when: e`."""
    src = bpmn(tmp_path, FLOWS + '<sequenceFlow id="f2" targetRef="e"/>')
    assert refused_import(src, tmp_path).startswith(f"{src}:7:1: error TF021 sequenceFlow 'f2' has no sourceRef: ")


def test_a_boundary_event_attached_to_nowhere_is_refused(tmp_path: Path) -> None:
    src = bpmn(tmp_path, FLOWS + '<sequenceFlow id="f2" sourceRef="t1" targetRef="e"/>\n'
               '<boundaryEvent id="b" attachedToRef="gone"/>')
    assert f"{src}:8:1: error TF021 boundaryEvent 'b' attachedToRef='gone' " in refused_import(src, tmp_path)


def test_two_elements_with_one_id_are_refused_at_the_second(tmp_path: Path) -> None:
    """The end event replaced the task of the same id: the task was lost."""
    src = bpmn(tmp_path, '<startEvent id="s"/>\n<task id="t1" name="受付"/>\n<endEvent id="t1"/>\n'
               '<sequenceFlow id="f1" sourceRef="s" targetRef="t1"/>')
    assert refused_import(src, tmp_path) == (
        f"{src}:5:1: error TF020 duplicate id 't1': the <endEvent> here and the element on line 4 share it; "
        "give each element its own id")


PNML = '<pnml><net id="n"><page id="pg">\n'


def pnml(tmp_path: Path, body: str) -> Path:
    src = tmp_path / "net.pnml"
    src.write_text(PNML + body + "\n</page></net></pnml>\n", encoding="utf-8")
    return src


PLACES = '<place id="a"><initialMarking><text>1</text></initialMarking></place>\n<place id="b"/>\n'


def test_a_net_of_silent_transitions_is_nothing_to_import(tmp_path: Path) -> None:
    """It became a one-step file: `- id: b, event: end`."""
    src = pnml(tmp_path, PLACES + '<transition id="t"><name><text>tau</text></name></transition>\n'
               '<arc id="x1" source="a" target="t"/>\n<arc id="x2" source="t" target="b"/>')
    assert refused_import(src, tmp_path).startswith(
        f"{src}:1:1: error TF001 the Petri net has only silent transitions (1, no labels): nothing to import")


def test_a_pnml_arc_to_nowhere_and_a_duplicate_id_are_refused(tmp_path: Path) -> None:
    src = pnml(tmp_path, PLACES + '<transition id="t"><name><text>受付</text></name></transition>\n'
               '<arc id="x1" source="a" target="t"/>\n<arc id="x2" source="t" target="c"/>')
    assert f"{src}:6:1: error TF021 arc 'x2' target='c' names no place or transition" in refused_import(src, tmp_path)
    src = pnml(tmp_path, PLACES + '<transition id="b"><name><text>受付</text></name></transition>\n'
               '<arc id="x1" source="a" target="b"/>')
    assert f"{src}:4:1: error TF020 duplicate id 'b': the <transition> here and the <place> on line 3" \
        in refused_import(src, tmp_path)


def test_a_model_over_the_step_limit_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """It was written (`10001 steps`), and then `validate` refused the file (TF015)."""
    tasks = "\n".join(f'<task id="t{i}" name="作業{i}"/>' for i in range(1001))
    flows = "\n".join(f'<sequenceFlow id="f{i}" sourceRef="t{i}" targetRef="t{i + 1}"/>' for i in range(1000))
    src = bpmn(tmp_path, f"{tasks}\n{flows}")
    assert refused_import(src, tmp_path) == (
        f"{src}:1:1: error TF015 1,001 steps: a process may have at most 1,000; split it into several processes")
    places = "\n".join(f'<place id="p{i}"/>' for i in range(1002))
    transitions = "\n".join(f'<transition id="t{i}"><name><text>T{i}</text></name></transition>' for i in range(1001))
    arcs = "\n".join(f'<arc id="a{i}" source="p{i}" target="t{i}"/><arc id="b{i}" source="t{i}" target="p{i + 1}"/>'
                     for i in range(1001))
    src = pnml(tmp_path, f"{places}\n{transitions}\n{arcs}")
    assert "error TF015 1,001 steps: a process may have at most 1,000" in refused_import(src, tmp_path)


def test_importing_a_process_yaml_says_so_in_the_finding_form(tmp_path: Path) -> None:
    src = PUBLISH / "hakko" / "kunitachi.yaml"
    code, _, stderr = invoke("import", str(src), "-o", str(tmp_path / "out.yaml"))
    assert code == 2
    assert stderr.strip() == (f"{src}:1:1: error TF000 already a process YAML file: nothing to import "
                              "(check it with `tamaflow validate`)")


@pytest.mark.parametrize("name", ["bpmnio_permit.bpmn", "camunda_collaboration.bpmn", "net.pnml"])
def test_sound_models_still_import(name: str, tmp_path: Path) -> None:
    code, stdout, stderr = invoke("import", str(ROOT / "tests" / "fixtures" / "import" / name),
                                  "-o", str(tmp_path / "out.yaml"))
    assert code == 0 and stdout.startswith("wrote "), stderr
