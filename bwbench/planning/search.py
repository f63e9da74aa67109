"""Bidirectional breadth-first search over canonical states: optimal length, plan count and gold plan (full goals).

Moves are reversible, so the search runs from both ends: breadth-first,
expanding the smaller frontier, until the frontiers meet; the number of optimal
plans is the sum over meeting states of (paths from the start) × (paths to the
goal). The plan itself is the optimal move sequence that comes first in
:func:`.moves.moves` order, so gold plans are a deterministic choice among the
optimal ones. It visits up to every state, so it serves small problems
(:data:`.planner.SEARCH_BLOCKS`); :mod:`.deadlock` takes larger ones.
"""

from __future__ import annotations

from .moves import Below, Move, misplaced, moves, neighbours


def distance_and_count(start: Below, goal: Below, max_moves: int | None = None) -> tuple[int, int] | None:
    """Optimal number of moves and number of optimal move sequences (None past ``max_moves``).

    The same search as a bidirectional search, but it keeps no layers and, on
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
                for t in neighbours(s):
                    if t in other:
                        hits[t] = hits.get(t, 0) + c
            if not hits:
                return None
            return depth, sum(c * other[t] for t, c in hits.items())
        new: dict[Below, int] = {}
        for s, c in layer.items():
            for t in neighbours(s):
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
