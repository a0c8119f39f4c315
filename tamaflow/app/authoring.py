"""A valid starting file for an analyst to fill in: the `tamaflow new` use case.

Inside a library (a folder with cities.yaml above the target) the city must be one of
cities.yaml, and a procedure the library already holds starts from what the library knows: the
standard flow `tamaflow compare` derives from its variants (or the one city's file when there is
only one), with a volume estimated from the city's population. Elsewhere, and for a procedure
the library does not hold yet, it is a generic skeleton.
"""

from __future__ import annotations

import copy
import statistics
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..io.anyformat import load_any, model_format
from ..io.files import refuse_overwrite, shown_path, write_atomic
from ..io.library import find_library_root, load_library
from ..io.schema import MAX_LABEL, SCHEMA_FILE
from ..io.yaml_loader import did_you_mean, unsafe_character
from ..io.yaml_writer import dump_process, scalar, unprintable
from ..model.findings import TamaflowError, quoted
from ..model.library import CITIES_FILE, LIBRARY_FILES, Library
from ..model.process import Process
from .compare import compare_files, may_hold_models, models_in

TEMPLATE = """\
# yaml-language-server: $schema={schema}
process: {process}
name: {name}
city: {city}
area: その他
volume: 0                    # cases per year
assumed: [volume]            # remove once the figure is published/measured
source: https://example.org/  # replace with the page the flow was learned from
lanes:
  resident: 住民
  counter: 窓口
  back: 審査担当
steps:
  - id: apply
    name: 申請書を提出する
    lane: resident
    kind: manual
  - id: receive
    name: 受付
    lane: counter
    minutes: 3
    medium: paper
  - id: review
    name: 審査
    lane: back
    minutes: 10
    rule_based: true
  - id: ok
    name: 要件を満たすか
    gateway: exclusive
    lane: back
    branches:
      - {{to: notify, when: 満たす, share: 0.95, default: true}}
      - {{to: receive, when: 不備あり, share: 0.05}}
  - id: notify
    name: 結果を通知する
    lane: back
    kind: send
    end: true
"""


@dataclass(slots=True)
class Started:
    """What `tamaflow new` wrote and what it started from, for the command's summary."""

    path: Path
    #: "generic skeleton", "standard flow of 11 cities", "hino's file"
    basis: str = "generic skeleton"
    #: the estimated volume, None when left out or not estimated
    volume: int | None = None
    notes: list[str] = field(default_factory=list)


def _schema_line(path: Path, output: str | None) -> str:
    """The schema path for the `# yaml-language-server` line: the library's
    tamaflow.schema.json (beside the library folder) when there is one, so the editor completes
    fields from the first keystroke; the target folder need not exist yet."""
    root = find_library_root(path.parent) if path.parent.exists() else None
    if root is not None and (root.parent / SCHEMA_FILE).is_file():
        depth = len(path.resolve().parent.relative_to(root.parent).parts) if path.parent.exists() else 2
        return "/".join([".."] * depth + [SCHEMA_FILE])
    if not output:
        return f"../../{SCHEMA_FILE}"
    return SCHEMA_FILE


def _default_path(process: str, city: str) -> Path:
    """Where `new` writes without -o: processes/<process>/<city>.yaml from the checkout's top
    folder, as the README has analysts work; but run inside a library (its root, or one of its
    procedure folders: cities.yaml at or above the current folder) the library's own
    <process>/<city>.yaml, shown from the current folder. The relative processes/… would have
    started a second library inside the first, and the message would have named a file that
    was not the one written."""
    root = find_library_root(Path.cwd())
    if root is None:
        return Path("processes") / process / f"{city}.yaml"
    return Path(shown_path(root / process / f"{city}.yaml"))


def _refuse_replacing_another(path: Path, process: str, city: str) -> None:
    """`--force` lets `new` restart this city's own file (or a draft of it that does not even
    parse), never replace another document that -o names by mistake: the library's cities.yaml,
    catalogue.yaml or tamaflow.yaml, another procedure's or city's file, or any file that is not
    YAML. Checked before `refuse_overwrite`, so nobody is told to add --force only to be refused."""
    if not path.is_file():
        return
    if path.suffix.lower() not in (".yaml", ".yml"):
        what = "not a process file (not .yaml)"
    else:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:  # the analyst's broken draft: --force restarts it (unless a library file)
            data = None
        except (OSError, UnicodeDecodeError):
            data = ""
        if isinstance(data, dict) and data.get("process") == process and data.get("city") == city:
            return
        if path.name in LIBRARY_FILES:
            what = f"a library's {path.name}"
        elif data is None:  # empty, comments only, or not parsing
            return
        elif isinstance(data, dict) and "process" in data:
            what = f"the file of {data.get('process')} × {data.get('city')}"
        else:
            what = "not a process file"
    raise TamaflowError(f"{shown_path(path)} is {what}, not a file of {process} × {city}: not replacing it, even "
                        "with --force; name another file with -o", code="TF000")


def refuse_unwritable_name(name: str) -> None:
    """Refuse (TF000) a procedure name the file could not hold as one line of printable text:
    what YAML cannot keep as text (`unprintable`) and what `validate` refuses in a label (TF018,
    TF019), so the file written validates whatever the name."""
    bad = unprintable(name)
    why: str | None
    if not name.strip():
        why = "is blank"
    elif bad is not None:
        why = f"holds U+{ord(bad):04X} (a control character, a line break or a byte that is not UTF-8)"
    elif len(name) > MAX_LABEL:
        why = f"is {len(name):,} characters long (a label may have at most {MAX_LABEL:,})"
    else:
        why = unsafe_character(name)
    if why is not None:
        raise TamaflowError(f"--name {quoted(name)} {why}: a procedure name is one line of printable text",
                            code="TF000")


def new_process_file(process: str, city: str, name: str | None = None, output: str | None = None,
                     force: bool = False) -> Started:
    """Write the starting file of `process` × `city` (ids already checked as slugs) to `output`,
    by default processes/<process>/<city>.yaml; refused if it exists and `force` is off.

    Inside a library an unknown city is a usage error (with the nearest slug of cities.yaml),
    checked before anything is written; see the module docstring for what the file starts from."""
    if name is not None:
        refuse_unwritable_name(name)
    path = Path(output) if output else _default_path(process, city)
    _refuse_replacing_another(path, process, city)
    refuse_overwrite(path, force)
    root = find_library_root(path.parent)
    schema = _schema_line(path, output)
    if root is not None:
        lib = load_library(root)
        if lib.cities and city not in lib.cities:
            raise TamaflowError(f"--city {city}: not in {shown_path(root / CITIES_FILE)}"
                                f"{did_you_mean(city, sorted(lib.cities))}; add the city there first", code="TF000")
        folder = root / process
        others = [f for f in models_in(folder) if Path(f).resolve() != path.resolve()] if folder.is_dir() else []
        if others:
            return _write_from_library(lib, others, process, city, name, path, schema)
        started = Started(path)
        known = sorted(d.name for d in root.iterdir() if d.is_dir() and may_hold_models(d))
        started.notes.append(f"{root} holds no files for procedure `{process}`{did_you_mean(process, known)}: "
                             "wrote the generic skeleton")
    else:
        started = Started(path)
    # every value the user typed goes in as a YAML scalar: a name such as `a: b`, `yes` or `- x`
    # would otherwise be read back as another structure, or as a boolean
    text = TEMPLATE.format(process=scalar(process), city=scalar(city), name=scalar(name or process), schema=schema)
    write_atomic(path, text.encode("utf-8"))
    return started


def _write_from_library(lib: Library, files: list[str], process: str, city: str, name: str | None,
                        path: Path, schema: str) -> Started:
    """The new city's file from the library's variants of the procedure (`files`, two or more:
    the standard flow; one: that city's file), with the volume estimated from the population."""
    variants = [load_any(f) for f in files]
    if len(files) >= 2:
        comp = compare_files(files, strict=True).comparison
        base = copy.deepcopy(comp.standard.process)
        basis = f"standard flow of {len(comp.variants)} cities"
        origin = (f"the standard flow `tamaflow compare` derives from {len(comp.variants)} cities "
                  f"({', '.join(comp.variants)})")
        minutes = "Step minutes are the other cities' median (each step lists them in assumed:)."
    else:
        base = copy.deepcopy(variants[0])
        basis = f"{base.city}'s file"
        origin = f"<library>/{process}/{Path(files[0]).name} (the only city with this procedure so far)"
        minutes = "Step minutes are that city's (each step lists them in assumed:)."
    for s in base.steps:  # another city's minutes are at best an estimate for this one
        if s.minutes is not None and "minutes" not in s.assumed:
            s.assumed.append("minutes")
    base.process, base.city = process, city
    base.name = name or base.name
    base.path, base.source, base.description = None, [], None
    entry = lib.cities[city] if city in lib.cities else None
    city_name = entry.name if entry else city
    comments = [f"{base.name} — {city_name} ({city}): a starting file written by `tamaflow new` from",
                f"{origin}.",
                "It is NOT this city's flow yet: change what the city's pages say and put their URLs under source:."]
    if any(s.minutes is not None for s in base.steps):
        comments.append(minutes)
    volume, why = _estimate_volume(lib, [v for f, v in zip(files, variants, strict=True) if model_format(f) == "yaml"],
                                   process, city)
    comments.append(why)
    base.volume = volume
    base.assumed = [a for a in base.assumed if a != "volume"] + (["volume"] if volume is not None else [])
    text = dump_process(base, schema, [line for c in comments for line in textwrap.wrap(c, 96)])
    write_atomic(path, text.encode("utf-8"))
    return Started(path, basis, volume)


def _estimate_volume(lib: Library, variants: list[Process], process: str, city: str) -> tuple[int | None, str]:
    """The city's yearly volume as its population × the procedure's rate, the rate being the
    median of volume / population over the library's files that have both (the library states
    no rate per procedure, and the median keeps one odd city from setting it). Returns the volume,
    or None, and the comment line that says how it was reached or why it was left out."""
    rates = sorted(
        (v.volume / pop, v.city) for v in variants
        if v.volume and v.city in lib.cities and (pop := lib.cities[v.city].population)
    )
    if not rates:
        return None, (f"volume: left out: no {process} file has both a volume and a city population in "
                      "cities.yaml to derive a rate from.")
    rate = statistics.median(r for r, _ in rates)
    entry = lib.cities.get(city)
    if entry is None or not entry.population:
        return None, (f"volume: left out: cities.yaml has no population for {city}; the {process} rate is "
                      f"{_percent(rate)} of the population (median volume / population of {len(rates)} cities).")
    year = f" ({entry.population_year:g})" if entry.population_year else ""
    volume = round(entry.population * rate)
    return volume, (f"volume: estimated (listed in assumed:) = population {entry.population:,.0f}{year}, "
                    f"cities.yaml × {_percent(rate)}, the median volume / population of the {len(rates)} {process} "
                    f"files with both ({', '.join(c for _, c in sorted(rates, key=lambda r: r[1]))}).")


def _percent(rate: float) -> str:
    """A rate as a percentage with three significant digits (5%, 0.412%)."""
    return f"{rate * 100:.3g}%"
