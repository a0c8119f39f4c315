"""Acceptance against the real BPMN tools, never mocked: every rendered file (the render fixtures
and the whole `processes/` library) validates against the OMG BPMN 2.0 XSD, `bpmnlint` with the
repo's `.bpmnlintrc` reports 0 errors, and bpmn-js imports it in headless Chromium with 0
warnings, every shape and lane present, and the bpmn.io watermark kept.

The tools come from the Makefile (`make test` runs `sysdeps` and `node` first); when one is
missing the test skips and says which command installs it.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "render"
SHARED = ROOT.parent / "shared"
ARTIFACTS = ROOT / "test-artifacts"
BPMNLINT = ROOT / "node_modules" / ".bin" / "bpmnlint"
VIEWER = ROOT / "node_modules" / "bpmn-js" / "dist" / "bpmn-viewer.development.js"
SPIFF_XSD = Path(pytest.importorskip("SpiffWorkflow").__file__).parent / "bpmn" / "parser" / "schema" / "BPMN20.xsd"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run"]
NS = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI", "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}

needs_node = pytest.mark.skipif(not BPMNLINT.exists() or not VIEWER.exists(),
                                reason="npm packages missing: run `make node` (npm ci)")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium missing: run `make sysdeps`")

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<style>html, body, #canvas { margin: 0; width: 100%; height: 100%; }</style>
<script src="bpmn-viewer.development.js"></script></head>
<body><div id="canvas"></div><pre id="result">pending</pre>
<script>
// Import each listed diagram into a fresh viewer; write the outcome into the DOM for --dump-dom.
(async function () {
  const params = new URLSearchParams(location.search);
  const files = params.get('file') ? [params.get('file')] : await (await fetch('files.json')).json();
  const keep = !!params.get('file');
  const results = [];
  for (const file of files) {
    const container = document.getElementById('canvas');
    container.innerHTML = '';
    const viewer = new BpmnJS({ container: container });
    try {
      const xml = await (await fetch(file)).text();
      const r = await viewer.importXML(xml);
      const reg = viewer.get('elementRegistry');
      const root = viewer.get('canvas').getRootElement();
      viewer.get('canvas').zoom('fit-viewport');
      results.push({
        file: file,
        warnings: r.warnings.map(w => String(w.message)),
        elements: reg.filter(e => e !== root && e.type !== 'label').length,
        lanes: reg.filter(e => e.type === 'bpmn:Lane').length,
        watermark: !!container.querySelector('.bjs-powered-by')
      });
    } catch (e) {
      results.push({ file: file, error: String(e), warnings: (e.warnings || []).map(w => String(w.message)) });
    }
    if (!keep) { viewer.destroy(); }
  }
  document.getElementById('result').textContent = 'RESULT:' + JSON.stringify(results) + ':END';
})();
</script></body></html>
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every fixture and library process rendered to BPMN through the CLI."""
    out = tmp_path_factory.mktemp("bpmn")
    runner = CliRunner()
    sources = [str(FIXTURES)] + ([str(ROOT / "processes")] if (ROOT / "processes").is_dir() else [])
    for src in sources:
        result = runner.invoke(app, ["render", src, "--to", "bpmn", "-o", str(out)])
        assert result.exit_code == 0, result.output
    files = sorted(out.rglob("*.bpmn"))
    assert len(files) >= len(list(FIXTURES.glob("*.yaml")))
    return files


def test_xsd_spiffworkflow_schema(rendered: list[Path]) -> None:
    xsd = etree.XMLSchema(etree.parse(str(SPIFF_XSD)))
    bad = {str(f): str(xsd.error_log) for f in rendered if not xsd.validate(etree.parse(str(f)))}
    assert not bad


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "xsd" / "BPMN20.xsd").exists(), reason="../shared/xsd is not present")
def test_xsd_shared_schema(rendered: list[Path]) -> None:
    xsd = etree.XMLSchema(etree.parse(str(SHARED / "xsd" / "BPMN20.xsd")))
    bad = {str(f): str(xsd.error_log) for f in rendered if not xsd.validate(etree.parse(str(f)))}
    assert not bad


@needs_node
def test_bpmnlint_reports_no_errors(rendered: list[Path]) -> None:
    """`bpmnlint:recommended` as configured in the repo. Warnings are allowed (e.g.
    `no-inclusive-gateway`, a warning in 11.15.0: inclusive gateways are part of the format);
    errors are not."""
    proc = subprocess.run([str(BPMNLINT), "-c", str(ROOT / ".bpmnlintrc"), *map(str, rendered)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    errors = [line for line in report.splitlines() if re.search(r"\berror\b", line)]
    assert not errors, report
    summary = re.search(r"(\d+) errors?", report)
    assert summary is None or summary.group(1) == "0", report


def _lint_one(path: Path) -> str:
    proc = subprocess.run([str(BPMNLINT), "-c", str(ROOT / ".bpmnlintrc"), str(path)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, check=False)
    return proc.stdout + proc.stderr


@needs_node
def test_bpmnlint_catches_a_broken_file(rendered: list[Path], tmp_path: Path) -> None:
    """The lint run is real: a task without a name is an error."""
    text = rendered[0].read_text("utf-8")
    broken = re.sub(r'(<bpmn:\w+Task id="[^"]+") name="[^"]*"', r"\1", text, count=1)
    assert broken != text
    bad = tmp_path / "broken.bpmn"
    bad.write_text(broken, "utf-8")
    assert "label-required" in _lint_one(bad)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def site(rendered: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The viewer page, its script and every rendered file, served on 127.0.0.1."""
    if CHROMIUM is None or not VIEWER.exists():
        pytest.skip("chromium or bpmn-js missing: run `make sysdeps node`")
    root = tmp_path_factory.mktemp("site")
    shutil.copy(VIEWER, root / VIEWER.name)
    (root / "index.html").write_text(PAGE, "utf-8")
    names = []
    for i, f in enumerate(rendered):
        name = f"d{i:03d}-{f.parent.name}-{f.name}"
        shutil.copy(f, root / name)
        names.append(name)
    (root / "files.json").write_text(json.dumps(names), "utf-8")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html", root
    finally:
        server.shutdown()
        server.server_close()


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def _expected(path: Path) -> tuple[int, int]:
    """Shapes + edges and lanes in the file, which bpmn-js must all show."""
    root = etree.parse(str(path)).getroot()
    drawn = len(root.xpath("//bpmndi:BPMNShape | //bpmndi:BPMNEdge", namespaces=NS))
    return drawn, len(root.xpath("//bpmn:lane", namespaces=NS))


@needs_node
@needs_chromium
def test_bpmn_js_imports_every_file_without_warnings(site: tuple[str, Path], rendered: list[Path],
                                                      tmp_path: Path) -> None:
    url, root = site
    proc = _chromium(tmp_path, "--virtual-time-budget=15000", "--window-size=1600,1000", "--dump-dom", url)
    found = re.search(r'<pre id="result">RESULT:(.*?):END</pre>', proc.stdout, re.S)
    assert found, f"page did not finish: {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    results = json.loads(html.unescape(found.group(1)))
    assert len(results) == len(rendered)
    names = json.loads((root / "files.json").read_text("utf-8"))
    for res, name, src in zip(results, names, rendered, strict=True):
        assert res["file"] == name
        assert "error" not in res, res
        assert res["warnings"] == [], (src, res["warnings"])
        drawn, lanes = _expected(src)
        assert res["elements"] == drawn, (src, res)
        assert res["lanes"] == lanes, (src, res)
        assert res["watermark"], "the bpmn.io watermark must stay visible"


@needs_node
@needs_chromium
def test_bpmn_js_screenshot_shows_the_diagram(site: tuple[str, Path], rendered: list[Path],
                                              tmp_path: Path) -> None:
    """A screenshot of the full fixture, kept in test-artifacts/ for people to look at."""
    url, root = site
    names = json.loads((root / "files.json").read_text("utf-8"))
    name = next(n for n in names if n.endswith("-render-full-kunitachi.bpmn"))
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "bpmn-js-render-full.png"
    shot.unlink(missing_ok=True)
    _chromium(tmp_path, "--virtual-time-budget=15000", "--window-size=1800,1000", f"--screenshot={shot}",
              f"{url}?file={name}")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
    # the same page in dump mode: one diagram, lanes drawn, watermark kept
    proc = _chromium(tmp_path, "--virtual-time-budget=15000", "--window-size=1800,1000", "--dump-dom",
                     f"{url}?file={name}")
    assert 'class="bjs-powered-by"' in proc.stdout
    assert proc.stdout.count('data-element-id="_lane_') == 4
