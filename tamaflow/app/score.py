"""Scoring files for RPA potential: the `tamaflow score` use case.

Validates the files first (a model of invalid files would be made up), reads the model config,
and calls `tamaflow.score.score_processes`. The renderings are in `tamaflow.score.report`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check.validate import validated
from ..model.findings import TamaflowError
from ..score import ScoreReport, load_score_config, score_processes
from .cities import city_names


@dataclass(slots=True)
class Scored:
    """The cross-city report, and the city names its tables show (slugs stay in JSON)."""

    report: ScoreReport
    city_names: dict[str, str]


def score_paths(paths: list[str], config: str | None = None) -> Scored:
    """Score every process file under `paths` with the model config in `config` (default model
    when None). Raises `check.validate.InvalidFiles` when a file has validation errors."""
    cfg = load_score_config(config)
    checked = validated(paths, lambda r: f"{r.files} file(s): {r.errors} error(s): fix them (tamaflow validate) "
                        "before scoring")
    if not checked.processes:
        raise TamaflowError(f"no process files found in {', '.join(paths)}", code="TF000")
    return Scored(score_processes(checked.processes, cfg), city_names(paths))
