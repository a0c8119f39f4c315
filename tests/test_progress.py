"""Issue 12 part 5: the progress bars of compare, summary and publish (tamaflow/app/progress.py).

A bar is drawn on stderr only when stderr is a terminal, never with `--quiet`, never into the
data on stdout, and only after about 2 s of work. TAMAFLOW_PROGRESS_AFTER=0 makes it appear at
once, so that these tests see it whenever the command would show it to a user who waits.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tamaflow.app.progress import PROGRESS_AFTER_S, progress_after

ROOT = Path(__file__).resolve().parents[1]
TENNYU = ROOT / "processes" / "tennyu"
#: the bar at once, as if every run took longer than the delay
AT_ONCE = {"TAMAFLOW_PROGRESS_AFTER": "0", "TERM": "xterm-256color", "COLUMNS": "120"}


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    return {**out, **AT_ONCE, **extra}


def piped(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The command with stdout and stderr both pipes (a script, CI, `… 2> log`)."""
    r = subprocess.run([sys.executable, "-m", "tamaflow", *args], cwd=ROOT, capture_output=True, env=env(), timeout=600)
    assert r.returncode == 0, r.stderr.decode()
    return r


def on_terminal(*args: str) -> tuple[bytes, bytes]:
    """The command with stderr on a pseudo-terminal (stdout still a pipe): (stdout, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tamaflow", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=slave, env=env())
    os.close(slave)
    err = b""
    assert proc.stdout is not None
    out_fd = proc.stdout.fileno()
    out = b""
    open_fds = {master, out_fd}
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 600)
        assert ready, "the command hung"
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the pty's other end closed (Linux: EIO)
                chunk = b""
            if not chunk:
                open_fds.discard(fd)
            elif fd == master:
                err += chunk
            else:
                out += chunk
    assert proc.wait(timeout=60) == 0, err.decode(errors="replace")
    os.close(master)
    return out, err


def small_library(tmp: Path) -> Path:
    """Two procedures of the library (the whole one takes minutes on a loaded machine)."""
    tmp.mkdir(exist_ok=True)
    for name in ("cities.yaml", "catalogue.yaml"):
        shutil.copyfile(ROOT / "processes" / name, tmp / name)
    for proc in ("tennyu", "inu-toroku"):
        shutil.copytree(ROOT / "processes" / proc, tmp / proc)
    return tmp


def test_the_delay_is_about_two_seconds_and_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAMAFLOW_PROGRESS_AFTER", raising=False)
    assert progress_after() == PROGRESS_AFTER_S == 2.0
    monkeypatch.setenv("TAMAFLOW_PROGRESS_AFTER", "0")
    assert progress_after() == 0.0
    monkeypatch.setenv("TAMAFLOW_PROGRESS_AFTER", "soon")
    assert progress_after() == 2.0


def test_compare_draws_a_bar_on_a_terminal_and_nothing_when_piped_or_quiet() -> None:
    args = ("compare", str(TENNYU), "--format", "json")
    plain = piped(*args)
    assert plain.stderr == b""  # nothing at all when piped: no bar, no escape codes
    out, err = on_terminal(*args)
    assert b"comparing pairs" in err and b"\x1b[" in err, err
    assert out == plain.stdout  # the JSON never carries the bar
    out, err = on_terminal(*args, "--quiet")
    assert err == b"" and out == plain.stdout


def test_summary_draws_a_bar_on_a_terminal_only(tmp_path: Path) -> None:
    lib = str(small_library(tmp_path))
    plain = piped("summary", lib, "--format", "csv")
    assert b"\x1b[" not in plain.stderr and "比較中".encode() not in plain.stderr
    out, err = on_terminal("summary", lib, "--format", "csv")
    assert "比較中".encode() in err, err.decode(errors="replace")
    assert out == plain.stdout
    out, err = on_terminal("summary", lib, "--format", "csv", "-q")
    assert "比較中".encode() not in err and out == plain.stdout


def test_publish_draws_no_bar_when_piped_or_quiet(tmp_path: Path) -> None:
    lib = small_library(tmp_path / "lib")
    r = piped("publish", str(lib), "-o", str(tmp_path / "site"))
    assert b"\x1b[" not in r.stderr and "比較中".encode() not in r.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    _out, err = on_terminal("publish", str(lib), "-o", str(tmp_path / "site2"))
    assert "比較中".encode() in err or "作図".encode() in err, err.decode(errors="replace")
    _out, err = on_terminal("publish", str(lib), "-o", str(tmp_path / "site3"), "--quiet")
    assert b"\x1b[" not in err and "比較中".encode() not in err, err.decode(errors="replace")
