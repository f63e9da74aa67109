"""Plan optimality (PlanBench's task 2): a plan that reaches the goal at the least cost, with the costs in the prompt.

Every action costs one unit (PlanBench: one minute), so the cheapest plan is
an optimal one. The question is the plan task's problem under an instruction
that states the costs; in PlanBench's words (``--template planbench``) it is
PlanBench's task-2 query byte for byte: its rules with each action's cost
(``domain_intro_cost``), the instance before solved with its plan and that
plan's total time, then the problem. An answer is read and simulated as a plan
is (:func:`bwbench.judging.judge.judge`); the task's figure is ``optimal``
(valid, and as short as the optimum), and the cost gap of valid plans (steps
over the optimum) is reported as its distribution (``over_1_2``, ``over_3_4``,
``over_5_plus``: shares of the valid plans) and the mean ratio of the optimal
length to the plan's (``ratio``: 1 for optimal plans).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import BwbenchError
from ..judging.judge import Judgement
from ..judging.metrics import METRICS as PLAN_METRICS
from ..judging.metrics import Metric
from ..suites.dataset import Example
from ..world import planbench as pb
from .base import Budget, Column
from .plan import PLANBENCH_MAX_NEW_TOKENS, PLANBENCH_STOP, PlanTask, problem_text
from .planbench import (
    PLANBENCH_TEMPLATE,
    example_plan,
    examples_before,
    planbench_problem,
)
from .prompts import SHARED_TEMPLATES, PromptConfig, Query, compose, single_turn

INSTRUCTION = (
    "Given the rules, initial state, and goal state, generate a plan that transforms the initial state into the "
    "goal state at the least cost. Every step costs 1, so a plan's cost is its number of steps."
)
MINIMIZE = " I want to minimize the time taken to achieve my goal."


def _over(lo: int, hi: int | None):
    """The share of valid plans ``lo``..``hi`` steps over the optimum (None: no upper end)."""
    def of(j: Judgement):
        if not j.valid:
            return None
        gap = j.plan_len - j.optimal_len
        return (lo <= gap and (hi is None or gap <= hi), 1)
    return of


METRICS = (
    *PLAN_METRICS,
    Metric("ratio", "optimal length over plan length, valid plans", "mean",
           lambda j: (j.optimal_len / j.plan_len if j.plan_len else 1.0) if j.valid else None),
    Metric("over_1_2", "valid plans 1-2 steps over the optimum", "rate", _over(1, 2)),
    Metric("over_3_4", "valid plans 3-4 steps over the optimum", "rate", _over(3, 4)),
    Metric("over_5_plus", "valid plans 5 or more steps over the optimum", "rate", _over(5, None)),
)


def question(ex: Example) -> str:
    """The question in the shared templates: this task's instruction, a blank line, the problem."""
    return f"{INSTRUCTION}\n\n{problem_text(ex)[1]}"


def planbench_statement(problem: pb.PlanBenchProblem, config: pb.PlanBenchConfig, solved: bool) -> str:
    """One ``[STATEMENT]`` of PlanBench's optimality prompt: init and goal, the wish to minimise time, then the
    plan and its total time (a solved example) or an open ``[PLAN]``."""
    vocab = config.vocabulary
    init = pb.conjunction([pb.fact_words(f, config) for f in pb.words_order(problem.init, vocab)])
    goal = pb.conjunction([pb.fact_words(f, config) for f in pb.words_order(problem.goal, vocab)])
    text = f"\n[STATEMENT]\nAs initial conditions I have that, {init}.\nMy goal is to have that {goal}.{MINIMIZE}\n"
    text += "My plan is as follows:\n\n[PLAN]"
    if not solved:
        return text + " "
    n = len(problem.plan)
    plan = "".join(pb.action_words(a, config) + "\n" for a in problem.plan)
    return text + f"\n{plan}[PLAN END]\nThe total time to execute the plan is {n} minute{'s' if n != 1 else ''}.\n"


def planbench_prompt(ex: Example, example: Example) -> str:
    """PlanBench's task-2 prompt for ``ex``, after ``example`` (the instance before) solved with its plan."""
    config = pb.config_for(ex.vocab) if ex.vocab is not None else pb.BLOCKSWORLD
    config = config.for_objects(sorted(ex.init.blocks | example.init.blocks))
    if not config.intro_cost:
        raise BwbenchError(f"PlanBench's {config.name} setting states no action costs", field="template")
    shown = planbench_problem(example, example_plan(example))
    return config.intro_cost + planbench_statement(shown, config, True) + \
        planbench_statement(planbench_problem(ex), config, False)


class OptimalTask(PlanTask):
    """A plan at the least cost (PlanBench's task 2): plan generation judged by optimality."""

    name = "optimal"
    summary = "write a plan at the least cost, the costs stated (PlanBench's task 2); judged valid and optimal"
    templates = SHARED_TEMPLATES + (PLANBENCH_TEMPLATE,)
    exportable = ()
    metrics = METRICS
    primary = "optimal"
    lm_eval_metrics = ()
    columns = (Column("optimal", "optimal", per_level=True, interval=True), Column("valid", "valid"),
               Column("ratio", "length ratio"), Column("over_1_2", "+1-2"), Column("over_3_4", "+3-4"),
               Column("over_5_plus", "+5 or more"))
    planbench_columns = ()
    curve = ("optimal", "valid")
    page_intro = ("Optimal: the plan reaches the goal when simulated and is as short as the optimum (every step "
                  "costs one). Valid: it reaches the goal. Length ratio: the optimal length over the plan's, a mean over "
                  "valid plans; +1-2, +3-4, +5 or more: the shares of valid plans that many steps over. Brackets: 95% Wilson intervals.")
    planbench_intro = ""

    def derive(self, record: dict) -> dict:
        """The plan problem asking for the cheapest plan: this task's instruction; the gold plan, optimal, stays."""
        from ..suites.record import with_task

        return {**with_task(record, self.name), "instruction": INSTRUCTION}

    def budget(self, template: str, items: Sequence, chat: bool = False) -> Budget:
        if template == PLANBENCH_TEMPLATE:
            return Budget(PLANBENCH_MAX_NEW_TOKENS, PLANBENCH_STOP)
        return super().budget(template, items, chat)

    def prompt(self, item: Any, config: PromptConfig, shots: Sequence = (), shown: Any = None) -> Query:
        ex = getattr(item, "example", item)
        if config.template == PLANBENCH_TEMPLATE:
            return single_turn(planbench_prompt(ex, getattr(shown, "example", shown)), item, self)
        turns = [(question(getattr(s, "example", s)), self.reference(s)) for s in shots]
        return compose(config.template, question(ex), turns, item, self)

    def shown_items(self, config: PromptConfig, todo: Sequence, split_items: Sequence) -> dict:
        """For PlanBench's prompt: the instance before each item, as task 1's one-shot prompt chooses it."""
        return examples_before(todo, split_items) if config.template == PLANBENCH_TEMPLATE else {}

    def problem(self, item: Any) -> dict:
        fields = dict(item.record())
        return {"id": fields.pop("id"), "task": self.name, **fields}

    def correct(self, judgement: Judgement) -> bool:
        return judgement.optimal


OPTIMAL = OptimalTask()
"""The plan-optimality task."""

__all__ = ["INSTRUCTION", "OPTIMAL", "OptimalTask", "planbench_prompt", "planbench_statement", "question"]
