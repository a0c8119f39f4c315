"""The label space: every label of one comparison as sparse feature matrices, so that any block
of the label-similarity matrix is one sparse product, and the weights that combine its channels.

Why a module of its own: `labels.py` says what a label *is* (its features: Japanese head and
objects, English stems and synonyms, characters, identifying numbers and channels); this module
says how two labels *compare*, for all labels of a comparison at once (idf weights over the
labels compared, the head agreement of Japanese labels, the English action clash, the optional
word vectors' floor). `label_similarity` scores two labels alone, for explanations and tests.

Depends on labels.py (features), english.py (the English action tables) and semantic.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from . import semantic
from .english import ACTION_CLASH, EN_FAMILIES, _verb_stems
from .labels import JA_FEATURE_PREFIXES, LabelFeatures, Vocabulary, default_vocabulary, features


@dataclass(slots=True)
class SimilarityWeights:
    """How the two channels combine. The word channel decides; the character channel only lifts
    pairs whose words differ by inflection or compounding."""

    word: float = 0.8
    char: float = 0.2
    antonym_penalty: float = 0.5
    #: English: share lost when both labels name actions and none of them is shared
    action_clash: float = ACTION_CLASH
    use_idf: bool = True
    #: Japanese: share of the head action in the word channel (the objects have the rest)
    head: float = 0.7
    #: Japanese: weight of the character channel, which only lifts pairs
    ja_char: float = 0.2
    #: Japanese: a two-action label against a one-action label (受付・本人確認 / 受付)
    compound: float = 1.0
    #: English: share of the action when two long labels (`en_long` content words or more) are
    #: also read as action + objects, the Japanese way; the word model alone dilutes the one word
    #: that names the action among a city's own object words and system names (Allocate to
    #: service area FOI lead / Allocation to directorate co-ordinator). 0 switches it off
    en_head: float = 0.8
    #: English: what is left of a shared action's share when both long labels name objects and
    #: not one of them is shared (Verification of address / Check the items): the same verb on
    #: different things is weaker evidence than the same verb alone. 1 switches it off
    en_object_clash: float = 0.5
    #: Japanese: head agreement of two labels whose heads differ and at least one of which the
    #: vocabulary does not know (a city's own verb): unknown is not different, so it neither
    #: confirms nor contradicts, as a label without objects does for the objects (0.5)
    ja_unknown: float = 0.5
    en_long: int = 3


class LabelSpace:
    """All labels of one comparison as sparse feature matrices, so that any block of the label
    similarity matrix is one sparse product.

    Similarity of labels x, y = word·WDice(x, y) + char·Dice(grams) (max with exact key match),
    WDice(x, y) = 2·Σ_{f∈x∩y} w_f / (Σ_{f∈x} w_f + Σ_{f∈y} w_f), w_f = base weight × idf(f).
    """

    def __init__(self, items: Sequence[LabelFeatures], weights: SimilarityWeights | None = None,
                 owners: Sequence[int] | None = None) -> None:
        """`owners`: the variant each label belongs to, when the space holds whole flows (it
        tells how well an English action tells a step apart within its own flow)."""
        self.items = list(items)
        self.weights = weights or SimilarityWeights()
        n = len(self.items)
        vocab_w: dict[str, int] = {}
        vocab_g: dict[str, int] = {}
        rows_w: list[int] = []
        cols_w: list[int] = []
        vals_w: list[float] = []
        rows_g: list[int] = []
        cols_g: list[int] = []
        vals_g: list[float] = []
        for i, it in enumerate(self.items):
            for f, w in it.words:
                rows_w.append(i)
                cols_w.append(vocab_w.setdefault(f, len(vocab_w)))
                vals_w.append(w)
            counts: dict[int, float] = {}
            for g in it.grams:
                j = vocab_g.setdefault(g, len(vocab_g))
                counts[j] = counts.get(j, 0.0) + 1.0
            for j, c in counts.items():
                rows_g.append(i)
                cols_g.append(j)
                vals_g.append(c)
        W = sparse.csr_matrix((vals_w, (rows_w, cols_w)), shape=(n, max(1, len(vocab_w))), dtype=np.float64)
        G = sparse.csr_matrix((vals_g, (rows_g, cols_g)), shape=(n, max(1, len(vocab_g))), dtype=np.float64)
        if self.weights.use_idf and n > 1:
            # document frequency over distinct labels, so a city repeating a label does not inflate it
            keys = [it.key for it in self.items]
            first: dict[str, int] = {}
            for i, k in enumerate(keys):
                first.setdefault(k, i)
            uniq = sorted(first.values())
            df = np.asarray((W[uniq] > 0).sum(axis=0)).ravel()
            nd = len(uniq)
            idf = np.log((nd + 1.0) / (df + 1.0)) + 1.0
            W = W @ sparse.diags(idf)
        # Japanese structure: head concepts (H), their families (F), objects (O, idf-weighted)
        cols = np.array(sorted(vocab_w, key=vocab_w.__getitem__), dtype=object)
        kind = np.array([f[:2] for f in cols], dtype=object) if len(cols) else np.zeros(0, dtype=object)
        is_head = np.isin(kind, ["A:", "A#"])
        is_fam = kind == "A~"
        is_obj = np.isin(kind, ["O:", "O~", "O#", "G:"])
        Wc = W.tocsc()
        self.H = (Wc[:, np.flatnonzero(is_head)] > 0).astype(np.float64).tocsr() if is_head.any() else sparse.csr_matrix((n, 1))
        self.F = (Wc[:, np.flatnonzero(is_fam)] > 0).astype(np.float64).tocsr() if is_fam.any() else sparse.csr_matrix((n, 1))
        self.h_count = np.asarray(self.H.sum(axis=1)).ravel()
        #: labels whose step the catalogue names (a `standard:` code or a catalogue name): what
        #: they do is known, whatever verb they use
        self.coded = np.array([any(f.startswith("#") for f, _w in it.words) for it in self.items], dtype=bool)
        self.f_count = np.asarray(self.F.sum(axis=1)).ravel()
        objects = Wc[:, np.flatnonzero(is_obj)].tocsr() if is_obj.any() else sparse.csr_matrix((n, 1))
        self.O = objects
        self.Ob = (objects > 0).astype(np.float64).tocsr()
        self.o_norm = np.asarray(objects.sum(axis=1)).ravel()
        self.W = W.tocsr()
        self.Wb = (W > 0).astype(np.float64).tocsr()
        self.w_norm = np.asarray(W.sum(axis=1)).ravel()
        self.G = G.tocsr()
        self.g_norm = np.asarray(G.sum(axis=1)).ravel()
        self.keys = np.array([it.key for it in self.items], dtype=object)
        self.numbers = np.array([it.numbers for it in self.items], dtype=object)
        self.V = _incidence([it.action.split() for it in self.items])
        self.v_count = np.asarray(self.V.sum(axis=1)).ravel()
        self.ja = np.array([it.japanese for it in self.items], dtype=bool)
        if not self.ja.all():
            # (read only by English pairs: a space of Japanese labels needs none of it)
            self._english_structure(cols, Wc, owners)
        #: word vectors of the labels (the optional extra; None without it: semantic.py)
        self.vectors = semantic.label_vectors([it.text for it in self.items], self.ja)
        ant_vocab: dict[str, int] = {}
        ra: list[int] = []
        ca: list[int] = []
        rw: list[int] = []
        cw: list[int] = []
        for i, it in enumerate(self.items):
            for a in sorted(it.antonyms):
                ra.append(i)
                ca.append(ant_vocab.setdefault(a, len(ant_vocab)))
        # the words each label holds, in the antonym vocabulary's columns
        for i, it in enumerate(self.items):
            for f, _w in it.words:
                col = ant_vocab.get(f)
                if col is not None:
                    rw.append(i)
                    cw.append(col)
        na = max(1, len(ant_vocab))
        self.A = sparse.csr_matrix((np.ones(len(ra)), (ra, ca)), shape=(n, na))
        self.P = sparse.csr_matrix((np.ones(len(rw)), (rw, cw)), shape=(n, na))
        # cities share wordings: an item whose features are the same object as an earlier
        # item's (`features` caches them) has the same row everywhere, so `block` computes
        # each distinct one once
        seen: dict[int, int] = {}
        self.same_as = np.array([seen.setdefault(id(it), i) for i, it in enumerate(self.items)], dtype=np.int64)

    def _english_structure(self, cols: np.ndarray, Wc: sparse.csc_matrix, owners: Sequence[int] | None) -> None:
        """English labels read as action + objects: the actions each label names (V, made
        above), their families (VF), the other words as objects (EO, idf-weighted), and how well
        each action tells a step apart in its own flow (Vw: 1 when every flow naming it has one
        step with it, 1/k when such a flow has k: Send acceptance, Send rejection …)."""
        n = len(self.items)
        self.VF = _incidence([[EN_FAMILIES.get(a[1:], a) if a.startswith("~") else a for a in it.action.split()]
                              for it in self.items])
        verbs = _verb_stems()
        acts = {a for it in self.items for a in it.action.split()}
        objects = np.array([not (f in verbs or f in acts or f.startswith("~~") or f[:2] in JA_FEATURE_PREFIXES) for f in cols],
                           dtype=bool) if len(cols) else np.zeros(0, dtype=bool)
        self.EO = Wc[:, np.flatnonzero(objects)].tocsr() if objects.any() else sparse.csr_matrix((n, 1))
        self.EOb = (self.EO > 0).astype(np.float64).tocsr()
        self.eo_norm = np.asarray(self.EO.sum(axis=1)).ravel()
        distinct = np.ones(self.V.shape[1])
        if owners is not None:
            own = np.asarray(owners)
            Vc = self.V.tocsc()
            for j in range(Vc.shape[1]):
                rows = Vc.indices[Vc.indptr[j]:Vc.indptr[j + 1]]
                if len(rows):
                    distinct[j] = 1.0 / float(np.mean(np.unique(own[rows], return_counts=True)[1]))
        self.Vw = (self.V @ sparse.diags(distinct)).tocsr()
        self.n_words = np.array([sum(1 for f, _w in it.words if f[:1] not in ("~", "#")) for it in self.items])

    def _english_actions(self, r: np.ndarray, c: np.ndarray, word: np.ndarray, english: np.ndarray,
                         shared: np.ndarray) -> np.ndarray:
        """The word score of English pairs, lifted to the action + objects reading where both
        labels are long and name actions: the action counts `en_head` (the same action, as far
        as it tells steps apart in the flows; the same family half), the objects the rest.
        `shared`: how many actions each pair names in common (V[r]·V[c]ᵀ)."""
        wt = self.weights
        long = np.minimum(self.n_words[r][:, None], self.n_words[c][None, :]) >= wt.en_long
        en = english & long & (self.v_count[r] > 0)[:, None] & (self.v_count[c] > 0)[None, :]
        if not en.any():
            return word
        same = shared > 0
        family = (self.VF[r] @ self.VF[c].T).toarray() > 0
        strength = np.minimum(1.0, np.maximum((self.Vw[r] @ self.V[c].T).toarray(), (self.V[r] @ self.Vw[c].T).toarray()))
        action = np.where(same, strength, np.where(family, 0.5, 0.0))
        obj = _object_agreement(self.EO, self.EOb, self.eo_norm, r, c)
        # objects agree 0 only where both labels name some and share none (_object_agreement)
        action = np.where(obj == 0.0, wt.en_object_clash * action, action)
        return np.where(en, np.maximum(word, wt.en_head * action + (1.0 - wt.en_head) * obj), word)

    def block(self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray, benefit: bool = True) -> np.ndarray:
        """Similarity matrix between the labels `rows` and the labels `cols` (indexes into items).

        Every entry depends on its own two labels only, so a large block is computed over the
        distinct labels and spread back: the same numbers, for a fraction of the work when
        cities repeat each other's wording (26 × 60 generated steps: 1,560 labels, 500 distinct).
        `benefit=False`: what the labels say they share, without the benefit of the doubt that a
        Japanese head the vocabulary does not know gets (`ja_unknown` taken as 0)."""
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        if len(r) * len(c) >= 4096:
            ur, back_r = np.unique(self.same_as[r], return_inverse=True)
            uc, back_c = np.unique(self.same_as[c], return_inverse=True)
            if len(ur) * len(uc) < len(r) * len(c):
                return self._block(ur, uc, benefit)[np.ix_(back_r, back_c)]
        return self._block(r, c, benefit)

    def _block(self, r: np.ndarray, c: np.ndarray, benefit: bool = True) -> np.ndarray:
        if len(r) == 0 or len(c) == 0:
            return np.zeros((len(r), len(c)))
        wt = self.weights if benefit else replace(self.weights, ja_unknown=0.0)
        both = self.ja[r][:, None] & self.ja[c][None, :]
        #: Japanese pairs whose heads the vocabulary knows on both sides, as different actions
        heads_differ = np.zeros(both.shape, dtype=bool)
        with np.errstate(invalid="ignore", divide="ignore"):
            if both.all():
                word = np.zeros(both.shape)  # all Japanese: the word Dice below is not used
            else:
                # weighted intersection: Σ min-weight over shared features; weights of one feature
                # are the same in both labels (idf × base), so weighted × binary is exact
                inter = np.minimum((self.W[r] @ self.Wb[c].T).toarray(), (self.Wb[r] @ self.W[c].T).toarray())
                den = self.w_norm[r][:, None] + self.w_norm[c][None, :]
                word = np.where(den > 0, 2.0 * inter / den, 0.0)
            # Japanese: the head action decides, the objects refine. Same head concept 1, same
            # family (交付/発行) 0.5, different concepts 0, a head the vocabulary does not know
            # `ja_unknown`; objects by weighted Dice, where a label without objects neither
            # confirms nor contradicts (受付 / 届書の受付: 0.5)
            if both.any():
                # a shared head counts fully; a label naming two actions (受付・本人確認) meets
                # a one-action label at `compound` of that, so the 1:n pass can pair it twice
                hr, hc = self.h_count[r][:, None], self.h_count[c][None, :]
                exact = (self.H[r] @ self.H[c].T).toarray() > 0
                fam = (self.F[r] @ self.F[c].T).toarray() > 0
                # a head with a concept carries its family: both known, no family shared, is a
                # difference the vocabulary vouches for
                known = ((self.f_count[r] > 0) | self.coded[r])[:, None] & ((self.f_count[c] > 0) | self.coded[c])[None, :]
                head = np.where(exact, 1.0, np.where(fam, 0.5, np.where(known, 0.0, wt.ja_unknown)))
                head = head * np.where(hr == hc, 1.0, wt.compound)
                if self.vectors is not None:
                    heads_differ = both & known & ~fam & ~exact
                obj = _object_agreement(self.O, self.Ob, self.o_norm, r, c)
                ja_word = wt.head * head + (1.0 - wt.head) * obj
                word = np.where(both, ja_word, word)
            gi = (self.G[r] @ self.G[c].T).toarray()
            gden = self.g_norm[r][:, None] + self.g_norm[c][None, :]
            # multiset Dice; a product of counts overcounts repeats, so clip at 1
            char = np.where(gden > 0, np.minimum(1.0, 2.0 * gi / gden), 0.0)
        # actions the two labels of a pair name in common (English only: Japanese labels name none)
        english_lift = bool(wt.en_head) and not both.all()
        shared = (self.V[r] @ self.V[c].T).toarray() if self.V.nnz and (english_lift or wt.action_clash) else None
        if english_lift and shared is not None:
            word = self._english_actions(r, c, word, ~both, shared)
        # Japanese pairs: the morphemes already join inflected and compound forms; the
        # character channel keeps what the analyser splits differently (出生届書 / 出生届)
        sim = np.where(both, (1.0 - wt.ja_char) * word + wt.ja_char * char, wt.word * word + wt.char * char)
        if self.vectors is not None:
            # the optional word vectors: a floor under Japanese pairs, except where the vocabulary
            # knows both actions and they differ (証明書を印刷する / 証明書を郵送する share the object)
            sim = np.where(both & ~heads_differ, semantic.floor(sim, semantic.cosines(self.vectors[r], self.vectors[c])), sim)
        if self.A.nnz:
            clash = ((self.A[r] @ self.P[c].T) + (self.P[r] @ self.A[c].T)).toarray() > 0
            sim = np.where(clash, sim * (1.0 - wt.antonym_penalty), sim)
        nr, nc = self.numbers[r], self.numbers[c]
        if (nr != "").any() and (nc != "").any():
            differ = (nr != "")[:, None] & (nc != "")[None, :] & (nr[:, None] != nc[None, :])
            sim = np.where(differ, sim * (1.0 - wt.antonym_penalty), sim)
        if wt.action_clash and shared is not None:
            # English: two labels that each name an action, and no action in common (Fill out
            # application form / Receive application form), are different steps on one object
            has_r, has_c = self.v_count[r] > 0, self.v_count[c] > 0
            other = has_r[:, None] & has_c[None, :] & (shared == 0)
            sim = np.where(other, sim * (1.0 - wt.action_clash), sim)
        same = self.keys[r][:, None] == self.keys[c][None, :]
        nonempty = np.array([bool(k) for k in self.keys[r]])[:, None]
        sim = np.where(same & nonempty, 1.0, sim)
        return np.clip(sim, 0.0, 1.0)


def _object_agreement(weighted: sparse.csr_matrix, present: sparse.csr_matrix, norm: np.ndarray, r: np.ndarray,
                      c: np.ndarray) -> np.ndarray:
    """Weighted Dice of the objects of labels `r` against labels `c` (`present` is the 0/1
    pattern of `weighted`, `norm` its row sums). A label without objects neither confirms nor
    contradicts (受付 / 届書の受付: 0.5); two without agree (1)."""
    oi = np.minimum((weighted[r] @ present[c].T).toarray(), (present[r] @ weighted[c].T).toarray())
    on_r, on_c = norm[r][:, None], norm[c][None, :]
    oden = on_r + on_c
    return np.where((on_r > 0) & (on_c > 0), 2.0 * oi / np.where(oden > 0, oden, 1.0),
                    np.where((on_r > 0) | (on_c > 0), 0.5, 1.0))


def _incidence(rows: Sequence[Sequence[str]]) -> sparse.csr_matrix:
    """A 0/1 matrix with a row per item and a column per token, in the order first seen."""
    columns: dict[str, int] = {}
    r: list[int] = []
    c: list[int] = []
    for i, tokens in enumerate(rows):
        for t in tokens:
            r.append(i)
            c.append(columns.setdefault(t, len(columns)))
    return sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), max(1, len(columns))))


def label_similarity(a: str, b: str, vocab: Vocabulary | None = None) -> float:
    """Similarity of two labels in [0, 1], without idf weighting (for explanations and tests).

    Parameters
    ----------
    a, b : str
        Step labels, Japanese or English.
    vocab : Vocabulary, optional
        Synonyms and catalogue names; the built-in tables when omitted.

    Returns
    -------
    float
        1 for the same activity in other words, near 0 for unrelated work. Japanese: head
        action and objects (docs/compare.md); English: stems, synonyms, trigrams.

    Examples
    --------

    >>> round(label_similarity("転入届を受理する", "転入届の受付"), 2)
    1.0
    """
    v = vocab or default_vocabulary()
    space = LabelSpace([features(a, v), features(b, v)], SimilarityWeights(use_idf=False))
    return float(space.block([0], [1])[0, 0])


__all__ = ["LabelSpace", "SimilarityWeights", "label_similarity"]
