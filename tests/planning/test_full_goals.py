"""Goal facts that fix a configuration, however they spell it, against brute force; they go to the full-goal planner."""

from __future__ import annotations

import itertools
import random

import pytest

from bwbench.planning.planner import (
    BwbenchPlanner,
    configuration,
    default_count,
    optimal,
)
from bwbench.world.goal import Goal
from bwbench.world.simulate import simulate
from bwbench.world.state import State

from ..conftest import _succ, random_state, reference_optimal


def all_states(blocks: list[str]) -> list[tuple[frozenset, str | None]]:
    """Every state of ``blocks``, the held block's included, as the reference successors reach them."""
    start = (frozenset((b,) for b in blocks), None)
    seen, todo = {start}, [start]
    while todo:
        for t in _succ(todo.pop()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return sorted(seen, key=repr)


def holds(fact: tuple, state: tuple[frozenset, str | None]) -> bool:
    """A fact in a state, read straight from its towers (bottom first)."""
    towers, hand = state
    if fact[0] == "on":
        return any(t[i + 1] == fact[1] and t[i] == fact[2] for t in towers for i in range(len(t) - 1))
    if fact[0] == "on-table":
        return any(t[0] == fact[1] for t in towers)
    if fact[0] == "clear":
        return any(t[-1] == fact[1] for t in towers)
    if fact[0] == "arm-empty":
        return hand is None
    return hand == fact[1]


def facts_of(state: tuple[frozenset, str | None]) -> list[tuple]:
    towers, hand = state
    out = [("on-table", t[0]) for t in towers] + [("on", t[i + 1], t[i]) for t in towers for i in range(len(t) - 1)]
    out += [("clear", t[-1]) for t in towers]
    return out + ([("arm-empty",)] if hand is None else [("holding", hand)])


def check(goal_facts: list[tuple], blocks: list[str], states) -> bool:
    """Whether ``to_state`` says what brute force says: the one satisfying state, or None when there are more."""
    goal = Goal.of_facts(goal_facts)
    sat = [s for s in states if all(holds(f, s) for f in goal_facts)]
    got = goal.to_state(blocks)
    if len(sat) == 1 and sat[0][1] is None:
        assert got is not None and got.towers == sat[0][0], (goal_facts, sat)
        return True
    assert got is None, (goal_facts, got, sat[:3])
    return False


def test_every_goal_of_up_to_three_blocks_against_brute_force():
    """Every subset of every state's facts, 1-3 blocks: the configuration exactly when one state satisfies it."""
    fixed = 0
    for n in (1, 2, 3):
        blocks = [f"b{i}" for i in range(n)]
        states = all_states(blocks)
        goals = {frozenset(sub) for s in states for k in range(len(facts_of(s)) + 1)
                 for sub in itertools.combinations(facts_of(s), k)}
        for goal in sorted(goals, key=sorted):
            fixed += check(sorted(goal), blocks, states)
    assert fixed > 100


@pytest.mark.parametrize("n", [4, 5])
def test_random_goals_of_four_and_five_blocks_against_brute_force(n):
    """Random subsets of a state's facts, with IPC's towers (every on fact, no on-table) among them."""
    rng = random.Random(n)
    blocks = [f"b{i}" for i in range(n)]
    states = all_states(blocks)
    fixed = 0
    for i in range(400):
        facts = facts_of(rng.choice(states))
        if i % 2:
            sub = [f for f in facts if f[0] == "on" or (f[0] == "clear" and rng.random() < 0.5)]
        else:
            sub = [f for f in facts if rng.random() < 0.6]
        fixed += check(sub, blocks, states)
    assert fixed > 40


def ipc_tower_goal(target: State) -> Goal:
    """IPC's way: the on facts of the goal towers, no on-table for their bottoms."""
    return Goal.of_facts(("on", b, s) for b, s in target.below().items() if s != "table")


def test_a_single_tower_without_on_table_is_a_configuration():
    goal = Goal.of_facts([("on", "a", "b"), ("on", "b", "c")])
    assert goal.to_state({"a", "b", "c"}) == State.of([["c", "b", "a"]])
    assert goal.to_state({"a", "b", "c", "d"}) is None  # c may stand on d
    assert Goal.of_facts([("on", "a", "b"), ("clear", "c")]).to_state({"a", "b", "c"}) is None  # c may be held
    assert Goal.of_facts([("on", "a", "b"), ("clear", "c"), ("arm-empty",)]).to_state({"a", "b", "c"}) is None  # c on a
    assert Goal.of_facts([("on", "a", "b"), ("clear", "a"), ("clear", "c"), ("arm-empty",)]).to_state(
        {"a", "b", "c"}) == State.of([["b", "a"], ["c"]])


@pytest.mark.parametrize("n", [3, 4, 5])
def test_determined_goals_are_solved_as_configurations(n):
    """The full-goal planner's plan and count, which brute force confirms, and no partial search on the way."""
    rng = random.Random(40 + n)
    blocks = [f"b{i}" for i in range(n)]
    for _ in range(30):
        order = blocks[:]
        rng.shuffle(order)
        init, target = random_state(rng, blocks), State.of([order])  # one tower: determined by its on facts
        goal = ipc_tower_goal(target)
        assert configuration(init, goal) == target
        result = BwbenchPlanner().solve(init, goal)
        assert simulate(init, goal, result.plan)
        assert (result.length, result.n_optimal) == reference_optimal(init, target)
        assert result == BwbenchPlanner().solve(init, target)


def test_ipc_tower_goals_of_100_blocks_skip_the_partial_search(monkeypatch):
    """Two towers of 50, each top clear: every block's place is fixed, so the exact planner answers at once."""
    rng = random.Random(100)
    blocks = [f"b{i:03d}" for i in range(100)]
    order = blocks[:]
    rng.shuffle(order)
    target = State.of([order[:50], order[50:]])
    goal = Goal.of_facts([*ipc_tower_goal(target).facts(), ("clear", order[49]), ("clear", order[99])])
    init = random_state(rng, blocks)

    def refuse(*args, **kwargs):
        raise AssertionError("a configuration went to the search for partial goals")

    monkeypatch.setattr("bwbench.planning.planner.solve_partial", refuse)
    result = BwbenchPlanner().solve(init, goal)
    assert simulate(init, goal, result.plan)
    assert result.length == optimal(init, target).length
    assert default_count(init, goal) == "none" and result.n_optimal is None  # beyond COUNT_BLOCKS: not counted
    counted = BwbenchPlanner().solve(init, goal, count="capped")
    assert counted.length == result.length and counted.n_optimal is not None


@pytest.mark.parametrize("n", [3, 6, 9, 12])
def test_uncounted_plans_of_large_goals_are_optimal(n):
    """detours.plan, which large uncounted goals get: valid, and as long as the deadlock distance says, in tall
    towers and one-tower goals alike."""
    from bwbench.planning import deadlock, detours
    from bwbench.planning.moves import encode, moves_to_actions

    rng = random.Random(n)
    blocks = [f"b{i}" for i in range(n)]
    for k in range(150):
        init = State.of([blocks[:]]) if k % 7 == 0 else random_state(rng, blocks)
        goal = State.of([rng.sample(blocks, n)]) if k % 2 else random_state(rng, blocks)
        names, s, g = encode(init, goal)
        path = detours.plan(s, g)
        assert simulate(init, goal, moves_to_actions(s, path, names)) and len(path) == deadlock.distance(s, g)


def test_a_500_block_tower_goal_is_planned_optimally():
    """IPC's largest sizes: one tower of 500 blocks as on facts alone, from tall random towers; valid and optimal."""
    from bwbench.planning import deadlock

    rng = random.Random(500)
    blocks = [f"b{i:03d}" for i in range(500)]
    order = blocks[:]
    rng.shuffle(order)
    init = State.of([order[i:i + 25] for i in range(0, 500, 25)])
    rng.shuffle(order)
    target = State.of([order])
    goal = ipc_tower_goal(target)
    result = BwbenchPlanner().solve(init, goal)
    assert result.n_optimal is None and simulate(init, goal, result.plan)
    assert result.length == 2 * deadlock.state_distance(init, target)
