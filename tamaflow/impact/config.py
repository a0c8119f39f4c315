"""The spreads of the Monte-Carlo: how far each estimated value may be off.

Only values a file lists under `assumed:` are varied (minutes, exception rates, branch shares,
volumes); a value a source states stays as written. The RPA realisation rate is a model
parameter: it is varied over the range the score config publishes for it (no range is invented
here; `realisation: false` in a spreads file holds it at the config's rate). Each spread is uniform: any value inside the
range is taken as equally likely, because the files give no reason to prefer one (docs/impact.md).

A spreads file (`--spreads FILE`) lists only what it changes; every problem is reported at its
line and column, all at once, as a usage error.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from ..io.marked_yaml import MNode, read_marked
from ..io.yaml_loader import did_you_mean
from ..model.findings import TamaflowError
from ..score import ScoreConfig, ScoreConfigError

#: key → (default, kind, what it means): kind `relative` is ± a share of the value, `absolute` ± a
#: number added to a share (then clipped to 0–1)
SPREADS: dict[str, tuple[float, str, str]] = {
    "minutes": (0.3, "relative", "staff minutes of a step: ± 30 % of the written value"),
    "exceptions": (0.1, "absolute", "exception rate of a step: ± 0.1, clipped to 0–1"),
    "shares": (0.1, "absolute", "branch shares of a gateway: ± 0.1 each, clipped to 0–1, then renormalised "
               "to add up to 1 (exclusive gateways)"),
    "volume": (0.2, "relative", "cases a year of a process: ± 20 %"),
}

#: the number of runs when `--runs` is not given
DEFAULT_RUNS = 1000


@dataclass(frozen=True, slots=True)
class Spreads:
    """Half-widths of the uniform ranges (see SPREADS) and the realisation rate's range."""

    minutes: float = SPREADS["minutes"][0]
    exceptions: float = SPREADS["exceptions"][0]
    shares: float = SPREADS["shares"][0]
    volume: float = SPREADS["volume"][0]
    #: draw the realisation rate over the score config's published range (false: keep the rate)
    realisation: bool = True
    #: where the realisation rate's range comes from, for the report
    path: str | None = None

    def as_data(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "path"} | {"file": self.path}


def realisation_range(cfg: ScoreConfig) -> tuple[float, float]:
    """The published range of the RPA realisation rate, from the score config
    (`realisation_range.low` / `.high`, fitted on municipal cases: docs/score.md)."""
    low, high = cfg.realisation_range
    return float(low), float(high)


def load_spreads(path: str | None) -> Spreads:
    """Read a spreads file over the defaults (None: the defaults).

    Raises
    ------
    TamaflowError
        TF000 (exit 2) with every problem, one `path:line:col: …` line each.
    """
    if path is None:
        return Spreads()
    try:
        root = read_marked(path)
    except TamaflowError as e:  # a broken config is a usage error, like a bad option
        raise TamaflowError(e.message, e.file, e.line, e.column, "TF000") from None
    problems: list[TamaflowError] = []
    values: dict[str, float] = {}
    flags: dict[str, bool] = {}

    def err(node: MNode, message: str) -> None:
        problems.append(TamaflowError(message, path, node.pos.line, node.pos.col, "TF000"))

    if root.kind != "map":
        err(root, "a spreads file is a mapping of `minutes`, `exceptions`, `shares`, `volume` to numbers "
                  "(and `realisation` to true or false)")
    for key, val in root.items():
        name = str(key.value)
        if name == "realisation":
            if not isinstance(val.value, bool):
                err(val, "`realisation` must be true (draw the rate over its published range) or false")
            else:
                flags[name] = val.value
            continue
        if name not in SPREADS:
            err(key, f"unknown spread `{name}`{did_you_mean(name, (*SPREADS, 'realisation'))}")
            continue
        x = val.value
        if val.kind != "scalar" or isinstance(x, bool) or not isinstance(x, int | float):
            err(val, f"`{name}` must be a number, e.g. {SPREADS[name][0]:g} ({SPREADS[name][2]})")
        elif not 0 <= x <= 1:
            err(val, f"`{name}` must be between 0 and 1, got {x:g} ({SPREADS[name][2]})")
        else:
            values[name] = float(x)
    if problems:
        raise ScoreConfigError(problems)  # every problem at once, one line each
    base = Spreads(realisation=flags.get("realisation", True), path=path)
    return replace(base, **{k: values.get(k, getattr(base, k)) for k in SPREADS})  # type: ignore[arg-type]
