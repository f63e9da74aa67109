"""The judge's simulator: apply a plan step by step and say what happened (a Verdict).

One simulator for the semantics, used by generation self-checks, by the audit
and by the judge. It never raises on a bad plan: the verdict says which step
failed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Sequence

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
class Verdict:
    """What simulating a plan showed. ``bool(verdict)`` is whether the plan is valid (read-only by convention).

    The reason is worded only when asked for: scoring thousands of plans needs
    the status, not the sentence.
    """

    status: Status
    executed: int  # length of the executable prefix
    failed_step: int | None  # 0-based index of the first inapplicable step
    goal_share: float  # share of the goal's block positions that hold after the executable prefix
    below: dict[str, str] = field(repr=False, compare=False)  # what each block stands on then
    holding: str | None = None
    want: dict[str, str] = field(default_factory=dict, repr=False, compare=False)  # the goal, as below
    step: Action | NLStep | None = None  # the step that failed

    @property
    def reason(self) -> str | None:
        if self.status is Status.INVALID_STEP:
            state = self.final
            action = self.step.resolve(state) if self.step.__class__ is NLStep else self.step
            return f"step {self.failed_step + 1} ({action.pddl()[1:-1]}): {state.why_not(action)}"
        if self.status is Status.HOLDING_AT_END:
            return f"the hand still holds {self.holding}"
        if self.status is Status.GOAL_NOT_REACHED:
            return _goal_gap(self.below, self.want)
        return None

    @property
    def final(self) -> State:
        """The state after the executable prefix."""
        return _state(self.below, self.holding)

    def __bool__(self) -> bool:
        return self.status is Status.VALID


_PICK_UP, _PUT_DOWN, _UNSTACK = Op.PICK_UP, Op.PUT_DOWN, Op.UNSTACK  # enum lookups are slow in a hot loop


def simulate(init: State, goal: State, steps: Sequence[Action | NLStep]) -> Verdict:
    """Apply ``steps`` from ``init``; the plan is valid when it reaches ``goal`` with the hand empty.

    Works on a mutable view of the state (what each block stands on, which
    blocks are clear, what the hand holds) so that each step costs O(1), and
    reads two-verb NL steps without building 4-operator actions; the
    applicability rules are those of :meth:`State.why_not`, which explains a
    failing step.
    """
    return simulate_from(init.below(), init.holding, goal.below(), steps)


def simulate_from(on: dict[str, str], holding: str | None, want: dict[str, str],
                  steps: Sequence[Action | NLStep]) -> Verdict:
    """:func:`simulate` from ``State.below()`` views of the start (``on``, which it takes over) and goal (``want``)."""
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
            return Verdict(Status.INVALID_STEP, i, i, _share(on, want), on, holding, want, step)
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
    if holding is not None:
        return Verdict(Status.HOLDING_AT_END, i, None, _share(on, want), on, holding, want)
    if on != want:
        return Verdict(Status.GOAL_NOT_REACHED, i, None, _share(on, want), on, holding, want)
    return Verdict(Status.VALID, i, None, 1.0, on, holding, want)


def _share(on: dict[str, str], want: dict[str, str]) -> float:
    if not want:
        return 1.0
    right = 0
    for b, w in want.items():
        if on.get(b) == w:
            right += 1
    return right / len(want)


def _state(on: dict[str, str], holding: str | None) -> State:
    above = {w: b for b, w in on.items() if w != TABLE}
    towers = []
    for b, w in on.items():
        if w == TABLE:
            tower = [b]
            while tower[-1] in above:
                tower.append(above[tower[-1]])
            towers.append(tuple(tower))
    return State(frozenset(towers), holding)


def _goal_gap(have: dict[str, str], want: dict[str, str]) -> str:
    wrong = sorted(b for b in want if have.get(b) != want[b])
    b = wrong[0]
    on = "the table" if have.get(b) == TABLE else have.get(b)
    target = "the table" if want[b] == TABLE else want[b]
    more = f" (and {len(wrong) - 1} more blocks misplaced)" if len(wrong) > 1 else ""
    return f"goal not reached: {b} is on {on}, the goal puts it on {target}{more}"
