"""Core model: plain dataclasses and the flow graph. No I/O; everything else depends on this.

networkx loads only when `to_graph` is called: importing it takes longer than the rest of a
`tamaflow validate`, and the checks read the plain `ProcessGraph` instead (model/graph.py).
"""

from .codes import CODES, Code, ExitCategory, resolve_severity
from .findings import Finding, Severity, TamaflowError
from .graph import (
    GraphView,
    ProcessGraph,
    build_graph,
    descendants,
    end_nodes,
    immediate_dominators,
    reachable_from,
    reachable_from_start,
    start_nodes,
    successors,
    to_graph,
)
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
    "GraphView",
    "Lane",
    "Pos",
    "Process",
    "ProcessGraph",
    "Severity",
    "Step",
    "TamaflowError",
    "build_graph",
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
