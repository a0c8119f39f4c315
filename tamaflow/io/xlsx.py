"""Excel workbooks from `tamaflow.io.table.Table`s: one sheet per table.

Each sheet has the Japanese headings in a bold, frozen first row, an autofilter over the
table, column widths fitted to the content (full-width characters count double) and the
columns' number formats. Text is always written as text (never as a formula, a number or a
link): a step named `=HYPERLINK(…)` is shown, not run. Numbers stay numbers, so officials can
sum and sort them.

Deterministic: XlsxWriter stamps every zip member 1980-01-01 and we fix the document's creation
date, so the same tables give byte-identical files (a workbook in git diffs only when it changed).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from .table import Cell, Table

#: the workbook's creation date: fixed, because "now" would make every build differ
CREATED = datetime(2000, 1, 1)
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0


def text_width(text: str) -> int:
    """Display width in Excel character units: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shown_width(x: Cell) -> int:
    if x is None:
        return 0
    if isinstance(x, float):
        return len(f"{x:,.2f}")
    return text_width(str(x))


def workbook_bytes(tables: Sequence[Table], *, title: str = "tamaflow") -> bytes:
    """The tables as an .xlsx file (bytes), one sheet each, in the given order.

    Raises ValueError on two tables with the same sheet name (Excel refuses the file)."""
    import xlsxwriter  # only the xlsx outputs pay for importing it

    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate sheet names: {names}")
    buf = io.BytesIO()
    # every string is written with write_string below; these options say the same for safety
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": title, "author": "tamaflow", "created": CREATED})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    formats: dict[str, object] = {}
    for table in tables:
        ws = wb.add_worksheet(table.name)
        cols = list(table.columns)
        for j, col in enumerate(cols):
            ws.write_string(0, j, col.title, head)
        col_formats = []
        for col in cols:
            if col.number_format and col.number_format not in formats:
                formats[col.number_format] = wb.add_format({"num_format": col.number_format})
            col_formats.append(formats[col.number_format] if col.number_format else None)
        for i, row in enumerate(table.rows, start=1):
            for j, x in enumerate(row):
                if x is None:
                    continue
                if isinstance(x, bool):
                    ws.write_boolean(i, j, x)
                elif isinstance(x, int | float):
                    ws.write_number(i, j, x, col_formats[j])
                else:
                    ws.write_string(i, j, x)
        for j, col in enumerate(cols):
            width = col.width
            if width is None:
                longest = max([text_width(col.title), *(_shown_width(r[j]) for r in table.rows)])
                width = min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))
            ws.set_column(j, j, width)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(table.rows), 1), max(len(cols) - 1, 0))
    wb.close()
    return buf.getvalue()
