import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bwbench.suites.importing import render_input_facts
from bwbench.world.goal import Goal
from bwbench.world.state import State
from bwbench.world.text import (
    check_names,
    parse_input,
    parse_plan,
    render_input,
    render_plan,
    stated_problem,
)

from ..conftest import random_state


def test_seed_lines_render_back_byte_for_byte(seed_data):
    for path in sorted(seed_data.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            init, goal = parse_input(rec["input"])
            assert render_input(init, goal) == rec["input"]
            assert render_plan(parse_plan(rec["output"])) == rec["output"]


def test_towers_read_top_first():
    init, goal = parse_input("Init state:\n<blue on green on yellow>\n<red>\n\nGoal state:\n<red on blue>\n<green>\n<yellow>")
    assert State.of(init) == State.of([("yellow", "green", "blue"), ("red",)])
    assert goal[0] == ("blue", "red")


@given(st.randoms(use_true_random=False), st.integers(1, 7))
def test_render_parse_round_trip(rng, n):
    blocks = ["red", "blue", "green", "yellow", "white", "black", "gray"][:n]
    a, b = random_state(rng, blocks), random_state(rng, blocks)
    init, goal = parse_input(render_input(a.sorted_towers(), b.sorted_towers()))
    assert State.of(init) == a and State.of(goal) == b


def test_goal_facts_read_back_as_written():
    init = State.of([("a", "b"), ("c",), ("d",)])
    for facts in (["(on c b)"], ["(on-table a)", "(clear d)", "(arm-empty)"], ["(holding c)", "(on a d)"]):
        goal = Goal.from_json(facts)
        towers, said = stated_problem(render_input_facts(init, goal))
        assert State.of(towers) == init and said == goal


def test_only_bwbench_wording_is_read_as_a_problem():
    assert stated_problem("[STATEMENT]\nAs initial conditions I have that, the red block is clear") is None
    with pytest.raises(ValueError, match="not a goal fact"):
        stated_problem("Init state:\n<a>\n\nGoal (these facts must hold at the end):\na under b")


def test_names_that_plans_can_name():
    check_names(["red", "light-blue", "b_2", "a", "L3", "é"])
    for bad in (["red block"], ["a.b"], ["-a"], ["a-"], ["a--b"], ["TABLE"], ["x", "X"], [""]):
        with pytest.raises(ValueError):
            check_names(bad)
