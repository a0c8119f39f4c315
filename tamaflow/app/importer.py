"""Importing a model from another tool: the `tamaflow import` use case.

The readers live in `tamaflow.io` (BPMN 2.0, PNML); this module picks the reader, decides the
process and city ids, and writes the process as a YAML file with a link to the JSON Schema.

The ids come from where the file goes, since that is what the library checks (TF204: a file
sits at <library>/<process>/<city>.yaml): `--process`/`--city` first, then, inside a library,
the target's folder and file name (the city must be in cities.yaml); outside a library the
city the model states (tamaflow's own BPMN), else the target's file name, and the model's
process (else a slug of its name or the source file's name).
Japanese names are romanized (`転入届.bpmn` → `tennyutodoke`) rather than lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..check.rules import run_rules
from ..io.anyformat import load_any, model_format
from ..io.bpmn.read import declared_city, read_bpmn
from ..io.files import UnreadableFolder, refuse_overwrite, shown_path, write_atomic
from ..io.library import find_library_root, load_library
from ..io.pnml import read_pnml
from ..io.romaji import romanize
from ..io.schema import SCHEMA_FILE, schema_reference
from ..io.yaml_loader import did_you_mean
from ..io.yaml_writer import dump_process
from ..model.findings import TamaflowError
from ..model.ids import SLUG, slugify
from ..model.library import CITIES_FILE, Library
from ..model.process import Process
from .compare import models_in

#: slugify's fallback: an id that says nothing about the model
FALLBACK = "imported"


def readable_slug(text: str, fallback: str = FALLBACK) -> str:
    """A file slug of `text` that keeps a Japanese name readable (romanized) instead of dropping it."""
    return slugify(romanize(text), fallback)


def import_model(source: str) -> Process:
    """Read a BPMN or PNML file and make its process and city ids valid file slugs.

    In the model a city keeps the file stem as written (compare reports it); in a YAML file it
    must be a lower-case slug."""
    return _read_model(source)[0]


def _read_model(source: str) -> tuple[Process, bool]:
    """`import_model`, and whether the city is only the source's file name (the model names
    none; tamaflow's own BPMN does), so that the target's name may replace it."""
    fmt = model_format(source)
    if fmt == "yaml":
        raise TamaflowError("already a process YAML file: nothing to import (check it with `tamaflow validate`)",
                            source, 1, 1, "TF000")
    # the readers refuse a model over the step limit (TF015), as validate refuses its YAML
    proc = read_bpmn(source) if fmt == "bpmn" else read_pnml(source)
    stem = Path(source).stem
    from_file_name = proc.city == stem and (fmt != "bpmn" or declared_city(source) is None)
    proc.process = slugify(proc.process, FALLBACK)
    if proc.process == FALLBACK:  # neither the model's name nor the file name had ASCII letters
        proc.process = readable_slug(proc.name, readable_slug(stem))
    proc.city = slugify(proc.city, readable_slug(stem))
    return proc, from_file_name


@dataclass(slots=True)
class Target:
    """The ids the target path (and the options) give, and the library it lies in, if any."""

    process: str | None
    #: None: the model's own city, else the target's file name
    city: str | None
    library: Library | None = None
    #: the procedure's name in the library's other files (one name for all cities: TF205)
    name: str | None = None


def _library_target(output: Path, root: Path, process: str | None, city: str | None) -> Target:
    """Inside a library: <library>/<process>/<city>.yaml, with a city of cities.yaml. A path
    that says otherwise than the options, or Japanese folder and file names, is a usage error
    that names the path to use."""
    lib = load_library(root)
    in_folder = output.resolve().parent != root.resolve()
    path_process = output.parent.name if in_folder else None
    want_process = process or path_process
    want_city = city or output.stem
    by_name = {c.name: slug for slug, c in lib.cities.items()}
    if not SLUG.match(want_city) or (want_process is not None and not SLUG.match(want_process)):
        names = _procedure_names(root)
        p = names.get(want_process or "", readable_slug(want_process)) if want_process else None
        c = by_name.get(want_city, readable_slug(want_city))
        better = root / p / f"{c}.yaml" if p else root / f"{c}.yaml"
        raise TamaflowError(f"{output}: the folder and file name are the process and city ids (slugs): "
                            f"write to {shown_path(better)} or give --process and --city", code="TF000")
    if (path_process is not None and process and process != path_process) or (city and city != output.stem):
        raise TamaflowError(f"{output}: in a library the file goes to <library>/<process>/<city>.yaml; "
                            f"--process/--city disagree with this path (leave them out, or write to "
                            f"{shown_path(root / (process or path_process or '') / f'{city or output.stem}.yaml')})", code="TF000")
    if lib.cities and want_city not in lib.cities:
        raise TamaflowError(f"city `{want_city}` (from {output.name}) is not in {shown_path(root / CITIES_FILE)}"
                            f"{did_you_mean(want_city, sorted(lib.cities))}; add the city there first", code="TF000")
    name = None
    if want_process is not None and (root / want_process).is_dir():
        others = [f for f in models_in(root / want_process) if Path(f).resolve() != output.resolve()]
        name = _name_of(others[0]) if others else None
    return Target(want_process, want_city, lib, name)


def _name_of(path: str) -> str | None:
    """The procedure name of a library file, or None when it does not load (validate says why)."""
    try:
        return load_any(path).name
    except TamaflowError:
        return None


def _procedure_names(root: Path) -> dict[str, str]:
    """Procedure name → folder, for suggesting the slug of a Japanese folder name."""
    out: dict[str, str] = {}
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            files = models_in(d)
        except UnreadableFolder:  # only a suggestion is made from these: one folder fewer to look in
            continue
        name = _name_of(files[0]) if files else None
        if name is not None:
            out.setdefault(name, d.name)
    return out


def target_ids(output: Path, process: str | None = None, city: str | None = None) -> Target:
    """The process and city the imported file gets (None: the model's own process id)."""
    root = find_library_root(output.parent)
    if root is not None:
        return _library_target(output, root, process, city)
    return Target(process, city)


@dataclass(slots=True)
class Imported:
    """The imported process, and how many structural errors the source model has."""

    process: Process
    problems: int


def import_file(source: str, output: Path, force: bool = False, process: str | None = None,
                city: str | None = None) -> Imported:
    """Import `source` and write it to `output` (refused if it exists and `force` is off), with
    the ids `target_ids` gives; every usage error is raised before the model is read."""
    refuse_overwrite(output, force)
    target = target_ids(output, process, city)
    proc, city_from_file_name = _read_model(source)
    comments = [f"Imported by `tamaflow import` from {Path(source).name}."]
    proc.process = target.process or proc.process
    if target.city is not None:
        proc.city = target.city
    elif city_from_file_name:  # the file goes by the city's name (<city>.yaml); the source's name is a guess
        proc.city = readable_slug(output.stem, proc.city)
    if target.name is not None and target.name != proc.name:
        comments.append(f"The model calls the procedure {proc.name!r}; the library's name for it is kept.")
        proc.name = target.name
    text = dump_process(proc, schema_reference(output, also_cwd=True) or f"../../{SCHEMA_FILE}", comments)
    write_atomic(output, text.encode("utf-8"))
    return Imported(proc, sum(1 for f in run_rules(proc) if f.severity == "error"))
