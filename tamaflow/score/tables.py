"""The score report as spreadsheet tables: what `--format csv` and `--format xlsx` write.

Each table is built once here, with typed cells (numbers rounded as in every other output of
`tamaflow.score.report`) and Japanese headings; `tamaflow.io.table.to_csv` and
`tamaflow.io.xlsx.workbook_bytes` render it. The CSV is the steps table (one row per step, so
sums per process give the process totals); the workbook has all of them, one sheet each.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..io.table import Column, Table
from .report import EASE, HOURS, MINUTES, SHARE, ScoreReport, _rounded
from .wording import BLOCKER_JA, QUADRANT_JA

#: Excel number formats, matching the digits kept in every output
F_COUNT, F_HOURS, F_MINUTES, F_SHARE, F_EASE = "#,##0", "#,##0.0", "#,##0.00", "0.0%", "0.0"
F_RANK = "0"

STEP_COLUMNS = (
    Column("process", "手続ID"), Column("name", "手続"), Column("city", "市ID"), Column("step", "手順ID"),
    Column("step_name", "手順"), Column("lane", "担当"), Column("role", "役割"), Column("kind", "種類"),
    Column("visits", "回/件", "0.000"), Column("minutes", "分/回", F_MINUTES),
    Column("staff_minutes_per_case", "職員 分/件", F_MINUTES), Column("hours_per_year", "職員 時間/年", F_HOURS),
    Column("automatable_hours_per_year", "自動化可能 時間/年", F_HOURS),
    Column("potential", "自動化可能割合", F_SHARE), Column("ease", "容易性", F_EASE), Column("quadrant", "区分ID"),
    Column("quadrant_label", "区分"), Column("feasible", "実現可能"), Column("blockers", "阻害要因"), Column("reasons", "理由", width=80),
)


def steps_table(report: ScoreReport) -> Table:
    """Every step of every process with its score: the CSV of `tamaflow score`."""
    t = Table("手順", STEP_COLUMNS)
    for p in report.processes:
        for s in p.steps:
            t.add(p.process, p.name, p.city, s.id, s.name, s.lane_name or s.lane or "", s.role, s.kind,
                  _rounded(s.visits, SHARE), _rounded(s.minutes, MINUTES), _rounded(s.staff_minutes_per_case, MINUTES),
                  _rounded(s.hours_per_year, HOURS), _rounded(s.automatable_hours_per_year, HOURS),
                  _rounded(s.potential, SHARE), _rounded(s.ease, EASE), s.quadrant, s.quadrant_label, s.feasible,
                  ";".join(s.blockers), " / ".join(s.reasons))
    return t


def ranking_table(report: ScoreReport, names: Mapping[str, str]) -> Table:
    t = Table("順位", (
        Column("rank", "順位", F_RANK), Column("name", "手続"), Column("city_name", "市"),
        Column("volume", "件数/年", F_COUNT), Column("minutes_per_case", "職員 分/件", F_MINUTES),
        Column("hours_per_year", "職員 時間/年", F_HOURS),
        Column("automatable_hours_per_year", "自動化可能 時間/年", F_HOURS),
        Column("potential", "自動化可能割合", F_SHARE), Column("ease", "容易性", F_EASE),
        Column("quadrant", "区分"), Column("feasible", "実現可能"),
        Column("process", "手続ID"), Column("city", "市ID"),
    ))
    for i, p in enumerate(report.ranking, 1):
        t.add(i, p.name, names.get(p.city, p.city), _rounded(p.volume, MINUTES), _rounded(p.minutes_per_case, MINUTES),
              _rounded(p.hours_per_year, HOURS), _rounded(p.automatable_hours_per_year, HOURS),
              _rounded(p.potential, SHARE), _rounded(p.ease, EASE), QUADRANT_JA[p.quadrant], p.feasible,
              p.process, p.city)
    return t


def best_table(report: ScoreReport, names: Mapping[str, str]) -> Table:
    t = Table("最少時間の市", (
        Column("name", "手続"), Column("city_name", "最も少ない市"), Column("minutes_per_case", "職員 分/件", F_MINUTES),
        Column("hours_per_1000_cases", "千件あたり時間", F_HOURS),
        Column("max_minutes_per_case", "最大の分/件", F_MINUTES),
        Column("hours_saved_if_all_adopt", "全市が採用した場合の削減 時間/年", F_HOURS),
        Column("without_minutes", "分の記録がない市"), Column("process", "手続ID"), Column("city", "市ID"),
    ))
    for b in report.best_variants:
        t.add(b.name, names.get(b.city, b.city), _rounded(b.minutes_per_case, MINUTES),
              _rounded(b.minutes_per_case * 1000 / 60, HOURS),
              _rounded(max(v.minutes_per_case for v in b.variants), MINUTES), _rounded(b.hours_saved_if_all_adopt, HOURS),
              "、".join(names.get(c, c) for c in b.without_minutes), b.process, b.city)
    return t


def top_table(report: ScoreReport, names: Mapping[str, str], top: int) -> Table:
    t = Table("上位の手順", (
        Column("rank", "順位", F_RANK), Column("name", "手続"), Column("city_name", "市"), Column("step_name", "手順"),
        Column("automatable_hours_per_year", "自動化可能 時間/年", F_HOURS),
        Column("hours_per_year", "職員 時間/年", F_HOURS), Column("potential", "自動化可能割合", F_SHARE),
        Column("ease", "容易性", F_EASE), Column("quadrant", "区分"), Column("summary", "主な理由", width=60),
        Column("process", "手続ID"), Column("city", "市ID"), Column("step", "手順ID"),
    ))
    for i, (p, s) in enumerate(report.top_steps[:top], 1):
        t.add(i, p.name, names.get(p.city, p.city), s.name, _rounded(s.automatable_hours_per_year, HOURS),
              _rounded(s.hours_per_year, HOURS), _rounded(s.potential, SHARE), _rounded(s.ease, EASE),
              s.quadrant_label, s.summary, p.process, p.city, s.id)
    return t


def seal_paper_table(report: ScoreReport, names: Mapping[str, str]) -> Table:
    """Steps with a seal or paper; 推定 marks what the file's `assumed:` list calls an estimate."""
    t = Table("押印・紙", (
        Column("name", "手続"), Column("city_name", "市"), Column("step_name", "手順"), Column("lane", "担当"),
        Column("seal", BLOCKER_JA["seal"]), Column("paper", BLOCKER_JA["paper"]),
        Column("hours_per_year", "職員 時間/年", F_HOURS),
        Column("process", "手続ID"), Column("city", "市ID"), Column("step", "手順ID"),
    ))

    def mark(present: bool, assumed: bool) -> str:
        return ("○(推定)" if assumed else "○") if present else ""

    for p, s in report.seal_paper:
        staff = s.role == "staff" or s.staff_minutes_per_case > 0
        t.add(p.name, names.get(p.city, p.city), s.name, s.lane_name or s.lane or "",
              mark("seal" in s.blockers, "seal" in s.assumed), mark("paper" in s.blockers, "medium" in s.assumed),
              _rounded(s.hours_per_year, HOURS) if staff else None, p.process, p.city, s.id)
    return t


def workbook_tables(report: ScoreReport, top: int = 10, names: Mapping[str, str] | None = None) -> list[Table]:
    """The sheets of `tamaflow score --format xlsx`, in reading order."""
    names = names or {}
    return [ranking_table(report, names), best_table(report, names), top_table(report, names, top),
            seal_paper_table(report, names), steps_table(report)]
