"""Plan execution (PlanBench's task 7, state tracking): given a state and actions, give the state they lead to.

A record of this task is a plan problem with ``actions``: a prefix of its gold
plan, as PlanBench draws one (at least one step, never the whole plan when it
has two or more; the length drawn from the record's id, so deriving is
repeatable), in the seed's words. The question is the rule, the initial towers
and the actions; the answer the towers they lead to and the hand
(:func:`bwbench.judging.states.state_text`). In PlanBench's words
(``--template planbench``) it is PlanBench's query byte for byte: its rules,
one solved example (the instance before, with its own actions:
``example_actions`` where the record names them), then the problem.

An answer is read in any form a state is written in (towers, fact lines, PDDL
facts, PlanBench's words, a domain's own words; :func:`read_state`) and judged
by simulating the actions: right when the facts it states are every fact of the
resulting state and no other; its precision, recall and F1 over facts give the
partial score. Exact at any size: simulating costs a step per action.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..errors import BwbenchError
from ..judging.metrics import Metric
from ..judging.predictions import Prediction
from ..judging.states import StateReading, compare, facts_text, read_state, state_text
from ..world import planbench as pb
from ..world.goal import Fact
from ..world.state import Action, State
from ..world.text import RULE, as_actions, parse_plan, render_towers
from ..world.vocab import Vocabulary
from .base import Budget, Column, Task
from .plan import PLANBENCH_MAX_NEW_TOKENS, STOP
from .planbench import PLANBENCH_TEMPLATE, examples_before
from .prompts import SHARED_TEMPLATES, PromptConfig, Query, compose, single_turn

INSTRUCTION = (
    "Given the rules, the initial state and a sequence of actions, give the state after the actions are executed: "
    "after a line 'State:', every tower as the initial state writes them, then 'hand empty' or 'holding' and the "
    "block held."
)
PLANBENCH_STOP_EXECUTE = ("[STATEMENT]", "[ACTION SEQUENCE]")
"""Where an answer to PlanBench's execution prompt ends: a new problem."""


class Verdict(str, Enum):
    EQUAL = "equal"  # the facts stated are the resulting state's
    DIFFERENT = "different"
    PARSE_ERROR = "parse_error"  # no fact could be read


@dataclass
class ExecuteJudgement:
    """The verdict on one answer: the facts read against the resulting state's.

    ``n_actions`` is how many actions were executed; ``optimal_len`` and ``n_blocks`` are the problem's (what
    results are grouped by)."""

    status: Verdict
    reading: StateReading
    precision: float
    recall: float
    f1: float
    reason: str | None
    n_actions: int
    optimal_len: int
    n_blocks: int

    @property
    def equal(self) -> bool:
        return self.status is Verdict.EQUAL

    correct = equal

    @property
    def notes(self) -> tuple[str, ...]:
        return self.reading.notes

    def read_as(self) -> str:
        """What the report shows the answer was read as."""
        return facts_text(self.reading.facts) + "".join(f" [unreadable: {u}]" for u in self.reading.unreadable)

    def to_json(self) -> dict:
        return {"status": self.status.value, "equal": self.equal, "f1": round(self.f1, 6),
                "precision": round(self.precision, 6), "recall": round(self.recall, 6), "reason": self.reason,
                "facts": facts_text(self.reading.facts), "unreadable": list(self.reading.unreadable),
                "n_actions": self.n_actions, "optimal_len": self.optimal_len, "n_blocks": self.n_blocks,
                "notes": list(self.notes)}


METRICS = (
    Metric("equal", "the resulting state, every fact and no other", "rate", lambda j: (j.equal, 1)),
    Metric("f1", "F1 over facts", "mean", lambda j: j.f1),
    Metric("precision", "facts stated that hold", "mean", lambda j: j.precision),
    Metric("recall", "facts that hold that are stated", "mean", lambda j: j.recall),
    Metric("parse_error", "no fact read", "rate", lambda j: (j.status is Verdict.PARSE_ERROR, 1)),
)


def judge_execute(init: State, actions: Sequence[Action], completion: str, optimal_len: int = 0,
                  vocab: Vocabulary | None = None, result: State | None = None) -> ExecuteJudgement:
    """Judge ``completion`` as the state ``actions`` (which apply in turn) lead to from ``init`` (``result``, where
    the caller has it); never raises."""
    state = resulting(init, tuple(actions)) if result is None else result
    reading = read_state(completion, init.blocks, vocab)
    n, blocks = len(actions), len(init.blocks)
    if reading.empty:
        return ExecuteJudgement(Verdict.PARSE_ERROR, reading, 0.0, 0.0, 0.0, "no fact could be read", n,
                                optimal_len, blocks)
    c = compare(reading, state)
    if c.equal:
        return ExecuteJudgement(Verdict.EQUAL, reading, 1.0, 1.0, 1.0, None, n, optimal_len, blocks)
    return ExecuteJudgement(Verdict.DIFFERENT, reading, c.precision, c.recall, c.f1, _why(reading, c.missing, c.wrong),
                            n, optimal_len, blocks)


def resulting(init: State, actions: tuple[Action, ...]) -> State:
    """The state ``actions`` (which apply in turn) lead to from ``init``."""
    state = init
    for action in actions:
        state = state.apply(action)
    return state


def _why(reading: StateReading, missing: Sequence[Fact], wrong: Sequence[Fact]) -> str:
    parts = []
    if reading.unreadable:
        parts.append(f"states what the domain cannot express: {reading.unreadable[0]!r}")
    if wrong:
        parts.append(f"states facts that do not hold: {facts_text(wrong)}")
    if missing:
        parts.append(f"leaves out facts that hold: {facts_text(missing)}")
    return "; ".join(parts)


def executed(record: dict, init: State, key: str = "actions") -> tuple[Action, ...]:
    """The actions a record names (its ``actions``, in the seed's words), each applying in turn; ``ValueError``
    naming the first that does not read or apply."""
    steps = record.get(key)
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise ValueError(f"a record of the execute task needs {key!r}: a list of steps")
    return _executed(tuple(steps), init, key)[0]


@functools.lru_cache(maxsize=4096)
def _executed(steps: tuple[str, ...], init: State, key: str) -> tuple[tuple[Action, ...], State]:
    """:func:`executed`, and the state the actions lead to, once for each problem's steps (a run judges each
    problem's answers in turn)."""
    state, actions = init, []
    for i, step in enumerate(steps, 1):
        words = step.split()
        if len(words) == 2 and words[0] == "pick-up":  # the seed's two verbs, as derive writes them
            action = state.resolve("pick-up", words[1])
        elif len(words) == 4 and words[0] == "stack" and words[2] == "on-top-of":
            action = state.resolve("stack", words[1], words[3])
        else:
            action = as_actions(state, parse_plan(f"Plan:\nstep 1: {step}"))[0]
        why = state.why_not(action)
        if why is not None:
            raise ValueError(f"{key} step {i} ({action.nl()}) does not apply: {why}")
        state = state._apply(action)
        actions.append(action)
    return tuple(actions), state


def draw_length(record_id: str, plan_len: int, moves: bool = False) -> int:
    """How many of a plan's steps a record executes, drawn from its id: 1 .. len - 1 as PlanBench draws (1 for a
    plan of one or two steps); whole moves for the 3-operator domain."""
    top = max(1, plan_len - 1)
    k = random.Random(hashlib.sha256(record_id.encode("utf-8")).digest()).randint(1, top)
    return min(plan_len, k + k % 2) if moves else k


@dataclass(frozen=True)
class Asked:
    """One question of this task: the initial state, the actions executed and the state they lead to."""

    init: State
    actions: tuple[Action, ...]
    result: State
    optimal_len: int
    vocab: Vocabulary | None


def _asked(item: Any) -> Asked:
    """The question an item of a run, an example or a prediction read from a file asks."""
    if item.__class__ is Prediction:
        init, record, optimal_len, vocab = item.init, item.record or {}, item.optimal_len or 0, item.vocab
    else:
        ex = getattr(item, "example", item)
        init, record, optimal_len, vocab = ex.init, ex.record, ex.optimal_len, ex.vocab
    steps = record.get("actions")
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise ValueError("a record of the execute task needs 'actions': a list of steps")
    actions, result = _executed(tuple(steps), init, "actions")
    return Asked(init, actions, result, optimal_len, vocab)


def question(ex: Any) -> str:
    """The question in the shared templates: the instruction, the rule, the initial towers and the actions."""
    actions = executed(ex.record, ex.init)
    steps = "\n".join(f"step {i}: {a.nl()}" for i, a in enumerate(actions, 1))
    return (f"{INSTRUCTION}\n\n{RULE}\n\nInit state:\n{render_towers(ex.init.sorted_towers())}\n\n"
            f"Actions:\n{steps}")


def planbench_statement(init: State, actions: Sequence[Action], config: pb.PlanBenchConfig, result: bool) -> str:
    """One ``[STATEMENT]`` of PlanBench's execution prompt: the initial facts, the actions, and for the solved
    example the resulting facts."""
    vocab = config.vocabulary
    facts = pb.conjunction([pb.fact_words(f, config) for f in pb.words_order(init.facts(), vocab)])
    text = (f"\n[STATEMENT]\nAs initial conditions I have that, {facts}.\n I have executed the following action "
            "sequence:\n\n[ACTION SEQUENCE]\n" + "".join(pb.action_words(a, config) + "\n" for a in actions)
            + "[ACTION SEQUENCE END]\n[RESULTING STATE]\n")
    if result:
        state = resulting(init, tuple(actions))
        text += pb.conjunction([pb.fact_words(f, config) for f in pb.words_order(state.facts(), vocab)]) + "\n"
    return text.replace("-", " ").replace("ontable", "on the table")


def planbench_prompt(item: Any, shown: Any) -> str:
    """PlanBench's task-7 prompt for ``item``, after ``shown`` (the instance before) solved with its own actions,
    or with the item record's ``example_actions`` where it names them (PlanBench drew them apart)."""
    ex, other = getattr(item, "example", item), getattr(shown, "example", shown)
    config = pb.config_for(ex.vocab) if ex.vocab is not None else pb.BLOCKSWORLD
    config = config.for_objects(sorted(ex.init.blocks | other.init.blocks))
    own = executed(ex.record, ex.init)
    if ex.record.get("example_actions") is not None:
        shown_actions = executed(ex.record, other.init, "example_actions")
    else:
        shown_actions = executed(other.record, other.init)
    return config.intro + planbench_statement(other.init, shown_actions, config, True) + \
        planbench_statement(ex.init, own, config, False)


class ExecuteTask(Task):
    """The state a sequence of actions leads to (PlanBench's task 7)."""

    name = "execute"
    summary = "give the state a sequence of actions leads to (PlanBench's task 7); judged as sets of facts"
    templates = SHARED_TEMPLATES + (PLANBENCH_TEMPLATE,)
    exportable = ()
    metrics = METRICS
    primary = "equal"
    columns = (Column("equal", "equal", per_level=True, interval=True), Column("f1", "fact F1"),
               Column("parse_error", "parse error"))
    curve = ("equal",)
    page_intro = ("Equal: the facts the answer states are exactly the facts of the state the actions lead to, "
                  "judged by simulating them. Fact F1: the partial score over facts. Brackets: 95% Wilson intervals. "
                  "Levels: the problem's optimal plan length.")

    def derive(self, record: dict) -> dict:
        """The plan problem with ``actions``, a prefix of its gold plan (:func:`draw_length`; one pick where the goal
        holds at the start), and the state they lead to as ``output``."""
        init = State.of(record["init"])
        plan = list(record.get("plan") or [])
        moves = bool((record.get("vocabulary") or {}).get("moves"))
        if plan:
            steps = plan[:draw_length(str(record.get("id")), len(plan), moves)]
        else:
            steps = [f"pick-up {sorted(init.clear())[0]}"]
            if moves:
                raise BwbenchError("a 3-operator problem solved at the start has no move to execute", field="task")
        out = {**super().derive(record), "actions": steps}
        return {**out, "instruction": INSTRUCTION, "output": state_text(resulting(init, executed(out, init)))}

    def budget(self, template: str, items: Sequence, chat: bool = False) -> Budget:
        """A line a tower and the hand; room to talk for chat turns and PlanBench's prompt."""
        if template == PLANBENCH_TEMPLATE:
            return Budget(PLANBENCH_MAX_NEW_TOKENS, PLANBENCH_STOP_EXECUTE)
        if chat or template == "chat":
            return Budget(PLANBENCH_MAX_NEW_TOKENS, ())
        most = max(len(getattr(t, "example", t).init.blocks) for t in items)
        return Budget(32 + 12 * (most + 2), STOP)

    def prompt(self, item: Any, config: PromptConfig, shots: Sequence = (), shown: Any = None) -> Query:
        if config.template == PLANBENCH_TEMPLATE:
            return single_turn(planbench_prompt(item, shown), item, self)
        turns = [(question(getattr(s, "example", s)), self.reference(s)) for s in shots]
        return compose(config.template, question(getattr(item, "example", item)), turns, item, self)

    def shown_items(self, config: PromptConfig, todo: Sequence, split_items: Sequence) -> dict:
        """For PlanBench's prompt: the instance before each item, as task 1's one-shot prompt chooses it."""
        return examples_before(todo, split_items) if config.template == PLANBENCH_TEMPLATE else {}

    def problem(self, item: Any) -> dict:
        """The problem with its actions (and the example's, where the record names them), without the answer,
        naming this task."""
        fields = {k: v for k, v in item.record().items() if k != "output"}
        own = getattr(item, "example", item).record
        extra = {k: own[k] for k in ("actions", "example_actions") if own.get(k) is not None}
        return {"id": fields.pop("id"), "task": self.name, **fields, **extra}

    def judge(self, problem: Any, completion: str) -> ExecuteJudgement:
        q = _asked(problem)
        return judge_execute(q.init, q.actions, completion, q.optimal_len, q.vocab, q.result)

    def correct(self, judgement: ExecuteJudgement) -> bool:
        return judgement.equal

    def reference(self, item: Any) -> str:
        """The resulting state, simulated (:func:`state_text`)."""
        return state_text(_asked(item).result)

    def random_answer(self, item: Any, rng: random.Random) -> str:
        """The state as many random legal actions lead to: a floor."""
        q = _asked(item)
        state = q.init
        for _ in q.actions:
            if state.holding is None:
                state = state.apply(state.resolve("pick-up", rng.choice(sorted(state.clear()))))
            else:
                dest = rng.choice(["table", *sorted(state.clear())])
                state = state.apply(state.resolve("stack", state.holding, dest))
        return state_text(state)


EXECUTE = ExecuteTask()
"""The plan-execution task."""

__all__ = ["EXECUTE", "INSTRUCTION", "ExecuteJudgement", "ExecuteTask", "Verdict", "draw_length", "executed",
           "judge_execute", "planbench_prompt", "planbench_statement"]
