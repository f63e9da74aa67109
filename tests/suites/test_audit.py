import json

import pytest

from bwbench.suites.audit import audit
from bwbench.world.simulate import simulate
from bwbench.world.text import parse_plan, parse_problem

from ..conftest import brute_shape, reference_optimal


def _reference(lines, test: bool):
    """The audit's counts, recomputed with the test's own plain search."""
    counts = dict(n=0, invalid_gold=0, suboptimal_gold=0, solved_at_start=0, duplicates=0, nonunique_optimal=0)
    seen = set()
    for rec in lines:
        init, goal = parse_problem(rec["input"])
        key = (init, goal)
        counts["n"] += 1
        counts["duplicates"] += key in seen
        seen.add(key)
        length, n_opt = reference_optimal(init, goal)
        counts["solved_at_start"] += length == 0
        counts["nonunique_optimal"] += test and n_opt > 1
        plan = parse_plan(rec["output"])
        valid = bool(simulate(init, goal, plan))
        counts["invalid_gold"] += not valid
        counts["suboptimal_gold"] += valid and len(plan) > length
    return counts


@pytest.mark.slow
def test_audit_of_the_seed_l3_test_file(seed_data):
    path = seed_data / "blocksworld_L3_test.jsonl"
    got = audit([path]).totals()
    want = _reference([json.loads(x) for x in path.read_text().splitlines()], test=True)
    assert {k: got[k] for k in want} == want
    assert got["suboptimal_gold"] > 0 and got["duplicates"] > 0  # the seed's known flaws are found


@pytest.mark.slow
def test_audit_finds_train_test_overlap(seed_data):
    train = [json.loads(x) for x in (seed_data / "blocksworld_train.jsonl").read_text().splitlines()]
    test = [json.loads(x) for x in (seed_data / "blocksworld_test.jsonl").read_text().splitlines()]
    probs = lambda recs: [parse_problem(r["input"]) for r in recs]  # noqa: E731
    train_exact = set(probs(train))
    train_shapes = {brute_shape(i, g) for i, g in probs(train)}
    want_exact = sum((i, g) in train_exact for i, g in probs(test))
    want_renamed = sum(brute_shape(i, g) in train_shapes for i, g in probs(test))
    got = audit([seed_data / "blocksworld_train.jsonl", seed_data / "blocksworld_test.jsonl"]).totals()
    assert (got["train_test_overlap"], got["train_test_overlap_renamed"]) == (want_exact, want_renamed)
    assert 0 < want_exact < want_renamed


def test_levels_are_computed_not_read(tmp_path):
    # A line claiming a 6-step plan for a 2-step problem: the audit reports level 1.
    line = {
        "input": "Init state:\n<red>\n<blue>\n\nGoal state:\n<red on blue>",
        "output": "Plan:\nstep 1: pick-up red\nstep 2: stack red on-top-of table\n"
                  "step 3: pick-up red\nstep 4: stack red on-top-of table\n"
                  "step 5: pick-up red\nstep 6: stack red on-top-of blue",
    }
    path = tmp_path / "x_test.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    report = audit([path]).to_json()
    assert report["levels"] == {"L1": 2} and report["suboptimal_gold"] == 2 and report["duplicates"] == 1
