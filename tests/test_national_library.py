"""benchmarks/national_library.py at small size: the library it builds (every procedure × the same
generated municipalities, the catalogue, cities.yaml extended by the slugs) validates through the
CLI with the library rules on, so the 35,000-file figures are measured on a clean library."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("national_library", ROOT / "benchmarks" / "national_library.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_built_library_validates_with_the_library_rules(tmp_path: Path) -> None:
    lib = _load()
    n = lib.build(tmp_path, 2, seed=0, force=False)
    procedures = lib.procedures()
    assert n == 2 * len(procedures) >= 24
    slugs = {p.stem for p in tmp_path.glob("*/*.yaml")}
    assert len(slugs) == 2 and all(s.startswith("m") for s in slugs)  # the same municipalities everywhere
    cities = yaml.safe_load((tmp_path / "cities.yaml").read_text(encoding="utf-8"))["cities"]
    assert slugs <= set(cities) and "hachioji" in cities
    assert (tmp_path / "catalogue.yaml").read_bytes() == (ROOT / "processes" / "catalogue.yaml").read_bytes()
    r = subprocess.run([sys.executable, "-m", "tamaflow", "validate", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{n} file(s): 0 error(s), 0 warning(s)" in r.stderr
    assert lib.build(tmp_path, 2, seed=0, force=False) == n  # a build of this size is reused
