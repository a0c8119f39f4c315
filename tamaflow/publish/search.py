"""The site's search index: procedures, cities and step names, matched as NFKC substrings.

Japanese has no spaces to split words on, and a word tokenizer would miss compounds (本人確認 in
本人確認書類の確認). So the search is a plain substring match after NFKC normalisation and case
folding, which is what analysts expect from Ctrl+F, and the whole index (a few thousand short
labels) is small enough to scan on every key press. It is written as a `.js` file that assigns a
global, because pages opened from `file://` may not `fetch` a JSON file.

Depends only on the data it is given.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from .data import SiteData

KIND_PROCEDURE = "procedure"
KIND_CITY = "city"
KIND_STEP = "step"


def normalize(text: str) -> str:
    """The matching key: NFKC (full-width ASCII, half-width kana, compatibility forms folded) and
    lower-cased. The browser applies the same `normalize("NFKC").toLowerCase()` to the query."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    label: str
    context: str
    #: site-root-relative URL
    url: str
    key: str


def build_index(data: SiteData) -> list[Entry]:
    """Every procedure, every city with at least one variant, every named step, in page order."""
    out: list[Entry] = []
    per_city: dict[str, int] = {}
    for proc in data.procedures:
        cities = "、".join(v.city_name for v in proc.variants)
        out.append(Entry(KIND_PROCEDURE, proc.name, f"手続 · {len(proc.variants)}市: {cities}",
                         f"p/{proc.process}/index.html", normalize(f"{proc.name} {proc.process}")))
        for v in proc.variants:
            per_city[v.city] = per_city.get(v.city, 0) + 1
    for slug, name in data.cities.items():
        if slug in per_city:
            out.append(Entry(KIND_CITY, name, f"市 · {per_city[slug]}手続", f"c/{slug}.html",
                             normalize(f"{name} {slug}")))
    for proc in data.procedures:
        for v in proc.variants:
            for s in v.process.steps:
                if not s.name:
                    continue
                out.append(Entry(KIND_STEP, s.name, f"{proc.name} — {v.city_name}",
                                 f"p/{proc.process}/{v.city}.html#step-{s.id}", normalize(s.name)))
    return out


def js_literal(value: object) -> str:
    """JSON that is safe inside a `<script>` element or a .js file: no `<`, `>`, `&`, and no
    U+2028/2029 (line terminators in older JavaScript)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def index_js(entries: list[Entry]) -> bytes:
    """The index as a script assigning `window.TAMAFLOW_SEARCH` (rows: kind, label, context, url, key)."""
    rows = [[e.kind, e.label, e.context, e.url, e.key] for e in entries]
    body = ",\n".join(js_literal(r) for r in rows)
    return f"window.TAMAFLOW_SEARCH = [\n{body}\n];\n".encode()
