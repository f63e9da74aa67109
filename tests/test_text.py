import json

from hypothesis import given
from hypothesis import strategies as st

from bwbench.benchmark.state import State
from bwbench.benchmark.text import parse_input, parse_plan, render_input, render_plan

from .conftest import random_state


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
