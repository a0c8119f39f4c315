"""Comparing the variants of one procedure: the `tamaflow compare` use case.

Reads the model files (YAML, BPMN, PNML) and the library's activity catalogue, calls
`tamaflow.compare.compare_processes`, and optionally writes the derived standard flow as a YAML
file. The renderings of the result are in `tamaflow.compare.report`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..compare import CompareOptions, Comparison, catalogue_names, compare_processes
from ..io.anyformat import SUFFIXES, load_any, model_format
from ..io.files import refuse_overwrite, write_atomic
from ..io.library import find_library_root, read_catalogue
from ..io.schema import schema_reference
from ..io.yaml_writer import dump_process
from ..model.findings import TamaflowError
from ..model.library import CATALOGUE_FILE, LIBRARY_FILES
from ..model.process import Process

if TYPE_CHECKING:
    from .distributed import DaskCluster

def models_in(folder: Path) -> list[str]:
    """The model files directly inside a folder (not the library's own files), sorted."""
    return sorted(
        str(folder / f) for f in os.listdir(folder)
        if (folder / f).is_file() and not f.startswith(".") and f not in LIBRARY_FILES
        and Path(f).suffix.lower() in SUFFIXES
    )


def procedure_folders(paths: list[str]) -> list[Path] | None:
    """For one folder that holds no models itself but whose subfolders do (the library root,
    `processes/`): those subfolders, one procedure each. None for anything else."""
    if len(paths) != 1:
        return None
    root = Path(paths[0])
    if not root.is_dir() or models_in(root):
        return None
    subs = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".") and models_in(d)]
    return subs or None


def compare_library(folders: list[Path], *, support: float = 0.5, show_progress: bool = False,
                    cluster: DaskCluster | None = None) -> tuple[list[tuple[str, Comparison]], list[str]]:
    """Compare every procedure folder: (folder name, comparison) in name order, and the names of
    the folders skipped because they hold a single variant. With `cluster`, the pairs of every
    procedure are aligned on that Dask cluster."""
    done: list[tuple[str, Comparison]] = []
    skipped: list[str] = []
    for folder in folders:
        if len(models_in(folder)) < 2:
            skipped.append(folder.name)
            continue
        done.append((folder.name, compare_files([str(folder)], support=support, show_progress=show_progress,
                                                   cluster=cluster)))
    return done, skipped


def collect_models(paths: list[str]) -> list[str]:
    """Files as given; a folder contributes the model files directly inside it (one procedure)."""
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
    return out


def load_models(files: list[str]) -> list[Process]:
    """Read every model file; YAML files must all describe the same procedure."""
    procs = [load_any(f) for f in files]
    yaml_ids = {p.process for f, p in zip(files, procs, strict=True) if model_format(f) == "yaml"}
    if len(yaml_ids) > 1:
        raise TamaflowError(
            f"the files hold different procedures ({', '.join(sorted(yaml_ids))}): compare one procedure at a time",
            code="TF000")
    return procs


def load_catalogue_for(paths: list[str]) -> dict[str, list[str]]:
    """The catalogue of the library the first path belongs to (empty outside a library). Its own
    problems are `tamaflow validate`'s business; whatever entries load are used."""
    root = find_library_root(Path(paths[0]))
    if root is None or not (root / CATALOGUE_FILE).is_file():
        return {}
    acts, _findings = read_catalogue(str(root / CATALOGUE_FILE))
    return catalogue_names(acts)


def compare_files(paths: list[str], *, support: float = 0.5, standard_file: Path | None = None,
                  force: bool = False, show_progress: bool = False, cluster: DaskCluster | None = None) -> Comparison:
    """Compare the variants in `paths` (a folder of one procedure, or model files).

    `support` is the share of variants a step needs to enter the standard flow. With
    `standard_file`, the standard flow is written there as YAML (refused, before any work, if
    the file exists and `force` is off). `show_progress` draws a bar of the pairs on stderr (only on a terminal,
    and only once the work has run for about 2 s: `app.progress`).
    With `cluster`, the pairs are aligned and measured on that Dask cluster (same result)."""
    files = collect_models(paths)
    if len(files) < 2:
        raise TamaflowError("compare needs at least two variants", code="TF000")
    if standard_file is not None:
        refuse_overwrite(standard_file, force)
    procs = load_models(files)
    catalogue = load_catalogue_for(paths)
    options = CompareOptions(support=support)
    runner = cluster.runner(procs, catalogue, options) if cluster is not None else None
    if show_progress:
        from .progress import pair_progress

        with pair_progress(len(procs) * (len(procs) - 1) // 2) as on_pairs:
            comp = compare_processes(procs, catalogue, options, on_pairs, runner)
    else:
        comp = compare_processes(procs, catalogue, options, runner=runner)
    if standard_file is not None:
        write_standard(comp, standard_file)
    return comp


def write_standard(comp: Comparison, target: Path) -> None:
    """The derived standard flow as a commented tamaflow YAML file, written atomically."""
    n = len(comp.variants)
    text = dump_process(comp.standard.process, schema=schema_reference(target), comments=[
        f"Standard flow of {comp.standard.process.name} derived by `tamaflow compare` from {n} variants",
        f"({', '.join(comp.variants)}); steps present in at least {comp.standard.support:g} of them, in consensus order.",
        "A proposal to discuss, not an official flow.",
    ])
    write_atomic(target, text.encode("utf-8"))
