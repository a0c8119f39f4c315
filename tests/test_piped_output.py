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


def _nationwide(tmp: Path, n: int) -> Path:
    """`n` generated variants of 転入届 (benchmarks/nationwide.py), named like municipality codes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nationwide", ROOT / "benchmarks" / "nationwide.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp / "tennyu"
    assert module.main(["tennyu", "-n", str(n), "-o", str(out), "--seed", "3"]) == 0
    return out


def test_piped_compare_of_26_variants_shows_every_number_and_every_city(tmp_path: Path) -> None:
    """26 cities do not fit one boxed column each at 140 cells: rich used to cut the matrix after
    19 columns and fold every label one character per line. Now the matrix is printed in blocks
    of numbered columns and the alignment one block per step, each wording with its cities."""
    folder = _nationwide(tmp_path, 26)
    out = piped("compare", str(folder))
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= PIPED_WIDTH
    assert "…" not in out
    slugs = sorted(p.stem for p in folder.glob("*.yaml"))
    # the matrix: every row is `n slug` then numbers; over its blocks each row has all 26 values
    rows: dict[str, list[str]] = {}
    order: dict[int, str] = {}
    for line in lines[:lines.index(next(x for x in lines if x.startswith("類似度: ")))]:
        m = re.fullmatch(r"\s*(\d+) (m\d+)((?: [01]\.\d\d)+)", line)
        if m:
            order[int(m[1])] = m[2]
            rows.setdefault(m[2], []).extend(m[3].split())
    assert sorted(rows) == slugs
    assert all(len(v) == 26 for v in rows.values())
    # every cell is the JSON matrix's value, columns in the rows' (clustered) order
    data = json.loads(piped("compare", str(folder), "--format", "json"))
    at = {v: i for i, v in enumerate(data["variants"])}
    mean = data["similarity"]["mean"]
    for a, values in rows.items():  # (the JSON has 4 decimals, the table 2: within rounding)
        expect = [mean[at[a]][at[order[c]]] for c in sorted(order)]
        assert all(abs(float(x) - y) <= 0.0051 for x, y in zip(values, expect, strict=True)), a
    # the alignment: one block per group; in each, every city appears exactly once (a wording or なし)
    start = next(i for i, x in enumerate(lines) if x.startswith("対応表"))
    blocks: list[list[str]] = []
    for line in lines[start + 1:]:
        if re.match(r"\s*\d+[* ] ", line):
            blocks.append([])
        elif blocks and line.startswith("      "):
            blocks[-1].append(line)
    assert len(blocks) == len(data["alignment"])
    for block, group in zip(blocks, data["alignment"], strict=True):
        named = re.findall(r"m\d{6}", " ".join(block))
        assert sorted(named) == slugs, block
        assert len([x for x in block if "(なし)" in x]) == (1 if len(group) < 26 else 0)


def test_table_prints_rich_markup_and_emoji_codes_in_labels_as_written(tmp_path: Path) -> None:
    """A step name is the user's text: `[bold]` or `:smile:` must not vanish or become 😄."""
    import shutil

    folder = tmp_path / "tennyu"
    shutil.copytree(TENNYU, folder)
    f = folder / "kunitachi.yaml"
    text = f.read_text(encoding="utf-8")
    m = re.search(r"\n(\s+)name: ([^\n\"]+)\n", text)
    assert m
    f.write_text(text.replace(m[0], f"\n{m[1]}name: \"[bold]{m[2]}[/bold] :smile:\"\n", 1), encoding="utf-8")
    out = piped("compare", str(folder))
    assert "[bold]" in out and ":smile:" in out and "😄" not in out


def test_summary_prints_markup_in_step_names_as_written(tmp_path: Path) -> None:
    import shutil

    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "processes" / "tennyu", lib / "tennyu")
    for extra in ("catalogue.yaml", "cities.yaml"):
        shutil.copy(ROOT / "processes" / extra, lib / extra)
    f = lib / "tennyu" / "hachioji.yaml"
    text = f.read_text(encoding="utf-8")
    assert "name: 受付登録\n" in text
    f.write_text(text.replace("name: 受付登録\n", "name: \"[bold]受付登録[/bold]\"\n", 1), encoding="utf-8")
    out = piped("summary", str(lib))
    assert "[bold]受付登録[/bold]" in out


def test_piped_score_uses_the_same_full_width() -> None:
    """`tamaflow score … > f.txt` is laid out at 140 columns like compare and summary (it was 120)."""
    out = piped("score", str(TENNYU))
    widths = [cell_len(line) for line in out.splitlines()]
    assert 120 < max(widths) <= PIPED_WIDTH
