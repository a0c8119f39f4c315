"""Core model: plain dataclasses and the networkx view. No I/O; everything else depends on this.

The networkx view and the graph queries (`to_graph`, `reachable_from`, …) load on first use: importing networkx
takes longer than the rest of a `tamaflow --help`, and most users of this package only need the
dataclasses.
"""

from typing import TYPE_CHECKING

from .codes import CODES, Code, ExitCategory, resolve_severity
from .findings import Finding, Severity, TamaflowError
from .process import (
    ACCESS_TYPES,
    CHANNELS,
    END,
    EVENT_KINDS,
    GATEWAY_KINDS,
    MEDIA,
    START,
    TASK_KINDS,
    Branch,
    Lane,
    Pos,
    Process,
    Step,
)

if TYPE_CHECKING:
    from .graph import (
        descendants,
        end_nodes,
        immediate_dominators,
        reachable_from,
        reachable_from_start,
        start_nodes,
        successors,
        to_graph,
    )

_GRAPH_NAMES = ("descendants", "end_nodes", "immediate_dominators", "reachable_from", "reachable_from_start",
                "start_nodes", "successors", "to_graph")


def __getattr__(name: str) -> object:
    """`tamaflow.model.to_graph` and friends, imported from `.graph` (and networkx) when asked for."""
    if name in _GRAPH_NAMES:
        from . import graph

        return getattr(graph, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CODES",
    "ACCESS_TYPES",
    "CHANNELS",
    "END",
    "EVENT_KINDS",
    "GATEWAY_KINDS",
    "MEDIA",
    "START",
    "TASK_KINDS",
    "Branch",
    "Code",
    "ExitCategory",
    "Finding",
    "Lane",
    "Pos",
    "Process",
    "Severity",
    "Step",
    "TamaflowError",
    "descendants",
    "end_nodes",
    "immediate_dominators",
    "reachable_from",
    "reachable_from_start",
    "resolve_severity",
    "start_nodes",
    "successors",
    "to_graph",
]
