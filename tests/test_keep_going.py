"""One broken file never stops the library: `summary`, `score`, `compare` and `publish` leave out
the files with errors, analyse the rest, print the left-out files' validator lines and the banner
「N 件のファイルにエラーがあるため除外しました」 on stderr, and exit 1; `--strict` refuses the whole
run instead (nothing written). Driven through the CLI on a copy of processes/ with two files
broken as analysts break them mid-edit: a `next:` to a step that does not exist, and a YAML
syntax error.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner, Result

from tamaflow.cli import app

ROOT = Path(__file__).resolve().parents[1]
BANNER = "2 件のファイルにエラーがあるため除外しました"


class Broken:
    """The library copy and the exact validator lines of its two broken files."""

    def __init__(self, root: Path) -> None:
        self.lib = root / "lib"
        shutil.copytree(ROOT / "processes", self.lib)
        self.dangling = self.lib / "tennyu" / "kunitachi.yaml"
        text = self.dangling.read_text(encoding="utf-8")
        assert text.count("    next: enter\n") == 1
        line = text[:text.index("    next: enter\n")].count("\n") + 1
        self.dangling.write_text(text.replace("    next: enter\n", "    next: entr\n"), encoding="utf-8")
        self.dangling_line = (f"{self.dangling}:{line}:11: error TF021 `next: entr` in step `read_cert_info` names "
                              "no step (did you mean `enter`?)")
        self.syntax = self.lib / "juminhyo" / "chofu.yaml"
        text = self.syntax.read_text(encoding="utf-8")
        head = "name: 住民票の写しの交付\n"
        line = text[:text.index(head)].count("\n") + 2
        self.syntax.write_text(text.replace(head, head + "volume: [1, 2\n", 1), encoding="utf-8")
        self.syntax_prefix = f"{self.syntax}:{line + 1}:5: error TF002 YAML syntax error"

    def check_stderr(self, r: Result) -> None:
        """Exit 1, each broken file's validator line and then the banner, last, on stderr."""
        assert r.exit_code == 1, r.output
        assert "Traceback" not in r.output
        err = r.stderr.splitlines()
        assert self.dangling_line in err
        assert any(line.startswith(self.syntax_prefix) for line in err), r.stderr
        assert err[-1] == BANNER
        assert BANNER not in r.stdout


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Broken:
    return Broken(tmp_path_factory.mktemp("keep"))


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "SOURCE_DATE_EPOCH": "1700000000"})


def cities_of(lib: Path, process: str) -> set[str]:
    return {f.stem for f in (lib / process).glob("*.yaml")}


def check_strict(r: Result, broken: Broken) -> None:
    """--strict: exit 1, every error line on stderr, nothing on stdout, no banner (nothing was
    left out: the run stopped)."""
    assert r.exit_code == 1, r.output
    assert r.stdout == ""
    assert broken.dangling_line in r.stderr.splitlines()
    assert BANNER not in r.stderr and "Traceback" not in r.output


# ----------------------------------------------------------------------------------- score


def test_score_scores_the_rest_and_says_what_it_left_out(broken: Broken) -> None:
    r = run("score", str(broken.lib), "--format", "json")
    broken.check_stderr(r)
    scored = {(p["process"], p["city"]) for p in json.loads(r.stdout)["processes"]}
    assert ("tennyu", "kunitachi") not in scored and ("juminhyo", "chofu") not in scored
    for process, city in (("tennyu", "kunitachi"), ("juminhyo", "chofu")):
        assert {c for p, c in scored if p == process} == cities_of(broken.lib, process) - {city}
    assert len(scored) == len(list(broken.lib.glob("*/*.yaml"))) - 2


def test_score_strict_refuses(broken: Broken) -> None:
    r = run("score", str(broken.lib), "--strict")
    check_strict(r, broken)
    assert r.stderr.splitlines()[-1] == "88 file(s): 2 error(s): fix them (tamaflow validate) before scoring"


def test_score_of_broken_files_only_has_nothing_to_score(broken: Broken) -> None:
    r = run("score", str(broken.dangling), str(broken.syntax))
    assert r.exit_code == 1 and r.stdout == ""
    err = r.stderr.splitlines()
    assert broken.dangling_line in err
    assert err[-2:] == [BANNER, "every process file has errors: nothing left to score"]


# --------------------------------------------------------------------------------- summary


def test_summary_summarises_the_rest(broken: Broken, tmp_path: Path) -> None:
    out = tmp_path / "summary.csv"
    r = run("summary", str(broken.lib), "--format", "csv", "-o", str(out))
    broken.check_stderr(r)
    rows = {row["process"]: row for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))}
    assert set(rows) == {d.name for d in broken.lib.iterdir() if d.is_dir()}
    assert int(rows["tennyu"]["cities"]) == len(cities_of(broken.lib, "tennyu")) - 1
    assert int(rows["juminhyo"]["cities"]) == len(cities_of(broken.lib, "juminhyo")) - 1


def test_summary_table_then_the_banner(broken: Broken) -> None:
    r = run("summary", str(broken.lib), "--top", "3")
    broken.check_stderr(r)
    assert "手続ごとの比較" in r.stdout and "転入届" in r.stdout and "合計: 職員時間" in r.stdout


def test_summary_strict_stops(broken: Broken) -> None:
    r = run("summary", str(broken.lib), "--strict")
    assert r.exit_code == 1
    assert broken.dangling_line in r.stdout.splitlines()
    assert "手続ごとの比較" not in r.stdout and BANNER not in r.output


# --------------------------------------------------------------------------------- compare


def test_compare_library_compares_the_rest(broken: Broken) -> None:
    r = run("compare", str(broken.lib), "--format", "json")
    broken.check_stderr(r)
    procedures = json.loads(r.stdout)["procedures"]
    assert set(procedures) == {d.name for d in broken.lib.iterdir() if d.is_dir()}
    assert set(procedures["tennyu"]["variants"]) == cities_of(broken.lib, "tennyu") - {"kunitachi"}
    assert set(procedures["juminhyo"]["variants"]) == cities_of(broken.lib, "juminhyo") - {"chofu"}


def test_compare_one_procedure_compares_the_rest(broken: Broken) -> None:
    r = run("compare", str(broken.lib / "tennyu"), "--format", "json")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.stderr.splitlines()[-2:] == [broken.dangling_line, "1 件のファイルにエラーがあるため除外しました"]
    assert set(json.loads(r.stdout)["variants"]) == cities_of(broken.lib, "tennyu") - {"kunitachi"}


@pytest.mark.parametrize("where", ["library", "procedure"])
def test_compare_strict_refuses(broken: Broken, where: str) -> None:
    path = broken.lib if where == "library" else broken.lib / "tennyu"
    check_strict(run("compare", str(path), "--strict", "--format", "json"), broken)


# --------------------------------------------------------------------------------- publish


@pytest.fixture(scope="module")
def site(broken: Broken, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    out = tmp_path_factory.mktemp("site") / "site"
    return out, run("publish", str(broken.lib), "-o", str(out))


def test_publish_builds_the_rest(broken: Broken, site: tuple[Path, Result]) -> None:
    out, r = site
    broken.check_stderr(r)
    assert (out / "p" / "tennyu" / "index.html").is_file()
    assert not (out / "p" / "tennyu" / "kunitachi.html").exists()
    assert not (out / "p" / "juminhyo" / "chofu.html").exists()
    for city in cities_of(broken.lib, "tennyu") - {"kunitachi"}:
        assert (out / "p" / "tennyu" / f"{city}.html").is_file()


def test_publish_home_page_shows_the_banner_files_and_lines(broken: Broken, site: tuple[Path, Result]) -> None:
    out, _ = site
    doc = lxml.html.fromstring((out / "index.html").read_bytes())
    (box,) = doc.cssselect("#excluded")
    assert box.cssselect("h2")[0].text_content() == BANNER
    lines = [c.text_content() for c in box.cssselect("li li code")]
    # the library's own paths: the site does not depend on where the library was checked out
    assert "tennyu/kunitachi.yaml:" + broken.dangling_line.split(".yaml:", 1)[1] in lines
    assert any(line.startswith("juminhyo/chofu.yaml:") and " error TF002 " in line for line in lines)
    assert {a.get("href") for a in box.cssselect("a")} == {"p/tennyu/index.html", "p/juminhyo/index.html"}
    # the matrix marks the two left-out cells instead of 「—」 (not modelled)
    marked = [a for a in doc.cssselect("table.matrix td a") if a.get("href") == "#excluded"]
    assert len(marked) == 2 and all(a.text_content() == "除外" for a in marked)


def test_publish_marks_the_affected_procedure_pages(site: tuple[Path, Result]) -> None:
    out, _ = site
    for process, city in (("tennyu", "国立市"), ("juminhyo", "調布市")):
        doc = lxml.html.fromstring((out / "p" / process / "index.html").read_bytes())
        (note,) = doc.cssselect("#excluded")
        text = " ".join(note.text_content().split())
        assert "この手続の 1 件のファイルはエラーがあるため除外しました。" in text and city in text
        assert f"{process}/" in text and " error TF0" in text
    doc = lxml.html.fromstring((out / "p" / "hoikusho" / "index.html").read_bytes())
    assert not doc.cssselect("#excluded")


def test_publish_strict_writes_nothing(broken: Broken, tmp_path: Path) -> None:
    out = tmp_path / "site"
    r = run("publish", str(broken.lib), "-o", str(out), "--strict")
    assert r.exit_code == 1 and not out.exists()
    assert broken.dangling_line in r.stderr.splitlines() and BANNER not in r.stderr
    assert r.stderr.splitlines()[-1].endswith("validation error(s): fix them before publishing (tamaflow validate)")
