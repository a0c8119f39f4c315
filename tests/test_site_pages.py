"""What an official reads on the published site (issue 13 part 7), checked in the files that
`tamaflow publish` writes for the mini library and for processes/: the home's matrix heads, lead
and build time, the paper/seal/in-person table with per-procedure rates, the balanced RPA list and
its reasons in sentences, consistent decimals, and the search by attribute.

Layout in a browser (scroll widths, contrast as rendered, diagram zoom) is in test_site_browser.py.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections import Counter
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.publish.text import column_digits, jst, short_city, truncate

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "publish"
LIBRARY = ROOT / "processes"
EPOCH = "1700000000"  # 2023-11-14T22:13:20+00:00 = 2023年11月15日 7:13 in Japan


def publish(lib: Path, out: Path, epoch: str = EPOCH) -> None:
    r = CliRunner().invoke(app, ["publish", str(lib), "-o", str(out)], env={"SOURCE_DATE_EPOCH": epoch})
    assert r.exit_code == 0, r.output


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mini") / "site"
    publish(FIXTURE, out)
    return out


def build_whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of processes/ in a fresh folder (skips when the library is absent)."""
    if not (LIBRARY / "cities.yaml").is_file():
        pytest.skip("the process library processes/ is absent")
    out = tmp_path_factory.mktemp("whole") / "site"
    publish(LIBRARY, out)
    return out


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_whole(tmp_path_factory)


def page(site: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / rel).read_bytes())


def text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def decimals(cell: str) -> int:
    m = re.fullmatch(r"[\d,]+(?:\.(\d+))?", cell)
    assert m, cell
    return len(m.group(1) or "")


# ------------------------------------------------------------------------------------------ home


def test_build_time_is_shown_in_japan_time_from_source_date_epoch(tmp_path: Path) -> None:
    # 2026-11-29 08:30 UTC is 17:30 in Japan; the same input gives the same bytes
    publish(FIXTURE, tmp_path / "a", epoch="1795941000")
    publish(FIXTURE, tmp_path / "b", epoch="1795941000")
    doc = page(tmp_path / "a", "index.html")
    stamp = doc.cssselect("#build time")[0]
    assert text(stamp) == "2026年11月29日 17:30"
    assert stamp.get("datetime") == "2026-11-29T08:30:00+00:00"
    assert (tmp_path / "a" / "index.html").read_bytes() == (tmp_path / "b" / "index.html").read_bytes()
    assert jst("不明") == "不明" and jst("2026-01-02T00:05:00+09:00") == "2026年1月2日 0:05"


def test_home_lead_counts_cities_once_and_matrix_heads_read_horizontally(mini: Path) -> None:
    doc = page(mini, "index.html")
    lead = text(doc.cssselect("p.lead")[0])
    assert "、4 市、" in lead and "市 4 市" not in lead
    heads = doc.cssselect("table.matrix thead th.city")
    assert [text(h) for h in heads] == ["国立", "狛江", "稲城", "福生"]
    assert [h.cssselect("abbr")[0].get("title") for h in heads] == ["国立市", "狛江市", "稲城市", "福生市"]
    assert not doc.cssselect("table.matrix .vertical")
    css = (mini / "assets" / "site.css").read_text(encoding="utf-8")
    assert "writing-mode: vertical" not in css
    assert short_city("府中市") == "府中" and short_city("市") == "市"


def test_paper_table_shows_procedures_modelled_and_rates_per_procedure(mini: Path) -> None:
    doc = page(mini, "index.html")
    heads = [text(th) for th in doc.cssselect("#paper thead th")]
    assert "モデル化した手続" in heads and "1 手続あたり" in heads
    rows = {text(tr.cssselect("td")[0]): [text(td) for td in tr.cssselect("td")[1:]] for tr in doc.cssselect("#paper tbody tr")}
    # 国立市: 2 procedures, 8 tasks, paper 4, seal 1, in person 2 → 2.0, 0.5, 1.0 per procedure
    assert rows["国立市"] == ["2", "8", "4", "1", "2", "2.0", "0.5", "1.0"]
    assert rows["狛江市"] == ["1", "6", "3", "1", "1", "3.0", "1.0", "1.0"]


def _top(site: Path) -> list[dict[str, str]]:
    doc = page(site, "index.html")
    out = []
    for tr in doc.cssselect("#rpa tbody tr"):
        td = tr.cssselect("td")
        out.append({"proc": text(td[1]), "city": text(td[2]), "step": text(td[3]), "href": td[3].cssselect("a")[0].get("href"),
                    "hours": text(td[4]), "score": text(td[5]), "why": text(td[6])})
    return out


def test_rpa_top_list_is_balanced_over_procedures_without_reconsider_steps(whole: Path) -> None:
    from tamaflow.io.yaml_loader import load_process_strict
    from tamaflow.score import score_process

    top = _top(whole)
    assert len(top) == 15
    per_proc = Counter(r["proc"] for r in top)
    n_procs = len([d for d in LIBRARY.iterdir() if d.is_dir()])
    # 13 procedures share 15 places: nobody gets a third before everyone with a candidate got one
    assert max(per_proc.values()) <= math.ceil(15 / min(n_procs, 15)) + 0, per_proc
    assert len({(r["proc"], r["step"]) for r in top}) == len(top), "a step is listed once per procedure"
    for r in top:
        assert "再検討" not in r["score"]
        # the figures are the score model's: the hours of that step in that city
        m = re.match(r"p/([^/]+)/([^.]+)\.html#step-(.+)", r["href"])
        assert m
        proc, city, step = m.groups()
        ps = score_process(load_process_strict(LIBRARY / proc / f"{city}.yaml"))
        s = next(x for x in ps.steps if x.id == step)
        assert s.quadrant not in ("reconsider", "automated", "resident", "external")
        assert s.automatable_hours_per_year is not None
        assert float(r["hours"].replace(",", "")) == pytest.approx(s.automatable_hours_per_year, abs=0.51)
    assert {decimals(r["hours"]) for r in top} == {0}  # hours a year: whole hours, in every row


def test_main_reason_reads_as_a_sentence(whole: Path) -> None:
    for r in _top(whole):
        why = r["why"]
        assert why.startswith("作業時間の約 ") and re.search(r"実装の容易性は \d+/100 です(（難点: [^）]+）)?。$", why), why
        assert "→" not in why and " / " not in why and "適合度" not in why, why


# --------------------------------------------------------------------------------- variant page


def test_attribute_tables_keep_short_values_on_one_line_and_decimals_per_column(whole: Path) -> None:
    checked = 0
    for html in sorted((whole / "p").glob("*/*.html")):
        if html.name == "index.html":
            continue
        doc = lxml.html.fromstring(html.read_bytes())
        for tr in doc.cssselect("table.steps tbody tr"):
            for td in tr.cssselect("td"):
                if text(td) in ("はい", "いいえ", "要"):
                    assert "nw" in td.get("class", ""), f"{html.name}: 「{text(td)}」 may wrap"
        for table, cols in (("table.steps", [4]), ("table.score", [1, 2, 4, 5])):
            rows = [[text(td) for td in tr.cssselect("td")] for tr in doc.cssselect(f"{table} tbody tr")]
            for c in cols:
                cells = [r[c] for r in rows if r[c] not in ("", "—")]
                assert len({decimals(x) for x in cells}) <= 1, f"{html.name} {table} column {c}: {cells}"
        checked += 1
    assert checked >= 50
    assert column_digits([2.5, 3, None]) == 1 and column_digits([2, 3.0]) == 0 and column_digits([1.04]) == 0


def test_variant_diagram_carries_marks_and_a_legend(mini: Path) -> None:
    doc = page(mini, "p/shinsei/komae.html")
    viewer = doc.cssselect(".bpmn-viewer")[0]
    marks = json.loads(viewer.get("data-marks"))
    # komae: accept on paper, approve needs a seal, check_id in person (tests/fixtures/publish/shinsei/komae.yaml)
    assert "seal" in marks["approve"]["m"]
    assert "in-person" in marks["check_id"]["m"]
    legend = [text(li) for li in doc.cssselect("ul.diagram-legend li")]
    assert len(legend) == 4 and any("押印" in x for x in legend) and any("標準フローと違う" in x for x in legend)
    # deviations from the standard are marked on the steps they concern
    inagi = json.loads(page(mini, "p/shinsei/inagi.html").cssselect(".bpmn-viewer")[0].get("data-marks"))
    devs = [k for k, v in inagi.items() if "deviation" in v["m"]]
    assert devs and all(inagi[k]["t"] for k in devs)


# ---------------------------------------------------------------------------------------- search


def test_search_finds_steps_by_attribute(mini: Path) -> None:
    from tamaflow.io.yaml_loader import load_process_strict

    body = (mini / "assets" / "search-index.js").read_text(encoding="utf-8")
    rows = json.loads(body[body.index("[") : body.rindex("]") + 1])
    steps = [r for r in rows if r[0] == "step"]
    procs = [load_process_strict(f) for f in sorted(FIXTURE.glob("*/*.yaml"))]
    for word, has in (("押印", lambda s: bool(s.seal)), ("紙", lambda s: s.medium == "paper"),
                      ("対面", lambda s: s.medium == "in-person")):
        expected = {f"p/{p.process}/{p.city}.html#step-{s.id}" for p in procs for s in p.steps
                    if s.name and (has(s) or word in s.name)}
        assert expected, word
        assert {r[3] for r in steps if word in r[4]} == expected, word


def test_truncate_keeps_emoji_sequences_and_marks_whole() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert truncate("あ" * 79 + family + "い", 80).endswith("あ…")
    assert truncate("e\u0301" * 50, 81) == "e\u0301" * 40 + "…"  # the mark stays with its letter
    assert truncate("短い") == "短い"


def test_labels_that_break_layouts_stay_bounded_and_escaped(tmp_path: Path) -> None:
    lib = long_label_library(tmp_path)
    publish(lib, tmp_path / "site")
    doc = page(tmp_path / "site", "p/shinsei/komae.html")
    name = doc.cssselect("#step-accept .step-name bdi")[0]
    assert name.get("title") == LONG_NAME
    assert len(text(name)) <= 81 and text(name).endswith("…")
    assert text(doc.cssselect("#step-accept details.full p")[0]) == LONG_NAME  # the documentation keeps it whole
    for sel, want in (("#step-review .step-name", RTL_NAME), ("#step-enter .step-name", ZW_NAME)):
        assert doc.cssselect(sel)[0].text_content() == want
    assert not [s for s in doc.iter("script") if not s.get("src")]
    assert "<script>alert" not in (tmp_path / "site" / "p" / "shinsei" / "komae.html").read_text(encoding="utf-8")


#: 1,000 characters, the longest label `validate` accepts (TF018)
LONG_NAME = ("<script>alert(1)</script>" + "申請書の記載内容を確認する" * 80)[:998] + "受付"
#: right-to-left text (a bidi override in it is refused by `validate`, TF019)
RTL_NAME = "مراجعة الطلب تم 審査"
ZW_NAME = "入\u200b力\u200d👩\u200d💻\ufe0f 🏛️"


def long_label_library(tmp_path: Path) -> Path:
    """A copy of the mini library whose komae steps carry a 1,000-character name (with HTML),
    right-to-left text, and zero-width characters with emoji."""
    assert len(LONG_NAME) == 1_000
    lib = tmp_path / "lib"
    shutil.copytree(FIXTURE, lib)
    f = lib / "shinsei" / "komae.yaml"
    y = f.read_text(encoding="utf-8")
    names = {}
    for sid, new in (("accept", LONG_NAME), ("review", RTL_NAME), ("enter", ZW_NAME)):
        m = re.search(rf"- id: {sid}\n(\s+)name: (.*)\n", y)
        assert m, sid
        names[sid] = m.group(2)
        y = y.replace(m.group(0), f"- id: {sid}\n{m.group(1)}name: {json.dumps(new, ensure_ascii=False)}\n")
    f.write_text(y, encoding="utf-8")
    return lib
