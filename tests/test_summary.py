"""`tamaflow summary` is the main job `make demo` runs: it must cover every procedure of the
library and report numbers that agree with `tamaflow score`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_summary_lists_every_procedure_and_the_score_totals() -> None:
    result = runner.invoke(app, ["summary", str(ROOT / "processes")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    names = {
        json.loads(runner.invoke(app, ["compare", str(d), "--format", "json"]).output)["standard"]["name"]
        for d in sorted((ROOT / "processes").iterdir()) if d.is_dir()
    }
    for name in names:
        assert name in result.output
    score = json.loads(runner.invoke(app, ["score", str(ROOT / "processes"), "--format", "json"]).output)
    total = sum(p["hours_per_year"] or 0 for p in score["processes"])
    assert f"職員時間 {total:,.0f} h/年" in result.output
    assert "RPA の候補" in result.output and "紙・押印・対面" in result.output


def test_summary_stops_on_an_invalid_library(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "processes", lib)
    bad = lib / "tennyu" / "kunitachi.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("lane: counter", "lane: countr", 1), encoding="utf-8")
    result = runner.invoke(app, ["summary", str(lib)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "kunitachi.yaml:" in result.output and "TF022" in result.output


def test_summary_needs_a_library(tmp_path: Path) -> None:
    result = runner.invoke(app, ["summary", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a library folder" in result.output
