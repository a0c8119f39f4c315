"""Speed refactors of compare that must not change a number: the label similarity computed over
distinct labels and spread back (labelspace.LabelSpace.block, align.Matcher.label_matrix), and
reachability as bit masks (variant._descendant_masks). Each is held here to the direct
computation it replaced, on the library and on every fixture flow (loops, parallel and
inclusive splits, events)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from tamaflow.app.lenient import usable_models
from tamaflow.compare import align
from tamaflow.compare.align import Matcher
from tamaflow.compare.variant import (
    EXCLUSIVE,
    INTERLEAVING,
    ORDER,
    REVERSE,
    Node,
    _flow_order,
    branch_relation,
    build_view,
)
from tamaflow.model.graph import descendants, reachable_from

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = sorted((ROOT / "processes").glob("*/"))
FIXTURES = sorted(str(p) for p in (ROOT / "tests" / "fixtures").rglob("*.yaml"))


@pytest.mark.parametrize("folder", LIBRARY, ids=lambda p: p.name)
def test_label_block_over_distinct_labels_equals_every_pair(folder: Path) -> None:
    procs = usable_models([str(f) for f in sorted(folder.glob("*.yaml"))]).processes
    space = Matcher([build_view(p) for p in procs]).space
    every = np.arange(len(space.items))
    assert len(set(space.same_as.tolist())) < len(every)  # cities share wordings: the shortcut is taken
    assert np.array_equal(space.block(every, every), space._block(every, every))
    rows = every[::3]
    assert np.array_equal(space.block(rows, every), space._block(rows, every))


def test_one_block_of_distinct_labels_serves_every_pair_as_the_row_blocks_did(monkeypatch: pytest.MonkeyPatch) -> None:
    procs = usable_models([str(f) for f in sorted((ROOT / "processes" / "tennyu").glob("*.yaml"))]).processes
    views = [build_view(p) for p in procs]
    one = Matcher(views)
    monkeypatch.setattr(align, "FULL_BLOCK", 0)  # too many distinct labels: a row block per variant
    rows = Matcher(views)
    for i in range(len(views)):
        for j in range(len(views)):
            assert np.array_equal(one.label_matrix(i, j), rows.label_matrix(i, j))
    assert one._distinct is not None and rows._distinct is False


def searched_profile(g: nx.DiGraph, nodes: list[Node], index_of: dict[str, int],
                     order: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Reachability and behavioural profile as `variant._profile` computed them before the bit
    masks: a search from every step and from every branch of every split."""
    n = len(nodes)
    reach = np.zeros((n, n), dtype=bool)
    for x in nodes:
        for y in descendants(g, x.id):
            if y in index_of:
                reach[index_of[x.id], index_of[y]] = True
    profile = np.zeros((n, n), dtype=np.int8)
    fwd = reach & ~reach.T
    profile[fwd] = ORDER
    profile[fwd.T] = REVERSE
    profile[reach & reach.T] = INTERLEAVING
    neither = ~reach & ~reach.T
    rank = {x: k for k, x in enumerate(order)}
    splits = [x for x in g.nodes
              if g.out_degree(x) > 1 and g.nodes[x].get("type") in ("gateway", "task", "event", "start")]
    splits.sort(key=lambda x: rank.get(x, 10**9), reverse=True)
    branch_sets = []
    for sp in splits:
        step = g.nodes[sp].get("step")
        kind = step.gateway if step is not None and step.gateway else "parallel"
        branch_sets.append((kind, [{index_of[y] for y in reachable_from(g.succ, [t]) if y in index_of}
                                   for t in g.successors(sp)]))
    for i in range(n):
        for j in range(n):
            if i == j or not neither[i, j] or profile[i, j]:
                continue
            # the relation rule itself is shared: what is checked here is the reachability
            profile[i, j] = profile[j, i] = branch_relation(i, j, branch_sets)
    for i in range(n):
        profile[i, i] = INTERLEAVING if reach[i, i] else EXCLUSIVE
    return reach, profile


def test_reachability_bit_masks_equal_a_search_from_every_step() -> None:
    files = [str(p) for folder in LIBRARY for p in sorted(folder.glob("*.yaml"))] + FIXTURES
    procs = usable_models(files).processes
    assert len(procs) > 100
    shapes = set()
    for proc in procs:
        view = build_view(proc)
        order = _flow_order(view.graph, {s.id: i for i, s in enumerate(proc.steps)})
        reach, profile = searched_profile(view.graph, view.nodes, view.index_of, order)
        assert np.array_equal(view.reach, reach), proc.path
        assert np.array_equal(view.profile, profile), proc.path
        shapes.update(int(x) for x in np.unique(profile))
    assert shapes == {ORDER, REVERSE, EXCLUSIVE, INTERLEAVING}  # loops and parallel branches were met


@pytest.mark.parametrize("method", ["--exact", "--fast"])
def test_compare_csv_runs_no_measure_and_writes_what_the_full_comparison_writes(
        method: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`compare --format csv` is the alignment alone: it runs none of the similarity measures
    (a quarter of a cold run's work) and writes the CSV and the --emit-standard file the full
    comparison gives, byte for byte."""
    from typer.testing import CliRunner

    from tamaflow.app.compare import compare_files, write_standard
    from tamaflow.cli import app
    from tamaflow.compare import fastsim, pairs, report

    folder = str(ROOT / "processes" / "tennyu")
    full = compare_files([folder], method=method.lstrip("-")).comparison  # type: ignore[arg-type]
    assert full.similarity  # the full comparison measured
    write_standard(full, tmp_path / "full.yaml")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a similarity measure ran for the CSV")

    for module, name in ((pairs, "node_matching"), (pairs, "structural"), (pairs, "behavioural"),
                         (fastsim, "structural_all"), (fastsim, "behavioural_all")):
        monkeypatch.setattr(module, name, refuse)
    result = CliRunner().invoke(app, ["compare", folder, "--format", "csv", method,
                                      "--emit-standard", str(tmp_path / "csv.yaml")])
    assert result.exit_code == 0, result.output
    assert result.stdout == report.to_csv(full)
    assert (tmp_path / "csv.yaml").read_bytes() == (tmp_path / "full.yaml").read_bytes()
