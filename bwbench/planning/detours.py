"""An optimal plan for a full goal at hundreds of blocks, without walking every optimal move of every state.

:func:`.deadlock.plan_and_count` finds the optimal move sequence that comes
first in move order, and to do so asks at every state, for every clear block,
whether a detour through the table saves a move: a minimum feedback vertex set
solved again and again (at 100 blocks in tall towers, seconds). An optimal
plan needs far less. With ``G`` the deadlock graph (:mod:`.deadlock`) over the
blocks that are misplaced and have not moved yet:

* a block that can go straight to its goal place waits for nothing, so it is
  on no cycle of ``G``; moving it there lowers the distance by one;
* a clear block ``x`` whose removal lowers the minimum feedback vertex set of
  ``G`` by one (it is in some minimum set) lowers the distance by one when it
  goes to the table: it then waits for nothing and nothing waits for it;
* either move leaves the deadlock graph of the new state equal to ``G`` without
  ``x`` (``x`` is above no block any more, or is well placed), so ``G`` is kept
  up to date by taking ``x`` out, never recomputed;
* some optimal plan moves a clear block next, and its move is one of the two
  kinds, so one of them is always there.

So the plan solves the feedback vertex set once, for the whole graph
(:mod:`.fvs`), and keeps that set ``F`` as it goes: a block going home is on
no cycle, so ``F`` stays a smallest set, and a block of ``F`` going to the
table leaves ``F`` without it smallest for the graph without it. It takes a
block straight home whenever one can go (the lowest first), and otherwise a
clear block of ``F`` to the table. Should no block of ``F`` be clear, it asks
of each clear block whether it saves a detour, solving that component again
(remembered by the component's edges), and takes the first that does, with a
smallest set that holds it. The plan is optimal but need not be the first in
move order.
"""

from __future__ import annotations

from .deadlock import _masks
from .fvs import bits, components, minimum_set
from .moves import Below, Move


def plan(s: Below, goal: Below) -> list[Move]:
    """An optimal move sequence from ``s`` to ``goal`` (hand-empty configurations of the same blocks)."""
    misplaced, waits = _masks(s, goal)
    where = list(s)
    on = [-1] * len(s)  # the block on each block, -1 for none
    for x, b in enumerate(s):
        if b >= 0:
            on[b] = x
    pending = misplaced  # misplaced blocks that have not moved: the nodes of the deadlock graph
    detours = minimum_set({v: waits[v] & misplaced for v in bits(misplaced)}, misplaced)
    solved: dict[tuple, int] = {}
    path: list[Move] = []

    def move(x: int, dest: int) -> None:
        nonlocal misplaced, pending
        if where[x] >= 0:
            on[where[x]] = -1
        where[x] = dest
        if dest >= 0:
            on[dest] = x
        pending &= ~(1 << x)
        if dest == goal[x]:
            misplaced &= ~(1 << x)
        path.append((x, dest))

    def smallest(nodes: int) -> int:
        key = (nodes, tuple(waits[v] & nodes for v in bits(nodes)))
        if key not in solved:
            solved[key] = minimum_set({v: waits[v] & nodes for v in bits(nodes)}, nodes)
        return solved[key]

    while misplaced:
        home = next((x for x in bits(misplaced) if on[x] < 0 and _ready(x, goal[x], where, on, misplaced)), None)
        if home is not None:
            move(home, goal[home])
            continue
        clear = [x for x in bits(pending) if on[x] < 0 and where[x] >= 0]
        detour = next((x for x in clear if detours >> x & 1), None)
        if detour is None:  # no clear block of the set: find one that is in another smallest set
            detour, detours = _another_detour(clear, pending, waits, detours, smallest)
        move(detour, -1)
        detours &= ~(1 << detour)
    return path


def _another_detour(clear: list[int], pending: int, waits: list[int], detours: int, smallest) -> tuple[int, int]:
    """A clear block in some smallest feedback vertex set of the deadlock graph on ``pending``, and such a set."""
    for comp in components({v: waits[v] & pending for v in bits(pending)}, pending):
        size = bin(smallest(comp)).count("1")
        for x in clear:
            if comp >> x & 1:
                rest = smallest(comp & ~(1 << x))
                if bin(rest).count("1") == size - 1:
                    return x, detours & ~comp | rest | 1 << x
    raise AssertionError("no optimal move: the deadlock graph was not kept up to date")


def _ready(x: int, home: int, where: list[int], on: list[int], misplaced: int) -> bool:
    """Whether clear block ``x`` can go straight to its goal place: the table, or a clear well-placed block."""
    if home < 0:
        return where[x] >= 0
    return on[home] < 0 and not misplaced >> home & 1
