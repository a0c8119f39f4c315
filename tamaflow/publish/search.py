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

from ..model.process import Step
from .data import SiteData
from .text import is_truncated, truncate

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
    #: the whole label when `label` had to be cut (shown as the result's tooltip), else ""
    full: str = ""


def step_marks(step: Step) -> list[str]:
    """The words a step's attributes add to its search key and context: 押印 for `seal: true`,
    紙 and 対面 for those media, so a search for 押印 finds the steps that need a seal even when
    their name does not say so."""
    marks = ["押印"] if step.seal else []
    if step.medium == "paper":
        marks.append("紙")
    elif step.medium == "in-person":
        marks.append("対面")
    return marks


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
                marks = step_marks(s)
                context = f"{proc.name} — {v.city_name}" + (f"（{'・'.join(marks)}）" if marks else "")
                out.append(Entry(KIND_STEP, truncate(s.name), context, f"p/{proc.process}/{v.city}.html#step-{s.id}",
                                 normalize(" ".join([s.name, *marks])), s.name if is_truncated(s.name) else ""))
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
    """The index as a script assigning `window.TAMAFLOW_SEARCH` (rows: kind, label, context, url,
    key, and the whole label when it was cut)."""
    rows = [[e.kind, e.label, e.context, e.url, e.key, *([e.full] if e.full else [])] for e in entries]
    body = ",\n".join(js_literal(r) for r in rows)
    return f"window.TAMAFLOW_SEARCH = [\n{body}\n];\n".encode()
