"""The alignment sets kept in the repository (every folder benchmarks/data/align-<name>, Japanese
and English, blind and development): every file validates through the CLI, the gold alignment
follows the set's rules (every step id exists, gateways are never aligned, every other step is in
some concept, four cities or organisations per procedure), no procedure is the library's,
align-ja-dev's or another set's (by folder and by the name its files give it), and
benchmarks/alignment.py reads each set with the gold pair counts its README states.

No figure of the matcher is asserted here: each blind set is a held-out estimate, measured once
before anything was tuned on it (its README), and a test floor on it would invite tuning; the
development sets ja-blind, ja-blind2, ja-blind8, ja-dev2 to ja-dev5 and en-dev to en-dev4 are tuned on, and a floor there would only pin one
tuning's result."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from clihelp import REPO, load_benchmark, validate_json

from tamaflow.io.yaml_loader import load_process_strict

#: benchmark set name → its folder: every set folder there is (a set is registered by its folder,
#: as benchmarks/alignment.py finds it)
SETS = {folder.name.removeprefix("align-"): folder
        for folder in sorted((REPO / "benchmarks" / "data").glob("align-*")) if folder.is_dir()}
GOLD: dict[str, dict[str, dict[str, dict[str, list[str]]]]] = {
    name: yaml.safe_load((folder / "gold.yaml").read_text(encoding="utf-8")) for name, folder in SETS.items()}
#: the library's own procedures and align-ja-dev's: a blind set must not reuse them
TAKEN = {"tennyu", "tenshutsu", "juminhyo", "jido-teate", "hoikusho", "shishutsu", "kokuho-kanyu", "mynumber-card",
         "gakudo", "inu-toroku", "sodai-gomi", "yokaigo-nintei", "shussei", "kazei-shomei", "doro-senyo",
         "shugaku-enjo"}
PROCEDURES = [(name, proc) for name in SETS for proc in sorted(GOLD[name])]


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_file_validates_strictly(name: str) -> None:
    folder = SETS[name]
    files = sorted(folder.glob("*/*.yaml"))
    assert len(files) == 16
    code, findings = validate_json("--strict", *(str(folder / proc) for proc in sorted(GOLD[name])))
    problems = [f for f in findings if f.get("severity") in ("error", "warning")]
    assert code == 0 and not problems, problems


def test_no_procedure_is_taken_or_shared_between_the_sets() -> None:
    # the library's procedures as they are now, beside those named above (a procedure added to the
    # library later must not turn a blind set into one the library's wording was written against)
    library = {d.name for d in (REPO / "processes").iterdir() if d.is_dir()}
    for name in SETS:
        assert not set(GOLD[name]) & (TAKEN | library), name
    for a, b in itertools.combinations(sorted(SETS), 2):
        assert not set(GOLD[a]) & set(GOLD[b]), (a, b)


def _names(folder: Path) -> set[str]:
    """The procedure names (`name:`) the process files one level below `folder` give."""
    return {load_process_strict(f).name for f in folder.glob("*/*.yaml")}


def test_no_procedure_name_is_taken_or_shared_between_the_sets() -> None:
    # a procedure already used under another slug (婚姻届 as `konin` in one set, `kon-in` in the next)
    # would slip past the folder check above: compare what the files call the procedure too
    library = _names(REPO / "processes")
    names = {name: _names(folder) for name, folder in SETS.items()}
    for name, own in names.items():
        assert len(own) == len(GOLD[name]), f"{name}: one name per procedure: {sorted(own)}"
        assert not own & library, (name, sorted(own & library))
    for a, b in itertools.combinations(sorted(SETS), 2):
        assert not names[a] & names[b], (a, b, sorted(names[a] & names[b]))


@pytest.mark.parametrize(("name", "procedure"), PROCEDURES)
def test_gold_names_every_step_and_no_gateway(name: str, procedure: str) -> None:
    gold = GOLD[name]
    files = sorted((SETS[name] / procedure).glob("*.yaml"))
    procs = {f.stem: load_process_strict(f) for f in files}
    assert len(procs) == 4 and set(gold[procedure]) != set()
    cities = {p.city for p in procs.values()}
    assert cities == set(procs), "file stem = city"
    assert {p.process for p in procs.values()} == {procedure}
    in_gold: set[tuple[str, str]] = set()
    for concept, members in gold[procedure].items():
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


def _readme_counts(folder: Path) -> dict[str, int]:
    """`(inkan-toroku 84, …)` and the total as the set's README states them."""
    text = (folder / "README.md").read_text(encoding="utf-8")
    total = re.search(r"The set has\s+(\d+)\s+gold pairs\s+\(([^)]*)\)", text)
    assert total, "README states the gold pair counts"
    counts = {name: int(n) for name, n in re.findall(r"([a-z-]+)\s+(\d+)", total.group(2))}
    counts["total"] = int(total.group(1))
    return counts


@pytest.mark.parametrize("name", sorted(SETS))
def test_the_benchmark_reads_the_set_with_the_counts_the_readme_states(name: str) -> None:
    bench = load_benchmark("alignment")
    cases = bench.load_sets([name])[name]
    got = {c.name: len(c.gold) for c in cases}
    got["total"] = sum(len(c.gold) for c in cases)
    assert got == _readme_counts(SETS[name])
    for case in cases:  # every gold pair joins two different cities' real steps
        ids = {(p.variant, s.id) for p in case.processes for s in p.steps}
        assert all(x[0] != y[0] and x in ids and y in ids for x, y in case.gold)


def test_the_held_out_sets_never_choose_and_the_development_sets_do() -> None:
    # the blind sets estimate how compare does on wording nobody tuned on: they never help choose
    # the parameters (the grid's `scored` sets) nor lend their words to the own-words column; the
    # development sets (en-dev and en-dev2 exist so that English can be tuned on without touching
    # the English blind sets) do both
    bench = load_benchmark("alignment")
    # the record of which set is which (a set is held out unless the benchmark's DEVELOPMENT names
    # it, so a new folder only measures until someone decides to read it; a change of status must
    # change this record too)
    held_out = {"ja-blind3", "ja-blind4", "ja-blind5", "ja-blind6", "ja-blind7", "ja-blind9", "ja-blind10", "ja-blind11", "ja-blind12",
                "ja-blind13", "ja-blind14", "ja-blind15", "ja-blind16", "ja-blind17", "ja-blind18", "ja-blind19",
                "ja-blind20", "en-blind", "en-blind2", "en-blind3", "en-blind4", "en-blind5", "en-blind6",
                "en-blind7", "en-blind8", "en-blind9", "en-blind10"}
    development = {"ja-blind", "ja-blind2", "ja-blind8", "ja-dev2", "ja-dev3", "ja-dev4", "ja-dev5", "en-dev", "en-dev2",
                   "en-dev3", "en-dev4"}
    assert set(bench.REPO_SETS) == set(SETS) == held_out | development
    assert set(bench.HELD_OUT) == held_out and set(bench.DEVELOPMENT) == development


def _bench(*args: str) -> list[str]:
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "alignment.py"), *args],
                         capture_output=True, text=True, cwd=REPO, check=True)
    return run.stdout.splitlines()


def _cells(line: str) -> list[str]:
    return [c.strip().strip("*") for c in line.strip("|").split("|")]


def test_the_benchmark_table_gives_the_counts_behind_its_ratios() -> None:
    # a set's first measurement quotes TP, FP and FN; the table prints them beside P, R and F1,
    # so nobody has to work them back out of rounded ratios
    cells = next(c for c in map(_cells, _bench("--defaults-only", "--set", "en-dev")) if c[0] == "en-dev")
    gold, tp, fp, fn, p, r = (int(cells[2]), int(cells[3]), int(cells[4]), int(cells[5]), float(cells[6]),
                              float(cells[7]))
    assert tp + fn == gold == 229
    assert abs(tp / (tp + fp) - p) < 0.0005 and abs(tp / gold - r) < 0.0005


def test_each_group_of_sets_gets_its_mean_with_how_far_other_procedures_could_move_it() -> None:
    # the notes compare means of sets (held out against development): the table gives each group's
    # mean of the sets' F1 beside a bootstrap interval over their procedures, and the gap between
    # a language's development and held-out sets with its own interval
    lines = _bench("--defaults-only", "--set", "en-dev", "--set", "en-dev2", "--set", "en-blind")
    f1 = {c[0]: float(c[8]) for c in map(_cells, lines) if c[0] in ("en-dev", "en-dev2", "en-blind")}
    groups = {c[0]: c for c in map(_cells, lines) if c[0].startswith("English")}
    dev, held = groups["English development"], groups["English held-out"]
    assert (dev[1], dev[2], held[1], held[2]) == ("2", "8", "1", "4")
    assert float(dev[3]) == round((f1["en-dev"] + f1["en-dev2"]) / 2, 3) and float(held[3]) == f1["en-blind"]
    for row in (dev, held):
        lo, hi = (float(x) for x in row[4].split(" – "))
        assert lo < float(row[3]) < hi
    gap = groups["English: development − held-out"]
    lo, hi = (float(x) for x in gap[4].split(" – "))
    assert lo < float(gap[3]) < hi and abs(float(gap[3]) - (float(dev[3]) - float(held[3]))) < 0.0015


def _against(lines: list[str]) -> list[list[str]]:
    """The rows of --against's table (after its header)."""
    start = next(k for k, line in enumerate(lines) if line.startswith("| set | F1 saved"))
    return [_cells(line) for line in itertools.takewhile(lambda x: x.startswith("|"), lines[start + 2:])]


def test_a_change_is_measured_against_saved_counts_with_a_paired_interval(tmp_path: Path) -> None:
    # --save keeps each procedure's counts; --against reads them back: the same checkout shows no
    # change at all, and counts saved with two right pairs fewer in one procedure show this
    # checkout ahead, by the F1 those two pairs are worth
    saved = tmp_path / "base.json"
    _bench("--defaults-only", "--set", "en-dev", "--save", str(saved))
    lines = _bench("--defaults-only", "--set", "en-dev", "--set", "en-dev2", "--against", str(saved))
    same = _against(lines)
    # a set the saved run did not measure is named, never paired with nothing
    assert "not compared (no saved counts for the same procedures, or the library): en-dev2" in lines
    counts = json.loads(saved.read_text(encoding="utf-8"))
    tp, fp, fn = (sum(c[k] for c in counts["en-dev"].values()) for k in range(3))
    f1 = f"{2 * tp / (2 * tp + fp + fn):.3f}"  # the set's F1 from the saved counts, whatever the matcher
    assert same[0][1:] == [f1, f1, "+0.000"]
    assert same[-1][0] == "English development sets (1): mean" and same[-1][3] == "+0.000 (95 % interval +0.000 – +0.000)"
    procedure = sorted(counts["en-dev"])[0]
    counts["en-dev"][procedure][0] -= 2  # two right pairs fewer…
    counts["en-dev"][procedure][2] += 2  # …are two misses
    saved.write_text(json.dumps(counts), encoding="utf-8")
    moved = _against(_bench("--defaults-only", "--set", "en-dev", "--against", str(saved)))[0]
    before, now = 2 * (tp - 2) / (2 * (tp - 2) + fp + fn + 2), 2 * tp / (2 * tp + fp + fn)
    assert float(moved[1]) == round(before, 3) and float(moved[3]) == round(now - before, 3) > 0


def test_saved_counts_that_cannot_be_read_are_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    for path in (tmp_path / "absent.json", tmp_path / "broken.json"):
        run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "alignment.py"), "--defaults-only", "--set", "en-dev",
                              "--against", str(path)], capture_output=True, text=True, cwd=REPO)
        assert run.returncode == 2 and run.stdout == ""
        assert run.stderr.startswith(f"{path}: cannot read saved counts") and run.stderr.count("\n") == 1


def test_the_interval_of_identical_procedures_is_the_point_and_draws_are_repeatable() -> None:
    bench = load_benchmark("alignment")
    same = [[bench.Counts(8, 2, 2)] * 4, [bench.Counts(5, 5, 5)] * 4]
    assert bench.mean_f1_interval(same) == pytest.approx((0.65, 0.65, 0.65))
    varied = [[bench.Counts(9, 1, 1), bench.Counts(2, 6, 6), bench.Counts(7, 3, 1), bench.Counts(4, 4, 4)]]
    assert bench.mean_f1_interval(varied) == bench.mean_f1_interval(varied)
    point, lo, hi = bench.mean_f1_interval(varied)
    assert lo < point < hi


#: the sets read a second time, without the gold (benchmarks/alignment.py --second-reader)
SECOND = sorted(name for name, folder in SETS.items() if (folder / "second-reader.yaml").is_file())


def test_some_development_sets_are_read_a_second_time_and_no_held_out_one() -> None:
    # a second reading of a held-out set would be one more person reading it: only the development
    # sets, which are read anyway, carry one
    bench = load_benchmark("alignment")
    assert SECOND and not set(SECOND) & set(bench.HELD_OUT)


@pytest.mark.parametrize("name", SECOND)
def test_a_second_reading_follows_the_gold_rules(name: str) -> None:
    # the same rules as the gold: real step ids, no gateway, every other step in some concept
    second = yaml.safe_load((SETS[name] / "second-reader.yaml").read_text(encoding="utf-8"))
    assert set(second) == set(GOLD[name])
    for procedure, concepts in second.items():
        procs = {f.stem: load_process_strict(f) for f in sorted((SETS[name] / procedure).glob("*.yaml"))}
        seen: set[tuple[str, str]] = set()
        for concept, members in concepts.items():
            for city, ids in members.items():
                steps = procs[city].step_map()
                for sid in ids:
                    assert sid in steps and not steps[sid].is_gateway, (procedure, concept, city, sid)
                    seen.add((city, sid))
        for city, p in procs.items():
            assert not [s.id for s in p.steps if not s.is_gateway and (city, s.id) not in seen], (procedure, city)


def test_the_second_reader_table_scores_the_reading_against_the_same_gold() -> None:
    lines = _bench("--second-reader", *(a for name in SECOND for a in ("--set", name)))
    rows = {c[0]: c for c in map(_cells, lines) if c[0] in SECOND}
    for name in SECOND:
        cells = rows[name]
        assert int(cells[1]) == _readme_counts(SETS[name])["total"]
        assert all(0.0 <= float(c) <= 1.0 for c in cells[2:])


def test_the_grid_measured_on_two_processes_gives_the_same_counts_as_on_one() -> None:
    # the leave-one-set-out grid takes over an hour on one core: prefill spreads its distinct runs
    # over processes, and the table must not depend on how many
    bench = load_benchmark("alignment")
    sets = bench.load_sets(["en-dev", "ja-blind"], quiet=True)
    points = [bench.MatchOptions(), bench.MatchOptions(context=0.2, threshold=0.65)]
    counts = {}
    for jobs in (1, 2):
        bench._RUNS.clear()
        bench.prefill(sets, points, jobs)
        counts[jobs] = dict(bench._RUNS)
    assert counts[1] == counts[2] and len(counts[1]) == 16  # 8 procedures × 2 points, none shared
    assert [bench.run_set(sets["en-dev"], m) for m in points] != [bench.Counts()] * 2


def test_the_table_says_how_much_of_a_sets_wording_the_vocabulary_knows() -> None:
    # the labels alone, no gold: a set whose actions and things the vocabulary knows less of is
    # one where fewer pairs are found (docs/compare.md), so the table shows it beside the F1
    lines = _bench("--defaults-only", "--set", "ja-dev2", "--set", "en-dev")
    header = _cells(next(line for line in lines if line.startswith("| set |")))
    column = header.index("vocabulary knows: actions / things")
    rows = {c[0]: c for c in map(_cells, lines) if c[0] in ("ja-dev2", "en-dev")}
    actions, things = (float(x) for x in rows["ja-dev2"][column].split(" / "))
    assert 0.5 < actions <= 1 and 0 < things < actions  # more of the actions than of the things
    assert rows["en-dev"][column] == "–"  # the Japanese vocabulary reads no English label
