"""The search for partial goals beyond breadth-first reach: same plans and counts as the breadth-first search, and PlanBench's hard set."""

from __future__ import annotations

import io
import json
import random
from contextlib import redirect_stdout

import pytest

from bwbench.planning import partial
from bwbench.planning.partial import (
    MAX_BLOCKS,
    TooLarge,
    count_partial,
    solve_partial,
    solve_partial_deepening,
)
from bwbench.planning.planner import get_planner
from bwbench.planning.result import COUNT_CAP, Unsolvable
from bwbench.world import pddl
from bwbench.world.domain import recognise
from bwbench.world.goal import Goal
from bwbench.world.simulate import simulate
from bwbench.world.state import TABLE

from ..conftest import SHARED as SHARED_ROOT
from ..conftest import need_shared, random_state

SHARED = SHARED_ROOT / "planbench-reference" / "instances"
HARD = SHARED / "blocksworld_hard"


def random_goal(rng: random.Random, blocks: list[str]) -> Goal:
    """Some of a random state's facts: positions, clear blocks, and at times a block to hold or an empty hand."""
    target = random_state(rng, blocks)
    below = target.below()
    facts = [("on-table", b) if s == TABLE else ("on", b, s) for b, s in sorted(below.items()) if rng.random() < 0.5]
    facts += [("clear", c) for c in sorted(target.clear()) if rng.random() < 0.3]
    r = rng.random()
    if r < 0.15:
        named = {f[1] for f in facts} | {f[2] for f in facts if f[0] == "on"}
        free = sorted(c for c in target.clear() if c not in named)
        if free:
            facts.append(("holding", rng.choice(free)))
    elif r < 0.25:
        facts.append(("arm-empty",))
    return Goal.of_facts(facts or [("clear", rng.choice(blocks))])


def breadth_first(init, goal, max_len=None):
    """The breadth-first search's answer at any size (solve_partial uses it only up to BREADTH_FIRST_BLOCKS)."""
    names, start, test = partial._problem(init, goal, None)
    path, pick, count = partial._breadth_first(start, test, max_len)
    return partial._result(names, start, path, pick, count, None)


def test_eight_blocks_go_to_the_search_and_count_exactly(monkeypatch):
    """Breadth-first search takes seconds at 8 blocks, the search milliseconds; the count stays exact there."""
    rng = random.Random(8)
    blocks = [f"b{k}" for k in range(8)]
    problems = [(random_state(rng, blocks), random_goal(rng, blocks)) for _ in range(5)]

    def refuse(*args):
        raise AssertionError("breadth-first search at 8 blocks")

    monkeypatch.setattr(partial, "_breadth_first", refuse)
    for init, goal in problems:
        result = solve_partial(init, goal)
        assert simulate(init, goal, result.plan) and not result.capped
        assert count_partial(init, goal, None) == result.n_optimal


@pytest.mark.slow
def test_five_to_eight_blocks_give_the_breadth_first_plans_and_counts():
    """Random partial goals over 5-8 blocks, half of them 8: solve_partial's plan and exact count are breadth-first's."""
    rng = random.Random(58)
    for i in range(40):
        blocks = [f"b{k}" for k in range(8 if i % 2 else rng.randint(5, 7))]
        init, goal = random_state(rng, blocks), random_goal(rng, blocks)
        bfs, ours = breadth_first(init, goal), solve_partial(init, goal)
        assert (ours.plan, ours.n_optimal, ours.capped) == (bfs.plan, bfs.n_optimal, False), (init, goal)


@pytest.mark.slow
def test_the_search_gives_the_breadth_first_plans_and_counts():
    """Random partial goals over 3-8 blocks: the same gold plan and the same number of optimal plans, exact or capped."""
    rng = random.Random(11)
    checked = odd = 0
    for i in range(600):
        blocks = [f"b{k}" for k in range(rng.randint(3, 8 if i % 10 == 0 else 6))]
        init, goal = random_state(rng, blocks), random_goal(rng, blocks)
        bfs = breadth_first(init, goal)
        ours = solve_partial_deepening(init, goal)
        assert (ours.plan, ours.n_optimal) == (bfs.plan, bfs.n_optimal), (init, goal)
        assert simulate(init, goal, ours.plan)
        for cap in (1, 2, 5):
            capped = solve_partial_deepening(init, goal, count_cap=cap)
            assert (capped.plan, capped.n_optimal) == (bfs.plan, min(bfs.n_optimal, cap))
        checked += 1
        odd += bfs.length % 2
    assert checked == 600 and odd > 50  # plans ending on a pick (holding, clear) are among them


def test_length_bounds_agree_with_the_breadth_first_search():
    rng = random.Random(5)
    for _ in range(100):
        blocks = [f"b{k}" for k in range(rng.randint(3, 6))]
        init, goal = random_state(rng, blocks), random_goal(rng, blocks)
        length = solve_partial(init, goal).length
        assert solve_partial_deepening(init, goal, max_len=length) == solve_partial(init, goal, max_len=length)
        if length:
            with pytest.raises(Unsolvable):
                solve_partial_deepening(init, goal, max_len=length - 1)


def test_planbench_small_instances_agree():
    """PlanBench's 3-5 block instances (a sample of each set): the same plans and counts by either search."""
    for problems in ("blocksworld/generated_basic", "blocksworld/generated_basic_3"):
        files = sorted(need_shared(SHARED / problems).glob("instance-*.pddl"))[::10]
        vocab = recognise(pddl.read_problem(files[0], SHARED / "blocksworld" / "generated_domain.pddl"))
        for f in files:
            p = pddl.read_problem_fast(f.read_text(), vocab)
            bfs, ours = solve_partial(p.init, p.goal), solve_partial_deepening(p.init, p.goal)
            assert (ours.plan, ours.n_optimal) == (bfs.plan, bfs.n_optimal), f.name


def _hard() -> list[tuple[str, pddl.PddlProblem, int]]:
    """PlanBench's blocksworld_hard instances, each with the length of PlanBench's plan."""
    base = need_shared(HARD)
    files = sorted((base / "generated").glob("instance-*.pddl"), key=lambda p: int(p.stem.split("-")[1]))
    vocab = recognise(pddl.read_problem(files[0], base / "generated_domain.pddl"))
    info = json.loads((base / "info.json").read_text())
    return [(f.name, pddl.read_problem_fast(f.read_text(), vocab), info[f.name]["length"]) for f in files]


def test_every_hard_instance_is_solved_optimally():
    """All 110 instances of 6-15 blocks: valid plans, never longer than PlanBench's, counted up to the default cap."""
    hard = _hard()
    assert len(hard) == 110 and max(len(p.init.blocks) for _, p, _ in hard) > MAX_BLOCKS
    for name, p, planbench in hard:
        result = solve_partial_deepening(p.init, p.goal, count_cap=COUNT_CAP)
        assert simulate(p.init, p.goal, result.plan), name
        assert result.length <= planbench, name
        assert 1 <= result.n_optimal <= COUNT_CAP


def test_small_hard_instances_agree_with_the_breadth_first_search():
    """The hard set's instances of at most 7 blocks (the breadth-first search takes seconds at 8)."""
    small = [(name, p) for name, p, _ in _hard() if len(p.init.blocks) <= 7]
    assert small
    for name, p in small:
        bfs, ours = solve_partial(p.init, p.goal), solve_partial_deepening(p.init, p.goal)
        assert (ours.plan, ours.n_optimal) == (bfs.plan, bfs.n_optimal), name


@pytest.mark.slow
def test_fast_downward_finds_the_same_lengths_on_hard_instances():
    pytest.importorskip("up_fast_downward")
    fd = get_planner("fast-downward")
    for name, p, _ in [h for h in _hard() if len(h[1].init.blocks) <= 8][:3]:
        with redirect_stdout(io.StringIO()):
            theirs = fd.solve(p.init, p.goal)
        assert theirs.length == solve_partial(p.init, p.goal).length, name


def test_counts_beyond_breadth_first_reach_are_capped():
    """Past MAX_BLOCKS, solve_partial counts up to COUNT_CAP; count_partial up to any cap, or exactly."""
    name, p, _ = min((h for h in _hard() if len(h[1].init.blocks) > MAX_BLOCKS), key=lambda h: h[2])
    exact = count_partial(p.init, p.goal, None)
    assert exact == solve_partial_deepening(p.init, p.goal).n_optimal
    assert solve_partial(p.init, p.goal).n_optimal == min(exact, COUNT_CAP)
    assert exact > 3
    for cap in (1, 2, 3, exact - 1, exact, exact + 1):
        assert count_partial(p.init, p.goal, cap) == min(exact, cap)
        assert solve_partial(p.init, p.goal, count_cap=cap).n_optimal == min(exact, cap)
    rng = random.Random(2)
    blocks = [f"b{k}" for k in range(5)]
    init, goal = random_state(rng, blocks), random_goal(rng, blocks)
    small = solve_partial(init, goal).n_optimal
    assert [count_partial(init, goal, cap) for cap in (None, 1, 3)] == [small, min(small, 1), min(small, 3)]
    with pytest.raises(ValueError, match="at least 1"):
        count_partial(init, goal, 0)


def test_forty_blocks():
    """A partial goal over 40 blocks is solved (a valid plan, its length at least the bound at the start)."""
    rng = random.Random(3)
    blocks = [f"b{k}" for k in range(40)]
    init, goal = random_state(rng, blocks), random_goal(rng, blocks)
    result = solve_partial(init, goal)
    assert simulate(init, goal, result.plan) and 1 <= result.n_optimal <= COUNT_CAP
    assert result.capped == (result.n_optimal == COUNT_CAP)


def test_a_search_that_gives_up_says_so_in_one_line(monkeypatch):
    monkeypatch.setattr(partial, "MAX_STATES", 50)
    name, p, _ = max(_hard(), key=lambda h: h[2])
    with pytest.raises(TooLarge) as info:
        solve_partial(p.init, p.goal)
    message = str(info.value)
    assert "\n" not in message and "gave up after 50 states" in message and "; " in message  # import keeps the part before "; "
