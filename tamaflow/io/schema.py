"""The process format as data: one table of fields drives the loader's checks, the JSON Schema
(`tamaflow schema`, committed as tamaflow.schema.json for editor completion) and docs/format.md.

Keeping a single table means the editor, the validator and the docs can never disagree.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.ids import SAFE_ID, SLUG
from ..model.process import ACCESS_TYPES, CHANNELS, EVENT_KINDS, GATEWAY_KINDS, MEDIA, TASK_KINDS
from .files import find_upwards

#: the committed JSON Schema that YAML files point editors to
SCHEMA_FILE = "tamaflow.schema.json"
CATALOGUE_CODE = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]{3}$")
URL = re.compile(r"^https?://\S+$")

# ----- bounds of the values that feed arithmetic and analysis --------------------------------------
# Every number is multiplied, summed and drawn into a Monte-Carlo (score, impact, summary): a
# figure too large for a float (10**309) or near its end (1e308 × minutes) crashed them or printed
# 300-digit sums. The bounds are far above any real municipal figure, so only a slip (yen for
# cases, a pasted ID) reaches them, and each says what it is measured in.

#: cases a year: Yokohama, the largest city (3.8 million residents), would need 26 cases per resident
MAX_VOLUME = 100_000_000
#: staff minutes per case: 100,000 minutes is 1,667 hours, a staff year spent on one case
MAX_MINUTES = 100_000
#: residents: 70 times Tokyo (14 million); more is a country's figure or a slip, not a city's
MAX_POPULATION = 1_000_000_000
#: a four-digit year
MAX_YEAR = 9999
#: characters of a label or name (step, procedure, lane, condition, system, city, activity). The
#: longest in the library has under 60; compare's Japanese analyser (SudachiPy) fails on text over
#: about 16,000 characters ("Input is too long"), and no box, cell or heading shows more anyway
MAX_LABEL = 1_000
#: characters of free text (description, note): shown as written, never analysed; a page or two
MAX_TEXT = 10_000


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the format.

    type: string | slug | id | number | share | bool | enum | strings | urls | lanes | steps |
    branches | code | fields
    """

    name: str
    type: str
    doc: str
    required: bool = False
    enum: tuple[str, ...] = ()
    default: Any = None
    example: Any = None
    #: numbers: the largest value accepted, and what it is measured in (for the message)
    maximum: float | None = None
    unit: str = ""
    #: text: the most characters accepted; free text (`multiline`) may hold line breaks and tabs
    max_length: int = MAX_LABEL
    multiline: bool = False


PROCESS_FIELDS: tuple[Field, ...] = (
    Field("process", "slug", "Procedure id shared by every city's variant (lower-case slug).", True, example="tennyu"),
    Field("name", "string", "Procedure name as analysts say it.", True, example="転入届"),
    Field("city", "slug", "Variant id: a city slug from processes/cities.yaml.", True, example="kunitachi"),
    Field("area", "string", "Business area (one of the 20 standardised areas, or other).", example="住民基本台帳"),
    Field("volume", "number", "Cases per year (≥ 0, at most 100,000,000).", example=4200, maximum=MAX_VOLUME, unit="cases a year"),
    Field("source", "urls", "Where the flow was learned: one URL or a list.", example="https://www.city.kunitachi.tokyo.jp/"),
    Field("channels", "strings", "Channels residents can use.", enum=CHANNELS, example=["counter", "mynaportal"]),
    Field("assumed", "fields", "Process fields whose values are estimates, not published facts.", example=["volume"]),
    Field("description", "string", "Free text about the variant.", max_length=MAX_TEXT, multiline=True),
    Field("lanes", "lanes", "Who does the work: lane id → display name; order = order of swimlanes.",
          example={"counter": "市民課 窓口"}),
    Field("steps", "steps", "The flow, in order; each step flows to the next unless it says otherwise.", True),
)

STEP_FIELDS: tuple[Field, ...] = (
    Field("id", "id", "Step id, unique in the file (letters, digits, _ . -; no leading _).", True, example="check_id"),
    Field("name", "string", "Label (required for tasks and events).", example="本人確認"),
    Field("lane", "id", "Lane id from `lanes`.", example="counter"),
    Field("kind", "enum", "Task type (→ BPMN userTask, manualTask, serviceTask, sendTask, receiveTask, "
          "businessRuleTask; approval → userTask marked as approval).", enum=TASK_KINDS, default="user"),
    Field("gateway", "enum", "Makes the step a gateway.", enum=GATEWAY_KINDS),
    Field("join", "bool", "The gateway joins branches (flows on by `next`) instead of splitting.", default=False),
    Field("event", "enum", "Makes the step an event (start: first step only; end: a named end).", enum=EVENT_KINDS),
    Field("branches", "branches", "Outgoing paths of a splitting gateway (≥ 2)."),
    Field("next", "id", "Explicit successor (a step id)."),
    Field("end", "bool", "The process ends after this step.", default=False),
    Field("minutes", "number", "Staff handling minutes per case (at most 100,000).", example=3, maximum=MAX_MINUTES,
          unit="staff minutes per case"),
    Field("medium", "enum", "Medium of the step's input.", enum=MEDIA),
    Field("rule_based", "bool", "Decided by fixed rules (true) or judgement (false)."),
    Field("structured", "bool", "Input is structured data."),
    Field("systems", "strings", "Systems touched by the step.", example=["住民記録システム"]),
    Field("access", "enum", "How a robot reaches the system (vdi: across 三層分離).", enum=ACCESS_TYPES),
    Field("system_change", "bool", "The system is about to change (e.g. 標準準拠 migration pending).", default=False),
    Field("seal", "bool", "押印 required.", default=False),
    Field("exceptions", "share", "Share of cases needing exception handling (0–1).", example=0.05),
    Field("standard", "code", "Code from processes/catalogue.yaml.", example="GEN-010"),
    Field("note", "string", "Free text.", max_length=MAX_TEXT, multiline=True),
    Field("assumed", "fields", "Step fields whose values are estimates.", example=["minutes"]),
)

BRANCH_FIELDS: tuple[Field, ...] = (
    Field("to", "id", "Target step id.", True),
    Field("when", "string", "Condition label (exclusive/inclusive gateways).", example="マイナンバーカードあり"),
    Field("share", "share", "Share of cases taking this branch (0–1).", example=0.6),
    Field("default", "bool", "The default branch (taken when no condition holds).", default=False),
)

CITY_FIELDS: tuple[Field, ...] = (
    Field("name", "string", "Japanese name.", True, example="国立市"),
    Field("population", "number", "Population (only where a public figure was found).", maximum=MAX_POPULATION,
          unit="residents"),
    Field("population_year", "number", "Year of the population figure.", maximum=MAX_YEAR, unit="a four-digit year"),
    Field("population_source", "urls", "Where the population figure comes from."),
    Field("population_note", "string", "Basis of the figure.", max_length=MAX_TEXT, multiline=True),
)

ACTIVITY_FIELDS: tuple[Field, ...] = (
    Field("name", "string", "Canonical Japanese name.", True, example="受付"),
    Field("synonyms", "strings", "Other names cities use for the same activity.", example=["受理", "受領"]),
    Field("description", "string", "What the activity is.", max_length=MAX_TEXT, multiline=True),
    Field("area", "string", "Business area, when the activity belongs to one."),
)


def _json_type(f: Field) -> dict[str, Any]:
    t = f.type
    if t == "string":
        return {"type": "string", "maxLength": f.max_length}
    if t == "slug":
        return {"type": "string", "pattern": SLUG.pattern}
    if t == "id":
        return {"type": "string", "pattern": SAFE_ID.pattern}
    if t == "code":
        return {"type": "string", "pattern": CATALOGUE_CODE.pattern}
    if t == "number":
        bound = {"maximum": f.maximum} if f.maximum is not None else {}
        return {"type": "number", "minimum": 0, **bound}
    if t == "share":
        return {"type": "number", "minimum": 0, "maximum": 1}
    if t == "bool":
        return {"type": "boolean"}
    if t == "enum":
        return {"type": "string", "enum": list(f.enum)}
    if t == "strings":
        item: dict[str, Any] = {"type": "string", "enum": list(f.enum)} if f.enum else {"type": "string",
                                                                                       "maxLength": f.max_length}
        return {"type": "array", "items": item}
    if t == "fields":
        return {"type": "array", "items": {"type": "string"}}
    if t == "urls":
        url = {"type": "string", "pattern": URL.pattern}
        return {"anyOf": [url, {"type": "array", "items": url, "minItems": 1}]}
    if t == "lanes":
        return {
            "type": "object",
            "propertyNames": {"pattern": SAFE_ID.pattern},
            "additionalProperties": {"type": "string", "maxLength": MAX_LABEL},
        }
    if t == "steps":
        return {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}}
    if t == "branches":
        return {"type": "array", "items": {"$ref": "#/$defs/branch"}}
    raise ValueError(t)


def _object(fields: tuple[Field, ...], title: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for f in fields:
        p = {"description": f.doc, **_json_type(f)}
        if f.default is not None:
            p["default"] = f.default
        if f.example is not None:
            p["examples"] = [f.example]
        props[f.name] = p
    return {
        "title": title,
        "type": "object",
        "properties": props,
        "required": [f.name for f in fields if f.required],
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a process file, for editors (yaml-language-server)."""
    schema = _object(PROCESS_FIELDS, "tamaflow process definition")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tamaflow.example/tamaflow.schema.json",
        **schema,
        "$defs": {
            "step": _object(STEP_FIELDS, "step"),
            "branch": _object(BRANCH_FIELDS, "branch"),
        },
    }
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def schema_reference(output: Path, also_cwd: bool = False) -> str | None:
    """Path of tamaflow.schema.json relative to the folder of the file `output`, for its
    `# yaml-language-server: $schema=` line: the nearest one at or above that folder (then, with
    `also_cwd`, the one in the current folder), or None when there is none."""
    start = output.resolve().parent
    found = find_upwards(start, SCHEMA_FILE)
    if found is None and also_cwd and (Path.cwd().resolve() / SCHEMA_FILE).is_file():
        found = Path.cwd().resolve() / SCHEMA_FILE
    return Path(os.path.relpath(found, start)).as_posix() if found is not None else None
