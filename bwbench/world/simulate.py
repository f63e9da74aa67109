"""The judge's simulator: apply a plan step by step and say what happened (a Simulation).

One simulator for the semantics, used by generation self-checks, by the audit
and by the judge. It never raises on a bad plan: the simulation says which step
failed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Mapping, Sequence

from . import three_ops
from .goal import Goal, format_fact
from .state import TABLE, Action, Op, State
from .text import NLStep


class Status(str, Enum):
    """How a plan fared. Simulation gives the first four; the judge adds the last two."""

    VALID = "valid"
    INVALID_STEP = "invalid_step"
    GOAL_NOT_REACHED = "goal_not_reached"
    HOLDING_AT_END = "holding_at_end"
    PARSE_ERROR = "parse_error"  # a step of the plan could not be read, or no plan was found
    EMPTY = "empty"  # the completion holds no plan at all (and the problem is not solved at start)


@dataclass(slots=True)
class Simulation:
    """What simulating a plan showed. ``bool(simulation)`` is whether the plan is valid (read-only by convention).

    The reason is worded only when asked for: scoring thousands of plans needs
    the status, not the sentence.
    """

    status: Status
    executed: int  # length of the executable prefix
    failed_step: int | None  # 0-based index of the first inapplicable step
    goal_share: float  # share of the goal's facts that hold after the executable prefix
    below: dict[str, str] = field(repr=False, compare=False)  # what each block stands on then
    holding: str | None = None
    want: dict[str, str] = field(default_factory=dict, repr=False, compare=False)  # the goal's positions, as below
    step: Action | NLStep | None = None  # the step that failed
    goal: Goal | None = field(default=None, repr=False, compare=False)  # a partial goal (None: ``want`` is a configuration)

    @property
    def reason(self) -> str | None:
        if self.status is Status.INVALID_STEP:
            state = self.final
            action = self.step.resolve(state) if self.step.__class__ is NLStep else self.step
            return f"step {self.failed_step + 1} ({action.pddl()[1:-1]}): {state.why_not(action)}"
        if self.status is Status.HOLDING_AT_END:
            return f"the hand still holds {self.holding}"
        if self.status is Status.GOAL_NOT_REACHED:
            if self.goal is not None:
                return _fact_gap(self.goal, self.final)
            return _goal_gap(self.below, self.want)
        return None

    @property
    def final(self) -> State:
        """The state after the executable prefix."""
        return State.from_below(self.below, self.holding)

    def __bool__(self) -> bool:
        return self.status is Status.VALID


_PICK_UP, _PUT_DOWN, _UNSTACK = Op.PICK_UP, Op.PUT_DOWN, Op.UNSTACK  # enum lookups are slow in a hot loop


def simulate(init: State, goal: State | Goal, steps: Sequence[Action | NLStep]) -> Simulation:
    """Apply ``steps`` from ``init``; the plan is valid when every fact of ``goal`` holds at the end.

    A configuration (a :class:`State`) is reached only in that state, with the
    hand empty; a partial :class:`Goal` asks only for its facts (PDDL's meaning:
    the hand may hold a block unless the goal says it is empty).

    Works on a mutable view of the state (what each block stands on, which
    blocks are clear, what the hand holds) so that each step costs O(1), and
    reads two-verb NL steps without building 4-operator actions; the
    applicability rules are those of :meth:`State.why_not`, which explains a
    failing step.
    """
    if goal.__class__ is Goal:
        return simulate_from(init.below(), init.holding, goal.want, steps, goal)
    return simulate_from(init.below(), init.holding, goal.below(), steps)


def simulate_from(on: dict[str, str], holding: str | None, want: dict[str, str],
                  steps: Sequence[Action | NLStep], goal: Goal | None = None) -> Simulation:
    """:func:`simulate` from ``State.below()`` views of the start (``on``, which it takes over) and goal.

    ``want`` is what each block must stand on: the whole configuration, or,
    with a partial ``goal``, that goal's ``on``/``on-table`` facts.
    """
    clear = set(on)
    clear.difference_update(on.values())
    i = 0
    for step in steps:
        b = step.block
        if step.__class__ is NLStep:
            target = step.dest
            pick = target is None and step.verb == "pick-up"
            if pick:
                ok = holding is None and b in clear
            else:
                if target == TABLE:
                    target = None
                ok = holding == b and (target is None or (target in clear and target != b))
        else:
            op, target = step.op, step.target
            pick = op is _PICK_UP or op is _UNSTACK
            if pick:
                ok = holding is None and b in clear and on[b] == (TABLE if op is _PICK_UP else target)
            else:
                ok = holding == b and (op is _PUT_DOWN or (target in clear and target != b))
        if not ok:
            share = _share(on, want) if goal is None else goal.count_true(on, clear, holding) / (goal.n_facts or 1)
            return Simulation(Status.INVALID_STEP, i, i, share, on, holding, want, step, goal)
        if pick:
            clear.discard(b)
            src = on.pop(b)
            if src != TABLE:
                clear.add(src)
            holding = b
        else:
            if target is None:
                on[b] = TABLE
            else:
                on[b] = target
                clear.discard(target)
            clear.add(b)
            holding = None
        i += 1
    if goal is not None:
        true = goal.count_true(on, clear, holding)
        if true == goal.n_facts:
            return Simulation(Status.VALID, i, None, 1.0, on, holding, want, None, goal)
        # The hand matters only where the goal says so: holding a block is the failure when nothing else is missing.
        hand_only = holding is not None and goal.hand_empty and true == goal.n_facts - 1
        return Simulation(Status.HOLDING_AT_END if hand_only else Status.GOAL_NOT_REACHED, i, None,
                       true / (goal.n_facts or 1), on, holding, want, None, goal)
    if holding is not None:
        return Simulation(Status.HOLDING_AT_END, i, None, _share(on, want), on, holding, want)
    if on != want:
        return Simulation(Status.GOAL_NOT_REACHED, i, None, _share(on, want), on, holding, want)
    return Simulation(Status.VALID, i, None, 1.0, on, holding, want)


@dataclass(frozen=True)
class MoveSimulation:
    """A plan of the 3-operator domain's moves simulated (:func:`simulate_moves`): valid or not, and why, in moves."""

    simulation: Simulation  # of the moves' steps, two each
    init: State
    moves: tuple[tuple[str, tuple[str, ...]], ...]
    names: Mapping[str, str]  # the domain's name for each move

    @property
    def failed_move(self) -> int | None:
        """0-based index of the first move that does not apply."""
        failed = self.simulation.failed_step
        return None if failed is None else failed // 2

    @property
    def reason(self) -> str | None:
        k = self.failed_move
        if k is None:
            return self.simulation.reason
        state = self.init
        for role, args in self.moves[:k]:
            for step in three_ops.steps_of(role, args):
                state = state.apply(step)
        role, args = self.moves[k]
        return f"move {k + 1} ({self.names.get(role, role)} {' '.join(args)}): {three_ops.why_not(state, role, args)}"

    def __bool__(self) -> bool:
        return bool(self.simulation)


def simulate_moves(init: State, goal: State | Goal, moves: Sequence[tuple[str, Sequence[str]]],
                   names: Mapping[str, str] | None = None) -> MoveSimulation:
    """A plan of moves (``("move-b-to-t", ("c", "a"))``), simulated exactly as its steps, two a move
    (:mod:`.three_ops`); a move that does not apply is said in the domain's own names (``names``)."""
    moves = tuple((role, tuple(args)) for role, args in moves)
    steps = [step for role, args in moves for step in three_ops.steps_of(role, args)]
    return MoveSimulation(simulate(init, goal, steps), init, moves, dict(names or {}))


def _share(on: dict[str, str], want: dict[str, str]) -> float:
    if not want:
        return 1.0
    right = 0
    for b, w in want.items():
        if on.get(b) == w:
            right += 1
    return right / len(want)


def _fact_gap(goal: Goal, state: State) -> str:
    missing = [format_fact(f) for f in goal.missing(state)]
    more = f" (and {len(missing) - 1} more goal facts)" if len(missing) > 1 else ""
    return f"goal not reached: {missing[0]} does not hold at the end{more}"


def _goal_gap(have: dict[str, str], want: dict[str, str]) -> str:
    wrong = sorted(b for b in want if have.get(b) != want[b])
    b = wrong[0]
    on = "the table" if have.get(b) == TABLE else have.get(b)
    target = "the table" if want[b] == TABLE else want[b]
    more = f" (and {len(wrong) - 1} more blocks misplaced)" if len(wrong) > 1 else ""
    return f"goal not reached: {b} is on {on}, the goal puts it on {target}{more}"
