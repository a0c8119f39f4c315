"""`tamaflow compare`: align one procedure across cities, measure similarity, derive the standard
flow and list each city's deviations. Thin glue: read files and the catalogue, call
`tamaflow.compare.compare_processes`, format the result."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..compare import CompareOptions, Comparison, catalogue_names, compare_processes
from ..io.anyformat import SUFFIXES, load_any, model_format
from ..io.files import refuse_overwrite, write_atomic
from ..io.library import find_library_root, read_catalogue
from ..io.schema import schema_reference
from ..io.yaml_writer import dump_process
from ..model.findings import TamaflowError
from ..model.library import CATALOGUE_FILE, LIBRARY_FILES
from ..model.process import Process
from ._app import app, user_errors

#: show a progress bar from this many variants on (and only on a terminal)
PROGRESS_FROM = 8


class CompareFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


def collect_models(paths: list[str]) -> list[str]:
    """Files as given; a folder contributes the model files directly inside it (one procedure)."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                str(path / f) for f in os.listdir(path)
                if (path / f).is_file() and not f.startswith(".") and f not in LIBRARY_FILES
                and Path(f).suffix.lower() in SUFFIXES
            )
            if not found:
                raise TamaflowError(f"{p}: no process files (*.yaml, *.bpmn, *.pnml) in this folder", code="TF000")
            out.extend(found)
        elif path.is_file():
            model_format(p)  # unknown extension → usage error
            out.append(p)
        else:
            raise TamaflowError(f"no such file or folder: {p}", code="TF000")
    return out


def load_models(files: list[str]) -> list[Process]:
    procs = [load_any(f) for f in files]
    yaml_ids = {p.process for f, p in zip(files, procs, strict=True) if model_format(f) == "yaml"}
    if len(yaml_ids) > 1:
        raise TamaflowError(
            f"the files hold different procedures ({', '.join(sorted(yaml_ids))}): compare one procedure at a time",
            code="TF000")
    return procs


def load_catalogue_for(paths: list[str]) -> dict[str, list[str]]:
    """The catalogue of the library the first path belongs to (empty outside a library). Its own
    problems are `tamaflow validate`'s business; whatever entries load are used."""
    root = find_library_root(Path(paths[0]))
    if root is None or not (root / CATALOGUE_FILE).is_file():
        return {}
    acts, _findings = read_catalogue(str(root / CATALOGUE_FILE))
    return catalogue_names(acts)


@app.command()
@user_errors
def compare(
    paths: Annotated[list[str], typer.Argument(help="A folder holding the variants of one procedure, or model files (YAML, BPMN, PNML).")],
    support: Annotated[float, typer.Option("--support", help="Share of variants a step needs to enter the standard flow.")] = 0.5,
    emit_standard: Annotated[str | None, typer.Option("--emit-standard", help="Write the standard flow as a tamaflow YAML file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --emit-standard file.")] = False,
    format: Annotated[CompareFormat, typer.Option("--format", "-f", help="table, json, markdown or csv (the alignment).")] = CompareFormat.table,
) -> None:
    """Align the steps of a procedure across cities, measure similarity, derive the standard flow
    and list each city's deviations from it."""
    files = collect_models(paths)
    if len(files) < 2:
        raise TamaflowError("compare needs at least two variants", code="TF000")
    if emit_standard:
        refuse_overwrite(Path(emit_standard), force)
    procs = load_models(files)
    catalogue = load_catalogue_for(paths)
    options = CompareOptions(support=support)
    show_progress = sys.stderr.isatty() and len(procs) >= PROGRESS_FROM
    if show_progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("comparing pairs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("pairs", total=len(procs) * (len(procs) - 1) // 2)
            comp = compare_processes(procs, catalogue, options, lambda done, total: bar.update(task, completed=done))
    else:
        comp = compare_processes(procs, catalogue, options)
    if emit_standard:
        target = Path(emit_standard)
        n = len(comp.variants)
        text = dump_process(comp.standard.process, schema=schema_reference(target), comments=[
            f"Standard flow of {comp.standard.process.name} derived by `tamaflow compare` from {n} variants",
            f"({', '.join(comp.variants)}); steps present in at least {support:g} of them, in consensus order.",
            "A proposal to discuss, not an official flow.",
        ])
        write_atomic(target, text.encode("utf-8"))
    out = sys.stdout
    if format is CompareFormat.json:
        json.dump(comp.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif format is CompareFormat.markdown:
        out.write(to_markdown(comp))
    elif format is CompareFormat.csv:
        out.write(to_csv(comp))
    else:
        print_tables(comp)
    if emit_standard:
        typer.echo(f"wrote the standard flow to {emit_standard}", err=True)


# ------------------------------------------------------------------------------------------------
# formats


def _cell(comp: Comparison, gi: int, v: int) -> str:
    g = comp.groups[gi]
    ks = g.members.get(v, [])
    return " + ".join(comp.views[v].nodes[k].name for k in ks)


def to_csv(comp: Comparison) -> str:
    """The alignment as a table an analyst opens in a spreadsheet: one row per activity group,
    one column per variant (step labels; ids in the `<variant> id` columns)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["group", "standard_step", "support", *comp.variants, *(f"{v} id" for v in comp.variants)])
    k = len(comp.variants)
    for gi, g in enumerate(comp.groups):
        ids = comp.group_ids(g)
        w.writerow([
            gi + 1, comp.standard_step_of(gi) or "", f"{g.size() / k:.2f}",
            *(_cell(comp, gi, v) for v in range(k)),
            *(";".join([ids[x]] if isinstance(ids.get(x), str) else ids.get(x, [])) for x in comp.variants),  # type: ignore[list-item]
        ])
    return buf.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(comp: Comparison) -> str:
    ja = comp.japanese
    lines: list[str] = []
    std = comp.standard.process
    lines.append(f"# {'比較' if ja else 'Comparison'}: {_md(std.name)} ({len(comp.variants)} {'市' if ja else 'variants'})")
    lines.append("")
    if comp.similarity:
        lines.append(f"## {'類似度 (平均)' if ja else 'Similarity (mean of node, structural, behavioural)'}")
        lines.append("")
        order = comp.clusters.order
        head = [comp.variants[i] for i in order]
        lines.append("| | " + " | ".join(head) + " |")
        lines.append("|---" * (len(head) + 1) + "|")
        for i in order:
            row = [f"{comp.similarity['mean'][i, j]:.2f}" for j in order]
            lines.append(f"| {comp.variants[i]} | " + " | ".join(row) + " |")
        lines.append("")
        lines.append(f"{'クラスタ (平均連結法)' if ja else 'Clusters (average linkage)'}:")
        lines.append("")
        for a, b, h in comp.clusters.merges:
            lines.append(f"- {', '.join(comp.variants[i] for i in a)} + {', '.join(comp.variants[i] for i in b)} "
                         f"({'距離' if ja else 'distance'} {h:.2f})")
        lines.append("")
    lines.append(f"## {'標準フロー' if ja else 'Standard flow'}")
    lines.append("")
    lanes = {lane.id: lane.name for lane in std.lanes}
    support = {s.step.id: s.support for s in comp.standard.steps}
    for n, s in enumerate(std.steps, 1):
        what = f"{s.gateway} {'join' if s.join else 'split'}" if s.is_gateway else (f"event {s.event}" if s.is_event else s.kind)
        sup = f", {support[s.id]:.0%}" if s.id in support else ""
        lane = f" [{_md(lanes.get(s.lane or '', ''))}]" if s.lane else ""
        lines.append(f"{n}. **{_md(s.name or s.id)}**{lane} ({what}{sup})")
        for br in s.branches:
            lines.append(f"    - → {br.to}{' : ' + _md(br.when) if br.when else ''}")
    lines.append("")
    lines.append(f"## {'標準との違い' if ja else 'Deviations from the standard'}")
    lines.append("")
    for v in comp.variants:
        devs = comp.deviations.get(v, [])
        lines.append(f"### {v}")
        lines.append("")
        if not devs:
            lines.append("- " + ("標準どおり。" if ja else "Follows the standard."))
        for d in devs:
            lines.append(f"- {_md(d.message)}")
        lines.append("")
    lines.append(f"## {'対応表' if ja else 'Alignment'}")
    lines.append("")
    lines.append("| # | " + " | ".join(comp.variants) + " |")
    lines.append("|---" * (len(comp.variants) + 1) + "|")
    for gi in range(len(comp.groups)):
        mark = "*" if comp.standard_step_of(gi) else ""
        lines.append(f"| {gi + 1}{mark} | " + " | ".join(_md(_cell(comp, gi, v)) or "—" for v in range(len(comp.variants))) + " |")
    lines.append("")
    return "\n".join(lines)


def print_tables(comp: Comparison) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    ja = comp.japanese
    if comp.similarity:
        t = Table(title="similarity (mean of node / structural / behavioural), clustered order")
        order = comp.clusters.order
        t.add_column("")
        for i in order:
            t.add_column(comp.variants[i], justify="right")
        for i in order:
            t.add_row(comp.variants[i], *(f"{comp.similarity['mean'][i, j]:.2f}" for j in order))
        console.print(t)
    std = comp.standard.process
    t = Table(title=f"standard flow: {std.name} (support ≥ {comp.standard.support:g})")
    t.add_column("#", justify="right")
    t.add_column("step")
    t.add_column("lane")
    t.add_column("support", justify="right")
    lanes = {lane.id: lane.name for lane in std.lanes}
    support = {s.step.id: s.support for s in comp.standard.steps}
    for n, s in enumerate(std.steps, 1):
        name = s.name or (f"({s.gateway} join)" if s.join else s.id)
        if s.is_gateway and not s.join:
            name = f"◇ {name}"
        t.add_row(str(n), name, lanes.get(s.lane or "", ""), f"{support[s.id]:.0%}" if s.id in support else "")
    console.print(t)
    t = Table(title="deviations from the standard" if not ja else "標準との違い")
    t.add_column("variant")
    t.add_column("kind")
    t.add_column("deviation")
    for v in comp.variants:
        for d in comp.deviations.get(v, []):
            t.add_row(v, d.kind, d.message)
    console.print(t)
    t = Table(title="alignment")
    t.add_column("#", justify="right")
    for v in comp.variants:
        t.add_column(v)
    for gi in range(len(comp.groups)):
        mark = "*" if comp.standard_step_of(gi) else ""
        t.add_row(f"{gi + 1}{mark}", *(_cell(comp, gi, v) or "—" for v in range(len(comp.variants))))
    console.print(t)
