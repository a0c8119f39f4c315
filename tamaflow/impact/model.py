"""The impact of adopting the standard flow, per procedure × city: hours now, with the standard,
with the standard and RPA, the concrete changes with their own hours, and the Monte-Carlo range.

Why a layer of its own: it joins `compare` (the standard flow, the alignment) and `score` (the
hours model), which never import each other; `publish` and `app` use it. Depends on model,
compare and score only; renderings are in report.py and tables.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import numpy as np

from ..compare import Comparison
from ..compare.deviations import ONLINE_CHANNELS
from ..model.ja_names import CHANNELS
from ..model.process import Process
from ..score import ProcessScore, ScoreConfig, score_process
from .chain import Chain
from .config import Spreads
from .runs import Evaluator, city_chain, city_values, evaluate, evaluator, run_block
from .standard import Plan, city_standard, make_plan, score_standard, standard_medians, standard_process

#: a change smaller than this many hours a year is not listed (it is rounding, not a change)
MIN_HOURS = 0.05


@dataclass(frozen=True, slots=True)
class Change:
    """One concrete change for a city: what (kind), where (the step id), in words, and the staff
    hours a year it frees (negative: it costs hours, e.g. a step the city does not do yet)."""

    kind: str
    step: str | None
    text: str
    hours: float
    #: the change is about a city step in a cell of the alignment to check (compare's
    #: `Comparison.to_check`): if that step is aligned wrongly, the change is not there
    check: bool = False


@dataclass(slots=True)
class CityImpact:
    city: str
    city_name: str
    path: str | None
    volume: float
    hours_now: float
    hours_standard: float
    hours_standard_rpa: float
    seals_removed: int
    paper_removed: int
    in_person_removed: int
    changes: list[Change]
    #: savings per Monte-Carlo run (empty with --runs 0)
    samples: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def savings(self) -> float:
        return self.hours_now - self.hours_standard_rpa

    @property
    def savings_standard(self) -> float:
        return self.hours_now - self.hours_standard

    @property
    def savings_rpa(self) -> float:
        return self.hours_standard - self.hours_standard_rpa

    @property
    def savings_to_check(self) -> float:
        """The part of the standardisation savings that rests on cells of the alignment to check:
        the hours of the changes about such steps."""
        return sum(ch.hours for ch in self.changes if ch.check)


@dataclass(slots=True)
class ProcedureImpact:
    process: str
    name: str
    cities: list[CityImpact]
    notes: list[str]
    samples: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def hours_now(self) -> float:
        return sum(c.hours_now for c in self.cities)

    @property
    def savings(self) -> float:
        return sum(c.savings for c in self.cities)


def percentiles(samples: np.ndarray) -> tuple[float, float, float] | None:
    """P10, P50, P90 of the savings over the runs (None without runs)."""
    if samples.size == 0:
        return None
    p10, p50, p90 = np.percentile(samples, [10, 50, 90])
    return float(p10), float(p50), float(p90)


def procedure_impact(comp: Comparison, procs: list[Process], cfg: ScoreConfig, spreads: Spreads, runs: int,
                     seed: int, realisation: np.ndarray, names: Mapping[str, str]) -> ProcedureImpact:
    """Impact of the standard flow of one compared procedure on each of its cities.

    Parameters
    ----------
    comp : Comparison
        `compare.compare_processes` of `procs` (its standard flow and alignment).
    procs : list of Process
        The cities' models, one each.
    cfg : ScoreConfig
        The score model (hours, potential, realisation).
    spreads, runs, seed, realisation
        The Monte-Carlo (`runs` 0: point estimates only); `realisation` holds one rate per run.
    names : mapping
        City slug → name, for the change sentences.

    Returns
    -------
    ProcedureImpact
        Cities ranked by savings (largest first), each with its changes and its savings per run.
    """
    notes: list[str] = []
    timed = [p for p in procs if p.volume is not None]
    if len(timed) < len(procs):
        notes.append("volume (件数/年) が未記入のため除外: " + ", ".join(sorted(p.city for p in procs if p.volume is None)))
    plan = make_plan(comp)
    chains = {p.city: city_chain(p) for p in procs}
    point = {p.city: city_values(p, chains[p.city], None, 1, seed) for p in procs}
    std_index = {sid: i for i, sid in enumerate(plan.steps)}
    point_std = standard_medians(plan, point)
    cities: list[CityImpact] = []
    #: city → the evaluators of its flow now and of the standard as it would run it
    evaluators: dict[str, tuple[Evaluator, Evaluator]] = {}
    for p in timed:
        now = score_process(p, cfg)
        cs = city_standard(plan, p.city, point, point_std)
        std = score_standard(plan, standard_process(plan, p, cs), cs, cfg)
        hours_now = now.hours_per_year or 0.0
        hours_std = std.hours_per_year or 0.0
        hours_rpa = hours_std - (std.automatable_hours_per_year or 0.0)
        name = names.get(p.city, p.city)
        changes, counts = city_changes(plan, p, now, std, cs.kept, name, hours_now - hours_std)
        cities.append(CityImpact(p.city, name, p.path, float(p.volume or 0.0), hours_now, hours_std, hours_rpa,
                                 counts["seal"], counts["paper"], counts["in_person"], changes))
        if runs > 0:
            evaluators[p.city] = (evaluator(now, point[p.city].index, cfg), evaluator(std, std_index, cfg))
    if runs > 0:
        samples = savings_runs(plan, procs, chains, evaluators, spreads, runs, seed, realisation)
        for ci in cities:
            ci.samples = samples[ci.city]
    cities.sort(key=lambda c: (-c.savings, c.city))
    # a procedure none of whose cities gives its volume saves nothing in every run: the region
    # adds the procedures' runs up, so it has `runs` of them too
    total = np.sum([c.samples for c in cities], axis=0) if cities else np.zeros(runs)
    first = procs[0]
    return ProcedureImpact(first.process, plan.process.name or first.name, cities, notes, total)


#: how many Monte-Carlo runs are drawn and evaluated at once for all the cities of a procedure;
#: None: as many as `RUN_BUDGET` allows (a number here fixes it, as the tests do)
RUN_BLOCK: int | None = None
#: city-runs held at once, never fewer than 250 runs: from 1,000 cities up the 250 runs the
#: nationwide memory figures were measured with (docs/compare.md), and 20,000 runs at once for a
#: library's dozen cities. Every block draws each city's runs anew, so blocks of a fixed 250 made
#: 20,000 runs cost 80 whole draws per city (37 s for processes/); the figures are the same either way
RUN_BUDGET = 250_000


def savings_runs(plan: Plan, procs: list[Process], chains: Mapping[str, Chain],
                 evaluators: Mapping[str, tuple[Evaluator, Evaluator]], spreads: Spreads, runs: int, seed: int,
                 realisation: np.ndarray) -> dict[str, np.ndarray]:
    """Each city's savings per run (hours now − hours with the standard and RPA), for the cities
    of `evaluators` (now, standard).

    The standard's values of a run are medians over every city's values of that run, so a run
    needs all cities' draws at once: at 2,917 cities and 1,000 runs they are 0.45 GB. The runs
    are therefore taken a block at a time (`RUN_BUDGET`), each city's draws made anew per block
    (`city_values` is seeded per city, so a block is the same numbers as a whole draw) and cut to
    the block's runs. Every figure is per run, so the savings are the same floats as a whole draw."""
    out = {city: np.empty(runs) for city in evaluators}
    block = RUN_BLOCK or max(250, RUN_BUDGET // max(1, len(procs)))
    for a in range(0, runs, block):
        b = min(runs, a + block)
        mc = {p.city: run_block(city_values(p, chains[p.city], spreads, runs, seed), a, b) for p in procs}
        mc_std = standard_medians(plan, mc)
        for city, (ev_now, ev_std) in evaluators.items():
            vals = mc[city]
            h_now, _a = evaluate(ev_now, vals.minutes, vals.exceptions, vals.visits, vals.volume, realisation[a:b])
            cs = city_standard(plan, city, mc, mc_std)
            std_visits = np.stack([np.broadcast_to(cs.visits[sid], (b - a,)) for sid in plan.steps], axis=1)
            h_std, a_std = evaluate(ev_std, cs.minutes, cs.exceptions, std_visits, vals.volume, realisation[a:b])
            out[city][a:b] = h_now - (h_std - a_std)
    return out


def city_changes(plan: Plan, p: Process, now: ProcessScore, std: ProcessScore, kept: Mapping[str, list[str]],
                 city_name: str, savings_standard: float) -> tuple[list[Change], dict[str, int]]:
    """The concrete changes that take the city from its flow to the standard, each with its hours.

    The hours of the standardisation changes add up to `savings_standard`: what no single step
    explains (branch shares, how often steps are reached) is one last change of kind `flow`."""
    now_by = {s.id: s for s in now.steps}
    std_by = {s.id: s for s in std.steps}
    unsure = plan.to_check.get(p.city, set())
    counts = {"seal": 0, "paper": 0, "in_person": 0}
    out: list[Change] = []
    for sid, ps in plan.steps.items():
        target = std_by[sid]
        own = [now_by[s.id] for s in ps.members.get(p.city, []) if s.id in now_by]
        if not own:
            if (target.hours_per_year or 0.0) >= MIN_HOURS:
                out.append(Change("add", sid, f"手順を加える: {target.name}", -(target.hours_per_year or 0.0)))
            continue
        delta = sum(s.hours_per_year or 0.0 for s in own) - (target.hours_per_year or 0.0)
        actions: list[tuple[str, str]] = []
        for blocker, kind, words in (("seal", "seal", "押印を廃止する"), ("paper", "paper", "紙をやめて電子で扱う"),
                                     ("in_person", "in_person", "対面をやめる")):
            n = sum(blocker in s.blockers for s in own)
            if n and blocker not in target.blockers:
                counts[blocker] += n
                actions.append((kind, words))
        if sid in kept:
            why = "・".join({"electronic": "電子化済み", "no_seal": "押印なし"}[w] for w in kept[sid])
            actions.append(("keep", f"市の手順を維持する ({why}、標準より進んでいる)"))
        if not actions and abs(delta) >= MIN_HOURS:
            actions.append(("align", "標準の手順・所要時間にそろえる"))
        if actions:
            steps = "・".join(s.name for s in own)
            out.append(Change(actions[0][0], own[0].id, "、".join(w for _k, w in actions) + f": {steps} ({city_name})",
                              delta, any(s.id in unsure for s in own)))
    for s in now.steps:
        if s.id in plan.aligned.get(p.city, set()):
            continue
        marks = [b for b in ("seal", "paper", "in_person") if b in s.blockers]
        for b in marks:
            counts[b] += 1
        if (s.hours_per_year or 0.0) >= MIN_HOURS or marks:
            extra = "、押印を廃止する" if "seal" in marks else ""
            out.append(Change("drop", s.id, f"手順をやめる{extra}: {s.name} ({city_name})", s.hours_per_year or 0.0,
                              s.id in unsure))
    explained = sum(c.hours for c in out)
    if abs(savings_standard - explained) >= MIN_HOURS:
        out.append(Change("flow", None, "分岐の割合・手順を通る回数を標準にそろえる", savings_standard - explained))
    for ch in plan.process.channels:
        if ch in ONLINE_CHANNELS and ch not in p.channels:
            out.append(Change("channel", None, f"電子申請を加える: {CHANNELS.get(ch, ch)} (効果は上の手順と分岐に含む)", 0.0))
    out.sort(key=lambda c: (-c.hours, c.kind, c.step or "", c.text))
    rpa = [Change("rpa", s.id, f"RPA で自動化する: {s.name}", s.automatable_hours_per_year or 0.0)
           for s in std.steps if (s.automatable_hours_per_year or 0.0) >= MIN_HOURS]
    return out + sorted(rpa, key=lambda c: (-c.hours, c.step or "")), counts


class _Totals(Protocol):
    @property
    def hours_now(self) -> float: ...

    @property
    def savings(self) -> float: ...


class _RegionSums:
    """The region's hours now and savings: sums over its procedures in their order, one home for
    `Impact` and `RegionTotals` so that the two give the same floats."""

    __slots__ = ()
    procedures: Sequence[_Totals]

    @property
    def hours_now(self) -> float:
        return sum(p.hours_now for p in self.procedures)

    @property
    def savings(self) -> float:
        return sum(p.savings for p in self.procedures)


@dataclass(slots=True)
class Impact(_RegionSums):
    """The region: every procedure, and how it was computed (for the report's `config`)."""

    procedures: list[ProcedureImpact]
    runs: int
    seed: int
    spreads: Spreads
    realisation: float
    realisation_range: tuple[float, float]
    score_config: str | None
    hourly_cost: float | None
    notes: list[str]
    samples: np.ndarray

    @property
    def pairs(self) -> int:
        """How many procedure × city pairs the region has."""
        return sum(len(p.cities) for p in self.procedures)

    def city_totals(self) -> list[tuple[str, str, float, float, np.ndarray]]:
        """(city, name, hours now, savings, savings per run) over all procedures, most savings first."""
        acc: dict[str, list] = {}
        for proc in self.procedures:
            for c in proc.cities:
                entry = acc.setdefault(c.city, [c.city_name, 0.0, 0.0, np.zeros(c.samples.shape)])
                entry[1] += c.hours_now
                entry[2] += c.savings
                entry[3] = entry[3] + c.samples
        rows = [(city, e[0], e[1], e[2], e[3]) for city, e in acc.items()]
        return sorted(rows, key=lambda r: (-r[3], r[0]))


def impact_of(compared: list[tuple[Comparison, list[Process]]], cfg: ScoreConfig, spreads: Spreads, *, runs: int,
              seed: int, realisation_range: tuple[float, float], names: Mapping[str, str],
              hourly_cost: float | None = None, score_config: str | None = None,
              notes: list[str] | None = None) -> Impact:
    """The region's impact: every compared procedure, most savings first.

    Parameters
    ----------
    compared : list of (Comparison, list of Process)
        Each procedure's comparison and the models it was made from.
    cfg, spreads, runs, seed
        The score model and the Monte-Carlo (see `procedure_impact`).
    realisation_range : (float, float)
        The range the realisation rate is drawn from (equal ends: not varied).
    names : mapping
        City slug → name.
    hourly_cost : float, optional
        Yen per staff hour; without it the report has no yen.
    """
    from .runs import realisation_draws

    real = realisation_draws(*realisation_range, runs, seed)
    procs = [procedure_impact(comp, ps, cfg, spreads, runs, seed, real, names) for comp, ps in compared]
    return region_impact(procs, cfg, spreads, runs=runs, seed=seed, realisation_range=realisation_range,
                         hourly_cost=hourly_cost, score_config=score_config, notes=notes)


def region_impact(procedures: list[ProcedureImpact], cfg: ScoreConfig, spreads: Spreads, *, runs: int, seed: int,
                  realisation_range: tuple[float, float], hourly_cost: float | None = None,
                  score_config: str | None = None, notes: list[str] | None = None) -> Impact:
    """The region from its procedures' impacts (`procedure_impact` with the same `cfg`, `spreads`,
    `runs`, `seed` and realisation draws), in any order: most savings first. `impact_of` when the
    procedures are made one at a time, each comparison dropped after its impact (`tamaflow
    summary` at national size, where twelve comparisons at once do not fit in memory)."""
    procs, total = _ranked(procedures, runs)
    return Impact(procs, runs, seed, spreads, cfg.realisation, realisation_range, score_config, hourly_cost,
                  list(notes or []), total)


class _Ranked(Protocol):
    @property
    def process(self) -> str: ...

    @property
    def savings(self) -> float: ...

    @property
    def samples(self) -> np.ndarray: ...


_P = TypeVar("_P", bound=_Ranked)


def _ranked(procedures: Iterable[_P], runs: int) -> tuple[list[_P], np.ndarray]:
    """The procedures most savings first and the region's savings per run, summed in that order
    (one home for both, so `region_totals` gives the floats `region_impact` gives)."""
    procs = sorted(procedures, key=lambda p: (-p.savings, p.process))
    total = np.sum([p.samples for p in procs], axis=0) if runs > 0 and procs else np.zeros(0)
    return procs, total


def pair_order(process: str, c: CityImpact) -> tuple[float, str, str]:
    """The order of the region's city × procedure pairs: most savings first, then by procedure and
    city. Within one procedure it is `ProcedureImpact.cities`' order (the procedure is fixed)."""
    return (-c.savings, process, c.city)


def first_pairs(pairs: Iterable[tuple[_P, CityImpact]], top: int) -> list[tuple[_P, CityImpact]]:
    """The first `top` (procedure, city) pairs in `pair_order`: one ranking for the whole
    `Impact` (`impact.report.top_pairs`) and for `RegionTotals.top_pairs`."""
    return sorted(pairs, key=lambda pc: pair_order(pc[0].process, pc[1]))[:top]


def has_standard(procs: Sequence[Process]) -> bool:
    """Whether a procedure has a standard flow to adopt: only when two cities or more are
    compared (one city is its own flow; `tamaflow impact` notes it and leaves it out)."""
    return len({p.city for p in procs}) > 1


@dataclass(frozen=True, slots=True)
class ProcedureTotals:
    """A procedure's impact reduced to what a one-screen summary of a library shows: its totals,
    the same floats as its `ProcedureImpact`'s, and its `top` cities that save the most.

    Why: a `ProcedureImpact` holds every city's 1,000 Monte-Carlo savings and its changes, about
    11 KB a city (tracemalloc), 30 MB per procedure of 2,917 cities; a national library (12
    procedures × 2,917 cities) kept them all, 0.4 GB, for a table of ten pairs (`tamaflow summary`). The pairs are ranked by
    `pair_order`, which within a procedure is the order of its cities, so none but a procedure's
    own first `top` cities can be among the region's first `top` pairs."""

    process: str
    name: str
    #: how many cities the procedure has (with a volume: the cities of its impact)
    city_count: int
    hours_now: float
    savings: float
    #: the procedure's savings per run (the sum over all its cities)
    samples: np.ndarray
    #: its first cities in `ProcedureImpact.cities` order (each whole, with its savings per run)
    top: tuple[CityImpact, ...]


def procedure_totals(p: ProcedureImpact, top: int) -> ProcedureTotals:
    """The totals of `p` and its `top` cities that save the most (`ProcedureTotals`)."""
    return ProcedureTotals(p.process, p.name, len(p.cities), p.hours_now, p.savings, p.samples,
                           tuple(p.cities[:top]))


@dataclass(frozen=True, slots=True)
class RegionTotals(_RegionSums):
    """The region's impact from its procedures' totals: what `Impact` gives for its headline and
    its first pairs (`impact.report.headline`, `top_pairs`), the same floats, without keeping every
    city (`ProcedureTotals`)."""

    #: most savings first (as `Impact.procedures`)
    procedures: Sequence[ProcedureTotals]
    #: the region's savings per run
    samples: np.ndarray
    #: how many pairs each procedure kept: `top_pairs` gives at most this many
    kept: int
    hourly_cost: float | None = None

    @property
    def pairs(self) -> int:
        """How many procedure × city pairs the region has."""
        return sum(p.city_count for p in self.procedures)

    def top_pairs(self, top: int) -> list[tuple[ProcedureTotals, CityImpact]]:
        """The first `top` pairs in `pair_order`, as `impact.report.top_pairs` ranks them."""
        if top > self.kept:
            raise ValueError(f"the procedures kept their first {self.kept} cities, not {top}")
        return first_pairs(((p, c) for p in self.procedures for c in p.top), top)


def region_totals(procedures: Iterable[ProcedureTotals], *, runs: int, kept: int,
                  hourly_cost: float | None = None) -> RegionTotals:
    """`region_impact` from the procedures' totals (`procedure_totals` of each `procedure_impact`,
    `kept` cities each): the same headline figures and first pairs, in the memory of `kept`
    cities a procedure."""
    procs, total = _ranked(procedures, runs)
    return RegionTotals(procs, total, kept, hourly_cost)
