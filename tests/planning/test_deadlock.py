"""The exact planner for full goals (deadlock analysis) against the bidirectional search, brute force and Fast Downward."""

import itertools
import random

import numpy as np
import pytest

from bwbench.planning import deadlock, fvs
from bwbench.planning.moves import decode, misplaced, moves_to_actions
from bwbench.planning.planner import SEARCH_BLOCKS, BwbenchPlanner, get_planner, optimal
from bwbench.planning.result import COUNT_CAP
from bwbench.planning.search import distance_and_count, first_optimal_moves
from bwbench.suites.sampling import sample_states
from bwbench.world.simulate import simulate


def pairs(seed: int, n: int, size: int, max_towers: int | None = None):
    rng = np.random.default_rng(seed)
    a_all = sample_states(rng, n, size, max_towers)
    g_all = sample_states(rng, n, size, max_towers)
    return [(tuple(a.tolist()), tuple(g.tolist())) for a, g in zip(a_all, g_all)]


@pytest.mark.parametrize("n,size,max_towers", [
    (2, 100, None), (3, 300, None), (4, 400, None), (5, 400, None), (6, 400, None), (7, 300, None),
    (6, 300, 2), (7, 200, 2),  # tall towers: more deadlocks, more detours
    (8, 120, None), (8, 60, 3),
])
def test_agrees_with_the_search_on_length_count_and_gold_plan(n, size, max_towers):
    for a, g in pairs(n * 100 + (max_towers or 0), n, size, max_towers):
        moves, count = distance_and_count(a, g)
        assert deadlock.distance(a, g) == moves, (a, g)
        assert deadlock.count_plans(a, g) == count, (a, g)
        assert deadlock.count_plans(a, g, cap=2) == min(count, 2), (a, g)
        assert deadlock.first_moves(a, g) == first_optimal_moves(a, g, moves), (a, g)


def test_agrees_with_the_search_at_nine_blocks():
    for a, g in pairs(9, 9, 40):
        moves, count = distance_and_count(a, g)
        assert deadlock.distance(a, g) == moves
        assert deadlock.count_plans(a, g, cap=COUNT_CAP) == min(count, COUNT_CAP)


def brute_force_fvs(succ: dict[int, int]) -> int:
    nodes = sorted(succ)
    for k in range(len(nodes) + 1):
        for removed in itertools.combinations(nodes, k):
            keep = [v for v in nodes if v not in removed]
            if _acyclic(succ, set(keep)):
                return k
    raise AssertionError("unreachable")


def _acyclic(succ: dict[int, int], keep: set[int]) -> bool:
    indeg = {v: 0 for v in keep}
    for v in keep:
        for w in keep:
            if succ[v] >> w & 1:
                indeg[w] += 1
    ready = [v for v in keep if indeg[v] == 0]
    seen = 0
    while ready:
        v = ready.pop()
        seen += 1
        for w in keep:
            if succ[v] >> w & 1:
                indeg[w] -= 1
                if indeg[w] == 0:
                    ready.append(w)
    return seen == len(keep)


def test_minimum_feedback_vertex_set_matches_brute_force():
    rng = random.Random(3)
    for _ in range(400):
        n = rng.randint(1, 9)
        p = rng.choice([0.15, 0.3, 0.5])
        succ = {v: sum(1 << w for w in range(n) if rng.random() < p) for v in range(n)}
        assert fvs.minimum_size(succ) == brute_force_fvs(succ), succ


@pytest.mark.parametrize("n", [20, 40, 60])
def test_large_problems_get_valid_plans_of_the_computed_length(n):
    names = [f"b{i:02d}" for i in range(n)]
    for a, g in pairs(n, n, 8):
        d = deadlock.distance(a, g)
        path = deadlock.first_moves(a, g)
        assert len(path) == d >= misplaced(a, g)
        init, goal = decode(a, names), decode(g, names)
        plan = moves_to_actions(a, path, names)
        assert simulate(init, goal, plan)
        # No shorter plan: every move of the plan lowers the distance by exactly one.
        s = a
        for left, (x, dest) in zip(range(d, 0, -1), path):
            assert deadlock.distance(s, g) == left
            s = s[:x] + (dest,) + s[x + 1:]
        assert s == g


def test_planner_uses_it_beyond_the_search_and_caps_the_count():
    names = [f"b{i:02d}" for i in range(SEARCH_BLOCKS + 3)]
    (a, g), = pairs(11, len(names), 1)
    init, goal = decode(a, names), decode(g, names)
    result = BwbenchPlanner().solve(init, goal)
    best = optimal(init, goal)
    assert simulate(init, goal, result.plan) and result.length == best.length == 2 * deadlock.distance(a, g)
    true = deadlock.count_plans(a, g)
    assert result.n_optimal == best.n_optimal == min(true, COUNT_CAP)
    assert result.capped == best.capped == (true >= COUNT_CAP)
    assert optimal(init, goal, count_cap=true + 1) == type(best)(best.length, true, False)


@pytest.mark.slow
def test_agrees_with_fast_downward_at_ten_blocks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Fast Downward writes its translation (output.sas) to the working directory
    fd = get_planner("fast-downward")
    names = [f"b{i}" for i in range(10)]
    for a, g in pairs(10, 10, 3, max_towers=4):
        init, goal = decode(a, names), decode(g, names)
        theirs = fd.solve(init, goal)
        assert simulate(init, goal, theirs.plan)
        assert theirs.length == 2 * deadlock.distance(a, g)
