"""Shared helpers for tests that drive the CLI: run a command in-process and insist that bad
input never surfaces as a traceback."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from typer.testing import CliRunner

from tamaflow.cli import app

REPO = Path(__file__).resolve().parent.parent


def load_benchmark(name: str) -> ModuleType:
    """A script of benchmarks/ as a module (they are scripts, not a package). It is registered in
    `sys.modules` because dataclasses look their module up there while the class is built."""
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def nationwide_set(tmp: Path, procedure: str, n: int, seed: int) -> Path:
    """`n` generated variants of a library procedure (benchmarks/nationwide.py) in `tmp`; the
    folder, named after the procedure."""
    out = tmp / procedure
    assert load_benchmark("nationwide").main([procedure, "-n", str(n), "-o", str(out), "--seed", str(seed)]) == 0
    return out


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


def library_copy(tmp_path: Path) -> Path:
    """A copy of the shipped library (processes/) with the schema beside it, as an analyst's
    checkout has it; returns the library folder. Tests change into `tmp_path` to use it."""
    shutil.copytree(REPO / "processes", tmp_path / "processes")
    shutil.copy(REPO / "tamaflow.schema.json", tmp_path / "tamaflow.schema.json")
    return tmp_path / "processes"


def load_yaml(path: Path) -> dict[str, Any]:
    """A written YAML file as plain data."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data
