"""Drawing process files, with the optional overlays: the `tamaflow render` use case.

The overlays are the only place where the score model or the step-by-step diff meet the
renderers: they turn a score or a comparison into colours (`tamaflow.render.Overlay`), and
`tamaflow.render` turns a process and an overlay into bytes. `render_files` loads the files,
refuses to overwrite without `force`, and writes `DIR/<process>/<city>.<ext>` atomically.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..check.validate import collect_files
from ..io.files import FolderLock, refuse_overwrite, replacing_folder, write_atomic
from ..io.yaml_loader import load_process_strict
from ..model.findings import TamaflowError
from ..model.process import Process, Step
from ..render import FORMATS, Mark, Overlay, output_path
from ..render import render as render_bytes
from ..score import score_process
from ..score.wording import QUADRANT_JA
from .cities import CityNames

#: how long a render waits by default for another command writing the same folder
DEFAULT_WAIT = 120.0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


#: the overlays `render_files` draws: RPA potential, or the differences from another file
OVERLAYS = ("rpa", "diff")

# colours of the diff overlay (colour-blind friendly: blue / orange / yellow)
ADDED = "#9ecae1"
CHANGED = "#fdd49e"
MISSING = "#fc8d59"
#: fields compared by the diff overlay, in report order
DIFF_FIELDS = ("name", "lane", "kind", "gateway", "join", "event", "next", "end", "minutes", "medium", "rule_based",
               "structured", "systems", "seal", "exceptions", "access", "system_change", "standard")


def normalised(v: Any) -> Any:
    """NFKC for text (full-width vs half-width must not count as a change)."""
    if isinstance(v, str):
        return unicodedata.normalize("NFKC", v).strip()
    if isinstance(v, list):
        return [normalised(x) for x in v]
    return v


def branch_keys(step: Step) -> list[tuple[Any, ...]]:
    """What the diff overlay compares of a step's branches: target, condition, share, default."""
    return [(b.to, normalised(b.when), b.share, b.default) for b in step.branches]


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
        changed = [f for f in DIFF_FIELDS if normalised(getattr(s, f)) != normalised(getattr(o, f))]
        if branch_keys(s) != branch_keys(o):
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
#: steps that are not staff work get their own colour, not a potential band: a system step's
#: potential of 1 would otherwise paint it the green of the best candidate
RPA_NOT_STAFF = {"automated": "#d9d9d9", "resident": "#f7f7f7", "external": "#f7f7f7"}


def rpa_overlay(process: Process) -> Overlay:
    """Colour each scored task by its RPA potential from `tamaflow.score`; system steps grey
    (自動化済み), residents' and outside parties' steps pale (対象外)."""
    result = score_process(process)
    marks: dict[str, Mark] = {}
    for st in result.steps:
        potential = float(st.potential)
        reasons = "; ".join(str(r) for r in st.reasons[:4])
        if st.quadrant in RPA_NOT_STAFF:
            marks[st.id] = Mark(RPA_NOT_STAFF[st.quadrant], st.quadrant_label + (f" — {reasons}" if reasons else ""))
            continue
        colour = next(c for lo, c, _ in RPA_BANDS if potential >= lo)
        marks[st.id] = Mark(colour, f"RPA 適性 {potential:.0%}、{st.quadrant_label}" + (f" — {reasons}" if reasons else ""))
    legend = [(c, text) for _, c, text in RPA_BANDS]
    shown = {st.quadrant for st in result.steps}
    legend += [(RPA_NOT_STAFF[q], QUADRANT_JA[q]) for q in RPA_NOT_STAFF if q in shown]
    return Overlay(marks, legend, f"RPA 適性 (プロセス全体 {float(result.potential):.0%})")


@dataclass(slots=True)
class Rendered:
    """What `render_files` did, for the command's closing line."""

    processes: int
    written: int
    out_dir: Path
    #: stale drawings deleted by `prune`
    removed: list[Path]


def render_files(paths: list[str], formats: list[str], output: str, *, force: bool = False,
                 overlay: str | None = None, against: str | None = None, prune: bool = False,
                 wait: float = DEFAULT_WAIT, say: Callable[[str], None] = _stderr) -> Rendered:
    """Draw every process file under `paths` in each of `formats` into `output`/<process>/<city>.<ext>.

    Nothing is written when a target exists and `force` is off, or when two files would be
    drawn to the same target. `overlay` is one of `OVERLAYS`; `against` is the file the diff
    overlay compares with; `prune` deletes drawings of the chosen formats that this run did not
    produce.

    `output` is written under its folder lock (waiting up to `wait` seconds for another command
    writing it; `say` tells the user). With `prune` the folder is replaced as a whole
    (`io.files.replacing_folder`), so a render killed at any moment leaves the old drawings or
    the new ones, never a half-pruned mix."""
    assert all(f in FORMATS for f in formats) and overlay in (None, *OVERLAYS)
    out_dir = Path(output)
    if out_dir.exists() and not out_dir.is_dir():  # --prune would even swap a folder in for the file
        raise TamaflowError(f"{output} exists and is not a folder: -o names the folder the drawings go to",
                            code="TF000")
    files = collect_files(paths)
    if not files:
        raise TamaflowError(f"no process files in {' '.join(paths)}", code="TF000")
    processes = [load_process_strict(f) for f in files]
    other = load_process_strict(against) if against is not None else None
    if other is not None:
        # a diff against another procedure's file marks every step as different: never meant
        for f, p in zip(files, processes, strict=True):
            if p.process != other.process:
                raise TamaflowError(f"--against is a file of procedure `{other.process}`, and {f} is of `{p.process}`: "
                                    "diff a file against another city's file of the same procedure",
                                    other.path or "", other.where("process").line, other.where("process").col, "TF000")

    targets: dict[Path, str] = {}
    for f, p in zip(files, processes, strict=True):
        for fmt in formats:
            path = output_path(out_dir, p, fmt)
            if path in targets:
                raise TamaflowError(f"{f}: process `{p.process}` of city `{p.city}` is also in {targets[path]}; "
                                    "both would be drawn to the same file", f, p.pos.line, p.pos.col, "TF000")
            targets[path] = f

    def draw(base: Path) -> int:
        """Check the targets (under the lock) and draw every file into `base`."""
        for path in targets:
            refuse_overwrite(path, force)
        written = 0
        names = CityNames()
        for f, p in zip(files, processes, strict=True):
            city_name = names.lookup(f, p.city)
            colours: Overlay | None = None
            if overlay == "rpa":
                colours = rpa_overlay(p)
            elif overlay == "diff" and other is not None:
                colours = diff_overlay(p, other, f"{other.city}/{other.process}")
            for fmt in formats:
                write_atomic(output_path(base, p, fmt), render_bytes(p, fmt, colours, city_name))
                written += 1
        return written

    command = "tamaflow render" + (" --prune" if prune else "")
    if not prune:  # file by file, each atomic; the lock keeps a concurrent --prune from dropping them
        with FolderLock(out_dir, wait=wait, command=command, say=say):
            written = draw(out_dir)
        return Rendered(processes=len(processes), written=written, out_dir=out_dir, removed=[])
    # with --prune the folder changes as a whole: drawn and pruned beside it, then swapped in
    with replacing_folder(out_dir, wait=wait, command=command, say=say) as staging:
        written = draw(staging)
        keep = {staging / t.relative_to(out_dir) for t in targets}
        removed = [out_dir / r.relative_to(staging) for r in prune_outputs(staging, formats, keep)]
    return Rendered(processes=len(processes), written=written, out_dir=out_dir, removed=removed)


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
