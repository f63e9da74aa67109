"""Goals as sets of facts: what they mean, what contradicts itself, and one judge for both kinds."""

from __future__ import annotations

import random

import pytest

from bwbench.judging.judge import judge, optimal_length
from bwbench.planning.planner import BwbenchPlanner
from bwbench.world.goal import Goal, level_of, parse_fact
from bwbench.world.simulate import Status, simulate
from bwbench.world.state import Action, Op, State

from ..conftest import random_state

INIT = State.of([("a", "c"), ("b",)])  # c on a; b alone


@pytest.mark.parametrize("facts,why", [
    ([("on", "a", "b"), ("on", "b", "a")], "cycle"),
    ([("on", "a", "c"), ("on", "b", "c")], "cannot both be on c"),
    ([("on", "a", "b"), ("on-table", "a")], "cannot be both on b and on the table"),
    ([("on", "a", "b"), ("clear", "b")], "cannot be clear with a on it"),
    ([("arm-empty",), ("holding", "a")], "cannot be empty and hold a"),
    ([("holding", "a"), ("on", "a", "b")], "held and placed"),
    ([("holding", "a"), ("clear", "a")], "held block is not clear"),
    ([("on", "a", "a")], "on itself"),
    ([("above", "a", "b")], "not a Blocksworld fact"),
])
def test_goals_no_state_satisfies_are_refused(facts, why):
    with pytest.raises(ValueError, match=why):
        Goal.of_facts(facts)


def test_facts_round_trip_through_json_and_read_ipc_names():
    goal = Goal.of_facts([parse_fact("(on b c)"), parse_fact("(ontable c)"), parse_fact("(clear b)"),
                          parse_fact("(handempty)")])
    assert goal.to_json() == ["(on b c)", "(on-table c)", "(clear b)", "(arm-empty)"]
    assert Goal.from_json(goal.to_json()) == goal
    assert goal.n_facts == 4 and goal.blocks == {"b", "c"}


def test_a_partial_goal_lets_the_hand_hold_a_block_unless_it_says_otherwise():
    plan = [Action(Op.UNSTACK, "c", "a"), Action(Op.STACK, "c", "b"), Action(Op.PICK_UP, "a")]
    assert simulate(INIT, Goal.of_facts([("on", "c", "b")]), plan).status is Status.VALID
    verdict = simulate(INIT, Goal.of_facts([("on", "c", "b"), ("arm-empty",)]), plan)
    assert verdict.status is Status.HOLDING_AT_END and verdict.goal_share == 0.5
    verdict = simulate(INIT, Goal.of_facts([("on", "c", "b"), ("on", "b", "a")]), plan)
    assert verdict.status is Status.GOAL_NOT_REACHED and verdict.goal_share == 0.5
    assert "(on b a) does not hold" in verdict.reason


def test_a_goal_of_clear_or_holding_can_end_on_a_pick():
    result = BwbenchPlanner().solve(INIT, Goal.of_facts([("clear", "a")]))
    assert result.plan == (Action(Op.UNSTACK, "c", "a"),) and result.n_optimal == 1
    assert level_of(result.length) == 1
    result = BwbenchPlanner().solve(INIT, Goal.of_facts([("holding", "a")]))
    # c must go somewhere first (the table, or onto b), then a is picked up: two optimal plans.
    assert result.length == 3 and result.n_optimal == 2 and simulate(INIT, Goal.of_facts([("holding", "a")]), result.plan)


def test_a_full_configuration_as_facts_is_judged_as_the_state():
    """The same completion against a State goal and against its facts: the same verdict, share and length."""
    rng = random.Random(3)
    blocks = ["red", "blue", "green", "yellow", "white"]
    for _ in range(60):
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        facts = Goal.of_state(goal)
        assert facts.to_state(init.blocks) == goal
        plan = BwbenchPlanner().solve(init, goal).plan
        cut = rng.randint(0, len(plan))
        text = "\n".join(a.pddl() for a in plan[:cut])
        a, b = judge(init, goal, text), judge(init, facts, text)
        assert (a.status, a.goal_share, a.optimal_len, a.executed) == (b.status, b.goal_share, b.optimal_len, b.executed)
        assert optimal_length(init, goal) == optimal_length(init, facts)


def test_partial_goals_are_judged_by_their_facts_only():
    goal = Goal.of_facts([("on", "b", "c")])
    verdict = judge(INIT, goal, "(pick-up b)\n(stack b c)")
    assert verdict.valid and verdict.optimal and verdict.optimal_len == 2 and verdict.goal_share == 1.0
    longer = "(unstack c a)\n(put-down c)\n(pick-up b)\n(stack b c)"
    assert judge(INIT, goal, longer).valid and not judge(INIT, goal, longer).optimal
    wrong = judge(INIT, goal, "(pick-up c)\n(stack c b)")
    assert wrong.status is Status.INVALID_STEP and wrong.failed_step == 0 and "not on the table" in wrong.reason
