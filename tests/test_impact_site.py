"""The site's 「標準化の効果」: its page, and its sections on city and variant pages, built by
`tamaflow publish` on tests/fixtures/impact/lib and checked against `tamaflow impact`'s JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "tests" / "fixtures" / "impact" / "lib"
runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("site") / "site"
    r = runner.invoke(app, ["publish", str(LIB), "-o", str(out)], env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert r.exit_code == 0, r.output
    d = runner.invoke(app, ["impact", str(LIB), "--format", "json"])
    assert d.exit_code == 0, d.output
    return out, json.loads(d.stdout)


def page(out: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((out / rel).read_bytes())


def words(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def test_impact_page_has_the_commands_numbers_and_a_chart_per_procedure(built: tuple[Path, dict[str, Any]]) -> None:
    out, d = built
    doc = page(out, "impact.html")
    assert doc.findtext(".//h1") == "標準化の効果"
    for proc in d["procedures"]:
        sec = doc.get_element_by_id(f"p-{proc['process']}")
        charts = sec.findall(".//svg")
        assert len(charts) == 1 and charts[0].get("role") == "img" and charts[0].findtext("title")
        assert len(charts[0].findall(".//rect")) >= len(proc["cities"])  # a bar (or two) per city
        rows = {words(tr.find("td")): [words(td) for td in tr.findall("td")] for tr in sec.findall(".//tbody/tr")}
        for c in proc["cities"]:
            row = rows[c["city_name"]]
            assert row[1] == f"{c['hours_now']:,.0f}" and row[4] == f"{c['savings_hours']:,.0f}"
    raw = (out / "impact.html").read_text(encoding="utf-8")
    # a Content-Security-Policy without 'unsafe-inline' must not find anything to refuse
    assert "style=" not in raw and "<style" not in raw
    assert all(s.get("src") for s in doc.iter("script"))


def test_city_and_variant_pages_have_their_section(built: tuple[Path, dict[str, Any]]) -> None:
    out, d = built
    demo = next(p for p in d["procedures"] if p["process"] == "demo")
    midori = next(c for c in demo["cities"] if c["city"] == "midori")
    variant = words(page(out, "p/demo/midori.html").get_element_by_id("impact"))
    assert f"削減{midori['savings_hours']:,.0f} 時間/年" in variant
    assert "押印を廃止する: 決裁 (緑市)+10.0" in variant
    city = page(out, "c/midori.html").get_element_by_id("impact")
    cells = [words(td) for td in city.find(".//tbody/tr").findall("td")]
    assert cells[0] == demo["name"] and cells[3] == f"{midori['savings_hours']:,.0f}"
    assert city.find(".//a[@href='../impact.html']") is not None
