"""`tamaflow score`: options → `tamaflow.app.score.score_paths` → a report on stdout or a file.

The model lives in `tamaflow.score` and the validate-then-score flow in `tamaflow.app.score`,
both imported inside the command so other commands start without them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..model.findings import TamaflowError
from ._app import StrictOption, exit_if_left_out, output_width, user_errors
from ._output import BomOption, ForceOption, OutputOption, ReportFormat, emit_text, emit_workbook, need_output

ScoreFormat = ReportFormat


@user_errors
def score(
    paths: Annotated[list[str] | None, typer.Argument(help="Process files or folders (searched recursively).")] = None,
    config: Annotated[str | None, typer.Option("--config", help="Score model config (YAML); see --print-config.")] = None,
    format: Annotated[ScoreFormat, typer.Option("--format", "-f", help="table, json, csv, markdown or xlsx (an Excel "
                                               "workbook: ranking, best variant, top steps, seal/paper, steps; needs -o).")] = ScoreFormat.table,
    top: Annotated[int, typer.Option("--top", min=1, help="How many top steps to list.")] = 10,
    print_config: Annotated[bool, typer.Option("--print-config", help="Print the default model config "
                                               "(commented YAML with sources) and exit.")] = False,
    output: OutputOption = None,
    force: ForceOption = False,
    bom: BomOption = None,
    strict: StrictOption = False,
) -> None:
    """Score RPA potential: automatable staff hours per step, process and city, with reasons.

    Files with validation errors are left out: the others are scored, then the left-out files'
    errors and 「N 件のファイルにエラーがあるため除外しました」 go to stderr. Exit 0 on success, 1 when
    a file was left out (or, with --strict, refused: nothing scored), 2 on usage or config errors.
    """
    from ..app.score import score_paths
    from ..score import config_yaml, report

    if print_config:
        emit_text(config_yaml(), output, force)
        return
    if not paths:
        raise TamaflowError("give process files or folders to score (or --print-config)", code="TF000")
    need_output(format, output, force)
    scored = score_paths(paths, config, strict=strict)
    names = scored.city_names
    if format is ScoreFormat.xlsx:
        from ..score.tables import workbook_tables

        emit_workbook(workbook_tables(scored.report, top, names), output, force, title="RPA 化の可能性 (tamaflow score)")
        exit_if_left_out(scored.usable)
        return
    if format is ScoreFormat.json:
        text = report.to_json(scored.report, top, names)
    elif format is ScoreFormat.csv:
        text = report.to_csv(scored.report)
    elif format is ScoreFormat.markdown:
        text = report.to_markdown(scored.report, top, names)
    else:
        # piped or -o: the same 140 columns as compare and summary (was 120, which folded names)
        text = report.to_table(scored.report, top, names, width=max(80, output_width(to_file=bool(output))))
    emit_text(text, output, force, csv=format is ScoreFormat.csv, bom=bom)
    exit_if_left_out(scored.usable)
