"""Issue 13 part 1: steps that are not staff work get their own quadrant, everywhere the
quadrant is shown (score JSON/CSV/tables, the site's variant page, the RPA overlay), and a
step held back by a seal says that the seal comes first. Driven through the CLI on
processes/tennyu/ (and processes/shishutsu/ for the seals)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import lxml.html
from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
TENNYU = ROOT / "processes" / "tennyu"
KUNITACHI = TENNYU / "kunitachi.yaml"
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"

runner = CliRunner()


def score_json(*paths: Path) -> dict:
    r = runner.invoke(app, ["score", *map(str, paths), "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_system_and_resident_steps_are_not_staff_quadrants() -> None:
    data = score_json(TENNYU)
    steps = [s for p in data["processes"] for s in p["steps"]]
    kunitachi = {s["id"]: s for s in next(p for p in data["processes"] if p["city"] == "kunitachi")["steps"]}
    # 本登録 and 前住所地へ転入通知: system steps, no staff time, once labelled クイックウィン
    for sid in ("commit", "notify_prev"):
        assert kunitachi[sid]["role"] == "system"
        assert (kunitachi[sid]["quadrant"], kunitachi[sid]["quadrant_label"]) == ("automated", "自動化済み")
    assert (kunitachi["visit"]["quadrant"], kunitachi["visit"]["quadrant_label"]) == ("resident", "住民の手順 (対象外)")
    for s in steps:
        if s["role"] == "system":
            assert s["quadrant"] == "automated"
        elif s["role"] == "resident" and s["staff_minutes_per_case"] == 0:
            assert s["quadrant"] == "resident"
        elif s["role"] == "staff":
            assert s["quadrant"] in ("quick win", "strategic", "fill-in", "reconsider")
    assert {s["quadrant"] for s in steps} >= {"automated", "resident", "quick win"}
    # the process summary counts processes, which are staff quadrants only
    assert set(data["summary"]["quadrants"]) == {"quick win", "strategic", "fill-in", "reconsider"}


def test_csv_and_step_table_carry_the_new_quadrants() -> None:
    r = runner.invoke(app, ["score", str(TENNYU), "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = {(row["city"], row["step"]): row for row in csv.DictReader(io.StringIO(r.stdout))}
    assert rows[("kunitachi", "commit")]["quadrant"] == "automated"
    assert rows[("kunitachi", "visit")]["quadrant"] == "resident"
    r = runner.invoke(app, ["score", str(KUNITACHI), "--format", "markdown"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("| 手順 | 担当 |")))
    table = [line for line in lines[start:] if line.startswith("| ")]
    head = [c.strip() for c in table[0].strip("|").split("|")]
    col = head.index("区分")
    commit = next(line for line in table if "(commit)" in line)
    assert [c.strip() for c in commit.strip("|").split("|")][col] == "自動化済み"
    visit = next(line for line in table if "(visit)" in line)
    assert [c.strip() for c in visit.strip("|").split("|")][col] == "住民の手順 (対象外)"
    assert "クイックウィン" not in commit


def test_a_seal_gated_step_says_the_seal_comes_first() -> None:
    files = sorted((ROOT / "processes" / "shishutsu").glob("*.yaml"))
    data = score_json(*files)
    sealed = [s for p in data["processes"] for s in p["steps"]
              if s["role"] == "staff" and any(g["gate"] == "seal" for g in s["gates"])]
    assert sealed
    for s in sealed:
        assert s["quadrant_label"].endswith(": 押印の見直しが先"), s
    unsealed = [s for p in data["processes"] for s in p["steps"] if not any(g["gate"] == "seal" for g in s["gates"])]
    assert not any("押印" in s["quadrant_label"] for s in unsealed)


def _svg_nodes(svg: Path) -> dict[str, tuple[str, str]]:
    """Step id → (fill colour of its shape, its tooltip), read from Graphviz's SVG."""
    out: dict[str, tuple[str, str]] = {}
    for g in ET.parse(svg).getroot().iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        # the group's id is node-<step id>; its <title> is the step's full name (the tooltip)
        sid = (g.get("id") or "").removeprefix("node-")
        link = g.find(f"{SVG}g/{SVG}a")
        # an Element without children is falsy: pick the first filled shape explicitly
        shape = next((e for e in g.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse")), None)
        if sid and link is not None and shape is not None:
            out[sid] = (shape.get("fill", ""), link.get(f"{XLINK}title", ""))
    return out


def test_rpa_overlay_greys_system_steps_and_leaves_residents_out(tmp_path: Path) -> None:
    r = runner.invoke(app, ["render", str(KUNITACHI), "--to", "svg", "-o", str(tmp_path), "--overlay", "rpa"])
    assert r.exit_code == 0, r.output
    svg = tmp_path / "tennyu" / "kunitachi.svg"
    nodes = _svg_nodes(svg)
    assert nodes["commit"][0] == nodes["notify_prev"][0] == "#d9d9d9"
    assert "自動化済み" in nodes["commit"][1] and "RPA 適性 100%" not in nodes["commit"][1]
    assert nodes["visit"][0] == "#f7f7f7" and "住民の手順 (対象外)" in nodes["visit"][1]
    assert "RPA 適性" in nodes["receive"][1]
    legend = svg.read_text("utf-8")
    assert "自動化済み" in legend and "住民の手順 (対象外)" in legend


def test_variant_page_labels_system_steps_automated(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("cities.yaml", "catalogue.yaml"):
        shutil.copy(ROOT / "processes" / name, lib / name)
    shutil.copytree(TENNYU, lib / "tennyu")
    r = runner.invoke(app, ["publish", str(lib), "-o", str(tmp_path / "site")], env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert r.exit_code == 0, r.output
    doc = lxml.html.fromstring((tmp_path / "site" / "p" / "tennyu" / "kunitachi.html").read_bytes())
    levels: dict[str, str] = {}
    for tr in doc.cssselect("#rpa table.score tbody tr"):
        cells = [" ".join(td.text_content().split()) for td in tr.cssselect("td")]
        levels[cells[0]] = " | ".join(cells)
    commit = next(v for k, v in levels.items() if k.startswith("本登録"))
    assert "自動化済み" in commit and "クイックウィン" not in commit
    visit = next(v for k, v in levels.items() if k.startswith("転入届を記入"))
    assert "住民の手順 (対象外)" in visit and "補完" not in visit
