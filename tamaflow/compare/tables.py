"""A comparison as spreadsheet tables: what `tamaflow compare --format csv|xlsx` writes.

Built once here with typed cells and Japanese headings, rendered by `tamaflow.io.table.to_csv`
(the alignment) and `tamaflow.io.xlsx.workbook_bytes` (every table, one sheet each). For a whole
library the same tables get a procedure column, and the matrix and the alignment, whose columns
are one procedure's variants, become long tables (one row per pair, per variant and group).
"""

from __future__ import annotations

from ..io.table import Column, Table
from ..model.kinds import kind_text_ja
from .comparison import Comparison

F_SIM, F_SHARE = "0.00", "0%"


def group_labels(comp: Comparison, gi: int, v: int) -> str:
    """The labels variant `v` has in activity group `gi`, joined (empty when it has none)."""
    return " + ".join(comp.views[v].nodes[k].name for k in comp.groups[gi].members.get(v, []))


#: after a label in the terminal and Markdown tables (and on the site): the city's step is worded
#: unlike every other city's step in its row, or most of the row's other cities pair it with
#: another step pair by pair (`Comparison.to_check`), so check it
REVIEW_MARK = "※"
REVIEW_LEGEND_JA = ("※ = 要確認: 同じ行の他市の手順と文言が似ていないか、市どうしの対応付けでは同じ行の他市の"
                    "半数以上が別の手順と組にした手順で、流れの中の位置や他市を介して対応付けたもの"
                    "（誤りなら、各市の手順に standard: で標準の手順のコードを付けると、そのコードで対応付けられます）")
REVIEW_LEGEND_EN = ("※ = check: worded unlike every other variant's step in its row, or paired with another step by "
                    "most of the row's other variants pair by pair, so aligned by its place in the flow or through "
                    "other variants (if wrong, give the steps their standard: code: steps citing one code are "
                    "aligned on it)")


#: after a deviation's sentence: it names a city's step in a cell to check (`Deviation.check`)
DEVIATION_LEGEND_JA = ("※ = 要確認の対応付けに基づく違い: 対応表で ※ の付いた手順についての文で、"
                       "対応付けが誤りなら、この違いもありません")
DEVIATION_LEGEND_EN = ("※ = rests on a cell to check: the sentence is about a step marked ※ in the alignment, "
                       "and if that step is aligned wrongly, so is the sentence")


def deviation_text(message: str, check: bool) -> str:
    """A deviation's sentence as the tables print it: with `REVIEW_MARK` when it rests on a
    cell to check."""
    return f"{message} {REVIEW_MARK}" if check else message


def review_cities(comp: Comparison, gi: int) -> list[int]:
    """The variants whose step in group `gi` is a cell to check (`Comparison.to_check`), in order."""
    return [v for v in sorted(comp.groups[gi].members) if comp.to_check(gi, v)]


def cell_text(comp: Comparison, gi: int, v: int) -> str:
    """`group_labels` with `REVIEW_MARK` after a cell to check: what the tables print."""
    text = group_labels(comp, gi, v)
    return f"{text} {REVIEW_MARK}" if comp.to_check(gi, v) else text


def _support(comp: Comparison, gi: int) -> float:
    return round(comp.groups[gi].size() / len(comp.variants), 2)


def alignment_table(comp: Comparison) -> Table:
    """One row per activity group, one column of labels per variant and one of its step ids, and
    last the variants whose step is a cell to check (`review_cities`): a column of their own, so the
    label cells hold the labels only."""
    t = Table("対応表", (
        Column("group", "番号", "0"), Column("standard_step", "標準の手順ID"), Column("support", "支持率", F_SHARE),
        *(Column(v, v) for v in comp.variants), *(Column(f"{v} id", f"{v} 手順ID") for v in comp.variants),
        Column("review", "要確認の市"),
    ))
    for gi, g in enumerate(comp.groups):
        ids = comp.group_ids(g)
        t.add(gi + 1, comp.standard_step_of(gi) or "", _support(comp, gi),
              *(group_labels(comp, gi, v) for v in range(len(comp.variants))),
              *(";".join([x] if isinstance(x, str) else x) for x in (ids.get(v, []) for v in comp.variants)),
              ";".join(comp.variants[v] for v in review_cities(comp, gi)))
    return t


def similarity_table(comp: Comparison) -> Table:
    """The mean similarity matrix in clustered order (neighbours in the dendrogram side by side)."""
    order = comp.clusters.order if comp.similarity else []
    t = Table("類似度", (Column("variant", "市"), *(Column(comp.variants[i], comp.variants[i], F_SIM) for i in order)))
    for i in order:
        t.add(comp.variants[i], *(round(float(comp.similarity["mean"][i, j]), 2) for j in order))
    return t


def _standard_rows(comp: Comparison) -> list[list[object]]:
    std = comp.standard.process
    lanes = {lane.id: lane.name for lane in std.lanes}
    support = {s.step.id: s.support for s in comp.standard.steps}
    return [[n, s.name or s.id, lanes.get(s.lane or "", ""), kind_text_ja(s),
             round(support[s.id], 2) if s.id in support else None, s.id]
            for n, s in enumerate(std.steps, 1)]


STANDARD_COLUMNS = (Column("order", "順", "0"), Column("step_name", "手順"), Column("lane", "担当"),
                    Column("kind", "種類"), Column("support", "支持率", F_SHARE), Column("step", "手順ID"))
DEVIATION_COLUMNS = (Column("variant", "市"), Column("kind", "種類"), Column("message", "内容", width=80),
                     Column("steps", "手順ID"), Column("standard_step", "標準の手順ID"), Column("check", "要確認"))
PROCEDURE = Column("procedure", "手続")


def standard_table(comp: Comparison) -> Table:
    t = Table("標準フロー", STANDARD_COLUMNS)
    for row in _standard_rows(comp):
        t.add(*row)  # type: ignore[arg-type]
    return t


def _deviation_rows(comp: Comparison) -> list[list[object]]:
    return [[v, d.kind, d.message, ";".join(d.steps), d.standard_step or "", "要確認" if d.check else ""]
            for v in comp.variants for d in comp.deviations.get(v, [])]


def deviations_table(comp: Comparison) -> Table:
    t = Table("標準との違い", DEVIATION_COLUMNS)
    for row in _deviation_rows(comp):
        t.add(*row)  # type: ignore[arg-type]
    return t


def workbook_tables(comp: Comparison) -> list[Table]:
    """The sheets of `tamaflow compare FOLDER --format xlsx`, in reading order."""
    return [similarity_table(comp), standard_table(comp), deviations_table(comp), alignment_table(comp)]


def many_alignment_table(items: list[tuple[str, Comparison]]) -> Table:
    """Every procedure's alignment as one long table: a row per variant and activity group."""
    t = Table("対応表", (PROCEDURE, Column("group", "番号", "0"), Column("standard_step", "標準の手順ID"),
                       Column("support", "支持率", F_SHARE), Column("variant", "市"), Column("step", "手順"),
                       Column("step id", "手順ID"), Column("review", "要確認")))
    for name, comp in items:
        for gi, g in enumerate(comp.groups):
            for v in sorted(g.members):
                ids = [comp.views[v].nodes[x].id for x in sorted(g.members[v])]
                t.add(name, gi + 1, comp.standard_step_of(gi) or "", _support(comp, gi), comp.variants[v],
                      group_labels(comp, gi, v), ";".join(ids), "要確認" if comp.to_check(gi, v) else "")
    return t


def many_workbook_tables(items: list[tuple[str, Comparison]]) -> list[Table]:
    """The sheets of `tamaflow compare LIBRARY --format xlsx`: each table with a procedure column."""
    sim = Table("類似度", (PROCEDURE, Column("variant", "市"), Column("other", "比較する市"),
                          Column("similarity", "類似度", F_SIM)))
    std = Table("標準フロー", (PROCEDURE, *STANDARD_COLUMNS))
    dev = Table("標準との違い", (PROCEDURE, *DEVIATION_COLUMNS))
    for name, comp in items:
        if comp.similarity:
            order = comp.clusters.order
            for i in order:
                for j in order:
                    if i != j:
                        sim.add(name, comp.variants[i], comp.variants[j], round(float(comp.similarity["mean"][i, j]), 2))
        for row in _standard_rows(comp):
            std.add(name, *row)  # type: ignore[arg-type]
        for row in _deviation_rows(comp):
            dev.add(name, *row)  # type: ignore[arg-type]
    return [sim, std, dev, many_alignment_table(items)]
