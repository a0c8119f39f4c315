"""A valid starting file for an analyst to fill in: the `tamaflow new` use case."""

from __future__ import annotations

from pathlib import Path

from ..io.files import refuse_overwrite, write_atomic
from ..io.library import find_library_root
from ..io.schema import SCHEMA_FILE

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


def new_process_file(process: str, city: str, name: str | None = None, output: str | None = None,
                     force: bool = False) -> Path:
    """Write the starting file of `process` × `city` (ids already checked as slugs) to `output`,
    by default processes/<process>/<city>.yaml; refused if it exists and `force` is off.

    Its schema line points at the library's tamaflow.schema.json (beside the library folder)
    when there is one, so the editor completes fields from the first keystroke."""
    path = Path(output) if output else Path("processes") / process / f"{city}.yaml"
    refuse_overwrite(path, force)
    root = find_library_root(path.parent) if path.parent.exists() else None
    schema = SCHEMA_FILE
    if root is not None and (root.parent / SCHEMA_FILE).is_file():
        depth = len(path.resolve().parent.relative_to(root.parent).parts) if path.parent.exists() else 2
        schema = "/".join([".."] * depth + [SCHEMA_FILE])
    elif not output:
        schema = f"../../{SCHEMA_FILE}"
    text = TEMPLATE.format(process=process, city=city, name=name or process, schema=schema)
    write_atomic(path, text.encode("utf-8"))
    return path
