"""Issue 12 part 6: `summary` keeps only the step scores it can show (`app.summary.lean_scores`)
and one procedure's comparison at a time, of each impact its totals and the cities its table can
show (`impact.ProcedureTotals`), and draws the Monte-Carlo a block of runs at a time, so a national
library (35,000 files) is summarised in bounded memory; the figures are in docs/compare.md
(benchmarks/national_library.py). Here: the lean scores rank exactly the steps the full report
ranks first, with the same process totals, on the real library; no comparison outlives its
procedure; no more city impacts are held than the table shows, with the figures of the whole
impact; and the block of runs changes no figure."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tamaflow.app.summary import lean_scores
from tamaflow.check.validate import validate_paths
from tamaflow.cli import app
from tamaflow.model.process import Process
from tamaflow.score import build_report, score_processes

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("top", [1, 3, 10, 40])
def test_lean_scores_rank_the_same_top_steps_with_the_same_totals(top: int) -> None:
    procs = validate_paths([str(ROOT / "processes")]).processes
    full = score_processes(procs)
    lean = build_report(lean_scores(procs, top))

    def ids(pairs: list) -> list[tuple[str, str, str, float | None]]:
        return [(p.process, p.city, s.id, s.automatable_hours_per_year) for p, s in pairs]

    assert ids(lean.top_steps[:top]) == ids(full.top_steps[:top])
    assert [(p.process, p.city, p.hours_per_year, p.minutes_per_case) for p in lean.processes] == \
        [(p.process, p.city, p.hours_per_year, p.minutes_per_case) for p in full.processes]
    kept = sum(len(p.steps) for p in lean.processes)
    assert kept <= top * len(procs) and kept < sum(len(p.steps) for p in full.processes) / 2


def test_summary_lists_as_many_rpa_steps_as_asked() -> None:
    r = CliRunner().invoke(app, ["summary", str(ROOT / "processes"), "--top", "12"], env={"COLUMNS": None})
    assert r.exit_code == 0, r.output
    assert "RPA の候補 上位 12 手順" in r.stdout
    rpa = r.stdout.split("RPA の候補 上位 12 手順")[1].split("紙・押印・対面")[0]
    assert sum(1 for line in rpa.splitlines() if line.startswith("│")) == 12


def test_summary_compares_one_procedure_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """At national size one procedure's comparison holds 0.3–0.6 GB: the summary makes each once
    (the impact reuses the table's), and lets it go before it compares the next."""
    from tamaflow.app import summary as app_summary
    from tamaflow.compare import Comparison

    def alive() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, Comparison))

    before = alive()
    compared: list[str] = []
    real = app_summary.compare_processes

    def one_at_a_time(procs: list[Process], *args: Any, **kwargs: Any) -> Comparison:
        assert alive() == before, f"a comparison is still held when {procs[0].process} is compared"
        compared.append(procs[0].process)
        return real(procs, *args, **kwargs)

    monkeypatch.setattr(app_summary, "compare_processes", one_at_a_time)
    r = CliRunner().invoke(app, ["summary", str(ROOT / "processes")], env={"COLUMNS": None})
    assert r.exit_code == 0, r.output
    procedures = sorted(d.name for d in (ROOT / "processes").iterdir() if d.is_dir())
    assert sorted(compared) == procedures
    assert alive() == before
    assert "標準化の効果" in r.stdout and "削減/年" in r.stdout


def _national_library(tmp_path: Path, per_procedure: int) -> Path:
    """benchmarks/national_library.py's library at small size: every procedure × the same cities."""
    import importlib.util
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("national_library", ROOT / "benchmarks" / "national_library.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path, per_procedure, seed=0, force=False)
    return tmp_path


def test_summary_keeps_only_the_impact_cities_its_table_can_show(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A procedure's impact holds every city's 1,000 savings per run and its changes (0.5 GB over
    the national library): the summary keeps each procedure's totals and its first `top` cities
    only (`ProcedureTotals`), and still shows what `tamaflow impact` shows from the whole impacts:
    the same first pairs with their ranges, the same headline."""
    import re

    import openpyxl

    from tamaflow.app import summary as app_summary
    from tamaflow.impact import CityImpact

    lib = _national_library(tmp_path / "lib", 6)
    procedures = sorted(d.name for d in lib.iterdir() if d.is_dir())
    held: list[int] = []
    real = app_summary.impact_sheet

    def counted(summary: app_summary.LibrarySummary, top: int) -> Any:
        gc.collect()
        held.append(sum(1 for o in gc.get_objects() if isinstance(o, CityImpact)))
        assert sorted(summary.procedure_impacts) == procedures
        return real(summary, top)

    monkeypatch.setattr(app_summary, "impact_sheet", counted)
    out = tmp_path / "summary.xlsx"
    r = CliRunner().invoke(app, ["summary", str(lib), "--top", "2", "--format", "xlsx", "-o", str(out)])
    assert r.exit_code == 0, r.output
    # 6 cities × 12 procedures are 72 city impacts; the table can show no more than 2 per procedure
    assert held and max(held) <= 2 * len(procedures) < 6 * len(procedures)

    whole = CliRunner().invoke(app, ["impact", str(lib), "--format", "json"])
    assert whole.exit_code == 0, whole.output
    import json

    d = json.loads(whole.stdout)
    pairs = sorted(((c["savings_hours"], p["process"], c["city"], c["hours_now"], c["hours_standard_rpa"],
                     c["savings_p10"], c["savings_p90"]) for p in d["procedures"] for c in p["cities"]),
                   key=lambda x: (-x[0], x[1], x[2]))[:2]
    ws = openpyxl.load_workbook(out)["標準化の効果"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]
    assert [(x["削減/年"], x["手続ID"], x["市ID"], x["現在/年"], x["標準+RPA/年"], x["削減 P10"], x["削減 P90"])
            for x in rows] == pairs

    def squeezed(text: str) -> str:
        return re.sub(r"\s+", "", text)

    said = CliRunner().invoke(app, ["impact", str(lib)]).stdout.split("範囲:")[0]
    assert "72 件の手続×市" in said
    screen = CliRunner().invoke(app, ["summary", str(lib), "--top", "2"], env={"COLUMNS": "200"}).stdout
    assert squeezed(said) in squeezed(screen)


def test_the_monte_carlo_holds_one_block_of_runs_with_the_same_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard's values of a run are medians over all cities' values of that run: with every
    run at once, 2,917 cities × 1,000 runs held 0.45 GB beside the comparison. The runs are drawn
    `RUN_BLOCK` at a time, and every figure of `tamaflow impact` is the same whatever the block."""
    from tamaflow.impact import model

    def report(block: int) -> str:
        monkeypatch.setattr(model, "RUN_BLOCK", block)
        r = CliRunner().invoke(app, ["impact", str(ROOT / "processes"), "--format", "json"])
        assert r.exit_code == 0, r.output
        return r.stdout

    whole = report(1000)
    seen: list[int] = []
    real = model.standard_medians

    def watched(plan: Any, cities: dict[str, Any]) -> Any:
        seen.extend(a.shape[0] for v in cities.values() for a in (v.volume, *v.minutes.values()))
        return real(plan, cities)

    monkeypatch.setattr(model, "standard_medians", watched)
    assert report(128) == whole  # 1,000 runs: seven blocks of 128 and one of 104
    assert max(seen) == 128 and 104 in seen
    assert '"savings_p10": ' in whole and '"runs": 1000' in whole


def test_a_library_draws_each_citys_runs_once_however_many_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a fixed 250 runs drew every city's runs anew per block: 20,000 runs were 80 whole
    draws per city (37 s for processes/). A library's dozen cities fit 20,000 runs in one block,
    so each city's runs are drawn once (`RUN_BUDGET`)."""
    from tamaflow.impact import model

    drawn: list[int] = []
    real = model.city_values

    def counted(p: Any, chain: Any, spreads: Any, runs: int, seed: int) -> Any:
        if spreads is not None:
            drawn.append(runs)
        return real(p, chain, spreads, runs, seed)

    monkeypatch.setattr(model, "city_values", counted)
    r = CliRunner().invoke(app, ["impact", str(ROOT / "processes" / "tennyu"), "--runs", "20000", "--format", "json"])
    assert r.exit_code == 0, r.output
    cities = len(list((ROOT / "processes" / "tennyu").glob("*.yaml")))
    assert drawn == [20000] * cities
