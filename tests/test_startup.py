"""`tamaflow --help` and `tamaflow validate` must start fast (issue 10): importing the CLI loads
no analysis stack. The compare, score, render and publish packages (and scipy, matplotlib behind
them) are imported only inside the commands that use them; see benchmarks/bench_startup.py for
the timing itself. `tamaflow validate FILE` does not even load networkx: the checks read the
plain graph of model/graph.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_compare_to_json_loads_no_terminal_or_xml_stack() -> None:
    """rich draws tables and progress bars on a terminal, lxml reads BPMN: `compare --format json`
    of YAML variants into a pipe needs neither, and a user running it pays for every import."""
    code = ("from tamaflow.cli import app\ntry:\n    app(['compare', 'processes/tennyu', '--format', 'json'])\n"
            "except SystemExit:\n    pass")
    loaded = loaded_after(code)
    assert "tamaflow.compare" in loaded  # the command ran
    assert sorted(m for m in loaded if m.split(".")[0] in ("rich", "lxml")) == []
