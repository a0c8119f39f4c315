"""Across processes and cities: the ranking, the best variant per procedure, the top steps and
the seal/paper list, and their renderings (JSON, CSV, Markdown, rich terminal tables).

Why here and not in the CLI: the same report feeds the terminal, files and (later) the
published site, and every rendering must be testable without a subprocess. All rounding happens
here, once, with the same number of digits everywhere, so output is byte-identical for the same
input.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model.process import Process
from .config import ScoreConfig, default_config
from .estimate import ProcessScore, StepScore, score_process
from .wording import BLOCKER_JA, BLOCKERS, QUADRANT_JA, STAFF_QUADRANTS

#: digits kept in every output
HOURS, MINUTES, SHARE, EASE = 1, 2, 3, 1


def _rounded(x: float | None, digits: int) -> float | None:
    """Round for output; never emit -0.0."""
    if x is None:
        return None
    v = round(float(x), digits)
    return 0.0 if v == 0 else v


@dataclass(slots=True)
class Variant:
    city: str
    minutes_per_case: float
    volume: float | None
    hours_per_year: float | None
    #: hours a year this city would free by running at the best variant's minutes per case
    hours_saved_if_adopted: float | None


@dataclass(slots=True)
class BestVariant:
    """The city whose variant of a procedure needs the fewest staff minutes per case.

    Compared per case, not in total hours: total hours mostly reflect a city's size."""

    process: str
    name: str
    city: str
    minutes_per_case: float
    variants: list[Variant]
    hours_saved_if_all_adopt: float
    #: cities left out because their file records no staff minutes
    without_minutes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ScoreReport:
    processes: list[ProcessScore]
    ranking: list[ProcessScore]
    best_variants: list[BestVariant]
    top_steps: list[tuple[ProcessScore, StepScore]]
    seal_paper: list[tuple[ProcessScore, StepScore]]
    config: ScoreConfig


def _process_key(p: ProcessScore) -> tuple[str, str, str]:
    return (p.process, p.city, p.path or "")


def build_report(scores: Iterable[ProcessScore], cfg: ScoreConfig | None = None) -> ScoreReport:
    """Rank and compare already scored processes.

    Parameters
    ----------
    scores : iterable of ProcessScore
    cfg : ScoreConfig, optional

    Returns
    -------
    ScoreReport
        The ranking by automatable hours, the leanest variant per procedure, the top steps and
        the seal/paper list.
    """
    cfg = cfg or default_config()
    procs = sorted(scores, key=_process_key)
    ranking = sorted(procs, key=lambda p: (p.automatable_hours_per_year is None,
                                           -(p.automatable_hours_per_year or 0.0), p.process, p.city))
    best: list[BestVariant] = []
    groups: dict[str, list[ProcessScore]] = {}
    for p in procs:
        groups.setdefault(p.process, []).append(p)
    for pid in sorted(groups):
        members = groups[pid]
        timed = sorted((p for p in members if p.minutes_per_case > 0), key=lambda p: (p.minutes_per_case, p.city))
        if not timed:
            continue
        b = timed[0]
        variants = []
        saved_total = 0.0
        for p in timed:
            saved = p.volume * (p.minutes_per_case - b.minutes_per_case) / 60 if p.volume is not None else None
            saved_total += saved or 0.0
            variants.append(Variant(p.city, p.minutes_per_case, p.volume, p.hours_per_year, saved))
        best.append(BestVariant(pid, b.name, b.city, b.minutes_per_case, variants, saved_total,
                                sorted(p.city for p in members if p.minutes_per_case <= 0)))
    top = sorted(
        ((p, s) for p in procs for s in p.steps if (s.automatable_hours_per_year or 0.0) > 0),
        key=lambda ps: (-(ps[1].automatable_hours_per_year or 0.0), ps[0].process, ps[0].city, ps[1].index),
    )
    seal_paper = [(p, s) for p in procs for s in p.steps if "seal" in s.blockers or "paper" in s.blockers]
    return ScoreReport(procs, ranking, best, top, seal_paper, cfg)


def score_processes(processes: Iterable[Process], cfg: ScoreConfig | None = None) -> ScoreReport:
    """Score every process and build the cross-process report (the library API of `score`).

    Parameters
    ----------
    processes : iterable of Process
    cfg : ScoreConfig, optional
        The shipped defaults when omitted (`load_score_config` reads a file over them).

    Returns
    -------
    ScoreReport
        See `build_report`; `to_json`, `to_csv`, `to_markdown` and `to_table` render it.
    """
    cfg = cfg or default_config()
    return build_report((score_process(p, cfg) for p in processes), cfg)


# ----- JSON ------------------------------------------------------------------------------------

def _step_data(s: StepScore) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "lane": s.lane,
        "role": s.role,
        "kind": s.kind,
        "line": s.line,
        "visits": _rounded(s.visits, SHARE),
        "minutes": _rounded(s.minutes, MINUTES),
        "staff_minutes_per_case": _rounded(s.staff_minutes_per_case, MINUTES),
        "hours_per_year": _rounded(s.hours_per_year, HOURS),
        "automatable_hours_per_year": _rounded(s.automatable_hours_per_year, HOURS),
        "potential": _rounded(s.potential, SHARE),
        "suitability": _rounded(s.suitability, SHARE),
        "gate": _rounded(s.gate, SHARE),
        "exception_rate": _rounded(s.exception_rate, SHARE),
        "ease": _rounded(s.ease, EASE),
        "quadrant": s.quadrant,
        "quadrant_label": s.quadrant_label,
        "feasible": s.feasible,
        "blockers": list(s.blockers),
        "assumed": list(s.assumed),
        "factors": [
            {"factor": f.name, "field": f.field, "value": f.value, "score": _rounded(f.score, SHARE),
             "weight": _rounded(f.weight, SHARE), "contribution": _rounded(f.contribution, SHARE), "source": f.source}
            for f in s.factors
        ],
        "gates": [{"gate": g.name, "multiplier": _rounded(g.multiplier, SHARE), "source": g.source} for g in s.gates],
        "ease_items": [{"item": i.name, "value": i.value, "points": _rounded(i.points, EASE), "source": i.source}
                       for i in s.ease_items],
        "summary": s.summary,
        "reasons": list(s.reasons),
    }


def _process_data(p: ProcessScore, city_names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "process": p.process,
        "name": p.name,
        "city": p.city,
        "city_name": city_names.get(p.city),
        "area": p.area,
        "file": p.path,
        "volume": _rounded(p.volume, MINUTES),
        "minutes_per_case": _rounded(p.minutes_per_case, MINUTES),
        "automatable_minutes_per_case": _rounded(p.automatable_minutes_per_case, MINUTES),
        "hours_per_year": _rounded(p.hours_per_year, HOURS),
        "automatable_hours_per_year": _rounded(p.automatable_hours_per_year, HOURS),
        "potential": _rounded(p.potential, SHARE),
        "ease": _rounded(p.ease, EASE),
        "quadrant": p.quadrant,
        "feasible": p.feasible,
        "blockers": {
            b: {"count": p.blockers[b].count, "steps": list(p.blockers[b].steps),
                "hours_per_year": _rounded(p.blockers[b].hours_per_year, HOURS)}
            for b in BLOCKERS
        },
        "notes": list(p.notes),
        "steps": [_step_data(s) for s in p.steps],
    }


def to_data(report: ScoreReport, top: int = 10, city_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The JSON contract as plain data (see docs/score.md)."""
    names = city_names or {}
    cfg = report.config
    procs = report.processes
    total_h = sum(p.hours_per_year or 0.0 for p in procs)
    total_a = sum(p.automatable_hours_per_year or 0.0 for p in procs)
    return {
        "model": {
            "config": cfg.path,
            "realisation": cfg.realisation,
            "quadrant": {"potential": cfg.quadrant_potential, "ease": cfg.quadrant_ease},
        },
        "summary": {
            "processes": len(procs),
            "procedures": len({p.process for p in procs}),
            "hours_per_year": _rounded(total_h, HOURS),
            "automatable_hours_per_year": _rounded(total_a, HOURS),
            "quadrants": {q: sum(1 for p in procs if p.quadrant == q) for q in STAFF_QUADRANTS},
            "blockers": {b: sum(p.blockers[b].count for p in procs) for b in BLOCKERS},
        },
        "processes": [_process_data(p, names) for p in procs],
        "ranking": [
            {"rank": i + 1, "process": p.process, "name": p.name, "city": p.city,
             "automatable_hours_per_year": _rounded(p.automatable_hours_per_year, HOURS),
             "hours_per_year": _rounded(p.hours_per_year, HOURS), "potential": _rounded(p.potential, SHARE),
             "ease": _rounded(p.ease, EASE), "quadrant": p.quadrant}
            for i, p in enumerate(report.ranking)
        ],
        "best_variant": [
            {"process": b.process, "name": b.name, "city": b.city,
             "minutes_per_case": _rounded(b.minutes_per_case, MINUTES),
             "hours_per_1000_cases": _rounded(b.minutes_per_case * 1000 / 60, HOURS),
             "hours_saved_if_all_adopt": _rounded(b.hours_saved_if_all_adopt, HOURS),
             "without_minutes": list(b.without_minutes),
             "variants": [
                 {"city": v.city, "minutes_per_case": _rounded(v.minutes_per_case, MINUTES),
                  "hours_per_year": _rounded(v.hours_per_year, HOURS),
                  "hours_saved_if_adopted": _rounded(v.hours_saved_if_adopted, HOURS)}
                 for v in b.variants
             ]}
            for b in report.best_variants
        ],
        "top_steps": [
            {"rank": i + 1, "process": p.process, "name": p.name, "city": p.city, "step": s.id,
             "step_name": s.name, "automatable_hours_per_year": _rounded(s.automatable_hours_per_year, HOURS),
             "hours_per_year": _rounded(s.hours_per_year, HOURS), "potential": _rounded(s.potential, SHARE),
             "ease": _rounded(s.ease, EASE), "quadrant": s.quadrant, "quadrant_label": s.quadrant_label, "summary": s.summary, "reasons": list(s.reasons)}
            for i, (p, s) in enumerate(report.top_steps[:top])
        ],
        "seal_paper": [
            {"process": p.process, "name": p.name, "city": p.city, "step": s.id, "step_name": s.name,
             "lane": s.lane_name or s.lane, "role": s.role, "seal": "seal" in s.blockers,
             "paper": "paper" in s.blockers, "hours_per_year": _rounded(s.hours_per_year, HOURS),
             # the analyst's own flag: a seal or medium that is an estimate, not a published fact
             "seal_assumed": "seal" in s.assumed, "paper_assumed": "medium" in s.assumed}
            for p, s in report.seal_paper
        ],
    }


def to_json(report: ScoreReport, top: int = 10, city_names: Mapping[str, str] | None = None) -> str:
    return json.dumps(to_data(report, top, city_names), ensure_ascii=False, indent=2) + "\n"


# ----- CSV (one row per step: sums per process give the process totals) -------------------------

def to_csv(report: ScoreReport) -> str:
    """The steps table (`tamaflow.score.tables.steps_table`) as CSV, formula-looking text defused."""
    from ..io.table import to_csv as table_csv
    from .tables import steps_table

    return table_csv(steps_table(report))


# ----- shared row builders for Markdown and terminal tables ----------------------------------------

def _shown(x: float | None, digits: int, pct: bool = False) -> str:
    if x is None:
        return "—"
    if pct:
        return f"{x * 100:.0f}%"
    return f"{x:,.{digits}f}"


def _city(city: str, names: Mapping[str, str]) -> str:
    return names.get(city, city)


def ranking_rows(report: ScoreReport, names: Mapping[str, str]) -> tuple[list[str], list[list[str]]]:
    head = ["#", "手続", "市", "件数/年", "分/件", "時間/年", "自動化 時間/年", "割合", "容易性", "区分"]
    rows = [
        [str(i + 1), p.name, _city(p.city, names), _shown(p.volume, 0), _shown(p.minutes_per_case, 1),
         _shown(p.hours_per_year, 0), _shown(p.automatable_hours_per_year, 0), _shown(p.potential, 0, True),
         _shown(p.ease, 0), QUADRANT_JA[p.quadrant] + ("" if p.feasible else " (要確認)")]
        for i, p in enumerate(report.ranking)
    ]
    return head, rows


def best_rows(report: ScoreReport, names: Mapping[str, str]) -> tuple[list[str], list[list[str]]]:
    head = ["手続", "最も少ない市", "分/件", "千件あたり時間", "最大の分/件", "全市が採用した場合の削減 時間/年"]
    rows = [
        [b.name, _city(b.city, names), _shown(b.minutes_per_case, 1), _shown(b.minutes_per_case * 1000 / 60, 1),
         _shown(max(v.minutes_per_case for v in b.variants), 1), _shown(b.hours_saved_if_all_adopt, 0)]
        for b in report.best_variants
    ]
    return head, rows


def top_rows(report: ScoreReport, names: Mapping[str, str], top: int) -> tuple[list[str], list[list[str]]]:
    head = ["#", "手続", "市", "手順", "自動化 時間/年", "割合", "容易性", "区分", "主な理由"]
    rows = [
        [str(i + 1), p.name, _city(p.city, names), f"{s.name} ({s.id})", _shown(s.automatable_hours_per_year, 0),
         _shown(s.potential, 0, True), _shown(s.ease, 0), s.quadrant_label, s.summary]
        for i, (p, s) in enumerate(report.top_steps[:top])
    ]
    return head, rows


def _mark(present: bool, assumed: bool) -> str:
    """○ for a blocker the file states, ○(推定) for one its `assumed:` list marks as an estimate."""
    if not present:
        return ""
    return "○(推定)" if assumed else "○"


def seal_paper_rows(report: ScoreReport, names: Mapping[str, str]) -> tuple[list[str], list[list[str]]]:
    head = ["手続", "市", "手順", "担当", "押印", "紙", "職員 時間/年"]
    rows = [
        [p.name, _city(p.city, names), f"{s.name} ({s.id})", s.lane_name or s.lane or "—",
         _mark("seal" in s.blockers, "seal" in s.assumed), _mark("paper" in s.blockers, "medium" in s.assumed),
         _shown(s.hours_per_year, 0) if s.role == "staff" or s.staff_minutes_per_case > 0 else "—"]
        for p, s in report.seal_paper
    ]
    return head, rows


def step_rows(p: ProcessScore) -> tuple[list[str], list[list[str]]]:
    head = ["手順", "担当", "回/件", "分/件", "時間/年", "自動化 時間/年", "割合", "容易性", "区分", "主な理由"]
    rows = [
        [f"{s.name} ({s.id})", s.lane_name or s.lane or "—", _shown(s.visits, 2), _shown(s.staff_minutes_per_case, 1),
         _shown(s.hours_per_year, 0), _shown(s.automatable_hours_per_year, 0), _shown(s.potential, 0, True), _shown(s.ease, 0),
         s.quadrant_label, s.summary]
        for s in p.steps
    ]
    return head, rows


def reason_lines(p: ProcessScore) -> list[str]:
    """Every reason of every step, as an indented list: the full explanation of a process."""
    out: list[str] = []
    for s in p.steps:
        out.append(f"{s.name} ({s.id}, {p.path}:{s.line}): 自動化可能割合 {_shown(s.potential, 0, True)}、"
                   f"容易性 {_shown(s.ease, 0)}、{s.quadrant_label}")
        out.extend(f"  - {r}" for r in s.reasons)
    return out


def blocker_text(p: ProcessScore) -> str:
    parts = [f"{BLOCKER_JA[b]} {p.blockers[b].count}" for b in BLOCKERS if p.blockers[b].count]
    return "、".join(parts) if parts else "なし"


def _summary_lines(report: ScoreReport) -> list[str]:
    procs = report.processes
    cfg = report.config
    total_h = sum(p.hours_per_year or 0.0 for p in procs)
    total_a = sum(p.automatable_hours_per_year or 0.0 for p in procs)
    src = cfg.path or "既定値"
    return [
        f"{len(procs)} 件の手続×市 ({len({p.process for p in procs})} 手続): 職員 {total_h:,.0f} 時間/年、"
        f"うち自動化可能 {total_a:,.0f} 時間/年 (実現率 {cfg.realisation:g} を掛けた値)",
        f"モデル設定: {src} (区分のしきい値: 自動化可能割合 {cfg.quadrant_potential:g}、容易性 {cfg.quadrant_ease:g})",
    ]


# ----- Markdown -------------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(h) for h in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out.extend("| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows)
    return out


def to_markdown(report: ScoreReport, top: int = 10, city_names: Mapping[str, str] | None = None) -> str:
    names = city_names or {}
    lines = ["# RPA 化の可能性 (tamaflow score)", ""]
    lines += [f"- {x}" for x in _summary_lines(report)]
    lines += ["", "## 自動化可能時間の順位 (手続 × 市)", ""]
    lines += _md_table(*ranking_rows(report, names))
    lines += ["", "## 手続ごとに職員時間が最も少ない市 (1 件あたり)", ""]
    lines += _md_table(*best_rows(report, names))
    lines += ["", f"## 自動化可能時間の多い手順 (上位 {top})", ""]
    lines += _md_table(*top_rows(report, names, top))
    lines += ["", "## 押印・紙が残る手順", ""]
    lines += _md_table(*seal_paper_rows(report, names))
    lines += ["", "## 手続 × 市ごとの内訳"]
    for p in report.processes:
        lines += ["", f"### {p.name} — {_city(p.city, names)} ({p.process}/{p.city})", ""]
        lines.append(
            f"職員 {_shown(p.minutes_per_case, 1)} 分/件、{_shown(p.hours_per_year, 0)} 時間/年、自動化可能 "
            f"{_shown(p.automatable_hours_per_year, 0)} 時間/年 (割合 {_shown(p.potential, 0, True)}、容易性 {_shown(p.ease, 0)}、"
            f"{QUADRANT_JA[p.quadrant]})。阻害要因: {blocker_text(p)}。"
        )
        for n in p.notes:
            lines.append(f"- {n}")
        lines.append("")
        lines += _md_table(*step_rows(p))
        lines += ["", "<details><summary>手順ごとの理由</summary>", ""]
        for line in reason_lines(p):
            lines.append(line if line.startswith("  - ") else f"- {line}")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


# ----- rich terminal tables ---------------------------------------------------------------------------

def to_table(report: ScoreReport, top: int = 10, city_names: Mapping[str, str] | None = None,
             width: int = 120) -> str:
    """Plain-text tables (no colour codes), so the output is the same in a pipe and a test.
    One process: its steps with every reason; several: the cross-process tables."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    names = city_names or {}
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False, no_color=True,
                      legacy_windows=False, emoji=False, highlight=False)

    def table(title: str, head: list[str], rows: list[list[str]], numeric: Iterable[int] = ()) -> None:
        t = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", expand=False)
        num = set(numeric)
        for i, h in enumerate(head):
            if i in num:
                t.add_column(h, justify="right", no_wrap=True)
            elif h in ("手続", "手順", "市", "最も少ない市"):
                # names stay readable; the reasons column takes what is left
                t.add_column(h, overflow="fold", min_width=8 if "市" in h else 14)
            else:
                t.add_column(h, overflow="fold")
        for r in rows:
            t.add_row(*(Text(c) for c in r))  # Text: `[design]` is a source tag, not rich markup
        console.print(t)

    def say(line: str) -> None:
        console.print(Text(line))

    for line in _summary_lines(report):
        say(line)
    if len(report.processes) == 1:
        p = report.processes[0]
        say(f"{p.name} — {_city(p.city, names)}: 職員 {_shown(p.minutes_per_case, 1)} 分/件、"
                      f"{_shown(p.hours_per_year, 0)} 時間/年、自動化可能 {_shown(p.automatable_hours_per_year, 0)} 時間/年、"
                      f"割合 {_shown(p.potential, 0, True)}、容易性 {_shown(p.ease, 0)}、{QUADRANT_JA[p.quadrant]}。"
                      f"阻害要因: {blocker_text(p)}")
        for n in p.notes:
            say(f"  - {n}")
        table("手順ごとの内訳", *step_rows(p), numeric=(2, 3, 4, 5, 6, 7))
        say("手順ごとの理由")
        for line in reason_lines(p):
            say(line)
        say("")
    else:
        table("自動化可能時間の順位 (手続 × 市)", *ranking_rows(report, names), numeric=(0, 3, 4, 5, 6, 7, 8))
        table("手続ごとに職員時間が最も少ない市 (1 件あたり)", *best_rows(report, names), numeric=(2, 3, 4, 5))
    table(f"自動化可能時間の多い手順 (上位 {top})", *top_rows(report, names, top), numeric=(0, 4, 5, 6))
    table("押印・紙が残る手順", *seal_paper_rows(report, names), numeric=(6,))
    # rich pads every line to the console width: drop the padding so files diff cleanly
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"
