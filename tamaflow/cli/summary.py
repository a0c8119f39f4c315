"""`tamaflow summary`: options → `tamaflow.app.summary` → one screen of tables.

The comparison and scoring of the whole library live in `tamaflow.app.summary`, imported inside
the command so other commands start without the compare and score stacks.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated, Any

import typer

from ..model.findings import TamaflowError
from ._app import DaskOption, QuietOption, StrictOption, dask_cluster, exit_if_left_out, user_errors
from ._output import BomOption, ForceOption, OutputOption, emit_text, emit_workbook, need_output


class SummaryFormat(StrEnum):
    table = "table"
    csv = "csv"
    xlsx = "xlsx"


@user_errors
def summary(
    library: Annotated[str, typer.Argument(help="A library folder (with cities.yaml), e.g. processes/.")],
    top: Annotated[int, typer.Option("--top", min=1, help="How many RPA steps to list.")] = 10,
    format: Annotated[SummaryFormat, typer.Option("--format", "-f", help="table (the screen), csv (the "
                      "per-procedure table) or xlsx (an Excel workbook of every table; needs -o).")] = SummaryFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
    bom: BomOption = None,
    dask: DaskOption = None,
    quiet: QuietOption = False,
    strict: StrictOption = False,
) -> None:
    """One-screen overview of a library: validation, per-procedure comparison and RPA hours.

    Files with validation errors are left out: the rest is summarised, then the left-out files'
    errors and 「N 件のファイルにエラーがあるため除外しました」 go to stderr and the exit status is 1.
    With --strict, any error stops the summary (no tables)."""
    if format is SummaryFormat.table and output:
        raise TamaflowError("-o writes --format csv or xlsx; the table format is for the screen", code="TF000")
    need_output(format, output, force)
    with dask_cluster(dask) as cluster:
        _summary(library, top, format, output, force, bom, cluster, quiet, strict)


def _summary(library: str, top: int, format: SummaryFormat, output: str | None, force: bool, bom: bool | None,
             cluster: Any, quiet: bool, strict: bool) -> None:
    """The command once the Dask connection (if any) is open."""
    from rich.console import Console
    from rich.markup import escape

    from ..app.progress import TerminalProgress
    from ..app.summary import summarise, summary_tables

    # with csv or xlsx, stdout is the data (or nothing): the header and the findings go to stderr
    to_screen = format is SummaryFormat.table
    console = Console(soft_wrap=False, stderr=not to_screen)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # piped or logged (CI, `make demo | tee`): rich would assume 80 columns and fold every name
        console = Console(soft_wrap=False, width=140, stderr=not to_screen)
    done = summarise(library, strict=strict, top=top)
    checked = done.checked
    console.print(f"[bold]tamaflow summary[/bold] of {escape(library)}: {checked.files} process file(s), "
                  f"{checked.errors} error(s), {checked.warnings} warning(s)")
    if done.scores is None:
        if not strict:
            exit_if_left_out(done.usable)  # every file has errors: nothing to summarise
        # --strict: the errors, and no tables (nothing written)
        for f in checked.findings:
            if f.severity == "error":
                typer.echo(f.human(), err=not to_screen)
        raise typer.Exit(1)
    if not to_screen:
        from ..app.summary import summary_sheets
        from ..io.table import to_csv

        with TerminalProgress(quiet=quiet) as progress:
            sheets = summary_sheets(done, top, cluster, progress)
        if format is SummaryFormat.xlsx:
            emit_workbook(sheets, output, force, title=f"tamaflow summary: {library}")
        else:
            emit_text(to_csv(sheets[0]), output, force, csv=True, bom=bom)
    else:
        with TerminalProgress(quiet=quiet) as progress:  # gone before the tables are printed
            parts = list(summary_tables(done, top, cluster, progress))
        for part in parts:
            console.print(part)
    exit_if_left_out(done.usable)
