"""Generation at any level and size: the walk sampler, its support, uniqueness by construction, and its errors."""

import json

import numpy as np
import pytest

from bwbench.planning import deadlock
from bwbench.planning.moves import moves
from bwbench.suites.cells import GenerateConfig, palette, suite_cells
from bwbench.suites.dataset import read_examples
from bwbench.suites.directory import write_suite
from bwbench.suites.generate import generate
from bwbench.suites.sampling import walk_away
from bwbench.world.simulate import simulate
from bwbench.world.text import as_actions

from ..conftest import run_cli


def all_states(n: int) -> list[tuple]:
    start = tuple([-1] * n)
    seen, frontier = {start}, [start]
    while frontier:
        frontier = [t for s in frontier for _, t in moves(s) if not (t in seen or seen.add(t))]
    return sorted(seen)


@pytest.mark.parametrize("unique", [False, True])
def test_walks_reach_exactly_the_problems_of_the_level(unique):
    # Support of the stated distribution: every state k moves from the goal (with one optimal plan, for unique)
    # is the end of some walk, and no other state is.
    goal = (-1, 0, -1, 2, 3)  # towers 0-1 and 2-3-4
    k = 3
    level = {s for s in all_states(5) if deadlock.distance(s, goal) == k
             and (not unique or deadlock.count_plans(s, goal, 2) == 1)}
    rng = np.random.default_rng(0)
    reached = set()
    for _ in range(6000):
        s = walk_away(rng, goal, k, unique)
        if s is not None:
            reached.add(s)
    assert reached == level


@pytest.mark.parametrize("level,blocks,ties", [(1, 10, False), (20, 30, False), (30, 40, True)])
def test_levels_far_from_typical_work(tmp_path, level, blocks, ties):
    cells = suite_cells(levels=(level,), n=2, blocks=(blocks,), allow_ties=ties)
    assert all(c.sampler == "walk" for c in cells)
    cfg = GenerateConfig(suite="s", cells=tuple(cells), colors=palette(None, cells))
    man = write_suite(generate(cfg), tmp_path / "suite").to_json()
    examples = list(read_examples(tmp_path / "suite" / "test.jsonl"))  # every claim checked by the planner
    assert len(examples) == 2
    for ex in examples:
        assert ex.optimal_len == 2 * level and len(ex.init.blocks) == blocks
        assert simulate(ex.init, ex.goal, as_actions(ex.init, ex.gold))
        if not ties:
            assert ex.n_optimal == 1 and not ex.count_capped
    assert ("several optimal plans are allowed" in man["semantics"]) == ties
    assert man["cells"][0]["sampler"] == "walk"


def test_walk_output_does_not_depend_on_jobs_and_regenerates_from_its_manifest(tmp_path):
    cells = tuple(suite_cells(levels=(3, 9), n=5, train=4, blocks=(9, 10)))
    cfg = GenerateConfig(suite="s", cells=cells, seed=4, colors=palette(None, cells))
    one = write_suite(generate(cfg, jobs=1), tmp_path / "one").to_json()
    two = write_suite(generate(cfg, jobs=2), tmp_path / "two").to_json()
    again = write_suite(generate(GenerateConfig.from_manifest(one)), tmp_path / "again").to_json()
    assert one == two == again
    for name in one["files"]:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    test = {json.dumps(r["init"]) + json.dumps(r["goal"]) for r in map(json.loads, open(tmp_path / "one" / "test.jsonl"))}
    train = [r for r in map(json.loads, open(tmp_path / "one" / "train.jsonl"))]
    assert not any(json.dumps(r["init"]) + json.dumps(r["goal"]) in test for r in train)
    # Beyond 7 blocks plans are counted up to three: 1, 2, or null for "three or more".
    assert {r["n_optimal_plans"] for r in train} <= {1, 2, None}


def test_published_sizes_keep_the_uniform_sampler():
    assert [c.sampler for c in suite_cells(levels=(1, 3), blocks=(4, 5, 6, 7, 8), n=5)] == (["uniform"] * 4 + ["walk"]) * 2
    assert all(c.sampler == "uniform" for c in suite_cells(preset="standard"))
    assert all(c.describe().keys() == {"split", "level", "n_blocks", "count"} for c in suite_cells(preset="paper"))


@pytest.mark.parametrize("args,option", [
    (["--level", "L20", "--blocks", "10"], "--level"),
    (["--level", "L2", "--blocks", "12", "--colors", "red,blue,green"], "--colors"),
    (["--level", "L2", "--sampler", "exhaustive"], "--sampler"),
    pytest.param(["--level", "L2", "--blocks", "2", "--n", "5", "--colors", "red,blue", "--sampler", "walk"], "--n",
                 marks=pytest.mark.slow),  # a walk cell gives up only after WALK_PATIENCE walks
])
def test_impossible_requests_are_one_line(tmp_path, args, option):
    r = run_cli("generate", *args, "--out", "s", cwd=tmp_path)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and option in lines[0], r.stderr
    assert not (tmp_path / "s").exists()


def test_uniform_sampler_works_beyond_the_search_near_typical_lengths(tmp_path):
    # Beyond 7 blocks the uniform sampler measures candidates with the exact planner instead of the search.
    cells = suite_cells(levels=(14,), n=3, blocks=(12,), sampler="uniform", allow_ties=True)
    cfg = GenerateConfig(suite="u", cells=tuple(cells), seed=2, colors=palette(None, cells))
    write_suite(generate(cfg), tmp_path / "u")
    examples = list(read_examples(tmp_path / "u" / "test.jsonl"))
    assert [ex.optimal_len for ex in examples] == [28] * 3
    assert all(simulate(ex.init, ex.goal, as_actions(ex.init, ex.gold)) for ex in examples)
