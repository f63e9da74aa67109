"""The optimal length alone (without counting plans) is the length the counting searches find."""

from __future__ import annotations

import random

import pytest

from bwbench.planning.planner import optimal, optimal_length
from bwbench.suites.dataset import to_example
from bwbench.world.goal import Goal

from ..conftest import random_state


@pytest.mark.slow
def test_the_length_alone_equals_the_counting_searchs_for_full_and_partial_goals():
    rng = random.Random(3)
    for _ in range(400):
        blocks = [f"b{i}" for i in range(rng.randint(2, 8))]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        assert optimal_length(init, goal) == optimal(init, goal).length
        partial = Goal.of_facts(rng.sample(list(Goal.of_state(goal).facts()), k=min(2, len(blocks))))
        assert optimal_length(init, partial) == optimal(init, partial).length


def test_a_read_example_counts_its_optimal_plans_only_when_asked_and_then_right(tmp_path):
    rng = random.Random(4)
    for _ in range(100):
        blocks = [f"b{i}" for i in range(rng.randint(3, 7))]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        record = {"init": [list(t) for t in init.sorted_towers()], "goal": [list(t) for t in goal.sorted_towers()]}
        ex = to_example(tmp_path / "x.jsonl", 1, record, "x:1")
        assert ex.counted is None  # nothing claimed a count: none was made
        best = optimal(init, goal)
        assert (ex.optimal_len, ex.n_optimal, ex.count_capped) == (best.length, best.n_optimal, best.capped)
        claimed = to_example(tmp_path / "x.jsonl", 1, {**record, "n_optimal_plans": best.n_optimal}, "x:1")
        assert claimed.counted is not None and claimed.n_optimal == best.n_optimal
