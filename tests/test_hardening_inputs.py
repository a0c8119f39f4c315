"""Inputs the fuzzing of the fifteenth session found silently dropped, invented or crashing, now
refused with one `path:line:col: error TFxxx …` line and a non-zero exit: broken BPMN and PNML
models at import, unreadable procedure folders, a file given twice, a folder with no process
files, and a `--jobs` below one. Every test drives the CLI on real files."""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    """It was written (`10001 steps`), and then `validate` refused the file (TF015). The reader
    counts the tasks and events before it builds the process: "at least", since the gateways it
    may add are not counted yet (compare refuses the model with the same line)."""
    tasks = "\n".join(f'<task id="t{i}" name="作業{i}"/>' for i in range(1001))
    flows = "\n".join(f'<sequenceFlow id="f{i}" sourceRef="t{i}" targetRef="t{i + 1}"/>' for i in range(1000))
    src = bpmn(tmp_path, f"{tasks}\n{flows}")
    assert refused_import(src, tmp_path) == (
        f"{src}:1:1: error TF015 at least 1,001 steps: a process may have at most 1,000; split it into several "
        "processes")
    places = "\n".join(f'<place id="p{i}"/>' for i in range(1002))
    transitions = "\n".join(f'<transition id="t{i}"><name><text>T{i}</text></name></transition>' for i in range(1001))
    arcs = "\n".join(f'<arc id="a{i}" source="p{i}" target="t{i}"/><arc id="b{i}" source="t{i}" target="p{i + 1}"/>'
                     for i in range(1001))
    src = pnml(tmp_path, f"{places}\n{transitions}\n{arcs}")
    assert "error TF015 at least 1,001 steps: a process may have at most 1,000" in refused_import(src, tmp_path)


def test_importing_a_process_yaml_says_so_in_the_finding_form(tmp_path: Path) -> None:
    src = PUBLISH / "hakko" / "kunitachi.yaml"
    code, _, stderr = invoke("import", str(src), "-o", str(tmp_path / "out.yaml"))
    assert code == 2
    assert stderr.strip() == (f"{src}:1:1: error TF000 already a process YAML file: nothing to import "
                              "(check it with `tamaflow validate`)")


# ----- a procedure folder that cannot be read -------------------------------------------------------

def lock(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `folder` unreadable: listing it, or looking at anything inside it, raises
    PermissionError as `chmod 000` does for anyone but root (the tests run as root in CI, where
    chmod has no effect). The folder itself can be looked at, as a chmod 000 folder can."""
    blocked = str(folder)

    def where(path: Any) -> str | None:
        return os.path.abspath(os.fsdecode(path)) if isinstance(path, (str, bytes, os.PathLike)) else None

    def denied(path: Any) -> PermissionError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    def listing(real: Callable[..., Any]) -> Callable[..., Any]:
        def patched(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
            if where(path) == blocked:
                raise denied(path)
            return real(path, *args, **kwargs)
        return patched

    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if (w := where(path)) is not None and w.startswith(blocked + os.sep):
            raise denied(path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", listing(os.scandir))
    monkeypatch.setattr(os, "listdir", listing(os.listdir))
    monkeypatch.setattr(os, "stat", stat)


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the publish fixture library as `lib/` in the current folder, whose `shinsei`
    folder cannot be read (`lock`)."""
    shutil.copytree(PUBLISH, tmp_path / "lib")
    monkeypatch.chdir(tmp_path)
    lock(tmp_path / "lib" / "shinsei", monkeypatch)
    return tmp_path / "lib"


UNREADABLE = "lib/shinsei:1:1: error TF001 cannot read folder: Permission denied"


def test_validate_counts_an_unreadable_folder_as_an_error(locked: Path) -> None:
    """It printed `2 file(s): 0 error(s)` and exited 0."""
    code, stdout, stderr = invoke("validate", "lib")
    assert code == 1 and UNREADABLE in stdout.splitlines(), stdout
    assert stderr.strip() == "2 file(s): 1 error(s), 0 warning(s)"


@pytest.mark.parametrize("command", [["summary", "lib"], ["score", "lib"], ["impact", "lib"], ["compare", "lib"],
                                     ["publish", "lib", "-o", "site"]])
def test_the_analyses_say_the_folder_was_left_out(locked: Path, command: list[str]) -> None:
    """They exited 0 with the procedure silently missing (compare: a PermissionError traceback)."""
    code, _, stderr = invoke(*command)
    lines = stderr.strip().splitlines()
    assert code == 1 and UNREADABLE in lines, stderr
    assert "1 件のファイルにエラーがあるため除外しました" in lines


@pytest.mark.parametrize("command", [["compare", "lib/shinsei"], ["compare", "lib/shinsei", "lib/hakko"],
                                     ["render", "lib", "-t", "bpmn", "-o", "out"]])
def test_a_command_that_needs_the_folder_refuses_with_its_line(locked: Path, command: list[str]) -> None:
    """compare lib/shinsei raised PermissionError on lib/shinsei/cities.yaml; render drew the rest."""
    code, _, stderr = invoke(*command)
    assert (code, stderr.strip()) == (1, UNREADABLE)
    assert not (locked.parent / "out").exists()


@pytest.mark.parametrize("command", [["publish", "lib", "-o", "site"], ["publish", "lib", "-o", "site", "--strict"],
                                     ["summary", "lib"], ["compare", "lib"], ["render", "lib", "-t", "bpmn", "-o", "site"]])
def test_a_library_folder_that_cannot_be_read_is_its_line_for_every_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    """publish said `lib: no cities.yaml here: give the library folder itself` (exit 2): it
    could not see the cities.yaml of a folder it could not list."""
    shutil.copytree(PUBLISH, tmp_path / "lib")
    monkeypatch.chdir(tmp_path)
    lock(tmp_path / "lib", monkeypatch)
    code, stdout, stderr = invoke(*command)
    assert (code, stdout, stderr.strip()) == (1, "", "lib:1:1: error TF001 cannot read folder: Permission denied")
    assert not (tmp_path / "site").exists()


# ----- the same file given twice ------------------------------------------------------------------------

def test_a_file_given_twice_is_not_its_own_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It got `TF203 a second file for process hakko × city kunitachi` and was left out."""
    shutil.copytree(PUBLISH, tmp_path / "lib")
    monkeypatch.chdir(tmp_path)
    one = "lib/hakko/kunitachi.yaml"
    code, stdout, stderr = invoke("validate", one, one, "./" + one)
    assert (code, stdout, stderr.strip()) == (0, "", "1 file(s): 0 error(s), 0 warning(s)")
    code, _, stderr = invoke("validate", "lib", "lib/hakko")
    assert (code, stderr.strip()) == (0, "5 file(s): 0 error(s), 0 warning(s)")
    code, stdout, stderr = invoke("compare", "lib/hakko", one, "--format", "json")
    assert code == 0 and "TF203" not in stderr, stderr
    code, stdout, stderr = invoke("score", one, one)
    assert code == 0 and "nothing left to score" not in stderr and "TF203" not in stderr, stderr
    # a link to a file also named is that file: kept once, under the name that came first
    (tmp_path / "link.yaml").symlink_to(tmp_path / one)
    code, stdout, stderr = invoke("validate", "link.yaml", "lib/hakko")
    assert (code, stdout, stderr.strip()) == (0, "", "2 file(s): 0 error(s), 0 warning(s)")


# ----- no process files ---------------------------------------------------------------------------------

def test_validate_refuses_a_folder_without_process_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It printed `0 file(s): 0 error(s)` and exited 0, where score, impact and compare refuse."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "e").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("memo\n", encoding="utf-8")
    (tmp_path / "notes" / "m.xml").write_text("<x/>\n", encoding="utf-8")
    for folder in ("e", "notes"):
        assert invoke("validate", folder) == (2, "", f"no process files found in {folder}\n")
        assert invoke("score", folder) == (2, "", f"no process files found in {folder}\n")
    # a new library holding only cities.yaml still has that file to check
    (tmp_path / "newlib").mkdir()
    shutil.copy(PUBLISH / "cities.yaml", tmp_path / "newlib")
    assert invoke("validate", "newlib") == (0, "", "0 file(s): 0 error(s), 0 warning(s)\n")


# ----- --jobs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("jobs", ["0", "-5"])
def test_validate_refuses_fewer_than_one_job_as_publish_does(jobs: str) -> None:
    for command in (["validate", str(PUBLISH)], ["publish", str(PUBLISH), "-o", "never-written"]):
        code, stdout, stderr = invoke(*command, "-j", jobs)
        assert code == 2 and stdout == "" and "--jobs" in stderr, stderr


# ----- a BPMN or PNML model where a process YAML file is read -------------------------------------

XML_LINE = ("error TF001 an XML model (BPMN or PNML), not a process YAML file: `tamaflow import` turns it into one "
            "(`tamaflow compare` also reads it as it is)")


@pytest.mark.parametrize("command", [("validate",), ("score",), ("show",), ("render", "--to", "svg", "-o", "OUT")])
def test_a_bpmn_model_given_to_a_yaml_command_says_what_it_is(tmp_path: Path, command: tuple[str, ...]) -> None:
    """It was read as YAML: `8:5: error TF002 YAML syntax error: mapping values are not allowed…`,
    or a complaint that a process file is a mapping, not text: true, and no help."""
    src = bpmn(tmp_path, FLOWS + '<sequenceFlow id="f2" sourceRef="t1" targetRef="e"/>')
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    code, stdout, stderr = invoke(*args[:1], str(src), *args[1:])
    assert code != 0
    assert f"{src}:1:1: {XML_LINE}" in stdout + stderr
    assert "YAML syntax" not in stdout + stderr and "Traceback" not in stdout + stderr


def test_xml_saved_under_a_yaml_name_is_named_too(tmp_path: Path) -> None:
    src = tmp_path / "hino.yaml"
    src.write_text('<?xml version="1.0"?>\n<pnml><net id="n"/></pnml>\n', encoding="utf-8")
    code, stdout, _ = invoke("validate", str(src))
    assert code == 1 and stdout.splitlines()[0] == f"{src}:1:1: {XML_LINE}"


def test_a_yaml_file_that_is_broken_is_still_reported_as_yaml(tmp_path: Path) -> None:
    # the XML hint only where the text is XML: a broken YAML file keeps its own position and message
    src = tmp_path / "hino.yaml"
    src.write_text("process: tennyu\nname: [転入届\n", encoding="utf-8")
    code, stdout, _ = invoke("validate", str(src))
    assert code == 1 and "TF002" in stdout and "XML model" not in stdout
