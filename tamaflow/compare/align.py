"""Alignment: which steps of different variants are the same activity.

Pairwise, in three passes:
1. `standard:` codes. Two steps citing the same catalogue code are candidates with a high floor
   (unless a flow cites that code for two of its steps: then it does not say which one);
   steps citing different codes never correspond.
2. Label similarity (labels.py, labelspace.py) combined with context: agreement of the nearest
   labelled neighbours (similarity flooding, one round), lane/actor name similarity and relative position
   in the flow; solved as an optimal 1:1 assignment (Hungarian algorithm) with a threshold.
3. Between two flows worded apart (each organisation its own verbs and system names, so that
   the labels barely decide), the steps still left over are paired in the order of both flows
   where their labels are at least as alike as their places are apart; so are those of every
   pair of a comparison most of whose pairs are worded apart, and all its pairs are lifted on
   the comparison's scale (the wording is the organisations', and one pair's measure of it is
   noisy).
4. 1:n: a step left over that is as close to an already matched step as its partner is (a
   duplicated event, a split step), or whose label together with a neighbour's covers the
   partner's label (受付・本人確認 vs 受付 + 本人確認).

Across many variants, pairwise correspondences are grouped into activities in grouping.py.

Depends on tamaflow.model only (through variant.py); the catalogue arrives as plain data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from .english import ACTION_CLASH, GROUPED_WORD
from .japanese import clauses
from .labels import LabelFeatures, Vocabulary, features, is_japanese
from .labelspace import LabelSpace, SimilarityWeights
from .scipy_core import linear_sum_assignment
from .variant import VariantView

#: a label that names two actions: 受付・本人確認, 審査及び決裁, "Check and send documents"
_COMPOUND = re.compile(r"[・、&/／+＋]|及び|および|並びに|ならびに|\band\b|\bplus\b", re.IGNORECASE)

#: type pairs that may correspond (BPMN models often use an event where another uses a task)
_COMPATIBLE = {
    ("task", "task"), ("task", "event"), ("event", "task"), ("event", "event"), ("gateway", "gateway"),
}


#: up to this many distinct labels, one block of all of them against all (2,000: 32 MB) serves
#: every pair of variants; cities repeat each other's wording, so 26 × 60 steps are ~500
FULL_BLOCK = 2000

#: the flows whose pairs decide whether a comparison is worded apart on the whole (`apart_share`):
#: as many as the fast path samples, so a nationwide comparison measures 276 pairs, not millions
WORDING_SAMPLE = 24

_TYPE_CODE = {"task": 0, "event": 1, "gateway": 2}
_COMPAT_TABLE = np.array([[(x, y) in _COMPATIBLE for y in _TYPE_CODE] for x in _TYPE_CODE], dtype=bool)


@dataclass(frozen=True, slots=True)
class Wording:
    """How a comparison's flows are worded, decided once for all its pairs (`MatchOptions.apart_share`)."""

    #: at least `apart_share` of its pairs fall short of `apart`: every pair is filled by place
    apart: bool = False
    #: then every pair's lift: how far the median pair's best-matched tenth falls short of `apart`
    shortfall: float = 0.0


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """Knobs of the matcher. Defaults are set for general use, not for one benchmark."""

    #: combined score a correspondence needs
    threshold: float = 0.6
    #: the same for a comparison whose labels are mostly Japanese (`for_language`): the Japanese
    #: label model (head action 0.7, objects 0.3) scores one activity worded two ways lower than
    #: the English word model does, so it has its own cut, chosen on the Japanese sets
    ja_threshold: float = 0.5
    #: label similarity below which context alone cannot create a correspondence
    min_label: float = 0.3
    #: weight of neighbour agreement, lane name similarity and relative position
    context: float = 0.4
    lane: float = 0.05
    position: float = 0.1
    #: floor for two steps citing the same catalogue code
    code_floor: float = 0.75
    #: 1:n: a second step joins a partner when its label similarity is within this margin of the
    #: matched step's and at least `split_min`
    split_margin: float = 0.05
    split_min: float = 0.9
    #: 1:n by place: a left-over step whose best counterpart was taken by its own flow neighbour
    #: joins that correspondence when their label similarity reaches this (a split step: the
    #: other city does in one step what this city does in two); 1 switches it off
    split_neighbour: float = 0.6
    #: 1:n by concatenation: share of the partner's label features that only the left-over
    #: step supplies (受付・本人確認 = 受付 + 本人確認)
    concat_cover: float = 0.2
    #: structure as evidence: how much a pair loses for crossing anchors (the pairs of the
    #: order-preserving chain whose combined score reaches `anchor`). 0.5 since the Japanese cut
    #: is 0.5: a pair that weak must also keep the flows' order (at 0.3 look-alike checks that
    #: cross it got in: 入力内容を確認する ~ 転出証明書の記載を確認する)
    order: float = 0.5
    anchor: float = 0.6
    #: a pair alone together between the same anchors (a one-step gap in both flows) gains this
    #: much; a gap of k steps gains 1/k of it
    gap: float = 0.2
    #: gain of a pair on the heaviest non-crossing chain through both flows' order, where it
    #: competes with another candidate
    sequence: float = 0.0
    #: English labels: weight of a word of a synonym group next to its group (the Vocabulary is
    #: built with it), and the share lost by two labels naming no common action
    grouped_word: float = GROUPED_WORD
    action_clash: float = ACTION_CLASH
    #: wording apart: two flows whose best-matched tenth of steps scores below `apart` word
    #: everything their own way (each organisation its own verbs, object words and system names),
    #: so their label scores sit on a lower scale; each of their pairs is lifted by the shortfall.
    #: Flows that share wording reach it and are untouched: every PMMC-UA pair, and Japanese flows
    #: but for one pair in a few dozen (their head concepts meet exactly). A property of the two
    #: flows' wording, not of the cut: it does not move with `threshold` (until 2026-12-01 it was
    #: `threshold + 0.15`, so a higher cut also declared more flows worded apart). 0 switches it off
    apart: float = 0.75
    #: the same on the Japanese label model's scale (`for_language`), as `ja_threshold` is
    ja_apart: float = 0.65
    #: between two flows worded apart (`apart` fires), a pair of steps left over by the assignment
    #: is taken in the order of both flows when its label similarity reaches this many times its
    #: distance in the flows (relative positions, 0–1) and it crosses no correspondence: where
    #: the labels cannot decide, the place does. 0 switches it off
    place_fill: float = 0.6
    #: the comparison decides the scale of its wording for its flows together: where at least
    #: this share of the pairs among its flows (up to `WORDING_SAMPLE` of them, spread evenly)
    #: are worded apart (`apart`), the left-over steps of every pair are paired by place, also
    #: of a pair whose own best-matched tenth happens to reach the level, and every pair is
    #: lifted by the comparison's shortfall (its median pair's), not its own. Whether one pair
    #: reaches 0.75 is a knife edge at fifteen steps (one verb read otherwise in one label tipped
    #: four of six pairs of a flow in 2026-12-03's measurement); the wording is the
    #: organisations', and a comparison's pairs measure it better than one. With two flows it is
    #: that pair's own test. 0 switches it off
    apart_share: float = 0.5
    #: the comparison's wording (`Wording`, `apart_share`): decided by the `Matcher` from its
    #: flows when None; the fast path sets it from its sample (`pivot.py`)
    wording: Wording | None = None
    #: Japanese flows (`for_language`): the steps left over are paired by place between any two
    #: flows of the comparison, not only between flows worded apart. A city's own verbs are
    #: unknown to the vocabulary, so Japanese flows that share most of their wording still leave
    #: a few steps over that are the same work (廃棄済フラグ更新 / システムのファイルを「捨てた」に直す).
    #: Only pairs the labels left undecided (below the cut) are paired, each by what its labels
    #: share (`Matcher._fill_by_place`). False pairs by place only where `apart` fires, as for
    #: English flows: on PMMC-UA, whose organisations model at different grain, 7–14 % of the
    #: pairs by place between flows that share wording are right, 0.739 → 0.54
    ja_place: bool = True
    #: the pairing by place (`place_fill`) also reads the two steps' lanes by the roles the
    #: pair's own correspondences give them, not by their names: where the steps whose labels
    #: decided (label similarity `role_anchor` or more) pair lane a of one city with lane b of
    #: the other, a left-over step of lane a in place of one of lane b gains up to half this,
    #: and one of a lane those pairs tie elsewhere loses as much (`_lane_roles`). Lane names
    #: say little across cities (Kiyose's もうしこむ 人 reads Fussa's 申込管理表 / 財務sys at 0.56
    #: and its 申込者 at 0.12), but the work done in them does: in 市民農園 Fussa's system issuing
    #: the payment slip (納付書 発行 [財務sys]) had been paired by place with Hino's applicant
    #: paying (農園利用料納付), though the steps whose labels decided put that system lane with
    #: Hino's section three times (the Excel import, the lottery, the register) and never with
    #: its applicants. 0 switches it off
    lane_role: float = 0.1
    #: the label similarity of a correspondence that vouches for its lanes' roles (`lane_role`)
    role_anchor: float = 0.5
    #: whether the comparison's labels are mostly Japanese: set by `for_language`, not by hand
    japanese: bool = False

    @property
    def places_everywhere(self) -> bool:
        """Whether the steps left over are paired by place between any two flows (`ja_place`),
        not only between flows worded apart (`apart`)."""
        return self.japanese and self.ja_place


def sample_indexes(k: int, size: int) -> list[int]:
    """`size` variant indexes spread evenly over 0..k-1 (all of them when k ≤ size). Variants come
    in file order (sorted slugs, i.e. municipality codes), so an even spread samples every
    region rather than the first prefecture."""
    if k <= size:
        return list(range(k))
    return sorted({int(round(x)) for x in np.linspace(0, k - 1, size)})


def japanese_flows(views: Sequence[VariantView]) -> bool:
    """Whether most step labels of the variants are Japanese."""
    names = [n.name for v in views for n in v.nodes]
    return sum(is_japanese(x) for x in names) * 2 >= len(names) > 0


def for_language(options: MatchOptions, japanese: bool) -> MatchOptions:
    """The options a comparison runs with: Japanese flows take `ja_threshold` as their threshold
    and `ja_apart` as their level of wording apart (unless `apart` is off). Decided once per
    comparison (every path and every Dask worker the same), not per pair."""
    if not japanese:
        return options
    return replace(options, threshold=options.ja_threshold, apart=options.ja_apart if options.apart else 0.0,
                   japanese=True)


def match_vocabulary(catalogue: Mapping[str, Sequence[str]] | None, options: MatchOptions) -> Vocabulary:
    """The vocabulary a `Matcher` with `options` reads labels with: the catalogue's names and
    synonyms, English synonym-group words weighed by `options.grouped_word`. One place for every
    caller (the exact and fast paths, a Dask worker), so the option cannot be left behind."""
    return Vocabulary(catalogue, grouped_word=options.grouped_word)


@dataclass(frozen=True, slots=True)
class Correspondence:
    a: int  # node index in the first view
    b: int  # node index in the second view
    score: float  # combined score
    label: float  # label similarity
    kind: str = "1:1"  # 1:1 | 1:n


@dataclass(slots=True)
class PairAlignment:
    a: str  # variant ids
    b: str
    pairs: list[Correspondence]
    #: label similarity matrix (nodes of a × nodes of b), kept for the similarity measures
    label_sim: np.ndarray

    def one_to_one(self) -> list[Correspondence]:
        return [c for c in self.pairs if c.kind == "1:1"]


def _best_tenth(S: np.ndarray) -> float:
    """The best-matched tenth of two flows' steps: the 90th percentile of each step's best label
    similarity in the other flow (the scale of their wording, `MatchOptions.apart`)."""
    return float(np.percentile(np.concatenate([S.max(axis=1), S.max(axis=0)]), 90))


class Matcher:
    """Holds the label space of one comparison (all labels of all variants, so idf weights and
    caches are shared) and aligns any two of its variants."""

    def __init__(
        self,
        views: Sequence[VariantView],
        vocab: Vocabulary | None = None,
        options: MatchOptions | None = None,
        weights: SimilarityWeights | None = None,
    ) -> None:
        self.views = list(views)
        self.options = options or MatchOptions()
        self.vocab = vocab or match_vocabulary(None, self.options)
        if weights is None:
            weights = SimilarityWeights(action_clash=self.options.action_clash)
        feats: list[LabelFeatures] = []
        self.offset: list[int] = []
        for v in self.views:
            self.offset.append(len(feats))
            for node in v.nodes:
                extra = () if is_japanese(node.name) else _implied(node)
                feats.append(features(node.name, self.vocab, extra, node.step.standard))
        self.space = LabelSpace(feats, weights, [k for k, v in enumerate(self.views) for _ in v.nodes])
        # lanes: one small space over the distinct lane names
        lane_names = sorted({n.lane for v in self.views for n in v.nodes if n.lane})
        self.lane_index = {name: k for k, name in enumerate(lane_names)}
        lane_space = LabelSpace([features(x, self.vocab) for x in lane_names], weights)
        self.lane_sim = lane_space.block(range(len(lane_names)), range(len(lane_names))) if lane_names else np.zeros((0, 0))
        self._lane_idx = [
            np.array([self.lane_index.get(n.lane, -1) for n in v.nodes], dtype=np.int64) for v in self.views
        ]
        self._codes = [np.array([n.step.standard or "" for n in v.nodes], dtype=object) for v in self.views]
        self._types = [np.array([_TYPE_CODE[n.type] for n in v.nodes], dtype=np.int64) for v in self.views]
        #: whether each node's code is the only citation of that code in its flow (`_rules`)
        self._once = [_cited_once(c) for c in self._codes]
        self._row_cache: tuple[int, np.ndarray] | None = None
        self._distinct: tuple[np.ndarray, np.ndarray] | bool | None = None
        #: the same without the benefit of the doubt (`_said`), and each view's own channels
        self._said_block: tuple[np.ndarray, np.ndarray] | bool | None = None
        self._channels: list[np.ndarray | None] = [None] * len(self.views)
        #: (language, label, label, compound label) → their similarity (`_clause_cover`)
        self._joined: dict[tuple[str, str, str, str], float] = {}
        #: label → whether it names two actions (`_concatenations` asks for every matched pair)
        self._compound: dict[str, bool] = {}
        #: how the comparison's flows are worded (`apart_share`), once asked
        self._wording: Wording | None = self.options.wording
        self._adj = [_adjacency([p + s for p, s in zip(v.preds, v.succs, strict=True)], v.size) for v in self.views]

    # ------------------------------------------------------------------------------------------

    def label_matrix(self, i: int, j: int) -> np.ndarray:
        """Label similarity between the nodes of views i and j, with catalogue codes and type
        compatibility applied."""
        va, vb = self.views[i], self.views[j]
        distinct = self._distinct_block()
        if distinct is not None:
            at, M = distinct
            S = M[np.ix_(at[self.offset[i]:self.offset[i] + va.size], at[self.offset[j]:self.offset[j] + vb.size])]
        else:
            if self._row_cache is None or self._row_cache[0] != i:
                # one sparse product per variant against every label, sliced per pair: variant
                # pairs are visited row by row, so one cached row block serves a row of pairs
                ra = np.arange(va.size) + self.offset[i]
                self._row_cache = (i, self.space.block(ra, np.arange(len(self.space.items))))
            S = self._row_cache[1][:, self.offset[j]:self.offset[j] + vb.size]
        if va.size and vb.size:
            S = self._rules(S, self._codes[i], self._codes[j], self._types[i], self._types[j],
                            self._once[i], self._once[j])
        return S

    def _distinct_block(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Each label's place among the distinct labels, and the similarity of every distinct
        label to every other, computed once: None when there are more than `FULL_BLOCK`
        (the row blocks above then bound the memory)."""
        if self._distinct is None:
            self._distinct = self._over_distinct(benefit=True)
        return self._distinct if isinstance(self._distinct, tuple) else None

    def _over_distinct(self, benefit: bool) -> tuple[np.ndarray, np.ndarray] | bool:
        """Each label's place among the distinct labels and their block (`LabelSpace.block` with
        or without the benefit of the doubt), or False when there are more than `FULL_BLOCK`."""
        reps = np.unique(self.space.same_as)
        if len(reps) > FULL_BLOCK:
            return False
        return np.searchsorted(reps, self.space.same_as), self.space.block(reps, reps, benefit=benefit)

    def item_matrix(self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray) -> np.ndarray:
        """Label similarity between any labels of the comparison (indexes into `space.items`,
        i.e. `offset[view] + node`), with the same catalogue-code and type rules as
        `label_matrix`: the fast path compares distinct labels, not pairs of variants."""
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        S = self.space.block(r, c)
        if len(r) and len(c):
            codes = np.concatenate(self._codes) if self._codes else np.zeros(0, dtype=object)
            types = np.concatenate(self._types) if self._types else np.zeros(0, dtype=np.int64)
            once = np.concatenate(self._once) if self._once else np.zeros(0, dtype=bool)
            S = self._rules(S, codes[r], codes[c], types[r], types[c], once[r], once[c])
        return S

    def _rules(self, S: np.ndarray, ca: np.ndarray, cb: np.ndarray, ta: np.ndarray, tb: np.ndarray,
               oa: np.ndarray, ob: np.ndarray) -> np.ndarray:
        """Two steps citing one catalogue code meet at `code_floor` at least, unless either flow
        cites that code for another step too (`oa`, `ob`: cited once, `_cited_once`; then the
        labels decide which of the two steps it is); different codes never meet; incompatible
        types (a task and a gateway) never meet."""
        has = (ca != "")[:, None] & (cb != "")[None, :]
        if has.any():  # most labels cite no code: then there is nothing to compare
            same = ca[:, None] == cb[None, :]
            fl = self.options.code_floor
            S = np.where(has & same & oa[:, None] & ob[None, :], fl + (1 - fl) * S, S)
            S = np.where(has & ~same, 0.0, S)
        compat = _COMPAT_TABLE[ta[:, None], tb[None, :]]
        return np.where(compat, S, 0.0)

    def align(self, i: int, j: int) -> PairAlignment:
        """Correspondences between views i and j (1:1 plus 1:n), with the label matrix.

        Label similarity with neighbour, lane and position context (C0) first. Then the flow
        order as evidence: the heaviest chain of candidate pairs that never cross in the two
        flows' order (sequence alignment over the flow order, as Needleman–Wunsch without gap
        costs) gains `sequence`; its confident pairs become anchors, and a pair that crosses
        anchors loses up to `order` while a pair alone together in a gap between anchors gains
        up to `gap`. The final 1:1 assignment (Hungarian) may still cross the chain where the
        labels insist (two cities that swap two steps). So a weakly worded step in the right
        place is matched, and a look-alike in the wrong place is not.
        """
        va, vb = self.views[i], self.views[j]
        o = self.options
        S = self.label_matrix(i, j)
        n, m = S.shape
        if n == 0 or m == 0:
            return PairAlignment(va.variant, vb.variant, [], S)
        wording = self.wording()
        # a comparison worded apart on the whole lifts every pair by its scale, not the pair's own
        shortfall = wording.shortfall if wording.apart else self._shortfall(S)
        C0 = self._combined(i, j, S, shortfall)
        C = C0
        crossing = np.zeros_like(S)
        if o.sequence or o.order or o.gap:
            weight = np.where(S >= o.min_label, np.maximum(C0 - o.min_label, 0.0), 0.0)
            chain = _sequence_alignment(va.position, vb.position, weight)
            in_chain = np.zeros_like(S)
            for a, b in chain:
                in_chain[a, b] = 1.0
            anchors = [(a, b) for a, b in chain if C0[a, b] >= o.anchor]
            # the chain breaks ties: it lifts a pair only where its row or column has another
            # candidate, so it never creates a match that the labels and context did not offer
            cand = (S >= o.min_label) & (C0 >= o.threshold)
            contested = (cand.sum(axis=1)[:, None] > 1) | (cand.sum(axis=0)[None, :] > 1)
            C = C0 + o.sequence * in_chain * contested
            if anchors:
                crossing, G = _order_evidence(va, vb, anchors)
                # the gap vouches for place, not meaning: it lifts in proportion to the labels
                C = C - o.order * crossing + o.gap * G * S
        pairs = self._assign(S, C)
        ordered = np.where(crossing > 0, -np.inf, C)
        fill = bool(o.place_fill) and (o.places_everywhere or shortfall > 0 or wording.apart)
        # the lanes' roles as the labels' own pairs give them, read where the place will pair
        roles = (o.lane_role * _lane_roles(self._lane_idx[i], self._lane_idx[j],
                                           [(p.a, p.b) for p in pairs if p.label >= o.role_anchor])
                 if o.lane_role and fill else None)
        if o.place_fill and o.places_everywhere:
            # the 1:n rules read what the labels paired, and the place fills only what neither
            # took: a step the 1:n rules join to its neighbour's partner (a split step) is not
            # left over. (Between English flows worded apart the place fills first: the same
            # order there moved en-dev up, en-dev2 not at all, so it was not taken.)
            many = self._one_to_many(va, vb, S, ordered, pairs)
            pairs.extend(self._fill_by_place(i, j, S, C, pairs, many, roles))
            pairs.extend(many)
        else:
            if fill:
                pairs.extend(self._fill_by_place(i, j, S, C, pairs, roles=roles))
            pairs.extend(self._one_to_many(va, vb, S, ordered, pairs))
        pairs.sort(key=lambda p: (p.a, p.b))
        return PairAlignment(va.variant, vb.variant, pairs, S)

    def _assign(self, S: np.ndarray, C: np.ndarray) -> list[Correspondence]:
        """Optimal 1:1 assignment over the candidates (label ≥ min_label, combined ≥ threshold)."""
        o = self.options
        cand = (S >= o.min_label) & (C >= o.threshold)
        # maximise the total gain over the threshold; pairs without gain cost nothing, so the
        # solver is never forced into a bad pair to complete a rectangular assignment
        gain = np.where(cand, C - o.threshold + 1e-6, 0.0)
        rows, cols = linear_sum_assignment(-gain)
        keep = cand[rows, cols]
        rows, cols = rows[keep], cols[keep]
        return [Correspondence(r, c, score, label) for r, c, score, label
                in zip(rows.tolist(), cols.tolist(), C[rows, cols].tolist(), S[rows, cols].tolist(), strict=True)]

    def _combined(self, i: int, j: int, S: np.ndarray, shortfall: float) -> np.ndarray:
        """Label similarity with neighbour, lane and position context, lifted by the pair's
        `shortfall` (`_shortfall`, measured once by the caller, which also reads it)."""
        o = self.options
        n, m = S.shape
        # S extended with the implicit start (row/col n) and end (n+1), which always correspond
        X = np.zeros((n + 2, m + 2))
        X[:n, :m] = S
        X[n, m] = 1.0
        X[n + 1, m + 1] = 1.0
        ua, ub = self._adj[i], self._adj[j]
        # neighbours regardless of direction, so two swapped steps keep their context
        N = _best_match(ua, ub, X)
        # neighbours that agree less than half count against a pair, but only down to what the
        # two flows' labels usually reach: where two cities word every step their own way
        # (each step's best counterpart scores 0.3), weak neighbours are the norm, not evidence
        # each step's best label similarity in the other flow: the scale of the two flows' wording
        best_a, best_b = (S.max(axis=1), S.max(axis=0)) if S.size else (np.zeros(0), np.zeros(0))
        typical = 0.5 * (float(best_a.mean()) + float(best_b.mean())) if S.size else 0.5
        C = S + o.context * (N - min(0.5, typical))
        li, lj = self._lane_idx[i], self._lane_idx[j]
        if self.lane_sim.size and (li >= 0).any() and (lj >= 0).any():
            L = self.lane_sim[np.clip(li, 0, None)][:, np.clip(lj, 0, None)]
            known = (li >= 0)[:, None] & (lj >= 0)[None, :]
            C = C + np.where(known, o.lane * (L - 0.5), 0.0)
        P = 1.0 - np.abs(self.views[i].position[:, None] - self.views[j].position[None, :])
        C = C + o.position * (P - 0.5)
        return C + shortfall

    def _shortfall(self, S: np.ndarray) -> float:
        """How far the two flows' best-matched tenth of steps falls short of `apart`: above 0,
        the two organisations word everything their own way (see `apart`)."""
        o = self.options
        if not (o.apart and S.size):
            return 0.0
        return max(0.0, o.apart - _best_tenth(S))

    def wording(self) -> Wording:
        """How the comparison's flows are worded (`apart_share`): whether at least that share of
        the pairs among its flows (up to `WORDING_SAMPLE`, spread evenly) fall short of `apart`,
        and then the median pair's shortfall. Decided once per comparison: a Dask worker's
        matcher has the same flows and decides the same, and the fast path hands its sample's
        answer to the matcher of all variants (`MatchOptions.wording`): the same flows, read with
        the sample's word weights, so beyond 24 variants its answer may differ a little from the
        exact path's. Japanese flows are paired by place everywhere already and keep each pair's
        own scale."""
        if self._wording is None:
            o = self.options
            tenths: list[float] = []
            if o.apart and o.apart_share and o.place_fill and not o.places_everywhere:
                for i, j in combinations(sample_indexes(len(self.views), WORDING_SAMPLE), 2):
                    S = self.label_matrix(i, j)
                    if S.size:
                        tenths.append(_best_tenth(S))
            short = sum(t < o.apart for t in tenths)
            if tenths and short >= o.apart_share * len(tenths):
                self._wording = Wording(True, max(0.0, o.apart - float(np.median(tenths))))
            else:
                self._wording = Wording()
        return self._wording

    def _said(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """What the labels `rows` and `cols` (indexes into `space.items`) say they share, without
        the benefit of the doubt (`LabelSpace.block(benefit=False)`): sliced from one block over
        the distinct labels, computed once per comparison (`_distinct_block`; every pair of
        Japanese flows asks for its left-over steps, and a block per pair cost 0.5 s at 26 × 60)."""
        if self._said_block is None:
            self._said_block = self._over_distinct(benefit=False)
        if not isinstance(self._said_block, tuple):
            return self.space.block(rows, cols, benefit=False)
        at, M = self._said_block
        return M[np.ix_(at[rows], at[cols])]

    def _own_channels(self, i: int, nodes: np.ndarray) -> np.ndarray:
        """The channels other than the counter (post, online, a kiosk, the night desk) that the
        steps `nodes` of view i name ("" for none): the counter is where every city takes and
        hands over by default, so naming it does not set a step apart."""
        own = self._channels[i]
        if own is None:
            own = self._channels[i] = np.array(
                [" ".join(c for c in self.space.items[self.offset[i] + k].channel.split() if c != "counter")
                 for k in range(self.views[i].size)], dtype=object)
        return own[nodes]

    def _fill_by_place(self, i: int, j: int, S: np.ndarray, C: np.ndarray, pairs: Sequence[Correspondence],
                       many: Sequence[Correspondence] = (), roles: np.ndarray | None = None) -> list[Correspondence]:
        """Between flows worded apart, pair the steps the assignment left over by their place.

        Four organisations that word a procedure each in their own voice still run it in much the
        same order (the request is logged, checked, decided, answered), and their labels meet on
        a lower scale than the threshold is set for (Capture of invoice in TechnologyOne / Key the
        invoice into SAP: one word in common). The steps left between the correspondences are
        paired by the heaviest chain that keeps both flows' order (`_sequence_alignment`), each
        pair weighed by how much its label similarity exceeds `place_fill` × its distance in
        the flows, and never crossing a correspondence already made. Flows that share their
        wording never come here (`_shortfall` is 0), so a left-over step there stays a
        deviation. Two flows with no correspondence at all give no frame to trust their places
        in: nothing is paired.

        Japanese flows are paired so between any two flows (`ja_place`), and then by what their
        labels share: a pair whose labels reach the cut was decided by them (the assignment left
        it for its context), and a head the vocabulary does not know is no evidence here (the
        label model gives it the benefit of the doubt, `ja_unknown`, which would pair any two
        steps in place: 月締め / 残りの日数を休暇簿で計算します). Nor does a step that names a
        channel of its own pair by place with one that does not (`_own_channels`), and the steps
        the 1:n rules took are not left over (`align`). `roles` (`lane_role`, weighed) moves each
        pair's margin by how well its two lanes play one role in the pairs already made."""
        if not pairs:
            return []
        va, vb = self.views[i], self.views[j]
        used_a = {p.a for p in (*pairs, *many)}
        used_b = {p.b for p in (*pairs, *many)}
        ra = np.array([a for a in range(S.shape[0]) if a not in used_a and va.nodes[a].type != "gateway"], dtype=np.int64)
        rb = np.array([b for b in range(S.shape[1]) if b not in used_b and vb.nodes[b].type != "gateway"], dtype=np.int64)
        if not ra.size or not rb.size:
            return []
        crossing, _ = _order_evidence(va, vb, [(p.a, p.b) for p in (*pairs, *many)])
        sub = np.ix_(ra, rb)
        shares = S[sub]
        if self.options.places_everywhere:
            said = self._rules(self._said(ra + self.offset[i], rb + self.offset[j]), self._codes[i][ra],
                               self._codes[j][rb], self._types[i][ra], self._types[j][rb], self._once[i][ra],
                               self._once[j][rb])
            shares = np.where(shares < self.options.threshold, said, 0.0)
            # a step on a channel of its own sits in place beside the counter's (a branch some
            # cities lack): it pairs by place only with a step on the same channel
            ca, cb = self._own_channels(i, ra), self._own_channels(j, rb)
            shares = np.where(ca[:, None] == cb[None, :], shares, 0.0)
        distance = np.abs(va.position[ra][:, None] - vb.position[rb][None, :])
        margin = shares - self.options.place_fill * distance
        if roles is not None:
            margin = margin + roles[sub]
        # 0 where the rules forbid a pair (different codes, a task and a gateway)
        weight = np.where((crossing[sub] == 0) & (shares > 0) & (margin >= 0), margin + 1e-6, 0.0)
        return [Correspondence(int(ra[r]), int(rb[c]), float(C[ra[r], rb[c]]), float(S[ra[r], rb[c]]))
                for r, c in _sequence_alignment(va.position[ra], vb.position[rb], weight)]

    def _one_to_many(
        self, va: VariantView, vb: VariantView, S: np.ndarray, C: np.ndarray, pairs: list[Correspondence]
    ) -> list[Correspondence]:
        o = self.options
        a_of = {p.b: p.a for p in pairs}
        b_of = {p.a: p.b for p in pairs}
        extra: list[Correspondence] = []
        # (i) a left-over step as close to a matched partner as the matched step is
        for r in range(S.shape[0]):
            if r in b_of:
                continue
            for c in np.flatnonzero(S[r] >= o.split_min).tolist():
                if c in a_of and S[r, c] >= S[a_of[c], c] - o.split_margin and C[r, c] >= o.threshold:
                    extra.append(Correspondence(r, c, float(C[r, c]), float(S[r, c]), "1:n"))
        for c in range(S.shape[1]):
            if c in a_of:
                continue
            for r in np.flatnonzero(S[:, c] >= o.split_min).tolist():
                if r in b_of and S[r, c] >= S[r, b_of[r]] - o.split_margin and C[r, c] >= o.threshold:
                    extra.append(Correspondence(r, c, float(C[r, c]), float(S[r, c]), "1:n"))
        # (ii) a step whose label is covered by a matched step plus its direct neighbour
        extra.extend(self._concatenations(va, vb, S, pairs, a_of, b_of))
        # (iii) a left-over step whose best counterpart its own neighbour already took
        extra.extend(_neighbour_splits(va, vb, S, C, a_of, b_of, o.split_neighbour, o.threshold, o.split_min))
        seen: set[tuple[int, int]] = {(p.a, p.b) for p in pairs}
        out = []
        for e in extra:
            if (e.a, e.b) not in seen:
                seen.add((e.a, e.b))
                out.append(e)
        return out

    def _words(self, view: VariantView, node: int) -> set[str]:
        vi = next(i for i, v in enumerate(self.views) if v is view)
        return _words_of(self.space, self.offset[vi] + node)

    def _clause_cover(self, mine: str, left: str, compound: str, weights: SimilarityWeights) -> float:
        # a pure function of the three labels; cached because building its small label space
        # costs more than a whole alignment, and the same wordings meet again and again
        # (every variant against one pivot, or one city against all others)
        key = ("ja", mine, left, compound)
        if key not in self._joined:
            self._joined[key] = _clause_pairing(mine, left, clauses(compound), self.vocab, weights)
        return self._joined[key]

    def _joined_label(self, joined: str, compound: str, weights: SimilarityWeights) -> float:
        """Similarity of two steps' labels read together to a compound label (cached as above)."""
        key = ("en", joined, "", compound)
        if key not in self._joined:
            space = LabelSpace([features(joined, self.vocab), features(compound, self.vocab)], weights)
            self._joined[key] = float(space.block([0], [1])[0, 0])
        return self._joined[key]

    def _concatenations(
        self,
        va: VariantView,
        vb: VariantView,
        S: np.ndarray,
        pairs: list[Correspondence],
        a_of: dict[int, int],
        b_of: dict[int, int],
    ) -> list[Correspondence]:
        o = self.options
        out: list[Correspondence] = []
        weights = SimilarityWeights(use_idf=False, action_clash=self.options.action_clash)
        for p in pairs:
            for side, view, other, idx, partner in (("a", va, vb, p.a, p.b), ("b", vb, va, p.b, p.a)):
                # only a label that names two actions can stand for two steps
                pname = other.nodes[partner].name
                compound = self._compound.get(pname)
                if compound is None:
                    compound = self._compound[pname] = (len(clauses(pname)) > 1 if is_japanese(pname)
                                                        else bool(_COMPOUND.search(pname)))
                if not compound:
                    continue
                neighbours = [k for k in view.preds[idx] + view.succs[idx] if k >= 0]
                for k in neighbours:
                    if (side == "a" and k in b_of) or (side == "b" and k in a_of):
                        continue
                    # the left-over step must bring what the partner says and its own match lacks
                    fo = self._words(other, partner)
                    new = (self._words(view, k) & fo) - self._words(view, idx)
                    covered = len(new) / len(fo) if fo else 0.0
                    if covered < o.concat_cover:
                        continue
                    part = S[idx, partner] if side == "a" else S[partner, idx]
                    alone = S[k, partner] if side == "a" else S[partner, k]
                    if is_japanese(pname):
                        # a Japanese compound is read clause by clause (受付・本人確認 = 受付 +
                        # 本人確認): each step must be the best reading of a different clause
                        js = self._clause_cover(view.nodes[idx].name, view.nodes[k].name, pname, weights)
                        if js >= o.threshold:
                            a, b = (k, partner) if side == "a" else (partner, k)
                            out.append(Correspondence(a, b, js, float(alone), "1:n"))
                        continue
                    first, second = (idx, k) if k > idx else (k, idx)
                    joined = f"{view.nodes[first].name} {view.nodes[second].name}"
                    js = self._joined_label(joined, pname, weights)
                    if js >= o.threshold and js > part and js > alone:
                        a, b = (k, partner) if side == "a" else (partner, k)
                        out.append(Correspondence(a, b, js, float(alone), "1:n"))
        return out


#: how many correspondences a lane's role is read from (`_lane_roles`): one pair is a coincidence
ROLE_EVIDENCE = 2


def _lane_roles(la: np.ndarray, lb: np.ndarray, anchors: Sequence[tuple[int, int]]) -> np.ndarray:
    """How well each pair of steps' lanes play one role, read from correspondences the labels
    made (`anchors`), from −0.5 to 0.5; 0 where nothing is known.

    `la`, `lb` are the steps' lane indexes (−1 for none). Of the anchors that start in step a's
    lane or end in step b's, the share that join exactly these two lanes, less one half; read
    only where one of the two lanes has `ROLE_EVIDENCE` anchors or more (the larger count is the
    denominator, so a lane whose work the other city spreads over three lanes agrees with each
    in part). Read for steps the assignment left over, which are never anchors themselves.
    Flows with fewer than two lanes say nothing: one lane plays every role."""
    out = np.zeros((len(la), len(lb)))
    pairs = [(la[a], lb[b]) for a, b in anchors if la[a] >= 0 and lb[b] >= 0]
    if not pairs or len(set(la.tolist()) - {-1}) < 2 or len(set(lb.tolist()) - {-1}) < 2:
        return out
    M = np.zeros((int(la.max()) + 1, int(lb.max()) + 1))
    np.add.at(M, tuple(np.array(pairs).T), 1.0)
    row, col = M.sum(axis=1), M.sum(axis=0)
    ia, ib = np.clip(la, 0, None), np.clip(lb, 0, None)
    denom = np.maximum(row[ia][:, None], col[ib][None, :])
    known = (la >= 0)[:, None] & (lb >= 0)[None, :] & (denom >= ROLE_EVIDENCE)
    return np.where(known, M[np.ix_(ia, ib)] / np.maximum(denom, 1.0) - 0.5, 0.0)


def _cited_once(codes: np.ndarray) -> np.ndarray:
    """Whether each node cites a catalogue code that no other node of its flow cites. A code a
    flow cites for two steps names the kind of work both do (審査 for 転出証明書の記載を確認する and
    for an extra 添付書類の確認), not which of them another city's step is, so it lends no floor
    (`Matcher._rules`); it still keeps steps of different codes apart."""
    if not codes.size:
        return np.zeros(0, dtype=bool)
    _, at, count = np.unique(codes, return_inverse=True, return_counts=True)
    return (codes != "") & (count[at] == 1)


def _neighbour_splits(
    va: VariantView, vb: VariantView, S: np.ndarray, C: np.ndarray, a_of: dict[int, int], b_of: dict[int, int],
    minimum: float, threshold: float, ceiling: float,
) -> list[Correspondence]:
    """Split steps found by place: a step left over by the 1:1 assignment whose most similar
    step in the other flow is matched to the left-over step's own predecessor or successor is
    the second half of that activity (one city's 書類審査 is another's 記載事項の点検 followed by
    添付書類の確認). The join spreads along a run of left-over neighbours, never across a step
    matched elsewhere, and never onto a pair that crosses the order's anchors (C = -inf)."""
    if minimum >= 1.0 or not S.size:
        return []
    out: list[Correspondence] = []
    for view, M, Cm, taken_by, flip in ((va, S, C, a_of, False), (vb, S.T, C.T, b_of, True)):
        # other-side node → the nodes of this side that hold it (its 1:1 partner, then joiners)
        holders = {other: {mine} for other, mine in taken_by.items()}
        placed = set(taken_by.values())
        changed = True
        while changed:
            changed = False
            for r in range(M.shape[0]):
                if r in placed:
                    continue
                c = int(np.argmax(M[r]))
                held = holders.get(c)
                if held is None or M[r, c] < minimum or not Cm[r, c] >= threshold:
                    continue
                if held.isdisjoint(view.preds[r]) and held.isdisjoint(view.succs[r]):
                    continue
                if any(M[h, c] >= ceiling for h in held):
                    continue  # the neighbour already says all the partner says: no second half
                placed.add(r)
                held.add(r)
                changed = True
                a, b = (c, r) if flip else (r, c)
                out.append(Correspondence(a, b, float(Cm[r, c]), float(M[r, c]), "1:n"))
    return out


def _clause_pairing(mine: str, left: str, clauses: Sequence[str], vocab: Vocabulary, weights: SimilarityWeights) -> float:
    """The weaker of the two steps' similarities when each reads a different clause of the
    compound (the best such assignment); 0 when the compound has fewer than two clauses."""
    if len(clauses) < 2:
        return 0.0
    space = LabelSpace([features(x, vocab) for x in (mine, left, *clauses)], weights)
    M = space.block([0, 1], list(range(2, 2 + len(clauses))))
    best = 0.0
    for i in range(len(clauses)):
        for j in range(len(clauses)):
            if i != j:
                best = max(best, min(float(M[0, i]), float(M[1, j])))
    return best


def _words_of(space: LabelSpace, index: int) -> set[str]:
    return {f for f, w in space.items[index].words if w >= 1.0 and not f.startswith("~")}


def _implied(node: object) -> tuple[str, ...]:
    from .variant import implied_words

    return implied_words(node.step)  # type: ignore[attr-defined]


def _sequence_alignment(pos_a: np.ndarray, pos_b: np.ndarray, weight: np.ndarray) -> list[tuple[int, int]]:
    """The heaviest set of pairs (a, b) with weight > 0 that keeps the order of both flows (no two
    pairs cross), by dynamic programming over the nodes sorted by flow position. Row by row, the
    recurrence best[i][j] = max(best[i-1][j], best[i][j-1], best[i-1][j-1] + w) is one maximum
    and one running maximum over numpy arrays."""
    n, m = weight.shape
    oa = np.argsort(pos_a, kind="stable")
    ob = np.argsort(pos_b, kind="stable")
    W = weight[np.ix_(oa, ob)]
    best = np.zeros((n + 1, m + 1))
    for r in range(1, n + 1):
        prev = best[r - 1]
        take = np.maximum(prev[1:], prev[:-1] + W[r - 1])
        best[r, 1:] = np.maximum.accumulate(take)
    out: list[tuple[int, int]] = []
    r, c = n, m
    while r > 0 and c > 0:
        if best[r, c] == best[r - 1, c]:
            r -= 1
        elif best[r, c] == best[r, c - 1]:
            c -= 1
        else:
            if W[r - 1, c - 1] > 0:
                out.append((int(oa[r - 1]), int(ob[c - 1])))
            r -= 1
            c -= 1
    out.reverse()
    return out


def _gap_index(position: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """For every node, the number of anchors strictly before it in flow position (an anchor's
    own gap is the one that ends with it)."""
    cuts = np.sort(position[anchors])
    return np.searchsorted(cuts, position, side="left").astype(np.int64)


def _order_evidence(
    va: VariantView, vb: VariantView, anchors: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Order evidence for every node pair (a, b), from the anchors (x, y).

    O: how strongly the pair contradicts the anchors: with d anchors that a and b sit on
    different sides of (a before x in one flow, b after y in the other), d / (d + 1); anchors a
    node is unordered with (another branch, a loop) do not count; an anchor pair scores 0.
    G: 1/k when a and b lie in corresponding gaps between anchors (in flow position) and the
    larger of the two gaps holds k steps; 0 otherwise.

    The order-preservation evidence of sequence alignment, read off reachability so that it
    holds for branching flows (cf. Weidlich et al.'s behavioural profiles)."""
    xs = np.array([x for x, _ in anchors], dtype=np.int64)
    ys = np.array([y for _, y in anchors], dtype=np.int64)
    ra, rb = va.reach, vb.reach
    # +1: the node comes before the anchor; -1: after; 0: unordered (or both, in a loop)
    Ba = ra[:, xs].astype(np.int8) - ra[xs, :].T.astype(np.int8)
    Bb = rb[:, ys].astype(np.int8) - rb[ys, :].T.astype(np.int8)
    pa, na_ = (Ba > 0).astype(np.float64), (Ba < 0).astype(np.float64)
    pb, nb_ = (Bb > 0).astype(np.float64), (Bb < 0).astype(np.float64)
    disagree = pa @ nb_.T + na_ @ pb.T
    # crossings: a match that puts a before an anchor in one flow and after it in the other
    # contradicts that anchor; each crossing counts, with diminishing weight
    out = disagree / (disagree + 1.0)
    out[xs, ys] = 0.0
    # gaps: the anchors cut both flows (in flow position) into gaps; gap k holds the steps after
    # anchor k-1 up to anchor k itself. A pair in corresponding gaps of sizes p and q gains
    # 1 / max(p, q): a one-step gap on both sides is the strongest evidence there is.
    ka = _gap_index(va.position, xs)
    kb = _gap_index(vb.position, ys)
    size_a = np.bincount(ka, minlength=len(anchors) + 1)
    size_b = np.bincount(kb, minlength=len(anchors) + 1)
    same = ka[:, None] == kb[None, :]
    gap = np.where(same, 1.0 / np.maximum(size_a[ka][:, None], size_b[kb][None, :]), 0.0)
    return out, gap


def _adjacency(lists: list[list[int]], n: int) -> np.ndarray:
    """Neighbour lists as a padded index array over nodes + start (n) + end (n+1); padding is
    n + 2, which indexes a row/column of zeros in the extended similarity matrix."""
    width = max((len(ks) for ks in lists), default=0) or 1
    M = np.full((n, width), n + 2, dtype=np.int64)
    for r, ks in enumerate(lists):
        for c, k in enumerate(sorted(set(ks))):
            M[r, c] = n if k == -1 else n + 1 if k == -2 else k
    return M


def _best_match(na: np.ndarray, nb: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Neighbourhood similarity of every node pair: each neighbour's best counterpart,
    averaged over both sides (symmetric)."""
    Xp = np.zeros((X.shape[0] + 1, X.shape[1] + 1))
    Xp[:-1, :-1] = X
    pad_a, pad_b = X.shape[0], X.shape[1]
    va = (na != pad_a).astype(np.float64)  # (n, da)
    vb = (nb != pad_b).astype(np.float64)  # (m, db)
    ca = np.maximum(va.sum(axis=1), 1.0)
    cb = np.maximum(vb.sum(axis=1), 1.0)
    # best counterpart of every row x among b's neighbours, then summed over a's neighbours:
    # O(n·m·(da + db)), where gathering all neighbour pairs at once would be n·da·m·db (mined
    # nets fan out to dozens of transitions)
    to_b = np.zeros((Xp.shape[0], nb.shape[0]))  # x → best over the neighbours of b
    for j in range(nb.shape[1]):
        np.maximum(to_b, Xp[:, nb[:, j]], out=to_b)
    best_a = np.zeros((na.shape[0], nb.shape[0]))
    for i in range(na.shape[1]):
        best_a += to_b[na[:, i]] * va[:, i][:, None]
    to_a = np.zeros((na.shape[0], Xp.shape[1]))  # y → best over the neighbours of a
    for i in range(na.shape[1]):
        np.maximum(to_a, Xp[na[:, i], :], out=to_a)
    best_b = np.zeros((na.shape[0], nb.shape[0]))
    for j in range(nb.shape[1]):
        best_b += to_a[:, nb[:, j]] * vb[:, j][None, :]
    return 0.5 * (best_a / ca[:, None] + best_b / cb[None, :])

