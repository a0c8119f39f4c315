"""Structural rules over the process graph, each a small registered class with a code.

Modelled on sqlfluff's rule classes and bpmnlint's rule names: every rule has a code (TF1xx),
the bpmnlint name where one exists, a default severity, and a docstring that says why it matters.
`register` enters each into the one registry of finding codes (model/codes.py), which is what
`tamaflow rules` prints and tamaflow.yaml configures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from ..model.codes import CODES, Code, define, resolve_severity
from ..model.findings import Finding, Severity
from ..model.graph import (
    ProcessGraph,
    build_graph,
    end_nodes,
    immediate_dominators,
    reachable_from,
    reachable_from_start,
    start_nodes,
)
from ..model.process import END, Branch, Pos, Process, Step

#: what a rule yields for each problem: where, the message, and the element id (if any)
Hit = tuple[Pos, str, str | None]


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = "error"

    def check(self, process: Process, g: ProcessGraph) -> Iterator[Hit]:
        """Yield (position, message, element id)."""
        raise NotImplementedError


class StepRule(Rule):
    """A rule that judges each step on its own (its branches, its lane), in written order: the
    walk over the steps is written once here, and a rule says only what it looks for."""

    def check(self, process: Process, g: ProcessGraph) -> Iterator[Hit]:
        for s in process.steps:
            yield from self.check_step(s, g)

    def check_step(self, s: Step, g: ProcessGraph) -> Iterator[Hit]:
        """Yield (position, message, element id) for step `s`."""
        raise NotImplementedError


RULES: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Make a rule run, and enter its code, name, severity and docstring into the registry."""
    RULES[cls.code] = cls
    define(cls.code, cls.__doc__ or "", name=cls.name, severity=cls.severity, configurable=True)
    return cls


def registry() -> list[Code]:
    """Every finding code, sorted: the registry with this module's TF1xx rules entered."""
    return [CODES[c] for c in sorted(CODES)]


def _flow_pos(g: ProcessGraph, source: str, target: str, process: Process) -> Pos:
    """Where the flow source → target is written: its `next:` or its branch, else the step."""
    step: Step | None = g.nodes[source].get("step")
    if step is None:
        return process.where("steps")
    if step.next == target:
        return step.where("next")
    for b in step.branches:
        if b.to == target:
            return b.pos
    return step.pos


def _label(g: ProcessGraph, node: str) -> str:
    name = g.nodes[node].get("name")
    return f"`{node}` ({name})" if name else f"`{node}`"


@register
class StartEventRequired(Rule):
    """Exactly one start, and nothing flows back into it: the process must begin in one place."""

    code = "TF101"
    name = "start-event-required"

    def check(self, process: Process, g: ProcessGraph) -> Iterator[Hit]:
        for s in start_nodes(g):
            for p in g.predecessors(s):
                yield _flow_pos(g, p, s, process), f"{_label(g, p)} flows back into the start event {_label(g, s)}: " \
                    "point it at the first task instead", p


@register
class NoDisconnected(Rule):
    """Every step must be reachable from the start; an unreachable step is usually a typo in
    `next`/`to` or a step after `end: true` that nothing points to."""

    code = "TF102"
    name = "no-disconnected"

    def check(self, process: Process, g: ProcessGraph) -> Iterator[Hit]:
        reach = reachable_from_start(g)
        for s in process.steps:
            if s.id not in reach and g.nodes[s.id]["type"] != "missing":
                yield s.pos, f"step {_label(g, s.id)} is not reachable from the start: add a flow to it " \
                    "(`next:` or a branch `to:`) or remove it", s.id


@register
class EndReachable(Rule):
    """From every step an end must be reachable. A rework loop with no way out means cases never
    finish (and the score's Markov chain would not terminate)."""

    code = "TF103"
    name = "end-event-required"

    def check(self, process: Process, g: ProcessGraph) -> Iterator[Hit]:
        ends = end_nodes(g)
        if not ends:
            yield process.where("steps"), "the process never ends: mark a step `end: true`", None
            return
        can_end = reachable_from(g.pred, ends)
        reach = reachable_from_start(g)
        for s in process.steps:
            if s.id in reach and s.id not in can_end:
                yield s.pos, f"no end can be reached from {_label(g, s.id)}: a loop without a way out; " \
                    "give a gateway in the loop a branch that leaves it", s.id


def _never_taken(s: Step) -> list[Branch]:
    """The branches of a splitting exclusive or inclusive gateway no case takes: a share of 0,
    or no share where the stated ones already add up to 1 (the implied rest is 0)."""
    split = _split_shares(s)
    if split is None:
        return []
    total, missing = split
    dead = [b for b in s.branches if b.share is not None and b.share <= 0]
    return dead + missing if total >= 1 - _EPS else dead


@register
class LoopSharesLetNoCaseOut(Rule):
    """A loop whose every way out has a share of 0 (its rework branch 1.0) keeps every case in
    it for ever: the flow can end, the shares say it never does, and the score cannot count the
    minutes of a case that never finishes (TF302). Caught here, at the review of the file."""

    code = "TF112"
    name = "loop-shares-let-no-case-out"

    def check(self, process: Process, g: ProcessGraph) -> Iterator[Hit]:
        dead = {(s.id, b.to) for s in process.steps for b in _never_taken(s)}
        if not dead:
            return
        ends = end_nodes(g)
        can_end = reachable_from(g.pred, ends)
        live_pred = {n: [m for m in preds if (m, n) not in dead] for n, preds in g.pred.items()}
        live_succ = {n: [m for m in succs if (n, m) not in dead] for n, succs in g.succ.items()}
        can_end_live = reachable_from(live_pred, ends)
        trapped = {n for n in reachable_from(live_succ, start_nodes(g)) if n in can_end and n not in can_end_live}
        for st in process.steps:
            if st.id not in trapped:
                continue
            for b in st.branches:
                if (st.id, b.to) in dead and b.to in can_end_live:
                    share = f"share {b.share:g}" if b.share is not None else "an implied share of 0"
                    yield b.pos, f"the branch shares make a loop that never ends at {_label(g, st.id)}: its way " \
                        f"out, the branch to `{b.to}`, has {share}: give it a share > 0", st.id
                    break


@register
class SuperfluousGateway(StepRule):
    """A splitting gateway with a single branch decides nothing."""

    code = "TF104"
    name = "superfluous-gateway"
    severity = "warning"

    def check_step(self, s: Step, g: ProcessGraph) -> Iterator[Hit]:
        if s.is_gateway and not s.join and len(s.branches) == 1:
            yield s.pos, f"gateway {_label(g, s.id)} has only one branch: remove it or add the other paths", s.id


@register
class ParallelJoin(Rule):
    """Parallel branches must meet at a parallel join, and a parallel join must only close a
    parallel split: an exclusive split closed by a parallel join deadlocks (only one branch ever
    arrives), and parallel branches merged without a join run the rest twice."""

    code = "TF105"
    name = "parallel-join"

    def check(self, process: Process, g: ProcessGraph) -> Iterator[Hit]:
        starts = start_nodes(g)
        if len(starts) != 1:
            return
        start = starts[0]
        # immediate dominators of every node reachable from the start (unreachable ones: TF102)
        idom = immediate_dominators(g, start)
        steps = process.step_map()
        dom = _Dominance(idom, start, steps)
        for node in idom:
            if node == END:
                continue
            preds = [p for p in g.predecessors(node) if p in idom]
            st = steps.get(node)
            if st is not None and st.gateway == "parallel" and st.join:
                if len(preds) < 2:
                    yield st.pos, f"parallel join {_label(g, node)} has {len(preds)} incoming flow(s): a join " \
                        "needs the branches of a parallel split to name it in `next`", node
                    continue
                sp = dom.split_of(node)
                if sp is not None and steps[sp].gateway != "parallel":
                    yield st.pos, f"parallel join {_label(g, node)} closes the {steps[sp].gateway} split " \
                        f"{_label(g, sp)}: only one branch arrives, so it deadlocks; use a parallel split or " \
                        "let the branches merge without a join", node
            elif len(preds) >= 2:
                # flows that come back from further on (a rework loop) are not concurrent arrivals
                forward = [p for p in preds if not dom.dominates(node, p)]
                if len(forward) < 2:
                    continue
                sp = dom.split_of(node)
                if sp is not None and steps[sp].gateway == "parallel":
                    where = st.pos if st is not None else process.where("steps")
                    yield where, f"the branches of parallel split {_label(g, sp)} meet at {_label(g, node)} " \
                        "without a join: add `{id: …, gateway: parallel, join: true}` and point the branches " \
                        "at it", node


class _Dominance:
    """Dominator-tree questions for TF105, as a small object rather than nested functions: a
    recursive closure is a reference cycle, which only the cyclic GC would free (and
    `validate_paths` pauses it)."""

    def __init__(self, idom: dict[str, str], start: str, steps: dict[str, Step]) -> None:
        self.idom = idom
        self.start = start
        self.steps = steps
        #: memo of split_of for nodes that are not gateways (for those, "which split encloses
        #: it" and "what does it split or close" must not be confused)
        self.enclosing: dict[str, str | None] = {}
        # a dominates b ⇔ b lies in a's subtree of the dominator tree: number the tree once
        # (iteratively) so that each test is O(1), even for a huge file full of rework loops
        children: dict[str, list[str]] = {}
        for n, d in idom.items():
            if n != d:
                children.setdefault(d, []).append(n)
        self.enter: dict[str, int] = {}
        self.leave: dict[str, int] = {}
        clock = 0
        todo: list[tuple[str, bool]] = [(start, False)]
        while todo:
            n, done = todo.pop()
            clock += 1
            if done:
                self.leave[n] = clock
                continue
            self.enter[n] = clock
            todo.append((n, True))
            todo.extend((c, False) for c in children.get(n, ()))

    def dominates(self, a: str, b: str) -> bool:
        return self.enter[a] <= self.enter[b] and self.leave[b] <= self.leave[a]

    def split_of(self, node: str) -> str | None:
        """The splitting gateway whose branches `node` lies on: the nearest dominating split,
        skipping blocks that a join has already closed (after `fork … join`, the flow is back on
        the outside of `fork`). For a join: the split it closes."""
        enclosing, steps, idom = self.enclosing, self.steps, self.idom
        if node in enclosing:
            return enclosing[node]
        chain: list[str] = []
        d = idom.get(node)
        found: str | None = None
        while d is not None and d != self.start:
            if d in enclosing:
                found = enclosing[d]
                break
            st = steps.get(d)
            if st is not None and st.is_gateway:
                if not st.join:
                    found = d
                    break
                closed = self.split_of(d)
                if closed is not None:  # continue above the split that this join closes
                    d = closed
            else:
                chain.append(d)
            d = idom.get(d)
        # every non-gateway node walked past has the same answer (its idom chain is a suffix)
        for c in chain:
            enclosing[c] = found
        st = steps.get(node)
        if st is None or not st.is_gateway:
            enclosing[node] = found
        return found


#: stated shares this close to 1 add up to 1: shares are written with two decimals, and three
#: branches of 0.33 are a third each
SHARE_TOLERANCE = 0.01
#: float noise on a sum of decimals (0.6 + 0.3 + 0.1 is 0.9999999999999999)
_EPS = 1e-9


def _split_shares(s: Step) -> tuple[float, list[Branch]] | None:
    """(sum of the stated shares, branches without one) of a splitting exclusive or inclusive
    gateway with two or more branches; None for any other step (joins, parallel splits)."""
    if s.gateway not in ("exclusive", "inclusive") or s.join or len(s.branches) < 2:
        return None
    return sum(b.share for b in s.branches if b.share is not None), [b for b in s.branches if b.share is None]


@register
class BranchShares(StepRule):
    """The shares of an exclusive gateway's branches add up to 1 (± 0.01): every case takes
    exactly one branch, and the score's minutes and hours per year go through the shares, so a
    set adding up to 1.3 makes every figure downstream wrong. An inclusive gateway's shares may
    add up to more than 1 (a case can take several branches)."""

    code = "TF106"
    name = "branch-shares"

    def check_step(self, s: Step, g: ProcessGraph) -> Iterator[Hit]:
        split = _split_shares(s)
        if split is None or s.gateway != "exclusive":
            return
        total, missing = split
        if not missing and abs(total - 1) > SHARE_TOLERANCE + _EPS:
            yield s.where("branches"), f"branch shares of {_label(g, s.id)} add up to {total:.2f}, not 1: every " \
                "case takes one branch of an exclusive gateway, so the shares must add up to 1 (± 0.01)", s.id
        elif len(missing) == 1 and total > 1 + SHARE_TOLERANCE + _EPS:
            yield s.where("branches"), f"the stated branch shares of {_label(g, s.id)} already add up to " \
                f"{total:.2f}, leaving nothing for the branch to `{missing[0].to}`: the shares must add up to 1 " \
                "(± 0.01)", s.id


@register
class BranchSharesMissing(StepRule):
    """Either every branch of a gateway states its share or none does (then the cases are split
    evenly). On an exclusive gateway exactly one missing share is implied, 1 minus the others
    (TF111); two or more missing would be a guess. An inclusive gateway's shares are independent
    (a case may take several branches), so none is implied there."""

    code = "TF110"
    name = "branch-shares-missing"

    def check_step(self, s: Step, g: ProcessGraph) -> Iterator[Hit]:
        split = _split_shares(s)
        if split is None:
            return
        _total, missing = split
        if not missing or len(missing) == len(s.branches) or (s.gateway == "exclusive" and len(missing) == 1):
            return
        which = (f"the branch to `{missing[0].to}`" if len(missing) == 1 else
                 f"{len(missing)} of its {len(s.branches)} branches (to {', '.join(f'`{b.to}`' for b in missing)})")
        why = ("two or more missing cannot be implied" if s.gateway == "exclusive" else
               "an inclusive gateway's shares are independent, so none is implied")
        has = "has" if len(missing) == 1 else "have"
        yield missing[0].pos, f"{_label(g, s.id)}: {which} {has} no `share` while the others have one: {why}; " \
            "give each branch its share", s.id


@register
class BranchShareImplied(StepRule):
    """A note, not a problem: every branch of an exclusive gateway but one states its share, so
    the last one's is implied (1 minus the others) and the score uses that figure."""

    code = "TF111"
    name = "branch-share-implied"
    severity = "info"

    def check_step(self, s: Step, g: ProcessGraph) -> Iterator[Hit]:
        split = _split_shares(s)
        if split is None or s.gateway != "exclusive":
            return
        total, missing = split
        if len(missing) == 1 and total <= 1 + SHARE_TOLERANCE + _EPS:
            b = missing[0]
            yield b.pos, f"the branch to `{b.to}` of {_label(g, s.id)} has no `share`: implied " \
                f"{max(0.0, 1 - total):.2f} (1 minus the other branches' {total:.2f})", s.id


@register
class ConditionalFlows(StepRule):
    """Every branch of an exclusive or inclusive gateway needs a condition (`when`) unless it is
    the default; otherwise a reader cannot tell which path a case takes."""

    code = "TF107"
    name = "conditional-flows"
    severity = "warning"

    def check_step(self, s: Step, g: ProcessGraph) -> Iterator[Hit]:
        if s.gateway not in ("exclusive", "inclusive") or s.join:
            return
        for b in s.branches:
            if not b.when and not b.default:
                yield b.pos, f"branch to `{b.to}` of {_label(g, s.id)} has no `when` condition " \
                    "(or mark it `default: true`)", s.id


@register
class NoDuplicateFlows(StepRule):
    """Two branches of one gateway to the same step are one flow drawn twice."""

    code = "TF108"
    name = "no-duplicate-sequence-flows"

    def check_step(self, s: Step, g: ProcessGraph) -> Iterator[Hit]:
        seen: set[str] = set()
        for b in s.branches:
            if b.to in seen:
                yield b.pos, f"two branches of {_label(g, s.id)} lead to `{b.to}`: merge them", s.id
            seen.add(b.to)


@register
class LaneRequired(StepRule):
    """When a process declares lanes, every task and event belongs to one: the swimlane diagram
    and the per-actor totals need it."""

    code = "TF109"
    name = "lane-required"
    severity = "warning"

    def check(self, process: Process, g: ProcessGraph) -> Iterator[Hit]:
        if process.lanes:
            yield from super().check(process, g)

    def check_step(self, s: Step, g: ProcessGraph) -> Iterator[Hit]:
        if not s.is_gateway and s.lane is None:
            yield s.pos, f"step {_label(g, s.id)} has no `lane`", s.id


def run_rules(process: Process, severities: dict[str, str] | None = None) -> list[Finding]:
    """Run every structural rule; `severities` maps a code or bpmnlint name to off|warn|error."""
    severities = severities or {}
    g = build_graph(process)
    path = process.path or "<process>"
    out: list[Finding] = []
    for code, cls in RULES.items():
        sev = resolve_severity(code, severities)
        if sev is None:
            continue
        for pos, message, element in cls().check(process, g):
            out.append(Finding(path, pos.line, pos.col, code, sev, f"{message} [{cls.name}]", element))
    return out
