"""Two models that need no weights: the planner (a ceiling) and random answers (a floor), for every task.

Each answers through the task of its query (:meth:`bwbench.tasks.base.Task.reference`
and :meth:`~bwbench.tasks.base.Task.random_answer`), so every task has both.
"""

from __future__ import annotations

import random
from typing import Sequence

from .base import Completion, GenerationConfig, Query, sample_seed


class PlannerModel:
    """The task's perfect answer (for plan generation, the optimal plan in the seed's format): every figure 100%."""

    name = "planner"

    def __init__(self, spec: str = "planner"):
        self.spec = spec

    def settings(self) -> dict:
        return {"planner": "bwbench (optimal, bidirectional search)"}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[Completion]]:
        return [[Completion(q.task.reference(q.item), "eos")] * gen.samples for q in queries]


class RandomModel:
    """A random answer of the task's form (for plan generation, random legal actions, as many as the optimal plan
    has steps): a floor every model should beat."""

    name = "random"

    def __init__(self, spec: str = "random"):
        self.spec = spec

    def settings(self) -> dict:
        return {"policy": "uniform over applicable actions; as many steps as the optimal plan"}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[Completion]]:
        # One stream per problem and sample, keyed on the problem's id (its prompt where it has none), so that
        # an answer does not depend on batching, resuming, or the template it was asked in.
        return [[Completion(q.task.random_answer(q.item, random.Random(sample_seed(gen.seed, _key(q), k))), "eos")
                 for k in range(gen.samples)] for q in queries]


def _key(q: Query) -> str:
    return q.id if q.id is not None else q.text or repr(q.messages)
