"""The Monte-Carlo: draws of the estimated values, and the score model's hours on arrays.

Every city file gets its own random stream, seeded from `--seed` and the file's procedure and
city (so adding a procedure does not change another's draws), and draws in the file's step
order whether a value is estimated or not (so marking one more value `assumed:` does not shift
the others). Only what `assumed:` lists is then varied. The realisation rate is one draw per
run for the whole region: it is a property of the model, not of a city.

`evaluate` is `score.estimate`'s arithmetic on arrays: hours = volume × Σ visits × minutes / 60
over staff steps; automatable hours = volume × Σ visits × minutes × potential / 60 × realisation,
potential = suitability × gates × (1 − weight × exception rate), clipped to 0–1. The factors
that do not vary (suitability, gates, roles) are read from the point estimate's `StepScore`s, so
the two cannot drift apart; a test checks run-for-run equality with `score` at zero spread.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..model.process import Process
from ..score import ProcessScore, ScoreConfig
from ..score.visits import branch_targets, branch_weights
from .chain import Chain, build_chain, solve_visits
from .config import Spreads
from .standard import CityValues


def varying_gateways(p: Process) -> list[str]:
    """Splits whose branch shares the file lists as estimates (`assumed: [branches]`)."""
    return [s.id for s in p.steps if s.gateway in ("exclusive", "inclusive") and not s.join and s.branches
            and "branches" in s.assumed]


def city_chain(p: Process) -> Chain:
    return build_chain(p, varying_gateways(p))


def city_values(p: Process, chain: Chain, spreads: Spreads | None, runs: int, seed: int) -> CityValues:
    """The city's values per run; `spreads` None gives the point estimate (one run, as written)."""
    n = 1 if spreads is None else runs
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(f"{p.process}/{p.city}".encode())]))

    def draw(half: float, size: tuple[int, ...]) -> np.ndarray:
        return rng.uniform(-half, half, size) if spreads is not None else np.zeros(size)

    vol_draw = draw(spreads.volume if spreads else 0.0, (n,))
    volume = float(p.volume or 0.0) * (1.0 + (vol_draw if "volume" in p.assumed else 0.0)) * np.ones(n)
    minutes: dict[str, np.ndarray] = {}
    exceptions: dict[str, np.ndarray] = {}
    weights: dict[str, np.ndarray] = {}
    varying = set(chain.targets)
    for s in p.steps:
        if s.is_task:
            dm = draw(spreads.minutes if spreads else 0.0, (n,))
            de = draw(spreads.exceptions if spreads else 0.0, (n,))
            if s.minutes is not None:
                minutes[s.id] = float(s.minutes) * (1.0 + (dm if "minutes" in s.assumed else 0.0)) * np.ones(n)
            if s.exceptions is not None:
                e = float(s.exceptions) + (de if "exceptions" in s.assumed else 0.0)
                exceptions[s.id] = np.clip(e * np.ones(n), 0.0, 1.0)
        elif s.is_gateway and not s.join and s.branches:
            targets = branch_targets(chain.graph, s.id)
            ds = draw(spreads.shares if spreads else 0.0, (n, len(targets)))
            if s.id in varying:
                base = branch_weights(chain.graph, s.id, s, [])
                w = np.clip(np.array([base[t] for t in targets])[None, :] + ds, 0.0, 1.0)
                if s.gateway == "exclusive":
                    total = w.sum(axis=1, keepdims=True)
                    w = np.where(total > 0, w / np.maximum(total, 1e-12), 1.0 / len(targets))
                weights[s.id] = w
    visits = solve_visits(chain, weights)
    return CityValues(minutes, exceptions, volume, visits, dict(chain.index))


def run_block(v: CityValues, start: int, stop: int) -> CityValues:
    """The runs `start`–`stop` of `v` as arrays of their own (a view would keep all the runs'
    memory); values that do not vary (one row) stay as they are."""

    def cut(a: np.ndarray) -> np.ndarray:
        return a[start:stop].copy() if a.shape[0] > 1 else a

    return CityValues({k: cut(a) for k, a in v.minutes.items()}, {k: cut(a) for k, a in v.exceptions.items()},
                      cut(v.volume), cut(v.visits), v.index)


def realisation_draws(low: float, high: float, runs: int, seed: int) -> np.ndarray:
    """The realisation rate per run: uniform over its published range (constant without one)."""
    if high <= low:
        return np.full(runs, low)
    return np.random.default_rng(np.random.SeedSequence([seed, 0])).uniform(low, high, runs)


@dataclass(slots=True)
class Evaluator:
    """What does not vary between runs for one process: its staff steps' columns and factors."""

    ids: list[str]
    cols: np.ndarray
    counts: np.ndarray
    factor: np.ndarray
    exception_rate: np.ndarray
    exception_weight: float


def evaluator(ps: ProcessScore, index: dict[str, int], cfg: ScoreConfig) -> Evaluator:
    """From a point-estimate score: which steps count as staff time and their fixed factors."""
    steps = ps.steps
    return Evaluator(
        ids=[s.id for s in steps],
        cols=np.array([index[s.id] for s in steps], dtype=int),
        counts=np.array([s.role in ("staff", "resident") and s.minutes is not None for s in steps], dtype=float),
        factor=np.array([s.suitability * s.gate for s in steps]),
        exception_rate=np.array([s.exception_rate for s in steps]),
        exception_weight=cfg.exceptions_weight,
    )


def evaluate(ev: Evaluator, minutes: Mapping[str, np.ndarray | None], exceptions: Mapping[str, np.ndarray | None],
             visits: np.ndarray, volume: np.ndarray, realisation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Staff hours a year and automatable hours a year (after realisation), per run."""
    runs = max(visits.shape[0], volume.shape[0], realisation.shape[0])
    t = len(ev.ids)
    mins = np.zeros((runs, t))
    rate = np.broadcast_to(ev.exception_rate, (runs, t)).copy()
    for j, sid in enumerate(ev.ids):
        m = minutes.get(sid)
        if m is not None:
            mins[:, j] = m
        e = exceptions.get(sid)
        if e is not None:
            rate[:, j] = e
    staff = np.broadcast_to(visits[:, ev.cols], (runs, t)) * mins * ev.counts
    potential = np.clip(ev.factor * np.maximum(0.0, 1.0 - ev.exception_weight * rate), 0.0, 1.0)
    hours = volume * staff.sum(axis=1) / 60
    auto = volume * (staff * potential).sum(axis=1) / 60 * realisation
    return hours, auto
