"""Importing a model from another tool: the `tamaflow import` use case.

The readers live in `tamaflow.io` (BPMN 2.0, PNML); this module picks the reader, makes the ids
file-safe slugs, and writes the process as a YAML file with a link to the JSON Schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..check.rules import run_rules
from ..io.anyformat import model_format
from ..io.bpmn.read import read_bpmn
from ..io.files import refuse_overwrite, write_atomic
from ..io.pnml import read_pnml
from ..io.schema import SCHEMA_FILE, schema_reference
from ..io.yaml_writer import dump_process
from ..model.findings import TamaflowError
from ..model.ids import slugify
from ..model.process import Process


def import_model(source: str) -> Process:
    """Read a BPMN or PNML file and make its process and city ids valid file slugs.

    In the model a city keeps the file stem as written (compare reports it); in a YAML file it
    must be a lower-case slug."""
    fmt = model_format(source)
    if fmt == "yaml":
        raise TamaflowError(f"{source} is already a process YAML file: nothing to import", code="TF000")
    proc = read_bpmn(source) if fmt == "bpmn" else read_pnml(source)
    proc.process = slugify(proc.process, slugify(Path(source).stem))
    proc.city = slugify(proc.city, slugify(Path(source).stem))
    return proc


@dataclass(slots=True)
class Imported:
    """The imported process, and how many structural errors the source model has."""

    process: Process
    problems: int


def import_file(source: str, output: Path, force: bool = False) -> Imported:
    """Import `source` and write it to `output` (refused if it exists and `force` is off)."""
    refuse_overwrite(output, force)
    proc = import_model(source)
    text = dump_process(proc, schema_reference(output, also_cwd=True) or f"../../{SCHEMA_FILE}", [f"Imported by `tamaflow import` from {Path(source).name}."])
    write_atomic(output, text.encode("utf-8"))
    return Imported(proc, sum(1 for f in run_rules(proc) if f.severity == "error"))
