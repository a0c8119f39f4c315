"""The typer application object and helpers shared by the command modules."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from ..io.files import OverwriteRefused
from ..model.findings import TamaflowError

app = typer.Typer(
    name="tamaflow",
    help="Standardise municipal business processes: validate, compare, score, render, publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

#: the `PATHS...` argument of the commands that read process files, one wording for all of them
ProcessPaths = Annotated[list[str], typer.Argument(help="Process files or folders (searched recursively).")]


def user_message(e: TamaflowError) -> str:
    """The error as the command line shows it: the library speaks in its own terms, and the CLI
    adds the flag that lets the user go ahead."""
    return f"{e} (use --force)" if isinstance(e, OverwriteRefused) else str(e)


def user_errors(fn: F) -> F:
    """Turn a TamaflowError into `path:line:col: message` on stderr and exit with its category's
    status (1 bad input, 2 usage)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TamaflowError as e:
            print(user_message(e), file=sys.stderr)
            raise typer.Exit(e.exit_code) from None

    return wrapper  # type: ignore[return-value]
