"""The library files beside the processes: `cities.yaml` (the known city slugs) and
`catalogue.yaml` (standard activities with their synonyms), read with the same positioned
checks as process files.

A library is a folder holding `cities.yaml`; a process file belongs to the nearest such folder
above it. Outside a library, any city slug is fine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model.findings import Finding, TamaflowError
from ..model.process import Pos
from .marked_yaml import MNode, read_marked
from .schema import ACTIVITY_FIELDS, CATALOGUE_CODE, CITY_FIELDS, SLUG
from .yaml_loader import Collector, _Reader

CITIES_FILE = "cities.yaml"
CATALOGUE_FILE = "catalogue.yaml"


@dataclass(slots=True)
class City:
    slug: str
    name: str
    population: float | None = None
    population_year: float | None = None
    population_source: list[str] = field(default_factory=list)
    pos: Pos = Pos()


@dataclass(slots=True)
class Activity:
    code: str
    name: str
    synonyms: list[str] = field(default_factory=list)
    description: str | None = None
    area: str | None = None
    pos: Pos = Pos()


@dataclass(slots=True)
class Library:
    root: Path
    cities: dict[str, City] = field(default_factory=dict)
    activities: dict[str, Activity] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    has_catalogue: bool = False


def _top(c: Collector, path: str, key: str) -> MNode | None:
    try:
        root = read_marked(path)
    except TamaflowError as e:
        c.findings.append(e.finding())
        return None
    if root.kind != "map":
        c.error(root.pos, "TF011", f"expected a mapping with `{key}:` at the top")
        return None
    for k, _v in root.items():
        if k.value != key:
            c.error(k.pos, "TF010", f"unknown field `{k.value}` (this file holds only `{key}:`)")
    node = root.get(key)
    if node is None:
        c.error(root.pos, "TF013", f"missing `{key}:`")
        return None
    if node.kind != "map":
        c.error(node.pos, "TF011", f"`{key}` must be a mapping of id → entry")
        return None
    return node


def read_cities(path: str) -> tuple[dict[str, City], list[Finding]]:
    c = Collector(path)
    node = _top(c, path, "cities")
    out: dict[str, City] = {}
    if node is not None:
        r = _Reader(c)
        for k, v in node.items():
            slug = k.value
            if not isinstance(slug, str) or not SLUG.match(slug):
                c.error(k.pos, "TF016", f"city slug {k.raw!r} is not a safe id: lower-case ASCII, digits, - and _")
                continue
            if v.kind != "map":
                c.error(v.pos, "TF011", f"city `{slug}` must be a mapping with `name:`")
                continue
            vals, _ = r.fields(v, CITY_FIELDS, f" of city `{slug}`")
            if "name" in vals:
                out[slug] = City(slug, vals["name"], vals.get("population"), vals.get("population_year"),
                                 vals.get("population_source", []), k.pos)
    return out, c.findings


def read_catalogue(path: str) -> tuple[dict[str, Activity], list[Finding]]:
    c = Collector(path)
    node = _top(c, path, "activities")
    out: dict[str, Activity] = {}
    if node is not None:
        r = _Reader(c)
        for k, v in node.items():
            code = k.value
            if not isinstance(code, str) or not CATALOGUE_CODE.match(code):
                c.error(k.pos, "TF016", f"catalogue code {k.raw!r} must look like GEN-010 (letters, -, 3 digits)")
                continue
            if v.kind != "map":
                c.error(v.pos, "TF011", f"activity `{code}` must be a mapping with `name:`")
                continue
            vals, _ = r.fields(v, ACTIVITY_FIELDS, f" of activity `{code}`")
            if "name" in vals:
                out[code] = Activity(code, vals["name"], vals.get("synonyms", []), vals.get("description"),
                                     vals.get("area"), k.pos)
    return out, c.findings


def find_library_root(path: Path) -> Path | None:
    """The nearest folder at or above `path` that holds cities.yaml."""
    p = path.resolve()
    if p.is_file():
        p = p.parent
    for d in (p, *p.parents):
        if (d / CITIES_FILE).is_file():
            return d
    return None


def load_library(root: Path, display_root: str | None = None) -> Library:
    """Read cities.yaml and catalogue.yaml (if present) of a library folder."""
    base = display_root if display_root is not None else str(root)
    lib = Library(root)
    cities, f1 = read_cities(str(Path(base) / CITIES_FILE))
    lib.cities = cities
    lib.findings.extend(f1)
    cat = root / CATALOGUE_FILE
    if cat.is_file():
        lib.has_catalogue = True
        acts, f2 = read_catalogue(str(Path(base) / CATALOGUE_FILE))
        lib.activities = acts
        lib.findings.extend(f2)
    return lib
