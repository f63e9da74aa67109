"""``bwbench solve``: one Blocksworld PDDL problem file read, recognised and solved optimally, the plan checked.

The domain is recognised by the structure of its actions
(:mod:`bwbench.world.domain`), so a renamed one such as Mystery Blocksworld is
solved as what it is, and the plan is printed in its own action names. Any
planner's plan is simulated before it is returned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import BwbenchError
from ..world.domain import NotBlocksworld, recognise
from ..world.pddl import PddlProblem, from_up_problem, read_problem
from ..world.simulate import simulate
from .engines import solve_with_engine
from .planner import PLANNERS, get_planner
from .result import PlanResult


@dataclass(frozen=True)
class Solved:
    """An optimal plan for a PDDL problem file, and the plan in the domain's own action names."""

    problem: PddlProblem
    result: PlanResult
    seconds: float
    plan_pddl: tuple[str, ...]


def solve_file(problem_file: Path, domain_file: Path | None = None, planner: str = "bwbench") -> Solved:
    """Read, recognise and solve a Blocksworld PDDL problem; ``BwbenchError`` naming the file for bad input.

    Every plan is checked by bwbench's simulator before it is returned.
    """
    if planner not in PLANNERS:
        raise BwbenchError(f"unknown planner {planner!r}; choose one of: {', '.join(PLANNERS)}", field="planner")
    for f, field in ((problem_file, "problem"), (domain_file, "domain")):
        if f is not None and not Path(f).is_file():
            raise BwbenchError("no such file", str(f), field=field)
    try:
        up_problem = read_problem(problem_file, domain_file)
    except ValueError as exc:
        raise BwbenchError(str(exc), str(problem_file)) from None
    try:
        vocab = recognise(up_problem)
    except NotBlocksworld as exc:
        raise BwbenchError(f"not a Blocksworld domain: {exc}", str(domain_file or problem_file)) from None
    try:
        read = from_up_problem(up_problem, vocab)
    except ValueError as exc:
        raise BwbenchError(str(exc), str(problem_file)) from None
    start = time.perf_counter()
    try:
        if planner == "bwbench":
            result = get_planner(planner).solve(read.init, read.goal)
        else:
            result = solve_with_engine(up_problem, PLANNERS[planner][0], planner, vocab)
    except (RuntimeError, ValueError) as exc:  # Unsolvable and TooLarge are ValueErrors
        raise BwbenchError(str(exc), str(problem_file)) from None
    seconds = time.perf_counter() - start
    if not simulate(read.init, read.goal, result.plan):
        raise AssertionError(f"{planner} returned a plan that does not reach the goal of {problem_file}")
    return Solved(read, result, seconds, tuple(vocab.write_action(a) for a in result.plan))
