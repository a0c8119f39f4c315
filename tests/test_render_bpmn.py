"""`tamaflow render --to bpmn`: BPMN 2.0 that validates against the OMG XSD, keeps everything the
YAML says (for the round trip), and has a clean swimlane layout. Driven through the CLI."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.io.bpmn.namespaces import BPMN_NS, BPMNDI_NS, DC_NS, DI_NS, TF_NS
from tamaflow.io.yaml_loader import load_process_strict
from tamaflow.model.process import Branch, Lane, Process, Step
from tamaflow.render.bpmn_writer import to_bpmn_bytes
from tamaflow.render.layout import build_layout

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "render"
SHARED = ROOT.parent / "shared"
SPIFF_XSD = Path(pytest.importorskip("SpiffWorkflow").__file__).parent / "bpmn" / "parser" / "schema" / "BPMN20.xsd"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "tf": TF_NS}
LIBRARY = sorted(p for p in (ROOT / "processes").rglob("*.yaml") if p.name not in ("cities.yaml", "catalogue.yaml"))
FIXTURE_FILES = sorted(FIXTURES.glob("*.yaml"))
runner = CliRunner()


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SPIFF_XSD)))


def render_cli(src: Path, out: Path, *fmts: str, force: bool = False) -> Path:
    args = ["render", str(src), "-o", str(out)]
    for f in fmts or ("bpmn",):
        args += ["--to", f]
    if force:
        args.append("--force")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    proc = load_process_strict(src)
    return out / proc.process / f"{proc.city}.{(fmts or ('bpmn',))[0]}"


def parse(path: Path) -> etree._Element:
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()


def one(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath, namespaces=NS)
    assert len(found) == 1, (xpath, found)
    return found[0]


# ----- the fixture with every construct ---------------------------------------------------------

@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> etree._Element:
    out = tmp_path_factory.mktemp("full")
    return parse(render_cli(FIXTURES / "full.yaml", out))


def test_output_path_and_xsd(tmp_path: Path, schema: etree.XMLSchema) -> None:
    path = render_cli(FIXTURES / "full.yaml", tmp_path)
    assert path == tmp_path / "render-full" / "kunitachi.bpmn"
    assert path.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions')
    assert schema.validate(etree.parse(str(path))), schema.error_log


def test_collaboration_pool_and_lanes(full: etree._Element) -> None:
    proc = one(full, "bpmn:process")
    part = one(full, "bpmn:collaboration/bpmn:participant")
    assert part.get("processRef") == proc.get("id")
    assert proc.get("isExecutable") == "false"
    lanes = full.xpath("//bpmn:laneSet/bpmn:lane", namespaces=NS)
    assert [lane.get("name") for lane in lanes] == ["住民", "子ども家庭課 窓口", "子ども家庭課 審査担当", "子ども子育て支援システム"]
    assert [one(lane, "bpmn:extensionElements/tf:lane").get("lane_id") for lane in lanes] == \
        ["resident", "counter", "back", "system"]
    # every flow node belongs to exactly one lane
    refs = [r.text for r in full.xpath("//bpmn:flowNodeRef", namespaces=NS)]
    nodes = [el.get("id") for el in proc if el.get("id") and etree.QName(el).localname not in
             ("sequenceFlow", "laneSet")]
    assert sorted(refs) == sorted(nodes)
    assert "receive" in [r.text for r in lanes[1]]


def test_task_types_by_kind(full: etree._Element) -> None:
    def tag(step_id: str) -> str:
        return str(etree.QName(one(full, f"//*[@id='{step_id}']")).localname)

    assert tag("submit") == "manualTask"
    assert tag("receive") == "receiveTask"
    assert tag("check") == "userTask"
    assert tag("reject") == "userTask"  # approval
    assert one(full, "//*[@id='reject']/bpmn:extensionElements/tf:step").get("kind") == "approval"
    assert tag("ask_fix") == "sendTask"
    assert tag("enter") == "serviceTask"
    assert tag("rule") == "businessRuleTask"
    assert tag("ok") == "exclusiveGateway"
    assert tag("fork") == "parallelGateway"
    assert tag("joined") == "parallelGateway"
    assert tag("start") == "startEvent"
    assert tag("done") == "endEvent"
    assert tag("wait_fix") == "intermediateCatchEvent"
    assert one(full, "//*[@id='wait_fix']/bpmn:messageEventDefinition") is not None
    assert one(full, "//*[@id='wait']/bpmn:timerEventDefinition") is not None
    assert tag("sent") == "intermediateThrowEvent"
    assert one(full, "//*[@id='sent']/bpmn:messageEventDefinition") is not None


def test_conditions_shares_and_default(full: etree._Element) -> None:
    gw = one(full, "//bpmn:exclusiveGateway[@id='ok']")
    flows = full.xpath("//bpmn:sequenceFlow[@sourceRef='ok']", namespaces=NS)
    assert [f.get("name") for f in flows] == ["満たす", "不備あり", "対象外"]
    default = [f for f in flows if f.get("id") == gw.get("default")]
    assert len(default) == 1 and default[0].get("targetRef") == "fork"
    for f in flows:
        cond = one(f, "bpmn:conditionExpression")
        assert cond.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "bpmn:tFormalExpression"
        assert cond.text == f.get("name")
    branches = [one(f, "bpmn:extensionElements/tf:branch") for f in flows]
    assert [(b.get("from"), b.get("to"), b.get("index"), b.get("share"), b.get("default")) for b in branches] == [
        ("ok", "fork", "0", "0.85", "true"), ("ok", "ask_fix", "1", "0.1", None), ("ok", "reject", "2", "0.05", None)]
    # parallel branches carry no conditions
    assert not full.xpath("//bpmn:sequenceFlow[@sourceRef='fork']/bpmn:conditionExpression", namespaces=NS)


def test_merge_gateway_where_flows_meet_a_task(full: etree._Element) -> None:
    """The rework loop (wait_fix → receive) and submit → receive meet at a converging exclusive
    gateway, not at the task (bpmnlint fake-join)."""
    merge = one(full, "//bpmn:exclusiveGateway[@id='_merge_receive']")
    assert one(merge, "bpmn:extensionElements/tf:generated").get("kind") == "merge"
    into_task = full.xpath("//bpmn:sequenceFlow[@targetRef='receive']", namespaces=NS)
    assert [f.get("sourceRef") for f in into_task] == ["_merge_receive"]
    sources = sorted(f.get("sourceRef") for f in full.xpath("//bpmn:sequenceFlow[@targetRef='_merge_receive']",
                                                               namespaces=NS))
    assert sources == ["submit", "wait_fix"]
    # every task and event has at most one incoming flow
    for el in full.xpath("//bpmn:process/*[contains(local-name(), 'Task') or contains(local-name(), 'Event')]",
                         namespaces=NS):
        assert len(el.xpath("bpmn:incoming", namespaces=NS)) <= 1, el.get("id")


def test_round_trip_attributes_are_stored(full: etree._Element) -> None:
    proc = one(full, "bpmn:process/bpmn:extensionElements/tf:process")
    assert (proc.get("process"), proc.get("city"), proc.get("area"), proc.get("volume")) == \
        ("render-full", "kunitachi", "子ども・子育て", "1200")
    assert [x.text for x in proc.xpath("tf:source", namespaces=NS)] == ["https://example.org/jidouteate",
                                                                      "https://example.org/faq"]
    assert [x.text for x in proc.xpath("tf:channel", namespaces=NS)] == ["counter", "post", "mynaportal"]
    assert [x.text for x in proc.xpath("tf:assumed", namespaces=NS)] == ["volume"]
    check = one(full, "//*[@id='check']/bpmn:extensionElements/tf:step")
    assert dict(check.attrib) == {
        "step_id": "check", "index": "3", "name": "内容を審査する", "lane": "back", "kind": "user", "minutes": "10",
        "medium": "paper", "rule_based": "true", "structured": "false", "exceptions": "0.1", "access": "terminal",
        "standard": "JIDO-010"}
    assert [x.text for x in check.xpath("tf:system", namespaces=NS)] == ["子ども子育て支援システム", "Excel"]
    assert one(check, "tf:note").text == "所得判定を含む"
    receive = one(full, "//*[@id='receive']/bpmn:extensionElements/tf:step")
    assert receive.get("seal") == "true" and [x.text for x in receive.xpath("tf:assumed", namespaces=NS)] == ["minutes"]
    enter = one(full, "//*[@id='enter']/bpmn:extensionElements/tf:step")
    assert (enter.get("system_change"), enter.get("next")) == ("true", "joined")
    assert one(full, "//*[@id='joined']/bpmn:extensionElements/tf:step").get("join") == "true"
    assert one(full, "//*[@id='reject']/bpmn:extensionElements/tf:step").get("end") == "true"
    assert "minutes: 10" in one(full, "//*[@id='check']/bpmn:documentation").text


def test_special_characters_escaped(full: etree._Element, tmp_path: Path) -> None:
    receive = one(full, "//bpmn:receiveTask[@id='receive']")
    assert receive.get("name") == '受付 <script>alert("x")</script> & 確認'
    raw = render_cli(FIXTURES / "full.yaml", tmp_path).read_text("utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "&amp; 確認" in raw


def test_ids_that_are_not_ncnames_are_prefixed(tmp_path: Path, schema: etree.XMLSchema) -> None:
    path = render_cli(FIXTURES / "minimal.yaml", tmp_path)
    root = parse(path)
    task = one(root, "//bpmn:userTask[@id='_1st']")
    assert one(task, "bpmn:extensionElements/tf:step").get("step_id") == "1st"
    assert not root.xpath("//bpmn:laneSet", namespaces=NS)  # no lanes declared: a plain pool
    assert schema.validate(etree.parse(str(path))), schema.error_log


def test_deterministic(tmp_path: Path) -> None:
    a = render_cli(FIXTURES / "full.yaml", tmp_path / "a").read_bytes()
    b = render_cli(FIXTURES / "full.yaml", tmp_path / "b").read_bytes()
    assert a == b


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    render_cli(FIXTURES / "full.yaml", tmp_path)
    result = runner.invoke(app, ["render", str(FIXTURES / "full.yaml"), "--to", "bpmn", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "exists: not overwriting it (use --force)" in result.output
    render_cli(FIXTURES / "full.yaml", tmp_path, force=True)


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("process: x\nname: y\ncity: z\nsteps:\n  - id: a\n    name: A\n    next: nowhere\n", "utf-8")
    result = runner.invoke(app, ["render", str(bad), "--to", "bpmn", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{bad}:7:") and "nowhere" in lines[0]
    assert not (tmp_path / "out").exists()


# ----- layout invariants on every fixture and every library file --------------------------------

def check_layout(root: etree._Element) -> None:
    """Every node inside its lane band and the pool, no overlapping shapes, orthogonal edges that
    start and end on their shapes."""
    def bounds(shape: etree._Element) -> tuple[float, float, float, float]:
        b = one(shape, "dc:Bounds")
        return float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height"))

    shapes = {s.get("bpmnElement"): bounds(s) for s in root.xpath("//bpmndi:BPMNShape", namespaces=NS)}
    elements = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert all(k in elements for k in shapes), "a shape points at a missing element"
    pool = shapes[one(root, "//bpmn:participant").get("id")]
    lane_of = {r.text: r.getparent().get("id") for r in root.xpath("//bpmn:flowNodeRef", namespaces=NS)}
    flow_nodes = [k for k in shapes if etree.QName(elements[k]).localname not in ("participant", "lane")]
    assert sorted(flow_nodes) == sorted(
        el.get("id") for el in one(root, "bpmn:process") if el.get("id") and
        etree.QName(el).localname not in ("sequenceFlow", "laneSet"))

    def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
        return (outer[0] <= inner[0] and outer[1] <= inner[1] and inner[0] + inner[2] <= outer[0] + outer[2]
                and inner[1] + inner[3] <= outer[1] + outer[3])

    for n in flow_nodes:
        assert inside(shapes[n], pool), n
        if lane_of:
            assert inside(shapes[n], shapes[lane_of[n]]), (n, lane_of[n])
    for i, a in enumerate(flow_nodes):
        ax, ay, aw, ah = shapes[a]
        for b in flow_nodes[i + 1:]:
            bx, by, bw, bh = shapes[b]
            assert not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), f"{a} overlaps {b}"
    for edge in root.xpath("//bpmndi:BPMNEdge", namespaces=NS):
        flow = elements[edge.get("bpmnElement")]
        pts = [(float(w.get("x")), float(w.get("y"))) for w in edge.xpath("di:waypoint", namespaces=NS)]
        assert len(pts) >= 2
        for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
            assert x1 == x2 or y1 == y2, f"{flow.get('id')} has a diagonal segment"

        def on_border(p: tuple[float, float], box: tuple[float, ...]) -> bool:
            x, y, w, h = box
            return (x <= p[0] <= x + w and y <= p[1] <= y + h) and (p[0] in (x, x + w) or p[1] in (y, y + h))

        assert on_border(pts[0], shapes[flow.get("sourceRef")]), flow.get("id")
        assert on_border(pts[-1], shapes[flow.get("targetRef")]), flow.get("id")


@pytest.mark.parametrize("src", FIXTURE_FILES + LIBRARY, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_valid_and_laid_out(src: Path, tmp_path: Path, schema: etree.XMLSchema) -> None:
    path = render_cli(src, tmp_path)
    assert schema.validate(etree.parse(str(path))), schema.error_log
    check_layout(parse(path))


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "xsd" / "BPMN20.xsd").exists(), reason="../shared/xsd is not present")
@pytest.mark.parametrize("src", FIXTURE_FILES + LIBRARY, ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_xsd(src: Path, tmp_path: Path) -> None:
    xsd = etree.XMLSchema(etree.parse(str(SHARED / "xsd" / "BPMN20.xsd")))
    path = render_cli(src, tmp_path)
    assert xsd.validate(etree.parse(str(path))), xsd.error_log


def test_layout_keeps_lanes_rows_and_loops_apart() -> None:
    """The library API: the rework loop runs below the rows, the default branch stays on the
    main row, and the split's other branches leave through the diamond's corners."""
    flow = build_layout(load_process_strict(FIXTURES / "full.yaml"))
    nodes = flow.node_map()
    edges = {(e.source, e.target): e for e in flow.edges}
    ok = nodes["ok"].bounds
    assert nodes["fork"].bounds.cy == ok.cy  # default branch straight on
    assert edges[("ok", "ask_fix")].waypoints[0] == (ok.cx, ok.y)  # up through the top corner
    assert edges[("ok", "reject")].waypoints[0] == (ok.cx, ok.bottom)
    loop = edges[("wait_fix", "_merge_receive")]
    lowest = max(y for _, y in loop.waypoints)
    assert lowest > nodes["wait_fix"].bounds.bottom and lowest > nodes["receive"].bounds.bottom
    assert loop.waypoints[-1] == (nodes["_merge_receive"].bounds.cx, nodes["_merge_receive"].bounds.bottom)


def test_inclusive_split_and_join(tmp_path: Path, schema: etree.XMLSchema) -> None:
    """Inclusive gateways stay inclusive (bpmnlint only warns: `no-inclusive-gateway`)."""
    root = parse(render_cli(FIXTURES / "full-variant.yaml", tmp_path))
    split = one(root, "//bpmn:inclusiveGateway[@id='extra']")
    assert split.get("name") == "追加で案内するもの"
    default = one(root, f"//bpmn:sequenceFlow[@id='{split.get('default')}']")
    assert default.get("targetRef") == "extra_join" and default.get("name") == "案内なし"
    join = one(root, "//bpmn:inclusiveGateway[@id='extra_join']")
    assert len(join.xpath("bpmn:incoming", namespaces=NS)) == 2
    assert one(join, "bpmn:extensionElements/tf:step").get("join") == "true"


def _random_process(seed: int) -> Process:
    """A random but well-formed process: chains, exclusive splits (forward skips and rework
    loops), parallel regions with joins, unlaned gateways, events."""
    rnd = random.Random(seed)
    lanes = [Lane(f"l{i}", f"担当{i}") for i in range(rnd.randint(1, 5))]
    steps: list[Step] = []
    n = 0

    def new_id() -> str:
        nonlocal n
        n += 1
        return f"{n}x" if rnd.random() < 0.1 else f"s{n}"  # some ids are not NCNames

    def lane() -> str | None:
        return rnd.choice(lanes).id

    pending_loops: list[tuple[Step, str]] = []
    while len(steps) < rnd.randint(8, 40):
        r = rnd.random()
        if r < 0.15 and len(steps) > 2:
            a, b, after = new_id(), new_id(), new_id()
            g = Step(new_id(), name="分岐?", gateway="exclusive", lane=None if rnd.random() < 0.5 else lane(),
                     branches=[Branch(a, when="はい", share=0.5, default=True), Branch(b, when="いいえ", share=0.5)])
            steps += [g, Step(a, name="A", lane=lane(), next=after), Step(b, name="B", lane=lane()),
                      Step(after, name="合流後", lane=lane())]
        elif r < 0.25:
            a, b, j = new_id(), new_id(), new_id()
            steps += [Step(new_id(), gateway="parallel", branches=[Branch(a), Branch(b)]),
                      Step(a, name="並行A", lane=lane(), kind="service", next=j),
                      Step(b, name="並行B", lane=lane(), kind="send", next=j),
                      Step(j, gateway="parallel", join=True)]
        elif r < 0.35 and len(steps) > 3:
            target = rnd.choice([s for s in steps if not s.is_gateway])
            nxt = new_id()
            g = Step(new_id(), name="やり直し?", gateway="exclusive", lane=lane(),
                     branches=[Branch(nxt, when="OK", default=True), Branch(target.id, when="差戻し")])
            steps += [g, Step(nxt, name="続き", lane=lane())]
            pending_loops.append((g, target.id))
        elif r < 0.42:
            steps.append(Step(new_id(), name="待つ", event=rnd.choice(["timer", "message", "signal", "none"]),
                              lane=lane()))
        else:
            steps.append(Step(new_id(), name="手続" * rnd.randint(1, 6), lane=lane(),
                              kind=rnd.choice(["user", "manual", "service", "send", "receive", "rule", "approval"])))
    return Process("random", "ランダム", f"seed{seed}", steps, lanes)


@pytest.mark.parametrize("seed", range(12))
def test_random_processes_lay_out_cleanly(seed: int, tmp_path: Path, schema: etree.XMLSchema) -> None:
    proc = _random_process(seed)
    data = to_bpmn_bytes(proc)
    assert data == to_bpmn_bytes(proc)
    path = tmp_path / "r.bpmn"
    path.write_bytes(data)
    assert schema.validate(etree.parse(str(path))), schema.error_log
    check_layout(parse(path))


@pytest.mark.skipif(not LIBRARY, reason="processes/ holds no process files yet")
def test_pool_named_with_the_library_city_name(tmp_path: Path) -> None:
    """Inside a library, the pool says 立川市, not tachikawa (from processes/cities.yaml)."""
    from tamaflow.io.library import read_cities

    cities, _ = read_cities(str(ROOT / "processes" / "cities.yaml"))
    src = LIBRARY[0]
    proc = load_process_strict(src)
    root = parse(render_cli(src, tmp_path))
    assert one(root, "//bpmn:participant").get("name") == f"{proc.name}（{cities[proc.city].name}）"
    # outside a library the slug stays
    assert one(parse(render_cli(FIXTURES / "minimal.yaml", tmp_path)), "//bpmn:participant").get("name") == \
        "住民票の写し交付（tachikawa）"
