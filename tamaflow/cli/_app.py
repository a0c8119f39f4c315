"""The typer application object and helpers shared by the command modules."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import wraps
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ..io.files import OverwriteRefused
from ..model.findings import TamaflowError

if TYPE_CHECKING:  # the command modules import app/ inside the command, so --help starts fast
    from ..app.lenient import Usable

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

#: `--quiet` of the long commands (compare, summary, publish): their progress bar is drawn on stderr,
#: on a terminal only, for work of more than about 2 s (tamaflow/app/progress.py)
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar on stderr (it is drawn only on a "
                                           "terminal, for work of more than about 2 s).")]

#: `--dask ADDRESS` of compare and summary (the optional extra tamaflow[dask]; README "Dask")
DaskOption = Annotated[str | None, typer.Option(
    "--dask", metavar="ADDRESS", help="Align every pair on a Dask cluster: `local` (a LocalCluster on this machine, "
    "`local:N` for N workers) or a running scheduler such as tcp://scheduler-host:8786. Needs tamaflow[dask].")]


def dask_cluster(address: str | None) -> AbstractContextManager[Any]:
    """The Dask connection for `--dask` (closed on exit), or None without it. Dask and the compare
    stack are imported only when the option is given."""
    if address is None:
        return nullcontext(None)
    from ..app.distributed import connect

    return connect(address)

#: `--strict` of the commands that leave out files with errors (summary, score, compare, publish)
StrictOption = Annotated[bool, typer.Option("--strict", help="Refuse the whole run when any file has errors "
                                            "(nothing is written), instead of leaving those files out.")]

#: columns for tables written to a pipe or a file: rich would assume 80 and fold every similarity
#: to `0.…` and every city name to `ko…`; an editor or `less -S` shows the full width
PIPED_WIDTH = 140


def output_width(to_file: bool = False) -> int:
    """The width tables are laid out for: the terminal's on a terminal, `COLUMNS` when set, and
    `PIPED_WIDTH` when stdout is a pipe or a file (`tamaflow compare … > f.txt`) or the text
    goes to a file of its own (`to_file`, the `-o` option)."""
    from rich.console import Console

    console = Console()
    if to_file or (not console.is_terminal and "COLUMNS" not in os.environ):
        return PIPED_WIDTH
    return console.width


def exit_if_left_out(usable: Usable) -> None:
    """After a command has written its output: each left-out file's validator lines and the
    banner 「N 件のファイルにエラーがあるため除外しました」 on stderr, and exit 1. Nothing when
    every file was used."""
    lines = usable.lines()
    if lines:
        for line in lines:
            print(line, file=sys.stderr)
        raise typer.Exit(1)


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
