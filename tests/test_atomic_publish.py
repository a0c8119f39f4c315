"""A site or a drawings folder is replaced whole: `tamaflow publish` and `tamaflow render --prune`
killed (kill -9) at any moment leave the old folder or the new one, and two of them writing one
folder take turns under a lock that names its holder.

Real processes throughout: the CLI runs as a subprocess (`python -m tamaflow`) and is killed with
SIGKILL, either by the test after a seeded random delay or by itself at a named checkpoint of the
swap (the `TAMAFLOW_TEST_SIGNAL_AT` hook of `tamaflow.io.files`, which also lets a test stop a
holder of the lock with SIGSTOP). After each kill the folder is checked: it equals, byte for
byte, a complete build of the old library or of the new one, and every relative link and asset
of every HTML page resolves.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest

from tamaflow.publish.data import SECTION_COMPARE, SECTION_IMPACT, SECTION_RENDER, SECTION_SCORE

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "publish"
EPOCH = "1700000000"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and flock are POSIX")


def tamaflow(*args: str, signal_at: str | None = None, portable: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    env.pop("TAMAFLOW_TEST_SIGNAL_AT", None)
    if signal_at:
        env["TAMAFLOW_TEST_SIGNAL_AT"] = signal_at
    if portable:
        env["TAMAFLOW_TEST_PORTABLE_SWAP"] = "1"
    return subprocess.Popen([sys.executable, "-m", "tamaflow", *args], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


#: how a publish says that an analysis failed (`app.publish.collect`): the site it writes then
#: lacks that section (no heatmap, no standard flow, …), a build neither of the old library nor
#: of the new one, which no kill or lock explains
ANALYSIS_FAILED = tuple(f"warning: {s}:" for s in (SECTION_COMPARE, SECTION_SCORE, SECTION_RENDER, SECTION_IMPACT))


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str]:
    """The command's exit code and stderr, once it has ended (killed or not).

    Fails at once, with the command's own lines, when it says an analysis failed: every
    analysis succeeds on the fixture, so that is an error of the code under test or of its
    files (a file such as compare/vocabulary.yaml, read at the first comparison, edited while
    the suite runs), and reporting it as "neither build" would hide why."""
    _out, err = proc.communicate(timeout=timeout)
    failed = [line for line in err.splitlines() if line.startswith(ANALYSIS_FAILED)]
    assert not failed, "an analysis failed on the fixture:\n" + "\n".join(failed)
    return proc.returncode, err


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def broken_links(site: Path) -> list[str]:
    """Every relative href/src of every page that does not name a file inside the site."""
    broken: list[str] = []
    for html in sorted(site.rglob("*.html")):
        for _el, attr, link, _pos in lxml.html.fromstring(html.read_bytes()).iterlinks():
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (html.parent / unquote(parts.path)).resolve()
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{html.relative_to(site)}: {attr}={link}")
    return broken


def leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.tamaflow-"))


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two libraries (the new one drops a city's file and renames a step) and a complete site of
    each, built by an uninterrupted publish: the only two states a killed publish may leave."""
    base = tmp_path_factory.mktemp("atomic")
    old, new = base / "old-lib", base / "new-lib"
    shutil.copytree(FIXTURE, old)
    shutil.copytree(FIXTURE, new)
    (new / "shinsei" / "komae.yaml").unlink()
    fussa = new / "hakko" / "fussa.yaml"
    fussa.write_text(fussa.read_text("utf-8").replace("証明書を発行する", "証明書を交付する"), "utf-8")
    out: dict[str, Path] = {"old-lib": old, "new-lib": new}
    durations: list[float] = []
    for which in ("old", "new"):
        site = base / f"{which}-site"
        started = time.monotonic()
        code, err = finish(tamaflow("publish", str(out[f"{which}-lib"]), "-o", str(site)))
        assert code == 0, err
        out[which] = site
        durations.append(time.monotonic() - started)
    assert set(tree(out["old"])) != set(tree(out["new"]))  # files appear and disappear
    assert not broken_links(out["old"]) and not broken_links(out["new"])
    (base / "duration").write_text(str(max(durations)))
    return out


def assert_whole(site: Path, builds: dict[str, Path]) -> str:
    """The folder is one complete build, old or new (which one is returned), with no broken link."""
    assert site.is_dir(), f"{site} is missing"
    got = tree(site)
    which = next((w for w in ("old", "new") if got == tree(builds[w])), None)
    if which is None:
        old, new = tree(builds["old"]), tree(builds["new"])
        mixed = sorted(k for k in got if got[k] != old.get(k) and got[k] != new.get(k))
        raise AssertionError(f"{site} is neither build: files matching neither: {mixed[:5]}, "
                             f"missing: {sorted(set(old) & set(new) - set(got))[:5]}")
    assert not broken_links(site)
    return which


def old_site(builds: dict[str, Path], tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(builds["old"], site)
    return site


# ------------------------------------------------------------------------------------ kill -9


@pytest.mark.parametrize(("point", "portable", "expect"), [
    ("staged", False, "old"), ("swapped", False, "new"), ("cleaning", False, "new"), ("cleaning", True, "new"),
])
def test_publish_killed_during_the_swap_leaves_a_whole_site(builds: dict[str, Path], tmp_path: Path,
                                                            point: str, portable: bool, expect: str) -> None:
    site = old_site(builds, tmp_path)
    code, _err = finish(tamaflow("publish", str(builds["new-lib"]), "-o", str(site),
                                 signal_at=f"{point}=KILL", portable=portable))
    assert code == -signal.SIGKILL
    assert assert_whole(site, builds) == expect
    assert leftovers(site)  # the killed run's staging folder or backup (and its lock file) remain
    # the next publish clears them, saying so, and builds the new site
    code, err = finish(tamaflow("publish", str(builds["new-lib"]), "-o", str(site)))
    assert code == 0, err
    assert "left by an interrupted" in err and "taking over the lock" in err
    assert assert_whole(site, builds) == "new"
    assert leftovers(site) == []


def test_portable_swap_killed_between_its_renames_is_undone_by_the_next_run(builds: dict[str, Path],
                                                                           tmp_path: Path) -> None:
    """Without the atomic exchange (not Linux), a kill between `old → backup` and `new → site`
    leaves no site folder but a whole backup; the next run, even one killed before its own
    swap, puts the old site back first."""
    site = old_site(builds, tmp_path)
    code, _ = finish(tamaflow("publish", str(builds["new-lib"]), "-o", str(site),
                              signal_at="moved-aside=KILL", portable=True))
    assert code == -signal.SIGKILL
    assert not site.exists()
    assert assert_whole(site.parent / f".{site.name}.tamaflow-old", builds) == "old"
    code, _ = finish(tamaflow("publish", str(builds["new-lib"]), "-o", str(site), signal_at="staged=KILL"))
    assert code == -signal.SIGKILL
    assert assert_whole(site, builds) == "old"


def test_publish_killed_at_random_moments_leaves_a_whole_site(builds: dict[str, Path], tmp_path: Path) -> None:
    """kill -9 after seeded random delays spread over a whole publish: the folder is always one
    build, and the next publish completes it."""
    site = old_site(builds, tmp_path)
    duration = float((builds["old"].parent / "duration").read_text())  # of an uninterrupted publish
    rng = random.Random(15)
    seen: set[str] = set()
    for delay in sorted(rng.uniform(0.2, 1.1) * duration for _ in range(4)):
        shutil.rmtree(site)
        shutil.copytree(builds["old"], site)
        proc = tamaflow("publish", str(builds["new-lib"]), "-o", str(site))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        finish(proc)
        seen.add(assert_whole(site, builds))
    code, err = finish(tamaflow("publish", str(builds["new-lib"]), "-o", str(site)))
    assert code == 0, err
    assert assert_whole(site, builds) == "new" and leftovers(site) == []
    assert "old" in seen  # at least one kill landed before the swap (the others may land after)


# --------------------------------------------------------------------------------- the lock


def stopped_holder(*args: str) -> subprocess.Popen[str]:
    """A real publish/render stopped (SIGSTOP) right before its swap, holding the folder's lock."""
    proc = tamaflow(*args, signal_at="staged=STOP")
    _pid, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), proc.communicate()
    return proc


def test_two_publishes_take_turns_and_a_third_refuses_naming_the_holder(builds: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    site = old_site(builds, tmp_path)
    holder = stopped_holder("publish", str(builds["new-lib"]), "-o", str(site))
    try:
        code, err = finish(tamaflow("publish", str(builds["old-lib"]), "-o", str(site), "--wait", "0"))
        assert code == 2
        lines = err.strip().splitlines()
        assert len(lines) == 1 and f"pid {holder.pid} on " in lines[0] and "`tamaflow publish` started" in lines[0]
        assert "--wait" in lines[0] and ".site.tamaflow-lock" in lines[0]
        assert assert_whole(site, builds) == "old"
        log = tmp_path / "waiter.log"
        with log.open("w", encoding="utf-8") as stderr:
            env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
            env.pop("TAMAFLOW_TEST_SIGNAL_AT", None)
            waiter = subprocess.Popen([sys.executable, "-m", "tamaflow", "publish", str(builds["old-lib"]), "-o",
                                       str(site), "--wait", "120"], env=env, cwd=ROOT, stderr=stderr, text=True)
        deadline = time.monotonic() + 120  # the waiter analyses first (unlocked), then waits for the lock
        while "waiting up to" not in log.read_text("utf-8") and waiter.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        holder.send_signal(signal.SIGCONT)
    code, err = finish(holder)
    assert code == 0, err
    assert waiter.wait(timeout=300) == 0, log.read_text("utf-8")
    assert f"waiting up to 120 s for pid {holder.pid}" in log.read_text("utf-8")
    assert assert_whole(site, builds) == "old"  # the waiter wrote last
    assert leftovers(site) == []


def test_concurrent_publishes_leave_one_whole_site(builds: dict[str, Path], tmp_path: Path) -> None:
    site = old_site(builds, tmp_path)
    procs = [tamaflow("publish", str(builds[lib]), "-o", str(site)) for lib in ("new-lib", "old-lib", "new-lib")]
    for p in procs:
        code, err = finish(p)
        assert code == 0, err
    assert_whole(site, builds)
    assert leftovers(site) == []


# ---------------------------------------------------------------------------- render --prune


def test_render_prune_killed_or_locked_leaves_whole_drawings(builds: dict[str, Path], tmp_path: Path) -> None:
    """`render --prune` replaces the folder whole: killed before the swap the old drawings stay
    (with a note of the user's beside them), after it the new ones; a second render refuses while
    the first holds the folder."""
    ref: dict[str, Path] = {}
    for which in ("old", "new"):
        ref[which] = tmp_path / f"ref-{which}"
        code, err = finish(tamaflow("render", str(builds[f"{which}-lib"]), "--to", "bpmn", "--to", "dot",
                                    "-o", str(ref[which]), "--prune"))
        assert code == 0, err
        (ref[which] / "README.txt").write_text("図の説明\n", "utf-8")  # not a drawing: kept by --prune
    assert set(tree(ref["old"])) - set(tree(ref["new"])) == {"shinsei/komae.bpmn", "shinsei/komae.dot"}
    out = tmp_path / "diagrams"
    args = ("render", str(builds["new-lib"]), "--to", "bpmn", "--to", "dot", "-o", str(out), "--force", "--prune")
    for point, expect in (("staged", "old"), ("cleaning", "new")):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(ref["old"], out)
        code, _ = finish(tamaflow(*args, signal_at=f"{point}=KILL"))
        assert code == -signal.SIGKILL
        assert tree(out) == tree(ref[expect]), point
    holder = stopped_holder(*args)
    try:
        code, err = finish(tamaflow("render", str(builds["old-lib"]), "--to", "svg", "-o", str(out), "--wait", "0"))
        assert code == 2 and f"pid {holder.pid} on " in err and "tamaflow render --prune" in err, err
    finally:
        holder.send_signal(signal.SIGCONT)
    code, err = finish(holder)
    assert code == 0, err
    assert "removed" in err and tree(out) == tree(ref["new"]) and leftovers(out) == []


# ------------------------------------------------------------------- the swap itself, in-process


def test_a_failed_build_leaves_the_folder_untouched_and_nothing_beside_it(tmp_path: Path) -> None:
    from tamaflow.io.files import replacing_folder

    target = tmp_path / "site"
    target.mkdir()
    (target / "index.html").write_text("old", "utf-8")
    with pytest.raises(RuntimeError), replacing_folder(target, wait=0, command="test", say=print) as staging:
        (staging / "index.html").write_text("half", "utf-8")
        raise RuntimeError("analysis failed")
    assert tree(target) == {"index.html": b"old"} and leftovers(target) == []


@pytest.mark.parametrize("portable", [False, True])
def test_a_symlinked_folder_is_replaced_behind_its_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       portable: bool) -> None:
    from tamaflow.io.files import replacing_folder

    if portable:
        monkeypatch.setenv("TAMAFLOW_TEST_PORTABLE_SWAP", "1")
    real, link = tmp_path / "real", tmp_path / "link"
    real.mkdir()
    (real / "a.html").write_text("old", "utf-8")
    link.symlink_to(real)
    with replacing_folder(link, wait=0, command="test", say=print) as staging:
        assert (staging / "a.html").read_text("utf-8") == "old"  # pre-filled with a copy
        (staging / "a.html").unlink()
        (staging / "b.html").write_text("new", "utf-8")
    assert link.is_symlink() and tree(real) == {"b.html": b"new"} and leftovers(real) == []
