"""The library beside the processes, as data: known cities (`cities.yaml`) and the catalogue of
standard activities (`catalogue.yaml`). Reading them is io/library.py's job; validate, compare,
score and publish use these types. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .findings import Finding
from .process import Pos

CITIES_FILE = "cities.yaml"
CATALOGUE_FILE = "catalogue.yaml"
#: the project configuration file that sits in a library folder
CONFIG_FILE = "tamaflow.yaml"
#: files in a library folder that are not process variants (validate and compare skip them)
LIBRARY_FILES = frozenset({CITIES_FILE, CATALOGUE_FILE, CONFIG_FILE})


@dataclass(slots=True)
class City:
    """One entry of cities.yaml: a process's `city` must be one of these slugs."""

    slug: str
    name: str
    population: float | None = None
    population_year: float | None = None
    population_source: list[str] = field(default_factory=list)
    pos: Pos = Pos()


@dataclass(slots=True)
class Activity:
    """One standard activity of catalogue.yaml: a step's `standard` code, and the names and
    synonyms compare uses to match steps that carry no code."""

    code: str
    name: str
    synonyms: list[str] = field(default_factory=list)
    description: str | None = None
    area: str | None = None
    pos: Pos = Pos()


@dataclass(slots=True)
class Library:
    """A library folder's cities and catalogue as read, with the findings of reading them
    (validate reports those; the other commands only use the data)."""

    root: Path
    cities: dict[str, City] = field(default_factory=dict)
    activities: dict[str, Activity] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    has_catalogue: bool = False
