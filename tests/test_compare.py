"""`tamaflow compare`: label similarity, alignment on hand-made cases (synonyms, split steps,
reordering), the properties of each similarity measure, the standard flow (validates, renders),
deviations, every output format on real files, and the PMMC matching benchmark when the shared
reference data is present."""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.compare import compare_processes, correspondences
from tamaflow.compare.align import Matcher
from tamaflow.compare.labels import Vocabulary, label_key
from tamaflow.compare.labelspace import label_similarity
from tamaflow.compare.similarity import MEASURES, behavioural, node_matching, structural
from tamaflow.compare.variant import build_view
from tamaflow.io.yaml_loader import load_process_strict

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "compare" / "shinsei"
PROCESSES = ROOT / "processes"
SHARED = ROOT.parent / "shared"
PMMC = SHARED / "data" / "pmmc2015-ua"

runner = CliRunner()


def fixture(city: str):
    return load_process_strict(FIX / f"{city}.yaml")


def shinsei():
    return [fixture(c) for c in ("akishima", "fussa", "hamura", "kiyose")]


def group_of(comp, variant: str, step: str) -> dict:
    for g in comp.to_dict()["alignment"]:
        ids = g.get(variant)
        if ids == step or (isinstance(ids, list) and step in ids):
            return g
    raise AssertionError(f"{variant}:{step} is in no group")


# ------------------------------------------------------------------------------------ labels


@pytest.mark.parametrize(("a", "b"), [
    ("転入届を受理する", "転入届の受付"),  # built-in synonym 受理 → 受付, particles, endings
    ("転入届を受け付ける", "転入届の受付"),  # okurigana
    ("住民票の写しを交付する", "住民票写しの交付"),
    ("本人確認を行う", "本人確認"),
    ("ｶｰﾄﾞを確認する", "カードを確認"),  # half-width katakana (NFKC)
    ("決裁 (課長)", "決裁"),  # a note in parentheses
    ("Check application", "Checking applications"),  # stemming
])
def test_labels_that_mean_the_same_score_1(a: str, b: str) -> None:
    assert label_similarity(a, b) == pytest.approx(1.0)


@pytest.mark.parametrize(("a", "b"), [
    ("手数料を収納する", "証明書を交付する"),
    ("Send acceptance", "Receive acceptance"),  # the two sides of an exchange
    ("Send acceptance", "Send rejection"),
])
def test_different_activities_score_low(a: str, b: str) -> None:
    assert label_similarity(a, b) < 0.5


def test_catalogue_synonyms_map_to_the_canonical_activity() -> None:
    vocab = Vocabulary({"GEN-010": ["受付", "届出の受理", "申込受付"]})
    assert label_similarity("届出の受理", "申込受付", vocab) == pytest.approx(1.0)
    assert label_similarity("届出の受理", "申込受付", Vocabulary(builtin=False)) < 1.0
    assert label_key("受付登録") != label_key("受付")


def test_similarity_is_symmetric_and_bounded() -> None:
    labels = ["申請書を受け付ける", "受付・本人確認", "内容を審査する", "Send letter of rejection", "審査", ""]
    for a in labels:
        for b in labels:
            s = label_similarity(a, b)
            assert 0.0 <= s <= 1.0
            assert s == pytest.approx(label_similarity(b, a))


# --------------------------------------------------------------------------------- alignment


def test_alignment_synonyms_and_endings() -> None:
    comp = compare_processes(shinsei())
    g = group_of(comp, "akishima", "receive")
    assert g["fussa"] == "accept"  # 申請書を受理する ~ 申請書を受け付ける
    assert group_of(comp, "akishima", "review")["fussa"] == "check"  # 審査する ~ 内容を審査する
    assert group_of(comp, "akishima", "approve")["fussa"] == "decide"  # 決裁 (課長) ~ 決裁
    assert group_of(comp, "akishima", "notify")["fussa"] == "send"  # 郵送 ~ 送付


def test_alignment_survives_reordering() -> None:
    comp = compare_processes(shinsei())
    assert group_of(comp, "akishima", "receive")["kiyose"] == "receive"
    assert group_of(comp, "akishima", "check_id")["kiyose"] == "check_id"
    kinds = {(d.kind, tuple(d.steps)) for d in comp.deviations["kiyose"]}
    assert any(k == "order" for k, _ in kinds)


def test_split_step_is_a_one_to_many_correspondence() -> None:
    # hamura does 受付 and 本人確認 in one step 受付・本人確認
    comp = compare_processes([fixture("akishima"), fixture("hamura")])
    pairs = correspondences(comp, "akishima", "hamura")
    assert ("receive", "intake") in pairs
    assert ("check_id", "intake") in pairs


def test_standard_codes_decide_before_labels() -> None:
    a, b = fixture("akishima"), copy.deepcopy(fixture("fussa"))
    b.city = "fussa2"
    for s in a.steps:
        if s.id == "notify":
            s.standard = "GEN-080"
        if s.id == "review":
            s.standard = "GEN-030"
    for s in b.steps:
        if s.id == "send":
            s.name = "まったく別の名前"
            s.standard = "GEN-080"  # same code as akishima's notify despite the label
        if s.id == "check":
            s.standard = "GEN-050"  # a different code: never the same activity, whatever the label
    comp = compare_processes([a, b])
    pairs = correspondences(comp, "akishima", "fussa2")
    assert ("notify", "send") in pairs
    assert ("review", "check") not in pairs


def test_a_code_a_flow_cites_twice_does_not_tie_a_step_to_both(tmp_path: Path) -> None:
    # akishima and mitaka check twice, both checks coded 審査 (GEN-030): the application, then
    # the attachments. hamura checks the application only. The shared code says hamura's check
    # is 審査, not that it also does the attachment check: the labels decide, and they say no
    def write(city: str, steps: list[tuple[str, str | None]]) -> None:
        lines = ["process: shinsei", "name: 補助金申請", f"city: {city}", "steps:"]
        for i, (name, code) in enumerate(steps):
            lines += [f"  - id: s{i}", f"    name: {name}", *([f"    standard: {code}"] if code else [])]
        (tmp_path / f"{city}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    twice = [("申請書の受付", "GEN-010"), ("申請内容の審査", "GEN-030"), ("添付書類の確認", "GEN-030"),
             ("決裁", "GEN-060"), ("交付決定通知書を送付する", None)]
    write("akishima", [("申請書を受け付ける", "GEN-010"), ("書類審査", "GEN-030"), *twice[2:]])
    write("mitaka", twice)
    write("fussa", [twice[0], ("申請内容を確認する", "GEN-030"), *twice[3:]])
    write("hamura", [twice[0], ("申請内容の点検", "GEN-030"), ("課長決裁", "GEN-060"), twice[4]])
    result = runner.invoke(app, ["compare", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    alignment = json.loads(result.output)["alignment"]
    attachments = next(g for g in alignment if g.get("akishima") == "s2")
    assert attachments == {"akishima": "s2", "mitaka": "s2"}  # hamura's 点検 is not merged in
    checks = next(g for g in alignment if g.get("akishima") == "s1")
    assert checks == {"akishima": "s1", "fussa": "s1", "hamura": "s1", "mitaka": "s1"}


def _write_flows(folder: Path, flows: dict[str, list[str]]) -> None:
    """One file per city: a straight flow of the given step names (ids s0, s1, …)."""
    for city, steps in flows.items():
        lines = ["process: shinsei", "name: 補助金申請", f"city: {city}", "steps:"]
        for i, name in enumerate(steps):
            lines += [f"  - id: s{i}", f"    name: \"{name}\""]
        (folder / f"{city}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _compare_json(folder: Path) -> dict:
    """`tamaflow compare FOLDER --format json`, read back."""
    result = runner.invoke(app, ["compare", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(("receipts", "named"), [
    # four wordings of the receipt, the first city's (in alphabetical order) its own shorthand: the
    # standard is named by a wording the others read best, not by whichever city sorts first
    (["申請 受 (窓口)", "申請書の受付", "申請書類の受付", "申請の受付"], {"申請書の受付", "申請書類の受付", "申請の受付"}),
    # two cities share 受付登録, the other two word it nearer each other: most cities' wording
    # wins, closeness only settles a tie
    (["申請書の受付", "受付登録", "受付登録", "申請の受付"], {"受付登録"}),
])
def test_a_standard_step_is_named_by_most_cities_wording_and_a_tie_by_the_most_central(
        tmp_path: Path, receipts: list[str], named: set[str]) -> None:
    cities = ("akishima", "fussa", "hamura", "mitaka")
    _write_flows(tmp_path, {city: [receipt, "内容審査", "決裁"] for city, receipt in zip(cities, receipts, strict=True)})
    doc = _compare_json(tmp_path)
    assert dict.fromkeys(cities, "s0") in doc["alignment"]
    names = [s["name"] for s in doc["standard"]["steps"]]
    assert names[0] in named, names
    assert names[1:] == ["内容審査", "決裁"]  # worded alike, they keep their shared wording


def test_a_shared_decision_is_named_as_most_cities_word_it(tmp_path: Path) -> None:
    # the decision names the standard's split: three cities ask 郵送希望か, the first city (in
    # alphabetical order) 郵送希望の有無. The split takes most cities' wording, not the first's
    def write(city: str, question: str) -> None:
        (tmp_path / f"{city}.yaml").write_text("\n".join([
            "process: shinsei", "name: 補助金申請", f"city: {city}", "steps:",
            "  - id: s0", "    name: 申請書の受付",
            "  - id: q", f"    name: {question}", "    gateway: exclusive", "    branches:",
            "      - {to: post, when: 郵送}", "      - {to: counter, when: 窓口, default: true}",
            "  - id: post", "    name: 決定通知書を郵送する", "    next: done",
            "  - id: counter", "    name: 決定通知書を窓口で渡す",
            "  - id: done", "    name: 完了",
        ]) + "\n", encoding="utf-8")

    write("akishima", "郵送希望の有無")
    for city in ("fussa", "hamura", "mitaka"):
        write(city, "郵送希望か")
    doc = _compare_json(tmp_path)
    splits = [s["name"] for s in doc["standard"]["steps"] if s.get("type") == "gateway"]
    assert splits == ["郵送希望か"], doc["standard"]["steps"]


def _write_laned(folder: Path, city: str, lanes: dict[str, str], steps: list[tuple[str, str]]) -> None:
    """One city's straight flow: lanes (id → the city's name for it) and (step name, lane id)."""
    lines = ["process: shinsei", "name: 補助金申請", f"city: {city}", "lanes:"]
    lines += [f"  {city}_{lid}: {name}" for lid, name in lanes.items()]  # ids of the city's own
    lines.append("steps:")
    for i, (name, lane) in enumerate(steps):
        lines += [f"  - id: s{i}", f"    name: {name}", f"    lane: {city}_{lane}"]
    (folder / f"{city}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _lane_deviations(doc: dict) -> list[tuple[str, str]]:
    return [(city, d["message"]) for city, devs in doc["deviations"].items() for d in devs if d["kind"] == "lane"]


def test_a_department_each_city_names_its_own_way_is_no_deviation_but_work_moved_to_another_is(tmp_path: Path) -> None:
    # three cities, the same four steps done by the same two roles, each city naming its
    # departments its own way (and with its own lane ids): no step is done "by another actor"
    counter, review = "申請書の受付", "内容審査"
    flow = [(counter, "a"), (review, "b"), ("決裁", "b"), ("交付決定通知書を送付する", "a")]
    _write_laned(tmp_path, "akishima", {"a": "市民課", "b": "総務係"}, flow)
    _write_laned(tmp_path, "fussa", {"a": "市民窓口課", "b": "審査担当"}, flow)
    _write_laned(tmp_path, "hamura", {"a": "住民係", "b": "管理係"}, flow)
    assert _lane_deviations(_compare_json(tmp_path)) == []
    # hamura's review section sends the notice itself: that one step is work moved to another role
    _write_laned(tmp_path, "hamura", {"a": "住民係", "b": "管理係"}, [*flow[:3], ("交付決定通知書を送付する", "b")])
    moved = _lane_deviations(_compare_json(tmp_path))
    assert len(moved) == 1 and moved[0][0] == "hamura", moved
    assert "交付決定通知書を送付する" in moved[0][1] and "「管理係」が行っています" in moved[0][1]


def test_the_standards_lanes_are_the_cities_roles_not_their_department_names(tmp_path: Path) -> None:
    # five cities, two roles (the counter, the review section), named their own ways. Three
    # cities send the notice from the counter, each naming it differently; two send it from the
    # review section, both calling it 審査担当. By name, 審査担当 would be the majority; by role
    # the counter does it (three cities of five), and the counter is one lane of the standard
    flow = [("申請書の受付", "a"), ("内容審査", "b"), ("決裁", "b")]
    for city, counter, review, sends in (("akishima", "窓口", "審査係", "a"), ("fussa", "市民窓口課", "審査係", "a"),
                                         ("hamura", "住民係", "審査係", "a"), ("mitaka", "窓口", "審査担当", "b"),
                                         ("ome", "窓口", "審査担当", "b")):
        _write_laned(tmp_path, city, {"a": counter, "b": review}, [*flow, ("交付決定通知書を送付する", sends)])
    doc = _compare_json(tmp_path)
    lanes = {s["name"]: s["lane"] for s in doc["standard"]["steps"]}
    assert lanes["交付決定通知書を送付する"] == lanes["申請書の受付"] == "窓口", lanes
    assert lanes["内容審査"] == lanes["決裁"] != "窓口"
    # the two cities whose review section sends it are told so, and no one else is told anything
    moved = _lane_deviations(doc)
    assert sorted(city for city, _ in moved) == ["mitaka", "ome"], moved
    assert all("交付決定通知書を送付する" in m and "「審査担当」が行っています" in m for _, m in moved)


def test_a_city_that_does_everything_in_one_lane_joins_a_role_and_names_none(tmp_path: Path) -> None:
    # akiruno does all four steps in 市民課; two cities split them between a counter and a review
    # section. The standard has the two roles, named as most of their cities name them, and
    # akiruno is told its one section also does the other role's work
    flow = [("申請書の受付", "a"), ("内容審査", "b"), ("決裁", "b"), ("交付決定通知書を送付する", "a")]
    _write_laned(tmp_path, "akiruno", {"a": "市民課"}, [(name, "a") for name, _ in flow])
    _write_laned(tmp_path, "fussa", {"a": "窓口", "b": "審査係"}, flow)
    _write_laned(tmp_path, "hamura", {"a": "窓口", "b": "審査係"}, flow)
    doc = _compare_json(tmp_path)
    assert [s["lane"] for s in doc["standard"]["steps"]] == ["窓口", "審査係", "審査係", "窓口"]
    moved = _lane_deviations(doc)
    assert {city for city, _ in moved} == {"akiruno"}
    assert len(moved) == 2 and all("「市民課」が行っています" in m for _, m in moved), moved


def test_a_lane_that_plays_no_role_of_the_standard_is_not_taken_for_a_left_over_one(tmp_path: Path) -> None:
    # akiruno splits the work three ways (窓口, 審査係, 課長) and sends no notice; hamura and
    # mitaka split it two ways and send the notice from the counter. fussa does everything in
    # 市民課 but posts the notice from its mail centre. 市民課 is fussa's counter (it takes and
    # checks the application): fussa reviews and decides there, and posts the notice elsewhere.
    # Matched lane for lane, the mail centre would be left over for the counter, and fussa told
    # that its 市民課 does the counter's work
    _write_laned(tmp_path, "akiruno", {"a": "窓口", "b": "審査係", "c": "課長"},
                 [("申請書の受付", "a"), ("本人確認", "a"), ("内容審査", "b"), ("決裁", "c")])
    two = [("申請書の受付", "a"), ("本人確認", "a"), ("内容審査", "b"), ("決裁", "b"), ("交付決定通知書を送付する", "a")]
    _write_laned(tmp_path, "hamura", {"a": "窓口", "b": "審査係"}, two)
    _write_laned(tmp_path, "mitaka", {"a": "窓口", "b": "審査係"}, two)
    _write_laned(tmp_path, "fussa", {"a": "市民課", "b": "郵送センター"}, [*[(name, "a") for name, _ in two[:4]],
                                                                     ("交付決定通知書を送付する", "b")])
    doc = _compare_json(tmp_path)
    assert [s["lane"] for s in doc["standard"]["steps"]] == ["窓口", "窓口", "審査係", "審査係", "窓口"]
    moved = _lane_deviations(doc)
    # akiruno's 課長 decides where the other cities' review section does: told so, and only that
    assert [m for city, m in moved if city == "akiruno"] == ["「決裁」を「審査係」ではなく「課長」が行っています。"]
    told = sorted(m for city, m in moved if city == "fussa")
    assert len(told) == 3, told
    assert sum("「郵送センター」が行っています" in m and "交付決定通知書を送付する" in m for m in told) == 1
    assert sum("「市民課」が行っています" in m and ("内容審査" in m or "決裁" in m) for m in told) == 2
    assert not any("申請書の受付" in m or "本人確認" in m for m in told)


# ---------------------------------------------------------------------------------- measures


def test_each_measure_is_symmetric_in_range_with_identity_one() -> None:
    comp = compare_processes(shinsei())
    for m in (*MEASURES, "mean"):
        mat = comp.similarity[m]
        assert np.allclose(mat, mat.T), m
        assert np.all(mat >= 0.0) and np.all(mat <= 1.0), m
        assert np.allclose(np.diag(mat), 1.0), m
    # fussa only renames steps: behaviourally it is akishima's twin, kiyose reorders two steps
    assert comp.similarity["behavioural"][0, 1] == pytest.approx(1.0)
    assert comp.similarity["behavioural"][0, 3] < 1.0


@pytest.mark.parametrize("city", ["akishima", "hamura", "kiyose"])
def test_a_variant_against_an_identical_copy_scores_1(city: str) -> None:
    a = fixture(city)
    b = copy.deepcopy(a)
    b.city = "copy"
    views = [build_view(a), build_view(b)]
    m = Matcher(views)
    pair = m.align(0, 1)
    assert node_matching(pair.label_sim) == pytest.approx(1.0)
    assert structural(views[0], views[1], pair.label_sim) == pytest.approx(1.0)
    assert behavioural(views[0], views[1], pair) == pytest.approx(1.0)


def test_measures_do_not_depend_on_argument_order() -> None:
    a, b = fixture("akishima"), fixture("kiyose")
    ab = compare_processes([a, b]).similarity
    ba = compare_processes([b, a]).similarity
    for m in MEASURES:
        assert ab[m][0, 1] == pytest.approx(ba[m][0, 1], abs=1e-9), m


# ------------------------------------------------------------------------- standard, deviations


def test_standard_flow_has_the_majority_steps_in_consensus_order() -> None:
    comp = compare_processes(shinsei())
    names = [s.name for s in comp.standard.process.steps]
    assert names[0] == "申請書を提出する"
    assert names.index("本人確認") < names.index("内容を審査する") < names.index("決裁")
    assert "手数料を収納する" not in names  # one city of four
    high = compare_processes(shinsei(), options=type(comp.options)(support=1.0))
    assert len(high.standard.process.steps) < len(comp.standard.process.steps)


def test_deviations_in_plain_japanese() -> None:
    comp = compare_processes(shinsei())
    hamura = {d.kind: d.message for d in comp.deviations["hamura"]}
    assert "seal" in hamura and "押印" in hamura["seal"]
    assert "paper" in hamura and "紙" in hamura["paper"]
    assert "channel" in hamura and "LoGoフォーム" in hamura["channel"]
    # 受付・本人確認 does the standard's 受付 too: merged, not missing
    assert "merged" in hamura and "受付・本人確認" in hamura["merged"] and "missing" not in hamura
    kiyose = {d.kind: d.message for d in comp.deviations["kiyose"]}
    assert "手数料を収納する" in kiyose["extra"]
    assert "lane" in kiyose and "窓口" in kiyose["lane"]
    assert comp.deviations["akishima"] == []


# --------------------------------------------------------------------------------------- CLI


def test_cli_json_contract_on_a_folder() -> None:
    r = runner.invoke(app, ["compare", str(FIX), "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["variants"] == ["akishima", "fussa", "hamura", "kiyose"]
    for m in ("node", "structural", "behavioural"):
        assert len(d["similarity"][m]) == 4 and all(len(row) == 4 for row in d["similarity"][m])
    for g in d["alignment"]:
        assert set(g) <= set(d["variants"])
        assert all(isinstance(x, (str, list)) for x in g.values())
    assert {"akishima": "receive", "fussa": "accept", "hamura": "intake", "kiyose": "receive"} in d["alignment"] \
        or any(g.get("fussa") == "accept" for g in d["alignment"])
    assert set(d["deviations"]) == set(d["variants"])
    assert d["standard"]["steps"][0]["name"] == "申請書を提出する"
    assert set(d["clusters"]["order"]) == set(d["variants"])


def test_cli_output_is_deterministic() -> None:
    a = runner.invoke(app, ["compare", str(FIX), "--format", "json"]).stdout
    b = runner.invoke(app, ["compare", *sorted(str(p) for p in FIX.glob("*.yaml")), "--format", "json"]).stdout
    assert a == b


@pytest.mark.skipif(not (PROCESSES / "tennyu").is_dir(), reason="processes/tennyu not in the library yet")
@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_cli_formats_on_the_library(fmt: str) -> None:
    r = runner.invoke(app, ["compare", str(PROCESSES / "tennyu"), "--format", fmt])
    assert r.exit_code == 0, r.output
    out = r.stdout
    cities = sorted(p.stem for p in (PROCESSES / "tennyu").glob("*.yaml"))
    if fmt == "json":
        assert json.loads(out)["variants"] == cities
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0][:3] == ["group", "standard_step", "support"] and rows[0][3:3 + len(cities)] == cities
        assert any("本人確認" in cell for row in rows[1:] for cell in row)
    elif fmt == "markdown":
        assert out.startswith("# 比較: 転入届")
        assert "## 標準フロー" in out and "## 標準との違い" in out
    else:
        assert "標準フロー" in out and "本人確認" in out


LIBRARY_PROCEDURES = sorted(p.name for p in PROCESSES.iterdir() if p.is_dir() and len(list(p.glob("*.yaml"))) >= 2) \
    if PROCESSES.is_dir() else []


@pytest.mark.parametrize("procedure", LIBRARY_PROCEDURES)
def test_every_library_procedure_compares_and_its_standard_validates_and_renders(procedure: str, tmp_path: Path) -> None:
    out = tmp_path / f"{procedure}.yaml"
    r = runner.invoke(app, ["compare", str(PROCESSES / procedure), "--emit-standard", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert out.is_file()
    v = runner.invoke(app, ["validate", str(out), "--strict"])
    assert v.exit_code == 0, v.output
    std = load_process_strict(out)
    assert std.city == "standard" and len(std.steps) >= 3
    rendered = runner.invoke(app, ["render", str(out), "--to", "bpmn", "--to", "dot", "-o", str(tmp_path / "d")])
    assert rendered.exit_code == 0, rendered.output
    assert list((tmp_path / "d").rglob("*.bpmn"))


def test_emit_standard_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "std.yaml"
    out.write_text("mine\n", encoding="utf-8")
    r = runner.invoke(app, ["compare", str(FIX), "--emit-standard", str(out)])
    assert r.exit_code == 2
    assert "--force" in r.output and out.read_text(encoding="utf-8") == "mine\n"
    r = runner.invoke(app, ["compare", str(FIX), "--emit-standard", str(out), "--force", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "process: shinsei" in out.read_text(encoding="utf-8")


def test_bad_input_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    r = runner.invoke(app, ["compare", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "no such file" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["compare", str(FIX / "akishima.yaml")])
    assert r.exit_code == 2 and "at least two" in r.output
    twin = tmp_path / "twin.yaml"
    twin.write_text((FIX / "akishima.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    r = runner.invoke(app, ["compare", str(FIX / "akishima.yaml"), str(twin)])
    assert r.exit_code == 2 and "akishima" in r.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("process: shinsei\nname: x\ncity: broken\nsteps:\n  - id: a\n    nxt: b\n", encoding="utf-8")
    r = runner.invoke(app, ["compare", str(FIX / "akishima.yaml"), str(broken)])
    assert r.exit_code == 1 and f"{broken}:5:5:" in r.output and "Traceback" not in r.output


# ------------------------------------------------------------------------ real models (shared)


@pytest.mark.skipif(not PMMC.exists(), reason="../shared/data/pmmc2015-ua absent (reference data beside the repo)")
def test_cli_mixes_bpmn_variants_with_element_ids() -> None:
    r = runner.invoke(app, ["compare", str(PMMC / "models" / "Cologne.bpmn"), str(PMMC / "models" / "Frankfurt.bpmn"),
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["variants"] == ["Cologne", "Frankfurt"]
    # the gold standard's first Cologne–Frankfurt cell: both "Send letter of rejection"
    assert any(g.get("Cologne") == "sid-50620B60-4F01-4DFD-8EB8-BBCAAECE6026" and "Frankfurt" in g for g in d["alignment"])


def _alignment_benchmark():  # benchmarks/ is not a package: load the script as a module
    spec = importlib.util.spec_from_file_location("alignment_bench", ROOT / "benchmarks" / "alignment.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _measure(name: str):
    """Micro P/R/F1 of `benchmarks/alignment.py` on one set with the shipped defaults."""
    bench = _alignment_benchmark()
    return bench.run_set(bench.load_sets([name])[name], bench.MatchOptions())


@pytest.mark.skipif(not PMMC.exists(), reason="../shared/data/pmmc2015-ua absent (reference data beside the repo)")
def test_pmmc_university_admission_f1() -> None:
    res = _measure("pmmc-ua")
    assert res.tp + res.fn == 232
    assert res.f1 >= 0.70 and res.recall >= 0.70, res


@pytest.mark.skipif(not (SHARED / "data" / "align-ja-dev").exists(),
                    reason="../shared/data/align-ja-dev absent (reference data beside the repo)")
def test_japanese_development_set_f1() -> None:
    # before labels were read as language: F1 0.34 (recall 0.21); the goal is 0.80, and 0.922
    # with the Japanese threshold (2026-11-29): the floor guards what is reached
    res = _measure("ja-dev")
    assert res.tp + res.fn == 285
    assert res.f1 >= 0.90 and res.precision >= 0.9, res


def test_the_first_blind_japanese_set_f1() -> None:
    # measured blind at F1 0.653 (benchmarks/data/align-ja-blind/README.md); the set has been a
    # development set since, and this floor guards what was learnt from it
    res = _measure("ja-blind")
    assert res.tp + res.fn == 275
    # the steps left over paired by place in Japanese flows (2026-12-01) trade precision for
    # recall here: P 0.884 → 0.826, R 0.745 → 0.793, F1 0.809 either way
    assert res.f1 >= 0.78 and res.precision >= 0.8 and res.recall >= 0.77, res


def test_the_second_blind_japanese_set_f1() -> None:
    # measured blind at F1 0.619, then 0.661 (benchmarks/data/align-ja-blind2/README.md); a
    # development set since its wording was read, at 0.772
    res = _measure("ja-blind2")
    assert res.tp + res.fn == 237
    # with the steps left over paired by place (2026-12-01): P 0.883 → 0.833, R 0.764 → 0.802
    assert res.f1 >= 0.78 and res.precision >= 0.8 and res.recall >= 0.78, res


def test_each_development_set_is_measured_with_its_own_words_left_out() -> None:
    # leave-one-set-out for the vocabulary: the words only one set uses are the ones that may
    # have been added because of it, and the figure without them is another one (2026-11-30,
    # unknown heads neutral: ja-blind 0.809 → 0.818, 40 words — without its own words it does
    # no worse, what a vocabulary fitted to it would not allow; ja-blind2 0.807 → 0.784, 33
    # words); the shipped vocabulary is back in use afterwards
    bench = _alignment_benchmark()
    sets = bench.load_sets(["ja-blind", "ja-blind2"])
    shipped = {name: bench.run_set(sets[name], bench.MatchOptions(), cache=False) for name in sets}
    out = bench.own_words_left_out(sets)
    for name in ("ja-blind", "ja-blind2"):
        counts, words = out[name]
        assert words > 10
        assert counts.f1 >= 0.7, (name, counts)
        assert bench.run_set(sets[name], bench.MatchOptions(), cache=False) == shipped[name]
    # the words left out change what is found (for ja-blind2 no longer since ja-dev4 and ja-dev5,
    # 2026-12-02, use most of its own words too)
    assert (out["ja-blind"][0].tp, out["ja-blind"][0].fp) != (shipped["ja-blind"].tp, shipped["ja-blind"].fp)
    assert shipped["ja-blind"].f1 >= 0.75


def test_each_english_development_set_is_measured_without_the_entries_only_it_uses() -> None:
    # the English lists (synonym groups, verbs, shorthand, phrasal verbs) were written with the
    # en-dev sets in view: each is measured again without what no other English set that helped
    # write them uses (on 2026-12-03, with PMMC-UA and BPI15 lending: en-dev 0.663 → 0.673, 12
    # entries; en-dev2 0.577 → 0.574, 18, its ticket-system shorthand among them; since the
    # twenty-second session's comparison-wide lift, en-dev 0.718 → 0.711 and en-dev2 0.602 →
    # 0.550: the lift leans on the words en-dev2 alone uses more than the pair's own scale did).
    # Without ../shared the two reference sets lend nothing and more entries are left out
    bench = _alignment_benchmark()
    sets = bench.load_sets(["en-dev", "en-dev2"])
    shipped = {name: bench.run_set(sets[name], bench.MatchOptions(), cache=False) for name in sets}
    out = bench.own_words_left_out(sets)
    assert set(out) == {"en-dev", "en-dev2"}
    for name in ("en-dev", "en-dev2"):
        counts, entries = out[name]
        assert entries >= 10
        assert abs(counts.f1 - shipped[name].f1) < 0.06, (name, counts, shipped[name])
    # a measurement, not the shipped figure again: en-dev2 reads its own words (its ticket-system
    # shorthand …). en-dev's own entries happen to cost it nothing without ../shared since the
    # twenty-second session's lift (153 right, 44 wrong either way), so it is not the example
    assert (out["en-dev2"][0].tp, out["en-dev2"][0].fp) != (shipped["en-dev2"].tp, shipped["en-dev2"].fp)
    # the shipped lists are whole again afterwards
    again = bench.run_set(sets["en-dev2"], bench.MatchOptions(), cache=False)
    assert (again.tp, again.fp, again.fn) == (shipped["en-dev2"].tp, shipped["en-dev2"].fp, shipped["en-dev2"].fn)


def test_the_library_aligns_the_same_without_its_codes() -> None:
    assert _measure("library").f1 >= 0.95


def test_cli_mixes_yaml_with_bpmn(tmp_path: Path) -> None:
    r = runner.invoke(app, ["render", str(FIX / "akishima.yaml"), "--to", "bpmn", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    bpmn = next(tmp_path.rglob("*.bpmn"))
    r = runner.invoke(app, ["compare", str(bpmn), str(FIX / "fussa.yaml"), "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["variants"] == ["akishima", "fussa"]
    assert {"akishima": "receive", "fussa": "accept"} in d["alignment"]


def _variant_yaml(city: str, middle: str) -> str:
    return f"""process: blocks
name: 申請
city: {city}
lanes: {{staff: 担当}}
steps:
  - {{id: a, name: 受付, lane: staff}}
  - id: x
    name: 種別は
    gateway: exclusive
    lane: staff
    branches:
      - {{to: b, when: 新規, share: 0.5}}
      - {{to: c, when: 変更, share: 0.5, default: true}}
  - {{id: b, name: 新規登録, lane: staff, next: {middle.split()[0]}}}
  - {{id: c, name: 変更登録, lane: staff, next: {middle.split()[0]}}}
{middle.split(chr(10), 1)[1]}
  - {{id: f, name: 通知, lane: staff}}
"""


def test_standard_flow_enters_a_block_that_follows_another_block(tmp_path: Path) -> None:
    """Alternatives (b | c) followed directly by parallel work (d ‖ e): the alternatives must flow
    into the parallel split, not past it to its first branch (regression: TF102/TF105)."""
    parallel = """p
  - {id: p, gateway: parallel, lane: staff, branches: [{to: d}, {to: e}]}
  - {id: d, name: 台帳を更新する, lane: staff, next: j}
  - {id: e, name: 証明書を作成する, lane: staff, next: j}
  - {id: j, gateway: parallel, join: true}"""
    sequential = """d
  - {id: d, name: 台帳を更新する, lane: staff}
  - {id: e, name: 証明書を作成する, lane: staff}"""
    for city, middle in (("one", parallel), ("two", parallel), ("three", sequential)):
        (tmp_path / f"{city}.yaml").write_text(_variant_yaml(city, middle), encoding="utf-8")
    out = tmp_path / "std" / "standard.yaml"
    r = runner.invoke(app, ["compare", str(tmp_path), "--emit-standard", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    v = runner.invoke(app, ["validate", "--strict", str(out)])
    assert v.exit_code == 0, v.output
    std = load_process_strict(out)
    gateways = [s for s in std.steps if s.gateway == "parallel" and not s.join]
    assert len(gateways) == 1
    split = gateways[0].id
    b, c = std.step_map()["b"], std.step_map()["c"]
    assert b.next == split and c.next == split
