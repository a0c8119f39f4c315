"""Compare variants of one procedure across cities: alignment of steps, similarity measures,
clustering, the standard flow and each city's deviations from it.

Entry point: `compare_processes(processes, catalogue)` → `Comparison` (see comparison.py).
Depends only on `tamaflow.model`; the CLI glue reads files and the catalogue.
"""

from .comparison import CompareOptions, Comparison, catalogue_names, compare_processes, correspondences

__all__ = ["CompareOptions", "Comparison", "catalogue_names", "compare_processes", "correspondences"]
