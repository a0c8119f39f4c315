"""Tables as data, and their CSV rendering: what a report hands to a spreadsheet.

A report builds each of its tables once as a `Table` (typed cells, one `Column` per column with
its CSV key, its Japanese heading and its Excel number format); `to_csv` here and
`tamaflow.io.xlsx.workbook_bytes` render the same object, so the columns are written down once.

Cells that a spreadsheet would run as a formula are defused here, in one place, for every CSV
tamaflow writes (OWASP "CSV injection"): a step name is user text and must stay text.
Depends on nothing in tamaflow.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

#: a cell: text, a number (stays a number in CSV and xlsx), a yes/no, or empty
Cell = str | int | float | bool | None

#: first characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or,
#: for tab and CR, shift it into one); OWASP's list
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: the UTF-8 byte order mark: Excel in Japan reads a CSV without it as Shift_JIS (mojibake)
BOM = b"\xef\xbb\xbf"


def safe_text(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it: a leading `'` when it starts like a
    formula. Only text goes through here; numbers are numbers and stay as they are."""
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass(frozen=True, slots=True)
class Column:
    """One column: `key` heads the CSV (stable, ASCII, what scripts read), `title` heads the
    workbook (Japanese, what officials read), `number_format` is Excel's for a number column
    (None for text) and `width` a fixed width in characters (None: fitted to the content)."""

    key: str
    title: str
    number_format: str | None = None
    width: float | None = None


@dataclass(slots=True)
class Table:
    """A titled table: `name` is the sheet name (at most 31 characters, Excel's limit)."""

    name: str
    columns: Sequence[Column]
    rows: list[list[Cell]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.name) > 31 or any(c in self.name for c in "[]:*?/\\"):
            raise ValueError(f"not a valid sheet name: {self.name!r}")

    def add(self, *cells: Cell) -> None:
        """Append a row (as many cells as columns: a mismatch is a bug in the report)."""
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.name}: row of {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))


def csv_cell(x: Cell) -> str:
    """A cell as CSV text: numbers in their shortest form, booleans as true/false, text made safe."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        # repr is the shortest text that reads back as the same number (`:g` keeps only six
        # digits: 315856.4 h would become 315856); an integral value drops its `.0`
        text = repr(x)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(x, int):
        return str(x)
    return safe_text(x)


def shown(x: Cell, number_format: str | None) -> str:
    """A cell as a terminal table shows it, following the few Excel number formats tamaflow uses
    (`#,##0`, `#,##0.0`, `0.00`, `0%`, `0.0%`, with an optional quoted unit such as `#,##0 "h"`),
    so the screen and the workbook agree on the digits."""
    if x is None:
        return "—"
    if isinstance(x, bool) or not isinstance(x, int | float) or not number_format:
        return str(x) if not isinstance(x, bool) else ("○" if x else "")
    fmt, _, unit = number_format.partition(' "')
    unit = " " + unit.rstrip('"') if unit else ""
    digits = len(fmt.rpartition(".")[2].rstrip("%")) if "." in fmt else 0
    if fmt.endswith("%"):
        return f"{x * 100:.{digits}f}%{unit}"
    return f"{x:{',' if ',' in fmt else ''}.{digits}f}{unit}"


def to_csv(table: Table, *, header: str = "key", lineterminator: str = "\n") -> str:
    """The table as CSV text, headed by the columns' keys (or their titles: `header="title"`)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=lineterminator)
    w.writerow([safe_text(c.key if header == "key" else c.title) for c in table.columns])
    for row in table.rows:
        w.writerow([csv_cell(x) for x in row])
    return buf.getvalue()


def encoded(text: str, bom: bool) -> bytes:
    """CSV text as UTF-8 bytes, with the byte order mark when `bom` (for Excel)."""
    return (BOM if bom else b"") + text.encode("utf-8")
