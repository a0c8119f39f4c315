"""Issue 12 part 4: `--dask ADDRESS` on compare and summary (tamaflow/app/distributed.py).

The cluster tests start a LocalCluster of 2 worker processes and need the optional extra
`tamaflow[dask]` (the Makefile installs it, so CI runs them); without it they skip with that
reason. The usage errors (a bad address, the extra missing) are checked without Dask.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tamaflow.app.distributed import MAX_CHUNK, DaskCluster, chunks
from tamaflow.cli import app
from tamaflow.model import Process

ROOT = Path(__file__).resolve().parents[1]
TENNYU = ROOT / "processes" / "tennyu"
HAVE_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(not HAVE_DASK, reason="the optional extra tamaflow[dask] is not installed "
                                "(pip install -e '.[test,dask]'; `make install` does)")

runner = CliRunner()


def tamaflow(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The real command in a process of its own, as a user runs it (Dask spawns its workers from it)."""
    return subprocess.run([sys.executable, "-m", "tamaflow", *args], cwd=ROOT, capture_output=True, timeout=600)


def one_line_error(r: subprocess.CompletedProcess[bytes]) -> str:
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_chunks_cover_every_pair_once_in_order() -> None:
    pairs = [(i, j) for i in range(40) for j in range(i + 1, 40)]
    got = chunks(pairs, threads=2)
    assert [p for c in got for p in c] == pairs
    assert len(got) == 16 and max(len(c) for c in got) <= MAX_CHUNK
    assert chunks([], threads=4) == []
    big = [(0, j) for j in range(1, 100_000)]
    assert max(len(c) for c in chunks(big, threads=1)) == MAX_CHUNK


@pytest.mark.parametrize("address", ["foo", "tcp://host", "local:0", "http://host:8786", "local:x"])
def test_bad_address_is_one_line_and_exit_2(address: str) -> None:
    r = runner.invoke(app, ["compare", str(TENNYU), "--dask", address])
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert f"--dask {address}: not a Dask address" in r.stderr
    assert "tcp://" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_missing_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    for command in (["compare", str(TENNYU)], ["summary", str(ROOT / "processes")]):
        r = runner.invoke(app, [*command, "--dask", "local"])
        assert r.exit_code == 2, r.output
        assert r.stderr.strip() == "--dask needs the optional Dask extra: pip install 'tamaflow[dask]'"


@needs_dask
def test_unreachable_scheduler_is_one_line() -> None:
    r = tamaflow("compare", str(TENNYU), "--dask", "tcp://127.0.0.1:9")
    err = one_line_error(r)
    assert err.startswith("--dask tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert "dask scheduler" in err and r.stdout == b""


@needs_dask
def test_compare_on_a_local_cluster_gives_the_same_json_bytes() -> None:
    local = tamaflow("compare", str(TENNYU), "--format", "json")
    assert local.returncode == 0, local.stderr.decode()
    on_dask = tamaflow("compare", str(TENNYU), "--format", "json", "--dask", "local:2")
    assert on_dask.returncode == 0, on_dask.stderr.decode()
    assert on_dask.stdout == local.stdout
    assert b'"similarity"' in local.stdout and len(local.stdout) > 10_000


def _models(folder: Path) -> tuple[list[Process], dict[str, list[str]]]:
    """The processes of one folder and their library's catalogue, read as `tamaflow compare` reads them."""
    from tamaflow.app.compare import collect_models, load_catalogue_for, load_models

    return load_models(collect_models([str(folder)])).processes, load_catalogue_for([str(folder)])


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskCluster]:
    """One LocalCluster of 2 workers for the tests below (starting one takes seconds)."""
    from tamaflow.app.distributed import connect

    with connect("local:2") as c:
        yield c


@needs_dask
def test_the_pairs_run_on_both_workers_and_give_the_local_comparison(cluster: DaskCluster) -> None:
    from distributed import get_task_stream

    from tamaflow.compare import CompareOptions, compare_processes, to_json

    procs, catalogue = _models(TENNYU)
    options = CompareOptions()
    expected = to_json(compare_processes(procs, catalogue, options))
    seen: list[tuple[int, int]] = []
    assert len(cluster.client.nthreads()) == 2
    with get_task_stream(cluster.client) as stream:
        comp = compare_processes(procs, catalogue, options, progress=lambda done, total: seen.append((done, total)),
                                 runner=cluster.runner(procs, catalogue, options))
    assert to_json(comp) == expected
    n = len(procs) * (len(procs) - 1) // 2
    assert seen[-1] == (n, n)
    tasks = [t for t in stream.data if "measure_chunk" in str(t["key"])]
    assert len(tasks) == len(chunks([(0, 1)] * n, 2))
    assert len({t["worker"] for t in tasks}) == 2, "both workers should have taken chunks"


def _local_and_on_workers(folder: Path, cluster: DaskCluster) -> tuple[str, str]:
    """`compare`'s JSON of one folder, aligned here and on the cluster's workers."""
    from tamaflow.compare import CompareOptions, compare_processes, to_json

    procs, catalogue = _models(folder)
    options = CompareOptions()
    local = to_json(compare_processes(procs, catalogue, options))
    return local, to_json(compare_processes(procs, catalogue, options, runner=cluster.runner(procs, catalogue, options)))


@needs_dask
def test_a_comparison_worded_apart_on_the_whole_is_decided_alike_on_the_workers(cluster: DaskCluster) -> None:
    # four councils' housing-benefit changes, most pairs worded apart: each worker rebuilds the
    # matcher from the same flows and so decides the same (`Matcher.wording`), and the
    # steps Belfast's and Salford's labels leave over are paired by place there too
    local, on_workers = _local_and_on_workers(ROOT / "benchmarks" / "data" / "align-en-dev" / "benefit-change", cluster)
    assert on_workers == local
    rows = json.loads(local)["alignment"]
    assert any(g.get("belfast") == "proof_sent" and g.get("salford") == "send_in" for g in rows), rows


@needs_dask
def test_a_chain_checked_against_a_label_matrix_the_worker_kept_reads_it_here(cluster: DaskCluster) -> None:
    # bulky-waste collections: grouping checks a chain through a merged step against the two
    # steps' own label similarity, whose matrix a worker does not send back (45 GB at 1.5
    # million pairs); the client's matcher computes that pair's again (this raised IndexError)
    local, on_workers = _local_and_on_workers(ROOT / "benchmarks" / "data" / "align-en-dev2" / "bulky-waste", cluster)
    assert on_workers == local


@needs_dask
def test_summary_on_a_running_scheduler_gives_the_same_csv(tmp_path: Path, cluster: DaskCluster) -> None:
    # two procedures of the library (the whole library takes minutes on a loaded 2-core machine);
    # the fixture's scheduler is a running one, reached by its tcp:// address as a user's would be
    for name in ("cities.yaml", "catalogue.yaml"):
        shutil.copyfile(ROOT / "processes" / name, tmp_path / name)
    for proc in ("tennyu", "inu-toroku"):
        shutil.copytree(ROOT / "processes" / proc, tmp_path / proc)
    address = cluster.client.scheduler.address
    assert address.startswith("tcp://")
    local = runner.invoke(app, ["summary", str(tmp_path), "--format", "csv"])
    on_dask = runner.invoke(app, ["summary", str(tmp_path), "--format", "csv", "--dask", address])
    assert local.exit_code == 0 and on_dask.exit_code == 0, on_dask.output
    assert on_dask.stdout == local.stdout and "similarity" in local.stdout and "inu-toroku" in local.stdout


@needs_dask
def test_a_second_local_cluster_on_the_machine_starts_without_a_port_warning(cluster: DaskCluster) -> None:
    """Two `--dask local` runs on one machine (two analysts, two test runs): the second one's
    scheduler must not fight the first for the HTTP port 8787, which Dask answers with a warning
    on stderr. The fixture's cluster is running; port 8787 is held here too, where it is free."""
    import socket
    import warnings

    from tamaflow.app.distributed import connect

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # something else holds it already: the same situation
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with connect("local:1") as second:
                assert second.client.scheduler.address != cluster.client.scheduler.address
    finally:
        holder.close()
