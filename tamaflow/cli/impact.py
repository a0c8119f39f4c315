"""`tamaflow impact`: options → `tamaflow.app.impact.impact_paths` → a report on stdout or a file.

The analysis lives in `tamaflow.impact` (imported inside the command, with compare and score, so
other commands start without them); docs/impact.md explains the method and its limits.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import StrictOption, exit_if_left_out, output_width, user_errors
from ._output import BomOption, ForceOption, OutputOption, ReportFormat, emit_text, emit_workbook, need_output

ImpactFormat = ReportFormat


@user_errors
def impact(
    paths: Annotated[list[str], typer.Argument(help="Process files or folders (searched recursively), e.g. processes/.")],
    format: Annotated[ImpactFormat, typer.Option("--format", "-f", help="table, json, csv (one row per procedure × "
                      "city), markdown or xlsx (every table; needs -o).")] = ImpactFormat.table,
    runs: Annotated[int, typer.Option("--runs", help="Monte-Carlo runs for the P10/P50/P90 range (0: none; at "
                                         "most 100,000).")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the Monte-Carlo: same seed, same output.")] = 0,
    hourly_cost: Annotated[float | None, typer.Option("--hourly-cost", help="Yen per staff hour, to show savings in "
                           "yen. No default: without it the report has hours only.")] = None,
    config: Annotated[str | None, typer.Option("--config", help="Score model config (as tamaflow score --config).")] = None,
    spreads: Annotated[str | None, typer.Option("--spreads", help="Monte-Carlo spreads (YAML: minutes, exceptions, "
                       "shares, volume, realisation); docs/impact.md.")] = None,
    output: OutputOption = None,
    force: ForceOption = False,
    bom: BomOption = None,
    strict: StrictOption = False,
) -> None:
    """Standardisation business case: staff hours each city saves with the standard flow and RPA.

    Files with validation errors are left out: the others are used, then the left-out files'
    errors and 「N 件のファイルにエラーがあるため除外しました」 go to stderr. Exit 0 on success, 1 when
    a file was left out (or, with --strict, refused: nothing written), 2 on usage or config errors.
    """
    need_output(format, output, force)
    from ..app.impact import impact_paths
    from ..impact import report

    done = impact_paths(paths, runs=runs, seed=seed, hourly_cost=hourly_cost, config=config, spreads=spreads,
                        strict=strict)
    im = done.impact
    if format is ImpactFormat.xlsx:
        from ..impact.tables import workbook_tables

        emit_workbook(workbook_tables(im), output, force, title="標準化の効果 (tamaflow impact)")
        exit_if_left_out(done.usable)
        return
    if format is ImpactFormat.json:
        text = report.to_json(im)
    elif format is ImpactFormat.csv:
        from ..impact.tables import pairs_table
        from ..io.table import to_csv

        text = to_csv(pairs_table(im))
    elif format is ImpactFormat.markdown:
        text = report.to_markdown(im)
    else:
        # piped or -o: the same 140 columns as compare, score and summary
        text = report.to_table(im, width=max(80, output_width(to_file=bool(output))))
    emit_text(text, output, force, csv=format is ImpactFormat.csv, bom=bom)
    exit_if_left_out(done.usable)
