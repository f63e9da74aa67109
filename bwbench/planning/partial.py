"""Optimal plans for partial goals: breadth-first search over moves to the set of states where the goal holds.

A partial goal (``on b c``, ``on d a``) is reached by many states, so the
bidirectional search of :mod:`.planner`, which needs one goal state, does not
apply. From a start with the hand empty every plan alternates a pick with a
place; an optimal one is a sequence of *moves* (each pick followed by its
place, each changing the state), possibly followed by one last pick, which
pays only when the goal asks for a block to be held or, through ``clear``, for
a block to be uncovered and kept in hand. So the search runs breadth-first
over hand-empty states, counting shortest paths; at each depth ``d`` it first
looks for goal states (a plan of ``2d`` steps), then for states where one pick
reaches the goal (``2d + 1`` steps), and stops at the first depth with either.
The number of optimal plans is the number of shortest move paths into those
states (times the picks that finish, for odd lengths). The plan is the optimal
move sequence that comes first in :func:`.moves.moves` order (then the
first finishing pick, by block), so gold plans are a deterministic choice.

Breadth-first search visits up to every state, so it serves problems of at
most :data:`BREADTH_FIRST_BLOCKS` blocks. Larger ones go to :mod:`.partial_search`
(iterative deepening with an admissible bound), which finds the same length
and the same plan, and counts the same plans (at 8 blocks about a hundred
times sooner than breadth-first search, which visits up to 394,353 states);
beyond :data:`MAX_BLOCKS` :func:`solve_partial` counts optimal plans only up to
:data:`.planner.COUNT_CAP`, as for full goals (``n_optimal`` is then ``min(count, cap)``, ``capped`` saying
whether it stopped there), because
exact counts of long plans over many blocks can take far longer than the plan
itself; :func:`count_partial` counts up to any cap. Both give up with
:class:`TooLarge` (one line) after :data:`MAX_STATES` evaluated states.
"""

from __future__ import annotations

import functools

from ..world.goal import Goal
from ..world.state import Action, Op, State
from .moves import Below, Move, below_of, moves, moves_to_actions, neighbours
from .partial_search import GoalTest, Search, SearchBudget
from .result import COUNT_CAP, PlanResult, Unsolvable

MAX_BLOCKS = 8
"""Up to this many blocks optimal plans are counted exactly unless a cap is asked for."""

BREADTH_FIRST_BLOCKS = 7
"""Breadth-first search up to this many blocks: it visits up to every state (37,633 for 7 blocks, 394,353 for 8)."""

MAX_STATES = 2_000_000
"""States the search beyond :data:`BREADTH_FIRST_BLOCKS` may evaluate before it gives up (a minute or two at 15 blocks)."""

_neighbours_small = functools.lru_cache(maxsize=1 << 16)(neighbours)  # 3-6 blocks: a few thousand states in all


class TooLarge(ValueError):
    """A problem too large for this search to finish in reasonable time."""


def solve_partial(init: State, goal: Goal, max_len: int | None = None, count_cap: int | None = None) -> PlanResult:
    """An optimal plan from ``init`` (hand empty) to ``goal``, and the number of optimal plans.

    ``n_optimal`` is ``min(count, count_cap)`` when ``count_cap`` is given;
    without it the count is exact up to :data:`MAX_BLOCKS` blocks and capped
    at :data:`.planner.COUNT_CAP` beyond. ``capped``: the count stopped at the cap.
    """
    names, start, test = _problem(init, goal, count_cap)
    if len(names) > BREADTH_FIRST_BLOCKS:
        if count_cap is None and len(names) > MAX_BLOCKS:
            count_cap = COUNT_CAP
        return solve_partial_deepening(init, goal, max_len, count_cap)
    path, pick, count = _breadth_first(start, test, max_len)
    return _result(names, start, path, pick, count, count_cap)


def solve_partial_deepening(init: State, goal: Goal, max_len: int | None = None,
                            count_cap: int | None = None) -> PlanResult:
    """What :func:`solve_partial` gives, by the search it uses beyond :data:`BREADTH_FIRST_BLOCKS` blocks, for any size.

    ``count_cap`` None counts exactly, which can take far longer than the plan.
    """
    names, start, test = _problem(init, goal, count_cap)
    search = Search(start, test, MAX_STATES)
    path, pick = _deepen(search, names, test, max_len)
    return _result(names, start, path, pick, _count(search, names, len(path), pick is not None, count_cap), count_cap)


def _result(names: list[str], start: Below, path: list[Move], pick: int | None, count: int,
            cap: int | None) -> PlanResult:
    plan = moves_to_actions(start, path, names)
    if pick is not None:
        under = _apply(start, path)[pick]
        plan += (Action(Op.PICK_UP, names[pick]) if under == -1 else Action(Op.UNSTACK, names[pick], names[under]),)
    capped = cap is not None and count >= cap
    return PlanResult(plan, min(count, cap) if capped else count, "bwbench", capped)


def count_partial(init: State, goal: Goal, cap: int | None) -> int:
    """The number of optimal plans from ``init`` to ``goal``, or ``cap`` when there are at least ``cap`` (None: exact)."""
    names, start, test = _problem(init, goal, cap)
    if len(names) <= BREADTH_FIRST_BLOCKS:
        count = _breadth_first(start, test, None)[2]
        return count if cap is None else min(count, cap)
    search = Search(start, test, MAX_STATES)
    path, pick = _deepen(search, names, test, None)
    return _count(search, names, len(path), pick is not None, cap)


def _problem(init: State, goal: Goal, cap: int | None) -> tuple[list[str], Below, GoalTest]:
    if not init.hand_empty:
        raise ValueError("the hand must be empty at the start")
    unknown = goal.blocks - init.blocks
    if unknown:
        raise ValueError(f"the goal names {', '.join(sorted(unknown))}, not an object of the problem")
    if cap is not None and cap < 1:
        raise ValueError(f"a cap on the count of optimal plans must be at least 1, not {cap}")
    names = sorted(init.blocks)
    return names, below_of(init, names), GoalTest(goal, {b: i for i, b in enumerate(names)})


def _apply(s: Below, path: list[Move]) -> Below:
    for x, d in path:
        s = s[:x] + (d,) + s[x + 1:]
    return s


def _too_large(names: list[str], search: Search) -> TooLarge:
    return TooLarge(f"a partial goal over {len(names)} blocks is beyond bwbench's exact search for partial goals "
                    f"(it gave up after {search.max_nodes:,} states); "
                    f"the pyperplan and fast-downward planners solve it optimally")


def _deepen(search: Search, names: list[str], test: GoalTest, max_len: int | None) -> tuple[list[Move], int | None]:
    """The first optimal move sequence and its finishing pick (None: the plan ends with the hand empty)."""
    limit = 2 * len(names)  # every block to the table, then every goal tower built: no goal needs more moves
    try:
        found = search.first(limit, max_len)
    except SearchBudget:
        raise _too_large(names, search) from None
    if found is None:
        if max_len is not None and max_len < 2 * limit + 1:
            raise Unsolvable("no plan within the length bound")
        raise Unsolvable("no plan: the goal cannot be reached from the initial state")
    moves_, pick, path = found
    return path, test.finishing_picks(_apply(search.start, path))[0] if pick else None


def _count(search: Search, names: list[str], moves_: int, pick: bool, cap: int | None) -> int:
    try:
        return search.count(moves_, pick, cap)
    except SearchBudget:
        raise _too_large(names, search) from None


def _breadth_first(start: Below, test: GoalTest, max_len: int | None) -> tuple[list[Move], int | None, int]:
    """The first optimal move sequence, its finishing pick (None: none) and the number of optimal plans."""
    step = _neighbours_small if len(start) <= 6 else neighbours
    layers: list[dict[Below, int]] = [{start: 1}]
    seen = {start}
    while True:
        layer, depth = layers[-1], len(layers) - 1
        if max_len is not None and 2 * depth > max_len:
            raise Unsolvable("no plan within the length bound")
        hits = [s for s in layer if test.reached(s)]
        if hits:
            count = sum(layer[s] for s in hits)
            return _first_path(layers, set(hits), step), None, count
        picks = {s: p for s in layer if (p := test.finishing_picks(s))}
        if picks and (max_len is None or 2 * depth + 1 <= max_len):
            count = sum(layer[s] * len(p) for s, p in picks.items())
            path = _first_path(layers, set(picks), step)
            return path, picks[_apply(start, path)][0], count
        new: dict[Below, int] = {}
        for s, c in layer.items():
            for t in step(s):
                if t not in seen:
                    new[t] = new.get(t, 0) + c
        if not new:
            raise Unsolvable("no plan: the goal cannot be reached from the initial state")
        seen.update(new)
        layers.append(new)


def _first_path(layers: list[dict[Below, int]], ends: set[Below], step) -> list[tuple[int, int]]:
    """The move sequence to one of ``ends`` (states of the last layer) that comes first in move order."""
    good = [set() for _ in layers]
    good[-1] = ends
    for k in range(len(layers) - 2, -1, -1):
        nxt = good[k + 1]
        good[k] = {s for s in layers[k] if any(t in nxt for t in step(s))}
    path = []
    s = next(iter(layers[0]))
    for k in range(1, len(layers)):
        move, s = next((m, t) for m, t in moves(s) if t in good[k])
        path.append(move)
    return path
