"""The 3-operator Blocksworld: a block moved in one action, with no hand (``move-b-to-b``, ``move-b-to-t``,
``move-t-to-b``; predicates ``on``, ``ontable``, ``clear``).

A move is exactly two steps of the 4-operator domain, a pick and a place:
``(move-b-to-b x y z)`` is ``(unstack x y) (stack x z)``, ``(move-b-to-t x y)``
is ``(unstack x y) (put-down x)`` and ``(move-t-to-b x z)`` is
``(pick-up x) (stack x z)``; each move's preconditions hold exactly when both
steps apply from a state with the hand empty. So bwbench solves a 3-operator
problem as a 4-operator one whose goal also asks for the hand empty (an
optimal plan is then an optimal sequence of moves, two steps each), judges a
plan of moves by its steps, and says why a move fails in the move's terms.
One difference from the domain's text: it lets a block be moved onto itself
(``(move-b-to-b a b a)``, which leaves ``a`` on ``a``); bwbench refuses that move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .state import TABLE, Action, Op, State

B_TO_B, B_TO_T, T_TO_B = "move-b-to-b", "move-b-to-t", "move-t-to-b"
MOVES = (B_TO_B, B_TO_T, T_TO_B)
"""The roles of the three actions, by their names in the IPC's 3-operator domain."""

# Each move as (parameters, preconditions, add effects, delete effects) over predicate roles and parameter indices.
SCHEMAS: dict[str, tuple[int, frozenset, frozenset, frozenset]] = {
    B_TO_B: (3, frozenset({("clear", 0), ("clear", 2), ("on", 0, 1)}), frozenset({("on", 0, 2), ("clear", 1)}),
             frozenset({("clear", 2), ("on", 0, 1)})),
    B_TO_T: (2, frozenset({("clear", 0), ("on", 0, 1)}), frozenset({("on-table", 0), ("clear", 1)}),
             frozenset({("on", 0, 1)})),
    T_TO_B: (2, frozenset({("clear", 0), ("clear", 1), ("on-table", 0)}), frozenset({("on", 0, 1)}),
             frozenset({("clear", 1), ("on-table", 0)})),
}


def steps_of(role: str, args: Sequence[str]) -> tuple[Action, Action]:
    """A move's two 4-operator steps; ``ValueError`` for the wrong number of blocks."""
    want = SCHEMAS[role][0]
    if len(args) != want:
        raise ValueError(f"{role} takes {want} blocks, not {len(args)}")
    if role == B_TO_B:
        return Action(Op.UNSTACK, args[0], args[1]), Action(Op.STACK, args[0], args[2])
    if role == B_TO_T:
        return Action(Op.UNSTACK, args[0], args[1]), Action(Op.PUT_DOWN, args[0])
    return Action(Op.PICK_UP, args[0]), Action(Op.STACK, args[0], args[1])


def moves_of(plan: Sequence[Action]) -> list[tuple[str, tuple[str, ...]]]:
    """A 4-operator plan that ends with the hand empty, as moves: each pick and the place after it;
    ``ValueError`` where a pick is not followed by placing the same block."""
    out = []
    for pick, place in zip(plan[::2], plan[1::2]):
        if not pick.is_pick or place.is_pick or place.block != pick.block:
            raise ValueError(f"{pick} {place} is not one move")
        source, dest = pick.target, place.target  # None: the table
        if source is not None and dest is not None:
            out.append((B_TO_B, (pick.block, source, dest)))
        elif source is not None:
            out.append((B_TO_T, (pick.block, source)))
        elif dest is not None:
            out.append((T_TO_B, (pick.block, dest)))
        else:
            raise ValueError(f"{pick} {place} moves {pick.block} from the table to the table")
    if len(plan) % 2:
        raise ValueError(f"the plan ends holding {plan[-1].block}: no sequence of moves")
    return out


def why_not(state: State, role: str, args: Sequence[str]) -> str | None:
    """Why a move does not apply in ``state`` (hand empty), in the move's own terms; None when it does."""
    below, clear = state.below(), state.clear()
    for b in args:
        if b not in below:
            return f"{b} is not a block of this problem"
    block = args[0]
    if block not in clear:
        return f"{block} is not clear"
    on = below[block]
    if role in (B_TO_B, B_TO_T) and on != args[1]:
        return f"{block} is on {on}, not on {args[1]}"
    if role == T_TO_B and on != TABLE:
        return f"{block} is on {on}, not on the table"
    dest = args[2] if role == B_TO_B else args[1] if role == T_TO_B else None
    if dest == block:
        return f"{block} cannot be moved onto itself"
    if dest is not None and dest not in clear:
        return f"{dest} is not clear"
    return None


def write(names: Mapping[str, str], role: str, args: Sequence[str]) -> str:
    """``(move-b-to-t c a)``: a move in a domain's names for the three roles."""
    return f"({names[role]} {' '.join(args)})"
