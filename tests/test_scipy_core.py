"""compare calls two compiled scipy routines through `tamaflow.compare.scipy_core`, which loads
them without scipy.optimize's and scipy.cluster's package imports (a quarter of a cold compare).
The results must be scipy's public functions' results, bit for bit, ties included, on the fast
way and on the fallback (the public functions, for a scipy whose private modules moved)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.optimize import linear_sum_assignment as public_lsa
from scipy.spatial.distance import squareform

from tamaflow.compare import scipy_core


def _cost_matrices() -> list[np.ndarray]:
    """Square, wide, tall, empty-sided, with ties (rounded values, a constant block) and
    the negated gains compare passes (zeros below the cutoff)."""
    rng = np.random.default_rng(11)
    out = [rng.random((n, m)) for n, m in ((1, 1), (5, 5), (7, 3), (3, 9), (60, 58), (40, 61))]
    out += [np.round(rng.random((n, m)), 1) for n, m in ((12, 12), (9, 14), (20, 6))]
    gain = rng.random((30, 33))
    out.append(-np.where(gain >= 0.5, gain, 0.0))
    out.append(np.zeros((4, 6)))
    out.append(np.zeros((0, 3)))
    return out


def _similarities() -> list[np.ndarray]:
    """Symmetric similarity matrices with 1 on the diagonal, some with tied distances and
    identical variants."""
    rng = np.random.default_rng(5)
    out = []
    for k, decimals in ((2, None), (3, None), (8, None), (26, None), (26, 1), (12, 0), (40, 2)):
        m = rng.random((k, k))
        if decimals is not None:
            m = np.round(m, decimals)
        m = (m + m.T) / 2
        np.fill_diagonal(m, 1.0)
        out.append(m)
    return out


@pytest.fixture(params=["compiled", "fallback"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each test once through the compiled modules and once as if they were missing."""
    scipy_core._lsap.cache_clear()
    scipy_core._hierarchy.cache_clear()
    if request.param == "fallback":
        monkeypatch.setattr(scipy_core, "_extension", lambda name: None)
    yield request.param
    scipy_core._lsap.cache_clear()
    scipy_core._hierarchy.cache_clear()


def test_linear_sum_assignment_is_scipys(way: str) -> None:
    for cost in _cost_matrices():
        rows, cols = scipy_core.linear_sum_assignment(cost)
        expected_rows, expected_cols = public_lsa(cost)
        assert rows.tolist() == expected_rows.tolist() and cols.tolist() == expected_cols.tolist(), cost.shape


def test_average_linkage_is_scipys(way: str) -> None:
    for sim in _similarities():
        dist = np.clip(1.0 - sim, 0.0, 1.0)
        np.fill_diagonal(dist, 0.0)
        y = scipy_core.condensed(dist)
        assert y.tolist() == squareform(dist, checks=False).tolist()
        Z, order = scipy_core.average_linkage(y)
        expected = linkage(squareform(dist, checks=False), method="average")
        assert Z.tolist() == expected.tolist(), sim.shape
        assert order == leaves_list(expected).tolist()
    assert (scipy_core._hierarchy() is None) == (way == "fallback")  # the way the test names


def test_a_distance_that_is_not_finite_is_refused(way: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        scipy_core.average_linkage(np.array([0.5, np.nan, 0.2]))
