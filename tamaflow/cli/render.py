"""`tamaflow render`: BPMN / SVG / PNG / DOT drawings of process files.

Thin glue: loads processes, computes the optional overlay colours (the only place where score
or the step-by-step diff meet the renderers), asks `tamaflow.render` for bytes and writes them
atomically to `DIR/<process>/<city>.<ext>`, refusing to overwrite without `--force`.
"""

from __future__ import annotations

import importlib
import unicodedata
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..check.validate import collect_files
from ..io.files import refuse_overwrite, write_atomic
from ..io.library import find_library_root, read_cities
from ..io.yaml_loader import load_process_strict
from ..model.findings import TamaflowError
from ..model.library import CITIES_FILE
from ..model.process import Process, Step
from ..render import FORMATS, Mark, Overlay, output_path
from ..render import render as render_bytes
from ._app import app, user_errors


class OutFormat(StrEnum):
    bpmn = "bpmn"
    svg = "svg"
    png = "png"
    dot = "dot"


class OverlayKind(StrEnum):
    rpa = "rpa"
    diff = "diff"


# colours of the diff overlay (colour-blind friendly: blue / orange / yellow)
ADDED = "#9ecae1"
CHANGED = "#fdd49e"
MISSING = "#fc8d59"
#: fields compared by the diff overlay, in report order
DIFF_FIELDS = ("name", "lane", "kind", "gateway", "join", "event", "next", "end", "minutes", "medium", "rule_based",
               "structured", "systems", "seal", "exceptions", "access", "system_change", "standard")


def _norm(v: Any) -> Any:
    """NFKC for text (full-width vs half-width must not count as a change)."""
    if isinstance(v, str):
        return unicodedata.normalize("NFKC", v).strip()
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def _branches(s: Step) -> list[tuple[Any, ...]]:
    return [(b.to, _norm(b.when), b.share, b.default) for b in s.branches]


def diff_overlay(mine: Process, other: Process, other_label: str) -> Overlay:
    """Colour the steps of `mine` that `other` lacks (added) or has differently (changed), and
    list the steps only `other` has (missing here) in the legend. Steps are matched by id."""
    theirs = other.step_map()
    mine_ids = {s.id for s in mine.steps}
    marks: dict[str, Mark] = {}
    for s in mine.steps:
        o = theirs.get(s.id)
        if o is None:
            marks[s.id] = Mark(ADDED, f"{other_label} にない手順")
            continue
        changed = [f for f in DIFF_FIELDS if _norm(getattr(s, f)) != _norm(getattr(o, f))]
        if _branches(s) != _branches(o):
            changed.append("branches")
        if changed:
            marks[s.id] = Mark(CHANGED, "変更: " + ", ".join(changed))
    missing = [s for s in other.steps if s.id not in mine_ids]
    legend = [(ADDED, f"追加 ({sum(1 for m in marks.values() if m.colour == ADDED)})"),
              (CHANGED, f"変更 ({sum(1 for m in marks.values() if m.colour == CHANGED)})")]
    text = "、".join(f"{s.name or s.id} ({s.id})" for s in missing) if missing else "なし"
    legend.append((MISSING, f"{other_label} にだけある手順: {text}"))
    return Overlay(marks, legend, f"差分: {other_label} と比較")


#: potential bands of the RPA overlay: (lower bound, colour, legend text)
RPA_BANDS = ((0.7, "#66bd63", "RPA 適性 高 (≥ 70%)"), (0.4, "#a6d96a", "RPA 適性 中 (40–70%)"),
             (0.15, "#fee08b", "RPA 適性 低 (15–40%)"), (0.0, "#f4a582", "RPA 適性 ほぼなし (< 15%)"))


def rpa_overlay(process: Process) -> Overlay:
    """Colour each scored task by its RPA potential from `tamaflow.score` (built separately)."""
    try:
        model = importlib.import_module("tamaflow.score.estimate")
    except ModuleNotFoundError:
        raise TamaflowError("--overlay rpa needs the scoring model (tamaflow.score), which is not installed "
                            "in this build", code="TF000") from None
    score_process = getattr(model, "score_process", None)
    if score_process is None:
        raise TamaflowError("--overlay rpa: tamaflow.score.estimate has no score_process()", code="TF000")
    result = score_process(process)
    marks: dict[str, Mark] = {}
    for st in result.steps:
        potential = float(st.potential)
        colour = next(c for lo, c, _ in RPA_BANDS if potential >= lo)
        reasons = "; ".join(str(r) for r in getattr(st, "reasons", [])[:4])
        marks[st.id] = Mark(colour, f"RPA 適性 {potential:.0%}" + (f" — {reasons}" if reasons else ""))
    legend = [(c, text) for _, c, text in RPA_BANDS]
    return Overlay(marks, legend, f"RPA 適性 (プロセス全体 {float(result.potential):.0%})")


@app.command()
@user_errors
def render(
    paths: Annotated[list[str], typer.Argument(help="Process files or folders (searched recursively).")],
    to: Annotated[list[OutFormat], typer.Option("--to", "-t", help="Output format; repeat for several.")],
    output: Annotated[str, typer.Option("--output", "-o", help="Output folder: DIR/<process>/<city>.<ext>.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing drawings.")] = False,
    overlay: Annotated[OverlayKind | None, typer.Option(
        "--overlay", help="Colour steps: rpa (RPA potential) or diff (against --against). SVG/PNG/DOT only.")] = None,
    against: Annotated[str | None, typer.Option("--against", help="The process file to diff against.")] = None,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Delete DIR/<process>/<city>.<ext> drawings (of the chosen formats) that this run did "
        "not produce, e.g. of deleted processes. For rendering a whole library.")] = False,
) -> None:
    """Draw processes as BPMN 2.0 (with swimlane layout), SVG, PNG or DOT."""
    if overlay is OverlayKind.diff and against is None:
        raise TamaflowError("--overlay diff needs --against OTHER.yaml", code="TF000")
    if against is not None and overlay is not OverlayKind.diff:
        raise TamaflowError("--against is only used with --overlay diff", code="TF000")
    formats = list(dict.fromkeys(f.value for f in to))
    assert all(f in FORMATS for f in formats)
    files = collect_files(paths)
    if not files:
        raise TamaflowError(f"no process files in {' '.join(paths)}", code="TF000")
    processes = [load_process_strict(f) for f in files]
    other = load_process_strict(against) if against is not None else None

    out_dir = Path(output)
    targets: dict[Path, str] = {}
    for f, p in zip(files, processes, strict=True):
        for fmt in formats:
            path = output_path(out_dir, p, fmt)
            if path in targets:
                raise TamaflowError(f"{f}: process `{p.process}` of city `{p.city}` is also in {targets[path]}; "
                                    "both would be drawn to the same file", f, p.pos.line, p.pos.col, "TF000")
            targets[path] = f
            refuse_overwrite(path, force)

    written = 0
    names = CityNames()
    for f, p in zip(files, processes, strict=True):
        city_name = names.lookup(f, p.city)
        ov: Overlay | None = None
        if overlay is OverlayKind.rpa:
            ov = rpa_overlay(p)
        elif overlay is OverlayKind.diff and other is not None:
            ov = diff_overlay(p, other, f"{other.city}/{other.process}")
        for fmt in formats:
            write_atomic(output_path(out_dir, p, fmt), render_bytes(p, fmt, ov, city_name))
            written += 1
    removed = prune_outputs(out_dir, formats, set(targets)) if prune else []
    typer.echo(f"rendered {len(processes)} process(es) to {written} file(s) in {out_dir}"
               + (f", removed {len(removed)} stale file(s)" if removed else ""), err=True)


class CityNames:
    """Japanese city names from the `cities.yaml` of each file's library (read once per library;
    a file outside a library, or an unknown slug, keeps the slug)."""

    def __init__(self) -> None:
        self.by_root: dict[Path, dict[str, str]] = {}

    def lookup(self, file: str, slug: str) -> str | None:
        root = find_library_root(Path(file))
        if root is None:
            return None
        if root not in self.by_root:
            cities, _findings = read_cities(str(root / CITIES_FILE))
            self.by_root[root] = {c.slug: c.name for c in cities.values()}
        return self.by_root[root].get(slug)


def prune_outputs(out_dir: Path, formats: list[str], keep: set[Path]) -> list[Path]:
    """Remove `<out_dir>/<process>/<city>.<fmt>` files not in `keep` (only the given formats, so
    notes or other formats beside them stay), then empty process folders."""
    removed: list[Path] = []
    if not out_dir.is_dir():
        return removed
    for sub in sorted(p for p in out_dir.iterdir() if p.is_dir()):
        for fmt in formats:
            for f in sorted(sub.glob(f"*.{fmt}")):
                if f.is_file() and f not in keep:
                    f.unlink()
                    removed.append(f)
        if not any(sub.iterdir()):
            sub.rmdir()
    return removed
