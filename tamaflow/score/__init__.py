"""RPA potential: an explainable per-step model, per-process totals through the flow, and the
cross-city report. Depends only on `tamaflow.model` (and `tamaflow.io` to read its config
file); see docs/score.md."""

from .config import (
    PARAMS,
    ScoreConfig,
    ScoreConfigError,
    config_from_values,
    config_yaml,
    default_config,
    load_score_config,
)
from .estimate import ProcessScore, StepScore, score_process, score_step
from .report import ScoreReport, build_report, score_processes, to_csv, to_data, to_json, to_markdown, to_table
from .visits import expected_visits

__all__ = [
    "PARAMS",
    "ProcessScore",
    "ScoreConfig",
    "ScoreConfigError",
    "ScoreReport",
    "StepScore",
    "build_report",
    "config_from_values",
    "config_yaml",
    "default_config",
    "expected_visits",
    "load_score_config",
    "score_process",
    "score_processes",
    "score_step",
    "to_csv",
    "to_data",
    "to_json",
    "to_markdown",
    "to_table",
]
