"""`validate`: files and folders in, every finding out (sorted, deterministic).

Per file: load (format errors) → structural rules. Per library (a folder with cities.yaml):
cities.yaml and catalogue.yaml themselves, then cross-file rules (TF2xx): known city slugs,
known catalogue codes, one file per process × city, files where they belong.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io.files import UnreadableFolder, once_each
from ..io.library import find_library_root, load_library
from ..io.yaml_loader import did_you_mean, read_process
from ..model.codes import resolve_severity
from ..model.findings import Finding, TamaflowError
from ..model.library import CATALOGUE_FILE, CITIES_FILE, LIBRARY_FILES, Library
from ..model.process import Branch, Lane, Pos, Process, Step
from .config import Config, load_rule_config
from .rules import run_rules

#: below this many files a process pool costs more than it saves
PARALLEL_THRESHOLD = 200


@dataclass(slots=True)
class Report:
    findings: list[Finding] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def notes(self) -> int:
        """Findings of severity info: said, never counted against the files (TF111)."""
        return sum(1 for f in self.findings if f.severity == "info")


def walk_files(paths: Iterable[str]) -> tuple[list[str], list[UnreadableFolder]]:
    """Expand folders recursively into their process files (*.yaml, *.yml), sorted within each
    path, paths in the order given; and each folder that cannot be listed (TF001). A file named
    twice is kept once, where it first appears (`io.files.once_each`: TF203).

    Not merged with `app.compare.collect_models`, which walks for another command: it reads one
    procedure folder (not its subfolders), takes BPMN and PNML too, refuses an unreadable or empty
    folder and a file of unknown format; validate walks a whole library, reads YAML only, reports
    an unreadable folder as a finding and checks the rest, and leaves an empty result to
    `validate_paths`. Only the de-duplication is shared."""
    found: list[tuple[str, str]] = []
    unreadable: list[UnreadableFolder] = []

    def cannot_list(error: OSError) -> None:  # os.walk would skip the folder without a word
        unreadable.append(UnreadableFolder(str(error.filename), error))

    for p in paths:
        path = Path(p)
        if path.is_dir():
            in_folder: list[tuple[str, str]] = []
            for dirpath, _dirnames, files in os.walk(p, onerror=cannot_list):
                real_dir = os.path.realpath(dirpath)  # once per folder: a realpath per file is 20 µs
                for fn in files:
                    if fn.endswith((".yaml", ".yml")) and fn not in LIBRARY_FILES and not fn.startswith("."):
                        f = os.path.join(dirpath, fn)
                        in_folder.append((f, os.path.realpath(f) if os.path.islink(f) else os.path.join(real_dir, fn)))
            found.extend(sorted(in_folder))
        elif path.exists():
            found.append((p, os.path.realpath(p)))
        else:
            raise TamaflowError(f"no such file or folder: {p}", code="TF000")
    return once_each(found), unreadable


def collect_files(paths: Iterable[str]) -> list[str]:
    """`walk_files` for a command that needs every file (render): a folder that cannot be
    listed refuses the run with its TF001 line (`UnreadableFolder`)."""
    files, unreadable = walk_files(paths)
    if unreadable:
        raise unreadable[0]
    return files


def check_file(path: str, severities: dict[str, str] | None = None) -> tuple[Process | None, list[Finding]]:
    """Load one file and run the structural rules on it."""
    proc, findings = read_process(path)
    if proc is not None:
        findings = findings + run_rules(proc, severities)
    return proc, findings


# ----- process-pool transfer ----------------------------------------------------------------
# Pickling the model as dataclasses (every Step, Branch and Pos through __reduce_ex__/__setstate__)
# cost more than checking the file: ~2 ms per 50-step process, half of it in the parent, which
# then starved the workers. Workers send plain tuples instead and the parent rebuilds the same
# objects (about 5x cheaper). Field order comes from the dataclasses, so new model fields travel
# without changes here; only fields holding model objects need a line below.
_STEP_FIELDS = [f.name for f in dataclasses.fields(Step)]
_PROC_FIELDS = [f.name for f in dataclasses.fields(Process)]
_S_BRANCHES, _S_POS, _S_FIELD_POS = (_STEP_FIELDS.index(n) for n in ("branches", "pos", "field_pos"))
_P_STEPS, _P_LANES, _P_POS, _P_FIELD_POS = (_PROC_FIELDS.index(n) for n in ("steps", "lanes", "pos", "field_pos"))
Packed = tuple[Any, ...]


def _p(pos: Pos) -> int:
    return (pos.line << 23) | pos.col  # a column is < 2**23: files are at most 5 MB


def pack_process(proc: Process) -> Packed:
    """`proc` as nested tuples and lists of plain values, for a worker process to send back:
    pickling the dataclasses (and a Pos object per field) cost more than checking the file.
    `unpack_process` restores an equal Process."""
    steps = []
    for s in proc.steps:
        vals = [getattr(s, n) for n in _STEP_FIELDS]
        vals[_S_BRANCHES] = [(b.to, b.when, b.share, b.default, _p(b.pos)) for b in s.branches]
        vals[_S_POS] = _p(s.pos)
        vals[_S_FIELD_POS] = {k: _p(v) for k, v in s.field_pos.items()}
        steps.append(vals)
    pvals = [getattr(proc, n) for n in _PROC_FIELDS]
    pvals[_P_STEPS] = steps
    pvals[_P_LANES] = [(ln.id, ln.name, _p(ln.pos)) for ln in proc.lanes]
    pvals[_P_POS] = _p(proc.pos)
    pvals[_P_FIELD_POS] = {k: _p(v) for k, v in proc.field_pos.items()}
    return tuple(pvals)


#: packed position → Pos, shared (Pos is immutable; line/column pairs recur across files)
_UNPACKED_POS: dict[int, Pos] = {}


def _u(key: int) -> Pos:
    pos = _UNPACKED_POS.get(key)
    if pos is None:
        if len(_UNPACKED_POS) >= 200_000:
            _UNPACKED_POS.clear()
        pos = _UNPACKED_POS[key] = Pos(key >> 23, key & 0x7FFFFF)
    return pos


def unpack_process(packed: Packed) -> Process:
    """The Process that `pack_process` packed (equal to the original; positions are shared)."""
    pvals = list(packed)
    cache = _UNPACKED_POS
    steps = []
    for vals in pvals[_P_STEPS]:
        vals[_S_BRANCHES] = [Branch(t, w, sh, d, _u(p)) for t, w, sh, d, p in vals[_S_BRANCHES]]
        vals[_S_POS] = _u(vals[_S_POS])
        vals[_S_FIELD_POS] = {k: cache.get(v) or _u(v) for k, v in vals[_S_FIELD_POS].items()}
        steps.append(Step(*vals))
    pvals[_P_STEPS] = steps
    pvals[_P_LANES] = [Lane(i, n, _u(p)) for i, n, p in pvals[_P_LANES]]
    pvals[_P_POS] = _u(pvals[_P_POS])
    pvals[_P_FIELD_POS] = {k: _u(v) for k, v in pvals[_P_FIELD_POS].items()}
    return Process(*pvals)


def _check_chunk(args: tuple[list[str], dict[str, str]]) -> list[tuple[Packed | None, list[Finding]]]:
    files, sev = args
    out: list[tuple[Packed | None, list[Finding]]] = []
    with _gc_paused():
        for f in files:
            proc, findings = check_file(f, sev)
            out.append((pack_process(proc) if proc is not None else None, findings))
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while checking a batch. Loading allocates many small
    objects, and every full collection re-walks all the processes kept so far: with 1,000 files
    that was a fifth of the time. The model and the YAML trees hold no reference cycles, so
    reference counting frees what is dropped meanwhile; collection resumes afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _check_parallel(files: list[str], sev: dict[str, str], jobs: int) -> list[tuple[Process | None, list[Finding]]]:
    """Check files on `jobs` cores: jobs - 1 worker processes take chunks from the front, and this
    process takes chunks from the back instead of waiting (its results need no packing, and on
    2 cores an idle parent would leave one core to a single worker)."""
    size = max(8, min(64, len(files) // (jobs * 8)))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    done: dict[int, list[tuple[Process | None, list[Finding]]]] = {}
    todo = deque(range(len(chunks)))
    running: dict[int, Future[list[tuple[Packed | None, list[Finding]]]]] = {}

    def collect(i: int, fut: Future[list[tuple[Packed | None, list[Finding]]]]) -> None:
        done[i] = [(unpack_process(packed) if packed is not None else None, fs) for packed, fs in fut.result()]

    with ProcessPoolExecutor(max_workers=jobs - 1) as pool:
        while todo or running:
            for i in [i for i, fut in running.items() if fut.done()]:
                collect(i, running.pop(i))
            while todo and len(running) < 2 * (jobs - 1):  # keep every worker fed, one chunk ahead
                i = todo.popleft()
                running[i] = pool.submit(_check_chunk, (chunks[i], sev))
            if todo:
                i = todo.pop()
                done[i] = [check_file(f, sev) for f in chunks[i]]
            elif running:
                i = next(iter(running))
                collect(i, running.pop(i))
    return [r for i in range(len(chunks)) for r in done[i]]


def validate_paths(paths: Iterable[str], config: Config | None = None, jobs: int | None = None) -> Report:
    """Validate files and folders. Uses a process pool for large batches (`jobs`, default: CPUs).

    Paths that hold no process file at all are a usage error (TF000), as for score, compare and
    summary: "0 file(s): 0 error(s)" read as a clean bill for a mistyped folder. A library
    folder holding only cities.yaml (and catalogue.yaml) is fine: those are checked."""
    paths = list(paths)
    files, unreadable = walk_files(paths)
    if paths and not files and not unreadable and not any((Path(p) / CITIES_FILE).is_file() for p in paths):
        raise TamaflowError(f"no process files found in {', '.join(paths)}", code="TF000")
    config = config or load_rule_config(Path(paths[0]) if paths else Path.cwd())
    sev = config.severities
    report = Report(files=len(files), findings=[e.finding() for e in unreadable])
    if jobs is None:
        jobs = os.cpu_count() or 1
    with _gc_paused():
        if jobs > 1 and len(files) >= PARALLEL_THRESHOLD:
            try:
                results = _check_parallel(files, sev, jobs)
            except (OSError, NotImplementedError, BrokenProcessPool):  # no process pool (sandbox, no /dev/shm)
                results = [check_file(f, sev) for f in files]
        else:
            results = [check_file(f, sev) for f in files]
    libraries: dict[Path, list[Process]] = {}
    roots: dict[str, Path | None] = {}
    library_display: dict[Path, str] = {}
    for path, (proc, findings) in zip(files, results, strict=True):
        report.findings.extend(findings)
        if proc is not None:
            report.processes.append(proc)
        folder = os.path.dirname(path)
        if folder not in roots:  # one lookup per folder, not per file (it stats every parent)
            roots[folder] = find_library_root(Path(path))
        root = roots[folder]
        if root is not None:
            libraries.setdefault(root, [])
            if proc is not None:
                libraries[root].append(proc)
            library_display.setdefault(root, _display(root, path))
    for p in paths:  # a library folder given directly but holding no process files yet
        root = find_library_root(Path(p))
        if root is not None and Path(p).is_dir():
            libraries.setdefault(root, [])
            library_display.setdefault(root, _display(root, p))
    for root in sorted(libraries):
        lib = load_library(root, library_display[root])
        report.findings.extend(lib.findings)
        report.findings.extend(library_rules(lib, libraries[root], sev))
    report.findings.sort(key=lambda f: (f.file, f.line, f.column, f.code, f.message))
    return report


class InvalidFiles(TamaflowError):
    """Files a command needs valid have validation errors (TF004, exit 1). Printed as every error
    finding, one line each, then the command's refusal."""

    def __init__(self, report: Report, refusal: str) -> None:
        super().__init__(refusal, code="TF004")
        self.report = report
        self.errors = [f for f in report.findings if f.severity == "error"]

    def __str__(self) -> str:
        return "\n".join([*(f.human() for f in self.errors), self.message])


def validated(paths: Iterable[str], refusal: Callable[[Report], str], jobs: int | None = None) -> Report:
    """Validate like `validate_paths`, then refuse with `InvalidFiles` when any file has an error:
    the one gate for commands that need valid processes (publish, score). `refusal` words the
    last line from the report (its counts)."""
    report = validate_paths(paths, jobs=jobs)
    if report.errors:
        raise InvalidFiles(report, refusal(report))
    return report


def _display(root: Path, some_file: str) -> str:
    """The library folder as the user would write it: absolute if they named files absolutely,
    else relative to the current folder (`..` when they run it from inside the library; walking
    up the path they typed would give `.` there, and cities.yaml would not be found)."""
    if Path(some_file).is_absolute():
        return str(root)
    return os.path.relpath(root)


def library_rules(lib: Library, procs: list[Process], severities: dict[str, str]) -> list[Finding]:
    """Cross-file consistency of a library (TF2xx)."""
    out: list[Finding] = []

    def add(code: str, proc: Process, pos: Pos, message: str, element: str | None = None) -> None:
        sev = resolve_severity(code, severities)
        if sev is not None:
            out.append(Finding(proc.path or "", pos.line, pos.col, code, sev, message, element))

    cities = sorted(lib.cities)
    seen: dict[tuple[str, str], Process] = {}
    names: dict[str, Process] = {}
    for proc in sorted(procs, key=lambda p: p.path or ""):
        if lib.cities and proc.city not in lib.cities:
            add("TF201", proc, proc.where("city"), f"city `{proc.city}` is not in {CITIES_FILE}"
                f"{did_you_mean(proc.city, cities)}")
        if lib.has_catalogue:
            for s in proc.steps:
                if s.standard is not None and s.standard not in lib.activities:
                    add("TF202", proc, s.where("standard"), f"`standard: {s.standard}` is not in {CATALOGUE_FILE}"
                        f"{did_you_mean(s.standard, sorted(lib.activities))}", s.id)
        key = (proc.process, proc.city)
        if key in seen:
            add("TF203", proc, proc.where("city"), f"a second file for process `{proc.process}` × city `{proc.city}` "
                f"(first: {seen[key].path}): keep one file per process and city")
        else:
            seen[key] = proc
        expected = Path(proc.process) / f"{proc.city}.yaml"
        actual = Path(proc.path or "").resolve()  # `tamaflow validate kunitachi.yaml` from inside the folder
        if proc.path and (actual.parent.name, actual.stem) != (proc.process, proc.city):
            add("TF204", proc, proc.where("process"), f"file should be at <library>/{expected} "
                f"(process `{proc.process}`, city `{proc.city}`)")
        first = names.setdefault(proc.process, proc)
        if first.name != proc.name:
            add("TF205", proc, proc.where("name"), f"procedure `{proc.process}` is named {proc.name!r} here but "
                f"{first.name!r} in {first.path}: use one name for all cities")
    return out


__all__ = ["InvalidFiles", "Report", "TamaflowError", "check_file", "collect_files", "library_rules", "pack_process",
           "unpack_process", "validate_paths", "validated", "walk_files"]
