"""The judge: one model completion against one problem → a Judgement, the verdict on that example.

Reading (:mod:`.parse`) and simulating (:mod:`.validate`) are combined here
under one rule for holes: an unreadable step line followed by readable steps
is a parse error at that step; an unreadable *last* step line (a completion
cut off mid-line, or a closing remark such as ``step 7: done``) ends the plan,
which is then judged by simulation and carries a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..planning.planner import configuration, optimal_length
from ..world.goal import Goal
from ..world.simulate import Simulation, Status, simulate_from
from ..world.state import State
from ..world.vocab import Vocabulary
from .moves import judge_moves
from .parse import ParsedPlan, Step, fits, gist, parse_completion

# An enum member looked up on its class costs several times a module name: the judge and metrics ask often.
VALID, INVALID_STEP, PARSE_ERROR, EMPTY = Status.VALID, Status.INVALID_STEP, Status.PARSE_ERROR, Status.EMPTY


@dataclass(slots=True)
class Judgement:
    """The verdict on one example. ``bool(judgement)`` is whether the plan is valid.

    Not frozen (building frozen dataclasses costs time the judge does not have); treat it as read-only.
    """

    status: Status
    plan: tuple[Step, ...]  # the steps judged, as read (two-verb NL steps or 4-operator actions)
    failed_step: int | None  # 0-based index of the first step that is inapplicable or unreadable
    _reason: str | Simulation | None  # the reason, or the simulation that words it on request
    executed: int  # length of the executable prefix
    optimal_len: int
    n_blocks: int
    goal_share: float  # share of the goal's facts (for a configuration, every block's position) true after the executable prefix
    exact: bool | None  # the plan is the gold plan (same_plan); None without a gold plan
    strict: bool  # the completion is in exactly the seed's format
    strict_valid: bool  # ... and, read that way, a valid plan
    notes: tuple[str, ...] = ()

    @property
    def reason(self) -> str | None:
        """Why the plan is not valid (None when it is)."""
        why = self._reason
        return why.reason if why.__class__ is Simulation else why

    @property
    def valid(self) -> bool:
        return self.status is VALID

    correct = valid  # the plan task's figure: what the report and other tasks' judgements call right

    def read_as(self) -> str:
        """What the report shows the plan was read as, and how far it went."""
        return (f"{'; '.join(str(s) for s in self.plan) or '(no steps)'}  [{self.executed} of {self.plan_len} steps "
                f"executed, goal facts {100 * self.goal_share:.0f}%]")

    @property
    def optimal(self) -> bool:
        return self.status is VALID and len(self.plan) == self.optimal_len

    @property
    def executable(self) -> bool:
        """Every step of the plan applies (whether or not it reaches the goal)."""
        return self.status in _EXECUTABLE

    @property
    def plan_len(self) -> int:
        return len(self.plan)

    @property
    def prefix_share(self) -> float:
        """Share of the plan's steps that execute; a parse error counts the unreadable step."""
        n = len(self.plan) + (self.status is PARSE_ERROR and self.failed_step is not None)
        return self.executed / n if n else 0.0

    def __bool__(self) -> bool:
        return self.status is VALID

    def to_json(self) -> dict:
        return {
            "status": self.status.value, "plan": [str(s) for s in self.plan], "plan_len": len(self.plan),
            "optimal_len": self.optimal_len, "n_blocks": self.n_blocks, "executed": self.executed, "failed_step": self.failed_step,
            "reason": self.reason, "goal_share": round(self.goal_share, 6), "exact": self.exact,
            "optimal": self.optimal, "strict": self.strict, "strict_valid": self.strict_valid, "notes": list(self.notes),
        }


_EXECUTABLE = frozenset((VALID, Status.GOAL_NOT_REACHED, Status.HOLDING_AT_END))


def judge(init: State, goal: State | Goal, completion: str, gold: str | None = None,
          optimal_len: int | None = None, vocab: Vocabulary | None = None) -> Judgement:
    """Judge ``completion`` as a plan from ``init`` to ``goal``. Never raises on any completion.

    ``goal`` is a configuration (a State) or a partial goal (facts);
    ``gold`` is the gold plan's text (for exact match); ``optimal_len`` is
    computed when not given; ``vocab`` is the domain's words (Mystery's verbs,
    "the red block"), for reading answers worded that way.
    """
    if optimal_len is None:
        optimal_len = optimal_length(init, goal)  # two steps a move, and one for a last pick a partial goal needs
    full = configuration(init, goal)
    partial = None if full is not None else goal
    below, want = init.below(), (full.below() if full is not None else goal.want)
    blocks = below.keys() if init.holding is None else set(below) | {init.holding}
    moved = judge_moves(init, goal, completion, vocab) if vocab is not None and vocab.moves else None
    if moved is not None:  # the 3-operator domain's own actions: moves, each two steps
        exact = None if gold is None else moved["status"] is VALID and same_plan(
            moved["plan"], gold, below, init.holding, want, partial, blocks, vocab)
        return Judgement(**moved, optimal_len=optimal_len, n_blocks=len(blocks), exact=exact, strict=False,
                         strict_valid=False)
    # Names are matched to the problem's blocks regardless of case only when a step needs it:
    # a name that is not a block always makes its step fail, so that is where to look.
    parsed = parse_completion(completion, vocab=vocab)
    judgement = _judge(parsed, below, init.holding, want, optimal_len, len(blocks), partial)
    if judgement.status is INVALID_STEP and not fits(judgement.plan[judgement.failed_step], blocks):
        renamed = parse_completion(completion, blocks, vocab)
        if renamed.steps != parsed.steps:
            judgement = _judge(renamed, below, init.holding, want, optimal_len, len(blocks), partial)
    if gold is not None:
        judgement.exact = completion == gold or same_words(completion, gold) or (judgement.status is VALID and same_plan(
            judgement.plan, gold, below, init.holding, want, partial, blocks, vocab))
    return judgement


def same_plan(plan: tuple[Step, ...], gold: str, below: dict[str, str], holding: str | None, want: dict[str, str],
              goal: Goal | None = None, blocks=None, vocab: Vocabulary | None = None) -> bool:
    """Whether ``plan``, steps read from an answer and valid from the start (``below``, ``holding``), is, action for
    action, the plan the ``gold`` text reads as.

    Formats do not matter: ``(unstack a b)``, ``unstack a from b``, the seed's ``pick-up a`` and a vocabulary's
    words are one action in the same state. Steps that pick up the same block, or put the same block in the same
    place, are the same action wherever both apply, so the gold plan need only do what ``plan`` does step by step
    and apply throughout (one pass of the simulator, not states built step by step). False when the gold text
    cannot be read as a plan: a step it holds cannot be read, or it holds none and does not say its plan is empty.
    """
    read = parse_completion(gold, blocks, vocab)
    steps = read.steps
    if read.unreadable or len(steps) != len(plan) or not (steps or read.blank or read.empty):
        return False
    if steps == plan:
        return True
    for a, b in zip(steps, plan):
        if gist(a) != gist(b):
            return False
    return simulate_from(dict(below), holding, want, steps, goal).executed == len(steps)


_WORD = re.compile(r"\S+")  # what str.split() splits out: \s is exactly str.isspace()


def same_words(text: str, gold: str) -> bool:
    """``text.split() == gold.split()`` (equal up to whitespace), reading no more of a long ``text`` than ``gold``
    has words: a completion may be megabytes of chatter."""
    if len(text) <= 2 * len(gold) + 256:
        return text.split() == gold.split()
    want = gold.split()
    i = 0
    for m in _WORD.finditer(text):
        if i == len(want) or m.group() != want[i]:
            return False
        i += 1
    return i == len(want)


def _judge(parsed: ParsedPlan, below: dict[str, str], holding: str | None, want: dict[str, str],
           optimal_len: int, n_blocks: int, goal: Goal | None = None) -> Judgement:
    steps, notes = parsed.steps, parsed.notes
    hole = next(((pos, line) for pos, line in parsed.unreadable if pos < len(steps)), None) if parsed.unreadable else None
    judged = steps if hole is None else steps[:hole[0]]
    sim = simulate_from(dict(below), holding, want, judged, goal)
    status, failed = sim.status, sim.failed_step
    reason = None if status is VALID else sim  # a failing simulation words its reason on request
    if status is not INVALID_STEP:
        if hole is not None:
            status, failed, reason = PARSE_ERROR, hole[0], f"step {hole[0] + 1} cannot be read: {hole[1]!r}"
        elif not steps and parsed.unreadable:
            status, failed, reason = PARSE_ERROR, 0, f"step 1 cannot be read: {parsed.unreadable[0][1]!r}"
        elif not steps and not parsed.blank and not parsed.empty:
            status, failed, reason = PARSE_ERROR, None, "no plan steps found in the completion"
        elif not steps and status is not VALID and not parsed.empty:  # said empty: judged as the empty plan
            status, failed, reason = EMPTY, None, "the completion holds no plan"
        elif parsed.unreadable:
            notes += (f"the last step line cannot be read (cut off?): {parsed.unreadable[-1][1]!r}",)
    if parsed.strict_steps is None:
        strict_valid = False
    elif parsed.strict_steps is steps:
        strict_valid = status is VALID
    else:
        strict_valid = simulate_from(dict(below), holding, want, parsed.strict_steps, goal).status is VALID
    return Judgement(status, judged, failed, reason, sim.executed, optimal_len, n_blocks, sim.goal_share,
                     None, parsed.strict, strict_valid, notes)
