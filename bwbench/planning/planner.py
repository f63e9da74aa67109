"""Optimal planning: bwbench's own search, and the classical engines through unified-planning.

Full goals: bidirectional breadth-first search (:mod:`.search`) up to
:data:`SEARCH_BLOCKS` blocks, which counts every optimal plan; beyond, the
structure of Blocksworld (:mod:`.deadlock`), counting up to
:data:`.result.COUNT_CAP`. Partial goals: :mod:`.partial`. The engines of
unified-planning (pyperplan, Fast Downward) are reached through :mod:`.engines`.
Every planner returns a :class:`~.result.PlanResult`.
"""

from __future__ import annotations

from typing import Protocol

from ..world.goal import Goal
from ..world.state import State
from . import deadlock, detours
from .engines import UPPlanner
from .moves import Below, encode, moves_to_actions
from .partial import MAX_BLOCKS, solve_partial, solve_partial_deepening
from .result import COUNT_CAP, Optimum, PlanResult, Unsolvable
from .search import distance_and_count, first_optimal_moves

SEARCH_BLOCKS = 7
"""Up to this many blocks, full goals go to the bidirectional search, which counts every optimal plan; beyond,
to :mod:`.deadlock`, which counts up to :data:`.result.COUNT_CAP`."""

COUNT_BLOCKS = 40
"""Beyond this many blocks optimal plans are not counted unless asked for: a capped count walks the optimal moves
of every state on the way, which in tall towers takes seconds at 100 blocks and far longer beyond. An uncounted
plan beyond this size comes from :mod:`.detours`: optimal, though not always the first in move order."""

COUNTS = ("none", "capped", "exact")
"""How far optimal plans are counted: not at all, up to :data:`.result.COUNT_CAP`, or to the end (can be slow)."""


class Planner(Protocol):
    name: str

    def solve(self, init: State, goal: State | Goal) -> PlanResult: ...


def configuration(init: State, goal: State | Goal) -> State | None:
    """``goal`` as the one state that satisfies it (:meth:`.Goal.to_state`), or None for a partial goal."""
    if goal.__class__ is Goal:
        return goal.to_state(init.blocks)
    return goal


def default_count(init: State, goal: State | Goal) -> str:
    """How far optimal plans are counted when nothing is asked: exactly where it costs little (up to
    :data:`SEARCH_BLOCKS` blocks, and up to :data:`.partial.MAX_BLOCKS` for goal facts that leave some block's
    place unsaid, as the search for partial goals counts them), capped up to :data:`COUNT_BLOCKS` blocks, and not at
    all beyond."""
    n = len(init.blocks)
    if n <= SEARCH_BLOCKS or (n <= MAX_BLOCKS and goal.__class__ is Goal and not goal.is_full(init.blocks)):
        return "exact"
    return "capped" if n <= COUNT_BLOCKS else "none"


def optimal_length(init: State, goal: State | Goal) -> int:
    """Steps of an optimal plan, without counting optimal plans: for a full goal, twice the deadlock distance
    (:func:`.deadlock.distance`, exact at any size), which is several times cheaper than a search that counts."""
    full = configuration(init, goal)
    if full is None:
        return optimal(init, goal).length
    return 2 * deadlock.state_distance(init, full)


def optimal(init: State, goal: State | Goal, count_cap: int | None = None) -> Optimum:
    """Steps of an optimal plan and the number of optimal plans, for either kind of goal.

    ``count_cap``: count no further than this (default: exactly up to the
    size :func:`default_count` counts exactly at, else :data:`COUNT_CAP`).
    """
    full = configuration(init, goal)
    if full is None:
        # The breadth-first search counts exactly for free; beyond it, counting stops at the cap.
        result = solve_partial(init, goal, count_cap=count_cap if len(init.blocks) > MAX_BLOCKS else None)
        return Optimum(result.length, result.n_optimal, result.capped)
    _, s, g = encode(init, full)
    if len(s) <= SEARCH_BLOCKS:
        found = distance_and_count(s, g)
        if found is None:
            raise Unsolvable("no plan")
        return Optimum(2 * found[0], found[1])
    cap = None if count_cap is None and default_count(init, goal) == "exact" else count_cap or COUNT_CAP
    count = deadlock.count_plans(s, g, cap)
    return Optimum(2 * deadlock.distance(s, g), count, cap is not None and count >= cap)


class BwbenchPlanner:
    """Full goals: bidirectional breadth-first search over canonical states up to :data:`SEARCH_BLOCKS` blocks,
    :mod:`.deadlock` beyond; partial goals by :mod:`.partial`. All count optimal plans (:class:`PlanResult`) as far
    as ``count`` asks (one of :data:`COUNTS`; None: :func:`default_count`)."""

    name = "bwbench"

    def solve(self, init: State, goal: State | Goal, max_len: int | None = None,
              count: str | None = None) -> PlanResult:
        count = count or default_count(init, goal)
        if count not in COUNTS:
            raise ValueError(f"unknown way to count optimal plans {count!r}; choose one of: {', '.join(COUNTS)}")
        full = configuration(init, goal)
        if full is None:
            if count == "exact" and len(init.blocks) > MAX_BLOCKS:  # solve_partial caps there unless told a cap
                return solve_partial_deepening(init, goal, max_len)
            result = solve_partial(init, goal, max_len, {"none": 1, "capped": COUNT_CAP, "exact": None}[count])
            return result if count != "none" else PlanResult(result.plan, None, self.name)
        names, s, g = encode(init, full)
        if len(s) > SEARCH_BLOCKS or count == "none":
            return self._solve_by_deadlocks(names, s, g, max_len, count)
        found = distance_and_count(s, g, None if max_len is None else max_len // 2)
        if found is None:
            raise Unsolvable("no plan within the length bound" if max_len is not None else "no plan")
        moves_, n = found
        return PlanResult(moves_to_actions(s, first_optimal_moves(s, g, moves_), names), n, self.name)

    def _solve_by_deadlocks(self, names: list[str], s: Below, g: Below, max_len: int | None,
                            count: str) -> PlanResult:
        if max_len is not None and 2 * deadlock.distance(s, g) > max_len:
            raise Unsolvable("no plan within the length bound")
        if count == "none" and len(s) > COUNT_BLOCKS:
            return PlanResult(moves_to_actions(s, detours.plan(s, g), names), None, self.name)
        cap = {"none": 1, "capped": COUNT_CAP, "exact": None}[count]
        path, n = deadlock.plan_and_count(s, g, cap)
        if count == "none":
            return PlanResult(moves_to_actions(s, path, names), None, self.name)
        return PlanResult(moves_to_actions(s, path, names), n, self.name, cap is not None and n >= cap)


PLANNERS: dict[str, tuple[str, str]] = {
    "bwbench": ("", "own: bidirectional BFS up to 7 blocks, deadlock analysis beyond; partial goals by search (counts optimal plans)"),
    "pyperplan": ("pyperplan-opt", "pyperplan, A* with LM-cut (optimal), through unified-planning"),
    "fast-downward": ("fast-downward-opt", "Fast Downward, A* with LM-cut (optimal), needs up-fast-downward"),
}


def get_planner(name: str) -> Planner:
    """A planner by name; a helpful error for a name that is not one."""
    if name not in PLANNERS:
        raise ValueError(f"unknown planner {name!r}; choose one of: {', '.join(PLANNERS)}")
    if name == "bwbench":
        return BwbenchPlanner()
    return UPPlanner(name, PLANNERS[name][0])


