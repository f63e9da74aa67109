import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwbench.planning.moves import encode, misplaced
from bwbench.planning.planner import BwbenchPlanner, get_planner
from bwbench.world.simulate import simulate
from bwbench.world.state import State

from ..conftest import random_state, reference_optimal

COLORS = ["c%d" % i for i in range(10)]


def test_counts_optimal_plans_like_a_plain_search():
    rng = random.Random(1)
    for _ in range(150):
        blocks = COLORS[: rng.randint(2, 5)]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        result = BwbenchPlanner().solve(init, goal)
        assert (result.length, result.n_optimal) == reference_optimal(init, goal)
        assert simulate(init, goal, result.plan)


def test_misplaced_is_a_lower_bound():
    rng = random.Random(2)
    for _ in range(200):
        blocks = COLORS[: rng.randint(2, 6)]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        _, s, g = encode(init, goal)
        assert 2 * misplaced(s, g) <= BwbenchPlanner().solve(init, goal).length


def test_gold_plan_is_the_first_optimal_plan_in_move_order():
    # Two optimal plans: move red or blue first; the block that sorts first goes first.
    init = State.of([("red",), ("blue",), ("green",), ("yellow",)])
    goal = State.of([("green", "red"), ("yellow", "blue")])
    result = BwbenchPlanner().solve(init, goal)
    assert result.n_optimal == 2
    assert [a.pddl() for a in result.plan] == [
        "(pick-up blue)", "(stack blue yellow)", "(pick-up red)", "(stack red green)"
    ]
    init = State.of([("a",), ("b",), ("x", "y")])
    goal = State.of([("x", "a"), ("y", "b")])
    result = BwbenchPlanner().solve(init, goal)
    assert result.n_optimal == reference_optimal(init, goal)[1]


@pytest.mark.slow
def test_optimal_lengths_agree_with_pyperplan_on_200_problems():
    """Including 8-10 block problems: pyperplan's optimal configuration (A* + LM-cut)."""
    rng = random.Random(3)
    pyperplan = get_planner("pyperplan")
    ours = BwbenchPlanner()
    sizes = [rng.randint(3, 7) for _ in range(170)] + [8] * 10 + [9] * 10 + [10] * 10
    for n in sizes:
        blocks = COLORS[:n]
        init = random_state(rng, blocks)
        goal = random_state(rng, blocks) if n <= 7 else _nearby(rng, init, rng.randint(2, 5))
        mine = ours.solve(init, goal)
        theirs = pyperplan.solve(init, goal)
        assert mine.length == theirs.length, (init, goal)
        assert simulate(init, goal, mine.plan) and simulate(init, goal, theirs.plan)


def _nearby(rng, state: State, moves: int) -> State:
    # Large problems a few random moves apart, so A* with LM-cut finishes quickly.
    for _ in range(moves):
        towers = [list(t) for t in state.towers]
        src = rng.choice(towers)
        block = src.pop()
        towers = [t for t in towers if t]
        dests = [t for t in towers if t is not src]
        if dests and rng.random() < 0.7:
            rng.choice(dests).append(block)
        else:
            towers.append([block])
        state = State.of(towers)
    return state


def test_fast_downward_agrees_where_installed():
    pytest.importorskip("up_fast_downward")
    rng = random.Random(4)
    fd = get_planner("fast-downward")
    for _ in range(10):
        blocks = COLORS[: rng.randint(3, 6)]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        assert fd.solve(init, goal).length == BwbenchPlanner().solve(init, goal).length


def test_unknown_planner_names_the_choices():
    with pytest.raises(ValueError, match="bwbench, pyperplan, fast-downward"):
        get_planner("pyperplna")


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 7))
def test_planner_plans_always_validate(rng, n):
    blocks = COLORS[:n]
    init, goal = random_state(rng, blocks), random_state(rng, blocks)
    result = BwbenchPlanner().solve(init, goal)
    verdict = simulate(init, goal, result.plan)
    assert verdict, verdict.reason
    assert result.n_optimal >= 1
