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

So the plan takes a block straight home whenever one can go (the lowest first),
and otherwise a clear block that saves a detour: one that waits for itself
(it is in every feedback vertex set) if there is one, else the first that
saves one. Only those stuck
states solve a feedback vertex set, once per component, remembered by the
component's edges, so the work is about one deadlock distance per detour.
The plan is optimal but need not be the first in move order.
"""

from __future__ import annotations

from .deadlock import _bits, _components, _masks, _solve
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

    def fvs(comp: int) -> int:
        key = (comp, tuple(waits[v] & comp for v in _bits(comp)))
        if key not in solved:
            solved[key] = _solve({v: waits[v] & comp for v in _bits(comp)}, comp)
        return solved[key]

    while misplaced:
        home = next((x for x in _bits(misplaced) if on[x] < 0 and _ready(x, goal[x], where, on, misplaced)), None)
        if home is not None:
            move(home, goal[home])
            continue
        clear = [x for x in _bits(pending) if on[x] < 0 and where[x] >= 0]
        # A block that waits for itself is in every feedback vertex set: no solve needed to know it saves a move.
        detour = next((x for x in clear if waits[x] >> x & 1), None)
        if detour is None:  # the components of the deadlock graph, only now that a solve must decide
            comps = _components({v: waits[v] & pending for v in _bits(pending)}, pending)
            detour = next((x for x in clear if _saves(x, comps, fvs)), None)
        if detour is None:
            raise AssertionError("no optimal move: the deadlock graph was not kept up to date")
        move(detour, -1)
    return path


def _ready(x: int, home: int, where: list[int], on: list[int], misplaced: int) -> bool:
    """Whether clear block ``x`` can go straight to its goal place: the table, or a clear well-placed block."""
    if home < 0:
        return where[x] >= 0
    return on[home] < 0 and not misplaced >> home & 1


def _saves(x: int, comps: list[int], fvs) -> bool:
    """Whether ``x`` is in some minimum feedback vertex set: its component's optimum drops by one without it."""
    comp = next((c for c in comps if c >> x & 1), None)
    return comp is not None and fvs(comp & ~(1 << x)) == fvs(comp) - 1
