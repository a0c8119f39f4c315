"""The three similarity measures of similarity.py for every pair of variants at once, read off
the groups of corresponding steps (the fast path, pivot.py), with matrix products instead of a
loop over pairs.

Each measure is rewritten as sums over the groups two variants share, and each such sum is a
product of a (variant × something) incidence matrix with its transpose:

- **node matching**: the mapping is "same group". Σ Sim over the mapped pairs is
  E · M · Eᵀ, with E the variant × (group, distinct label) incidence and M the block-diagonal
  label similarity of each group's distinct labels (below the cutoff: 0). 2·Σ / (|N1| + |N2|).
- **structural**: under the same mapping, mapped labelled nodes are E · [M ≥ cutoff] · Eᵀ, control
  nodes (start, end, gateways by kind) map by type, Σ_t min(count₁, count₂); edges are read
  in group space (a flow from group g to group h; a control node stands for its kind and rank in
  the file), and the edges two variants share are X · Xᵀ over the edge incidence X. Then
  Dijkman's distance with the same weights as the exact path.
- **behavioural**: each variant's profile over its groups (one step per group, the first), one
  column per (group g ≤ group h, relation); equal relations of two variants are the dot products
  of those one-hot rows. Jaccard as in the exact path: inter / (n₁² + n₂² − inter).

The exact path maps nodes with its own optimal assignment per pair; here the mapping is the
groups, so the figures differ a little (docs/compare.md has the measured difference). Where two
common groups are one activity worded two ways (`pivot.Alternative`), a variant with a step in
one only and a variant with a step in the other only map those two steps to each other too, as
their pairwise alignment does: node sums and behavioural relations add one dense block per such
pair of groups (`_across`).

Memory: the results are k × k, but nothing else is. Every k × k figure is computed in blocks of
rows (`row_blocks`), so its temporaries are a block × k each, and the Gram matrices are counted
in float32 over slices of columns (`_gram`): all their entries are whole numbers below 2²⁴, so
float32 holds them exactly and the result does not depend on the block or slice sizes. At a
national 2,917 variants one k × k float64 matrix is 68 MB; computed whole, structural similarity
alone held about ten of them at once.
Depends on numpy and scipy, and on the groups and views only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from .align import Matcher
from .grouping import Group
from .similarity import GedWeights
from .variant import VariantView, control_kind

if TYPE_CHECKING:
    from .pivot import Alternative

#: cells of a k × k matrix computed at once (`row_blocks`): 8 MiB per float64 temporary
BLOCK_CELLS = 1 << 20


def row_blocks(k: int, cells: int | None = None) -> Iterator[slice]:
    """Consecutive slices of rows of a k × k matrix, about `cells` (default `BLOCK_CELLS`) cells
    each, at least one row."""
    step = max(1, (cells or BLOCK_CELLS) // max(k, 1))
    for r0 in range(0, k, step):
        yield slice(r0, min(k, r0 + step))


def _gram(X: sparse.csr_matrix, weights: np.ndarray | None = None, cells: int | None = None) -> np.ndarray:
    """X · diag(weights) · Xᵀ as a dense float32 matrix, for X of zeros and ones and whole
    `weights` (None: all 1): how many columns (of what weight) two rows share.

    Columns with fewer than two entries are dropped first (they add to no pair of rows; the
    diagonal is set apart by the callers). The product is summed over slices of about `cells`
    dense cells of X (default `BLOCK_CELLS`), so X is never dense whole. Every partial sum is a whole number below 2²⁴,
    exact in float32, so the result is the same whatever the slices."""
    k = X.shape[0]
    X = X.tocsc()
    keep = np.flatnonzero(np.diff(X.indptr) >= 2)
    out = np.zeros((k, k), dtype=np.float32)
    step = max(1, (cells or BLOCK_CELLS) // max(k, 1))
    for c0 in range(0, keep.size, step):
        cols = keep[c0:c0 + step]
        D = X[:, cols].astype(np.float32).toarray()
        if weights is None:
            out += D @ D.T
        else:
            out += (D * weights[cols].astype(np.float32)) @ D.T
    return out


def _first(g: Group, v: int) -> int:
    return g.members[v][0]


def node_sums(matcher: Matcher, offset: int, views: Sequence[VariantView], groups: Sequence[Group],
              cutoff: float, alternatives: Sequence[Alternative] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(Σ Sim, number of mapped pairs with Sim ≥ cutoff) for every pair of variants, mapping each
    variant's first step of a group to the other's. `offset`: index of views[0] in the matcher."""
    k = len(views)
    rows: list[int] = []
    cols: list[int] = []
    blocks: list[np.ndarray] = []
    width = 0
    for g in groups:
        if len(g.members) < 2:
            continue
        item: dict[tuple[str, str, bool], int] = {}
        reps: list[int] = []
        for v in sorted(g.members):
            x = _first(g, v)
            gl = matcher.offset[offset + v] + x
            key = (str(matcher.space.keys[gl]), str(matcher._codes[offset + v][x]),
                   bool(matcher._once[offset + v][x]))
            if key not in item:
                item[key] = len(reps)
                reps.append(gl)
            rows.append(v)
            cols.append(width + item[key])
        S = matcher.item_matrix(reps, reps)
        blocks.append(S)
        width += len(reps)
    total = np.zeros((k, k))
    count = np.zeros((k, k))
    if not blocks:
        return total, count
    E = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(k, width))
    M = sparse.block_diag([np.where(b >= cutoff, b, 0.0) for b in blocks], format="csr")
    C = sparse.block_diag([(b >= cutoff).astype(np.float64) for b in blocks], format="csr")
    Et = E.T.tocsr()
    # by rows: a sparse product row depends on that row alone, so blocks give the same numbers
    for r in row_blocks(k):
        total[r] = (E[r] @ M @ Et).toarray()
        count[r] = (E[r] @ C @ Et).toarray()
    for alt in alternatives:
        # a g-only and an h-only variant: their steps there are one mapped pair (`pivot.Alternative`)
        gain = np.where(alt.sim >= cutoff, alt.sim, 0.0)
        for out, add in ((total, gain), (count, (gain > 0).astype(np.float64))):
            out[np.ix_(alt.only_g, alt.only_h)] += add
            out[np.ix_(alt.only_h, alt.only_g)] += add.T
    return total, count


def node_matching_all(total: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """2·Σ Sim / (n₁ + n₂) for every pair (1 for two empty variants, 0 against an empty one)."""
    out = np.empty(total.shape)
    for r in row_blocks(len(sizes)):
        den = sizes[r, None] + sizes[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[r] = np.where(den > 0, 2.0 * total[r] / np.where(den > 0, den, 1.0), 1.0)
    return np.clip(out, 0.0, 1.0, out=out)


def structural_all(views: Sequence[VariantView], groups: Sequence[Group], count: np.ndarray,
                   total: np.ndarray, w: GedWeights) -> np.ndarray:
    """1 − Dijkman's graph-edit distance for every pair, under the group mapping."""
    k = len(views)
    where: list[dict[int, int]] = [{} for _ in views]
    for gi, g in enumerate(groups):
        for v, ks in g.members.items():
            for x in ks:
                where[v].setdefault(x, gi)
    kinds: dict[str, int] = {}
    ctrl_rows: list[int] = []
    ctrl_cols: list[int] = []
    edge_ids: dict[tuple[str, str], int] = {}
    e_rows: list[int] = []
    e_cols: list[int] = []
    n_nodes = np.zeros(k)
    n_edges = np.zeros(k)
    for v, view in enumerate(views):
        graph = view.graph
        seen: dict[str, int] = {}
        token: dict[str, str] = {}
        for node in graph.nodes:
            if node in view.index_of:
                token[node] = f"g{where[v].get(view.index_of[node], -1)}"
                continue
            kind = control_kind(view, node)
            if kind is None:
                token[node] = f"u:{node}"  # matches nothing; its own column
                continue
            rank = seen.get(kind, 0)
            seen[kind] = rank + 1
            token[node] = f"{kind}#{rank}"
            ctrl_rows.append(v)
            ctrl_cols.append(kinds.setdefault(kind, len(kinds)))
        n_nodes[v] = graph.number_of_nodes()
        n_edges[v] = graph.number_of_edges()
        for a, b in graph.edges:
            e_rows.append(v)
            e_cols.append(edge_ids.setdefault((token[a], token[b]), len(edge_ids)))
    # control nodes map by kind: min of the two counts per kind
    K = sparse.csr_matrix((np.ones(len(ctrl_rows)), (ctrl_rows, ctrl_cols)), shape=(k, len(kinds))).toarray()
    X = sparse.csr_matrix((np.ones(len(e_rows)), (e_rows, e_cols)), shape=(k, max(1, len(edge_ids))))
    X.sum_duplicates()
    X.data[:] = 1.0
    shared_all = _gram(X)
    wsum = w.skip_node + w.skip_edge + w.substitute
    out = np.empty((k, k))
    for r in row_blocks(k):
        ctrl = np.zeros((r.stop - r.start, k))
        for t in range(K.shape[1]):
            ctrl += np.minimum(K[r, t][:, None], K[:, t][None, :])
        shared = shared_all[r].astype(np.float64)
        mapped = count[r] + ctrl
        sub = count[r] - total[r]  # Σ (1 − Sim) over the mapped labelled pairs; control pairs cost nothing
        nn = n_nodes[r, None] + n_nodes[None, :]
        ee = n_edges[r, None] + n_edges[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            fskipn = np.where(nn > 0, (nn - 2 * mapped) / np.where(nn > 0, nn, 1.0), 0.0)
            fskipe = np.where(ee > 0, (ee - 2 * shared) / np.where(ee > 0, ee, 1.0), 0.0)
            fsubn = np.where(mapped > 0, sub / np.where(mapped > 0, mapped, 1.0), 0.0)
        dist = (w.skip_node * fskipn + w.skip_edge * fskipe + w.substitute * fsubn) / wsum
        out[r] = 1.0 - dist
    return np.clip(out, 0.0, 1.0, out=out)


def behavioural_all(views: Sequence[VariantView], groups: Sequence[Group],
                    alternatives: Sequence[Alternative] = ()) -> np.ndarray:
    """Jaccard of the behavioural profiles for every pair, relations compared group by group.

    `alternatives` (`pivot.alternatives`): pairs of groups g, h that are one activity worded two
    ways; a variant with a step in g only and one with a step in h only compare those two steps
    as one, as their pairwise alignment matches them (`_across`)."""
    k = len(views)
    shared = [gi for gi, g in enumerate(groups) if len(g.members) >= 2]
    col_of: dict[tuple[int, int, int], int] = {}
    rows: list[int] = []
    cols: list[int] = []
    weight: list[float] = []
    for v, view in enumerate(views):
        mine = [(gi, _first(groups[gi], v)) for gi in shared if v in groups[gi].members]
        if not mine:
            continue
        xs = np.array([x for _, x in mine])
        R = view.profile[np.ix_(xs, xs)]
        for p, (gp, _) in enumerate(mine):
            for q in range(p, len(mine)):
                key = (gp, mine[q][0], int(R[p, q]))
                col = col_of.setdefault(key, len(col_of))
                if col == len(weight):
                    # an off-diagonal relation stands for itself and its mirror (x→y and y←x)
                    weight.append(1.0 if p == q else 2.0)
                rows.append(v)
                cols.append(col)
    B = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(k, max(1, len(col_of))))
    inter_all = _gram(B, np.array(weight or [1.0]))
    for alt in alternatives:
        extra = _across(views, groups, shared, alt)
        inter_all[np.ix_(alt.only_g, alt.only_h)] += extra
        inter_all[np.ix_(alt.only_h, alt.only_g)] += extra.T
    sizes = np.array([v.size for v in views], dtype=np.float64)
    out = np.empty((k, k))
    for r in row_blocks(k):
        inter = inter_all[r].astype(np.float64)
        union = sizes[r, None] ** 2 + sizes[None, :] ** 2 - inter
        with np.errstate(invalid="ignore", divide="ignore"):
            out[r] = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 1.0)
    return np.clip(out, 0.0, 1.0, out=out)


def _across(views: Sequence[VariantView], groups: Sequence[Group], shared: Sequence[int],
            alt: Alternative) -> np.ndarray:
    """The equal relations a g-only variant a and an h-only variant b gain when a's step x in g
    and b's step y in h are mapped to each other (where their labels meet the threshold): x's
    relation to itself against y's, and x's relation to a's step of every group c both have
    against y's relation to b's step of c, twice (the relation and its mirror). One row of
    (group, relation) indicators per variant, so the counts of all pairs are one product.
    Returns a float32 |only_g| × |only_h| matrix of whole numbers."""
    col_of: dict[tuple[int, int], int] = {}

    def entries(members: np.ndarray, gi: int) -> tuple[list[int], list[int]]:
        rows: list[int] = []
        cols: list[int] = []
        for r, v in enumerate(members.tolist()):
            x = _first(groups[gi], v)
            rel = views[v].profile[x]
            rows.append(r)
            cols.append(col_of.setdefault((-1, int(rel[x])), len(col_of)))  # the self-relation
            for c in shared:
                if c != gi and v in groups[c].members:
                    rows.append(r)
                    cols.append(col_of.setdefault((c, int(rel[_first(groups[c], v)])), len(col_of)))
        return rows, cols

    ug, vg = entries(alt.only_g, alt.g), entries(alt.only_h, alt.h)
    width = max(1, len(col_of))
    U = sparse.csr_matrix((np.ones(len(ug[0]), dtype=np.float32), ug), shape=(len(alt.only_g), width))
    V = sparse.csr_matrix((np.ones(len(vg[0]), dtype=np.float32), vg), shape=(len(alt.only_h), width))
    w = np.array([1.0 if c < 0 else 2.0 for c, _r in col_of] or [1.0], dtype=np.float32)
    counts = (U @ sparse.diags(w) @ V.T).toarray().astype(np.float32)
    return np.where(alt.sim > 0, counts, np.float32(0.0))


def calibrate(sim: np.ndarray, exact: Mapping[tuple[int, int], float]) -> None:
    """Correct `sim` in place towards the exact path, using the sampled pairs (result within
    [0, 1]).

    The group mapping misses what the exact path's per-pair assignment finds beyond the groups
    (a look-alike step in another group, a split step's second half), so the vectorised values
    run a few hundredths low. The sample's pairs were aligned and measured exactly anyway; of
    three corrections (none, a shift by the median difference, a least-squares line) the one
    with the smallest mean absolute difference on those pairs is applied. The differences are
    heavy-tailed (most pairs close, a few far off), and a fitted line can move the bulk to serve
    the tail, so it is not taken blindly. With fewer than 10 sampled pairs nothing is changed."""
    if len(exact) < 10:
        return
    ij = np.array(sorted(exact), dtype=np.int64)
    x = sim[ij[:, 0], ij[:, 1]]
    y = np.array([exact[(int(i), int(j))] for i, j in ij])
    fits = [(1.0, 0.0), (1.0, float(np.median(y - x)))]
    if float(np.ptp(x)) > 1e-9:
        slope, icpt = (float(c) for c in np.polyfit(x, y, 1))
        fits.append((slope, icpt))
    slope, icpt = min(fits, key=lambda f: float(np.mean(np.abs(np.clip(f[1] + f[0] * x, 0.0, 1.0) - y))))
    # in place (sim · slope + icpt is icpt + slope · sim): no k × k temporaries
    sim *= slope
    sim += icpt
    np.clip(sim, 0.0, 1.0, out=sim)
