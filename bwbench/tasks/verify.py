"""Plan verification (PlanBench's task 3): given a problem and a candidate plan, is the plan valid, and if not, why?

A record of this task is a plan problem with a ``candidate``: its gold plan
(valid), the gold plan without its last step (the goal unmet), or, as PlanBench
makes one, the gold plan with a middle step dropped and the rest shuffled (a
step that cannot be executed). Which of the three is drawn from the record's id,
each a third of the time; ``candidate_kind`` says what the candidate really does,
found by simulating it (:func:`bwbench.judging.verification.outcome`). The
candidate is PDDL actions, so that a step that cannot be executed is still one
exact action.

Three scores, as PlanBench reports them: ``binary`` (valid or not, the task's
figure), ``typed`` (and, for an invalid plan, the failure's type) and
``explained`` (and the explanation, judged by simulation:
:func:`bwbench.judging.verification.explained`). In PlanBench's words
(``--template planbench``) the prompt shows three solved examples, one of each
kind, as PlanBench's does; a record made from PlanBench's own query names them
(``examples``), so the prompt is that query byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..judging.metrics import Metric
from ..judging.predictions import Prediction
from ..judging.verification import (
    GOAL,
    PRECONDITION,
    VALID,
    Outcome,
    Verification,
    explained,
    outcome,
)
from ..judging.verification import read_verification as read_answer
from ..suites.dataset import read_goal
from ..world import planbench as pb
from ..world.goal import format_fact
from ..world.state import Action, Op, State
from ..world.text import as_actions, parse_plan
from ..world.vocab import IPC
from .base import Budget, Column, Task
from .plan import PLANBENCH_MAX_NEW_TOKENS, STOP
from .planbench import PLANBENCH_TEMPLATE
from .prompts import SHARED_TEMPLATES, PromptConfig, Query, compose, single_turn

INSTRUCTION = (
    "Given the rules, the initial state, the goal and a plan, say whether the plan is valid: every step can be "
    "executed in turn and the goal holds at the end. Answer 'valid', or 'invalid' and why: 'step N (ACTION) has "
    "an unmet precondition: FACT', naming the first step that cannot be executed and a precondition of it that does "
    "not hold there, or 'the goal is not met: FACT', naming a goal fact that does not hold at the end."
)
RULES = (
    "Rules:\n(pick-up X) picks up block X from the table. (unstack X Y) picks up block X from on top of block Y. "
    "(put-down X) puts the held block X on the table. (stack X Y) puts the held block X on block Y.\n"
    "The hand holds one block at most. A block can be picked up or unstacked only when it is clear and the hand is "
    "empty, and unstacked only from the block it is on; put down or stacked only when it is held; stacked only on a "
    "clear block."
)
KINDS = ("inexecutable", "goal-unmet", "valid")
"""How a candidate is made (PlanBench's types -1, 0 and 1), each drawn a third of the time."""
KIND_OF = {VALID: "valid", PRECONDITION: "inexecutable", GOAL: "goal-unmet"}
"""A candidate's ``candidate_kind`` for what simulating it shows."""


class Verdict(str, Enum):
    RIGHT = "right"  # valid or not, said rightly
    WRONG = "wrong"
    PARSE_ERROR = "parse_error"  # says neither valid nor invalid


@dataclass
class VerifyJudgement:
    """The verdict on one answer: what it said against what the candidate does, and the three scores."""

    status: Verdict
    said: Verification
    truth: Outcome
    typed: bool
    explained: bool
    reason: str | None
    optimal_len: int
    n_blocks: int

    @property
    def binary(self) -> bool:
        return self.status is Verdict.RIGHT

    correct = binary

    @property
    def notes(self) -> tuple[str, ...]:
        return self.said.notes

    def read_as(self) -> str:
        s = self.said
        if s.valid is None:
            return "(neither valid nor invalid)"
        if s.valid:
            return "valid"
        action = f" {s.action.pddl()}" if s.action is not None else ""
        step = f" at step {s.step}" if s.step is not None else ""
        facts = " ".join(format_fact(f) for f in sorted(s.facts))
        return f"invalid: {s.kind or 'no reason'}{step}{action}" + (f": {facts}" if facts else "")

    def to_json(self) -> dict:
        return {"status": self.status.value, "binary": self.binary, "typed": self.typed, "explained": self.explained,
                "read_as": self.read_as(), "truth": _truth_text(self.truth), "reason": self.reason,
                "optimal_len": self.optimal_len, "n_blocks": self.n_blocks, "notes": list(self.notes)}


METRICS = (
    Metric("binary", "valid or not, said rightly", "rate", lambda j: (j.binary, 1)),
    Metric("typed", "and the failure's type", "rate", lambda j: (j.typed, 1)),
    Metric("explained", "and the explanation, by simulation", "rate", lambda j: (j.explained, 1)),
    Metric("parse_error", "says neither valid nor invalid", "rate", lambda j: (j.status is Verdict.PARSE_ERROR, 1)),
)


def judge_verify(init: State, goal: Any, candidate: Sequence[Action], completion: str, optimal_len: int = 0,
                 vocab=None) -> VerifyJudgement:
    """Judge ``completion`` as a verdict on ``candidate`` for the problem; never raises."""
    truth = outcome(init, goal, candidate)
    said = read_answer(completion, init.blocks, vocab)
    n = len(init.blocks)
    if said.valid is None:
        return VerifyJudgement(Verdict.PARSE_ERROR, said, truth, False, False, "says neither valid nor invalid",
                               optimal_len, n)
    right = said.valid == (truth.kind == VALID)
    typed = right and (truth.kind == VALID or said.kind == truth.kind)
    expl = typed and explained(said, truth)
    reason = None if expl else f"the plan is {_truth_text(truth)}"
    return VerifyJudgement(Verdict.RIGHT if right else Verdict.WRONG, said, truth, typed, expl, reason, optimal_len, n)


def _truth_text(t: Outcome) -> str:
    facts = " ".join(format_fact(f) for f in t.facts)
    if t.kind == VALID:
        return "valid"
    if t.kind == GOAL:
        return f"invalid: the goal is not met: {facts}"
    return f"invalid: step {t.step} {t.action.pddl()} has an unmet precondition: {facts}"


def answer_text(t: Outcome) -> str:
    """bwbench's answer for a candidate that does ``t``: ``valid``, or ``invalid`` and why."""
    return _truth_text(t)


def candidate_of(record: dict) -> tuple[Action, ...]:
    """A record's ``candidate``: PDDL actions in bwbench's names; ``ValueError`` for one that does not read."""
    steps = record.get("candidate")
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise ValueError("a record of the verify task needs 'candidate': a list of PDDL actions")
    return _read_candidate(tuple(steps))


_OPS = {op.value: op for op in Op}


@functools.lru_cache(maxsize=4096)
def _read_candidate(steps: tuple[str, ...]) -> tuple[Action, ...]:
    """The candidate's actions: ``(op block [target])`` as bwbench writes them, else as any PDDL action is read."""
    out = []
    for s in steps:
        parts = s.strip().strip("()").split()
        try:
            out.append(Action(_OPS[parts[0]], *parts[1:]))
        except (KeyError, ValueError, IndexError, TypeError):
            out.append(IPC.read_action(s))
    return tuple(out)


def make_candidate(gold: Sequence[Action], kind: str, rng: random.Random, init: State) -> list[Action]:
    """A candidate of ``kind`` made from the gold plan as PlanBench makes it: the plan; the plan without its last
    step; a middle step dropped and the rest shuffled (reshuffled until a step fails, or, for plans too short for
    that, the first two steps swapped or a put-down with the hand empty)."""
    gold = list(gold)
    if kind == "valid" or (kind == "goal-unmet" and not gold):
        return gold
    if kind == "goal-unmet":
        return gold[:-1]
    if len(gold) > 2:
        rest = list(gold)
        del rest[rng.randrange(1, len(gold) - 1)]
        for _ in range(20):
            rng.shuffle(rest)
            if not executes(init, rest):
                return rest
    if len(gold) == 2:
        return gold[::-1]
    return [Action(Op.PUT_DOWN, sorted(init.blocks)[0])]


def executes(init: State, actions: Sequence[Action]) -> bool:
    """Whether every step of ``actions`` can be executed in turn from ``init``."""
    state = init
    for a in actions:
        if state.why_not(a) is not None:
            return False
        state = state.apply(a)
    return True


def _rng(record_id: str, salt: str = "") -> random.Random:
    return random.Random(hashlib.sha256((salt + record_id).encode("utf-8")).digest())


def _parts(item: Any) -> tuple[State, Any, tuple[Action, ...], int, Any]:
    if item.__class__ is Prediction:
        return item.init, item.goal, candidate_of(item.record or {}), item.optimal_len or 0, item.vocab
    ex = getattr(item, "example", item)
    return ex.init, ex.goal, candidate_of(ex.record), ex.optimal_len, ex.vocab


def question(ex: Any) -> str:
    """The question in the shared templates: the instruction, the rules, the problem's states and the plan."""
    from .plan import problem_text

    states = problem_text(ex)[1]
    states = states[states.index("Init state:"):] if "Init state:" in states else states
    steps = "\n".join(f"step {i}: {a.pddl()}" for i, a in enumerate(candidate_of(ex.record), 1))
    return f"{INSTRUCTION}\n\n{RULES}\n\n{states}\n\nPlan:\n{steps or '(no steps)'}"


def planbench_message(t: Outcome, config: pb.PlanBenchConfig) -> str:
    """PlanBench's verification text for a candidate that does ``t`` (VAL's findings as PlanBench words them)."""
    if t.kind == VALID:
        return "The above plan is valid.\n"
    words = pb.conjunction([pb.fact_words(f, config) for f in pb.words_order(t.facts, config.vocabulary)])
    if t.kind == GOAL:
        head = "These are the unmet goal conditions" if len(t.facts) > 1 else "This is the unmet goal condition"
        return f"The above plan is invalid. {head}:\n{words}"
    act = pb.action_words(t.action, config)
    if len(t.facts) > 1:
        return (f"The above plan is invalid. The following action at step {t.step} has unmet preconditions:\n{act}\n"
                f"The unmet preconditions are:\n{words}")
    return (f"The above plan is invalid.The following action at step {t.step} has an unmet precondition:\n{act}\n"
            f"The unmet precondition is:\n{words}")  # (no space after "invalid.": PlanBench's text)


def planbench_statement(ex: Any, candidate: Sequence[Action], config: pb.PlanBenchConfig, solved: bool) -> str:
    """One ``[STATEMENT]`` of PlanBench's verification prompt; for a solved example, its verification text."""
    vocab = config.vocabulary
    problem = pb.problem_of(ex.init, ex.goal)
    init = pb.conjunction([pb.fact_words(f, config) for f in pb.words_order(problem.init, vocab)])
    goal = pb.conjunction([pb.fact_words(f, config) for f in pb.words_order(problem.goal, vocab)])
    plan = "".join(pb.action_words(a, config) + "\n" for a in candidate)
    text = (f"\n[STATEMENT]\nAs initial conditions I have that, {init}.\nMy goal is to have that {goal}. \nMy plan is "
            f"as follows:\n\n[PLAN]\n{plan}[PLAN END]\n\n[VERIFICATION]")
    if solved:
        text += "\n" + planbench_message(outcome(ex.init, ex.goal, candidate), config)
    return text


def planbench_prompt(item: Any, shown: Sequence[tuple[Any, Sequence[Action]]]) -> str:
    """PlanBench's task-3 prompt: its rules, the ``shown`` examples (a problem and a candidate each) solved, then
    ``item``'s problem and candidate."""
    ex = getattr(item, "example", item)
    config = pb.config_for(ex.vocab) if ex.vocab is not None else pb.BLOCKSWORLD
    blocks = set(ex.init.blocks).union(*(getattr(s, "example", s).init.blocks for s, _ in shown))
    config = config.for_objects(sorted(blocks))
    text = config.intro + "".join(planbench_statement(getattr(s, "example", s), c, config, True) for s, c in shown)
    return text + planbench_statement(ex, candidate_of(ex.record), config, False)


def _gold_actions(ex: Any) -> list[Action]:
    return list(as_actions(ex.init, ex.gold or ()))


class VerifyTask(Task):
    """Whether a plan is valid, and why not (PlanBench's task 3)."""

    name = "verify"
    summary = "say whether a plan is valid and, if not, why (PlanBench's task 3); explanations judged by simulation"
    templates = SHARED_TEMPLATES + (PLANBENCH_TEMPLATE,)
    exportable = ()
    metrics = METRICS
    primary = "binary"
    columns = (Column("binary", "binary", per_level=True, interval=True), Column("typed", "with type"),
               Column("explained", "with explanation"), Column("parse_error", "parse error"))
    curve = ("binary", "explained")
    page_intro = ("Binary: the answer says rightly whether the plan is valid. With type: and, for an invalid plan, "
                  "whether a step cannot be executed or the goal is unmet. With explanation: and it names the first "
                  "failing step and a precondition false there, or a goal fact false at the end, judged by "
                  "simulation. Brackets: 95% Wilson intervals.")

    def derive(self, record: dict) -> dict:
        """The plan problem with a ``candidate`` of a kind drawn from its id, and ``candidate_kind``, what it does."""
        init = State.of(record["init"])
        steps = record.get("plan") or []
        gold = list(as_actions(init, parse_plan("Plan:\n" + "".join(f"step {i}: {s}\n" for i, s in
                                                                      enumerate(steps, 1))))) if steps else []
        rng = _rng(str(record.get("id")))
        made = make_candidate(gold, rng.choice(KINDS), rng, init)
        out = {**super().derive(record), "candidate": [a.pddl() for a in made]}
        truth = outcome(init, read_goal(record["goal"]), made)
        return {**out, "candidate_kind": KIND_OF[truth.kind], "instruction": INSTRUCTION,
                "output": answer_text(truth)}

    def budget(self, template: str, items: Sequence, chat: bool = False) -> Budget:
        if template == PLANBENCH_TEMPLATE:
            return Budget(PLANBENCH_MAX_NEW_TOKENS, ("[STATEMENT]",))
        if chat or template == "chat":
            return Budget(PLANBENCH_MAX_NEW_TOKENS, ())
        return Budget(96, STOP)

    def prompt(self, item: Any, config: PromptConfig, shots: Sequence = (), shown: Any = None) -> Query:
        if config.template == PLANBENCH_TEMPLATE:
            return single_turn(planbench_prompt(item, shown or ()), item, self)
        turns = [(question(getattr(s, "example", s)), self.reference(s)) for s in shots]
        return compose(config.template, question(getattr(item, "example", item)), turns, item, self)

    def shown_items(self, config: PromptConfig, todo: Sequence, split_items: Sequence) -> dict:
        """For PlanBench's prompt: three other problems of the split, one candidate of each kind, in an order drawn
        from the item's id (or the ones its record names, from PlanBench's own query)."""
        if config.template != PLANBENCH_TEMPLATE:
            return {}
        pool = [getattr(i, "example", i) for i in split_items]
        by_source = {e.record.get("source"): e for e in pool if e.record.get("source")}
        out = {}
        for t in todo:
            ex = getattr(t, "example", t)
            named = ex.record.get("examples")
            if isinstance(named, list) and all(isinstance(n, dict) and n.get("source") in by_source for n in named):
                out[t.id] = [(by_source[n["source"]], candidate_of(n)) for n in named]
                continue
            rng = _rng(t.id, "examples")
            others = [e for e in pool if e is not ex] or pool
            kinds = list(KINDS)
            rng.shuffle(kinds)
            picked = [rng.choice(others) for _ in kinds]
            out[t.id] = [(e, make_candidate(_gold_actions(e), k, rng, e.init)) for e, k in zip(picked, kinds)]
        return out

    def problem(self, item: Any) -> dict:
        fields = {k: v for k, v in item.record().items() if k != "output"}
        own = getattr(item, "example", item).record
        extra = {k: own[k] for k in ("candidate", "candidate_kind", "examples") if own.get(k) is not None}
        return {"id": fields.pop("id"), "task": self.name, **fields, **extra}

    def judge(self, problem: Any, completion: str) -> VerifyJudgement:
        init, goal, candidate, optimal_len, vocab = _parts(problem)
        return judge_verify(init, goal, candidate, completion, optimal_len, vocab)

    def correct(self, judgement: VerifyJudgement) -> bool:
        return judgement.binary

    def reference(self, item: Any) -> str:
        init, goal, candidate, _, _ = _parts(item)
        return answer_text(outcome(init, goal, candidate))

    def random_answer(self, item: Any, rng: random.Random) -> str:
        """``valid`` or ``invalid`` at random, with no reason: a floor for the binary score."""
        return rng.choice(("valid", "invalid"))


VERIFY = VerifyTask()
"""The plan-verification task."""

__all__ = ["INSTRUCTION", "KINDS", "KIND_OF", "VERIFY", "VerifyJudgement", "VerifyTask", "answer_text", "candidate_of",
           "judge_verify", "make_candidate", "planbench_message", "planbench_prompt", "planbench_statement"]
