"""`tamaflow import`: options → `tamaflow.app.importer.import_file` → what was written.

(`import` is a Python keyword, hence the module name.) The readers and the slug rules live in
`tamaflow.app.importer` and `tamaflow.io`, imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..model.findings import TamaflowError
from ..model.ids import SLUG
from ._app import user_errors


@user_errors
def import_(
    file: Annotated[str, typer.Argument(help="A BPMN 2.0 (.bpmn, .xml) or PNML (.pnml) file.")],
    output: Annotated[str, typer.Option("--output", "-o", help="The YAML file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    process: Annotated[str | None, typer.Option("--process", help="Process id (slug); default: the target's "
                                                "folder inside a library, else the model's name.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="City slug; default: the target's file name "
                                             "(inside a library: one of cities.yaml).")] = None,
) -> None:
    """Import a BPMN 2.0 or PNML model as a process YAML file (refuses to overwrite without --force).

    Pools become lanes, element ids become step ids; see docs for the mapping. The process and
    city come from the options, else from the target path (<library>/<process>/<city>.yaml).
    Exit 1 on an unreadable or unsafe file, 2 on usage errors (an unknown city included).
    """
    from ..app.importer import import_file

    for label, value in (("--process", process), ("--city", city)):
        if value is not None and not SLUG.match(value):
            raise TamaflowError(f"{label} {value!r} is not a safe id: lower-case ASCII letters, digits, - and _",
                                code="TF000")

    out = Path(output)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise TamaflowError(f"--output {output}: write to a .yaml file", code="TF000")
    # what is wrong with the source model prints as the finding line `tamaflow validate` prints
    # (TamaflowError's own `path:line:col: error CODE message`, through `user_errors`)
    done = import_file(file, out, force, process, city)
    proc = done.process
    tasks = sum(1 for s in proc.steps if s.is_task)
    gateways = sum(1 for s in proc.steps if s.is_gateway)
    typer.echo(f"wrote {out}: {len(proc.steps)} steps ({tasks} tasks, {gateways} gateways), "
               f"{len(proc.lanes)} lanes")
    if done.problems:
        typer.echo(f"note: the source model has {done.problems} structural problem(s) that the format "
                   f"reports; run `tamaflow validate {out}`", err=True)
