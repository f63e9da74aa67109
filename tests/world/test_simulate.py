import random

import unified_planning.shortcuts as up
from hypothesis import given, settings
from hypothesis import strategies as st

from bwbench.planning.planner import BwbenchPlanner
from bwbench.world import pddl
from bwbench.world.simulate import Status, simulate
from bwbench.world.state import Action, Op, State
from bwbench.world.text import NLStep

from ..conftest import random_state

BLOCKS = ["red", "blue", "green", "yellow", "white", "black"]


def _random_action(rng: random.Random, blocks: list[str]) -> Action:
    op = rng.choice(list(Op))
    b = rng.choice(blocks)
    return Action(op, b, rng.choice(blocks) if op in (Op.STACK, Op.UNSTACK) else None)


def test_verdicts_say_what_failed():
    init = State.of([("green", "blue"), ("red",)])
    goal = State.of([("green",), ("red", "blue")])
    good = [NLStep("pick-up", "blue"), NLStep("stack", "blue", "red")]
    assert simulate(init, goal, good).status is Status.VALID
    bad = simulate(init, goal, [NLStep("pick-up", "green"), NLStep("stack", "green", "red")])
    assert bad.status is Status.INVALID_STEP and bad.failed_step == 0
    assert bad.reason == "step 1 (pick-up green): green is not clear" and not bad
    held = simulate(init, goal, [NLStep("pick-up", "blue")])
    assert held.status is Status.HOLDING_AT_END and held.executed == 1
    short = simulate(init, goal, [NLStep("pick-up", "blue"), NLStep("stack", "blue", "table")])
    assert short.status is Status.GOAL_NOT_REACHED and short.goal_share == 2 / 3
    assert "blue is on the table, the goal puts it on red" in short.reason


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(2, 6), st.integers(0, 12))
def test_simulator_agrees_with_unified_planning(rng, n, length):
    blocks = BLOCKS[:n]
    init, goal = random_state(rng, blocks), random_state(rng, blocks)
    if rng.random() < 0.5:  # half of the plans start as a valid plan and get corrupted
        steps = list(BwbenchPlanner().solve(init, goal).plan)
        if steps:
            i = rng.randrange(len(steps))
            steps[i] = _random_action(rng, blocks)
    else:
        steps = [_random_action(rng, blocks) for _ in range(length)]
    verdict = simulate(init, goal, steps)
    problem = pddl.to_up_problem(init, goal)
    with up.SequentialSimulator(problem=problem) as sim:
        state = sim.get_initial_state()
        failed = None
        for i, a in enumerate(steps):
            args = tuple(problem.object(x) for x in (a.block, a.target) if x is not None)
            act = problem.action(a.op.value)
            if (a.op is Op.STACK and a.block == a.target) or not sim.is_applicable(state, act, args):
                failed = i
                break
            state = sim.apply(state, act, args)
        assert verdict.failed_step == failed
        if failed is None:
            assert bool(verdict) == sim.is_goal(state)
