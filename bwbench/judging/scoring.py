"""Scoring a predictions file in one pass: each record read, judged and tallied as it comes, never the file whole.

Records go in chunks (:meth:`.predictions.PredictionSource.chunks`) to a
judge: this process, or worker processes when ``jobs`` is more than one. A
chunk comes back as one small row per record: its cell (level, block count),
what each metric reads from its judgement, and, for the report, the text of
an example the report lists. Rows are tallied in file order whoever judged
them, so the figures and the report are the same, to the byte, with any
number of jobs. Memory holds the chunks in flight, the tallies, and (with
``keep``, for ``--results``) the predictions and judgements.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from ..errors import BwbenchError
from .judge import Judgement
from .metrics import GROUPS, Scorecard, Tallies
from .predictions import (
    Entry,
    Prediction,
    PredictionFile,
    PredictionSource,
    prediction_of,
)
from .report import ReportSpool, example_text, part_of

PARALLEL_BYTES = 4 << 20
"""Below this many bytes of predictions (the seed's files are 0.7 MB), starting workers costs more than they save."""
GC_THRESHOLD = 50_000
"""Allocations between the garbage collector's youngest-generation passes while judging (Python's default is 700):
judging makes and drops many small objects and hardly any cycles, and the passes cost several percent of the time."""


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _start_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


@dataclass
class ScoredFile:
    """A predictions file's figures, and what the report says of it; the predictions and judgements only when kept."""

    path: str
    format: str
    meta: dict
    n: int
    card: Scorecard
    predictions: list[Prediction] | None = None
    judgements: list[Judgement] | None = None
    primary: str = "valid"  # the task's primary figure, given as ``correct``

    def to_json(self) -> dict:
        """What ``bwbench score --json`` prints for the file (and, for a folder of answers, the problems it lacks)."""
        out = {"file": self.path, "format": self.format, **self.card.to_json(correct=self.primary)}
        if "missing" in self.meta:
            out["missing"] = self.meta["missing"]
        return out

    def prediction_file(self) -> PredictionFile:
        """The kept predictions as a :class:`PredictionFile` (``score_file(..., keep=True)``)."""
        if self.predictions is None:
            raise ValueError("the predictions were not kept")
        return PredictionFile(self.path, self.format, self.predictions, self.meta)


def default_jobs(paths: Sequence[Path]) -> int:
    """One process per usable core for files worth it (:data:`PARALLEL_BYTES` in all), else one."""
    size = 0
    for p in paths:
        with contextlib.suppress(OSError):
            size += os.stat(p).st_size
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if size >= PARALLEL_BYTES else 1


class Workers:
    """Worker processes that, with this process, make ``jobs`` judges for :func:`score_file`; a context manager.

    Start them before any thread (a progress bar's): they are forked where the system can.
    """

    def __init__(self, jobs: int) -> None:
        methods = multiprocessing.get_all_start_methods()
        self.jobs = jobs
        self.pool = multiprocessing.get_context("fork" if "fork" in methods else None).Pool(jobs - 1, _start_worker)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.pool.terminate()
        self.pool.join()


def workers(jobs: int) -> contextlib.AbstractContextManager[Workers | None]:
    """:class:`Workers` for more than one job; None (judge in this process alone) for one."""
    return Workers(jobs) if jobs > 1 else contextlib.nullcontext(None)


def score_file(path: str | Path | PredictionSource, task, by: Iterable[str] = ("level", "blocks"), pool: Workers | None = None,
               report: ReportSpool | None = None, keep: bool = False,
               progress: Callable[[int], None] | None = None) -> ScoredFile:
    """Read, judge and tally a predictions file record by record; ``BwbenchError`` at its first bad record.

    ``task`` judges each answer and says what to tally (its ``judge`` and
    ``metrics``: :class:`bwbench.tasks.base.Task`); ``pool`` (:func:`workers`)
    judges chunks in parallel; ``report`` receives the examples the report
    lists; ``keep`` keeps every prediction and judgement (in this process,
    whatever ``pool`` is).
    """
    by = tuple(by)
    for b in by:
        if b not in GROUPS:
            raise ValueError(f"unknown group {b!r}")
    # A source already opened (bwbench.interop's folders of answers, say) is read as it is.
    source = path if hasattr(path, "chunks") else PredictionSource(path)
    tallies = Tallies(by, task.metrics)
    kept: tuple[list, list] | None = ([], []) if keep else None
    if report is not None:
        report.start()
    n = 0

    def take(done: tuple[list[tuple], tuple[str, str] | None]) -> None:
        nonlocal n
        rows, error = done
        for cell, values, part, text, *objects in rows:
            tallies.add_values(cell, values)
            if part and report is not None:
                report.add(part, text)
            if kept is not None:
                kept[0].append(objects[0])
                kept[1].append(objects[1])
        n += len(rows)
        if progress is not None and rows:
            progress(len(rows))
        if error is not None:
            raise BwbenchError(*error)

    args = (source.format, source.path, by, report is not None, keep, task)
    with _fewer_collections():
        _judge_all(source, args, take, None if keep else pool)
    card = tallies.card()
    label = getattr(source, "label", source.format)  # what the file is, where it is read as another format
    if report is not None:
        report.finish(str(source.path), label, source.meta, n, card)
    return ScoredFile(str(source.path), label, source.meta, n, card, *(kept or (None, None)), task.primary)


def _judge_all(source: PredictionSource, args: tuple, take: Callable[[tuple], None], pool: Workers | None) -> None:
    """Every chunk of ``source`` judged (here, or by ``pool`` and here) and given to ``take`` in file order."""
    if pool is None:
        for chunk in source.chunks():
            take(judge_chunk(chunk, *args))
    else:
        # In file order, each chunk's rows or a worker's promise of them. This process reads, tallies, and
        # judges a chunk itself whenever the workers have enough queued; it waits for a worker only when that
        # worker's chunk holds back more chunks than a few per job (their rows are small).
        pending: deque = deque()
        queued = 4 * (pool.jobs - 1)  # chunks a worker has waiting: enough that it never runs dry meanwhile
        chunks = source.chunks()
        failed = None
        while True:
            try:
                chunk = next(chunks, None)
            except BwbenchError as exc:  # a reading error: the records before it may hold an earlier one
                failed = exc
                break
            if chunk is None:
                break
            if sum(1 for p in pending if p.__class__ is not tuple and not p.ready()) < queued:
                entries = [tuple(e) for e in chunk]  # plain tuples travel several times faster than named ones
                pending.append(pool.pool.apply_async(judge_chunk, (entries, *args)))
            else:
                pending.append(judge_chunk(chunk, *args))
            while pending and (pending[0].__class__ is tuple or pending[0].ready() or len(pending) > 8 * pool.jobs):
                head = pending.popleft()
                take(head if head.__class__ is tuple else head.get())
        while pending:
            head = pending.popleft()
            take(head if head.__class__ is tuple else head.get())
        if failed is not None:
            raise failed


def judge_chunk(entries: list[Entry], source_format: str, path: Path, by: tuple[str, ...], with_report: bool,
                keep: bool, task) -> tuple[list[tuple], tuple[str, str] | None]:
    """Each entry read and judged, as a row ``(cell, metric values, report part, report text[, prediction,
    judgement])``; stops at the first bad record, returning the rows before it and the error's message and
    where (an exception would lose where on its way back from a worker)."""
    keys = tuple(GROUPS[b] for b in by)
    metrics = tuple(m.of for m in task.metrics)
    judge = task.judge
    rows = []
    try:
        for entry in entries:
            pred = prediction_of(source_format, path, entry)
            if pred is None:
                continue
            j = judge(pred, pred.completion)
            part = part_of(j) if with_report else 0
            row = (tuple([key(j) for key in keys]), tuple([of(j) for of in metrics]), part,
                   example_text(pred, j) if part else None)
            rows.append((*row, pred, j) if keep else row)
    except BwbenchError as exc:
        return rows, (exc.message, exc.where)
    return rows, None
