"""``bwbench solve`` on IPC's tower goals at 100 blocks, and ``--count``: how far optimal plans are counted."""

from __future__ import annotations

import json
import random

import pytest

from bwbench.planning import deadlock
from bwbench.planning.moves import encode
from bwbench.world.state import State

from ..conftest import random_state, run_cli


def ipc_problem(init: State, goal: State, name: str = "p") -> str:
    """IPC's packaging: ``ontable``/``handempty``, and the goal's towers as on facts alone (no bottom on the table)."""
    init_facts = ["(handempty)"] + [f"(ontable {b})" if s == "table" else f"(on {b} {s})"
                                    for b, s in sorted(init.below().items())]
    init_facts += [f"(clear {c})" for c in sorted(init.clear())]
    goal_facts = [f"(on {b} {s})" for b, s in sorted(goal.below().items()) if s != "table"]
    return (f"(define (problem {name}) (:domain blocks) (:objects {' '.join(sorted(init.blocks))})\n"
            f"(:init {' '.join(init_facts)})\n(:goal (and {' '.join(goal_facts)})))\n")


@pytest.mark.slow
def test_a_100_block_tower_goal_is_solved_exactly_and_counts_as_asked(tmp_path):
    rng = random.Random(21)
    blocks = [f"b{i:03d}" for i in range(100)]
    order = blocks[:]
    rng.shuffle(order)
    init, goal = random_state(rng, blocks), State.of([order])
    (tmp_path / "p.pddl").write_text(ipc_problem(init, goal))
    steps = 2 * deadlock.state_distance(init, goal)
    r = run_cli("solve", "p.pddl", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    default = json.loads(r.stdout)
    assert default["steps"] == steps and default["optimal_plans"] is None  # not counted beyond 40 blocks
    r = run_cli("solve", "p.pddl", "--json", "--count", "capped", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    capped = json.loads(r.stdout)
    assert capped["steps"] == steps and capped["optimal_plans"] == "3 or more optimal plans"
    r = run_cli("solve", "p.pddl", "--count", "all", cwd=tmp_path)
    assert r.returncode == 2 and "choose one of: none, capped, exact" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_exact_counts_go_past_the_cap(tmp_path):
    """Nine blocks, a configuration: the default stops at three optimal plans, --count exact counts them all."""
    rng = random.Random(9)
    blocks = [f"b{i}" for i in range(9)]
    for _ in range(50):
        init, goal = random_state(rng, blocks), State.of([rng.sample(blocks, 9)])
        if deadlock.count_plans(*encode(init, goal)[1:], cap=4) > 3:
            break
    else:
        raise AssertionError("no problem with more than three optimal plans")
    (tmp_path / "p.pddl").write_text(ipc_problem(init, goal))
    r = run_cli("solve", "p.pddl", "--json", "--count", "exact", cwd=tmp_path)
    exact = json.loads(r.stdout)
    assert exact["n_optimal_plans"] == deadlock.count_plans(*encode(init, goal)[1:])
    r = run_cli("solve", "p.pddl", "--json", cwd=tmp_path)
    capped = json.loads(r.stdout)
    assert capped["optimal_plans"] == "3 or more optimal plans" and capped["n_optimal_plans"] is None
    assert capped["plan"] == exact["plan"]


def test_exact_counts_of_partial_goals_beyond_eight_blocks():
    """A partial goal over 9 blocks: the default stops at three, exact goes on, as far as it asked."""
    from bwbench.planning.partial import count_partial
    from bwbench.planning.planner import BwbenchPlanner
    from bwbench.world.goal import Goal

    rng = random.Random(3)
    blocks = [f"b{i}" for i in range(9)]
    init = random_state(rng, blocks)
    goal = Goal.of_facts([("on", "b0", "b1"), ("on", "b2", "b3")])
    exact = BwbenchPlanner().solve(init, goal, count="exact")
    assert exact.n_optimal == count_partial(init, goal, None) > 3 and not exact.capped
    capped = BwbenchPlanner().solve(init, goal)
    assert capped.plan == exact.plan and capped.capped and capped.n_optimal == 3


@pytest.mark.slow
def test_import_counts_as_asked(tmp_path):
    """bwbench import --count exact records the full count where the default stops at three (null)."""
    rng = random.Random(9)
    blocks = [f"b{i}" for i in range(9)]
    for _ in range(50):
        init, goal = random_state(rng, blocks), State.of([rng.sample(blocks, 9)])
        if deadlock.count_plans(*encode(init, goal)[1:], cap=4) > 3:
            break
    (tmp_path / "probs").mkdir()
    (tmp_path / "probs" / "p1.pddl").write_text(ipc_problem(init, goal))
    exact = deadlock.count_plans(*encode(init, goal)[1:])
    for how, want in ((None, None), ("exact", exact)):
        r = run_cli("import", "probs", "--out", f"s-{how}", *(["--count", how] if how else []), cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        record = json.loads((tmp_path / f"s-{how}" / "test.jsonl").read_text().splitlines()[0])
        assert record["n_optimal_plans"] == want
    r = run_cli("import", "probs", "--out", "s-bad", "--count", "all", cwd=tmp_path)
    assert r.returncode == 2 and "choose one of: none, capped, exact" in r.stderr
