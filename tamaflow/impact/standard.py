"""The derived standard flow as each city would run it: the values behind `hours_standard`.

From a `compare.Comparison`:
- every task of the standard takes the median minutes and the median exception rate of the
  steps aligned to it across the cities (pooled, as `compare.standard` pools its minutes);
- the branch shares enter as how often a case reaches each task: the median, over the cities
  that have the step, of its expected visits per case (the product of the shares on its path,
  loops included, from `score.visits`). Read this way, the standard's shares cannot be bent by
  how `compare` drew its gateways (a rework loop it shows as parallel work is still reached as
  often as the cities reach it);
- a city whose own step is better than the standard's (already electronic where the standard
  is on paper or in person, no seal where the standard seals) keeps its own step — the standard
  is not a step back — and the report says so.

Everything is computed on arrays with a leading run axis (R = 1 for the point estimate, R runs in
the Monte-Carlo), so the point estimate and every run use the same arithmetic. Depends on model,
compare and score.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..compare import Comparison
from ..compare.deviations import ELECTRONIC
from ..model.process import Process, Step
from ..score import ProcessScore, ScoreConfig, StepScore, score_step
from ..score.estimate import step_role


@dataclass(slots=True)
class PlanStep:
    """A task of the standard and the city steps aligned to it (city → its steps)."""

    sid: str
    step: Step
    members: dict[str, list[Step]] = field(default_factory=dict)


@dataclass(slots=True)
class Plan:
    """The standard of one procedure and how every city's steps map onto it."""

    comparison: Comparison
    process: Process
    steps: dict[str, PlanStep]
    #: city → ids of its steps aligned to some standard task
    aligned: dict[str, set[str]]
    #: city → ids of its steps in cells of the alignment to check (`Comparison.to_check`)
    to_check: dict[str, set[str]] = field(default_factory=dict)


def make_plan(comp: Comparison) -> Plan:
    """Map every standard task to the city steps aligned to it."""
    std = comp.standard
    by_id = {s.step.id: s for s in std.steps}
    steps: dict[str, PlanStep] = {}
    aligned: dict[str, set[str]] = {c: set() for c in comp.variants}
    for st in std.process.steps:
        if not st.is_task or st.id not in by_id:
            continue
        plan = PlanStep(st.id, st)
        group = comp.groups[by_id[st.id].group]
        for v, ks in sorted(group.members.items()):
            city = comp.variants[v]
            found = [comp.views[v].nodes[k].step for k in sorted(ks)]
            found = [s for s in found if s.is_task]
            if found:
                plan.members[city] = found
                aligned[city].update(s.id for s in found)
        steps[st.id] = plan
    # read off the marked cells once, not by scanning every group for every city (cities × groups)
    to_check: dict[str, set[str]] = {}
    for gi, v in comp.cells_to_check():
        to_check.setdefault(comp.variants[v], set()).update(comp.views[v].nodes[k].id for k in comp.groups[gi].members[v])
    return Plan(comp, std.process, steps, aligned, to_check)


def better(city: Step, std: Step) -> list[str]:
    """What the city's step does better than the standard's: `electronic`, `no_seal`."""
    out: list[str] = []
    if city.medium in ELECTRONIC and std.medium is not None and std.medium not in ELECTRONIC:
        out.append("electronic")
    if std.seal and not city.seal:
        out.append("no_seal")
    return out


@dataclass(slots=True)
class CityValues:
    """One city's values that the Monte-Carlo varies, per run (leading axis R, 1 = the point).

    `minutes` / `exceptions`: step id → (R,) (absent when the file gives none); `volume` (R,);
    `visits` (R, N) over its chain's nodes with `index` node → column."""

    minutes: dict[str, np.ndarray]
    exceptions: dict[str, np.ndarray]
    volume: np.ndarray
    visits: np.ndarray
    index: dict[str, int]


@dataclass(slots=True)
class CityStandard:
    """The standard's values for one city per standard task, each (R,): visits per case, minutes
    and exception rate (None: no city gives one); and which tasks keep the city's own step, why."""

    visits: dict[str, np.ndarray]
    minutes: dict[str, np.ndarray | None]
    exceptions: dict[str, np.ndarray | None]
    kept: dict[str, list[str]]


def standard_medians(plan: Plan, cities: dict[str, CityValues]) -> CityStandard:
    """The standard's values before any city keeps a step: medians over the aligned steps of all
    cities (computed once per procedure; `city_standard` only overrides the kept steps)."""
    visits: dict[str, np.ndarray] = {}
    minutes: dict[str, np.ndarray | None] = {}
    exceptions: dict[str, np.ndarray | None] = {}
    for sid, ps in plan.steps.items():
        members = [(cities[c], ss) for c, ss in sorted(ps.members.items()) if c in cities]
        reached = [np.max([v.visits[:, v.index[s.id]] for s in ss], axis=0) for v, ss in members]
        med = _median(reached)
        visits[sid] = med if med is not None else np.zeros(1)
        minutes[sid] = _median([v.minutes[s.id] for v, ss in members for s in ss if s.id in v.minutes])
        exceptions[sid] = _median([v.exceptions[s.id] for v, ss in members for s in ss if s.id in v.exceptions])
    return CityStandard(visits, minutes, exceptions, {})


def city_standard(plan: Plan, city: str, cities: dict[str, CityValues], medians: CityStandard) -> CityStandard:
    """The standard for `city`: the medians, and the city's own values where it keeps its step."""
    minutes = dict(medians.minutes)
    exceptions = dict(medians.exceptions)
    kept: dict[str, list[str]] = {}
    for sid, ps in plan.steps.items():
        own = ps.members.get(city)
        why = better(own[0], ps.step) if own else []
        if own and why:
            kept[sid] = why
            vals = cities[city]
            mins = [vals.minutes[s.id] for s in own if s.id in vals.minutes]
            minutes[sid] = np.sum(mins, axis=0) if mins else None
            exceptions[sid] = vals.exceptions.get(own[0].id)
    return CityStandard(medians.visits, minutes, exceptions, kept)


def _median(values: list[np.ndarray]) -> np.ndarray | None:
    if not values:
        return None
    runs = max(v.shape[0] for v in values)
    return np.median(np.stack([np.broadcast_to(v, (runs,)) for v in values], axis=1), axis=1)


def standard_process(plan: Plan, city: Process, cs: CityStandard) -> Process:
    """The standard flow as `city` would run it (the point estimate: run 0 of every array): the
    standard's steps with the medians, the kept steps' own attributes, the city's volume."""
    proc = dataclasses.replace(plan.process, steps=[dataclasses.replace(s) for s in plan.process.steps])
    proc.city = city.city
    proc.volume = city.volume
    proc.path = None
    by_id = proc.step_map()
    for sid, ps in plan.steps.items():
        st = by_id[sid]
        m, e = cs.minutes[sid], cs.exceptions[sid]
        st.minutes = float(m[0]) if m is not None else None
        st.exceptions = float(e[0]) if e is not None else None
        if sid in cs.kept:
            own = ps.members[city.city][0]
            st.medium, st.rule_based, st.structured = own.medium, own.rule_based, own.structured
            st.systems, st.access, st.kind = list(own.systems), own.access, own.kind
            # the standard's own improvements still apply to a kept step: no seal if it has none
            st.seal = own.seal and st.seal
    return proc


def score_standard(plan: Plan, proc: Process, cs: CityStandard, cfg: ScoreConfig) -> ProcessScore:
    """The score model on the standard as the city runs it, each task reached as often as
    `cs.visits` says (run 0). Roles, gates and potentials are `score`'s own (`score_step`)."""
    lanes = proc.lane_map()
    with_minutes = {s.lane for s in proc.steps if s.is_task and s.minutes is not None}
    steps: list[StepScore] = []
    volume = float(proc.volume or 0.0)
    for i, st in enumerate(proc.steps):
        if st.id not in plan.steps:
            continue
        lane = lanes.get(st.lane) if st.lane else None
        sc = score_step(st, cfg, role=step_role(st, proc, cfg, with_minutes), visits=float(cs.visits[st.id][0]),
                        index=i, lane_name=lane.name if lane else None)
        sc.hours_per_year = volume * sc.staff_minutes_per_case / 60
        sc.automatable_hours_per_year = volume * sc.automatable_minutes_per_case / 60 * cfg.realisation
        steps.append(sc)
    total = sum(s.staff_minutes_per_case for s in steps)
    auto = sum(s.automatable_minutes_per_case for s in steps)
    return ProcessScore(
        process=proc.process, name=proc.name, city=proc.city, area=proc.area, volume=volume, path=None,
        minutes_per_case=total, automatable_minutes_per_case=auto, hours_per_year=volume * total / 60,
        automatable_hours_per_year=volume * auto / 60 * cfg.realisation, potential=auto / total if total else 0.0,
        ease=None, quadrant="reconsider", feasible=True, blockers={}, notes=[], steps=steps,
        visits={s.id: s.visits for s in steps},
    )
