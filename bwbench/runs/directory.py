"""The run directory: one process writes it at a time, its ``config.json`` says whose it is, and it resumes.

``config.json`` (the run's identity, written first), ``predictions.jsonl``
(append-only: one line per problem and sample), ``errors.jsonl`` (problems a
server failed on after its retries; retried next time), and at the end
``results.json`` and ``report.txt``. A process holds an OS lock on
``.lock`` for the whole run, which the system releases when the process ends,
however it ends. Lines are appended whole and made durable; a line cut off by
a kill is dropped when the run resumes, so nothing is lost or written twice.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from ..errors import BwbenchError
from ..fileio import atomic_write
from .config import Identity, read_identity

CONFIG = "config.json"
PREDICTIONS = "predictions.jsonl"
ERRORS = "errors.jsonl"
LOCK = ".lock"  # the process writing the run holds an flock on it


def check_out(out: Path, identity: Identity) -> Path | None:
    """Refuse a directory that cannot be this run's before touching it (its lock file included); the outermost
    directory still to be made for it (``results/`` on a first run), or None. :func:`claim` checks again once
    the directory is held."""
    if out.exists() and not out.is_dir():
        raise BwbenchError("is a file, not a run directory; choose another directory", str(out), field="out")
    if not out.is_dir():
        missing = [d for d in (out, *out.parents) if not d.exists()]
        return missing[-1]
    if (out / CONFIG).is_file():
        same_run(out, identity)
    elif any(p.name != LOCK for p in out.iterdir()):
        raise BwbenchError("exists and is not a bwbench run; choose another directory", str(out), field="out")
    return None


@contextmanager
def hold(out: Path) -> Iterator[None]:
    """Hold the run directory ``out`` (made if need be) for this process: an flock on ``out/.lock``, released
    on leaving, and by the system when the process ends however it ends (a kill included).

    ``BwbenchError`` naming the holder's pid when another process holds it; that process's files are not touched.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            raise BwbenchError(f"is being written by another bwbench eval (pid {pid}); wait for it or choose "
                               "another directory", str(out), field="out") from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder before us removed the file it held (a run that failed at once): lock the new one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """The pid written in a held lock file (the holder writes it just after taking the lock)."""
    for _ in range(40):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text:
            return text
        time.sleep(0.05)
    return "unknown"


def claim(out: Path, identity: Identity) -> bool:
    """Start a run in ``out`` (True), or check that the run already there is this one (False)."""
    path = out / CONFIG
    if path.is_file():
        same_run(out, identity)
        return False
    if any(p.name != LOCK for p in out.iterdir()):
        raise BwbenchError("exists and is not a bwbench run; choose another directory", str(out), field="out")
    atomic_write(path, identity.to_bytes())
    return True


def relabel(out: Path, identity: Identity) -> Identity:
    """The run's identity as ``config.json`` holds it, its label replaced by ``identity``'s where that names
    one (a label is recorded, not compared: a later invocation may rename the run, or leave its name)."""
    stored = read_identity(out / CONFIG)
    if identity.label is None or identity.label == stored.label:
        return replace(identity, label=stored.label)
    atomic_write(out / CONFIG, identity.to_bytes())
    return identity


def same_run(out: Path, identity: Identity) -> None:
    """``BwbenchError`` saying what differs when the run in ``out`` is not the run ``identity`` describes."""
    differs = read_identity(out / CONFIG).differences(identity)
    if differs:
        raise BwbenchError(f"holds a different run ({'; '.join(differs)}); choose another directory", str(out),
                           field="out")


def unclaim(out: Path, made: Path | None) -> None:
    """Undo a claim that wrote nothing else: config.json, and the directories this invocation made (``made``
    and those within it down to ``out``) where nothing else has come into them."""
    if any(p.name not in (LOCK, CONFIG) for p in out.iterdir()):
        return
    (out / CONFIG).unlink(missing_ok=True)
    if made is None:
        return
    (out / LOCK).unlink(missing_ok=True)
    for d in (out, *out.parents):
        try:
            d.rmdir()
        except OSError:  # something else is in it now
            return
        if d == made:
            return


def resume(path: Path) -> set[tuple[str, int]]:
    """(id, sample) pairs already written; a last line cut off by a kill is removed first."""
    if not path.is_file():
        return set()
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):  # the tail of a write that was interrupted
        with path.open("r+b") as fh:
            fh.truncate(end)
        data = data[:end]
    done = set()
    for lineno, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            rec = json.loads(line)
            done.add((rec["id"], rec.get("sample", 0)))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise BwbenchError("not a prediction line; the file was changed by hand?", f"{path}:{lineno}") from None
    return done


def complete_lines(path: Path) -> int:
    """Whole lines in a predictions file (a line cut off by a kill is not one)."""
    return path.read_bytes().count(b"\n") if path.is_file() else 0


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C back while lines are written, so that an interrupted run's file ends with whole lines: the
    signal is noted, and delivered to the usual handler once the write is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        if caught:
            signal.raise_signal(signal.SIGINT)


def append(path: Path, lines: list[bytes]) -> None:
    """Append whole lines in one write and make them durable before going on."""
    if not lines:
        return
    with path.open("ab") as fh:
        fh.write(b"".join(lines))
        fh.flush()
        os.fsync(fh.fileno())
