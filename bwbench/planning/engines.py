"""The classical planners of unified-planning (pyperplan, Fast Downward) as bwbench planners: optimal, no counts."""

from __future__ import annotations

import importlib
import io
from contextlib import redirect_stdout

from ..errors import MissingExtra
from ..world import pddl
from ..world.goal import Goal
from ..world.pddl_names import bwbench_name
from ..world.state import Action, Op, State
from ..world.vocab import Vocabulary
from .result import PlanResult


class UPPlanner:
    """An optimal engine of unified-planning (``pyperplan-opt``, ``fast-downward-opt``)."""

    def __init__(self, name: str, engine: str):
        self.name = name
        self.engine = engine

    def solve(self, init: State, goal: State | Goal) -> PlanResult:
        return solve_with_engine(pddl.to_up_problem(init, goal), self.engine, self.name)


def solve_with_engine(problem, engine: str, name: str, vocab: Vocabulary | None = None) -> PlanResult:
    """Solve with a unified-planning engine by name; ``RuntimeError`` when it is missing or fails.

    ``vocab`` maps a renamed domain's actions back to the four operators.
    """
    ops = {a: op for op, a in vocab.actions.items()} if vocab is not None else {}
    up = pddl.env()
    check_installed(engine, name)
    try:
        planner = up.OneshotPlanner(name=engine)
    except Exception as exc:
        raise RuntimeError(f"planner {name!r} is not available ({engine}): {exc or type(exc).__name__}") from exc
    with planner, redirect_stdout(io.StringIO()):
        result = planner.solve(problem)
    if result.plan is None:
        raise RuntimeError(f"{name} found no plan ({result.status.name})")
    actions = []
    for a in result.plan.actions:
        args = [bwbench_name(str(p)) for p in a.actual_parameters]  # the problem's objects, as bwbench calls them
        if vocab is not None and vocab.moves:  # the 3-operator domain: a move is two steps
            actions += vocab.read_steps(f"({a.action.name} {' '.join(args)})")
            continue
        actions.append(Action(ops.get(a.action.name) or Op(a.action.name), args[0], args[1] if len(args) > 1 else None))
    return PlanResult(tuple(actions), None, name)


EXTRAS = {"fast-downward-opt": ("up_fast_downward", "fast-downward")}
"""The engines an extra brings: each one's module, and the extra that installs it."""


def check_installed(engine: str, name: str) -> None:
    """``MissingExtra`` for an engine whose package is not installed (unified-planning says only that it failed)."""
    if engine not in EXTRAS:
        return
    module, extra = EXTRAS[engine]
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"the {name} planner", extra, module) from None
