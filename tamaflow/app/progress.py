"""Progress bars on the terminal (rich), for the long commands (compare, summary, publish).

Two shapes, named apart: `TerminalProgress` is the stage-by-stage `StageProgress` that the
publish and summary pipelines report to; `pair_progress` yields the `(done, total)` callback
that `compare_processes` calls per aligned pair. Both draw on stderr, only on a terminal (piped
output and logs never carry escape codes), never with `--quiet`, and only once the work has run
for `PROGRESS_AFTER_S`: a command that finishes in a second leaves no flicker behind. rich is
imported only when a bar may be drawn: `compare --format json` into a pipe never loads it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import ProgressColumn

#: seconds of work before a bar appears (the issue's "runs over about 2 s"); the environment
#: variable TAMAFLOW_PROGRESS_AFTER overrides it (0: at once, as the pty test does)
PROGRESS_AFTER_S = 2.0


def progress_after() -> float:
    """The delay before a bar appears: TAMAFLOW_PROGRESS_AFTER when it is a number, else 2 s."""
    try:
        return max(0.0, float(os.environ.get("TAMAFLOW_PROGRESS_AFTER", PROGRESS_AFTER_S)))
    except ValueError:
        return PROGRESS_AFTER_S


def surely_no_terminal(quiet: bool = False) -> bool:
    """True when no bar can be drawn whatever rich decides: `quiet`, or stderr is not a
    terminal and neither TTY_COMPATIBLE nor FORCE_COLOR (which rich obeys) says otherwise."""
    if quiet:
        return True
    isatty = getattr(sys.stderr, "isatty", None)
    return not (isatty and isatty()) and "TTY_COMPATIBLE" not in os.environ and "FORCE_COLOR" not in os.environ


class _LateBar:
    """A rich `Progress` on stderr that starts drawing at the first update after the delay, and
    never when stderr is not a terminal or `quiet` is set."""

    def __init__(self, *columns: ProgressColumn, quiet: bool = False, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.progress import Progress

        console = console or Console(stderr=True)
        self.enabled = console.is_terminal and not quiet
        self.bar = Progress(*columns, console=console, transient=True, disable=not self.enabled)
        self._due = time.monotonic() + progress_after()
        self._live = False

    def tick(self) -> None:
        """Call after every update: starts the live display once the delay has passed."""
        if self.enabled and not self._live and time.monotonic() >= self._due:
            self.bar.start()
            self._live = True

    def stop(self) -> None:
        if self._live:
            self.bar.stop()
            self._live = False


class TerminalProgress:
    """A `StageProgress` drawn as one bar per stage on stderr; silent when not a terminal or quiet."""

    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

        self._late = _LateBar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[item]}"), TimeElapsedColumn(), quiet=quiet, console=console)
        self._bar = self._late.bar
        self._task: Any = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._late.stop()

    def start(self, total: int, label: str) -> None:
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._task = self._bar.add_task(label, total=total, item="")
        self._late.tick()

    def advance(self, label: str) -> None:
        self._bar.update(self._task, advance=1, item=label[-48:])
        self._late.tick()


@contextmanager
def pair_progress(total: int, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A bar of `total` compared pairs on stderr; yields the callback to give `compare_processes`
    (one that does nothing when no bar can be drawn)."""
    if surely_no_terminal(quiet):
        yield lambda done, total_now: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    late = _LateBar(TextColumn("comparing pairs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), quiet=quiet)
    task = late.bar.add_task("pairs", total=total)

    def update(done: int, total_now: int) -> None:  # a runner may learn its total as it goes
        late.bar.update(task, completed=done, total=total_now)
        late.tick()

    try:
        yield update
    finally:
        late.stop()
