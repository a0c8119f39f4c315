"""The library API under `tamaflow compare`: processes in, one `Comparison` out (alignment,
similarity matrices, clustering, standard flow, deviations), plus its JSON-ready form.

The CLI and the benchmarks call `compare_processes`, so what is measured is what users get.
Depends on the model only; the catalogue arrives as `model.library.Activity` or plain names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..model.findings import TamaflowError
from ..model.library import Activity
from ..model.process import Process
from .align import Matcher, MatchOptions, PairAlignment, for_language, japanese_flows, match_vocabulary
from .deviations import Deviation, deviations
from .evidence import paired_apart, worded_apart
from .grouping import Group, clause_links, group, mean_position, witnesses_needed
from .labels import label_key
from .pairs import PairRunner, run_locally
from .similarity import MEASURES, Clustering, GedWeights, cluster
from .standard import Closeness, StandardFlow, derive_standard, group_nodes
from .variant import VariantView, build_view, node_type

if TYPE_CHECKING:
    from .pivot import Alternative

#: called with (pairs done, pairs in all) while the pairs of variants are aligned
PairProgress = Callable[[int, int], None]

#: how the variants are aligned: every pair (exact), through a pivot (fast), or by size (auto)
Method = Literal["auto", "exact", "fast"]
#: `auto` aligns every pair below this many variants and goes through a pivot from it on
#: (measured: docs/compare.md, "The fast path")
FAST_FROM = 60


def chosen_method(method: Method, variants: int) -> Literal["exact", "fast"]:
    """The path `method` takes for this many variants: `auto` picks by size (`FAST_FROM`)."""
    if method == "auto":
        return "fast" if variants >= FAST_FROM else "exact"
    return method


@dataclass(frozen=True, slots=True)
class CompareOptions:
    support: float = 0.5
    match: MatchOptions = field(default_factory=MatchOptions)
    ged: GedWeights = field(default_factory=GedWeights)
    #: skip the similarity measures and clustering (alignment only, e.g. for matching benchmarks)
    measures: bool = True
    #: all pairs (exact), through a pivot (fast, pivot.py), or by the number of variants (auto)
    method: Method = "auto"


@dataclass(slots=True)
class Comparison:
    variants: list[str]
    views: list[VariantView]
    pairs: dict[tuple[int, int], PairAlignment]
    #: groups in output order: the standard's steps first (in its order), then the rest
    groups: list[Group]
    similarity: dict[str, np.ndarray]
    clusters: Clustering
    standard: StandardFlow
    deviations: dict[str, list[Deviation]]
    japanese: bool
    options: CompareOptions
    #: the path that made it; "fast" writes the matrices with 3 decimals (its precision)
    method: str = "exact"
    #: (group, variant) → the best label similarity of a member worded apart from every other
    #: city's member of its group: the cells to check (`evidence.worded_apart`)
    review: dict[tuple[int, int], float] = field(default_factory=dict)
    #: (group, variant) → the share of the group's other cities whose pair alignment pairs that
    #: member with theirs, for the members most of them pair apart (`evidence.paired_apart`;
    #: exact path only): also cells to check
    unpaired: dict[tuple[int, int], float] = field(default_factory=dict)

    def to_check(self, gi: int, v: int) -> bool:
        """Whether variant v's step in group gi is a cell to check: worded apart from every
        other city's step there, or paired apart by most of them (`review`, `unpaired`)."""
        return (gi, v) in self.review or (gi, v) in self.unpaired

    def cells_to_check(self) -> set[tuple[int, int]]:
        """Every (group, variant) that `to_check` says yes to."""
        return self.review.keys() | self.unpaired.keys()

    def deviations_to_check(self) -> bool:
        """Whether any deviation sentence rests on a cell to check (`Deviation.check`): the
        renderers then print the legend for its mark."""
        return any(d.check for devs in self.deviations.values() for d in devs)

    def group_ids(self, g: Group) -> dict[str, str | list[str]]:
        """A group as the JSON contract writes it: variant id → step id (or ids for 1:n)."""
        out: dict[str, str | list[str]] = {}
        every = g.realised_by()
        for v in sorted(every):
            ids = [self.views[v].nodes[k].id for k in sorted(every[v])]
            out[self.variants[v]] = ids[0] if len(ids) == 1 else ids
        return out

    def standard_step_of(self, gi: int) -> str | None:
        return self.standard.step_of_group.get(gi)

    def to_dict(self) -> dict[str, object]:
        """The JSON contract: variants, similarity (measure → matrix), alignment (groups),
        deviations, standard; plus clusters and per-group details."""
        k = len(self.variants)
        if self.method == "fast":
            # k² numbers per measure: rounded in numpy, to the precision the fast path has
            sim = {m: np.round(self.similarity[m], 3).tolist() for m in self.similarity}
        else:
            sim = {m: [[round(float(x), 4) for x in row] for row in self.similarity[m]] for m in self.similarity}
        details = []
        for gi, g in enumerate(self.groups):
            entry: dict[str, object] = {
                "standard_step": self.standard_step_of(gi),
                "support": round(g.size() / k, 4),
                "labels": {self.variants[v]: self.views[v].nodes[ks[0]].name for v, ks in sorted(g.members.items())},
            }
            if g.merged:
                # steps that do this work inside a step of another group (受付・本人確認)
                entry["merged"] = {self.variants[v]: self.views[v].nodes[ks[0]].name for v, ks in sorted(g.merged.items())}
            weak = {self.variants[v]: best for v in sorted(g.members) if (best := self.review.get((gi, v))) is not None}
            if weak:
                # worded apart from every other city's step here: the cells to check
                entry["review"] = weak
            apart = {self.variants[v]: share for v in sorted(g.members) if (share := self.unpaired.get((gi, v))) is not None}
            if apart:
                # paired with another step (or none) by most of the other cities, pair by pair
                entry["unpaired"] = apart
            details.append(entry)
        std = self.standard
        lanes = {lane.id: lane.name for lane in std.process.lanes}
        return {
            "variants": self.variants,
            "files": {v: (view.process.path or "") for v, view in zip(self.variants, self.views, strict=True)},
            "similarity": sim,
            "clusters": {
                "order": [self.variants[i] for i in self.clusters.order],
                "merges": [
                    {"left": [self.variants[i] for i in a], "right": [self.variants[i] for i in b], "distance": h}
                    for a, b, h in self.clusters.merges
                ],
            },
            "alignment": [self.group_ids(g) for g in self.groups],
            "alignment_details": details,
            "standard": {
                "process": std.process.process,
                "name": std.process.name,
                "support": std.support,
                "channels": list(std.process.channels),
                "steps": [
                    {
                        "id": s.id,
                        "name": s.name,
                        "type": node_type(s),
                        "lane": lanes.get(s.lane or "", None),
                        "support": next((round(x.support, 4) for x in std.steps if x.step.id == s.id), None),
                    }
                    for s in std.process.steps
                ],
            },
            "deviations": {v: [d.to_dict() for d in self.deviations.get(v, [])] for v in self.variants},
        }


def catalogue_names(activities: Mapping[str, Activity]) -> dict[str, list[str]]:
    """code → [name, synonyms…] of the catalogue's activities (the names a step may match)."""
    return {code: [str(x) for x in ([act.name] if act.name else []) + list(act.synonyms)]
            for code, act in activities.items()}


def compare_processes(
    processes: Sequence[Process],
    catalogue: Mapping[str, Sequence[str]] | None = None,
    options: CompareOptions | None = None,
    progress: PairProgress | None = None,
    runner: PairRunner | None = None,
) -> Comparison:
    """Compare the variants of one procedure: alignment, similarity, clusters, standard flow and
    deviations.

    Parameters
    ----------
    processes : sequence of Process
        One model per city. Variant ids are the processes' `city` (the file stem for BPMN and
        PNML); two processes with the same id are a usage error (TF000).
    catalogue : mapping of str to sequence of str, optional
        Activity code → the names that denote it (`catalogue_names`); steps whose labels equal a
        name, or that cite the code with `standard:`, match through it.
    options : CompareOptions, optional
        Support threshold of the standard flow, matcher knobs (`MatchOptions`), the structural
        measure's weights, and whether to compute the similarity measures at all.
    progress : callable, optional
        Called with (pairs done, pairs in all) after every pairwise alignment.
    runner : PairRunner, optional
        Where the pairs are aligned and measured (`pairs.run_locally` by default; a Dask runner
        gives the same results on a cluster).

    Returns
    -------
    Comparison
        Its `to_dict()` is the JSON contract of `tamaflow compare --format json`.

    Notes
    -----
    Every pair of variants is aligned (docs/compare.md: labels as language, then structure as
    evidence, then a 1:1 assignment and 1:n for merged and split steps); the pairwise
    correspondences are grouped across variants strongest first; groups with enough support
    form the standard flow; deviations are read off the groups.

    References
    ----------
    See docs/references.md: [Kuhn], [NW], [Flooding], [Dijkman], [Weidlich], [LaRosa].
    """
    o = options or CompareOptions()
    if not 0.0 < o.support <= 1.0:
        raise TamaflowError(f"support (the share of variants a standard step needs) must be in (0, 1], got {o.support:g}",
                            code="TF000")
    seen: dict[str, str] = {}
    for p in processes:
        if p.variant in seen:
            raise TamaflowError(
                f"two models for the variant `{p.variant}`: {seen[p.variant]} and {p.path or '?'} (compare one file per city)",
                p.path or "", 1, 1, "TF000")
        seen[p.variant] = p.path or "?"
    views = [build_view(p) for p in processes]
    variants = [v.variant for v in views]
    k = len(views)
    method = chosen_method(o.method, k)
    japanese = japanese_flows(views)
    o = replace(o, match=for_language(o.match, japanese))
    vocab = match_vocabulary(catalogue, o.match)
    ties: list[tuple[int, int, int]] = []
    pairs: dict[tuple[int, int], PairAlignment] = {}  # the fast path aligns no pair of variants
    if method == "fast":
        from .pivot import align_through_pivot

        fast = align_through_pivot(views, vocab, o.match, o.ged if o.measures else None, progress)
        groups, ties = fast.groups, fast.merged
        labels, first = fast.matcher, 1  # the pivot is its view 0
        sims = _fast_measures(fast.matcher, views, fast.measured or groups, o.ged, fast.exact,
                              fast.alternatives) if o.measures else {}
    else:
        labels, first = Matcher(views, vocab, o.match), 0
        matcher = labels
        pairs, sims = _all_pairs(matcher, o, progress, runner)
        groups = group(matcher, pairs)
    mean = mean_matrix([sims[m] for m in MEASURES]) if sims else np.eye(k)
    if sims:
        sims["mean"] = mean
    clusters = cluster(mean) if sims else Clustering(list(range(k)), [])
    std = derive_standard(views, groups, o.support, _closeness(labels, first))
    # output order: standard steps first in standard order, then the rest by position
    kept_order = {gi: r for r, gi in enumerate(std.order)}
    order = sorted(
        range(len(groups)),
        key=lambda gi: (
            0 if gi in kept_order else 1,
            kept_order.get(gi, 0),
            round(mean_position(views, groups[gi]), 6),
            -groups[gi].size(),
            min((v, min(ks)) for v, ks in groups[gi].members.items()),
        ),
    )
    remap = {old: new for new, old in enumerate(order)}
    groups_sorted = [groups[gi] for gi in order]
    std.step_of_group = {remap[g]: sid for g, sid in std.step_of_group.items()}
    std.order = [remap[g] for g in std.order]
    std.relation = {(remap[a], remap[b]): r for (a, b), r in std.relation.items()}
    for s in std.steps:
        s.group = remap[s.group]
    if method == "fast":
        links: dict[tuple[int, int], set[int]] = {}
        for v, x, gi in ties:
            if v not in groups_sorted[remap[gi]].members:
                links.setdefault((v, remap[gi]), set()).add(x)
    else:
        links = _merged_links(pairs, groups_sorted)
    # a step naming several actions ties to the activity one of its clauses names (both paths)
    for key, nodes in clause_links(views, vocab, o.match.action_clash, groups_sorted).items():
        links.setdefault(key, set()).update(nodes)
    review, unpaired = worded_apart(labels, groups_sorted, first), paired_apart(groups_sorted, pairs)
    devs = deviations(views, groups_sorted, std, japanese, links, review.keys() | unpaired.keys())
    for (v, gi), nodes in sorted(links.items()):
        groups_sorted[gi].merged[v] = sorted(nodes)
    return Comparison(variants, views, pairs, groups_sorted, sims, clusters, std, devs, japanese, o, method,
                      review, unpaired)


def _closeness(matcher: Matcher, first: int) -> Closeness:
    """The matcher's label similarity among steps given as (variant, node): variant v is its
    view `first + v` (the fast path's matcher holds its pivot first)."""

    def among(steps: Sequence[tuple[int, int]]) -> np.ndarray:
        items = [matcher.offset[first + v] + k for v, k in steps]
        return matcher.item_matrix(items, items)

    return among


def mean_matrix(matrices: Sequence[np.ndarray]) -> np.ndarray:
    """The element-wise mean of the measures' matrices, summed in place: the same numbers as
    `np.mean(matrices, axis=0)` (which adds them in this order and divides once) without stacking
    them into one array of three k × k (at 2,917 variants 200 MB)."""
    out = matrices[0] + matrices[1] if len(matrices) > 1 else matrices[0].copy()
    for m in matrices[2:]:
        out += m
    out /= len(matrices)
    return out


def _all_pairs(matcher: Matcher, o: CompareOptions, progress: PairProgress | None,
               runner: PairRunner | None) -> tuple[dict[tuple[int, int], PairAlignment], dict[str, np.ndarray]]:
    """The exact path: every pair of variants aligned and measured (through `runner`)."""
    k = len(matcher.views)
    pairs: dict[tuple[int, int], PairAlignment] = {}
    sims = {m: np.eye(k) for m in MEASURES}
    todo = [(i, j) for i in range(k) for j in range(i + 1, k)]
    run = runner or run_locally
    for done, res in enumerate(run(matcher, todo, o.ged if o.measures else None), start=1):
        pairs[(res.i, res.j)] = res.alignment
        for m, x in res.measures.items():
            sims[m][res.i, res.j] = sims[m][res.j, res.i] = x
        if progress is not None:
            progress(done, len(todo))
    pairs = dict(sorted(pairs.items()))  # a runner may answer in any order; grouping needs one
    if o.measures:
        for i in range(k):  # a variant against itself: 1 by definition (identity)
            for m in MEASURES:
                sims[m][i, i] = 1.0
        return pairs, sims
    return pairs, {}


def _fast_measures(matcher: Matcher, views: Sequence[VariantView], groups: Sequence[Group],
                   ged: GedWeights, exact: Mapping[tuple[int, int], Mapping[str, float]],
                   alternatives: Sequence[Alternative] = ()) -> dict[str, np.ndarray]:
    """The fast path's three measures for every pair at once (fastsim.py), calibrated on the
    sample's exact values (`fastsim.calibrate`), 1 on the diagonal."""
    from .fastsim import behavioural_all, calibrate, node_matching_all, node_sums, structural_all

    total, count = node_sums(matcher, 1, views, groups, ged.cutoff, alternatives)
    sizes = np.array([v.size for v in views], dtype=np.float64)
    node = node_matching_all(total, sizes)
    structural = structural_all(views, groups, count, total, ged)
    del total, count  # two k × k matrices, not needed by the behavioural measure
    sims = {"node": node, "structural": structural, "behavioural": behavioural_all(views, groups, alternatives)}
    for name, m in sims.items():
        calibrate(m, {ij: x[name] for ij, x in exact.items()})
        np.fill_diagonal(m, 1.0)
    return sims


def _merged_links(pairs: Mapping[tuple[int, int], PairAlignment], groups: Sequence[Group]) -> dict[tuple[int, int], set[int]]:
    """(variant, group) → the variant's nodes that a 1:n correspondence ties to that group while
    they sit in another group: one step of the variant doing the work of two standard steps.
    A tie needs enough of the group's cities as witnesses (`grouping.witnesses_needed`)."""
    where: dict[tuple[int, int], int] = {}
    for gi, g in enumerate(groups):
        for v, ks in g.members.items():
            for k in ks:
                where[(v, k)] = gi
    # (variant, node, group) → the variants whose pair alignment ties the node to the group
    witnesses: dict[tuple[int, int, int], set[int]] = {}
    for (i, j), pa in pairs.items():
        for c in pa.pairs:
            if c.kind != "1:n":
                continue
            ga, gb = where.get((i, c.a)), where.get((j, c.b))
            if ga is None or gb is None or ga == gb:
                continue
            if i not in groups[gb].members:
                witnesses.setdefault((i, c.a, gb), set()).add(j)
            if j not in groups[ga].members:
                witnesses.setdefault((j, c.b, ga), set()).add(i)
    out: dict[tuple[int, int], set[int]] = {}
    for (v, x, target), seen in witnesses.items():
        if len(seen) >= witnesses_needed(len(groups[target].members)):
            out.setdefault((v, target), set()).add(x)
    return out


def correspondences(comp: Comparison, a: str, b: str) -> set[tuple[str, str]]:
    """All (step of a, step of b) pairs the alignment puts together.

    Parameters
    ----------
    comp : Comparison
    a, b : str
        Variant ids (cities).

    Returns
    -------
    set of (str, str)
        Step ids, one from each variant, that share an alignment entry; 1:n groups and merged
        steps are expanded into every pair. The matching benchmarks score this against a gold
        standard.
    """
    ia, ib = comp.variants.index(a), comp.variants.index(b)
    out: set[tuple[str, str]] = set()
    for g in comp.groups:
        every = g.realised_by()
        if ia in every and ib in every:
            for x in every[ia]:
                for y in every[ib]:
                    out.add((comp.views[ia].nodes[x].id, comp.views[ib].nodes[y].id))
    return out


__all__ = ["CompareOptions", "Comparison", "catalogue_names", "compare_processes", "correspondences",
           "label_key", "group_nodes"]
