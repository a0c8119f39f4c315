"""The `tamaflow` command: a thin typer layer over the use cases in `tamaflow.app`.

Each command module only parses options, calls one function and writes the result; the
registration below is the one list of commands, in `--help` order. The command modules import
the heavy stacks (compare, score, render, publish: scipy, matplotlib, Graphviz) inside the
command function, so `tamaflow --help` and `tamaflow validate` start fast; a test keeps it so.
Exit codes are a contract: 0 clean, 1 findings or bad input, 2 usage error.
"""

from __future__ import annotations

import os
import sys

# One BLAS thread, unless the user asks for more. compare does thousands of small matrix products
# (60 × 60 per pair of variants): OpenBLAS wakes a second thread for each and leaves it spinning,
# which cost a cold 26-variant compare 0.2 s of CPU time and, on a busy machine, more wall time;
# the largest products (1,741 variants, --fast) took as long with one thread (docs/compare.md,
# "Start-up"). Set here, before anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from ..model.findings import TamaflowError
from . import authoring, compare, impact, importer, publish, render, score, summary, validate
from ._app import app, user_message

app.command()(authoring.new)
app.command()(validate.validate)
app.command()(validate.show)
app.command()(validate.schema)
app.command()(validate.rules)
app.command()(render.render)
app.command("import")(importer.import_)
app.command()(compare.compare)
app.command()(score.score)
app.command()(impact.impact)
app.command()(publish.publish)
app.command()(summary.summary)


def main() -> None:
    """Console entry point: user errors become one line and a non-zero exit, never a traceback."""
    try:
        app()
    except TamaflowError as e:
        print(user_message(e), file=sys.stderr)
        sys.exit(e.exit_code)


__all__ = ["app", "main"]
