"""One screen about a library: the `tamaflow summary` use case (what `make demo` shows).

Validates the library, then per procedure compares the cities (similarity, standard flow,
deviations) and scores them (staff hours, automatable hours, the leanest variant), and ends with
the top RPA steps and the paper/seal/in-person counts per city. Every number comes from
`tamaflow.compare` and `tamaflow.score`; this module only gathers them into rich tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.table import Table

from ..check.validate import Report, validate_paths
from ..compare import catalogue_names, compare_processes
from ..io.library import find_library_root, load_library
from ..model.findings import TamaflowError
from ..model.process import Process
from ..score import ScoreReport, build_report, score_process


def mean_off_diagonal(matrix: np.ndarray) -> float:
    """Mean similarity between different variants (1.0 when there is only one)."""
    k = matrix.shape[0]
    if k < 2:
        return 1.0
    return float((matrix.sum() - np.trace(matrix)) / (k * (k - 1)))


@dataclass(slots=True)
class LibrarySummary:
    """A validated library and what its summary tables are made of."""

    library: str
    checked: Report
    cities: dict[str, str] = field(default_factory=dict)
    by_procedure: dict[str, list[Process]] = field(default_factory=dict)
    catalogue: dict[str, list[str]] = field(default_factory=dict)
    scores: ScoreReport | None = None


def summarise(library: str) -> LibrarySummary:
    """Validate `library`; when it has no errors, load it and score every process."""
    root = find_library_root(Path(library))
    if root is None or not Path(library).is_dir():
        raise TamaflowError(f"{library}: not a library folder (no cities.yaml here or above)", code="TF000")
    checked = validate_paths([library])
    summary = LibrarySummary(library=library, checked=checked)
    if checked.errors:
        return summary
    lib = load_library(root, library.rstrip("/"))
    summary.cities = {slug: c.name for slug, c in lib.cities.items()}
    summary.catalogue = catalogue_names(lib.activities)
    for p in sorted(checked.processes, key=lambda p: (p.process, p.city)):
        summary.by_procedure.setdefault(p.process, []).append(p)
    summary.scores = build_report(score_process(p) for p in checked.processes)
    return summary


def summary_tables(summary: LibrarySummary, top: int) -> Iterator[Table | str]:
    """The tables (and the closing line) of a valid library's summary, in screen order."""
    assert summary.scores is not None, "summary_tables needs a library without validation errors"
    scores, cities = summary.scores, summary.cities
    best = {b.process: b for b in scores.best_variants}
    hours: dict[str, float] = {}
    auto: dict[str, float] = {}
    for ps in scores.processes:
        hours[ps.process] = hours.get(ps.process, 0.0) + (ps.hours_per_year or 0.0)
        auto[ps.process] = auto.get(ps.process, 0.0) + (ps.automatable_hours_per_year or 0.0)

    t = Table(title="手続ごとの比較 (compare + score)")
    for col in ("手続", "市", "類似度", "標準の手順", "標準との違い", "職員時間/年", "自動化可能/年", "最少時間の市"):
        t.add_column(col, justify="right" if col not in ("手続", "最少時間の市") else "left", overflow="fold")
    for pid, procs in summary.by_procedure.items():
        comp = compare_processes(procs, summary.catalogue)
        sim = np.mean([mean_off_diagonal(m) for m in comp.similarity.values()])
        devs = sum(len(d) for d in comp.deviations.values())
        std_tasks = sum(1 for s in comp.standard.process.steps if s.is_task)
        b = best.get(pid)
        leanest = f"{cities.get(b.city, b.city)} ({b.minutes_per_case:.0f}分/件)" if b else "-"
        t.add_row(f"{procs[0].name}", str(len(procs)), f"{sim:.2f}", str(std_tasks), str(devs),
                  f"{hours[pid]:,.0f} h", f"{auto[pid]:,.0f} h", leanest)
    yield t

    t2 = Table(title=f"RPA の候補 上位 {top} 手順 (自動化可能な職員時間/年)")
    for col in ("手続", "市", "手順", "自動化可能/年", "可能性", "容易さ"):
        t2.add_column(col, justify="right" if col in ("自動化可能/年", "可能性", "容易さ") else "left", overflow="fold")
    for ps, st in scores.top_steps[:top]:
        t2.add_row(ps.name, cities.get(ps.city, ps.city), st.name, f"{st.automatable_hours_per_year or 0:,.0f} h",
                   f"{st.potential:.0%}", f"{st.ease:.0f}")
    yield t2

    counts: dict[str, Counter[str]] = {}
    for p in summary.checked.processes:
        c = counts.setdefault(p.city, Counter())
        for s in p.steps:
            if s.is_task:
                c["paper"] += s.medium == "paper"
                c["seal"] += bool(s.seal)
                c["in-person"] += s.medium == "in-person"
    t3 = Table(title="紙・押印・対面の手順数 (市別)")
    for col in ("市", "紙", "押印", "対面"):
        t3.add_column(col, justify="left" if col == "市" else "right")
    for city in sorted(counts, key=lambda c: (-counts[c]["paper"], c)):
        c = counts[city]
        t3.add_row(cities.get(city, city), str(c["paper"]), str(c["seal"]), str(c["in-person"]))
    yield t3
    library = summary.library
    yield (f"合計: 職員時間 {sum(hours.values()):,.0f} h/年、うち自動化可能 {sum(auto.values()):,.0f} h/年 "
           f"(数値の多くは推定値: 各ファイルの assumed を参照)。"
           f"詳細: tamaflow compare {library.rstrip('/')}/<手続>/ 、tamaflow score {library}")
