"""How well each city's step in an activity group is vouched for by its wording: the cells of
the alignment an analyst should check before trusting them.

A group's member is *worded apart* when its label reads no other city's label in the group at
`SURE` or better. It is in the group because of where it sits in the flow, its neighbours, or a
chain of pairs through other cities, not because it says the same thing. Those cells are where
the alignment is wrong most often. With the shipped defaults (2026-12-02, `benchmarks/alignment.py
--marks`), a pair with a worded-apart member is a gold pair 64 % of the time on the six Japanese
development sets, against 89 % for any other pair, and 71 % against 85 % on the nine held-out
ones, where 15 % of the cells are marked (with the wider vocabulary of the same day's fifteenth
session: 60 % against 90 %, and 69 % against 84 % on twelve held-out sets). English labels are worded apart far more often (about
half the cells of the English sets are marked) and the mark says less there: 56 % against 85 %
on en-dev and en-dev2, 54 % against 69 % held out. An analyst who checks one and finds it right can pin
it with the step's `standard:` code, which the matcher then follows.

A member is also *paired apart* when most of its group's other cities, aligned with its city pair
by pair, pair it with another step or with none (`paired_apart`): it is in the group through a
chain of pairs through other cities, not its own pairings (ja-dev4's 市民農園: Musashino's
allocation of the plots, 区画番号を決め…, sits in the row of Fussa's and Hino's applications,
joined through Kiyose's どの はたけ（くかく）を つかうか きめる, while Fussa and Hino each pair their
application with Musashino's own). On the eight
Japanese development sets the two marks together take in 63 % of the wrong pairs against 47 %
for the wording alone, for 20 % of the cells marked against 15 %; measured once on the sixteen
held-out Japanese sets, 58 % against 35 % (21 % of the cells against 15 %), and the pairs the
second mark adds are wrong 39 % of the time against 13 % for the pairs left unmarked. Only the
exact path has the pair alignments it reads; the fast path marks by wording alone.

Depends on align.py (the matcher's label model, catalogue codes and type rules) and grouping.py
(the groups, each pair alignment's 1:1 partners); read by comparison.py, whose outputs show the
marks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .grouping import partners

if TYPE_CHECKING:
    from .align import Matcher, PairAlignment
    from .grouping import Group

#: a member whose label reads no other city's member of its group this well is worded apart:
#: on the Japanese development sets its pairs are gold 64 % of the time, the rest 89 %
#: (docs/compare.md, "Cells to check")
SURE = 0.5
#: a member that fewer than this share of its group's other cities pair with their member, pair
#: by pair, is paired apart (a majority: set before it was measured, no other value tried)
PAIRED = 0.5


def worded_apart(matcher: Matcher, groups: Sequence[Group], first: int = 0) -> dict[tuple[int, int], float]:
    """(group index, variant) → the best label similarity of that variant's step to another
    city's step in the group, for the members below `SURE` (one-step members of groups of two
    cities or more; a step of merged work is reported as such already). Variant v is the
    matcher's view `first + v` (the fast path's matcher holds its pivot first).

    Labels are compared once per distinct wording of a group (label and catalogue code): a
    wording two cities share is vouched for by the other, so the fast path's thousands of cities
    cost what their distinct wordings cost."""
    out: dict[tuple[int, int], float] = {}
    same_as = matcher.space.same_as
    for gi, g in enumerate(groups):
        if len(g.members) < 2:
            continue
        # one item per distinct wording, with the cities that use it
        items: dict[tuple[int, str], int] = {}
        users: dict[tuple[int, str], set[int]] = {}
        for v, ks in g.members.items():
            if len(ks) != 1:
                continue
            item = matcher.offset[first + v] + ks[0]
            key = (int(same_as[item]), matcher.views[first + v].nodes[ks[0]].step.standard or "")
            items.setdefault(key, item)
            users.setdefault(key, set()).add(v)
        keys = [k for k in items if len(users[k]) == 1]
        if not keys:
            continue
        every = list(items)
        M = matcher.item_matrix([items[k] for k in keys], [items[k] for k in every])
        for r, k in enumerate(keys):
            # every other wording of the group is another city's (a city has one member)
            row = np.where(np.array([e == k for e in every]), -np.inf, M[r])
            best = float(row.max()) if len(every) > 1 else 0.0
            if best < SURE:
                (v,) = users[k]
                out[(gi, v)] = round(max(best, 0.0), 4)
    return out


def paired_apart(groups: Sequence[Group], pairs: Mapping[tuple[int, int], PairAlignment]) -> dict[tuple[int, int], float]:
    """(group index, variant) → the share of the group's other cities whose own pair alignment
    with that variant pairs its step 1:1 with their member, for the members below `PAIRED`
    (one-step members of groups of three such cities or more: with two, the pair's own alignment
    is the only one there is, and it is the one that made the group). Only cities whose pair
    with the variant was aligned are read: the fast path aligns none, and marks nothing here."""
    partner = partners(pairs)
    out: dict[tuple[int, int], float] = {}
    for gi, g in enumerate(groups):
        one = {v: ks[0] for v, ks in g.members.items() if len(ks) == 1}
        if len(one) < 3:
            continue
        for v, x in sorted(one.items()):
            others = [w for w in one if w != v and (min(v, w), max(v, w)) in pairs]
            if len(others) < 2:
                continue
            agree = sum(partner.get((v, w), {}).get(x) == one[w] for w in others)
            if agree < PAIRED * len(others):
                out[(gi, v)] = round(agree / len(others), 4)
    return out
