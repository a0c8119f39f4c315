"""Renderers: BPMN 2.0 with diagram layout (`bpmn_writer` over `flow` and `layout`) and Graphviz drawings
(`graphviz_render`).

They read only the model (`tamaflow.model`); overlays come in as plain data (step id → colour
and tooltip), so nothing here imports compare or score. The CLI glue (`tamaflow/cli/render.py`)
combines them. `render(process, fmt)` is the one entry point the CLI needs.
"""

from __future__ import annotations

from pathlib import Path

from ..model.process import Process
from .bpmn_writer import to_bpmn_bytes
from .graphviz_render import Mark, Overlay, render_graphviz

#: output formats and their file extensions
FORMATS: tuple[str, ...] = ("bpmn", "svg", "png", "dot")


def render(process: Process, fmt: str, overlay: Overlay | None = None, city_name: str | None = None) -> bytes:
    """The bytes of one drawing: `bpmn` (BPMN 2.0 XML with DI), `svg`, `png` or `dot`.
    Overlays colour Graphviz drawings only; BPMN stays plain standard BPMN. `city_name` (e.g.
    立川市 from cities.yaml) titles the pool/drawing instead of the city slug."""
    if fmt == "bpmn":
        return to_bpmn_bytes(process, city_name)
    if fmt in ("svg", "png", "dot"):
        return render_graphviz(process, fmt, overlay, city_name)
    raise ValueError(f"unknown format {fmt!r}")


def output_path(out_dir: Path, process: Process, fmt: str) -> Path:
    """Where a drawing goes: `<out_dir>/<process>/<city>.<ext>` (both are safe slugs)."""
    return out_dir / process.process / f"{process.city}.{fmt}"


__all__ = ["FORMATS", "Mark", "Overlay", "output_path", "render"]
