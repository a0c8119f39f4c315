"""Inputs on which benchmarks/fuzz_campaign.py found a crash, a timeout or a memory blow-up,
kept byte for byte in tests/fixtures/fuzz/ (named `s<seed>-<index>-<what>`: `--seed S --only I`
regenerates one). Each now ends, through the CLI, with one clean `path:line:col:` error line
and exit 1, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tamaflow.cli import app

FUZZ = Path(__file__).resolve().parent / "fixtures" / "fuzz"
#: file → (finding code, words of the message) the input must end with
EXPECT: dict[str, tuple[str, str]] = {
    "s15-367-long-integer.yaml": ("TF002", "too many digits for a number"),
    # libxml2's message carried the unterminated comment's text on a second line
    "s15-4252-comment-not-terminated.pnml": ("TF002", "XML syntax error: Comment not terminated"),
}
runner = CliRunner()


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in FUZZ.iterdir()) == sorted(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_fuzz_input_ends_with_one_clean_error(name: str, tmp_path: Path) -> None:
    path = FUZZ / name
    code, words = EXPECT[name]
    if path.suffix == ".yaml":
        result = runner.invoke(app, ["validate", str(path)])
    else:
        result = runner.invoke(app, ["import", str(path), "-o", str(tmp_path / "out.yaml")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if re.match(r"^\S.*:\d+:\d+: ", line)]
    assert len(errors) == 1 and code in errors[0] and words in errors[0], result.output
    assert "Traceback" not in result.output and len(errors[0]) < 400
