"""`tamaflow publish LIBRARY -o SITE`: the glue that feeds the documentation site.

This is the one place that combines the analyses: it validates and loads the library, asks
`compare` (alignment, similarity, deviations, standard flow), `score` (RPA potential, hours) and
`render` (BPMN with DI, Graphviz SVG) for their results through their public functions, turns
them into the plain data of `tamaflow.publish.data`, and hands that to `publish.build_site`,
which only writes files. When an analysis fails on a procedure or a variant, that section is
marked unavailable on the site with the reason (and a warning on stderr); nothing is made up.
"""

from __future__ import annotations

import dataclasses
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

from ..check.validate import validated
from ..compare import catalogue_names, compare_processes
from ..io.library import find_library_root, load_library
from ..model.findings import TamaflowError
from ..model.process import Process
from ..publish import data as D
from ..publish.site import build_site, check_output, find_bpmn_js
from ..render import render
from ..score import score_process
from ..score.wording import QUADRANT_JA
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


def render_variant(p: Process, title: str | None = None) -> tuple[str, str]:
    """BPMN 2.0 XML with DI (for the bpmn-js viewer and the download) and the Graphviz SVG,
    titled with `title` (the city's Japanese name) instead of the slug."""
    return render(p, "bpmn", city_name=title).decode("utf-8"), render(p, "svg", city_name=title).decode("utf-8")


def score_variant(p: Process) -> D.VariantScore:
    """The score model's per-step table, as the site shows it (potential as a percentage)."""
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
class Compared:
    """What `tamaflow.compare` says about one procedure, as the site shows it."""

    standard: Process
    standard_note: str
    similarity: D.Similarity
    alignment: D.Alignment
    deviations: dict[str, list[str]]
    #: city → distance of its flow to the standard flow (1 − similarity)
    distance: dict[str, float]


def compare_procedure(group: list[Process], catalogue: dict[str, list[str]]) -> Compared:
    """Alignment, similarity, standard flow and deviations from `compare_processes`.

    The distance of a city to the standard is measured with compare's own similarity (the mean
    of its node, structural and behavioural measures, as in the heatmap): the derived standard
    flow is compared once more together with the cities, and distance = 1 − its similarity."""
    comp = compare_processes(group, catalogue)
    std = comp.standard.process
    names = {s.id: s.name or s.id for s in std.steps}
    rows: list[D.AlignmentRow] = []
    extras: dict[str, list[str]] = {}
    for gi, g in enumerate(comp.groups):
        cells = {comp.variants[v]: [comp.views[v].nodes[k].name for k in sorted(ks)] for v, ks in sorted(g.members.items())}
        sid = comp.standard_step_of(gi)
        if sid is not None:
            rows.append(D.AlignmentRow(step_id=sid, step_name=names.get(sid, sid), cells=cells))
        else:
            for city, labels in cells.items():
                extras.setdefault(city, []).extend(labels)
    mean = comp.similarity.get("mean")
    if mean is None:
        raise TamaflowError("compare returned no similarity matrix")
    taken = {p.city for p in group}
    std_id = next(c for c in ("standard", "_standard", "__standard__") if c not in taken)
    with_std = compare_processes([*group, dataclasses.replace(std, city=std_id)], catalogue)
    last = len(with_std.variants) - 1
    distance = {city: round(1.0 - float(with_std.similarity["mean"][i, last]), 4)
                for i, city in enumerate(with_std.variants[:last])}
    k = len(group)
    note = (f"{k} 市のフローを突き合わせ、{comp.standard.support:.0%} 以上の市が行う手順を標準として導出しました"
            "（tamaflow compare）。")
    return Compared(
        standard=std,
        standard_note=note,
        similarity=D.Similarity(cities=list(comp.variants), matrix=[[round(float(x), 4) for x in row] for row in mean],
                                measure="類似度は tamaflow compare のノード・構造・振る舞いの 3 指標の平均です。"),
        alignment=D.Alignment(rows=rows, extras=extras),
        deviations={v: [d.message for d in comp.deviations.get(v, [])] for v in comp.variants},
        distance=distance,
    )


@dataclass(slots=True)
class _Analysed:
    bpmn: str | None = None
    svg: str | None = None
    score: D.VariantScore | None = None
    #: (section, message) of each analysis that failed
    errors: list[tuple[str, str]] = field(default_factory=list)


def analyse_variant(p: Process, title: str, with_score: bool = True) -> _Analysed:
    """Everything the variant page needs from render and score. A failing analysis is recorded
    (and shown on the page as unavailable, with its reason) instead of sinking the whole site."""
    out = _Analysed()
    what = f"{p.process}/{p.city}"
    try:
        out.bpmn, out.svg = render_variant(p, title)
    except Exception as e:  # reported, never replaced by a guess
        out.errors.append((D.SECTION_RENDER, _failed(what, e)))
    if with_score:
        try:
            out.score = score_variant(p)
        except Exception as e:
            out.errors.append((D.SECTION_SCORE, _failed(what, e)))
    return out


STANDARD_TITLE = "標準フロー"


def collect(library: Path, procs: list[Process], progress: _RichProgress, jobs: int) -> D.SiteData:
    """Run the analyses on every procedure and gather the site's data.

    Compare runs per procedure first (it is fast); then every variant and every standard flow is
    drawn (and each variant scored) on `jobs` threads: most of that time goes to Graphviz `dot`
    subprocesses, which run in parallel while the GIL is released. Results keep the input order,
    so the output stays deterministic."""
    lib = load_library(library)
    cities = {slug: c.name for slug, c in lib.cities.items()}
    catalogue = catalogue_names(lib.activities)
    order = {slug: i for i, slug in enumerate(cities)}
    groups = {key: sorted(group, key=lambda p: (order.get(p.city, len(order)), p.city))
              for key, group in _group(procs).items()}
    progress.start(len(groups), "比較中")
    compared: dict[str, Compared | str] = {}
    for key, group in groups.items():
        try:
            compared[key] = compare_procedure(group, catalogue)
        except Exception as e:  # reported on the procedure's pages, never replaced by a guess
            compared[key] = _failed(key, e)
            print(f"warning: {D.SECTION_COMPARE}: {compared[key]}", file=sys.stderr)
        progress.advance(group[0].name)

    work: list[tuple[Process, str, bool]] = [(p, cities.get(p.city, p.city), True) for g in groups.values() for p in g]
    work += [(c.standard, STANDARD_TITLE, False) for c in compared.values() if isinstance(c, Compared)]
    progress.start(len(work), "作図・評価中")
    analysed: dict[int, _Analysed] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for (p, title, _), result in zip(work, pool.map(lambda w: analyse_variant(*w), work), strict=True):
            analysed[id(p)] = result
            progress.advance(f"{p.name} {title}")

    procedures: list[D.Procedure] = []
    for key, group in groups.items():
        proc = D.Procedure(process=key, name=group[0].name, area=group[0].area, variants=[])
        errors: dict[str, list[str]] = {}
        comp = compared[key]
        if isinstance(comp, Compared):
            proc.standard_steps = [s.name for s in comp.standard.steps if s.name]
            proc.standard_note = comp.standard_note
            proc.similarity = comp.similarity
            proc.alignment = comp.alignment
            a = analysed[id(comp.standard)]
            proc.standard_bpmn, proc.standard_svg = a.bpmn, a.svg
            for section, message in a.errors:
                errors.setdefault(section, []).append(f"{STANDARD_TITLE}: {message}")
        else:
            proc.unavailable[D.SECTION_COMPARE] = f"比較できませんでした: {comp}"
        for p in group:
            a = analysed[id(p)]
            path = Path(p.path or "")
            v = D.Variant(process=p, source_file=path.resolve().relative_to(library.resolve()).as_posix(),
                          yaml_bytes=path.read_bytes(), city_name=cities.get(p.city, p.city),
                          bpmn=a.bpmn, svg=a.svg, score=a.score)
            if isinstance(comp, Compared):
                v.distance = comp.distance.get(p.city)
                v.deviations = comp.deviations.get(p.city)
            proc.variants.append(v)
            for section, message in a.errors:
                errors.setdefault(section, []).append(message)
        for section, messages in errors.items():
            for m in messages:
                print(f"warning: {section}: {m}", file=sys.stderr)
        if D.SECTION_RENDER in errors:
            proc.unavailable[D.SECTION_RENDER] = "図を作れませんでした: " + "; ".join(errors[D.SECTION_RENDER])
        if D.SECTION_SCORE in errors:
            proc.unavailable[D.SECTION_SCORE] = "評価できなかった市があります: " + "; ".join(errors[D.SECTION_SCORE])
        procedures.append(proc)
    date, revision = source_revision(library)
    return D.SiteData(title=SITE_TITLE, cities=cities, procedures=procedures, build_date=date, revision=revision)


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
    out = output.resolve()
    if out == root or root in out.parents:
        # the site holds copies of the YAML files: inside the library they would be validated,
        # compared and published again as duplicates
        raise TamaflowError(f"{output}: the site cannot be written inside the library {library}", code="TF000")
    check_output(output, force)
    report = validated([str(library)], lambda r: f"{library}: {r.errors} validation error(s): fix them before "
                       "publishing (tamaflow validate)")
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
