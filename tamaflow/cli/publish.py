"""`tamaflow publish LIBRARY -o SITE`: the glue that feeds the documentation site.

This is the one place that combines the analyses: it validates and loads the library, asks
`compare` (alignment, similarity, deviations, standard flow), `score` (RPA potential, hours) and
`render` (BPMN with DI, Graphviz SVG) for their results through their public functions, turns
them into the plain data of `tamaflow.publish.data`, and hands that to `publish.build_site`,
which only writes files. When an analysis module is missing or fails on a procedure, that
section is marked unavailable on the site with the reason; nothing is ever made up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..check.validate import validate_paths
from ..io.library import find_library_root, load_library
from ..model.findings import TamaflowError
from ..model.process import Process
from ..publish import data as D
from ..publish.site import build_site, check_output, find_bpmn_js
from ._app import app, user_errors

SITE_TITLE = "多摩 業務フロー共有サイト"


# ------------------------------------------------------------------------------ build metadata


def source_revision(library: Path) -> tuple[str, str]:
    """(ISO date, revision) of the source, never the wall clock, so builds are reproducible.

    The date is SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else the
    commit date of HEAD; the revision is HEAD's short hash, marked when the library has
    uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", "-C", str(library), *args], capture_output=True, text=True, timeout=30,
                               check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    revision = git("rev-parse", "--short=12", "HEAD")
    date = git("log", "-1", "--format=%cI")
    if revision is None:
        revision = "不明（git 管理外）"
    elif git("status", "--porcelain", "--", ".") not in ("", None):
        revision += "（未コミットの変更あり）"
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            date = datetime.fromtimestamp(int(epoch), UTC).isoformat()
        except (ValueError, OverflowError, OSError):
            raise TamaflowError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds", code="TF000") from None
    return date or "不明", revision


# ----------------------------------------------------------------------------- progress (rich)


class _RichProgress:
    """A progress bar on stderr for the analyses and the writing; silent when not a terminal."""

    def __init__(self, console: Console) -> None:
        self._p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.fields[item]}"), TimeElapsedColumn(), console=console,
                           transient=True, disable=not console.is_terminal)
        self._task: Any = None

    def __enter__(self) -> _RichProgress:
        self._p.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._p.__exit__(*exc)  # type: ignore[arg-type]

    def start(self, total: int, label: str) -> None:
        if self._task is not None:
            self._p.update(self._task, visible=False)
        self._task = self._p.add_task(label, total=total, item="")

    def advance(self, label: str) -> None:
        self._p.update(self._task, advance=1, item=label[-48:])


# ----------------------------------------------------------------------------- the analyses


def _group(procs: list[Process]) -> dict[str, list[Process]]:
    by: dict[str, list[Process]] = {}
    for p in sorted(procs, key=lambda p: (p.process, p.city)):
        by.setdefault(p.process, []).append(p)
    return by


def _failed(what: str, e: Exception) -> str:
    """The reason shown on the site (and on stderr) when an analysis fails on one input."""
    return f"{what}: {e}" if isinstance(e, TamaflowError) else f"{what}: {type(e).__name__}: {e}"


def render_variant(p: Process) -> tuple[str, str]:
    """BPMN 2.0 XML with DI (for the bpmn-js viewer and the download) and the Graphviz SVG."""
    from ..render import render

    return render(p, "bpmn").decode("utf-8"), render(p, "svg").decode("utf-8")


def score_variant(p: Process) -> D.VariantScore:
    """The score model's per-step table, as the site shows it (potential as a percentage)."""
    from ..score import score_process
    from ..score.model import QUADRANT_JA

    ps = score_process(p)
    rows = [
        D.ScoreRow(step_id=s.id, step_name=s.name, score=round(s.potential * 100, 1),
                   hours=s.hours_per_year, saved_hours=s.automatable_hours_per_year,
                   level=QUADRANT_JA.get(s.quadrant, s.quadrant), ease=s.ease, summary=s.summary,
                   reasons=list(s.reasons))
        for s in ps.steps
    ]
    return D.VariantScore(rows=rows, scale="スコア = 自動化できる作業時間の割合（%）、容易性 = 実装のしやすさ（0–100）",
                          total_hours=ps.hours_per_year, total_saved_hours=ps.automatable_hours_per_year,
                          notes=list(ps.notes))


@dataclass(slots=True)
class _Analysed:
    bpmn: str | None = None
    svg: str | None = None
    score: D.VariantScore | None = None
    #: (section, message) of each analysis that failed
    errors: list[tuple[str, str]] = field(default_factory=list)


def analyse_variant(p: Process) -> _Analysed:
    """Everything the variant page needs from render and score. A failing analysis is recorded
    (and shown on the page as unavailable, with its reason) instead of sinking the whole site."""
    out = _Analysed()
    what = f"{p.process}/{p.city}"
    try:
        out.bpmn, out.svg = render_variant(p)
    except Exception as e:  # reported, never replaced by a guess
        out.errors.append((D.SECTION_RENDER, _failed(what, e)))
    try:
        out.score = score_variant(p)
    except Exception as e:
        out.errors.append((D.SECTION_SCORE, _failed(what, e)))
    return out


def collect(library: Path, procs: list[Process], progress: _RichProgress, jobs: int) -> D.SiteData:
    """Run the analyses on every procedure and gather the site's data.

    Variants are analysed on `jobs` threads: most of the time goes to Graphviz `dot`
    subprocesses, which run in parallel while the GIL is released; results keep the input order,
    so the output stays deterministic."""
    lib = load_library(library)
    cities = {slug: c.name for slug, c in lib.cities.items()}
    order = {slug: i for i, slug in enumerate(cities)}
    unavailable: dict[str, str] = {}
    for section in (D.SECTION_COMPARE,):
        unavailable[section] = f"tamaflow.{section} はこのビルドではまだ利用できません。"
    groups = {key: sorted(group, key=lambda p: (order.get(p.city, len(order)), p.city))
              for key, group in _group(procs).items()}
    flat = [p for group in groups.values() for p in group]
    progress.start(len(flat), "分析中（評価・作図）")
    analysed: dict[int, _Analysed] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for p, result in zip(flat, pool.map(analyse_variant, flat), strict=True):
            analysed[id(p)] = result
            progress.advance(f"{p.name} {cities.get(p.city, p.city)}")
    procedures: list[D.Procedure] = []
    for key, group in groups.items():
        proc = D.Procedure(process=key, name=group[0].name, area=group[0].area, variants=[])
        errors: dict[str, list[str]] = {}
        for p in group:
            a = analysed[id(p)]
            path = Path(p.path or "")
            proc.variants.append(D.Variant(
                process=p, source_file=path.resolve().relative_to(library.resolve()).as_posix(),
                yaml_bytes=path.read_bytes(), city_name=cities.get(p.city, p.city),
                bpmn=a.bpmn, svg=a.svg, score=a.score))
            for section, message in a.errors:
                print(f"warning: {section}: {message}", file=sys.stderr)
                errors.setdefault(section, []).append(message)
        if D.SECTION_RENDER in errors:
            proc.unavailable[D.SECTION_RENDER] = "図を作れなかった市があります: " + "; ".join(errors[D.SECTION_RENDER])
        if D.SECTION_SCORE in errors:
            proc.unavailable[D.SECTION_SCORE] = "評価できなかった市があります: " + "; ".join(errors[D.SECTION_SCORE])
        procedures.append(proc)
    date, revision = source_revision(library)
    return D.SiteData(title=SITE_TITLE, cities=cities, procedures=procedures, build_date=date,
                      revision=revision, unavailable=unavailable)


# ------------------------------------------------------------------------------------ command


@app.command()
@user_errors
def publish(
    library: Annotated[Path, typer.Argument(help="The process library folder (with cities.yaml).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The site folder to write.")],
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder that is not a tamaflow site.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel analyses (default: CPUs).")] = None,
) -> None:
    """Build the static documentation site: home matrix, a page per procedure and per variant,
    search. Opens from disk (file://) or any static host; no network needed.

    Exit 0 when built, 1 when the library has validation errors (nothing is written), 2 on
    usage errors.
    """
    started = time.perf_counter()
    if not library.is_dir():
        raise TamaflowError(f"{library}: not a folder (give the process library, e.g. processes/)", code="TF000")
    root = find_library_root(library)
    if root is None or root != library.resolve():
        raise TamaflowError(f"{library}: no cities.yaml here: give the library folder itself", code="TF000")
    check_output(output, force)
    report = validate_paths([str(library)])
    if report.errors:
        for f in report.findings:
            if f.severity == "error":
                print(f.human(), file=sys.stderr)
        raise TamaflowError(f"{library}: {report.errors} validation error(s): fix them before publishing "
                            "(tamaflow validate)", code="TF001")
    console = Console(stderr=True)
    bpmn_js = find_bpmn_js([Path.cwd(), library, Path(__file__).resolve().parents[2]])
    with _RichProgress(console) as progress:
        data = collect(library, report.processes, progress, jobs or os.cpu_count() or 1)
        stats = build_site(data, output, force=force, bpmn_js=bpmn_js, progress=progress)
    if bpmn_js is None:
        print("warning: npm package bpmn-js not found (run `make node`): diagrams are shown as static SVG",
              file=sys.stderr)
    for section, reason in sorted(data.unavailable.items()):
        print(f"warning: {section}: {reason}", file=sys.stderr)
    print(f"{output}: {len(stats.files)} file(s), {stats.written} written, {stats.unchanged} unchanged, "
          f"{stats.removed} removed in {time.perf_counter() - started:.1f}s", file=sys.stderr)
