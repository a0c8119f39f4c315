"""The fast compare path (`--fast`, tamaflow/compare/pivot.py) against the exact one (`--exact`),
through the CLI on generated variants of a library procedure (benchmarks/nationwide.py): the
alignments agree (pair-set F1), the similarity matrices are close (mean absolute difference),
the JSON has the same shape, the size picks the path by default, and the flags exclude each other.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
from clihelp import load_benchmark, nationwide_set
from typer.testing import CliRunner

from tamaflow.app.compare import collect_models, load_models
from tamaflow.cli import app
from tamaflow.compare import comparison, fastsim, pivot, semantic
from tamaflow.compare.align import MatchOptions, for_language, japanese_flows, match_vocabulary
from tamaflow.compare.grouping import Group
from tamaflow.compare.pivot import Alternative, align_through_pivot
from tamaflow.compare.similarity import GedWeights
from tamaflow.compare.variant import VariantView, build_view

#: the benchmark's own pair-set F1, so the test and the published figures count alike
bench = load_benchmark("bench_compare")
#: variants in the generated set: above the sample of the fast path (24), so the pivot is
#: derived from a sample and most variants are aligned to it only
N = 36


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return nationwide_set(tmp_path_factory.mktemp("nationwide"), "tennyu", N, 11)


def run(*args: str) -> str:
    r = CliRunner().invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.fixture(scope="module")
def exact_json(generated: Path) -> str:
    return run("compare", str(generated), "--format", "json", "--exact")


@pytest.fixture(scope="module")
def fast_json(generated: Path) -> str:
    return run("compare", str(generated), "--format", "json", "--fast")


def test_fast_agrees_with_exact(exact_json: str, fast_json: str) -> None:
    exact, fast = json.loads(exact_json), json.loads(fast_json)
    assert fast["variants"] == exact["variants"]
    pe, pf = bench.pair_set(exact), bench.pair_set(fast)
    precision, recall = len(pe & pf) / len(pf), len(pe & pf) / len(pe)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.97, (precision, recall)
    off = ~np.eye(N, dtype=bool)
    for m in ("node", "structural", "behavioural", "mean"):
        e, f = np.array(exact["similarity"][m]), np.array(fast["similarity"][m])
        assert e.shape == f.shape == (N, N)
        mad = float(np.abs(e - f)[off].mean())
        assert mad <= (0.02 if m == "mean" else 0.03), (m, mad)
    # the same standard flow, step for step (ids and names)
    assert [s["id"] for s in fast["standard"]["steps"]] == [s["id"] for s in exact["standard"]["steps"]]


def _merged(doc: dict) -> tuple[set[tuple[str, str]], set[tuple[str, str, str, str]]]:
    """The steps an alignment reports as merged into another activity (variant, step), and the
    pairs its entries make with at least one merged side."""
    steps: set[tuple[str, str]] = set()
    pairs: set[tuple[str, str, str, str]] = set()
    for entry, details in zip(doc["alignment"], doc["alignment_details"], strict=True):
        merged = set(details.get("merged", {}))
        ids = {v: ([s] if isinstance(s, str) else s) for v, s in entry.items()}
        steps |= {(v, x) for v in merged for x in ids[v]}
        for a, b in itertools.combinations(sorted(ids), 2):
            if a in merged or b in merged:
                pairs |= {(a, x, b, y) for x in ids[a] for y in ids[b]}
    return steps, pairs


#: a second procedure, whose generated sets agree less than 転入届's (docs/compare.md, Limits):
#: 国保加入 has two 資格確認書 steps on parallel branches and extra checks worded like its
#: 資格喪失日 check, so many merged steps; the floor holds the agreement where it stands (0.994,
#: without the word vectors as everywhere in the suite). Seed 16: seed 13, used before, keeps 8
#: merged steps in the exact path since a tie needs half of a large group's cities as witnesses
#: (`grouping.witnesses_needed`), and the two paths then share one of them
OTHER = ("kokuho-kanyu", 16, 0.985)
#: 国保加入's issue gateway worded three ways (`test_a_gateway_worded_apart_joins_through_a_minority_wording`)
GATEWAY = ("kokuho-kanyu", 12, 0.95)


@pytest.fixture(scope="module")
def other_jsons(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    procedure, seed, _floor = OTHER
    folder = nationwide_set(tmp_path_factory.mktemp("other"), procedure, N, seed)
    return tuple(json.loads(run("compare", str(folder), "--format", "json", f"--{m}")) for m in ("exact", "fast"))


def test_fast_agrees_with_exact_on_another_procedure(other_jsons: tuple[dict, dict]) -> None:
    """Pair-set F1 counting merged steps (every two steps of an entry, a merged one included),
    on another procedure's generated set: a tie of the fast path's duplicate rule must not make
    pairs the exact path has not (a city's step whose witness wording another of its steps
    would take 1:1 in the pairwise alignment is not tied: `fastties._Claims`), and the fast path
    finds most of the steps the exact path reports as merged (on this set all 26 of the exact
    path's, reporting 31; F1 0.994)."""
    exact, fast = other_jsons
    pe, pf = bench.pair_set(exact), bench.pair_set(fast)
    precision, recall = len(pe & pf) / len(pf), len(pe & pf) / len(pe)
    assert 2 * precision * recall / (precision + recall) >= OTHER[2], (precision, recall)
    (se, _), (sf, _) = _merged(exact), _merged(fast)
    assert len(se) >= 20, "the generated set has merged steps to find"
    assert len(se & sf) / len(sf) >= 0.5, (len(se), len(sf), len(se & sf))
    assert len(se & sf) / len(se) >= 0.6, (len(se), len(sf), len(se & sf))
    off = ~np.eye(N, dtype=bool)
    mad = float(np.abs(np.array(exact["similarity"]["mean"]) - np.array(fast["similarity"]["mean"]))[off].mean())
    assert mad <= 0.02, mad


@pytest.mark.skipif(find_spec("ja_ginza") is None, reason="the semantic extra is not installed "
                    "(pip install -e '.[semantic]': ja-ginza's word vectors)")
def test_a_gateway_worded_apart_joins_through_a_minority_wording(tmp_path_factory: pytest.TempPathFactory) -> None:
    """国保加入's issue gateway is worded three ways: 交付の方法 (the pivot's), 届出窓口で交付できる
    内容か and 資格喪失日より前の手続か. With the word vectors (as `make` installs tamaflow), the
    last reads too unlike the pivot's (label 0.28, below `min_label`) to be its partner, but
    meets the middle one 1:1 pair by pair (label 0.37, with the neighbours 0.70), so the exact
    path's group holds all three; the fast path's left-over group of 資格喪失日より前の手続か
    joins it through those pairs (`pivot._join_through_pairs`): pair-set F1 0.958 → 0.968 on
    this set (0.958 since a code a flow cites twice lends no floor: the pivot's 資格確認書
    steps of the two branches no longer meet at the code's floor). Without the vectors the two
    labels stay below `min_label` and both paths keep the gateways apart. Run as a user does, in
    a new process with the vectors on (the suite switches them off, and its label cache would
    hold the scores without them)."""
    procedure, seed, floor = GATEWAY
    folder = nationwide_set(tmp_path_factory.mktemp("gateway"), procedure, N, seed)
    env = {**os.environ, semantic.SWITCH: "1"}
    exact, fast = (json.loads(subprocess.run([sys.executable, "-m", "tamaflow", "compare", str(folder), "--format", "json",
                                              f"--{m}"], env=env, capture_output=True, text=True, check=True).stdout)
                   for m in ("exact", "fast"))

    def wordings(doc: dict) -> list[set[str]]:
        return [set(d["labels"].values()) for d in doc["alignment_details"] if "資格喪失日より前の手続か" in d["labels"].values()]

    want = {"交付の方法", "届出窓口で交付できる内容か", "資格喪失日より前の手続か"}
    assert wordings(exact) == [want]
    assert wordings(fast) == [want]
    assert _f1(bench.pair_set(exact), bench.pair_set(fast)) >= floor


#: a third procedure, where the pivot splits a wording: 自動交付機でカードと暗証番号により請求する
#: is the request step of a city that has no counter request (the pivot fills the gap with it)
#: and a group of its own where the city has both; the exact path keeps such a wording together
WORDING = ("juminhyo", 14, 40)


def _members(doc: dict) -> set[tuple[str, str, str, str]]:
    """The pairs the alignment entries make between group members (merged steps left out)."""
    out: set[tuple[str, str, str, str]] = set()
    for entry, details in zip(doc["alignment"], doc["alignment_details"], strict=True):
        ids = {v: ([s] if isinstance(s, str) else s) for v, s in entry.items() if v not in details.get("merged", {})}
        for a, b in itertools.combinations(sorted(ids), 2):
            out |= {(a, x, b, y) for x in ids[a] for y in ids[b]}
    return out


def _f1(exact: set, fast: set) -> float:
    both = len(exact & fast)
    return 2 * both / (len(exact) + len(fast))


def test_a_wording_stays_with_most_of_its_steps(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A wording the pivot takes for a common activity in a few cities and leaves to a group of
    its own in most (`pivot._keep_wordings_together`) ends in that group, as in the exact path:
    pair-set F1 0.972 → 0.987 counting merged steps, 0.944 → 0.970 between members only, on
    this generated set; the similarity matrices read the groups before the move (unchanged).
    0.973 counting merged steps since a code a flow cites twice lends no floor: the pivot then
    puts some cities' 自動交付機 and 交付センター issue steps with the counter's, which the exact
    path keeps apart (docs/compare.md, Limits)."""
    procedure, seed, n = WORDING
    folder = nationwide_set(tmp_path_factory.mktemp("wording"), procedure, n, seed)
    exact, fast = (json.loads(run("compare", str(folder), "--format", "json", f"--{m}")) for m in ("exact", "fast"))
    assert _f1(bench.pair_set(exact), bench.pair_set(fast)) >= 0.97
    assert _f1(_members(exact), _members(fast)) >= 0.96
    off = ~np.eye(n, dtype=bool)
    mad = float(np.abs(np.array(exact["similarity"]["mean"]) - np.array(fast["similarity"]["mean"]))[off].mean())
    assert mad <= 0.02, mad



#: a set where the pivot takes the kiosk's steps (自動交付機で…) for the コンビニ request and the
#: 証明書交付センター issue in the cities that have no such step, while the cities that have both
#: keep the kiosk's steps apart
KIOSK = ("juminhyo", 107, 40)


def _wordings(doc: dict, label: str) -> list[Counter[str]]:
    """Per alignment group holding a step worded `label`, how many of its members use each wording."""
    out = []
    for entry, details in zip(doc["alignment"], doc["alignment_details"], strict=True):
        members = Counter(details["labels"][v] for v in entry if v not in details.get("merged", {}))
        if label in members:
            out.append(members)
    return out


def test_a_wording_that_shares_cities_with_the_majority_wording_leaves_its_group(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """A minority wording of a common group whose own left-over group holds a city with the
    group's majority wording leaves the common group, however many of its steps the pivot put
    there (`pivot._keep_wordings_together`, second case): 6 of the 12 kiosk requests sat with
    the 21 コンビニ requests. As in the exact path, each kiosk wording ends apart from the
    majority wording it shares cities with. Pair-set F1 on this set 0.970 → 0.986 counting merged
    steps and 0.971 → 0.992 between members (0.958 → 0.978 and 0.966 → 0.985 without the word
    vectors)."""
    procedure, seed, n = KIOSK
    folder = nationwide_set(tmp_path_factory.mktemp("kiosk"), procedure, n, seed)
    exact, fast = (json.loads(run("compare", str(folder), "--format", "json", f"--{m}")) for m in ("exact", "fast"))
    kiosk = "自動交付機でカードと暗証番号により請求する"
    assert [set(w) for w in _wordings(exact, kiosk)] == [{kiosk}]
    assert [set(w) for w in _wordings(fast, kiosk)] == [{kiosk}]  # 6 of them sat with コンビニ
    # the centre's issue group: no kiosk step in the exact path, 1 left here (5 before the rule),
    # a city whose kiosk issue could not leave: its own left-over group held another step of it
    centre = _wordings(fast, "証明書交付センター経由で証明書を発行する")
    assert len(centre) == 1
    assert sum(n for w, n in centre[0].items() if w.startswith("自動交付機")) <= 2
    assert not any(w.startswith("自動交付機") for w in _wordings(exact, "証明書交付センター経由で証明書を発行する")[0])
    assert _f1(bench.pair_set(exact), bench.pair_set(fast)) >= 0.975
    assert _f1(_members(exact), _members(fast)) >= 0.98

#: a set where 14 of 100 cities route a notification first (届出先を振り分ける) and then receive it
#: in their own wording (届出の受理 …), which half the receipt group's members share
ROUTED = ("kokuho-kanyu", 4, 100)


def test_a_city_s_step_gives_way_to_its_own_receipt_in_the_fast_path(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The pivot took the routing step of 14 cities for its receipt, on place, and left their
    own receipts over, grouped apart; the exact path groups the routing steps apart (12 of
    them, the other 2 cities have no receipt of their own). `pivot._give_way` swaps a member
    for a left-over step of its city that reads as the group's other members more than twice as
    well: the fast path then has the exact path's routing group, and agrees with it 0.960 →
    0.977 (0.9604 → 0.9811 against the generator's own step ids)."""
    procedure, seed, n = ROUTED
    folder = nationwide_set(tmp_path_factory.mktemp("routed"), procedure, n, seed)
    docs = {m: json.loads(run("compare", str(folder), "--format", "json", f"--{m}")) for m in ("exact", "fast")}

    def routing(doc: dict) -> tuple[int, list[int]]:
        """Routing steps in the receipt entry (the one most receipts are in), and per entry."""
        receipt = max(doc["alignment"], key=lambda e: sum(s == "accept" for s in e.values()))
        per_entry = sorted((sum(s == "route" for s in e.values()) for e in doc["alignment"]), reverse=True)
        return sum(s == "route" for s in receipt.values()), [k for k in per_entry if k]

    assert routing(docs["exact"]) == (2, [12, 2])
    # (14, [14]) before: every routing step was a receipt. Since the steps left over pair by place
    # (2026-12-01), the fast path keeps all 14 routing steps in a group of their own: the 2 cities
    # without a receipt of their own have routing, not a receipt, by the generator's step ids too
    receipt, groups = routing(docs["fast"])
    assert receipt <= 2 and groups[0] >= 12 and sum(groups) == 14, (receipt, groups)
    assert _f1(bench.pair_set(docs["exact"]), bench.pair_set(docs["fast"])) >= 0.97
    truth = bench.against_ids(docs["fast"], bench.base_ids(folder))
    assert float(truth.split()[1]) >= 0.975


#: a set where one extra check, 添付書類の確認, is spliced in after different steps: after the
#: receipt or the identity check in some cities, after 異動情報を住民記録システムに入力 in another
PLACES = ("tennyu", 0, 36)


def _after(folder: Path, doc: dict, label: str) -> list[set[str]]:
    """Per alignment entry holding steps worded `label` (members), the labels of the steps those
    come right after in their own cities' flows."""
    views = {p.variant: build_view(p) for p in load_models(collect_models([folder])).processes}
    out: list[set[str]] = []
    for entry, details in zip(doc["alignment"], doc["alignment_details"], strict=True):
        merged = set(details.get("merged", {}))
        after: set[str] = set()
        for v, step in entry.items():
            view = views[v]
            for s in ([step] if isinstance(step, str) else step):
                x = next(i for i, n in enumerate(view.nodes) if n.id == s)
                if v not in merged and view.nodes[x].name == label:
                    after |= {view.nodes[p].name for p in view.preds[x] if p >= 0}
        if after:
            out.append(after)
    return out


def test_one_extra_check_in_two_places_is_two_activities(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The fast path groups the steps no pivot step took on their neighbours' agreement as well
    as on label and place (`leftover.unit_context`), as the exact path's pairs are scored: the same
    extra check after the data entry and after the receipt or the identity check is two
    activities in both paths (the fast path put six cities' 添付書類の確認, after five different
    steps, in one entry before). Pair-set F1 counting merged steps 0.976 → 0.988 on this set;
    the similarity matrices read the groups on label and place (unchanged)."""
    procedure, seed, n = PLACES
    folder = nationwide_set(tmp_path_factory.mktemp("places"), procedure, n, seed)
    exact, fast = (json.loads(run("compare", str(folder), "--format", "json", f"--{m}")) for m in ("exact", "fast"))
    for doc in (exact, fast):
        entries = _after(folder, doc, "添付書類の確認")
        late = [e for e in entries if any(x.startswith("異動情報を住民記録システム") for x in e)]
        assert len(late) == 1, entries
        assert not any("受付" in x or "受領" in x or "本人確認" in x for x in late[0]), entries
    assert _f1(bench.pair_set(exact), bench.pair_set(fast)) >= 0.985
    off = ~np.eye(n, dtype=bool)
    mad = float(np.abs(np.array(exact["similarity"]["mean"]) - np.array(fast["similarity"]["mean"]))[off].mean())
    assert mad <= 0.02, mad


def test_one_activity_worded_two_ways_is_measured_as_one(generated: Path) -> None:
    """Two common groups that cities fill with one or the other (look-alike labels, side by
    side) are one activity for the similarity measures: a city's step in one and another
    city's step in the other are one mapped pair, as their pairwise alignment matches them
    (`pivot.alternatives`, `fastsim._across`). On tennyu, seed 129, 48 cities, the pivot held
    the approval twice (承認 (係長) and 決裁 (課長)), and the mapping brought the mean absolute
    difference from the exact matrices from 0.025 to 0.013 (behavioural 0.044 → 0.022). Since a
    code a flow cites twice lends no floor, no generated set we scanned makes the pivot hold an
    activity twice (48 cities: tennyu seeds 100–199; 国保加入, 住民票, 保育所, 児童手当 100–139), so the case is
    made here: the generated set's common check group is split in two by city, as the sample
    split the approval there."""
    views = [build_view(p) for p in load_models(collect_models([str(generated)])).processes]
    match = for_language(MatchOptions(), japanese_flows(views))
    fast = align_through_pivot(views, match_vocabulary({}, match), match, GedWeights())
    groups = list(fast.measured)
    def checks(g: Group) -> bool:
        return any("確認" in views[v].nodes[xs[0]].name or "点検" in views[v].nodes[xs[0]].name
                   for v, xs in g.members.items())

    check = max(filter(checks, groups), key=lambda g: len(g.members))
    cities = sorted(check.members)
    g = Group({v: check.members[v] for v in cities[0::2]})
    h = Group({v: check.members[v] for v in cities[1::2]})
    # the two halves first, as the pipeline passes its common groups first (pivot.py)
    groups = [g, h, *(x for x in groups if x is not check)]
    alts = pivot.alternatives(fast.matcher, views, groups[:2], match.threshold, pivot.REACH)
    assert [(a.g, a.h) for a in alts] == [(0, 1)], "the two halves of one check are alternatives"
    assert len(alts[0].only_g) == len(g.members) and len(alts[0].only_h) == len(h.members)
    _behavioural_is_the_mapping_pair_by_pair(views, groups, alts)


def _behavioural_is_the_mapping_pair_by_pair(views: Sequence[VariantView], groups: Sequence[Group],
                                              alternatives: Sequence[Alternative]) -> None:
    """The vectorised behavioural measure (`fastsim.behavioural_all`, `_across`) is, pair by
    pair, the exact path's formula (`similarity.behavioural`) under the mapping it stands for:
    each city's first step of a group to the other city's, and a g-only city's step to an
    h-only city's across each pair of alternatives."""
    k = len(views)
    first = [{gi: g.members[v][0] for gi, g in enumerate(groups) if len(g.members) >= 2 and v in g.members}
             for v in range(k)]
    across: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for alt in alternatives:
        for a, b in zip(*np.nonzero(alt.sim), strict=True):
            i, j = int(alt.only_g[a]), int(alt.only_h[b])
            x, y = first[i][alt.g], first[j][alt.h]
            across.setdefault((i, j), []).append((x, y))
            across.setdefault((j, i), []).append((y, x))
    got = fastsim.behavioural_all(views, groups, alternatives)
    for i, j in itertools.permutations(range(k), 2):
        mapping = {first[i][g]: first[j][g] for g in first[i] if g in first[j]} | dict(across.get((i, j), []))
        xs = sorted(mapping)
        ys = [mapping[x] for x in xs]
        inter = int((views[i].profile[np.ix_(xs, xs)] == views[j].profile[np.ix_(ys, ys)]).sum())
        want = inter / (views[i].size ** 2 + views[j].size ** 2 - inter)
        assert got[i, j] == pytest.approx(want, abs=1e-12), (i, j)


#: a set where the 24 sampled cities split the receipt in two: 受付登録 in one common group, 届出の
#: 受理 and its other wordings in another; 23 cities have a step in the first only, 16 in the
#: second only (`pivot.alternatives`), and the exact path holds the receipt as one activity
ONE_GROUP = ("kokuho-kanyu", 115, 48)


def test_one_activity_worded_two_ways_is_one_group(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Two common groups that are one activity worded two ways become one group in the fast
    path's alignment (`pivot._merge_alternatives`), as in the exact path: pair-set F1 between
    group members 0.894 → 0.933 on this set, counting merged steps 0.936 → 0.942 (0.931 → 0.937
    since the left-over steps are grouped on their neighbours' agreement too; 0.937 → 0.934
    since a Japanese head the vocabulary does not know counts neutral: an uncoded generated
    extra step now meets coded steps on its object, and the exact path ties a few more of them
    than the pivot does). The similarity matrices read the groups from before the merge
    (unchanged)."""
    procedure, seed, n = ONE_GROUP
    folder = nationwide_set(tmp_path_factory.mktemp("one-group"), procedure, n, seed)
    exact, fast = (json.loads(run("compare", str(folder), "--format", "json", f"--{m}")) for m in ("exact", "fast"))
    for doc in (exact, fast):
        # the entry holding most 受付登録 steps holds the cities' 届出の受理 too
        labels = max((d["labels"] for d in doc["alignment_details"]),
                     key=lambda ls: sum(x == "受付登録" for x in ls.values()))
        assert sum(x == "届出の受理" for x in labels.values()) >= 8, labels
    assert _f1(_members(exact), _members(fast)) >= 0.92
    assert _f1(bench.pair_set(exact), bench.pair_set(fast)) >= 0.93


def test_a_tie_that_one_city_of_a_large_group_witnesses_is_not_reported(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """A step is reported as merged into another activity only when at least half of that
    activity's cities tie it there, in an activity of 5 cities or more
    (`grouping.witnesses_needed`). On this generated set of 48 cities (the exact path, the
    default below 60) 16 cities have a second data-entry check; 27 other cities' own check was
    reported as also doing it, each on the word of one of the 16, which is how one city's odd
    wording ties a hundred steps at 200 cities. Now no activity of 5 cities or more reports a
    merged step here (29 before), in either path; the second approvals, a group of three,
    keep theirs."""
    folder = nationwide_set(tmp_path_factory.mktemp("quorum"), "kokuho-kanyu", 48, 23)
    for doc in (json.loads(run("compare", str(folder), "--format", "json", *m)) for m in ((), ("--fast",))):
        sizes = [(len(entry) - len(d.get("merged", {})), len(d.get("merged", {})))
                 for entry, d in zip(doc["alignment"], doc["alignment_details"], strict=True)]
        assert not [(members, n) for members, n in sizes if members >= 5 and n], sizes
        assert 0 < sum(n for _members, n in sizes) <= 4


def test_a_city_keeps_its_own_step_in_a_large_group(tmp_path_factory: pytest.TempPathFactory) -> None:
    """In a group of 5 cities or more, a city's member is the step its pair alignments give the
    other members, not one a chain of links brought in first (`grouping._settle_members`). On
    this generated set of 60 cities, 7 cities that route a notification first
    (届出先を振り分ける) had that step in the receipt group, and their own receipt sat in a
    second group; pair by pair their receipt meets the others' receipts 1:1. Now the receipt
    group holds one routing step (a city whose receipt could not take its place), and the exact
    path's pairs score F1 0.953 against the generator's own step ids (0.937 before)."""
    folder = nationwide_set(tmp_path_factory.mktemp("settle"), "kokuho-kanyu", 60, 23)
    doc = json.loads(run("compare", str(folder), "--format", "json", "--exact"))
    receipts = max(_wordings(doc, "受付登録"), key=lambda w: w["受付登録"])
    assert sum(receipts.values()) >= 40, receipts
    assert sum(n for w, n in receipts.items() if w.startswith("届出先を振り分ける")) <= 1, receipts
    assert float(bench.against_ids(doc, bench.base_ids(folder)).split()[1]) >= 0.95


def test_a_city_keeps_its_own_step_where_the_group_words_it_many_ways(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Where a group's cities word the activity several ways, many members match neither of a
    city's two candidate steps, so "at least half of the other cities" was too much to ask:
    on this generated set of 60 cities, 3 routing-first cities' receipts (届出の受理) were met
    1:1 by fewer than half of the receipt group's members, most of them worded 受付登録, and
    their routing steps stayed in the receipt group. With a third (`grouping.SETTLE_SHARE`)
    they move; the 3 routing steps left are those of cities with no receipt of their own
    (6 before), and F1 against the generator's own step ids is 0.940 → 0.953."""
    folder = nationwide_set(tmp_path_factory.mktemp("share"), "kokuho-kanyu", 60, 3)
    doc = json.loads(run("compare", str(folder), "--format", "json", "--exact"))
    receipts = max(_wordings(doc, "受付登録"), key=lambda w: w["受付登録"])
    routing = sum(n for w, n in receipts.items() if w.startswith("届出先を振り分ける"))
    assert routing == 3, receipts
    assert float(bench.against_ids(doc, bench.base_ids(folder)).split()[1]) >= 0.95


def test_a_large_group_gathers_its_wording_from_a_smaller_one(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Union-find linked 10 cities' review (入力内容を点検する and its wordings) with other
    cities' extra checks, spliced in beside their own review, and that group could never join
    the review group, with which it shares those cities. `grouping._gather` moves the steps
    worded as the large group's members, from cities it lacks, when they meet its members 1:1
    pair by pair; the extra checks stay. On this generated set of 60 cities the review is then
    one group of 52 (43 and 10 before), and F1 against the generator's own step ids is
    0.9530 → 0.9695."""
    folder = nationwide_set(tmp_path_factory.mktemp("gather"), "kokuho-kanyu", 60, 3)
    doc = json.loads(run("compare", str(folder), "--format", "json", "--exact"))
    reviews = sorted((sum(s == "review" for s in entry.values()) for entry in doc["alignment"]), reverse=True)
    assert reviews[0] >= 50 and reviews[1] <= 1, reviews
    assert float(bench.against_ids(doc, bench.base_ids(folder)).split()[1]) >= 0.965


#: a set whose exact alignment keeps merged steps at 36 cities under the quorum of witnesses
MERGED = ("tennyu", 16)


def test_fast_reports_the_merged_steps_exact_does(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A step doing another activity's work inside its own (a second 決裁 or an extra check that
    other cities have as a step of its own) is tied to that activity in the exact path when
    enough of that activity's cities witness it (`grouping.witnesses_needed`); the fast path
    must find most of those ties, not only the ones with the pivot's common activities, those
    tied by place too (`fastties._neighbour_ties`: a city's 受付登録 tied to another city's
    届出の受理 that follows its 受付 step). On this set the exact path reports 17 merged steps; the
    fast path reports 15 and finds 11 of them (5 without the rule by place), and the pairs with
    a merged side agree at F1 0.56. The set that served before (tennyu 11) keeps 5 merged
    steps in the exact path since the quorum (18 before), second approvals in a group of three,
    which the fast path does not find; of tennyu seeds 11–16 at 36 cities, 12, 13 and 16 keep
    10 or more and 14 and 15 none."""
    procedure, seed = MERGED
    folder = nationwide_set(tmp_path_factory.mktemp("merged"), procedure, N, seed)
    exact, fast = (json.loads(run("compare", str(folder), "--format", "json", f"--{m}")) for m in ("exact", "fast"))
    (se, pe), (sf, pf) = _merged(exact), _merged(fast)
    assert len(se) >= 15, "the generated set has merged steps to find"
    both = len(se & sf)
    assert both / len(se) >= 0.6 and both / len(sf) >= 0.6, (len(se), len(sf), both)
    precision, recall = len(pe & pf) / len(pf), len(pe & pf) / len(pe)
    assert 2 * precision * recall / (precision + recall) >= 0.5, (precision, recall)


def test_the_benchmark_scores_each_path_against_the_generator_ids(generated: Path, exact_json: str,
                                                                  fast_json: str) -> None:
    """`bench_compare.against_ids`: the generator keeps the library's step ids, one per activity
    in every city, so two cities' steps with one id are the same activity, a truth both paths
    approximate (F1 0.970 exact and 0.972 fast on this set). An alignment that keeps every step
    alone finds none of it; one that puts two cities' whole flows in one entry is mostly wrong."""
    exact, ids = json.loads(exact_json), bench.base_ids(generated)
    for doc in (exact, json.loads(fast_json)):
        assert float(bench.against_ids(doc, ids).split()[1]) >= 0.95
    alone = {"alignment": [{v: s} for entry in exact["alignment"] for v, s in entry.items()]}
    assert bench.against_ids(alone, ids).startswith("F1 0.0000")
    a, b = exact["variants"][:2]
    flows = {v: [s for entry in exact["alignment"] for s in ([entry[v]] if isinstance(entry.get(v), str)
                                                                  else entry.get(v, []))] for v in (a, b)}
    precision = float(bench.against_ids({"alignment": [flows]}, ids).split()[3])
    assert 0 < precision < 0.2


def _shape(x: object) -> object:
    """The JSON's structure with the values left out: keys of objects, one element of lists."""
    if isinstance(x, dict):
        return {k: _shape(v) for k, v in x.items()} if all(k.isascii() for k in x) and len(x) < 20 else "map"
    if isinstance(x, list):
        return ["list"] if not x else [_shape(x[0])]
    return type(x).__name__ if not isinstance(x, int | float) or isinstance(x, bool) else "number"


#: keys of an alignment_details entry written only where they have something to say
OPTIONAL_DETAILS = ("merged", "review", "unpaired")


def test_the_json_contract_has_the_same_shape(exact_json: str, fast_json: str) -> None:
    exact, fast = json.loads(exact_json), json.loads(fast_json)
    assert list(fast) == list(exact)
    # the cells paired apart are read off the pair alignments, which the fast path does not make
    assert not any("unpaired" in d for d in fast["alignment_details"])
    for doc in (exact, fast):
        for d in doc["alignment_details"]:
            for key in OPTIONAL_DETAILS:
                d.pop(key, None)
    assert _shape(fast) == _shape(exact)
    assert list(fast["similarity"]) == ["node", "structural", "behavioural", "mean"]
    assert set(fast["deviations"]) == set(exact["deviations"])
    # the fast path writes each matrix row on one line, three decimals; the exact path is unchanged
    row = next(line for line in fast_json.splitlines() if line.strip().startswith("[1.0,"))
    assert all(len(x.strip().rstrip(",]").split(".")[-1]) <= 3 for x in row.split(",") if "." in x)
    assert '"node": [\n      [\n        1.0,' in exact_json


def test_fast_output_is_deterministic(generated: Path, fast_json: str) -> None:
    assert run("compare", str(generated), "--format", "json", "--fast") == fast_json


def test_the_size_picks_the_path(generated: Path, exact_json: str, fast_json: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert comparison.chosen_method("auto", comparison.FAST_FROM - 1) == "exact"
    assert comparison.chosen_method("auto", comparison.FAST_FROM) == "fast"
    assert str(comparison.FAST_FROM) in run("compare", "--help").replace("\n", " ")
    # below the threshold, the default is the exact path byte for byte; from it on, the fast one
    monkeypatch.setattr(comparison, "FAST_FROM", N + 1)
    assert run("compare", str(generated), "--format", "json") == exact_json
    monkeypatch.setattr(comparison, "FAST_FROM", N)
    assert run("compare", str(generated), "--format", "json") == fast_json


def test_fast_and_exact_exclude_each_other(generated: Path) -> None:
    r = CliRunner().invoke(app, ["compare", str(generated), "--fast", "--exact"])
    assert r.exit_code == 2
    assert "--fast and --exact exclude each other" in r.output
    assert "Traceback" not in r.output


def test_every_format_takes_the_fast_path(generated: Path) -> None:
    table = run("compare", str(generated), "--fast")
    assert "類似度" in table
    csv = run("compare", str(generated), "--fast", "--format", "csv")
    assert csv.count("\n") > 10
