"""`tamaflow score`: RPA potential and the staff hours at stake, per step, process and city.

Glue only: validate the files (the validator's one-line errors, exit 1), read the model config,
call `tamaflow.score.score_processes`, render. The model lives in tamaflow/score/.
"""

from __future__ import annotations

import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..check.validate import validated
from ..io.files import refuse_overwrite, write_atomic
from ..io.library import find_library_root, read_cities
from ..model.findings import TamaflowError
from ..model.library import CITIES_FILE
from ..score import config_yaml, load_score_config, score_processes, to_csv, to_json, to_markdown, to_table
from ._app import app, user_errors


class ScoreFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def _city_names(paths: list[str]) -> dict[str, str]:
    """Japanese city names from the library's cities.yaml, for tables (slugs stay in JSON)."""
    names: dict[str, str] = {}
    for p in paths:
        root = find_library_root(Path(p))
        if root is not None:
            cities, _findings = read_cities(str(root / CITIES_FILE))
            names.update({slug: c.name for slug, c in cities.items()})
    return dict(sorted(names.items()))


@app.command()
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
    if print_config:
        _emit(config_yaml(), output, force)
        return
    if not paths:
        raise TamaflowError("give process files or folders to score (or --print-config)", code="TF000")
    cfg = load_score_config(config)
    checked = validated(paths, lambda r: f"{r.files} file(s): {r.errors} error(s): fix them (tamaflow validate) "
                        "before scoring")
    if not checked.processes:
        raise TamaflowError(f"no process files found in {', '.join(paths)}", code="TF000")
    report = score_processes(checked.processes, cfg)
    names = _city_names(paths)
    if format is ScoreFormat.json:
        text = to_json(report, top, names)
    elif format is ScoreFormat.csv:
        text = to_csv(report)
    elif format is ScoreFormat.markdown:
        text = to_markdown(report, top, names)
    else:
        width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() and not output else 120
        text = to_table(report, top, names, width=max(80, width))
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
