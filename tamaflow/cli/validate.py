"""`tamaflow validate`, `show`, `schema`, `rules`: the checking side of the CLI."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..io.schema import json_schema_text
from ..io.yaml_loader import load_process_strict
from ._app import ProcessPaths, user_errors
from ._output import ForceOption, emit_text


class FindingFormat(StrEnum):
    human = "human"
    json = "json"


@user_errors
def validate(
    paths: ProcessPaths,
    format: Annotated[FindingFormat, typer.Option("--format", "-f", help="human or json.")] = FindingFormat.human,
    config: Annotated[str | None, typer.Option("--config", help="tamaflow.yaml with rule severities.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors for the exit code.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: CPUs).")] = None,
) -> None:
    """Check process files: format, references, structure, library consistency.

    Exit 0 when clean (warnings allowed unless --strict; notes never count), 1 on findings, 2 on
    usage errors.
    """
    from ..check.config import load_rule_config
    from ..check.validate import validate_paths

    cfg = load_rule_config(Path(paths[0]), config)
    report = validate_paths(paths, cfg, jobs)
    if format is FindingFormat.json:
        json.dump([f.to_dict() for f in report.findings], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for f in report.findings:
            typer.echo(f.human())
        summary = f"{report.files} file(s): {report.errors} error(s), {report.warnings} warning(s)"
        if report.notes:
            summary += f", {report.notes} note(s)"
        typer.echo(summary, err=True)
    if report.errors or (strict and report.warnings):
        raise typer.Exit(1)


@user_errors
def show(file: Annotated[str, typer.Argument(help="A process file.")]) -> None:
    """Outline of one process: lanes, steps, branches and totals."""
    from ..app.cities import CityNames
    from ..app.show import outline

    proc = load_process_strict(file)
    for line in outline(proc, CityNames().lookup(file, proc.city)):
        typer.echo(line)


@user_errors
def schema(
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")] = None,
    force: ForceOption = False,
) -> None:
    """Print the JSON Schema of the process format (for editor completion).

    With -o, an existing file is replaced only with --force, as every command's output is: the
    analyst may have edited a schema beside the library."""
    emit_text(json_schema_text(), output, force)


def rules() -> None:
    """List every finding code (loader TF0xx, structural TF1xx, library TF2xx, …) with its
    bpmnlint name where one exists, its default severity and what it means."""
    from ..check.rules import registry

    for entry in registry():
        typer.echo(entry.line())
