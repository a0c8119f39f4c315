"""The Graphviz SVG as an official reads it, checked by parsing the SVG that `tamaflow render
--to svg` writes for every library file and the render fixtures: lane bands in the declared
order with one left edge, boxes inside their bands, orthogonal flows that stay within the bands
of their two ends, labels off every box and inside their lane, the font fallbacks, kinds in
plain Japanese, 押印/紙/対面 badges with a legend, pages cut into rows that print larger on A4,
and labels that would break the layout (issue 15 part 7) clipped with the full text in the
tooltip."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.io.yaml_loader import load_process_strict
from tamaflow.model.library import LIBRARY_FILES
from tamaflow.render.flow import bpmn_id_for_step
from tamaflow.render.text import text_width

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "render"
LONG = FIXTURES / "long-labels.yaml"
SOURCES = sorted(p for p in (ROOT / "processes").rglob("*.yaml") if p.name not in LIBRARY_FILES) + sorted(
    FIXTURES.glob("*.yaml"))
SVG = "{http://www.w3.org/2000/svg}"
FONT = "Meiryo, Yu Gothic, IPAGothic, sans-serif"
A4 = (842, 595)
#: widest page shape allowed (A4 landscape is 1.41 : 1)
MAX_ASPECT = 2.0
pytestmark = pytest.mark.skipif(shutil.which("neato") is None, reason="Graphviz missing: run `make sysdeps`")
NUM = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, o: Box, slack: float = 0.5) -> bool:
        return self.x0 < o.x1 - slack and o.x0 < self.x1 - slack and self.y0 < o.y1 - slack and o.y0 < self.y1 - slack

    def contains(self, o: Box, slack: float = 0.5) -> bool:
        return (self.x0 - slack <= o.x0 and o.x1 <= self.x1 + slack and self.y0 - slack <= o.y0
                and o.y1 <= self.y1 + slack)

    def has(self, x: float, y: float, slack: float = 0.5) -> bool:
        return self.x0 - slack <= x <= self.x1 + slack and self.y0 - slack <= y <= self.y1 + slack


def _points(el: etree._Element) -> list[tuple[float, float]]:
    if el.tag == f"{SVG}ellipse":
        cx, cy, rx, ry = (float(el.get(k, "0")) for k in ("cx", "cy", "rx", "ry"))
        return [(cx - rx, cy - ry), (cx + rx, cy + ry)]
    nums = [float(v) for v in NUM.findall(el.get("points") or el.get("d") or "")]
    return list(zip(nums[::2], nums[1::2], strict=False))


def _box(pts: list[tuple[float, float]]) -> Box:
    return Box(min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))


def outline(g: etree._Element) -> Box:
    """The box of a node's first drawn shape (its outline; badges and pins come later)."""
    el = next(e for e in g.iter(f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse"))
    return _box(_points(el))


@dataclass
class Drawing:
    root: etree._Element
    groups: dict[str, etree._Element]

    def ids(self, prefix: str) -> list[str]:
        return [k for k in self.groups if k.startswith(prefix)]

    def texts(self, key: str) -> list[str]:
        return ["".join(t.itertext()) for t in self.groups[key].iter(f"{SVG}text")]

    def title(self, key: str) -> str:
        if key not in self.groups:
            return ""
        t = self.groups[key].find(f"{SVG}title")
        return (t.text or "") if t is not None else ""

    def bands(self) -> dict[int, list[tuple[str, Box]]]:
        """Lane bands per row, top to bottom, with the lane's full name."""
        rows: dict[int, list[tuple[str, Box]]] = {}
        for k in self.ids("lane-"):
            row = int(k.rsplit("#", 1)[1])
            rows.setdefault(row, []).append((self.title("laneheader-" + k[len("lane-"):]), outline(self.groups[k])))
        return {r: sorted(v, key=lambda x: x[1].y0) for r, v in sorted(rows.items())}


def read(path: Path) -> Drawing:
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)).getroot()
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    return Drawing(root, groups)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Drawing]:
    """Every library file and render fixture drawn as SVG through the CLI, in one run each."""
    out = tmp_path_factory.mktemp("svg")
    runner = CliRunner()
    for src in (ROOT / "processes", FIXTURES):
        result = runner.invoke(app, ["render", str(src), "--to", "svg", "-o", str(out)])
        assert result.exit_code == 0, result.output
    found = {}
    for src in SOURCES:
        p = load_process_strict(src)
        found[src] = read(out / p.process / f"{p.city}.svg")
    return found


def test_lanes_follow_the_declared_order_with_one_left_edge(drawn: dict[Path, Drawing]) -> None:
    for src, d in drawn.items():
        p = load_process_strict(src)
        declared = [lane.name for lane in p.lanes] or [""]  # a process without lanes: one plain band
        bands = d.bands()
        lefts, rights = set(), set()
        for row, lanes in bands.items():
            assert [name for name, _ in lanes] == declared, f"{src} row {row}"
            for (_, a), (_, b) in zip(lanes, lanes[1:], strict=False):
                assert abs(a.y1 - b.y0) < 1, f"{src}: bands of row {row} must touch"
            lefts |= {round(b.x0) for _, b in lanes}
            rights |= {round(b.x1) for _, b in lanes}
        assert len(lefts) == 1 and len(rights) == 1, f"{src}: left edges {lefts}, right edges {rights}"


def test_kunitachi_tennyu_lanes(drawn: dict[Path, Drawing]) -> None:
    """The case of the issue: resident, counter, back, system, not 転入者, 窓口, システム, 審査."""
    d = drawn[ROOT / "processes" / "tennyu" / "kunitachi.yaml"]
    for lanes in d.bands().values():
        assert [n for n, _ in lanes] == ["転入者", "市民課 窓口", "市民課 審査担当", "住民記録システム"]
    card = outline(d.groups["node-card_update"])
    label = outline(d.groups["label-_flow_card_holder_merge_guide"])
    assert " ".join(d.texts("label-_flow_card_holder_merge_guide")) == "カードなし 65% (既定)"
    assert not label.overlaps(card)


def _band_of(d: Drawing, box: Box) -> Box:
    bands = [b for lanes in d.bands().values() for _, b in lanes]
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return next(b for b in bands if b.has(cx, cy))


def test_boxes_inside_bands_and_labels_off_boxes(drawn: dict[Path, Drawing]) -> None:
    for src, d in drawn.items():
        nodes = {k: outline(d.groups[k]) for k in d.ids("node-")}
        for k, b in nodes.items():
            assert _band_of(d, b).contains(b), f"{src}: {k} leaves its lane"
        for k in d.ids("label-"):
            lb = outline(d.groups[k])
            owner = k[len("label-"):]
            for nk, nb in nodes.items():
                assert not lb.overlaps(nb), f"{src}: label {owner} runs over {nk}"
            assert _band_of(d, lb).contains(lb), f"{src}: label {owner} leaves its lane"
            if f"node-{owner}" in nodes:  # an event's or gateway's name: in its own lane
                assert _band_of(d, lb) == _band_of(d, nodes[f"node-{owner}"]), f"{src}: {owner}"
            for t in d.groups[k].iter(f"{SVG}text"):  # the text fits the label's box
                size = float(t.get("font-size", "9"))
                assert text_width("".join(t.itertext())) * size / 11 <= lb.x1 - lb.x0 + 1, f"{src}: {owner}"


def test_start_label_inside_its_lane(drawn: dict[Path, Drawing]) -> None:
    for src, d in drawn.items():
        p = load_process_strict(src)
        start = next((s for s in p.steps if s.event == "start" and s.name), None)
        if start is None or not p.lanes:
            continue
        sid = bpmn_id_for_step(start.id)
        node, label = outline(d.groups[f"node-{sid}"]), outline(d.groups[f"label-{sid}"])
        assert _band_of(d, node).contains(label), src


def test_flows_are_orthogonal_and_stay_between_their_lanes(drawn: dict[Path, Drawing]) -> None:
    for src, d in drawn.items():
        for k in d.ids("edge-"):
            path = d.groups[k].find(f"{SVG}path")
            assert path is not None
            pts = _points(path)
            for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
                assert abs(ax - bx) < 0.01 or abs(ay - by) < 0.01, f"{src}: {k} has a diagonal"
            ends = [_band_of(d, Box(x, y, x, y)) for x, y in (pts[0], pts[-1])]
            span = Box(min(b.x0 for b in ends), min(b.y0 for b in ends), max(b.x1 for b in ends),
                       max(b.y1 for b in ends))
            assert all(span.has(x, y) for x, y in pts), f"{src}: {k} runs through another lane"


def test_fonts_kinds_badges_and_legend(drawn: dict[Path, Drawing]) -> None:
    for src, d in drawn.items():
        texts = list(d.root.iter(f"{SVG}text"))
        assert texts and {t.get("font-family") for t in texts} == {FONT}, src
        words = ["".join(t.itertext()) for t in texts]
        assert not any("ユーザー" in w for w in words), src
        p = load_process_strict(src)
        legend = " ".join(d.texts("legend")) if "legend" in d.groups else ""
        for s in p.steps:
            if not s.is_task:
                continue
            shown = d.texts(f"node-{bpmn_id_for_step(s.id)}")
            want = (["押印"] if s.seal else []) + {"paper": ["紙"], "in-person": ["対面"]}.get(s.medium or "", [])
            assert [w for w in shown if w in ("押印", "紙", "対面")] == want, f"{src}: {s.id} {shown}"
            for badge, meaning in (("押印", "押印が必要"), ("紙", "紙の書類"), ("対面", "対面する")):
                if badge in want:
                    assert meaning in legend, f"{src}: the legend must explain {badge}"
        if any(s.kind == "user" and s.is_task for s in p.steps):
            assert any("職員作業" in w for w in words), src


def test_wide_processes_are_wrapped_onto_rows(drawn: dict[Path, Drawing]) -> None:
    """No drawing is much wider than A4 landscape (√2 : 1; one long row of 国立市's 転入届 was 4.8 : 1
    before the wrapping); wrapped rows are joined by numbered
    connector pairs, each with a flow into the first and out of the second."""
    wrapped = 0
    for src, d in drawn.items():
        w, h = (float(d.root.get(k, "0").removesuffix("pt")) for k in ("width", "height"))
        fits = w <= A4[0] and h <= A4[1]  # prints at full size as it is: nothing to gain by cutting
        assert w / h <= MAX_ASPECT or fits, f"{src}: {w:.0f} × {h:.0f} pt"
        connectors = sorted(d.ids("connector-"))
        if len(d.bands()) > 1:
            wrapped += 1
            assert connectors, src
        numbers = [d.texts(k)[0] for k in connectors]
        assert all(numbers.count(n) == 2 for n in numbers), src
        edges = {k: (d.title(k).split("->")) for k in d.ids("edge-")}
        for k in connectors:
            name = "connector:" + k[len("connector-"):]
            role = 1 if k.endswith("a") else 0  # an `a` circle ends a piece, a `b` circle starts one
            assert any(ends[role] == name for ends in edges.values()), f"{src}: {k} is not joined"
    assert wrapped >= 10, "the library's long procedures are wrapped"
    kunitachi = drawn[ROOT / "processes" / "tennyu" / "kunitachi.yaml"]
    assert len(kunitachi.bands()) >= 2
    # a drawing that fits A4 at full size is not cut
    assert len(drawn[FIXTURES / "minimal.yaml"].bands()) == 1


def test_long_odd_labels_are_clipped_with_the_full_text_in_the_tooltip(drawn: dict[Path, Drawing]) -> None:
    d = drawn[LONG]
    p = load_process_strict(LONG)
    steps = p.step_map()
    huge = d.groups["node-huge"]
    box = outline(huge)
    assert box.y1 - box.y0 < 200 and box.x1 - box.x0 <= 121
    lines = [t for t in d.texts("node-huge") if t.startswith("長い")]
    assert 1 < len(lines) <= 7 and lines[-1].endswith("…")
    assert d.title("node-huge") == steps["huge"].name and len(steps["huge"].name) == 1_000  # the longest accepted
    for sid in ("apply", "rtl", "zero_width", "done"):
        assert d.title(f"node-{sid}") == steps[sid].name  # the tooltip keeps the text as written
    assert any("review" in t for t in d.texts("node-rtl"))
    w, h = (float(d.root.get(k, "0").removesuffix("pt")) for k in ("width", "height"))
    assert w < 3000 and h < 2000
    header = next(k for k in d.ids("laneheader-") if "counter" in k)
    assert d.title(header) == p.lanes[1].name and d.texts(header)[-1].endswith("…")
    cond = d.ids("label-_flow_ok_done")[0]
    assert d.texts(cond)[-1].endswith("…") and d.title(cond).startswith("条件がとても長い場合" * 99)


BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "tf": "https://tamaflow.example/schema/bpmn"}


def test_long_odd_labels_in_png_and_bpmn(tmp_path: Path) -> None:
    """The PNG stays page-sized; BPMN names are clipped for the modeler's boxes while
    bpmn:documentation (and tf:lane for a lane) keep the whole text. XSD, bpmnlint, bpmn-js and
    the YAML round trip run on this fixture with the others (test_acceptance_tools,
    test_roundtrip)."""
    result = CliRunner().invoke(app, ["render", str(LONG), "--to", "png", "--to", "bpmn", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    png = (tmp_path / "render-long-labels" / "kunitachi.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width < 4000 and height < 4000
    p = load_process_strict(LONG)
    steps = p.step_map()
    root = etree.parse(str(tmp_path / "render-long-labels" / "kunitachi.bpmn")).getroot()
    huge = root.find(".//bpmn:userTask[@id='huge']", BPMN_NS)
    assert huge is not None
    name = huge.get("name", "")
    assert name.endswith("…") and 20 < len(name) < 120
    doc = huge.findtext("bpmn:documentation", namespaces=BPMN_NS) or ""
    assert doc.splitlines()[0] == "name: " + steps["huge"].name
    apply = root.find(".//bpmn:manualTask[@id='apply']", BPMN_NS)
    assert apply is not None and apply.get("name") == steps["apply"].name  # emoji kept: it fits
    lane = root.find(".//bpmn:lane[@name]/bpmn:extensionElements/tf:lane[@lane_id='counter']/../..", BPMN_NS)
    assert lane is not None and lane.get("name", "").endswith("…")
    assert lane.findtext("bpmn:documentation", namespaces=BPMN_NS) == p.lanes[1].name
    flow = root.find(".//bpmn:sequenceFlow[@id='_flow_ok_done']", BPMN_NS)
    assert flow is not None and flow.get("name", "").endswith("…")
    assert (flow.findtext("bpmn:conditionExpression", namespaces=BPMN_NS) or "") == steps["ok"].branches[0].when


def test_svg_is_deterministic(tmp_path: Path) -> None:
    src = ROOT / "processes" / "tennyu" / "kunitachi.yaml"
    for out in ("a", "b"):
        result = CliRunner().invoke(app, ["render", str(src), "--to", "svg", "-o", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    a = (tmp_path / "a" / "tennyu" / "kunitachi.svg").read_bytes()
    assert a == (tmp_path / "b" / "tennyu" / "kunitachi.svg").read_bytes()


def test_graphviz_finds_every_text_inside_its_box(tmp_path: Path) -> None:
    """Graphviz measures the text with the installed fonts and warns `size too small for label`
    when a fixed-size box cannot hold it: never, for the fixtures (long labels included), one
    file of every procedure and an overlay with its legend."""
    one_each = sorted({p.parent: p for p in SOURCES if p.parent != FIXTURES}.values())
    runner = CliRunner()
    for args in ([str(FIXTURES), *map(str, one_each)],
                 [str(ROOT / "processes" / "tennyu" / "kunitachi.yaml"), "--overlay", "rpa"]):
        out = tmp_path / str(len(args))
        result = runner.invoke(app, ["render", *args, "--to", "dot", "-o", str(out)])
        assert result.exit_code == 0, result.output
        dots = sorted(out.rglob("*.dot"))
        assert dots
        for dot in dots:
            proc = subprocess.run(["neato", "-n2", "-Tsvg", str(dot)], capture_output=True, text=True, check=False)
            assert proc.returncode == 0 and proc.stdout.startswith("<?xml"), proc.stderr
            assert "too small" not in proc.stderr, f"{dot}: {proc.stderr}"
