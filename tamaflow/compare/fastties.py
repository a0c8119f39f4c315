"""The fast path's merged ties, read off the groups instead of from k² pair alignments: the exact
path ties a step to another group through the cities that have both steps, by label (a
duplicate, `align.Matcher._one_to_many` rule i) or by place (a split step next to its partner,
rule iii), once enough of them do (`grouping.witnesses_needed`); `duplicate_ties` asks the same
of every pair of groups, counting the cities behind each witness (docs/compare.md, the fast
path, step 4). Split from pivot.py, which calls it once the groups are final.

Depends on the compare modules beside it only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .align import Matcher, MatchOptions
from .grouping import Group, witnesses_needed
from .variant import VariantView

#: what makes two labels one item: their key, catalogue code, node type and whether the flow
#: cites that code once
ItemKey = tuple[str, str, str, bool]


def label_item(matcher: Matcher, views: Sequence[VariantView], v: int, x: int) -> tuple[int, ItemKey]:
    """The label index of variant v's node x in the matcher (whose view 0 is the pivot), and
    what makes two labels the same item: their key, catalogue code, node type and whether the
    flow cites that code once (it then lends the floor, `Matcher._rules`)."""
    g = matcher.offset[v + 1] + x
    return g, (str(matcher.space.keys[g]), str(matcher._codes[v + 1][x]), views[v].nodes[x].type,
               bool(matcher._once[v + 1][x]))


def distinct(matcher: Matcher, views: Sequence[VariantView],
             nodes: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The distinct items among (variant, node) pairs: one label index per item, and each
    node's item. Cities share wordings, so the similarity block is over far fewer labels."""
    item_of: dict[ItemKey, int] = {}
    reps: list[int] = []
    where: list[int] = []
    for v, x in nodes:
        g, key = label_item(matcher, views, v, x)
        if key not in item_of:
            item_of[key] = len(reps)
            reps.append(g)
        where.append(item_of[key])
    return reps, where


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


def duplicate_ties(matcher: Matcher, views: Sequence[VariantView], groups: Sequence[Group],
                    match: MatchOptions) -> list[tuple[int, int, int]]:
    """The merged ties the exact path's 1:n rules (i) and, through `_neighbour_ties`, (iii) make
    between any two variants, read off the groups instead of from k² alignments: (variant, node,
    group) for each step x of a variant v that some member w of group G would tie to G.

    Aligning v with w, the exact path matches v's step x (group H) to w's step z of the same
    group; w's step y in G is left over, and joins x as 1:n when its label is as close to x as
    z's (`split_min`, `split_margin`, `Matcher._one_to_many`) and the pair crosses no anchor.
    `comparison._merged_links` then reports x as merged into G when enough such w do
    (`grouping.witnesses_needed`; each distinct witness below counts the cities it stands for). So here: v has no step
    in G; some member w of both G and H has y in G and z in H, and the one of them x reads less
    like (the one the 1:1 assignment leaves over) reads at least split_min like x and within
    split_margin of the other; no step of w strictly between z and y belongs to a
    group whose step in v lies on the other side of x (`_between`, `_sides`); and y is left over
    in that alignment: no other step u of v that w has no partner for (u's group holds no step
    of w) reads like y (`_claims`), since the 1:1 assignment would pair u with y. The ties with
    the pivot (`_through`) find this only for the pivot's common activities; an extra check step
    that a tenth of the cities have is tied to most of the others in the exact path, and here
    too. Labels are compared as distinct items, in one similarity block."""
    nodes = [(v, x, gi) for gi, g in enumerate(groups) for v, xs in g.members.items() for x in xs]
    if not nodes:
        return []
    reps, item_at = distinct(matcher, views, [(v, x) for v, x, _ in nodes])
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
        # witnesses, distinct, with how many cities each stands for: (groups between, y item,
        # z item, the groups y's look-alikes sit in that w has no step of)
        wit: dict[tuple[frozenset[tuple[int, int]], int, int, frozenset[int]], int] = {}
        for w in both:
            z = gh.members[w][0]
            for y in gg.members[w]:
                key = (_between(before(w), where[w], y, z), item[(w, y)], item[(w, z)], claims.free(item[(w, y)], w))
                wit[key] = wit.get(key, 0) + 1
        o_item = np.array([item[vx] for vx in outsiders], dtype=np.int64)
        o_var = np.array([v for v, _ in outsiders], dtype=np.int64)
        fired: dict[int, list[tuple[frozenset[tuple[int, int]], int]]] = {}
        for (cut, yi, zi, free), cities in wit.items():
            sy, sz = S[o_item, yi], S[o_item, zi]
            # the one of y and z that x reads less like is the one left over (the 1:1 assignment
            # takes the other); it joins x when it comes as close as its twin
            lo, hi = np.minimum(sy, sz), np.maximum(sy, sz)
            ok = (lo >= match.split_min) & (lo >= hi - match.split_margin)
            if free:
                ok &= ~claims.taken(yi, free, o_var)
            for n in np.flatnonzero(ok).tolist():
                fired.setdefault(n, []).append((cut, cities))
        need = witnesses_needed(len(gg.members))
        for n, cuts in fired.items():
            v, x = outsiders[n]
            if (v, x) not in sides:
                sides[(v, x)] = _sides(before(v), where[v], x)
            seen = sum(cities for cut, cities in cuts if not (cut & sides[(v, x)]))
            if seen and seen >= need:
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
    into G. When x reads more like y than like z, the pairwise alignment matches x with y and
    z is the one left over: the same is asked of z, with y as the partner; x is in both
    activities either way. y must be left over (`_Claims`, as for the duplicate rule). `where[v]` maps each
    step of v to its group, as `duplicate_ties` built it."""
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
    # (H, G) → witnesses, distinct, with how many cities each stands for: (y item, z item, y's
    # free look-alike groups)
    wit: dict[tuple[int, int], dict[tuple[int, int, frozenset[int]], int]] = {}
    for w, placed in enumerate(where):
        for y, G in placed.items():
            for z in (*views[w].preds[y], *views[w].succs[y]):
                H = placed.get(z)
                if H is None or H == G:
                    continue
                keys = wit.setdefault((H, G), {})
                key = (item[(w, y)], item[(w, z)], claims.free(item[(w, y)], w))
                keys[key] = keys.get(key, 0) + 1
    out: set[tuple[int, int, int]] = set()
    for (H, G), keys in sorted(wit.items()):
        outsiders = [(v, xs[0]) for v, xs in groups[H].members.items() if v not in groups[G].members]
        if not outsiders:
            continue
        o_item = np.array([item[vx] for vx in outsiders], dtype=np.int64)
        o_var = np.array([v for v, _ in outsiders], dtype=np.int64)
        seen = np.zeros(len(outsiders), dtype=np.int64)
        for (yi, zi, free), cities in keys.items():
            sy, sz = S[o_item, yi], S[o_item, zi]
            # pairwise, x meets whichever of z and y it reads more like; the other is left over
            # and joins x when x is its city's step most like it and the partner's label does
            # not already say all x says. Either way x is then in both activities
            lo, hi = np.minimum(sy, sz), np.maximum(sy, sz)
            best = np.where(sy <= sz, np.append(S[yi], -np.inf)[pad[o_var]].max(axis=1),
                            np.append(S[zi], -np.inf)[pad[o_var]].max(axis=1))
            ok = (lo >= max(match.split_neighbour, match.threshold)) & (hi < match.split_min) & (lo >= best)
            if free:
                ok &= ~claims.taken(yi, free, o_var)
            seen += ok * cities
        need = witnesses_needed(len(groups[G].members))
        out.update((v, x, G) for (v, x), n in zip(outsiders, seen.tolist(), strict=True) if n and n >= need)
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
