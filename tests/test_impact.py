"""`tamaflow impact`: hand-computed cases, the Monte-Carlo, and agreement with `score`, all through
the CLI on files (tests/fixtures/impact/lib/ and the real library in processes/).

The hand computations are written next to the assertions so a reader can check them. The model
values they use are pinned in tests/fixtures/impact/pinned-model.yaml, so a recalibration of the
score defaults does not change them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "impact"
LIB = FIX / "lib"
PINNED = str(FIX / "pinned-model.yaml")
runner = CliRunner()


def run(*args: str) -> Any:
    r = runner.invoke(app, ["impact", *args])
    assert r.exit_code == 0, r.output
    return r


def data(*args: str) -> dict[str, Any]:
    return json.loads(run(*args, "--format", "json").stdout)


def cities(d: dict[str, Any], process: str) -> dict[str, dict[str, Any]]:
    proc = next(p for p in d["procedures"] if p["process"] == process)
    return {c["city"]: c for c in proc["cities"]}


def test_two_cities_by_hand() -> None:
    """demo: 青葉市 (1,200 件) receive 10 / enter 10 (例外 0.2) / approve 4 min; 緑市 (600 件)
    receive 4 / enter 20 (例外 0) / approve 6 min with a seal. Every step visited once.

    Standard: medians receive 7, enter 15 (例外 0.1), approve 5 = 27 min; the seal goes (of two
    cities the first seen, 青葉市's no-seal, is the majority tie-break of compare).
    Automatable per case: receive 7 × suitability (1 + 0 + 1)/3 = 4.667; enter 15 × 1 × (1 − 0.1)
    = 13.5; approve 0 (approval gate) → 18.1667 min, × realisation 0.8.
    青葉市: now 1200 × 24/60 = 480; standard 1200 × 27/60 = 540; RPA 1200 × 18.1667/60 × 0.8 =
    290.67 → standard+RPA 249.33; savings 230.67 (standardisation −60, RPA 290.67).
    緑市: now 600 × 30/60 = 300; standard 270; RPA 145.33 → 124.67; savings 175.33 (30 + 145.33).
    """
    d = data(str(LIB / "demo"), "--runs", "0", "--config", PINNED)
    got = cities(d, "demo")
    aoba, midori = got["aoba"], got["midori"]
    assert (aoba["hours_now"], aoba["hours_standard"], aoba["hours_standard_rpa"]) == (480.0, 540.0, 249.3)
    assert (aoba["savings_hours"], aoba["savings_standard_hours"], aoba["savings_rpa_hours"]) == (230.7, -60.0, 290.7)
    assert (midori["hours_now"], midori["hours_standard"], midori["hours_standard_rpa"]) == (300.0, 270.0, 124.7)
    assert (midori["savings_hours"], midori["savings_standard_hours"], midori["savings_rpa_hours"]) == (175.3, 30.0, 145.3)
    assert (midori["seals_removed"], aoba["seals_removed"]) == (1, 0)
    seal = [c for c in midori["changes"] if c["kind"] == "seal"]
    # 決裁 600 × 6/60 = 60 h now, 600 × 5/60 = 50 h in the standard: the change frees 10 h
    assert seal == [{"kind": "seal", "step": "approve", "text": "押印を廃止する: 決裁 (緑市)", "hours": 10.0, "check": False}]
    rpa = {c["step"]: c["hours"] for c in aoba["changes"] if c["kind"] == "rpa"}
    assert rpa == {"enter": 216.0, "receive": 74.7}  # 1200 × 13.5/60 × 0.8, 1200 × 4.667/60 × 0.8
    # the standardisation changes add up to the standardisation savings
    assert sum(c["hours"] for c in aoba["changes"] if c["kind"] != "rpa") == pytest.approx(-60.0, abs=0.15)
    # ranked by savings; region totals are the sums
    assert [c["city"] for c in d["procedures"][0]["cities"]] == ["aoba", "midori"]
    assert d["totals"]["hours_now"] == 780.0 and d["totals"]["savings_hours"] == 406.0
    assert "savings_yen" not in d["totals"] and d["config"]["hourly_cost"] is None


def test_city_identical_to_standard_saves_nothing_by_standardising() -> None:
    """median: 乙市's minutes (6, 12, 3) and exception rates are the medians of the three cities,
    so the standard is its own flow: no standardisation savings and no change but RPA."""
    got = cities(data(str(LIB / "median"), "--runs", "0", "--config", PINNED), "median")
    y = got["y"]
    assert y["savings_standard_hours"] == 0.0
    assert y["hours_standard"] == y["hours_now"] == 105.0  # 300 × 21/60
    assert {c["kind"] for c in y["changes"]} == {"rpa"}
    assert got["x"]["savings_standard_hours"] != 0.0


def test_hourly_cost_gives_yen_and_nothing_else_does() -> None:
    d = data(str(LIB / "demo"), "--runs", "0", "--config", PINNED, "--hourly-cost", "2000")
    aoba = cities(d, "demo")["aoba"]
    assert aoba["savings_yen"] == 461333  # 230.667 h × 2,000 円
    assert d["config"]["hourly_cost"] == 2000.0
    bad = runner.invoke(app, ["impact", str(LIB), "--hourly-cost", "0"])
    assert bad.exit_code == 2 and "--hourly-cost" in bad.output and "Traceback" not in bad.output


def test_monte_carlo_is_reproducible_and_ordered() -> None:
    """Real files with assumed minutes, exceptions and volumes: same seed, same bytes; a range
    that is a range; another seed, other draws."""
    folder = str(ROOT / "processes" / "jido-teate")
    a = run(folder, "--format", "json", "--runs", "300", "--seed", "7").stdout
    b = run(folder, "--format", "json", "--runs", "300", "--seed", "7").stdout
    c = run(folder, "--format", "json", "--runs", "300", "--seed", "8").stdout
    assert a == b
    assert a != c
    d = json.loads(a)
    for city in d["procedures"][0]["cities"]:
        assert city["savings_p10"] <= city["savings_p50"] <= city["savings_p90"]
        assert city["savings_p10"] < city["savings_p90"]  # its minutes are assumed: they vary
    t = d["totals"]
    assert t["savings_p10"] <= t["savings_p50"] <= t["savings_p90"]
    assert d["config"]["runs"] == 300 and d["config"]["seed"] == 7


def test_values_a_source_states_are_not_varied(tmp_path: Path) -> None:
    """The fixtures list nothing under assumed: with the realisation rate held (it is the model's,
    not the files'), every run is the point estimate."""
    held = tmp_path / "spreads.yaml"
    held.write_text("realisation: false\n", encoding="utf-8")
    d = data(str(LIB / "demo"), "--runs", "50", "--config", PINNED, "--spreads", str(held))
    for city in cities(d, "demo").values():
        assert city["savings_p10"] == city["savings_p50"] == city["savings_p90"] == city["savings_hours"]


def test_zero_spreads_reproduce_the_point_estimate(tmp_path: Path) -> None:
    """The vectorised runs are the score model's arithmetic: with nothing varied, every run equals
    the point estimate that `score` itself computes."""
    zero = tmp_path / "zero.yaml"
    zero.write_text("minutes: 0\nexceptions: 0\nshares: 0\nvolume: 0\nrealisation: false\n", encoding="utf-8")
    for proc in ("jido-teate", "hoikusho", "tennyu"):
        d = data(str(ROOT / "processes" / proc), "--runs", "5", "--spreads", str(zero))
        for city in d["procedures"][0]["cities"]:
            assert city["savings_p10"] == city["savings_p90"] == city["savings_hours"], (proc, city["city"])


def test_bad_spreads_file_is_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "spreads.yaml"
    bad.write_text("minutes: 3\nvolumes: 0.2\n", encoding="utf-8")
    r = runner.invoke(app, ["impact", str(LIB), "--spreads", str(bad)])
    assert r.exit_code == 2
    assert f"{bad}:1:10: error TF000 `minutes` must be between 0 and 1" in r.output
    assert f"{bad}:2:1: error TF000 unknown spread `volumes` (did you mean `volume`?)" in r.output
    assert "Traceback" not in r.output


def test_hours_now_equals_score_for_every_library_file() -> None:
    lib = str(ROOT / "processes")
    impact = data(lib, "--runs", "0")
    score = json.loads(runner.invoke(app, ["score", lib, "--format", "json"]).stdout)
    want = {(p["process"], p["city"]): p["hours_per_year"] for p in score["processes"]}
    got = {(p["process"], c["city"]): c["hours_now"] for p in impact["procedures"] for c in p["cities"]}
    single = {k for k in want if sum(1 for x in want if x[0] == k[0]) == 1}
    assert got == {k: v for k, v in want.items() if k not in single}
    for pid, _city in single:  # a procedure of one city has no standard: said so, not dropped silently
        assert any(n.startswith(f"{pid}: ") for n in impact["notes"])
    assert len(got) >= 80


def test_csv_and_xlsx(tmp_path: Path) -> None:
    import openpyxl

    r = run(str(LIB), "--format", "csv", "--runs", "0", "--config", PINNED)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    aoba = next(x for x in rows if x["city"] == "aoba")
    assert (aoba["hours_now"], aoba["hours_standard_rpa"], aoba["savings_hours"]) == ("480", "249.3", "230.7")
    out = tmp_path / "impact.xlsx"
    run(str(LIB), "--format", "xlsx", "-o", str(out), "--runs", "20", "--config", PINNED, "--hourly-cost", "2500")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["手続×市", "変更点"]
    ws = wb["手続×市"]
    head = [c.value for c in ws[1]]
    assert head[:4] == ["手続ID", "手続", "市ID", "市"] and head[-1] == "削減 円/年"
    body = {r[2]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert body["aoba"]["現在 時間/年"] == 480 and body["midori"]["削減 時間/年"] == 175.3
    assert body["aoba"]["削減 円/年"] == 576667  # 230.667 h × 2,500 円
    texts = [r[6] for r in wb["変更点"].iter_rows(min_row=2, values_only=True)]
    assert "押印を廃止する: 決裁 (緑市)" in texts
    again = runner.invoke(app, ["impact", str(LIB), "--format", "xlsx", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_markdown_and_table_name_the_method() -> None:
    md = run(str(LIB), "--format", "markdown", "--runs", "10", "--config", PINNED).stdout
    assert md.startswith("# 標準化の効果 (tamaflow impact)")
    assert "押印を廃止する: 決裁 (緑市) — +10.0 時間/年" in md
    table = run(str(LIB), "--runs", "0", "--config", PINNED).stdout
    assert "--hourly-cost" in table and "緑市" in table


def test_summary_shows_the_top_ten_with_ranges(tmp_path: Path) -> None:
    """`summary`'s 「標準化の効果」 is `impact` with its defaults (1,000 runs, seed 0): the same
    top 10 city × procedure savings and ranges, and the region total on screen."""
    import openpyxl

    lib = str(ROOT / "processes")
    d = data(lib)
    pairs = sorted(((c["savings_hours"], p["process"], c["city"], c["savings_p10"], c["savings_p90"])
                    for p in d["procedures"] for c in p["cities"]), key=lambda x: (-x[0], x[1], x[2]))[:10]
    out = tmp_path / "summary.xlsx"
    r = runner.invoke(app, ["summary", lib, "--format", "xlsx", "-o", str(out)])
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(out)["標準化の効果"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]
    assert [(x["削減/年"], x["手続ID"], x["市ID"], x["削減 P10"], x["削減 P90"]) for x in rows] == pairs
    screen = runner.invoke(app, ["summary", lib], env={"COLUMNS": "200"}).stdout
    assert "標準化の効果" in screen
    import re

    said = re.search(r"標準フロー＋RPA で ([\d,]+) 時間/年 の削減", screen)
    assert said is not None and abs(int(said.group(1).replace(",", "")) - d["totals"]["savings_hours"]) <= 0.5


def test_a_broken_file_is_left_out_not_fatal(tmp_path: Path) -> None:
    """One city mid-edit (a `next:` to no step): the others are computed, the file's validator
    line and the banner go to stderr, exit 1; --strict refuses and writes nothing."""
    import shutil

    lib = tmp_path / "lib"
    shutil.copytree(LIB, lib)
    z = lib / "median" / "z.yaml"
    z.write_text(z.read_text(encoding="utf-8").replace("    name: システムに入力する\n",
                                                       "    name: システムに入力する\n    next: nowhere\n"),
                 encoding="utf-8")
    r = runner.invoke(app, ["impact", str(lib), "--format", "json", "--runs", "0", "--config", PINNED])
    assert r.exit_code == 1 and "Traceback" not in r.output
    err = r.stderr.splitlines()
    assert err[-1] == "1 件のファイルにエラーがあるため除外しました"
    assert any(line.startswith(f"{z}:") and "TF021" in line for line in err), r.stderr
    d = json.loads(r.stdout)
    assert set(cities(d, "median")) == {"x", "y"}
    assert cities(d, "demo")["aoba"]["hours_now"] == 480.0
    strict = runner.invoke(app, ["impact", str(lib), "--strict", "--runs", "0"])
    assert strict.exit_code == 1 and strict.stdout == ""


def test_a_procedure_no_city_gives_a_volume_for_is_a_note_not_a_crash(tmp_path: Path) -> None:
    """The Monte-Carlo adds every procedure's runs up: a procedure whose cities all leave out
    `volume` has no city to run, and once summed as an empty array beside 1,000 runs (a
    ValueError traceback). It now saves 0 in every run, and the table says why."""
    import re
    import shutil

    lib = tmp_path / "lib"
    shutil.copytree(LIB, lib)
    for name in ("x", "y", "z"):
        f = lib / "median" / f"{name}.yaml"
        f.write_text(re.sub(r"(?m)^volume: .*\n", "", f.read_text(encoding="utf-8")), encoding="utf-8")
    r = runner.invoke(app, ["impact", str(lib), "--runs", "50"])
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    assert "volume (件数/年) が未記入のため除外: x, y, z" in r.stdout
    d = json.loads(runner.invoke(app, ["impact", str(lib), "--runs", "50", "--format", "json"]).stdout)
    assert cities(d, "median") == {}
    assert cities(d, "demo")["aoba"]["hours_now"] == 480.0
