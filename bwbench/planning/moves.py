"""Moves: the primitives every search over hand-empty Blocksworld states walks.

A state with the hand empty is encoded as a tuple ``below`` (``below[i]`` is the
index of the block under block ``i``, or -1 for the table), which is the same
tuple however the towers are listed. Every plan that starts and ends with the
hand empty alternates a pick with a place, so it is a sequence of *moves*
(block x from where it is onto the table or a clear block); an optimal plan
never puts a block back where it was, so its moves and its 4-operator actions
correspond one to one. :func:`moves` gives them in a fixed order (by block,
the table first), which is how every planner here breaks ties.
"""

from __future__ import annotations

from typing import Iterator

from ..world.state import Action, Op, State

Below = tuple[int, ...]
Move = tuple[int, int]  # (block, destination); destination -1 is the table


def encode(init: State, goal: State) -> tuple[list[str], Below, Below]:
    """Blocks in sorted order and both states as ``below`` tuples."""
    if not (init.hand_empty and goal.hand_empty):
        raise ValueError("states must have the hand empty")
    names = sorted(init.blocks)
    index = {b: i for i, b in enumerate(names)}
    s, g = _below(init, index), _below(goal, index)
    if g is None or sum(map(len, goal.towers)) != len(names):
        raise ValueError(f"init and goal have different blocks: {sorted(init.blocks ^ goal.blocks)}")
    return names, s, g


def below_of(state: State, names: list[str]) -> Below:
    """``state`` as a ``below`` tuple over ``names`` (each of its blocks among them)."""
    return _below(state, {b: i for i, b in enumerate(names)})


def _below(state: State, index: dict[str, int]) -> Below | None:
    """The ``below`` tuple of ``state``; None when it has a block ``index`` lacks."""
    out = [-1] * len(index)
    for tower in state.towers:
        lower = -1
        for block in tower:
            i = index.get(block)
            if i is None:
                return None
            out[i] = lower
            lower = i
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


def neighbours(s: Below) -> list[Below]:
    """The states :func:`moves` reaches, without the moves: the hot loop of the searches."""
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
