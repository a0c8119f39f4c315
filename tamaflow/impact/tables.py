"""The impact report as spreadsheet tables: what `--format csv` (the procedure × city table) and
`--format xlsx` (every table, one sheet each) write, through `io.table` and `io.xlsx` (formula-
looking text defused there). Numbers are rounded as in the JSON."""

from __future__ import annotations

from ..io.table import Column, Table
from .config import SPREADS
from .model import Impact, percentiles
from .report import _h, _yen, config_data

F_HOURS, F_COUNT, F_YEN = "#,##0.0", "#,##0", '#,##0 "円"'


def _p(samples: object) -> tuple[float | None, float | None, float | None]:
    p = percentiles(samples)  # type: ignore[arg-type]
    return (_h(p[0]), _h(p[1]), _h(p[2])) if p else (None, None, None)


def pairs_table(im: Impact) -> Table:
    """One row per procedure × city, procedures and cities in report order (most savings first)."""
    cols = [
        Column("process", "手続ID"), Column("name", "手続"), Column("city", "市ID"), Column("city_name", "市"),
        Column("hours_now", "現在 時間/年", F_HOURS), Column("hours_standard", "標準 時間/年", F_HOURS),
        Column("hours_standard_rpa", "標準+RPA 時間/年", F_HOURS), Column("savings_hours", "削減 時間/年", F_HOURS),
        Column("savings_standard_hours", "うち標準化", F_HOURS), Column("savings_rpa_hours", "うちRPA", F_HOURS),
        Column("savings_to_check_hours", "うち要確認の対応付け", F_HOURS),
        Column("savings_p10", "削減 P10", F_HOURS), Column("savings_p50", "削減 P50", F_HOURS),
        Column("savings_p90", "削減 P90", F_HOURS), Column("seals_removed", "押印の廃止", F_COUNT),
        Column("paper_removed", "紙の廃止", F_COUNT), Column("in_person_removed", "対面の廃止", F_COUNT),
    ]
    if im.hourly_cost is not None:
        cols.append(Column("savings_yen", "削減 円/年", F_YEN))
    t = Table("手続×市", cols)
    for p in im.procedures:
        for c in p.cities:
            row = [p.process, p.name, c.city, c.city_name, _h(c.hours_now), _h(c.hours_standard),
                   _h(c.hours_standard_rpa), _h(c.savings), _h(c.savings_standard), _h(c.savings_rpa),
                   _h(c.savings_to_check), *_p(c.samples),
                   c.seals_removed, c.paper_removed, c.in_person_removed]
            if im.hourly_cost is not None:
                row.append(_yen(c.savings, im.hourly_cost))
            t.add(*row)
    return t


def changes_table(im: Impact) -> Table:
    t = Table("変更点", (Column("process", "手続ID"), Column("name", "手続"), Column("city", "市ID"),
                       Column("city_name", "市"), Column("kind", "種類"), Column("step", "手順ID"),
                       Column("text", "変更", width=60), Column("hours", "時間/年", F_HOURS), Column("check", "要確認")))
    for p in im.procedures:
        for c in p.cities:
            for ch in c.changes:
                t.add(p.process, p.name, c.city, c.city_name, ch.kind, ch.step, ch.text, _h(ch.hours),
                      "要確認" if ch.check else "")
    return t


def totals_tables(im: Impact) -> list[Table]:
    procs = Table("手続ごと", (Column("process", "手続ID"), Column("name", "手続"), Column("cities", "市", F_COUNT),
                             Column("hours_now", "現在 時間/年", F_HOURS), Column("savings_hours", "削減 時間/年", F_HOURS),
                             Column("savings_p10", "削減 P10", F_HOURS), Column("savings_p50", "削減 P50", F_HOURS),
                             Column("savings_p90", "削減 P90", F_HOURS)))
    for p in im.procedures:
        procs.add(p.process, p.name, len(p.cities), _h(p.hours_now), _h(p.savings), *_p(p.samples))
    cities = Table("市ごと", (Column("city", "市ID"), Column("city_name", "市"), Column("hours_now", "現在 時間/年", F_HOURS),
                            Column("savings_hours", "削減 時間/年", F_HOURS), Column("savings_p10", "削減 P10", F_HOURS),
                            Column("savings_p50", "削減 P50", F_HOURS), Column("savings_p90", "削減 P90", F_HOURS)))
    for city, name, now, saved, samples in im.city_totals():
        cities.add(city, name, _h(now), _h(saved), *_p(samples))
    cfg = Table("前提", (Column("key", "項目"), Column("value", "値"), Column("means", "意味", width=70)))
    data = config_data(im)
    cfg.add("runs", im.runs, "試行回数")
    cfg.add("seed", im.seed, "乱数の種 (同じ種なら同じ結果)")
    for k in SPREADS:
        cfg.add(f"spread.{k}", getattr(im.spreads, k), SPREADS[k][2])
    cfg.add("realisation", im.realisation, "RPA の実現率 (score の設定)")
    cfg.add("realisation_range", f"{im.realisation_range[0]:g}–{im.realisation_range[1]:g}", "実現率を動かす範囲")
    cfg.add("hourly_cost", im.hourly_cost, "円/時間 (指定したときだけ)")
    cfg.add("score_config", data["score_config"], "score の設定ファイル (空 = 既定値)")
    return [procs, cities, cfg]


def workbook_tables(im: Impact) -> list[Table]:
    return [pairs_table(im), changes_table(im), *totals_tables(im)]
