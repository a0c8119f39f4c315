"""Text as the drawings show it: width estimates, line wrapping and clipping with an ellipsis.

Every drawn label (BPMN names, Graphviz boxes, lane headers, conditions) goes through here, so a
10,000-character step name, right-to-left text, zero-width characters or emoji give a box of
bounded size instead of a crash or a label running over the page. The full text is never lost:
the renderers keep it in tooltips (SVG `<title>`) and in `bpmn:documentation`.

Widths are estimates at an 11 px label font (wide CJK ≈ 11 px, each emoji 16 px, others ≈
6.5 px, combining marks and format characters 0), the same for the BPMN layout and the Graphviz
drawing. Text is cut between grapheme clusters (a base character with its combining marks,
variation selectors, emoji modifiers and zero-width-joiner sequences), so an emoji family or a
kana with dakuten is never split. Pure functions; no imports beyond the standard library.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

ELLIPSIS = "…"
#: what XML 1.0 cannot hold (control characters a YAML escape can produce, lone surrogates)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: explicit bidi embeddings, overrides and isolates: in a drawing an unbalanced U+202E would turn
#: the ellipsis and the rest of its line around, so drawings drop them (the tooltip keeps them);
#: right-to-left letters themselves are kept and laid out by the viewer's bidi algorithm
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_ZWJ = "\u200d"


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (for tooltips and documentation)."""
    return _NOT_XML.sub("", text)


def drawable(text: str) -> str:
    """The text a drawing shows: XML-safe, without bidi controls, whitespace runs as one space."""
    return _SPACES.sub(" ", _BIDI_CONTROLS.sub("", xml_safe(text))).strip()


def _joins_previous(ch: str) -> bool:
    """Characters that belong to the cluster before them (never start a line or follow a cut)."""
    o = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch == _ZWJ or 0xFE00 <= o <= 0xFE0F
            or 0xE0100 <= o <= 0xE01EF or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F
            or 0x3099 <= o <= 0x309A)


def clusters(text: str) -> Iterator[str]:
    """Grapheme clusters, close enough for cutting labels: a base character with what joins it,
    zero-width-joiner sequences (👨‍👩‍👧) and regional-indicator pairs (flags) kept whole."""
    cur = ""
    for ch in text:
        o = ord(ch)
        if cur and (_joins_previous(ch) or cur.endswith(_ZWJ)
                    or (0x1F1E6 <= o <= 0x1F1FF and len(cur) == 1 and 0x1F1E6 <= ord(cur) <= 0x1F1FF)):
            cur += ch
            continue
        if cur:
            yield cur
        cur = ch
    if cur:
        yield cur


def is_emoji(c: str) -> bool:
    """Whether a cluster is drawn as an emoji (pictographs, dingbats, flags, ZWJ sequences)."""
    return any(ord(x) >= 0x1F000 or 0x2600 <= ord(x) <= 0x27BF for x in c)


def replace_clusters(text: str, keep: Callable[[str], bool], by: str) -> str:
    """`text` with every emoji cluster that `keep` refuses replaced by `by`."""
    return "".join(c if not is_emoji(c) or keep(c) else by for c in clusters(text))


def cluster_width(c: str) -> float:
    """Estimated width of one cluster at the 11 px label font."""
    ch = c[0]
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Cc", "Mn", "Me", "Zl", "Zp"):
        return 0.0
    emoji = sum(1 for x in c if ord(x) >= 0x1F000 or 0x2600 <= ord(x) <= 0x27BF)
    if emoji:
        # without an emoji font (Debian's Graphviz here) each one is drawn as a hex box about
        # 1.5 em wide; with one, a sequence is one glyph and the room is only generous
        return 16.0 * emoji
    if unicodedata.east_asian_width(ch) in ("W", "F") or "\ufe0f" in c:
        return 11.0
    return 6.5


def text_width(text: str) -> int:
    """Approximate width of `text` at the 11 px label font (see the module docstring)."""
    return int(sum(cluster_width(c) for c in clusters(text)) + 0.5)


def wrap(text: str, max_w: int) -> list[str]:
    """Greedy wrapping into lines no wider than `max_w` (a single wider cluster gets its own
    line). Japanese has no spaces, so lines break between any two clusters; where the line holds
    a space after its first third, it breaks there instead (「満たす 85% (既定)」 keeps 「(既定)」
    whole). A space at a break is dropped."""
    lines: list[str] = []
    cur: list[str] = []
    w = 0.0
    for c in clusters(text):
        cw = cluster_width(c)
        if cur and w + cw > max_w:
            space = max((i for i, x in enumerate(cur) if x == " "), default=-1)
            if space > len(cur) // 3:
                lines.append("".join(cur[:space]).rstrip())
                cur = cur[space + 1:]
            else:
                lines.append("".join(cur).rstrip())
                cur = []
            w = sum(cluster_width(x) for x in cur)
            if c == " " and not cur:
                continue
        cur.append(c)
        w += cw
    if "".join(cur).strip() or not lines:
        lines.append("".join(cur).rstrip())
    return lines


def clip_lines(text: str, max_w: int, max_lines: int) -> list[str]:
    """`text` (made `drawable`) wrapped to `max_w`; beyond `max_lines` the last kept line ends in
    an ellipsis, shortened until it fits."""
    lines = wrap(drawable(text), max_w)
    if len(lines) <= max_lines:
        return lines
    last = list(clusters(lines[max_lines - 1]))
    budget = max_w - cluster_width(ELLIPSIS)
    while last and sum(cluster_width(c) for c in last) > budget:
        last.pop()
    return [*lines[: max_lines - 1], "".join(last).rstrip() + ELLIPSIS]


def clip(text: str, max_w: int, max_lines: int) -> str:
    """`text` (made `drawable`) as one string for a box `max_w` wide and `max_lines` high, for
    BPMN names, which the modeler wraps itself: unchanged when it fits, else the clusters that
    fill nine tenths of the box (the modeler's wrapping wastes some of each line) and an
    ellipsis."""
    shown = drawable(text)
    if len(wrap(shown, max_w)) <= max_lines:
        return shown
    budget = max_w * max_lines * 0.9 - cluster_width(ELLIPSIS)
    out, w = "", 0.0
    for c in clusters(shown):
        w += cluster_width(c)
        if w > budget:
            break
        out += c
    return out.rstrip() + ELLIPSIS
