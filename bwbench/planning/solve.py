"""``bwbench solve``: Blocksworld PDDL problem files read, recognised and solved optimally, the plans checked.

The domain is recognised by the structure of its actions
(:mod:`bwbench.world.domain`), so a renamed one such as Mystery Blocksworld is
solved as what it is, and the plan is printed in its own action names. Any
planner's plan is simulated before it is returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import BwbenchError
from ..world.domain import NotBlocksworld, recognise
from ..world.pddl import (
    PddlProblem,
    domain_beside,
    domain_path,
    from_up_problem,
    is_shipped_domain,
    problem_files_in,
    read_domain,
    read_problem,
    read_problem_fast,
)
from ..world.simulate import simulate
from ..world.vocab import IPC, Vocabulary
from .engines import check_installed, solve_with_engine
from .limits import Outcome, out_of_time, outcomes, run_limited
from .planner import COUNTS, PLANNERS, BwbenchPlanner
from .result import PlanResult


@dataclass(frozen=True)
class Solved:
    """An optimal plan for a PDDL problem file, and the plan in the domain's own action names."""

    problem: PddlProblem
    result: PlanResult
    seconds: float
    plan_pddl: tuple[str, ...]

    def to_json(self) -> dict:
        # steps: bwbench's (a pick or a place each); actions: the domain's own, which in the 3-operator domain are
        # moves, half as many.
        return {"problem": self.problem.name, "blocks": len(self.problem.init.blocks), "steps": self.result.length,
                "actions": len(self.plan_pddl),
                "n_optimal_plans": self.result.n_optimal_plans, "optimal_plans": self.result.describe_count(),
                "planner": self.result.planner, "seconds": round(self.seconds, 6), "plan": list(self.plan_pddl)}


@dataclass(frozen=True)
class Attempt:
    """One problem file of a directory: solved, or the reason it was not (it is unreadable, say, or unsolvable)."""

    file: Path
    solved: Solved | None
    error: str | None = None

    def to_json(self) -> dict:
        return {"file": str(self.file), **(self.solved.to_json() if self.solved else {"error": self.error})}


def solve_directory(directory: Path, domain_file: Path | None = None, planner: str = "bwbench",
                    progress: Callable[[int], None] | None = None, count: str | None = None, jobs: int = 1,
                    time_limit: float | None = None) -> list[Attempt]:
    """Every PDDL problem file in ``directory`` (natural order, domain files aside), each solved as :func:`solve_file`
    solves it; a file's bad input is its attempt's error, and the others are still solved.

    With ``jobs`` above 1 or a ``time_limit`` (seconds a file), each file is solved in a worker process of its own
    (:mod:`.limits`), ``jobs`` at once, and one that runs past the limit is stopped: its attempt says so."""
    domain_file = domain_file or domain_beside([directory])
    _check(planner, domain_file, count)
    files = problem_files_in(directory)
    if not files:
        raise BwbenchError("no PDDL problem files (*.pddl) in this directory", str(directory), field="problem")
    vocabs = _vocabularies(domain_file)
    calls = [(file, domain_file, planner, vocabs, count) for file in files]
    tick = (lambda i, outcome: progress(1)) if progress else None
    return [Attempt(file, o.value, _failure(o, time_limit))
            for file, o in zip(files, outcomes(_solve_one, calls, jobs, time_limit, tick))]


def _failure(outcome: Outcome, time_limit: float | None) -> str | None:
    """Why a file has no plan (None: it has one)."""
    if outcome.timed_out:
        return out_of_time(time_limit)
    return outcome.error.message if outcome.error is not None else None


def _check(planner: str, domain_file: Path | None, count: str | None = None) -> None:
    """What every file of a request shares: a planner that exists, a way to count that does, and a domain file."""
    if planner not in PLANNERS:
        raise BwbenchError(f"unknown planner {planner!r}; choose one of: {', '.join(PLANNERS)}", field="planner")
    if count is not None and count not in COUNTS:
        raise BwbenchError(f"unknown way to count optimal plans {count!r}; choose one of: {', '.join(COUNTS)}",
                           field="count")
    if domain_file is not None and not Path(domain_file).is_file():
        raise BwbenchError("no such file", str(domain_file), field="domain")
    if planner != "bwbench":  # said once, before any file (or worker process) is tried
        check_installed(PLANNERS[planner][0], planner)


def solve_file(problem_file: Path, domain_file: Path | None = None, planner: str = "bwbench",
               vocabs: Sequence[Vocabulary] = (), count: str | None = None, time_limit: float | None = None) -> Solved:
    """Read, recognise and solve a Blocksworld PDDL problem; ``BwbenchError`` naming the file for bad input.

    ``vocabs``: the domain's words where already known (a directory's files
    share them), so that a plain STRIPS problem is read straight from its text
    when bwbench's planner, which needs no unified-planning problem, solves it.
    Without ``domain_file``, the one domain file beside the problem, if there is one (as IPC's folders hold it).
    Every plan is checked by bwbench's simulator before it is returned. ``count``: how far bwbench's planner
    counts optimal plans (one of :data:`.planner.COUNTS`; None: :func:`.planner.default_count`); the other
    planners do not count. ``time_limit``: seconds, after which the work (in a worker process) is stopped and
    ``BwbenchError`` says so.
    """
    if not Path(problem_file).is_file():
        raise BwbenchError("no such file or directory", str(problem_file), field="problem")
    domain_file = domain_file or domain_beside([problem_file])
    _check(planner, domain_file, count)
    if time_limit is None:
        return _solve_one(problem_file, domain_file, planner, vocabs, count)
    [outcome] = run_limited(_solve_one, [(problem_file, domain_file, planner, vocabs, count)], 1, time_limit)
    if outcome.error is not None:
        raise outcome.error
    if outcome.timed_out:
        raise BwbenchError(out_of_time(time_limit), str(problem_file))
    return outcome.value


def _solve_one(problem_file: Path, domain_file: Path | None, planner: str, vocabs: Sequence[Vocabulary],
               count: str | None) -> Solved:
    """:func:`solve_file` once the domain file is settled and the request checked (a directory's files share both)."""
    # Read straight from the text where it is plain STRIPS: unified-planning's reader takes seconds at 500 blocks.
    read, vocab = _read_fast(problem_file, (vocabs or _vocabularies(domain_file)) if planner == "bwbench" else ())
    up_problem = None
    if read is None:
        up_problem, vocab, read = _read(problem_file, domain_file)
    start = time.perf_counter()
    try:
        if planner == "bwbench":
            result = BwbenchPlanner().solve(read.init, read.goal, count=count)
        else:
            result = solve_with_engine(up_problem, PLANNERS[planner][0], planner, vocab)
    except (RuntimeError, ValueError) as exc:  # Unsolvable and TooLarge are ValueErrors
        raise BwbenchError(str(exc), str(problem_file)) from None
    seconds = time.perf_counter() - start
    if not simulate(read.init, read.goal, result.plan):
        raise AssertionError(f"{planner} returned a plan that does not reach the goal of {problem_file}")
    return Solved(read, result, seconds, tuple(vocab.write_plan(read.own_names(a) for a in result.plan)))


def _read(problem_file: Path, domain_file: Path | None) -> tuple:
    """The problem read by unified-planning: its problem, the domain's words, and the problem in bwbench's terms."""
    try:
        up_problem = read_problem(problem_file, domain_file)
    except ValueError as exc:
        raise BwbenchError(str(exc), str(problem_file)) from None
    try:
        vocab = recognise(up_problem)
    except NotBlocksworld as exc:
        raise BwbenchError(f"not a Blocksworld domain: {exc}", str(domain_file or problem_file)) from None
    try:
        return up_problem, vocab, from_up_problem(up_problem, vocab)
    except ValueError as exc:
        raise BwbenchError(str(exc), str(problem_file)) from None


def _read_fast(problem_file: Path, vocabs: Sequence[Vocabulary]) -> tuple[PddlProblem | None, Vocabulary | None]:
    """The problem read straight from its text in the first of ``vocabs`` it speaks, or (None, None)."""
    if not vocabs:
        return None, None
    text = Path(problem_file).read_text(encoding="utf-8", errors="replace")
    for vocab in vocabs:
        try:
            read = read_problem_fast(text, vocab)
        except ValueError as exc:
            raise BwbenchError(str(exc), str(problem_file)) from None
        if read is not None:
            return read, vocab
    return None, None


def _vocabularies(domain_file: Path | None) -> tuple[Vocabulary, ...]:
    """The words a directory's problems may use: the domain's, or the shipped domain's and the IPC's (none where the
    domain does not read: each file's own reading then says why)."""
    try:
        if domain_file is not None and not is_shipped_domain(domain_file):
            return (recognise(read_domain(domain_file)),)
        return recognise(read_domain(domain_path())), IPC
    except ValueError:
        return ()
