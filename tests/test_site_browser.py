"""The published site as an official sees it at 1366×768 in Chromium (issue 13 part 7, issue 15
part 7): no horizontal scroll on the home page except inside the matrix, readable contrast of
every similarity cell as rendered, diagrams legible at first view (labels ≥ 10 px) with their
marks, and labels that would break a layout (10,000 characters, right-to-left, zero-width
characters, emoji, HTML) kept in bounds. Screenshots go to test-artifacts/site-*.png."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browserhelp import ARTIFACTS, BROWSER_MARKS, Loaded, chromium, text, with_measure
from test_site_pages import LONG_NAME, RTL_NAME, build_whole, long_label_library, publish

SIZE = "1366,768"
MIN_LABEL_PX = 10

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_whole(tmp_path_factory)


def load(page: Path, shot: str) -> Loaded:
    loaded = chromium(with_measure(page).as_uri(), ARTIFACTS / f"site-{shot}.png", SIZE)
    assert loaded.console == [], loaded.console
    return loaded


def no_page_scroll(loaded: Loaded) -> None:
    html = loaded.dom.getroottree().getroot()
    assert int(html.get("data-scroll-width")) <= int(html.get("data-client-width")), (
        html.get("data-scroll-width"), html.get("data-client-width"))


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two `rgb(r, g, b)` colours."""

    def lum(c: str) -> float:
        r, g, b = (int(x) / 255 for x in re.findall(r"\d+", c)[:3])
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula() -> None:
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert contrast("rgb(26, 95, 180)", "rgb(124, 196, 127)") < 4.5  # link blue on the light green band


def test_home_fits_1366_and_every_cell_meets_wcag_aa(whole: Path) -> None:
    loaded = load(whole / "index.html", "home")
    no_page_scroll(loaded)
    cells = loaded.dom.cssselect("table.matrix .sim, table.matrix td.none, p.legend .sim")
    assert len(cells) > 100
    low = {(c.get("class"), c.get("data-fg"), c.get("data-bg")) for c in cells
           if contrast(c.get("data-fg"), c.get("data-bg")) < 4.5}
    assert not low, low
    # the city heads are horizontal and on one line: no head taller than two rows of text
    heads = loaded.dom.cssselect("table.matrix thead th.city")
    assert len(heads) == 26 and max(int(h.get("data-h")) for h in heads) < 40


@pytest.mark.parametrize(("rel", "shot"), [("p/tennyu/index.html", "procedure"), ("p/tennyu/kunitachi.html", "variant"),
                                           ("p/juminhyo/index.html", "procedure-juminhyo")])
def test_diagrams_are_legible_at_first_view(whole: Path, rel: str, shot: str) -> None:
    loaded = load(whole / rel, shot)
    no_page_scroll(loaded)
    viewer = loaded.dom.cssselect(".bpmn-viewer")[0]
    assert viewer.get("data-rendered") == "true"
    assert float(viewer.get("data-min-label-px")) >= MIN_LABEL_PX - 0.01, viewer.get("data-min-label-px")
    assert loaded.dom.cssselect(".bpmn-viewer .bjs-powered-by")


def test_variant_diagram_marks_seal_paper_and_deviations(whole: Path) -> None:
    # 支出負担行為・支出命令 in 日野市: seals on the approval steps, and steps that differ from the standard
    loaded = load(whole / "p" / "shishutsu" / "hino.html", "variant-marks")
    no_page_scroll(loaded)
    viewer = loaded.dom.cssselect(".bpmn-viewer")[0]
    marks = json.loads(viewer.get("data-marks"))
    steps = {tr.get("id")[5:]: [text(td) for td in tr.cssselect("td")] for tr in loaded.dom.cssselect("#steps tbody tr")}
    assert {sid for sid, m in marks.items() if "seal" in m["m"]} == {sid for sid, c in steps.items() if c[10] == "要"}
    for kind, badge in (("deviation", "違い"), ("seal", "印"), ("paper", "紙"), ("in-person", "対面")):
        want = {sid for sid, m in marks.items() if kind in m["m"]}
        if kind in ("deviation", "seal"):
            assert want, kind
        got = {el.get("data-element-id") for el in loaded.dom.cssselect(f".djs-element.tf-{kind}")}
        assert got == want, kind
        assert [text(b) for b in loaded.dom.cssselect(".djs-overlay .tf-badge")].count(badge) == len(want)
    for b in loaded.dom.cssselect(".tf-badge"):
        assert contrast(b.get("data-fg"), b.get("data-bg")) >= 4.5, b.get("class")
    assert len(loaded.dom.cssselect("ul.diagram-legend li")) == 4


def test_labels_that_break_layouts_stay_in_bounds(tmp_path: Path) -> None:
    publish(long_label_library(tmp_path), tmp_path / "site")
    loaded = load(tmp_path / "site" / "p" / "shinsei" / "komae.html", "long-labels")
    no_page_scroll(loaded)
    cell = loaded.dom.cssselect("#step-accept td.step")[0]
    assert int(cell.get("data-w")) <= 480 and int(cell.get("data-h")) <= 400, (cell.get("data-w"), cell.get("data-h"))
    # the diagram: every label short, the whole name in the shape's tooltip, HTML shown as text
    labels = [text(t) for t in loaded.dom.cssselect(".bpmn-viewer svg text")]
    assert labels and max(len(x.replace(" ", "")) for x in labels) <= 41
    titles = [t.text_content() for t in loaded.dom.cssselect(".bpmn-viewer svg title")]
    assert LONG_NAME in titles
    assert any("<script>" in x for x in labels)
    assert not [s for s in loaded.dom.iter("script") if not s.get("src")]
    assert RTL_NAME.split()[0] in " ".join(labels)
    # the search shows the cut name, with the whole one as its tooltip
    hit = chromium((tmp_path / "site" / "search.html").as_uri() + "?q=%E7%94%B3%E8%AB%8B%E6%9B%B8%E3%81%AE%E8%A8%98%E8%BC%89",
                   size=SIZE)
    assert hit.console == []
    links = hit.dom.cssselect("#search-results li.hit-step a")
    assert [a.get("title") for a in links] == [LONG_NAME] and len(text(links[0])) <= 81
