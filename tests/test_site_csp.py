"""The site's Content-Security-Policy (issue 15 part 5): every page carries the meta tag, no page
has inline script, and the pages still work under it from file:// and over http in Chromium
with no console message (a blocked script or style is reported on the console)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from browserhelp import BROWSER_MARKS, chromium, serve, text
from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "publish"

browser = BROWSER_MARKS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csp") / "site"
    r = CliRunner().invoke(app, ["publish", str(FIXTURE), "-o", str(out)], env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert r.exit_code == 0, r.output
    return out


def policy(doc: lxml.html.HtmlElement) -> dict[str, list[str]]:
    metas = doc.xpath('//meta[translate(@http-equiv, "CONTENT-SECURITY-POLICY", "content-security-policy")'
                      '="content-security-policy"]')
    assert len(metas) == 1, "one CSP meta tag"
    head = doc.find("head")
    assert head is not None and metas[0].getparent() is head
    # before anything it governs: no script or stylesheet may precede it
    before = head[: list(head).index(metas[0])]
    assert not [e for e in before if e.tag in ("script", "link", "style")]
    out: dict[str, list[str]] = {}
    for part in metas[0].get("content", "").split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_every_page_carries_the_policy_and_no_inline_script(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        doc = lxml.html.fromstring(page.read_bytes())
        csp = policy(doc)
        assert csp["default-src"] == ["'self'"], page
        assert csp["script-src"] == ["'self'"], page
        assert csp["object-src"] == ["'none'"], page
        assert not any("unsafe" in w for w in csp["script-src"] + csp["default-src"])
        for script in doc.iter("script"):
            assert script.get("src"), f"{page}: inline script"
            assert not (script.text or "").strip(), f"{page}: a script with both src and a body"
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            # inline styles are refused too (default-src 'self'): Chromium would log each one
            assert el.tag != "style" and "style" not in el.attrib, f"{page}: inline style on <{el.tag}>"
            handlers = [a for a in el.attrib if a.lower().startswith("on")]
            assert not handlers, f"{page}: inline event handler {handlers} on <{el.tag}>"
            for attr in ("href", "src", "action"):
                assert not el.get(attr, "").strip().lower().startswith("javascript:"), page


def _check(url: str, *, diagram: bool = False, hits: int | None = None) -> None:
    loaded = chromium(url)
    assert loaded.console == [], loaded.console
    if diagram:
        viewers = loaded.dom.cssselect(".bpmn-viewer")
        assert viewers and all(v.get("data-rendered") == "true" for v in viewers), "bpmn-js did not run"
        assert loaded.dom.cssselect(".bpmn-viewer .djs-container svg .djs-shape")
    if hits is not None:
        assert len(loaded.dom.cssselect("#search-results li")) == hits, text(loaded.dom.cssselect("#search-status")[0])


PAGES = [("index.html", {}), ("p/shinsei/index.html", {"diagram": True}),
         ("p/shinsei/kunitachi.html", {"diagram": True}), ("c/kunitachi.html", {}),
         ("search.html?q=" + quote("本人確認"), {"hits": 5})]


@browser[0]
@browser[1]
@browser[2]
@pytest.mark.parametrize(("rel", "expect"), PAGES, ids=[p for p, _ in PAGES])
@pytest.mark.parametrize("how", ["file", "http"])
def test_pages_work_under_the_policy(site: Path, rel: str, expect: dict[str, object], how: str) -> None:
    if how == "file":
        path, _, query = rel.partition("?")
        _check((site / path).as_uri() + ("?" + query if query else ""), **expect)  # type: ignore[arg-type]
    else:
        with serve(site) as base:
            _check(f"{base}/{rel}", **expect)  # type: ignore[arg-type]


@browser[0]
@browser[1]
def test_the_policy_is_enforced(site: Path) -> None:
    """The check above can fail: an inline script added to a page is refused, and Chromium says so."""
    page = site / "c" / "kunitachi.html"
    bad = page.with_name("_inline.html")
    bad.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", '<script>document.body.setAttribute("data-ran", "yes")</script></body>'), encoding="utf-8")
    loaded = chromium(bad.as_uri())
    assert loaded.dom.find("body").get("data-ran") is None
    assert any(re.search(r"Content Security Policy", line) for line in loaded.console), loaded.console
