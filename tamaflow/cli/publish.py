"""`tamaflow publish LIBRARY -o SITE`: options → `tamaflow.app.publish.publish_site` → report.

The pipeline (validation, analyses, site data) lives in `tamaflow.app.publish`; it is imported
inside the command so other commands start without the compare, score and render stacks.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ._app import QuietOption, StrictOption, exit_if_left_out, user_errors


@user_errors
def publish(
    library: Annotated[Path, typer.Argument(help="The process library folder (with cities.yaml).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The site folder to write.")],
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder that is not a tamaflow site.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel analyses (default: CPUs).")] = None,
    quiet: QuietOption = False,
    strict: StrictOption = False,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Seconds to wait while another tamaflow command writes the same site folder.")] = 120.0,
) -> None:
    """Build the static documentation site: home matrix, a page per procedure and per variant,
    search. Opens from disk (file://) or any static host; no network needed.

    Files with validation errors are left out: the site is built from the rest and says so on its
    home page (the files and their errors) and on their procedure's page; the errors and
    「N 件のファイルにエラーがあるため除外しました」 go to stderr. Exit 0 when built from every file, 1
    when files were left out (or, with --strict, refused: nothing is written), 2 on usage errors
    or when the folder stayed locked longer than --wait.

    The site is built beside the folder and swapped in whole: readers, and a publish that is
    killed, see the old site or the new one. Two publishes to one folder take turns.
    """
    from ..app.progress import TerminalProgress
    from ..app.publish import publish_site

    started = time.perf_counter()
    with TerminalProgress(quiet=quiet) as progress:
        done = publish_site(library, output, force=force, jobs=jobs, progress=progress, strict=strict, wait=wait)
    if not done.has_viewer:
        print("warning: npm package bpmn-js not found (run `make node`): diagrams are shown as static SVG",
              file=sys.stderr)
    for section, reason in sorted(done.unavailable.items()):
        print(f"warning: {section}: {reason}", file=sys.stderr)
    stats = done.stats
    print(f"{output}: {len(stats.files)} file(s), {stats.written} written, {stats.unchanged} unchanged, "
          f"{stats.removed} removed in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    exit_if_left_out(done.usable)
