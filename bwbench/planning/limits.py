"""Calls run in worker processes, several at once, each stopped at a time limit.

``bwbench solve`` needs this for problems that take longer than anyone will
wait: IPC 2023's largest Blocksworld problems take minutes, and a directory
of them should go on past one that does. Each call runs in a process of its
own, started fresh (``spawn``: it shares nothing with the caller, which may
hold threads, such as a progress bar's), and sends its result back through a
pipe. At the limit the process is stopped (with whatever it started, such
as a Fast Downward search), and the call's :class:`Outcome` says so; a worker
that dies (killed for memory, say) is the call's error. Bad input
(:class:`~bwbench.errors.BwbenchError`) comes back as the call's error;
anything else raised in a worker is a bug, raised here with the worker's
traceback. Workers ignore Ctrl-C (the caller stops them) and, on Linux, are
stopped when the caller dies, however it dies.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import BwbenchError


@dataclass(frozen=True)
class Outcome:
    """What one call came to: its value, the bad input it reported, or the limit it ran past."""

    value: Any = None
    error: BwbenchError | None = None
    timed_out: bool = False


def out_of_time(limit: float) -> str:
    """What a call stopped at the limit of ``limit`` seconds reports."""
    return f"ran out of time (the limit is {limit:g} s)"


def outcomes(fn: Callable, calls: Sequence[tuple], jobs: int = 1, limit: float | None = None,
             done: Callable[[int, Outcome], None] | None = None) -> Iterator[Outcome]:
    """Each call's outcome, in the order of ``calls``: in worker processes (:func:`run_limited`) where ``jobs``
    above 1 or a ``limit`` asks for them; otherwise here, one at a time as they are asked for (so a caller that
    stops at the first bad input runs no more), a call's bad input its outcome's error."""
    if jobs != 1 or limit is not None:
        yield from run_limited(fn, calls, jobs, limit, done)
        return
    for i, args in enumerate(calls):
        try:
            outcome = Outcome(fn(*args))
        except BwbenchError as exc:
            outcome = Outcome(error=exc)
        if done is not None:
            done(i, outcome)
        yield outcome


@dataclass
class _Running:
    index: int
    process: Any
    pipe: Connection
    started: float


def run_limited(fn: Callable, calls: Sequence[tuple], jobs: int = 1, limit: float | None = None,
                done: Callable[[int, Outcome], None] | None = None) -> list[Outcome]:
    """``fn(*args)`` for each ``args`` of ``calls``, in at most ``jobs`` processes at once, each killed after
    ``limit`` seconds (None: no limit); the outcomes in the order of ``calls``. ``done(i, outcome)`` is called as
    each one ends. ``fn`` must be importable by name (a module's function), and its arguments and value picklable."""
    if jobs < 1:
        raise BwbenchError(f"needs at least one worker process, not {jobs}", field="jobs")
    if limit is not None and not (limit > 0 and math.isfinite(limit)):
        raise BwbenchError(f"a time limit must be a positive number of seconds, not {limit}", field="time_limit")
    context = multiprocessing.get_context("spawn")
    outcomes: list[Outcome | None] = [None] * len(calls)
    waiting, running = deque(range(len(calls))), []
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                running.append(_start(context, fn, waiting.popleft(), calls))
            ready = set(wait([r.pipe for r in running] + [r.process.sentinel for r in running],
                             timeout=_next_deadline(running, limit)))
            for r in list(running):
                outcome = _ended(r, ready, limit)
                if outcome is not None:
                    running.remove(r)
                    outcomes[r.index] = outcome
                    if done is not None:
                        done(r.index, outcome)
    finally:
        for r in running:  # interrupted, or a bug raised: no worker outlives the call
            _stop(r.process)
    return outcomes  # type: ignore[return-value]


def _start(context, fn: Callable, index: int, calls: Sequence[tuple]) -> _Running:
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_work, args=(fn, calls[index], send, os.getpid()), daemon=True)
    process.start()
    send.close()  # the worker holds its end; once it exits, reading ours ends rather than waits
    return _Running(index, process, receive, time.monotonic())


def _next_deadline(running: list[_Running], limit: float | None) -> float | None:
    if limit is None:
        return None
    return max(0.0, min(r.started + limit for r in running) - time.monotonic())


def _ended(r: _Running, ready: set, limit: float | None) -> Outcome | None:
    """The call's outcome if its worker has answered, died or run past the limit; else None (still working)."""
    if r.pipe in ready:
        try:
            kind, payload = r.pipe.recv()
        except EOFError:  # it died without a word
            kind, payload = "died", None
        _stop(r.process, wait=5.0)
        r.pipe.close()
        if kind == "value":
            return Outcome(payload)
        if kind == "error":
            message, where, field = payload
            return Outcome(error=BwbenchError(message, where, field=field))
        if kind == "bug":
            raise RuntimeError(f"a worker process failed:\n{payload}")
        return Outcome(error=BwbenchError(_death(r.process.exitcode)))
    if limit is not None and time.monotonic() - r.started >= limit:
        _stop(r.process)
        r.pipe.close()
        return Outcome(timed_out=True)
    if r.process.sentinel in ready and not r.pipe.poll():
        _stop(r.process)
        r.pipe.close()
        return Outcome(error=BwbenchError(_death(r.process.exitcode)))
    return None


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        return f"the worker process was killed ({name}{'; out of memory?' if -exitcode == signal.SIGKILL else ''})"
    return f"the worker process ended (exit code {exitcode}) before it answered"


def _stop(process, wait: float = 0.0) -> None:
    """The worker ended: given ``wait`` seconds to end by itself, then asked to stop (so that it stops what it
    started), then killed if it has not within two seconds more."""
    process.join(wait)
    if process.is_alive():
        process.terminate()
        process.join(2.0)
    if process.is_alive():
        process.kill()
        process.join()


def _work(fn: Callable, args: tuple, pipe: Connection, parent: int) -> None:
    """In the worker: the call, and what it came to sent back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle: it stops the workers
    signal.signal(signal.SIGTERM, _terminated)
    _die_with(parent)
    try:
        pipe.send(("value", fn(*args)))
    except BwbenchError as exc:
        _send(pipe, ("error", (exc.message, exc.where, exc.field)))
    except BaseException:  # a bug: its traceback goes back, to be raised where the caller sees it
        _send(pipe, ("bug", traceback.format_exc()))
    finally:
        pipe.close()


def _send(pipe: Connection, message: tuple) -> None:
    try:
        pipe.send(message)
    except (BrokenPipeError, OSError):  # the caller is gone: nobody to tell
        pass


def _die_with(parent: int) -> None:
    """On Linux, ask for SIGTERM when the caller dies (killed, say), so that no worker runs on unwatched."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != parent:  # the caller died before the request was made
        _terminated()


def _terminated(*_) -> None:
    """SIGTERM in a worker: what it started (a planner's own processes) is killed, then the worker ends."""
    for pid in _descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(143)


def _descendants(root: int) -> list[int]:
    """The processes started by ``root`` and by them, from ``/proc`` (none where there is no ``/proc``)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in filter(str.isdigit, entries):
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
