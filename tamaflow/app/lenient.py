"""Keep going past broken files: the usable models of a set of paths, and the files left out.

With 26 cities editing the library, one file is always mid-edit. `summary`, `score`, `compare`,
`impact` and `publish` therefore analyse the files without validation errors and leave out the
rest, loudly: each left-out file comes back with its validator lines (`path:line:col: error TF…`),
and the commands print them and the banner 「N 件のファイルにエラーがあるため除外しました」 and
exit 1 after writing their output. With `strict`, any error refuses the whole run before
anything is written (`check.validate.InvalidFiles`), as before.

"With errors" is what `tamaflow validate` says: the loader's format errors, the structural rules
and the library rules at their configured severities (warnings and notes never leave a file out).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from ..check.validate import InvalidFiles, Report, validate_paths
from ..io.anyformat import load_any, model_format
from ..model.findings import Finding, TamaflowError
from ..model.process import Process

#: the banner every command prints (and the site shows) when files were left out
BANNER = "{n} 件のファイルにエラーがあるため除外しました"


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file left out of an analysis, with the validator's error lines about it."""

    file: str
    errors: tuple[Finding, ...]


@dataclass(slots=True)
class Usable:
    """The models an analysis may use, and what was left out of it."""

    #: the models of the files without errors, in path order
    processes: list[Process] = field(default_factory=list)
    #: the files with errors (process files, and cities.yaml or catalogue.yaml when broken), in path order
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def banner(self) -> str | None:
        """「N 件のファイルにエラーがあるため除外しました」, or None when nothing was left out."""
        return BANNER.format(n=len(self.skipped)) if self.skipped else None

    def lines(self) -> list[str]:
        """Every left-out file's error lines, then the banner (empty when nothing was left out):
        what the commands print on stderr."""
        if not self.skipped:
            return []
        return [*(f.human() for s in self.skipped for f in s.errors), self.banner or ""]

    def extend(self, other: Usable) -> None:
        """Add another batch (one procedure folder of a library), keeping one entry per file."""
        self.processes.extend(other.processes)
        seen = {s.file for s in self.skipped}
        self.skipped.extend(s for s in other.skipped if s.file not in seen)


class NothingUsable(TamaflowError):
    """Every file (or all but one, for compare) has errors: nothing is left to analyse; or, with
    `refused`, --strict refuses files with errors. Printed as the files' error lines, the banner
    (unless refused: nothing was left out, the run stopped) and `message` (TF004, exit 1)."""

    def __init__(self, usable: Usable, message: str, *, refused: bool = False) -> None:
        super().__init__(message, code="TF004")
        self.usable = usable
        self.refused = refused

    def __str__(self) -> str:
        lines = self.usable.lines()
        return "\n".join([*(lines[:-1] if self.refused else lines), self.message])


def usable_from(report: Report) -> Usable:
    """The processes of a validation report whose file has no error, and the files that have one
    (a library file's errors included: its broken entries are not used either)."""
    errors: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.severity == "error":
            errors.setdefault(f.file, []).append(f)
    return Usable(processes=[p for p in report.processes if (p.path or "") not in errors],
                  skipped=[SkippedFile(path, tuple(fs)) for path, fs in sorted(errors.items())])


def _refuse_or_keep(report: Report, strict: bool, refusal: Callable[[Report], str]) -> Usable:
    if strict and report.errors:
        raise InvalidFiles(report, refusal(report))
    return usable_from(report)


def usable_processes(paths: list[str], *, strict: bool = False, refusal: Callable[[Report], str] | None = None,
                     jobs: int | None = None) -> Usable:
    """Validate the process files under `paths` (folders searched recursively, as `tamaflow
    validate` does) and keep those without errors.

    With `strict`, any error raises `InvalidFiles` (every error line, then `refusal(report)`)
    instead. `jobs` is validate's number of worker processes."""
    report = validate_paths(paths, jobs=jobs)
    return _refuse_or_keep(report, strict, refusal or _default_refusal)


def usable_or_refuse(paths: list[str], *, strict: bool, before: str, nothing_left_to: str) -> Usable:
    """`usable_processes` for a command that needs at least one usable file (score, impact): the
    purpose words complete its messages, 「fix them (tamaflow validate) before {before}」 when
    --strict refuses and 「nothing left to {nothing_left_to}」 when every file has errors
    (`NothingUsable`); no process file at all is a usage error (TF000)."""
    usable = usable_processes(paths, strict=strict, refusal=lambda r: f"{r.files} file(s): {r.errors} error(s): fix "
                              f"them (tamaflow validate) before {before}")
    if not usable.processes:
        if usable.skipped:
            raise NothingUsable(usable, f"every process file has errors: nothing left to {nothing_left_to}")
        raise TamaflowError(f"no process files found in {', '.join(paths)}", code="TF000")
    return usable


def usable_models(files: list[str], *, strict: bool = False,
                  refusal: Callable[[Report], str] | None = None) -> Usable:
    """Like `usable_processes` for a list of model files of any format (compare): YAML files are
    validated, BPMN and PNML files are imported (their import errors leave them out)."""
    yaml_files = [f for f in files if model_format(f) == "yaml"]
    report = validate_paths(yaml_files) if yaml_files else Report()
    imported: dict[str, Process] = {}
    for f in files:
        if f in yaml_files:
            continue
        try:
            imported[f] = load_any(f)
        except TamaflowError as e:
            found = e.finding()
            report.findings.append(found if found.file else dataclasses.replace(found, file=f))
    report.files = len(files)
    usable = _refuse_or_keep(report, strict, refusal or _default_refusal)
    by_path = {p.path: p for p in usable.processes}
    # the files' own order (the order the user gave them), not validate's sorted one
    usable.processes = [p for f in files if (p := by_path.get(f) or imported.get(f)) is not None]
    return usable


def _default_refusal(report: Report) -> str:
    return f"{report.files} file(s): {report.errors} error(s): fix them (tamaflow validate) or leave out --strict"


__all__ = ["BANNER", "NothingUsable", "SkippedFile", "Usable", "usable_from", "usable_models", "usable_or_refuse",
           "usable_processes"]
