"""`tamaflow new`: a valid starting file for an analyst to fill in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..io.files import refuse_overwrite, write_atomic
from ..io.library import find_library_root
from ..model.findings import TamaflowError
from ..model.ids import SLUG
from ._app import user_errors

TEMPLATE = """\
# yaml-language-server: $schema={schema}
process: {process}
name: {name}
city: {city}
area: その他
volume: 0                    # cases per year
assumed: [volume]            # remove once the figure is published/measured
source: https://example.org/  # replace with the page the flow was learned from
lanes:
  resident: 住民
  counter: 窓口
  back: 審査担当
steps:
  - id: apply
    name: 申請書を提出する
    lane: resident
    kind: manual
  - id: receive
    name: 受付
    lane: counter
    minutes: 3
    medium: paper
  - id: review
    name: 審査
    lane: back
    minutes: 10
    rule_based: true
  - id: ok
    name: 要件を満たすか
    gateway: exclusive
    lane: back
    branches:
      - {{to: notify, when: 満たす, share: 0.95, default: true}}
      - {{to: receive, when: 不備あり, share: 0.05}}
  - id: notify
    name: 結果を通知する
    lane: back
    kind: send
    end: true
"""


@user_errors
def new(
    process: Annotated[str, typer.Argument(help="Procedure id (slug), e.g. tennyu.")],
    city: Annotated[str, typer.Option("--city", help="City slug, e.g. kunitachi.")],
    name: Annotated[str | None, typer.Option("--name", help="Procedure name (default: the id).")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="File to write "
                                               "(default: processes/<process>/<city>.yaml).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a valid starting file for PROCESS × CITY; refuses to overwrite without --force."""
    for label, value in (("process", process), ("--city", city)):
        if not SLUG.match(value):
            raise TamaflowError(f"{label} {value!r} is not a safe id: lower-case ASCII letters, digits, - and _",
                                code="TF000")
    path = Path(output) if output else Path("processes") / process / f"{city}.yaml"
    refuse_overwrite(path, force)
    root = find_library_root(path.parent) if path.parent.exists() else None
    schema = "tamaflow.schema.json"
    if root is not None and (root.parent / "tamaflow.schema.json").is_file():
        depth = len(path.resolve().parent.relative_to(root.parent).parts) if path.parent.exists() else 2
        schema = "/".join([".."] * depth + ["tamaflow.schema.json"])
    elif not output:
        schema = "../../tamaflow.schema.json"
    text = TEMPLATE.format(process=process, city=city, name=name or process, schema=schema)
    write_atomic(path, text.encode("utf-8"))
    typer.echo(f"wrote {path}")
