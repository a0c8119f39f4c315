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
   the cities that have both steps, by label (a duplicate) or by place (a split step next to
   its partner), once enough of them do (`grouping.witnesses_needed`);
   `fastties.duplicate_ties` reads those rules off the groups.
5. **Alternatives**: two common groups that cities fill with one or the other (look-alike
   labels, side by side: the sample kept two wordings of one check apart) are one activity
   (`alternatives`): one group in the alignment (`_merge_alternatives`), and one mapped pair of
   steps for the similarity measures, which read the groups from before the merge.
6. **Through pairs**: a left-over group whose cities all lack a common activity joins it when a
   few of its steps, aligned pair by pair with members of the group's most similar wording,
   meet them 1:1 (`_join_through_pairs`): the exact path's chain through a wording the pivot
   does not hold. The measures read the groups from before.

Correspondences between two variants are read through the pivot: two steps correspond when they
sit in one group. The similarity measures come from the same groups, vectorised (`fastsim.py`).

Depends on the model only (through variant.py) and the compare modules beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .align import WORDING_SAMPLE, Matcher, MatchOptions, PairAlignment, sample_indexes
from .fastties import ItemKey, distinct, duplicate_ties, label_item
from .grouping import SETTLE_MARGIN, Group, group, mean_position, wording
from .labels import Vocabulary
from .leftover import join_left, left_units
from .pairs import measure_pair
from .similarity import GedWeights
from .standard import derive_standard
from .variant import VariantView, build_view

#: variants compared exactly to derive the first pivot; 24 give 276 pairs (about a second). The
#: same spread the exact path asks whether the flows are worded apart on the whole
#: (`Matcher.wording`), so both paths decide it on the same pairs of flows
SAMPLE = WORDING_SAMPLE
#: align a second time, to the standard derived from the first pass
REFINE = True
#: the second pivot keeps the activities at least this share of all variants do
REFINE_SUPPORT = 0.5
#: a left-over step joins a group only within this distance of the group's mean relative position
REACH = 0.2
#: keep the steps of one wording together (`_keep_wordings_together`); off only to measure it
WORDINGS = True
#: a wording's left-over steps sit where its steps in a common group do when their mean relative
#: positions are this near (`_keep_wordings_together`)
WORDING_PLACE = 0.1
#: a city's member of a common group gives way to one of its left-over steps whose label reads
#: as the group's other members by this much more on average, and more than `SETTLE_MARGIN`
#: times as much (`_give_way`); 1 switches it off
GIVE_WAY = 0.2
#: two common groups that are one activity worded two ways become one group (`_merge_alternatives`);
#: off only to measure it
MERGE_ALTERNATIVES = True
#: left-over steps are grouped on their neighbours' agreement too (`leftover.unit_context`), as the exact
#: path's pairs are; off only to measure it
NEIGHBOURS = True
#: a left-over group joins a common group its cities are all missing from when its steps meet
#: the group's steps 1:1 in pairwise alignments (`_join_through_pairs`); off only to measure it
THROUGH_PAIRS = True
#: pairwise alignments tried per left-over group and candidate common group
PAIR_TRIES = 3
#: called with (alignments done, alignments in all)
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Alternative:
    """Two common groups g and h that are one activity worded two ways (`alternatives`): the
    variants with a step in g and none in h (`only_g`), the other way round (`only_h`), and
    `sim[i, j]`, the label similarity of only_g[i]'s step in g to only_h[j]'s step in h where it
    reaches the matcher's threshold (0 elsewhere: a pair the alignment would not match)."""

    g: int
    h: int
    only_g: np.ndarray
    only_h: np.ndarray
    sim: np.ndarray


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
    #: the groups the similarity measures read (`_keep_wordings_together` moves no step here)
    measured: list[Group]
    #: pairs of `measured` groups that are one common activity worded two ways (`alternatives`)
    alternatives: list[Alternative] = field(default_factory=list)


def _pivot_view(views: Sequence[VariantView], groups: Sequence[Group], min_members: int) -> VariantView | None:
    """The derived standard of `views` as a variant of its own: every group with at least
    `min_members` members, in consensus order. None when no group has that many."""
    k = len(views)
    support = min(1.0, max(min_members / k, 1e-9))
    std = derive_standard(views, groups, support)
    if not std.process.steps:
        return None
    view = build_view(std.process, "__pivot__")
    _place_by_groups(view, {st.step.id: st.position for st in std.steps})
    return view


def _place_by_groups(view: VariantView, at: dict[str, float]) -> None:
    """Give the pivot's steps the places their groups' steps have in the cities (ranked by
    the groups' mean positions, over the span the steps had) instead of their places in the
    standard's own flow. The standard writes parallel branches in consensus order, and a
    flow's positions follow its depth-first walk, which can reverse them: 国保加入's
    資格確認書等を出力し郵送する then sat where the cities have …窓口で交付する, and a city whose only
    branch is 郵送 met the pivot's 窓口 step. Only the position changes; the flow order the
    anchors read is the standard's."""
    known = [i for i, n in enumerate(view.nodes) if n.step.id in at]
    if len(known) < 2:
        return
    rank = np.argsort(np.argsort([at[view.nodes[i].step.id] for i in known], kind="stable"), kind="stable")
    lo, hi = float(view.position[known].min()), float(view.position[known].max())
    position = view.position.copy()
    for i, r in zip(known, rank.tolist(), strict=True):
        position[i] = lo + (hi - lo) * r / (len(known) - 1)
    view.position = position


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
        seen: set[ItemKey] = set()
        pos = []
        for v in sorted(g.members):
            x = g.members[v][0]
            pos.append(float(views[v].position[x]))
            gl, key = label_item(matcher, views, v, x)
            if key not in seen:
                seen.add(key)
                g_reps.append(gl)
                g_of.append(gi)
        g_pos[gi] = float(np.mean(pos)) if pos else -9.0
    l_reps, row = distinct(matcher, views, cand)
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


def _keep_wordings_together(matcher: Matcher, views: Sequence[VariantView], groups: Sequence[Group],
                            rest: Sequence[Group]) -> None:
    """A wording that the pivot split between a common activity and a group of its own leaves
    the common group as a whole, as in the exact path: every two steps worded alike (one label
    key, code and type) are linked more strongly than any steps worded differently, so the
    wording's steps are one cluster before any cross link is made, and two clusters that share
    a city never merge. The pivot cannot see this: a city that lacks the common activity's own
    step fills the gap with this wording, and a city that has both keeps this wording among the
    left-over steps (R, the left-over group holding most of its steps). The wording's steps in
    the common group A then follow R when

    - most of its steps are in R (its cluster holds cities that A holds too), or
    - it is not A's majority wording, a city of R holds that majority wording in A (the two
      clusters share that city), its steps in R sit where its steps in A do (within
      `WORDING_PLACE`: the same activity, not an extra step elsewhere, whose other neighbours
      weaken its links to the wording's steps in A), and the labels read as two wordings
      (similarity below 1: two wordings the label measure reads as one link by context, which
      the pivot already weighed). 住民票, 200 generated cities (seed 3): 44 issue at the
      kiosk (自動交付機で証明書を発行する) and not through the 証明書交付センター, 21 do both. The
      pivot holds the centre's step and takes 39 kiosk steps for it (labels 0.9 alike); the
      exact path keeps the kiosk's 68 steps in one group, apart from the centre's.

    Updates `groups` and `rest` in place."""
    count: dict[tuple[tuple[str, str, str], bool, int], list[tuple[int, int]]] = {}
    for common, among in ((True, groups), (False, rest)):
        for gi, g in enumerate(among):
            for v, xs in g.members.items():
                if len(xs) != 1:
                    continue  # a split step: its group is decided by the split rule
                count.setdefault((wording(views, v, xs[0]), common, gi), []).append((v, xs[0]))
    # per wording, its largest left-over group; per common group, its majority wording
    home: dict[tuple[str, str, str], tuple[int, int]] = {}
    major: dict[int, tuple[int, tuple[str, str, str]]] = {}
    for (key, common, gi), steps in sorted(count.items()):
        if not common and len(steps) > home.get(key, (0, -1))[0]:
            home[key] = (len(steps), gi)
        if common and len(steps) > major.get(gi, (0, key))[0]:
            major[gi] = (len(steps), key)
    for (key, common, gi), steps in sorted(count.items()):
        if not common or key not in home:
            continue
        n, ri = home[key]
        R = rest[ri]
        if n < 2 or len(steps) >= n:
            if not _apart(matcher, views, groups[gi], major[gi][1], key, steps, count[(key, False, ri)]):
                continue
        for v, x in steps:
            if v in R.members:
                continue
            del groups[gi].members[v]
            R.members[v] = [x]


def _apart(matcher: Matcher, views: Sequence[VariantView], A: Group, majority: tuple[str, str, str],
           key: tuple[str, str, str], in_a: Sequence[tuple[int, int]], in_r: Sequence[tuple[int, int]]) -> bool:
    """Whether the exact path keeps wording `key` (its steps `in_a` in common group A and `in_r`
    in its left-over group) apart from A's majority wording: the second case of
    `_keep_wordings_together`."""
    if key == majority:
        return False
    shared = [v for v, _ in in_r if len(A.members.get(v, [])) == 1 and wording(views, v, A.members[v][0]) == majority]
    if not shared:
        return False
    here = float(np.mean([views[v].position[x] for v, x in in_a]))
    there = float(np.mean([views[v].position[x] for v, x in in_r]))
    if abs(here - there) > WORDING_PLACE:
        return False
    ours = label_item(matcher, views, *in_a[0])[0]
    theirs = label_item(matcher, views, shared[0], A.members[shared[0]][0])[0]
    return float(matcher.item_matrix([ours], [theirs])[0, 0]) < 1.0 - 1e-9


def _give_way(matcher: Matcher, views: Sequence[VariantView], groups: Sequence[Group], rest: Sequence[Group],
              margin: float, reach: float) -> list[Group]:
    """A city's member of a common group gives way to one of the city's left-over steps that
    reads as the group's other members far better: the fast path's `grouping._settle_members`.

    The pivot takes one step per city for each of its steps, on the city's alignment to it
    alone. A city that does something first which the other cities do not (届出先を振り分ける
    before its receipt) can have that step taken for the pivot's receipt, on place, while its
    own receipt, worded as many of the group's members are (届出の受理), is left over and
    grouped with the other such cities' receipts. The exact path links every such receipt to
    the other cities' receipts before any weaker link, and a city's routing step never enters
    the group (since `_settle_members`, not even when a chain brought it in first).

    Here a city's left-over step y and its single member x of a common group within `reach` of
    y's place swap when y's label is on average at least `margin` more similar to the group's
    other members than x's is, and more than `SETTLE_MARGIN` times as similar (the exact
    path's "more than twice as often"; labels only, the pair alignments are not kept). The
    steps that gave way stay together: those of one common group whose replacements came from
    one left-over group form a new left-over group (the routing steps of those cities).
    Strongest gain first, each step and each city's place once.

    国保加入, 200 generated cities: on seed 13, 24 cities' routing step stood in the receipt
    group (average similarity 0.06–0.17 to its other members, against 0.52–0.64 for the
    cities' own receipts). The ratio keeps a member that reads as the group too (保育所, seed 2:
    審査判定 at 0.62 against 添付書類の確認 at 0.88 stays). Updates `groups` and `rest` in place
    and returns the new groups."""
    g_items: list[int] = []
    g_of: list[int] = []
    g_count: list[float] = []
    at: dict[tuple[int, int], int] = {}  # (group, city) -> the member's item in g_items
    size = np.zeros(len(groups))
    g_pos = np.full(len(groups), -9.0)
    held: dict[int, list[tuple[int, int]]] = {}  # city -> (group, its single member there)
    for gi, g in enumerate(groups):
        index: dict[ItemKey, int] = {}
        for v in sorted(g.members):
            xs = g.members[v]
            if len(xs) != 1:
                continue  # a split step: its group is decided by the split rule
            gl, key = label_item(matcher, views, v, xs[0])
            j = index.get(key)
            if j is None:
                j = index[key] = len(g_items)
                g_items.append(gl)
                g_of.append(gi)
                g_count.append(0.0)
            g_count[j] += 1.0
            at[(gi, v)] = j
            held.setdefault(v, []).append((gi, xs[0]))
        size[gi] = sum(1 for xs in g.members.values() if len(xs) == 1)
        if g.members:
            g_pos[gi] = mean_position(views, g)
    cand: list[tuple[int, int, int, int, int]] = []  # (city, left-over step, its group, common group, member)
    for ri, R in enumerate(rest):
        for v, ys in sorted(R.members.items()):
            if len(ys) != 1:
                continue
            py = float(views[v].position[ys[0]])
            cand.extend((v, ys[0], ri, gi, x) for gi, x in held.get(v, ())
                        if size[gi] >= 2 and abs(g_pos[gi] - py) <= reach)
    if not cand:
        return []
    nodes = sorted({(v, y) for v, y, _r, _g, _x in cand} | {(v, x) for v, _y, _r, _g, x in cand})
    reps, row = distinct(matcher, views, nodes)
    item = dict(zip(nodes, row, strict=True))
    S = matcher.item_matrix(reps, g_items)
    # per item, the sum of its similarity to each group's members (a member's item counts as
    # often as cities word it so)
    A = np.zeros((len(reps), len(groups)))
    np.add.at(A.T, np.asarray(g_of), (S * np.asarray(g_count)[None, :]).T)
    offers: list[tuple[float, int, int, int, int, int]] = []
    for v, y, ri, gi, x in cand:
        j = at[(gi, v)]
        ry, rx = item[(v, y)], item[(v, x)]
        # the group's other members: the city's own member left out
        mine = (A[ry, gi] - S[ry, j]) / (size[gi] - 1.0)
        theirs = (A[rx, gi] - S[rx, j]) / (size[gi] - 1.0)
        if mine - theirs >= margin and mine > SETTLE_MARGIN * theirs:
            offers.append((-(mine - theirs), v, y, ri, gi, x))
    offers.sort()
    used: set[tuple[int, int]] = set()
    placed: set[tuple[int, int]] = set()
    gave: dict[tuple[int, int], Group] = {}
    for _g, v, y, ri, gi, x in offers:
        if (v, y) in used or (v, x) in used or (gi, v) in placed or groups[gi].members.get(v) != [x]:
            continue
        used.update({(v, y), (v, x)})
        placed.add((gi, v))
        groups[gi].members[v] = [y]
        del rest[ri].members[v]
        gave.setdefault((gi, ri), Group()).members[v] = [x]
    return [gave[k] for k in sorted(gave)]


def alternatives(matcher: Matcher, views: Sequence[VariantView], common: Sequence[Group], threshold: float,
                 reach: float) -> list[Alternative]:
    """Pairs of common groups that are one activity the pivot holds twice, worded two ways.

    The first pivot comes from a sample of 24 cities: when its exact grouping keeps two
    wordings of one check apart (審査, and 点検 or 内容確認), the pivot holds both, and when each
    wording keeps half the cities (the cities with a second, extra check fill the other), the
    second pivot holds both too. The exact path, pair by pair, matches a city's 審査 1:1 with
    another city's 点検 when neither city has the other wording: both steps are left over and
    their labels meet the threshold. Under the mapping "same group" such two cities share no
    step there, and the behavioural profile loses a row and a column of relations for every
    such pair (tennyu, seed 22, 200 cities: the behavioural values were off by 0.057 on
    average, where 0.01–0.02 is usual; docs/compare.md, the fast path, step 5).

    Two common groups g and h are alternatives when their mean positions lie within `reach`,
    most of each group's variants have no step in the other (a city does one or the other; two
    groups most cities fill both are two activities), and most pairs of a g-only and an h-only
    step have labels at least `threshold` alike. Strongest first (mean label similarity of those
    pairs), a group is in one pair at most, so a step is mapped across once."""
    pos = [mean_position(views, g) for g in common]
    found: list[tuple[float, int, int, Alternative]] = []
    for gi, g in enumerate(common):
        for hi in range(gi + 1, len(common)):
            h = common[hi]
            if abs(pos[gi] - pos[hi]) > reach:
                continue
            only_g = np.array(sorted(v for v in g.members if v not in h.members), dtype=np.int64)
            only_h = np.array(sorted(v for v in h.members if v not in g.members), dtype=np.int64)
            if 2 * len(only_g) <= len(g.members) or 2 * len(only_h) <= len(h.members):
                continue
            reps_g, at_g = distinct(matcher, views, [(int(v), g.members[int(v)][0]) for v in only_g])
            reps_h, at_h = distinct(matcher, views, [(int(v), h.members[int(v)][0]) for v in only_h])
            sim = matcher.item_matrix(reps_g, reps_h)[np.ix_(at_g, at_h)]
            if 2 * int((sim >= threshold).sum()) <= sim.size:
                continue
            found.append((-float(sim.mean()), gi, hi,
                          Alternative(gi, hi, only_g, only_h, np.where(sim >= threshold, sim, 0.0))))
    found.sort(key=lambda t: t[:3])
    out: list[Alternative] = []
    used: set[int] = set()
    for _s, gi, hi, alt in found:
        if gi not in used and hi not in used:
            used.update((gi, hi))
            out.append(alt)
    return out


def _merge_alternatives(matcher: Matcher, views: Sequence[VariantView], groups: Sequence[Group], rest: list[Group],
                        pairs: Sequence[tuple[int, int]],
                        merged: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Make each pair (g, h) of alternative common groups (`alternatives`, as indexes into
    `groups`) one group, as the exact path does: pair by pair it matches a city's 審査 1:1 with
    another city's 点検 when neither city has the other wording, and those links join the two
    wordings into one activity (tennyu, seed 22, 200 cities: the exact path's group holds 46
    審査, 46 点検 and 35 内容確認, where the pivot kept 審査 in one common group and 点検 and
    内容確認 in another).

    h's steps join g. A city with a step in both keeps the one that reads most like the
    one-wording cities' steps (its label similarity to them, summed): its own check, not a
    generated extra one (添付書類の確認, 入力内容を確認する) that the pivot took for the other
    wording. The other step goes where the other left-over steps of its wording are (the
    left-over group holding most steps of its label, code and type) when its city has no step
    there, else to a group of its own. The pivot's 1:n ties to h become ties to g (one to the
    city's own member of g is dropped). Updates `groups` and `rest` in place; returns the ties."""
    for gi, hi in pairs:
        G, H = groups[gi], groups[hi]
        one = [(v, xs[0]) for v, xs in G.members.items() if v not in H.members]
        one += [(v, xs[0]) for v, xs in H.members.items() if v not in G.members]
        reps, at = distinct(matcher, views, one)
        weight = np.bincount(np.asarray(at, dtype=np.int64), minlength=len(reps)).astype(float)
        leaving: list[tuple[int, int]] = []
        for v in sorted(H.members):
            xs = H.members.pop(v)
            if v not in G.members:
                G.members[v] = xs
                continue
            both = [*G.members[v], *xs]
            items, where = distinct(matcher, views, [(v, x) for x in both])
            score = (matcher.item_matrix(items, reps) @ weight)[np.asarray(where)]
            keep = int(np.argmax(score))  # the first on a tie: g's own step
            G.members[v] = [both[keep]]
            leaving.extend((v, x) for n, x in enumerate(both) if n != keep)
        home: dict[ItemKey, tuple[int, Group]] = {}
        for R in rest:
            count: dict[ItemKey, int] = {}
            for v, xs in R.members.items():
                key = label_item(matcher, views, v, xs[0])[1]
                count[key] = count.get(key, 0) + 1
            for key, n in count.items():
                if n > home.get(key, (0, R))[0]:
                    home[key] = (n, R)
        for v, x in leaving:
            key = label_item(matcher, views, v, x)[1]
            to = home[key][1] if key in home else None
            if to is None or v in to.members:
                to = Group()
                rest.append(to)
                home[key] = (1, to)
            to.members[v] = [x]
        merged = [(v, x, gi if g == hi else g) for v, x, g in merged]
    return [(v, x, g) for v, x, g in merged if x not in groups[g].members.get(v, [])]


def _join_through_pairs(matcher: Matcher, views: Sequence[VariantView], groups: Sequence[Group], rest: Sequence[Group],
                        min_label: float, reach: float, tries: int = PAIR_TRIES) -> None:
    """A left-over group joins a common group its cities are all missing from when, aligned pair
    by pair, its steps meet that group's 1:1: what the exact path reaches by transitivity
    through a wording the pivot does not hold. The pivot holds one wording per activity (the
    majority's); a step too unlike it (label below `min_label`) is never its partner, though
    it may meet a minority wording of the group with the context's help: kokuho-kanyu's
    資格喪失日より前の手続か against 交付の方法 0.28, against 届出窓口で交付できる内容か 0.37, and
    with the neighbours, lane and place a 1:1 pair at 0.70, so the exact path's group holds all
    three gateways. Candidates: common groups within `reach` of the left-over group's mean
    position whose wordings meet one of its own at `min_label` at least; `tries` of its cities
    are aligned each with a member of the most similar wording, and the group joins the
    candidate that most of them meet 1:1, the strongest (mean combined score) when several do.
    Largest left-over groups first. Left-over groups are not joined with each other this way:
    the exact path's chains between them run through third wordings (tennyu, seed 0:
    印字された届書の内容を確認し署名する and 申請状況照会で転出処理の完了を確認する, labels 0.59
    alike, meet 1:1 in none of 36 pairs tried, yet end in one group); tried among left-over
    groups too, it moved two development sets by −0.0004 and +0.0001. Updates `groups` and
    `rest` in place."""
    targets = [g for g in (*groups, *rest) if g.members]
    n_common = sum(1 for g in groups if g.members)
    if not n_common or n_common == len(targets):
        return
    nodes = [(v, g.members[v][0]) for g in targets for v in sorted(g.members)]
    reps, where = distinct(matcher, views, nodes)
    S = matcher.item_matrix(reps, reps)
    item = dict(zip(nodes, where, strict=True))
    # per target: its wordings (item → the cities holding it, in order)
    held: list[dict[int, list[int]]] = []
    for g in targets:
        h: dict[int, list[int]] = {}
        for v in sorted(g.members):
            h.setdefault(item[(v, g.members[v][0])], []).append(v)
        held.append(h)
    pos = [mean_position(views, g) for g in targets]
    for ri in sorted(range(n_common, len(targets)), key=lambda r: (-len(targets[r].members), min(targets[r].members))):
        R = targets[ri]
        if not R.members:
            continue
        cities = sorted(R.members)
        picks = [cities[int(t * len(cities) / min(tries, len(cities)))] for t in range(min(tries, len(cities)))]
        mine = [item[(v, R.members[v][0])] for v in picks]
        best: tuple[float, int] | None = None
        for ti, T in enumerate(targets):
            if ti >= n_common:
                break
            if abs(pos[ti] - pos[ri]) > reach:
                continue
            its = list(held[ti])
            block = S[np.ix_(mine, its)]
            if float(block.max()) < min_label or any(v in T.members for v in cities):
                continue
            met: list[float] = []
            for t, v in enumerate(picks):
                ws = held[ti][its[int(np.argmax(block[t]))]]
                w = ws[t % len(ws)]
                x, y = R.members[v][0], T.members[w][0]
                pa = matcher.align(v + 1, w + 1)
                met.extend(p.score for p in pa.pairs if p.kind == "1:1" and p.a == x and p.b == y)
            if 2 * len(met) > len(picks) and (best is None or float(np.mean(met)) > best[0]):
                best = (float(np.mean(met)), ti)
        if best is None:
            continue
        ti = best[1]
        T = targets[ti]
        for v in cities:
            T.members[v] = R.members[v]
            held[ti].setdefault(item[(v, R.members[v][0])], []).append(v)
        R.members.clear()
        pos[ti] = mean_position(views, T)


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
    idx = sample_indexes(k, SAMPLE)
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
    # whether the flows are worded apart on the whole is the sample's answer (the exact path
    # asks the same spread of variants, with word weights over all of them), not one of the
    # pivot's against the variants
    match = replace(match, wording=sm.wording())
    pivot = _pivot_view(sample, group(sm, pairs), min_members=min(2, len(idx)))
    if pivot is None:
        # nothing two sampled cities share: every step stands alone
        return PivotAlignment([Group({v: [x]}) for v in range(k) for x in range(views[v].size)], [],
                              Matcher([sample[0], *views], vocab, match), exact, [])
    matcher, groups, merged, left, split = _through(views, vocab, match, pivot, progress, done, total)
    if refine:
        _attach_left(matcher, views, groups, left, match.threshold, REACH)
        rest = join_left(matcher, views, left_units(matcher, views, left, groups, match.order), match.threshold,
                         match.context, NEIGHBOURS)
        _settle_splits(groups, rest, split)
        first = [g for g in (*groups, *rest) if g.members]
        better = _pivot_view(views, first, min_members=max(2, int(np.ceil(REFINE_SUPPORT * k))))
        if better is not None:
            pivot = better
            matcher, groups, merged, left, split = _through(views, vocab, match, pivot, progress, done + k, total)
    _attach_left(matcher, views, groups, left, match.threshold, REACH)
    # the measures compare two cities as their own alignment does: there a wording that fills a
    # city's gap meets the other city's step 1:1 (they read the groups before the wordings move),
    # and two extra checks in different places meet 1:1 when nothing else takes them (they read
    # the left-over steps grouped on label and place, without the neighbours' agreement)
    # (the left-over steps' units and label block are made once and grouped both ways)
    units = left_units(matcher, views, left, groups, match.order)
    common_m = [Group({v: list(xs) for v, xs in g.members.items()}) for g in groups]
    rest_m = join_left(matcher, views, units, match.threshold, match.context)
    _settle_splits(common_m, rest_m, split)
    measured = [Group({v: list(xs) for v, xs in g.members.items()}) for g in (*common_m, *rest_m) if g.members]
    if NEIGHBOURS:
        rest = join_left(matcher, views, units, match.threshold, match.context, True)
        _settle_splits(groups, rest, split)
    else:
        groups, rest = common_m, rest_m
    # the pivot's own groups come first in `measured`; only the measures read the alternatives
    common = [gi for gi, g in enumerate(groups) if g.members]
    alts = alternatives(matcher, views, measured[:len(common)], match.threshold, REACH)
    if WORDINGS:
        _keep_wordings_together(matcher, views, groups, rest)
    if GIVE_WAY < 1.0:
        rest = [*rest, *_give_way(matcher, views, groups, rest, GIVE_WAY, REACH)]
    if MERGE_ALTERNATIVES:
        merged = _merge_alternatives(matcher, views, groups, rest, [(common[a.g], common[a.h]) for a in alts],
                                     merged)
    if THROUGH_PAIRS:
        _join_through_pairs(matcher, views, groups, rest, match.min_label, REACH)
    out = [g for g in groups if g.members]
    final = out + [g for g in rest if g.members]
    kept = {id(g): n for n, g in enumerate(groups)}
    renumber = {kept[id(g)]: n for n, g in enumerate(out)}
    # the ties with the pivot (both 1:n rules, against the common activities) and the ties any
    # two variants would make by the duplicate rule (against every group, `fastties.duplicate_ties`)
    ties = {(v, x, renumber[gi]) for v, x, gi in merged if gi in renumber}
    ties.update(duplicate_ties(matcher, views, final, match))
    return PivotAlignment(final, sorted(ties), matcher, exact, measured, alts if ged is not None else [])
