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
labels is one sparse product (`labelspace.LabelSpace`), which keeps 26 cities × 60 steps well
under a second. The method and its measured quality: docs/compare.md.
Depends on nothing in tamaflow outside `compare`; synonyms arrive as plain data.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .channels import channels
from .english import (
    EN_ANTONYMS,
    EN_FAMILIES,
    EN_SYNONYMS,
    GROUPED_WORD,
    en_actions,
    en_stem,
    en_words,
    left_out,
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
                    if " " not in w and not left_out("synonym", w):
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
JA_FEATURE_PREFIXES = frozenset({"A:", "A~", "O:", "O~", "A#", "O#", "G:"})

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

    @property
    def channel(self) -> str:
        """The channels a Japanese intake or issue step names ("post", "counter online"), which
        `numbers` carries last, after "ch:" (`channels.channels`); "" when it names none."""
        at = self.numbers.find("ch:")
        return self.numbers[at + 3:] if at >= 0 else ""


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


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return Vocabulary()


__all__ = [
    "LabelFeatures",
    "Vocabulary",
    "default_vocabulary",
    "en_words",
    "features",
    "is_japanese",
    "ja_skeleton",
    "kata_to_hira",
    "label_key",
    "nfkc",
    "strip_ja_endings",
]
