"""Branch shares through `tamaflow validate` on real files: an exclusive gateway's shares must add
up to 1 (± 0.01) (TF106, an error), a gateway with some shares missing is an error (TF110) unless
exactly one is missing on an exclusive gateway (then it is implied: a TF111 note), and an
inclusive gateway's shares may add up to more than 1. The fixtures under tests/invalid/ cover
the error lines; here the tolerance, the note and the data of the library."""

from __future__ import annotations

from pathlib import Path

import pytest
from clihelp import invoke
from clihelp import validate_json as findings

from tamaflow.io.yaml_loader import load_process_strict
from tamaflow.score.visits import expected_visits

ROOT = Path(__file__).resolve().parents[1]
BRANCH = ROOT / "tests" / "fixtures" / "score" / "processes" / "branch.yaml"
FIRST_BRANCH = 10


def gateway_file(tmp_path: Path, shares: list[float | None], gateway: str = "exclusive") -> Path:
    """A process whose one gateway splits into len(shares) branches with these shares (None: no
    `share:`); the branches start on line 10 (`FIRST_BRANCH`)."""
    targets = [f"t{i}" for i in range(len(shares))]
    lines = ["process: shares", "name: 分岐", "city: x", "volume: 100", "steps:",
             "  - {id: a, name: 受付, minutes: 1}",
             f"  - id: g\n    gateway: {gateway}\n    branches:"]
    for i, (t, s) in enumerate(zip(targets, shares, strict=True)):
        share = f", share: {s}" if s is not None else ""
        default = ", default: true" if i == 0 else ""
        lines.append(f"      - {{to: {t}, when: 条件{i}{share}{default}}}")
    lines += [f"  - {{id: {t}, name: 処理{i}, minutes: 2, end: true}}" for i, t in enumerate(targets)]
    f = tmp_path / "shares.yaml"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


@pytest.mark.parametrize(("shares", "code"), [
    ([0.33, 0.33, 0.33], None),  # 0.99: three thirds written with two decimals
    ([0.6, 0.395], None),  # 0.995
    ([0.505, 0.505], None),  # 1.01
    ([0.5, 0.5, 0.02], "TF106"),  # 1.02
    ([0.7, 0.2], "TF106"),  # 0.90
    ([0.6, 0.7], "TF106"),  # 1.30: the example
    ([0.0, 1.0], None),
    ([None, None, None], None),  # no shares at all: split evenly, nothing stated to contradict
    ([0.6, None, None], "TF110"),
])
def test_exclusive_shares_add_up_to_one_within_a_hundredth(tmp_path: Path, shares: list[float | None],
                                                           code: str | None) -> None:
    f = gateway_file(tmp_path, shares)
    status, fs = findings(str(f))
    errors = [(x["code"], x["line"]) for x in fs if x["severity"] == "error"]
    if code is None:
        assert (status, errors) == (0, []), fs
    else:
        # TF106 points at the gateway's branches, TF110 at the first branch without a share
        line = FIRST_BRANCH + (0 if code == "TF106" else shares.index(None))
        assert (status, errors) == (1, [(code, line)]), fs


def test_an_inclusive_gateway_may_exceed_one_but_not_leave_a_share_out(tmp_path: Path) -> None:
    status, fs = findings(str(gateway_file(tmp_path, [0.6, 0.7], "inclusive")))
    assert (status, [x for x in fs if x["severity"] == "error"]) == (0, [])
    status, fs = findings(str(gateway_file(tmp_path, [0.6, None], "inclusive")))
    assert status == 1
    assert [(x["code"], x["line"]) for x in fs if x["severity"] == "error"] == [("TF110", FIRST_BRANCH + 1)]
    assert "none is implied" in str(fs[0]["message"])


def test_one_missing_share_is_implied_and_said_as_a_note() -> None:
    """Exactly one missing share on an exclusive gateway: not an error, even with --strict; the
    note names the implied figure, and it is the one the score uses."""
    code, out, err = invoke("validate", "--strict", str(BRANCH))
    assert code == 0, out + err
    assert out.splitlines() == [
        f"{BRANCH}:26:9: info TF111 the branch to `online_import` of `route` (申請方法) has no `share`: "
        "implied 0.30 (1 minus the other branches' 0.70) [branch-share-implied]"]
    assert "1 file(s): 0 error(s), 0 warning(s), 1 note(s)" in err
    visits = expected_visits(load_process_strict(BRANCH))
    assert visits["online_import"] == pytest.approx(0.3)


def test_one_missing_share_with_no_room_left_is_an_error(tmp_path: Path) -> None:
    status, fs = findings(str(gateway_file(tmp_path, [0.8, 0.4, None])))
    assert status == 1
    assert [(x["code"], x["line"]) for x in fs if x["severity"] != "warning"] == [("TF106", FIRST_BRANCH)]
    assert "already add up to 1.20, leaving nothing for the branch to `t2`" in str(fs[0]["message"])


def rework_file(tmp_path: Path, back: str, out: str) -> Path:
    """入力 → 点検 (a check that sends cases back to 入力 or on to 決裁), with these branch fields."""
    f = tmp_path / "rework.yaml"
    f.write_text("process: rework\nname: 差戻し\ncity: x\nvolume: 100\nsteps:\n"
                 "  - {id: a, name: 入力, minutes: 1}\n"
                 "  - id: g\n    name: 点検\n    gateway: exclusive\n    branches:\n"
                 f"      - {{to: a, when: 差戻し{back}}}\n      - {{to: b, when: 可{out}}}\n"
                 "  - {id: b, name: 決裁, minutes: 1, end: true}\n", encoding="utf-8")
    return f


@pytest.mark.parametrize(("back", "out", "said"), [
    (", share: 1.0", ", share: 0.0", "has share 0"),
    (", share: 1.0", "", "has an implied share of 0"),
])
def test_a_loop_whose_way_out_no_case_takes_is_an_error_at_that_branch(tmp_path: Path, back: str, out: str,
                                                                       said: str) -> None:
    # the flow can end, but the shares send every case back for ever: the score would refuse it
    # (TF302), so validate, where the file is reviewed, says so at the branch out
    status, fs = findings(str(rework_file(tmp_path, back, out)))
    assert status == 1
    hit = next(x for x in fs if x["code"] == "TF112")
    assert hit["line"] == 12 and f"loop that never ends at `g` (点検): its way out, the branch to `b`, {said}" \
        in str(hit["message"])


def test_a_branch_no_case_takes_outside_a_loop_is_no_loop_error(tmp_path: Path) -> None:
    status, fs = findings(str(rework_file(tmp_path, ", share: 0.9", ", share: 0.1")))
    assert "TF112" not in {x["code"] for x in fs}
    status, fs = findings(str(gateway_file(tmp_path, [0.0, 1.0])))  # a share of 0 that loops nowhere
    assert "TF112" not in {x["code"] for x in fs}


def test_rules_lists_the_share_codes() -> None:
    code, out, _ = invoke("rules")
    assert code == 0
    lines = out.splitlines()
    for start in ("TF106 branch-shares (error): ", "TF110 branch-shares-missing (error): ",
                  "TF111 branch-share-implied (info): "):
        assert any(line.startswith(start) for line in lines), start


def test_library_and_fixtures_state_consistent_shares() -> None:
    """Every gateway of the shipped library and of the test fixtures has a share set that adds
    up (the check found no data bug in processes/ when it became an error; keep it so)."""
    for folder in (ROOT / "processes", ROOT / "tests" / "fixtures"):
        _code, fs = findings(str(folder))
        assert [x for x in fs if x["code"] in ("TF106", "TF110")] == [], folder
