"""The optional extra `tamaflow[semantic]`: ja-ginza's word vectors, read without spaCy, as a floor
under the label similarity of Japanese steps the work vocabulary does not know
(tamaflow/compare/semantic.py).

Two kinds of tests:
- everywhere: spaCy's string hash, the `key2row` decoder on a map written here byte by byte, and
  `tamaflow compare` through a stand-in `ja_ginza` package made in a temporary folder (a small
  vector table in ja-ginza's file layout, whose `__init__` refuses to be imported): the vectors
  make one pair of tests/fixtures/compare/semantic match that the core leaves apart, a broken
  table is one clear line, and without the package the output is the core's, byte for byte;
- with the extra installed (skipped otherwise, with the reason): the real ja-ginza files lift
  pairs worded apart and change nothing the core pairs, and the decoder and hash are checked
  against spaCy's own where spaCy is importable.

Since a Japanese verb the vocabulary does not know counts neutral (2026-11-30), the core pairs
much of what the vectors were for (現場写真の撮影 / 現地を写真に撮る by their shared object and
place), and since 2026-12-02 the vocabulary knows taking photographs too (撮影, 写す by the synonym
dictionary): the fixture's survey step is worded with nothing the core knows in common (現況のスケッチ
/ 道の様子を描く, label similarity 0.28, under the 0.3 that place may lift), which the stand-in table's
vectors join, and ja-ginza's too (cosine 0.53).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from tamaflow.compare import semantic
from tamaflow.compare.labels import Vocabulary, features
from tamaflow.compare.labelspace import LabelSpace, label_similarity
from tamaflow.model.findings import TamaflowError

ROOT = Path(__file__).resolve().parents[1]
ROAD = ROOT / "tests" / "fixtures" / "compare" / "semantic"
#: the pair only the vectors see (higashi's step, nishi's step)
BY_VECTORS = ("h_sketch", "n_egaku")
#: the pairs the core finds on its own
BY_VOCABULARY = [("h_uketsuke", "n_uketsuke"), ("h_kian", "n_kian"), ("h_hatchu", "n_hatchu"),
                 ("h_kanryo", "n_kanryo")]

needs_extra = pytest.mark.skipif(find_spec("ja_ginza") is None, reason="the semantic extra is not installed "
                                 "(pip install -e '.[semantic]': ja-ginza's word vectors)")
needs_spacy = pytest.mark.skipif(find_spec("ja_ginza") is None or find_spec("spacy") is None,
                                 reason="spaCy and ja-ginza (the semantic extra) are not installed")


# --------------------------------------------------------------------------------------------
# A stand-in ja_ginza, written the way spaCy writes its vocab folder


def msgpack_uint(value: int) -> bytes:
    """A non-negative integer as msgpack writes it (the smallest form)."""
    if value < 0x80:
        return bytes([value])
    for marker, width in ((0xCC, 1), (0xCD, 2), (0xCE, 4), (0xCF, 8)):
        if value < 1 << (8 * width):
            return bytes([marker]) + value.to_bytes(width, "big")
    raise ValueError(value)


def msgpack_map(entries: dict[int, int]) -> bytes:
    return b"\xdf" + len(entries).to_bytes(4, "big") + b"".join(
        msgpack_uint(k) + msgpack_uint(v) for k, v in entries.items())


def fake_table(rng: random.Random) -> tuple[dict[int, int], np.ndarray]:
    """A table where 現況 and 様子 (the state of the road) share a vector and スケッチ and 描く
    (drawing it) another, so the road fixture's survey step in both wordings (現況のスケッチ /
    道の様子を描く) has one label vector, among 300 rows and 2,000 other keys: rows in all three msgpack
    widths, two symbol-id keys, and hashes full of 0xcf bytes."""
    dims = 8
    vectors = np.array([[rng.gauss(0, 1) for _ in range(dims)] for _ in range(300)], dtype=np.float32)
    vectors[:3] = 0
    vectors[0, 0] = vectors[1, 1] = vectors[2, 2] = 3.0
    key2row = {semantic.word_key(w): r for w, r in
               [("現況", 0), ("様子", 0), ("スケッチ", 2), ("描く", 2)]}
    key2row[semantic.word_key("ID")] = 200  # a symbol id: 64, one byte
    key2row[semantic.word_key("ORG")] = 130  # 383: uint16
    while len(key2row) < 2000:
        key = rng.getrandbits(64) | (1 << 63)
        if rng.random() < 0.2:
            key = int.from_bytes(bytes([0xCF]) * 4 + key.to_bytes(8, "big")[4:], "big")
        key2row[key] = rng.randrange(3, 300)
    return key2row, vectors


def write_package(folder: Path, key2row: bytes, vectors: np.ndarray) -> Path:
    """A `ja_ginza` package in `folder` (put it on PYTHONPATH); its `__init__` fails, so a run
    that reads its vectors proves it did not import it (nor spaCy)."""
    pkg = folder / "ja_ginza"
    vocab = pkg / "ja_ginza-5.3.0" / "vocab"
    vocab.mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise ImportError('tamaflow must not import ja_ginza (it imports spaCy)')\n")
    (vocab / "key2row").write_bytes(key2row)
    with (vocab / "vectors").open("wb") as f:
        np.save(f, vectors)
    return vocab


def run_compare(extra_path: Path | None, switch: str | None = None, block: bool = False) -> subprocess.CompletedProcess[str]:
    """`tamaflow compare` on the road fixture in a new process, with `extra_path` first on the path."""
    env = {k: v for k, v in os.environ.items() if k not in (semantic.SWITCH, "PYTHONPATH")}
    if extra_path is not None:
        env["PYTHONPATH"] = str(extra_path)
    if switch is not None:
        env[semantic.SWITCH] = switch
    code = ("import sys\n" + ("sys.modules['ja_ginza'] = None\n" if block else "")
            + "from tamaflow.cli import main\n"
            + f"sys.argv = ['tamaflow', 'compare', {str(ROAD)!r}, '--format', 'json']\nmain()\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def aligned(result: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["alignment"]


def assert_core_alignment(groups: list[dict[str, str]]) -> None:
    for h, n in BY_VOCABULARY:
        assert {"higashi": h, "nishi": n} in groups, groups
    assert {"higashi": BY_VECTORS[0]} in groups and {"nishi": BY_VECTORS[1]} in groups, groups


# --------------------------------------------------------------------------------------------
# Everywhere


@pytest.mark.parametrize(("word", "key"), [
    ("a", 11901859001352538922), ("abcdefgh", 17751780907874141760),
    ("受付", 5110785636911740183), ("申請書", 7704341519536919287), ("住民票の写しの交付", 1569225881417053644),
    ("撮影", 1756369056078687290), ("ID", 64), ("ORG", 383)])
def test_word_keys_are_spacys(word: str, key: int) -> None:
    # the values spaCy 3.8 gives (spacy.strings.get_string_id): 1, 8, 6, 9 and 27 UTF-8 bytes
    # (a tail of every length class of MurmurHash64A, and none); symbol strings keep their ids
    assert semantic.word_key(word) == key


def test_murmurhash_of_nothing() -> None:
    assert semantic.murmurhash64a(b"") == 14313749767032693980  # spacy.strings.hash_string("")


def test_key2row_is_decoded_exactly() -> None:
    key2row, _vectors = fake_table(random.Random(5))
    keys, rows = semantic.read_key2row(msgpack_map(key2row))
    assert len(keys) == len(key2row) and np.all(np.diff(keys.astype(object)) > 0)
    assert dict(zip(keys.tolist(), rows.tolist(), strict=True)) == key2row


@pytest.mark.parametrize("damage", ["cut", "count", "marker", "not a map"])
def test_a_key2row_file_it_cannot_read_is_refused(damage: str) -> None:
    data = msgpack_map(fake_table(random.Random(6))[0])
    broken = {"cut": data[:-3], "count": data[:1] + (1999).to_bytes(4, "big") + data[5:],
              "marker": data[:5] + b"\xce" + data[6:], "not a map": b"\x93\x01\x02\x03"}[damage]
    with pytest.raises(ValueError, match="key2row"):
        semantic.read_key2row(broken)


def test_an_unreadable_table_is_one_line_naming_the_way_out(tmp_path: Path) -> None:
    vocab = write_package(tmp_path, b"\xdf\x00\x00\x00\x05junk", np.zeros((3, 4), dtype=np.float32))
    with pytest.raises(TamaflowError) as err:
        semantic.read_vectors(vocab)
    assert str(vocab) in str(err.value) and f"unset {semantic.SWITCH}" in str(err.value)
    result = run_compare(tmp_path, switch="1")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"{vocab}: cannot read the word vectors of tamaflow[semantic]"), result.stderr


def test_vectors_read_without_spacy_match_a_pair_the_core_misses(tmp_path: Path) -> None:
    key2row, vectors = fake_table(random.Random(7))
    write_package(tmp_path, msgpack_map(key2row), vectors)
    with_vectors = aligned(run_compare(tmp_path, switch="1"))
    assert {"higashi": BY_VECTORS[0], "nishi": BY_VECTORS[1]} in with_vectors, with_vectors
    for h, n in BY_VOCABULARY:
        assert {"higashi": h, "nishi": n} in with_vectors, with_vectors
    # switched off, the same package present: the core's alignment
    assert_core_alignment(aligned(run_compare(tmp_path, switch="0")))


def test_the_vectors_take_part_only_when_asked_for(tmp_path: Path) -> None:
    # installed is not asked for: since the left-over steps are paired by place the vectors no
    # longer lift the development sets (mean F1 0.816 without, 0.811 with them: docs/compare.md),
    # so a run without TAMAFLOW_SEMANTIC=1 is the core's, byte for byte, and does not even read
    # the table (a broken one is not noticed)
    key2row, vectors = fake_table(random.Random(7))
    write_package(tmp_path, msgpack_map(key2row), vectors)
    unasked = run_compare(tmp_path)
    assert_core_alignment(aligned(unasked))
    assert unasked.stdout == run_compare(tmp_path, switch="0").stdout != run_compare(tmp_path, switch="1").stdout
    broken = tmp_path / "broken"
    write_package(broken, b"\xdf\x00\x00\x00\x05junk", np.zeros((3, 4), dtype=np.float32))
    assert run_compare(broken).stdout == unasked.stdout


def test_without_the_extra_the_output_is_the_cores_byte_for_byte() -> None:
    # the package made unfindable in a fresh process (as on an install without it) gives the same
    # bytes as the switch, even where the vectors are asked for; where the extra is absent
    # anyway, this is the plain install
    absent = run_compare(None, switch="1", block=True)
    assert_core_alignment(aligned(absent))
    assert absent.stdout == run_compare(None, switch="0").stdout
    # asked for and absent: one line says the comparison ran without them
    assert absent.stderr.count("\n") == 1 and "tamaflow[semantic] is not installed" in absent.stderr, absent.stderr
    assert "not installed" not in run_compare(None, block=True).stderr


def test_an_english_comparison_builds_no_vectors() -> None:
    vocab = Vocabulary()
    space = LabelSpace([features(x, vocab) for x in ("Check application", "Verify documents")])
    assert space.vectors is None


# --------------------------------------------------------------------------------------------
# With the extra installed


@needs_extra
def test_ja_ginzas_vectors_keep_every_pair_the_core_makes() -> None:
    # the real vectors score 現況のスケッチ / 道の様子を描く at a cosine of 0.53, and the core alone
    # has nothing in common between them but the benefit of the doubt its unknown words get.
    # What the vectors see is evidence enough for the place: both steps sit alone between the
    # same matched steps, and the steps left over pair by place (2026-12-01). Every pair the core
    # makes stays
    with_vectors = aligned(run_compare(None, switch="1"))
    for h, n in BY_VOCABULARY:
        assert {"higashi": h, "nishi": n} in with_vectors, with_vectors
    assert {"higashi": BY_VECTORS[0], "nishi": BY_VECTORS[1]} in with_vectors, with_vectors
    assert_core_alignment(aligned(run_compare(None, switch="0")))


@needs_extra
def test_the_floor_lifts_japanese_pairs_and_leaves_english_and_known_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = [("草刈り", "除草する"), ("転入届を受理する", "転入届の受付"),
             ("Send acceptance letter", "Send rejection letter"), ("手数料を収納する", "証明書を交付する")]
    monkeypatch.setenv(semantic.SWITCH, "0")
    core = {pair: label_similarity(*pair) for pair in pairs}
    monkeypatch.setenv(semantic.SWITCH, "1")
    lifted = {pair: label_similarity(*pair) for pair in pairs}
    mowing = pairs[0]
    # neither word is in the vocabulary: the core meets them at a neutral head and one shared
    # character (0.62); their vectors are close (0.90)
    assert lifted[mowing] >= core[mowing] + 0.2
    # a floor, never a cut: what the vocabulary scores stands
    assert all(lifted[p] >= core[p] for p in pairs)
    assert lifted[pairs[1]] == core[pairs[1]] == 1.0
    # English labels have no vectors; unrelated Japanese work stays apart
    assert lifted[pairs[2]] == core[pairs[2]]
    assert lifted[pairs[3]] < 0.3


@needs_extra
@pytest.mark.parametrize(("a", "b"), [("証明書を印刷する", "証明書を郵送する"), ("交付申請書の受付", "証明書の交付")])
def test_no_floor_where_the_vocabulary_knows_both_actions_apart(monkeypatch: pytest.MonkeyPatch, a: str, b: str) -> None:
    # their mean vectors are close (the object dominates), but the vocabulary knows that
    # printing and mailing, receiving and handing over are different work
    va, vb = semantic.label_vector(a), semantic.label_vector(b)
    assert va is not None and vb is not None and float(va @ vb) > semantic.FLOOR
    monkeypatch.setenv(semantic.SWITCH, "0")
    core = label_similarity(a, b)
    monkeypatch.setenv(semantic.SWITCH, "1")
    assert label_similarity(a, b) == core < 0.5


@needs_extra
def test_a_japanese_comparison_gives_english_labels_no_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(semantic.SWITCH, "1")
    vocab = Vocabulary()
    space = LabelSpace([features(x, vocab) for x in ("出張に行く", "出張の実施", "Check application")])
    assert space.vectors is not None and space.vectors[0].any() and not space.vectors[2].any()


@needs_spacy
def test_the_decoder_and_the_hash_agree_with_spacy() -> None:
    # spaCy's own reading of the same files: every key and row, every string's hash, the symbols
    import srsly
    from spacy.strings import get_string_id
    from spacy.symbols import IDS

    folder = semantic.vocab_folder()
    assert folder is not None
    table = semantic.read_vectors(folder)
    theirs = srsly.msgpack_loads((folder / "key2row").read_bytes())
    assert dict(zip(table.keys.tolist(), table.rows.tolist(), strict=True)) == theirs
    strings = srsly.read_json(folder / "strings.json")
    assert all(semantic.word_key(s) == get_string_id(s) for s in strings)
    symbols = {IDS[s]: s for s in IDS}
    assert {symbols[k]: k for k in theirs if k < 1 << 32} == semantic._SYMBOLS
