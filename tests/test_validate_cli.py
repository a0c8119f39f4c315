"""`tamaflow validate` through the CLI on real files: exit codes, formats, folders, libraries,
determinism, and the limits that keep absurd input from hanging the validator."""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from clihelp import invoke
from clihelp import validate_json as findings

from tamaflow.check import validate as validate_mod
from tamaflow.check.rules import RULES
from tamaflow.io.marked_yaml import MAX_BYTES, compose
from tamaflow.io.yaml_loader import read_process

HERE = Path(__file__).resolve().parent
VALID = HERE / "fixtures" / "valid"
INVALID = HERE / "invalid"




@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging (a guard against quadratic blow-ups, not a timing)."""

    def fail(*_: object) -> None:
        raise TimeoutError(f"no answer within {seconds} s: the loader hangs")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ----- exit codes and formats ---------------------------------------------------------------

def test_valid_files_are_clean() -> None:
    code, out, err = invoke("validate", str(VALID / "tennyu.yaml"), str(VALID / "minimal.yaml"))
    assert code == 0, out + err
    assert out == ""
    assert "2 file(s): 0 error(s), 0 warning(s)" in err


def test_valid_folder_json_is_an_empty_list_apart_from_warnings() -> None:
    code, fs = findings(str(VALID))
    assert code == 0
    assert [(f["code"], f["severity"]) for f in fs] == [("TF104", "warning")]


def test_json_objects_have_the_contract_fields() -> None:
    code, fs = findings(str(INVALID / "dangling-next.yaml"))
    assert code == 1
    assert len(fs) == 1
    f = fs[0]
    assert set(f) >= {"file", "line", "column", "code", "severity", "message"}
    assert f["file"] == str(INVALID / "dangling-next.yaml")
    assert (f["code"], f["severity"], f["line"], f["column"]) == ("TF021", "error", 28, 11)
    assert "did you mean `register`" in str(f["message"])


def test_human_format_line_and_summary() -> None:
    path = str(INVALID / "undeclared-lane.yaml")
    code, out, err = invoke("validate", path)
    assert code == 1
    assert out.splitlines() == [
        f"{path}:12:11: error TF022 step `apply` uses undeclared lane `residnt` (did you mean `resident`?)"
    ]
    assert "1 file(s): 1 error(s), 0 warning(s)" in err


def test_warnings_pass_unless_strict() -> None:
    path = str(VALID / "warn-single-branch.yaml")
    code, out, _ = invoke("validate", path)
    assert code == 0 and "warning TF104" in out
    code, _, _ = invoke("validate", "--strict", path)
    assert code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "no/such/folder"],
        ["validate", str(VALID), "--format", "xml"],
        ["validate"],
        ["validate", str(VALID), "--config", "no-such-config.yaml"],
    ],
    ids=["missing-path", "bad-format", "no-path", "missing-config"],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    code, _, err = invoke(*args)
    assert code == 2, err


def test_missing_path_is_one_line() -> None:
    code, _, err = invoke("validate", "no/such/folder")
    assert code == 2
    assert err.strip() == "no such file or folder: no/such/folder"


# ----- folders -------------------------------------------------------------------------------

def test_folders_are_searched_recursively_and_library_files_skipped(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(VALID / "minimal.yaml", tmp_path / "a" / "b" / "deep.yml")
    shutil.copy(INVALID / "dangling-next.yaml", tmp_path / "a" / "bad.yaml")
    shutil.copy(INVALID / "dangling-next.yaml", tmp_path / "a" / ".hidden.yaml")  # editors' backups
    (tmp_path / "a" / "notes.txt").write_text("not yaml", encoding="utf-8")
    (tmp_path / "tamaflow.yaml").write_text("rules: {}\n", encoding="utf-8")
    code, out, err = invoke("validate", "--format", "json", str(tmp_path))
    assert code == 1
    fs = json.loads(out)
    assert {Path(str(f["file"])).name for f in fs} == {"bad.yaml"}
    code, _, err = invoke("validate", str(tmp_path))
    assert "2 file(s): 1 error(s)" in err


def test_output_is_deterministic_and_sorted() -> None:
    _, first = findings(str(INVALID))
    _, second = findings(str(INVALID))
    assert first == second
    keys = [(f["file"], f["line"], f["column"], f["code"]) for f in first]
    assert keys == sorted(keys)


def test_process_pool_gives_the_same_findings_and_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large batches go through a process pool (processes cross it as packed tuples); the result
    must not depend on it."""
    paths = [str(INVALID), str(VALID)]
    serial = validate_mod.validate_paths(paths, jobs=1)
    monkeypatch.setattr(validate_mod, "PARALLEL_THRESHOLD", 2)
    parallel = validate_mod.validate_paths(paths, jobs=2)
    assert parallel.findings == serial.findings
    assert parallel.files == serial.files > 100
    assert len(serial.processes) >= 8
    assert parallel.processes == serial.processes


def test_no_process_pool_falls_back_to_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*_: object, **__: object) -> None:
        raise OSError("no /dev/shm")

    serial = validate_mod.validate_paths([str(INVALID)], jobs=1)
    monkeypatch.setattr(validate_mod, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(validate_mod, "ProcessPoolExecutor", no_pool)
    assert validate_mod.validate_paths([str(INVALID)], jobs=2).findings == serial.findings


def test_packed_process_round_trips() -> None:
    proc, _ = read_process(str(VALID / "tennyu.yaml"))
    assert proc is not None
    assert validate_mod.unpack_process(validate_mod.pack_process(proc)) == proc


# ----- libraries -------------------------------------------------------------------------------

def test_library_rules_when_run_from_inside_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: with a relative path from inside the library, cities.yaml was looked up in the
    current folder ("cannot read file") and every file was said to be misplaced (TF204)."""
    monkeypatch.chdir(INVALID / "library" / "tenshutsu")
    code, fs = findings("kunitachi.yaml", "fuchu.yaml")
    assert code == 0
    assert [(f["file"], f["code"], f["line"]) for f in fs] == [("kunitachi.yaml", "TF205", 5)]
    monkeypatch.chdir(INVALID / "library")
    code, fs = findings("tennyu/kunitachii.yaml")
    assert [(f["file"], f["code"]) for f in fs] == [("tennyu/kunitachii.yaml", "TF201")]


def test_library_folder_findings_point_into_cities_yaml() -> None:
    code, fs = findings(str(INVALID / "library-bad-cities"))
    assert code == 1
    cities = [f for f in fs if str(f["file"]).endswith("cities.yaml")]
    assert {(f["code"], f["line"]) for f in cities} == {("TF016", 2), ("TF010", 3), ("TF013", 3)}


# ----- limits: never a traceback, never a hang -----------------------------------------------------

def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    code, fs = findings(str(big))
    assert code == 1
    assert [(f["code"], f["line"]) for f in fs] == [("TF001", 1)]
    assert "byte limit" in str(fs[0]["message"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_named_yaml_is_refused_not_waited_on(tmp_path: Path) -> None:
    """Regression: a FIFO in the folder made `validate` block forever on open()."""
    os.mkfifo(tmp_path / "pipe.yaml")
    shutil.copy(VALID / "minimal.yaml", tmp_path / "ok.yaml")
    with deadline(30):
        code, fs = findings(str(tmp_path))
    assert code == 1
    assert [(Path(str(f["file"])).name, f["code"], f["line"]) for f in fs] == [("pipe.yaml", "TF001", 1)]
    assert "not a regular file" in str(fs[0]["message"])


def test_huge_mapping_is_linear_not_quadratic() -> None:
    """Regression: duplicate-key detection compared every key with every other one; a 4.5 MB
    file of 300,000 keys took minutes."""
    text = "".join(f"k{i}: {i}\n" for i in range(200_000))
    with deadline(60):
        root = compose(text, "huge.yaml")
    assert len(root.value) == 200_000


def test_duplicate_keys_in_a_huge_mapping_are_still_found() -> None:
    data = ("".join(f"k{i}: {i}\n" for i in range(20_000)) + "k7: again\n").encode()
    _, fs = read_process("dup.yaml", data)
    dups = [f for f in fs if f.code == "TF012"]
    assert [(f.line, f.message.split(":")[0]) for f in dups] == [(20_001, "duplicate key 'k7' (first at line 8)")]


def _loops(n: int) -> str:
    """n tasks, each followed by a gateway that may send the case back to the first task: the
    worst case for the dominator computation (every gateway is a back edge into one node)."""
    lines = ["process: long", "name: 長い手続", "city: hino", "steps:"]
    for i in range(n):
        nxt = f"t{i + 1}" if i + 1 < n else "done"
        lines += [f"  - id: t{i}", f"    name: 作業{i}", f"  - id: g{i}", "    name: 確認", "    gateway: exclusive",
                  "    branches:", "      - {to: t0, when: 差戻し}", f"      - {{to: {nxt}, when: 完了}}"]
    lines += ["  - id: done", "    name: 終了", "    end: true"]
    return "\n".join(lines) + "\n"


def test_the_largest_allowed_process_is_checked_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(_loops(499), encoding="utf-8")  # 999 steps
    with deadline(60):
        code, fs = findings(str(path))
    assert code == 0 and fs == []


def test_more_steps_than_allowed_is_one_error(tmp_path: Path) -> None:
    """Regression: a 16,000-step file of rework loops took minutes in the dominator computation."""
    path = tmp_path / "huge.yaml"
    path.write_text(_loops(4000), encoding="utf-8")
    with deadline(60):
        code, fs = findings(str(path))
    assert code == 1
    assert [(f["code"], f["line"]) for f in fs] == [("TF015", 5)]
    assert "8,001 steps: a process may have at most 1,000" in str(fs[0]["message"])


def test_rules_command_lists_every_rule() -> None:
    code, out, _ = invoke("rules")
    assert code == 0
    for rule_code, cls in RULES.items():
        assert f"{rule_code} {cls.name} ({cls.severity})" in out
