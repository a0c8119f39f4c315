"""`tamaflow summary`: the main job on a library in one screen — what `make demo` shows.

Validates the library, then per procedure compares the cities (similarity, standard flow,
deviations) and scores them (staff hours, automatable hours, the leanest variant), and ends with
the top RPA steps and the paper/seal/in-person counts per city. Glue only: every number comes
from `tamaflow.compare` and `tamaflow.score`.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from ..check.validate import validate_paths
from ..compare import catalogue_names, compare_processes
from ..io.library import find_library_root, load_library
from ..model.findings import TamaflowError
from ..model.process import Process
from ..score import score_process
from ..score.report import build_report
from ._app import app, user_errors


def _mean_offdiag(m: np.ndarray) -> float:
    k = m.shape[0]
    if k < 2:
        return 1.0
    return float((m.sum() - np.trace(m)) / (k * (k - 1)))


@app.command()
@user_errors
def summary(
    library: Annotated[str, typer.Argument(help="A library folder (with cities.yaml), e.g. processes/.")],
    top: Annotated[int, typer.Option("--top", help="How many RPA steps to list.")] = 10,
) -> None:
    """One-screen overview of a library: validation, per-procedure comparison and RPA hours."""
    console = Console(soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # piped or logged (CI, `make demo | tee`): rich would assume 80 columns and fold every name
        console = Console(soft_wrap=False, width=140)
    root = find_library_root(Path(library))
    if root is None or not Path(library).is_dir():
        raise TamaflowError(f"{library}: not a library folder (no cities.yaml here or above)", code="TF000")
    report = validate_paths([library])
    console.print(f"[bold]tamaflow summary[/bold] of {library}: {report.files} process file(s), "
                  f"{report.errors} error(s), {report.warnings} warning(s)")
    if report.errors:
        for f in report.findings:
            if f.severity == "error":
                typer.echo(f.human())
        raise typer.Exit(1)
    lib = load_library(root, library.rstrip("/"))
    cities = {slug: c.name for slug, c in lib.cities.items()}
    catalogue = catalogue_names(lib.activities)
    by_proc: dict[str, list[Process]] = {}
    for p in sorted(report.processes, key=lambda p: (p.process, p.city)):
        by_proc.setdefault(p.process, []).append(p)
    scores = build_report(score_process(p) for p in report.processes)
    best = {b.process: b for b in scores.best_variants}
    hours: dict[str, float] = {}
    auto: dict[str, float] = {}
    for ps in scores.processes:
        hours[ps.process] = hours.get(ps.process, 0.0) + (ps.hours_per_year or 0.0)
        auto[ps.process] = auto.get(ps.process, 0.0) + (ps.automatable_hours_per_year or 0.0)

    t = Table(title="手続ごとの比較 (compare + score)")
    for col in ("手続", "市", "類似度", "標準の手順", "標準との違い", "職員時間/年", "自動化可能/年", "最少時間の市"):
        t.add_column(col, justify="right" if col not in ("手続", "最少時間の市") else "left", overflow="fold")
    for pid, procs in by_proc.items():
        comp = compare_processes(procs, catalogue)
        sim = np.mean([_mean_offdiag(m) for m in comp.similarity.values()])
        devs = sum(len(d) for d in comp.deviations.values())
        std_tasks = sum(1 for s in comp.standard.process.steps if s.is_task)
        b = best.get(pid)
        leanest = f"{cities.get(b.city, b.city)} ({b.minutes_per_case:.0f}分/件)" if b else "-"
        t.add_row(f"{procs[0].name}", str(len(procs)), f"{sim:.2f}", str(std_tasks), str(devs),
                  f"{hours[pid]:,.0f} h", f"{auto[pid]:,.0f} h", leanest)
    console.print(t)

    t2 = Table(title=f"RPA の候補 上位 {top} 手順 (自動化可能な職員時間/年)")
    for col in ("手続", "市", "手順", "自動化可能/年", "可能性", "容易さ"):
        t2.add_column(col, justify="right" if col in ("自動化可能/年", "可能性", "容易さ") else "left", overflow="fold")
    for ps, st in scores.top_steps[:top]:
        t2.add_row(ps.name, cities.get(ps.city, ps.city), st.name, f"{st.automatable_hours_per_year or 0:,.0f} h",
                   f"{st.potential:.0%}", f"{st.ease:.0f}")
    console.print(t2)

    counts: dict[str, Counter[str]] = {}
    for p in report.processes:
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
    console.print(t3)
    total_h = sum(hours.values())
    total_a = sum(auto.values())
    console.print(f"合計: 職員時間 {total_h:,.0f} h/年、うち自動化可能 {total_a:,.0f} h/年 "
                  f"(数値の多くは推定値: 各ファイルの assumed を参照)。"
                  f"詳細: tamaflow compare {library.rstrip('/')}/<手続>/ 、tamaflow score {library}")
