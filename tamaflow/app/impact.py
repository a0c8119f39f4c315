"""The standardisation business case: the `tamaflow impact` use case.

Validates the files and leaves out the ones with errors (`app.lenient`: a business case built on
invalid files would be made up, and one file mid-edit must not stop the region's), groups them by
procedure, compares each procedure's cities (`compare.compare_processes`: the standard flow) and
hands the comparisons to `tamaflow.impact`, which scores the cities now and with the standard.
A procedure with one city has no standard to adopt and is named in the notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..compare import Comparison, compare_processes
from ..impact import Impact, has_standard, impact_of, load_spreads, realisation_range
from ..model.findings import TamaflowError
from ..model.process import Process
from ..score import load_score_config
from .cities import city_names
from .compare import load_catalogue_for
from .lenient import Usable, usable_or_refuse

#: Monte-Carlo runs: a hundred times the default, far more than a P10/P90 range needs. Time and
#: memory grow with it (the shipped library: 2.2 s at 1,000 runs, 5.0 s at 20,000, 16 s and 0.5 GB
#: at 100,000), and 10**11 runs asked numpy for terabytes (ArrayMemoryError)
MAX_RUNS = 100_000
#: yen per staff hour: a municipal staff hour costs a few thousand yen; a million yen an hour is a
#: slip (a yearly salary?), and near the end of a float the yen figures overflowed to infinity
MAX_HOURLY_COST = 1_000_000


@dataclass(slots=True)
class Impacted:
    """The impact, and the files left out because they have errors."""

    impact: Impact
    usable: Usable


def impact_paths(paths: list[str], *, runs: int = 1000, seed: int = 0, hourly_cost: float | None = None,
                 config: str | None = None, spreads: str | None = None, strict: bool = False) -> Impacted:
    """The impact of adopting each procedure's standard flow, for every city under `paths`.

    `config` is the score model's config (`tamaflow score --config`), `spreads` the Monte-Carlo's
    (docs/impact.md); `runs` 0 gives point estimates only. Files with validation errors are left
    out (`Impacted.usable`); with `strict`, any error raises `check.validate.InvalidFiles` instead,
    and when every file has errors, `NothingUsable`."""
    if not 0 <= runs <= MAX_RUNS:
        raise TamaflowError(f"--runs must be from 0 to {MAX_RUNS:,}, got {runs:,}", code="TF000")
    if hourly_cost is not None and not 0 < hourly_cost <= MAX_HOURLY_COST:  # also refuses nan and inf
        raise TamaflowError(f"--hourly-cost is yen per staff hour and must be more than 0 and at most "
                            f"{MAX_HOURLY_COST:,}, got {hourly_cost:g}", code="TF000")
    cfg = load_score_config(config)
    spread = load_spreads(spreads)
    usable = usable_or_refuse(paths, strict=strict, before="computing the impact",
                              nothing_left_to="compute the impact of")
    by_procedure: dict[str, list[Process]] = {}
    for p in usable.processes:
        by_procedure.setdefault(p.process, []).append(p)
    catalogue = load_catalogue_for(paths)
    compared: list[tuple[Comparison, list[Process]]] = []
    notes: list[str] = []
    for pid in sorted(by_procedure):
        procs = sorted(by_procedure[pid], key=lambda p: (p.city, p.path or ""))
        if not has_standard(procs):
            notes.append(f"{pid}: 市が 1 つだけのため標準フローがなく、対象外 ({procs[0].path})")
            continue
        compared.append((compare_processes(procs, catalogue), procs))
    return Impacted(impact_of(compared, cfg, spread, runs=runs, seed=seed, realisation_range=realisation_range(cfg) if spread.realisation else (cfg.realisation,) * 2,
                     names=city_names(paths), hourly_cost=hourly_cost, score_config=config, notes=notes), usable)
