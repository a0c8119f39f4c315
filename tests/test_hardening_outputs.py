"""Output paths the system or the analyst's files refuse, and `tamaflow new` on awkward input,
driven through the CLI on real files (found by fuzzing): each ends in one line that says what is
wrong and what to do, exit 2, and nothing written; never a traceback, never an analyst's file
replaced by something else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from clihelp import invoke, validate_json

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def one_line(err: str) -> str:
    """The single line a refused command prints on stderr."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Error:" not in err
    return lines[0]


@pytest.fixture()
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/fixtures/publish (procedures hakko and shinsei); the current folder is its parent."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES / "publish", tmp_path / "lib")
    return tmp_path / "lib"


# ----- a folder nobody may write to ---------------------------------------------------------------

@pytest.fixture()
def read_only_work() -> Iterator[tuple[Path, list[str]]]:
    """A work folder holding the library as lib/, a BPMN model and a read-only folder ro/, and the
    command prefix that runs tamaflow as someone the folder refuses: as root (CI) that is an
    unprivileged user namespace (`unshare -U`), where root's folders are not ours; otherwise the
    plain user. The folder is made 0755 so that the unprivileged user may read the library."""
    work = Path(tempfile.mkdtemp(prefix="tamaflow-ro-"))
    try:
        os.chmod(work, 0o755)
        shutil.copytree(FIXTURES / "publish", work / "lib")
        shutil.copy(FIXTURES / "import" / "bpmnio_permit.bpmn", work / "m.bpmn")
        (work / "ro").mkdir()
        os.chmod(work / "ro", 0o555)
        prefix = [sys.executable, "-m", "tamaflow"]
        if os.geteuid() == 0:
            unshare = shutil.which("unshare")
            if unshare is None or subprocess.run([unshare, "-U", "true"], capture_output=True).returncode != 0:
                pytest.skip("running as root without user namespaces: no folder refuses root")
            prefix = [unshare, "-U", *prefix]
        yield work, prefix
    finally:
        shutil.rmtree(work)


@pytest.mark.parametrize("args", [
    ["score", "lib", "-f", "csv", "-o", "ro/x.csv"],
    ["render", "lib/hakko", "--to", "svg", "-o", "ro"],
    ["import", "m.bpmn", "-o", "ro/x.yaml"],
    ["new", "hakko", "--city", "komae", "-o", "ro/x.yaml"],
    ["compare", "lib/hakko", "--emit-standard", "ro/x.yaml"],
    ["schema", "-o", "ro/x.json"],
])
def test_an_output_folder_without_write_permission_is_one_line(read_only_work: tuple[Path, list[str]],
                                                                args: list[str]) -> None:
    work, prefix = read_only_work
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([*prefix, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert line.startswith("ro/") and "cannot write it: no permission to write in ro" in line
    assert not any(os.scandir(work / "ro"))  # not even a temp file left behind


# ----- a file where a folder should be, a folder where a file should be -------------------------

def test_render_into_a_file_is_refused_and_the_file_kept(lib: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    for extra in ([], ["--prune"]):  # --prune would have swapped a folder in for the file
        code, _, err = invoke("render", str(lib / "hakko"), "--to", "svg", "-o", str(notes), *extra)
        assert code == 2
        assert "exists and is not a folder" in one_line(err)
        assert notes.read_text(encoding="utf-8") == "mine\n"


def test_render_where_a_procedure_folder_is_a_file(lib: Path, tmp_path: Path) -> None:
    out = tmp_path / "drawings"
    out.mkdir()
    (out / "hakko").write_text("not a folder\n", encoding="utf-8")
    code, _, err = invoke("render", str(lib / "hakko"), "--to", "svg", "-o", str(out))
    assert code == 2
    assert one_line(err).endswith("hakko is a file, not a folder: choose another path")


def test_schema_into_a_folder_or_under_a_file(tmp_path: Path) -> None:
    code, _, err = invoke("schema", "-o", str(tmp_path), "--force")
    assert code == 2 and one_line(err) == f"{tmp_path} is a folder: name a file to write"
    (tmp_path / "f").write_text("", encoding="utf-8")
    code, _, err = invoke("schema", "-o", str(tmp_path / "f" / "s.json"))
    assert code == 2 and "f is a file, not a folder" in one_line(err)


def test_schema_keeps_an_existing_file_without_force(tmp_path: Path) -> None:
    keep = tmp_path / "keep.json"
    keep.write_text("KEEP\n", encoding="utf-8")
    code, _, err = invoke("schema", "-o", str(keep))
    assert code == 2 and "exists: not overwriting it (use --force)" in one_line(err)
    assert keep.read_text(encoding="utf-8") == "KEEP\n"
    assert invoke("schema", "-o", str(keep), "--force")[0] == 0
    assert keep.read_text(encoding="utf-8") == (ROOT / "tamaflow.schema.json").read_text(encoding="utf-8")


# ----- a workbook cannot go to stdout -----------------------------------------------------------

@pytest.mark.parametrize("command", [["compare", "lib/hakko"], ["score", "lib"], ["impact", "lib"],
                                     ["summary", "lib"]])
def test_xlsx_to_stdout_is_refused(lib: Path, tmp_path: Path, command: list[str]) -> None:
    code, out, err = invoke(*command, "-f", "xlsx", "-o", "-")
    assert code == 2 and out == ""
    assert "cannot go to stdout (-o -)" in one_line(err)
    assert not (tmp_path / "-").exists()


# ----- tamaflow new: what the user types goes in as text ----------------------------------------

@pytest.mark.parametrize("name", ["a: b", "- x", "yes", "null", "1e3", "#見出し", "'q", '"q" \\ x', " 前後 ",
                                  "[1, 2]", "書類OK?", "&anchor *alias"])
def test_new_writes_any_printable_name_as_text(tmp_path: Path, name: str) -> None:
    target = tmp_path / "foo" / "hino.yaml"
    code, _, err = invoke("new", "foo", "--city", "hino", "--name", name, "-o", str(target))
    assert code == 0, err
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["name"] == name
    assert validate_json(str(target)) == (0, [])


@pytest.mark.parametrize("name", ["x\nvolume: -5\nsteps: []", "x\x01y", "a\tb", "x\u2028y", "", "\u3000",
                                  "a\u202eb", "長" * 1001])  # validate refuses both in a label (TF019, TF018)
def test_new_refuses_a_name_that_is_not_one_line_of_text(tmp_path: Path, name: str) -> None:
    target = tmp_path / "hino.yaml"
    code, _, err = invoke("new", "foo", "--city", "hino", "--name", name, "-o", str(target))
    assert code == 2
    assert "a procedure name is one line of printable text" in one_line(err)
    assert not target.exists()


def test_new_with_ids_yaml_reads_as_other_things(tmp_path: Path) -> None:
    target = tmp_path / "null.yaml"
    assert invoke("new", "yes", "--city", "null", "-o", str(target))[0] == 0
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert (data["process"], data["city"], data["name"]) == ("yes", "null", "yes")
    assert validate_json(str(target)) == (0, [])


# ----- tamaflow new inside the library -----------------------------------------------------------

def test_new_from_the_library_root_writes_into_the_library(lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(lib)
    code, out, err = invoke("new", "hakko", "--city", "komae")
    assert code == 0, err
    assert out.startswith("wrote hakko/komae.yaml: from the standard flow of 2 cities")
    assert (lib / "hakko" / "komae.yaml").is_file()
    assert not (lib / "processes").exists()
    assert validate_json(".")[0] == 0


def test_new_from_a_procedure_folder_writes_beside_its_files(lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(lib / "hakko")
    code, out, err = invoke("new", "hakko", "--city", "inagi")
    assert code == 0, err
    assert out.startswith("wrote inagi.yaml: ")
    assert sorted(p.name for p in (lib / "hakko").iterdir()) == ["fussa.yaml", "inagi.yaml", "kunitachi.yaml"]


def test_new_with_force_replaces_only_a_file_of_the_same_process_and_city(lib: Path) -> None:
    for victim in ("cities.yaml", "catalogue.yaml", "hakko/fussa.yaml", "shinsei/komae.yaml"):
        before = (lib / victim).read_bytes()
        code, _, err = invoke("new", "hakko", "--city", "komae", "-o", str(lib / victim), "--force")
        assert code == 2
        assert "not a file of hakko × komae: not replacing it, even with --force" in one_line(err)
        assert (lib / victim).read_bytes() == before
    # the city's own file is what --force is for: starting it again
    mine = lib / "hakko" / "kunitachi.yaml"
    code, _, err = invoke("new", "hakko", "--city", "kunitachi", "-o", str(mine), "--force")
    assert code == 0, err
    assert "a starting file written by `tamaflow new`" in mine.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [
    ["compare", "lib/hakko", "--emit-standard", "lib/cities.yaml", "--force"],
    ["score", "lib", "-f", "csv", "-o", "lib/catalogue.yaml", "--force"],
    ["import", str(FIXTURES / "import" / "bpmnio_permit.bpmn"), "-o", "lib/cities.yaml", "--force"],
])
def test_no_output_replaces_a_library_file_even_with_force(lib: Path, command: list[str]) -> None:
    # an -o typed wrong must not wipe the library's cities or catalogue: --force cannot ask for that
    target = lib.parent / command[command.index("-o" if "-o" in command else "--emit-standard") + 1]
    before = target.read_bytes()
    code, _, err = invoke(*command)
    assert code == 2
    assert f"is a library's {target.name}: no command writes its output over it, even with --force" in one_line(err)
    assert target.read_bytes() == before


def test_dash_as_the_output_is_stdout_for_text(lib: Path) -> None:
    # `-o -` is stdout to anyone used to Unix tools; it wrote a file named `-` and said `wrote -`
    code, out, err = invoke("score", "lib", "-f", "csv", "-o", "-")
    assert code == 0, err
    assert out.startswith("process,name,city,step")  # no BOM on stdout unless --bom asks
    assert not (lib.parent / "-").exists() and "wrote" not in err
