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
    """What simulating a plan showed. ``bool(verdict)`` is whether the plan is valid (read-only by convention)."""

    status: Status
    executed: int  # length of the executable prefix
    failed_step: int | None  # 0-based index of the first inapplicable step
    reason: str | None
    goal_share: float  # share of the goal's block positions that hold after the executable prefix
    below: dict[str, str] = field(repr=False, compare=False)  # what each block stands on then
    holding: str | None = None

    @property
    def final(self) -> State:
        """The state after the executable prefix."""
        return _state(self.below, self.holding)

    def __bool__(self) -> bool:
        return self.status is Status.VALID


def simulate(init: State, goal: State, steps: Sequence[Action | NLStep]) -> Verdict:
    """Apply ``steps`` from ``init``; the plan is valid when it reaches ``goal`` with the hand empty.

    Works on a mutable view of the state (what each block stands on, which
    blocks are clear, what the hand holds) so that each step costs O(1), and
    reads two-verb NL steps without building 4-operator actions; the
    applicability rules are those of :meth:`State.why_not`, which explains a
    failing step.
    """
    on = init.below()
    clear = set(on)
    clear.difference_update(on.values())
    holding = init.holding
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
            pick = op is Op.PICK_UP or op is Op.UNSTACK
            if pick:
                ok = holding is None and b in clear and on[b] == (TABLE if op is Op.PICK_UP else target)
            else:
                ok = holding == b and (op is Op.PUT_DOWN or (target in clear and target != b))
        if not ok:
            action = step.resolve(_state(on, holding)) if step.__class__ is NLStep else step
            state = _state(on, holding)
            return Verdict(
                Status.INVALID_STEP, i, i, f"step {i + 1} ({action.pddl()[1:-1]}): {state.why_not(action)}",
                _share(on, goal.below()), on, holding,
            )
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
    want = goal.below()
    n = len(steps)
    if holding is not None:
        return Verdict(Status.HOLDING_AT_END, n, None, f"the hand still holds {holding}", _share(on, want), on, holding)
    if on != want:
        return Verdict(Status.GOAL_NOT_REACHED, n, None, _goal_gap(on, want), _share(on, want), on, holding)
    return Verdict(Status.VALID, n, None, None, 1.0, on, holding)


def _share(on: dict[str, str], want: dict[str, str]) -> float:
    return sum(1 for b, w in want.items() if on.get(b) == w) / len(want) if want else 1.0


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
