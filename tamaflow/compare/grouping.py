"""Grouping: pairwise correspondences between variants joined into activities across all of
them (union-find, strongest first), with the checks that keep a chain through other cities
from joining steps that their own pair alignment keeps apart; and, once the groups stand, the
activities a compound step does inside another (`clause_links`).

Depends on align.py for the pair alignments it reads (types only at run time), and on the
label model (labels.py, labelspace.py, japanese.py) to read a compound step's clauses and channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from .japanese import clauses
from .labels import Vocabulary, features, is_japanese
from .labelspace import LabelSpace, SimilarityWeights

if TYPE_CHECKING:
    from .align import Matcher, PairAlignment
    from .variant import VariantView

#: a chain of correspondences through other cities does not join two steps whose own
#: pair alignment matched one of them to a step this much closer in label similarity
CHAIN_MARGIN = 0.5
#: a clause of a step that names several actions ties the step to another activity (as merged
#: work) when it reads that activity's wordings this well: over the activity's cities, the mean
#: of each city's best wording's label similarity to the clause (`clause_links`) …
CLAUSE_LINK = 0.8
#: … and the activity sits this near the step in the flow (mean relative position of its steps)
CLAUSE_PLACE = 0.2
#: a step is reported as merged into another activity (the 1:n rules of the pair alignments)
#: only when at least this share of that activity's cities tie it there …
TIE_QUORUM = 0.5
#: … in an activity of at least this many cities; in a smaller one, one city is all the evidence
QUORUM_FROM = 5
#: a city's member of a large group gives way to another of its steps that its pair alignments
#: match with more than this many times as many of the group's members (`_settle_members`) …
SETTLE_MARGIN = 2.0
#: … and with the members of at least this share of the group's other cities
SETTLE_SHARE = Fraction(1, 3)  # exact: a count is compared with it
#: steps of each group compared when two groups with no city in common may join (`_join_apart`)
JOIN_SAMPLE = 10


def witnesses_needed(cities: int) -> float:
    """How many of an activity's `cities` must tie a step of another city to it before that step
    is reported as merged into it (`comparison._merged_links`, `fastties.duplicate_ties`).

    A merged tie is evidence about one city's step drawn from other cities' flows: aligned pair
    by pair, a city w that has both activities leaves its second step over, and it joins the
    step x of a city v that has one of them (the 1:n rules of `Matcher._one_to_many`). With a
    handful of cities one such w is all the evidence there is. With hundreds, one city's odd
    wording is enough to tie a hundred others' steps: 国保加入, 200 generated cities (seed 23),
    one city worded its submission 申込 and that step sits with seven second 受付登録 steps;
    through that city alone, 111 cities' 加入の届出をし、資格喪失証明書等を提出する were reported
    as also doing the second receipt. Against the generator's own step ids on seven sets of 200
    cities, the quorum raised the share of reported pairs that join one step 0.91–0.95 → 0.96–0.99
    for 0.002–0.03 of the pairs that do."""
    return TIE_QUORUM * cities if cities >= QUORUM_FROM else 0.0


@dataclass(slots=True)
class Group:
    """One activity across variants: variant index → node indexes (several for a 1:n).

    `merged` holds the steps that do this activity as part of a step grouped elsewhere (受付・
    本人確認 is in the 受付 group and merged into the 本人確認 group): they are reported in the
    alignment, but the group's support and the standard count `members` only."""

    members: dict[int, list[int]] = field(default_factory=dict)
    merged: dict[int, list[int]] = field(default_factory=dict)

    def size(self) -> int:
        return len(self.members)

    def realised_by(self) -> dict[int, list[int]]:
        """Every step that realises the activity: the members and the merged steps."""
        out = {v: list(ks) for v, ks in self.members.items()}
        for v, ks in self.merged.items():
            out[v] = sorted(set(out.get(v, [])) | set(ks))
        return out


def mean_position(views: Sequence[VariantView], g: Group) -> float:
    """A group's mean relative position: per variant the mean of its steps', then the mean over
    variants. A one-step member is read without a numpy call (the fast path's left-over groups of
    1,741 cities hold tens of thousands)."""
    pos = [float(views[v].position[ks[0]]) if len(ks) == 1 else float(np.mean(views[v].position[ks]))
           for v, ks in g.members.items()]
    return float(np.mean(pos)) if pos else 0.0


def group(matcher: Matcher, pairs: dict[tuple[int, int], PairAlignment]) -> list[Group]:
    """Group pairwise correspondences into activities across all variants.

    Parameters
    ----------
    matcher : Matcher
        The matcher that made `pairs` (its views give the node counts).
    pairs : dict of (int, int) to PairAlignment
        The alignment of every variant pair (i < j).

    Returns
    -------
    list of Group
        A partition of all matchable nodes: union-find over the correspondences, strongest
        first, never joining two steps of one variant through 1:1 links (that would be an
        inconsistent cycle); 1:n links attach a left-over step to the group of its partner.
        A group joined through a step of merged or split work (a bridge) to another group, or
        to a single step, must not then contain two steps whose own pair alignment matched one
        of them to a step clearly closer in label (`CHAIN_MARGIN`): 占用料の計算 and
        占用料の収入調定 stay apart although another city's 占用料の算定・調定 does both.
        Then, in groups of many cities, a city's member is the step its pair alignments give
        the other members (`_settle_members`), a large group takes in the steps of its own
        wording that a smaller group holds from cities it lacks (`_gather`), and groups with
        no city in common whose steps meet 1:1 join (`_join_apart`): what the greedy order
        got wrong.
    """
    views = matcher.views
    offsets = [0]
    for view in views:
        offsets.append(offsets[-1] + view.size)
    total = offsets[-1]
    variant_of = [v for v, view in enumerate(views) for _ in range(view.size)]
    parent = list(range(total))
    #: per root: the variants its group holds, and its steps
    owner: list[set[int]] = [{variant_of[x]} for x in range(total)]
    members: list[list[int]] = [[x] for x in range(total)]
    local = [x - offsets[variant_of[x]] for x in range(total)]
    # steps that take part in a 1:n correspondence (merged or split work) can bridge two
    # activities; only groups holding one are checked against the pair alignments
    bridge = [False] * total
    for (i, j), pa in pairs.items():
        for c in pa.pairs:
            if c.kind != "1:1":
                bridge[offsets[i] + c.a] = bridge[offsets[j] + c.b] = True
    # what each pair alignment says directly: every node's 1:1 partner (also read by the repairs
    # after the union-find), and each pair's 1:n links, indexed on first use (only chains
    # through a bridge are checked, so most pairs are never looked at)
    partner = partners(pairs)
    links: dict[tuple[int, int], set[tuple[int, int]]] = {}
    #: the label matrices of pairs that came back without theirs (a Dask worker keeps it,
    #: `distributed.measure_chunk`), computed here by the same matcher when a chain asks
    matrices: dict[tuple[int, int], np.ndarray] = {}

    def label(x: int, y: int) -> float:
        """The label similarity of nodes x and y (of two different variants)."""
        u, v = variant_of[x], variant_of[y]
        key, a, b = ((u, v), local[x], local[y]) if u < v else ((v, u), local[y], local[x])
        M = pairs[key].label_sim
        if M.size == 0:
            if key not in matrices:
                matrices[key] = matcher.label_matrix(*key)
            M = matrices[key]
        return float(M[a, b])

    def disagrees(x: int, y: int) -> float:
        """The label similarity of x's own 1:1 partner in y's view when that partner is not y
        (and no 1:n link joins x and y), else 0."""
        u, v = variant_of[x], variant_of[y]
        got = partner[(u, v)].get(local[x])
        if got is None or got == local[y]:
            return 0.0
        key = (u, v) if u < v else (v, u)
        linked = links.get(key)
        if linked is None:
            linked = links[key] = {(c.a, c.b) for c in pairs[key].pairs if c.kind != "1:1"}
        if ((local[x], local[y]) if u < v else (local[y], local[x])) in linked:
            return 0.0
        return label(x, offsets[v] + got)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def contradicted(rx: int, ry: int) -> bool:
        """A chain through other cities (often a merged step that names two actions) must not
        put two steps together when their own pair alignment matched one of them to a step
        whose label is clearly closer (by `CHAIN_MARGIN`)."""
        for x in members[rx]:
            vx = variant_of[x]
            for y in members[ry]:
                vy = variant_of[y]
                if vx == vy:
                    continue
                best = max(disagrees(x, y), disagrees(y, x))
                if best < CHAIN_MARGIN:
                    continue
                if best >= label(x, y) + CHAIN_MARGIN:
                    return True
        return False

    # 1:1 before 1:n, strongest first, then by node: the tuples sort in that order themselves
    edges = [(c.kind != "1:1", -c.score, offsets[i] + c.a, offsets[j] + c.b, c.kind)
             for (i, j), pa in pairs.items() for c in pa.pairs]
    edges.sort()
    for _n, _score, x, y, kind in edges:
        rx, ry = find(x), find(y)
        if rx == ry:
            continue
        if kind == "1:1" and owner[rx] & owner[ry]:
            continue
        if kind == "1:n" and min(len(members[rx]), len(members[ry])) != 1:
            # only a step still on its own may join, and only into a group its variant is in
            continue
        if (bridge[rx] or bridge[ry]) and len(members[rx]) + len(members[ry]) > 2 and contradicted(rx, ry):
            continue
        if len(owner[rx]) < len(owner[ry]):
            rx, ry = ry, rx
        parent[ry] = rx
        members[rx].extend(members[ry])
        members[ry] = []
        bridge[rx] = bridge[rx] or bridge[ry]
        owner[rx] |= owner[ry]
    groups: dict[int, Group] = {}
    for x in range(total):
        v = variant_of[x]
        g = groups.setdefault(find(x), Group())
        g.members.setdefault(v, []).append(local[x])
    out = list(groups.values())
    _settle_members(out, partner)
    _gather(out, partner, views)
    return _join_apart(out, partner)


def partners(pairs: Mapping[tuple[int, int], PairAlignment]) -> dict[tuple[int, int], dict[int, int]]:
    """(variant i, variant j) → i's node → its 1:1 partner in j, both ways round."""
    out: dict[tuple[int, int], dict[int, int]] = {}
    for (i, j), pa in pairs.items():
        ab = {c.a: c.b for c in pa.pairs if c.kind == "1:1"}
        out[(i, j)] = ab
        out[(j, i)] = {b: a for a, b in ab.items()}
    return out


def _settle_members(groups: list[Group], partner: dict[tuple[int, int], dict[int, int]]) -> None:
    """A city's member of a large group is the step its pair alignments give the group's other
    cities, not one a chain brought in first.

    Union-find joins the strongest links first and never two steps of one city, so a city whose
    own step for an activity links late (a rare wording) can find its place taken by another of
    its steps that a chain brought in earlier, and its own step then starts a second group with
    other late-linked cities. 国保加入, 200 generated cities (seed 22): the 21 cities that route a
    notification first (届出先を振り分ける) had that step in the receipt group of 153 and their
    own receipt in a second group of 41, although pair by pair their receipt meets the others'
    receipts 1:1 and the routing step meets almost none of them. So in a group of at least
    `QUORUM_FROM` cities, a city's member x gives way to another step y of the city when

    - its pair alignments match y 1:1 with the group's members of at least `SETTLE_SHARE` of
      the other cities (a third: where the group's cities word the activity several ways, many
      match neither step; 国保加入 seed 21: 80 of 165 met the receipt, 22 the routing step, 58
      worded 受付登録 met neither, and half missed by three),
    - more than `SETTLE_MARGIN` times as many as x,
    - and y's group is smaller than x's: the second group a late-linked step starts is the
      smaller one, and a step of a larger group is that group's own, where x has no place
      (with the share alone, checks were moved into the review group of 164 cities on 国保加入
      seed 22; even at half, such moves cost 住民票 and 転入届 sets 0.002–0.0025 against the
      generator's step ids).

    x takes y's place in y's group. Updates `groups`."""
    where: dict[tuple[int, int], int] = {}
    for gi, g in enumerate(groups):
        for v, xs in g.members.items():
            for x in xs:
                where[(v, x)] = gi
    for gi, g in enumerate(groups):
        if len(g.members) < QUORUM_FROM:
            continue
        for v in sorted(g.members):
            if len(g.members[v]) != 1:
                continue
            x = g.members[v][0]
            met: dict[int, int] = {}
            for w, ys in g.members.items():
                if w != v and len(ys) == 1:
                    y = partner.get((w, v), {}).get(ys[0])
                    if y is not None:
                        met[y] = met.get(y, 0) + 1
            own = met.pop(x, 0)
            if not met:
                continue
            y, n = max(met.items(), key=lambda t: (t[1], -t[0]))
            hi = where.get((v, y))
            if (n < SETTLE_SHARE * (len(g.members) - 1) or n <= SETTLE_MARGIN * max(own, 1) or hi is None
                    or hi == gi or groups[hi].members.get(v) != [y] or len(groups[hi].members) >= len(g.members)):
                continue
            groups[hi].members[v] = [x]
            g.members[v] = [y]
            where[(v, x)], where[(v, y)] = hi, gi


def _gather(groups: list[Group], partner: dict[tuple[int, int], dict[int, int]], views: Sequence[VariantView]) -> None:
    """A group of 5 cities or more takes in the members of a smaller group that share its
    wording, from cities it lacks, when their steps meet its members 1:1 pair by pair.

    Union-find keeps two clusters apart once a city sits in both, and a cluster can gather steps
    of two activities before that: 国保加入, 200 generated cities (seed 23), 32 cities' 入力内容を
    点検する were linked with 28 other cities' extra checks (most worded 入力内容を確認する, spliced in beside
    their own 入力内容を点検する, which sits in the review group of 142), and that group of 60
    could never join the 142. `_join_apart` does not apply (the two share cities), and
    `_settle_members` moves one city's step, not another city's. Here the smaller group h's
    member x of a city v that the larger group g lacks moves to g when

    - its pair alignments meet more than half of up to `JOIN_SAMPLE` of g's members 1:1,
    - x is worded as one of g's members is (label, catalogue code and node type): the exact
      path links steps worded alike first, so x belongs with g's cluster of that wording,
    - and no member of h from a city g holds is worded as x (those stay: they are h's own
      activity). Without the last two, cities that issue at the kiosk and not through the
      centre (住民票) were moved into the centre's group, whose members their kiosk steps meet 1:1
      when a city has only one of the two: the exact path's pairs against the generator's own
      step ids fell 0.986 → 0.959 on 住民票 seed 3.

    Largest groups first. Updates `groups` in place."""
    order = sorted(range(len(groups)), key=lambda gi: (-len(groups[gi].members), gi))
    for gi in order:
        g = groups[gi]
        if len(g.members) < QUORUM_FROM:
            break
        mine = _sample(g)
        words = {wording(views, w, ys[0]) for w, ys in g.members.items() if len(ys) == 1}
        for hi in order:
            h = groups[hi]
            if hi == gi or not h.members or len(h.members) >= len(g.members) or g.members.keys().isdisjoint(h.members):
                continue
            own = {wording(views, w, ys[0]) for w, ys in h.members.items() if w in g.members and len(ys) == 1}
            for v in sorted(h.members):
                xs = h.members[v]
                if v in g.members or len(xs) != 1:
                    continue
                said = wording(views, v, xs[0])
                if said not in words or said in own:
                    continue
                if 2 * sum(partner.get((w, v), {}).get(y) == xs[0] for w, y in mine) > len(mine):
                    g.members[v] = xs
                    del h.members[v]


def wording(views: Sequence[VariantView], v: int, x: int) -> tuple[str, str, str]:
    """What makes two steps one wording: label, catalogue code and node type. The exact path
    links steps worded alike before any others (`_gather`; the fast path's
    `pivot._keep_wordings_together`)."""
    node = views[v].nodes[x]
    return node.name, node.step.standard or "", node.type


def _sample(g: Group) -> list[tuple[int, int]]:
    """Up to `JOIN_SAMPLE` of a group's one-step members (variant, node), in variant order: the
    steps `_gather` and `_join_apart` test a group's 1:1 matches on."""
    return [(v, xs[0]) for v, xs in sorted(g.members.items()) if len(xs) == 1][:JOIN_SAMPLE]


def _join_apart(groups: list[Group], partner: dict[tuple[int, int], dict[int, int]]) -> list[Group]:
    """Two groups that share no city join when their steps meet 1:1 pair by pair: more than half
    of the pairs between up to `JOIN_SAMPLE` of each group's steps. Union-find stops joining two
    clusters once a city sits in both; when `_settle_members` has moved a city's step out, what
    kept the two apart is gone (the 20 other cities' receipts left in the second group above).
    A group only grows in its own turn of a pass, so each group's sample is drawn once a pass."""
    changed = True
    while changed:
        changed = False
        sample = [_sample(g) for g in groups]
        for gi, g in enumerate(groups):
            mine = sample[gi]
            if not g.members or len(mine) < 2:
                continue
            for hi in range(gi + 1, len(groups)):
                h, theirs = groups[hi], sample[hi]
                if not h.members or len(theirs) < 2 or not g.members.keys().isdisjoint(h.members):
                    continue
                met = sum(partner.get((w, v), {}).get(y) == x for w, y in theirs for v, x in mine)
                if 2 * met > len(theirs) * len(mine):
                    g.members.update(h.members)
                    g.merged.update(h.merged)
                    h.members.clear()
                    changed = True
    return [g for g in groups if g.members]


def clause_links(views: Sequence[VariantView], vocab: Vocabulary, action_clash: float,
                 groups: Sequence[Group]) -> dict[tuple[int, int], set[int]]:
    """(variant, group) → the variant's steps that name that group's activity in one clause of
    a label naming several actions, while they belong to another group.

    The pair alignments tie a compound step (届出書受付・記載事項確認) to a second activity only
    where one other city has that activity as its own step right beside its match; across all
    cities the evidence is plainer: the clause (記載事項確認) reads the wordings of one activity
    (添付の地図と名簿に漏れがないか確かめます, 書いてある中身と同意書を見る …) near the step's
    place. Japanese labels only (`clauses`); a city that has its own step in that activity keeps
    it. Every distinct clause is scored against every group once, so the fast path's thousands
    of cities cost what their distinct wordings cost. `vocab` and `action_clash`: those the
    comparison's matcher reads labels with."""
    compound: list[tuple[int, int, int, tuple[str, ...]]] = []  # (group, variant, node, clauses)
    for gi, g in enumerate(groups):
        for v, ks in g.members.items():
            for k in ks:
                node = views[v].nodes[k]
                if node.type == "gateway" or not is_japanese(node.name):
                    continue
                parts = clauses(node.name)
                if len(parts) > 1 and not features(node.name, vocab).channel:
                    # a step that names its channel (郵送分を開封し受付する) is that channel's
                    # activity as a whole: its clause 受付する is not the counter's receipt
                    compound.append((gi, v, k, parts))
    if not compound:
        return {}
    texts = sorted({c for *_, parts in compound for c in parts} | {views[v].nodes[k].name for _, v, k, _ in compound})
    clause_at = {t: i for i, t in enumerate(texts)}
    names = sorted({views[v].nodes[k].name for g in groups for v, ks in g.members.items() for k in ks})
    name_at = {t: i for i, t in enumerate(names)}
    weights = SimilarityWeights(use_idf=False, action_clash=action_clash)
    space = LabelSpace([features(t, vocab) for t in texts + names], weights)
    M = space.block(np.arange(len(texts)), np.arange(len(texts), len(texts) + len(names)))
    # each group's reading of every clause: per city the best of its wordings, mean over cities
    score = np.full((len(texts), len(groups)), -1.0)
    place = np.array([mean_position(views, h) for h in groups])
    for hi, h in enumerate(groups):
        members = [(v, k) for v, ks in sorted(h.members.items()) for k in ks]
        if len(h.members) < 2 or any(views[v].nodes[k].type == "gateway" for v, k in members):
            continue
        if 2 * sum(len(clauses(views[v].nodes[k].name)) > 1 for v, k in members) > len(members):
            continue  # an activity the cities do as one step of their own, not inside another
        cols = np.array([name_at[views[v].nodes[k].name] for v, k in members])
        starts = np.flatnonzero(np.r_[True, np.diff([v for v, _ in members]) != 0])
        score[:, hi] = np.maximum.reduceat(M[:, cols], starts, axis=1).mean(axis=1)
    # which variants each group holds (a variant's own step in an activity keeps it)
    held = np.zeros((len(views), len(groups)), dtype=bool)
    for hi, h in enumerate(groups):
        held[list(h.members), hi] = True
    out: dict[tuple[int, int], set[int]] = {}
    for gi, v, k, parts in compound:
        near = np.abs(place - views[v].position[k]) <= CLAUSE_PLACE
        free = ~held[v]
        free[gi] = False
        # the clause, not the whole label, must name the activity: a group of other cities'
        # steps worded like this whole one is not a second activity of it
        whole = score[clause_at[views[v].nodes[k].name]]
        for part in parts:
            row = np.where(near & free & (score[clause_at[part]] > whole), score[clause_at[part]], -1.0)
            best = int(np.argmax(row))
            if row[best] >= CLAUSE_LINK:
                out.setdefault((v, best), set()).add(k)
    return out
