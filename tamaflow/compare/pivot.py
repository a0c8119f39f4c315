"""The fast path of `compare`: every variant aligned once to a pivot, not to every other variant.

All-pairs alignment costs k(k-1)/2 alignments: 1.5 million for Japan's 1,741 municipalities.
Here it costs a fixed sample's pairs plus 2·k:

1. **Sample**: `SAMPLE` variants spread evenly over the input are compared exactly (all their
   pairs, `grouping.group`); the standard derived from them at a low support (a step at least two
   sampled cities share) is the first pivot: a valid process that holds every common activity
   once, in consensus order.
2. **First pass**: each variant is aligned to that pivot (`Matcher.align`, so labels, codes,
   context and flow order count as in the exact path). A variant's step matched to a pivot step
   joins that step's group; a 1:n correspondence makes a merged step a `merged` entry, as
   `grouping.group` and `_merged_links` do. A split step (a second step doing a pivot step's work)
   waits: it joins that group only if the left-over steps offer it no partner, because the exact
   path joins 1:1 links before 1:n ones (a city's second 決裁 is grouped with other cities'
   second 決裁, not folded into the first).
3. **Second pass (refinement)**: steps no pivot step took are grouped among themselves by label
   and place (distinct labels after the same grouped step, one similarity block, strongest
   first, less the exact path's penalty for crossing anchors, never two steps of one variant),
   and the standard derived from *all* variants' groups becomes the second pivot; each variant
   is aligned to it again, which corrects what the small sample got wrong (its majority
   wording, its order, activities too rare to be sampled).
4. **Merged ties between any two variants**: the exact path ties a step to another group through
   any one city that has both steps, by label (a duplicate) or by place (a split step next to
   its partner); `_duplicate_ties` and `_neighbour_ties` read those rules off the groups.

Correspondences between two variants are read through the pivot: two steps correspond when they
sit in one group. The similarity measures come from the same groups, vectorised (`fastsim.py`).

Depends on the model only (through variant.py) and the compare modules beside it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .align import Matcher, MatchOptions, PairAlignment
from .grouping import Group, group
from .labels import Vocabulary
from .pairs import measure_pair
from .similarity import GedWeights
from .standard import derive_standard, mean_position
from .variant import VariantView, build_view

#: variants compared exactly to derive the first pivot; 24 give 276 pairs (about a second)
SAMPLE = 24
#: align a second time, to the standard derived from the first pass
REFINE = True
#: the second pivot keeps the activities at least this share of all variants do
REFINE_SUPPORT = 0.5
#: a left-over step joins a group only within this distance of the group's mean relative position
REACH = 0.2
#: called with (alignments done, alignments in all)
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class PivotAlignment:
    """Groups of corresponding steps across all variants, and the 1:n ties that put a step of
    one group into the work of another (variant, node, group index)."""

    groups: list[Group]
    merged: list[tuple[int, int, int]]
    #: the matcher of the last pass: the pivot is its view 0, variant v its view v + 1
    matcher: Matcher
    #: (variant i, variant j) of the sample → the exact path's measures of that pair, to
    #: calibrate the vectorised ones against (empty when the measures are off)
    exact: dict[tuple[int, int], dict[str, float]]


def sample_indexes(k: int, size: int = SAMPLE) -> list[int]:
    """`size` variant indexes spread evenly over 0..k-1 (all of them when k ≤ size). Variants come
    in file order (sorted slugs, i.e. municipality codes), so an even spread samples every
    region rather than the first prefecture."""
    if k <= size:
        return list(range(k))
    return sorted({int(round(x)) for x in np.linspace(0, k - 1, size)})


def _pivot_view(views: Sequence[VariantView], groups: Sequence[Group], min_members: int) -> VariantView | None:
    """The derived standard of `views` as a variant of its own: every group with at least
    `min_members` members, in consensus order. None when no group has that many."""
    k = len(views)
    support = min(1.0, max(min_members / k, 1e-9))
    std = derive_standard(views, groups, support)
    if not std.process.steps:
        return None
    return build_view(std.process, "__pivot__")


def _through(views: Sequence[VariantView], vocab: Vocabulary, match: MatchOptions, pivot: VariantView,
             progress: Progress | None, done: int,
             total: int) -> tuple[Matcher, list[Group], list[tuple[int, int, int]], list[list[int]],
                                  dict[tuple[int, int], int]]:
    """Align every variant to `pivot`: the matcher (the pivot is its view 0), one group per
    pivot node (empty ones dropped later), the merged ties, and per variant the nodes no pivot
    node took."""
    matcher = Matcher([pivot, *views], vocab, match)
    groups = [Group() for _ in range(pivot.size)]
    merged: list[tuple[int, int, int]] = []
    left: list[list[int]] = []
    split: dict[tuple[int, int], int] = {}
    for v in range(len(views)):
        # the pivot is the alignment's first side: its row block of label similarities is
        # computed once and serves every variant
        pa = matcher.align(0, v + 1)
        one = {c.b: c.a for c in pa.pairs if c.kind == "1:1"}
        for b, a in sorted(one.items(), key=lambda t: (t[1], t[0])):
            groups[a].members.setdefault(v, []).append(b)
        for c in pa.pairs:
            if c.kind != "1:n":
                continue
            if c.b not in one and v in groups[c.a].members and c.b not in groups[c.a].members[v]:
                # a second step of this variant doing the pivot step's work (a split step): it
                # joins that group only if the left-over steps offer it no 1:1 partner
                # (`_settle_splits`): the exact path joins 1:1 links before 1:n ones
                split.setdefault((v, c.b), c.a)
            elif c.b not in one and v not in groups[c.a].members:
                groups[c.a].members[v] = [c.b]
                one[c.b] = c.a
            elif c.b in one and one[c.b] != c.a:
                merged.append((v, c.b, c.a))  # this step also does the other pivot step's work
        left.append([x for x in range(views[v].size) if x not in one])
        if progress is not None:
            progress(done + v + 1, total)
    for g in groups:
        for v in g.members:
            g.members[v].sort()
    return matcher, groups, merged, left, split


def _item(matcher: Matcher, views: Sequence[VariantView], v: int, x: int) -> tuple[int, tuple[str, str, str]]:
    """The label index of variant v's node x in the matcher (whose view 0 is the pivot), and
    what makes two labels the same item: their key, catalogue code and node type."""
    g = matcher.offset[v + 1] + x
    return g, (str(matcher.space.keys[g]), str(matcher._codes[v + 1][x]), views[v].nodes[x].type)


def _distinct(matcher: Matcher, views: Sequence[VariantView],
              nodes: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The distinct items among (variant, node) pairs: one label index per item, and each
    node's item. Cities share wordings, so the similarity block is over far fewer labels."""
    item_of: dict[tuple[str, str, str], int] = {}
    reps: list[int] = []
    where: list[int] = []
    for v, x in nodes:
        g, key = _item(matcher, views, v, x)
        if key not in item_of:
            item_of[key] = len(reps)
            reps.append(g)
        where.append(item_of[key])
    return reps, where


def _attach_left(matcher: Matcher, views: Sequence[VariantView], groups: Sequence[Group],
                 left: list[list[int]], threshold: float, reach: float) -> None:
    """Put a step no pivot step took into the group it resembles most, when its variant has no
    step there yet, its label is at least `threshold` similar to one of the group's labels and
    it sits within `reach` of the group's mean relative position. The exact path gets there by
    transitivity (a city's wording matches another city's, which matches the pivot's). Updates
    `groups` and `left` in place."""
    cand = [(v, x) for v in range(len(views)) for x in left[v]]
    if not cand or not groups:
        return
    g_reps: list[int] = []
    g_of: list[int] = []
    g_pos = np.zeros(len(groups))
    for gi, g in enumerate(groups):
        seen: set[tuple[str, str, str]] = set()
        pos = []
        for v in sorted(g.members):
            x = g.members[v][0]
            pos.append(float(views[v].position[x]))
            gl, key = _item(matcher, views, v, x)
            if key not in seen:
                seen.add(key)
                g_reps.append(gl)
                g_of.append(gi)
        g_pos[gi] = float(np.mean(pos)) if pos else -9.0
    l_reps, row = _distinct(matcher, views, cand)
    S = matcher.item_matrix(l_reps, g_reps)
    best = np.zeros((len(l_reps), len(groups)))
    np.maximum.at(best.T, np.asarray(g_of), S.T)  # per leftover item, the best label of each group
    offers: list[tuple[float, int, int, int]] = []
    for (v, x), r in zip(cand, row, strict=True):
        score = best[r].copy()
        score[np.abs(g_pos - float(views[v].position[x])) > reach] = 0.0
        for gi in np.flatnonzero(score >= threshold).tolist():
            if v not in groups[gi].members:
                offers.append((-float(score[gi]), v, x, gi))
    offers.sort()
    taken: set[tuple[int, int]] = set()
    for _s, v, x, gi in offers:
        if (v, x) in taken or v in groups[gi].members:
            continue
        groups[gi].members[v] = [x]
        taken.add((v, x))
    for v in range(len(views)):
        left[v] = [x for x in left[v] if (v, x) not in taken]


def _slots(views: Sequence[VariantView], groups: Sequence[Group], left: Sequence[Sequence[int]]) -> list[list[int]]:
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


def _group_left(matcher: Matcher, views: Sequence[VariantView], left: Sequence[Sequence[int]],
                threshold: float, groups: Sequence[Group] = (), order: float = 0.0,
                context: float = 0.0) -> list[Group]:
    """Group the steps no pivot step took: distinct (label, code, type) items in the same place
    (after the same grouped step, `_slots`) are one unit; units join strongest first when their
    labels' similarity, less `order` · d/(d + 1) for d groups between their places (the exact
    path's penalty for a pair that crosses d anchors), reaches `threshold`, never two steps of
    one variant in a group. So the same extra check early and late in the flow is two activities
    when some city has both, as the exact path finds pair by pair. Every step ends in some group
    (alone if need be)."""
    nodes = [(v, x) for v in range(len(views)) for x in left[v]]
    if not nodes:
        return []
    rep, where = _distinct(matcher, views, nodes)
    slot = [s for per in _slots(views, groups, left) for s in per]
    unit_of: dict[tuple[int, int], int] = {}
    unit = [unit_of.setdefault((it, sl), len(unit_of)) for it, sl in zip(where, slot, strict=True)]
    u_item = np.array([it for it, _ in unit_of], dtype=np.int64)
    u_slot = np.array([sl for _, sl in unit_of], dtype=np.float64)
    S = matcher.item_matrix(rep, rep)[np.ix_(u_item, u_item)]
    d = np.abs(u_slot[:, None] - u_slot[None, :])
    S = S - order * d / (d + 1.0)
    np.fill_diagonal(S, 0.0)
    iu, ju = np.nonzero(np.triu(S >= threshold, 1))
    # neighbours agree in one place and not across places (the exact path's context term)
    strength = S[iu, ju] - context * (d[iu, ju] > 0)
    ranking = np.lexsort((ju, iu, -strength))
    # union-find over units; a unit's group may hold each variant once
    parent = list(range(len(unit_of)))
    owners: list[set[int]] = [set() for _ in unit_of]
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


def _settle_splits(groups: Sequence[Group], rest: Sequence[Group], split: dict[tuple[int, int], int]) -> None:
    """A split step left alone among the left-over steps (a group of one in `rest`) becomes the
    second member of the pivot group it was tied to; one that found partners stays with them.
    Updates `groups` and `rest` in place (emptied groups are dropped by the caller)."""
    alone = {(v, xs[0]): g for g in rest if len(g.members) == 1 for v, xs in g.members.items() if len(xs) == 1}
    for (v, b), a in sorted(split.items()):
        g = alone.get((v, b))
        if g is None or v not in groups[a].members:
            continue
        groups[a].members[v] = sorted([*groups[a].members[v], b])
        g.members.clear()


def _between(before: np.ndarray, where: dict[int, int], y: int, z: int) -> frozenset[tuple[int, int]]:
    """The anchors a tie of y (the left-over step) to z's partner would cross: (group, side) for
    each step of the variant strictly between z and y in flow order (by reachability, so a loop
    or another branch puts nothing between). side +1: the step comes before y, so the partner's
    step of that group crosses when it comes after the partner; -1 the other way round.
    `before[a, b]`: a comes strictly before b."""
    out: set[tuple[int, int]] = set()
    for q, g in where.items():
        if q in (y, z):
            continue
        if before[z, q] and before[q, y]:
            out.add((g, 1))
        elif before[y, q] and before[q, z]:
            out.add((g, -1))
    return frozenset(out)


def _sides(before: np.ndarray, where: dict[int, int], x: int) -> frozenset[tuple[int, int]]:
    """(group, +1) for each grouped step strictly after x in the variant's flow, (group, -1) for
    each one strictly before it: the anchors a tie at x crosses when they meet `_between`."""
    return frozenset((g, 1) if before[x, q] else (g, -1) for q, g in where.items()
                     if q != x and (before[x, q] or before[q, x]))


def _duplicate_ties(matcher: Matcher, views: Sequence[VariantView], groups: Sequence[Group],
                    match: MatchOptions) -> list[tuple[int, int, int]]:
    """The merged ties the exact path's 1:n rules (i) and, through `_neighbour_ties`, (iii) make
    between any two variants, read off the groups instead of from k² alignments: (variant, node,
    group) for each step x of a variant v that some member w of group G would tie to G.

    Aligning v with w, the exact path matches v's step x (group H) to w's step z of the same
    group; w's step y in G is left over, and joins x as 1:n when its label is as close to x as
    z's (`split_min`, `split_margin`, `Matcher._one_to_many`) and the pair crosses no anchor.
    `_merged_links` then reports x as merged into G, from any one such w. So here: v has no step
    in G; some member w of both G and H has y in G and z in H with S(x, y) ≥ split_min and
    S(x, y) ≥ S(x, z) − split_margin; no step of w strictly between z and y belongs to a
    group whose step in v lies on the other side of x (`_between`, `_sides`); and y is left over
    in that alignment: no other step u of v that w has no partner for (u's group holds no step
    of w) reads like y (`_claims`), since the 1:1 assignment would pair u with y. The ties with
    the pivot (`_through`) find this only for the pivot's common activities; an extra check step
    that a tenth of the cities have is tied to most of the others in the exact path, and here
    too. Labels are compared as distinct items, in one similarity block."""
    nodes = [(v, x, gi) for gi, g in enumerate(groups) for v, xs in g.members.items() for x in xs]
    if not nodes:
        return []
    reps, item_at = _distinct(matcher, views, [(v, x) for v, x, _ in nodes])
    item = {(v, x): it for (v, x, _), it in zip(nodes, item_at, strict=True)}
    S = matcher.item_matrix(reps, reps)
    close = S >= match.split_min
    # (group H, group G) pairs where some step of H reads like some step of G
    inc = np.zeros((len(reps), len(groups)), dtype=bool)
    inc[np.asarray(item_at), np.asarray([gi for _, _, gi in nodes])] = True
    near = (inc.T.astype(np.int32) @ close.astype(np.int32) @ inc.astype(np.int32)) > 0
    np.fill_diagonal(near, False)
    where: list[dict[int, int]] = [{} for _ in views]
    for v, x, gi in nodes:
        where[v][x] = gi
    claims = _Claims(S >= match.threshold + match.context / 2, groups, item, inc)
    strict: dict[int, np.ndarray] = {}

    def before(v: int) -> np.ndarray:
        if v not in strict:
            strict[v] = views[v].reach & ~views[v].reach.T
        return strict[v]

    sides: dict[tuple[int, int], frozenset[tuple[int, int]]] = {}
    out: set[tuple[int, int, int]] = set()
    for H, G in zip(*np.nonzero(near), strict=True):
        gh, gg = groups[int(H)], groups[int(G)]
        both = [w for w in gg.members if w in gh.members]
        outsiders = [(v, x) for v, xs in gh.members.items() if v not in gg.members for x in xs]
        if not both or not outsiders:
            continue
        # witnesses, distinct: (groups between, y item, z item, the groups y's look-alikes sit
        # in that w has no step of)
        wit: dict[tuple[frozenset[tuple[int, int]], int, int, frozenset[int]], None] = {}
        for w in both:
            z = gh.members[w][0]
            for y in gg.members[w]:
                key = (_between(before(w), where[w], y, z), item[(w, y)], item[(w, z)], claims.free(item[(w, y)], w))
                wit.setdefault(key, None)
        o_item = np.array([item[vx] for vx in outsiders], dtype=np.int64)
        o_var = np.array([v for v, _ in outsiders], dtype=np.int64)
        fired: dict[int, list[frozenset[tuple[int, int]]]] = {}
        for cut, yi, zi, free in wit:
            sy, sz = S[o_item, yi], S[o_item, zi]
            ok = (sy >= match.split_min) & (sy >= sz - match.split_margin)
            if free:
                ok &= ~claims.taken(yi, free, o_var)
            for n in np.flatnonzero(ok).tolist():
                fired.setdefault(n, []).append(cut)
        for n, cuts in fired.items():
            v, x = outsiders[n]
            if (v, x) not in sides:
                sides[(v, x)] = _sides(before(v), where[v], x)
            if any(not (cut & sides[(v, x)]) for cut in cuts):
                out.add((v, x, int(G)))
    out.update(_neighbour_ties(views, groups, match, S, item, claims, where))
    return sorted(out)


def _neighbour_ties(views: Sequence[VariantView], groups: Sequence[Group], match: MatchOptions, S: np.ndarray,
                    item: dict[tuple[int, int], int], claims: _Claims,
                    where: Sequence[dict[int, int]]) -> set[tuple[int, int, int]]:
    """The merged ties the exact path's 1:n rule by place (iii, `align._neighbour_splits`) makes,
    read off the groups: a witness w has z in group H and, as z's flow neighbour, y in group G.
    Aligning another city v (x in H, no step in G) with w, x meets z and y is left over; when x
    is the step of v whose label reads most like y's (at least `split_neighbour`) and z's label
    does not already say all x says (below `split_min`), y joins x, and x is reported as merged
    into G. y must be left over (`_Claims`, as for the duplicate rule). `where[v]` maps each
    step of v to its group, as `_duplicate_ties` built it."""
    if match.split_neighbour >= 1.0:
        return set()
    k = len(views)
    # each variant's label items, padded with a column whose similarity is -inf
    mine: list[list[int]] = [[] for _ in range(k)]
    for (v, _x), it in item.items():
        mine[v].append(it)
    width = max((len(m) for m in mine), default=0) or 1
    pad = np.full((k, width), S.shape[1], dtype=np.int64)
    for v, m in enumerate(mine):
        pad[v, :len(m)] = m
    # (H, G) → witnesses, distinct: (y item, z item, y's free look-alike groups)
    wit: dict[tuple[int, int], dict[tuple[int, int, frozenset[int]], None]] = {}
    for w, placed in enumerate(where):
        for y, G in placed.items():
            for z in (*views[w].preds[y], *views[w].succs[y]):
                H = placed.get(z)
                if H is None or H == G:
                    continue
                wit.setdefault((H, G), {}).setdefault((item[(w, y)], item[(w, z)], claims.free(item[(w, y)], w)),
                                                      None)
    out: set[tuple[int, int, int]] = set()
    for (H, G), keys in sorted(wit.items()):
        outsiders = [(v, xs[0]) for v, xs in groups[H].members.items() if v not in groups[G].members]
        if not outsiders:
            continue
        o_item = np.array([item[vx] for vx in outsiders], dtype=np.int64)
        o_var = np.array([v for v, _ in outsiders], dtype=np.int64)
        fired = np.zeros(len(outsiders), dtype=bool)
        for yi, zi, free in keys:
            row = np.append(S[yi], -np.inf)
            sy = S[o_item, yi]
            ok = (sy >= max(match.split_neighbour, match.threshold)) & (S[o_item, zi] < match.split_min)
            ok &= sy >= row[pad[o_var]].max(axis=1)  # x is v's step most like y
            if free:
                ok &= ~claims.taken(yi, free, o_var)
            fired |= ok
        out.update((v, x, G) for (v, x), f in zip(outsiders, fired.tolist(), strict=True) if f)
    return out


class _Claims:
    """Which steps would take a left-over step y 1:1 in a pairwise alignment: a step u of v whose
    label reads like y's (`takes`: similar enough to reach the matcher's threshold whatever the
    neighbours say) and whose own group holds no step of y's variant w, so nothing of w is
    matched to u first. Looked up per y item and kept, since many witnesses share a wording."""

    def __init__(self, takes: np.ndarray, groups: Sequence[Group], item: dict[tuple[int, int], int],
                 inc: np.ndarray) -> None:
        self.takes = takes
        self.groups = groups
        self.item = item
        self.inc = inc
        self._of: dict[int, list[int]] = {}
        self._by: dict[tuple[int, int], np.ndarray] = {}
        self._k = 1 + max((v for g in groups for v in g.members), default=0)

    def look_alikes(self, yi: int) -> list[int]:
        """The groups holding a step whose label takes y's."""
        if yi not in self._of:
            self._of[yi] = np.flatnonzero(self.inc[self.takes[yi]].any(axis=0)).tolist()
        return self._of[yi]

    def free(self, yi: int, w: int) -> frozenset[int]:
        """The look-alike groups of y that w has no step in: their steps are free to take y."""
        return frozenset(K for K in self.look_alikes(yi) if w not in self.groups[K].members)

    def taken(self, yi: int, free: frozenset[int], variants: np.ndarray) -> np.ndarray:
        """For each variant in `variants`, whether one of its steps in the groups `free` takes y."""
        hit = np.zeros(self._k, dtype=bool)
        for K in free:
            if (K, yi) not in self._by:
                self._by[(K, yi)] = np.array(sorted({v for v, xs in self.groups[K].members.items()
                                                     if any(self.takes[yi, self.item[(v, x)]] for x in xs)}),
                                             dtype=np.int64)
            hit[self._by[(K, yi)]] = True
        return hit[variants]


def align_through_pivot(views: Sequence[VariantView], vocab: Vocabulary, match: MatchOptions,
                        ged: GedWeights | None = None, progress: Progress | None = None,
                        refine: bool | None = None) -> PivotAlignment:
    """Groups of corresponding steps across all variants through a pivot (module docstring).

    Parameters
    ----------
    views : sequence of VariantView
        All variants of one procedure.
    vocab : Vocabulary
        The catalogue's names, as for the exact path.
    match : MatchOptions
        The matcher's knobs; the same as the exact path's.
    ged : GedWeights, optional
        When given, the sample's pairs are measured exactly too (`PivotAlignment.exact`).
    progress : callable, optional
        Called with (alignments done, alignments in all).
    refine : bool
        Align everything a second time to the standard derived from the first pass (on by
        default; off only to measure what the second pass is worth).

    Returns
    -------
    PivotAlignment
        Groups in no particular order (`compare_processes` orders them) and the merged ties.
    """
    k = len(views)
    refine = REFINE if refine is None else refine
    idx = sample_indexes(k)
    sample = [views[i] for i in idx]
    total = len(idx) * (len(idx) - 1) // 2 + k * (2 if refine else 1)
    sm = Matcher(sample, vocab, match)
    pairs: dict[tuple[int, int], PairAlignment] = {}
    exact: dict[tuple[int, int], dict[str, float]] = {}
    for i in range(len(idx)):
        for j in range(i + 1, len(idx)):
            res = measure_pair(sm, i, j, ged)
            pairs[(i, j)] = res.alignment
            if res.measures:
                exact[(idx[i], idx[j])] = res.measures
            if progress is not None:
                progress(len(pairs), total)
    done = len(pairs)
    pivot = _pivot_view(sample, group(sm, pairs), min_members=min(2, len(idx)))
    if pivot is None:
        # nothing two sampled cities share: every step stands alone
        return PivotAlignment([Group({v: [x]}) for v in range(k) for x in range(views[v].size)], [],
                              Matcher([sample[0], *views], vocab, match), exact)
    matcher, groups, merged, left, split = _through(views, vocab, match, pivot, progress, done, total)
    if refine:
        _attach_left(matcher, views, groups, left, match.threshold, REACH)
        rest = _group_left(matcher, views, left, match.threshold, groups, match.order, match.context)
        _settle_splits(groups, rest, split)
        first = [g for g in (*groups, *rest) if g.members]
        better = _pivot_view(views, first, min_members=max(2, int(np.ceil(REFINE_SUPPORT * k))))
        if better is not None:
            pivot = better
            matcher, groups, merged, left, split = _through(views, vocab, match, pivot, progress, done + k, total)
    _attach_left(matcher, views, groups, left, match.threshold, REACH)
    rest = _group_left(matcher, views, left, match.threshold, groups, match.order, match.context)
    _settle_splits(groups, rest, split)
    out = [g for g in groups if g.members]
    final = out + [g for g in rest if g.members]
    kept = {id(g): n for n, g in enumerate(groups)}
    renumber = {kept[id(g)]: n for n, g in enumerate(out)}
    # the ties with the pivot (both 1:n rules, against the common activities) and the ties any
    # two variants would make by the duplicate rule (against every group, `_duplicate_ties`)
    ties = {(v, x, renumber[gi]) for v, x, gi in merged if gi in renumber}
    ties.update(_duplicate_ties(matcher, views, final, match))
    return PivotAlignment(final, sorted(ties), matcher, exact)
