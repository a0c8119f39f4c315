"""Compare variants of one procedure across cities: alignment of steps, similarity measures,
clustering, the standard flow and each city's deviations from it.

Entry point: `compare_processes(processes, catalogue)` → `Comparison` (see comparison.py).
Depends only on `tamaflow.model`; `tamaflow.app.compare` reads files and the catalogue, and
`report.py` renders a comparison as JSON, CSV, Markdown or terminal tables.
"""

from .comparison import CompareOptions, Comparison, catalogue_names, compare_processes, correspondences
from .report import to_csv, to_json, to_markdown, to_table

__all__ = [
    "CompareOptions",
    "Comparison",
    "catalogue_names",
    "compare_processes",
    "correspondences",
    "to_csv",
    "to_json",
    "to_markdown",
    "to_table",
]
