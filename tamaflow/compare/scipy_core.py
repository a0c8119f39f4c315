"""The two compiled scipy routines the exact compare path calls, without scipy's package imports.

`from scipy.optimize import linear_sum_assignment` runs all of `scipy/optimize/__init__.py`
(linprog, HiGHS, scipy.linalg, scipy.special, scipy.fft), and `scipy.cluster.hierarchy` pulls in
scipy.spatial and scipy.linalg besides: together about a quarter of a cold
`tamaflow compare` of 26 variants × 60 steps (benchmarks/bench_compare.py --cold), which needs
one C function from each. This module loads the two compiled extension modules by file,
`scipy/optimize/_lsap` (the Hungarian algorithm, Crouse's shortest augmenting path) and
`scipy/cluster/_hierarchy` (Müllner's nearest-neighbour chain), and calls them as scipy's own
wrappers do, so the results are scipy's, bit for bit. The loaded modules are the ones scipy uses
when it is imported later (same `sys.modules` entries), so nothing is loaded twice.

Those two modules are private to scipy. When the installed scipy does not have them where they
are looked for, the public functions are imported instead: slower to import, the same results.
tests/test_scipy_core.py checks both paths against the public functions, ties included.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np

#: scipy.cluster.hierarchy._LINKAGE_METHODS["average"]: the method code `nn_chain` takes
_AVERAGE = 2


def _extension(name: str) -> ModuleType | None:
    """The compiled module `name` (e.g. `scipy.optimize._lsap`) loaded from its file without
    running its package's `__init__`, or None when it is not there. An already loaded module is
    returned as it is."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return None
    *packages, leaf = name.split(".")[1:]
    for root in spec.submodule_search_locations:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(root, *packages, leaf + suffix)
            if not path.is_file():
                continue
            loader = importlib.machinery.ExtensionFileLoader(name, str(path))
            module_spec = importlib.util.spec_from_file_location(name, path, loader=loader)
            if module_spec is None:
                return None
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            try:
                loader.exec_module(module)
            except Exception:
                del sys.modules[name]
                return None
            return module
    return None


@cache
def _lsap() -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    module = _extension("scipy.optimize._lsap")
    function = getattr(module, "linear_sum_assignment", None)
    if callable(function):
        return function  # type: ignore[no-any-return]
    from scipy.optimize import linear_sum_assignment as public

    return public  # type: ignore[no-any-return]


def linear_sum_assignment(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`scipy.optimize.linear_sum_assignment(cost)` (minimum cost, rows ascending), from its
    compiled module: scipy's wrapper is that C function itself."""
    return _lsap()(cost)


@cache
def _hierarchy() -> ModuleType | None:
    module = _extension("scipy.cluster._hierarchy")
    if module is not None and callable(getattr(module, "nn_chain", None)) and callable(getattr(module, "prelist", None)):
        return module
    return None


def condensed(dist: np.ndarray) -> np.ndarray:
    """The upper triangle of a square distance matrix, row by row: what
    `scipy.spatial.distance.squareform(dist, checks=False)` returns."""
    k = dist.shape[0]
    return np.ascontiguousarray(dist[np.triu_indices(k, 1)], dtype=np.float64)


def average_linkage(y: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """`scipy.cluster.hierarchy.linkage(y, method="average")` of a condensed distance vector
    (finite, as `condensed` gives), and the dendrogram's leaf order (`leaves_list`)."""
    y = np.ascontiguousarray(y, dtype=np.float64)
    if not np.isfinite(y).all():
        raise ValueError("The condensed distance matrix must contain only finite values.")
    k = int(round((1 + np.sqrt(1 + 8 * len(y))) / 2))
    hierarchy = _hierarchy()
    if hierarchy is None:
        from scipy.cluster.hierarchy import leaves_list, linkage

        Z = linkage(y, method="average")
        return Z, [int(x) for x in leaves_list(Z)]
    Z = np.asarray(hierarchy.nn_chain(y, k, _AVERAGE))
    order = np.zeros(k, dtype=np.int32)
    hierarchy.prelist(Z, order, k)
    return Z, [int(x) for x in order]


__all__ = ["average_linkage", "condensed", "linear_sum_assignment"]
