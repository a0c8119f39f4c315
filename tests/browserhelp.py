"""Shared helpers for the tests that open the published site in headless Debian Chromium.

Why the Chromium command line and not a driver: its flags give what the checks need
(`--dump-dom` after `--virtual-time-budget` waits for the asynchronous bpmn-js import;
`--enable-logging=stderr` prints every console message, CSP violations included, as a `CONSOLE`
line; `--screenshot` for the artefacts), with no extra npm or PyPI package whose browser protocol
version would have to match Debian's Chromium. Our pages write to the console only on errors and
warnings, so any `CONSOLE` line fails a test.

Layout figures (scroll widths, the diagram's zoom) are read by `measure.js`, a script file the
test adds to its own copy of a page: the site itself carries no test code, and the page's CSP
(`script-src 'self'`) admits it because it is a file of the same site.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BPMN_JS = ROOT / "node_modules" / "bpmn-js" / "dist" / "bpmn-navigated-viewer.production.min.js"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0",
         "--hide-scrollbars"]
CONSOLE = re.compile(r":CONSOLE[:(\d]")
#: the marks of every browser test: skipped, with the reason, where Chromium or bpmn-js is missing
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (make sysdeps installs it)"),
    pytest.mark.skipif(not BPMN_JS.is_file(), reason="npm package bpmn-js is not installed (make node installs it)"),
]
#: written by the test into its copy of the site; reports layout figures as attributes of <html>
MEASURE_JS = r"""(function () {
  "use strict";
  function report() {
    var de = document.documentElement;
    de.setAttribute("data-scroll-width", String(de.scrollWidth));
    de.setAttribute("data-client-width", String(de.clientWidth));
    var m = document.querySelector("table.matrix");
    if (m) { de.setAttribute("data-matrix-width", String(Math.ceil(m.getBoundingClientRect().width))); }
    Array.prototype.forEach.call(document.querySelectorAll(".sim, td.none, .tf-badge"), function (el) {
      var cs = window.getComputedStyle(el);
      var bg = cs.backgroundColor, p = el.parentElement;
      while (p && /rgba\(0, 0, 0, 0\)|transparent/.test(bg)) {
        bg = window.getComputedStyle(p).backgroundColor;
        p = p.parentElement;
      }
      el.setAttribute("data-fg", cs.color);
      el.setAttribute("data-bg", /rgba\(0, 0, 0, 0\)|transparent/.test(bg) ? "rgb(255, 255, 255)" : bg);
    });
    Array.prototype.forEach.call(document.querySelectorAll("td, th"), function (el) {
      var r = el.getBoundingClientRect();
      el.setAttribute("data-w", String(Math.ceil(r.width)));
      el.setAttribute("data-h", String(Math.ceil(r.height)));
    });
    Array.prototype.forEach.call(document.querySelectorAll(".bpmn-viewer"), function (el) {
      var vp = el.querySelector("g.viewport");
      var m2 = vp && vp.getCTM && vp.getCTM();
      if (m2) { el.setAttribute("data-scale", String(m2.a)); }
      el.setAttribute("data-box", el.clientWidth + "x" + el.clientHeight);
      var min = Infinity;
      Array.prototype.forEach.call(el.querySelectorAll("text.djs-label"), function (t) {
        var r = t.getBoundingClientRect();
        var fs = parseFloat(window.getComputedStyle(t).fontSize);
        if (r.width > 0 && fs > 0 && m2) { min = Math.min(min, fs * m2.a); }
      });
      if (min !== Infinity) { el.setAttribute("data-min-label-px", String(min)); }
    });
  }
  window.setTimeout(report, 8000);
}());
"""


@dataclass
class Loaded:
    dom: lxml.html.HtmlElement
    console: list[str]


def chromium(url: str, screenshot: Path | None = None, size: str = "1400,1600") -> Loaded:
    """Load `url` in a fresh headless Chromium at `size`; return the DOM after scripts ran and
    every console message. With `screenshot`, a second run saves a PNG of the same page."""
    assert CHROMIUM is not None
    console: list[str] = []
    runs: list[list[str]] = [["--virtual-time-budget=15000", f"--window-size={size}", "--dump-dom"]]
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        runs.append(["--virtual-time-budget=15000", f"--window-size={size}", f"--screenshot={screenshot}"])
    dom_text = ""
    for extra in runs:
        with tempfile.TemporaryDirectory(prefix="tamaflow-chromium-") as profile:
            r = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                               capture_output=True, text=True, timeout=120, check=False)
        assert r.returncode == 0, r.stderr[-2000:]
        console += [line for line in r.stderr.splitlines() if CONSOLE.search(line)]
        if "--dump-dom" in extra:
            dom_text = r.stdout
    if screenshot is not None:
        assert screenshot.is_file() and screenshot.stat().st_size > 10_000
    return Loaded(lxml.html.fromstring(dom_text), console)


def with_measure(page: Path) -> Path:
    """A copy of `page` beside it (`_measure-<name>`) that also runs measure.js from the site's
    assets, so relative links keep working."""
    site = page
    while not (site / "tamaflow-site.json").is_file():
        site = site.parent
    (site / "assets" / "_measure.js").write_text(MEASURE_JS, encoding="utf-8")
    depth = len(page.relative_to(site).parts) - 1
    html = page.read_text(encoding="utf-8").replace(
        "</body>", f'<script src="{"../" * depth}assets/_measure.js"></script>\n</body>')
    copy = page.with_name("_measure-" + page.name)
    copy.write_text(html, encoding="utf-8")
    return copy


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """A local http.server on 127.0.0.1 over `directory`; yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())
