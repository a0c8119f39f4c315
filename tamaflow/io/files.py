"""Writing outputs safely: atomically (temp file + rename) and never over an analyst's file
without being told to."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..model.findings import TamaflowError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that readers see the old file or the new one, never half of it.

    mkstemp creates the temp file 0600; the result gets the mode a plain `open()` would give
    (0666 minus the umask), so diagrams and generated files stay readable by colleagues."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class OverwriteRefused(TamaflowError):
    """A target exists and the caller did not allow overwriting it (a usage error). The message
    says so in the library's terms; the CLI adds how to allow it (its `--force` flag)."""


def refuse_overwrite(path: Path, force: bool) -> None:
    """Raise `OverwriteRefused` unless `path` is free or `force` was given."""
    if path.exists() and not force:
        raise OverwriteRefused(f"{path} exists: not overwriting it", str(path), 1, 1, "TF000")


def find_upwards(start: Path, name: str) -> Path | None:
    """The file `name` in the nearest folder at or above `start` (a file's own folder first):
    how a library root, the rule configuration and the JSON Schema are found."""
    p = start.resolve()
    if p.is_file():
        p = p.parent
    for d in (p, *p.parents):
        if (d / name).is_file():
            return d / name
    return None


def shown_path(path: Path) -> str:
    """`path` as the analyst would type it in a message: relative to the current folder when
    it lies below it, else as it is."""
    rel = os.path.relpath(path)
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()
