"""Findings: what a check or loader has to say about a file, as data with a position.

Modelled on sqlfluff's `SQLBaseError.to_dict`: every finding knows its file, line, column, rule
code and severity, so the CLI only formats them (human, json). What each code means, and its
default severity, is in the registry of `codes.py`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Literal

from .codes import ExitCategory, category_of

#: "info" is a note, not a problem: it never changes an exit status (an implied branch share, TF111)
Severity = Literal["error", "warning", "info"]


def quoted(value: object, limit: int = 60) -> str:
    """`repr(value)` for a message, shortened when long: a message is one line an analyst
    reads, not an echo of a 1.6-million-character id (benchmarks/fuzz_campaign.py found that)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 12]}…{text[-8:]} ({len(str(value)):,} characters)"


#: longest message a `Finding.human` line (or a `TamaflowError` line) carries
HUMAN_LIMIT = 400
#: what Python, editors and terminals take for the end of a line (`str.splitlines`): shown as ⏎
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
#: other control characters (ESC starts a terminal colour or cursor sequence): shown escaped
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    text = _LINE_BREAKS.sub("⏎", text)
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def one_line(message: str, limit: int = HUMAN_LIMIT) -> str:
    """`message` as one printable line of about `limit` characters at most: the one place that
    makes what a message quotes from a user's file (a name with line breaks, a 1-million-
    character label, a terminal escape) safe to print. Line breaks show as ⏎, other control
    characters as `\\x1b`; a longer message keeps its start and its end (where the fix is
    usually said) and the length it had. Data outputs (JSON) keep the message whole."""
    if len(message) <= limit:
        text = _printable(message)
        if len(text) <= limit:
            return text
    tail = limit // 5
    head = limit - tail - 40  # escapes make the printable text longer: cut it, not the message
    return (f"{_printable(message[:head])[:head]} … {_printable(message[-tail:])[-tail:]} "
            f"(cut from {len(message):,} characters)")


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    file: str
    line: int
    column: int
    code: str
    severity: Severity
    message: str
    element: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def human(self) -> str:
        """`path:line:col: severity CODE message` — the one line an analyst reads.

        One line whatever the message quotes (`one_line`). JSON (`to_dict`) keeps the whole
        message."""
        return f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code} {one_line(self.message)}"


class TamaflowError(Exception):
    """A user-facing error with a position. The CLI prints `str(err)` and exits with
    `exit_code`; it never shows a traceback for these.

    `code` says what went wrong (a registered finding code); `category` says how the command
    ends (exit 1 for bad input, 2 for a usage error). By default the category is the code's in
    the registry, so TF000 is a usage error and every other code bad input.
    """

    def __init__(self, message: str, file: str = "", line: int = 0, column: int = 0, code: str = "TF000",
                 category: ExitCategory | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.code = code
        self.category = category if category is not None else category_of(code)

    @property
    def exit_code(self) -> int:
        return int(self.category)

    def finding(self) -> Finding:
        return Finding(self.file, self.line, self.column, self.code, "error", self.message)

    def __str__(self) -> str:
        """`path:line:col: error CODE message`, the line a finding prints (`Finding.human`), when
        the error has a place; the message alone when it has none (a usage error)."""
        if not self.file:
            return one_line(self.message)
        return f"{self.file}:{self.line}:{self.column}: error {self.code} {one_line(self.message)}"
