"""Issue 13 part 3: what `tamaflow compare`, `show` and `summary` write to a pipe or a file.

CliRunner's stdout is not a terminal, exactly like `tamaflow compare processes/tennyu/ > f.txt`:
the tables must be laid out at full width (no `0.…` similarity, no `ko…` city), name cities in
Japanese, and say 類似度 with a legend; JSON and CSV keep the slugs."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from rich.cells import cell_len
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.cli._app import PIPED_WIDTH

ROOT = Path(__file__).resolve().parents[1]
TENNYU = ROOT / "processes" / "tennyu"

runner = CliRunner()


def city_names() -> dict[str, str]:
    from tamaflow.app.cities import city_names as lookup

    names = lookup([str(TENNYU)])
    assert names.get("kunitachi") == "国立市"
    return names


def piped(*args: str) -> str:
    r = runner.invoke(app, list(args), env={"COLUMNS": None})  # a pipe: no COLUMNS, no terminal
    assert r.exit_code == 0, r.output
    return r.stdout


def similarity_block(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "類似度 (クラスタ順)" in line)
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("└"))
    return lines[start:end + 2]


def test_piped_compare_table_has_full_cells_and_japanese_names() -> None:
    out = piped("compare", str(TENNYU))
    names = city_names()
    cities = sorted(p.stem for p in TENNYU.glob("*.yaml"))
    block = similarity_block(out)
    rows = [line for line in block if line.startswith("│")]
    assert len(rows) == len(cities)
    for row in rows:
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert cells[0] in {names[c] for c in cities}, cells[0]
        assert all(re.fullmatch(r"[01]\.\d\d", c) for c in cells[1:]), row
    header = next(line for line in block if line.startswith("┃"))
    assert {c.strip() for c in header.strip("┃").split("┃")[1:]} == {names[c] for c in cities}
    assert "…" not in out
    assert not any(re.search(rf"\b{c}\b", out) for c in cities), "slugs belong in JSON/CSV only"
    # the legend says what the number is, once, right under the matrix
    assert block[-1].startswith("類似度: 0〜1、1 = 同じ流れ")
    assert max(cell_len(line) for line in out.splitlines()) <= PIPED_WIDTH
    assert max(cell_len(line) for line in out.splitlines()) > 100, "laid out at full width, not 80"


def test_piped_compare_markdown_names_cities_and_says_similarity() -> None:
    out = piped("compare", str(TENNYU), "--format", "markdown")
    assert "### 国立市" in out and "| 国立市 |" in out and "kunitachi" not in out
    assert "## 類似度" in out and "距離" not in out
    assert "類似度: 0〜1" in out


def test_json_and_csv_keep_the_slugs() -> None:
    cities = sorted(p.stem for p in TENNYU.glob("*.yaml"))
    data = json.loads(piped("compare", str(TENNYU), "--format", "json"))
    assert data["variants"] == cities
    head = next(csv.reader(io.StringIO(piped("compare", str(TENNYU), "--format", "csv"))))
    assert head[3:3 + len(cities)] == cities and "国立市" not in head


def test_piped_compare_of_the_library_names_cities() -> None:
    out = piped("compare", str(ROOT / "processes"))
    assert "── tennyu: 転入届" in out and "国立市" in out
    assert not re.search(r"\bkunitachi\b", out)
    assert "…" not in out


def test_show_names_the_city() -> None:
    first = piped("show", str(TENNYU / "kunitachi.yaml")).splitlines()[0]
    assert first == "転入届 (tennyu) — 国立市"


def test_show_outside_a_library_keeps_the_slug(tmp_path: Path) -> None:
    f = tmp_path / "kunitachi.yaml"
    f.write_bytes((TENNYU / "kunitachi.yaml").read_bytes())
    first = piped("show", str(f)).splitlines()[0]
    assert first.endswith("— kunitachi")
