"""Writing outputs safely: atomically (temp file + rename) and never over an analyst's file
without being told to."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..model.findings import TamaflowError
from ..model.library import LIBRARY_FILES


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that readers see the old file or the new one, never half of it.

    mkstemp creates the temp file 0600; the result gets the mode a plain `open()` would give
    (0666 minus the umask), so diagrams and generated files stay readable by colleagues. Every
    command writes its outputs through here, so an output the system refuses (a folder without
    write permission, a file where a folder should be, a full disk) is one usage error naming
    the target, not a traceback naming the temp file (`cannot_write`)."""
    if path.is_dir():
        raise _is_a_folder(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise cannot_write(path, e) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError):
            raise cannot_write(path, e) from None
        raise


def cannot_write(path: Path, e: OSError) -> TamaflowError:
    """The usage error for an output the system refused: one line that names the file the user
    asked for (not our temp file) and why, in words that point at the fix."""
    blocker = next((d for d in path.parents if d.exists() and not d.is_dir()), None)
    if blocker is not None:
        why = f"{shown_path(blocker)} is a file, not a folder: choose another path"
    elif e.errno in (errno.EACCES, errno.EPERM):
        folder = next((d for d in path.parents if d.is_dir()), path.parent)
        why = f"no permission to write in {shown_path(folder)}: choose a folder you may write to"
    elif e.errno == errno.EROFS:
        why = "the file system is read-only: choose a folder on a writable one"
    else:
        why = e.strerror or str(e)
    return TamaflowError(f"{shown_path(path)}: cannot write it: {why}", code="TF000")


def _is_a_folder(path: Path) -> TamaflowError:
    return TamaflowError(f"{shown_path(path)} is a folder: name a file to write", code="TF000")


class OverwriteRefused(TamaflowError):
    """A target exists and the caller did not allow overwriting it (a usage error). The message
    says so in the library's terms; the CLI adds how to allow it (its `--force` flag)."""


def refuse_overwrite(path: Path, force: bool) -> None:
    """Raise `OverwriteRefused` unless `path` is free or `force` was given; a folder is never a
    file's target, with `force` or without (the atomic rename could not replace it)."""
    if path.is_dir():
        raise _is_a_folder(path)
    if path.name in LIBRARY_FILES and path.is_file():
        # an -o typed wrong (import, --emit-standard, a table) would wipe the library's cities,
        # catalogue or settings: no output of any command is one of them, so --force cannot ask it
        raise TamaflowError(f"{path} is a library's {path.name}: no command writes its output over it, even with "
                            "--force; name another file", str(path), 1, 1, "TF000")
    if path.exists() and not force:
        raise OverwriteRefused(f"{path} exists: not overwriting it", str(path), 1, 1, "TF000")


class UnreadableFolder(TamaflowError):
    """A folder that cannot be listed (no read or search permission): its files would be missing
    from every result without a word. TF001 at 1:1 of the folder, printed (as every positioned
    TamaflowError) as the finding line `path:1:1: error TF001 cannot read folder: …` that
    `validate` prints for it."""

    def __init__(self, path: str, error: OSError) -> None:
        super().__init__(f"cannot read folder: {error.strerror or error}", path, 1, 1, "TF001")


def once_each(found: Iterable[tuple[str, str]]) -> list[str]:
    """The files of `found` (each as given, with its real path) once each, where each first
    appears. A file named twice (`validate a.yaml a.yaml`, a folder and a file in it, a symlink to
    a file also listed) would otherwise be taken by the library rules for its own second copy
    (TF203) and left out. The caller resolves the real paths: a walk of many files can resolve
    each folder once instead of each file."""
    first: dict[str, str] = {}
    for file, real in found:
        first.setdefault(real, file)
    return list(first.values())


def check_folder_readable(path: Path) -> None:
    """Raise `UnreadableFolder` when `path` is a folder that cannot be listed: a check before
    concluding anything from what it seems not to hold (a library root without cities.yaml)."""
    if path.is_dir():
        try:
            with os.scandir(path) as entries:
                next(entries, None)
        except OSError as e:
            raise UnreadableFolder(str(path), e) from None


def find_upwards(start: Path, name: str) -> Path | None:
    """The file `name` in the nearest folder at or above `start` (a file's own folder first):
    how a library root, the rule configuration and the JSON Schema are found."""
    p = start.resolve()
    if _is_file(p):
        p = p.parent
    for d in (p, *p.parents):
        if _is_file(d / name):
            return d / name
    return None


def _is_file(path: Path) -> bool:
    """`path.is_file()`, False in a folder that cannot be searched (pathlib raises
    PermissionError there): the search goes on upwards, and the folder itself is reported by
    whatever lists it (`check.validate.walk_files`)."""
    try:
        return path.is_file()
    except OSError:
        return False


def shown_path(path: Path) -> str:
    """`path` as the analyst would type it in a message: relative to the current folder when
    it lies below it, else as it is."""
    rel = os.path.relpath(path)
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()


# ------------------------------------------------------------------ whole folders, one at a time
#
# A site or a drawings folder is many files that link to each other; rewriting them in place
# means a reader (or a publish killed half-way) sees a mix of two builds with broken links.
# `replacing_folder` builds the new folder beside the old one and swaps it in with renames, under
# a lock beside the target so that two commands writing the same folder take turns.

#: test hook: `TAMAFLOW_TEST_SIGNAL_AT=<checkpoint>=<KILL|STOP>` makes the process send itself
#: that signal at the named checkpoint of a folder swap, so tests can kill -9 a real publish at
#: the exact moment a rename happens (the crash test technique of SQLite)
TEST_SIGNAL_AT = "TAMAFLOW_TEST_SIGNAL_AT"
#: test hook: set to 1 to use the portable two-rename swap even where the atomic exchange exists
TEST_PORTABLE_SWAP = "TAMAFLOW_TEST_PORTABLE_SWAP"


def _checkpoint(name: str) -> None:
    """Where a crash test may stop or kill this process (no-op unless the test hook is set)."""
    spec = os.environ.get(TEST_SIGNAL_AT, "")
    point, _, sig = spec.partition("=")
    if point == name:
        os.kill(os.getpid(), getattr(signal, f"SIG{sig or 'KILL'}"))


def canonical(target: Path) -> Path:
    """The real folder behind `target` (symlinks resolved): a swap must replace the folder a
    link points to, never the link, and every command must lock the same name for it."""
    real = Path(os.path.realpath(target))
    if real.parent == real:
        raise TamaflowError(f"{target}: cannot replace the root folder", code="TF000")
    return real


def side_paths(target: Path) -> tuple[Path, Path, str]:
    """The lock file, the backup name and the prefix of staging folders of `target`: hidden
    names beside it (not inside it: the folder itself is what gets swapped)."""
    parent, name = target.parent, target.name
    return parent / f".{name}.tamaflow-lock", parent / f".{name}.tamaflow-old", f".{name}.tamaflow-new-"


class FolderBusy(TamaflowError):
    """Another tamaflow command holds the folder's lock and did not let go within the wait."""


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds (or held) a folder lock, as written in the lock file."""

    pid: int
    host: str
    started: str
    command: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, `{self.command}` started {self.started}"

    @staticmethod
    def parse(text: str) -> LockHolder | None:
        try:
            d = json.loads(text)
            return LockHolder(int(d["pid"]), str(d["host"]), str(d["started"]), str(d.get("command", "tamaflow")))
        except (ValueError, KeyError, TypeError):
            return None


def _read_fd(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 4096).decode("utf-8", "replace")


class FolderLock:
    """An exclusive lock on a folder, held by one tamaflow command at a time.

    The lock is `flock` on a file beside the folder: the kernel releases it when its holder
    exits, even on kill -9, so a dead holder never blocks anyone. The file names the holder
    (pid, host, start time, command) for the message the others print; a file that still names
    a holder while nobody holds the lock was left by a killed process and is taken over, saying
    so. `wait` bounds how long a second command waits before it refuses with that message."""

    def __init__(self, target: Path, *, wait: float, command: str, say: Callable[[str], None]) -> None:
        self.target = canonical(target)
        self.path = side_paths(self.target)[0]
        self.wait = wait
        self.command = command
        self.say = say
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        deadline = time.monotonic() + self.wait
        announced = False
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
            except OSError as e:
                raise TamaflowError(f"{shown_path(self.target)}: cannot create the lock file {shown_path(self.path)} "
                                    f"beside it: {e.strerror}", code="TF000") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = LockHolder.parse(_read_fd(fd))
                os.close(fd)
                who = holder.describe() if holder else "another tamaflow command"
                if time.monotonic() >= deadline:
                    raise FolderBusy(f"{shown_path(self.target)}: in use by {who} (lock {shown_path(self.path)}); "
                                     f"gave up after {self.wait:g} s: try again when it has finished, or wait "
                                     "longer with --wait SECONDS", code="TF000") from None
                if not announced:
                    self.say(f"{shown_path(self.target)}: waiting up to {self.wait:g} s for {who} to finish")
                    announced = True
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
                continue
            try:  # the holder before us may have removed the file we opened: lock the one in place
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            break
        stale = LockHolder.parse(_read_fd(fd))
        if stale is not None:
            self.say(f"{shown_path(self.target)}: taking over the lock left by {stale.describe()}: "
                     "that process is gone")
        me = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command,
              "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(me).encode("utf-8"))
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is None:
            return
        os.unlink(self.path)  # while still holding it: a waiter then finds the file gone and retries
        os.close(self._fd)
        self._fd = None


def _rename_exchange() -> Callable[[Path, Path], bool] | None:
    """Linux's renameat2(RENAME_EXCHANGE), which swaps two folders in one step, or None."""
    if sys.platform != "linux" or os.environ.get(TEST_PORTABLE_SWAP) == "1":
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    at_fdcwd, exchange = -100, 2

    def swap(a: Path, b: Path) -> bool:
        """True when swapped; False when this file system cannot (then use two renames)."""
        if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), exchange) == 0:
            return True
        err = ctypes.get_errno()
        if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            return False
        raise OSError(err, os.strerror(err), str(a))

    return swap


def _remove_tree(path: Path, checkpoint: str | None = None) -> None:
    """Delete a folder of ours (a backup or a staging folder), bottom up; one killed half-way
    is finished by the next run's `recover_folder`. `checkpoint` is passed after the first file."""
    first = checkpoint is not None
    for root, dirs, files in os.walk(path, topdown=False):
        for f in files:
            with suppress(FileNotFoundError):
                os.unlink(os.path.join(root, f))
            if first and checkpoint:
                _checkpoint(checkpoint)
                first = False
        for d in dirs:
            sub = os.path.join(root, d)
            with suppress(FileNotFoundError):
                os.unlink(sub) if os.path.islink(sub) else os.rmdir(sub)
    with suppress(FileNotFoundError):
        os.rmdir(path)


def recover_folder(target: Path) -> list[str]:
    """Finish or undo a swap a killed command left (call it holding the lock): put the backup
    back when the target is missing, else delete the backup and any staging folders. Returns
    what was done, for the command to say."""
    _lock, backup, prefix = side_paths(target)
    done: list[str] = []
    if backup.is_dir():
        if not target.exists():
            os.rename(backup, target)
            done.append(f"restored {shown_path(target)} from an interrupted swap")
        else:
            _remove_tree(backup)
            done.append(f"removed {shown_path(backup)} left by an interrupted swap")
    for staged in sorted(target.parent.glob(prefix + "*")):
        if staged.is_dir():
            _remove_tree(staged)
            done.append(f"removed {shown_path(staged)} left by an interrupted run")
    return done


def _copy_tree(src: Path, dst: Path) -> None:
    """Fill `dst` with copies of the files of `src` (times kept). Copies, not hard links: a
    writer that opened a linked file in place would change the old folder under its readers."""
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)


@contextmanager
def replacing_folder(target: Path, *, wait: float, command: str,
                     say: Callable[[str], None]) -> Iterator[Path]:
    """Yield a staging folder that replaces `target` as a whole when the block ends normally.

    Under the folder's lock: leftovers of an interrupted swap are recovered, the staging folder
    is created beside `target` holding a copy of its current files (so the caller writes, prunes
    and counts unchanged files as if in place), and on success swapped in: in one step with
    renameat2(RENAME_EXCHANGE) where Linux offers it, else old → backup, new → target, backup
    deleted (a kill between the two renames is undone by the next run). On an exception the
    staging folder is deleted and `target` is untouched. Killed at any moment, `target` is the
    old folder or the new one, never a mix."""
    target = canonical(target)
    with FolderLock(target, wait=wait, command=command, say=say):
        for line in recover_folder(target):
            say(line)
        _lock, backup, prefix = side_paths(target)
        try:
            staging = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
        except OSError as e:
            raise TamaflowError(f"{shown_path(target)}: cannot create a folder beside it to build in: {e.strerror}",
                                code="TF000") from None
        try:
            if target.is_dir():
                _copy_tree(target, staging)
                os.chmod(staging, stat.S_IMODE(target.stat().st_mode))
            else:
                os.chmod(staging, 0o777 & ~_umask())
            yield staging
            _checkpoint("staged")
            exchange = _rename_exchange() if target.is_dir() else None
            if exchange is not None and exchange(staging, target):
                _checkpoint("swapped")
                _remove_tree(staging, "cleaning")
                return
            if target.exists():
                os.rename(target, backup)
                _checkpoint("moved-aside")
            os.rename(staging, target)
            _checkpoint("swapped")
            if backup.exists():
                _remove_tree(backup, "cleaning")
        except BaseException:
            if backup.is_dir() and not target.exists():
                os.rename(backup, target)
            if staging.exists():
                _remove_tree(staging)
            raise
