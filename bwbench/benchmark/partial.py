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
move sequence that comes first in :func:`.planner.moves` order (then the
first finishing pick, by block), so gold plans are a deterministic choice.
"""

from __future__ import annotations

import functools

from .goal import Goal
from .planner import Below, PlanResult, Unsolvable, _below, _neighbours, moves, moves_to_actions
from .state import TABLE, Action, Op, State

MAX_BLOCKS = 8
"""The search visits up to every state: 394,353 for 8 blocks (seconds), ten times more for each block beyond."""

_neighbours_small = functools.lru_cache(maxsize=1 << 16)(_neighbours)  # 3-6 blocks: a few thousand states in all


class TooLarge(ValueError):
    """A problem too large for this search to finish in reasonable time."""


class _Test:
    """The goal on ``below`` tuples of block indices."""

    def __init__(self, goal: Goal, index: dict[str, int]):
        self.want = tuple((index[b], -1 if s == TABLE else index[s]) for b, s in goal.below)
        self.clear = tuple(index[c] for c in sorted(goal.clear))
        self.holding = None if goal.holding is None else index[goal.holding]
        # A last pick can only help when the goal wants a block held, or one uncovered without a hand-empty fact.
        self.pick_helps = goal.holding is not None or (bool(goal.clear) and not goal.hand_empty)

    def reached(self, s: Below) -> bool:
        if self.holding is not None:
            return False
        for b, w in self.want:
            if s[b] != w:
                return False
        if self.clear:
            supports = set(s)
            for c in self.clear:
                if c in supports:
                    return False
        return True

    def finishing_picks(self, s: Below) -> list[int]:
        """Blocks whose pick from ``s`` reaches the goal (the hand then holds it)."""
        if not self.pick_helps:
            return []
        supports = set(s)
        out = []
        for x in range(len(s)):
            if x in supports or (self.holding is not None and x != self.holding):
                continue
            if any(b == x or s[b] != w for b, w in self.want):
                continue  # a held block stands on nothing
            under = s[x]
            if any(c == x or (c in supports and c != under) for c in self.clear):
                continue  # picking x uncovers only the block under it
            out.append(x)
        return out


def solve_partial(init: State, goal: Goal, max_len: int | None = None) -> PlanResult:
    """An optimal plan from ``init`` (hand empty) to ``goal``, and the number of optimal plans."""
    if not init.hand_empty:
        raise ValueError("the hand must be empty at the start")
    unknown = goal.blocks - init.blocks
    if unknown:
        raise ValueError(f"the goal names {', '.join(sorted(unknown))}, not an object of the problem")
    names = sorted(init.blocks)
    if len(names) > MAX_BLOCKS:
        raise TooLarge(f"a partial goal over {len(names)} blocks is beyond bwbench's exact search for partial goals "
                       f"(at most {MAX_BLOCKS} blocks); pyperplan and fast-downward solve it optimally (--planner)")
    index = {b: i for i, b in enumerate(names)}
    start = _below(init, names)
    test = _Test(goal, index)
    neighbours = _neighbours_small if len(names) <= 6 else _neighbours
    layers: list[dict[Below, int]] = [{start: 1}]
    seen = {start}
    while True:
        layer, depth = layers[-1], len(layers) - 1
        if max_len is not None and 2 * depth > max_len:
            raise Unsolvable("no plan within the length bound")
        hits = [s for s in layer if test.reached(s)]
        if hits:
            count = sum(layer[s] for s in hits)
            path = _first_path(layers, set(hits), neighbours)
            return PlanResult(moves_to_actions(start, path, names), count, "bwbench")
        picks = {s: p for s in layer if (p := test.finishing_picks(s))}
        if picks and (max_len is None or 2 * depth + 1 <= max_len):
            count = sum(layer[s] * len(p) for s, p in picks.items())
            path = _first_path(layers, set(picks), neighbours)
            end = start
            for x, d in path:
                end = end[:x] + (d,) + end[x + 1:]
            x = picks[end][0]
            last = Action(Op.PICK_UP, names[x]) if end[x] == -1 else Action(Op.UNSTACK, names[x], names[end[x]])
            return PlanResult(moves_to_actions(start, path, names) + (last,), count, "bwbench")
        new: dict[Below, int] = {}
        for s, c in layer.items():
            for t in neighbours(s):
                if t not in seen:
                    new[t] = new.get(t, 0) + c
        if not new:
            raise Unsolvable("no plan: the goal cannot be reached from the initial state")
        seen.update(new)
        layers.append(new)


def _first_path(layers: list[dict[Below, int]], ends: set[Below], neighbours) -> list[tuple[int, int]]:
    """The move sequence to one of ``ends`` (states of the last layer) that comes first in move order."""
    good = [set() for _ in layers]
    good[-1] = ends
    for k in range(len(layers) - 2, -1, -1):
        nxt = good[k + 1]
        good[k] = {s for s in layers[k] if any(t in nxt for t in neighbours(s))}
    path = []
    s = next(iter(layers[0]))
    for k in range(1, len(layers)):
        move, s = next((m, t) for m, t in moves(s) if t in good[k])
        path.append(move)
    return path
