"""Word vectors as weak evidence for Japanese label similarity: the optional extra
`tamaflow[semantic]` (the 20,000 × 300 word vectors that the `ja-ginza` package ships, chiVe's,
read straight from its files: spaCy is never imported).

Why: the work vocabulary (`vocabulary.yaml`) decides what it knows, but cities use words it was
not written against (きっぷとホテルを用意する / 宿泊先・乗車券手配, 出張に行く / 出張の実施). A label
whose words sit near the other label's words in a general word space is more likely the same
step. On the two Japanese sets measured while still held out it added about 0.04 F1 on the matcher
of 2026-11-30; on the development sets, whose wording the vocabulary was written against, it
changed little (docs/compare.md, "Word vectors"). The core reaches its goals without it.

How: a Japanese label becomes the mean of the unit vectors of its content morphemes (nouns,
verbs, adjectives, as tamaflow's own SudachiPy analysis cuts them; light verbs such as する and
行う say nothing and are left out), normalised. A morpheme is looked up by its surface, then by
its dictionary form. Two Japanese labels whose cosine `c` exceeds `FLOOR` get at least
`WEIGHT · (c − FLOOR) / (1 − FLOOR)` as label similarity: a floor under the vocabulary's score,
never a cut. It is not laid where the vocabulary knows both labels' actions and they differ
(証明書を印刷する / 証明書を郵送する: the shared object makes their vectors close, the actions are
different work); `LabelSpace._block` applies it.

Reading the files without spaCy (importing it cost 1.8 s of CPU per process): the vectors are
a plain `.npy` array, memory-mapped, so only the rows of the words looked up are read. The word →
row table (`key2row`, 480,443 words sharing the 20,000 rows) is a msgpack map from spaCy's
64-bit string hash to a row, decoded with array operations (`read_key2row`) rather than a
msgpack library (srsly: 0.3 s with its import). spaCy's key of a word is MurmurHash64A of its
UTF-8 bytes with seed 1 (`spacy.strings.hash_string`), except for the strings of spaCy's symbol
table, keyed by their symbol id (`_SYMBOLS`). The package is found without being imported
(`vocab_folder`): its `__init__` imports spaCy.

Asked for, not assumed (2026-12-01, twelfth session): the vectors take part only where
`TAMAFLOW_SEMANTIC=1` asks for them. Since the steps the labels leave over are paired by place
they no longer help: the mean F1 of the six Japanese development sets is 0.816 without them and
0.811 with them, no point of a grid over WEIGHT and FLOOR beats the core by more than noise, and
the eight held-out Japanese sets give 0.760 without them and 0.754 with them (docs/compare.md,
"Word vectors"). Without the switch, or without the extra, `label_vectors` returns None and
`LabelSpace` computes exactly what the core computes (the same bytes out).

Cost: read once per process, on the first comparison that has Japanese labels; each distinct
word and label is then looked up once (cached).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..model.findings import TamaflowError
from .japanese import LIGHT_VERBS, morphemes

#: similarity a pair of identical bags of words gets (cosine 1); below the core's 1.0, so the
#: vectors alone never make two labels the same. WEIGHT and FLOOR: the best mean F1 of the three
#: Japanese development sets over ten points (WEIGHT 0.8 to 1, FLOOR 0.35 to 0.5), every one of
#: them within 0.005 of it (docs/compare.md); not chosen again since
WEIGHT = 0.9
#: cosine at which the vectors start to count: the mean of two unrelated municipal labels is
#: about 0.5 (the words of one domain sit together), so only what is clearly nearer counts
FLOOR = 0.45
#: scale of the integer grid the label vectors are held on (`label_vectors`): products below
#: 2**40, sums of 300 of them below 2**49, so exact in float64; rounding moves a cosine by < 1e-5
GRID = float(2**20)
#: parts of speech whose words carry the label's meaning
_CONTENT = frozenset({"名詞", "動詞", "形容詞"})
#: environment variable that switches the extra off when set to 0/off/false/no
SWITCH = "TAMAFLOW_SEMANTIC"
#: the distribution whose files hold the vectors (pyproject.toml's `semantic` extra)
PACKAGE = "ja_ginza"
#: strings of spaCy's symbol table that key a row of ja-ginza's table: spaCy keys them by symbol
#: id, not by hash (`spacy.symbols.IDS`; a test checks these against spaCy where it is installed)
_SYMBOLS = {"ID": 64, "POS": 74, "DEP": 76, "ADP": 85, "ADV": 86, "X": 101, "ORG": 383, "LOC": 385,
            "agent": 401, "attr": 404, "aux": 405, "cc": 407, "det": 415, "nn": 427, "obj": 434,
            "poss": 440, "prep": 443, "root": 449}

_FIXINT_SYMBOLS = sorted(s for s in _SYMBOLS.values() if s < 0x80)
_UINT16_SYMBOLS = sorted(s for s in _SYMBOLS.values() if s >= 0x80)
_M = 0xC6A4A7935BD1E995
_MASK = (1 << 64) - 1


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A (Austin Appleby's, 64-bit, little-endian blocks): the hash spaCy keys its
    strings by (seed 1). Pure Python: a word is hashed once, in about 2 µs."""
    n = len(data)
    h = (seed ^ (n * _M)) & _MASK
    end = n - n % 8
    for i in range(0, end, 8):
        k = (int.from_bytes(data[i:i + 8], "little") * _M) & _MASK
        k = ((k ^ (k >> 47)) * _M) & _MASK
        h = ((h ^ k) * _M) & _MASK
    if end < n:
        h = ((h ^ int.from_bytes(data[end:], "little")) * _M) & _MASK
    h = ((h ^ (h >> 47)) * _M) & _MASK
    return h ^ (h >> 47)


def word_key(word: str) -> int:
    """The key spaCy gives a word in its vector table (`spacy.strings.get_string_id`)."""
    return _SYMBOLS.get(word) or murmurhash64a(word.encode("utf-8"))


@dataclass(frozen=True)
class WordVectors:
    """A vector table read from a spaCy `vocab` folder: `keys` sorted, `rows[i]` the row of
    `keys[i]` in `vectors` (memory-mapped float32, one row per vector)."""

    keys: np.ndarray
    rows: np.ndarray
    vectors: np.ndarray

    def row(self, word: str) -> int:
        """The word's row, or -1 when it has no vector."""
        key = np.uint64(word_key(word))
        i = int(np.searchsorted(self.keys, key))
        return int(self.rows[i]) if i < len(self.keys) and self.keys[i] == key else -1


def read_key2row(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The keys (sorted) and their rows of a spaCy `key2row` file: a msgpack map32 of uint64
    word hashes (and a few symbol ids, written shorter) to rows below 65,536.

    Decoded with array operations, without a msgpack library, exactly: every byte that could
    start an entry (msgpack's uint64 marker 0xcf, or one of `_SYMBOLS`' ids) is taken as a
    candidate and linked to the candidate where its entry would end; the entries are the chain of
    links from the map's first byte, followed by pointer doubling (log2 480,443 = 19 rounds of
    one gather). A candidate inside another entry (a 0xcf among a hash's bytes) is never on the
    chain. The chain must hold the map's count of entries and end at the file's end, else the
    file is not what this reads (ValueError)."""
    end = len(data)
    if end < 5 or data[0] != 0xDF:
        raise ValueError("key2row is not a msgpack map")
    n = int.from_bytes(data[1:5], "big")
    a = np.frombuffer(data + bytes(16), dtype=np.uint8)  # padded: reads past an entry stay inside
    # every byte seen as the first of 8 big-endian ones (a strided view: nothing is copied)
    be8 = as_strided(a, shape=(end + 8, 8), strides=(1, 1))
    lut = np.zeros(256, dtype=bool)
    lut[[0xCF, *_FIXINT_SYMBOLS]] = True
    starts = lut[a[:end]]
    cd = np.flatnonzero(a[:end] == 0xCD)  # uint16: the symbol ids from 128 up
    starts[cd[np.isin((a[cd + 1].astype(np.int64) << 8) | a[cd + 2], _UINT16_SYMBOLS)]] = True
    starts[:5] = False
    pos = np.flatnonzero(starts)
    first = a[pos]
    at = pos + np.where(first == 0xCF, 9, np.where(first == 0xCD, 3, 1))  # where the row is
    kind = a[at]
    width = np.where(kind < 0x80, 1, np.where(kind == 0xCC, 2, np.where(kind == 0xCD, 3, 0)))
    m = len(pos)
    # the candidate at each byte (m: none, a sink); int32, as it is the largest array here
    node = np.full(end + 16, m, dtype=np.int32)
    node[pos] = np.arange(m, dtype=np.int32)
    node[end] = m
    jump = np.append(np.where(width > 0, node[at + width], m), m).astype(np.int32)
    del node, starts, cd  # the byte-sized arrays: a lower peak for what follows
    if n == 0 or m == 0 or pos[0] != 5:
        raise ValueError("key2row's first entry is not a word's")
    chain = np.empty(1 << (n - 1).bit_length(), dtype=np.int32)
    chain[0] = 0
    size = 1
    while size < n:
        chain[size:2 * size] = jump[chain[:size]]
        size *= 2
        if size < n:
            jump = jump[jump]
    chain = chain[:n]
    del jump
    if (chain == m).any() or at[chain[-1]] + width[chain[-1]] != end:
        raise ValueError(f"key2row's {n} entries do not fill the file")
    p, first, at = pos[chain], first[chain], at[chain]
    kind = a[at]
    rows = np.where(kind < 0x80, kind, np.where(kind == 0xCC, a[at + 1], (a[at + 1].astype(np.int64) << 8) | a[at + 2]))
    keys = be8[p + 1].copy().view(">u8").ravel().astype(np.uint64)
    short = first != 0xCF
    keys[short] = np.where(first[short] == 0xCD, (a[p[short] + 1].astype(np.uint64) << 8) | a[p[short] + 2],
                           first[short])
    order = np.argsort(keys)
    return keys[order], rows[order].astype(np.int64)


def vocab_folder() -> Path | None:
    """The `vocab` folder of the installed ja-ginza model, found without importing the package
    (importing it imports spaCy); None when the extra is not installed."""
    spec = find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(p.parent for base in spec.submodule_search_locations
                   for p in Path(base).glob(f"{PACKAGE}-*/vocab/vectors"))
    return found[-1] if found else None


def read_vectors(folder: Path) -> WordVectors:
    """The vector table in a spaCy `vocab` folder (`vectors` as .npy, `key2row` as msgpack);
    an unreadable one is a TamaflowError naming the file and the way out."""
    try:
        vectors = np.load(folder / "vectors", mmap_mode="r", allow_pickle=False)
        if vectors.ndim != 2 or vectors.dtype.kind != "f":
            raise ValueError(f"expected a 2-D float array, found {vectors.dtype} {vectors.shape}")
        keys, rows = read_key2row((folder / "key2row").read_bytes())
        if len(keys) and (rows.max() >= vectors.shape[0]):
            raise ValueError("key2row names a row the vectors do not have")
    except (OSError, ValueError) as e:
        raise TamaflowError(f"{folder}: cannot read the word vectors of tamaflow[semantic]: {e}; reinstall "
                            f"it (pip install --force-reinstall ja-ginza) or unset {SWITCH}", code="TF000") from None
    return WordVectors(keys, rows, vectors)


def enabled() -> bool:
    """Whether word vectors take part: asked for (`TAMAFLOW_SEMANTIC=1`) and installed."""
    return _switched_on() and _table() is not None


def asked_but_absent() -> bool:
    """Whether `TAMAFLOW_SEMANTIC=1` asks for the vectors on an install without the extra: the
    comparison runs without them, and the CLI says so rather than let the analyst believe
    otherwise."""
    return _switched_on() and vocab_folder() is None


def _switched_on() -> bool:
    # read on every comparison (not cached), so one process can compare with and without
    return os.environ.get(SWITCH, "").strip().lower() in ("1", "on", "true", "yes")


@lru_cache(maxsize=1)
def _table() -> WordVectors | None:
    """ja-ginza's vector table, read once; None when the extra is absent."""
    folder = vocab_folder()
    return None if folder is None else read_vectors(folder)


@lru_cache(maxsize=65536)
def _row(word: str) -> int:
    table = _table()
    return -1 if table is None else table.row(word)


@lru_cache(maxsize=65536)
def label_vector(text: str) -> np.ndarray | None:
    """The unit mean vector of a Japanese label's content words; None when none has a vector
    (or the extra is absent). A word is looked up as written, then in its dictionary form."""
    table = _table()
    if table is None:
        return None
    rows: list[int] = []
    for m in morphemes(text):
        if m.pos not in _CONTENT or m.lemma in LIGHT_VERBS or m.surface in LIGHT_VERBS:
            continue
        row = _row(m.surface)
        if row < 0:
            row = _row(m.lemma)
        if row >= 0:
            rows.append(row)
    if not rows:
        return None
    # unit rows in float64, normalised row by row (the same numbers whichever rows are read)
    data = np.asarray(table.vectors[rows], dtype=np.float64)
    unit = data / np.maximum(np.linalg.norm(data, axis=1, keepdims=True), 1e-12)
    mean = unit.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else None


def label_vectors(texts: Sequence[str], japanese: np.ndarray) -> np.ndarray | None:
    """One row per label (zeros for English labels and labels without a vector), or None when
    the vectors take no part: no Japanese label, the extra not asked for or absent.

    The rows are the unit vectors on an integer grid (× `GRID`, rounded), so that every dot
    product is a sum of integers below 2**53, exact in float64 whatever order a matrix product
    adds them in: a block of similarities gives the same numbers whatever its shape
    (`LabelSpace.block` computes large blocks over the distinct labels and spreads them back)."""
    if not japanese.any() or not _switched_on():
        return None
    table = _table()
    if table is None:
        return None
    out = np.zeros((len(texts), table.vectors.shape[1]))
    for i, (text, ja) in enumerate(zip(texts, japanese, strict=True)):
        if ja:
            v = label_vector(text)
            if v is not None:
                out[i] = np.rint(v * GRID)
    return out


def cosines(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Cosine of every row label against every column label (rows of `label_vectors`; 0 where
    one has no vector)."""
    return (rows @ cols.T) / (GRID * GRID)


def floor(sim: np.ndarray, cosine: np.ndarray) -> np.ndarray:
    """The label similarity with the vectors' floor under it (see the module docstring)."""
    lift = np.clip((cosine - FLOOR) / (1.0 - FLOOR), 0.0, 1.0)
    return np.maximum(sim, WEIGHT * lift)


__all__ = ["FLOOR", "GRID", "SWITCH", "WEIGHT", "WordVectors", "asked_but_absent", "cosines", "enabled", "floor", "label_vector",
           "label_vectors", "murmurhash64a", "read_key2row", "read_vectors", "vocab_folder", "word_key"]
