"""Core model: plain dataclasses and the networkx view. No I/O; everything else depends on this."""

from .findings import Finding, Severity, TamaflowError
from .graph import end_nodes, start_nodes, to_graph
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
    "ACCESS_TYPES",
    "CHANNELS",
    "END",
    "EVENT_KINDS",
    "GATEWAY_KINDS",
    "MEDIA",
    "START",
    "TASK_KINDS",
    "Branch",
    "Finding",
    "Lane",
    "Pos",
    "Process",
    "Severity",
    "Step",
    "TamaflowError",
    "end_nodes",
    "start_nodes",
    "to_graph",
]
