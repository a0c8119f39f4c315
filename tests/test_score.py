"""`tamaflow score`: hand-computed cases, model properties, config handling and the CLI in every
format, on the fixtures in tests/fixtures/score/ and on the real library in processes/.

The hand computations are written out next to each assertion so a reader can check them.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.io.library import read_cities
from tamaflow.io.yaml_loader import load_process_strict
from tamaflow.model.findings import TamaflowError
from tamaflow.model.process import ACCESS_TYPES, MEDIA, TASK_KINDS, Process, Step
from tamaflow.score import (
    config_from_values,
    config_yaml,
    default_config,
    expected_visits,
    load_score_config,
    score_process,
    score_step,
)
from tamaflow.score.config import PARAMS, ScoreConfigError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "score"
FIX = FIXTURES / "processes"
LOOP = FIX / "loop.yaml"
BRANCH = FIX / "branch.yaml"
LIB = ROOT / "processes"
HAS_LIB = any(LIB.glob("*/*.yaml"))
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["score", *args])


def score_json(*args: str) -> dict[str, Any]:
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def by_id(proc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in proc["steps"]}


# ----- hand-computed cases ---------------------------------------------------------------------

def test_loop_visits_follow_the_rework_share() -> None:
    """enter → check → ok; ok goes back to enter with share 0.2: visits = 1 / (1 − 0.2) = 1.25."""
    v = expected_visits(load_process_strict(LOOP))
    assert v["enter"] == pytest.approx(1.25)
    assert v["check"] == pytest.approx(1.25)
    assert v["ok"] == pytest.approx(1.25)
    assert v["notify"] == pytest.approx(1.0)
    assert v["apply"] == pytest.approx(1.0)


def test_loop_case_numbers() -> None:
    """
    enter:  6 min × 1.25 = 7.5 min/case; suitability (rule 1 + paper 0 + structured 1)/3 = 2/3,
            × (1 − 0.1 exceptions) = 0.6 → 4.5 automatable min; ease 100 − 20 (web) − 10 (OCR) = 70
    check:  4 × 1.25 = 5 min; judgement → gate 0 → 0; ease 100
    notify: 2 min; suitability 1, exceptions 0 → 1.0 → 2 min; ease 100 + 10 (api) − 10 (2 systems) = 100
    total 14.5 min, automatable 6.5 min → potential 6.5/14.5 = 0.448
    hours 1200 × 14.5 / 60 = 290; automatable 1200 × 6.5 / 60 × 0.88 (realisation) = 114.4
    process ease weighted by automatable minutes: (4.5·70 + 2·100)/6.5 = 79.2 → fill-in
    """
    d = score_json(str(LOOP))
    (p,) = d["processes"]
    assert p["minutes_per_case"] == 14.5
    assert p["automatable_minutes_per_case"] == 6.5
    assert p["hours_per_year"] == 290.0
    assert p["automatable_hours_per_year"] == 114.4
    assert p["potential"] == round(6.5 / 14.5, 3) == 0.448
    assert p["ease"] == round((4.5 * 70 + 2 * 100) / 6.5, 1) == 79.2
    assert p["quadrant"] == "fill-in"
    s = by_id(p)
    assert s["enter"]["visits"] == 1.25
    assert s["enter"]["staff_minutes_per_case"] == 7.5
    assert s["enter"]["potential"] == 0.6
    assert s["enter"]["ease"] == 70.0
    assert s["enter"]["hours_per_year"] == 150.0
    assert s["enter"]["automatable_hours_per_year"] == 79.2  # 1200 × 4.5 / 60 × 0.88
    assert s["check"]["potential"] == 0.0
    assert s["check"]["staff_minutes_per_case"] == 5.0
    assert s["notify"]["potential"] == 1.0
    assert s["notify"]["ease"] == 100.0
    assert s["notify"]["automatable_hours_per_year"] == 35.2  # 1200 × 2 / 60 × 0.88
    assert s["apply"]["role"] == "resident" and s["apply"]["staff_minutes_per_case"] == 0.0
    assert p["blockers"]["paper"] == {"count": 1, "steps": ["enter"], "hours_per_year": 150.0}
    assert p["blockers"]["judgement"]["steps"] == ["check"]
    assert p["blockers"]["seal"]["count"] == 0
    assert p["blockers"]["manual"]["count"] == 0  # the resident's manual step is not a staff blocker
    # the reasons say why, in Japanese, with the source of each number
    reasons = s["check"]["reasons"]
    assert any("判断業務 (rule_based: false) → 自動化不可 (gate ×0) [UiPath-IdeaScore]" in r for r in reasons)
    assert any("例外率 10% → ×0.90" in r and "[Wellmann-FailureRate]" in r for r in s["enter"]["reasons"])
    assert any(r.startswith("実装容易性 70 = 100 −20 Web 画面操作") for r in s["enter"]["reasons"])
    assert s["enter"]["reasons"][0] == "職員 6 分 × 1.25 回/件 = 7.5 分/件"
    factors = {f["factor"]: f for f in s["enter"]["factors"]}
    assert factors["digital"] == {"factor": "digital", "field": "medium", "value": "paper", "score": 0.0,
                                  "weight": 1.0, "contribution": 0.0, "source": "[UiPath-IdeaScore]"}
    assert factors["rules"]["contribution"] == 0.333


def test_branch_case_numbers() -> None:
    """
    route: paper 0.7 given, online share missing → the remaining 0.3.
    receive 3 min (in-person → 0); paper_entry 10 × 0.7 = 7 min, suitability 1/3 → 7/3 automatable;
    online_import 2 × 0.3 = 0.6 min, potential 1; stamp 1 min (seal → 0); register: service, no staff
    time; send 2 min (manual → 0). Parallel split: both branches once, join once, send once.
    total 13.6 min, automatable 7/3 + 0.6 = 2.9333 → potential 0.216
    hours 600 × 13.6 / 60 = 136; automatable 600 × 2.9333 / 60 × 0.88 = 25.81
    ease paper_entry 100 − 20 (3 systems) − 40 (vdi) − 25 (unstructured) − 10 (OCR) = 5;
    online_import 100 − 20 (web) = 80; process (7/3·5 + 0.6·80) / 2.9333 = 20.3 → reconsider
    """
    d = score_json(str(BRANCH))
    (p,) = d["processes"]
    s = by_id(p)
    assert s["paper_entry"]["visits"] == 0.7
    assert s["online_import"]["visits"] == 0.3
    assert s["stamp"]["visits"] == 1.0
    assert s["register"]["visits"] == 1.0
    assert s["send"]["visits"] == 1.0  # the join fires once, not once per arriving branch
    assert p["minutes_per_case"] == 13.6
    assert p["automatable_minutes_per_case"] == round(7 / 3 + 0.6, 2) == 2.93
    assert p["potential"] == round((7 / 3 + 0.6) / 13.6, 3) == 0.216
    assert p["hours_per_year"] == 136.0
    assert p["automatable_hours_per_year"] == round(600 * (7 / 3 + 0.6) / 60 * 0.88, 1) == 25.8
    assert s["paper_entry"]["ease"] == 5.0
    assert s["online_import"]["ease"] == 80.0
    assert p["ease"] == round((7 / 3 * 5 + 0.6 * 80) / (7 / 3 + 0.6), 1) == 20.3
    assert p["quadrant"] == "reconsider"
    assert s["register"]["role"] == "system" and s["register"]["staff_minutes_per_case"] == 0.0
    assert s["stamp"]["potential"] == 0.0 and "seal" in s["stamp"]["blockers"]
    assert s["receive"]["potential"] == 0.0
    assert s["send"]["potential"] == 0.0
    b = p["blockers"]
    assert (b["seal"]["count"], b["paper"]["count"], b["in_person"]["count"], b["manual"]["count"]) == (1, 3, 1, 1)
    assert b["paper"]["steps"] == ["paper_entry", "stamp", "send"]
    assert b["paper"]["hours_per_year"] == 100.0  # (7 + 1 + 2) min × 600 / 60
    assert any("share 未記入 1 本" in n for n in p["notes"])
    assert any("押印が必要 → 自動化不可 (gate ×0) [design]" in r for r in s["stamp"]["reasons"])
    assert any("[Estimator-EoI]" in r for r in s["paper_entry"]["reasons"])
    # the seal/paper list is a deliverable of its own
    assert [(x["step"], x["seal"], x["paper"]) for x in d["seal_paper"]] == [
        ("paper_entry", False, True), ("stamp", True, True), ("send", False, True)]


def test_inclusive_split_and_join(tmp_path: Path) -> None:
    """Inclusive: each branch by its own share (0.5 and 0.4, not normalised); the join fires once
    per activation of its split, so the step after it is visited once."""
    f = tmp_path / "incl.yaml"
    f.write_text(
        "process: incl\nname: 包含\ncity: x\nvolume: 60\nsteps:\n"
        "  - {id: a, name: 受付, minutes: 1}\n"
        "  - id: g\n    gateway: inclusive\n    branches:\n"
        "      - {to: b, when: 条件1, share: 0.5}\n      - {to: c, when: 条件2, share: 0.4}\n"
        "  - {id: b, name: 処理1, minutes: 10, next: j}\n"
        "  - {id: c, name: 処理2, minutes: 10, next: j}\n"
        "  - {id: j, gateway: inclusive, join: true}\n"
        "  - {id: d, name: 通知, minutes: 2, end: true}\n",
        encoding="utf-8",
    )
    v = expected_visits(load_process_strict(f))
    assert v["b"] == pytest.approx(0.5)
    assert v["c"] == pytest.approx(0.4)
    assert v["j"] == pytest.approx(1.0)
    assert v["d"] == pytest.approx(1.0)
    assert score_process(load_process_strict(f)).minutes_per_case == pytest.approx(1 + 5 + 4 + 2)


def test_never_ending_loop_is_a_positioned_error(tmp_path: Path) -> None:
    f = tmp_path / "forever.yaml"
    f.write_text(
        "process: forever\nname: 無限\ncity: x\nvolume: 10\nsteps:\n"
        "  - {id: a, name: 入力, minutes: 1}\n"
        "  - id: g\n    gateway: exclusive\n    branches:\n"
        "      - {to: a, when: やり直し, share: 1.0}\n      - {to: b, when: 完了, share: 0.0}\n"
        "  - {id: b, name: 終了, minutes: 1, end: true}\n",
        encoding="utf-8",
    )
    r = run(str(f))
    assert r.exit_code == 1
    # validation (which score runs first) finds it at the branch out, whose share is 0
    assert (f"{f}:11:9: error TF112 the branch shares make a loop that never ends at `g`: its way out, "
            "the branch to `b`, has share 0: give it a share > 0") in r.output
    assert "Traceback" not in r.output
    assert CliRunner().invoke(app, ["validate", str(f)]).exit_code == 1
    # the score's own check stays for models that were not validated (an imported BPMN's shares)
    with pytest.raises(TamaflowError, match="loop that never ends at `g`"):
        expected_visits(load_process_strict(f))


def _nested_reworks(folder: Path, city: str, checks: int) -> Path:
    """`checks` checks in a row, each sending 99 % of the cases back to the first step."""
    steps = []
    for i in range(checks):
        after = f"t{i + 1}" if i < checks - 1 else "end"
        steps.append(f"  - {{id: t{i}, name: 作業{i}, minutes: 1}}\n"
                     f"  - id: g{i}\n    name: 判定{i}\n    gateway: exclusive\n    branches:\n"
                     f"      - {{to: {after}, when: 可, share: 0.01}}\n      - {{to: t0, when: 否, share: 0.99}}\n")
    f = folder / f"{city}.yaml"
    f.write_text(f"process: lp\nname: ループ\ncity: {city}\nvolume: 10\nsteps:\n{''.join(steps)}"
                 "  - {id: end, name: 終了, end: true}\n", encoding="utf-8")
    return f


def test_a_loop_that_almost_never_ends_says_how_often_a_step_would_be_done(tmp_path: Path) -> None:
    # four checks that each send 99 % back: 100^4 visits per case, finite but beyond any office;
    # the shares do not add up to 1, so the message must not say they do, in score or impact
    folder = tmp_path / "lp"
    folder.mkdir()
    f = _nested_reworks(folder, "hino", 4)
    _nested_reworks(folder, "tama", 4)
    r = run(str(f))
    assert r.exit_code == 1
    assert (f"{f}:11:7: error TF302 the branch shares make a loop that almost never ends at `g0`: a step would be done "
            "1e+08 times per case on average (more than 1,000,000)") in r.output
    assert "add up to 1" not in r.output
    r = CliRunner().invoke(app, ["impact", str(folder)])
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert f"{f}:11:7: error TF302 the branch shares make a loop that almost never ends at `g0`" in r.output
    assert "`?`" not in r.output


# ----- properties --------------------------------------------------------------------------------

step_attrs = st.fixed_dictionaries({
    "kind": st.sampled_from(TASK_KINDS),
    "minutes": st.one_of(st.none(), st.floats(0, 120, allow_nan=False)),
    "medium": st.one_of(st.none(), st.sampled_from(MEDIA)),
    "rule_based": st.sampled_from([None, True, False]),
    "structured": st.sampled_from([None, True, False]),
    "systems": st.lists(st.sampled_from(["A", "B", "C", "D", "E", "F", "G"]), max_size=7, unique=True),
    "access": st.one_of(st.none(), st.sampled_from(ACCESS_TYPES)),
    "seal": st.booleans(),
    "exceptions": st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
    "system_change": st.booleans(),
})


def make_step(attrs: dict[str, Any]) -> Step:
    return Step(id="s", name="手順", **attrs)


def potential(attrs: dict[str, Any], cfg: Any = None, **change: Any) -> float:
    return score_step(make_step({**attrs, **change}), cfg).potential


@settings(max_examples=200, deadline=None)
@given(step_attrs)
def test_paper_to_system_never_lowers_potential(attrs: dict[str, Any]) -> None:
    assert potential(attrs, medium="system") >= potential(attrs, medium="paper")


@settings(max_examples=200, deadline=None)
@given(step_attrs)
def test_seal_or_judgement_never_raises_potential(attrs: dict[str, Any]) -> None:
    assert potential(attrs, seal=True) <= potential(attrs, seal=False)
    for before in (True, None):
        assert potential(attrs, rule_based=False) <= potential(attrs, rule_based=before)


@settings(max_examples=200, deadline=None)
@given(step_attrs)
def test_step_scores_stay_in_range(attrs: dict[str, Any]) -> None:
    s = score_step(make_step(attrs))
    assert 0.0 <= s.potential <= 1.0
    assert 0.0 <= s.ease <= 100.0
    assert s.reasons and all(isinstance(r, str) and r for r in s.reasons)


def test_paper_to_system_never_lowers_process_potential() -> None:
    base = load_process_strict(LOOP)
    before = score_process(base).potential
    changed = copy.deepcopy(base)
    changed.step("enter").medium = "system"
    assert score_process(changed).potential > before


@pytest.mark.parametrize("path", [LOOP, BRANCH])
def test_doubling_volume_doubles_hours(path: Path) -> None:
    p = load_process_strict(path)
    one = score_process(p)
    p2 = copy.deepcopy(p)
    assert p2.volume is not None
    p2.volume = p2.volume * 2
    two = score_process(p2)
    assert one.hours_per_year is not None and two.hours_per_year is not None
    assert two.hours_per_year == pytest.approx(2 * one.hours_per_year)
    assert two.automatable_hours_per_year == pytest.approx(2 * (one.automatable_hours_per_year or 0))
    assert two.potential == pytest.approx(one.potential)
    for a, b in zip(one.steps, two.steps, strict=True):
        assert (b.hours_per_year or 0) == pytest.approx(2 * (a.hours_per_year or 0))


#: config key set to its neutral value → the attribute no longer changes the result
WEIGHT_ZERO_CASES = [
    ("suitability.weights.structured", 0.0, "structured", [True, False, None], "potential"),
    ("suitability.weights.digital", 0.0, "medium", ["paper", "pdf", "email", "web-form", "system", None], "potential"),
    ("suitability.weights.rules", 0.0, "rule_based", [True, None], "potential"),
    ("exceptions.weight", 0.0, "exceptions", [0.0, 0.3, 1.0, None], "potential"),
    ("gates.seal", 1.0, "seal", [True, False], "potential"),
    ("gates.judgement", 1.0, "rule_based", [True, False], "gate"),
    ("ease.ocr", 0.0, "medium", ["paper", "pdf"], "ease"),
    ("ease.data.unstructured", 0.0, "structured", [True, False], "ease"),
]


@pytest.mark.parametrize(("key", "neutral", "field", "values", "what"), WEIGHT_ZERO_CASES)
@settings(max_examples=60, deadline=None)
@given(attrs=step_attrs)
def test_weight_zero_removes_its_factor(key: str, neutral: float, field: str, values: list[Any], what: str,
                                        attrs: dict[str, Any]) -> None:
    cfg = config_from_values({key: neutral})
    results = {getattr(score_step(make_step({**attrs, field: v}), cfg), what) for v in values}
    assert len({round(r, 9) for r in results}) == 1, (key, results)
    # and with the default the factor does matter somewhere (the case is not vacuous)
    default = {getattr(score_step(make_step({**FULL, field: v})), what) for v in values}
    assert len(default) > 1


FULL = {"kind": "user", "minutes": 5.0, "medium": "paper", "rule_based": True, "structured": True, "systems": [],
        "access": None, "seal": False, "exceptions": 0.1, "system_change": False}


def test_config_file_weight_zero_through_cli(tmp_path: Path) -> None:
    """weights-zero.yaml: structure no longer counts and seals no longer gate."""
    d = score_json(str(BRANCH), "--config", str(FIXTURES / "weights-zero.yaml"))
    s = by_id(d["processes"][0])
    # paper_entry: (rule 1 + paper 0) / 2 = 0.5 ; stamp: seal gate off → (1 + 0) / 2 = 0.5
    assert s["paper_entry"]["potential"] == 0.5
    assert s["stamp"]["potential"] == 0.5
    assert d["model"]["config"] == str(FIXTURES / "weights-zero.yaml")


# ----- config ------------------------------------------------------------------------------------------

def test_every_param_has_a_known_source_and_doc() -> None:
    tags = {"UiPath-IdeaScore", "UiPath-Feasibility", "Estimator-EoI", "Wellmann-FailureRate", "Municipal-RPA", "design"}
    for p in PARAMS:
        assert p.source in tags, p.key
        assert p.doc, p.key


def test_docs_list_every_param_with_its_source() -> None:
    """docs/score.md has a row for every parameter, with the same source tag as the code."""
    doc = (ROOT / "docs" / "score.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`"): line for line in doc.splitlines() if line.startswith("| `")}
    for p in PARAMS:
        assert p.key in rows, p.key
        assert f"`[{p.source}]`" in rows[p.key], p.key


def test_print_config_round_trips(tmp_path: Path) -> None:
    r = run("--print-config")
    assert r.exit_code == 0
    assert r.stdout == config_yaml()
    for p in PARAMS:
        assert f"[{p.source}]" in r.stdout
    f = tmp_path / "score.yaml"
    f.write_text(r.stdout, encoding="utf-8")
    assert replace(load_score_config(str(f)), path=None) == default_config()
    assert score_json(str(LOOP), "--config", str(f))["processes"] == score_json(str(LOOP))["processes"]


def test_print_config_to_a_file_refuses_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "score.yaml"
    assert run("--print-config", "-o", str(out)).exit_code == 0
    r = run("--print-config", "-o", str(out))
    assert r.exit_code == 2 and "exists" in r.output
    assert run("--print-config", "-o", str(out), "--force").exit_code == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("gates:\n  seel: 0.5\n", ":2:3: unknown key `seel` under `gates` (did you mean `seal`?)"),
    ("realisaton: 0.9\n", ":1:1: unknown key `realisaton` (did you mean `realisation`?)"),
    ("gates:\n  seal: 2\n", ":2:9: `gates.seal` must be a number between 0 and 1 (got 2)"),
    ("ease:\n  ocr: lots\n", ":2:8: `ease.ocr` must be a number between -100 and 100, not 'lots'"),
    ("ease:\n  systems: {two: -10}\n", ":2:13: `ease.systems`: keys are numbers of systems"),
    ("quadrant: 0.5\n", ":1:11: `quadrant` must be a mapping of potential, ease"),
    ("lanes:\n  resident:\n    ids: resident\n", ":3:10: `lanes.resident.ids` must be a list of text"),
    ("suitability:\n  weights:\n    rules: -1\n", ":3:12: `suitability.weights.rules` must be a number ≥ 0"),
])
def test_bad_config_is_a_positioned_usage_error(tmp_path: Path, text: str, expected: str) -> None:
    f = tmp_path / "score.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ScoreConfigError):
        load_score_config(str(f))
    r = run(str(LOOP), "--config", str(f))
    assert r.exit_code == 2
    # the line a finding prints: position, severity, code (a usage error, TF000), then the message
    at, message = expected.split(": ", 1)
    assert f"{f}{at}: error TF000 {message}" in r.output
    assert "Traceback" not in r.output


def test_bad_config_reports_every_problem_at_once(tmp_path: Path) -> None:
    f = tmp_path / "score.yaml"
    f.write_text("gates:\n  seel: 0.5\n  judgement: 3\nrealisaton: 1\n", encoding="utf-8")
    r = run(str(LOOP), "--config", str(f))
    assert r.exit_code == 2
    lines = [x for x in r.output.splitlines() if x.startswith(str(f))]
    assert len(lines) == 3


def test_yaml_boolean_keys_are_not_a_trap(tmp_path: Path) -> None:
    """`true:` is a boolean key in YAML; it must still be reported as the unknown key it is."""
    f = tmp_path / "score.yaml"
    f.write_text("suitability:\n  rules:\n    true: 0.9\n", encoding="utf-8")
    r = run(str(LOOP), "--config", str(f))
    assert r.exit_code == 2 and "unknown key `true`" in r.output


def test_empty_config_means_defaults(tmp_path: Path) -> None:
    f = tmp_path / "score.yaml"
    f.write_text("# nothing changed\n", encoding="utf-8")
    assert replace(load_score_config(str(f)), path=None) == default_config()


def test_resident_and_system_lanes_are_configurable() -> None:
    cfg = default_config()
    assert cfg.is_resident_lane("resident", "転入者")
    assert cfg.is_resident_lane("x", "申請者・家族")
    assert cfg.is_resident_lane("x", "請求者 (保護者)")
    assert not cfg.is_resident_lane("counter", "市民課 窓口")  # 市民課 is staff, not 市民
    assert cfg.is_system_lane("sys", "住民記録システム")
    assert not cfg.is_system_lane("jlis", "J-LIS (地方公共団体情報システム機構)")


# ----- CLI --------------------------------------------------------------------------------------------

def _check_contract(d: dict[str, Any]) -> None:
    assert d["processes"]
    for p in d["processes"]:
        for key in ("process", "city", "hours_per_year", "automatable_hours_per_year", "potential", "quadrant",
                    "blockers", "steps"):
            assert key in p
        assert 0.0 <= p["potential"] <= 1.0
        assert p["quadrant"] in ("quick win", "strategic", "fill-in", "reconsider")
        for b in ("seal", "paper", "in_person"):
            assert p["blockers"][b]["count"] == len(p["blockers"][b]["steps"])
        for s in p["steps"]:
            assert 0.0 <= s["potential"] <= 1.0
            assert 0.0 <= s["ease"] <= 100.0
            assert s["reasons"] and all(isinstance(r, str) for r in s["reasons"])
        if p["automatable_hours_per_year"] is not None:
            total = sum(s["automatable_hours_per_year"] or 0 for s in p["steps"])
            assert total == pytest.approx(p["automatable_hours_per_year"], abs=0.05 * len(p["steps"]) + 0.05)


def test_cli_json_on_fixtures_is_deterministic() -> None:
    a = run(str(FIX), "--format", "json")
    b = run(str(LOOP), str(BRANCH), "--format", "json")
    assert a.exit_code == 0, a.output
    assert a.stdout == b.stdout
    d = json.loads(a.stdout)
    _check_contract(d)
    assert [p["process"] for p in d["processes"]] == ["branch-case", "loop-case"]
    assert [r["process"] for r in d["ranking"]] == ["loop-case", "branch-case"]  # 114.4 h > 25.8 h
    assert d["top_steps"][0]["step"] == "enter"  # 79.2 h a year
    assert d["summary"]["automatable_hours_per_year"] == 140.2  # 114.4 + 25.8


def test_cli_top_limits_the_top_steps() -> None:
    d = score_json(str(FIX), "--top", "2")
    assert [t["step"] for t in d["top_steps"]] == ["enter", "notify"]
    assert run(str(FIX), "--top", "0").exit_code == 2


def test_cli_best_variant_per_procedure(tmp_path: Path) -> None:
    """Two cities' variants of one procedure: the one with fewer staff minutes per case wins;
    the other's hours saved by adopting it = volume × (difference in minutes) / 60."""
    lib = tmp_path / "lib"
    (lib / "loop-case").mkdir(parents=True)
    text = LOOP.read_text(encoding="utf-8")
    (lib / "loop-case" / "aaa.yaml").write_text(text.replace("city: testcity", "city: aaa"), encoding="utf-8")
    slower = text.replace("city: testcity", "city: bbb").replace("minutes: 4\n", "minutes: 8\n")
    (lib / "loop-case" / "bbb.yaml").write_text(slower, encoding="utf-8")
    d = score_json(str(lib))
    (b,) = d["best_variant"]
    assert b["city"] == "aaa" and b["minutes_per_case"] == 14.5
    bbb = [v for v in b["variants"] if v["city"] == "bbb"][0]
    assert bbb["minutes_per_case"] == 19.5  # 14.5 + 4 × 1.25
    assert bbb["hours_saved_if_adopted"] == 100.0  # 1200 × 5 / 60
    assert b["hours_saved_if_all_adopt"] == 100.0


def test_cli_csv_rows_sum_to_the_process_totals() -> None:
    r = run(str(FIX), "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 6 + 4  # tasks of branch.yaml and loop.yaml
    loop = [x for x in rows if x["process"] == "loop-case"]
    assert sum(float(x["automatable_hours_per_year"]) for x in loop) == pytest.approx(114.4)
    assert sum(float(x["hours_per_year"]) for x in loop) == pytest.approx(290.0)
    enter = [x for x in loop if x["step"] == "enter"][0]
    assert enter["potential"] == "0.6" and enter["blockers"] == "paper"
    assert "例外率 10%" in enter["reasons"]


def test_cli_csv_file_has_a_bom_for_excel(tmp_path: Path) -> None:
    out = tmp_path / "score.csv"
    r = run(str(FIX), "--format", "csv", "-o", str(out))
    assert r.exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8") == run(str(FIX), "--format", "csv").stdout
    assert run(str(FIX), "--format", "csv", "-o", str(out)).exit_code == 2  # no overwrite without --force


def test_cli_markdown() -> None:
    r = run(str(FIX), "--format", "markdown", "--top", "3")
    assert r.exit_code == 0
    md = r.stdout
    assert md.startswith("# RPA 化の可能性 (tamaflow score)")
    assert "## 自動化可能時間の順位 (手続 × 市)" in md
    assert "## 押印・紙が残る手順" in md
    assert "| 分岐のある申請 | testcity | 公印を押す (stamp) | 審査担当 | ○ | ○ | 10 |" in md
    assert "## 自動化可能時間の多い手順 (上位 3)" in md
    assert "押印が必要 → 自動化不可 (gate ×0) [design]" in md
    assert md == run(str(FIX), "--format", "markdown", "--top", "3").stdout


def test_cli_table_for_one_process_explains_every_step() -> None:
    r = run(str(LOOP))
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "差戻しのある申請 — testcity: 職員 14.5 分/件、290 時間/年、自動化可能 114 時間/年" in out
    assert "手順ごとの理由" in out
    assert "判断業務 (rule_based: false) → 自動化不可 (gate ×0) [UiPath-IdeaScore]" in out  # not eaten as markup
    assert all(line == line.rstrip() for line in out.splitlines())


def test_cli_table_for_several_processes() -> None:
    r = run(str(FIX))
    assert r.exit_code == 0
    for title in ("自動化可能時間の順位 (手続 × 市)", "手続ごとに職員時間が最も少ない市", "自動化可能時間の多い手順 (上位 10)",
                  "押印・紙が残る手順"):
        assert title in r.stdout


def test_cli_invalid_file_gives_the_validator_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("process: bad\nname: 悪い\ncity: x\nsteps:\n  - id: a\n    name: 入力\n    minuts: 3\n",
                   encoding="utf-8")
    r = run(str(bad))
    assert r.exit_code == 1
    assert f"{bad}:7:5: error TF010 unknown field `minuts` in step `a` (did you mean `minutes`?)" in r.output
    assert "Traceback" not in r.output


def test_cli_usage_errors() -> None:
    assert run().exit_code == 2
    r = run("no/such/folder")
    assert r.exit_code == 2 and "no such file or folder" in r.output
    assert run(str(LOOP), "--format", "xml").exit_code == 2


def test_missing_volume_and_minutes_are_said(tmp_path: Path) -> None:
    f = tmp_path / "novol.yaml"
    f.write_text(
        "process: novol\nname: 件数なし\ncity: x\nlanes: {back: 担当}\nsteps:\n"
        "  - {id: a, name: 入力, lane: back, minutes: 2, medium: system, rule_based: true, structured: true}\n"
        "  - {id: b, name: 確認, lane: back}\n",
        encoding="utf-8",
    )
    d = score_json(str(f))
    p = d["processes"][0]
    assert p["hours_per_year"] is None and p["automatable_hours_per_year"] is None
    assert p["potential"] == 1.0
    assert any("volume" in n for n in p["notes"])
    assert any("未記入の職員の手順 (0 分として計算): b" in n for n in p["notes"])
    assert d["ranking"][0]["automatable_hours_per_year"] is None


# ----- the real library --------------------------------------------------------------------------------

@pytest.mark.skipif(not HAS_LIB, reason="processes/ holds no process files yet")
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_cli_on_the_library(fmt: str) -> None:
    r = run(str(LIB), "--format", fmt)
    assert r.exit_code == 0, r.output
    assert r.stdout
    if fmt == "json":
        d = json.loads(r.stdout)
        _check_contract(d)
        files = [p for p in LIB.glob("*/*.yaml")]
        assert len(d["processes"]) == len(files)
        assert d["top_steps"] and d["best_variant"]
        ranks = [x["automatable_hours_per_year"] or 0 for x in d["ranking"]]
        assert ranks == sorted(ranks, reverse=True)
        # every procedure with timed variants gets a best variant
        assert {b["process"] for b in d["best_variant"]} == {p["process"] for p in d["processes"]
                                                             if p["minutes_per_case"] > 0}
        assert r.stdout == run(str(LIB), "--format", "json").stdout  # byte-identical
    if fmt == "table":
        assert "自動化可能時間の多い手順 (上位 10)" in r.stdout


@pytest.mark.skipif(not HAS_LIB, reason="processes/ holds no process files yet")
def test_library_city_names_in_tables() -> None:
    """Tables show the Japanese city names from cities.yaml; JSON keeps the slugs (the contract)."""
    cities, _ = read_cities(str(LIB / "cities.yaml"))
    r = run(str(LIB), "--format", "markdown", "--top", "3")
    assert r.exit_code == 0
    d = score_json(str(LIB))
    some = d["processes"][0]
    assert some["city"] in cities and some["city_name"] == cities[some["city"]].name
    assert f"| {cities[some['city']].name} |" in r.stdout


def test_process_api_matches_cli() -> None:
    p: Process = load_process_strict(LOOP)
    sc = score_process(p)
    assert sc.automatable_hours_per_year == pytest.approx(114.4)
    assert sc.hours_per_year == pytest.approx(290.0)


def test_seal_list_separates_stated_from_estimated_seals() -> None:
    """町田's 押印決裁 is sourced; 東大和's seal is an estimate its file lists under `assumed:`."""
    out = CliRunner().invoke(app, ["score", str(LIB / "shishutsu"), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)["seal_paper"]
    seals = {(r["city"], r["step"]): r["seal_assumed"] for r in rows if r["seal"]}
    assert any(city == "machida" and not assumed for (city, _), assumed in seals.items())
    assert any(city == "higashiyamato" and assumed for (city, _), assumed in seals.items())
    for r in rows:
        step = load_process_strict(LIB / r["process"] / f"{r['city']}.yaml").step(r["step"])
        assert r["seal_assumed"] == ("seal" in step.assumed)
