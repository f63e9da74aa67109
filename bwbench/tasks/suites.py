"""A task's suite: drawn fresh (``bwbench generate --task T``) or derived from an existing suite's problems (``--from``).

The problems are drawn, solved and checked as for plan generation
(:mod:`bwbench.suites.generate`) or read from the source suite
(:mod:`bwbench.suites.derive`); the task makes each one its record
(:meth:`.base.Task.derive`), and the suite is written whole either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from ..errors import BwbenchError
from ..suites.derive import derive_suite
from ..suites.generate import Generated, GenerateRequest, generate_suite
from . import get_task

DRAWING = ("preset", "levels", "n", "train", "blocks", "max_towers", "colors", "disjoint_renaming", "pddl",
           "allow_ties")
"""What only a freshly drawn suite takes (with --from, the source's problems are the problems)."""


def generate_task_suite(request: GenerateRequest, source: Path | None = None,
                        progress: Callable[[int], None] | None = None,
                        on_total: Callable[[int], None] | None = None) -> Generated:
    """The suite of ``request.task``: drawn as ``request`` asks, or, with ``source``, from that suite's problems.

    ``BwbenchError`` naming the field for an unknown task, plan generation derived from a suite (the suite is
    its own plan suite), and, with ``source``, any drawing option (the source's problems are the problems)."""
    task = get_task(request.task)
    if source is None:
        return generate_suite(request, progress, on_total, derive=None if task.name == "plan" else task.derive)
    if task.name == "plan":
        raise BwbenchError("a suite of plan problems is already what --from would derive; name another task",
                           field="task")
    given = [f.name for f in fields(request) if f.name in DRAWING and getattr(request, f.name) not in (None, False)
             or f.name == "n" and request.n == 0]  # (0 == False, yet --n 0 was given)
    if request.planner != "bwbench" or request.sampler != "auto":
        given.append("planner" if request.planner != "bwbench" else "sampler")
    if given:
        raise BwbenchError(f"draws new problems, and the problems come from the suite {source}; leave it out",
                           field=given[0])
    return derive_suite(source, request.target, task.name, task.derive, request.name, progress)
