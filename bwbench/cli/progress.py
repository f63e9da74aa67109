"""Progress for long commands: a live bar on a terminal, plain lines in logs (CI, ``nohup``, a pipe).

Both have the part of rich's ``Progress`` interface that the commands use:
``add_task``, ``advance`` and ``update``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

INTERVAL_ENV = "BWBENCH_PROGRESS_SECONDS"
"""Seconds between plain progress lines (default 10); a command that ends sooner prints none."""


def progress(console: Console, *extra: TextColumn) -> Progress | PlainProgress:
    """A bar where ``console`` is a terminal, plain lines otherwise; ``extra`` columns show task fields."""
    if console.is_terminal:
        return Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), *extra, console=console, transient=True)
    return PlainProgress(console, fields=[c.text_format for c in extra])


@dataclass
class _Task:
    description: str
    total: float | None
    completed: float = 0.0
    fields: dict = field(default_factory=dict)


class PlainProgress:
    """A line per task every ``BWBENCH_PROGRESS_SECONDS`` (default 10) while it runs, and one when it ends.

    Commands that finish within the interval print nothing, so a quick
    command's output (and a one-line error) stays what it is.
    """

    def __init__(self, console: Console, fields: list[str] | None = None, interval: float | None = None):
        self.console = console
        self.fields = fields or []
        self.interval = interval if interval is not None else float(os.environ.get(INTERVAL_ENV, "10"))
        self.tasks: list[_Task] = []
        self.start = self.last = time.monotonic()
        self.printed = False

    def __enter__(self) -> PlainProgress:
        self.start = self.last = time.monotonic()
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if self.printed and kind is None:
            for i in range(len(self.tasks)):
                self._line(i, "done")

    def add_task(self, description: str, total: float | None = None, **fields) -> int:
        self.tasks.append(_Task(description, total, fields=fields))
        return len(self.tasks) - 1

    def advance(self, task: int, advance: float = 1) -> None:
        self.tasks[task].completed += advance
        self._tick(task)

    def update(self, task: int, total: float | None = None, completed: float | None = None,
               advance: float | None = None, **fields) -> None:
        t = self.tasks[task]
        if total is not None:
            t.total = total
        if completed is not None:
            t.completed = completed
        if advance is not None:
            t.completed += advance
        t.fields.update(fields)
        self._tick(task)

    def _tick(self, task: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self._line(task)

    def _line(self, task: int, state: str = "") -> None:
        t = self.tasks[task]
        done = f"{t.completed:,.0f}" + (f"/{t.total:,.0f} ({100 * t.completed / t.total:.0f}%)" if t.total else "")
        shown = [f.format(task=t) for f in self.fields]
        parts = [f"{t.description}: {done}", f"{time.monotonic() - self.start:.0f}s", *(s for s in shown if s), state]
        self.console.print(", ".join(p for p in parts if p), highlight=False, markup=False, soft_wrap=True)
        self.printed = True
