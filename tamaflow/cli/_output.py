"""Where a command's report goes: stdout or a file, and the rules every command shares for it.

Text goes to stdout unless `-o FILE`; a file is never overwritten without `--force` and is written
atomically. A CSV file gets a UTF-8 byte order mark (Excel in Japan reads a CSV without one as
Shift_JIS); `--bom` asks for it on stdout too (`> file.csv`), `--no-bom` leaves it off. A workbook
is binary: it needs `-o FILE`, it never goes to a terminal or a pipe.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..io.files import refuse_overwrite, write_atomic
from ..io.table import Table, encoded
from ..model.findings import TamaflowError


class ReportFormat(StrEnum):
    """The formats of a report command (score, impact): the screen, data and the spreadsheet ones."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"


OutputOption = Annotated[str | None, typer.Option(
    "--output", "-o", help="Write to this file instead of stdout (required for xlsx).")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")]
BomOption = Annotated[bool | None, typer.Option(
    "--bom/--no-bom", help="CSV: start with a UTF-8 byte order mark, so Excel in Japan opens it without "
    "mojibake. Default: on for an --output file, off on stdout.")]


#: `-o -`: stdout, for the text formats
STDOUT = "-"


def need_output(fmt: str, output: str | None, force: bool) -> None:
    """Usage errors before any work: a binary format with nowhere to go but the terminal, or an
    output file that exists without `force` (checked again when written)."""
    if fmt == "xlsx" and not output:
        raise TamaflowError("--format xlsx writes a binary workbook: name the file with -o FILE.xlsx", code="TF000")
    if fmt == "xlsx" and output == STDOUT:  # a workbook cannot go to stdout
        raise TamaflowError("--format xlsx writes a binary workbook, which cannot go to stdout (-o -): "
                            "name the file with -o FILE.xlsx", code="TF000")
    if output and output != STDOUT:
        refuse_overwrite(Path(output), force)


def _write(data: bytes, output: str, force: bool) -> None:
    path = Path(output)
    refuse_overwrite(path, force)
    write_atomic(path, data)
    typer.echo(f"wrote {path}", err=True)


def emit_text(text: str, output: str | None, force: bool, *, csv: bool = False, bom: bool | None = None) -> None:
    """Text to stdout (no `output`, or `-o -` as Unix tools read it), or to `output` written
    atomically; `csv` text gets the BOM as `bom` says (by default a file's, not stdout's)."""
    if output == STDOUT:
        output = None
    with_bom = csv and (bom if bom is not None else output is not None)
    if output is None:
        if with_bom:
            sys.stdout.flush()
            sys.stdout.buffer.write(encoded(text, True))
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return
    _write(encoded(text, with_bom), output, force)


def emit_workbook(tables: Sequence[Table], output: str | None, force: bool, *, title: str) -> None:
    """The tables as an .xlsx file at `output` (one sheet each)."""
    from ..io.xlsx import workbook_bytes

    need_output("xlsx", output, force)
    assert output is not None
    _write(workbook_bytes(tables, title=title), output, force)
