"""Optimal planning: bwbench's own search, and the classical engines through unified-planning.

Our planner works on canonical states. A state with the hand empty is encoded
as a tuple ``below`` (``below[i]`` is the index of the block under block ``i``,
or -1 for the table), which is the same tuple however the towers are listed.
Every plan that starts and ends with the hand empty alternates a pick with a
place, so it is a sequence of *moves* (block x from where it is onto the table
or a clear block); an optimal plan never puts a block back where it was, so its
moves and its 4-operator actions correspond one to one, and counting shortest
move sequences counts optimal plans. Moves are reversible, so the search runs
from both ends: breadth-first, expanding the smaller frontier, until the
frontiers meet; the number of optimal plans is the sum over meeting states of
(paths from the start) × (paths to the goal). The plan itself is the optimal move
sequence that comes first in a fixed move order (by block, table first), so
gold plans are a deterministic choice among the optimal ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

from .goal import Goal
from .state import Action, Op, State

Below = tuple[int, ...]
Move = tuple[int, int]  # (block, destination); destination -1 is the table


SEARCH_BLOCKS = 7
"""Up to this many blocks, full goals go to the bidirectional search, which counts every optimal plan; beyond,
to :mod:`.exact`, which counts up to :data:`COUNT_CAP`."""

COUNT_CAP = 3
"""Beyond :data:`SEARCH_BLOCKS`, optimal plans are counted up to this: one, two, or "three or more"."""


@dataclass(frozen=True)
class PlanResult:
    """An optimal plan and what is known about it (``n_optimal`` is None when not counted).

    ``capped``: counting stopped at ``n_optimal``, so there are at least that many optimal plans.
    """

    plan: tuple[Action, ...]
    n_optimal: int | None
    planner: str
    capped: bool = False

    @property
    def length(self) -> int:
        return len(self.plan)

    @property
    def n_optimal_plans(self) -> int | None:
        """The number a record states: the exact count, or None where it was not counted to the end."""
        return None if self.capped else self.n_optimal

    def describe_count(self) -> str | None:
        """``"1 optimal plan"``, ``"3 or more optimal plans"``; None when not counted."""
        if self.n_optimal is None:
            return None
        n = self.n_optimal
        return f"{n}{' or more' if self.capped else ''} optimal plan{'' if n == 1 and not self.capped else 's'}"


@dataclass(frozen=True)
class Optimum:
    """An optimal plan's number of steps, and how many optimal plans there are (at least ``n_optimal`` if ``capped``)."""

    length: int
    n_optimal: int
    capped: bool = False


class Unsolvable(ValueError):
    """No plan (or none within the length bound that was asked for)."""


def encode(init: State, goal: State) -> tuple[list[str], Below, Below]:
    """Blocks in sorted order and both states as ``below`` tuples."""
    if not (init.hand_empty and goal.hand_empty):
        raise ValueError("states must have the hand empty")
    if init.blocks != goal.blocks:
        raise ValueError(
            f"init and goal have different blocks: {sorted(init.blocks ^ goal.blocks)}"
        )
    names = sorted(init.blocks)
    return names, _below(init, names), _below(goal, names)


def _below(state: State, names: list[str]) -> Below:
    index = {b: i for i, b in enumerate(names)}
    out = [-1] * len(names)
    for tower in state.towers:
        for lower, upper in zip(tower, tower[1:]):
            out[index[upper]] = index[lower]
    return tuple(out)


def decode(below: Below, names: list[str]) -> State:
    above = {b: i for i, b in enumerate(below) if b >= 0}
    towers = []
    for i, b in enumerate(below):
        if b == -1:
            tower = [i]
            while tower[-1] in above:
                tower.append(above[tower[-1]])
            towers.append(tuple(names[j] for j in tower))
    return State(frozenset(towers))


def moves(s: Below) -> Iterator[tuple[Move, Below]]:
    """Every move from ``s`` that changes it, in a fixed order (block, then table first)."""
    n = len(s)
    supports = set(s)
    clear = [i for i in range(n) if i not in supports]
    for x in clear:
        src = s[x]
        head, tail = s[:x], s[x + 1 :]
        if src != -1:
            yield (x, -1), head + (-1,) + tail
        for d in clear:
            if d != x and d != src:
                yield (x, d), head + (d,) + tail


def _neighbours(s: Below) -> list[Below]:
    # The hot loop of the search: the same as ``moves`` without the labels.
    n = len(s)
    supports = set(s)
    clear = [i for i in range(n) if i not in supports]
    out = []
    for x in clear:
        src = s[x]
        head, tail = s[:x], s[x + 1 :]
        if src != -1:
            out.append(head + (-1,) + tail)
        for d in clear:
            if d != x and d != src:
                out.append(head + (d,) + tail)
    return out


def misplaced(s: Below, goal: Below) -> int:
    """Blocks not on their goal support over a correct tower: each must move at least once.

    A lower bound on the number of moves, used to reject hopeless candidates
    before any search.
    """
    count = 0
    for i in range(len(s)):
        j = i
        while True:  # walk down the tower until a block that is wrong, or the table
            b = s[j]
            if b != goal[j]:
                count += 1
                break
            if b == -1:
                break
            j = b
    return count


def distance_and_count(start: Below, goal: Below, max_moves: int | None = None) -> tuple[int, int] | None:
    """Optimal number of moves and number of optimal move sequences (None past ``max_moves``).

    The same search as :func:`_bidirectional`, but it keeps no layers and, on
    the last expansion ``max_moves`` allows, only counts the paths that land in
    the other frontier (the generator calls this for every candidate).
    """
    if start == goal:
        return 0, 1
    fl, bl = {start: 1}, {goal: 1}
    fseen, bseen = {start}, {goal}
    depth = 0
    while max_moves is None or depth < max_moves:
        forward = len(fl) <= len(bl)
        layer, seen, other = (fl, fseen, bl) if forward else (bl, bseen, fl)
        depth += 1
        if depth == max_moves:
            # No need to store this layer: any state of it that is in the other
            # frontier is new (an older one would have met earlier).
            hits: dict[Below, int] = {}
            for s, c in layer.items():
                for t in _neighbours(s):
                    if t in other:
                        hits[t] = hits.get(t, 0) + c
            if not hits:
                return None
            return depth, sum(c * other[t] for t, c in hits.items())
        new: dict[Below, int] = {}
        for s, c in layer.items():
            for t in _neighbours(s):
                if t not in seen:
                    new[t] = new.get(t, 0) + c
        if not new:
            return None
        seen.update(new)
        count = sum(c * other[t] for t, c in new.items() if t in other)
        if count:
            return depth, count
        if forward:
            fl = new
        else:
            bl = new
    return None


def first_optimal_moves(start: Below, goal: Below, length: int) -> list[Move]:
    """The optimal move sequence that comes first in move order (the deterministic gold plan).

    ``length`` must be the optimal number of moves. Depth-first in move order,
    pruned by :func:`misplaced` (each misplaced block needs a move) and by
    remembering states already shown to be dead ends at a given depth.
    """
    dead: set[tuple[Below, int]] = set()
    path: list[Move] = []

    def dfs(s: Below, left: int) -> bool:
        if left == 0:
            return s == goal
        for move, t in moves(s):
            if misplaced(t, goal) <= left - 1 and (t, left - 1) not in dead:
                path.append(move)
                if dfs(t, left - 1):
                    return True
                path.pop()
                dead.add((t, left - 1))
        return False

    if not dfs(start, length):
        raise ValueError(f"no plan of {length} moves")
    return path


def moves_to_actions(start: Below, path: list[Move], names: list[str]) -> tuple[Action, ...]:
    out: list[Action] = []
    s = start
    for x, d in path:
        src = s[x]
        b = names[x]
        out.append(Action(Op.PICK_UP, b) if src == -1 else Action(Op.UNSTACK, b, names[src]))
        out.append(Action(Op.PUT_DOWN, b) if d == -1 else Action(Op.STACK, b, names[d]))
        s = s[:x] + (d,) + s[x + 1 :]
    return tuple(out)


class Planner(Protocol):
    name: str

    def solve(self, init: State, goal: State | Goal) -> PlanResult: ...


def configuration(init: State, goal: State | Goal) -> State | None:
    """``goal`` as the one state that reaches it, or None for a partial goal."""
    if goal.__class__ is Goal:
        return goal.to_state(init.blocks)
    return goal


def optimal(init: State, goal: State | Goal, count_cap: int | None = None) -> Optimum:
    """Steps of an optimal plan and the number of optimal plans, for either kind of goal.

    ``count_cap``: count no further than this (default: exactly where the
    search counts for free, else :data:`COUNT_CAP`).
    """
    full = configuration(init, goal)
    if full is None:
        from .partial import MAX_BLOCKS, solve_partial

        # The breadth-first search counts exactly for free; beyond it, counting stops at the cap.
        result = solve_partial(init, goal, count_cap=count_cap if len(init.blocks) > MAX_BLOCKS else None)
        return Optimum(result.length, result.n_optimal, result.capped)
    _, s, g = encode(init, full)
    if len(s) <= SEARCH_BLOCKS:
        found = distance_and_count(s, g)
        if found is None:
            raise Unsolvable("no plan")
        return Optimum(2 * found[0], found[1])
    from . import exact

    cap = count_cap or COUNT_CAP
    count = exact.count_plans(s, g, cap)
    return Optimum(2 * exact.distance(s, g), count, count >= cap)


class BwbenchPlanner:
    """Full goals: bidirectional breadth-first search over canonical states up to :data:`SEARCH_BLOCKS` blocks,
    :mod:`.exact` beyond; partial goals by :mod:`.partial`. All count optimal plans (:class:`PlanResult`)."""

    name = "bwbench"

    def solve(self, init: State, goal: State | Goal, max_len: int | None = None) -> PlanResult:
        full = configuration(init, goal)
        if full is None:
            from .partial import solve_partial

            return solve_partial(init, goal, max_len)
        names, s, g = encode(init, full)
        if len(s) > SEARCH_BLOCKS:
            return self._solve_exact(names, s, g, max_len)
        found = distance_and_count(s, g, None if max_len is None else max_len // 2)
        if found is None:
            raise Unsolvable("no plan within the length bound" if max_len is not None else "no plan")
        moves_, count = found
        return PlanResult(moves_to_actions(s, first_optimal_moves(s, g, moves_), names), count, self.name)

    def _solve_exact(self, names: list[str], s: Below, g: Below, max_len: int | None) -> PlanResult:
        from . import exact

        if max_len is not None and 2 * exact.distance(s, g) > max_len:
            raise Unsolvable("no plan within the length bound")
        path, count = exact.plan_and_count(s, g, COUNT_CAP)
        return PlanResult(moves_to_actions(s, path, names), count, self.name, count >= COUNT_CAP)


class UPPlanner:
    """An optimal engine of unified-planning (``pyperplan-opt``, ``fast-downward-opt``)."""

    def __init__(self, name: str, engine: str):
        self.name = name
        self.engine = engine

    def solve(self, init: State, goal: State | Goal) -> PlanResult:
        from . import pddl

        return pddl.solve_with_engine(pddl.to_up_problem(init, goal), self.engine, self.name)


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


