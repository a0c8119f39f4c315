"""The `tamaflow` command: a thin typer layer over the library API.

Each command lives in its own module and only parses options, calls one library function and
formats the result. Exit codes are a contract: 0 clean, 1 findings or bad input, 2 usage error.
"""

from __future__ import annotations

import sys

from ..model.findings import TamaflowError
from . import authoring as _authoring  # noqa: F401
from . import validate as _validate  # noqa: F401  (registers commands)
from ._app import app

# Commands built by other modules register themselves when their module exists.
for _name in ("render", "importer", "compare", "score", "publish", "summary"):
    try:
        __import__(f"{__name__}.{_name}")
    except ModuleNotFoundError as _e:  # pragma: no cover - only while a command is unbuilt
        if _e.name != f"{__name__}.{_name}":
            raise


def main() -> None:
    """Console entry point: user errors become one line and a non-zero exit, never a traceback."""
    try:
        app()
    except TamaflowError as e:
        print(str(e), file=sys.stderr)
        sys.exit(e.exit_code)


__all__ = ["app", "main"]
