"""`tamaflow publish` in a real browser: headless Debian Chromium on the built site.

How Chromium is driven (its command line, no driver package) is in browserhelp.py.

Pages are served from a local http.server on 127.0.0.1 and, for the variant page and the search,
also opened from file://, which is how a city may open the site from a shared drive.
Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import lxml.html
import pytest
from browserhelp import ARTIFACTS, BROWSER_MARKS, Loaded, chromium, serve, text
from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "publish"
LIBRARY = ROOT / "processes"
SCRIPT_LABEL = "<script>alert(1)</script> 受付"

pytestmark = BROWSER_MARKS


def publish(lib: Path, out: Path) -> None:
    r = CliRunner().invoke(app, ["publish", str(lib), "-o", str(out)], env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert r.exit_code == 0, r.output


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sites under one folder: the mini library (`mini/`) and, when present, processes/ (`lib/`)."""
    root = tmp_path_factory.mktemp("sites")
    publish(FIXTURE, root / "mini")
    if (LIBRARY / "cities.yaml").is_file():
        publish(LIBRARY, root / "lib")
    return root


@pytest.fixture(scope="module")
def server(sites: Path) -> Iterator[str]:
    with serve(sites) as url:
        yield url


@pytest.fixture(scope="module")
def lib_site(sites: Path) -> str:
    if not (sites / "lib" / "index.html").is_file():
        pytest.skip("the process library processes/ is absent")
    return "lib"


def first_variant(site: Path, procedure: str) -> str:
    return sorted(p.stem for p in (site / "p" / procedure).glob("*.html") if p.stem != "index")[0]


def assert_diagram(loaded: Loaded, min_shapes: int) -> None:
    """bpmn-js imported the BPMN: rendered shapes in its SVG, and the bpmn.io watermark shown."""
    viewers = loaded.dom.cssselect(".bpmn-viewer")
    assert viewers, "no diagram container"
    assert all(v.get("data-rendered") == "true" for v in viewers), "bpmn-js did not finish the import"
    shapes = loaded.dom.cssselect(".bpmn-viewer .djs-container svg .djs-element.djs-shape")
    assert len(shapes) >= min_shapes
    assert loaded.dom.cssselect(".bpmn-viewer .bjs-powered-by"), "the bpmn.io watermark must stay visible"
    errors = loaded.dom.cssselect(".bpmn-viewer + p")  # where viewer.js reports a failed import or warnings
    assert not errors, [text(e) for e in errors]


# ---------------------------------------------------------------------------------------- pages


def test_home_page_loads_cleanly(server: str, lib_site: str, sites: Path) -> None:
    loaded = chromium(f"{server}/{lib_site}/index.html", ARTIFACTS / "publish-home.png", "1400,1400")
    assert loaded.console == []
    procs = [p for p in (LIBRARY).iterdir() if p.is_dir()]
    assert len(loaded.dom.cssselect("table.matrix tbody tr")) == len(procs)
    assert len(loaded.dom.cssselect("table.matrix td a")) == len(list(LIBRARY.glob("*/*.yaml")))
    assert "2023年11月15日 7:13" in text(loaded.dom.cssselect("#build")[0])


def test_procedure_page_shows_standard_flow_and_heatmap(server: str, lib_site: str, sites: Path) -> None:
    page = sites / lib_site / "p" / "juminhyo" / "index.html"
    static = lxml.html.fromstring(page.read_bytes())
    if static.cssselect("#standard .unavailable"):
        pytest.skip("compare is unavailable in this build: " + text(static.cssselect("#standard .unavailable")[0]))
    loaded = chromium(f"{server}/{lib_site}/p/juminhyo/index.html", ARTIFACTS / "publish-procedure.png")
    assert loaded.console == []
    assert_diagram(loaded, 5)
    # the heatmap is a picture (an SVG image drawn by matplotlib), not a table of numbers
    img = loaded.dom.cssselect("#similarity img")[0]
    assert img.get("src") == "heatmap.svg"
    assert (page.parent / "heatmap.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert len(loaded.dom.cssselect("#alignment tbody tr")) >= 3


def test_variant_page_shows_zoomable_diagram(server: str, lib_site: str, sites: Path) -> None:
    city = first_variant(sites / lib_site, "juminhyo")
    loaded = chromium(f"{server}/{lib_site}/p/juminhyo/{city}.html", ARTIFACTS / "publish-variant.png")
    assert loaded.console == []
    steps = loaded.dom.cssselect("#steps tbody tr")
    assert_diagram(loaded, len(steps))
    assert [b.get("data-zoom") for b in loaded.dom.cssselect(".diagram-tools button")] == ["in", "out", "fit", "reset"]
    downloads = {a.get("href") for a in loaded.dom.cssselect("#downloads a")}
    assert {f"{city}.{ext}" for ext in ("yaml", "bpmn", "svg", "csv")} <= downloads


def test_variant_page_works_from_file_url(sites: Path) -> None:
    """Opened from disk: scripts and the diagram load without fetch or a server."""
    page = sites / "mini" / "p" / "shinsei" / "kunitachi.html"
    loaded = chromium(page.as_uri(), ARTIFACTS / "publish-variant-file-url.png")
    assert loaded.console == []
    assert_diagram(loaded, 7)


def test_step_named_with_html_is_shown_as_text(server: str, sites: Path) -> None:
    loaded = chromium(f"{server}/mini/p/shinsei/komae.html", ARTIFACTS / "publish-escaped-label.png")
    assert loaded.console == []  # an executed alert() or a broken page would show up here
    assert text(loaded.dom.cssselect("#step-accept .step-name")[0]) == SCRIPT_LABEL
    assert not any("alert(1)" in (s.text or "") for s in loaded.dom.iter("script"))
    # in the diagram too, the label is SVG text, not markup
    labels = " ".join(text(t) for t in loaded.dom.cssselect(".bpmn-viewer svg text"))
    assert "alert(1)" in labels.replace(" ", "")


# --------------------------------------------------------------------------------------- search


def search(base: str, query: str) -> Loaded:
    return chromium(f"{base}/search.html?q={quote(query)}")


def test_search_for_a_japanese_step_name(server: str, sites: Path) -> None:
    loaded = search(f"{server}/mini", "本人確認")
    assert loaded.console == []
    hits = loaded.dom.cssselect("#search-results li")
    steps = [h for h in hits if "hit-step" in h.get("class", "")]
    assert len(steps) == 5  # every step containing 本人確認, in all five variants of the mini library
    assert all("本人確認" in text(h.cssselect("a")[0]) for h in steps)
    assert "5 件" in text(loaded.dom.cssselect("#search-status")[0])
    hrefs = {h.cssselect("a")[0].get("href") for h in steps}
    assert "p/shinsei/inagi.html#step-check_id" in hrefs


def test_search_from_file_url_normalises_width_and_escapes(sites: Path) -> None:
    page = (sites / "mini" / "search.html").as_uri()
    loaded = chromium(page + "?q=" + quote("ＬＯＧＯフォーム"))  # full-width query, NFKC-folded
    assert loaded.console == []
    assert [text(a) for a in loaded.dom.cssselect("#search-results li.hit-step a")] == ["LoGoフォームで申請する"]
    loaded = chromium(page + "?q=" + quote("<script>"))
    assert loaded.console == []
    assert [text(a) for a in loaded.dom.cssselect("#search-results li a")] == [SCRIPT_LABEL]


def test_search_on_the_whole_library(server: str, lib_site: str, sites: Path) -> None:
    loaded = chromium(f"{server}/{lib_site}/search.html?q={quote('本人確認')}", ARTIFACTS / "publish-search.png")
    assert loaded.console == []
    expected = sum(1 for f in LIBRARY.glob("*/*.yaml") for line in f.read_text(encoding="utf-8").splitlines()
                   if re.match(r"\s+name: .*本人確認", line))
    assert expected > 0
    assert len(loaded.dom.cssselect("#search-results li.hit-step")) == expected


# ---------------------------------------------------------------------------------------- links


def test_every_internal_link_of_the_whole_library_resolves(lib_site: str, sites: Path) -> None:
    site = sites / lib_site
    pages = sorted(site.rglob("*.html"))
    ids = {p: set(lxml.html.fromstring(p.read_bytes()).xpath("//@id")) for p in pages}
    broken: list[str] = []
    for html in pages:
        for _el, attr, link, _pos in lxml.html.fromstring(html.read_bytes()).iterlinks():
            parts = urlsplit(link)
            if parts.scheme in ("http", "https") or not parts.path:
                continue
            target = (html.parent / unquote(parts.path)).resolve()
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{html.relative_to(site)}: {attr}={link}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in ids[target]:
                broken.append(f"{html.relative_to(site)}: #{parts.fragment} missing in {parts.path}")
    assert broken == []
