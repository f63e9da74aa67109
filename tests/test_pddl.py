import random

import pytest

from bwbench.benchmark import pddl
from bwbench.benchmark.goal import Goal
from bwbench.benchmark.state import State

from .conftest import random_state


def test_states_round_trip_through_pddl_text(tmp_path):
    rng = random.Random(5)
    for i in range(20):
        blocks = ["red", "blue", "green", "yellow", "white", "black", "gray"][: rng.randint(1, 7)]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        path = tmp_path / f"p{i}.pddl"
        path.write_text(pddl.to_pddl(init, goal, f"p{i}"))
        read = pddl.from_up_problem(pddl.read_problem(path))
        assert read.init == init and read.goal.to_state(init.blocks) == goal


def test_domain_is_the_standard_four_operator_one():
    text = pddl.domain_path().read_text()
    for op in ("pick-up", "put-down", "stack", "unstack"):
        assert f"(:action {op}" in text


def test_partial_goals_come_back_as_facts(tmp_path):
    path = tmp_path / "partial.pddl"
    path.write_text(
        "(define (problem p) (:domain blocksworld) (:objects a b c)"
        " (:init (arm-empty) (on-table a) (on-table b) (on c a) (clear b) (clear c))"
        " (:goal (and (on a b))))"
    )
    read = pddl.from_up_problem(pddl.read_problem(path))
    assert read.init == State.of([("a", "c"), ("b",)]) and read.goal == Goal.of_facts([("on", "a", "b")])
    assert read.goal.to_state(read.init.blocks) is None


def test_unreadable_pddl_is_a_value_error(tmp_path):
    path = tmp_path / "bad.pddl"
    path.write_text("(define (problem p) (:domain blocksworld) (:objects a")
    with pytest.raises(ValueError, match="cannot read PDDL"):
        pddl.read_problem(path)
