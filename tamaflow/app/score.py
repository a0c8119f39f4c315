"""Scoring files for RPA potential: the `tamaflow score` use case.

Validates the files first (a model of invalid files would be made up) and leaves out the ones
with errors (`app.lenient`), reads the model config, and calls `tamaflow.score.score_processes`.
The renderings are in `tamaflow.score.report`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..score import ScoreReport, load_score_config, score_processes
from .cities import city_names
from .lenient import Usable, usable_or_refuse


@dataclass(slots=True)
class Scored:
    """The cross-city report, the city names its tables show (slugs stay in JSON), and the files
    left out because they have errors."""

    report: ScoreReport
    city_names: dict[str, str]
    usable: Usable


def score_paths(paths: list[str], config: str | None = None, *, strict: bool = False) -> Scored:
    """Score every process file under `paths` without validation errors, with the model config in
    `config` (default model when None); the files with errors are left out (`Scored.usable`).

    With `strict`, any error raises `check.validate.InvalidFiles` instead; when every file has
    errors, `NothingUsable`."""
    cfg = load_score_config(config)
    usable = usable_or_refuse(paths, strict=strict, before="scoring", nothing_left_to="score")
    return Scored(score_processes(usable.processes, cfg), city_names(paths), usable)
