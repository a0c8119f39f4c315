"""The outline of one process: the `tamaflow show` use case.

Lanes, steps (with kind, lane, minutes, medium, seal), each step's outgoing flows and the
totals, as lines of text an analyst reads to check a file says what they meant.
"""

from __future__ import annotations

from ..model.graph import build_graph
from ..model.kinds import kind_text
from ..model.process import Process


def outline(proc: Process, city_name: str | None = None) -> list[str]:
    """The lines `tamaflow show` prints for `proc`, in order; the city by its Japanese
    `city_name` (from the library's cities.yaml) when there is one, else by its slug."""
    g = build_graph(proc)
    lanes = proc.lane_map()
    lines = [f"{proc.name} ({proc.process}) — {city_name or proc.city}"]
    if proc.area:
        lines.append(f"  area: {proc.area}")
    if proc.volume is not None:
        lines.append(f"  volume: {proc.volume:g} cases/year")
    if proc.channels:
        lines.append(f"  channels: {', '.join(proc.channels)}")
    lines.append("lanes:")
    for lane in proc.lanes:
        n = sum(1 for s in proc.steps if s.lane == lane.id)
        lines.append(f"  {lane.id}: {lane.name} ({n} step(s))")
    lines.append("steps:")
    for s in proc.steps:
        lane_label = f" [{lanes[s.lane].name}]" if s.lane in lanes else ""
        what = kind_text(s)
        attrs = []
        if s.minutes is not None:
            attrs.append(f"{s.minutes:g} min")
        if s.medium:
            attrs.append(s.medium)
        if s.seal:
            attrs.append("押印")
        extra = f"  ({', '.join(attrs)})" if attrs else ""
        lines.append(f"  {s.id}: {s.name or '-'} <{what}>{lane_label}{extra}")
        succ = list(g.successors(s.id))
        for b in s.branches:
            cond = f" when {b.when}" if b.when else ""
            share = f" ({b.share:.0%})" if b.share is not None else ""
            default = " [default]" if b.default else ""
            lines.append(f"      → {b.to}{cond}{share}{default}")
        if not s.branches and succ and (s.next or s.end):
            lines.append(f"      → {'end' if succ == ['_end'] else succ[0]}")
    tasks = [s for s in proc.steps if s.is_task]
    minutes = sum(s.minutes or 0 for s in tasks)
    lines.append(f"totals: {len(proc.steps)} steps ({len(tasks)} tasks, "
                 f"{sum(1 for s in proc.steps if s.is_gateway)} gateways), {len(proc.lanes)} lanes, "
                 f"{minutes:g} staff minutes if every task runs once, "
                 f"{sum(1 for s in tasks if s.medium == 'paper')} paper, {sum(1 for s in tasks if s.seal)} seal")
    return lines
