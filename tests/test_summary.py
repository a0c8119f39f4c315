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


def test_summary_strict_stops_on_an_invalid_library(tmp_path: Path) -> None:
    """--strict keeps the old gate; without it the file is left out (tests/test_keep_going.py)."""
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "processes", lib)
    bad = lib / "tennyu" / "kunitachi.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("lane: counter", "lane: countr", 1), encoding="utf-8")
    result = runner.invoke(app, ["summary", str(lib), "--strict"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "kunitachi.yaml:" in result.output and "TF022" in result.output
    assert "手続ごとの比較" not in result.output


def test_summary_needs_a_library(tmp_path: Path) -> None:
    result = runner.invoke(app, ["summary", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a library folder" in result.output


def _piped_summary() -> str:
    """`tamaflow summary processes/ > f.txt`: CliRunner's stdout is not a terminal."""
    result = runner.invoke(app, ["summary", str(ROOT / "processes")], env={"COLUMNS": None})
    assert result.exit_code == 0, result.output
    return result.stdout


def _comparison_rows(out: str) -> list[str]:
    """The comparison table's body, each folded row joined back into one line of cells."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    rows: list[list[str]] = []
    for line in lines[start + 1:]:
        if line.startswith("└"):
            break
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0]:
            rows.append(cells)
        else:  # a folded continuation of the row above
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return [" | ".join(r) for r in rows]


def test_summary_sorts_procedures_by_staff_hours_and_explains_its_columns() -> None:
    out = _piped_summary()
    rows = _comparison_rows(out)
    score = json.loads(runner.invoke(app, ["score", str(ROOT / "processes"), "--format", "json"]).output)
    hours: dict[str, float] = {}
    names: dict[str, str] = {}
    for p in score["processes"]:
        hours[p["process"]] = hours.get(p["process"], 0.0) + (p["hours_per_year"] or 0.0)
        names[p["process"]] = p["name"]
    expected = [names[pid] for pid in sorted(hours, key=lambda pid: (-hours[pid], pid))]
    assert [r.split(" | ")[0] for r in rows] == expected
    # one line each, right under the table, for the two compare columns
    lines = out.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("└"))
    assert lines[end + 1].startswith("類似度: ") and lines[end + 2].startswith("標準との違い: ")


def test_summary_says_when_the_leanest_cities_tie() -> None:
    out = _piped_summary()
    # the columns end with 最少時間の市 and its 分/件
    rows = {r.split(" | ")[0]: r.split(" | ")[-2] for r in _comparison_rows(out)}
    minutes = {r.split(" | ")[0]: r.split(" | ")[-1] for r in _comparison_rows(out)}
    score = json.loads(runner.invoke(app, ["score", str(ROOT / "processes"), "--format", "json"]).output)
    from tamaflow.app.cities import city_names

    ja = city_names([str(ROOT / "processes")])
    seen_tie = seen_single = False
    for b in score["best_variant"]:
        best = b["minutes_per_case"]
        tied = [v["city"] for v in b["variants"] if abs(v["minutes_per_case"] - best) < 1e-6]
        cell = rows[b["name"]]
        if len(tied) > 1:
            seen_tie = True
            assert cell.startswith(f"同率 {len(tied)} 市: "), cell
            assert sorted(cell.split(": ", 1)[1].split()) == sorted(ja[c] for c in tied)
        else:
            seen_single = True
            assert "同率" not in cell and cell.startswith(ja[tied[0]])
    assert seen_tie and seen_single
    # 転入届: seven cities need the same minutes; none is singled out by its romanised slug
    assert rows["転入届"].startswith("同率 7 市: ") and minutes["転入届"] == "25"
