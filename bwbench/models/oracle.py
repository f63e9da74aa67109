"""Two adapters that need no model: the optimal planner (a ceiling) and random legal actions (a floor)."""

from __future__ import annotations

import random
from typing import Sequence

from ..judging.judge import optimal_length
from ..planning.planner import BwbenchPlanner
from ..world.state import Action, Op, State
from ..world.text import render_plan
from .base import GenerationConfig, Query


class PlannerAdapter:
    """The optimal plan, rendered in the seed's format: every judge figure should read 100%."""

    name = "planner"

    def __init__(self, spec: str = "planner"):
        self.spec = spec
        self._planner = BwbenchPlanner()

    def settings(self) -> dict:
        return {"planner": "bwbench (optimal, bidirectional search)"}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[str]]:
        out = []
        for q in queries:
            plan = self._planner.solve(q.example.init, q.example.goal).plan
            out.append([render_plan(plan)] * gen.samples)
        return out


class RandomAdapter:
    """Random legal actions, as many as the optimal plan has steps: a floor every model should beat."""

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
            length = optimal_length(q.example.init, q.example.goal)
            out.append([render_plan(_walk(q.example.init, length, random.Random(f"{key}:{k}")))
                        for k in range(gen.samples)])
        return out


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
