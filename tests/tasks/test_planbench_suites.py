"""The published suites of PlanBench's tasks 2, 3 and 7 (``data/planbench-bw-<task>``, made with ``--queries``): asked
with ``--template planbench``, every prompt is the query PlanBench published, byte for byte, and the command line
makes them again and refuses what it cannot make."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bwbench.suites.view import load_suite
from bwbench.tasks import get_task
from bwbench.tasks.prompts import PromptConfig
from tests.conftest import run_cli

RESULTS = Path(__file__).resolve().parents[2].parent / "shared" / "planbench-reference" / "tasks" / "plan-bench" / \
    "results" / "blocksworld" / "gpt-4_chat"
FILES = {"optimal": "task_2_plan_optimality.json", "verify": "task_3_plan_verification.json",
         "execute": "task_7_plan_execution.json"}


@pytest.mark.skipif(not RESULTS.exists(), reason="PlanBench's published files are not here")
@pytest.mark.parametrize("task", sorted(FILES))
def test_the_published_suite_asks_planbenchs_queries(task):
    view = load_suite(f"data/planbench-bw-{task}")
    asked, config = get_task(task), PromptConfig("planbench")
    shown = asked.shown_items(config, view.items, view.all_items)
    queries = {f"instance-{e['instance_id']}.pddl": e["query"]
               for e in json.loads((RESULTS / FILES[task]).read_text())["instances"]}
    compared = [(asked.prompt(it, config, (), shown.get(it.id)).text, queries[it.example.record["source"]])
                for it in view.items if it.example.record["source"] in queries]
    assert len(compared) >= 499 and all(a == b for a, b in compared)


@pytest.mark.skipif(not RESULTS.exists(), reason="PlanBench's published files are not here")
def test_queries_make_the_published_suite_again_and_refuse_another_task(tmp_path):
    made = tmp_path / "execute"
    done = run_cli("generate", "--task", "execute", "--from", "data/planbench-bw", "--queries",
                   RESULTS / FILES["execute"], "--out", made)
    assert done.returncode == 0, done.stderr
    assert (made / "test.jsonl").read_bytes() == Path("data/planbench-bw-execute/test.jsonl").read_bytes().replace(
        b'"suite": "planbench-bw-execute"', b'"suite": "execute"')
    wrong = run_cli("generate", "--task", "verify", "--from", "data/planbench-bw", "--queries",
                    RESULTS / FILES["execute"], "--out", tmp_path / "w")
    assert wrong.returncode == 2 and "asks execute, not verify" in wrong.stderr and not (tmp_path / "w").exists()
    alone = run_cli("generate", "--task", "execute", "--queries", RESULTS / FILES["execute"], "--out", tmp_path / "a")
    assert alone.returncode == 2 and "--from" in alone.stderr and len(alone.stderr.strip().splitlines()) == 1
