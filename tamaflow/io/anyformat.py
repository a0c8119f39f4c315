"""One loader for every model format tamaflow reads, chosen by file extension.

`compare` and other commands that accept "any process model" call `load_any`; they do not need
to know which reader handles which format.
"""

from __future__ import annotations

from pathlib import Path

from ..model.findings import TamaflowError
from ..model.process import Process
from .yaml_loader import check_imported_labels, load_process_strict

#: file extensions by reader (lower case, with the dot)
YAML_SUFFIXES = (".yaml", ".yml")
BPMN_SUFFIXES = (".bpmn", ".bpmn2", ".xml")
PNML_SUFFIXES = (".pnml",)
SUFFIXES = YAML_SUFFIXES + BPMN_SUFFIXES + PNML_SUFFIXES


def model_format(path: str | Path) -> str:
    """'yaml', 'bpmn' or 'pnml' for a path, or a usage error for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix in BPMN_SUFFIXES:
        return "bpmn"
    if suffix in PNML_SUFFIXES:
        return "pnml"
    raise TamaflowError(f"{path}: unknown model format {suffix or '(no extension)'!r}: expected "
                        f"{', '.join(SUFFIXES)}", code="TF000")


def load_any(path: str | Path) -> Process:
    """Load a process from YAML (strictly validated), BPMN 2.0 or PNML.

    For BPMN/PNML the process `city` is the file stem as written (e.g. `FU_Berlin`)."""
    fmt = model_format(path)
    if fmt == "yaml":
        return load_process_strict(path)
    # the XML readers (lxml) load only for XML models: most runs read YAML alone
    if fmt == "bpmn":
        from .bpmn.read import read_bpmn

        proc = read_bpmn(str(path))
    else:
        from .pnml import read_pnml

        proc = read_pnml(str(path))
    check_imported_labels(proc)  # the limits `validate` puts on a YAML file's labels (TF018, TF019)
    return proc


__all__ = ["load_any", "model_format", "SUFFIXES"]
