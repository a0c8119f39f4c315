"""One screen about a library: the `tamaflow summary` use case (what `make demo` shows).

Validates the library, then per procedure compares the cities (similarity, standard flow,
deviations) and scores them (staff hours, automatable hours, the leanest variant), and ends with
the top RPA steps and the paper/seal/in-person counts per city. Every number comes from
`tamaflow.compare` and `tamaflow.score`; this module only gathers them into rich tables.

Memory (a national library: 12 procedures × 2,917 cities, 35,000 files, in ≤ 2 GB): the step
scores are kept only for the steps the tables can show (`lean_scores`), the procedures are
compared one at a time, each comparison used for its table row and its impact and let go before
the next (`summary_sheets`), and of each impact only its totals and the cities that can reach
the impact table are kept (`remember_impact`).
"""

from __future__ import annotations

import ctypes
import gc
import heapq
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.table import Table
from rich.text import Text

from ..check.validate import Report, validate_paths
from ..compare import CompareOptions, Comparison, catalogue_names, compare_processes
from ..compare.comparison import Method
from ..impact import (
    DEFAULT_RUNS,
    ProcedureTotals,
    RegionTotals,
    Spreads,
    has_standard,
    percentiles,
    procedure_impact,
    procedure_totals,
    realisation_range,
    region_totals,
)
from ..impact.runs import realisation_draws
from ..io.files import check_folder_readable
from ..io.library import find_library_root, load_library
from ..io.table import Column, shown
from ..io.table import Table as DataTable
from ..model.findings import TamaflowError
from ..model.process import Process
from ..score import ScoreReport, build_report, default_config, score_process
from ..score.estimate import ProcessScore, StepScore
from ..score.report import BestVariant
from .lenient import Usable, usable_from

if TYPE_CHECKING:
    from ..publish.site import StageProgress
    from .distributed import DaskCluster


def mean_off_diagonal(matrix: np.ndarray) -> float:
    """Mean similarity between different variants (1.0 when there is only one)."""
    k = matrix.shape[0]
    if k < 2:
        return 1.0
    return float((matrix.sum() - np.trace(matrix)) / (k * (k - 1)))


@dataclass(slots=True)
class LibrarySummary:
    """A validated library and what its summary tables are made of: the files without errors
    (`usable.processes`) and the ones left out (`usable.skipped`)."""

    library: str
    checked: Report
    usable: Usable
    cities: dict[str, str] = field(default_factory=dict)
    by_procedure: dict[str, list[Process]] = field(default_factory=dict)
    catalogue: dict[str, list[str]] = field(default_factory=dict)
    scores: ScoreReport | None = None
    #: how many RPA steps the scores keep (`lean_scores`); the summary may show at most these
    top: int = 10
    #: each procedure's impact reduced to its totals and its first `top` cities (`remember_impact`),
    #: made from its comparison when the tables compare it; the comparison is not kept (`summary_sheets`)
    procedure_impacts: dict[str, ProcedureTotals] = field(default_factory=dict)
    impact: RegionTotals | None = None


def compare_procedure(summary: LibrarySummary, pid: str, cluster: DaskCluster | None = None,
                      method: Method = "auto") -> Comparison:
    """The comparison of one procedure's cities (with `cluster`, its pairs are aligned on that
    Dask cluster, on the exact path: the same numbers; `method` as `CompareOptions.method`).

    Made anew on every call, never kept: at national size (2,917 cities a procedure) one
    comparison holds 0.3–0.6 GB, so the summary uses each while it is at hand (its table row, its
    impact: `summary_sheets`) and lets it go before the next."""
    procs = summary.by_procedure[pid]
    options = CompareOptions(method="exact" if cluster is not None else method)
    runner = cluster.runner(procs, summary.catalogue, options) if cluster is not None else None
    return compare_processes(procs, summary.catalogue, options, runner=runner)


def release_freed_memory() -> None:
    """Collect what one procedure left behind and hand the freed memory back to the system.

    Why: a procedure's impact draws 1,000 runs per step and city, at national size hundreds of
    thousands of small arrays. Once they are freed, glibc keeps their pages in its heap, where
    the next procedure's k × k matrices (each mapped on its own) cannot use them: measured on
    1,741 cities, 0.38 GB stayed resident after the impact until `malloc_trim(0)` returned it.
    Elsewhere than Linux (or on a C library without `malloc_trim`) only the collection runs."""
    gc.collect()
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def remember_impact(summary: LibrarySummary, pid: str, comp: Comparison) -> None:
    """Keep what the summary shows of the impact of one procedure (`tamaflow impact`'s defaults:
    1,000 runs, seed 0), made from `comp`, its comparison, so that the comparison need not be kept
    for it: the procedure's totals and its first `summary.top` cities (`ProcedureTotals`).

    Why not the whole impact: it holds every city's 1,000 savings per run and its changes; at
    national size the twelve procedures' impacts grew the summary by about 0.4 GB, for a table
    of ten pairs and one headline."""
    procs = summary.by_procedure[pid]
    if pid in summary.procedure_impacts or not has_standard(procs):
        return
    cfg = default_config()
    real = realisation_draws(*realisation_range(cfg), DEFAULT_RUNS, 0)
    whole = procedure_impact(comp, procs, cfg, Spreads(), DEFAULT_RUNS, 0, real, summary.cities)
    summary.procedure_impacts[pid] = procedure_totals(whole, summary.top)


def impact_of_library(summary: LibrarySummary) -> RegionTotals:
    """The standardisation business case of the library (`tamaflow impact` with its defaults:
    1,000 runs, seed 0): the same headline and first `summary.top` pairs as `impact_of` over every
    procedure's comparison, made from the totals `summary_sheets` kept (a procedure it did not
    compare is compared here, one at a time)."""
    if summary.impact is None:
        pids = [pid for pid, procs in sorted(summary.by_procedure.items()) if has_standard(procs)]
        for pid in pids:
            if pid not in summary.procedure_impacts:
                remember_impact(summary, pid, compare_procedure(summary, pid))
        summary.impact = region_totals([summary.procedure_impacts[pid] for pid in pids], runs=DEFAULT_RUNS,
                                       kept=summary.top)
    return summary.impact


def summarise(library: str, *, strict: bool = False, top: int = 10) -> LibrarySummary:
    """Validate `library`, leave out the files with errors, and score every other process
    (keeping the step scores of the `top` RPA steps only: `lean_scores`).

    With `strict`, a library with errors is not summarised: `scores` stays None and the errors
    are in `checked`. When every file has errors, there is nothing to summarise either."""
    root = find_library_root(Path(library))
    if root is None:
        check_folder_readable(Path(library))  # its cities.yaml may be there, unseen
    if root is None or not Path(library).is_dir():
        raise TamaflowError(f"{library}: not a library folder (no cities.yaml here or above)", code="TF000")
    checked = validate_paths([library])
    summary = LibrarySummary(library=library, checked=checked, usable=usable_from(checked), top=top)
    good = summary.usable.processes
    if (strict and checked.errors) or (summary.usable.skipped and not good):
        return summary
    lib = load_library(root, library.rstrip("/"))
    summary.cities = {slug: c.name for slug, c in lib.cities.items()}
    summary.catalogue = catalogue_names(lib.activities)
    for p in sorted(good, key=lambda p: (p.process, p.city)):
        summary.by_procedure.setdefault(p.process, []).append(p)
    summary.scores = build_report(lean_scores(good, top))
    return summary


def _top_key(ps: ProcessScore, st: StepScore) -> tuple[float, str, str, int]:
    """The order of `ScoreReport.top_steps` (most automatable hours first, then by name)."""
    return (-(st.automatable_hours_per_year or 0.0), ps.process, ps.city, st.index)


def lean_scores(processes: Iterable[Process], top: int) -> Iterator[ProcessScore]:
    """Score every process, keeping of its step scores only those that may be among the `top`
    steps of the library (the summary shows no other step).

    Why: a step's score carries its factors and reasons; at national size (35,000 files) holding
    them all took 1.9 GB before the first comparison. The steps kept are those in the running top
    `top` when their process is scored: the bar only rises, so no step dropped here could reach
    the final top, and `build_report` ranks the same steps first as it would with all of them."""
    best: list[tuple[tuple[float, str, str, int], StepScore]] = []
    for p in processes:
        ps = score_process(p)
        new = [(_top_key(ps, st), st) for st in ps.steps if (st.automatable_hours_per_year or 0.0) > 0]
        best = heapq.nsmallest(top, best + new, key=lambda kv: kv[0])
        kept = {id(st) for _, st in best}
        yield replace(ps, steps=[st for st in ps.steps if id(st) in kept])


#: Excel number formats of the summary (hours as whole hours with their unit, as on screen)
F_HOURS, F_SIM, F_SHARE, F_COUNT, F_MINUTES = '#,##0 "h"', "0.00", "0%", "0", "#,##0"


#: one line under the impact table: what its range is
IMPACT_NOTE = ("P10〜P90: assumed の値 (分・例外率・分岐の割合・件数) を動かした 1,000 回の試行の 10 回に 8 回が入る範囲。"
               "詳細と限界: tamaflow impact、docs/impact.md")
#: minutes per case this close are a tie (equal flows sum to the same float; any real difference is larger)
TIE_MINUTES = 1e-6
#: one line each under the comparison table: what its two compare columns measure
SIMILARITY_NOTE = "類似度: 市どうしのフローの似ている度合いの平均 (0〜1、1 = 同じ流れ。手順の対応・つながり・振る舞いの 3 指標)"
DEVIATIONS_NOTE = "標準との違い: 各市のフローが標準フロー (半数以上の市が行う手順) と違う箇所の数、全市の合計"


def leanest_text(best: BestVariant, cities: dict[str, str]) -> str:
    """The city with the fewest staff minutes per case; when several share the minimum, every one
    of them under 「同率」 (in `cities` order), never one picked by its romanised slug."""
    tied = {v.city for v in best.variants if abs(v.minutes_per_case - best.minutes_per_case) <= TIE_MINUTES}
    if len(tied) == 1:
        return cities.get(best.city, best.city)
    order = {slug: i for i, slug in enumerate(cities)}
    names = [cities.get(c, c) for c in sorted(tied, key=lambda c: (order.get(c, len(order)), c))]
    return f"同率 {len(names)} 市: {' '.join(names)}"


def summary_sheets(summary: LibrarySummary, top: int, cluster: DaskCluster | None = None,
                   progress: StageProgress | None = None, method: Method = "auto") -> list[DataTable]:
    """The summary's tables as data (typed cells, Japanese headings), in screen order: what the
    terminal shows, `--format csv` writes (the first) and `--format xlsx` writes (all of them).
    With `cluster`, each procedure's pairs are aligned on that Dask cluster (same numbers; the
    exact path, whatever `method` says); `progress` hears of every procedure compared (the slow
    part). `method`: how compare aligns each procedure's cities (`CompareOptions.method`)."""
    assert summary.scores is not None, "summary_sheets needs a library with files to summarise"
    assert top <= summary.top, f"summarise kept the scores of {summary.top} steps, not {top}"
    scores, cities = summary.scores, summary.cities
    best = {b.process: b for b in scores.best_variants}
    hours: dict[str, float] = {}
    auto: dict[str, float] = {}
    for ps in scores.processes:
        hours[ps.process] = hours.get(ps.process, 0.0) + (ps.hours_per_year or 0.0)
        auto[ps.process] = auto.get(ps.process, 0.0) + (ps.automatable_hours_per_year or 0.0)

    t = DataTable("手続ごとの比較", (
        Column("name", "手続"), Column("cities", "市", F_COUNT), Column("similarity", "類似度", F_SIM),
        Column("standard_steps", "標準の手順", F_COUNT), Column("deviations", "標準との違い", F_COUNT),
        Column("hours_per_year", "職員時間/年", F_HOURS), Column("automatable_hours_per_year", "自動化可能/年", F_HOURS),
        Column("leanest_city", "最少時間の市"), Column("leanest_minutes_per_case", "分/件", F_MINUTES),
        Column("process", "手続ID"),
    ))
    # the biggest procedures first: staff hours are what the table is read for
    if progress is not None:
        progress.start(len(summary.by_procedure), "比較中")
    for pid in sorted(summary.by_procedure, key=lambda pid: (-hours.get(pid, 0.0), pid)):
        release_freed_memory()  # what validation or the previous procedure left behind
        procs = summary.by_procedure[pid]
        comp = compare_procedure(summary, pid, cluster, method)
        sim = float(np.mean([mean_off_diagonal(m) for m in comp.similarity.values()]))
        b = best.get(pid)
        t.add(procs[0].name, len(procs), round(sim, 2), sum(1 for s in comp.standard.process.steps if s.is_task),
              sum(len(d) for d in comp.deviations.values()), round(hours[pid], 1), round(auto[pid], 1),
              leanest_text(b, cities) if b else None, round(b.minutes_per_case, 1) if b else None, pid)
        # one procedure at a time: its four k × k matrices go before the impact's Monte-Carlo
        # needs room, and the rest of the comparison with `comp` before the next procedure
        comp.similarity.clear()
        remember_impact(summary, pid, comp)
        del comp
        if progress is not None:
            progress.advance(procs[0].name or pid)

    t2 = DataTable("RPAの候補", (
        Column("name", "手続"), Column("city_name", "市"), Column("step_name", "手順"),
        Column("automatable_hours_per_year", "自動化可能/年", F_HOURS), Column("potential", "可能性", F_SHARE),
        Column("ease", "容易さ", F_COUNT), Column("process", "手続ID"), Column("city", "市ID"), Column("step", "手順ID"),
    ))
    for ps, st in scores.top_steps[:top]:
        t2.add(ps.name, cities.get(ps.city, ps.city), st.name, round(st.automatable_hours_per_year or 0.0, 1),
               round(st.potential, 3), round(st.ease, 1), ps.process, ps.city, st.id)

    counts: dict[str, Counter[str]] = {}
    for p in summary.usable.processes:
        c = counts.setdefault(p.city, Counter())
        for s in p.steps:
            if s.is_task:
                c["paper"] += s.medium == "paper"
                c["seal"] += bool(s.seal)
                c["in-person"] += s.medium == "in-person"
    t4 = impact_sheet(summary, top)
    t3 = DataTable("紙・押印・対面", (Column("city_name", "市"), Column("paper", "紙", F_COUNT),
                                     Column("seal", "押印", F_COUNT), Column("in_person", "対面", F_COUNT),
                                     Column("city", "市ID")))
    for city in sorted(counts, key=lambda c: (-counts[c]["paper"], c)):
        c = counts[city]
        t3.add(cities.get(city, city), c["paper"], c["seal"], c["in-person"], city)
    return [t, t2, t3, t4]


def impact_sheet(summary: LibrarySummary, top: int) -> DataTable:
    """The city × procedure pairs that save the most with the standard flow and RPA, with their
    P10–P90 range (docs/impact.md)."""
    im = impact_of_library(summary)
    t = DataTable("標準化の効果", (
        Column("name", "手続"), Column("city_name", "市"), Column("hours_now", "現在/年", F_HOURS),
        Column("hours_standard_rpa", "標準+RPA/年", F_HOURS), Column("savings_hours", "削減/年", F_HOURS),
        Column("savings_p10", "削減 P10", F_HOURS), Column("savings_p90", "削減 P90", F_HOURS),
        Column("process", "手続ID"), Column("city", "市ID"),
    ))
    for p, c in im.top_pairs(top):
        rng = percentiles(c.samples)
        t.add(p.name, c.city_name, round(c.hours_now, 1), round(c.hours_standard_rpa, 1), round(c.savings, 1),
              round(rng[0], 1) if rng else None, round(rng[2], 1) if rng else None, p.process, c.city)
    return t


def _rich(t: DataTable, title: str, hide: tuple[str, ...] = (), caption: str | None = None) -> Table:
    """A data table as a rich table: numbers right-aligned in their number format, id columns
    (`hide`) left to the files, `caption` under it."""
    out = Table(title=title, caption=caption, caption_justify="left")
    keep = [j for j, c in enumerate(t.columns) if c.key not in hide]
    for j in keep:
        col = t.columns[j]
        out.add_column(col.title, justify="right" if col.number_format else "left", overflow="fold")
    for row in t.rows:  # Text: a step or city name is the user's text, never rich markup
        out.add_row(*(Text(shown(row[j], t.columns[j].number_format)) for j in keep))
    return out


def summary_tables(summary: LibrarySummary, top: int, cluster: DaskCluster | None = None,
                   progress: StageProgress | None = None, method: Method = "auto") -> Iterator[Table | Text]:
    """The tables (and the closing line) of a library's summary, in screen order."""
    procedures, rpa, paper, impact = summary_sheets(summary, top, cluster, progress, method)
    yield _rich(procedures, "手続ごとの比較 (compare + score、職員時間の多い順)", ("process",),
                caption=f"{SIMILARITY_NOTE}\n{DEVIATIONS_NOTE}")
    yield _rich(rpa, f"RPA の候補 上位 {top} 手順 (自動化可能な職員時間/年)", ("process", "city", "step"))
    yield _rich(paper, "紙・押印・対面の手順数 (市別)", ("city",))
    from ..impact.report import headline

    yield _rich(impact, f"標準化の効果: 削減の多い手続×市 上位 {top} (標準フロー＋RPA、職員時間/年)", ("process", "city"),
                caption=f"{headline(impact_of_library(summary))}\n{IMPACT_NOTE}")
    assert summary.scores is not None
    hours = sum(p.hours_per_year or 0.0 for p in summary.scores.processes)
    auto = sum(p.automatable_hours_per_year or 0.0 for p in summary.scores.processes)
    library = summary.library
    yield Text(f"合計: 職員時間 {hours:,.0f} h/年、うち自動化可能 {auto:,.0f} h/年 "
               f"(数値の多くは推定値: 各ファイルの assumed を参照)。"
               f"詳細: tamaflow compare {library.rstrip('/')}/<手続>/ 、tamaflow score {library}")
