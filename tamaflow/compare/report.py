"""Renderings of a `Comparison`: JSON, CSV, Markdown and terminal tables.

The same pattern as `tamaflow.score.report`: each `to_*` returns text, so the CLI only writes it
and every format is testable without a subprocess.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping

from ..io.table import to_csv as table_csv
from ..model.kinds import kind_text
from .comparison import Comparison
from .tables import (
    DEVIATION_LEGEND_EN,
    DEVIATION_LEGEND_JA,
    REVIEW_LEGEND_EN,
    REVIEW_LEGEND_JA,
    alignment_table,
    cell_text,
    deviation_text,
    many_alignment_table,
)

#: what one similarity number means, said once under every matrix (terminal and Markdown)
SIMILARITY_LEGEND_JA = ("類似度: 0〜1、1 = 同じ流れ、0 = 共通点なし "
                        "(手順の対応・つながり・振る舞いの 3 指標の平均。標準との違いは下の表)")
SIMILARITY_LEGEND_EN = "similarity: 0–1, 1 = the same flow, 0 = nothing in common (mean of node, structural, behavioural)"


def _namer(names: Mapping[str, str] | None) -> Mapping[str, str]:
    """Slug → the city's Japanese name for tables; a variant without one keeps its slug."""
    return names or {}


def to_json(comp: Comparison) -> str:
    """Everything compare found (`Comparison.to_dict`), as indented UTF-8 JSON."""
    return _dumps(comp.to_dict(), comp.method == "fast")


#: stands for one matrix row while the rest of the document is indented (see `_dumps`)
_ROW = re.compile(r'"\\u0000row(\d+)"')


def _dumps(doc: dict[str, object], compact_rows: bool) -> str:
    """Indented JSON; with `compact_rows`, each row of every similarity matrix on one line.

    The fast path is for hundreds of variants: indented one number a line, 1,741 variants'
    four matrices would take 12 million lines. Same document, same parse."""
    if not compact_rows:
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    rows: list[str] = []

    def hide(sim: dict[str, list[list[float]]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for m, matrix in sim.items():
            out[m] = []
            for row in matrix:
                out[m].append(f"\0row{len(rows)}")
                rows.append(json.dumps(row, separators=(", ", ": ")))
        return out

    procs = doc.get("procedures")
    if isinstance(procs, dict):
        doc = {"procedures": {k: {**v, "similarity": hide(v["similarity"])} for k, v in procs.items()}}
    else:
        doc = {**doc, "similarity": hide(doc["similarity"])}  # type: ignore[arg-type]
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    return _ROW.sub(lambda m: rows[int(m.group(1))], text)


def to_csv(comp: Comparison) -> str:
    """The alignment as a table an analyst opens in a spreadsheet: one row per activity group,
    one column per variant (step labels; ids in the `<variant> id` columns). Built by
    `tamaflow.compare.tables.alignment_table`, formula-looking labels defused."""
    return table_csv(alignment_table(comp))


# ------------------------------------------------------------------------------------------------
# A whole library: one section per procedure


def many_to_json(items: list[tuple[str, Comparison]]) -> str:
    """`{"procedures": {folder: <the one-procedure JSON contract>}}`, in folder order."""
    return _dumps({"procedures": {name: comp.to_dict() for name, comp in items}},
                  any(comp.method == "fast" for _name, comp in items))


def many_to_csv(items: list[tuple[str, Comparison]]) -> str:
    """One long table: `procedure, group, standard_step, support, variant, step, step id` per variant
    and group (variants differ between procedures, so they are rows here, not columns)."""
    return table_csv(many_alignment_table(items))


def many_to_markdown(items: list[tuple[str, Comparison]], names: Mapping[str, str] | None = None) -> str:
    """Each procedure's report in turn (each opens with its own `#` heading)."""
    return "\n".join(to_markdown(comp, names) for _name, comp in items)


def many_to_table(items: list[tuple[str, Comparison]], width: int = 80, names: Mapping[str, str] | None = None) -> str:
    """Each procedure's tables in turn, under a rule naming the procedure folder."""
    out = []
    for name, comp in items:
        rule = f"── {name}: {comp.standard.process.name} ({len(comp.variants)}) "
        out.append(rule + "─" * max(0, width - len(rule)) + "\n")
        out.append(to_table(comp, width, names))
    return "".join(out)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipe, no line break."""
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(comp: Comparison, names: Mapping[str, str] | None = None) -> str:
    """A report to paste into an issue or a wiki: similarity and clusters, the standard flow,
    each variant's deviations, the alignment table. Japanese headings for Japanese input;
    cities by their `names` (slug → Japanese name), slugs only where a name is missing."""
    ja = comp.japanese
    known = _namer(names)
    city = [known.get(v, v) for v in comp.variants]
    lines: list[str] = []
    std = comp.standard.process
    lines.append(f"# {'比較' if ja else 'Comparison'}: {_md(std.name)} ({len(comp.variants)} {'市' if ja else 'variants'})")
    lines.append("")
    if comp.similarity:
        lines.append(f"## {'類似度' if ja else 'Similarity'}")
        lines.append("")
        order = comp.clusters.order
        head = [city[i] for i in order]
        lines.append("| | " + " | ".join(head) + " |")
        lines.append("|---" * (len(head) + 1) + "|")
        for i in order:
            row = [f"{comp.similarity['mean'][i, j]:.2f}" for j in order]
            lines.append(f"| {city[i]} | " + " | ".join(row) + " |")
        lines.append("")
        lines.append(SIMILARITY_LEGEND_JA if ja else SIMILARITY_LEGEND_EN)
        lines.append("")
        lines.append(f"{'クラスタ (平均連結法)' if ja else 'Clusters (average linkage)'}:")
        lines.append("")
        for a, b, h in comp.clusters.merges:
            # a merge height is 1 − similarity: said as the similarity, the one measure shown
            lines.append(f"- {', '.join(city[i] for i in a)} + {', '.join(city[i] for i in b)} "
                         f"({'類似度' if ja else 'similarity'} {1 - h:.2f})")
        lines.append("")
    lines.append(f"## {'標準フロー' if ja else 'Standard flow'}")
    lines.append("")
    lanes = {lane.id: lane.name for lane in std.lanes}
    support = {s.step.id: s.support for s in comp.standard.steps}
    for n, s in enumerate(std.steps, 1):
        what = kind_text(s)
        sup = f", {support[s.id]:.0%}" if s.id in support else ""
        lane = f" [{_md(lanes.get(s.lane or '', ''))}]" if s.lane else ""
        lines.append(f"{n}. **{_md(s.name or s.id)}**{lane} ({what}{sup})")
        for br in s.branches:
            lines.append(f"    - → {br.to}{' : ' + _md(br.when) if br.when else ''}")
    lines.append("")
    lines.append(f"## {'標準との違い' if ja else 'Deviations from the standard'}")
    lines.append("")
    for vi, v in enumerate(comp.variants):
        devs = comp.deviations.get(v, [])
        lines.append(f"### {city[vi]}")
        lines.append("")
        if not devs:
            lines.append("- " + ("標準どおり。" if ja else "Follows the standard."))
        for d in devs:
            lines.append(f"- {_md(deviation_text(d.message, d.check))}")
        lines.append("")
    if comp.deviations_to_check():
        lines.append(DEVIATION_LEGEND_JA if ja else DEVIATION_LEGEND_EN)
        lines.append("")
    lines.append(f"## {'対応表' if ja else 'Alignment'}")
    lines.append("")
    lines.append("| # | " + " | ".join(city) + " |")
    lines.append("|---" * (len(comp.variants) + 1) + "|")
    for gi in range(len(comp.groups)):
        mark = "*" if comp.standard_step_of(gi) else ""
        lines.append(f"| {gi + 1}{mark} | " + " | ".join(_md(cell_text(comp, gi, v)) or "—" for v in range(len(comp.variants))) + " |")
    lines.append("")
    if comp.cells_to_check():
        lines.append(REVIEW_LEGEND_JA if ja else REVIEW_LEGEND_EN)
        lines.append("")
    return "\n".join(lines)


def to_table(comp: Comparison, width: int = 80, names: Mapping[str, str] | None = None) -> str:
    """Terminal tables (rich, plain text): similarity in clustered order with its legend, the
    standard flow with each step's support, the deviations, the alignment. `width` is the
    terminal's (`PIPED_WIDTH` in a pipe); cities by their `names` (slug → Japanese name).
    Numbers never fold or shorten (no `0.…`); labels fold onto more lines instead of `ko…`."""
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    # labels are the user's text: `[bold]` and `:smile:` in a step name are printed as written,
    # never read as rich markup or emoji codes (which also spares rich a parse per cell)
    console = Console(file=buf, width=width, color_system=None, markup=False, emoji=False, highlight=False)
    ja = comp.japanese
    known = _namer(names)
    city = [known.get(v, v) for v in comp.variants]
    if comp.similarity and not _grid_fits(city, width, 4):
        console.print("\n".join(_matrix_blocks(comp, city, width)), soft_wrap=True)
    elif comp.similarity:
        t = Table(title="類似度 (クラスタ順)" if ja else "similarity (clustered order)",
                  caption=SIMILARITY_LEGEND_JA if ja else SIMILARITY_LEGEND_EN, caption_justify="left")
        order = comp.clusters.order
        t.add_column("", no_wrap=True)
        for i in order:
            t.add_column(city[i], justify="right", no_wrap=True, min_width=4, overflow="fold")
        for i in order:
            t.add_row(city[i], *(f"{comp.similarity['mean'][i, j]:.2f}" for j in order))
        console.print(t)
    std = comp.standard.process
    t = Table(title=(f"標準フロー: {std.name} (支持率 ≥ {comp.standard.support:g})" if ja
                     else f"standard flow: {std.name} (support ≥ {comp.standard.support:g})"))
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("手順" if ja else "step", overflow="fold")
    t.add_column("担当" if ja else "lane", overflow="fold")
    t.add_column("支持率" if ja else "support", justify="right", no_wrap=True)
    lanes = {lane.id: lane.name for lane in std.lanes}
    support = {s.step.id: s.support for s in comp.standard.steps}
    for n, s in enumerate(std.steps, 1):
        name = s.name or (f"({s.gateway} join)" if s.join else s.id)
        if s.is_gateway and not s.join:
            name = f"◇ {name}"
        t.add_row(str(n), name, lanes.get(s.lane or "", ""), f"{support[s.id]:.0%}" if s.id in support else "")
    console.print(t)
    t = Table(title="標準との違い" if ja else "deviations from the standard")
    t.add_column("市" if ja else "variant", no_wrap=True)
    t.add_column("種類" if ja else "kind", no_wrap=True)
    t.add_column("違い" if ja else "deviation", overflow="fold")
    for vi, v in enumerate(comp.variants):
        for d in comp.deviations.get(v, []):
            t.add_row(city[vi], d.kind, deviation_text(d.message, d.check))
    console.print(t)
    if comp.deviations_to_check():
        console.print(DEVIATION_LEGEND_JA if ja else DEVIATION_LEGEND_EN)
    if not _grid_fits(city, width, 10):
        console.print("\n".join(_alignment_list(comp, city, width)), soft_wrap=True)
    else:
        t = Table(title="対応表 (* = 標準フローの手順)" if ja else "alignment (* = a step of the standard flow)")
        t.add_column("#", justify="right", no_wrap=True)
        for name in city:
            t.add_column(name, overflow="fold")
        for gi in range(len(comp.groups)):
            mark = "*" if comp.standard_step_of(gi) else ""
            t.add_row(f"{gi + 1}{mark}", *(cell_text(comp, gi, v) or "—" for v in range(len(comp.variants))))
        console.print(t)
    if comp.cells_to_check():
        # under the alignment, folded at the width (a caption would not fold)
        console.print(REVIEW_LEGEND_JA if ja else REVIEW_LEGEND_EN)
    # rich pads every line to the console width: drop the padding so files diff cleanly
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"

def _grid_fits(city: list[str], width: int, cell: int) -> bool:
    """Whether a grid with one boxed column per city, each `cell` columns wide, fits `width`.
    Rich would otherwise squeeze the columns to nothing (`c…`) or drop the last ones."""
    from rich.cells import cell_len

    first = max((cell_len(c) for c in city), default=0) + 3
    return first + len(city) * (cell + 3) + 1 <= width


def _matrix_blocks(comp: Comparison, city: list[str], width: int) -> list[str]:
    """The similarity matrix for more cities than a boxed grid holds: rows `n 市名`, columns by
    number, split into blocks of as many columns as the width takes. Nothing is cut or folded."""
    from rich.cells import cell_len

    ja = comp.japanese
    order = comp.clusters.order
    mean = comp.similarity["mean"]
    label = [f"{r + 1:>3} {city[i]}" for r, i in enumerate(order)]
    lead = max(cell_len(x) for x in label)
    fit = max(1, (width - lead) // 5)
    blocks = -(-len(order) // fit)
    per = -(-len(order) // blocks)  # blocks of even size: 13 + 13 columns, not 25 + 1
    out = ["類似度 (クラスタ順、列の番号は行の番号)" if ja else "similarity (clustered order, columns numbered as the rows)"]
    for start in range(0, len(order), per):
        cols = range(start, min(start + per, len(order)))
        out.append(" " * lead + "".join(f"{c + 1:>5}" for c in cols))
        for r, i in enumerate(order):
            pad = " " * (lead - cell_len(label[r]))
            out.append(label[r] + pad + "".join(f"{mean[i, order[c]]:>5.2f}" for c in cols))
        out.append("")
    out.append(SIMILARITY_LEGEND_JA if ja else SIMILARITY_LEGEND_EN)
    return out


def _alignment_list(comp: Comparison, city: list[str], width: int) -> list[str]:
    """The alignment for more cities than columns fit: one block per activity group, each
    wording once with the cities that use it, then the cities without the step. The full grid
    is in `--format csv` / `xlsx`."""
    ja = comp.japanese
    k = len(comp.variants)
    out = ["対応表 (* = 標準フローの手順。市が多いため手順ごとに表示。表の形は --format csv / xlsx)" if ja
           else "alignment (* = a step of the standard flow; one block per step: too many variants for a grid, "
                "see --format csv / xlsx)"]
    sep = "、" if ja else ", "
    for gi, g in enumerate(comp.groups):
        by_label: dict[str, list[int]] = {}
        for v in range(k):
            text = cell_text(comp, gi, v)
            if text:
                by_label.setdefault(text, []).append(v)
        ranked = sorted(by_label.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
        mark = "*" if comp.standard_step_of(gi) else " "
        share = f"{g.size()}/{k} 市" if ja else f"{g.size()}/{k}"
        out.append(f"{gi + 1:>3}{mark} {ranked[0][0] if ranked else '—'} ({share})")
        for text, vs in ranked:
            out.extend(_wrapped(f"      {text}: ", [city[v] for v in vs], sep, width))
        missing = [city[v] for v in range(k) if v not in g.members]
        if missing:
            out.extend(_wrapped("      (なし): " if ja else "      (none): ", missing, sep, width))
    return out


def _wrapped(head: str, items: list[str], sep: str, width: int) -> list[str]:
    """`head` then the items joined by `sep`, broken onto indented lines at `width` cells."""
    from rich.cells import cell_len

    lines: list[str] = []
    line, indent = head, " " * cell_len(head)
    for n, item in enumerate(items):
        piece = item + (sep if n < len(items) - 1 else "")
        if cell_len(line) + cell_len(piece) > width and line != head and line != indent:
            lines.append(line.rstrip())
            line = indent
        line += piece
    lines.append(line.rstrip())
    return lines
