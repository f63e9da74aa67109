"""Next action (ACPBench-Hard's "next action"): name one action that begins an optimal plan; judged exactly.

The question is the plan task's problem (the rule, the initial state and the
goal, :func:`.plan.problem_text`) under an instruction of its own. An answer is
read as a plan is read (:func:`bwbench.judging.parse.parse_completion`: the
seed's two verbs, the four PDDL operators, a domain's own words), and its first
step is judged. It is right when it applies in the initial state and an optimal
plan from the state it leads to is one step shorter than one from the initial
state: any action that begins some optimal plan counts, so the judge needs no
gold answer, and it is exact at any size (the deadlock graph's exact distance
for full goals, :func:`bwbench.planning.deadlock.optimal_moves`; the partial-goal
search otherwise). Where the goal holds already, the right answer says that no
action is needed. The planner's answer is the first step of its optimal plan;
the random model's, a random applicable action.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..judging.metrics import Metric
from ..judging.parse import MAX_CHARS, ParsedPlan, parse_completion
from ..judging.predictions import Prediction
from ..planning import deadlock
from ..planning.moves import encode
from ..planning.planner import BwbenchPlanner, configuration, optimal_length
from ..world.goal import Goal
from ..world.state import Action, Op, State
from ..world.text import NLStep, parse_plan
from ..world.vocab import Vocabulary, vocabulary_of
from .base import Budget, Column, Task
from .plan import PLANBENCH_MAX_NEW_TOKENS, STOP, problem_text
from .prompts import SHARED_TEMPLATES, PromptConfig, Query, compose

NOTHING_TO_DO = "No action is needed: the goal holds already."
INSTRUCTION = (
    "Given the rules, initial state, and goal state, give the first step of an optimal plan to transform the "
    "initial state into the goal state. Answer with that one step alone."
)


class Verdict(str, Enum):
    OPTIMAL = "optimal"  # the action begins an optimal plan
    NOT_OPTIMAL = "not_optimal"  # it applies, but no optimal plan begins with it
    INAPPLICABLE = "inapplicable"
    PARSE_ERROR = "parse_error"  # no action could be read


@dataclass
class NextActionJudgement:
    """The verdict on one answer: the action read (None: none), whether it applies and begins an optimal plan.

    ``optimal_len`` is the optimal plan's length from the initial state, ``n_blocks`` the problem's size (what
    results are grouped by)."""

    status: Verdict
    action: Action | None
    reason: str | None
    optimal_len: int
    n_blocks: int
    notes: tuple[str, ...] = ()

    @property
    def optimal(self) -> bool:
        return self.status is Verdict.OPTIMAL

    correct = optimal

    @property
    def applicable(self) -> bool:
        return self.status in (Verdict.OPTIMAL, Verdict.NOT_OPTIMAL) and self.action is not None

    def read_as(self) -> str:
        """What the report shows the answer was read as."""
        return self.action.pddl() if self.action is not None else "(no action)"

    def to_json(self) -> dict:
        return {"status": self.status.value, "action": self.action.pddl() if self.action else None,
                "reason": self.reason, "optimal_len": self.optimal_len, "n_blocks": self.n_blocks,
                "optimal": self.optimal, "applicable": self.applicable, "notes": list(self.notes)}


METRICS = (
    Metric("optimal", "begins an optimal plan", "rate", lambda j: (j.optimal, 1)),
    Metric("applicable", "applies in the initial state", "rate", lambda j: (j.applicable, 1)),
    Metric("parse_error", "no action read", "rate", lambda j: (j.status is Verdict.PARSE_ERROR, 1)),
)


def judge_next_action(init: State, goal: State | Goal, completion: str, optimal_len: int | None = None,
                      vocab: Vocabulary | None = None) -> NextActionJudgement:
    """Judge ``completion`` as the first step of an optimal plan from ``init`` (hand empty) to ``goal``; never
    raises on any completion. ``optimal_len`` is computed when not given."""
    if optimal_len is None:
        optimal_len = optimal_length(init, goal)
    n = len(init.blocks)
    parsed = _read(completion, init, vocab)
    notes = list(parsed.notes)
    if parsed.empty:  # "no action is needed"
        if optimal_len == 0:
            return NextActionJudgement(Verdict.OPTIMAL, None, None, 0, n, tuple(notes))
        return NextActionJudgement(Verdict.NOT_OPTIMAL, None, "says no action is needed, but the goal does not hold "
                                   "yet", optimal_len, n, tuple(notes))
    if not parsed.steps:
        return NextActionJudgement(Verdict.PARSE_ERROR, None, "no action could be read", optimal_len, n, tuple(notes))
    if len(parsed.steps) > 1:
        notes.append(f"judged the first of {len(parsed.steps)} steps given")
    step = parsed.steps[0]
    action = step.resolve(init) if step.__class__ is NLStep else step
    why = init.why_not(action)
    if why is not None:
        return NextActionJudgement(Verdict.INAPPLICABLE, action, why, optimal_len, n, tuple(notes))
    if optimal_len == 0:
        return NextActionJudgement(Verdict.NOT_OPTIMAL, action, "the goal holds already: no action is needed",
                                   optimal_len, n, tuple(notes))
    if begins_optimal_plan(init, goal, action, optimal_len):
        return NextActionJudgement(Verdict.OPTIMAL, action, None, optimal_len, n, tuple(notes))
    return NextActionJudgement(Verdict.NOT_OPTIMAL, action, f"no optimal plan begins with {action.pddl()} (the "
                               f"optimal plan has {optimal_len} steps)", optimal_len, n, tuple(notes))


_LEAD_IN = re.compile(r"^.*?\b(?:is|would\s+be|should\s+be|will\s+be|action|step)\s*(?:to\s+|:\s*)", re.I)


def _read(completion: str, init: State, vocab: Vocabulary | None) -> ParsedPlan:
    """The answer read as a plan; where no step is read, each line again after a lead-in ("The next action is
    to ...", "First step: ..."), which a plan's reader does not expect before a step."""
    parsed = parse_completion(completion, init.blocks, vocab)
    if parsed.steps or parsed.empty or not isinstance(completion, str):
        return parsed
    for line in completion[:MAX_CHARS].splitlines():
        lead = _LEAD_IN.match(line)
        if lead is None:
            continue
        again = parse_completion(line[lead.end():].strip(" .*`"), init.blocks, vocab)
        if again.steps:
            return ParsedPlan(again.steps, None, (), (*parsed.notes, "read the step after its lead-in"))
    return parsed


def begins_optimal_plan(init: State, goal: State | Goal, pick: Action, optimal_len: int) -> bool:
    """Whether some optimal plan from ``init`` (hand empty, ``optimal_len`` steps) begins with ``pick``, an action
    that applies there (so a pick-up or unstack)."""
    full = configuration(init, goal)
    if full is not None:  # plans alternate picks and places: the block must be one an optimal move moves
        names, s, g = encode(init, full)
        return deadlock.moves_first(s, g, names.index(pick.block), optimal_len // 2)
    held = init.apply(pick)
    if not goal.missing(held):
        return optimal_len == 1
    rest = min(optimal_length(held.apply(place), goal) for place in _places(held))
    return 2 + rest == optimal_len


def _places(held: State) -> list[Action]:
    """Every way to put down the block ``held`` holds."""
    b = held.holding
    return [Action(Op.PUT_DOWN, b)] + [Action(Op.STACK, b, t) for t in sorted(held.clear())]


def _problem_of(item: Any) -> tuple[State, State | Goal, int, Vocabulary | None]:
    if item.__class__ is Prediction:
        return item.init, item.goal, item.optimal_len, item.vocab
    ex = getattr(item, "example", item)
    return ex.init, ex.goal, ex.optimal_len, ex.vocab


class NextActionTask(Task):
    """One action that begins an optimal plan (ACPBench-Hard's "next action")."""

    name = "next-action"
    summary = "name one action that begins an optimal plan (ACPBench-Hard's next action); exact at any size"
    templates = SHARED_TEMPLATES
    exportable = ()
    metrics = METRICS
    primary = "optimal"
    columns = (Column("optimal", "optimal", per_level=True, interval=True), Column("applicable", "applicable"),
               Column("parse_error", "parse error"))
    curve = ("optimal",)
    page_intro = ("Optimal: the action named applies in the initial state and begins an optimal plan (the optimal "
                  "plan from where it leads is one step shorter), judged exactly by bwbench's planner. Applicable: it "
                  "applies. Brackets: 95% Wilson intervals. Levels: the optimal plan's length from the initial state.")

    def derive(self, record: dict) -> dict:
        """The plan problem asking for its first step: the instruction this task's, the ``output`` the gold plan's
        first step (one right answer of possibly several: an Alpaca-style trainer reads it)."""
        plan = record.get("plan") or []
        if not plan:
            return {**super().derive(record), "instruction": INSTRUCTION, "output": NOTHING_TO_DO}
        vocab = vocabulary_of(record)
        if vocab is None or vocab.moves:
            return {**super().derive(record), "instruction": INSTRUCTION, "output": plan[0]}
        action = parse_plan(f"Plan:\nstep 1: {plan[0]}")[0].resolve(State.of(record["init"]))
        return {**super().derive(record), "instruction": INSTRUCTION, "output": step_text(action, vocab)}

    def budget(self, template: str, items: Sequence, chat: bool = False) -> Budget:
        """One step line in the seed's form; room to talk for chat turns."""
        if chat or template == "chat":
            return Budget(PLANBENCH_MAX_NEW_TOKENS, ())
        return Budget(64, STOP)

    def prompt(self, item: Any, config: PromptConfig, shots: Sequence = (), shown: Any = None) -> Query:
        turns = [(question(getattr(s, "example", s)), self.reference(s)) for s in shots]
        return compose(config.template, question(getattr(item, "example", item)), turns, item, self)

    def problem(self, item: Any) -> dict:
        """The plan task's problem fields, without its gold plan (there are as many right answers as optimal
        first steps), naming this task."""
        fields = {k: v for k, v in item.record().items() if k != "output"}
        return {"id": fields.pop("id"), "task": self.name, **fields}  # the task early: a reader finds it first

    def judge(self, problem: Any, completion: str) -> NextActionJudgement:
        init, goal, optimal_len, vocab = _problem_of(problem)
        return judge_next_action(init, goal, completion, optimal_len, vocab)

    def correct(self, judgement: NextActionJudgement) -> bool:
        return judgement.optimal

    def reference(self, item: Any) -> str:
        """The first step of bwbench's optimal plan (:func:`step_text`; none where the goal holds)."""
        init, goal, _, vocab = _problem_of(item)
        plan = _PLANNER.solve(init, goal).plan
        return step_text(plan[0], vocab) if plan else NOTHING_TO_DO

    def random_answer(self, item: Any, rng: random.Random) -> str:
        """A random action that applies in the initial state (:func:`step_text`)."""
        init, _, _, vocab = _problem_of(item)
        block = rng.choice(sorted(init.clear()))
        return step_text(init.resolve("pick-up", block), vocab)


def step_text(action: Action, vocab: Vocabulary | None) -> str:
    """One action as an answer names it: in the domain's own PDDL names for an imported problem (where ``pick-up``
    is the domain's pick-up alone), else in the seed's two verbs (``pick-up`` for either pick)."""
    return vocab.write_action(action) if vocab is not None and not vocab.moves else action.nl()


def question(ex: Any) -> str:
    """The question in the shared templates: this task's instruction, a blank line, the problem."""
    return f"{INSTRUCTION}\n\n{problem_text(ex)[1]}"


_PLANNER = BwbenchPlanner()
NEXT_ACTION = NextActionTask()
"""The next-action task."""

__all__ = ["INSTRUCTION", "NEXT_ACTION", "NextActionJudgement", "NextActionTask", "Verdict",
           "begins_optimal_plan", "judge_next_action"]
