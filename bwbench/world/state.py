"""Blocksworld states and actions: immutable, hashable, with towers unordered.

A state is a set of towers (each a tuple of blocks, bottom → top) plus what the
hand holds. Two states that list the same towers in another order are the same
state: the canonical form is the frozenset, so equality and hashing need no
extra work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Mapping, Sequence

Tower = tuple[str, ...]

TABLE = "table"


class Op(str, Enum):
    """The four operators of the IPC domain (``domains/blocksworld.pddl``)."""

    PICK_UP = "pick-up"
    PUT_DOWN = "put-down"
    STACK = "stack"
    UNSTACK = "unstack"


@dataclass(frozen=True, slots=True)
class Action:
    """One ground action; ``target`` is the lower block for stack and unstack."""

    op: Op
    block: str
    target: str | None = None

    def __post_init__(self) -> None:
        if (self.op in (Op.STACK, Op.UNSTACK)) != (self.target is not None):
            raise ValueError(f"{self.op.value} takes {'two' if self.target is None else 'one'} blocks")

    @property
    def is_pick(self) -> bool:
        return self.op in (Op.PICK_UP, Op.UNSTACK)

    def pddl(self) -> str:
        """``(unstack red blue)``"""
        args = self.block if self.target is None else f"{self.block} {self.target}"
        return f"({self.op.value} {args})"

    def nl(self) -> str:
        """The seed's two-verb rendering: ``pick-up red`` / ``stack red on-top-of table``."""
        if self.is_pick:
            return f"pick-up {self.block}"
        return f"stack {self.block} on-top-of {self.target or TABLE}"

    def __str__(self) -> str:
        return self.pddl()


class InvalidState(ValueError):
    """Towers that are not a Blocksworld state (repeated or empty blocks)."""


@dataclass(frozen=True, slots=True)
class State:
    """A Blocksworld state. Build it with :meth:`of`; compare it with ``==``."""

    towers: frozenset[Tower]
    holding: str | None = None
    # The blocks, kept once asked for (a state is asked often, and never changes); no part of what the state is.
    _blocks: frozenset[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, towers: Iterable[Sequence[str]], holding: str | None = None) -> "State":
        """A state from towers listed bottom → top, in any order."""
        ts = frozenset(map(tuple, towers))
        blocks = [b for tower in ts for b in tower]
        names = frozenset(blocks)
        # The usual towers pass four set and type checks; the loop below says what is wrong with the others.
        if len(names) != len(blocks) or holding in names or TABLE in names or "" in names or () in ts or \
                not all(b.__class__ is str for b in names):
            cls._refuse(ts, holding)
        return cls(ts, holding, names | {holding} if holding else names)

    @classmethod
    def of_names(cls, towers: Iterable[tuple[str, ...]]) -> "State":
        """:meth:`of` for towers of non-empty names read from text (strings all), the hand empty."""
        ts = frozenset(towers)
        blocks = [b for tower in ts for b in tower]
        names = frozenset(blocks)
        if len(names) != len(blocks) or TABLE in names:
            cls._refuse(ts, None)
        return cls(ts, None, names)

    @staticmethod
    def _refuse(towers: frozenset, holding: str | None) -> None:
        seen: set[str] = set()
        for tower in towers:
            if not tower:
                raise InvalidState("empty tower")
            for block in tower:
                if block in seen or block == holding:
                    raise InvalidState(f"block {block!r} appears twice")
                if not isinstance(block, str) or not block or block == TABLE:
                    raise InvalidState(f"{block!r} is not a block name")
                seen.add(block)

    @classmethod
    def from_below(cls, below: Mapping[str, str], holding: str | None = None) -> "State":
        """The state where each block stands on ``below[b]`` (``TABLE`` for the table).

        ``InvalidState`` when that is no set of towers: two blocks on one, or blocks in a cycle.
        """
        above: dict[str, str] = {}
        for b, on in below.items():
            if on != TABLE:
                if on in above:
                    raise InvalidState(f"{above[on]} and {b} are both on {on}")
                above[on] = b
        towers = []
        for b in sorted(b for b, on in below.items() if on == TABLE):
            tower = [b]
            while tower[-1] in above:
                tower.append(above[tower[-1]])
            towers.append(tower)
        if sum(map(len, towers)) != len(below):
            raise InvalidState(f"blocks in a cycle, on no tower: {sorted(set(below) - {b for t in towers for b in t})}")
        return cls.of(towers, holding)

    @property
    def blocks(self) -> frozenset[str]:
        blocks = self._blocks
        if blocks is None:
            on_towers = frozenset().union(*self.towers)
            blocks = on_towers | {self.holding} if self.holding else on_towers
            object.__setattr__(self, "_blocks", blocks)
        return blocks

    @property
    def hand_empty(self) -> bool:
        return self.holding is None

    def below(self) -> dict[str, str]:
        """What each block on a tower stands on (``TABLE`` for the bottom block)."""
        out: dict[str, str] = {}
        for tower in self.towers:
            prev = TABLE
            for block in tower:
                out[block] = prev
                prev = block
        return out

    def clear(self) -> frozenset[str]:
        """Blocks on top of a tower (the held block is not clear)."""
        return frozenset(t[-1] for t in self.towers)

    def sorted_towers(self) -> list[Tower]:
        """Towers in a fixed order (by bottom block), for stable output."""
        return sorted(self.towers)

    def why_not(self, action: Action) -> str | None:
        """Why ``action`` is not applicable here, or None when it is."""
        b, op = action.block, action.op
        if b not in self.blocks:
            return f"{b} is not a block of this problem"
        if action.target is not None and action.target not in self.blocks:
            return f"{action.target} is not a block of this problem"
        if op in (Op.PUT_DOWN, Op.STACK):
            if self.holding != b:
                return f"the hand is not holding {b}" + (
                    f" (it holds {self.holding})" if self.holding else " (it is empty)"
                )
            if op is Op.STACK:
                if action.target == b:
                    return f"{b} cannot be stacked on itself"
                if action.target not in self.clear():
                    return f"{action.target} is not clear"
            return None
        if self.holding is not None:
            return f"the hand is already holding {self.holding}"
        if b not in self.clear():
            return f"{b} is not clear"
        on = self.below()[b]
        if op is Op.PICK_UP and on != TABLE:
            return f"{b} is on {on}, not on the table (unstack it)"
        if op is Op.UNSTACK and on != action.target:
            return f"{b} is on {on}, not on {action.target}"
        return None

    def apply(self, action: Action) -> "State":
        """The successor state; raises ``ValueError`` with the reason when inapplicable."""
        reason = self.why_not(action)
        if reason is not None:
            raise ValueError(reason)
        return self._apply(action)

    def _apply(self, action: Action) -> "State":
        b = action.block
        if action.is_pick:
            tower = next(t for t in self.towers if t[-1] == b)
            rest = self.towers - {tower}
            return State(rest | {tower[:-1]} if len(tower) > 1 else rest, b)
        if action.op is Op.PUT_DOWN:
            return State(self.towers | {(b,)}, None)
        tower = next(t for t in self.towers if t[-1] == action.target)
        return State((self.towers - {tower}) | {tower + (b,)}, None)

    def resolve(self, verb: str, block: str, dest: str | None = None) -> Action:
        """The 4-operator action a two-verb NL step means in this state (see :func:`resolve`)."""
        return resolve(verb, block, dest, self.below())

    def facts(self) -> frozenset[tuple[str, ...]]:
        """Ground facts of the PDDL domain that hold here (used for goal shares)."""
        out: set[tuple[str, ...]] = set()
        for block, on in self.below().items():
            out.add(("on-table", block) if on == TABLE else ("on", block, on))
        out.update(("clear", b) for b in self.clear())
        out.add(("holding", self.holding) if self.holding else ("arm-empty",))
        return frozenset(out)


def resolve(verb: str, block: str, dest: str | None, below: Mapping[str, str]) -> Action:
    """Turn a two-verb NL step into the 4-operator action it means, given what each block is on.

    ``pick-up X`` is pick-up when X is on the table and unstack otherwise;
    ``stack X on-top-of table`` is put-down. Unknown blocks still resolve (to
    an action that :meth:`State.why_not` then rejects), so a plan is always judged.
    """
    if verb == "pick-up":
        on = below.get(block, TABLE)
        return Action(Op.PICK_UP, block) if on == TABLE else Action(Op.UNSTACK, block, on)
    if dest in (None, TABLE):
        return Action(Op.PUT_DOWN, block)
    return Action(Op.STACK, block, dest)
