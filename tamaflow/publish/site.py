"""Turn `SiteData` into a static site: HTML pages, downloads, the search index, bundled assets.

The rules the site keeps:
- **offline**: every asset is bundled (bpmn-js from node_modules, our CSS/JS), links are relative,
  no fetch (diagram XML and the search index come as `.js` files), so it opens from `file://`;
- **escaped**: Jinja2 autoescape is on for every template and user text never reaches `innerHTML`;
- **deterministic**: no clock, sorted orders, a fixed heatmap hash salt: two builds of the same
  input are byte-identical;
- **incremental where cheap**: a file whose bytes did not change is not rewritten, files of the
  previous build that are no longer produced are removed (only those: the manifest says which);
- **careful**: a non-empty folder that is not a previous tamaflow site is not written into
  without `force`.

Depends only on the model and the data handed in; the analyses run in the CLI glue.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jinja2
from markupsafe import Markup

from ..io.files import OverwriteRefused, write_atomic
from ..io.table import safe_text
from ..model import ja_names
from ..model.findings import TamaflowError
from ..model.graph import successors
from ..model.kinds import kind_code, kind_text_ja
from ..model.process import END, Process
from .data import SECTION_COMPARE, SECTION_IMPACT, SECTION_RENDER, SECTION_SCORE, Procedure, ScoreRow, SiteData, Variant
from .heatmap import heatmap_svg
from .impact import by_variant, range_of, savings_chart_svg
from .search import build_index, index_js, js_literal
from .text import column_digits, is_truncated, jst, short_city, truncate

#: marks a folder as a tamaflow site and lists the files the build produced
MANIFEST = "tamaflow-site.json"
GENERATOR = "tamaflow publish"
STATIC = Path(__file__).parent / "static"
#: bpmn-js files copied into the site (the NavigatedViewer bundle, its CSS and its licence, which
#: requires the bpmn.io watermark to stay visible: we never hide it)
BPMN_JS_FILES: tuple[tuple[str, str], ...] = (
    ("dist/bpmn-navigated-viewer.production.min.js", "bpmn-navigated-viewer.production.min.js"),
    ("dist/assets/diagram-js.css", "diagram-js.css"),
    ("dist/assets/bpmn-js.css", "bpmn-js.css"),
    ("LICENSE", "LICENSE"),
)
TOP_OPPORTUNITIES = 15
#: the Content-Security-Policy every page carries (a meta tag, since the site is static files that
#: may be opened from disk, where no server sends headers). Scripts, styles and images come only
#: from the site's own files, never inline, so a label that slipped past escaping could still not
#: run. bpmn-js keeps to it: it styles its elements through the DOM, which CSP does not restrict.
#: form-action is left out: the header's search form must keep submitting from file:// pages.
CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"


class StageProgress(Protocol):
    """What a long job reports to, stage by stage (`start` a stage of `total` items, `advance`
    per item): a terminal bar in the CLI (`tamaflow.app.progress`), nothing in library use."""

    def start(self, total: int, label: str) -> None: ...

    def advance(self, label: str) -> None: ...


class SilentProgress:
    """The silent `StageProgress` of library use."""

    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, label: str) -> None:
        pass


@dataclass(slots=True)
class BuildStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    files: list[str] = field(default_factory=list)


def find_bpmn_js(starts: Iterable[Path]) -> Path | None:
    """The installed npm package `bpmn-js` in `node_modules` at or above any of `starts`."""
    for start in starts:
        p = start.resolve()
        for d in (p, *p.parents):
            candidate = d / "node_modules" / "bpmn-js"
            if all((candidate / src).is_file() for src, _ in BPMN_JS_FILES):
                return candidate
    return None


def check_output(out: Path, force: bool) -> None:
    """Refuse a non-empty folder that is not a previous tamaflow site, unless `force`."""
    if out.exists() and not out.is_dir():
        raise TamaflowError(f"{out} exists and is not a folder", str(out), 0, 0, "TF000")
    if not out.is_dir() or force or (out / MANIFEST).is_file():
        return
    if any(out.iterdir()):
        raise OverwriteRefused(f"{out} is not empty and is not a tamaflow site: not writing into it",
                               str(out), 0, 0, "TF000")


class _Writer:
    """Writes files below the site root, skipping those whose bytes are already there."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.stats = BuildStats()
        self._seen: set[str] = set()

    def put(self, rel: str, data: bytes) -> None:
        if rel in self._seen:
            raise AssertionError(f"site file written twice: {rel}")
        self._seen.add(rel)
        self.stats.files.append(rel)
        path = self.out / rel
        try:
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                self.stats.unchanged += 1
                return
        except OSError:
            pass
        write_atomic(path, data)
        self.stats.written += 1

    def remove_stale(self, previous: list[str]) -> None:
        """Delete files the previous build made and this one did not (never anything else)."""
        root = self.out.resolve()
        for rel in sorted(set(previous) - self._seen):
            path = (self.out / rel).resolve()
            if root not in path.parents or not path.is_file():
                continue
            path.unlink()
            self.stats.removed += 1
            parent = path.parent
            while parent != root and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent


def _previous_files(out: Path) -> list[str]:
    try:
        doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        return []
    return [f for f in files if isinstance(f, str) and not f.startswith("/") and ".." not in f.split("/")]


# ------------------------------------------------------------------------------------------ text


def _num(value: float | None, digits: int | None = None) -> str:
    """Numbers the Japanese way readers expect: thousands separators, few decimals."""
    if value is None:
        return "—"
    if digits is None:
        digits = 0 if abs(value) >= 100 or float(value).is_integer() else 1
    return f"{value:,.{digits}f}"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tamaflow.publish", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _num
    env.filters["jsliteral"] = js_literal
    env.globals["L"] = ja_names
    env.globals["csp"] = CSP
    env.filters["jst"] = jst
    env.filters["short_city"] = short_city
    env.filters["cut"] = truncate
    env.tests["long"] = is_truncated
    env.globals["column_digits"] = column_digits
    return env


def _task_counts(procs: Iterable[Process]) -> dict[str, int]:
    """Paper, seal and in-person tasks (the seed's 紙・押印・対面 count)."""
    c = {"paper": 0, "seal": 0, "in_person": 0, "tasks": 0}
    for p in procs:
        for s in p.steps:
            if not s.is_task:
                continue
            c["tasks"] += 1
            c["paper"] += s.medium == "paper"
            c["seal"] += bool(s.seal)
            c["in_person"] += s.medium == "in-person"
    return c


#: the legend under the home matrix: (css class, range), most similar first
SIMILARITY_BANDS = (("sim-0", "0.80–1.00"), ("sim-1", "0.60–0.79"), ("sim-2", "0.40–0.59"),
                    ("sim-3", "0.20–0.39"), ("sim-4", "0–0.19"))


def _similarity_class(s: float | None) -> str:
    """The colour band of a similarity: sim-0 (0.8–1, green) … sim-4 (below 0.2, red)."""
    if s is None:
        return "sim-na"
    return f"sim-{min(4, int(round((1.0 - s) * 5, 6)))}"


def _flow_text(proc: Process, index: int) -> list[str]:
    """Where a step goes, as short Japanese phrases (for the step table)."""
    names = {x.id: (x.name or x.id) for x in proc.steps}
    out = []
    for target, flow in successors(proc, index):
        if target == END:
            out.append("終了")
            continue
        bits = [names.get(target, target)]
        if flow.get("when"):
            bits.append(f"({flow['when']})")
        if flow.get("share") is not None:
            bits.append(f"{flow['share']:.0%}")
        if flow.get("default"):
            bits.append("既定")
        out.append(" ".join(bits))
    return out or ["終了"]


def _steps_csv(v: Variant) -> bytes:
    """The variant's steps with their attributes and score, for spreadsheets (UTF-8 with BOM so
    that Excel opens the Japanese correctly)."""
    scores: dict[str, ScoreRow] = {r.step_id: r for r in v.score.rows} if v.score else {}
    lanes = v.process.lane_map()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["process", "city", "step_id", "name", "lane", "type", "minutes", "medium", "rule_based",
                "structured", "systems", "access", "system_change", "seal", "exceptions", "standard",
                "assumed", "rpa_score", "rpa_ease", "rpa_level", "hours_per_year", "saved_hours_per_year", "reasons"])

    def b(x: bool | None) -> str:
        return "" if x is None else ("true" if x else "false")

    t = safe_text

    for s in v.process.steps:
        r = scores.get(s.id)
        kind = kind_code(s)
        w.writerow([
            # user text goes through safe_text: a step named `=HYPERLINK(…)` must not run in Excel
            t(v.process.process), t(v.city), t(s.id), t(s.name),
            t(lanes[s.lane].name if s.lane in lanes else (s.lane or "")),
            kind, "" if s.minutes is None else f"{s.minutes:g}", s.medium or "", b(s.rule_based),
            b(s.structured), t(";".join(s.systems)), s.access or "", b(s.system_change), b(s.seal),
            "" if s.exceptions is None else f"{s.exceptions:g}", t(s.standard or ""), t(";".join(s.assumed)),
            "" if r is None else f"{r.score:g}", "" if r is None or r.ease is None else f"{r.ease:g}",
            "" if r is None or r.level is None else r.level,
            "" if r is None or r.hours is None else f"{r.hours:.1f}",
            "" if r is None or r.saved_hours is None else f"{r.saved_hours:.1f}",
            "" if r is None else t(" / ".join(r.reasons)),
        ])
    return buf.getvalue().encode("utf-8-sig")


def _diagram_js(key: str, xml: str) -> bytes:
    """A diagram's BPMN XML as a script, since `file://` pages may not fetch the .bpmn file."""
    return (f"window.TAMAFLOW_DIAGRAMS = window.TAMAFLOW_DIAGRAMS || {{}};\n"
            f"window.TAMAFLOW_DIAGRAMS[{js_literal(key)}] = {js_literal(xml)};\n").encode()


#: quadrants that are no robot's work: 再検討 (low potential and hard), already automated, or
#: not staff work at all; the home's top list leaves them out
NOT_OPPORTUNITIES = frozenset({"reconsider", "automated", "resident", "external"})


def _opportunities(data: SiteData, limit: int = TOP_OPPORTUNITIES) -> list[dict[str, Any]]:
    """The library's steps with the most staff hours a robot could take, spread over the
    procedures: each procedure's best step first (by hours), then each one's second best, …, so
    one large procedure (転入, 26 cities) cannot fill the list. Within a procedure a step is
    listed once, for the city where it saves the most; 再検討 and non-staff steps are left out."""
    per_proc: list[list[dict[str, Any]]] = []
    for proc in data.procedures:
        best: dict[str, dict[str, Any]] = {}
        for v in proc.variants:
            if v.score is None:
                continue
            for i, r in enumerate(v.score.rows):
                hours = r.saved_hours if r.saved_hours is not None else r.hours
                if hours is None or hours <= 0 or r.quadrant in NOT_OPPORTUNITIES:
                    continue
                row = {"proc": proc, "variant": v, "row": r, "hours": hours, "index": i}
                key = r.step_name or r.step_id
                if key not in best or hours > best[key]["hours"]:
                    best[key] = row
        ranked = sorted(best.values(), key=lambda x: (-x["hours"], x["variant"].city, x["index"]))
        if ranked:
            per_proc.append(ranked)
    out: list[dict[str, Any]] = []
    depth = 0
    while len(out) < limit and any(depth < len(rows) for rows in per_proc):
        tier = [rows[depth] for rows in per_proc if depth < len(rows)]
        tier.sort(key=lambda x: (-x["hours"], x["proc"].process, x["variant"].city, x["index"]))
        out += tier[: limit - len(out)]
        depth += 1
    return out


# ----------------------------------------------------------------------------------------- build


def build_site(data: SiteData, out: Path, *, force: bool = False, bpmn_js: Path | None = None,
               progress: StageProgress | None = None) -> BuildStats:
    """Write the whole site into `out` and return what was written.

    `bpmn_js` is the npm package folder to bundle the diagram viewer from (see `find_bpmn_js`);
    without it, diagrams are shown as static SVG pictures.
    """
    check_output(out, force)
    progress = progress or SilentProgress()
    previous_files = _previous_files(out)
    env = _env()
    w = _Writer(out)
    has_viewer = bpmn_js is not None
    n_pages = 4 + len(data.procedures) + sum(len(p.variants) for p in data.procedures) + len(
        {v.city for p in data.procedures for v in p.variants})
    progress.start(n_pages, "サイトを書き出し中")

    def page(rel: str, template: str, **ctx: Any) -> None:
        depth = rel.count("/")
        html = env.get_template(template).render(
            root="../" * depth, site=data, has_viewer=has_viewer, unavailable_site=data.unavailable, **ctx)
        w.put(rel, html.encode("utf-8"))
        progress.advance(rel)

    # assets
    for f in sorted(STATIC.iterdir()):
        if f.is_file():
            w.put(f"assets/{f.name}", f.read_bytes())
    if bpmn_js is not None:
        for src, dst in BPMN_JS_FILES:
            w.put(f"assets/bpmn-js/{dst}", (bpmn_js / src).read_bytes())
    w.put("assets/search-index.js", index_js(build_index(data)))

    by_city: dict[str, list[tuple[Procedure, Variant]]] = {}
    for proc in data.procedures:
        for v in proc.variants:
            by_city.setdefault(v.city, []).append((proc, v))

    # home
    counts = {slug: _task_counts(v.process for _, v in items) for slug, items in by_city.items()}
    page("index.html", "home.html", counts=counts, by_city=by_city, opportunities=_opportunities(data),
         similarity_class=_similarity_class, similarity_bands=SIMILARITY_BANDS,
         variant_of={(p.process, v.city): v for p in data.procedures for v in p.variants},
         excluded_cells={(x.process, x.city) for x in data.excluded if x.process})
    page("search.html", "search.html")
    impact_by = by_variant(data.impact)
    impact_missing = data.unavailable.get(SECTION_IMPACT)
    _impact_page(data, page)

    # procedures and their variants
    for proc in data.procedures:
        base = f"p/{proc.process}"
        if proc.similarity is not None and len(proc.similarity.cities) >= 2:
            sim = proc.similarity
            rel = f"{base}/heatmap.svg"
            old_svg = (out / rel).read_bytes() if (out / rel).is_file() else None
            w.put(rel, heatmap_svg([data.cities.get(c, c) for c in sim.cities], sim.cities, sim.matrix,
                                   f"{proc.name}: 市どうしの類似度", previous=old_svg))
        if proc.standard_bpmn is not None:
            w.put(f"{base}/standard.bpmn", proc.standard_bpmn.encode("utf-8"))
            w.put(f"{base}/standard.bpmn.js", _diagram_js("standard", proc.standard_bpmn))
        if proc.standard_svg is not None:
            w.put(f"{base}/standard.svg", proc.standard_svg.encode("utf-8"))
        page(f"{base}/index.html", "procedure.html", proc=proc, similarity_class=_similarity_class,
             compare_missing=_reason(SECTION_COMPARE, proc, data),
             render_missing=_reason(SECTION_RENDER, proc, data))
        for v in proc.variants:
            stem = f"{base}/{v.city}"
            w.put(f"{stem}.yaml", v.yaml_bytes)
            w.put(f"{stem}.csv", _steps_csv(v))
            if v.bpmn is not None:
                w.put(f"{stem}.bpmn", v.bpmn.encode("utf-8"))
                w.put(f"{stem}.bpmn.js", _diagram_js(v.city, v.bpmn))
            if v.svg is not None:
                w.put(f"{stem}.svg", v.svg.encode("utf-8"))
            lanes = v.process.lane_map()
            steps = [
                {"step": s, "lane": lanes[s.lane].name if s.lane in lanes else (s.lane or ""),
                 "type": kind_text_ja(s), "flow": _flow_text(v.process, i)}
                for i, s in enumerate(v.process.steps)
            ]
            lane_counts = {lane.id: sum(1 for s in v.process.steps if s.lane == lane.id) for lane in v.process.lanes}
            page(f"{stem}.html", "variant.html", proc=proc, v=v, steps=steps, lane_counts=lane_counts,
                 counts=_task_counts([v.process]), marks=_diagram_marks(v),
                 impact_city=impact_by.get((proc.process, v.city)),
                 impact_range=range_of(impact_by[(proc.process, v.city)]) if (proc.process, v.city) in impact_by else "—",
                 impact_missing=impact_missing,
                 compare_missing=_reason(SECTION_COMPARE, proc, data),
                 score_missing=_reason(SECTION_SCORE, proc, data),
                 render_missing=_reason(SECTION_RENDER, proc, data))

    # cities
    for slug in data.cities:
        if slug in by_city:
            rows = [(proc, impact_by[(proc.process, slug)], range_of(impact_by[(proc.process, slug)]))
                    for proc, _v in by_city[slug] if (proc.process, slug) in impact_by]
            page(f"c/{slug}.html", "city.html", slug=slug, items=by_city[slug], counts=counts[slug],
                 similarity_class=_similarity_class, impact_rows=rows, impact_missing=impact_missing)

    manifest = {"generator": GENERATOR, "files": sorted([*w.stats.files, MANIFEST])}
    w.put(MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    w.remove_stale(previous_files)
    return w.stats


def _diagram_marks(v: Variant) -> dict[str, dict[str, Any]]:
    """What the variant's diagram marks, per step id: `m` the kinds (deviation from the standard,
    seal, paper, in-person; viewer.js turns each into a marker and a badge), `t` the tooltip."""
    out: dict[str, dict[str, Any]] = {}
    for s in v.process.steps:
        kinds = [k for k, on in (("deviation", s.id in v.deviation_steps), ("seal", bool(s.seal)),
                                 ("paper", s.medium == "paper"), ("in-person", s.medium == "in-person")) if on]
        if kinds:
            out[s.id] = {"m": kinds, "t": " / ".join(truncate(m, 200) for m in v.deviation_steps.get(s.id, []))}
    return out


def _impact_page(data: SiteData, page: Any) -> None:
    """「標準化の効果」: the region's table, and per procedure a bar chart and the cities' table."""
    from ..impact.report import headline, method_lines

    im = data.impact
    page("impact.html", "impact.html", impact=im, impact_missing=data.unavailable.get(SECTION_IMPACT),
         headline=headline(im) if im else "", method=method_lines(im) if im else [],
         charts={p.process: Markup(savings_chart_svg(p)) for p in im.procedures} if im else {},
         pairs=sum(len(p.cities) for p in im.procedures) if im else 0, range_of=range_of)


def _reason(section: str, proc: Procedure, data: SiteData) -> str | None:
    """Why a section is missing on a page (the procedure's own reason first), or None."""
    return proc.unavailable.get(section) or data.unavailable.get(section)


__all__ = ["BuildStats", "MANIFEST", "SilentProgress", "StageProgress", "build_site", "check_output", "find_bpmn_js"]
