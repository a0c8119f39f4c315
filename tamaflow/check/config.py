"""`tamaflow.yaml`: per-rule severities, bpmnlint-style.

```yaml
rules:
  TF104: off                 # by code …
  conditional-flows: error   # … or by bpmnlint name
```
The nearest tamaflow.yaml at or above the validated path (or the current folder) applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..io.files import find_upwards
from ..io.marked_yaml import read_marked
from ..model.codes import CODES
from ..model.findings import TamaflowError
from ..model.library import CONFIG_FILE
from . import rules as _rules  # noqa: F401  (registers the TF1xx codes)

LEVELS = ("off", "warn", "warning", "error")


@dataclass(slots=True)
class Config:
    severities: dict[str, str] = field(default_factory=dict)
    path: str | None = None


def load_rule_config(start: Path, explicit: str | None = None) -> Config:
    """Read the config; problems are TamaflowError (exit 2: a usage/config error)."""
    path = Path(explicit) if explicit else find_upwards(start, CONFIG_FILE)
    if path is None:
        cwd = Path.cwd() / CONFIG_FILE
        path = cwd if cwd.is_file() else None
    if path is None:
        return Config()
    p = str(path)
    try:
        root = read_marked(p)
    except TamaflowError as e:  # an unreadable or broken config is a usage error (exit 2), not a finding
        raise TamaflowError(f"{e.message} (in the rule configuration)", e.file, e.line, e.column, "TF000") from None
    known = {c.code: c.code for c in CODES.values() if c.configurable}
    known |= {c.name: c.code for c in CODES.values() if c.configurable and c.name}
    sev: dict[str, str] = {}
    if root.kind != "map":
        raise TamaflowError("tamaflow.yaml must be a mapping with `rules:`", p, root.pos.line, root.pos.col, "TF000")
    for k, v in root.items():
        if k.value != "rules":
            raise TamaflowError(f"unknown field `{k.value}` in tamaflow.yaml (only `rules:`)", p, k.pos.line,
                                k.pos.col, "TF000")
        if v.kind != "map":
            raise TamaflowError("`rules` must map a rule code or name to off|warn|error", p, v.pos.line, v.pos.col,
                                "TF000")
        for rk, rv in v.items():
            if rk.value not in known:
                raise TamaflowError(f"unknown rule `{rk.value}`", p, rk.pos.line, rk.pos.col, "TF000")
            level = "off" if rv.value is False else rv.value  # YAML reads a bare `off` as false
            if level not in LEVELS:
                raise TamaflowError(f"rule `{rk.value}`: level must be off, warn or error (got {rv.raw!r})", p,
                                    rv.pos.line, rv.pos.col, "TF000")
            sev[known[rk.value]] = "warn" if level == "warning" else str(level)
    return Config(sev, p)
