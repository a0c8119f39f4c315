"""`tamaflow render`: options → `tamaflow.app.render.render_files` → one line on stderr.

The overlays and the drawing loop live in `tamaflow.app.render`, imported inside the command so
other commands start without Graphviz, the layout and the score model.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ..model.findings import TamaflowError
from ._app import ProcessPaths, user_errors


class OutFormat(StrEnum):
    bpmn = "bpmn"
    svg = "svg"
    png = "png"
    dot = "dot"


class OverlayChoice(StrEnum):
    rpa = "rpa"
    diff = "diff"


@user_errors
def render(
    paths: ProcessPaths,
    to: Annotated[list[OutFormat], typer.Option("--to", "-t", help="Output format; repeat for several.")],
    output: Annotated[str, typer.Option("--output", "-o", help="Output folder: DIR/<process>/<city>.<ext>.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing drawings.")] = False,
    overlay: Annotated[OverlayChoice | None, typer.Option(
        "--overlay", help="Colour steps: rpa (RPA potential) or diff (against --against). SVG/PNG/DOT only.")] = None,
    against: Annotated[str | None, typer.Option("--against", help="The process file to diff against.")] = None,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Delete DIR/<process>/<city>.<ext> drawings (of the chosen formats) that this run did "
        "not produce, e.g. of deleted processes. For rendering a whole library; the folder is then "
        "replaced as a whole.")] = False,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Seconds to wait while another tamaflow command writes the same folder.")] = 120.0,
) -> None:
    """Draw processes as BPMN 2.0 (with swimlane layout), SVG, PNG or DOT."""
    if overlay is OverlayChoice.diff and against is None:
        raise TamaflowError("--overlay diff needs --against OTHER.yaml", code="TF000")
    if against is not None and overlay is not OverlayChoice.diff:
        raise TamaflowError("--against is only used with --overlay diff", code="TF000")
    if overlay is not None and all(f is OutFormat.bpmn for f in to):
        # BPMN keeps no colours: the overlay would be asked for and silently not drawn
        raise TamaflowError(f"--overlay {overlay.value} colours SVG, PNG and DOT drawings, and --to bpmn draws "
                            "none of them: add --to svg (or png, dot)", code="TF000")
    from ..app.render import render_files

    formats = list(dict.fromkeys(f.value for f in to))
    done = render_files(paths, formats, output, force=force, overlay=overlay.value if overlay else None,
                        against=against, prune=prune, wait=wait)
    typer.echo(f"rendered {done.processes} process(es) to {done.written} file(s) in {done.out_dir}"
               + (f", removed {len(done.removed)} stale file(s)" if done.removed else ""), err=True)
