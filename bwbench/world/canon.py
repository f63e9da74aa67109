"""Problem identity: the canonical key of a problem, and its key up to renaming of colours.

Two problems are the same when their init and goal states are (towers
unordered). They have the same *shape* when some renaming of the blocks turns
one into the other; the shape key is the smallest encoding over the renamings
that respect a renaming-invariant order of the init towers, so only towers
that look alike to that invariant are ever permuted.
"""

from __future__ import annotations

from itertools import permutations, product

from .goal import Goal
from .state import TABLE, State

ProblemKey = tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]


def problem_key(init: State, goal: State | Goal) -> ProblemKey:
    """The same for the same problem however its towers (or goal facts) are listed."""
    if goal.__class__ is Goal:
        return (tuple(sorted(init.towers)), goal.facts())
    return (tuple(sorted(init.towers)), tuple(sorted(goal.towers)))


def shape_key(init: State, goal: State | Goal) -> tuple:
    """Equal for two problems exactly when a renaming of blocks maps one onto the other.

    Partial goals are compared as they are (no renaming): their key is :func:`problem_key`.
    """
    if goal.__class__ is Goal:
        return ("facts", problem_key(init, goal))
    ipos = _positions(init)
    gpos = _positions(goal)
    gbelow = goal.below()

    def block_sig(b: str) -> tuple:
        gb = gbelow.get(b, TABLE)
        under = ipos[gb] if gb != TABLE else (-1, -1)
        return (gpos.get(b, (-1, -1)), under)

    sigs = sorted(((len(t), tuple(block_sig(b) for b in t)), t) for t in init.towers)
    groups: list[list[tuple[str, ...]]] = []
    for i, (sig, tower) in enumerate(sigs):
        if i and sig == sigs[i - 1][0]:
            groups[-1].append(tower)
        else:
            groups.append([tower])
    best = None
    for choice in product(*(permutations(g) for g in groups)):
        label = {}
        for group in choice:
            for tower in group:
                for b in tower:
                    label[b] = len(label)
        enc = tuple(sorted(tuple(label[b] for b in t) for t in goal.towers))
        if best is None or enc < best:
            best = enc
    return (tuple(s for s, _ in sigs), best)


def _positions(state: State) -> dict[str, tuple[int, int]]:
    """Each block's (height in its tower, tower length)."""
    return {b: (h, len(t)) for t in state.towers for h, b in enumerate(t)}
