"""Issue 12 part 6: the fast path's k × k similarity matrices are computed in blocks of rows and
their Gram matrices over slices of columns (`compare.fastsim`), so a national procedure (2,917
variants) never holds more than a few k × k arrays; the peak-memory figures are in
benchmarks/national_library.py and docs/compare.md. Here: the blocks change no number, through
the CLI on generated variants, and the pieces they are made of are exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from clihelp import nationwide_set
from scipy import sparse
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.compare import fastsim
from tamaflow.compare.comparison import mean_matrix

#: above the fast path's sample (24), as in test_compare_fast.py
N = 36


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return nationwide_set(tmp_path_factory.mktemp("nationwide"), "jido-teate", N, 5)


def fast_json(generated: Path) -> str:
    r = CliRunner().invoke(app, ["compare", str(generated), "--format", "json", "--fast"])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_blocks_of_rows_give_the_same_json_as_one_block(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # N rows fit in one block by default; 1 cell makes a block of every row and a slice of
    # every column, 100 cells blocks of 2 rows (the last one short when N is odd)
    assert len(list(fastsim.row_blocks(N))) == 1
    whole = fast_json(generated)
    for cells in (1, 100, 7 * N):
        monkeypatch.setattr(fastsim, "BLOCK_CELLS", cells)
        assert len(list(fastsim.row_blocks(N))) == -(-N // max(1, cells // N))
        assert fast_json(generated) == whole, cells
    assert '"structural": [' in whole and '"behavioural": [' in whole


@pytest.mark.parametrize("k", [1, 5, 36, 101])
def test_row_blocks_cover_every_row_once(k: int) -> None:
    for cells in (1, 3 * k + 1, 10**6):
        rows = [i for r in fastsim.row_blocks(k, cells) for i in range(k)[r]]
        assert rows == list(range(k))


def test_the_gram_matrix_counts_exactly_whatever_the_slices() -> None:
    rng = np.random.default_rng(3)
    X = sparse.csr_matrix((rng.random((57, 400)) < 0.2).astype(np.float64))
    w = rng.integers(1, 3, 400).astype(np.float64)
    dense = X.toarray()
    want = (dense * w) @ dense.T
    # columns with one entry add to no pair of rows: the callers set the diagonal apart
    single = np.flatnonzero(dense.sum(axis=0) == 1)
    want_off = want - np.diag((dense[:, single] * w[single]).sum(axis=1))
    for cells in (1, 57 * 3, 10**6):
        got = fastsim._gram(X, w, cells)
        assert got.dtype == np.float32
        assert np.array_equal(got.astype(np.float64), want_off), cells
        assert np.array_equal(fastsim._gram(X, None, cells).astype(np.float64),
                              dense @ dense.T - np.diag(dense[:, single].sum(axis=1)))


def test_the_mean_matrix_is_numpys_mean() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 4):
        ms = [rng.random((40, 40)) for _ in range(n)]
        assert np.array_equal(mean_matrix(ms), np.mean(ms, axis=0))
