"""Small text helpers of the site's templates: dates in Japan time, short city names for narrow
table heads, labels cut to a length that cannot break a layout, and one number of decimals per
table column.

Depends on nothing but the standard library.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone

#: Japan has no daylight saving time, so a fixed offset is exact and needs no tz database
JST = timezone(timedelta(hours=9), "JST")
#: the longest label a table cell shows in full; longer ones end in "…" with the whole text in
#: the cell's title (a 10,000-character step name must not stretch a table over many screens)
LABEL_LIMIT = 80
ELLIPSIS = "…"
#: characters that belong to the one before them: cutting in front of one would split an emoji
#: sequence (ZWJ, variation selectors, skin tones, tag characters) or a base and its mark
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}


def jst(iso: str) -> str:
    """An ISO 8601 date-time as officials write it, in Japan time: `2026年11月29日 17:30`.
    Text that is not a date (e.g. 「不明」) is returned as it is."""
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    j = dt.astimezone(JST)
    return f"{j.year}年{j.month}月{j.day}日 {j.hour}:{j.minute:02d}"


def short_city(name: str) -> str:
    """The city's name without the 「市」 every one of them ends in, for table heads where 26
    columns must fit (国立市 → 国立); the full name goes into a title."""
    return name[:-1] if name.endswith("市") and len(name) > 2 else name


def _joins(ch: str) -> bool:
    return (ch in _JOINERS or unicodedata.combining(ch) != 0 or "\U0001f3fb" <= ch <= "\U0001f3ff"
            or "\U000e0020" <= ch <= "\U000e007f")


def truncate(text: str, limit: int = LABEL_LIMIT) -> str:
    """`text` cut to at most `limit` characters plus "…", never inside an emoji sequence or
    between a letter and its combining mark; short text unchanged."""
    if len(text) <= limit:
        return text
    cut = limit
    while cut > 0 and (_joins(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def is_truncated(text: str, limit: int = LABEL_LIMIT) -> bool:
    return len(text) > limit


def column_digits(values: Iterable[float | None], most: int = 1) -> int:
    """Decimals for a whole table column: `most` when any value has a fraction that shows at
    that precision, else 0, so 2.5 and 3 read as 2.5 and 3.0, never as 2.5 and 3."""
    for v in values:
        if v is not None and round(abs(v) % 1, most) not in (0.0, 1.0):
            return most
    return 0


__all__ = ["JST", "LABEL_LIMIT", "column_digits", "is_truncated", "jst", "short_city", "truncate"]
