"""The plain data a site is built from.

The publisher only turns data into files: it never runs an analysis. `tamaflow/cli/publish.py`
loads the library, asks compare, score and render for their results and fills these dataclasses;
`site.build_site` writes them out. A field left `None` means "this part could not be produced";
the reason goes into an `unavailable` mapping so the page can say why instead of showing nothing
(or, worse, made-up numbers).

Depends only on the model (and names `tamaflow.impact.Impact`, the one analysis result kept whole:
its pages show its own numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model.process import Process

if TYPE_CHECKING:
    from ..impact import Impact

#: keys of the `unavailable` mappings, one per section that comes from another module
SECTION_COMPARE = "compare"
SECTION_SCORE = "score"
SECTION_RENDER = "render"
SECTION_IMPACT = "impact"


@dataclass(slots=True)
class ScoreRow:
    """One step's RPA potential, as the score model explains it."""

    step_id: str
    step_name: str
    #: potential on the score model's own scale (shown as given, with `scale` as the unit label)
    score: float
    #: staff hours a year the step costs at the process volume (None when minutes/volume unknown)
    hours: float | None = None
    #: staff hours a year a robot could plausibly take over (None when the model gives none)
    saved_hours: float | None = None
    #: short verdict of the model (e.g. "クイックウィン"), if it has one
    level: str | None = None
    #: ease of implementation on the model's scale, if it has one
    ease: float | None = None
    #: the reasons in one line (tables); `reasons` has them in full
    summary: str = ""
    reasons: list[str] = field(default_factory=list)
    #: the score model's quadrant code ("quick win", "reconsider", "automated", …), if it has one
    quadrant: str | None = None
    #: the main reason as a sentence an official reads (the home page's 主な理由)
    sentence: str = ""


@dataclass(slots=True)
class VariantScore:
    rows: list[ScoreRow]
    #: unit/scale label of `ScoreRow.score`, e.g. "0–100"
    scale: str = ""
    total_hours: float | None = None
    total_saved_hours: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Variant:
    """One procedure as one city runs it, with everything the variant page shows."""

    process: Process
    #: path of the YAML file inside the library (e.g. `juminhyo/chofu.yaml`), for the download name
    source_file: str
    yaml_bytes: bytes
    city_name: str
    #: BPMN 2.0 XML with diagram interchange (render), or None
    bpmn: str | None = None
    #: Graphviz SVG (render), or None
    svg: str | None = None
    score: VariantScore | None = None
    #: similarity to the standard flow, 1 (the same) … 0 (nothing in common) (compare): the one
    #: measure the site shows, as the heatmap and `tamaflow compare` do
    to_standard: float | None = None
    #: how this city differs from the standard, in sentences (compare)
    deviations: list[str] | None = None
    #: step id → the deviations that concern that step, in sentences (compare), for the
    #: diagram's marks
    deviation_steps: dict[str, list[str]] = field(default_factory=dict)
    #: the deviations (sentences) that rest on a cell of the alignment to check (compare's
    #: `Deviation.check`): marked ※ on the pages
    deviation_checks: set[str] = field(default_factory=set)

    @property
    def city(self) -> str:
        return self.process.city


@dataclass(slots=True)
class AlignmentRow:
    """One step of the standard flow and what each city does for it."""

    step_id: str
    step_name: str
    #: city slug → the city's step label(s) aligned to it; a city absent from the mapping or
    #: mapped to an empty list has no counterpart
    cells: dict[str, list[str]] = field(default_factory=dict)
    #: the cities whose step here is a cell to check (compare's `Comparison.to_check`): worded
    #: unlike every other city's, or paired with another step by most of them pair by pair
    review: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Alignment:
    rows: list[AlignmentRow]
    #: city slug → steps with no counterpart in the standard (city-specific extras)
    extras: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class Similarity:
    """Pairwise similarity of the cities' variants, 0 (different) … 1 (identical)."""

    cities: list[str]
    matrix: list[list[float]]
    #: what the number measures (shown under the heatmap)
    measure: str = ""


@dataclass(slots=True)
class ExcludedFile:
    """A library file left out of the site because it has validation errors: the home page lists
    it, and its procedure's page says that one of its cities is missing for that reason."""

    #: the path inside the library, e.g. `tennyu/kunitachi.yaml`
    file: str
    #: the validator's lines about it (`path:line:col: error TF… message`, the path inside the library)
    lines: list[str]
    #: the procedure folder and the city the file stands for (None for cities.yaml, catalogue.yaml)
    process: str | None = None
    city: str | None = None


@dataclass(slots=True)
class Procedure:
    process: str
    name: str
    area: str | None
    variants: list[Variant]
    standard_bpmn: str | None = None
    standard_svg: str | None = None
    #: the standard flow's step names in order (compare), shown when there is no diagram
    standard_steps: list[str] | None = None
    #: how the standard was derived, in one or two sentences (compare)
    standard_note: str | None = None
    similarity: Similarity | None = None
    alignment: Alignment | None = None
    #: section key → reason it is missing for this procedure
    unavailable: dict[str, str] = field(default_factory=dict)
    #: files of this procedure left out because they have errors
    excluded: list[ExcludedFile] = field(default_factory=list)


@dataclass(slots=True)
class SiteData:
    title: str
    #: city slug → display name, in the library's order (cities.yaml)
    cities: dict[str, str]
    procedures: list[Procedure]
    #: ISO date-time of the source revision (never the wall clock: builds must be reproducible)
    build_date: str
    revision: str
    #: section key → reason it is missing for the whole site
    unavailable: dict[str, str] = field(default_factory=dict)
    #: files left out because they have errors, and the banner that says so (「N 件のファイルに…」)
    excluded: list[ExcludedFile] = field(default_factory=list)
    excluded_banner: str | None = None
    #: the standardisation business case (`tamaflow.impact`, its CLI defaults), or None
    impact: Impact | None = None
