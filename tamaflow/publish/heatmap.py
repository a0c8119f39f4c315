"""The similarity heatmap of a procedure's cities, drawn by matplotlib as a standalone SVG.

Why matplotlib: a chart library, not hand-made SVG strings, and its SVG can be made byte-stable
(`svg.hashsalt` fixes the element ids, `metadata={"Date": None}` drops the timestamp). Text is
written as paths (`svg.fonttype = "path"`), so the browser needs no Japanese font: the site stays
self-contained and opens from disk. The glyphs come from a CJK font on the build machine
(IPAGothic from Debian's fonts-ipafont-gothic, installed by `make sysdeps`); without one, the axes
fall back to the ASCII city slugs rather than drawing empty boxes.

Drawing is the slow part of a rebuild (≈0.2 s a chart), so each SVG carries a key of what it
was drawn from (data, this module, matplotlib's version, the font) in a comment on its second
line; `heatmap_svg(..., previous=old_bytes)` returns the old bytes when the key matches.

Depends only on the data it is given.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

#: fonts tried in order for Japanese labels
CJK_FONTS: tuple[str, ...] = ("IPAGothic", "IPAPGothic", "IPAexGothic", "Noto Sans CJK JP", "TakaoGothic")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family, or None."""
    from matplotlib import font_manager

    for family in CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        return family
    return None


def _stamp(labels: Sequence[str], fallback_labels: Sequence[str], matrix: Sequence[Sequence[float]],
           caption: str) -> bytes:
    """The comment line that identifies a drawing by everything that shapes it."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(json.dumps([version("matplotlib"), cjk_font(), list(labels), list(fallback_labels),
                         [[float(x) for x in row] for row in matrix], caption], ensure_ascii=False).encode())
    return f"<!-- tamaflow heatmap {h.hexdigest()} -->".encode()


def heatmap_svg(labels: Sequence[str], fallback_labels: Sequence[str], matrix: Sequence[Sequence[float]],
                caption: str, previous: bytes | None = None) -> bytes:
    """Render a square similarity matrix (values 0…1) as SVG bytes.

    `labels` are the display names (Japanese); `fallback_labels` (ASCII slugs) are used when no
    CJK font is installed. Each cell shows its value with two decimals, so the picture also
    reads without colour. `previous` (the file of the last build) is returned unchanged when it
    was drawn from the same input.
    """
    stamp = _stamp(labels, fallback_labels, matrix, caption)
    if previous is not None and previous.split(b"\n", 2)[1:2] == [stamp]:
        return previous
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    font = cjk_font()
    names = list(labels) if font else list(fallback_labels)
    n = len(names)
    size = max(3.2, 0.55 * n + 2.2)
    rc: dict[str, Any] = {
        "svg.hashsalt": "tamaflow",
        "svg.fonttype": "path",
        "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
        "font.size": 9,
    }
    with matplotlib.rc_context(rc), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.simplefilter("ignore")  # a missing glyph must not make the build chatty
        fig, ax = plt.subplots(figsize=(size + 1.0, size), dpi=72)
        try:
            im = ax.imshow([list(r) for r in matrix], vmin=0.0, vmax=1.0, cmap="YlGnBu")
            ax.set_xticks(range(n), names, rotation=60, ha="right", rotation_mode="anchor")
            ax.set_yticks(range(n), names)
            for i in range(n):
                for j in range(n):
                    v = float(matrix[i][j])
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if v > 0.6 else "black")
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
            ax.set_title(caption, fontsize=10)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "tamaflow (matplotlib)"})
        finally:
            plt.close(fig)
    first, rest = buf.getvalue().split(b"\n", 1)
    return first + b"\n" + stamp + b"\n" + rest
