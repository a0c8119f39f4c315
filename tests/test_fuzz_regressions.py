"""Inputs on which benchmarks/fuzz_campaign.py found a crash, a memory blow-up or an unreadable
message, kept byte for byte in tests/fixtures/fuzz/ (named `s<seed>-<index>-<what>`: `--seed S
--only I` regenerates one; a big one is stored gzipped). Each now ends, through the CLI, with
short `path:line:col:` lines and exit 0 or 1, never a traceback."""

from __future__ import annotations

import gzip
import json
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.model.findings import HUMAN_LIMIT

FUZZ = Path(__file__).resolve().parent / "fixtures" / "fuzz"
#: file → (exit code, words one message line must hold) the input must end with
EXPECT: dict[str, tuple[int, str]] = {
    # int() refused a 5000-digit plain integer with ValueError
    "s15-367-long-integer.yaml": (1, "TF002 cannot read '99999999999999999999…9999999999 (5000 characters)' as int: "
                                  "too many digits for a number"),
    # libxml2's message carried the unterminated comment's text on a second line
    "s15-4252-comment-not-terminated.pnml": (1, ":41:1: error TF002 XML syntax error: Comment not terminated"),
    "s15-10655-comment-not-terminated-2.bpmn": (1, ":127:1: error TF002 XML syntax error: Comment not terminated"),
    "s15-11980-comment-not-terminated-3.bpmn": (1, ":32:1: error TF002 XML syntax error: Comment not terminated"),
    # a lane id of 1,000 characters was echoed whole in its TF016 line (others: 1.6 million)
    "s15-550-huge-lane-id.yaml": (1, "TF016 `lane` in step `check_id` '\\u200b\\u200d\\u200e\\u202e<script>x</script><scri…"),
    # the campaign checked the message, not the printed line (which showed the breaks as ⏎)
    "s15-10284-field-name-with-line-breaks.yaml": (
        1, "TF014 `assumed` in step `fee` names `e⏎⏎⏎⏎⏎xceptions`, which is not a field (did you mean `exceptions`?)"),
    # a 100,000-character namespace of the root element was echoed whole in a TamaflowError
    "s15-12484-huge-root-namespace.bpmn": (
        1, "xxx, expected <definitions> in http://www.omg.org/spec/BPMN/20100524/MODEL (cut from 100,129 characters)"),
    # the fuzzer renamed the start event to a 405-character id and left its flow naming `event`: the
    # flow was dropped (and the importer looped for ever making the start split's id unique)
    "s15-32169-long-duplicate-ids.bpmn": (1, ":271:1: error TF021 sequenceFlow '_flow_event_submit' "
                                          "sourceRef='event' names no task, event or gateway of the process"),
    # a 10,000-character step name holding carriage returns, quoted by a rule's warning; now refused
    # at the name (a label is one line, of at most 1,000 characters) before any rule quotes it
    "s15-21026-huge-name-with-carriage-returns.yaml": (1, ":15:11: error TF019 `name` in step `check_id` holds U+0009"),
}
#: the address space the campaign gives each input
MEMORY_LIMIT = 512 * 1024 * 1024
runner = CliRunner()
#: a line break or a control character inside a printed line (tab is fine)
UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


#: BPMN files with labels of a million characters (gzipped): the YAML writer escaped them one
#: character at a time: 200 MB of Python objects and a MemoryError under the campaign's 512 MB
#: (5473, 7.8 MB), or 37 s before the campaign killed it (10136, 2.2 MB)
HUGE_LABELS = ["s15-5473-million-character-labels.bpmn.gz", "s15-10136-million-character-label.bpmn.gz"]


#: BPMN files the importer must read whole (exit 0, a valid process): it raised OverflowError on
#: `tf:step index="1e309"` (int() of infinity)
IMPORTS_CLEANLY = ["s15-35348-index-1e309.bpmn"]


def test_every_fixture_has_a_test() -> None:
    assert sorted(p.name for p in FUZZ.iterdir()) == sorted([*EXPECT, *HUGE_LABELS, *IMPORTS_CLEANLY])


@pytest.mark.parametrize("name", IMPORTS_CLEANLY)
def test_fuzz_input_imports_to_a_valid_process(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    cmd = [sys.executable, "-m", "tamaflow", "import", str(FUZZ / name), "-o", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 0, check.output


def test_a_long_id_with_a_split_after_it_imports(tmp_path: Path) -> None:
    """The importer looped for ever making a unique id from a 100-character one: safe_id cut the
    `_split` suffix off again (found by s15-32169, whose flow now dangles: see EXPECT)."""
    long = "0" * 405
    src = tmp_path / "long.bpmn"
    src.write_text('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p">'
                   f'<startEvent id="s"/><task id="{long}" name="受付"/><task id="a" name="審査"/>'
                   '<task id="b" name="通知"/><sequenceFlow id="f0" sourceRef="s" targetRef="' + long + '"/>'
                   f'<sequenceFlow id="f1" sourceRef="{long}" targetRef="a"/>'
                   f'<sequenceFlow id="f2" sourceRef="{long}" targetRef="b"/></process></definitions>',
                   encoding="utf-8")
    out = tmp_path / "out.yaml"
    cmd = [sys.executable, "-m", "tamaflow", "import", str(src), "-o", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_fuzz_input_ends_with_short_clean_error_lines(name: str, tmp_path: Path) -> None:
    path = FUZZ / name
    code, words = EXPECT[name]
    if path.suffix == ".yaml":
        result = runner.invoke(app, ["validate", str(path)])
    else:
        result = runner.invoke(app, ["import", str(path), "-o", str(tmp_path / "out.yaml")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    errors = [line for line in result.output.splitlines() if re.match(r"^\S.*:\d+:\d+: ", line)]
    assert errors and all(len(line.split(": ", 1)[1]) <= HUMAN_LIMIT + 30 for line in errors), result.output[:2000]
    assert not any(UNPRINTABLE.search(line) for line in result.output.split("\n")), result.output[:2000]
    assert any(words in line for line in errors), result.output[:2000]
    assert "Traceback" not in result.output


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")
@pytest.mark.parametrize("name", HUGE_LABELS)
def test_million_character_labels_import_within_512_mb(name: str, tmp_path: Path) -> None:
    src = tmp_path / "labels.bpmn"
    src.write_bytes(gzip.decompress((FUZZ / name).read_bytes()))
    r = subprocess.run([sys.executable, "-m", "tamaflow", "import", str(src), "-o", str(tmp_path / "out.yaml")],
                       capture_output=True, text=True, preexec_fn=_limit_memory, timeout=600, check=False)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert (tmp_path / "out.yaml").stat().st_size > 1_000_000  # the labels are all there


def test_a_rule_quoting_a_huge_name_with_a_line_break_still_prints_one_short_line(tmp_path: Path) -> None:
    """TF106 quotes the gateway's name: 5,000 characters and a line break made a 15 kB message
    over two lines. `Finding.human` keeps it to one line of at most HUMAN_LIMIT characters. (The
    loader now refuses such a name, TF018/TF019: the longest a rule can quote is 1,000 characters
    on one line, which still makes a message over the limit.)"""
    name = "あ" * 900 + "い" * 100
    f = tmp_path / "kunitachi.yaml"
    f.write_text(
        "process: test\nname: テスト\ncity: kunitachi\nlanes:\n  counter: 窓口\nsteps:\n"
        "  - {id: start, event: start, name: 開始, lane: counter}\n"
        f"  - id: gw\n    gateway: exclusive\n    lane: counter\n    name: \"{name}\"\n    branches:\n"
        "      - {to: a, when: はい, share: 0.7}\n      - {to: b, when: いいえ, share: 0.6}\n"
        "  - {id: a, name: 受付, lane: counter, next: done}\n  - {id: b, name: 審査, lane: counter, next: done}\n"
        "  - {id: done, event: end, name: 終了, lane: counter}\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(f)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    tf106 = [line for line in lines if " TF106 " in line]
    assert len(tf106) == 1 and tf106[0].endswith(" characters)"), tf106
    assert all(len(line) <= HUMAN_LIMIT + 120 for line in lines), [len(x) for x in lines]
    assert not any(line.startswith("い") for line in lines), "the name's second line leaked onto its own line"
    f.write_text(f.read_text(encoding="utf-8").replace(name, "あ" * 5000 + "\\n" + "い" * 100), encoding="utf-8")
    refused = runner.invoke(app, ["validate", str(f)])
    assert refused.exit_code == 1 and " TF106 " not in refused.output
    assert ":11:11: error TF019 `name` in step `gw` holds U+000A, a line break" in refused.output, refused.output


def test_a_quoted_terminal_escape_and_line_separator_print_escaped_on_one_line(tmp_path: Path) -> None:
    """A YAML double-quoted key can hold ESC (`\\e`) and U+2028: echoed raw, the first recolours
    the analyst's terminal and the second splits the line for editors and `str.splitlines`.
    `one_line` shows them as `\\x1b` and ⏎; JSON keeps the name as it is."""
    f = tmp_path / "kunitachi.yaml"
    f.write_text(
        "process: test\nname: テスト\ncity: kunitachi\nlanes:\n  counter: 窓口\nsteps:\n"
        "  - {id: start, event: start, name: 開始, lane: counter, next: a}\n"
        '  - {id: a, name: 受付, lane: counter, next: done, "\\e[31m赤\\L色": 1}\n'
        "  - {id: done, event: end, name: 終了, lane: counter}\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(f)])
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output and "\u2028" not in result.output, repr(result.output)
    line = next(x for x in result.output.split("\n") if ":8:" in x)
    assert re.match(r"^\S+kunitachi\.yaml:8:\d+: error TF0\d\d .*\\x1b\[31m赤⏎色", line), line
    as_json = runner.invoke(app, ["validate", str(f), "--format", "json"])
    assert json.loads(as_json.stdout)[0]["message"] == "unknown field `\x1b[31m赤\u2028色` in step `a`"
