"""The standardisation business case: staff hours per procedure × city now, with the derived
standard flow, and with RPA on top; the concrete changes; a seeded Monte-Carlo range.

Layer: above `compare` and `score` (it joins them; they never import each other), below
`publish` and `app` (docs/architecture.md). Renderings: report.py (JSON, Markdown, terminal),
tables.py (CSV, xlsx). Method and limits: docs/impact.md.
"""

from .config import DEFAULT_RUNS, SPREADS, Spreads, load_spreads, realisation_range
from .model import (
    Change,
    CityImpact,
    Impact,
    ProcedureImpact,
    ProcedureTotals,
    RegionTotals,
    has_standard,
    impact_of,
    percentiles,
    procedure_impact,
    procedure_totals,
    region_impact,
    region_totals,
)

__all__ = [
    "DEFAULT_RUNS",
    "SPREADS",
    "Change",
    "CityImpact",
    "Impact",
    "ProcedureImpact",
    "ProcedureTotals",
    "RegionTotals",
    "Spreads",
    "has_standard",
    "impact_of",
    "load_spreads",
    "percentiles",
    "procedure_impact",
    "procedure_totals",
    "realisation_range",
    "region_impact",
    "region_totals",
]
