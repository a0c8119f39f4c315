"""All-pairs comparison on a Dask cluster: `tamaflow compare --exact --dask ADDRESS`, `summary --dask`.

A `DaskCluster` is a connection (a LocalCluster started here for `local`, or a running
scheduler's address) that hands `compare_processes` a `PairRunner` per comparison. The runner
pickles the comparison's models (processes, catalogue, options) once, scatters the bytes to
every worker, and maps chunks of pairs onto them; each worker rebuilds the `Matcher` from those
bytes (deterministic: the same views, label space and options as here) and runs
`compare.pairs.measure_pair`, the same unit of work as the local run. `compare_processes` sorts
whatever order the results come back in, so the JSON is byte-identical to a local run.

Dask (`distributed`) is the optional extra `tamaflow[dask]`; it is imported only when `--dask`
is given, and its absence is one line, not a traceback.
"""

from __future__ import annotations

import hashlib
import logging
import math
import pickle
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np

from ..compare import CompareOptions
from ..compare.align import Matcher, for_language, japanese_flows, match_vocabulary
from ..compare.pairs import PairResult, PairRunner, measure_pair
from ..compare.similarity import GedWeights
from ..compare.variant import build_view
from ..model.findings import TamaflowError
from ..model.process import Process

#: `local`, `local:N` (N worker processes) or a scheduler address such as tcp://host:8786
ADDRESS = re.compile(r"local(?::(?P<workers>[1-9]\d{0,2}))?|(?:tcp|tls)://[A-Za-z0-9._\-\[\]:]+:\d{1,5}")
#: how long to wait for a remote scheduler before saying it is unreachable
CONNECT_TIMEOUT_S = 10
#: chunks per worker thread: enough to balance uneven pairs and lost workers, few enough that the
#: per-task overhead (a few ms) stays far below the work (≈ 2 ms per pair, 1,000s per chunk)
CHUNKS_PER_THREAD = 8
#: a chunk's most pairs: progress advances and a lost worker redoes little
MAX_CHUNK = 2000
INSTALL_HINT = "pip install 'tamaflow[dask]'"


def check_address(address: str) -> str:
    """The address as given, or a usage error naming the accepted forms."""
    if not ADDRESS.fullmatch(address):
        raise TamaflowError(f"--dask {address}: not a Dask address (use `local`, `local:N` for N workers, "
                            "or the scheduler's tcp://HOST:PORT, e.g. tcp://scheduler-host:8786)", code="TF000")
    return address


def chunks(pairs: Sequence[tuple[int, int]], threads: int) -> list[list[tuple[int, int]]]:
    """Consecutive runs of `pairs` (consecutive pairs share their first variant, so a worker's
    matcher reuses its cached label row), about `CHUNKS_PER_THREAD` per thread."""
    if not pairs:
        return []
    size = min(MAX_CHUNK, max(1, math.ceil(len(pairs) / (max(1, threads) * CHUNKS_PER_THREAD))))
    return [list(pairs[k:k + size]) for k in range(0, len(pairs), size)]


# ----- the worker side -----------------------------------------------------------------------

#: per worker thread: (models token, the Matcher rebuilt from them). A Matcher caches a label row
#: between calls, so threads of one worker must not share one.
_local = threading.local()
_NO_MATRIX = np.zeros((0, 0))


def matcher_from(blob: bytes, token: str) -> Matcher:
    """The Matcher of the pickled (processes, catalogue, options), rebuilt once per worker thread
    and comparison, exactly as `compare_processes` builds it."""
    cached = getattr(_local, "matcher", None)
    if cached is not None and cached[0] == token:
        return cached[1]  # type: ignore[no-any-return]
    processes, catalogue, options = pickle.loads(blob)
    views = [build_view(p) for p in processes]
    match = for_language(options.match, japanese_flows(views))
    matcher = Matcher(views, match_vocabulary(catalogue, match), match)
    _local.matcher = (token, matcher)
    return matcher


def measure_chunk(blob: bytes, token: str, chunk: list[tuple[int, int]], ged: GedWeights | None) -> list[PairResult]:
    """What a worker runs: `measure_pair` for every pair of the chunk.

    The pair's label-similarity matrix is left on the worker (an empty one is sent back): only
    the measures read it, and they ran here. At 60 steps it is 29 kB of a pair's ≈ 30 kB, so
    1.5 million pairs come back as about 2 GB instead of 45 GB; no output of a comparison
    (JSON, tables, site) contains it."""
    matcher = matcher_from(blob, token)
    out = []
    for i, j in chunk:
        res = measure_pair(matcher, i, j, ged)
        out.append(replace(res, alignment=replace(res.alignment, label_sim=_NO_MATRIX)))
    return out


# ----- the client side -----------------------------------------------------------------------


class DaskCluster:
    """A connected Dask client; `runner(...)` gives the PairRunner of one comparison."""

    def __init__(self, client: Any, address: str) -> None:
        self.client = client
        self.address = address

    def threads(self) -> int:
        """Worker threads in the cluster now (at least 1: the scheduler queues work until one joins)."""
        return max(1, sum(self.client.nthreads().values()))

    def runner(self, processes: Sequence[Process], catalogue: Mapping[str, Sequence[str]] | None,
               options: CompareOptions) -> PairRunner:
        """The PairRunner for `compare_processes(processes, catalogue, options, runner=…)`."""
        blob = pickle.dumps((list(processes), {k: list(v) for k, v in (catalogue or {}).items()}, options),
                            protocol=pickle.HIGHEST_PROTOCOL)
        token = hashlib.sha256(blob).hexdigest()

        def run(_matcher: Matcher, pairs: Sequence[tuple[int, int]], ged: GedWeights | None) -> Iterator[PairResult]:
            yield from self._run(blob, token, pairs, ged)

        return run

    def _run(self, blob: bytes, token: str, pairs: Sequence[tuple[int, int]],
             ged: GedWeights | None) -> Iterator[PairResult]:
        from distributed import as_completed

        work = chunks(pairs, self.threads())
        if not work:
            return
        models = self.client.scatter(blob, broadcast=True, hash=False)
        futures = self.client.map(measure_chunk, [models] * len(work), [token] * len(work), work,
                                  [ged] * len(work), pure=False)
        try:
            for fut in as_completed(futures):
                try:
                    results = fut.result()
                except Exception as e:  # a worker without tamaflow, another version, a lost worker
                    raise TamaflowError(f"--dask {self.address}: a worker failed: {type(e).__name__}: {e} "
                                        f"(every worker needs the same tamaflow: {INSTALL_HINT})", code="TF000") from None
                fut.release()
                yield from results
        finally:
            self.client.cancel(futures)
            self.client.cancel([models])


@contextmanager
def connect(address: str) -> Iterator[DaskCluster]:
    """A client for `address`: `local` / `local:N` starts a LocalCluster here (one thread per
    worker process, no dashboard), anything else connects to a running scheduler. Closed on exit."""
    m = ADDRESS.fullmatch(check_address(address))
    assert m is not None
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise TamaflowError(f"--dask needs the optional Dask extra: {INSTALL_HINT}", code="TF000") from None
    # Dask logs connection retries and worker start-up at INFO/WARNING on stderr; the user gets
    # our one line instead
    quiet = [logging.getLogger(name) for name in ("distributed", "tornado")]
    levels = [lg.level for lg in quiet]
    for lg in quiet:
        lg.setLevel(logging.CRITICAL)
    cluster = None
    try:
        if address.startswith("local"):
            workers = int(m.group("workers")) if m.group("workers") else None
            try:
                # the scheduler's HTTP server (health and metrics routes; no dashboard without
                # bokeh) on a free port of this machine only: a fixed 8787 clashes with any other
                # cluster running here (a second `--dask local`, two test runs) and warns
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
                client = Client(cluster)
            except Exception as e:
                raise TamaflowError(f"--dask local: could not start a local Dask cluster: {e}", code="TF000") from None
        else:
            try:
                client = Client(address, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as e:
                raise TamaflowError(f"--dask {address}: cannot reach the Dask scheduler ({type(e).__name__}: {e}); "
                                    "start one with `dask scheduler` and workers with `dask worker ADDRESS`",
                                    code="TF000") from None
        try:
            yield DaskCluster(client, address)
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
        for lg, level in zip(quiet, levels, strict=True):
            lg.setLevel(level)
