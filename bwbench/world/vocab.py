"""A domain's words for the same Blocksworld: its action and predicate names, and what its objects are called.

bwbench's semantics are those of the IPC 4-operator domain (:class:`~.state.Op`,
predicates ``on``, ``on-table``, ``clear``, ``arm-empty``, ``holding``). A
renamed domain (PlanBench's Mystery Blocksworld: attack = pick-up, feast =
unstack, ...) and a natural-language rendering ("the red block") are the same
problems in other words. A :class:`Vocabulary` records those words, so that
prompts can be worded the domain's way and answers read back the same way.
Records carry it as JSON (:meth:`Vocabulary.to_json`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Mapping

from . import three_ops
from .state import Action, Op

# The roles of the predicates, by their names in bwbench's shipped domain.
ON, ON_TABLE, CLEAR, ARM_EMPTY, HOLDING = "on", "on-table", "clear", "arm-empty", "holding"
PREDICATES = (ON, ON_TABLE, CLEAR, ARM_EMPTY, HOLDING)
ARITY = {ON: 2, ON_TABLE: 1, CLEAR: 1, ARM_EMPTY: 0, HOLDING: 1}
MOVE_PREDICATES = (ON, ON_TABLE, CLEAR)  # the 3-operator domain's: no hand


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Vocabulary:
    """How one domain names the 4 operators, the 5 predicates and the objects (or, for the 3-operator domain,
    which has no hand, its 3 moves and 3 predicates: ``moves`` maps each role, ``"move-b-to-t"``, to its name).

    ``actions`` maps each operator to the domain's action name (``Op.PICK_UP`` →
    ``"attack"``); ``predicates`` maps each role (``"on-table"``) to the
    domain's predicate name (``"planet"``); ``objects`` maps a PDDL object name
    to the words a prompt uses for it (``"a"`` → ``"red block"``), empty when
    the names are used as they are. ``action_words`` and ``predicate_words``
    are PlanBench-style templates with ``{}`` for each argument
    (``"unstack the {} from on top of the {}"``), empty when unknown.
    """

    name: str
    actions: Mapping[Op, str]
    predicates: Mapping[str, str]
    objects: Mapping[str, str] = field(default_factory=dict)
    action_words: Mapping[Op, str] = field(default_factory=dict)
    predicate_words: Mapping[str, str] = field(default_factory=dict)
    moves: Mapping[str, str] = field(default_factory=dict)  # the 3-operator domain: each move's name; no actions
    types: tuple[str, ...] = ()  # the domain's object types, lower case; none for an untyped domain

    def __post_init__(self) -> None:
        for name in ("actions", "predicates", "objects", "action_words", "predicate_words", "moves"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def write_plan(self, plan: Iterable[Action]) -> list[str]:
        """A plan in this domain's actions: one a step, or in the 3-operator domain one a move (two steps each)."""
        if not self.moves:
            return [self.write_action(a) for a in plan]
        return [three_ops.write(self.moves, role, args) for role, args in three_ops.moves_of(list(plan))]

    def read_move(self, text: str) -> tuple[str, tuple[str, ...]]:
        """``"(move-b-to-t c a)"`` → ``("move-b-to-t", ("c", "a"))``, the move's role and blocks; ``ValueError`` for
        anything else."""
        parts = text.split(";", 1)[0].strip().strip("()").split()
        roles = {name.lower(): role for role, name in self.moves.items()}
        if not parts or parts[0].lower() not in roles:
            raise ValueError(f"not a move of {self.name}: {text.strip()!r}")
        role, args = roles[parts[0].lower()], tuple(p.lower() for p in parts[1:])
        try:
            three_ops.steps_of(role, args)
        except ValueError as exc:
            raise ValueError(f"not a move of {self.name}: {text.strip()!r} ({exc})") from None
        return role, args

    def read_steps(self, text: str) -> tuple[Action, ...]:
        """One action (``"(feast d c)"``), or one move as its two steps; ``ValueError`` for anything else."""
        head = text.split(";", 1)[0].strip().strip("()").split()[:1]
        if head and head[0].lower() in {name.lower() for name in self.moves.values()}:
            return three_ops.steps_of(*self.read_move(text))
        return (self.read_action(text),)

    def write_action(self, action: Action) -> str:
        """``(feast d c)``: ``action`` in this domain's names."""
        args = action.block if action.target is None else f"{action.block} {action.target}"
        return f"({self.actions[action.op]} {args})"

    def read_action(self, text: str) -> Action:
        """``"(feast d c)"`` → the action, in this domain's names or bwbench's; ``ValueError`` for anything else."""
        parts = text.split(";", 1)[0].strip().strip("()").split()
        try:
            op = self._ops.get(parts[0].lower()) or Op(parts[0].lower())
            return Action(op, *(p.lower() for p in parts[1:]))  # PDDL names are case-insensitive
        except (ValueError, IndexError, TypeError):
            raise ValueError(f"not an action of {self.name}: {text.strip()!r}") from None

    @functools.cached_property
    def _ops(self) -> dict[str, Op]:
        """Each action's name, lower case, to its operator (read once: a plan's every step is looked up)."""
        return {name.lower(): op for op, name in self.actions.items()}

    def read_plan(self, lines: Iterable[str]) -> tuple[Action, ...]:
        """One action a line (``;`` comments and blank lines skipped), a move as its two steps; ``ValueError`` at the
        first that is not one."""
        return tuple(a for ln in lines if ln.split(";", 1)[0].strip() for a in self.read_steps(ln))

    def __reduce__(self):  # read-only views do not pickle; a vocabulary goes to worker processes as its JSON
        return Vocabulary.from_json, (self.to_json(),)

    def __hash__(self) -> int:  # the mappings are read-only views, which do not hash themselves
        return hash(json.dumps(self.to_json(), sort_keys=True))

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "actions": {op.value: a for op, a in self.actions.items()},
            "predicates": dict(self.predicates),
            "objects": dict(self.objects),
            "action_words": {op.value: w for op, w in self.action_words.items()},
            "predicate_words": dict(self.predicate_words),
            **({"moves": dict(self.moves)} if self.moves else {}),
            **({"types": list(self.types)} if self.types else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> "Vocabulary":
        """The vocabulary of a record; ``ValueError`` naming what is wrong."""
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise ValueError("vocabulary must be an object with a 'name'")
        try:
            actions = {Op(k): str(v) for k, v in dict(data.get("actions") or {}).items()}
            words = {Op(k): str(v) for k, v in dict(data.get("action_words") or {}).items()}
        except ValueError as exc:
            raise ValueError(f"vocabulary: {exc}") from None
        predicates = {str(k): str(v) for k, v in dict(data.get("predicates") or {}).items()}
        moves = {str(k): str(v) for k, v in dict(data.get("moves") or {}).items()}
        if moves and (set(moves) != set(three_ops.MOVES) or actions or set(predicates) != set(MOVE_PREDICATES)):
            raise ValueError("a vocabulary of moves must name the 3 moves and the 3 predicates, and no other actions")
        if not moves and (set(actions) != set(Op) or set(predicates) != set(PREDICATES)):
            raise ValueError("vocabulary must name all 4 actions and all 5 predicates")
        return cls(data["name"], actions, predicates, {str(k): str(v) for k, v in dict(data.get("objects") or {}).items()},
                   words, {str(k): str(v) for k, v in dict(data.get("predicate_words") or {}).items()}, moves,
                   tuple(str(t).lower() for t in data.get("types") or ()))


@functools.lru_cache(maxsize=256)
def _cached(text: str) -> Vocabulary:
    return Vocabulary.from_json(json.loads(text))


def vocabulary_of(record: Mapping) -> Vocabulary | None:
    """The ``vocabulary`` a record carries (one object per distinct vocabulary), or None; ``ValueError`` if malformed."""
    data = record.get("vocabulary")
    if data is None:
        return None
    return _cached(json.dumps(data, sort_keys=True))


IPC = Vocabulary(
    "blocksworld",
    {Op.PICK_UP: "pick-up", Op.PUT_DOWN: "put-down", Op.STACK: "stack", Op.UNSTACK: "unstack"},
    {ON: "on", ON_TABLE: "ontable", CLEAR: "clear", ARM_EMPTY: "handempty", HOLDING: "holding"},
)
"""The IPC domain's own names (PlanBench's ``generated_domain.pddl``), no object words."""
