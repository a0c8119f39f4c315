"""The alignment sets kept in the repository (benchmarks/data/align-ja-blind): every file
validates through the CLI, the gold alignment follows the set's rules (every step id exists,
gateways are never aligned, every other step is in some concept, four cities per procedure) and
benchmarks/alignment.py reads it as `ja-blind` with the gold pair counts the README states.

No figure of the matcher is asserted here: the set is a held-out estimate, measured once
before anything was tuned on it (its README), and a test floor on it would invite tuning."""

from __future__ import annotations

import re

import pytest
import yaml
from clihelp import REPO, load_benchmark, validate_json

from tamaflow.io.yaml_loader import load_process_strict

BLIND = REPO / "benchmarks" / "data" / "align-ja-blind"
GOLD: dict[str, dict[str, dict[str, list[str]]]] = yaml.safe_load((BLIND / "gold.yaml").read_text(encoding="utf-8"))
#: the library's own procedures and align-ja-dev's: the blind set must not reuse them
TAKEN = {"tennyu", "tenshutsu", "juminhyo", "jido-teate", "hoikusho", "shishutsu", "kokuho-kanyu", "mynumber-card",
         "gakudo", "inu-toroku", "sodai-gomi", "yokaigo-nintei", "shussei", "kazei-shomei", "doro-senyo",
         "shugaku-enjo"}


def test_every_file_validates_strictly() -> None:
    files = sorted(BLIND.glob("*/*.yaml"))
    assert len(files) == 16
    code, findings = validate_json("--strict", *(str(BLIND / proc) for proc in sorted(GOLD)))
    problems = [f for f in findings if f.get("severity") in ("error", "warning")]
    assert code == 0 and not problems, problems


@pytest.mark.parametrize("procedure", sorted(GOLD))
def test_gold_names_every_step_and_no_gateway(procedure: str) -> None:
    assert procedure not in TAKEN
    files = sorted((BLIND / procedure).glob("*.yaml"))
    procs = {f.stem: load_process_strict(f) for f in files}
    assert len(procs) == 4 and set(GOLD[procedure]) != set()
    cities = {p.city for p in procs.values()}
    assert cities == set(procs), "file stem = city"
    assert {p.process for p in procs.values()} == {procedure}
    in_gold: set[tuple[str, str]] = set()
    for concept, members in GOLD[procedure].items():
        assert members and set(members) <= cities, (concept, members)
        for city, ids in members.items():
            steps = procs[city].step_map()
            for sid in ids:
                assert sid in steps, f"{procedure}/{city}: gold step {sid!r} ({concept}) does not exist"
                assert not steps[sid].is_gateway, f"{procedure}/{city}: gateway {sid!r} aligned ({concept})"
                in_gold.add((city, sid))
    for city, p in procs.items():
        assert 8 <= len(p.steps) <= 18, (city, len(p.steps))
        missing = [s.id for s in p.steps if not s.is_gateway and (city, s.id) not in in_gold]
        assert not missing, f"{procedure}/{city}: steps in no concept: {missing}"


def _readme_counts() -> dict[str, int]:
    """`(inkan-toroku 84, …)` and the total as the README states them."""
    text = (BLIND / "README.md").read_text(encoding="utf-8")
    total = re.search(r"The set has (\d+) gold pairs \(([^)]*)\)", text)
    assert total, "README states the gold pair counts"
    counts = {name: int(n) for name, n in re.findall(r"([a-z-]+) (\d+)", total.group(2))}
    counts["total"] = int(total.group(1))
    return counts


def test_the_benchmark_reads_the_set_with_the_counts_the_readme_states() -> None:
    bench = load_benchmark("alignment")
    cases = bench.load_sets(["ja-blind"])["ja-blind"]
    got = {c.name: len(c.gold) for c in cases}
    got["total"] = sum(len(c.gold) for c in cases)
    assert got == _readme_counts()
    for case in cases:  # every gold pair joins two different cities' real steps
        ids = {(p.variant, s.id) for p in case.processes for s in p.steps}
        assert all(x[0] != y[0] and x in ids and y in ids for x, y in case.gold)

