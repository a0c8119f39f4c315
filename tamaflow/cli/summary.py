"""`tamaflow summary`: options → `tamaflow.app.summary` → one screen of tables.

The comparison and scoring of the whole library live in `tamaflow.app.summary`, imported inside
the command so other commands start without the compare and score stacks.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ._app import user_errors


@user_errors
def summary(
    library: Annotated[str, typer.Argument(help="A library folder (with cities.yaml), e.g. processes/.")],
    top: Annotated[int, typer.Option("--top", help="How many RPA steps to list.")] = 10,
) -> None:
    """One-screen overview of a library: validation, per-procedure comparison and RPA hours."""
    from rich.console import Console

    from ..app.summary import summarise, summary_tables

    console = Console(soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # piped or logged (CI, `make demo | tee`): rich would assume 80 columns and fold every name
        console = Console(soft_wrap=False, width=140)
    done = summarise(library)
    checked = done.checked
    console.print(f"[bold]tamaflow summary[/bold] of {library}: {checked.files} process file(s), "
                  f"{checked.errors} error(s), {checked.warnings} warning(s)")
    if checked.errors:
        for f in checked.findings:
            if f.severity == "error":
                typer.echo(f.human())
        raise typer.Exit(1)
    for part in summary_tables(done, top):
        console.print(part)
