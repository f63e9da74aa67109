"""The optimal task (PlanBench's task 2): its cost-gap figures, PlanBench's prompt byte for byte and GPT-4's answers
rescored, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bwbench.interop.planbench_optimal import difference, score_optimal_file
from bwbench.interop.planbench_rescore import load_suite
from bwbench.judging.judge import judge
from bwbench.judging.metrics import aggregate
from bwbench.tasks.optimal import OPTIMAL
from bwbench.world.planbench import BLOCKSWORLD
from bwbench.world.state import State
from tests.conftest import run_cli

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "planbench-reference" / "tasks"
T2 = SHARED / "plan-bench" / "results" / "blocksworld" / "gpt-4_chat" / "task_2_plan_optimality.json"
CONFIG = SHARED / "plan-bench" / "configs" / "blocksworld.yaml"


@pytest.mark.skipif(not CONFIG.exists(), reason="PlanBench's configs are not here")
def test_the_rules_with_costs_are_planbenchs():
    import yaml

    assert BLOCKSWORLD.intro_cost == yaml.safe_load(CONFIG.read_text())["domain_intro_cost"]


def test_the_cost_gap_is_counted_over_valid_plans():
    init, goal = State.of([["a", "b"], ["c"]]), State.of([["a"], ["c", "b"]])  # move b from a to c: 2 steps
    detour = ["pick-up b", "stack b on-top-of table"]
    plans = {0: ["pick-up b", "stack b on-top-of c"], 2: detour + ["pick-up b", "stack b on-top-of c"],
             4: detour * 2 + ["pick-up b", "stack b on-top-of c"]}
    judged = [judge(init, goal, render(steps), None, 2) for steps in plans.values()]
    judged.append(judge(init, goal, "Plan:\nstep 1: stack b on-top-of c", None, 2))  # not valid: no gap
    assert [j.plan_len - j.optimal_len for j in judged[:3]] == list(plans) and not judged[3].valid
    card = aggregate(judged, metrics=OPTIMAL.metrics).overall.tallies
    assert card["optimal"].value == 1 / 4 and card["valid"].value == 3 / 4
    assert card["ratio"].value == pytest.approx((2 / 2 + 2 / 4 + 2 / 6) / 3)  # over the valid plans only
    assert card["over_1_2"].value == 1 / 3 and card["over_3_4"].value == 1 / 3 and card["over_5_plus"].value == 0.0


def render(steps: list[str]) -> str:
    return "Plan:\n" + "\n".join(f"step {i}: {s}" for i, s in enumerate(steps, 1))


@pytest.mark.skipif(not T2.exists(), reason="PlanBench's published files are not here")
def test_planbench_task2_prompts_are_its_queries_and_differences_are_named(tmp_path):
    score = score_optimal_file(T2, load_suite("data/planbench-bw"))
    assert score.exact == len(score.rows) > 400
    doc = {e["instance_id"]: e for e in json.loads(T2.read_text())["instances"]}
    for r in score.rows:
        if r.disagrees("optimal"):
            kind = difference(r)
            assert "other lengths" not in kind and "keeps no" not in kind, (r.instance_id, kind)
            assert r.judgement.optimal and not r.planbench_parsed.valid
        # where PlanBench counted a valid plan's cost, it is the length bwbench reads
        e = doc[r.instance_id]
        if "actual_cost_of_llm_plan" in e and r.judgement.valid:
            assert e["actual_cost_of_llm_plan"] == r.judgement.plan_len
    done = run_cli("score", T2, "--suite", "data/planbench-bw", "--json")
    out = json.loads(done.stdout)
    other = run_cli("score", T2, "--suite", "data/planbench-mystery", "--json")  # another suite's problems
    assert other.returncode == 2 and "another suite" in other.stderr and not other.stdout
    assert out["task"] == "optimal" and out["planbench_correct"] == sum(e["llm_correct"] for e in doc.values())


def test_generate_eval_score(tmp_path):
    suite = tmp_path / "o"
    done = run_cli("generate", "--task", "optimal", "--level", "L3", "--n", "6", "--blocks", "5", "--out", suite)
    assert done.returncode == 0, done.stderr
    for model in ("planner", "random"):
        done = run_cli("eval", "--model", model, "--suite", suite, "--out", tmp_path / model)
        assert done.returncode == 0, done.stderr
    planner = json.loads((tmp_path / "planner" / "results.json").read_text())
    assert planner["task"] == "optimal" and planner["metrics"]["overall"]["correct"] == 1.0
    assert planner["metrics"]["overall"]["ratio"] == 1.0
    scored = json.loads(run_cli("score", tmp_path / "random" / "predictions.jsonl", "--json").stdout)
    run = json.loads((tmp_path / "random" / "results.json").read_text())
    assert scored["overall"]["correct"] == run["metrics"]["overall"]["correct"]
    derived = tmp_path / "pb"
    assert run_cli("generate", "--task", "optimal", "--from", "data/planbench-bw", "--out", derived).returncode == 0
    done = run_cli("eval", "--model", "planner", "--suite", derived, "--template", "planbench", "--limit", "2",
                   "--out", tmp_path / "pbrun")
    assert done.returncode == 0, done.stderr
    shots = run_cli("eval", "--model", "planner", "--suite", derived, "--template", "planbench", "--shots", "2",
                    "--out", tmp_path / "x")
    assert shots.returncode == 2 and "--shots" in shots.stderr
