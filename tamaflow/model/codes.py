"""The registry of finding codes: every `TFnnn` tamaflow reports, with its doc, in one place.

Modelled on sqlfluff's registered rules (code, name, docs) and bpmnlint's rule names:

- TF000: a usage error (wrong option, path or configuration); the CLI exits 2;
- TF0xx: the loaders (a file that cannot be read, or does not follow the format); always errors;
- TF1xx: the structural rules of `check/rules.py`: each is a class whose docstring is its doc,
  and it registers itself here when that module is imported;
- TF2xx: the library rules of `check/validate.py` (cross-file consistency);
- TF3xx: the score's refusals; TF9xx: an external tool failed.

TF1xx and TF2xx are configurable per rule in tamaflow.yaml (`off|warn|error`, by code or by
bpmnlint name), and `resolve_severity` is the one place that applies that configuration.
The exit category of a code (`ExitCategory`) is separate from the code itself: it only says
which exit status a `TamaflowError` carrying that code gives by default.

No imports from the rest of tamaflow: the loaders, the checks and the CLI all read this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .findings import Severity


class ExitCategory(IntEnum):
    """Exit status of a command that stops on a `TamaflowError` (the contract in cli/__init__.py)."""

    FINDINGS = 1  #: bad input: findings, or a file that cannot be used
    USAGE = 2  #: a wrong option, path or configuration


@dataclass(frozen=True, slots=True)
class Code:
    """One finding code and what `tamaflow rules` says about it."""

    code: str
    doc: str
    #: the bpmnlint rule name where one exists (TF1xx); tamaflow.yaml accepts it instead of the code
    name: str | None = None
    #: default severity; tamaflow.yaml may change it when `configurable`
    severity: Severity = "error"
    configurable: bool = False
    #: exit status of a `TamaflowError` with this code, unless the error says otherwise
    category: ExitCategory = ExitCategory.FINDINGS

    def line(self) -> str:
        """`CODE name (severity): doc`, the line `tamaflow rules` prints."""
        name = f" {self.name}" if self.name else ""
        return f"{self.code}{name} ({self.severity}): {self.doc}"


CODES: dict[str, Code] = {}


def define(code: str, doc: str, *, name: str | None = None, severity: Severity = "error",
           configurable: bool = False, category: ExitCategory = ExitCategory.FINDINGS) -> Code:
    """Add a code to the registry (a code is defined once: two meanings for one code is the bug
    this registry exists to prevent)."""
    if code in CODES:
        raise ValueError(f"finding code {code} is defined twice")
    entry = CODES[code] = Code(code, " ".join(doc.split()), name, severity, configurable, category)
    return entry


def category_of(code: str) -> ExitCategory:
    """The exit category of `code` (FINDINGS for a code the registry does not know)."""
    entry = CODES.get(code)
    return entry.category if entry is not None else ExitCategory.FINDINGS


def resolve_severity(code: str, severities: Mapping[str, str]) -> Severity | None:
    """The severity a finding `code` is reported with, given tamaflow.yaml's `rules:` levels
    (keyed by code or by bpmnlint name): None when the rule is `off`. The one severity path for
    every configurable rule, structural (TF1xx) and library (TF2xx) alike."""
    entry = CODES[code]
    level = severities.get(code) or (severities.get(entry.name) if entry.name else None) or entry.severity
    if level == "off":
        return None
    if level == "info":
        return "info"
    return "warning" if level in ("warn", "warning") else "error"


# ----- codes without a rule class ------------------------------------------------------------------

define("TF000", "usage error: a wrong option, a missing path or a broken configuration (exit 2)",
       category=ExitCategory.USAGE)
define("TF001", "unreadable, empty, binary, too large or not UTF-8; a folder that cannot be read; a model with "
       "nothing to import")
define("TF002", "syntax error (YAML or XML), several YAML documents")
define("TF003", "unsafe input: YAML custom tags, merge keys, nesting over 64 levels, alias expansion; "
       "XML entities")
define("TF004", "the files have validation errors: --strict refuses them, or none is left to analyse (run "
       "`tamaflow validate`)")
define("TF010", "unknown field (with did-you-mean)")
define("TF011", "wrong type (and YAML 1.1 re-typing)")
define("TF012", "duplicate mapping key")
define("TF013", "missing required field")
define("TF014", "value not among the allowed ones")
define("TF015", "number out of range: negative, a share over 1, a volume over 100,000,000 cases a year, minutes "
       "over 100,000 per case (a population over 10^9, a year over 9999); more than 1,000 steps in one process")
define("TF016", "id that is not a safe slug")
define("TF017", "contradictory step (gateway and event, `next` and `end`, join that splits …)")
define("TF018", "text too long: a label or name over 1,000 characters, free text (description, note) over 10,000")
define("TF019", "a control character (also escaped, as \\x1b or \\0), a line break in a label, or a bidi override or "
       "isolate (U+202A–U+202E, U+2066–U+2069) in a text value")
define("TF020", "duplicate step id (an element id used twice in an imported BPMN or PNML file)")
define("TF021", "`next`/`to` names no step; an imported flow, arc or boundary event whose end is no node")
define("TF022", "undeclared lane")
define("TF201", "the process's `city` is not in cities.yaml", configurable=True)
define("TF202", "a `standard:` code is not in catalogue.yaml", configurable=True)
define("TF203", "two files for one process × city", configurable=True)
define("TF204", "the file is not at <library>/<process>/<city>.yaml", severity="warning", configurable=True)
define("TF205", "one procedure is named differently in two files", severity="warning", configurable=True)
define("TF301", "the score needs exactly one start node")
define("TF302", "the branch shares make a loop that never ends")
define("TF900", "an external tool (Graphviz dot) failed")
