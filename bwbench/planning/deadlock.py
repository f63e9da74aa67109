"""Exactly optimal plans for full-configuration goals at any size, from the structure of Blocksworld.

A block is *well placed* when it and every block under it stand as in the
goal; a well-placed block never has to move, and every other (*misplaced*)
block moves at least once. A misplaced block moves exactly once when it goes
straight to its goal place, and there is an optimal plan in which every other
block moves twice, to the table and then to its goal place (Gupta & Nau 1992;
Slaney & Thiébaux, "Blocks World revisited", AIJ 2001). Which blocks can go
straight home is decided by *deadlocks*: a misplaced block ``a`` can take its
goal place only after every block initially above ``a`` or above a block under
``a`` in the goal has made its first move. Write ``a → b`` for that; a set of
blocks that each move once is possible exactly when ``→`` has no cycle among
them (a block with ``a → a`` must move twice). So

    optimal moves = misplaced blocks + a minimum feedback vertex set of ``→``,

and the optimal plan has twice as many steps (a pick and a place per move).
The feedback vertex set is NP-hard in general, as optimal Blocksworld planning
is; :mod:`.fvs` solves it exactly after reductions that keep an optimum, one
strongly connected component at a time. :func:`distance` is that number of moves.

With an exact distance, the gold plan is found without search: from each state
take the first move in :func:`.moves.moves` order that lowers the distance by
one. That is the optimal move sequence that comes first in move order, the same
choice :func:`.search.first_optimal_moves` makes, so gold plans agree at every
size. Counting optimal plans walks the same moves, memoised by state, and can
stop at a cap (one, two, "more"), which is all a uniqueness test needs.
"""

from __future__ import annotations

from typing import Iterator

from ..world.state import State
from .fvs import bits as _bits
from .fvs import components as _components
from .fvs import minimum_set, minimum_size
from .moves import Below, Move

# --------------------------------------------------------------------------- the deadlock graph


def _masks(s: Below, goal: Below) -> tuple[int, list[int]]:
    """The misplaced blocks (a bit mask) and, per misplaced block, the blocks it waits for (``→``)."""
    n = len(s)
    on_top = [-1] * n  # what stands directly on each block initially
    for i, b in enumerate(s):
        if b >= 0:
            on_top[b] = i
    above = [0] * n  # blocks initially above each block
    well = [False] * n
    for bottom in range(n):
        if s[bottom] != -1:
            continue
        tower = [bottom]
        while on_top[tower[-1]] >= 0:
            tower.append(on_top[tower[-1]])
        ok = True
        mask = 0
        for x in reversed(tower):
            above[x] = mask
            mask |= 1 << x
        for x in tower:
            ok = ok and s[x] == goal[x]
            well[x] = ok
    misplaced = 0
    for i in range(n):
        if not well[i]:
            misplaced |= 1 << i
    # waits[a] = blocks above a, or above any block under a in the goal (goal towers walked bottom up).
    g_top = [-1] * n
    for i, b in enumerate(goal):
        if b >= 0:
            g_top[b] = i
    waits = [0] * n
    for bottom in range(n):
        if goal[bottom] != -1:
            continue
        acc, x = 0, bottom
        while x >= 0:
            acc |= above[x]
            waits[x] = acc & misplaced
            x = g_top[x]
    return misplaced, waits


def misplaced_mask(s: Below, goal: Below) -> int:
    """The blocks of ``s`` that are not well placed for ``goal``, as a bit mask (bit i: block i)."""
    return _masks(s, goal)[0]


def _graph(misplaced: int, waits: list[int]) -> dict[int, int]:
    return {a: waits[a] for a in _bits(misplaced)}


def distance(s: Below, goal: Below) -> int:
    """The optimal number of moves from ``s`` to ``goal`` (both hand-empty configurations of the same blocks)."""
    misplaced, waits = _masks(s, goal)
    moves = bin(misplaced).count("1")
    if _acyclic(waits, misplaced):  # the usual case: no deadlock, no detour (and no feedback set to search for)
        return moves
    return moves + minimum_size(_graph(misplaced, waits))


def state_distance(init: State, goal: State) -> int:
    """:func:`distance` between two states as given (hand empty, the same blocks), without encoding them first.

    The distance does not depend on how blocks are numbered, so they are numbered as ``init``'s towers list them;
    the misplaced blocks and the "waits for" graph come straight from the towers.
    """
    if init.holding is not None or goal.holding is not None:
        raise ValueError("states must have the hand empty")
    index: dict[str, int] = {}
    for tower in init.towers:
        for b in tower:
            index[b] = len(index)
    support: dict[str, str | None] = {}
    for tower in goal.towers:
        below = None
        for b in tower:
            support[b] = below
            below = b
    if support.keys() != index.keys():
        raise ValueError(f"init and goal have different blocks: {sorted(init.blocks ^ goal.blocks)}")
    above = [0] * len(index)  # blocks initially above each block
    misplaced = 0
    for tower in init.towers:
        well, below = True, None
        for b in tower:
            well = well and support[b] == below
            if not well:
                misplaced |= 1 << index[b]
            below = b
        mask = 0
        for b in reversed(tower):
            above[index[b]] = mask
            mask |= 1 << index[b]
    waits = [0] * len(index)  # blocks above a block, or above any block under it in the goal, that are misplaced
    for tower in goal.towers:
        acc = 0
        for b in tower:
            i = index[b]
            acc |= above[i]
            waits[i] = acc & misplaced
    moves = bin(misplaced).count("1")
    if _acyclic(waits, misplaced):
        return moves
    return moves + minimum_size(_graph(misplaced, waits))


def _acyclic(succ: list[int], nodes: int) -> bool:
    """Whether the "waits for" graph on ``nodes`` has no cycle: its sinks, taken away again and again, take all."""
    while nodes:
        sinks = 0
        rest = nodes
        while rest:
            low = rest & -rest
            rest ^= low
            if not succ[low.bit_length() - 1] & nodes:
                sinks |= low
        if not sinks:
            return False
        nodes &= ~sinks
    return True


# --------------------------------------------------------------------------- plans and counts


def optimal_moves(s: Below, goal: Below, left: int | None = None, block: int | None = None
                  ) -> Iterator[tuple[Move, Below]]:
    """The moves from ``s`` that lower the distance to ``goal`` by one, in :func:`.moves.moves` order (with
    ``block``, only the moves of that block: whether an optimal plan can begin by picking it up).

    ``left``: the distance from ``s``, when the caller knows it. Most moves are
    settled without computing a distance: a move that puts a misplaced block
    straight into its goal place (onto the table, or onto a clear well-placed
    block) always lowers the distance, because that block waits for nothing; a
    well-placed block never moves in an optimal plan; and any other move lowers
    it only if the block lies on a cycle of the deadlock graph (it then saves
    one detour), which is the one case the distance is computed for.
    """
    misplaced, waits = _masks(s, goal)
    graph = _graph(misplaced, waits)
    if left is None:
        left = bin(misplaced).count("1") + minimum_size(graph)
    component: dict[int, int] = {}
    saves: dict[int, bool] = {}

    def size(nodes: int) -> int:
        return bin(minimum_set({v: graph[v] for v in _bits(nodes)}, nodes)).count("1")

    def detour_saves(x: int) -> bool:
        """Whether ``x`` is in some minimum feedback vertex set (its component's optimum drops by one without it)."""
        if not saves:  # the components, once, when the first block needs them
            saves[-1] = False
            for comp in _components(dict(graph), misplaced):
                for v in _bits(comp):
                    component[v] = comp
        if x not in saves:
            comp = component.get(x)
            if comp is None:  # on no cycle: a detour cannot save anything
                saves[x] = False
            else:
                saves[x] = size(comp & ~(1 << x)) == size(comp) - 1
        return saves[x]

    supports = set(s)
    clear = [i for i in range(len(s)) if i not in supports]
    for x in clear if block is None else [x for x in clear if x == block]:  # moves.moves order: by block, the
        if not misplaced >> x & 1:  # table first, then destinations by index
            continue
        src, home = s[x], goal[x]
        head, tail = s[:x], s[x + 1:]
        if src != -1 and (home == -1 or detour_saves(x)):
            # Home to the table; or, for a block that saves a detour, to the table: it then waits for nothing
            # and nothing waits for it, so one detour fewer.
            yield (x, -1), head + (-1,) + tail
        ready = home >= 0 and home != src and home not in supports and not misplaced >> home & 1
        if home >= 0 and detour_saves(x):  # onto a block: new waits may come with it, so the distance decides
            for d in clear:
                if d != x and d != src:
                    t = head + (d,) + tail
                    if (d == home and ready) or distance(t, goal) == left - 1:
                        yield (x, d), t
        elif ready:
            yield (x, home), head + (home,) + tail  # straight home onto a clear well-placed block


def moves_first(s: Below, goal: Below, block: int, left: int | None = None) -> bool:
    """Whether an optimal plan from ``s`` can begin by moving ``block`` (clear in ``s``): at once where it can go
    straight home (no distance computed), else by :func:`optimal_moves` of that block alone."""
    misplaced = misplaced_mask(s, goal)
    if not misplaced >> block & 1:
        return False  # a well-placed block never moves
    src, home = s[block], goal[block]
    if home == -1 and src != -1 or home >= 0 and home != src and home not in s and not misplaced >> home & 1:
        return True
    return next(optimal_moves(s, goal, left, block), None) is not None


def first_moves(s: Below, goal: Below) -> list[Move]:
    """The optimal move sequence that comes first in :func:`.moves.moves` order (the gold plan)."""
    return plan_and_count(s, goal, 1)[0]


def count_plans(s: Below, goal: Below, cap: int | None = None) -> int:
    """The number of optimal move sequences from ``s`` to ``goal``; with ``cap``, min(that number, cap)."""
    return plan_and_count(s, goal, cap)[1]


def plan_and_count(s: Below, goal: Below, cap: int | None = None) -> tuple[list[Move], int]:
    """The gold plan (:func:`first_moves`) and the number of optimal move sequences (min(that, ``cap``)), in one walk.

    Depth first over the moves that lower the distance, in move order,
    memoised by state: the first way down is the gold plan, and with a cap of
    2 or 3 the count stops at the first states with a second way on.
    """
    memo: dict[Below, int] = {}
    path: list[Move] = []

    def count(state: Below, left: int, leads: bool) -> int:
        # ``leads``: the state is on the gold plan, whose next move is the first way down from it.
        if left == 0:
            return 1
        if state in memo:
            return memo[state]
        total = 0
        for move, t in optimal_moves(state, goal, left):
            if leads:
                path.append(move)
            total += count(t, left - 1, leads)
            leads = False
            if cap is not None and total >= cap:
                total = cap
                break
        memo[state] = total
        return total

    return path, count(s, distance(s, goal), True)
