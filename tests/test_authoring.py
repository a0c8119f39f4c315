"""The analyst's side of the CLI on real files: `tamaflow new`, `schema`, `show`, and the
per-rule severities of `tamaflow.yaml`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from clihelp import invoke, validate_json

from tamaflow.io.schema import BRANCH_FIELDS, PROCESS_FIELDS, STEP_FIELDS
from tamaflow.model.process import ACCESS_TYPES, CHANNELS, EVENT_KINDS, GATEWAY_KINDS, MEDIA, TASK_KINDS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VALID = HERE / "fixtures" / "valid"
INVALID = HERE / "invalid"




# ----- tamaflow new -----------------------------------------------------------------------------

def test_new_writes_a_file_that_validates_clean(tmp_path: Path) -> None:
    target = tmp_path / "tennyu" / "kunitachi.yaml"
    code, out, _ = invoke("new", "tennyu", "--city", "kunitachi", "--name", "転入届", "-o", str(target))
    assert code == 0
    assert out.strip() == f"wrote {target}"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    data = yaml.safe_load(text)
    assert (data["process"], data["city"], data["name"]) == ("tennyu", "kunitachi", "転入届")
    code, findings = validate_json(str(target))
    assert code == 0 and findings == []
    code, out, _ = invoke("show", str(target))
    assert code == 0 and out.startswith("転入届 (tennyu) — kunitachi")


def test_new_default_path_and_schema_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = invoke("new", "jido-teate", "--city", "hino")
    assert code == 0
    written = tmp_path / "processes" / "jido-teate" / "hino.yaml"
    first = written.read_text(encoding="utf-8").splitlines()[0]
    # from processes/<procedure>/ the committed schema is two folders up
    assert first == "# yaml-language-server: $schema=../../tamaflow.schema.json"
    assert validate_json(str(written)) == (0, [])


def test_new_inside_a_library_validates_against_its_cities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "processes"
    lib.mkdir()
    (lib / "cities.yaml").write_text("cities:\n  hino: {name: 日野市}\n", encoding="utf-8")
    (tmp_path / "tamaflow.schema.json").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert invoke("new", "inu-toroku", "--city", "hino")[0] == 0
    assert validate_json("processes") == (0, [])
    # a city cities.yaml does not list is refused before anything is written (it was TF201 after)
    code, _, err = invoke("new", "inu-toroku", "--city", "hin")
    assert code == 2 and "not in processes/cities.yaml (did you mean `hino`?)" in err
    assert not (lib / "inu-toroku" / "hin.yaml").exists()


def test_new_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "x.yaml"
    assert invoke("new", "tennyu", "--city", "kunitachi", "-o", str(target))[0] == 0
    target.write_text("# the analyst's own work\n", encoding="utf-8")
    code, out, err = invoke("new", "tennyu", "--city", "kunitachi", "-o", str(target))
    assert code == 2
    assert "exists: not overwriting it (use --force)" in err
    assert target.read_text(encoding="utf-8") == "# the analyst's own work\n"
    code, _, _ = invoke("new", "tennyu", "--city", "kunitachi", "--name", "転入", "-o", str(target), "--force")
    assert code == 0
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["name"] == "転入"


@pytest.mark.parametrize("args", [["../x", "--city", "hino"], ["tennyu", "--city", "日野"], ["Tennyu", "--city", "hino"]])
def test_new_rejects_unsafe_ids(tmp_path: Path, args: list[str]) -> None:
    code, _, err = invoke("new", *args, "-o", str(tmp_path / "x.yaml"))
    assert code == 2
    assert "not a safe id" in err
    assert not (tmp_path / "x.yaml").exists()


# ----- tamaflow schema --------------------------------------------------------------------------

def schema_from_cli() -> dict[str, Any]:
    code, out, _ = invoke("schema")
    assert code == 0
    schema: dict[str, Any] = json.loads(out)
    return schema


def test_schema_equals_the_committed_file() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    assert out == (REPO / "tamaflow.schema.json").read_text(encoding="utf-8")


def test_schema_output_option_writes_the_same_text(tmp_path: Path) -> None:
    code, _, _ = invoke("schema", "-o", str(tmp_path / "s.json"))
    assert code == 0
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == (REPO / "tamaflow.schema.json").read_text(encoding="utf-8")


def test_schema_is_a_valid_json_schema_matching_the_format() -> None:
    schema = schema_from_cli()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert list(schema["properties"]) == [f.name for f in PROCESS_FIELDS]
    defs = schema["$defs"]
    assert list(defs["step"]["properties"]) == [f.name for f in STEP_FIELDS]
    assert list(defs["branch"]["properties"]) == [f.name for f in BRANCH_FIELDS]
    assert set(schema["required"]) == {"process", "name", "city", "steps"}
    step = defs["step"]["properties"]
    assert step["kind"]["enum"] == list(TASK_KINDS)
    assert step["gateway"]["enum"] == list(GATEWAY_KINDS)
    assert step["event"]["enum"] == list(EVENT_KINDS)
    assert step["medium"]["enum"] == list(MEDIA)
    assert step["access"]["enum"] == list(ACCESS_TYPES)
    assert schema["properties"]["channels"]["items"]["enum"] == list(CHANNELS)
    for obj in (schema, defs["step"], defs["branch"]):
        assert obj["additionalProperties"] is False  # unknown fields are flagged in the editor too
        for name, prop in obj["properties"].items():
            assert prop.get("description"), f"{name} has no description for the editor's hover"


@pytest.mark.parametrize("path", sorted(VALID.glob("*.yaml")), ids=lambda p: p.name)
def test_valid_files_satisfy_the_schema(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema_from_cli())


@pytest.mark.parametrize("name", [
    "unknown-step-field.yaml", "enum-kind.yaml", "negative-minutes.yaml", "share-over-one.yaml",
    "unsafe-id-dotdot.yaml", "unsafe-process-slug.yaml", "wrong-type-minutes-text.yaml", "empty-steps.yaml",
    "yaml11-yes-no-when.yaml", "missing-city.yaml",
])
def test_the_editor_schema_rejects_what_validate_rejects(name: str) -> None:
    """The JSON Schema gives analysts the same verdict in VS Code, for what a schema can say."""
    data = yaml.safe_load((INVALID / name).read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema_from_cli())


# ----- tamaflow show ----------------------------------------------------------------------------

def test_show_prints_lanes_steps_branches_and_totals() -> None:
    code, out, _ = invoke("show", str(VALID / "tennyu.yaml"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "転入届 (tennyu) — kunitachi"
    assert "  area: 住民基本台帳" in lines
    assert "  volume: 4200 cases/year" in lines
    assert "  channels: counter, mynaportal" in lines
    lanes = lines[lines.index("lanes:") + 1:lines.index("steps:")]
    assert lanes == [
        "  resident: 住民 (1 step(s))",
        "  counter: 市民課 窓口 (5 step(s))",
        "  back: 市民課 審査担当 (6 step(s))",
        "  system: 住民記録システム (1 step(s))",
    ]
    assert "  check_id: 本人確認 <user> [市民課 窓口]  (3 min, in-person)" in lines
    assert "  has_card: 特例転入か <exclusive split> [市民課 窓口]" in lines
    assert "      → read_card when マイナンバーカードあり (60%)" in lines
    assert "      → enter_form when 転出証明書あり (40%) [default]" in lines
    assert "  fork: 記録と通知を並行する <parallel split> [市民課 審査担当]" in lines
    assert "  both_done: 記録と通知の完了 <parallel join> [市民課 審査担当]" in lines
    assert "  review: 審査する <approval> [市民課 審査担当]  (5 min, 押印)" in lines
    assert "  done: 転入届完了 <event end> [市民課 窓口]" in lines
    assert lines[-1] == ("totals: 13 steps (7 tasks, 4 gateways), 4 lanes, 21 staff minutes if every task runs "
                         "once, 2 paper, 1 seal")


def test_show_minimal_file() -> None:
    code, out, _ = invoke("show", str(VALID / "minimal.yaml"))
    assert code == 0
    assert out.splitlines() == [
        "最小の手続 (minimal) — hino",
        "lanes:",
        "steps:",
        "  receive: 受け付ける <user>",
        "      → end",
        "totals: 1 steps (1 tasks, 0 gateways), 0 lanes, 0 staff minutes if every task runs once, 0 paper, 0 seal",
    ]


def test_show_on_an_invalid_file_is_one_line_and_exit_1() -> None:
    path = INVALID / "dangling-next.yaml"
    code, out, err = invoke("show", str(path))
    assert code == 1
    assert out == ""
    assert err.strip() == f"{path}:28:11: error TF021 `next: regster` in step `read_card` names no step (did you mean `register`?)"


def test_show_on_a_missing_file(tmp_path: Path) -> None:
    code, _, err = invoke("show", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert "cannot read file" in err


# ----- tamaflow.yaml: severity per rule ---------------------------------------------------------------

@pytest.fixture()
def warned(tmp_path: Path) -> Path:
    """A valid file with one TF104 warning, in a folder of its own (for its tamaflow.yaml)."""
    folder = tmp_path / "proj"
    folder.mkdir()
    shutil.copy(VALID / "warn-single-branch.yaml", folder / "inu.yaml")
    return folder


def test_default_severity_is_a_warning(warned: Path) -> None:
    code, findings = validate_json(str(warned))
    assert code == 0
    assert [(f["code"], f["severity"], f["line"]) for f in findings] == [("TF104", "warning", 13)]


@pytest.mark.parametrize("config", ["rules:\n  TF104: off\n", "rules:\n  superfluous-gateway: 'off'\n"])
def test_rule_turned_off(warned: Path, config: str) -> None:
    (warned / "tamaflow.yaml").write_text(config, encoding="utf-8")
    assert validate_json(str(warned)) == (0, [])
    assert validate_json(str(warned / "inu.yaml")) == (0, [])


@pytest.mark.parametrize("config", ["rules:\n  TF104: error\n", "rules:\n  superfluous-gateway: error\n"])
def test_rule_raised_to_error_fails(warned: Path, config: str) -> None:
    (warned / "tamaflow.yaml").write_text(config, encoding="utf-8")
    code, findings = validate_json(str(warned))
    assert code == 1
    assert [(f["code"], f["severity"]) for f in findings] == [("TF104", "error")]


def test_error_rule_lowered_to_warning(tmp_path: Path) -> None:
    shutil.copy(INVALID / "unreachable-step.yaml", tmp_path / "p.yaml")
    (tmp_path / "tamaflow.yaml").write_text("rules:\n  no-disconnected: warn\n", encoding="utf-8")
    code, findings = validate_json(str(tmp_path))
    assert code == 0
    assert [(f["code"], f["severity"]) for f in findings] == [("TF102", "warning")]


def test_nearest_config_above_applies_and_explicit_config_wins(warned: Path) -> None:
    (warned.parent / "tamaflow.yaml").write_text("rules:\n  TF104: error\n", encoding="utf-8")
    sub = warned / "deeper"
    sub.mkdir()
    shutil.move(str(warned / "inu.yaml"), sub / "inu.yaml")
    assert validate_json(str(sub))[0] == 1
    other = warned.parent / "quiet.yaml"
    other.write_text("rules:\n  TF104: off\n", encoding="utf-8")
    assert validate_json(str(sub), "--config", str(other)) == (0, [])


def test_library_rule_severity(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(INVALID / "library", lib)
    misplaced = lib / "tenshutsu" / "misplaced.yaml"
    assert [f["code"] for f in validate_json(str(misplaced))[1]] == ["TF204"]
    (lib / "tamaflow.yaml").write_text("rules:\n  TF204: off\n", encoding="utf-8")
    assert validate_json(str(misplaced)) == (0, [])


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("rules:\n  TF999: off\n", "unknown rule `TF999`"),
        ("rules:\n  TF104: loud\n", "level must be off, warn or error"),
        ("rules: [TF104]\n", "`rules` must map"),
        ("rule:\n  TF104: off\n", "unknown field `rule`"),
        ("- TF104\n", "must be a mapping"),
        ("rules:\n  TF104: off\n  TF104: error\n", "duplicate key"),
        ("rules: {TF104: off\n", "YAML syntax error"),
        ("", "file is empty"),
    ],
    ids=["unknown-rule", "bad-level", "rules-list", "unknown-key", "not-mapping", "duplicate", "syntax", "empty"],
)
def test_bad_config_is_a_usage_error(warned: Path, config: str, message: str) -> None:
    (warned / "tamaflow.yaml").write_text(config, encoding="utf-8")
    code, out, err = invoke("validate", str(warned))
    assert code == 2
    assert out == ""
    line = err.strip()
    assert line.startswith(str(warned / "tamaflow.yaml") + ":")
    assert message in line


def test_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    """Atomic writes go through mkstemp (0600); the result must be readable like any file."""
    out = tmp_path / "p.yaml"
    code, _, _ = invoke("new", "shinsei", "--city", "kunitachi", "-o", str(out))
    assert code == 0
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask
