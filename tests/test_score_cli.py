"""`bwbench score` as users run it: the seed's published predictions, bwbench's own format, bad input."""

import json
import re

import pytest

from bwbench.benchmark.state import State
from bwbench.benchmark.text import parse_input

from .conftest import SEED, need_shared, reference_optimal
from .test_cli import bwbench

SEED_RUNS = ["lora_2025-11-17-09-14-09-9bf6.json", "full_2025-11-17-12-42-41-3911.json"]


def _independent_verdict(input_text: str, completion: str) -> tuple[bool, int]:
    """(valid, steps) by a plain simulation of the seed's two verbs on lists of towers, written apart from bwbench."""
    init, goal = parse_input(input_text)
    lines = [ln for ln in completion.strip().split("\n")[1:] if ln.strip()]
    steps = [re.fullmatch(r"step \d+: (?:pick-up (\S+)|stack (\S+) on-top-of (\S+))", ln.strip()) for ln in lines]
    assert all(steps), completion  # the seed's models always wrote the seed's format
    towers, hand = [list(t) for t in init], None
    for m in steps:
        picked, block, dest = m.groups()
        if picked:
            tower = next((t for t in towers if t and t[-1] == picked), None)
            if hand is not None or tower is None:
                return False, len(steps)
            hand = tower.pop()
        else:
            if hand != block:
                return False, len(steps)
            if dest == "table":
                towers.append([block])
            else:
                tower = next((t for t in towers if t and t[-1] == dest), None)
                if tower is None:
                    return False, len(steps)
                tower.append(block)
            hand = None
    final = sorted(tuple(t) for t in towers if t)
    return hand is None and final == sorted(tuple(t) for t in goal), len(steps)


@pytest.mark.slow
@pytest.mark.parametrize("run", SEED_RUNS)
def test_rescoring_the_seeds_published_predictions(run, tmp_path):
    path = SEED / "results" / run
    need_shared(path)
    doc = json.loads(path.read_text())
    r = bwbench("score", path, "--json", "--report", tmp_path / "report.txt")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)["overall"]
    n = len(doc["results"])
    assert got["n"] == n
    # The seed's own exact-match figure, reproduced.
    assert got["exact"] == pytest.approx(doc["metrics"]["exact_match"], abs=1e-6)
    # What the seed never measured: validity and optimality by simulation, checked against an independent count.
    valid = optimal = 0
    for res in doc["results"]:
        ok, length = _independent_verdict(res["input"], res["predicted"])
        if ok:
            valid += 1
            init, goal = (State.of(t) for t in parse_input(res["input"]))
            optimal += length == reference_optimal(init, goal)[0]  # primitive actions
    assert got["count"]["valid"] == valid and got["count"]["optimal"] == optimal
    assert got["count"]["strict_valid"] == valid and got["parse_error"] == 0
    report = (tmp_path / "report.txt").read_text()
    assert f"NOT VALID: {n - valid} of {n}" in report
    assert f"VALID BUT LONGER THAN OPTIMAL: {valid - optimal} of {n}" in report


@pytest.fixture
def suite(tmp_path):
    r = bwbench("generate", "--levels", "L1,L2", "--n", "12", "--blocks", "4-5", "--seed", "7", "--out", tmp_path / "s")
    assert r.returncode == 0, r.stderr
    return [json.loads(ln) for ln in (tmp_path / "s" / "test.jsonl").read_text().splitlines()]


def test_scoring_bwbench_predictions(suite, tmp_path):
    preds = []
    for i, rec in enumerate(suite):
        kind = i % 3
        completion = (rec["output"], "", "\n".join(rec["output"].split("\n")[:-1]))[kind]
        preds.append({"id": rec["id"], "init": rec["init"], "goal": rec["goal"], "output": rec["output"],
                      "optimal_len": rec["optimal_len"], "completion": completion})
    path = tmp_path / "predictions.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in preds))
    r = bwbench("score", path, "--json", "--by", "blocks", "--report", tmp_path / "r.txt")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    good = sum(1 for i in range(len(suite)) if i % 3 == 0)
    assert data["format"] == "bwbench" and data["overall"]["n"] == len(suite)
    assert data["overall"]["count"]["valid"] == good == data["overall"]["count"]["optimal"] == data["overall"]["count"]["exact"]
    assert set(data["by_blocks"]) == {"4", "5"} and "by_level" not in data
    report = (tmp_path / "r.txt").read_text()
    assert f"NOT VALID: {len(suite) - good} of {len(suite)}" in report
    assert "empty — the completion holds no plan" in report and "holding_at_end — the hand still holds" in report
    table = bwbench("score", path)
    assert table.returncode == 0 and "valid and optimal" in table.stdout and "L2" in table.stdout


@pytest.mark.parametrize("content, line, message", [
    ('{"completion": "Plan:"}\n', 1, "no problem"),
    ('{"input": "Init state:\\n<red>\\n\\nGoal state:\\n<red>", "output": "Plan:"}\n', 1, "no 'completion'"),
    ('{"init": [["red"]], "goal": [["red"]], "completion": ""}\n{oops\n', 2, "not valid JSON"),
    ('{"init": [["red"]], "goal": [["red"]], "completion": ""}\n'
     '{"input": "Init state:\\n<red>\\n\\nGoal state:\\n<red>", "predicted": "Plan:"}\n', 2, "mixes formats"),
    ('{"init": [["red"]], "goal": [["red"]], "completion": 3}\n', 1, "completion must be a string"),
    ('{"init": [["red"]], "goal": [["red"]], "completion": "", "optimal_len": 3}\n', 1, "optimal_len"),
    ('{\n  "results": [\n    {"input": "Init state:\\n<red>\\n\\nGoal state:\\n<red>", "predicted": ""},\n'
     '    {"input": "nothing here", "predicted": ""}\n  ]\n}\n', 4, "no 'Init state:'"),
    ('{\n  "results": 3\n}\n', 1, "'results' list"),
    ('{\n  "results": [\n', 3, "neither JSONL predictions nor a JSON document"),
])
def test_bad_prediction_files_name_file_and_line(tmp_path, content, line, message):
    path = tmp_path / "p.jsonl"
    path.write_text(content)
    r = bwbench("score", path)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {path}:{line}"), r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_options_and_missing_files(tmp_path):
    r = bwbench("score", tmp_path / "missing.jsonl")
    assert r.returncode == 2 and "cannot read" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    (tmp_path / "p.jsonl").write_text('{"init": [["red"]], "goal": [["red"]], "completion": ""}\n')
    r = bwbench("score", tmp_path / "p.jsonl", "--by", "colour")
    assert r.returncode == 2 and r.stderr.startswith("error: --by:")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    r = bwbench("score", tmp_path / "empty.jsonl")
    assert r.returncode == 2 and "empty" in r.stderr
