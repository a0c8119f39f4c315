"""The library files beside the processes: `cities.yaml` (the known city slugs) and
`catalogue.yaml` (standard activities with their synonyms), read with the same positioned
checks as process files.

A library is a folder holding `cities.yaml`; a process file belongs to the nearest such folder
above it. Outside a library, any city slug is fine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..model.findings import Finding, TamaflowError, quoted
from ..model.ids import SLUG
from ..model.library import CATALOGUE_FILE, CITIES_FILE, Activity, City, Library
from ..model.process import Pos
from .files import find_upwards
from .marked_yaml import MNode, read_marked
from .schema import ACTIVITY_FIELDS, CATALOGUE_CODE, CITY_FIELDS, Field
from .yaml_loader import Collector, _Reader


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


_Entry = TypeVar("_Entry")


def _read_entries(path: str, key: str, entry: str, id_word: str, valid: re.Pattern[str], invalid: str,
                  fields: tuple[Field, ...], make: Callable[[str, dict[str, Any], Pos], _Entry]
                  ) -> tuple[dict[str, _Entry], list[Finding]]:
    """The `key:` mapping of id → entry of a library file. Ids are checked against `valid`
    (message: "<entry> <id_word> 'x' <invalid>"), each entry's fields against `fields`; an entry
    without a name is left out (the field check has said why)."""
    c = Collector(path)
    node = _top(c, path, key)
    out: dict[str, _Entry] = {}
    if node is not None:
        r = _Reader(c)
        for k, v in node.items():
            ident = k.value
            if not isinstance(ident, str) or not valid.match(ident):
                c.error(k.pos, "TF016", f"{id_word} {quoted(k.raw)} {invalid}")
                continue
            if v.kind != "map":
                c.error(v.pos, "TF011", f"{entry} `{ident}` must be a mapping with `name:`")
                continue
            vals, _ = r.fields(v, fields, f" of {entry} `{ident}`")
            if "name" in vals:
                out[ident] = make(ident, vals, k.pos)
    return out, c.findings


def read_cities(path: str) -> tuple[dict[str, City], list[Finding]]:
    """cities.yaml: slug → City."""
    return _read_entries(
        path, "cities", "city", "city slug", SLUG, "is not a safe id: lower-case ASCII, digits, - and _", CITY_FIELDS,
        lambda slug, vals, pos: City(slug, vals["name"], vals.get("population"), vals.get("population_year"),
                                     vals.get("population_source", []), pos))


def read_catalogue(path: str) -> tuple[dict[str, Activity], list[Finding]]:
    """catalogue.yaml: code → Activity."""
    return _read_entries(
        path, "activities", "activity", "catalogue code", CATALOGUE_CODE, "must look like GEN-010 (letters, -, 3 digits)",
        ACTIVITY_FIELDS,
        lambda code, vals, pos: Activity(code, vals["name"], vals.get("synonyms", []), vals.get("description"),
                                         vals.get("area"), pos))


def find_library_root(path: Path) -> Path | None:
    """The nearest folder at or above `path` that holds cities.yaml."""
    found = find_upwards(path, CITIES_FILE)
    return found.parent if found is not None else None


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
