"""Limits on what a process file and the options may hold, found by fuzzing: every one of these
inputs used to pass `validate` (or the option parser) and then crash a later command with a
traceback, print absurd figures, or carry a terminal escape into the outputs. Now each is one
line `path:line:col: error TFxxx …` (or a usage error, exit 2), and what stays just under a limit
goes through every command.

All of it through the CLI on a copy of the mini library of tests/fixtures/publish.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import warnings
from pathlib import Path

import pytest
from clihelp import invoke

from tamaflow.io.flowgraph import FlowGraph

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "publish"
#: line:col of values in tests/fixtures/publish/hakko/fussa.yaml
VOLUME, CHECK_ID_NAME, CHECK_ID_MINUTES, ISSUE_NAME = ":5:9:", ":12:11:", ":14:14:", ":20:11:"


def library(tmp_path: Path, *edits: tuple[str, str], file: str = "hakko/fussa.yaml") -> Path:
    """A copy of the mini library with `file` edited (each `old` text replaced once by `new`)."""
    lib = tmp_path / "lib"
    shutil.copytree(FIXTURE, lib)
    f = lib / file
    text = f.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    f.write_text(text, encoding="utf-8")
    return lib


def one_error(lib: Path) -> str:
    """`validate LIB`: exit 1 and exactly one error line, returned."""
    code, out, _ = invoke("validate", str(lib))
    assert code == 1, out
    errors = [line for line in out.splitlines() if " error " in line]
    assert len(errors) == 1, out
    return errors[0]


def runs_clean(*args: str) -> str:
    """`tamaflow ARGS…` exits 0 without a warning (numpy's overflow warnings raise here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, out, err = invoke(*args)
    assert code == 0, out + err
    return out


# ----- 1. numbers that feed arithmetic have a plausible bound ------------------------------------

HUGE = "1" + "0" * 330  # no float holds it: float() raised OverflowError in show, score, impact …


@pytest.mark.parametrize(("old", "new", "where", "bound"), [
    ("volume: 3000", f"volume: {HUGE}", VOLUME, "100,000,000 (cases a year)"),
    ("volume: 3000", "volume: 1.0e+308", VOLUME, "100,000,000 (cases a year)"),  # NaN in impact's sums
    ("volume: 3000", "volume: 1.0e+300", VOLUME, "100,000,000 (cases a year)"),  # a 300-digit figure
    ("volume: 3000", "volume: 100000001", VOLUME, "100,000,000 (cases a year)"),
    ("minutes: 3", f"minutes: {HUGE}", CHECK_ID_MINUTES, "100,000 (staff minutes per case)"),
    ("minutes: 3", "minutes: 1.0e+308", CHECK_ID_MINUTES, "100,000 (staff minutes per case)"),
])
def test_a_number_over_its_bound_is_one_line_with_the_bound(tmp_path: Path, old: str, new: str, where: str,
                                                            bound: str) -> None:
    line = one_error(library(tmp_path, (old, new)))
    assert f"fussa.yaml{where} error TF015 " in line and f"is over {bound}" in line, line
    assert len(line) < 300, "the 331-digit figure is shortened"


def test_a_volume_too_large_for_a_float_no_longer_crashes_any_command(tmp_path: Path) -> None:
    lib = library(tmp_path, ("volume: 3000", f"volume: {HUGE}"))
    fussa = str(lib / "hakko" / "fussa.yaml")
    for args in (["show", fussa], ["score", str(lib)], ["summary", str(lib)], ["impact", str(lib)],
                 ["compare", str(lib / "hakko")], ["render", fussa, "--to", "dot", "-o", str(tmp_path / "out")]):
        code, out, err = invoke(*args)  # invoke fails on a traceback
        assert code == 1, (args, out + err)
        assert "TF015" in out + err or "over 100,000,000" in out + err, (args, out + err)


def test_figures_at_the_bounds_go_through_every_command(tmp_path: Path) -> None:
    """The largest volume and minutes accepted, in every step of every file: the sums stay finite
    (no numpy overflow warning, no NaN turned into an integer)."""
    lib = tmp_path / "lib"
    shutil.copytree(FIXTURE, lib)
    for f in lib.glob("*/*.yaml"):
        text = re.sub(r"(?m)^volume: .*$", "volume: 100000000", f.read_text(encoding="utf-8"))
        f.write_text(re.sub(r"minutes: \d+", "minutes: 100000", text), encoding="utf-8")
    runs_clean("validate", str(lib))
    out = runs_clean("impact", str(lib), "--hourly-cost", "1000000", "--format", "json")
    assert '"savings_yen"' in out
    runs_clean("summary", str(lib))
    runs_clean("score", str(lib))
    runs_clean("publish", str(lib), "-o", str(tmp_path / "site"))
    # and one over: refused at the value
    f = lib / "hakko" / "fussa.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("minutes: 100000", "minutes: 100001", 1), encoding="utf-8")
    assert "fussa.yaml:14:14: error TF015 " in one_error(lib)


def test_a_population_over_its_bound_in_cities_yaml(tmp_path: Path) -> None:
    """cities.yaml's numbers feed `tamaflow new`'s volume estimate (population × rate)."""
    lib = library(tmp_path, ("    name: 福生市\n", f"    name: 福生市\n    population: {HUGE}\n"), file="cities.yaml")
    line = one_error(lib)
    assert re.search(r"cities\.yaml:\d+:17: error TF015 `population` of city `fussa` 1000", line), line


# ----- 2. labels and names have a length limit ----------------------------------------------------

def test_a_label_sudachi_cannot_read_is_refused_and_one_at_the_limit_goes_through(tmp_path: Path) -> None:
    """16,400 Japanese characters (49,200 bytes) passed validate, then compare, summary and impact
    died in SudachiPy ("Input is too long")."""
    name = "name: 本人確認（代理人は委任状）"
    line = one_error(library(tmp_path / "over", (name, "name: " + "確認" * 8200)))
    assert "fussa.yaml:12:11: error TF018 `name` in step `check_id` is 16,400 characters long" in line, line
    assert "at most 1,000" in line

    at_limit = "住民票の写しを確認する" * 90 + "確認する" * 2 + "確認"
    assert len(at_limit) == 1000
    lib = library(tmp_path / "at", (name, "name: " + at_limit))
    runs_clean("validate", str(lib))
    runs_clean("compare", str(lib / "hakko"))
    runs_clean("summary", str(lib))
    runs_clean("impact", str(lib))
    runs_clean("score", str(lib))
    runs_clean("show", str(lib / "hakko" / "fussa.yaml"))
    runs_clean("render", str(lib / "hakko" / "fussa.yaml"), "--to", "svg", "--to", "dot", "-o", str(tmp_path / "r"))
    runs_clean("publish", str(lib), "-o", str(tmp_path / "site"))


@pytest.mark.parametrize(("old", "new", "where"), [
    ("name: 証明書の発行", "name: " + "証" * 1001, ":2:7:"),  # the procedure's name
    ("  counter: 窓口", "  counter: " + "窓" * 1001, ":9:12:"),  # a lane's name
    ("systems: [住民記録システム]", "systems: [" + "住" * 1001 + "]", ":26:15:"),  # an item of a list
])
def test_every_name_field_has_the_label_limit(tmp_path: Path, old: str, new: str, where: str) -> None:
    line = one_error(library(tmp_path, (old, new)))
    assert f"fussa.yaml{where} error TF018 " in line and "1,001 characters long" in line, line


def test_free_text_may_be_longer_and_hold_line_breaks(tmp_path: Path) -> None:
    """A note or description is shown, never analysed: up to 10,000 characters, on several lines."""
    note = "    note: |\n" + "".join(f"      {'窓口で確認する。' * 50}\n" for _ in range(20))  # 8,000 + breaks
    lib = library(tmp_path, ("    lane: counter\n", f"    lane: counter\n{note}"))
    runs_clean("validate", str(lib))
    runs_clean("publish", str(lib), "-o", str(tmp_path / "site"))
    long_note = library(tmp_path / "long", ("    lane: counter\n", f"    lane: counter\n    note: {'注' * 10_001}\n"))
    assert "error TF018 `note` in step `check_id` is 10,001 characters long" in one_error(long_note)


# ----- 3. control characters and bidi controls, also when written as escapes -----------------------

@pytest.mark.parametrize(("value", "code_point"), [
    (r'"本人\x07確\x1b[31m認\x0c\u202e"', "U+0007"),  # BEL first; ESC, form feed and RLO follow
    (r'"本人\e[31m確認"', "U+001B"),  # a terminal colour
    (r'"証明書\x00の発行"', "U+0000"),
    (r'"本人\u202e認確"', "U+202E"),  # right-to-left override: shown as 本人確認
    (r'"本人\u2066確認\u2069"', "U+2066"),  # isolate
    (r'"本人\x85確認"', "U+0085"),  # C1 (next line)
    (r'"本人\n確認"', "U+000A"),  # a label is one line
    (r'"本人\t確認"', "U+0009"),
])
def test_an_escaped_control_character_in_a_label_is_refused_at_the_value(tmp_path: Path, value: str,
                                                                          code_point: str) -> None:
    line = one_error(library(tmp_path, ("name: 本人確認（代理人は委任状）", f"name: {value}")))
    assert f"fussa.yaml{CHECK_ID_NAME} error TF019 `name` in step `check_id` holds {code_point}" in line, line
    assert "\x1b" not in line and "\x00" not in line and "\u202e" not in line


@pytest.mark.parametrize(("old", "new", "where"), [
    ("name: 証明書を発行する", r'name: "証明書\x00の発行"', ISSUE_NAME),
    ("name: 証明書の発行", r'name: "証明書の\x1b[2J発行"', ":2:7:"),
    ("  counter: 窓口", r'  counter: "窓口\u202e"', ":9:12:"),
    ("systems: [住民記録システム]", r'systems: ["住民記録\x07システム"]', ":26:15:"),
    ("source: https://example.org/fussa/hakko", r'source: "https://example.org/\x1b]8;;evil\x07"', ":6:9:"),
    ("area: 住民基本台帳", r'area: "住民\u2067基本台帳"', ":4:7:"),
])
def test_every_text_field_refuses_control_characters(tmp_path: Path, old: str, new: str, where: str) -> None:
    line = one_error(library(tmp_path, (old, new)))
    assert f"fussa.yaml{where} error TF019 " in line, line


def test_free_text_keeps_line_breaks_and_tabs_but_not_escapes(tmp_path: Path) -> None:
    ok = library(tmp_path / "ok", ("area: 住民基本台帳\n", 'area: 住民基本台帳\ndescription: "一行目\\n\\t二行目"\n'))
    runs_clean("validate", str(ok))
    bad = library(tmp_path / "bad", ("area: 住民基本台帳\n", 'area: 住民基本台帳\ndescription: "一行目\\x1b[31m"\n'))
    assert "fussa.yaml:5:14: error TF019 `description` holds U+001B" in one_error(bad)


# ----- 4.–6. option values --------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["impact", "--runs", "100000000000"], "--runs must be from 0 to 100,000, got 100,000,000,000"),
    (["impact", "--runs", "100001"], "--runs must be from 0 to 100,000"),
    (["impact", "--hourly-cost", "inf"], "--hourly-cost is yen per staff hour"),
    (["impact", "--hourly-cost", "1e300"], "at most 1,000,000, got 1e+300"),  # yen overflowed to infinity
])
def test_impact_options_out_of_range_are_usage_errors(args: list[str], message: str) -> None:
    code, out, err = invoke(args[0], str(FIXTURE), *args[1:])
    assert code == 2, out + err
    assert message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("top", ["-1", "0"])
def test_summary_top_below_one_is_a_usage_error_as_in_score(top: str) -> None:
    code, out, err = invoke("summary", str(FIXTURE), "--top", top)
    assert code == 2, out
    assert "--top" in err and "上位" not in out


# ----- compare reads BPMN and PNML without validate: the label and step limits of a YAML file --------

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">\n'
         '  <process id="p">\n')


def _bpmn(label: str) -> str:
    return (_HEAD + '    <startEvent id="s"/>\n'
            f'    <task id="t" name="{label}"/>\n'
            '    <endEvent id="e"/>\n    <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>\n'
            '    <sequenceFlow id="f2" sourceRef="t" targetRef="e"/>\n  </process>\n</definitions>\n')


@pytest.mark.parametrize(("label", "words"), [
    ("確認" * 9000, ":5:1: error TF018 a label is 18,000 characters long"),  # SudachiError: Input is too long
    ("本人&#x202e;確認", ":5:1: error TF019 "),
])
def test_compare_refuses_a_bpmn_label_a_yaml_file_could_not_hold(tmp_path: Path, label: str, words: str) -> None:
    (tmp_path / "a.bpmn").write_text(_bpmn(label), encoding="utf-8")
    (tmp_path / "b.bpmn").write_text(_bpmn("本人確認"), encoding="utf-8")
    code, out, err = invoke("compare", str(tmp_path / "a.bpmn"), str(tmp_path / "b.bpmn"))
    assert code == 1, out + err
    assert f"a.bpmn{words}" in out + err, out + err


def _model(path: Path, elements: list[str]) -> Path:
    """A BPMN file whose one process holds `elements`, or a PNML net of them (by `path`'s suffix)."""
    if path.suffix == ".pnml":
        path.write_text('<pnml><net id="n"><page id="pg">\n' + "\n".join(elements) + "\n</page></net></pnml>\n",
                        encoding="utf-8")
    else:
        path.write_text(_HEAD + "\n".join(elements) + "\n  </process>\n</definitions>\n", encoding="utf-8")
    return path


def _chain(path: Path, steps: int, *, split_each: bool = False) -> Path:
    """A process of `steps` steps in a row: BPMN tasks and an end event, or labelled transitions
    between places. With `split_each` (BPMN) every task but the last may also end the process,
    so that the import puts a split after it: steps - 2 steps more."""
    if path.suffix == ".pnml":
        places = ['<place id="p0"><initialMarking><text>1</text></initialMarking></place>']
        places += [f'<place id="p{i}"/>' for i in range(1, steps + 1)]
        return _model(path, places + [f'<transition id="t{i}"><name><text>確認{i}</text></name></transition>'
                                      f'<arc id="a{i}" source="p{i}" target="t{i}"/>'
                                      f'<arc id="b{i}" source="t{i}" target="p{i + 1}"/>' for i in range(steps)])
    tasks = steps - 1
    els = [f'<task id="t{i}" name="確認{i}"/>' for i in range(tasks)] + ['<endEvent id="e"/>']
    els += [f'<sequenceFlow id="f{i}" sourceRef="t{i}" targetRef="{f"t{i + 1}" if i + 1 < tasks else "e"}"/>'
            for i in range(tasks)]
    if split_each:
        els += [f'<sequenceFlow id="x{i}" sourceRef="t{i}" targetRef="e"/>' for i in range(tasks - 1)]
    return _model(path, els)


def _two_cities(tmp_path: Path) -> list[str]:
    """Two small BPMN variants to compare a model with."""
    for city in ("a", "b"):
        (tmp_path / f"{city}.bpmn").write_text(_bpmn("本人確認"), encoding="utf-8")
    return [str(tmp_path / "a.bpmn"), str(tmp_path / "b.bpmn")]


OVER = "steps: a process may have at most 1,000; split it into several processes"


@pytest.mark.parametrize("suffix", [".bpmn", ".pnml"])
def test_compare_leaves_out_a_model_over_the_step_limit_with_the_line_import_prints(tmp_path: Path,
                                                                                      suffix: str) -> None:
    """A 1,001-step YAML file and `import` of the model were refused (TF015); compare read the
    model and aligned its 1,001 steps with the others, exit 0."""
    big = _chain(tmp_path / f"big{suffix}", 1001)
    line = f"{big}:1:1: error TF015 at least 1,001 {OVER}"
    code, out, err = invoke("compare", str(big), *_two_cities(tmp_path), "--format", "json")
    assert code == 1 and err.strip().splitlines() == [line, "1 件のファイルにエラーがあるため除外しました"], err
    assert json.loads(out)["variants"] == ["a", "b"]  # the others are compared
    assert invoke("import", str(big), "-o", str(tmp_path / "big.yaml"))[2].strip() == line
    # --strict: the whole run is refused
    code, out, err = invoke("compare", str(big), *_two_cities(tmp_path), "--strict")
    assert (code, out) == (1, "")
    assert err.strip().splitlines() == [line, "3 file(s): 1 error(s): fix them (tamaflow validate) or leave out --strict"]


def test_a_model_made_over_the_limit_by_its_splits_is_refused_with_its_count(tmp_path: Path) -> None:
    """600 tasks and an end event, and after each task but the last the split the import adds:
    1,200 steps, where the tasks and events counted up front are 601."""
    big = _chain(tmp_path / "big.bpmn", 601, split_each=True)
    code, _, err = invoke("compare", str(big), *_two_cities(tmp_path))
    assert code == 1 and f"{big}:1:1: error TF015 1,200 {OVER}" in err.splitlines(), err


@pytest.mark.parametrize("suffix", [".bpmn", ".pnml"])
def test_a_huge_model_is_refused_before_its_graph_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           suffix: str) -> None:
    """20,000 steps: the count comes from the elements, before the import builds anything."""
    big = _chain(tmp_path / f"big{suffix}", 20_000)

    def no_graph(*_: object) -> None:
        raise AssertionError("the model's graph was built before its steps were counted")

    monkeypatch.setattr(FlowGraph, "add_node", no_graph)
    hakko = FIXTURE / "hakko"
    code, _, err = invoke("compare", str(big), str(hakko / "fussa.yaml"), str(hakko / "kunitachi.yaml"))
    assert code == 1 and f"{big}:1:1: error TF015 at least 20,000 {OVER}" in err.splitlines(), err


def test_a_net_of_gateways_over_the_limit_is_refused_in_seconds(tmp_path: Path) -> None:
    """Only gateways, each joining and splitting: no task to count up front, and 16,001 steps once
    built. Building them took two minutes (each new join scanned every node for a free id, each
    new flow every flow of its source); the build is linear now, and counts at its end."""
    n = 8000
    els = ['<startEvent id="s"/>', '<endEvent id="e"/>'] + [f'<parallelGateway id="g{i}"/>' for i in range(n)]
    els += [f'<sequenceFlow id="s{i}" sourceRef="s" targetRef="g{i}"/>' for i in range(n)]
    els += [f'<sequenceFlow id="e{i}" sourceRef="g{i}" targetRef="e"/>' for i in range(n)]
    els += [f'<sequenceFlow id="f{i}" sourceRef="g{i}" targetRef="g{i + 1}"/>' for i in range(n - 1)]
    big = _model(tmp_path / "net.bpmn", els)
    started = time.perf_counter()
    code, _, err = invoke("compare", str(big), *_two_cities(tmp_path))
    assert code == 1 and f"{big}:1:1: error TF015 16,001 {OVER}" in err.splitlines(), err
    assert time.perf_counter() - started < 20
