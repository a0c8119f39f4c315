"""Label normalisation and label similarity for Japanese and English step names.

Cities name the same activity differently: 転入届を受け付ける / 転入届の受付 / 転入届を受理する, or
"Check application complete" / "Checking for completeness". This module turns a label into
features that make such variants meet, and scores two labels in [0, 1]:

- Japanese: read as language by `japanese.py` (morphemes from SudachiPy, the head action and
  its objects, each mapped to a concept of the municipal work vocabulary). Similarity is the
  head's agreement (same concept, or the same family) plus the objects' weighted Dice, with a
  small character channel for what the analyser splits differently. The library catalogue's
  names and synonyms are a layer on top (activity codes as features).
- English: NFKC, lower case, a small stop-word list, Snowball stemming plus irregular verbs, and a
  general table of administrative synonyms; a synonym counts 2/3 of the same word. Two labels
  that each name an action (a verb of administrative work or its nominalisation) and share none
  lose `action_clash`; two that cite different article or form numbers lose as antonyms do.
  A second channel of character trigrams over the stems catches compounds and prefixes
  (matriculate / immatriculate).

Weights per feature are inverse document frequencies over the labels being compared (so words
that every step shares, like the procedure's own noun, count less). The whole matrix for many
labels is one sparse product (`LabelSpace`), which keeps 26 cities × 60 steps well under a second.
The method and its measured quality: docs/compare.md.
Depends on nothing in tamaflow outside `compare`; synonyms arrive as plain data.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse

from . import semantic
from .channels import channels
from .english import (
    ACTION_CLASH,
    EN_ANTONYMS,
    EN_FAMILIES,
    EN_SYNONYMS,
    GROUPED_WORD,
    _verb_stems,
    en_actions,
    en_stem,
    en_words,
)
from .japanese import kata_to_hira, term_features, terms

# --------------------------------------------------------------------------------------------
# Built-in vocabulary. General, not tuned to any data set: the Japanese municipal synonym clusters
# observed on city procedure pages (the Japanese work vocabulary proper is vocabulary.yaml; the
# English words are english.py's).

#: Japanese synonym clusters (first = canonical). Rewritten inside the label before bigrams, so
#: 転入届を受理する and 転入届の受付 share every bigram.
JA_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("受付", "受理", "受領", "受け付け", "受付け", "受け付"),
    ("交付", "発行"),
    ("照合", "突合"),
    ("確認", "点検", "チェック"),
    ("決裁", "承認"),
    ("起案", "起工"),
    ("通知", "通知書"),
    ("保管", "保存"),
    ("申込", "申し込み", "申込み", "申し込"),
    ("入力", "登録", "記載", "転記", "起票"),
    ("送付", "郵送", "発送"),
    ("照会", "問合せ", "問い合わせ"),
)

#: endings that carry no meaning for matching (longest first is enforced at use)
JA_ENDINGS: tuple[str, ...] = (
    "を行います", "を行う", "を行なう", "をおこなう", "を実施する", "を実施します", "を実施",
    "いたします", "致します", "します", "しました", "する", "した", "して", "させる", "される",
    "します。", "する。", "です", "ます", "。", "、",
)

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ"
_HIRA = r"\u3041-\u309f"
_KATA = r"\u30a0-\u30ff"
_OKURI = re.compile(rf"(?<=[{_KANJI}{_KATA}A-Za-z0-9])[{_HIRA}]{{1,3}}(?=[{_KANJI}{_KATA}A-Za-z0-9])")
_TRAIL_HIRA = re.compile(rf"(?<=[{_KANJI}{_KATA}A-Za-z0-9])[{_HIRA}]+$")
_LEAD_HIRA_PARTICLE = re.compile(rf"^[{_HIRA}]{{1,2}}(?=[{_KANJI}])")


def is_japanese(text: str) -> bool:
    """True when the label contains kana or kanji (then Japanese rules apply)."""
    return bool(_CJK.search(text))


def nfkc(text: str) -> str:
    """NFKC folds full-width ASCII and half-width katakana; whitespace is collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def strip_ja_endings(text: str) -> str:
    """Remove polite and light-verb endings: 転入届を受け付けます → 転入届を受け付け."""
    t = text.strip()
    changed = True
    while changed and t:
        changed = False
        for e in sorted(JA_ENDINGS, key=len, reverse=True):
            if t.endswith(e) and len(t) > len(e):
                t = t[: -len(e)]
                changed = True
                break
    return t


def ja_skeleton(text: str) -> str:
    """The content characters of a Japanese label: okurigana and particles between kanji dropped,
    trailing kana after the last kanji dropped, spaces and punctuation removed.

    住民票の写しを交付 → 住民票写交付; 受け付ける → 受付; マイナンバーカードを確認 → マイナンバーカード確認.
    """
    t = re.sub(r"[\s・、。,.()（）「」『』【】\[\]:：/／]+", "", text)
    prev = None
    while prev != t:
        prev = t
        t = _OKURI.sub("", t)
    t = _TRAIL_HIRA.sub("", t)
    t = _LEAD_HIRA_PARTICLE.sub("", t)
    return t


# --------------------------------------------------------------------------------------------


class Vocabulary:
    """Synonyms as data: the built-in tables plus the catalogue's activity names and synonyms.

    `catalogue` maps a catalogue code to the names that denote it (the activity's name first).
    A label equal (after normalisation) to one of those names gets the code as a feature, so two
    labels that the catalogue declares synonymous match fully; inside longer Japanese labels the
    catalogue's synonyms are rewritten to the activity's name.
    """

    def __init__(
        self, catalogue: Mapping[str, Sequence[str]] | None = None, builtin: bool = True, synonym_weight: float = 1.0,
        grouped_word: float | None = None,
    ) -> None:
        #: English: weight of the synonym group's feature (the shared meaning)
        self.synonym_weight = synonym_weight
        #: English: weight of a word that belongs to a synonym group, next to its group's; the
        #: group carries the meaning, the word itself only adds that the same word was used, so
        #: a synonym counts 2/3 of the same word (Enrollment / Immatriculate), as a Japanese
        #: concept match counts fully
        self.grouped_word = GROUPED_WORD if grouped_word is None else grouped_word
        self.en_concept: dict[str, str] = {}
        self.en_antonym: dict[str, set[str]] = {}
        self.ja_rewrite: list[tuple[str, str]] = []
        self.label_code: dict[str, str] = {}
        if builtin:
            for group in EN_SYNONYMS:
                canon = "~" + en_stem(group[0].split()[0])
                for w in group:
                    if " " not in w:
                        self.en_concept.setdefault(en_stem(w), canon)
            for a, b in EN_ANTONYMS:
                sa, sb = en_stem(a), en_stem(b)
                self.en_antonym.setdefault(sa, set()).add(sb)
                self.en_antonym.setdefault(sb, set()).add(sa)
            for group in JA_SYNONYMS:
                canon = nfkc(group[0])
                for w in group[1:]:
                    self.ja_rewrite.append((nfkc(w), canon))
        for code, names in sorted((catalogue or {}).items()):
            names = [n for n in names if n and n.strip()]
            if not names:
                continue
            canon_ja = _ja_base(names[0])
            for n in names:
                key = label_key(n)
                if key:
                    self.label_code.setdefault(key, code)
                if is_japanese(n) and n is not names[0]:
                    base = _ja_base(n)
                    if len(base) >= 2 and base != canon_ja:
                        self.ja_rewrite.append((base, canon_ja))
        # longest first, so 受け付け is rewritten before a shorter form inside it
        self.ja_rewrite.sort(key=lambda p: (-len(p[0]), p[0]))

    def rewrite_ja(self, text: str) -> str:
        for src, dst in self.ja_rewrite:
            if src in text:
                text = text.replace(src, dst)
        return text


def _ja_base(text: str) -> str:
    """NFKC and endings stripped: the form synonym rewriting works on. Katakana is folded only
    after the skeleton is taken, or a trailing katakana word would look like okurigana."""
    return strip_ja_endings(nfkc(text))


#: prefixes of the Japanese reading's features (head, family, object, catalogue, generic)
_JA_FEATURES = frozenset({"A:", "A~", "O:", "O~", "A#", "O#", "G:"})

#: weight of words in a parenthetical note: 決裁 (課長) is still 決裁
NOTE_WEIGHT = 0.3
_NOTE = re.compile(r"[(（\[【][^()（）\[\]【】]*[)）\]】]")


#: a number followed by a unit or counter, or after a currency sign, is an amount or a date
#: (手数料300円, within 14 days): cities differ in amounts and still do the same step
_AMOUNT = re.compile(
    r"[¥$€£]\s*\d[\d,.]*|\d[\d,.]*\s*(?:円|日|時間|分|秒|件|人|名|歳|才|%|か月|ヶ月|カ月|箇月|月|年|週|万|千|百|枚|通|部|"
    r"days?\b|weeks?\b|months?\b|years?\b|hours?\b|minutes?\b|mins?\b|percent\b|pages?\b|copies\b|"
    r"eur\b|euros?\b|yen\b|usd\b|dollars?\b)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+")


def identifying_numbers(text: str) -> str:
    """The numbers in a label that tell two activities apart: the article, section or form a
    step is about (art. 33 WABO / art. 34 WABO, 第2号様式). Amounts and dates are left out, as
    two cities charging different fees still do the same step."""
    return " ".join(sorted(set(_NUMBER.findall(_AMOUNT.sub(" ", nfkc(text)))), key=lambda n: (len(n), n)))


def split_note(text: str) -> tuple[str, str]:
    """(label without parenthetical notes, the notes). A label that is only a note stays whole."""
    notes = _NOTE.findall(text)
    main = " ".join(_NOTE.sub(" ", text).split())
    if not notes or not main:
        return text, ""
    return main, " ".join(n[1:-1] for n in notes)


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """A normalised key for exact comparison (used for catalogue lookups and grouping); notes
    in parentheses do not count."""
    t = split_note(nfkc(text).lower())[0]
    if is_japanese(t):
        return kata_to_hira(ja_skeleton(_ja_base(t)))
    return " ".join(en_words(t))


@dataclass(frozen=True, slots=True)
class LabelFeatures:
    """What a label contributes to similarity: weighted word-level and character-level features."""

    text: str
    japanese: bool
    key: str
    words: tuple[tuple[str, float], ...]  # feature → base weight (before idf)
    grams: tuple[str, ...]
    antonyms: frozenset[str] = field(default_factory=frozenset)
    #: the numbers that identify what the label names (art. 33, 第2号様式), sorted and joined
    numbers: str = ""
    #: English: the concepts (or stems) of the actions the label names, space-separated
    action: str = ""


def _bigrams(s: str) -> list[str]:
    if len(s) <= 1:
        return [s] if s else []
    return [s[i : i + 2] for i in range(len(s) - 1)]


def _trigrams(s: str) -> list[str]:
    s = f" {s} "
    return [s[i : i + 3] for i in range(len(s) - 2)]


def features(text: str, vocab: Vocabulary, extra_words: Iterable[str] = (), code: str | None = None) -> LabelFeatures:
    """Features of one label. `extra_words` are English words implied by the element type (e.g. a
    message catch event "Rejected" means "receive rejection"); `code` is a catalogue code the
    step declares with `standard:`."""
    return _features(text, vocab, tuple(extra_words), code)


# features per vocabulary: keyed by the object itself (weakly), never by id(), which a later
# vocabulary with another catalogue could reuse once the first is collected
_FEATURE_CACHE: weakref.WeakKeyDictionary[Vocabulary, dict[tuple[str, tuple[str, ...], str | None], LabelFeatures]] = (
    weakref.WeakKeyDictionary()
)


def forget_features() -> None:
    """Empty the feature cache (the work vocabulary that read the labels has changed)."""
    _FEATURE_CACHE.clear()


def _features(text: str, vocab: Vocabulary, extra: tuple[str, ...], code: str | None) -> LabelFeatures:
    cache = _FEATURE_CACHE.get(vocab)
    if cache is None:
        cache = _FEATURE_CACHE[vocab] = {}
    ck = (text, extra, code)
    hit = cache.get(ck)
    if hit is not None:
        return hit
    full = nfkc(text).lower()
    t, note = split_note(full)
    key = label_key(t)
    words: dict[str, float] = {}
    grams: list[str] = []
    antonyms: set[str] = set()
    en_action = ""
    cat = vocab.label_code.get(key) if key else None
    if code:
        words["#" + code] = 3.0
    if cat and cat != code:
        words["#" + cat] = 3.0
    if cat:
        # the catalogue names this activity: every synonym of it is the same label
        key = "#" + cat
    if is_japanese(t):
        skel = ja_skeleton(vocab.rewrite_ja(_ja_base(t)))
        skel = kata_to_hira(skel)
        # the label as language: head action and objects as concepts of the work vocabulary
        for f, w in term_features(t).items():
            words[f] = max(words.get(f, 0.0), w)
        # the catalogue's layer on top: a word that the library's catalogue names
        for term in terms(t):
            code = vocab.label_code.get(label_key(term.form))
            if code:
                f = ("A#" if term.head else "O#") + code
                words[f] = max(words.get(f, 0.0), 2.0 if term.head else 1.0)
        if note:
            for f, w in term_features(note).items():
                words.setdefault(f, NOTE_WEIGHT * w)
        # character channel: single characters, so 申請の受付 / 申請書を受け付ける still meet
        # where an inserted 書 breaks two bigrams
        grams = list(skel)
        japanese = True
    else:
        stems = en_words(t)
        for x in extra:
            s = en_stem(x)
            concept = vocab.en_concept.get(s)
            if s not in stems and (concept is None or all(vocab.en_concept.get(y) != concept for y in stems)):
                stems.append(s)
        for s in stems:
            if s.isdigit():
                continue
            concept = vocab.en_concept.get(s)
            words[s] = max(words.get(s, 0.0), vocab.grouped_word if concept else 1.0)
            if concept:
                words[concept] = max(words.get(concept, 0.0), vocab.synonym_weight)
                family = EN_FAMILIES.get(concept[1:])
                if family:
                    words["~~" + family] = max(words.get("~~" + family, 0.0), 0.5 * vocab.synonym_weight)
            antonyms |= vocab.en_antonym.get(s, set())
        en_action = " ".join(sorted({vocab.en_concept.get(a, a) for a in en_actions(stems)}))
        if note:
            for s in en_words(note):
                if not s.isdigit():
                    words.setdefault(s, NOTE_WEIGHT)
        # character channel over the stems, so prefixes and compounds still meet
        for s in stems:
            grams.extend(_trigrams(s))
        japanese = False
    numbers = identifying_numbers(t)
    if japanese and (channel := channels(t)):
        # the channel tells two intake or issue steps apart as a form number does (郵送 / 窓口)
        numbers = f"{numbers} ch:{channel}".strip()
    feats = LabelFeatures(text, japanese, key, tuple(sorted(words.items())), tuple(grams), frozenset(antonyms),
                          numbers, en_action)
    if len(cache) > 200_000:
        cache.clear()
    cache[ck] = feats
    return feats


# --------------------------------------------------------------------------------------------


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
        objects = np.array([not (f in verbs or f in acts or f.startswith("~~") or f[:2] in _JA_FEATURES) for f in cols],
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
        return np.where(en, np.maximum(word, wt.en_head * action + (1.0 - wt.en_head) * obj), word)

    def block(self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray) -> np.ndarray:
        """Similarity matrix between the labels `rows` and the labels `cols` (indexes into items).

        Every entry depends on its own two labels only, so a large block is computed over the
        distinct labels and spread back: the same numbers, for a fraction of the work when
        cities repeat each other's wording (26 × 60 generated steps: 1,560 labels, 500 distinct)."""
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        if len(r) * len(c) >= 4096:
            ur, back_r = np.unique(self.same_as[r], return_inverse=True)
            uc, back_c = np.unique(self.same_as[c], return_inverse=True)
            if len(ur) * len(uc) < len(r) * len(c):
                return self._block(ur, uc)[np.ix_(back_r, back_c)]
        return self._block(r, c)

    def _block(self, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        if len(r) == 0 or len(c) == 0:
            return np.zeros((len(r), len(c)))
        wt = self.weights
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


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return Vocabulary()


__all__ = [
    "LabelFeatures",
    "LabelSpace",
    "SimilarityWeights",
    "Vocabulary",
    "default_vocabulary",
    "en_words",
    "features",
    "is_japanese",
    "ja_skeleton",
    "kata_to_hira",
    "label_key",
    "label_similarity",
    "nfkc",
    "strip_ja_endings",
]
