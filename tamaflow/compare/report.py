"""Renderings of a `Comparison`: JSON, CSV, Markdown and terminal tables.

The same pattern as `tamaflow.score.report`: each `to_*` returns text, so the CLI only writes it
and every format is testable without a subprocess.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

from ..io.table import to_csv as table_csv
from ..model.kinds import kind_text
from .comparison import Comparison
from .tables import alignment_table, group_labels, many_alignment_table

#: what one similarity number means, said once under every matrix (terminal and Markdown)
SIMILARITY_LEGEND_JA = ("類似度: 0〜1、1 = 同じ流れ、0 = 共通点なし "
                        "(手順の対応・つながり・振る舞いの 3 指標の平均。標準との違いは下の表)")
SIMILARITY_LEGEND_EN = "similarity: 0–1, 1 = the same flow, 0 = nothing in common (mean of node, structural, behavioural)"


def _namer(names: Mapping[str, str] | None) -> Mapping[str, str]:
    """Slug → the city's Japanese name for tables; a variant without one keeps its slug."""
    return names or {}


def to_json(comp: Comparison) -> str:
    """Everything compare found (`Comparison.to_dict`), as indented UTF-8 JSON."""
    return json.dumps(comp.to_dict(), ensure_ascii=False, indent=2) + "\n"


def to_csv(comp: Comparison) -> str:
    """The alignment as a table an analyst opens in a spreadsheet: one row per activity group,
    one column per variant (step labels; ids in the `<variant> id` columns). Built by
    `tamaflow.compare.tables.alignment_table`, formula-looking labels defused."""
    return table_csv(alignment_table(comp))


# ------------------------------------------------------------------------------------------------
# A whole library: one section per procedure


def many_to_json(items: list[tuple[str, Comparison]]) -> str:
    """`{"procedures": {folder: <the one-procedure JSON contract>}}`, in folder order."""
    return json.dumps({"procedures": {name: comp.to_dict() for name, comp in items}}, ensure_ascii=False, indent=2) + "\n"


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
            lines.append(f"- {_md(d.message)}")
        lines.append("")
    lines.append(f"## {'対応表' if ja else 'Alignment'}")
    lines.append("")
    lines.append("| # | " + " | ".join(city) + " |")
    lines.append("|---" * (len(comp.variants) + 1) + "|")
    for gi in range(len(comp.groups)):
        mark = "*" if comp.standard_step_of(gi) else ""
        lines.append(f"| {gi + 1}{mark} | " + " | ".join(_md(group_labels(comp, gi, v)) or "—" for v in range(len(comp.variants))) + " |")
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
    console = Console(file=buf, width=width)
    ja = comp.japanese
    known = _namer(names)
    city = [known.get(v, v) for v in comp.variants]
    if comp.similarity:
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
            t.add_row(city[vi], d.kind, d.message)
    console.print(t)
    t = Table(title="対応表 (* = 標準フローの手順)" if ja else "alignment (* = a step of the standard flow)")
    t.add_column("#", justify="right", no_wrap=True)
    for name in city:
        t.add_column(name, overflow="fold")
    for gi in range(len(comp.groups)):
        mark = "*" if comp.standard_step_of(gi) else ""
        t.add_row(f"{gi + 1}{mark}", *(group_labels(comp, gi, v) or "—" for v in range(len(comp.variants))))
    console.print(t)
    # rich pads every line to the console width: drop the padding so files diff cleanly
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"
