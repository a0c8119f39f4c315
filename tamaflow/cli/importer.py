"""`tamaflow import`: a BPMN 2.0 or PNML model from another tool → a process YAML file.

(`import` is a Python keyword, hence the module name.) The readers live in `tamaflow.io`; this
module only picks the reader, makes the ids file-safe, writes the file and reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
from ._app import app, user_errors


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


@app.command("import")
@user_errors
def import_(
    file: Annotated[str, typer.Argument(help="A BPMN 2.0 (.bpmn, .xml) or PNML (.pnml) file.")],
    output: Annotated[str, typer.Option("--output", "-o", help="The YAML file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Import a BPMN 2.0 or PNML model as a process YAML file (refuses to overwrite without --force).

    Pools become lanes, element ids become step ids; see docs for the mapping. Exit 1 on an
    unreadable or unsafe file, 2 on usage errors.
    """
    out = Path(output)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise TamaflowError(f"--output {output}: write to a .yaml file", code="TF000")
    refuse_overwrite(out, force)
    proc = import_model(file)
    text = dump_process(proc, schema_reference(out, also_cwd=True) or f"../../{SCHEMA_FILE}", [f"Imported by `tamaflow import` from {Path(file).name}."])
    write_atomic(out, text.encode("utf-8"))
    tasks = sum(1 for s in proc.steps if s.is_task)
    gateways = sum(1 for s in proc.steps if s.is_gateway)
    typer.echo(f"wrote {out}: {len(proc.steps)} steps ({tasks} tasks, {gateways} gateways), "
               f"{len(proc.lanes)} lanes")
    problems = [f for f in run_rules(proc) if f.severity == "error"]
    if problems:
        typer.echo(f"note: the source model has {len(problems)} structural problem(s) that the format "
                   f"reports; run `tamaflow validate {out}`", err=True)
