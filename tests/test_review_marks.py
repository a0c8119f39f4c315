"""The cells of the alignment to check: a city's step that is in its row because of where it sits,
not because it says what the other cities' steps say (`Comparison.review`), marked in every
output of `tamaflow compare` and on the published site.

The flows: three cities dispose of records. Kunitachi and Inagi word every step alike. Komae
words the melting watched at the contractor's plant and the file marked as discarded its own
way (verbs the vocabulary does not know), below the label cut. Both steps sit where the other
cities' do, so the fill by place pairs them: right, but on the evidence of the place alone.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import lxml.html
import numpy as np
import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.compare.align import Correspondence, PairAlignment
from tamaflow.compare.evidence import SURE, paired_apart
from tamaflow.compare.grouping import Group

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

SAME = ["申請書の受付", "書類審査", "業者の工場で溶かすところを見届ける", "廃棄済フラグ更新", "月締め（庶務）",
        "課長決裁", "決定通知書の送付"]
FLOWS = {"kunitachi": SAME, "inagi": SAME,
         "komae": ["申請書を受け取る", "書類を審査する", "溶解処理（業者工場・職員立会）",
                   "システムのファイルを「捨てた」に直す", "残りの日数を休暇簿で計算します", "決裁を受ける",
                   "決定通知書を送る"]}
#: Komae's steps paired by their place only
BY_PLACE = {"溶解処理（業者工場・職員立会）", "システムのファイルを「捨てた」に直す"}


@pytest.fixture
def haiki(tmp_path: Path) -> Path:
    folder = tmp_path / "haiki"
    folder.mkdir()
    for city, names in FLOWS.items():
        doc = {"process": "haiki", "name": "文書の廃棄", "city": city, "area": "その他", "volume": 100,
               "source": f"https://example.org/{city}/haiki", "lanes": {"back": "係"},
               "steps": [{"id": f"s{i}", "name": n, "lane": "back"} for i, n in enumerate(names)]}
        (folder / f"{city}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def compare(*args: str) -> str:
    r = runner.invoke(app, ["compare", *args])
    assert r.exit_code == 0, r.output
    return r.stdout


def publish_with(procedure: Path, tmp_path: Path, cities: dict[str, str] | None = None) -> Path:
    """The publish tests' mini library with `procedure` added (and its `cities`, slug → name),
    published; the site's folder."""
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "tests" / "fixtures" / "publish", lib)
    shutil.copytree(procedure, lib / procedure.name)
    if cities:
        known = yaml.safe_load((lib / "cities.yaml").read_text(encoding="utf-8"))
        known["cities"].update({slug: {"name": name} for slug, name in cities.items()})
        (lib / "cities.yaml").write_text(yaml.safe_dump(known, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "site"
    r = runner.invoke(app, ["publish", str(lib), "-o", str(out)], env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert r.exit_code == 0, r.output
    return out


@pytest.mark.parametrize("path", ["exact", "fast"])
def test_json_names_the_steps_worded_apart_with_their_best_similarity(haiki: Path, path: str) -> None:
    doc = json.loads(compare(str(haiki), "--format", "json", *(["--fast"] if path == "fast" else [])))
    flagged = {d["labels"]["komae"]: d["review"] for d in doc["alignment_details"] if "review" in d}
    # only Komae's two steps, and only Komae in their rows: the other two cities share a wording
    assert set(flagged) == BY_PLACE, flagged
    for review in flagged.values():
        assert set(review) == {"komae"} and 0 <= review["komae"] < SURE
    # a step worded another way but saying the same (申請書を受け取る / 申請書の受付) is not flagged
    receipt = next(d for d in doc["alignment_details"] if d["labels"].get("komae") == "申請書を受け取る")
    assert "review" not in receipt and receipt["labels"]["kunitachi"] == "申請書の受付"


def test_the_terminal_and_markdown_tables_mark_them_and_say_what_the_mark_means(haiki: Path) -> None:
    table = compare(str(haiki))
    assert "溶解処理（業者工場・職員立会） ※" in table and "システムのファイルを「捨てた」に直す ※" in table
    assert "申請書を受け取る ※" not in table
    assert table.count("※") == 3  # two marks and the legend
    assert "※ = 要確認" in table and "standard:" in table
    md = compare(str(haiki), "--format", "markdown")
    assert "溶解処理（業者工場・職員立会） ※" in md and "※ = 要確認" in md


def test_a_folder_whose_cities_say_the_same_has_no_mark_and_no_legend(haiki: Path) -> None:
    for city in ("komae",):
        (haiki / f"{city}.yaml").unlink()
    table = compare(str(haiki))
    assert "※" not in table
    doc = json.loads(compare(str(haiki), "--format", "json"))
    assert not any("review" in d for d in doc["alignment_details"])


def test_the_spreadsheet_lists_them_in_a_column_of_their_own(haiki: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(compare(str(haiki), "--format", "csv"))))
    flagged = {r["komae"]: r["review"] for r in rows if r["review"]}
    assert flagged == {label: "komae" for label in BY_PLACE}
    # the label cells stay the labels: a filter on them finds the step as written
    assert all("※" not in v for r in rows for v in r.values())


def test_the_library_table_marks_each_city_row(haiki: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "tests" / "fixtures" / "publish", lib)
    shutil.copytree(haiki, lib / "haiki")
    rows = list(csv.DictReader(io.StringIO(compare(str(lib), "--format", "csv"))))
    marked = {(r["procedure"], r["variant"], r["step"]) for r in rows if r["review"] == "要確認"}
    assert marked == {("haiki", "komae", label) for label in BY_PLACE}


def test_the_site_marks_them_in_the_procedure_alignment_and_explains_the_mark(haiki: Path, tmp_path: Path) -> None:
    out = publish_with(haiki, tmp_path)
    html = lxml.html.fromstring((out / "p" / "haiki" / "index.html").read_bytes())
    marked = [td.text_content().replace("※", "").strip() for td in html.cssselect("table.alignment td")
              if td.cssselect("span.review")]
    assert set(marked) == BY_PLACE
    assert "要確認" in html.cssselect("#alignment p.note")[0].text_content()
    # a procedure without such cells has neither marks nor the note
    other = lxml.html.fromstring((out / "p" / "shinsei" / "index.html").read_bytes())
    assert not other.cssselect("span.review") and not other.cssselect("#alignment p.note")


# ------------------------------------------------------------------------------ paired apart
# A second reason to check a cell: the city's step is in its row through a chain of pairs
# through other cities, while most of the row's other cities, aligned with that city pair by
# pair, pair the step with another of their steps or with none (`Comparison.unpaired`).


def _pair(a: str, b: str, links: list[tuple[int, int]]) -> PairAlignment:
    return PairAlignment(a, b, [Correspondence(x, y, 1.0, 1.0) for x, y in links], np.zeros((3, 3)))


def test_a_member_most_of_its_rows_cities_pair_elsewhere_is_paired_apart() -> None:
    # four cities, a row holding step 0 of each. Cities 0, 1 and 2 pair their step 0 with each
    # other's; city 3's step 0 is paired with city 0's only, cities 1 and 2 pair their step 0
    # with city 3's step 1
    pairs = {(0, 1): _pair("a", "b", [(0, 0)]), (0, 2): _pair("a", "c", [(0, 0)]), (1, 2): _pair("b", "c", [(0, 0)]),
             (0, 3): _pair("a", "d", [(0, 0)]), (1, 3): _pair("b", "d", [(0, 1)]), (2, 3): _pair("c", "d", [(0, 1)])}
    row = Group(members={0: [0], 1: [0], 2: [0], 3: [0]})
    # city 3: one of three pairs it here (1/3); the others: two of three (city 3 against them)
    assert paired_apart([row], pairs) == {(0, 3): round(1 / 3, 4)}
    # a row of two cities is the one pair alignment that made it: nothing to read against
    assert paired_apart([Group(members={1: [0], 3: [0]})], pairs) == {}
    # no pair aligned (the fast path): nothing to read, nothing marked
    assert paired_apart([row], {}) == {}
    # a city's part of merged or split work (two steps in the row) is reported as such already
    assert paired_apart([Group(members={0: [0], 1: [0], 2: [0], 3: [0, 1]})], pairs) == {}


def test_compare_marks_a_step_the_other_cities_pair_elsewhere_in_every_output() -> None:
    # ja-dev4's 市民農園 (four cities; Kiyose writes in plain language): the row of Fussa's and
    # Hino's applications also holds Musashino's allocation of the plots (区画番号を決め…), joined
    # through Kiyose's どの はたけ（くかく）を つかうか きめる. Its wording reads Kiyose's, so it is
    # not worded apart; but pair by pair Fussa and Hino pair their application with Musashino's
    # own (申込書に必要事項をご記入のうえ…), so the cell is marked
    folder = ROOT / "benchmarks" / "data" / "align-ja-dev4" / "shimin-noen"
    doc = json.loads(compare(str(folder), "--format", "json"))
    allot = "区画番号を決め、利用許可証をお送りします"
    row = next(d for d in doc["alignment_details"] if d["labels"].get("musashino") == allot)
    assert row["labels"]["fussa"] == "申込 (窓口 / LoGo)" and row["labels"]["hino"] == "利用申込（往復はがき・電子申請）"
    assert 0 <= row["unpaired"]["musashino"] < 0.5
    assert "musashino" not in row.get("review", {})
    assert f"{allot} ※" in compare(str(folder), "--format", "markdown")
    rows = list(csv.DictReader(io.StringIO(compare(str(folder), "--format", "csv"))))
    assert "musashino" in next(r for r in rows if r["musashino"] == allot)["review"].split(";")
    # every cell either reason marks is listed, and no other
    for d, r in zip(doc["alignment_details"], rows, strict=True):
        assert set(r["review"].split(";")) - {""} == set(d.get("review", {})) | set(d.get("unpaired", {}))


def test_a_deviation_about_a_step_in_a_cell_to_check_is_marked_too(tmp_path: Path) -> None:
    # the same 市民農園: Musashino's allocation of the plots, in the applications' row, is reported
    # as done later than the standard's step and by another lane than the applicants'. Both
    # sentences come from where the alignment put the step; they are marked, in every output
    folder = ROOT / "benchmarks" / "data" / "align-ja-dev4" / "shimin-noen"
    doc = json.loads(compare(str(folder), "--format", "json"))
    musashino = [d for d in doc["deviations"]["musashino"] if d["steps"] == ["kukaku"]]
    assert {d["kind"] for d in musashino} == {"order", "lane"} and all(d["check"] for d in musashino)
    # a marked sentence names a step whose cell is marked; a missing step or a channel never is
    marked = {(city, sid) for d, ids in zip(doc["alignment_details"], doc["alignment"], strict=True)
              for city in set(d.get("review", {})) | set(d.get("unpaired", {}))
              for sid in ([ids[city]] if isinstance(ids[city], str) else ids[city])}
    for city, devs in doc["deviations"].items():
        for d in devs:
            if d["check"]:
                assert d["kind"] in ("order", "lane", "paper", "seal", "extra")
                assert any((city, sid) in marked for sid in d["steps"]) or d["kind"] == "order", d
    md = compare(str(folder), "--format", "markdown")
    assert f"- {musashino[0]['message']} ※" in md and "※ = 要確認の対応付けに基づく違い" in md
    table = compare(str(folder))
    assert "要確認の対応付けに基づく違い" in table
    out = tmp_path / "noen.xlsx"
    compare(str(folder), "--format", "xlsx", "-o", str(out))
    ws = openpyxl.load_workbook(out)["標準との違い"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    flagged = {(r["市"], r["内容"]) for r in rows if r["要確認"] == "要確認"}
    assert {("musashino", d["message"]) for d in musashino} <= flagged
    assert len(flagged) == sum(d["check"] for devs in doc["deviations"].values() for d in devs)


def test_a_folder_without_cells_to_check_marks_no_deviation(haiki: Path) -> None:
    for city in ("komae",):
        (haiki / f"{city}.yaml").unlink()
    doc = json.loads(compare(str(haiki), "--format", "json"))
    assert not any(d["check"] for devs in doc["deviations"].values() for d in devs)
    assert "要確認の対応付けに基づく違い" not in compare(str(haiki), "--format", "markdown")


def test_the_site_marks_the_deviations_that_rest_on_a_cell_to_check(tmp_path: Path) -> None:
    folder = ROOT / "benchmarks" / "data" / "align-ja-dev4" / "shimin-noen"
    out = publish_with(folder, tmp_path, {"hino": "日野市", "kiyose": "清瀬市", "musashino": "武蔵野市"})
    doc = json.loads(compare(str(folder), "--format", "json"))
    for page, cities_on_page in (("index.html", doc["deviations"]), ("musashino.html", {"musashino": doc["deviations"]["musashino"]})):
        html = lxml.html.fromstring((out / "p" / "shimin-noen" / page).read_bytes())
        items = html.cssselect("ul.deviations li")
        shown = [li.text_content().replace("※", "").strip() for li in items if li.cssselect("span.review")]
        # the page's sentences marked are the comparison's marked ones (the library's catalogue
        # and city order do not change this procedure's alignment)
        assert sorted(shown) == sorted(d["message"] for devs in cities_on_page.values() for d in devs if d["check"])
        assert shown and "対応付けが誤りなら" in html.cssselect("#deviations p.note")[0].text_content()


def test_the_business_case_marks_the_changes_that_rest_on_a_cell_to_check(haiki: Path, tmp_path: Path) -> None:
    # the same three cities, every step 10 minutes, but Komae's watched melting takes it an hour:
    # aligning that step to the standard's 10 minutes is most of Komae's saving, and the step is
    # in its row by place alone (worded apart), so the change and its hours are marked
    for f in haiki.glob("*.yaml"):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for s in doc["steps"]:
            s["minutes"] = 60 if s["name"] == "溶解処理（業者工場・職員立会）" else 10
        f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    r = runner.invoke(app, ["impact", str(haiki), "--runs", "0", "--format", "json"])
    assert r.exit_code == 0, r.output
    komae = next(c for c in json.loads(r.stdout)["procedures"][0]["cities"] if c["city"] == "komae")
    marked = [ch for ch in komae["changes"] if ch["check"]]
    # 100 cases × (60 − 10) min / 60 = 83.3 h a year
    assert [(ch["kind"], ch["step"], ch["hours"]) for ch in marked] == [("align", "s2", 83.3)]
    assert komae["savings_to_check_hours"] == 83.3
    # a change about a step whose cell is not marked, or about the standard's own step, is not
    assert all(not ch["check"] for ch in komae["changes"] if ch["step"] != "s2")
    md = runner.invoke(app, ["impact", str(haiki), "--runs", "0", "--format", "markdown"]).stdout
    assert "溶解処理（業者工場・職員立会） (komae) — +83.3 時間/年 ※" in md and "要確認の対応付けに基づく変更" in md
    out = tmp_path / "impact.xlsx"
    assert runner.invoke(app, ["impact", str(haiki), "--runs", "0", "-f", "xlsx", "-o", str(out)]).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["変更点"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    assert [(r["市ID"], r["手順ID"]) for r in rows if r["要確認"] == "要確認"] == [("komae", "s2")]
    pairs = wb["手続×市"]
    head = [c.value for c in pairs[1]]
    by_city = {r[head.index("市ID")].value: r[head.index("うち要確認の対応付け")].value for r in pairs.iter_rows(min_row=2)}
    assert by_city == {"komae": 83.3, "inagi": 0.0, "kunitachi": 0.0}
    # and Komae's page on the site, in its 標準化の効果 section
    site = publish_with(haiki, tmp_path)
    page = lxml.html.fromstring((site / "p" / "haiki" / "komae.html").read_bytes())
    cells = [td.text_content() for td in page.cssselect("#impact table.data td") if td.cssselect("span.review")]
    assert len(cells) == 1 and "溶解処理（業者工場・職員立会）" in cells[0]
    assert "+83.3 時間/年" in page.cssselect("#impact p.note")[0].text_content()
