"""`tamaflow compare`: options → `tamaflow.app.compare.compare_files` → a report on stdout.

Reading the models and deriving the standard flow live in `tamaflow.app.compare`, the formats in
`tamaflow.compare.report`; both are imported inside the command, because the compare stack
(scipy, the alignment) is the slowest part of tamaflow to import.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..model.findings import TamaflowError
from ._app import user_errors


class CompareFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


@user_errors
def compare(
    paths: Annotated[list[str], typer.Argument(help="A folder holding the variants of one procedure, or model files (YAML, BPMN, PNML).")],
    support: Annotated[float, typer.Option("--support", help="Share of variants a step needs to enter the standard flow.")] = 0.5,
    emit_standard: Annotated[str | None, typer.Option("--emit-standard", help="Write the standard flow as a tamaflow YAML file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --emit-standard file.")] = False,
    format: Annotated[CompareFormat, typer.Option("--format", "-f", help="table, json, markdown or csv (the alignment).")] = CompareFormat.table,
) -> None:
    """Align the steps of a procedure across cities, measure similarity, derive the standard flow
    and list each city's deviations from it."""
    if not 0.0 < support <= 1.0:
        raise TamaflowError(f"--support must be in (0, 1], got {support:g}", code="TF000")
    from ..app.compare import compare_files
    from ..compare import report

    comp = compare_files(paths, support=support, standard_file=Path(emit_standard) if emit_standard else None,
                         force=force, show_progress=sys.stderr.isatty())
    if format is CompareFormat.json:
        text = report.to_json(comp)
    elif format is CompareFormat.markdown:
        text = report.to_markdown(comp)
    elif format is CompareFormat.csv:
        text = report.to_csv(comp)
    else:
        from rich.console import Console

        text = report.to_table(comp, width=Console().width)
    sys.stdout.write(text)
    if emit_standard:
        typer.echo(f"wrote the standard flow to {emit_standard}", err=True)
