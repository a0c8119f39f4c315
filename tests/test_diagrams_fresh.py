"""`diagrams/` must match `processes/`: re-render the library to a temporary folder and compare
bytes for the formats that are stable across Graphviz versions (BPMN and DOT; SVG depends on the
installed `dot`). When this fails, run `make diagrams` and commit the result."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ROOT / "processes"
DIAGRAMS = ROOT / "diagrams"
FORMATS = ("bpmn", "dot")
HAS_LIBRARY = PROCESSES.is_dir() and any(
    p.name not in ("cities.yaml", "catalogue.yaml") for p in PROCESSES.rglob("*.yaml"))


@pytest.mark.skipif(not HAS_LIBRARY, reason="processes/ holds no process files yet")
def test_diagrams_are_fresh(tmp_path: Path) -> None:
    args = ["render", str(PROCESSES), "-o", str(tmp_path)]
    for fmt in FORMATS:
        args += ["--to", fmt]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output

    def files(root: Path) -> dict[str, Path]:
        return {str(p.relative_to(root)): p for fmt in FORMATS for p in root.glob(f"*/*.{fmt}")}

    want, have = files(tmp_path), files(DIAGRAMS)
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    stale = sorted(k for k in set(want) & set(have) if want[k].read_bytes() != have[k].read_bytes())
    hint = "diagrams/ is stale: run `make diagrams` and commit it"
    assert not missing, f"{hint}; missing: {missing[:10]}"
    assert not extra, f"{hint}; no process for: {extra[:10]}"
    assert not stale, f"{hint}; out of date: {stale[:10]}"
