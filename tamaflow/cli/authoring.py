"""`tamaflow new`: options → `tamaflow.app.authoring.new_process_file` → the path written."""

from __future__ import annotations

from typing import Annotated

import typer

from ..model.findings import TamaflowError
from ..model.ids import SLUG
from ._app import user_errors


@user_errors
def new(
    process: Annotated[str, typer.Argument(help="Procedure id (slug), e.g. tennyu.")],
    city: Annotated[str, typer.Option("--city", help="City slug, e.g. kunitachi (inside a library: one of "
                                      "cities.yaml).")],
    name: Annotated[str | None, typer.Option("--name", help="Procedure name (default: the library's name for "
                                             "it, else the id).")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="File to write "
                                               "(default: processes/<process>/<city>.yaml).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a valid starting file for PROCESS × CITY; refuses to overwrite without --force.

    Inside a library that already holds PROCESS, the file starts from its standard flow (or its
    one city's file) with a volume estimated from the city's population; otherwise it is a
    generic skeleton. Exit 2 on an unknown city, an existing file, or a name that is not one line
    of printable text (the file must validate whatever the name)."""
    for label, value in (("process", process), ("--city", city)):
        if not SLUG.match(value):
            raise TamaflowError(f"{label} {value!r} is not a safe id: lower-case ASCII letters, digits, - and _",
                                code="TF000")
    from ..app.authoring import new_process_file

    started = new_process_file(process, city, name, output, force)
    if started.basis == "generic skeleton":
        typer.echo(f"wrote {started.path}")
    else:
        volume = f"volume ≈ {started.volume:,}" if started.volume is not None else "volume left out"
        typer.echo(f"wrote {started.path}: from the {started.basis}, {volume}")
    for note in started.notes:
        typer.echo(f"note: {note}", err=True)
