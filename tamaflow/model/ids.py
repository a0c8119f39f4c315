"""Ids and slugs: the one place that says what a safe step id or a file slug is, how foreign
text becomes one, and how a clash is made unique.

The loader checks ids with these patterns, the BPMN/PNML readers and the standard-flow
derivation make ids with these functions: keeping them together means a derived or imported
id always passes validation. No I/O, no imports from the rest of tamaflow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import MutableSet

#: process and city ids become folder and file names: lower-case ASCII only
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: step and lane ids: also become BPMN ids and file names; imported BPMN ids keep their case
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
#: the longest step id SAFE_ID accepts
ID_LIMIT = 100

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def safe_id(raw: str) -> str:
    """An element id as a tamaflow step id: characters outside `A-Za-z0-9_.-` become `_`, a
    leading non-alphanumeric gets an `id` prefix, `..` is broken up, length ≤ 100.

    Deterministic, so an element id from elsewhere (a gold standard) maps to the same step id."""
    s = unicodedata.normalize("NFKC", raw.strip())
    s = _UNSAFE_CHARS.sub("_", s).replace("..", "._")
    if not s or not s[0].isalnum() or not s[0].isascii():
        s = "id" + ("" if s.startswith("_") else "_") + s
    s = s[:ID_LIMIT]
    return s if SAFE_ID.match(s) else "id_" + str(abs(hash(s)))[:12]  # pragma: no cover - defensive


def slugify(text: str, fallback: str = "imported", *, tidy: bool = True) -> str:
    """A lower-case slug for `process`/`city` (folder and file names), or `fallback`.

    `tidy` (imports): NFKC first, runs of `-` collapsed and the ends stripped again after
    cutting to 64 characters. `tidy=False` (the derived standard flow): a text that already is
    a slug is kept as it is, otherwise only lower-cased, replaced, stripped and cut. The two
    rules differ on odd input; both are kept so that no existing output changes."""
    if not tidy:
        if SLUG.match(text):
            return text
        plain = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")[:64]
        return plain if plain and SLUG.match(plain) else fallback
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"[^a-z0-9_-]+", "-", s).strip("-_")
    s = re.sub(r"-{2,}", "-", s)[:64].strip("-_")
    if not s or not SLUG.match(s):
        return fallback
    return s


def claim_id(base: str, used: MutableSet[str], limit: int | None = None) -> str:
    """`base`, or `base_2`, `base_3`, … : the first that is not in `used`, which it is added to.

    With `limit`, a suffixed id keeps only the first `limit - 5` characters of `base`, so that
    it stays within the id length rule (the BPMN reader passes `ID_LIMIT`)."""
    stem = base if limit is None else base[: limit - 5]
    cand = base
    n = 2
    while cand in used:
        cand = f"{stem}_{n}"
        n += 1
    used.add(cand)
    return cand
