"""The calibration of the RPA model against published municipal results (docs/score.md §7):
the cases in tests/fixtures/rpa-cases/ validate, benchmarks/calibrate_rpa.py regenerates the
table in docs/score.md byte for byte, and the shipped `realisation` and `realisation_range` are
what the fit gives. So the docs, the config and the cases cannot drift apart.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.score import default_config, score_process

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "calibrate_rpa.py"
CASES = ROOT / "tests" / "fixtures" / "rpa-cases"


def _script() -> ModuleType:  # benchmarks/ is not a package: load the script as a module
    spec = importlib.util.spec_from_file_location("calibrate_rpa", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["calibrate_rpa"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cal() -> ModuleType:
    return _script()


@pytest.fixture(scope="module")
def result(cal: ModuleType):  # type: ignore[no-untyped-def]
    return cal.calibrate(cal.load_cases(CASES))


def test_case_files_validate_through_the_cli() -> None:
    r = CliRunner().invoke(app, ["validate", str(CASES / "processes")])
    assert r.exit_code == 0, r.output
    assert "0 error(s), 0 warning(s)" in r.output


def test_docs_table_is_regenerated_from_the_fixtures() -> None:
    """The script's own --check, on the real fixtures and the real docs/score.md."""
    r = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    doc = (ROOT / "docs" / "score.md").read_text(encoding="utf-8")
    assert "| 定数: 他の事例の中央値 |" in doc and "| η を適合 (LOO): 出荷時の既定値 |" in doc


def test_cases_are_published_and_sourced(cal: ModuleType) -> None:
    cases = cal.load_cases(CASES)
    assert len(cases) >= 15
    assert len({c.body for c in cases}) >= 6  # not one city's table
    for c in cases:
        assert c.url.startswith(("http://", "https://")), c.file
        assert c.process.source, f"{c.file} has no source URL"
        assert c.url in c.process.source, f"{c.file}: the figure's page is not among the file's sources"


def test_shipped_realisation_is_the_fit(result, cal: ModuleType) -> None:  # type: ignore[no-untyped-def]
    cfg = default_config()
    assert cfg.realisation == result.fit_eta.eta
    low, high, full = cal.realisation_range(result)
    assert cfg.realisation_range == (low, high)
    assert low <= cfg.realisation <= high
    assert len(full) >= 5
    assert cfg.source("realisation") == cfg.source("realisation_range.low") == "[Municipal-RPA]"


def test_fit_beats_the_constant_baseline_held_out(result) -> None:  # type: ignore[no-untyped-def]
    """The claim docs/score.md makes: the model (prior and fitted) beats the median, held out."""
    assert result.loo_eta.mae < result.prior.mae < result.baseline.mae
    assert result.baseline.rho is None
    assert result.prior.rho is not None and result.prior.rho > 0.5


def test_prediction_is_potential_times_realisation(cal: ModuleType) -> None:
    """By hand: 愛知県 時間外勤務実績表の集計 is one digital, rule-based, structured step
    (potential 1), so its prediction at η 0.88 is 88 %; 小山市 法人市民税の電子申告審査 is two equal
    steps, one a judgement (gate 0): potential 0.5 → 44 %."""
    cases = {c.file: c for c in cal.load_cases(CASES)}
    pred = cal.Predictor(list(cases.values()))
    index = {f: i for i, f in enumerate(cases)}
    fit = cal.Fit(0.88, 0.75)
    assert pred.predict(fit, index["aichi-jikangai.yaml"]) == pytest.approx(88.0)
    assert pred.predict(fit, index["oyama-hojin.yaml"]) == pytest.approx(44.0)
    assert score_process(cases["oyama-hojin.yaml"].process).potential == pytest.approx(0.5)


def test_bad_cases_file_gives_positions(tmp_path: Path) -> None:
    (tmp_path / "processes").mkdir()
    src = CASES / "processes" / "aichi-mail.yaml"
    (tmp_path / "processes" / "aichi-mail.yaml").write_bytes(src.read_bytes())
    (tmp_path / "processes" / "extra.yaml").write_bytes(src.read_bytes())
    (tmp_path / "cases.yaml").write_text(
        "cases:\n"
        "  - file: aichi-mail.yaml\n    body: 愛知県\n    task: 振り分け\n    reduction: 110\n    url: https://x.example/\n"
        "  - file: nothere.yaml\n    body: 某市\n    task: 入力\n    reduction: 50\n    url: https://x.example/\n"
        "  - file: aichi-mail.yaml\n    body: 愛知県\n    task: 振り分け\n    url: https://x.example/\n    rate: 3\n",
        encoding="utf-8")
    r = subprocess.run([sys.executable, str(SCRIPT), "--cases", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    shown = str(tmp_path / "cases.yaml")
    assert f"{shown}:5:16: `reduction` is a percentage between 0 and 100, not 110" in lines
    assert f"{shown}:7:11: no process file processes/nothere.yaml" in lines
    assert f"{shown}:16:5: unknown field `rate` (known: file, body, task, reduction, url, before, after, unit, " \
           "approximate)" in lines
    assert any(line.endswith("processes/extra.yaml has no entry (add its published reduction and source)")
               and line.startswith(f"{shown}:2:3:") for line in lines)
    assert "Traceback" not in r.stderr


def test_stale_docs_are_caught_and_rewritten(tmp_path: Path, cal: ModuleType,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "score.md"
    text = (ROOT / "docs" / "score.md").read_text(encoding="utf-8")
    doc.write_text(text.replace("| 射水市 | 軽自動車税車両異動入力事務 | 83.9 |", "| 射水市 | 軽自動車税車両異動入力事務 | 99.9 |"),
                   encoding="utf-8")
    monkeypatch.setattr(cal, "DOC", doc)
    assert cal.main(["--check"]) == 1
    assert cal.main(["--write"]) == 0
    assert doc.read_text(encoding="utf-8") == text
    assert cal.main(["--check"]) == 0


def test_realisation_range_must_be_ordered(tmp_path: Path) -> None:
    cfg = tmp_path / "score.yaml"
    cfg.write_text("realisation_range:\n  low: 0.9\n  high: 0.8\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["score", str(ROOT / "processes" / "tennyu" / "kunitachi.yaml"), "--config", str(cfg)])
    assert r.exit_code == 2
    assert f"{cfg}:2:3: error TF000 `realisation_range.low` (0.9) is above `realisation_range.high` (0.8): give low ≤ high" \
        in r.output
