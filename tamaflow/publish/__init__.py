"""The documentation site (`tamaflow publish`): plain data in (`data.py`), static files out
(`site.py`). It never runs compare, score or render itself: the CLI glue does and hands over
their results, so this package depends only on the model."""

from .data import (
    Alignment,
    AlignmentRow,
    ExcludedFile,
    Procedure,
    ScoreRow,
    Similarity,
    SiteData,
    Variant,
    VariantScore,
)
from .site import MANIFEST, BuildStats, SilentProgress, StageProgress, build_site, check_output, find_bpmn_js

__all__ = [
    "Alignment",
    "AlignmentRow",
    "BuildStats",
    "ExcludedFile",
    "MANIFEST",
    "Procedure",
    "ScoreRow",
    "Similarity",
    "SilentProgress",
    "SiteData",
    "StageProgress",
    "Variant",
    "VariantScore",
    "build_site",
    "check_output",
    "find_bpmn_js",
]
