"""Progress bars on the terminal (rich), for the long commands.

Two shapes, named apart: `TerminalProgress` is the stage-by-stage `StageProgress` that the
publish pipeline reports to; `pair_progress` yields the `(done, total)` callback that
`compare_processes` calls per aligned pair. Both draw on stderr and only on a terminal, so
piped output never carries escape codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class TerminalProgress:
    """A `StageProgress` drawn as one bar per stage on stderr; silent when not a terminal."""

    def __init__(self, console: Console | None = None) -> None:
        console = console or Console(stderr=True)
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[item]}"), TimeElapsedColumn(), console=console,
                             transient=True, disable=not console.is_terminal)
        self._task: Any = None

    def __enter__(self) -> TerminalProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)  # type: ignore[arg-type]

    def start(self, total: int, label: str) -> None:
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._task = self._bar.add_task(label, total=total, item="")

    def advance(self, label: str) -> None:
        self._bar.update(self._task, advance=1, item=label[-48:])


@contextmanager
def pair_progress(total: int) -> Iterator[Callable[[int, int], None]]:
    """A bar of `total` compared pairs on stderr; yields the callback to give `compare_processes`."""
    with Progress(TextColumn("comparing pairs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("pairs", total=total)
        yield lambda done, _total: bar.update(task, completed=done)
