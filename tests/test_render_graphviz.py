"""`tamaflow render --to svg|png|dot` and the overlays, through the CLI on real files."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "render"
FULL = FIXTURES / "full.yaml"
VARIANT = FIXTURES / "full-variant.yaml"
LIBRARY = sorted(p for p in (ROOT / "processes").rglob("*.yaml") if p.name not in ("cities.yaml", "catalogue.yaml"))
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("neato") is None, reason="Graphviz missing: run `make sysdeps`")
runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, ["render", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_dot_lanes_shapes_and_font(tmp_path: Path) -> None:
    run(str(FULL), "--to", "dot", "-o", str(tmp_path))
    dot = (tmp_path / "render-full" / "kunitachi.dot").read_text("utf-8")
    # every position is fixed: lane bands in YAML order, drawn by neato -n2
    assert "neato -n2" in dot.splitlines()[0] and "layout=neato" in dot
    bands = re.findall(r'^  "lane:_lane_(\w+)#0" \[.*pos="[\d.]+,([\d.]+)!"', dot, re.M)
    assert [lane for lane, _ in bands] == ["resident", "counter", "back", "system"]
    ys = [float(y) for _, y in bands]
    assert ys == sorted(ys, reverse=True)  # Graphviz' y grows upwards: the first lane is on top
    assert 'fontname="Meiryo, Yu Gothic, IPAGothic, sans-serif"' in dot
    assert re.search(r'"ok" \[id="node-ok", pos=.*shape=diamond.*label="×"', dot)
    assert re.search(r'"label:ok" \[.*label=<要件を満たすか>', dot)
    assert re.search(r'"fork" \[.*shape=diamond.*label="\+"', dot)
    assert re.search(r'"enter" \[.*shape=component', dot)  # service
    assert re.search(r'"rule" \[.*shape=tab', dot)
    assert re.search(r'"ask_fix" \[.*shape=cds', dot)  # send
    assert re.search(r'"submit" \[.*shape=box, style="filled,rounded,dashed"', dot)  # manual
    assert re.search(r'"done" \[.*shape=circle.*penwidth=3', dot)
    assert re.search(r'"label:_flow_ok_fork" \[.*label=<満たす 85%<BR/>\(既定\)>', dot)
    # the rework loop is drawn dashed red, with the legend saying so
    # (straight to the merge before `receive`, or to a connector when the page wraps between them)
    assert re.search(r'"wait_fix" -> "[^"]*receive[^"]*" \[id="edge-[^"]+", pos="e,[^"]+", style=dashed, color="#c0392b"',
                     dot)
    assert "差し戻し" in dot
    # kinds in plain Japanese, never ユーザー
    assert "職員作業" in dot and "ユーザー" not in dot
    # HTML-like labels escape markup
    label = re.search(r'"(\w+)" \[id="node-\1".*label=<<TABLE[^>]*><TR><TD>(.*?&lt;script.*?)</TD>', dot)
    assert label and label.group(2).replace("<BR/>", "") == "受付 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp; 確認"


@needs_dot
def test_svg_and_png(tmp_path: Path) -> None:
    run(str(FULL), "--to", "svg", "--to", "png", "-o", str(tmp_path))
    svg_path = tmp_path / "render-full" / "kunitachi.svg"
    root = etree.parse(str(svg_path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script")), "a label must never become markup"
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "子ども家庭課" in texts and "審査担当" in texts and "内容を審査する" in texts
    assert any("<script>" in t for t in texts)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    rows = {t for t in titles if t and t.startswith("lane:_lane_back#")}
    assert rows and titles.count("子ども家庭課 審査担当") == len(rows)  # each row's lane header: its whole name
    assert {t.get("font-family") for t in root.iter(f"{SVG}text")} == {"Meiryo, Yu Gothic, IPAGothic, sans-serif"}
    png = (tmp_path / "render-full" / "kunitachi.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


@needs_dot
def test_japanese_font_is_installed() -> None:
    """Without a CJK font, Japanese in PNGs becomes empty boxes (see TOOLING.md)."""
    out = subprocess.run(["fc-match", "IPAGothic"], capture_output=True, text=True, check=False).stdout
    assert "IPA" in out, f"IPAGothic not installed (fonts-ipafont-gothic): fc-match says {out!r}"


def test_dot_is_deterministic(tmp_path: Path) -> None:
    run(str(FULL), "--to", "dot", "-o", str(tmp_path / "a"))
    run(str(FULL), "--to", "dot", "-o", str(tmp_path / "b"))
    a = (tmp_path / "a" / "render-full" / "kunitachi.dot").read_bytes()
    assert a == (tmp_path / "b" / "render-full" / "kunitachi.dot").read_bytes()


def test_diff_overlay(tmp_path: Path) -> None:
    run(str(VARIANT), "--to", "dot", "-o", str(tmp_path), "--overlay", "diff", "--against", str(FULL))
    dot = (tmp_path / "render-full" / "tachikawa.dot").read_text("utf-8")

    def fill(step: str) -> str:
        m = re.search(rf'^\s*"{step}" \[.*?fillcolor="([^"]+)"', dot, re.M)
        assert m, step
        return m.group(1)

    assert fill("extra") == "#9ecae1" and fill("audit") == "#9ecae1"  # added
    assert fill("check") == "#fdd49e"  # minutes changed
    assert fill("ok") == "#fdd49e"  # a branch was removed
    assert fill("enter") == "white"  # unchanged
    assert re.search(r'"check" \[.*tooltip="内容を審査する\\n変更: minutes"', dot)
    assert "kunitachi/render-full にだけある手順: 却下を通知する (reject)" in dot


def test_an_overlay_nothing_would_show_is_refused_before_drawing(tmp_path: Path) -> None:
    # BPMN keeps no colours: asked for with --to bpmn alone, the overlay was silently not drawn
    r = runner.invoke(app, ["render", str(FULL), "--to", "bpmn", "-o", str(tmp_path / "out"), "--overlay", "rpa"])
    assert r.exit_code == 2 and "--to bpmn draws none of them: add --to svg" in r.output
    # a diff against another procedure's file would mark every step as changed
    other = tmp_path / "other.yaml"
    other.write_text(FULL.read_text("utf-8").replace("process: render-full", "process: render-other"), "utf-8")
    r = runner.invoke(app, ["render", str(VARIANT), "--to", "dot", "-o", str(tmp_path / "out"),
                            "--overlay", "diff", "--against", str(other)])
    assert r.exit_code == 2
    assert f"{other}:" in r.output and "--against is a file of procedure `render-other`" in r.output
    assert not (tmp_path / "out").exists()


def test_rpa_overlay(tmp_path: Path) -> None:
    pytest.importorskip("tamaflow.score.estimate")
    run(str(FULL), "--to", "dot", "-o", str(tmp_path), "--overlay", "rpa")
    dot = (tmp_path / "render-full" / "kunitachi.dot").read_text("utf-8")
    assert "RPA 適性" in dot
    tooltips = re.findall(r'^\s*"(\w+)" \[.*tooltip="[^"]*RPA 適性 (\d+)%', dot, re.M)
    scored = {step for step, _ in tooltips}
    assert {"check", "approve"} <= scored
    assert all(0 <= int(p) <= 100 for _, p in tooltips)
    # a step on the system lane is already automated: its own colour, no potential band
    assert "rule" not in scored
    assert re.search(r'^\s*"rule" \[.*fillcolor="#d9d9d9".*tooltip="[^"]*自動化済み', dot, re.M)


@pytest.mark.parametrize("args, message", [
    (["--overlay", "diff"], "--overlay diff needs --against"),
    (["--against", str(FULL)], "--against is only used with --overlay diff"),
])
def test_overlay_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["render", str(FULL), "--to", "svg", "-o", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_same_process_and_city_twice_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(FULL.read_bytes())
    result = runner.invoke(app, ["render", str(FULL), str(copy), "--to", "dot", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "same file" in result.output


@needs_dot
def test_prune_removes_drawings_of_deleted_processes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(str(FIXTURES), "--to", "dot", "-o", str(out))
    stale = out / "gone" / "nowhere.dot"
    stale.parent.mkdir()
    stale.write_text("digraph {}", "utf-8")
    keep = out / "gone" / "notes.txt"
    keep.write_text("an analyst's file", "utf-8")
    run(str(FIXTURES), "--to", "dot", "-o", str(out), "--force", "--prune")
    assert not stale.exists() and keep.exists()
    assert (out / "render-full" / "kunitachi.dot").exists()


@pytest.mark.parametrize("src", LIBRARY, ids=lambda p: str(p.relative_to(ROOT)))
def test_library_dot(src: Path, tmp_path: Path) -> None:
    run(str(src), "--to", "dot", "-o", str(tmp_path))
    (dot,) = tmp_path.rglob("*.dot")
    text = dot.read_text("utf-8")
    assert text.splitlines()[1].startswith("digraph ") and text.endswith("}\n")
