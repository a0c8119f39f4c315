"""Settings for the whole test run.

The optional word vectors (`tamaflow[semantic]`) are switched off here, for the case where the
suite runs in an environment that has the extra: every other test checks what a plain
`pip install tamaflow` does, which must reach its goals without them.
tests/test_compare_semantic.py switches them on where it tests them. Subprocesses started by
tests inherit the setting."""

from __future__ import annotations

import os

os.environ["TAMAFLOW_SEMANTIC"] = "0"
