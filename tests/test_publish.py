"""`tamaflow publish`: the static site, driven through the CLI on the mini library in
tests/fixtures/publish (and on processes/ for the whole-library build).

Browser checks (console errors, diagrams, search running in Chromium) are in
test_publish_browser.py; here the files themselves are checked: pages, escaping, links,
downloads, the search index, determinism, incremental writes and the output-folder guard.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.publish.search import normalize

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "publish"
LIBRARY = ROOT / "processes"
EPOCH = "1700000000"  # 2023-11-14T22:13:20+00:00
SCRIPT_LABEL = "<script>alert(1)</script> 受付"

runner = CliRunner()


def publish(lib: Path, out: Path, *extra: str, epoch: str = EPOCH) -> tuple[int, str]:
    r = runner.invoke(app, ["publish", str(lib), "-o", str(out), *extra], env={"SOURCE_DATE_EPOCH": epoch})
    return r.exit_code, r.output


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def lib(tmp_path: Path) -> Path:
    """A private copy of the mini library (tests may edit it)."""
    dst = tmp_path / "lib"
    shutil.copytree(FIXTURE, dst)
    return dst


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    code, output = publish(FIXTURE, out)
    assert code == 0, output
    return out


def page(site: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / rel).read_bytes())


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


# ---------------------------------------------------------------------------------------- pages


def test_builds_every_page_and_download(site: Path) -> None:
    files = set(tree(site))
    for rel in ("index.html", "search.html", "tamaflow-site.json", "assets/site.css", "assets/search.js",
                "assets/search-index.js", "p/shinsei/index.html", "p/hakko/index.html", "c/komae.html",
                "c/kunitachi.html"):
        assert rel in files, rel
    for proc, cities in {"shinsei": ("kunitachi", "komae", "inagi"), "hakko": ("kunitachi", "fussa")}.items():
        for city in cities:
            for ext in ("html", "yaml", "csv"):
                assert f"p/{proc}/{city}.{ext}" in files
    # a city without a variant gets no page, and no file is written outside the site's folders
    assert "c/inagi.html" in files and not any(f.startswith("c/") and "hachioji" in f for f in files)
    manifest = json.loads((site / "tamaflow-site.json").read_text(encoding="utf-8"))
    assert manifest["generator"] == "tamaflow publish"
    assert manifest["files"] == sorted(files)


def test_home_matrix_counts_and_build_stamp(site: Path) -> None:
    doc = page(site, "index.html")
    assert doc.get("lang") == "ja"
    matrix = doc.cssselect("table.matrix")[0]
    heads = [text(th) for th in matrix.cssselect("thead th")]
    assert heads == ["手続", "国立", "狛江", "稲城", "福生"]  # cities.yaml order, without the 市 every name ends in
    rows = {text(tr.cssselect("th")[0]): [text(td) for td in tr.cssselect("td")] for tr in matrix.cssselect("tbody tr")}
    assert set(rows) == {"テスト申請", "証明書の発行"}
    assert rows["証明書の発行"][1] == "—" and rows["証明書の発行"][2] == "—"  # komae, inagi: not modelled
    assert rows["証明書の発行"][0] != "—" and rows["証明書の発行"][3] != "—"
    # paper / seal / in-person tasks per city, counted from the model
    counts = {text(tr.cssselect("td")[0]): [text(td) for td in tr.cssselect("td")[1:]]
              for tr in doc.cssselect("#paper tbody tr")}
    # 国立市: shinsei (6 tasks: paper accept/review/enter, seal approve, in-person check_id) + hakko (2)
    assert counts["国立市"][:5] == ["2", "8", "4", "1", "2"]
    assert counts["狛江市"][:5] == ["1", "6", "3", "1", "1"]
    assert counts["稲城市"][:5] == ["1", "5", "0", "0", "0"]
    stamp = doc.cssselect("#build time")[0]
    assert text(stamp) == "2023年11月15日 7:13" and stamp.get("datetime") == "2023-11-14T22:13:20+00:00"


def test_variant_page_lists_lanes_steps_sources_downloads(site: Path) -> None:
    doc = page(site, "p/shinsei/kunitachi.html")
    assert text(doc.cssselect("h1")[0]) == "テスト申請 — 国立市"
    lanes = [text(tr.cssselect("td")[0]) for tr in doc.cssselect("#lanes tbody tr")]
    assert lanes == ["申請者", "窓口", "審査担当"]
    rows = doc.cssselect("#steps tbody tr")
    assert [r.get("id") for r in rows] == ["step-apply", "step-check_id", "step-accept", "step-review", "step-ok",
                                           "step-enter", "step-approve"]
    review = text(doc.cssselect("#step-review")[0])
    assert "内容を審査する" in review and "審査担当" in review and "紙" in review and "GEN-030" in review
    assert "決裁" in text(doc.cssselect("#step-approve")[0]) and "要" in text(doc.cssselect("#step-approve")[0])
    gateway = text(doc.cssselect("#step-ok")[0])
    assert "排他分岐" in gateway and "不備あり" in gateway and "10%" in gateway
    assert [a.get("href") for a in doc.cssselect("#sources a")] == ["https://example.org/kunitachi/shinsei"]
    assert all(a.get("rel") == "noopener noreferrer external" for a in doc.cssselect("#sources a"))
    downloads = {a.get("href") for a in doc.cssselect("#downloads a")}
    assert {"kunitachi.yaml", "kunitachi.csv"} <= downloads


def test_downloads_are_the_source_and_a_step_table(site: Path) -> None:
    assert (site / "p/shinsei/komae.yaml").read_bytes() == (FIXTURE / "shinsei/komae.yaml").read_bytes()
    raw = (site / "p/shinsei/komae.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Japanese correctly
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["step_id"] for r in rows] == ["apply", "check_id", "accept", "review", "enter", "approve"]
    accept = rows[2]
    assert accept["name"] == SCRIPT_LABEL and accept["medium"] == "paper" and accept["minutes"] == "2"
    assert rows[4]["access"] == "vdi" and rows[5]["seal"] == "true"


def test_html_in_a_label_is_escaped_everywhere(site: Path) -> None:
    for rel in ("p/shinsei/komae.html", "p/shinsei/index.html", "assets/search-index.js"):
        raw = (site / rel).read_text(encoding="utf-8")
        assert "<script>alert(1)" not in raw, rel
    raw = (site / "p/shinsei/komae.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 受付" in raw
    doc = page(site, "p/shinsei/komae.html")
    # parsed back, it is text of the step cell and there is no script element carrying it
    assert text(doc.cssselect("#step-accept .step-name")[0]) == SCRIPT_LABEL
    assert not any("alert(1)" in (s.text or "") for s in doc.iter("script"))


def test_every_internal_link_and_asset_resolves(site: Path) -> None:
    checked = 0
    for html in sorted(site.rglob("*.html")):
        doc = lxml.html.fromstring(html.read_bytes())
        for el, attr, link, _pos in doc.iterlinks():
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                assert el.tag == "a", f"{html}: external {attr} {link} (the site must work offline)"
                continue
            assert not parts.scheme and not parts.netloc and not link.startswith("/"), f"{html}: {link}"
            if not parts.path:
                continue
            target = (html.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{html.relative_to(site)}: broken {attr}={link}"
            assert site.resolve() in target.parents
            if parts.fragment and target.suffix == ".html":
                ids = set(lxml.html.fromstring(target.read_bytes()).xpath("//@id"))
                assert parts.fragment in ids, f"{html.relative_to(site)}: no #{parts.fragment} in {parts.path}"
            checked += 1
    assert checked > 100


def test_no_network_references_in_assets(site: Path) -> None:
    for f in ("assets/site.css", "assets/search.js", "assets/viewer.js"):
        body = (site / f).read_text(encoding="utf-8")
        assert "http://" not in body and "https://" not in body and "@import" not in body, f


# --------------------------------------------------------------------------------------- search


def test_search_index_covers_procedures_cities_and_steps(site: Path) -> None:
    body = (site / "assets/search-index.js").read_text(encoding="utf-8")
    assert body.startswith("window.TAMAFLOW_SEARCH = [")
    rows = json.loads(body[body.index("["):body.rindex("]") + 1])
    kinds = {r[0] for r in rows}
    assert kinds == {"procedure", "city", "step"}
    hits = [r for r in rows if normalize("本人確認") in r[4]]
    # every step whose name contains 本人確認, in every variant, and nothing else
    assert sorted((r[3]) for r in hits) == sorted([
        "p/hakko/fussa.html#step-check_id", "p/hakko/kunitachi.html#step-check_id",
        "p/shinsei/inagi.html#step-check_id", "p/shinsei/komae.html#step-check_id",
        "p/shinsei/kunitachi.html#step-check_id"])
    assert any(r[0] == "city" and r[1] == "狛江市" for r in rows)
    # NFKC: the index key of "LoGoフォームで申請する" matches a full-width query
    assert any(normalize("ＬＯＧＯフォーム") in r[4] for r in rows)


# -------------------------------------------------------------------------- determinism, output


def test_two_builds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    code, output = publish(FIXTURE, tmp_path / "again")
    assert code == 0, output
    assert tree(tmp_path / "again") == tree(site)


def test_date_comes_from_source_date_epoch(lib: Path, tmp_path: Path) -> None:
    code, _ = publish(lib, tmp_path / "s", epoch="86400")
    assert code == 0
    assert "1970-01-02T00:00:00+00:00" in (tmp_path / "s/index.html").read_text(encoding="utf-8")
    code, output = publish(lib, tmp_path / "s", epoch="tomorrow")
    assert code == 2 and "SOURCE_DATE_EPOCH" in output


def test_rebuild_rewrites_only_what_changed_and_removes_stale_files(lib: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert publish(lib, out)[0] == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    code, output = publish(lib, out)  # a previous tamaflow site: no --force needed
    assert code == 0, output
    assert " 0 written" in output and " 0 removed" in output
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    # change one step of one variant, drop another variant
    f = lib / "hakko/fussa.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("証明書を発行する", "証明書を交付する"), encoding="utf-8")
    (lib / "shinsei/inagi.yaml").unlink()
    code, output = publish(lib, out)
    assert code == 0, output
    assert "証明書を交付する" in (out / "p/hakko/fussa.html").read_text(encoding="utf-8")
    assert not (out / "p/shinsei/inagi.html").exists() and not (out / "c/inagi.html").exists()
    assert (out / "p/hakko/kunitachi.yaml").stat().st_mtime_ns == before[out / "p/hakko/kunitachi.yaml"]


def test_refuses_a_non_empty_folder_that_is_not_a_site(lib: Path, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.txt").write_text("an analyst's file", encoding="utf-8")
    code, output = publish(lib, out)
    assert code == 2
    assert "not a tamaflow site" in output and "--force" in output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    code, output = publish(lib, out, "--force")
    assert code == 0, output
    assert (out / "index.html").is_file()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "an analyst's file"  # never removed
    code, _ = publish(lib, out)  # now it is a tamaflow site
    assert code == 0 and (out / "notes.txt").exists()


def test_refuses_a_file_as_output_and_a_folder_that_is_no_library(lib: Path, tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    code, output = publish(lib, target)
    assert code == 2 and "not a folder" in output
    code, output = publish(lib / "shinsei", tmp_path / "s")
    assert code == 2 and "cities.yaml" in output
    code, output = publish(tmp_path / "nowhere", tmp_path / "s")
    assert code == 2 and "not a folder" in output
    code, output = publish(lib, lib / "site", "--force")
    assert code == 2 and "inside the library" in output
    assert not (lib / "site").exists()


def test_invalid_library_is_not_published_with_strict(lib: Path, tmp_path: Path) -> None:
    f = lib / "hakko/fussa.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("lane: counter\n    minutes: 3", "lane: nowhere\n    minutes: 3", 1),
                 encoding="utf-8")
    code, output = publish(lib, tmp_path / "s", "--strict")
    assert code == 1
    assert "fussa.yaml:" in output and "TF022" in output
    assert not (tmp_path / "s").exists()


@pytest.mark.skipif(not (LIBRARY / "cities.yaml").exists(), reason="the process library processes/ is absent")
def test_whole_library_builds(tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, output = publish(LIBRARY, out)
    assert code == 0, output
    procs = sorted(p.name for p in LIBRARY.iterdir() if p.is_dir())
    variants = sorted(LIBRARY.glob("*/*.yaml"))
    for proc in procs:
        assert (out / "p" / proc / "index.html").is_file()
    for v in variants:
        assert (out / "p" / v.parent.name / f"{v.stem}.html").is_file()
    doc = page(out, "index.html")
    assert len(doc.cssselect("table.matrix tbody tr")) == len(procs)
    linked = {a.get("href") for a in doc.cssselect("table.matrix td a")}
    assert linked == {f"p/{v.parent.name}/{v.stem}.html" for v in variants}


# ------------------------------------------------------------------------------ score sections


def test_variant_page_shows_the_score_models_table(site: Path) -> None:
    from tamaflow.io.yaml_loader import load_process_strict
    from tamaflow.score import score_process

    expected = score_process(load_process_strict(FIXTURE / "shinsei/kunitachi.yaml"))
    doc = page(site, "p/shinsei/kunitachi.html")
    assert not doc.cssselect("#rpa .unavailable")
    rows = doc.cssselect("#rpa table.score tbody tr")
    assert [text(r.cssselect("td a")[0]) for r in rows] == [s.name for s in expected.steps]
    review = next(r for r, s in zip(rows, expected.steps, strict=True) if s.id == "review")
    reasons = [text(li) for li in review.cssselect("ul.reasons li")]
    assert reasons == [" ".join(x.split()) for x in expected.steps[[s.id for s in expected.steps].index("review")].reasons]
    assert reasons  # every score comes with its reasons


def test_home_top_opportunities_follow_the_score_report(site: Path) -> None:
    from tamaflow.io.yaml_loader import load_process_strict
    from tamaflow.score import score_processes

    report = score_processes([load_process_strict(f) for f in sorted(FIXTURE.glob("*/*.yaml"))])
    hours = {(p.name, s.name): s.automatable_hours_per_year for p in report.processes for s in p.steps
             if s.quadrant not in ("reconsider", "automated", "resident", "external")}
    doc = page(site, "index.html")
    got = [(text(tr.cssselect("td")[1]), text(tr.cssselect("td")[3])) for tr in doc.cssselect("#rpa tbody tr")]
    assert got and set(got) <= set(hours)
    # each procedure's best step comes before any procedure's second (see test_site_pages for the library)
    procs = [p for p, _ in got]
    n = len(set(procs))
    assert len(set(procs[:n])) == n
    best = {}
    for (proc, step), h in hours.items():
        if h and (proc not in best or h > best[proc][1]):
            best[proc] = (step, h)
    assert {(p, best[p][0]) for p in procs[:n]} == set(got[:n])


def test_a_failing_analysis_is_marked_unavailable_not_faked(lib: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import tamaflow.app.publish as glue

    real = glue.render_variant

    def broken(p, title=None):  # type: ignore[no-untyped-def]
        if p.city == "komae":
            raise RuntimeError("dot crashed")
        return real(p, title)

    monkeypatch.setattr(glue, "render_variant", broken)
    code, output = publish(lib, tmp_path / "s")
    assert code == 0, output
    assert "warning: render: shinsei/komae: RuntimeError: dot crashed" in output
    out = tmp_path / "s"
    assert not (out / "p/shinsei/komae.bpmn").exists() and not (out / "p/shinsei/komae.svg").exists()
    doc = page(out, "p/shinsei/komae.html")
    assert not doc.cssselect(".bpmn-viewer")
    note = text(doc.cssselect("#diagram .unavailable")[0])
    assert "利用できません" in note and "dot crashed" in note
    assert (out / "p/shinsei/kunitachi.bpmn").is_file()  # the other cities keep their diagrams


# ---------------------------------------------------------------------------- compare sections


def _comparison(proc: str):  # type: ignore[no-untyped-def]
    from tamaflow.compare import catalogue_names, compare_processes
    from tamaflow.io.library import load_library
    from tamaflow.io.yaml_loader import load_process_strict

    order = ["kunitachi", "komae", "inagi", "fussa"]  # cities.yaml order, as the site lists them
    procs = sorted((load_process_strict(f) for f in (FIXTURE / proc).glob("*.yaml")), key=lambda p: order.index(p.city))
    return compare_processes(procs, catalogue_names(load_library(FIXTURE).activities))


def test_procedure_page_shows_compare_results(site: Path) -> None:
    comp = _comparison("shinsei")
    doc = page(site, "p/shinsei/index.html")
    assert not doc.cssselect(".unavailable")
    # standard flow: drawn from the derived standard process, downloadable
    assert doc.cssselect("#standard .bpmn-viewer") and (site / "p/shinsei/standard.bpmn").is_file()
    from lxml import etree

    bpmn = etree.fromstring((site / "p/shinsei/standard.bpmn").read_bytes())
    tasks = bpmn.xpath("//*[local-name()='process']/*[contains(local-name(), 'ask')]/@name")
    assert set(tasks) >= {s.name for s in comp.standard.process.steps if s.is_task}
    # alignment: one row per standard step that compare aligned, in compare's order
    std_names = {s.id: s.name for s in comp.standard.process.steps}
    expected_rows = [std_names[comp.standard_step_of(gi)] for gi in range(len(comp.groups))
                     if comp.standard_step_of(gi) is not None]
    rows = [text(th) for th in doc.cssselect("#alignment tbody tr:not(.extras) th")]
    assert rows == expected_rows
    heads = [text(th) for th in doc.cssselect("#alignment thead th")][1:]
    assert heads == ["国立市", "狛江市", "稲城市"]
    # deviations: compare's sentences, per city
    for city, name in (("kunitachi", "国立市"), ("komae", "狛江市"), ("inagi", "稲城市")):
        h3 = next(h for h in doc.cssselect("#deviations h3") if text(h).startswith(name))
        items = h3.getnext()
        got = [text(li) for li in items.cssselect("li")] if items.tag == "ul" else []
        assert got == [" ".join(d.message.split()) for d in comp.deviations[city]], city


def test_heatmap_is_a_deterministic_svg_picture(site: Path) -> None:
    svg = (site / "p/shinsei/heatmap.svg").read_bytes()
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert b"<dc:date>" not in svg  # no build timestamp
    assert b"<text" not in svg  # glyphs are paths: the browser needs no Japanese font
    assert b"<image" in svg or b"<path" in svg
    assert not (site / "p/hakko/heatmap.svg").read_bytes() == svg
    doc = page(site, "p/shinsei/index.html")
    assert doc.cssselect("#similarity img")[0].get("src") == "heatmap.svg"


def test_similarity_to_the_standard_is_the_same_on_home_and_variant_pages(site: Path) -> None:
    home = page(site, "index.html")
    for a in home.cssselect("table.matrix td a"):
        value = text(a)
        d = float(value)
        assert 0.0 <= d <= 1.0
        variant = page(site, a.get("href"))
        facts = dict(zip([text(x) for x in variant.cssselect("dl.facts dt")],
                         [text(x) for x in variant.cssselect("dl.facts dd")], strict=True))
        assert facts["標準との類似度"] == value
    # one measure on every page, with its legend on the home: 類似度, never 距離
    assert "類似度:" in text(home.cssselect("#matrix .legend")[0])
    for rel in ("index.html", "p/shinsei/index.html", "p/shinsei/kunitachi.html"):
        assert "距離" not in text(page(site, rel)), rel


def test_rebuild_reuses_a_heatmap_drawn_from_the_same_data(site: Path) -> None:
    from tamaflow.publish.heatmap import heatmap_svg

    labels, slugs, m = ["国立市", "狛江市"], ["kunitachi", "komae"], [[1.0, 0.4], [0.4, 1.0]]
    first = heatmap_svg(labels, slugs, m, "t")
    assert heatmap_svg(labels, slugs, m, "t") == first  # deterministic
    marker = first.split(b"\n", 2)[1]
    assert marker.startswith(b"<!-- tamaflow heatmap ")
    fake = b'<?xml version="1.0"?>\n' + marker + b"\n<svg/>"
    assert heatmap_svg(labels, slugs, m, "t", previous=fake) == fake  # same input: not redrawn
    changed = heatmap_svg(labels, slugs, [[1.0, 0.5], [0.5, 1.0]], "t", previous=fake)
    assert changed != fake and changed.split(b"\n", 2)[1] != marker


def test_without_bpmn_js_diagrams_are_static_svg(lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tamaflow.app.publish as glue

    monkeypatch.setattr(glue, "find_bpmn_js", lambda starts: None)
    code, output = publish(lib, tmp_path / "s")
    assert code == 0 and "bpmn-js not found" in output
    out = tmp_path / "s"
    assert not (out / "assets/bpmn-js").exists()
    doc = page(out, "p/shinsei/komae.html")
    assert not doc.cssselect(".bpmn-viewer") and not doc.cssselect("script[src$='viewer.js']")
    assert doc.cssselect("#diagram .diagram-svg img")[0].get("src") == "komae.svg"
    svg = (out / "p/shinsei/komae.svg").read_text(encoding="utf-8")
    assert "<script>alert" not in svg  # the label is escaped in the SVG too
