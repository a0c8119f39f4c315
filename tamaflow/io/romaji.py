"""Japanese text as readable ASCII for file slugs: `転入届` → `tennyutodoke`, `国立市` → `kunitachishi`.

`tamaflow import` names a process or city after a file or model name; such names are often
Japanese, and a slug of only ASCII letters would drop them all (leaving `imported`). SudachiPy
(already installed for compare) gives each word's reading in katakana; the readings are written in
Hepburn without long-vowel marks (ou → o, uu → u, ー dropped), the way the library's own slugs are
spelt (juminhyo, kokuho). Without the analyser only kana are converted. No tamaflow imports.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_BASE = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o", "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke",
    "コ": "ko", "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so", "タ": "ta", "チ": "chi",
    "ツ": "tsu", "テ": "te", "ト": "to", "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho", "マ": "ma", "ミ": "mi", "ム": "mu",
    "メ": "me", "モ": "mo", "ヤ": "ya", "ユ": "yu", "ヨ": "yo", "ラ": "ra", "リ": "ri", "ル": "ru",
    "レ": "re", "ロ": "ro", "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n", "ガ": "ga", "ギ": "gi",
    "グ": "gu", "ゲ": "ge", "ゴ": "go", "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do", "バ": "ba", "ビ": "bi", "ブ": "bu",
    "ベ": "be", "ボ": "bo", "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po", "ヴ": "vu",
    "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o", "ャ": "ya", "ュ": "yu", "ョ": "yo", "ヮ": "wa",
}
#: a kana with a small ya/yu/yo (or small vowel) after it: キャ → kya, シャ → sha, フィ → fi
_SMALL = {"ャ": "a", "ュ": "u", "ョ": "o", "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}
_KANA_RUN = re.compile(r"[\u3041-\u30ff]+")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ヵヶ]")


def kana_to_romaji(kana: str) -> str:
    """Hiragana/katakana in Hepburn, long vowels folded (ou → o, uu → u, ー dropped); other
    characters are kept as they are."""
    kata = "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in kana)
    out: list[str] = []
    double = False
    i = 0
    while i < len(kata):
        c = kata[i]
        nxt = kata[i + 1] if i + 1 < len(kata) else ""
        if c == "ッ":
            double = True
            i += 1
            continue
        if c == "ー":
            i += 1
            continue
        syl = _BASE.get(c, c)
        if nxt in _SMALL and c in _BASE and c not in _SMALL:
            stem = syl[:-1]
            if stem.endswith(("sh", "ch", "j")) and nxt in "ャュョ":
                syl = stem + _SMALL[nxt]
            elif nxt in "ャュョ":
                syl = stem + "y" + _SMALL[nxt]
            else:
                syl = (stem or syl) + _SMALL[nxt] if c in "フヴウテデ" else syl + _SMALL[nxt]
            i += 1
        if double and syl and syl[0].isascii() and syl[0].isalpha():
            syl = ("t" if syl.startswith("ch") else syl[0]) + syl
        double = False
        out.append(syl)
        i += 1
    text = "".join(out)
    return text.replace("ou", "o").replace("uu", "u")


@lru_cache(maxsize=1)
def sudachi_tokenizer() -> Any:
    """(SudachiPy tokenizer, SplitMode.C) with the core dictionary, loaded once per process and
    shared by `import` (readings) and `compare` (morphemes); None when SudachiPy or its
    dictionary cannot be loaded, so callers fall back."""
    try:
        from sudachipy import Dictionary, SplitMode

        dictionary = Dictionary(dict="core")
        make = getattr(dictionary, "tokenizer", None) or dictionary.create  # SudachiPy 0.7 renamed create()
        return make(mode=SplitMode.C), SplitMode.C
    except Exception:  # noqa: BLE001 - any failure (missing wheel, dictionary): convert kana only
        return None


def romanize(text: str) -> str:
    """`text` with every Japanese word replaced by its reading in romaji, adjacent words joined
    by `-`; ASCII and other characters are kept. Deterministic for a given dictionary version."""
    text = unicodedata.normalize("NFKC", text)
    if not _JAPANESE.search(text):
        return text
    tok = sudachi_tokenizer()
    if tok is None:
        return _KANA_RUN.sub(lambda m: kana_to_romaji(m.group()), text)
    tokenizer, mode = tok
    out: list[str] = []
    previous_japanese = False
    for m in tokenizer.tokenize(text, mode):
        surface = m.surface()
        japanese = bool(_JAPANESE.search(surface))
        if japanese and previous_japanese:
            out.append("-")
        out.append(kana_to_romaji(m.reading_form()) if japanese else surface)
        previous_japanese = japanese
    return "".join(out)
