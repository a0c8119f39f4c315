"""Every weight, threshold and gate of the RPA-potential model, with its default and its source.

Why a table: the defaults must be defensible. Each parameter carries the tag of the source it
comes from (see docs/score.md and docs/references.md), and the same table
drives the YAML reader (`--config`), `tamaflow score --print-config` and the docs, so the three
can never disagree.

Source tags:
- `[UiPath-IdeaScore]` UiPath Automation Hub Idea Score: suitability = mean of rules,
  digitisation and structure, each a 1–5 answer normalised as (x − 1)/4.
- `[UiPath-Feasibility]` UiPath Detailed Assessment: feasibility is a yes/no flag from process
  and application stability; it does not change the potential.
- `[Estimator-EoI]` the public rpa-project-estimator: ease of implementation = 100 minus
  deductions for systems, environment and data; 80 % automation efficiency.
- `[Wellmann-FailureRate]` Wellmann et al. 2020: failure rate (exceptions, rework) stays with
  people, so the automatable share is multiplied by (1 − exception rate).
- `[Municipal-RPA]` published before/after results of RPA in Japanese municipalities and
  prefectures (tests/fixtures/rpa-cases, each with its URL): the realisation rate and its range
  are fitted to them by benchmarks/calibrate_rpa.py.
- `[design]` a choice of this project, to be calibrated against measured municipal results.

A config file only lists what it changes; everything else keeps its default. Reading depends on
`tamaflow.io.marked_yaml` for positions and on the loader's did-you-mean hint; nothing here knows about processes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from ..io.marked_yaml import MNode, read_marked
from ..io.yaml_loader import did_you_mean
from ..model.findings import TamaflowError
from ..model.process import ACCESS_TYPES, MEDIA


@dataclass(frozen=True, slots=True)
class Param:
    """One configurable number (or list) of the model.

    kind: weight (≥ 0), share (0–1), points (signed ease points, −100…100), bands (minimum
    count → points), names (list of text).
    """

    key: str
    kind: str
    default: Any
    source: str
    doc: str


def _medium_default(m: str) -> float:
    return {
        "paper": 0.0, "in-person": 0.0, "phone": 0.0, "pdf": 0.5, "email": 0.75, "web-form": 1.0, "system": 1.0,
    }[m]


_MEDIUM_DOC = {
    "paper": "fully paper (UiPath input_type 1)",
    "in-person": "spoken at the counter, nothing digital (1)",
    "phone": "spoken on the phone, nothing digital (1)",
    "pdf": "digital file, often a scanned image (3: mix)",
    "email": "mostly digital, free text around data (4)",
    "web-form": "fully digital form data (5)",
    "system": "data already in a system (5)",
}

_ACCESS_DEFAULT = {"api": 10.0, "desktop": -10.0, "web": -20.0, "terminal": -35.0, "vdi": -40.0}
_ACCESS_DOC = {
    "api": "API/connector available: bonus",
    "desktop": "desktop UI automation",
    "web": "web UI automation",
    "terminal": "terminal/mainframe screen",
    "vdi": "screen transfer / VDI, e.g. across 三層分離 segments",
}

PARAMS: tuple[Param, ...] = (
    # --- suitability: what share of a step's work is rule-bound, digital, structured --------
    Param("suitability.weights.rules", "weight", 1.0, "UiPath-IdeaScore",
          "weight of rule-based decisions (rule_based) in the suitability mean"),
    Param("suitability.weights.digital", "weight", 1.0, "UiPath-IdeaScore",
          "weight of digital input (medium) in the suitability mean"),
    Param("suitability.weights.structured", "weight", 1.0, "UiPath-IdeaScore",
          "weight of structured input (structured) in the suitability mean"),
    Param("suitability.rules.rule_based", "share", 1.0, "UiPath-IdeaScore", "rule_based: true = fully rule-based (5)"),
    Param("suitability.rules.judgement", "share", 0.0, "UiPath-IdeaScore", "rule_based: false = judgement (1)"),
    Param("suitability.structure.structured", "share", 1.0, "UiPath-IdeaScore", "structured: true (5)"),
    Param("suitability.structure.unstructured", "share", 0.0, "UiPath-IdeaScore", "structured: false (1)"),
    Param("suitability.unknown", "share", 0.5, "UiPath-IdeaScore",
          "value of a factor the file leaves out: the middle of the 1–5 scale (3)"),
    # paper and fully digital inputs are UiPath's scale ends; the media in between are our mapping
    *(Param(f"suitability.medium.{m}", "share", _medium_default(m),
            "UiPath-IdeaScore" if m in ("paper", "web-form", "system") else "design", _MEDIUM_DOC[m])
      for m in MEDIA),
    # --- gates: what makes automation impossible (0) or partial (between 0 and 1) -----------
    Param("gates.seal", "share", 0.0, "design",
          "押印 required: a robot cannot stamp (multiplier on the step's share)"),
    Param("gates.in_person", "share", 0.0, "design",
          "medium in-person: identity checked face to face at the counter"),
    Param("gates.judgement", "share", 0.0, "UiPath-IdeaScore",
          "rule_based: false: a judgement (rules = 1 gates the step in the research model)"),
    Param("gates.approval", "share", 0.0, "design",
          "kind approval: 決裁 is an act of authority (the research model's legal judgement)"),
    Param("gates.manual", "share", 0.0, "design",
          "kind manual: physical work done without any application (BPMN 2.0 manual task)"),
    # --- exceptions -------------------------------------------------------------------------
    Param("exceptions.weight", "weight", 1.0, "Wellmann-FailureRate",
          "share × (1 − weight × exceptions): exception cases stay with staff"),
    Param("exceptions.unknown", "share", 0.0, "design", "exception rate assumed when the file gives none"),
    # --- value --------------------------------------------------------------------------------
    # fitted by benchmarks/calibrate_rpa.py on the published cases in tests/fixtures/rpa-cases
    # (docs/score.md §7); the estimator's 80 % was the prior
    Param("realisation", "share", 0.88, "Municipal-RPA",
          "share of the automatable time actually freed (checking and preparation remain)"),
    Param("realisation_range.low", "share", 0.81, "Municipal-RPA",
          "lowest published realisation: reduction of a fully automatable case (for impact ranges)"),
    Param("realisation_range.high", "share", 0.954, "Municipal-RPA",
          "highest published realisation: reduction of a fully automatable case (for impact ranges)"),
    # --- ease of implementation (0–100) -------------------------------------------------------
    Param("ease.base", "points", 100.0, "Estimator-EoI", "ease before deductions"),
    Param("ease.systems", "bands", {2: -10.0, 3: -20.0, 4: -30.0, 6: -40.0}, "Estimator-EoI",
          "number of systems touched (at least N) → points"),
    *(Param(f"ease.access.{a}", "points", _ACCESS_DEFAULT[a], "Estimator-EoI", _ACCESS_DOC[a])
      for a in ACCESS_TYPES),
    Param("ease.data.unstructured", "points", -25.0, "Estimator-EoI", "structured: false"),
    Param("ease.data.unknown", "points", -10.0, "Estimator-EoI",
          "structured not given: counted as semi-structured"),
    Param("ease.ocr", "points", -10.0, "design", "medium paper: AI-OCR needed before a robot can read it"),
    # --- quadrant -------------------------------------------------------------------------------
    Param("quadrant.potential", "share", 0.6, "design", "potential at or above this is high"),
    Param("quadrant.ease", "points", 60.0, "design", "ease at or above this is high"),
    # --- who is staff -----------------------------------------------------------------------------
    Param("lanes.resident.ids", "names", ["resident", "applicant", "citizen"], "design",
          "lane ids of residents: their steps are not staff time"),
    Param("lanes.resident.names", "names",
          ["住民", "市民", "申請者", "届出人", "請求者", "申込者", "保護者", "転入者", "転出者", "世帯主", "飼い主"],
          "design",
          "lane names (or their first word) of residents"),
    Param("lanes.system.ids", "names", ["system"], "design",
          "lane ids of systems: their steps are system steps, like kind service"),
    Param("lanes.system.names", "names", ["システム"], "design", "lane names ending in this are system lanes"),
)

PARAM_BY_KEY: dict[str, Param] = {p.key: p for p in PARAMS}


@dataclass(frozen=True, slots=True)
class ScoreConfig:
    """The model's parameters, typed. Build it with `default_config()` or `load_score_config()`;
    the defaults live only in PARAMS, so this class has none of its own."""

    w_rules: float
    w_digital: float
    w_structured: float
    rules_true: float
    rules_false: float
    structured_true: float
    structured_false: float
    unknown: float
    medium: dict[str, float]
    gate_seal: float
    gate_in_person: float
    gate_judgement: float
    gate_approval: float
    gate_manual: float
    exceptions_weight: float
    exceptions_unknown: float
    realisation: float
    #: published range of the realisation rate (low, high), for Monte-Carlo ranges
    realisation_range: tuple[float, float]
    ease_base: float
    ease_systems: dict[int, float]
    ease_access: dict[str, float]
    ease_unstructured: float
    ease_unknown_structure: float
    ease_ocr: float
    quadrant_potential: float
    quadrant_ease: float
    resident_ids: tuple[str, ...]
    resident_names: tuple[str, ...]
    system_ids: tuple[str, ...]
    system_names: tuple[str, ...]
    #: where it came from (a path), or None for the defaults
    path: str | None = None

    def source(self, key: str) -> str:
        """The source tag of a parameter, e.g. `[UiPath-IdeaScore]`."""
        return f"[{PARAM_BY_KEY[key].source}]"

    def is_resident_lane(self, lane_id: str | None, lane_name: str | None) -> bool:
        return _lane_matches(lane_id, lane_name, self.resident_ids, self.resident_names, prefix=True)

    def is_system_lane(self, lane_id: str | None, lane_name: str | None) -> bool:
        return _lane_matches(lane_id, lane_name, self.system_ids, self.system_names, prefix=False)


_SEPARATORS = (" ", "　", "・", "(", "（", "/", "／", "、")


def _lane_matches(lane_id: str | None, lane_name: str | None, ids: tuple[str, ...], names: tuple[str, ...],
                  prefix: bool) -> bool:
    """Resident lanes match a name exactly or by its first word (`申請者・家族`, not `市民課`);
    system lanes by the name's ending (`住民記録システム`). NFKC so full-width text compares."""
    if lane_id is not None and lane_id in ids:
        return True
    if not lane_name:
        return False
    name = unicodedata.normalize("NFKC", lane_name).strip()
    for raw in names:
        word = unicodedata.normalize("NFKC", raw).strip()
        if not word:
            continue
        if name == word:
            return True
        if prefix and name.startswith(word) and name[len(word)] in _SEPARATORS:
            return True
        if not prefix and name.endswith(word):
            return True
    return False


# ----- building ------------------------------------------------------------------------------

def _build(values: dict[str, Any], path: str | None) -> ScoreConfig:
    def v(key: str) -> Any:
        return values[key]

    return ScoreConfig(
        w_rules=v("suitability.weights.rules"),
        w_digital=v("suitability.weights.digital"),
        w_structured=v("suitability.weights.structured"),
        rules_true=v("suitability.rules.rule_based"),
        rules_false=v("suitability.rules.judgement"),
        structured_true=v("suitability.structure.structured"),
        structured_false=v("suitability.structure.unstructured"),
        unknown=v("suitability.unknown"),
        medium={m: v(f"suitability.medium.{m}") for m in MEDIA},
        gate_seal=v("gates.seal"),
        gate_in_person=v("gates.in_person"),
        gate_judgement=v("gates.judgement"),
        gate_approval=v("gates.approval"),
        gate_manual=v("gates.manual"),
        exceptions_weight=v("exceptions.weight"),
        exceptions_unknown=v("exceptions.unknown"),
        realisation=v("realisation"),
        realisation_range=(v("realisation_range.low"), v("realisation_range.high")),
        ease_base=v("ease.base"),
        ease_systems=dict(sorted(v("ease.systems").items())),
        ease_access={a: v(f"ease.access.{a}") for a in ACCESS_TYPES},
        ease_unstructured=v("ease.data.unstructured"),
        ease_unknown_structure=v("ease.data.unknown"),
        ease_ocr=v("ease.ocr"),
        quadrant_potential=v("quadrant.potential"),
        quadrant_ease=v("quadrant.ease"),
        resident_ids=tuple(v("lanes.resident.ids")),
        resident_names=tuple(v("lanes.resident.names")),
        system_ids=tuple(v("lanes.system.ids")),
        system_names=tuple(v("lanes.system.names")),
        path=path,
    )


def default_values() -> dict[str, Any]:
    """Dotted key → default value (copies, so callers may change them)."""
    out: dict[str, Any] = {}
    for p in PARAMS:
        d = p.default
        out[p.key] = dict(d) if isinstance(d, dict) else list(d) if isinstance(d, list) else d
    return out


def default_config() -> ScoreConfig:
    """The shipped model parameters (each with its source tag in docs/score.md §5)."""
    return _build(default_values(), None)


def config_from_values(overrides: dict[str, Any]) -> ScoreConfig:
    """Defaults with some dotted keys replaced, for Python callers and tests. Unknown keys raise
    KeyError: a typo must not silently keep a default."""
    values = default_values()
    for k, val in overrides.items():
        if k not in PARAM_BY_KEY:
            raise KeyError(k)
        values[k] = val
    return _build(values, None)


# ----- reading a YAML file --------------------------------------------------------------------

class ScoreConfigError(TamaflowError):
    """All problems of a config file at once; `str()` gives one `path:line:col: error CODE
    message` line per problem. Code TF000: a config error is a usage error (exit 2)."""

    def __init__(self, errors: list[TamaflowError]) -> None:
        first = errors[0]
        super().__init__(first.message, first.file, first.line, first.column, "TF000")
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(TamaflowError.__str__(e) for e in self.errors)


def _children(prefix: str) -> list[str]:
    """Names one level below `prefix` in the parameter tree ('' = top level)."""
    names: list[str] = []
    for p in PARAMS:
        if prefix and not p.key.startswith(prefix + "."):
            continue
        rest = p.key[len(prefix) + 1:] if prefix else p.key
        head = rest.split(".", 1)[0]
        if head not in names:
            names.append(head)
    return names


def _kind_text(kind: str) -> str:
    return {
        "weight": "a number ≥ 0",
        "share": "a number between 0 and 1",
        "points": "a number between -100 and 100",
        "bands": "a mapping of a minimum number of systems → points, e.g. {2: -10, 3: -20}",
        "names": "a list of text",
    }[kind]


def _number(node: MNode) -> float | None:
    v = node.value
    if node.kind != "scalar" or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if v != v or v in (float("inf"), float("-inf")):
        return None
    return float(v)


def load_score_config(path: str | None) -> ScoreConfig:
    """Read a score config file over the defaults.

    Parameters
    ----------
    path : str or None
        A YAML file of dotted keys (`tamaflow score --print-config` writes a full one); None
        gives the defaults.

    Returns
    -------
    ScoreConfig

    Raises
    ------
    ScoreConfigError
        With every problem at once, each at its line and column; unknown keys get a
        did-you-mean.
    """
    if path is None:
        return default_config()
    try:
        with open(path, "rb") as f:
            data = f.read(1_000_001)
    except OSError as e:
        raise TamaflowError(f"cannot read the score config: {e.strerror}", path, 1, 1, "TF000") from None
    values = default_values()
    if all(not line.strip() or line.lstrip().startswith(b"#") for line in data.splitlines()):
        return _build(values, path)  # only comments: the defaults
    try:
        root = read_marked(path, data)
    except TamaflowError as e:  # a broken config is a usage error (exit 2), like a bad option
        raise TamaflowError(e.message, e.file, e.line, e.column, "TF000") from None
    errors: list[TamaflowError] = []

    def err(node: MNode, message: str) -> None:
        errors.append(TamaflowError(message, path, node.pos.line, node.pos.col, "TF000"))

    def walk(node: MNode, prefix: str) -> None:
        if node.kind != "map":
            what = f"`{prefix}`" if prefix else "a score config"
            err(node, f"{what} must be a mapping of {', '.join(_children(prefix))}")
            return
        options = _children(prefix)
        for k, v in node.items():
            # YAML turns a bare `true`/`on` key into a boolean: compare what was written
            name = str(k.raw) if isinstance(k.value, bool) or k.value is None else str(k.value)
            key = f"{prefix}.{name}" if prefix else name
            if name not in options:
                hint = did_you_mean(name, options) or f" (known: {', '.join(options)})"
                where = f" under `{prefix}`" if prefix else ""
                err(k, f"unknown key `{name}`{where}{hint}")
                continue
            param = PARAM_BY_KEY.get(key)
            if param is None:
                walk(v, key)
            else:
                val = _read_value(param, v, err)
                if val is not None:
                    values[key] = val

    if root.kind == "scalar" and root.value is None:
        return _build(values, path)  # `~` alone: the defaults
    walk(root, "")
    if values["realisation_range.low"] > values["realisation_range.high"]:
        node = root.get("realisation_range") or root
        err(node, f"`realisation_range.low` ({values['realisation_range.low']:g}) is above "
            f"`realisation_range.high` ({values['realisation_range.high']:g}): give low ≤ high")
    if errors:
        raise ScoreConfigError(errors)
    return _build(values, path)


def _read_value(param: Param, node: MNode, err: Any) -> Any:
    label = f"`{param.key}`"
    if param.kind in ("weight", "share", "points"):
        x = _number(node)
        if x is None:
            err(node, f"{label} must be {_kind_text(param.kind)}, not {node.raw!r}")
            return None
        low, high = {"weight": (0.0, 1e6), "share": (0.0, 1.0), "points": (-100.0, 100.0)}[param.kind]
        if not low <= x <= high:
            err(node, f"{label} must be {_kind_text(param.kind)} (got {node.raw})")
            return None
        return x
    if param.kind == "bands":
        if node.kind != "map":
            err(node, f"{label} must be {_kind_text(param.kind)}")
            return None
        bands: dict[int, float] = {}
        for k, v in node.items():
            n = k.value
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                err(k, f"{label}: keys are numbers of systems (whole numbers ≥ 1), not {k.raw!r}")
                continue
            x = _number(v)
            if x is None or not -100.0 <= x <= 100.0:
                err(v, f"{label}: points for {n} systems must be a number between -100 and 100")
                continue
            bands[n] = x
        return bands
    if param.kind == "names":
        if node.kind != "seq":
            err(node, f"{label} must be {_kind_text(param.kind)}, e.g. [{node.raw or 'a'}]")
            return None
        names: list[str] = []
        for item in node.value:
            if item.kind != "scalar" or not isinstance(item.value, str) or not item.value.strip():
                err(item, f"items of {label} must be text")
                continue
            names.append(item.value.strip())
        return names
    raise AssertionError(param.kind)  # pragma: no cover - PARAMS uses only the kinds above


# ----- printing the defaults as commented YAML -------------------------------------------------

def _yaml_scalar(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:g}" if x != int(x) else f"{int(x)}"
    return str(x)


def _yaml_key(name: str) -> str:
    return f'"{name}"' if name in ("true", "false", "yes", "no", "on", "off", "null") else name


def config_yaml() -> str:
    """The defaults as a commented YAML file that `load_score_config` reads back unchanged."""
    lines = [
        "# tamaflow score: model parameters. Every value is the default; keep only what you change.",
        "# [tag] = source of the default (see docs/score.md): UiPath-IdeaScore, UiPath-Feasibility,",
        "# Estimator-EoI, Wellmann-FailureRate, Municipal-RPA (fitted to published municipal results),",
        "# or design (a project choice, to be calibrated).",
    ]
    printed: list[str] = []  # prefixes already opened
    for p in PARAMS:
        parts = p.key.split(".")
        for depth in range(len(parts) - 1):
            prefix = ".".join(parts[: depth + 1])
            if prefix not in printed:
                printed.append(prefix)
                if depth == 0:
                    lines.append("")
                lines.append("  " * depth + f"{_yaml_key(parts[depth])}:")
        indent = "  " * (len(parts) - 1)
        name = _yaml_key(parts[-1])
        comment = f"  # {p.doc} [{p.source}]"
        d = p.default
        if p.kind == "bands":
            lines.append(f"{indent}{name}:{comment}")
            for n, pts in sorted(d.items()):
                lines.append(f"{indent}  {n}: {_yaml_scalar(pts)}")
        elif p.kind == "names":
            lines.append(f"{indent}{name}: [{', '.join(d)}]{comment}")
        else:
            if len(parts) == 1:
                lines.append("")
            lines.append(f"{indent}{name}: {_yaml_scalar(d)}{comment}")
    return "\n".join(lines) + "\n"
