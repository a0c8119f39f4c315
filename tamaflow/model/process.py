"""The process model: plain typed dataclasses, no I/O.

Everything in tamaflow (loaders, checks, compare, score, renderers) speaks this model. Loaders
fill it from YAML, BPMN or PNML; nothing here knows about files. Positions (`Pos`) are carried
along so that any analysis can point an analyst at the exact line of the source file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TaskKind = Literal["user", "manual", "service", "send", "receive", "rule", "approval"]
GatewayKind = Literal["exclusive", "parallel", "inclusive"]
EventKind = Literal["start", "end", "message", "message-throw", "timer", "signal", "none"]
Medium = Literal["paper", "pdf", "email", "web-form", "system", "in-person", "phone"]
Access = Literal["api", "web", "desktop", "terminal", "vdi"]
Channel = Literal["counter", "post", "mynaportal", "logoform", "web", "email", "phone", "kiosk"]

TASK_KINDS: tuple[str, ...] = ("user", "manual", "service", "send", "receive", "rule", "approval")
GATEWAY_KINDS: tuple[str, ...] = ("exclusive", "parallel", "inclusive")
EVENT_KINDS: tuple[str, ...] = ("start", "end", "message", "message-throw", "timer", "signal", "none")
MEDIA: tuple[str, ...] = ("paper", "pdf", "email", "web-form", "system", "in-person", "phone")
ACCESS_TYPES: tuple[str, ...] = ("api", "web", "desktop", "terminal", "vdi")
CHANNELS: tuple[str, ...] = ("counter", "post", "mynaportal", "logoform", "web", "email", "phone", "kiosk")

#: Graph node ids of the implicit start and end events. A leading underscore is not allowed in
#: user ids (see `SAFE_ID`), so these never collide with a step.
START = "_start"
END = "_end"


@dataclass(frozen=True, slots=True)
class Pos:
    """1-based line and column in the source file (0 when unknown, e.g. a generated process)."""

    line: int = 0
    col: int = 0


NOWHERE = Pos()


@dataclass(slots=True)
class Lane:
    """A swimlane: who does the work. Order of lanes in the process = order of the bands."""

    id: str
    name: str
    pos: Pos = NOWHERE


@dataclass(slots=True)
class Branch:
    """One outgoing path of a splitting gateway."""

    to: str
    when: str | None = None
    share: float | None = None
    default: bool = False
    pos: Pos = NOWHERE


@dataclass(slots=True)
class Step:
    """A flow node written by the analyst: a task (default), a gateway, or an event.

    Exactly one of three shapes:
    - task: `gateway is None and event is None`; `kind` gives the BPMN task type;
    - gateway: `gateway` set; a split has `branches`, a join has `join=True` and flows on by
      `next` (or to the following step);
    - event: `event` set (intermediate, or a named start/end).
    """

    id: str
    name: str = ""
    lane: str | None = None
    kind: str = "user"
    gateway: str | None = None
    join: bool = False
    event: str | None = None
    branches: list[Branch] = field(default_factory=list)
    next: str | None = None
    end: bool = False
    # RPA attributes (see docs/format.md and the score model)
    minutes: float | None = None
    medium: str | None = None
    rule_based: bool | None = None
    structured: bool | None = None
    systems: list[str] = field(default_factory=list)
    seal: bool = False
    exceptions: float | None = None
    access: str | None = None
    system_change: bool = False
    standard: str | None = None
    note: str | None = None
    assumed: list[str] = field(default_factory=list)
    pos: Pos = NOWHERE
    #: position of each field's value, for precise messages from later checks
    field_pos: dict[str, Pos] = field(default_factory=dict)

    @property
    def is_task(self) -> bool:
        return self.gateway is None and self.event is None

    @property
    def is_gateway(self) -> bool:
        return self.gateway is not None

    @property
    def is_event(self) -> bool:
        return self.event is not None

    def where(self, fieldname: str) -> Pos:
        """Position of one field's value, falling back to the step itself."""
        return self.field_pos.get(fieldname, self.pos)


@dataclass(slots=True)
class Process:
    """One procedure as one city (variant) runs it."""

    process: str
    name: str
    city: str
    steps: list[Step]
    lanes: list[Lane] = field(default_factory=list)
    area: str | None = None
    volume: float | None = None
    source: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    description: str | None = None
    #: where it was read from (a path string), for messages; None for generated processes
    path: str | None = None
    pos: Pos = NOWHERE
    field_pos: dict[str, Pos] = field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def step_map(self) -> dict[str, Step]:
        return {s.id: s for s in self.steps}

    def lane_map(self) -> dict[str, Lane]:
        return {lane.id: lane for lane in self.lanes}

    @property
    def variant(self) -> str:
        """Variant id used by compare: the city."""
        return self.city

    def where(self, fieldname: str) -> Pos:
        return self.field_pos.get(fieldname, self.pos)


#: the most steps a process may have (TF015). No municipal procedure comes near; the graph checks
#: (dominators) and the analyses grow faster than linearly, so a larger model would seem to hang.
MAX_STEPS = 1000


def too_many_steps(count: int, *, at_least: bool = False) -> str | None:
    """The TF015 message for a process of `count` steps, or None within `MAX_STEPS`: the one
    wording of the rule, whether a YAML file, a BPMN or PNML model (import, compare) breaks it.

    `at_least`: `count` is what the source will certainly become, counted before the process is
    built (a reader refusing a huge model before its graph work), not the final number of steps.

    >>> too_many_steps(1000) is None
    True
    >>> too_many_steps(1001)
    '1,001 steps: a process may have at most 1,000; split it into several processes'
    """
    if count <= MAX_STEPS:
        return None
    return (f"{'at least ' if at_least else ''}{count:,} steps: a process may have at most {MAX_STEPS:,}; "
            "split it into several processes")
