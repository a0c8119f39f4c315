"""`tamaflow score`: options → `tamaflow.app.score.score_paths` → a report on stdout or a file.

The model lives in `tamaflow.score` and the validate-then-score flow in `tamaflow.app.score`,
both imported inside the command so other commands start without them.
"""

from __future__ import annotations

import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..io.files import refuse_overwrite, write_atomic
from ..model.findings import TamaflowError
from ._app import user_errors


class ScoreFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@user_errors
def score(
    paths: Annotated[list[str] | None, typer.Argument(help="Process files or folders (searched recursively).")] = None,
    config: Annotated[str | None, typer.Option("--config", help="Score model config (YAML); see --print-config.")] = None,
    format: Annotated[ScoreFormat, typer.Option("--format", "-f", help="table, json, csv or markdown.")] = ScoreFormat.table,
    top: Annotated[int, typer.Option("--top", min=1, help="How many top steps to list.")] = 10,
    print_config: Annotated[bool, typer.Option("--print-config", help="Print the default model config "
                                               "(commented YAML with sources) and exit.")] = False,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")] = False,
) -> None:
    """Score RPA potential: automatable staff hours per step, process and city, with reasons.

    Exit 0 on success, 1 when a file is invalid (the validator's errors), 2 on usage or config
    errors.
    """
    from ..app.score import score_paths
    from ..score import config_yaml, report

    if print_config:
        _emit(config_yaml(), output, force)
        return
    if not paths:
        raise TamaflowError("give process files or folders to score (or --print-config)", code="TF000")
    scored = score_paths(paths, config)
    names = scored.city_names
    if format is ScoreFormat.json:
        text = report.to_json(scored.report, top, names)
    elif format is ScoreFormat.csv:
        text = report.to_csv(scored.report)
    elif format is ScoreFormat.markdown:
        text = report.to_markdown(scored.report, top, names)
    else:
        width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() and not output else 120
        text = report.to_table(scored.report, top, names, width=max(80, width))
    _emit(text, output, force, bom=format is ScoreFormat.csv)


def _emit(text: str, output: str | None, force: bool, bom: bool = False) -> None:
    """stdout, or a file written atomically (a CSV file gets a BOM so Excel reads it as UTF-8)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(output)
    refuse_overwrite(path, force)
    write_atomic(path, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    typer.echo(f"wrote {path}", err=True)
