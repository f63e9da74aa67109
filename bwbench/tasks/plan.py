"""Plan generation: given a problem, write a plan that reaches its goal; judged by simulating it.

The question is the seed's: its instruction, the rule and the towers
(:func:`problem_text`), asked in one of the shared templates (seed, chat,
plain; :mod:`.prompts`) after any few-shot turns, or in PlanBench's words
(``planbench``, ``planbench-1shot``; :mod:`.planbench`). An answer in the
seed's form is a bare plan, so its budget is the optimal plan's steps and some
slack and it ends at a blank line; PlanBench's prompts go to models that talk
first, with room for it. The judge reads the plan and simulates it
(:func:`bwbench.judging.judge.judge`); the task's figure is ``valid``. The
planner's answer is an optimal plan, the random model's as many random legal
actions as the optimal plan has steps.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from ..errors import BwbenchError
from ..judging.judge import Judgement, judge
from ..judging.metrics import METRICS
from ..judging.predictions import Prediction
from ..planning.planner import BwbenchPlanner
from ..suites.dataset import Example
from ..suites.view import gold_text
from ..world.state import Action, Op, State
from ..world.text import INSTRUCTION, render_input, render_plan
from .base import Budget, Column, Task
from .planbench import (
    PLANBENCH,
    PLANBENCH_MAX_NEW_TOKENS,
    PLANBENCH_STOP,
    examples_before,
    planbench_prompt,
)
from .prompts import SHARED_TEMPLATES, PromptConfig, Query, compose, single_turn

__all__ = [
    "PLAN", "PLANBENCH_MAX_NEW_TOKENS", "PLANBENCH_STOP", "STOP", "TEMPLATES", "PlanTask", "default_max_new_tokens",
    "problem_text", "question",
]

TEMPLATES = SHARED_TEMPLATES + PLANBENCH
"""Every template a plan can be asked for in: the shared ones, and PlanBench's."""

STOP = ("\n\n", "[INST]")
"""Where an answer in the seed's form ends: the blank line after the plan, or a new instruction."""


def default_max_new_tokens(items: Sequence) -> int:
    """Room for the optimal plan's steps, two more, and some slack: about 20 tokens a step line."""
    longest = max(t.optimal_len for t in items)
    return 32 + 20 * (longest + 2)


def problem_text(ex: Example) -> tuple[str, str]:
    """The seed's ``instruction`` and ``input`` for an example (its own fields when it has them)."""
    rec = ex.record
    instruction = rec.get("instruction") if isinstance(rec.get("instruction"), str) else INSTRUCTION
    if isinstance(rec.get("input"), str):
        return instruction, rec["input"]
    return instruction, render_input(ex.init.sorted_towers(), ex.goal.sorted_towers())


def question(ex: Example) -> str:
    """The question put to a model in the shared templates: the instruction, a blank line, the input."""
    instruction, inp = problem_text(ex)
    return f"{instruction}\n\n{inp}"


PAGE_INTRO = (
    "Valid: the plan reaches the goal when simulated. Optimal: valid and as short as the optimum. "
    "Exact: the gold plan's text. Brackets: 95% Wilson intervals. Levels are true levels (optimal "
    "plan length). Every figure comes from the results file named under its table."
)
PLANBENCH_INTRO = (
    "Models' answers to PlanBench's plan-generation prompts (task 1), judged by bwbench: each answer is read "
    "(in words, or in PDDL for the PDDL prompts) and simulated. Valid: every step applies and every goal fact holds "
    "at the end (PlanBench's goals are partial; the hand need not be empty). Optimal: valid and as short as the "
    "optimum (bwbench's planner). Executable: every step applies. Brackets: 95% Wilson intervals. Levels: Lk = an "
    "optimal plan of 2k steps (2k - 1 when it ends on a pick). n: problems judged, of the suite's; a run is "
    "incomplete when PlanBench's file has no answer for some problems, and one-shot runs cover instances 2-501 "
    "(instance 1 has no example before it; 501 is outside the suite). PlanBench's figure: its own count of correct "
    "answers in its results file, from its own reading of the answers (`bwbench score FILE --suite DIR --report R` "
    "lists every answer judged differently, with both readings). Every figure comes from the results file named "
    "under its table."
)


def _example(x: Any) -> Example:
    """The suite's example behind a run's item (an item of a suite's view holds one; an example is one)."""
    return getattr(x, "example", x)


class PlanTask(Task):
    """Plan generation (PlanBench's task 1, the seed's task)."""

    name = "plan"
    summary = "write a plan that reaches the goal (PlanBench's task 1); judged by simulating it"
    templates = TEMPLATES
    exportable = SHARED_TEMPLATES
    metrics = METRICS
    primary = "valid"
    lm_eval_metrics = ("valid", "optimal", "exact")
    columns = (
        Column("valid", "valid", per_level=True, interval=True),
        Column("optimal", "optimal"),
        Column("exact", "exact"),
        Column("single_step", "single-step"),
    )
    planbench_columns = (
        Column("valid", "valid", interval=True),
        Column("optimal", "optimal"),
        Column("executable", "executable"),
        Column("valid", "valid", per_level=True),
    )
    curve = ("valid", "optimal")
    page_intro = PAGE_INTRO
    planbench_intro = PLANBENCH_INTRO

    def derive(self, record: dict) -> dict:
        """A plan problem's record as it is: plan generation is what every record asks unless it names a task."""
        return record

    def check_shots(self, config: PromptConfig) -> None:
        if config.shots > 0 and config.template in PLANBENCH:
            raise BwbenchError("PlanBench's prompts are zero-shot (planbench) or show one problem chosen as PlanBench "
                               "chooses it (planbench-1shot); ask for no few-shot examples", field="shots")

    def budget(self, template: str, items: Sequence, chat: bool = False) -> Budget:
        """Bare plans for the shared templates; room to talk for PlanBench's (:data:`PLANBENCH_MAX_NEW_TOKENS`)
        and for chat turns, which end themselves and often begin "Sure! ..." and a blank line: no blank-line stop."""
        if template in PLANBENCH:
            return Budget(PLANBENCH_MAX_NEW_TOKENS, PLANBENCH_STOP)
        if chat or template == "chat":
            return Budget(PLANBENCH_MAX_NEW_TOKENS, ())
        return Budget(default_max_new_tokens(items), STOP)

    def prompt(self, item: Any, config: PromptConfig, shots: Sequence = (), shown: Any = None) -> Query:
        ex = _example(item)
        if config.template in PLANBENCH:
            example = _example(shown) if config.template == "planbench-1shot" and shown is not None else None
            return single_turn(planbench_prompt(ex, example), item, self)
        turns = [(question(_example(s)), gold_text(_example(s))) for s in shots]
        return compose(config.template, question(ex), turns, item, self)

    def shown_items(self, config: PromptConfig, todo: Sequence, split_items: Sequence) -> dict[str, Example]:
        """For ``planbench-1shot``: the solved problem shown before each item, from the whole split it comes from."""
        return examples_before(todo, split_items) if config.template == "planbench-1shot" else {}

    def problem(self, item: Any) -> dict:
        return item.record()

    def judge(self, problem: Any, completion: str) -> Judgement:
        """``completion`` read and simulated from ``problem``'s initial state (a prediction read from a file, or an
        item of a run: its example's problem, its gold plan's text and optimal length)."""
        if problem.__class__ is Prediction:
            return judge(problem.init, problem.goal, completion, problem.gold, problem.optimal_len, problem.vocab)
        ex = _example(problem)
        gold = gold_text(ex) if ex is problem else problem.gold  # a bare example holds its gold plan as steps
        return judge(ex.init, ex.goal, completion, gold, ex.optimal_len, ex.vocab)

    def correct(self, judgement: Judgement) -> bool:
        return judgement.valid

    def reference(self, item: Any) -> str:
        """The optimal plan bwbench's planner finds, in the seed's format."""
        ex = _example(item)
        return render_plan(_PLANNER.solve(ex.init, ex.goal).plan)

    def random_answer(self, item: Any, rng: random.Random) -> str:
        """Random legal actions, as many as the optimal plan has steps, in the seed's format."""
        ex = _example(item)
        return render_plan(_walk(ex.init, ex.optimal_len, rng))


_PLANNER = BwbenchPlanner()


def _walk(state: State, length: int, rng: random.Random) -> list[Action]:
    steps = []
    for _ in range(length):
        if state.holding is None:
            options = [Action(Op.PICK_UP, t[0]) if len(t) == 1 else Action(Op.UNSTACK, t[-1], t[-2])
                       for t in state.sorted_towers()]
        else:
            b = state.holding
            options = [Action(Op.PUT_DOWN, b)] + [Action(Op.STACK, b, t[-1]) for t in state.sorted_towers()]
        action = rng.choice(options)
        steps.append(action)
        state = state.apply(action)
    return steps


PLAN = PlanTask()
"""The plan-generation task."""
