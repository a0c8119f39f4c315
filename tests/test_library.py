"""The process library in processes/: every file validates, and the data checks of issue 3 hold.

The data checks read the YAML with plain `yaml.safe_load`: they are about the library's content
(coverage, sources, volumes, catalogue codes), not about the loader.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "processes"
URL = re.compile(r"^https?://\S+$")
CODE = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]{3}$")

TAMA_26 = (
    "hachioji tachikawa musashino mitaka ome fuchu akishima chofu machida koganei kodaira hino "
    "higashimurayama kokubunji kunitachi fussa komae higashiyamato kiyose higashikurume musashimurayama "
    "tama inagi hamura akiruno nishitokyo"
).split()
CITY_KEYS = {"name", "population", "population_year", "population_source", "population_note"}
ACTIVITY_KEYS = {"name", "synonyms", "description", "area"}
MIN_PROCEDURES = 10
MIN_CITIES_PER_PROCEDURE = 6

PROCESS_FILES = sorted(p for p in LIB.glob("*/*.yaml"))


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cities() -> dict[str, dict[str, Any]]:
    data = _load(LIB / "cities.yaml")
    return data["cities"]


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict[str, Any]]:
    data = _load(LIB / "catalogue.yaml")
    return data["activities"]


@pytest.fixture(scope="module")
def processes() -> dict[Path, dict[str, Any]]:
    return {p: _load(p) for p in PROCESS_FILES}


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


# ---------------------------------------------------------------- validation through the CLI and API

def test_cli_validate_is_clean() -> None:
    from typer.testing import CliRunner

    from tamaflow.cli import app

    result = CliRunner().invoke(app, ["validate", str(LIB)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("path", PROCESS_FILES, ids=[_rel(p) for p in PROCESS_FILES])
def test_every_process_file_loads_without_findings(path: Path) -> None:
    from tamaflow.io.yaml_loader import read_process

    process, findings = read_process(path)
    assert process is not None, [f.human() for f in findings]
    assert [f.human() for f in findings if f.severity == "error"] == []


# ---------------------------------------------------------------- cities.yaml

def test_cities_are_the_26_tama_cities(cities: dict[str, dict[str, Any]]) -> None:
    assert sorted(cities) == sorted(TAMA_26)


def test_city_entries_have_only_known_keys_and_sourced_populations(cities: dict[str, dict[str, Any]]) -> None:
    for slug, city in cities.items():
        assert set(city) <= CITY_KEYS, (slug, set(city) - CITY_KEYS)
        assert isinstance(city.get("name"), str) and city["name"].endswith("市"), slug
        if "population" in city:
            assert isinstance(city["population"], int) and city["population"] > 0, slug
            assert URL.match(str(city.get("population_source", ""))), f"{slug}: population without a source URL"
            assert isinstance(city.get("population_year"), int), f"{slug}: population without a year"


# ---------------------------------------------------------------- catalogue.yaml

def test_catalogue_codes_and_keys(catalogue: dict[str, dict[str, Any]]) -> None:
    assert catalogue, "catalogue is empty"
    for code, act in catalogue.items():
        assert CODE.match(code), code
        assert set(act) <= ACTIVITY_KEYS, (code, set(act) - ACTIVITY_KEYS)
        assert isinstance(act.get("name"), str) and act["name"], code
        assert isinstance(act.get("synonyms", []), list), code


def test_catalogue_has_the_generic_activities(catalogue: dict[str, dict[str, Any]]) -> None:
    names = {a["name"] for a in catalogue.values()}
    for name in ("受付", "本人確認", "審査", "照合", "入力", "決裁", "起案", "通知", "交付", "依頼", "調査", "判定",
                 "保管", "支払"):
        assert name in names, name


# ---------------------------------------------------------------- coverage

def test_library_has_enough_procedures_and_cities(processes: dict[Path, dict[str, Any]]) -> None:
    by_proc: dict[str, set[str]] = defaultdict(set)
    for data in processes.values():
        by_proc[data["process"]].add(data["city"])
    assert len(by_proc) >= MIN_PROCEDURES, sorted(by_proc)
    thin = {p: sorted(c) for p, c in by_proc.items() if len(c) < MIN_CITIES_PER_PROCEDURE}
    assert thin == {}, f"procedures with fewer than {MIN_CITIES_PER_PROCEDURE} cities: {thin}"


def test_every_city_is_in_at_least_one_file(processes: dict[Path, dict[str, Any]]) -> None:
    used = {data["city"] for data in processes.values()}
    assert sorted(set(TAMA_26) - used) == []


def test_file_layout_matches_process_and_city(processes: dict[Path, dict[str, Any]]) -> None:
    for path, data in processes.items():
        assert path.parent.name == data["process"], _rel(path)
        assert path.stem == data["city"], _rel(path)


def test_every_city_slug_is_in_cities_yaml(processes: dict[Path, dict[str, Any]],
                                           cities: dict[str, dict[str, Any]]) -> None:
    unknown = {_rel(p): d["city"] for p, d in processes.items() if d["city"] not in cities}
    assert unknown == {}


def test_every_standard_code_is_in_the_catalogue(processes: dict[Path, dict[str, Any]],
                                                 catalogue: dict[str, dict[str, Any]]) -> None:
    missing = []
    used = 0
    for path, data in processes.items():
        for step in data["steps"]:
            code = step.get("standard")
            if code is None:
                continue
            used += 1
            if code not in catalogue:
                missing.append(f"{_rel(path)}: {step['id']} → {code}")
    assert missing == []
    assert used > 0


def test_every_process_names_a_source_url(processes: dict[Path, dict[str, Any]]) -> None:
    for path, data in processes.items():
        src = data.get("source")
        urls = [src] if isinstance(src, str) else list(src or [])
        assert urls, f"{_rel(path)}: no source"
        for u in urls:
            assert URL.match(str(u)), f"{_rel(path)}: source {u!r} is not an http(s) URL"


def test_every_process_has_a_volume(processes: dict[Path, dict[str, Any]]) -> None:
    for path, data in processes.items():
        v = data.get("volume")
        assert isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0, _rel(path)


def test_estimated_volumes_are_marked_assumed(processes: dict[Path, dict[str, Any]]) -> None:
    """No city publishes these counts on the pages read: every volume is an estimate and says so."""
    for path, data in processes.items():
        assert "volume" in (data.get("assumed") or []), _rel(path)


def test_staff_minutes_are_marked_assumed(processes: dict[Path, dict[str, Any]]) -> None:
    """No time study was found: every staff minute value is listed in the step's assumed."""
    for path, data in processes.items():
        for step in data["steps"]:
            if "minutes" in step:
                assert "minutes" in (step.get("assumed") or []), f"{_rel(path)}: {step['id']}"


def test_procedure_variants_share_steps(processes: dict[Path, dict[str, Any]]) -> None:
    """Variants of one procedure should be comparable: most step ids recur across its cities."""
    by_proc: dict[str, list[set[str]]] = defaultdict(list)
    for data in processes.values():
        by_proc[data["process"]].append({s["id"] for s in data["steps"]})
    for proc, id_sets in by_proc.items():
        common = set.intersection(*id_sets)
        smallest = min(len(s) for s in id_sets)
        assert len(common) >= smallest // 2, (proc, sorted(common))


def test_flows_have_a_realistic_size(processes: dict[Path, dict[str, Any]]) -> None:
    for path, data in processes.items():
        n = len(data["steps"])
        assert 8 <= n <= 26, f"{_rel(path)}: {n} steps"
