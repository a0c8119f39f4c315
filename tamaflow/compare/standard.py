"""The standard flow: what most cities do, as a valid tamaflow process.

Recipe (research note §3.5, a digest of La Rosa's merge plus Weidlich's behavioural consensus):
1. Groups of corresponding steps across variants (align.py) supported by at least `support` of
   the variants are kept.
2. Their order is the variants' consensus: precedence votes from each variant's behavioural
   profile (x before y, y before x, exclusive, interleaving); the majority strict order is
   topologically sorted, ties and cycles broken by the mean relative position.
3. Runs of consecutive kept steps that most variants run as alternatives (exclusive) or side
   by side (interleaving) become an exclusive split (merging implicitly) or a parallel split
   with an explicit join — "gateways kept where most variants branch". A named deciding gateway
   that most variants share gives the split its name.
4. Each step takes the majority of its members: label, lane (by role: the cities' lanes joined
   by the work done in them, `_lane_roles`, so that departments each city names its own way are
   one lane), kind, medium, seal, catalogue code; minutes are the median. Where wordings tie for
   the most cities (four cities, four wordings), the label is the tied wording that reads the
   group's other wordings best (`closeness`, the matcher's label similarity), not the first
   city's.

Depends on the model only; builds a `Process` that passes `tamaflow validate`.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..model.graph import first_reached
from ..model.ids import SAFE_ID, claim_id, slugify
from ..model.process import Branch, Lane, Process, Step
from .align import japanese_flows
from .grouping import Group, mean_position
from .labels import label_key
from .scipy_core import linear_sum_assignment
from .variant import EXCLUSIVE, INTERLEAVING, ORDER, REVERSE, Node, VariantView

STANDARD_CITY = "standard"

#: the label similarity among steps of a comparison, given as (variant index, node index): the
#: matcher's, with catalogue codes applied (`comparison.compare_processes` passes it)
Closeness = Callable[[Sequence[tuple[int, int]]], np.ndarray]


@dataclass(slots=True)
class StandardStep:
    """A kept group and what the standard says about it."""

    group: int  # index into the comparison's groups
    step: Step
    lane_name: str
    support: float
    position: float


@dataclass(slots=True)
class StandardFlow:
    process: Process
    #: kept group index → step id in the standard
    step_of_group: dict[int, str] = field(default_factory=dict)
    steps: list[StandardStep] = field(default_factory=list)
    support: float = 0.5
    #: consensus relation between kept groups (codes of variant.py), for deviations
    relation: dict[tuple[int, int], int] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    #: (variant index, a lane name of that variant) → the standard lane of the role that lane
    #: plays (`_lane_roles`); absent when the role names no lane of the standard
    lane_roles: dict[tuple[int, str], str] = field(default_factory=dict)


def _majority(values: Sequence[object], default: object = None) -> object:
    vals = [v for v in values if v is not None]
    if not vals:
        return default
    counts = Counter(vals)
    best = max(counts.values())
    for v in vals:  # first seen among the most common: deterministic, follows variant order
        if counts[v] == best:
            return v
    return default


def group_steps(g: Group) -> list[tuple[int, int]]:
    """Members of a group as (variant index, node index), in variant order."""
    return [(v, k) for v in sorted(g.members) for k in sorted(g.members[v])]


def group_nodes(views: Sequence[VariantView], g: Group) -> list[tuple[int, Node]]:
    """Members of a group as (variant index, node), in variant order (`group_steps`)."""
    return [(v, views[v].nodes[k]) for v, k in group_steps(g)]


def consensus_relation(views: Sequence[VariantView], g: Group, h: Group) -> tuple[int, dict[int, int]]:
    """Majority behavioural relation of g to h over the variants that have both."""
    votes: Counter[int] = Counter()
    for v in sorted(set(g.members) & set(h.members)):
        a = g.members[v][0]
        b = h.members[v][0]
        if a == b:
            continue
        votes[int(views[v].profile[a, b])] += 1
    if not votes:
        return 0, {}
    best = max(votes.values())
    for rel in (ORDER, REVERSE, EXCLUSIVE, INTERLEAVING):  # strict order wins ties
        if votes[rel] == best:
            return rel, dict(votes)
    return 0, dict(votes)


def derive_standard(views: Sequence[VariantView], groups: Sequence[Group], support: float = 0.5,
                    closeness: Closeness | None = None) -> StandardFlow:
    """Derive the standard flow of a procedure from its aligned variants.

    Parameters
    ----------
    views : sequence of VariantView
    groups : sequence of Group
        Corresponding steps across the variants (`grouping.group`).
    support : float
        Share of variants a group needs to enter the standard (`--support`).
    closeness : callable, optional
        Label similarity among the groups' steps, to name a step whose wordings tie
        (`_name`); without it, the first city's tied wording names it.

    Returns
    -------
    StandardFlow
        A valid process (it passes `validate --strict`), the group → standard step mapping
        (named decision points included), the consensus order and relations.

    References
    ----------
    [Weidlich] (consensus relations), [LaRosa] (model merging) in docs/references.md.
    """
    k = len(views)
    if k == 0:
        raise ValueError("no variants")
    kept = [
        i for i, g in enumerate(groups)
        if g.size() / k >= support - 1e-9 and _kind_of(views, g) != "gateway"
    ]
    deciding = [i for i, g in enumerate(groups) if g.size() / k >= support - 1e-9 and _kind_of(views, g) == "gateway"]
    pos = {i: mean_position(views, groups[i]) for i in kept + deciding}
    rel: dict[tuple[int, int], int] = {}
    for a in kept:
        for b in kept:
            if a < b:
                r, _ = consensus_relation(views, groups[a], groups[b])
                rel[(a, b)] = r
                rel[(b, a)] = {ORDER: REVERSE, REVERSE: ORDER}.get(r, r)
    order = _consensus_order(kept, rel, pos)
    japanese = japanese_flows(views)

    # --- steps
    used_ids: set[str] = set()
    std_steps: list[StandardStep] = []
    role_of, role_name = _lane_roles(views, [groups[gi] for gi in order])
    for gi in order:
        steps = group_steps(groups[gi])
        members = [(v, views[v].nodes[n]) for v, n in steps]
        step = _merged_step(members, used_ids, f"s{len(std_steps) + 1}", _name(members, steps, closeness))
        role = _majority([role_of.get((v, n.lane)) for v, n in members if n.lane])
        lane_name = role_name[role] if isinstance(role, int) else ""
        std_steps.append(StandardStep(gi, step, lane_name, groups[gi].size() / k, pos[gi]))
    lanes = _lanes(views, groups, std_steps)
    lane_id = {lane.name: lane.id for lane in lanes}
    lane_roles = {key: lane_id[role_name[r]] for key, r in role_of.items() if role_name[r] in lane_id}
    for s in std_steps:
        s.step.lane = lane_id.get(s.lane_name) if s.lane_name else None
    if lanes:
        default_lane = lanes[0].id
        for s in std_steps:
            if s.step.lane is None:
                s.step.lane = default_lane

    # --- blocks of alternatives / parallel work
    steps_out: list[Step] = []
    idx = 0
    split_no = 0
    #: id of the first node emitted for a standard-step index (a gateway opened there, or the
    #: step itself); flows that point forward to an index are resolved through it at the end,
    #: because a gateway may still be opened at that index when the flow is written
    entry: dict[int, str] = {}
    forward: list[tuple[Step | Branch, int]] = []
    #: deciding gateway groups the standard's splits are named after → the split's id
    named_gateways: dict[int, str] = {}
    while idx < len(std_steps):
        block = _block(order, idx, rel)
        if block is None:
            cur = std_steps[idx]
            if (idx + 1 < len(std_steps) and not cur.step.is_event
                    and _optional_share(views, groups[cur.group]) > 0.5):
                # most cities skip this step on some cases: keep the decision around it
                split_no += 1
                gw = _gateway(views, groups, deciding, pos, cur.position, "exclusive", split_no, used_ids, japanese,
                              named_gateways, closeness)
                gw.lane = cur.step.lane
                take = _condition(views, groups[cur.group]) or (f"{cur.step.name}が必要" if japanese else cur.step.name)
                skip = _skip_condition(views, groups[cur.group]) or ("不要" if japanese else "otherwise")
                skip_branch = Branch(to=std_steps[idx + 1].step.id, when=skip, default=True)
                forward.append((skip_branch, idx + 1))
                gw.branches = [Branch(to=cur.step.id, when=take), skip_branch]
                steps_out.append(gw)
                entry[idx] = gw.id
            entry.setdefault(idx, std_steps[idx].step.id)
            steps_out.append(std_steps[idx].step)
            idx += 1
            continue
        end, branches, kind = block
        split_no += 1
        after = std_steps[end].step.id if end < len(std_steps) else None
        gw = _gateway(views, groups, deciding, pos, std_steps[idx].position, kind, split_no, used_ids, japanese,
                      named_gateways, closeness)
        gw.lane = std_steps[idx].step.lane
        entry[idx] = gw.id
        join: Step | None = None
        if kind == "parallel":
            join = Step(id=claim_id(f"join_{split_no}", used_ids), name="", gateway="parallel", join=True,
                        lane=gw.lane)
        for b_no, branch in enumerate(branches):
            first = std_steps[branch[0]].step
            when: str | None = None
            if kind == "exclusive":
                when = _condition(views, groups[order[branch[0]]]) or (
                    f"{first.name}の場合" if japanese else f"{first.name}"
                )
            gw.branches.append(Branch(to=first.id, when=when, default=(kind == "exclusive" and b_no == len(branches) - 1)))
        steps_out.append(gw)
        for branch in branches:
            chain = [std_steps[x].step for x in branch]
            for prev, nxt in zip(chain, chain[1:], strict=False):
                prev.next = nxt.id
            last = chain[-1]
            if join is not None:
                last.next = join.id
            elif after is not None:
                last.next = after
                forward.append((last, end))
            else:
                last.end = True
            steps_out.extend(chain)
        if join is not None:
            steps_out.append(join)
            if after is None:
                join.end = True
            else:
                join.next = after
                forward.append((join, end))
        idx = end
    for ref, target in forward:
        if isinstance(ref, Branch):
            ref.to = entry.get(target, ref.to)
        else:
            ref.next = entry.get(target, ref.next)

    # a start event only opens the flow, an end event only closes it
    for pos_i, st in enumerate(steps_out):
        if st.event == "start" and pos_i != 0:
            st.event = "none"
        if st.event == "end" and not (pos_i == len(steps_out) - 1 and st.next is None):
            st.event = "none"
            st.end = False if st.next else st.end
    process = Process(
        process=slugify(str(_majority([v.process.process for v in views], "standard")), "standard", tidy=False),
        name=str(_majority([v.process.name for v in views], "standard")),
        city=STANDARD_CITY,
        steps=steps_out,
        lanes=lanes,
        area=_majority([v.process.area for v in views]),  # type: ignore[arg-type]
        channels=[c for c in _channel_order(views) if sum(c in v.process.channels for v in views) / k >= support - 1e-9],
        description=(
            f"標準フロー: {k} 市の変種から tamaflow compare が導出 (支持率 ≥ {support:g})。"
            if japanese else
            f"Standard flow derived by tamaflow compare from {k} variants (support ≥ {support:g})."
        ),
    )
    step_of_group = {s.group: s.step.id for s in std_steps} | named_gateways
    return StandardFlow(process, step_of_group, std_steps, support, rel, order, lane_roles)


def _kind_of(views: Sequence[VariantView], g: Group) -> str:
    return str(_majority([n.type for _, n in group_nodes(views, g)], "task"))


def _consensus_order(kept: list[int], rel: dict[tuple[int, int], int], pos: dict[int, float]) -> list[int]:
    """Topological order of the majority strict-order relation, smallest mean position first;
    inside a cycle, mean position alone decides."""
    remaining = sorted(kept, key=lambda g: (pos[g], g))
    out: list[int] = []
    while remaining:
        free = [g for g in remaining if not any(rel.get((h, g)) == ORDER for h in remaining if h != g)]
        pick = free[0] if free else remaining[0]
        out.append(pick)
        remaining.remove(pick)
    return out


def _block(order: list[int], start: int, rel: dict[tuple[int, int], int]) -> tuple[int, list[list[int]], str] | None:
    """A maximal window from `start` whose members are alternatives or parallel to each other
    (not in order); returns (end index, branches as index lists, 'exclusive'|'parallel')."""
    n = len(order)

    def loose(a: int, b: int) -> bool:
        return rel.get((order[a], order[b])) in (EXCLUSIVE, INTERLEAVING)

    end = start + 1
    while end < n and any(loose(x, end) for x in range(start, end)):
        end += 1
    if end - start < 2:
        return None
    window = list(range(start, end))
    # branches: chains of steps in strict order
    parent = {x: x for x in window}

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    kinds: Counter[str] = Counter()
    for a in window:
        for b in window:
            if a < b:
                r = rel.get((order[a], order[b]))
                if r in (ORDER, REVERSE, 0, None):
                    parent[find(b)] = find(a)
                else:
                    kinds["parallel" if r == INTERLEAVING else "exclusive"] += 1
    comps: dict[int, list[int]] = {}
    for x in window:
        comps.setdefault(find(x), []).append(x)
    branches = sorted(comps.values(), key=lambda c: c[0])
    if len(branches) < 2:
        return None
    # consistent only if every cross-branch pair is loose and every in-branch pair ordered
    for i, b1 in enumerate(branches):
        for b2 in branches[i + 1:]:
            if not all(loose(x, y) for x in b1 for y in b2):
                return None
        if any(loose(x, y) for x in b1 for y in b1 if x < y):
            return None
    kind = "parallel" if kinds["parallel"] > kinds["exclusive"] else "exclusive"
    return end, branches, kind


def _name(members: Sequence[tuple[int, Node]], at: Sequence[tuple[int, int]], closeness: Closeness | None) -> str:
    """The standard step's label: the wording most of the group's cities use.

    Between cities that word a step their own way, every wording is used once and the majority
    names nothing; taking the first city's (the first in alphabetical order) would name the
    standard after whichever city sorts first, shorthand included (Insp visit - confirm,
    measure (m2) + note surface). Among tied wordings the one that reads the others best names
    it: the most central wording, by the same label similarity the alignment uses, each other
    wording counted for as many cities as use it. Still tied, the first city's."""
    keys = [label_key(n.name) for _, n in members]
    first: dict[str, int] = {}
    for x, key in enumerate(keys):
        first.setdefault(key, x)
    counts = Counter(keys)
    most = max(counts.values())
    tied = [key for key in first if counts[key] == most]
    if len(tied) == 1 or closeness is None:
        return members[first[tied[0]]][1].name
    wordings = list(first)
    M = closeness([at[first[key]] for key in wordings])
    weight = np.array([counts[key] for key in wordings], dtype=np.float64)
    best, name = -1.0, members[first[tied[0]]][1].name
    for r, key in enumerate(wordings):
        if counts[key] != most:
            continue
        # rounded, so that sums taken in another order cannot reorder two equal wordings
        score = round(float(M[r] @ weight - M[r, r] * weight[r]), 9)
        if score > best:
            best, name = score, members[first[key]][1].name
    return name


def _merged_step(members: list[tuple[int, Node]], used: set[str], fallback: str, name: str) -> Step:
    steps = [n.step for _, n in members]
    sid = str(_majority([s.id for s in steps], fallback))
    if not SAFE_ID.match(sid) or sid.startswith("_"):
        sid = fallback
    sid = claim_id(sid, used)
    first = steps[0]
    minutes = [s.minutes for s in steps if s.minutes is not None]
    step = Step(id=sid, name=name)
    if first.is_event:
        step.event = str(_majority([s.event for s in steps], first.event))
    else:
        step.kind = str(_majority([s.kind for s in steps], "user"))
    step.minutes = round(float(statistics.median(minutes)), 2) if minutes else None
    step.medium = _majority([s.medium for s in steps])  # type: ignore[assignment]
    step.seal = bool(_majority([s.seal for s in steps], False))
    step.standard = _majority([s.standard for s in steps])  # type: ignore[assignment]
    step.rule_based = _majority([s.rule_based for s in steps])  # type: ignore[assignment]
    step.structured = _majority([s.structured for s in steps])  # type: ignore[assignment]
    step.access = _majority([s.access for s in steps])  # type: ignore[assignment]
    systems = Counter(x for s in steps for x in dict.fromkeys(s.systems))
    step.systems = [x for x, c in systems.items() if c * 2 >= len(steps)]
    return step


def _lane_roles(views: Sequence[VariantView], kept: Sequence[Group]) -> tuple[dict[tuple[int, str], int], list[str]]:
    """The cities' lanes joined into roles: (variant, lane name) → role, and each role's name.

    A role is whatever the cities' lanes do in common. City by city (those with the most lanes
    first, then in variant order), each of
    its lanes joins the role whose cities do the same standard steps there: the gain of lane ×
    role is, over the standard steps the city does in the lane, the share of the role's cities
    that do that step in the role (a shared lane name adds half a step, to break ties), and the
    city's lanes take roles by a one-to-one assignment over those gains, so no role holds two
    lanes of one city. A lane that shares no step with any role it can take starts a role of its
    own. A role is named by the lane name most of its cities give it (the first city's on a tie;
    counted by steps, a city that does everything in one lane, 市民課, would name every role it
    joins). Each city is read once against the roles so far, so a nationwide comparison costs
    what its cities' lanes cost, not their pairs.

    Cities name their departments their own way (産業振興係, 市（さんぎょう しんこう か）, 生活経済
    課 農政係 for one section in three cities). Read by name, a step whose cities all say
    something else took the first city's lane, and the standard held one lane per city's name
    for the one role; by role, it has the role once. Where the cities share lane names, as the
    library's do, each role is one name and the standard's lanes are as they were."""
    n = len(kept)
    at: dict[int, dict[str, list[int]]] = {}  # city → its lane → the kept groups it does there
    for g_index, g in enumerate(kept):
        for v, ks in sorted(g.members.items()):
            lane = views[v].nodes[ks[0]].lane
            if lane:
                at.setdefault(v, {}).setdefault(lane, []).append(g_index)
    done: list[np.ndarray] = []  # per role: how many of its cities do each kept group in it
    cities: list[int] = []  # per role: how many cities it holds
    names: list[list[tuple[int, str]]] = []  # per role: each of its cities and its lane name
    named: list[set[str]] = []  # per role: those names, once each
    role_of: dict[tuple[int, str], int] = {}
    # the cities that split the work finest first: a city that does everything in one lane then
    # joins the roles the others define instead of seeding one that holds them all
    for v in sorted(at, key=lambda v: (-len(at[v]), v)):
        lanes = list(at[v])
        taken: dict[int, int] = {}
        if done:
            share = np.array(done) / np.array(cities, dtype=np.float64)[:, None]
            gain = np.zeros((len(lanes), len(done)))
            for x, lane in enumerate(lanes):
                gain[x] = share[:, at[v][lane]].sum(axis=1)
                gain[x] += np.array([0.5 if gain[x, r] > 0 and lane in named[r] else 0.0 for r in range(len(done))])
            rows, cols = linear_sum_assignment(-gain)
            taken = {x: r for x, r in zip(rows.tolist(), cols.tolist(), strict=True) if gain[x, r] > 0}
        for x, lane in enumerate(lanes):
            r = taken.get(x)
            if r is None:
                r = len(done)
                done.append(np.zeros(n))
                cities.append(0)
                names.append([])
                named.append(set())
            done[r][at[v][lane]] += 1
            cities[r] += 1
            names[r].append((v, lane))
            named[r].add(lane)
            role_of[(v, lane)] = r
    return role_of, [str(_majority([lane for _, lane in sorted(x)], "")) for x in names]


def _lanes(views: Sequence[VariantView], groups: Sequence[Group], steps: list[StandardStep]) -> list[Lane]:
    """One lane per majority lane name, in order of first use; the id is the one the variants
    most often give that name."""
    ids: dict[str, Counter[str]] = {}
    for v in views:
        for lane in v.process.lanes:
            ids.setdefault(lane.name, Counter())[lane.id] += 1
    out: list[Lane] = []
    used: set[str] = set()
    for s in steps:
        if not s.lane_name or any(lane.name == s.lane_name for lane in out):
            continue
        cand = ids.get(s.lane_name)
        lid = cand.most_common(1)[0][0] if cand else f"lane{len(out) + 1}"
        if not SAFE_ID.match(lid) or lid.startswith("_"):
            lid = f"lane{len(out) + 1}"
        out.append(Lane(claim_id(lid, used), s.lane_name))
    return out


def _gateway(
    views: Sequence[VariantView],
    groups: Sequence[Group],
    deciding: list[int],
    pos: dict[int, float],
    before: float,
    kind: str,
    number: int,
    used: set[str],
    japanese: bool,
    named: dict[int, str],
    closeness: Closeness | None = None,
) -> Step:
    """The split of a block: named after the shared deciding gateway just before it, if any,
    in the wording its cities use as a step's is chosen (`_name`). That gateway's group then has
    this split as its standard step (recorded in `named`), so the decision is reported as part
    of the standard, not as work the standard lacks."""
    best: tuple[float, int] | None = None
    for gi in deciding:
        members = group_nodes(views, groups[gi])
        if not all(n.step.gateway == kind for _, n in members[:1]):
            continue
        d = before - pos[gi]
        if d >= -1e-9 and (best is None or d < best[0]):
            best = (d, gi)
    if best is not None:
        members = group_nodes(views, groups[best[1]])
        name = _name(members, group_steps(groups[best[1]]), closeness)
        sid = str(_majority([n.id for _, n in members], f"split_{number}"))
        if not SAFE_ID.match(sid):
            sid = f"split_{number}"
        deciding.remove(best[1])
    else:
        name = ("分岐" if japanese else "Branch") if kind == "exclusive" else ""
        sid = f"split_{number}"
    step = Step(id=claim_id(sid, used), name=name, gateway=kind)
    if best is not None:
        named[best[1]] = step.id
    return step


def _condition(views: Sequence[VariantView], g: Group) -> str | None:
    """The most common condition written on a branch that leads straight to one of the group's
    steps."""
    conds: list[str] = []
    for v, node in group_nodes(views, g):
        for _p, _x, data in views[v].graph.in_edges(node.id, data=True):
            if data.get("when"):
                conds.append(str(data["when"]))
    return str(_majority(conds)) if conds else None


def _channel_order(views: Sequence[VariantView]) -> list[str]:
    seen: dict[str, None] = {}
    for v in views:
        for c in v.process.channels:
            seen.setdefault(c, None)
    return list(seen)


def _skip_edges(view: VariantView, node: Node) -> list[dict[str, object]]:
    """Flows from an exclusive split right before `node` that bypass it to its successor."""
    g = view.graph
    after = {view.nodes[k].id for k in view.succs[view.index_of[node.id]] if k >= 0}
    out: list[dict[str, object]] = []
    for p in g.predecessors(node.id):
        step = g.nodes[p].get("step")
        if step is None or step.gateway not in ("exclusive", "inclusive") or step.join:
            continue
        for t in g.successors(p):
            if t == node.id:
                continue
            # the bypass reaches a successor of `node` directly or through routing nodes only
            reached = first_reached(g, [t], lambda y: y in after or y in view.index_of or y == node.id)
            if any(y in after for y in reached):
                out.append(dict(g.edges[p, t]))
    return out


def _optional_share(views: Sequence[VariantView], g: Group) -> float:
    """Share of the group's variants in which the step can be skipped by a decision."""
    members = group_nodes(views, g)
    if not members:
        return 0.0
    skipped = {v for v, node in members if _skip_edges(views[v], node)}
    return len(skipped) / len(g.members)


def _skip_condition(views: Sequence[VariantView], g: Group) -> str | None:
    conds = [str(e["when"]) for v, node in group_nodes(views, g) for e in _skip_edges(views[v], node) if e.get("when")]
    return str(_majority(conds)) if conds else None
