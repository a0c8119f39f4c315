"""Settings for the whole test run.

The optional word vectors (`tamaflow[semantic]`) take part only where TAMAFLOW_SEMANTIC=1 asks for
them; the switch is set to 0 here, so that a developer's shell that asks for them does not change
what every other test checks: what tamaflow does by default, which must reach its goals without
them.
tests/test_compare_semantic.py switches them on where it tests them. Subprocesses started by
tests inherit the setting."""

from __future__ import annotations

import os

os.environ["TAMAFLOW_SEMANTIC"] = "0"
