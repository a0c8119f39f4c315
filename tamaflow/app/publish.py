"""The publish pipeline: validate and load a library, run every analysis, build the site.

This is the one place that combines the analyses: it asks `compare` (alignment, similarity,
deviations, standard flow), `score` (RPA potential, hours) and `render` (BPMN with DI, Graphviz
SVG) for their results through their public functions, turns them into the plain data of
`tamaflow.publish.data`, and hands that to `publish.build_site`, which only writes files. Files
with validation errors are left out and listed on the site (`app.lenient`). When an
analysis fails on a procedure or a variant, that section is marked unavailable on the site with
the reason (and a warning on stderr); nothing is made up.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..compare import CompareOptions, Comparison, catalogue_names, compare_processes
from ..compare.comparison import Method
from ..compare.deviations import Deviation
from ..compare.tables import review_cities
from ..impact import DEFAULT_RUNS, Impact, Spreads, impact_of, realisation_range
from ..io.files import check_folder_readable, replacing_folder
from ..io.library import find_library_root, load_library
from ..model.findings import TamaflowError
from ..model.process import Process
from ..publish import data as sitedata
from ..publish.site import BuildStats, SilentProgress, StageProgress, build_site, check_output, find_bpmn_js
from ..render import render
from ..score import default_config, score_process
from ..score.estimate import StepScore
from ..score.wording import BLOCKER_JA, MEDIUM_JA, percent
from .lenient import BANNER, NothingUsable, SkippedFile, Usable, usable_processes

SITE_TITLE = "多摩 業務フロー共有サイト"


# ------------------------------------------------------------------------------ build metadata


def source_revision(library: Path) -> tuple[str, str]:
    """(ISO date, revision) of the source, never the wall clock, so builds are reproducible.

    The date is SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else the
    commit date of HEAD; the revision is HEAD's short hash, marked when the library has
    uncommitted changes."""

    def git(*args: str) -> str | None:
        """stdout of a git command in the library, or None when git is missing or fails."""
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


# ----------------------------------------------------------------------------- the analyses


def group_by_procedure(procs: list[Process]) -> dict[str, list[Process]]:
    by: dict[str, list[Process]] = {}
    for p in sorted(procs, key=lambda p: (p.process, p.city)):
        by.setdefault(p.process, []).append(p)
    return by


def failure_reason(what: str, e: Exception) -> str:
    """The reason shown on the site (and on stderr) when an analysis fails on one input."""
    return f"{what}: {e}" if isinstance(e, TamaflowError) else f"{what}: {type(e).__name__}: {e}"


def render_variant(p: Process, title: str | None = None) -> tuple[str | None, str | None, list[Exception]]:
    """BPMN 2.0 XML with DI (for the bpmn-js viewer and the download) and the Graphviz SVG,
    titled with `title` (the city's Japanese name) instead of the slug, and what failed. Each is
    drawn on its own: Graphviz refusing a label (dot stops at 16 KB strings) must not take the
    BPMN viewer down with it."""
    out: list[str | None] = []
    failed: list[Exception] = []
    for fmt in ("bpmn", "svg"):
        try:
            out.append(render(p, fmt, city_name=title).decode("utf-8"))
        except Exception as e:  # reported by the caller, never replaced by a guess
            out.append(None)
            failed.append(e)
    return out[0], out[1], failed


def reason_sentence(s: StepScore) -> str:
    """The step's score in words, for the home page's 主な理由: what share of the time a robot
    could take, because of what the file says, and what makes it harder. It reads from the same
    factors as `summary` (the compact formula of the tables), so the two never disagree."""
    why: list[str] = []
    for f in s.factors:
        if f.value is None:
            continue
        if f.name == "rules":
            why.append("手順がルールどおり" if f.value is True else "判断を伴う")
        elif f.name == "digital":
            why.append(f"{MEDIUM_JA.get(str(f.value), str(f.value))}で受付")
        else:
            why.append("データが構造化済み" if f.value is True else "データが非構造")
    why += [f"{BLOCKER_JA.get(g.name, g.name)}のため一部のみ" for g in s.gates if 0 < g.multiplier < 1]
    if s.exception_rate > 0:
        why.append(f"例外 {percent(s.exception_rate)}")
    text = f"作業時間の約 {percent(s.potential)} をロボットに任せられる見込みです"
    text += f"（{'、'.join(why)}）。" if why else "。"
    hard = [i.label.split(" (")[0] for i in s.ease_items if i.points < 0]
    text += f"実装の容易性は {s.ease:.0f}/100 です" + (f"（難点: {'、'.join(hard)}）。" if hard else "。")
    return text


def score_variant(p: Process) -> sitedata.VariantScore:
    """The score model's per-step table, as the site shows it (potential as a percentage)."""
    ps = score_process(p)
    rows = [
        sitedata.ScoreRow(step_id=s.id, step_name=s.name, score=round(s.potential * 100, 1),
                   hours=s.hours_per_year, saved_hours=s.automatable_hours_per_year,
                   level=s.quadrant_label, ease=s.ease, summary=s.summary,
                   reasons=list(s.reasons), quadrant=s.quadrant, sentence=reason_sentence(s))
        for s in ps.steps
    ]
    return sitedata.VariantScore(rows=rows, scale="スコア = 自動化できる作業時間の割合（%）、容易性 = 実装のしやすさ（0–100）",
                          total_hours=ps.hours_per_year, total_saved_hours=ps.automatable_hours_per_year,
                          notes=list(ps.notes))


@dataclass(slots=True)
class Compared:
    """What `tamaflow.compare` says about one procedure, as the site shows it."""

    standard: Process
    standard_note: str
    similarity: sitedata.Similarity
    alignment: sitedata.Alignment
    deviations: dict[str, list[str]]
    #: city → step id → the deviations that concern the step
    deviation_steps: dict[str, dict[str, list[str]]]
    #: city → similarity of its flow to the standard flow (1 = the same)
    to_standard: dict[str, float]
    #: the comparison itself, for the impact of its standard flow
    comparison: Comparison | None = None
    #: city → the deviations (sentences) that rest on a cell to check (`Deviation.check`)
    deviation_checks: dict[str, set[str]] = field(default_factory=dict)


def compare_procedure(group: list[Process], catalogue: dict[str, list[str]], method: Method = "auto") -> Compared:
    """Alignment, similarity, standard flow and deviations from `compare_processes` (`method`:
    every pair, through a pivot, or by the number of cities; `CompareOptions.method`).

    The similarity of a city to the standard is compare's own similarity (the mean of its node,
    structural and behavioural measures, as in the heatmap): the derived standard flow is
    compared once more together with the cities."""
    options = CompareOptions(method=method)
    comp = compare_processes(group, catalogue, options)
    std = comp.standard.process
    names = {s.id: s.name or s.id for s in std.steps}
    rows: list[sitedata.AlignmentRow] = []
    extras: dict[str, list[str]] = {}
    for gi, g in enumerate(comp.groups):
        cells = {comp.variants[v]: [comp.views[v].nodes[k].name for k in sorted(ks)] for v, ks in sorted(g.members.items())}
        sid = comp.standard_step_of(gi)
        if sid is not None:
            rows.append(sitedata.AlignmentRow(step_id=sid, step_name=names.get(sid, sid), cells=cells,
                                              review=[comp.variants[v] for v in review_cities(comp, gi)]))
        else:
            for city, labels in cells.items():
                extras.setdefault(city, []).extend(labels)
    mean = comp.similarity.get("mean")
    if mean is None:
        raise TamaflowError("compare returned no similarity matrix")
    taken = {p.city for p in group}
    std_id = next(c for c in ("standard", "_standard", "__standard__") if c not in taken)
    with_std = compare_processes([*group, dataclasses.replace(std, city=std_id)], catalogue, options)
    last = len(with_std.variants) - 1
    to_standard = {city: round(float(with_std.similarity["mean"][i, last]), 4)
                for i, city in enumerate(with_std.variants[:last])}
    k = len(group)
    note = (f"{k} 市のフローを突き合わせ、{comp.standard.support:.0%} 以上の市が行う手順を標準として導出しました"
            "（tamaflow compare）。")
    return Compared(
        standard=std,
        standard_note=note,
        similarity=sitedata.Similarity(cities=list(comp.variants), matrix=[[round(float(x), 4) for x in row] for row in mean],
                                measure="類似度は tamaflow compare のノード・構造・振る舞いの 3 指標の平均です。"),
        alignment=sitedata.Alignment(rows=rows, extras=extras),
        deviations={v: [d.message for d in comp.deviations.get(v, [])] for v in comp.variants},
        deviation_steps={v: _by_step(comp.deviations.get(v, [])) for v in comp.variants},
        to_standard=to_standard,
        comparison=comp,
        deviation_checks={v: {d.message for d in comp.deviations.get(v, []) if d.check} for v in comp.variants},
    )


def _by_step(devs: list[Deviation]) -> dict[str, list[str]]:
    """Step id → the messages of the deviations that name it (a missing step names none)."""
    out: dict[str, list[str]] = {}
    for d in devs:
        for sid in d.steps:
            out.setdefault(sid, []).append(d.message)
    return out


def site_impact(groups: dict[str, list[Process]], compared: dict[str, Compared | str],
                catalogue: dict[str, list[str]], cities: dict[str, str]) -> Impact:
    """The standardisation business case with `tamaflow impact`'s defaults (1,000 runs, seed 0),
    so the site shows the command's numbers. `tamaflow impact` compares each procedure's cities
    in slug order (the standard's majority ties follow the order); where the site's order
    (cities.yaml) differs, the procedure is compared again in that order rather than showing
    numbers the command would not give."""
    pairs: list[tuple[Comparison, list[Process]]] = []
    for key, group in groups.items():
        done = compared[key]
        if not isinstance(done, Compared) or done.comparison is None or len({p.city for p in group}) < 2:
            continue
        ordered = sorted(group, key=lambda p: (p.city, p.path or ""))
        same = [p.city for p in group] == [p.city for p in ordered]
        pairs.append((done.comparison if same else compare_processes(ordered, catalogue), ordered))
    cfg = default_config()
    return impact_of(pairs, cfg, Spreads(), runs=DEFAULT_RUNS, seed=0, realisation_range=realisation_range(cfg),
                     names=cities)


@dataclass(slots=True)
class VariantAnalysis:
    """What render and score made of one variant (or standard flow) for its page."""

    bpmn: str | None = None
    svg: str | None = None
    score: sitedata.VariantScore | None = None
    #: (section, message) of each analysis that failed
    errors: list[tuple[str, str]] = field(default_factory=list)


def analyse_variant(p: Process, title: str, with_score: bool = True) -> VariantAnalysis:
    """Everything the variant page needs from render and score. A failing analysis is recorded
    (and shown on the page as unavailable, with its reason) instead of sinking the whole site."""
    out = VariantAnalysis()
    what = f"{p.process}/{p.city}"
    try:
        out.bpmn, out.svg, failed = render_variant(p, title)
        out.errors += [(sitedata.SECTION_RENDER, failure_reason(what, e)) for e in failed]
    except Exception as e:  # reported, never replaced by a guess
        out.errors.append((sitedata.SECTION_RENDER, failure_reason(what, e)))
    if with_score:
        try:
            out.score = score_variant(p)
        except Exception as e:
            out.errors.append((sitedata.SECTION_SCORE, failure_reason(what, e)))
    return out


STANDARD_TITLE = "標準フロー"


def excluded_files(library: Path, skipped: list[SkippedFile]) -> list[sitedata.ExcludedFile]:
    """The left-out files as the site shows them: paths inside the library (the site must not
    depend on where the library was checked out), the procedure and city from
    `<library>/<process>/<city>.yaml` (a file that cannot be read has no model to ask)."""
    out: list[sitedata.ExcludedFile] = []
    for s in skipped:
        path = Path(s.file).resolve()
        try:
            rel = path.relative_to(library.resolve()).as_posix()
        except ValueError:
            rel = s.file
        parts = rel.split("/")
        process, city = (parts[0], Path(parts[1]).stem) if len(parts) == 2 else (None, None)
        lines = [dataclasses.replace(f, file=rel).human() for f in s.errors]
        out.append(sitedata.ExcludedFile(file=rel, lines=lines, process=process, city=city))
    return out


def collect(library: Path, procs: list[Process], progress: StageProgress, jobs: int,
            skipped: list[SkippedFile] | None = None, method: Method = "auto") -> sitedata.SiteData:
    """Run the analyses on every procedure and gather the site's data; `skipped` are the files
    left out because they have errors (listed on the home page and their procedure's page).

    Compare runs per procedure first (it is fast); then every variant and every standard flow is
    drawn (and each variant scored) on `jobs` threads: most of that time goes to Graphviz `dot`
    subprocesses, which run in parallel while the GIL is released. Results keep the input order,
    so the output stays deterministic."""
    lib = load_library(library)
    cities = {slug: c.name for slug, c in lib.cities.items()}
    catalogue = catalogue_names(lib.activities)
    order = {slug: i for i, slug in enumerate(cities)}
    groups = {key: sorted(group, key=lambda p: (order.get(p.city, len(order)), p.city))
              for key, group in group_by_procedure(procs).items()}
    progress.start(len(groups), "比較中")
    compared: dict[str, Compared | str] = {}
    for key, group in groups.items():
        try:
            compared[key] = compare_procedure(group, catalogue, method)
        except Exception as e:  # reported on the procedure's pages, never replaced by a guess
            compared[key] = failure_reason(key, e)
            print(f"warning: {sitedata.SECTION_COMPARE}: {compared[key]}", file=sys.stderr)
        progress.advance(group[0].name)

    impact: Impact | None = None
    impact_error = ""
    try:
        impact = site_impact(groups, compared, catalogue, cities)
    except Exception as e:  # reported on the impact page, never replaced by a guess
        impact_error = failure_reason("標準化の効果", e)
        print(f"warning: {sitedata.SECTION_IMPACT}: {impact_error}", file=sys.stderr)

    work: list[tuple[Process, str, bool]] = [(p, cities.get(p.city, p.city), True) for g in groups.values() for p in g]
    work += [(c.standard, STANDARD_TITLE, False) for c in compared.values() if isinstance(c, Compared)]
    progress.start(len(work), "作図・評価中")
    analysed: dict[int, VariantAnalysis] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for (p, title, _), result in zip(work, pool.map(lambda w: analyse_variant(*w), work), strict=True):
            analysed[id(p)] = result
            progress.advance(f"{p.name} {title}")

    procedures: list[sitedata.Procedure] = []
    for key, group in groups.items():
        proc = sitedata.Procedure(process=key, name=group[0].name, area=group[0].area, variants=[])
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
            proc.unavailable[sitedata.SECTION_COMPARE] = f"比較できませんでした: {comp}"
        for p in group:
            a = analysed[id(p)]
            path = Path(p.path or "")
            v = sitedata.Variant(process=p, source_file=path.resolve().relative_to(library.resolve()).as_posix(),
                          yaml_bytes=path.read_bytes(), city_name=cities.get(p.city, p.city),
                          bpmn=a.bpmn, svg=a.svg, score=a.score)
            if isinstance(comp, Compared):
                v.to_standard = comp.to_standard.get(p.city)
                v.deviations = comp.deviations.get(p.city)
                v.deviation_steps = comp.deviation_steps.get(p.city, {})
                v.deviation_checks = comp.deviation_checks.get(p.city, set())
            proc.variants.append(v)
            for section, message in a.errors:
                errors.setdefault(section, []).append(message)
        for section, messages in errors.items():
            for m in messages:
                print(f"warning: {section}: {m}", file=sys.stderr)
        if sitedata.SECTION_RENDER in errors:
            proc.unavailable[sitedata.SECTION_RENDER] = "図を作れませんでした: " + "; ".join(errors[sitedata.SECTION_RENDER])
        if sitedata.SECTION_SCORE in errors:
            proc.unavailable[sitedata.SECTION_SCORE] = "評価できなかった市があります: " + "; ".join(errors[sitedata.SECTION_SCORE])
        procedures.append(proc)
    excluded = excluded_files(library, skipped or [])
    for proc in procedures:
        proc.excluded = [x for x in excluded if x.process == proc.process]
    date, revision = source_revision(library)
    site = sitedata.SiteData(title=SITE_TITLE, cities=cities, procedures=procedures, build_date=date, revision=revision,
                             excluded=excluded, excluded_banner=BANNER.format(n=len(excluded)) if excluded else None,
                             impact=impact)
    if impact is None:
        site.unavailable[sitedata.SECTION_IMPACT] = f"標準化の効果を計算できませんでした: {impact_error}"
    return site


@dataclass(slots=True)
class Published:
    """What `publish_site` wrote, for the command's closing lines."""

    stats: BuildStats
    #: section → reason, for the parts of the site that could not be made
    unavailable: dict[str, str]
    #: False when the bpmn-js viewer was not found and diagrams are static SVG
    has_viewer: bool
    #: the files left out of the site because they have errors
    usable: Usable


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


#: how long a publish waits by default for another one writing the same site folder
DEFAULT_WAIT = 120.0


def publish_site(library: Path, output: Path, *, force: bool = False, jobs: int | None = None,
                 progress: StageProgress | None = None, strict: bool = False,
                 method: Method = "auto", wait: float = DEFAULT_WAIT,
                 say: Callable[[str], None] = _stderr) -> Published:
    """Build the static documentation site of `library` into `output`.

    Refuses (TamaflowError, usage) a path that is not the library folder itself or an output
    inside the library; a library folder that cannot be listed raises `UnreadableFolder` (TF001,
    exit 1) instead, since its cities.yaml cannot be seen. Files with validation errors are left
    out of the site, which says so on its home page and on their procedure's page
    (`Published.usable`); with `strict` they raise `check.validate.InvalidFiles` instead, before
    anything is written. `jobs` threads draw and score (default: CPUs). `method`: how compare
    aligns each procedure's cities (`CompareOptions.method`; by their number unless told).

    The site is written whole or not at all (`io.files.replacing_folder`): built beside `output`
    and swapped in, so readers and a publish killed at any moment see the old site or the new
    one. The analyses run unlocked; only the write and swap take `output`'s lock, waiting up to
    `wait` seconds for another command writing it (`say` tells the user about the wait)."""
    if not library.is_dir():
        raise TamaflowError(f"{library}: not a folder (give the process library, e.g. processes/)", code="TF000")
    root = find_library_root(library)
    if root is None or root != library.resolve():
        # a folder that cannot be listed hides its cities.yaml: say that (TF001, as validate and
        # the other commands do), not that the user gave the wrong folder
        check_folder_readable(library)
        raise TamaflowError(f"{library}: no cities.yaml here: give the library folder itself", code="TF000")
    out = output.resolve()
    if out == root or root in out.parents:
        # the site holds copies of the YAML files: inside the library they would be validated,
        # compared and published again as duplicates
        raise TamaflowError(f"{output}: the site cannot be written inside the library {library}", code="TF000")
    check_output(output, force)
    usable = usable_processes([str(library)], strict=strict, refusal=lambda r: f"{library}: {r.errors} validation "
                              "error(s): fix them before publishing (tamaflow validate)")
    if usable.skipped and not usable.processes:
        raise NothingUsable(usable, f"{library}: every process file has errors: nothing to publish")
    bpmn_js = find_bpmn_js([Path.cwd(), library, Path(__file__).resolve().parents[2]])
    progress = progress or SilentProgress()
    data = collect(library, usable.processes, progress, jobs or os.cpu_count() or 1, usable.skipped, method)
    with replacing_folder(output, wait=wait, command="tamaflow publish", say=say) as staging:
        stats = build_site(data, staging, force=force, bpmn_js=bpmn_js, progress=progress)
    return Published(stats=stats, unavailable=dict(data.unavailable), has_viewer=bpmn_js is not None, usable=usable)
