"""Aligning and measuring pairs of variants: the unit of work of an all-pairs comparison.

`compare_processes` asks a `PairRunner` for the results of the pairs it needs. The default runs
them here, one after the other; another runner may run the same function elsewhere (a Dask
cluster) as long as it returns the same `PairResult`s. Keeping the unit of work in one function
is what makes a distributed run give the same bytes as a local one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from .align import Matcher, PairAlignment
from .similarity import GedWeights, behavioural, node_matching, structural


@dataclass(frozen=True, slots=True)
class PairResult:
    """The alignment of variants i < j and, unless measures are off, their similarity values."""

    i: int
    j: int
    alignment: PairAlignment
    #: measure name → similarity in [0, 1]; empty when the measures are not computed
    measures: dict[str, float]


#: runs `measure_pair` for every given pair and yields the results (in any order)
PairRunner = Callable[[Matcher, Sequence[tuple[int, int]], "GedWeights | None"], Iterable[PairResult]]


def measure_pair(matcher: Matcher, i: int, j: int, ged: GedWeights | None) -> PairResult:
    """Align variants i and j of `matcher` and, when `ged` is given, measure their similarity
    (node matching, structural and behavioural; docs/compare.md)."""
    pa = matcher.align(i, j)
    if ged is None:
        return PairResult(i, j, pa, {})
    va, vb = matcher.views[i], matcher.views[j]
    return PairResult(i, j, pa, {
        "node": node_matching(pa.label_sim, ged.cutoff),
        "structural": structural(va, vb, pa.label_sim, ged),
        "behavioural": behavioural(va, vb, pa),
    })


def run_locally(matcher: Matcher, pairs: Sequence[tuple[int, int]], ged: GedWeights | None) -> Iterator[PairResult]:
    """The default runner: every pair in this process, in the given order."""
    for i, j in pairs:
        yield measure_pair(matcher, i, j, ged)
