"""Plan verification: what a candidate plan really does, and what an answer says it does; tolerant, never raising.

The truth comes from simulating the candidate (:func:`outcome`): it is valid;
or a step cannot be executed (the first such step, and every precondition of
its action that is false there, in the PDDL domain's preconditions); or every
step executes and some goal facts are false at the end.

An answer (:func:`read_verification`) says valid or invalid ("invalid", "not
valid", "cannot be executed" and the like win over a bare "valid"), then, for
an invalid plan, why: the failure's type (an unmet precondition, or an unmet
goal: whichever the answer names first), the step (``step 3``), the action (in
PDDL or in words) and the facts it names (read as states are read,
:func:`bwbench.judging.states.read_state`). An explanation is judged by
simulation, never by its wording (:func:`explained`): it is right when it
names the first failing step (by number, or by its action where it gives no
number) and at least one precondition of that step that is false there, or at
least one goal fact that is false at the end.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Collection, Sequence

from ..world.goal import Fact, Goal, as_goal
from ..world.state import Action, Op, State
from ..world.vocab import ARM_EMPTY, CLEAR, HOLDING, ON, ON_TABLE, Vocabulary
from .parse import MAX_CHARS, parse_completion
from .states import read_state

VALID, PRECONDITION, GOAL = "valid", "precondition", "goal"
"""What a candidate plan does: it is valid, a step's precondition fails, or the goal is not met."""


@dataclass(frozen=True)
class Outcome:
    """What simulating a candidate shows: its kind, and for a failure the step (1-based), its action and the
    false preconditions there, or the goal facts false at the end."""

    kind: str
    step: int | None = None
    action: Action | None = None
    facts: tuple[Fact, ...] = ()


def preconditions(action: Action) -> tuple[Fact, ...]:
    """The PDDL preconditions of ``action`` in the 4-operator domain."""
    b, t = action.block, action.target
    if action.op is Op.PICK_UP:
        return (CLEAR, b), (ON_TABLE, b), (ARM_EMPTY,)
    if action.op is Op.UNSTACK:
        return (ON, b, t), (CLEAR, b), (ARM_EMPTY,)
    if action.op is Op.PUT_DOWN:
        return ((HOLDING, b),)
    return (HOLDING, b), (CLEAR, t)


def outcome(init: State, goal: State | Goal, candidate: Sequence[Action]) -> Outcome:
    """Simulate ``candidate`` from ``init``: valid, the first failing step, or the goal facts unmet."""
    return _outcome(init, goal, tuple(candidate))


@functools.lru_cache(maxsize=4096)
def _outcome(init: State, goal: State | Goal, candidate: tuple[Action, ...]) -> Outcome:
    """:func:`outcome`, once for each problem and candidate (a run judges each problem's answers in turn)."""
    state = init
    for i, action in enumerate(candidate, 1):
        if state.why_not(action) is not None:
            true = state.facts()
            false = tuple(p for p in preconditions(action) if p not in true) or preconditions(action)
            return Outcome(PRECONDITION, i, action, false)
        state = state._apply(action)  # it applies: why_not said so
    missing = as_goal(goal).missing(state)
    return Outcome(GOAL, facts=tuple(missing)) if missing else Outcome(VALID)


@dataclass(frozen=True)
class Verification:
    """What an answer says: valid or not (None: it says neither), the failure's type, step, action and facts."""

    valid: bool | None
    kind: str | None = None
    step: int | None = None
    action: Action | None = None
    facts: frozenset[Fact] = frozenset()
    notes: tuple[str, ...] = ()


_INVALID = re.compile(r"\binvalid\b|\bnot\s+(?:a\s+)?valid\b|isn'?t\s+(?:a\s+)?valid|\binexecutable\b|"
                      r"\bnot\s+executable\b|cannot\s+be\s+executed|can'?t\s+be\s+executed|\bfails\b", re.I)
_VALID = re.compile(r"\bvalid\b", re.I)
_VERDICT = re.compile(r"\b(?:plan|it|answer|sequence)\s+(?:is|was)\s+(not\s+)?(?:a\s+)?(valid|invalid)\b(?!\s+or\b)|"
                      r"^[ \t*#>-]*(?:answer\s*:\s*)?\**(valid|invalid)\b", re.I | re.M)
"""A verdict stated ("the plan is valid", "It is not valid", a line that starts "Invalid"), not a question ("whether
the plan is valid or invalid")."""
_PRE = re.compile(r"precondition|cannot\s+be\s+executed|can'?t\s+be\s+executed|not\s+executable|inexecutable|"
                  r"not\s+applicable", re.I)
_GOAL = re.compile(r"\bgoals?\b", re.I)
_STEP = re.compile(r"\bstep\s*#?\s*(\d+)", re.I)
_ACTION_LINES = 12  # an explanation names the failing action near its start
_ACTION = re.compile(r"\(\s*([\w-]+)((?:\s+[^\s()]+)+)\s*\)")


def read_verification(completion: object, blocks: Collection[str], vocab: Vocabulary | None = None) -> Verification:
    """What ``completion`` says of a candidate plan for a problem of ``blocks``; never raises."""
    if not isinstance(completion, str):
        return Verification(None, notes=("the answer is not text",))
    text = completion[:MAX_CHARS]
    word = text.strip().lower().rstrip(".")
    if word in ("valid", "invalid"):  # the verdict alone
        return Verification(word == "valid")
    if "[STATEMENT]" in text:
        text = text[:text.index("[STATEMENT]")]
    valid = _valid(text)
    if valid is not False:
        return Verification(valid)
    bad = _INVALID.search(text)
    rest = text[bad.start():] if bad is not None else text
    pre, goal = _PRE.search(rest), _GOAL.search(rest)
    if pre is None and goal is None:
        return Verification(False)
    kind = PRECONDITION if goal is None or (pre is not None and pre.start() < goal.start()) else GOAL
    why = rest[min(m.start() for m in (pre, goal) if m is not None):]
    steps = list(_STEP.finditer(text[:len(text) - len(rest)]))
    step = _STEP.search(rest) or (steps[-1] if steps else None)  # "Step 2 cannot be executed: ..."
    reading = read_state(why if kind == GOAL else _after_action(why), blocks, vocab)
    action = _action(rest, blocks, vocab) if kind == PRECONDITION else None
    return Verification(False, kind, int(step.group(1)) if step else None, action, reading.facts | reading.denied)


def _valid(text: str) -> bool | None:
    """The verdict: the last one the answer states (reasoning comes first, its conclusion last), else whether it
    says anything of invalidity anywhere, else "valid" anywhere; None where it says neither."""
    stated = list(_VERDICT.finditer(text))
    if stated:
        last = stated[-1]
        word = (last.group(2) or last.group(3)).lower()
        return (word == "valid") != bool(last.group(1))
    if _INVALID.search(text):
        return False
    return True if _VALID.search(text) else None


def _after_action(text: str) -> str:
    """The text from which facts are read for a precondition: past the action's own line where it has one to
    itself (PlanBench's layout), so that the action's words are not taken for facts."""
    lines = text.splitlines()
    return "\n".join(ln for ln in lines if not _ACTION.fullmatch(ln.strip()))


def _action(text: str, blocks: Collection[str], vocab: Vocabulary | None) -> Action | None:
    """The first action ``text`` names, in PDDL or in words (PlanBench's, the seed's, a domain's own), within its
    first lines."""
    for line in [ln for ln in text.splitlines() if ln.strip()][:_ACTION_LINES]:
        for m in _ACTION.finditer(line):
            parsed = parse_completion(m.group(0), blocks, vocab)
            if parsed.steps and parsed.steps[0].__class__ is Action:
                return parsed.steps[0]
        parsed = parse_completion(re.sub(r"^.*?\bstep\s*\d+\s*[:.)-]?", "", line, flags=re.I), blocks, vocab)
        if parsed.steps and parsed.steps[0].__class__ is Action:
            return parsed.steps[0]
    return None


def explained(said: Verification, truth: Outcome) -> bool:
    """Whether the answer's explanation is right by simulation (see the module's docstring); a valid plan's
    explanation is the verdict itself."""
    if truth.kind == VALID:
        return said.valid is True
    if said.valid is not False or said.kind != truth.kind or not said.facts & set(truth.facts):
        return False
    if truth.kind == GOAL:
        return True
    if said.step is not None:
        return said.step == truth.step
    return said.action is not None and said.action == truth.action


__all__ = ["GOAL", "Outcome", "PRECONDITION", "VALID", "Verification", "explained", "outcome", "preconditions",
           "read_verification"]
