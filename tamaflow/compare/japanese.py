"""Japanese step labels read as language: morphemes, the head action and its objects, each
mapped to a concept of the municipal work vocabulary (`vocabulary.yaml`).

Why: cities word the same work differently. 届書の受付 / 届出を受理する / 届書を受け付ける /
窓口で届書を受け取る share almost no characters, but all say "receive (the head) + the
notification form (the object)". Character n-grams cannot see that; a morphological analyser
plus a vocabulary can. The role matters as much as the word: in 交付申請書の受付 the 交付 is part
of the object and the step *receives*; in 証明書の交付 the step *hands over*. So every term
carries whether it is the head of its clause.

- Morphemes come from SudachiPy with the core dictionary (both from PyPI, the dictionary in the
  wheel; nothing is downloaded at run time). It was chosen over fugashi + unidic-lite by
  measurement (docs/compare.md): smaller installed (198 vs 250 MB), twice as fast per label
  (0.18 vs 0.38 ms), and its longer units keep compounds such as 住民票 and 証明書 whole.
  When it cannot be imported, a plain splitter on script changes takes its place (kanji and
  katakana runs as words, hiragana as okurigana or particles), so compare still runs.
- Clauses: a label may name two actions (届書の受付・本人確認); it is cut at ・/、/+/及び, and a part
  without an action (児童手当・医療証の案内: 児童手当) is an object of the next part.
- Head: the last action word of a clause (a verb, a サ変 noun or an action of the vocabulary);
  light verbs (する, 行う, 実施) never head. Everything else content-bearing is an object.

Results are cached per label: a comparison analyses each distinct label once. The analyser is
loaded by `tamaflow.io.romaji.sudachi_tokenizer` (shared with `import`'s readings); nothing else
in tamaflow is used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

#: words that carry the verb but not the meaning (転入届の受付を行う = 転入届の受付)
LIGHT_VERBS = frozenset({"する", "為る", "行う", "行なう", "おこなう", "実施", "致す", "いたす", "できる", "出来る",
                         "れる", "られる", "せる", "させる", "ある", "いる", "居る", "なる", "成る", "くる", "来る"})

#: verbs of undergoing: with an action noun before them the step is that action, seen from the
#: side it is done to (課長の決裁を受ける = 課長決裁, 承認を得る = 承認, 証明書の交付を受ける = 交付);
#: a submission or an inquiry received is the receiving (申請を受ける = 申請の受付)
RECEPTIVE_VERBS = frozenset({"受ける", "得る", "貰う", "もらう", "仰ぐ", "頂く", "いただく"})
#: what an action becomes when the office undergoes it: someone else submits or asks, and the
#: office receives; someone else pays, and the office collects (利用料金を支払ってもらう); a
#: superior seals, and the office has the approval (伺いに押印をもらう). Someone consulting the
#: office is still the consultation (相談を受ける = 相談), so consult is not here
_UNDERGONE_AS = {"submit": "receive", "inquire": "receive", "pay_out": "collect_payment", "seal": "approve"}
#: …except a seal on the applicant's own form (申請書に押印してもらう), which is no approval
_APPLICANT_SIDE = frozenset({"form", "applicant"})


def _undergone_as(doing: str, objects: Iterable[Term]) -> str | None:
    """What `doing` becomes when the office undergoes it (see `_UNDERGONE_AS`): someone's seal
    on an internal document is their approval (伺いに押印をもらう = 決裁を受ける)."""
    if doing == "seal" and any(t.concept is not None and t.concept.id in _APPLICANT_SIDE for t in objects):
        return None
    return _UNDERGONE_AS.get(doing)


#: the benefactive after a verb's て-form: 書いてもらう, 出していただく — the other side does it
BENEFACTIVE = frozenset({"貰う", "もらう", "頂く", "いただく"})
#: verbs of going: after an action noun they only say that one goes to do it (出張に行く = 出張)
MOTION_VERBS = frozenset({"行く", "いく", "出向く", "出掛ける", "出かける", "向かう", "赴く"})
#: verbs that, with an action noun before them, only carry it (機能動詞): 許可の決裁をとる is
#: 決裁, 相談に乗る is 相談, 調整を図る is 調整, 決定を下す is 決定
FUNCTION_VERBS = frozenset({"取る", "とる", "乗る", "のる", "図る", "はかる", "下す", "くだす", "加える", "進める"})
#: a noun and a verb that together name one action, as the vocabulary's phrases cannot (they stop
#: at particles): 目を通す is to look through, i.e. check
IDIOMS = {("目", "通す"): "check"}
#: humble verbs (謙譲語) read as the plain verbs they stand for: the polite voice of a counter's
#: flow says 書類を拝見します, ご相談を承ります, お話を伺います where another city writes 見る,
#: 受ける, 聞く. 伺う is also the humble 訪ねる: after a place (お宅へ伺う, 現地に伺う) it is the
#: visit. The noun 伺い (決裁の伺い, a draft put up for approval) is not this verb
HUMBLE = {"伺う": "聞く", "拝見": "見る", "承る": "受ける", "拝受": "受け取る", "頂戴": "もらう",
          "拝聴": "聞く", "拝読": "読む", "申し上げる": "伝える", "申す": "言う", "参る": "行く"}
_HUMBLE_VISIT = {"伺う": "訪ねる"}
#: お + a verb + する is the humble form of the verb; お預かりする and お受けする at a counter are
#: taking the form in (受け取る), where 預かる alone keeps something for someone (夜間窓口で届書を
#: 預かる); ご相談をお受けする is still the consultation (the object decides, `becomes`)
_HUMBLE_O = {"預かる": "受け取る", "受ける": "受け取る"}
_DO = frozenset({"為る", "する", "致す", "いたす"})

#: verbs that only move or make a document: with a document named after an action as their
#: object (照会書, 協議書, 通知書) the step is that action
DOCUMENT_VERBS = frozenset({"send", "create"})
DOCUMENT_SUFFIXES = ("書", "票")
#: … or an action noun and a word for a document after it (照会の文書 = 照会書)
DOCUMENT_NOUNS = frozenset({"文書", "書類", "書面"})

_CAUSATIVE = frozenset({"せる", "させる"})

#: …による / …により after nouns: they say by what (郵送・FAXによる請求書の受付, 口座振込により支給)
_BY = frozenset({"よる", "因る", "依る"})
#: verbs that say by what means, not what is done (カードを使い…, 学校を経由して…): they neither
#: head a clause nor end one
MEANS_VERBS = frozenset({"使う", "用いる", "経る", "通す", "通じる", "基づく", "添える", "伴う", "利用", "経由", "持つ", "付ける"}) | _BY

_CLAUSE_BREAK = frozenset({"・", "、", "，", ",", "/", "／", "+", "＋", "→", "⇒", "及び", "および", "並びに", "ならびに"})
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ"
_RUN = re.compile(rf"[{_KANJI}]+|[\u30a0-\u30ff]+|[A-Za-z0-9]+|[\u3041-\u309f]+|[・、，,/／]")


@dataclass(frozen=True, slots=True)
class Concept:
    """One concept of the work vocabulary (see vocabulary.yaml's header)."""

    id: str
    kind: str  # action | thing | generic
    broader: str | None
    source: str
    #: the sense an action takes with an object of a given concept (受け取る + 手数料 = 収納)
    becomes: tuple[tuple[str, str], ...] = ()
    #: every broader concept (`broader` is the first): an action may belong to two families
    #: (起票 drafts a decision and makes a document)
    families: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Term:
    """One content word of a label: its normalised form, its concept (None when the vocabulary
    does not know it), whether it is an action and whether it heads its clause."""

    form: str
    concept: Concept | None
    action: bool
    head: bool
    #: the analyser's synonym group (SudachiDict), for a word the vocabulary does not know: two
    #: such words of one group meet (作る / 作製), as the same unknown word does
    synonym: int = 0


class WorkVocabulary:
    """Word → concept, for single words and multi-morpheme phrases (本人確認, 記載事項)."""

    def __init__(self, concepts: Mapping[str, Concept], words: Mapping[str, str]) -> None:
        self.concepts = dict(concepts)
        self.words = dict(words)
        self.max_phrase = max((len(w) for w in self.words), default=1)
        self._by_synonym: dict[int, str] | None = None
        self._by_reading: dict[str, str] | None = None
        self._words_of: dict[str, tuple[str, ...]] | None = None

    def words_of(self, concept: str) -> tuple[str, ...]:
        """The words listed for a concept, in file order."""
        if self._words_of is None:
            index: dict[str, list[str]] = {}
            for w, cid in self.words.items():
                index.setdefault(cid, []).append(w)
            self._words_of = {cid: tuple(ws) for cid, ws in index.items()}
        return self._words_of.get(concept, ())

    def without(self, words: Iterable[str]) -> WorkVocabulary:
        """The same concepts with these words (normalised forms) no longer listed."""
        drop = set(words)
        return WorkVocabulary(self.concepts, {w: c for w, c in self.words.items() if w not in drop})

    def lookup(self, word: str) -> Concept | None:
        """The concept of a normalised word or phrase; a word written in hiragana alone is also
        looked up by how the vocabulary's words are read (`by_reading`)."""
        cid = self.words.get(word)
        if cid is None and _KANA_WORD.fullmatch(word):
            return self.by_reading(word)
        return self.concepts[cid] if cid is not None else None

    def by_reading(self, kana: str) -> Concept | None:
        """The concept of the vocabulary words read as `kana`, when they agree.

        Why: plain official prose writes verbs and nouns in kana (届けをうけとる, 通知をおくる,
        紙をかえす, しらせる), and the analyser leaves a kana word as written when its kanji are
        ambiguous (おくる may be 送る or 贈る). Within the vocabulary a reading names one concept
        or, where two concepts share it (照会 and 紹介 are both しょうかい), none."""
        if self._by_reading is None:
            index: dict[str, str] = {}
            for word, cid in sorted(self.words.items()):
                ms = morphemes(word)
                read = kata_to_hira("".join(m.reading for m in ms))
                if read and all(m.reading for m in ms) and read != word:
                    index[read] = cid if index.get(read, cid) == cid else ""
            self._by_reading = index
        found = self._by_reading.get(kata_to_hira(kana))
        return self.concepts[found] if found else None

    def by_synonym(self, groups: tuple[int, ...]) -> Concept | None:
        """The concept that a word's SudachiDict synonym groups point to: the concept of the
        vocabulary words in the same group, when they agree (a group holding words of two
        concepts, such as 支給 with 交付 and 給付, decides nothing)."""
        if self._by_synonym is None:
            # group id → the one concept its vocabulary words have ("" when they disagree); each
            # vocabulary word analysed once, on first use (20 ms for the shipped vocabulary)
            index: dict[int, str] = {}
            for word, cid in sorted(self.words.items()):
                ms = morphemes(word)
                if len(ms) == 1:
                    for g in ms[0].synonyms:
                        index[g] = cid if index.get(g, cid) == cid else ""
            self._by_synonym = index
        found = {self._by_synonym[g] for g in groups if g in self._by_synonym}
        found.discard("")
        return self.concepts[found.pop()] if len(found) == 1 else None


def parse_vocabulary(doc: Any, where: str = "vocabulary") -> WorkVocabulary:
    """Build a vocabulary from the YAML document; malformed entries and a word listed under two
    concepts are errors (a word must mean one thing)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("concepts"), dict):
        raise ValueError(f"{where}: expected a mapping `concepts:`")
    concepts: dict[str, Concept] = {}
    words: dict[str, str] = {}
    for cid, entry in doc["concepts"].items():
        if not isinstance(entry, dict) or entry.get("kind") not in ("action", "thing", "generic"):
            raise ValueError(f"{where}: concept {cid!r} needs kind: action|thing|generic")
        if not entry.get("source") and entry.get("kind") != "generic":
            raise ValueError(f"{where}: concept {cid!r} needs a source")
        becomes = entry.get("becomes") or {}
        if not isinstance(becomes, dict):
            raise ValueError(f"{where}: becomes of {cid!r} must map an object concept to a concept")
        broader = entry.get("broader")
        families = tuple(str(b) for b in broader) if isinstance(broader, list) else (str(broader),) if broader else ()
        concepts[str(cid)] = Concept(str(cid), entry["kind"], families[0] if families else None,
                                     str(entry.get("source") or ""),
                                     tuple(sorted((str(k), str(v)) for k, v in becomes.items())), families)
        for w in entry.get("words") or []:
            key = normalise(str(w))
            if key in words and words[key] != cid:
                raise ValueError(f"{where}: {w!r} is listed under both {words[key]!r} and {cid!r}")
            words[key] = str(cid)
    for c in concepts.values():
        for obj, target in c.becomes:
            if obj not in concepts or target not in concepts:
                raise ValueError(f"{where}: becomes of {c.id!r} names an unknown concept ({obj!r} → {target!r})")
    return WorkVocabulary(concepts, words)


#: a word written in hiragana alone, two characters or more (a reading to look up; katakana is
#: a loanword's, or the analyser's reading of a Latin word: Temp is テンプ, not 添付)
_KANA_WORD = re.compile(r"[\u3041-\u309fー]{2,}")

#: a vocabulary put in place of the shipped one by `vocabulary_in_use` (None: the shipped one)
_IN_USE: WorkVocabulary | None = None


def work_vocabulary() -> WorkVocabulary:
    """The vocabulary labels are read with: the shipped one, unless a measurement has put
    another in place (`vocabulary_in_use`)."""
    return _IN_USE if _IN_USE is not None else shipped_vocabulary()


@contextmanager
def vocabulary_in_use(vocab: WorkVocabulary) -> Iterator[None]:
    """Read labels with `vocab` inside the block, then with the shipped vocabulary again.

    Why: the vocabulary is the part of the matcher most easily fitted to the wording one has
    seen, so `benchmarks/alignment.py` measures every Japanese set once more with the words
    only that set uses left out. Every cache that holds a reading of a label is emptied on
    the way in and out, so no reading made with one vocabulary is used with the other."""
    global _IN_USE
    _forget_readings()
    _IN_USE = vocab
    try:
        yield
    finally:
        _IN_USE = None
        _forget_readings()


def _forget_readings() -> None:
    terms.cache_clear()
    clauses.cache_clear()
    from .labels import forget_features  # labels imports this module: imported when used

    forget_features()


@lru_cache(maxsize=1)
def shipped_vocabulary() -> WorkVocabulary:
    """The vocabulary shipped in the package."""
    text = resources.files(__package__).joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    # the package's own file: libyaml's safe loader when PyYAML has it (0.003 s against 0.03 s
    # of a cold compare), the same document either way
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_vocabulary(yaml.load(text, Loader=loader), "tamaflow/compare/vocabulary.yaml")  # noqa: S506


def normalise(text: str) -> str:
    """NFKC, no spaces, katakana kept (テ and て are different words in a label)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# ------------------------------------------------------------------------------------------------
# Morphemes


@dataclass(frozen=True, slots=True)
class Morpheme:
    surface: str
    lemma: str  # the analyser's normalised dictionary form (受け付け for 受付, 受け付ける)
    pos: str  # 名詞 | 動詞 | 助詞 | 補助記号 | 接尾辞 | 接頭辞 | …
    sahen: bool  # a noun that takes する (受付, 審査): may head a clause
    dependent: bool  # a verb that cannot stand alone (する, 来る as auxiliary)
    conj: str = ""  # conjugation form of a verb (連用形-一般 …), "" otherwise
    #: synonym group ids of the dictionary entry (SudachiDict's synonym dictionary), () if none
    synonyms: tuple[int, ...] = ()
    #: how the surface is read, in katakana (オクル for 送る); "" without the analyser
    reading: str = ""


_TOKENIZER: Any = None
_ANALYSER = ""


def analyser() -> str:
    """Which analyser is in use: 'sudachi' or 'fallback' (no analyser importable)."""
    _tokenizer()
    return _ANALYSER


def _tokenizer() -> Any:
    global _TOKENIZER, _ANALYSER
    if _ANALYSER:
        return _TOKENIZER
    from ..io.romaji import sudachi_tokenizer

    _TOKENIZER = sudachi_tokenizer()
    _ANALYSER = "sudachi" if _TOKENIZER is not None else "fallback"
    return _TOKENIZER


@lru_cache(maxsize=65536)
def morphemes(text: str) -> tuple[Morpheme, ...]:
    """The morphemes of a label (NFKC first). Cached: one analysis per distinct label."""
    t = unicodedata.normalize("NFKC", text)
    tok = _tokenizer()
    if tok is None:
        return tuple(_fallback(t))
    tokenizer, mode = tok
    out = []
    for m in tokenizer.tokenize(t, mode):
        pos = m.part_of_speech()
        if pos[0] == "空白":
            continue
        out.append(Morpheme(m.surface(), m.normalized_form(), pos[0], pos[2] == "サ変可能",
                            pos[0] == "動詞" and pos[1] == "非自立可能", pos[5] if pos[0] == "動詞" else "",
                            tuple(m.synonym_group_ids()), m.reading_form()))
    return tuple(out)


def _fallback(text: str) -> list[Morpheme]:
    out = []
    for run in _RUN.findall(text):
        if run in _CLAUSE_BREAK:
            out.append(Morpheme(run, run, "補助記号", False, False))
        elif "\u3041" <= run[0] <= "\u309f":
            out.append(Morpheme(run, run, "助詞", False, run in LIGHT_VERBS))
        else:
            out.append(Morpheme(run, run, "名詞", False, False))
    return out


# ------------------------------------------------------------------------------------------------
# Terms


@lru_cache(maxsize=65536)
def terms(text: str) -> tuple[Term, ...]:
    """Content words of a label with concept and role (see the module docstring)."""
    return _terms(text, work_vocabulary())


def _terms(text: str, vocab: WorkVocabulary) -> tuple[Term, ...]:
    return tuple(t for _surface, cl in _clauses(text, vocab) for t in cl)


def _clauses(text: str, vocab: WorkVocabulary) -> list[tuple[str, list[Term]]]:
    """The label as clauses, each with its surface text and its terms (head marked).

    A clause ends at ・/、/及び and after a verb in its continuative form that goes on to more
    words (交付し…, 受け取り…, 受けて…): 注射済票を交付し注射記録を入力する names two actions."""
    ms = morphemes(text)
    parts: list[tuple[list[str], list[Term]]] = [([], [])]
    dotted: set[int] = set()  # the parts that follow ・ or 、 (not a verb that goes on)
    i = 0
    while i < len(ms):
        m, at = ms[i], i
        surfaces, current = parts[-1]
        # と between two actions joins two clauses (所得の確認と認定審査); between two things it
        # joins objects (本人と家族の確認)
        joining = m.surface == "と" and m.pos == "助詞" and bool(current) and current[-1].action
        if m.pos == "補助記号" and m.surface in _CLAUSE_BREAK or m.surface in _CLAUSE_BREAK and m.pos != "名詞" \
                or joining:
            if not joining:
                dotted.add(len(parts))
            parts.append(([], []))
            i += 1
            continue
        # the longest phrase of the vocabulary starting here (本人確認 over 本人 + 確認)
        hit = None
        acc = ""
        for j in range(i, min(len(ms), i + 4)):
            # a causative after a verb makes a verb of its own (知ら + せる = 知らせる, inform)
            causative = ms[j].pos == "助動詞" and ms[j].lemma in _CAUSATIVE and j > i and ms[j - 1].pos == "動詞"
            if ms[j].pos in ("補助記号", "助動詞") and not causative \
                    or (ms[j].pos == "助詞" and j > i and ms[j].surface not in ("の",)):
                break
            acc += ms[j].surface
            if len(acc) > vocab.max_phrase:
                break
            dictionary_form = acc[: len(acc) - len(ms[j].surface)] + ms[j].lemma if causative else acc
            if j > i and (c := vocab.lookup(normalise(dictionary_form))) is not None:
                hit = (j, c, dictionary_form)
        if hit is not None:
            j, found, phrase = hit
            current.append(Term(phrase, found, found.kind == "action", False))
            surfaces.append(phrase)
            i = j + 1
            continue
        # a noun and verb that name one action together (目を通す)
        idiom = IDIOMS.get((m.lemma, ms[i + 2].lemma)) if i + 2 < len(ms) and ms[i + 1].surface == "を" else None
        if idiom is not None and idiom in vocab.concepts:
            form = m.surface + "を" + ms[i + 2].lemma
            current.append(Term(form, vocab.concepts[idiom], True, False))
            surfaces.append(m.surface + ms[i + 1].surface + ms[i + 2].surface)
            i += 3
            continue
        if m.lemma in _BY and i >= 1 and ms[i - 1].surface == "に":
            # the words before による are the means, not actions (口座振込により支給); so is a
            # one-word part joined to them by ・ (郵送・FAXによる請求書の受付)
            means = [current]
            if len(parts) - 1 in dotted and len(parts[-2][1]) == 1:
                means.append(parts[-2][1])
            for cl in means:
                cl[:] = [Term(t.form, t.concept, False, False, t.synonym) for t in cl]
        # a verb that may be auxiliary (出す, 込む, いく) is one only after another verb (書き出す,
        # 確認していく); alone it is the action (窓口へ出す)
        before = ms[i - 2] if i >= 2 and ms[i - 1].surface in ("て", "で") else ms[i - 1] if i >= 1 else None
        auxiliary = m.dependent and before is not None and before.pos in ("動詞", "助動詞")
        if auxiliary and m.lemma in BENEFACTIVE and ms[i - 1].surface in ("て", "で"):
            # 書いてもらう: the other side writes, so the office receives (see _UNDERGONE_AS)
            done = next((k for k in range(len(current) - 1, -1, -1) if current[k].action), None)
            doing = current[done].concept if done is not None else None
            target = _undergone_as(doing.id, current) if doing is not None else None
            if done is not None and target in vocab.concepts:
                current[done] = Term(current[done].form, vocab.concepts[target], True, False)
        i += 1
        surfaces.append(m.surface)
        # 連用中止: a verb in its continuative form followed by more words ends the clause
        chained = (m.pos == "動詞" and m.conj.startswith("連用形") and i < len(ms)
                   and ms[i].pos not in ("助動詞", "補助記号") and m.lemma not in MEANS_VERBS)
        if (chained and ms[i].surface == "に" and i + 1 < len(ms)
                and HUMBLE.get(ms[i + 1].lemma, ms[i + 1].lemma) in MOTION_VERBS):
            # 見に行く: going there to do it is doing it (the verb of going is dropped below)
            chained = False
        if chained and ms[i].pos == "助詞" and ms[i].surface in ("て", "で"):
            surfaces.append(ms[i].surface)
            i += 1
            # …て + an auxiliary verb is still this verb (確認していく, 書いてもらう)
            chained = i < len(ms) and not (ms[i].dependent and ms[i].lemma not in LIGHT_VERBS)
        if chained and i < len(ms):
            parts.append(([], []))
        if m.pos not in ("名詞", "動詞", "接尾辞", "形容詞") or auxiliary:
            continue
        if m.surface in LIGHT_VERBS or m.lemma in LIGHT_VERBS or m.lemma in MEANS_VERBS:
            continue
        if m.pos == "接尾辞" and current:
            # 証明 + 書: the suffix completes the word before it
            prev = current.pop()
            form = prev.form + m.surface
            joined = vocab.lookup(normalise(form)) or prev.concept
            current.append(Term(form, joined, joined is not None and joined.kind == "action", False))
            continue
        plain = _humble_plain(ms, at)
        if plain is not None:
            # a humble verb of going (参る) is then dropped as 行く is: only after an action
            current.append(Term(plain, vocab.lookup(plain), True, False))
            continue
        concept: Concept | None = vocab.lookup(normalise(m.surface)) or vocab.lookup(normalise(m.lemma))
        if concept is None and m.pos == "動詞":
            # a verb the vocabulary lists only as its noun (引き落とし, 振り込み): 引き落とす and
            # ひきおとす are that noun's action
            concept = next((c for form in _nominal_forms(m.lemma) if (c := vocab.lookup(normalise(form))) is not None), None)
        if concept is None and m.pos == "名詞" and len(m.surface) > 2:
            concept = _compound_concept(normalise(m.surface), vocab)
        synonym = 0
        if concept is None and m.synonyms:
            # the general synonym dictionary extends the vocabulary to words it does not list:
            # 判定 shares SudachiDict's group with 審査, so it checks
            concept = vocab.by_synonym(m.synonyms)
            synonym = 0 if concept is not None else min(m.synonyms)
        action = m.pos == "動詞" or m.sahen or (concept is not None and concept.kind == "action")
        if concept is not None and concept.kind != "action":
            action = False
        current.append(Term(kata_to_hira(m.lemma if m.pos == "動詞" else m.surface), concept, action, False, synonym))
    # a part without an action is an object of the next part: 児童手当・医療証の案内
    merged: list[tuple[str, list[Term]]] = []
    pending_text = ""
    pending: list[Term] = []
    for surfaces, cl in parts:
        if not cl:
            continue
        if any(t.action for t in cl):
            merged.append((pending_text + "".join(surfaces), pending + cl))
            pending_text, pending = "", []
        else:
            pending_text += "".join(surfaces) + "・"
            pending.extend(cl)
    if pending:
        if merged:
            last_text, last = merged[-1]
            merged[-1] = (last_text + "・" + pending_text.rstrip("・"), last + pending)
        else:
            merged.append((pending_text.rstrip("・"), pending))
    out: list[tuple[str, list[Term]]] = []
    for surface, cl in merged:
        content = [t for t in cl if t.concept is None or t.concept.kind != "generic"] or cl
        actions = [k for k, t in enumerate(cl) if t.action and t in content]
        head = actions[-1] if actions else max(k for k, t in enumerate(cl) if t in content)
        undergone = cl[head - 1].concept if head > 0 else None
        if undergone is not None and cl[head].form in RECEPTIVE_VERBS and cl[head - 1].action:
            target = _undergone_as(undergone.id, cl)
            if target is not None:
                # (a vocabulary without the concept it becomes leaves the verb as it is)
                received = vocab.concepts.get(target, cl[head].concept)
                cl = [*cl[:head], Term(cl[head].form, received, True, False), *cl[head + 1:]]
            else:
                cl = [*cl[:head], *cl[head + 1:]]
                head -= 1
        elif head > 0 and cl[head].form in MOTION_VERBS | FUNCTION_VERBS and cl[head - 1].action:
            going = cl[head].form in MOTION_VERBS
            cl = [*cl[:head], *cl[head + 1:]]
            head -= 1
            checked = cl[head].concept
            if going and checked is not None and checked.id == "check" and "inspect_site" in vocab.concepts:
                # a check one goes out for is made on site: 場所を見に行く, 確認しに行く
                cl = [*cl[:head], Term(cl[head].form, vocab.concepts["inspect_site"], True, False), *cl[head + 1:]]
        if head > 0:
            # 〜を〜する = the compound noun: 本人を確認する is 本人確認, 現場を確認 is 現場確認
            joined = vocab.lookup(normalise(cl[head - 1].form + cl[head].form))
            doing = cl[head].concept
            if joined is None and doing is not None and not cl[head - 1].action:
                # … also in other words for the action: 本人かどうか確かめる is 本人確認
                # (with の or without: 身分証明書を見る is 身分証明書の確認)
                joined = next((c for w in vocab.words_of(doing.id) for no in ("", "の")
                               if (c := vocab.lookup(normalise(cl[head - 1].form + no + w))) is not None), None)
            if joined is not None and joined.kind == "action":
                cl = [*cl[:head - 1], Term(cl[head - 1].form + cl[head].form, joined, True, False), *cl[head + 1:]]
                head -= 1
        head_concept = cl[head].concept
        if head_concept is not None and head_concept.becomes:
            # the object decides the sense: 手数料を受け取る collects a payment
            objects = {t.concept.id for k, t in enumerate(cl) if k != head and t.concept is not None}
            for obj, target in head_concept.becomes:
                if obj in objects:
                    cl = [*cl[:head], Term(cl[head].form, vocab.concepts[target], True, False), *cl[head + 1:]]
                    break
        head_concept = cl[head].concept
        if head_concept is not None and head_concept.id in DOCUMENT_VERBS:
            # a document named after an action, sent or made, is that action: 照会書の送付 is the
            # inquiry (第三者照会), 協議書を送付 the consultation (警察協議)
            named = next((t.concept for k, t in enumerate(cl) if k != head and t.concept is not None
                          and t.concept.kind == "action" and (t.form.endswith(DOCUMENT_SUFFIXES) or (
                              k + 1 < len(cl) and k + 1 != head and cl[k + 1].form in DOCUMENT_NOUNS))), None)
            if named is not None:
                cl = [*cl[:head], Term(cl[head].form, named, True, False), *cl[head + 1:]]
        out.append((surface, [Term(t.form, t.concept, t.action, k == head, t.synonym) for k, t in enumerate(cl)]))
    return out


#: godan endings and their continuative (連用形) kana: 落とす → 落とし
_CONTINUATIVE = dict(zip("うくぐすつぬぶむる", "いきぎしちにびみり", strict=True))


def _nominal_forms(lemma: str) -> tuple[str, ...]:
    """The nouns a verb's dictionary form makes (its continuative form): 引き落とす → 引き落とし,
    受け取る → 受け取り, 届ける → 届け (an ichidan verb drops る; a godan verb in る keeps it as
    り, so both are tried)."""
    if len(lemma) < 2 or lemma[-1] not in _CONTINUATIVE:
        return ()
    forms = [lemma[:-1] + _CONTINUATIVE[lemma[-1]]]
    if lemma.endswith("る"):
        forms.append(lemma[:-1])
    return tuple(forms)


def _humble_plain(ms: tuple[Morpheme, ...], at: int) -> str | None:
    """The plain verb the humble word `ms[at]` stands for (see `HUMBLE`), or None.

    A continuative is the verb only where the verb goes on (伺います, 伺って, お伺いする, お話を
    伺い、…); otherwise it is the noun (伺いに押印をもらう, 受理決定の伺い, 出張の伺い・申請, 伺い)."""
    m = ms[at]
    before = ms[at - 1] if at >= 1 else None
    after = ms[at + 1] if at + 1 < len(ms) else None
    honorific_o = before is not None and before.surface == "お"
    goes_on = after is not None and (after.pos == "助動詞" or after.surface in ("て", "で")
                                     or after.lemma in _DO and honorific_o
                                     or after.surface in ("、", "，", ",") and not (before is not None and before.surface == "の"))
    nominal = m.pos == "動詞" and m.conj.startswith("連用形") and not goes_on
    plain = HUMBLE.get(m.lemma) if m.pos in ("動詞", "名詞") and not nominal else None
    if plain is None and m.lemma in _HUMBLE_O and honorific_o and after is not None and after.lemma in _DO:
        return _HUMBLE_O[m.lemma]
    if plain is not None and before is not None and before.surface in ("へ", "に") and before.pos == "助詞":
        return _HUMBLE_VISIT.get(m.lemma, plain)  # after a place: お宅へ伺う is a visit
    return plain


@lru_cache(maxsize=16384)
def clauses(text: str) -> tuple[str, ...]:
    """The clauses of a label that names several actions, as label texts: 届書の受付・本人確認 →
    (届書の受付, 本人確認); 手数料を収納し証明書を交付する → (手数料を収納し, 証明書を交付する); a
    part without an action stays with the next one (児童手当・医療証の案内 is one clause). One
    clause → a 1-tuple with the label itself."""
    found = [surface for surface, _ in _clauses(text, work_vocabulary())]
    return tuple(found) if len(found) > 1 else (text,)


def _compound_concept(word: str, vocab: WorkVocabulary) -> Concept | None:
    """A compound the analyser keeps whole (出生届, 転出証明書, 入力内容) takes the concept of its
    last known part, as Japanese compounds are head-final; when that part is generic (内容),
    the first known part says more (入力内容 → 入力)."""
    for k in range(1, len(word)):
        c = vocab.lookup(word[k:])
        if c is not None and (k < len(word) - 1 or c.kind == "thing"):
            if c.kind != "generic":
                return c
            for e in range(len(word) - 1, 1, -1):
                p = vocab.lookup(word[:e])
                if p is not None and p.kind != "generic":
                    return p
            return None
    return None


def kata_to_hira(text: str) -> str:
    """Fold katakana to hiragana (ー and ・ stay): カード and かーど are one word."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def term_features(text: str) -> dict[str, float]:
    """Weighted features of a label for the word channel of label similarity.

    The head's concept weighs 2, an object's 1; the concept's family (its broader concept, or
    itself) adds half as much, so 交付 and 発行 (both "issue") meet at a third; generic
    words (内容, 処理) count 0.2. Role is part of the feature: 交付 as the head (hand over) and 交付
    inside an object (交付申請書) do not meet."""
    feats: dict[str, float] = {}

    def put(key: str, w: float) -> None:
        if w > feats.get(key, 0.0):
            feats[key] = w

    for t in terms(text):
        name = t.concept.id if t.concept is not None else (f"syn{t.synonym}" if t.synonym else t.form)
        if t.concept is not None and t.concept.kind == "generic":
            put("G:" + t.form, 0.2)
            continue
        # the family: the broader concept, or the concept itself, so that a concept and its
        # narrower ones (check / collate) share it
        families = (t.concept.families or (t.concept.id,)) if t.concept is not None else ()
        if t.head:
            put("A:" + name, 2.0)
            for family in families:
                put("A~" + family, 1.0)
        else:
            put("O:" + name, 1.0)
            for family in families:
                put("O~" + family, 0.5)
    return feats


__all__ = ["Concept", "Morpheme", "Term", "WorkVocabulary", "analyser", "clauses", "kata_to_hira", "morphemes", "normalise", "parse_vocabulary", "shipped_vocabulary", "vocabulary_in_use",
           "term_features", "terms", "work_vocabulary"]
