"""Data-driven: every file under tests/invalid/ declares the findings it must produce, and
`tamaflow validate --format json FILE` must report each of them at that line, exit 1, and never
show a traceback.

A fixture declares its expectations in its first comment lines:

    # why: a typo in a step field name is reported with a suggestion
    # expect: TF010 line 12 "did you mean `minutes`"
    # expect: TF104 warning line 20              (a warning: validated with --strict)
    # expect: TF016 line 2 in ../cities.yaml    (a finding in another file of the library)
    # with: kunitachi.yaml                       (validated together with a sibling file)
    # expect: none                               (a helper file that must be clean)

Files whose bytes cannot carry a header (not UTF-8, empty) are listed in
tests/invalid/expectations.yaml with the same `CODE [warning] line N ["text"]` syntax.
Besides the declared findings, no other *error* may appear: a cascade of follow-up errors is a
bug in the loader's messages too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tamaflow.check.validate import check_file, collect_files
from tamaflow.cli import app
from tamaflow.io import marked_yaml
from tamaflow.model.library import LIBRARY_FILES

INVALID = Path(__file__).resolve().parent / "invalid"
#: files of a case folder that are not processes: the library's own, and the expectations
NOT_CASES = LIBRARY_FILES | {"expectations.yaml"}
EXPECT = re.compile(
    r'^(?P<code>TF\d{3})(?: (?P<sev>warning|error))? line (?P<line>\d+)(?: in (?P<file>\S+))?(?: "(?P<text>.*)")?$'
)


@dataclass(frozen=True)
class Expected:
    code: str
    line: int
    severity: str
    file: Path
    text: str | None


@dataclass
class Case:
    path: Path
    expected: list[Expected] = field(default_factory=list)
    with_files: list[Path] = field(default_factory=list)
    clean: bool = False


def _parse_expect(spec: str, path: Path) -> Expected:
    m = EXPECT.match(spec.strip())
    assert m, f"{path}: bad expectation {spec!r}"
    target = (path.parent / m["file"]).resolve() if m["file"] else path.resolve()
    return Expected(m["code"], int(m["line"]), m["sev"] or "error", target, m["text"])


def _sidecar() -> dict[str, list[str]]:
    return yaml.safe_load((INVALID / "expectations.yaml").read_text(encoding="utf-8"))


def load_cases() -> list[Case]:
    sidecar = _sidecar()
    cases = []
    for path in sorted(INVALID.rglob("*.yaml")):
        if path.name in NOT_CASES:
            continue
        case = Case(path)
        rel = path.relative_to(INVALID).as_posix()
        if rel in sidecar:
            case.expected = [_parse_expect(s, path) for s in sidecar[rel]]
        else:
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.startswith("#"):
                    break
                if line.startswith("# expect: none"):
                    case.clean = True
                elif line.startswith("# expect:"):
                    case.expected.append(_parse_expect(line[len("# expect:"):], path))
                elif line.startswith("# with:"):
                    case.with_files += [path.parent / w for w in line[len("# with:"):].split()]
        assert case.expected or case.clean, f"{rel} declares no expectation"
        cases.append(case)
    return cases


CASES = load_cases()


def run_validate(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(app, ["validate", "--format", "json", *args])
    # no traceback: typer's runner records any exception other than the exit itself
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args}: raised {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output
    findings = json.loads(result.stdout)
    return result.exit_code, findings, result.output


def test_corpus_is_big_enough() -> None:
    codes = {e.code for c in CASES for e in c.expected}
    assert len([c for c in CASES if c.expected]) >= 40
    # every loader code and every structural / library rule has at least one fixture
    for code in ("TF001", "TF002", "TF003", "TF010", "TF011", "TF012", "TF013", "TF014", "TF015", "TF016",
                 "TF017", "TF020", "TF021", "TF022", "TF101", "TF102", "TF103", "TF104", "TF105", "TF106",
                 "TF107", "TF108", "TF109", "TF110", "TF201", "TF202", "TF203", "TF204", "TF205"):
        assert code in codes, f"no fixture for {code}"


@pytest.mark.parametrize("case", CASES, ids=[c.path.relative_to(INVALID).as_posix() for c in CASES])
def test_invalid_file(case: Case) -> None:
    warnings_only = all(e.severity == "warning" for e in case.expected)
    args = [str(case.path), *map(str, case.with_files)]
    code, findings, output = run_validate(*args, *(["--strict"] if warnings_only else []))
    for f in findings:
        assert set(f) >= {"file", "line", "column", "code", "severity", "message"}
        assert isinstance(f["line"], int) and f["line"] >= 1 and isinstance(f["column"], int) and f["column"] >= 1
    mine = [f for f in findings if Path(str(f["file"])).resolve() == case.path.resolve()]
    if case.clean:
        assert [f for f in mine if f["severity"] == "error"] == [], output
        return
    assert code == 1, output
    got = {(Path(str(f["file"])).resolve(), f["code"], f["line"], f["severity"]): f for f in findings}
    for e in case.expected:
        hit = got.get((e.file, e.code, e.line, e.severity))
        assert hit is not None, f"expected {e.code} ({e.severity}) at {e.file.name}:{e.line}; got:\n{output}"
        if e.text:
            assert e.text in str(hit["message"]), f"{e.code} message {hit['message']!r} lacks {e.text!r}"
    declared = {(e.file, e.code, e.line) for e in case.expected}
    unexpected = [
        f for f in findings
        if f["severity"] == "error" and (Path(str(f["file"])).resolve(), f["code"], f["line"]) not in declared
        and Path(str(f["file"])).resolve() in {case.path.resolve(), *(e.file for e in case.expected)}
    ]
    assert not unexpected, f"undeclared errors: {unexpected}"


@pytest.mark.parametrize("case", [c for c in CASES if c.expected and c.path.parent == INVALID][:6],
                         ids=lambda c: c.path.name)
def test_human_format_is_one_line_per_finding(case: Case) -> None:
    """The human format is `path:line:col: severity CODE message`, one line each, on stdout."""
    result = CliRunner().invoke(app, ["validate", "--strict", str(case.path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        assert re.match(rf"^{re.escape(str(case.path))}:\d+:\d+: (error|warning) TF\d{{3}} \S", line), line
    for e in case.expected:
        assert any(f":{e.line}:" in ln and e.code in ln for ln in lines)


def test_pure_python_parser_gives_the_same_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml's C parser (some platforms' wheels) the loader falls back to PyYAML's
    pure-Python parser: same codes at the same lines (only the column where the depth limit
    trips differs: libyaml has its own limit)."""

    def codes() -> dict[str, list[tuple[str, int]]]:
        return {f: [(x.code, x.line) for x in check_file(f)[1]] for f in collect_files([str(INVALID)])}

    with_c = codes()
    monkeypatch.setattr(marked_yaml, "Parser", yaml.SafeLoader)
    monkeypatch.setattr(marked_yaml, "PLAIN_CACHE", {})
    assert codes() == with_c


def test_whole_folder_at_once() -> None:
    """All invalid files in one run: every fixture still gets its findings, nothing crashes."""
    code, findings, _ = run_validate(str(INVALID))
    assert code == 1
    files = {Path(str(f["file"])).resolve() for f in findings}
    for case in CASES:
        if not case.clean:
            assert case.path.resolve() in files or any(e.file != case.path.resolve() for e in case.expected)
