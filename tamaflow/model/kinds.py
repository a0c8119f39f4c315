"""How a step's kind is written in plain-text outputs, in one place: `tamaflow show`, compare's
Markdown report and the site's CSV used to spell it out each for themselves.

The graph's node type (task, gateway, event, start, end) is `model.graph.node_type`; the
Japanese names shown on the site are in `model.ja_names`.
"""

from __future__ import annotations

from . import ja_names
from .process import Step


def kind_text(step: Step) -> str:
    """`exclusive split`, `parallel join`, `event timer` or the task kind (`user`, …): for
    people reading text output."""
    return _spelled(step, for_people=True)


def kind_code(step: Step) -> str:
    """`gateway:exclusive`, `event:timer` or the task kind: one spreadsheet column a program
    can split on `:` (joins are not marked: the CSV has never said so)."""
    return _spelled(step, for_people=False)


def _spelled(step: Step, *, for_people: bool) -> str:
    """The one decision behind `kind_text` and `kind_code`: gateway, event or task kind."""
    if step.is_gateway:
        return f"{step.gateway} {'join' if step.join else 'split'}" if for_people else f"gateway:{step.gateway}"
    if step.is_event:
        return f"event{' ' if for_people else ':'}{step.event}"
    return step.kind


def kind_text_ja(step: Step) -> str:
    """The kind in Japanese (タスクの種類, 分岐, 合流, イベント): for the site and workbooks read
    by city staff."""
    if step.is_gateway:
        return ja_names.GATEWAYS.get(step.gateway or "", step.gateway or "") + ("（合流）" if step.join else "")
    if step.is_event:
        return ja_names.EVENTS.get(step.event or "", step.event or "")
    return ja_names.KINDS.get(step.kind, step.kind)
