"""The registry of finding codes (model/codes.py): every code the package can report is
registered, `tamaflow rules` lists all of them, the one severity resolver applies tamaflow.yaml
to structural and library rules alike, and a TamaflowError's exit status comes from its
category, not from comparing its code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clihelp import invoke
from clihelp import validate_json as findings

from tamaflow.check.rules import RULES, registry
from tamaflow.model.codes import CODES, ExitCategory, resolve_severity
from tamaflow.model.findings import TamaflowError

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "tests" / "invalid" / "library"
LITERAL = re.compile(r"""["'](TF\d{3})["']""")
EXPECTED = re.compile(r'(?:expect:\s*|")(TF\d{3}) (?:warning |error )?line')


def _emitted() -> dict[str, list[str]]:
    """Every `"TFnnn"` literal in the package's source, with the files that write it."""
    where: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tamaflow").rglob("*.py")):
        if path.name == "codes.py":
            continue
        for code in LITERAL.findall(path.read_text(encoding="utf-8")):
            where.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return where


def test_every_code_written_in_the_package_is_registered() -> None:
    unknown = {c: files for c, files in _emitted().items() if c not in CODES}
    assert not unknown, f"codes used but not in model/codes.py: {unknown}"


def test_every_registered_code_is_used_somewhere() -> None:
    """A registry entry nothing emits is a stale doc (or a code that changed meaning)."""
    assert sorted(set(CODES) - set(_emitted())) == []


def test_every_code_the_invalid_fixtures_expect_is_registered() -> None:
    expected: set[str] = set()
    for path in (ROOT / "tests" / "invalid").rglob("*.y*ml"):
        expected |= set(EXPECTED.findall(path.read_bytes().decode("utf-8", "replace")))
    assert expected and expected <= set(CODES)


def test_rule_classes_register_their_metadata() -> None:
    for code, cls in RULES.items():
        entry = CODES[code]
        assert (entry.name, entry.severity, entry.configurable) == (cls.name, cls.severity, True)
        assert entry.doc == " ".join((cls.__doc__ or "").split())


def test_rules_command_lists_every_code() -> None:
    code, out, _ = invoke("rules")
    assert code == 0
    lines = out.splitlines()
    assert lines == [entry.line() for entry in registry()]
    assert [ln.split()[0] for ln in lines] == sorted(CODES)
    for prefix in ("TF0", "TF1", "TF2"):
        assert any(ln.startswith(prefix) for ln in lines)
    assert "TF104 superfluous-gateway (warning): A splitting gateway with a single branch decides nothing." in lines
    assert "TF204 (warning): the file is not at <library>/<process>/<city>.yaml" in lines


def test_resolver_by_code_by_name_and_default() -> None:
    assert resolve_severity("TF104", {}) == "warning"
    assert resolve_severity("TF104", {"TF104": "error"}) == "error"
    assert resolve_severity("TF104", {"superfluous-gateway": "off"}) is None
    assert resolve_severity("TF203", {}) == "error"
    assert resolve_severity("TF203", {"TF203": "warn"}) == "warning"
    assert resolve_severity("TF205", {"TF205": "warning"}) == "warning"


@pytest.mark.parametrize(("level", "expected", "exit_code"),
                         [(None, ["warning"], 0), ("error", ["error"], 1), ("warn", ["warning"], 0), ("off", [], 0)])
def test_config_levels_apply_to_a_library_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: str | None,
                                               expected: list[str], exit_code: int) -> None:
    """TF205 (one procedure, two names) through tamaflow.yaml: off, warn and error all work for a
    TF2xx code, by the same path as for TF1xx."""
    config = tmp_path / "tamaflow.yaml"
    config.write_text(f"rules:\n  TF205: {level}\n" if level else "rules: {}\n", encoding="utf-8")
    monkeypatch.chdir(LIBRARY / "tenshutsu")
    code, fs = findings("--config", str(config), "kunitachi.yaml", "fuchu.yaml")
    assert code == exit_code
    assert [f["severity"] for f in fs if f["code"] == "TF205"] == expected


def test_unknown_rule_in_config_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "tamaflow.yaml"
    config.write_text("rules:\n  TF011: off\n", encoding="utf-8")  # loader errors are not configurable
    code, _, err = invoke("validate", "--config", str(config), str(LIBRARY))
    assert code == 2
    assert "unknown rule `TF011`" in err


def test_exit_category_is_separate_from_the_code() -> None:
    assert TamaflowError("bad option").exit_code == 2  # TF000: usage
    assert TamaflowError("unreadable", "f.yaml", 1, 1, "TF001").exit_code == 1
    assert TamaflowError("refused", code="TF004").category is ExitCategory.FINDINGS
    assert TamaflowError("odd", code="TF001", category=ExitCategory.USAGE).exit_code == 2


def test_docs_list_every_code_but_the_rules() -> None:
    """docs/format.md's code table names every code; TF1xx are listed by `tamaflow rules`."""
    docs = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    missing = [c for c in CODES if c not in RULES and f"| {c} |" not in docs]
    assert missing == []


# ----- --strict: the one gate for commands that need valid files (check.validate.InvalidFiles) ---

def test_score_strict_refuses_invalid_files_with_every_error_then_one_line() -> None:
    bad = ROOT / "tests" / "invalid" / "dangling-next.yaml"
    code, out, err = invoke("score", "--strict", str(bad))
    assert (code, out) == (1, "")
    *errors, last = err.splitlines()
    assert errors and all(ln.startswith(f"{bad}:") and " error TF" in ln for ln in errors)
    assert last == f"1 file(s): {len(errors)} error(s): fix them (tamaflow validate) before scoring"


def test_publish_strict_refuses_a_library_with_errors_and_writes_nothing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    code, out, err = invoke("publish", "--strict", str(LIBRARY), "-o", str(site))
    assert (code, out) == (1, "")
    *errors, last = err.splitlines()
    assert errors and all(" error TF" in ln for ln in errors)
    assert last == f"{LIBRARY}: {len(errors)} validation error(s): fix them before publishing (tamaflow validate)"
    assert not site.exists()
