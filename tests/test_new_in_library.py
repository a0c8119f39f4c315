"""`tamaflow new` inside a library (a tmp copy of processes/): the city must be in cities.yaml,
and a procedure the library holds starts from its standard flow (or its one city's file) with a
volume estimated from the city's population × the rate the library's files imply."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

import pytest
from clihelp import invoke, library_copy, load_yaml, validate_json


@pytest.fixture()
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tmp copy of the shipped library; the current folder is its parent."""
    monkeypatch.chdir(tmp_path)
    return library_copy(tmp_path)


load = load_yaml


def population(lib: Path, city: str) -> float | None:
    pop: float | None = load(lib / "cities.yaml")["cities"][city].get("population")
    return pop


def expected_rate(lib: Path, procedure: str, leave_out: str) -> float:
    """The median volume / population over the procedure's other files, computed from the YAML."""
    rates = []
    for f in sorted((lib / procedure).glob("*.yaml")):
        d = load(f)
        pop = population(lib, d["city"])
        if f.stem != leave_out and d.get("volume") and pop:
            rates.append(d["volume"] / pop)
    return float(statistics.median(rates))


def test_new_starts_from_the_standard_flow_with_an_estimated_volume(lib: Path, tmp_path: Path) -> None:
    target = lib / "tennyu" / "kunitachi.yaml"
    code, out, err = invoke("new", "tennyu", "--city", "kunitachi", "--force")  # the city's own file is left out
    assert code == 0, err
    rate = expected_rate(lib, "tennyu", "kunitachi")
    pop = population(lib, "kunitachi")
    assert pop
    volume = round(pop * rate)
    assert out.strip() == f"wrote processes/tennyu/kunitachi.yaml: from the standard flow of 10 cities, volume ≈ {volume:,}"
    data = load(target)
    assert (data["process"], data["city"], data["name"], data["area"]) == ("tennyu", "kunitachi", "転入届", "住民基本台帳")
    assert data["volume"] == volume and data["assumed"] == ["volume"]
    assert "source" not in data and "description" not in data
    # lanes and steps are the standard flow `tamaflow compare --emit-standard` derives from the other cities
    others = tmp_path / "others"
    shutil.copytree(lib / "tennyu", others)
    (others / "kunitachi.yaml").unlink()
    std = tmp_path / "standard.yaml"
    assert invoke("compare", str(others), "--emit-standard", str(std))[0] == 0
    standard = load(std)
    assert data["lanes"] == standard["lanes"]
    assert [s["id"] for s in data["steps"]] == [s["id"] for s in standard["steps"]]
    for mine, theirs in zip(data["steps"], standard["steps"], strict=True):
        assert mine.get("minutes") == theirs.get("minutes")
        assert ("minutes" in mine.get("assumed", [])) == ("minutes" in theirs)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../tamaflow.schema.json\n")
    assert "median" in text and "volume / population" in text and "(kunitachi)" in text
    assert validate_json("--strict", str(lib)) == (0, [])
    # deterministic, whether or not the city's file was there before
    first = target.read_bytes()
    target.unlink()
    assert invoke("new", "tennyu", "--city", "kunitachi")[0] == 0
    assert target.read_bytes() == first
    # and never over the analyst's work without --force
    target.write_text("# mine\n", encoding="utf-8")
    code, _, err = invoke("new", "tennyu", "--city", "kunitachi")
    assert code == 2 and "--force" in err
    assert target.read_text(encoding="utf-8") == "# mine\n"


def test_unknown_city_is_a_usage_error_with_did_you_mean(lib: Path) -> None:
    code, out, err = invoke("new", "tennyu", "--city", "tokyo")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "--city tokyo: not in processes/cities.yaml (did you mean `nishitokyo`?); add the city there first"]
    assert not (lib / "tennyu" / "tokyo.yaml").exists()
    code, _, err = invoke("new", "juminhyo", "--city", "kunitach", "-o", str(lib / "juminhyo" / "kunitach.yaml"))
    assert code == 2 and "did you mean `kunitachi`?" in err


def test_city_without_population_gets_no_volume_and_says_why(lib: Path) -> None:
    assert population(lib, "akiruno") is None
    target = lib / "juminhyo" / "akiruno.yaml"
    assert not target.exists()
    code, out, _ = invoke("new", "juminhyo", "--city", "akiruno")
    assert code == 0 and out.strip().endswith("volume left out")
    data = load(target)
    assert "volume" not in data and "volume" not in data.get("assumed", [])
    text = " ".join(line.lstrip("# ") for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
    assert "volume: left out: cities.yaml has no population for akiruno" in text
    assert validate_json("--strict", str(lib)) == (0, [])


def test_a_procedure_with_one_city_starts_from_that_file(lib: Path) -> None:
    folder = lib / "gakudo"
    keep = sorted(folder.glob("*.yaml"))[0]
    for f in folder.glob("*.yaml"):
        if f != keep:
            f.unlink()
    code, out, _ = invoke("new", "gakudo", "--city", "hino")
    assert code == 0 and f"from the {keep.stem}'s file" in out
    assert f"<library>/gakudo/{keep.name} (the only city" in (folder / "hino.yaml").read_text(encoding="utf-8")
    mine, theirs = load(folder / "hino.yaml"), load(keep)
    assert [s["id"] for s in mine["steps"]] == [s["id"] for s in theirs["steps"]]
    assert (mine["name"], mine["lanes"], mine["city"]) == (theirs["name"], theirs["lanes"], "hino")
    timed = [s for s in mine["steps"] if "minutes" in s]
    assert timed and all("minutes" in s["assumed"] for s in timed)  # another city's minutes are estimates here
    if theirs.get("volume") and population(lib, keep.stem):
        pop = population(lib, "hino")
        assert pop and mine["volume"] == round(pop * theirs["volume"] / population(lib, keep.stem))  # type: ignore[operator]
    assert validate_json("--strict", str(lib)) == (0, [])


def test_a_procedure_the_library_lacks_gets_the_skeleton_and_a_hint(lib: Path) -> None:
    code, out, err = invoke("new", "tenyu", "--city", "hino")
    assert code == 0 and out.strip() == "wrote processes/tenyu/hino.yaml"
    assert "no files for procedure `tenyu` (did you mean `tennyu`?)" in err
    assert validate_json(str(lib / "tenyu")) == (0, [])
