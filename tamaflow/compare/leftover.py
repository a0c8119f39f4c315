"""The steps no pivot step took, grouped among themselves (the fast path's left-overs).

Why: a city's extra check or second decision has no pivot step to join; the exact path groups
such steps with other cities' left-over steps pair by pair. Here they are grouped once for all
cities, by label and place: distinct labels after the same grouped step are one unit (`left_units`),
and units join strongest first (`join_left`) on the exact path's score for a pair: label
similarity, less the order penalty for the groups between their places, plus the context term
for their flow neighbours' agreement (`unit_context`). docs/compare.md, section 4, step 2.

Depends on align.py (the matcher and its neighbour agreement), fastties.py (distinct label
items) and grouping.py (Group and its place in the flow); pivot.py calls it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .align import Matcher, _best_match
from .fastties import distinct
from .grouping import Group, mean_position
from .variant import VariantView


def slots_of(views: Sequence[VariantView], groups: Sequence[Group], left: Sequence[Sequence[int]]) -> list[list[int]]:
    """Where each left-over step sits among the grouped ones: the rank (by mean position) of the
    group of the nearest grouped step before it in its variant's flow, -1 when none is."""
    ranked = sorted((gi for gi, g in enumerate(groups) if g.members),
                    key=lambda gi: (mean_position(views, groups[gi]), gi))
    placed: list[list[tuple[float, int]]] = [[] for _ in views]
    for r, gi in enumerate(ranked):
        for v, xs in groups[gi].members.items():
            placed[v].extend((float(views[v].position[x]), r) for x in xs)
    out: list[list[int]] = []
    for v, view in enumerate(views):
        mine = sorted(placed[v])
        at = [p for p, _ in mine]
        out.append([mine[i - 1][1] if (i := bisect_left(at, float(view.position[x]))) else -1 for x in left[v]])
    return out


@dataclass
class LeftUnits:
    """The steps no pivot step took, as units (one distinct label item in one place) with their
    pairwise label similarity less the order penalty: what `join_left` groups."""

    nodes: list[tuple[int, int]]
    unit: list[int]
    n_units: int
    S: np.ndarray
    d: np.ndarray


def left_units(matcher: Matcher, views: Sequence[VariantView], left: Sequence[Sequence[int]],
                groups: Sequence[Group] = (), order: float = 0.0) -> LeftUnits | None:
    """Distinct (label, code, type) items in the same place (after the same grouped step,
    `slots_of`) are one unit; S is their labels' similarity, less `order` · d/(d + 1) for d groups
    between their places (the exact path's penalty for a pair that crosses d anchors). None when
    no step is left."""
    nodes = [(v, x) for v in range(len(views)) for x in left[v]]
    if not nodes:
        return None
    rep, where = distinct(matcher, views, nodes)
    slot = [s for per in slots_of(views, groups, left) for s in per]
    unit_of: dict[tuple[int, int], int] = {}
    unit = [unit_of.setdefault((it, sl), len(unit_of)) for it, sl in zip(where, slot, strict=True)]
    u_item = np.array([it for it, _ in unit_of], dtype=np.int64)
    u_slot = np.array([sl for _, sl in unit_of], dtype=np.float64)
    S = matcher.item_matrix(rep, rep)[np.ix_(u_item, u_item)]
    d = np.abs(u_slot[:, None] - u_slot[None, :])
    S = S - order * d / (d + 1.0)
    np.fill_diagonal(S, 0.0)
    return LeftUnits(nodes, unit, len(unit_of), S, d)


def join_left(matcher: Matcher, views: Sequence[VariantView], units: LeftUnits | None, threshold: float,
               context: float = 0.0, neighbours: bool = False) -> list[Group]:
    """Group the steps no pivot step took (`left_units`; None: no group): units join strongest
    first when their score, the label similarity less the order penalty plus `context` · (N −
    0.5) for their neighbours' agreement N (`unit_context`, the exact path's context term; with
    `neighbours`, else only in the order of joining), reaches `threshold`, never two steps of one
    variant in a group. So the same extra check early and late in the flow is two activities
    when some city has both, as the exact path finds pair by pair. Every step ends in some group
    (alone if need be)."""
    if units is None:
        return []
    nodes, unit, d = units.nodes, units.unit, units.d
    if neighbours:
        # the exact path's combined score: label, less the order penalty, plus the context term
        # (neighbours that agree less than half count against the pair), for the threshold as
        # for the order of joining: the same extra check after two different steps is then two
        # activities, as pair by pair (tennyu, seed 0: 添付書類の確認 after 本人確認, after
        # 転出証明書の記載を確認する and after 異動情報の入力)
        first: dict[int, tuple[int, int]] = {}
        for vx, un in zip(nodes, unit, strict=True):
            first.setdefault(un, vx)
        S = units.S + context * (unit_context(matcher, views, [first[u] for u in range(units.n_units)]) - 0.5)
        np.fill_diagonal(S, 0.0)
        iu, ju = np.nonzero(np.triu(S >= threshold, 1))
        strength = S[iu, ju]
    else:
        iu, ju = np.nonzero(np.triu(units.S >= threshold, 1))
        # neighbours agree in one place and not across places (the exact path's context term)
        strength = units.S[iu, ju] - context * (d[iu, ju] > 0)
    ranking = np.lexsort((ju, iu, -strength))
    # union-find over units; a unit's group may hold each variant once
    parent = list(range(units.n_units))
    owners: list[set[int]] = [set() for _ in range(units.n_units)]
    for (v, _x), un in zip(nodes, unit, strict=True):
        owners[un].add(v)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for t in ranking.tolist():
        a, b = find(int(iu[t])), find(int(ju[t]))
        if a == b or owners[a] & owners[b]:
            continue
        if len(owners[a]) < len(owners[b]):
            a, b = b, a
        parent[b] = a
        owners[a] |= owners[b]
    out: dict[int, Group] = {}
    for (v, x), un in zip(nodes, unit, strict=True):
        home = out.setdefault(find(un), Group())
        if v in home.members:
            out.setdefault(-1 - len(out), Group()).members[v] = [x]  # the same label twice in one place
            continue
        home.members[v] = [x]
    return list(out.values())


def unit_context(matcher: Matcher, views: Sequence[VariantView], reps: Sequence[tuple[int, int]]) -> np.ndarray:
    """Neighbour agreement of every two left-over units (one step standing for each, `reps`), as
    in the exact path's context term (`align._best_match`): each neighbour's best counterpart
    among the other's neighbours by label, averaged over both sides; the flow's start and end
    meet only themselves. Neighbours are compared as distinct label items, in one block."""
    nb_nodes: list[tuple[int, int]] = []
    lists: list[list[int]] = []
    for v, x in reps:
        mine = []
        for k in (*views[v].preds[x], *views[v].succs[x]):
            if k >= 0:
                mine.append(len(nb_nodes))
                nb_nodes.append((v, k))
            else:
                mine.append(-1 if k == -1 else -2)
        lists.append(mine)
    items, at = distinct(matcher, views, nb_nodes) if nb_nodes else ([], [])
    m = len(items)
    X = np.zeros((m + 2, m + 2))
    if m:
        X[:m, :m] = matcher.item_matrix(items, items)
    X[m, m] = X[m + 1, m + 1] = 1.0
    width = max((len(ks) for ks in lists), default=0) or 1
    A = np.full((len(reps), width), m + 2, dtype=np.int64)
    for r, ks in enumerate(lists):
        cols = sorted({m if k == -1 else m + 1 if k == -2 else at[k] for k in ks})
        A[r, :len(cols)] = cols
    return _best_match(A, A, X)


__all__ = ["LeftUnits", "join_left", "left_units", "slots_of", "unit_context"]
