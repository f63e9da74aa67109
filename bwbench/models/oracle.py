"""Two models that need no weights: the planner (a ceiling) and random answers (a floor), for every task.

Each answers through the task of its query (:meth:`bwbench.tasks.base.Task.reference`
and :meth:`~bwbench.tasks.base.Task.random_answer`), so every task has both.
"""

from __future__ import annotations

import random
from typing import Sequence

from .base import GenerationConfig, Query


class PlannerModel:
    """The task's perfect answer (for plan generation, the optimal plan in the seed's format): every figure 100%."""

    name = "planner"

    def __init__(self, spec: str = "planner"):
        self.spec = spec

    def settings(self) -> dict:
        return {"planner": "bwbench (optimal, bidirectional search)"}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[str]]:
        return [[q.task.reference(q.item)] * gen.samples for q in queries]


class RandomModel:
    """A random answer of the task's form (for plan generation, random legal actions, as many as the optimal plan
    has steps): a floor every model should beat."""

    name = "random"

    def __init__(self, spec: str = "random"):
        self.spec = spec

    def settings(self) -> dict:
        return {"policy": "uniform over applicable actions; as many steps as the optimal plan"}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[str]]:
        out = []
        for q in queries:
            # One stream per query and sample, so results do not depend on batching or resuming.
            key = f"{gen.seed}:{q.text}"
            out.append([q.task.random_answer(q.item, random.Random(f"{key}:{k}")) for k in range(gen.samples)])
        return out
