"""`tamaflow compare`: options → `tamaflow.app.compare.compare_files` → a report on stdout.

Reading the models and deriving the standard flow live in `tamaflow.app.compare`, the formats in
`tamaflow.compare.report`; both are imported inside the command, because the compare stack
(scipy, the alignment) is the slowest part of tamaflow to import.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..model.findings import TamaflowError
from ._app import (
    PIPED_WIDTH,
    DaskOption,
    QuietOption,
    StrictOption,
    dask_cluster,
    exit_if_left_out,
    output_width,
    user_errors,
)
from ._output import BomOption, OutputOption, emit_text, emit_workbook, need_output

if TYPE_CHECKING:  # the compare stack loads inside the command (see above)
    from ..compare.comparison import Method


class CompareFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
    xlsx = "xlsx"


@user_errors
def compare(
    paths: Annotated[list[str], typer.Argument(help="A folder holding the variants of one procedure, model files (YAML, BPMN, PNML), or the library root (every procedure folder, one section each).")],
    support: Annotated[float, typer.Option("--support", help="Share of variants a step needs to enter the standard flow.")] = 0.5,
    emit_standard: Annotated[str | None, typer.Option("--emit-standard", help="Write the standard flow as a tamaflow YAML file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --emit-standard and --output files.")] = False,
    format: Annotated[CompareFormat, typer.Option("--format", "-f", help="table, json, markdown, csv (the alignment) or "
                                                  "xlsx (an Excel workbook: similarity, standard flow, deviations, "
                                                  "alignment; needs -o).")] = CompareFormat.table,
    output: OutputOption = None,
    bom: BomOption = None,
    dask: DaskOption = None,
    quiet: QuietOption = False,
    strict: StrictOption = False,
    fast: Annotated[bool, typer.Option("--fast", help="Align each variant once to a pivot (the derived standard) "
                                       "instead of every pair: linear in the number of variants, a close "
                                       "approximation (docs/compare.md). The default from 60 variants on.")] = False,
    exact: Annotated[bool, typer.Option("--exact", help="Align every pair of variants (the default below 60 "
                                        "variants; the only path --dask runs).")] = False,
) -> None:
    """Align the steps of a procedure across cities, measure similarity, derive the standard flow
    and list each city's deviations from it.

    Files with validation errors are left out: the rest is compared, then the left-out files'
    errors and 「N 件のファイルにエラーがあるため除外しました」 go to stderr and the exit status is 1.
    With --strict, any error stops the comparison (nothing written)."""
    if not 0.0 < support <= 1.0:
        raise TamaflowError(f"--support must be in (0, 1], got {support:g}", code="TF000")
    if fast and exact:
        raise TamaflowError("--fast and --exact exclude each other: give one (or neither, to pick by size)",
                            code="TF000")
    method: Method = "fast" if fast else "exact" if exact else "auto"
    from ..app.cities import city_names
    from ..app.compare import compare_files, compare_library, procedure_folders
    from ..compare import semantic

    if semantic.asked_but_absent():
        typer.echo(f"note: {semantic.SWITCH}=1 asks for the word vectors, but tamaflow[semantic] is not installed: "
                   "comparing without them (pip install 'tamaflow[semantic]')", err=True)

    need_output(format, output, force)
    # tables and Markdown name cities in Japanese; JSON, CSV and xlsx keep the slugs
    names = city_names(paths)
    # only the terminal tables have a width; asking rich for it costs the other formats its import
    width = output_width(to_file=output is not None) if format is CompareFormat.table else PIPED_WIDTH
    folders = procedure_folders(paths)
    # the CSV is the alignment alone: it needs no similarity measure (a quarter of the work)
    measures = format is not CompareFormat.csv
    if folders is not None:
        # the library root: every procedure folder, one section each
        if emit_standard:
            raise TamaflowError("--emit-standard writes one procedure's standard: name its folder "
                                f"(e.g. {folders[0]}), not the library", code="TF000")
        with dask_cluster(dask) as cluster:
            done = compare_library(folders, support=support, show_progress=not quiet, cluster=cluster, strict=strict,
                                   method=method, measures=measures)
        for name in done.single:
            typer.echo(f"{name}: one variant only (without errors), nothing to compare", err=True)
        _write(done.items, True, format, output, force, bom, names, width, "比較 (tamaflow compare)")
        exit_if_left_out(done.usable)
        return
    with dask_cluster(dask) as cluster:
        one = compare_files(paths, support=support, standard_file=Path(emit_standard) if emit_standard else None,
                            force=force, show_progress=not quiet, cluster=cluster, strict=strict, method=method,
                            measures=measures)
    if emit_standard:
        typer.echo(f"wrote the standard flow to {emit_standard}", err=True)
    comp = one.comparison
    _write(comp, False, format, output, force, bom, names, width, f"比較: {comp.standard.process.name}")
    exit_if_left_out(one.usable)


def _write(result: Any, many: bool, format: CompareFormat, output: str | None, force: bool, bom: bool | None,
           names: dict[str, str], width: int, title: str) -> None:
    """One comparison, or (`many`) the library's list of (procedure, comparison), in `format`."""
    from ..compare import report

    if format is CompareFormat.xlsx:
        from ..compare import tables

        emit_workbook((tables.many_workbook_tables if many else tables.workbook_tables)(result), output, force,
                      title=title)
        return
    if format is CompareFormat.json:
        text = (report.many_to_json if many else report.to_json)(result)
    elif format is CompareFormat.markdown:
        text = (report.many_to_markdown if many else report.to_markdown)(result, names)
    elif format is CompareFormat.csv:
        text = (report.many_to_csv if many else report.to_csv)(result)
    else:
        text = (report.many_to_table if many else report.to_table)(result, width=width, names=names)
    emit_text(text, output, force, csv=format is CompareFormat.csv, bom=bom)
