"""`tamaflow validate`, `show`, `schema`, `rules`: the checking side of the CLI."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..check.config import load_rule_config
from ..check.rules import registry
from ..check.validate import validate_paths
from ..io.schema import json_schema_text
from ..io.yaml_loader import load_process_strict
from ..model.graph import to_graph
from ._app import app, user_errors


class FindingFormat(StrEnum):
    human = "human"
    json = "json"


@app.command()
@user_errors
def validate(
    paths: Annotated[list[str], typer.Argument(help="Process files or folders (searched recursively).")],
    format: Annotated[FindingFormat, typer.Option("--format", "-f", help="human or json.")] = FindingFormat.human,
    config: Annotated[str | None, typer.Option("--config", help="tamaflow.yaml with rule severities.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors for the exit code.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes (default: CPUs).")] = None,
) -> None:
    """Check process files: format, references, structure, library consistency.

    Exit 0 when clean (warnings allowed unless --strict), 1 on findings, 2 on usage errors.
    """
    cfg = load_rule_config(Path(paths[0]), config)
    report = validate_paths(paths, cfg, jobs)
    if format is FindingFormat.json:
        json.dump([f.to_dict() for f in report.findings], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for f in report.findings:
            typer.echo(f.human())
        summary = f"{report.files} file(s): {report.errors} error(s), {report.warnings} warning(s)"
        typer.echo(summary, err=True)
    if report.errors or (strict and report.warnings):
        raise typer.Exit(1)


@app.command()
@user_errors
def show(file: Annotated[str, typer.Argument(help="A process file.")]) -> None:
    """Outline of one process: lanes, steps, branches and totals."""
    proc = load_process_strict(file)
    g = to_graph(proc)
    lanes = proc.lane_map()
    echo = typer.echo
    echo(f"{proc.name} ({proc.process}) — {proc.city}")
    if proc.area:
        echo(f"  area: {proc.area}")
    if proc.volume is not None:
        echo(f"  volume: {proc.volume:g} cases/year")
    if proc.channels:
        echo(f"  channels: {', '.join(proc.channels)}")
    echo("lanes:")
    for lane in proc.lanes:
        n = sum(1 for s in proc.steps if s.lane == lane.id)
        echo(f"  {lane.id}: {lane.name} ({n} step(s))")
    echo("steps:")
    for s in proc.steps:
        lane_label = f" [{lanes[s.lane].name}]" if s.lane in lanes else ""
        if s.is_gateway:
            what = f"{s.gateway} {'join' if s.join else 'split'}"
        elif s.is_event:
            what = f"event {s.event}"
        else:
            what = s.kind
        attrs = []
        if s.minutes is not None:
            attrs.append(f"{s.minutes:g} min")
        if s.medium:
            attrs.append(s.medium)
        if s.seal:
            attrs.append("押印")
        extra = f"  ({', '.join(attrs)})" if attrs else ""
        echo(f"  {s.id}: {s.name or '-'} <{what}>{lane_label}{extra}")
        succ = list(g.successors(s.id))
        for b in s.branches:
            cond = f" when {b.when}" if b.when else ""
            share = f" ({b.share:.0%})" if b.share is not None else ""
            default = " [default]" if b.default else ""
            echo(f"      → {b.to}{cond}{share}{default}")
        if not s.branches and succ and (s.next or s.end):
            echo(f"      → {'end' if succ == ['_end'] else succ[0]}")
    tasks = [s for s in proc.steps if s.is_task]
    minutes = sum(s.minutes or 0 for s in tasks)
    echo(f"totals: {len(proc.steps)} steps ({len(tasks)} tasks, "
         f"{sum(1 for s in proc.steps if s.is_gateway)} gateways), {len(proc.lanes)} lanes, "
         f"{minutes:g} staff minutes if every task runs once, "
         f"{sum(1 for s in tasks if s.medium == 'paper')} paper, {sum(1 for s in tasks if s.seal)} seal")


@app.command()
def schema(
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of the process format (for editor completion)."""
    text = json_schema_text()
    if output:
        from ..io.files import write_atomic

        write_atomic(Path(output), text.encode("utf-8"))
    else:
        sys.stdout.write(text)


@app.command()
def rules() -> None:
    """List every finding code (loader TF0xx, structural TF1xx, library TF2xx, …) with its
    bpmnlint name where one exists, its default severity and what it means."""
    for entry in registry():
        typer.echo(entry.line())
