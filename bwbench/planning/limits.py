"""Calls run in worker processes, several at once, each stopped at a time limit.

``bwbench solve`` needs this for problems that take longer than anyone will
wait: IPC 2023's largest Blocksworld problems take minutes, and a directory
of them should go on past one that does. Each call runs in a process of its
own, started fresh (``spawn``: it shares nothing with the caller, which may
hold threads, such as a progress bar's), and sends its result back through a
pipe. At the limit the process is killed, and the call's :class:`Outcome`
says so. Bad input (:class:`~bwbench.errors.BwbenchError`) comes back as the
call's error; anything else raised in a worker is a bug, raised here with the
worker's traceback.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
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
    if limit is not None and not limit > 0:
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
            r.process.kill()
            r.process.join()
    return outcomes  # type: ignore[return-value]


def _start(context, fn: Callable, index: int, calls: Sequence[tuple]) -> _Running:
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_work, args=(fn, calls[index], send), daemon=True)
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
        except EOFError:
            kind, payload = "died", None
        r.process.join()
        r.pipe.close()
        if kind == "value":
            return Outcome(payload)
        if kind == "error":
            message, where, field = payload
            return Outcome(error=BwbenchError(message, where, field=field))
        if kind == "bug":
            raise RuntimeError(f"a worker process failed:\n{payload}")
        raise RuntimeError(f"a worker process died (exit code {r.process.exitcode}) before it answered")
    if limit is not None and time.monotonic() - r.started >= limit:
        r.process.kill()
        r.process.join()
        r.pipe.close()
        return Outcome(timed_out=True)
    if r.process.sentinel in ready and not r.pipe.poll():
        r.process.join()
        raise RuntimeError(f"a worker process died (exit code {r.process.exitcode}) before it answered")
    return None


def _work(fn: Callable, args: tuple, pipe: Connection) -> None:
    """In the worker: the call, and what it came to sent back."""
    try:
        pipe.send(("value", fn(*args)))
    except BwbenchError as exc:
        pipe.send(("error", (exc.message, exc.where, exc.field)))
    except BaseException:  # a bug: its traceback goes back, to be raised where the caller sees it
        pipe.send(("bug", traceback.format_exc()))
    finally:
        pipe.close()
