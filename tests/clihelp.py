"""Shared helpers for tests that drive the CLI: run a command in-process and insist that bad
input never surfaces as a traceback."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tamaflow.cli import app


def invoke(*args: str) -> tuple[int, str, str]:
    """Run `tamaflow ARGS…`; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def validate_json(*args: str) -> tuple[int, list[dict[str, object]]]:
    """`tamaflow validate --format json ARGS…` → (exit code, findings)."""
    code, out, _ = invoke("validate", "--format", "json", *args)
    return code, json.loads(out)
