"""The judge's simulator: apply a plan step by step and say what happened (a Verdict).

One simulator for the semantics, used by generation self-checks, by the audit
and by the judge. It never raises on a bad plan: the verdict says which step
failed and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sequence

from .state import TABLE, Action, Op, State, resolve
from .text import NLStep


class Status(str, Enum):
    VALID = "valid"
    INVALID_STEP = "invalid_step"
    GOAL_NOT_REACHED = "goal_not_reached"
    HOLDING_AT_END = "holding_at_end"


@dataclass(frozen=True)
class Verdict:
    """What simulating a plan showed. ``bool(verdict)`` is whether the plan is valid."""

    status: Status
    actions: tuple[Action, ...]  # the steps that were executed, as 4-operator actions
    failed_step: int | None  # 0-based index of the first inapplicable step
    reason: str | None
    final: State  # the state after the executable prefix
    goal_share: float  # share of the goal's block positions that hold in ``final``

    @property
    def executed(self) -> int:
        """Length of the executable prefix."""
        return len(self.actions)

    def __bool__(self) -> bool:
        return self.status is Status.VALID


def simulate(init: State, goal: State, steps: Sequence[Action | NLStep]) -> Verdict:
    """Apply ``steps`` from ``init``; the plan is valid when it reaches ``goal`` with the hand empty.

    Works on a mutable view of the state (what each block stands on, which
    blocks are clear, what the hand holds) so that each step costs O(1); the
    applicability rules are those of :meth:`State.why_not`, which explains a
    failing step.
    """
    on = init.below()
    clear = set(init.clear())
    holding = init.holding
    done: list[Action] = []
    for i, step in enumerate(steps):
        action = resolve(step.verb, step.block, step.dest, on) if isinstance(step, NLStep) else step
        b, op, target = action.block, action.op, action.target
        if op is Op.PICK_UP or op is Op.UNSTACK:
            ok = holding is None and b in clear and on.get(b) == (TABLE if op is Op.PICK_UP else target)
            if ok:
                clear.discard(b)
                src = on.pop(b)
                if src != TABLE:
                    clear.add(src)
                holding = b
        else:
            ok = holding == b and (op is Op.PUT_DOWN or (target in clear and target != b))
            if ok:
                on[b] = TABLE if op is Op.PUT_DOWN else target
                if op is Op.STACK:
                    clear.discard(target)
                clear.add(b)
                holding = None
        if not ok:
            state = _state(on, holding)
            return Verdict(
                Status.INVALID_STEP, tuple(done), i,
                f"step {i + 1} ({action.pddl()[1:-1]}): {state.why_not(action)}",
                state, _share(on, goal),
            )
        done.append(action)
    state = _state(on, holding)
    share = _share(on, goal)
    if holding is not None:
        status, reason = Status.HOLDING_AT_END, f"the hand still holds {holding}"
    elif state.towers != goal.towers:
        status, reason = Status.GOAL_NOT_REACHED, _goal_gap(state, goal)
    else:
        status, reason = Status.VALID, None
    return Verdict(status, tuple(done), None, reason, state, share)


def _share(on: dict[str, str], goal: State) -> float:
    want = goal.below()
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


def _goal_gap(state: State, goal: State) -> str:
    have, want = state.below(), goal.below()
    wrong = sorted(b for b in want if have.get(b) != want[b])
    b = wrong[0]
    on = "the table" if have.get(b) == TABLE else have.get(b)
    target = "the table" if want[b] == TABLE else want[b]
    more = f" (and {len(wrong) - 1} more blocks misplaced)" if len(wrong) > 1 else ""
    return f"goal not reached: {b} is on {on}, the goal puts it on {target}{more}"
