"""Findings: what a check or loader has to say about a file, as data with a position.

Modelled on sqlfluff's `SQLBaseError.to_dict`: every finding knows its file, line, column, rule
code and severity, so the CLI only formats them (human, json).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


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
        """`path:line:col: severity CODE message` — the one line an analyst reads."""
        return f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code} {self.message}"


class TamaflowError(Exception):
    """A user-facing error with a position. The CLI prints `str(err)` and exits non-zero; it
    never shows a traceback for these."""

    def __init__(self, message: str, file: str = "", line: int = 0, column: int = 0, code: str = "TF000"):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.code = code

    def finding(self) -> Finding:
        return Finding(self.file, self.line, self.column, self.code, "error", self.message)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: " if self.file else ""
        return f"{where}{self.message}"
