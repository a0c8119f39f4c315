"""`tamaflow --help` and `tamaflow validate` must start fast (issue 10): importing the CLI loads
no analysis stack. The compare, score, render and publish packages (and scipy, matplotlib behind
them) are imported only inside the commands that use them; see benchmarks/bench_startup.py for
the timing itself. `tamaflow validate FILE` does not even load networkx: the checks read the
plain graph of model/graph.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: top-level modules and tamaflow packages that `import tamaflow.cli` must leave unloaded
HEAVY = ("scipy", "matplotlib", "numpy", "tamaflow.compare", "tamaflow.score", "tamaflow.render",
         "tamaflow.publish", "tamaflow.app.publish", "tamaflow.app.compare", "tamaflow.app.summary")


def loaded_after(code: str) -> set[str]:
    """Module names in sys.modules after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_the_cli_loads_no_analysis_stack() -> None:
    assert heavy_in(loaded_after("import tamaflow.cli")) == []


def test_help_loads_no_analysis_stack() -> None:
    code = "import sys\nfrom tamaflow.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    assert heavy_in(loaded_after(code)) == []


def test_validate_loads_no_analysis_stack() -> None:
    code = ("from tamaflow.cli import app\ntry:\n    app(['validate', 'processes/tennyu/kunitachi.yaml'])\n"
            "except SystemExit:\n    pass")
    assert heavy_in(loaded_after(code)) == []


def test_validate_does_not_import_networkx() -> None:
    """networkx is most of what a validate used to spend importing; only compare, score and render
    (through `to_graph`) need it."""
    for target in ("processes/tennyu/kunitachi.yaml", "processes/"):
        code = (f"from tamaflow.cli import app\ntry:\n    app(['validate', {target!r}])\n"
                "except SystemExit:\n    pass")
        assert sorted(m for m in loaded_after(code) if m == "networkx" or m.startswith("networkx.")) == []


#: what `compare` of YAML variants needs for none of its formats: the XML, plotting and graph
#: stacks, and scipy's optimisation, clustering and linear-algebra packages (its two compiled
#: routines come through tamaflow/compare/scipy_core.py without them; together about a quarter
#: of a cold run, benchmarks/bench_compare.py --cold)
NOT_FOR_COMPARE = ("lxml", "matplotlib", "networkx", "openpyxl", "scipy.optimize", "scipy.cluster", "scipy.spatial",
                   "scipy.linalg", "scipy.special", "tamaflow.render", "tamaflow.publish", "tamaflow.score")
#: the two compiled modules scipy_core.py loads by file, without their packages
COMPILED = ("scipy.optimize._lsap", "scipy.cluster._hierarchy")


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table", "xlsx"])
def test_compare_loads_only_what_its_format_needs(fmt: str, tmp_path: Path) -> None:
    """rich draws the terminal table and XlsxWriter the workbook: every other format of
    `compare` into a pipe leaves them unloaded, and none loads the stacks above. A user
    running it pays for every import."""
    args = ["compare", "processes/tennyu", "--format", fmt]
    if fmt == "xlsx":
        args += ["-o", str(tmp_path / "out.xlsx")]
    code = f"from tamaflow.cli import app\ntry:\n    app({args!r})\nexcept SystemExit:\n    pass"
    loaded = loaded_after(code)
    assert "tamaflow.compare" in loaded  # the command ran
    assert sorted(m for m in set(loaded) - set(COMPILED)
                  if any(m == h or m.startswith(h + ".") for h in NOT_FOR_COMPARE)) == []
    assert ("rich" in loaded) == (fmt == "table")
    assert ("xlsxwriter" in loaded) == (fmt == "xlsx")
    if fmt == "xlsx":
        assert (tmp_path / "out.xlsx").stat().st_size > 0


def test_the_command_keeps_blas_to_one_thread_unless_told() -> None:
    """compare's thousands of small matrix products ran slower with OpenBLAS's second thread
    (it spins between products); the CLI asks for one before numpy loads, unless the user set
    OPENBLAS_NUM_THREADS."""
    probe = "import os, tamaflow.cli\nprint(os.environ.get('OPENBLAS_NUM_THREADS'))"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    run = [sys.executable, "-c", probe]
    assert subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip() == "1"
    mine = subprocess.run(run, cwd=ROOT, env={**env, "OPENBLAS_NUM_THREADS": "2"}, capture_output=True, text=True,
                          check=True).stdout.strip()
    assert mine == "2"
