"""Comparing the variants of one procedure: the `tamaflow compare` use case.

Reads the model files (YAML, BPMN, PNML; the ones with validation errors are left out, see
`app.lenient`) and the library's activity catalogue, calls `tamaflow.compare.compare_processes`,
and optionally writes the derived standard flow as a YAML file. The renderings of the result are
in `tamaflow.compare.report`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..compare import CompareOptions, Comparison, catalogue_names, compare_processes
from ..compare.comparison import Method, chosen_method
from ..io.anyformat import SUFFIXES, model_format
from ..io.files import UnreadableFolder, once_each, refuse_overwrite, write_atomic
from ..io.library import find_library_root, read_catalogue
from ..io.schema import schema_reference
from ..io.yaml_writer import dump_process
from ..model.findings import TamaflowError
from ..model.library import CATALOGUE_FILE, LIBRARY_FILES
from ..model.process import Process
from .lenient import NothingUsable, SkippedFile, Usable, usable_models

if TYPE_CHECKING:
    from .distributed import DaskCluster

def models_in(folder: Path) -> list[str]:
    """The model files directly inside a folder (not the library's own files), sorted; a folder
    that cannot be listed raises `UnreadableFolder` (TF001), never a PermissionError traceback."""
    try:
        return sorted(
            str(folder / f) for f in os.listdir(folder)
            if (folder / f).is_file() and not f.startswith(".") and f not in LIBRARY_FILES
            and Path(f).suffix.lower() in SUFFIXES
        )
    except OSError as e:
        raise UnreadableFolder(str(folder), e) from None


def may_hold_models(folder: Path) -> bool:
    """Whether a subfolder of the library root is a procedure folder; one that cannot be listed
    might be, and counts as one (`compare_library` reports it instead of leaving it out)."""
    try:
        return bool(models_in(folder))
    except UnreadableFolder:
        return True


def procedure_folders(paths: list[str]) -> list[Path] | None:
    """For one folder that holds no models itself but whose subfolders do (the library root,
    `processes/`): those subfolders, one procedure each. None for anything else."""
    if len(paths) != 1:
        return None
    root = Path(paths[0])
    if not root.is_dir() or models_in(root):
        return None
    subs = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".") and may_hold_models(d)]
    return subs or None


@dataclass(slots=True)
class FilesCompared:
    """A comparison, and the model files left out of it because they have errors."""

    comparison: Comparison
    usable: Usable


@dataclass(slots=True)
class LibraryCompared:
    """Every procedure folder of a library compared, in name order."""

    items: list[tuple[str, Comparison]] = field(default_factory=list)
    #: folders with fewer than two variants (without errors): nothing to compare
    single: list[str] = field(default_factory=list)
    #: every folder's files: the ones left out because they have errors
    usable: Usable = field(default_factory=Usable)


def compare_library(folders: list[Path], *, support: float = 0.5, show_progress: bool = False,
                    cluster: DaskCluster | None = None, strict: bool = False,
                    method: Method = "auto", measures: bool = True) -> LibraryCompared:
    """Compare every procedure folder, leaving out the files with errors; a folder left with a
    single variant is listed in `single`. With `strict`, any file with errors refuses the whole
    library (`NothingUsable`, every error listed) before anything is compared. With `cluster`,
    the pairs of every procedure are aligned on that Dask cluster. `method` and `measures`: as
    for `compare_files`."""
    done = LibraryCompared()
    loaded: list[tuple[Path, Usable]] = []
    for folder in folders:
        try:
            files = models_in(folder)
        except UnreadableFolder as e:  # left out like a file with errors: said, and exit 1
            done.usable.extend(Usable(skipped=[SkippedFile(e.file, (e.finding(),))]))
            continue
        usable = load_models(files)
        done.usable.extend(usable)
        loaded.append((folder, usable))
    if strict and done.usable.skipped:
        raise NothingUsable(done.usable, f"{len(done.usable.skipped)} file(s) have errors: fix them (tamaflow "
                            "validate) or leave out --strict", refused=True)
    for folder, usable in loaded:
        if len(usable.processes) < 2:
            done.single.append(folder.name)
            continue
        done.items.append((folder.name, compare_models(usable.processes, [str(folder)], support=support,
                                                       show_progress=show_progress, cluster=cluster,
                                                       method=method, measures=measures)))
    return done


def collect_models(paths: list[str]) -> list[str]:
    """Files as given; a folder contributes the model files directly inside it (one procedure).

    A file named twice (`compare lib/hakko lib/hakko/kunitachi.yaml`) is compared once, where it
    first appears (`io.files.once_each`): validate's library rules would take it for its own
    second copy (TF203) and leave it out.

    Not merged with `check.validate.walk_files`: compare reads one procedure folder, not its
    subfolders, in every model format, and refuses a folder it cannot list or that holds no
    model (where validate reports the one and leaves the other to its caller). Only the
    de-duplication is shared."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = models_in(path)
            if not found:
                raise TamaflowError(f"{p}: no process files (*.yaml, *.bpmn, *.pnml) in this folder", code="TF000")
            out.extend(found)
        elif path.is_file():
            model_format(p)  # unknown extension → usage error
            out.append(p)
        else:
            raise TamaflowError(f"no such file or folder: {p}", code="TF000")
    return once_each((f, os.path.realpath(f)) for f in out)


def load_models(files: list[str], *, strict: bool = False) -> Usable:
    """Read and validate every model file, leaving out the ones with errors (with `strict`,
    refusing them: `InvalidFiles`); the YAML files must all describe the same procedure."""
    usable = usable_models(files, strict=strict, refusal=lambda r: f"{r.files} file(s): {r.errors} error(s): fix "
                           "them (tamaflow validate) or leave out --strict")
    yaml_ids = {p.process for p in usable.processes if p.path and model_format(p.path) == "yaml"}
    if len(yaml_ids) > 1:
        raise TamaflowError(
            f"the files hold different procedures ({', '.join(sorted(yaml_ids))}): compare one procedure at a time",
            code="TF000")
    return usable


def load_catalogue_for(paths: list[str]) -> dict[str, list[str]]:
    """The catalogue of the library the first path belongs to (empty outside a library). Its own
    problems are `tamaflow validate`'s business; whatever entries load are used."""
    root = find_library_root(Path(paths[0]))
    if root is None or not (root / CATALOGUE_FILE).is_file():
        return {}
    acts, _findings = read_catalogue(str(root / CATALOGUE_FILE))
    return catalogue_names(acts)


def compare_files(paths: list[str], *, support: float = 0.5, standard_file: Path | None = None,
                  force: bool = False, show_progress: bool = False, cluster: DaskCluster | None = None,
                  strict: bool = False, method: Method = "auto", measures: bool = True) -> FilesCompared:
    """Compare the variants in `paths` (a folder of one procedure, or model files).

    Files with validation errors are left out (`FilesCompared.usable` says which); with `strict`
    they refuse the comparison instead. `support` is the share of variants a step needs to
    enter the standard flow. With `standard_file`, the standard flow is written there as YAML
    (refused, before any work, if the file exists and `force` is off). `show_progress` draws a
    bar of the pairs on stderr (only on a terminal, and only once the work has run for about
    2 s: `app.progress`). With `cluster`, the pairs are aligned and measured on that Dask
    cluster (same result). `method`: every pair (exact), through a pivot (fast), or by the
    number of variants (auto); a cluster runs the exact path, so `auto` with a cluster is exact
    and `fast` is refused. Without `measures`, the similarity matrices and the clustering are
    left out (`Comparison.similarity` is empty): the alignment, the standard flow and the
    deviations are the same, in about three quarters of the time."""
    if cluster is not None and method == "fast":
        raise TamaflowError("--dask aligns every pair (the exact path): drop --fast", code="TF000")
    files = collect_models(paths)
    if len(files) < 2:
        raise TamaflowError("compare needs at least two variants", code="TF000")
    if standard_file is not None:
        refuse_overwrite(standard_file, force)
    usable = load_models(files, strict=strict)
    if len(usable.processes) < 2:
        raise NothingUsable(usable, f"{len(usable.processes)} of the {len(files)} variants without errors: "
                            "compare needs at least two")
    comp = compare_models(usable.processes, paths, support=support, show_progress=show_progress, cluster=cluster,
                          method=method, measures=measures)
    if standard_file is not None:
        write_standard(comp, standard_file)
    return FilesCompared(comp, usable)


def compare_models(procs: list[Process], paths: list[str], *, support: float = 0.5, show_progress: bool = False,
                   cluster: DaskCluster | None = None, method: Method = "auto", measures: bool = True) -> Comparison:
    """Compare loaded variants, with the catalogue of the library `paths` belong to (`method`
    and `measures` as for `compare_files`; a cluster runs the exact path)."""
    catalogue = load_catalogue_for(paths)
    options = CompareOptions(support=support, method="exact" if cluster is not None else method, measures=measures)
    runner = cluster.runner(procs, catalogue, options) if cluster is not None else None
    if show_progress:
        from .progress import pair_progress

        k = len(procs)
        # the fast path reports its own total (a sample's pairs and two passes over the variants)
        with pair_progress(k * (k - 1) // 2 if chosen_method(options.method, k) == "exact" else k) as on_pairs:
            return compare_processes(procs, catalogue, options, on_pairs, runner)
    return compare_processes(procs, catalogue, options, runner=runner)


def write_standard(comp: Comparison, target: Path) -> None:
    """The derived standard flow as a commented tamaflow YAML file, written atomically."""
    n = len(comp.variants)
    text = dump_process(comp.standard.process, schema=schema_reference(target), comments=[
        f"Standard flow of {comp.standard.process.name} derived by `tamaflow compare` from {n} variants",
        f"({', '.join(comp.variants)}); steps present in at least {comp.standard.support:g} of them, in consensus order.",
        "A proposal to discuss, not an official flow.",
    ])
    write_atomic(target, text.encode("utf-8"))
