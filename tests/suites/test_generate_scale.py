"""Generation at any level and size: the walk sampler, its support, uniqueness by construction, and its errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from bwbench.planning import exact
from bwbench.suites import generate as g
from bwbench.planning.moves import moves
from bwbench.suites.dataset import read_examples
from bwbench.world.text import as_actions
from bwbench.world.simulate import simulate


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
    level = {s for s in all_states(5) if exact.distance(s, goal) == k
             and (not unique or exact.count_plans(s, goal, 2) == 1)}
    rng = np.random.default_rng(0)
    reached = set()
    for _ in range(6000):
        s = g.walk_away(rng, goal, k, unique)
        if s is not None:
            reached.add(s)
    assert reached == level


@pytest.mark.parametrize("level,blocks,ties", [(1, 10, False), (20, 30, False), (30, 40, True)])
def test_levels_far_from_typical_work(tmp_path, level, blocks, ties):
    cells = g.suite_cells(level=f"L{level}", n=2, blocks=str(blocks), allow_ties=ties)
    assert all(c.sampler == "walk" for c in cells)
    cfg = g.GenerateConfig(suite="s", cells=tuple(cells), colors=g.parse_colors(None, cells))
    man = g.write_suite(g.generate(cfg), tmp_path / "suite")
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
    cells = tuple(g.suite_cells(levels="L3,L9", n=5, train=4, blocks="9-10"))
    cfg = g.GenerateConfig(suite="s", cells=cells, seed=4, colors=g.parse_colors(None, cells))
    one = g.write_suite(g.generate(cfg, jobs=1), tmp_path / "one")
    two = g.write_suite(g.generate(cfg, jobs=2), tmp_path / "two")
    again = g.write_suite(g.generate(g.GenerateConfig.from_manifest(one)), tmp_path / "again")
    assert one == two == again
    for name in one["files"]:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    test = {json.dumps(r["init"]) + json.dumps(r["goal"]) for r in map(json.loads, open(tmp_path / "one" / "test.jsonl"))}
    train = [r for r in map(json.loads, open(tmp_path / "one" / "train.jsonl"))]
    assert not any(json.dumps(r["init"]) + json.dumps(r["goal"]) in test for r in train)
    # Beyond 7 blocks plans are counted up to three: 1, 2, or null for "three or more".
    assert {r["n_optimal_plans"] for r in train} <= {1, 2, None}


def test_published_sizes_keep_the_uniform_sampler():
    assert [c.sampler for c in g.suite_cells(levels="L1,L3", blocks="4-8", n=5)] == (["uniform"] * 4 + ["walk"]) * 2
    assert all(c.sampler == "uniform" for c in g.suite_cells(preset="standard"))
    assert all(c.describe().keys() == {"split", "level", "n_blocks", "count"} for c in g.suite_cells(preset="paper"))


def bwbench(*args, cwd):
    return subprocess.run([sys.executable, "-m", "bwbench", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("args,option", [
    (["--level", "L20", "--blocks", "10"], "--level"),
    (["--level", "L2", "--blocks", "12", "--colors", "red,blue,green"], "--colors"),
    (["--level", "L2", "--sampler", "exhaustive"], "--sampler"),
    (["--level", "L2", "--blocks", "2", "--n", "5", "--colors", "red,blue", "--sampler", "walk"], "--n"),
])
def test_impossible_requests_are_one_line(tmp_path, args, option):
    r = bwbench("generate", *args, "--out", "s", cwd=tmp_path)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and option in lines[0], r.stderr
    assert not (tmp_path / "s").exists()


def test_uniform_sampler_works_beyond_the_search_near_typical_lengths(tmp_path):
    # Beyond 7 blocks the uniform sampler measures candidates with the exact planner instead of the search.
    cells = g.suite_cells(level="L14", n=3, blocks="12", sampler="uniform", allow_ties=True)
    cfg = g.GenerateConfig(suite="u", cells=tuple(cells), seed=2, colors=g.parse_colors(None, cells))
    g.write_suite(g.generate(cfg), tmp_path / "u")
    examples = list(read_examples(tmp_path / "u" / "test.jsonl"))
    assert [ex.optimal_len for ex in examples] == [28] * 3
    assert all(simulate(ex.init, ex.goal, as_actions(ex.init, ex.gold)) for ex in examples)
