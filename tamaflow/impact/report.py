"""The impact report as JSON (the contract of docs/impact.md), Markdown and terminal tables.

All rounding happens here, once (hours to one decimal, as `score` does), so the same input gives
the same bytes. Yen appear only when an hourly cost was given: no rate is invented.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from ..score.report import HOURS, _rounded
from .config import SPREADS
from .model import CityImpact, Impact, ProcedureImpact, RegionTotals, first_pairs, percentiles

#: how many city × procedure rows the summary lists
TOP = 10


def _h(x: float | None) -> float | None:
    return _rounded(x, HOURS)


def _yen(x: float | None, cost: float | None) -> int | None:
    return None if x is None or cost is None else int(round(x * cost))


def _range(samples: Any) -> dict[str, float | None]:
    p = percentiles(samples)
    return {"savings_p10": _h(p[0]) if p else None, "savings_p50": _h(p[1]) if p else None,
            "savings_p90": _h(p[2]) if p else None}


def city_data(c: CityImpact, cost: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "city": c.city, "city_name": c.city_name, "file": c.path, "volume": _rounded(c.volume, 2),
        "hours_now": _h(c.hours_now), "hours_standard": _h(c.hours_standard),
        "hours_standard_rpa": _h(c.hours_standard_rpa), "savings_hours": _h(c.savings),
        "savings_standard_hours": _h(c.savings_standard), "savings_rpa_hours": _h(c.savings_rpa),
        **_range(c.samples),
        "seals_removed": c.seals_removed, "paper_removed": c.paper_removed, "in_person_removed": c.in_person_removed,
        "changes": [{"kind": ch.kind, "step": ch.step, "text": ch.text, "hours": _h(ch.hours), "check": ch.check}
                    for ch in c.changes],
        # the part of savings_standard_hours resting on cells of the alignment to check
        "savings_to_check_hours": _h(c.savings_to_check),
    }
    if cost is not None:
        p = percentiles(c.samples)
        out["savings_yen"] = _yen(c.savings, cost)
        out["savings_yen_p10"] = _yen(p[0] if p else None, cost)
        out["savings_yen_p90"] = _yen(p[2] if p else None, cost)
    return out


def procedure_data(p: ProcedureImpact, cost: float | None) -> dict[str, Any]:
    totals = {"hours_now": _h(p.hours_now), "savings_hours": _h(p.savings), **_range(p.samples)}
    if cost is not None:
        totals["savings_yen"] = _yen(p.savings, cost)
    return {"process": p.process, "name": p.name, "totals": totals, "notes": list(p.notes),
            "cities": [city_data(c, cost) for c in p.cities]}


def config_data(im: Impact) -> dict[str, Any]:
    return {
        "runs": im.runs, "seed": im.seed,
        "spreads": {k: {"value": getattr(im.spreads, k), "kind": SPREADS[k][1], "means": SPREADS[k][2]} for k in SPREADS},
        "spreads_file": im.spreads.path,
        "realisation": im.realisation, "realisation_range": list(im.realisation_range),
        "score_config": im.score_config, "hourly_cost": im.hourly_cost,
        "percentiles": "P10/P50/P90 of the savings over the runs (numpy linear interpolation)",
    }


def to_data(im: Impact) -> dict[str, Any]:
    """The JSON contract of `tamaflow impact` as plain data (docs/impact.md)."""
    cost = im.hourly_cost
    p = percentiles(im.samples)
    totals: dict[str, Any] = {"hours_now": _h(im.hours_now), "savings_hours": _h(im.savings),
                              "savings_p10": _h(p[0]) if p else None, "savings_p50": _h(p[1]) if p else None,
                              "savings_p90": _h(p[2]) if p else None}
    if cost is not None:
        totals["savings_yen"] = _yen(im.savings, cost)
        totals["savings_yen_p10"] = _yen(p[0] if p else None, cost)
        totals["savings_yen_p90"] = _yen(p[2] if p else None, cost)
    cities = []
    for city, name, now, saved, samples in im.city_totals():
        entry: dict[str, Any] = {"city": city, "city_name": name, "hours_now": _h(now), "savings_hours": _h(saved),
                                 **_range(samples)}
        if cost is not None:
            entry["savings_yen"] = _yen(saved, cost)
        cities.append(entry)
    return {"procedures": [procedure_data(x, cost) for x in im.procedures], "totals": totals,
            "cities": cities, "config": config_data(im), "notes": list(im.notes)}


def to_json(im: Impact) -> str:
    return json.dumps(to_data(im), ensure_ascii=False, indent=2) + "\n"


# ----- rows shared by Markdown and the terminal ------------------------------------------------

def _n(x: float | None) -> str:
    return "—" if x is None else f"{round(x) + 0:,d}"  # + 0: never "-0"


def range_text(samples: Any) -> str:
    """`P10〜P90` of savings in hours, or — without runs."""
    p = percentiles(samples)
    return "—" if p is None else f"{_n(p[0])}〜{_n(p[2])}"


def top_pairs(im: Impact, top: int = TOP) -> list[tuple[ProcedureImpact, CityImpact]]:
    """The city × procedure pairs with the most savings (ties by procedure and city: `pair_order`)."""
    return first_pairs(((p, c) for p in im.procedures for c in p.cities), top)


def headline(im: Impact | RegionTotals) -> str:
    """One sentence: the region's hours now and its savings with their range (the same from the
    whole `Impact` and from its `RegionTotals`)."""
    yen = f" (約 {im.savings * im.hourly_cost / 1e4:,.0f} 万円/年、時給 {im.hourly_cost:,.0f} 円)" if im.hourly_cost else ""
    rng = f"、80% の範囲 {range_text(im.samples)} 時間/年" if im.samples.size else ""
    return (f"{len(im.procedures)} 手続、{im.pairs} 件の手続×市: 職員 {im.hours_now:,.0f} "
            f"時間/年 → 標準フロー＋RPA で {im.savings:,.0f} 時間/年 の削減{rng}{yen}")


def pair_rows(im: Impact, pairs: Iterable[tuple[ProcedureImpact, CityImpact]]) -> tuple[list[str], list[list[str]]]:
    head = ["#", "手続", "市", "現在 時間/年", "標準 時間/年", "標準+RPA 時間/年", "削減 時間/年", "うち標準化", "うちRPA",
            "削減の範囲 (P10〜P90)", "押印", "紙", "対面"]
    rows = [[str(i), p.name, c.city_name, _n(c.hours_now), _n(c.hours_standard), _n(c.hours_standard_rpa),
             _n(c.savings), _n(c.savings_standard), _n(c.savings_rpa), range_text(c.samples), str(c.seals_removed),
             str(c.paper_removed), str(c.in_person_removed)] for i, (p, c) in enumerate(pairs, 1)]
    return head, rows


def procedure_rows(im: Impact) -> tuple[list[str], list[list[str]]]:
    head = ["手続", "市", "現在 時間/年", "削減 時間/年", "削減の範囲 (P10〜P90)"]
    rows = [[p.name, str(len(p.cities)), _n(p.hours_now), _n(p.savings), range_text(p.samples)] for p in im.procedures]
    return head, rows


def city_rows(im: Impact) -> tuple[list[str], list[list[str]]]:
    head = ["市", "現在 時間/年", "削減 時間/年", "削減の範囲 (P10〜P90)"]
    return head, [[name, _n(now), _n(saved), range_text(s)] for _c, name, now, saved, s in im.city_totals()]


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    def cell(t: str) -> str:
        return t.replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(cell(h) for h in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return out + ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]


def method_lines(im: Impact) -> list[str]:
    lo, hi = im.realisation_range
    real = f"実現率 {lo:g}〜{hi:g} (score の設定の公表範囲)" if hi > lo else f"実現率 {im.realisation:g} (固定)"
    runs = f"{im.runs:,} 回の試行 (seed {im.seed})" if im.runs else "試行なし (--runs 0: 点推定のみ)"
    return [f"範囲: assumed に挙がった値だけを動かした {runs}: 分 ±{im.spreads.minutes:.0%}、例外率 ±{im.spreads.exceptions:g}、"
            f"分岐の割合 ±{im.spreads.shares:g}、件数 ±{im.spreads.volume:.0%}、{real}。P10〜P90 = 10 回に 8 回はこの中",
            "金額は --hourly-cost (円/時間) を指定したときだけ (既定の時給は置かない)。方法と限界: docs/impact.md"]


#: under a city's changes when some rest on a cell of the alignment to check (compare's ※ 要確認)
CHECK_NOTE = ("※ = 要確認の対応付けに基づく変更: compare の対応表で ※ の付いた手順についての変更で、"
              "対応付けが誤りなら、この変更とその時間もありません")


def to_markdown(im: Impact) -> str:
    lines = ["# 標準化の効果 (tamaflow impact)", "", f"- {headline(im)}"]
    lines += [f"- {x}" for x in method_lines(im)]
    lines += [f"- {n}" for n in im.notes]
    lines += ["", "## 手続ごと (削減の多い順)", ""] + _md_table(*procedure_rows(im))
    lines += ["", "## 市ごと (全手続の合計)", ""] + _md_table(*city_rows(im))
    lines += ["", f"## 削減の多い手続×市 (上位 {TOP})", ""] + _md_table(*pair_rows(im, top_pairs(im)))
    for p in im.procedures:
        lines += ["", f"## {p.name} ({p.process})", ""]
        lines += [f"- {n}" for n in p.notes]
        lines += _md_table(*pair_rows(im, ((p, c) for c in p.cities)))
        for c in p.cities:
            lines += ["", f"### {c.city_name}: 変更点", ""]
            lines += [f"- {ch.text} — {ch.hours:+,.1f} 時間/年{' ※' if ch.check else ''}" for ch in c.changes] or ["- 変更なし"]
            if any(ch.check for ch in c.changes):
                lines += ["", f"{CHECK_NOTE} (この市: {c.savings_to_check:+,.1f} 時間/年)"]
    return "\n".join(lines) + "\n"


def to_table(im: Impact, width: int = 120) -> str:
    """Plain-text tables (no colour codes), the same in a pipe and a test."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False, no_color=True,
                      legacy_windows=False, emoji=False, highlight=False)

    def table(title: str, head: list[str], rows: list[list[str]]) -> None:
        t = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        for h in head:
            t.add_column(h, justify="left" if h in ("手続", "市") else "right", overflow="fold")
        for r in rows:
            t.add_row(*(Text(x) for x in r))
        console.print(t)

    # a procedure's own notes (the cities left out for want of a volume) say why its row is short
    for line in [headline(im), *method_lines(im), *im.notes, *(f"{p.name}: {n}" for p in im.procedures for n in p.notes)]:
        console.print(Text(line))
    table("手続ごと (削減の多い順)", *procedure_rows(im))
    table("市ごと (全手続の合計)", *city_rows(im))
    table(f"削減の多い手続×市 (上位 {TOP})", *pair_rows(im, top_pairs(im)))
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"
