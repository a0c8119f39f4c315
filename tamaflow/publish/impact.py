"""The 「標準化の効果」 parts of the site: the region page's bar chart per procedure, and the
lookups the city and variant pages use. The numbers are `tamaflow.impact`'s, as the CLI gives
them; nothing is computed here but the drawing.

The chart is inline SVG drawn with presentation attributes and classes only (no `style`
attribute, no script), so it passes a Content-Security-Policy without 'unsafe-inline', works
from `file://` and stays readable without CSS. Depends on the impact package and nothing else.
"""

from __future__ import annotations

from html import escape

from ..impact import CityImpact, Impact, ProcedureImpact, percentiles

#: chart geometry, in px
LABEL, WIDTH, ROW, PAD, VALUE = 96, 420, 22, 6, 150


def _n(x: float) -> str:
    return f"{round(x) + 0:,d}"


def savings_chart_svg(proc: ProcedureImpact) -> str:
    """One bar per city: the standardisation part (green, or grey to the left of 0 when the city
    is already leaner than the standard), then the RPA part (blue); a black line marks P10–P90."""
    cities = proc.cities
    lo = min([0.0] + [min(c.savings_standard, c.savings) for c in cities]
             + [r[0] for c in cities if (r := percentiles(c.samples))])
    hi = max([1.0] + [max(c.savings, c.savings_standard, c.savings_rpa) for c in cities]
             + [r[2] for c in cities if (r := percentiles(c.samples))])
    span = hi - lo or 1.0

    def x(v: float) -> float:
        return round(LABEL + (v - lo) / span * WIDTH, 1)

    height = PAD * 2 + ROW * len(cities) + 16
    total_w = LABEL + WIDTH + VALUE
    title = f"{proc.name}: 市ごとの削減時間/年 (標準化＋RPA、線は P10〜P90)"
    out = [f'<svg class="impact-chart" xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{height}" '
           f'viewBox="0 0 {total_w} {height}" role="img" aria-label="{escape(title)}" font-size="12" '
           'font-family="sans-serif">', f"<title>{escape(title)}</title>",
           f'<line x1="{x(0)}" y1="{PAD}" x2="{x(0)}" y2="{height - 16}" stroke="#555" stroke-width="1"/>']
    for i, c in enumerate(cities):
        y = PAD + i * ROW
        mid = y + ROW / 2
        out.append(f'<text x="{LABEL - 6}" y="{mid + 4}" text-anchor="end">{escape(c.city_name)}</text>')
        std, rpa = c.savings_standard, c.savings_rpa
        if std >= 0:
            out.append(_bar(x(0), x(std), y + 4, ROW - 8, "#2e8540", f"標準化 {_n(std)} 時間/年"))
            out.append(_bar(x(std), x(std + rpa), y + 4, ROW - 8, "#1f5fa8", f"RPA {_n(rpa)} 時間/年"))
        else:
            out.append(_bar(x(std), x(0), y + 4, ROW - 8, "#9a9a9a", f"標準化 {_n(std)} 時間/年 (標準より少ない)"))
            out.append(_bar(x(0), x(rpa), y + 4, ROW - 8, "#1f5fa8", f"RPA {_n(rpa)} 時間/年"))
        r = percentiles(c.samples)
        if r is not None:
            out.append(f'<line x1="{x(r[0])}" y1="{mid}" x2="{x(r[2])}" y2="{mid}" stroke="#000" stroke-width="1.5"/>')
            for v in (r[0], r[2]):
                out.append(f'<line x1="{x(v)}" y1="{mid - 4}" x2="{x(v)}" y2="{mid + 4}" stroke="#000" stroke-width="1.5"/>')
        out.append(f'<text x="{LABEL + WIDTH + 6}" y="{mid + 4}">{_n(c.savings)} h</text>')
    out.append(f'<text x="{x(0)}" y="{height - 3}" text-anchor="middle" fill="#555">0</text>')
    out.append(f'<text x="{LABEL + WIDTH}" y="{height - 3}" text-anchor="end" fill="#555">{_n(hi)} 時間/年</text>')
    out.append("</svg>")
    return "\n".join(out)


def _bar(x0: float, x1: float, y: float, h: float, fill: str, label: str) -> str:
    if x1 - x0 <= 0:
        return ""
    return (f'<rect x="{x0}" y="{y}" width="{round(x1 - x0, 1)}" height="{h}" fill="{fill}">'
            f"<title>{escape(label)}</title></rect>")


def by_variant(im: Impact | None) -> dict[tuple[str, str], CityImpact]:
    """(procedure, city) → its impact, for the variant pages."""
    if im is None:
        return {}
    return {(p.process, c.city): c for p in im.procedures for c in p.cities}


def range_of(c: CityImpact | ProcedureImpact | Impact) -> str:
    """P10〜P90 of savings as text, or — without runs."""
    r = percentiles(c.samples)
    return "—" if r is None else f"{_n(r[0])}〜{_n(r[2])}"
