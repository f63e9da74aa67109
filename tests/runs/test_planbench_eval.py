"""bwbench eval the PlanBench way, end to end: the openai adapter against a local server that replays PlanBench's
published answers, keyed by the exact prompt PlanBench sent. A prompt that differs by one byte gets no answer."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from bwbench.models.base import cut_at_stop
from bwbench.judging.judge import judge
from bwbench.suites.dataset import read_examples
from bwbench.tasks.plan import PLANBENCH_MAX_NEW_TOKENS, PLANBENCH_STOP

from ..conftest import JSONHandler, LocalServer, need_shared
from ..conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT.parent / "shared" / "planbench-reference" / "results"


class Replay(LocalServer):
    """An OpenAI-compatible chat server answering each known prompt with the response PlanBench recorded for it."""

    def __init__(self, answers: dict[str, str]):
        self.answers = answers
        self.requests: list[dict] = []
        self.unknown = 0
        lock = threading.Lock()
        server = self

        class Handler(JSONHandler):
            model = "replay"

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = req["messages"][-1]["content"]
                with lock:
                    server.requests.append({k: v for k, v in req.items() if k != "messages"})
                if prompt not in server.answers:
                    with lock:
                        server.unknown += 1
                    return self._send(400, {"error": {"message": "unknown prompt", "type": "invalid_request_error"}})
                msg = {"role": "assistant", "content": server.answers[prompt]}
                self._send(200, {"id": "r", "object": "chat.completion", "created": 0, "model": "replay",
                                 "choices": [{"index": 0, "message": msg, "finish_reason": "stop"}]})

        self.serve(Handler)


def _results(rel: str) -> dict:
    path = RESULTS / rel
    need_shared(path)
    return json.loads(path.read_text())


@pytest.mark.parametrize("rel,suite,template", [
    ("blocksworld/gpt-4o_chat/task_1_plan_generation_zero_shot.json", "planbench-bw", "planbench"),
    ("mystery_blocksworld/claude-3-opus/task_1_plan_generation.json", "planbench-mystery", "planbench-1shot"),
])
@pytest.mark.slow
def test_eval_sends_planbench_prompts_byte_for_byte_and_judges_the_answers(tmp_path, monkeypatch, rel, suite, template):
    doc = _results(rel)
    answers = {i["query"]: i["llm_raw_response"] for i in doc["instances"] if i.get("llm_raw_response")}
    by_source = {f"instance-{i['instance_id']}.pddl": i for i in doc["instances"]}
    server = Replay(answers)
    monkeypatch.setenv("BWBENCH_API_KEY", "sk-test")
    try:
        r = run_cli("eval", "--model", f"openai:{server.url}", "--api", "chat", "--template", template,
                    "--suite", str(ROOT / "data" / suite), "--out", str(tmp_path / "run"), "--retries", "0",
                    "--concurrency", "4")
    finally:
        server.close()
    examples = {ex.record["source"]: ex for ex in read_examples(ROOT / "data" / suite / "test.jsonl")}
    answered = [s for s in examples if s in by_source and by_source[s].get("llm_raw_response")]
    # Every problem PlanBench answered was asked with exactly PlanBench's prompt; the rest are recorded as failed.
    assert server.unknown == len(examples) - len(answered)
    assert all(q["max_tokens"] == PLANBENCH_MAX_NEW_TOKENS and q["stop"] == list(PLANBENCH_STOP) for q in server.requests)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(ln) for ln in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert sorted(ln["source"] for ln in lines) == sorted(answered)
    for ln in lines:
        ex = examples[ln["source"]]
        raw = by_source[ln["source"]]["llm_raw_response"]
        assert ln["completion"] == cut_at_stop(raw, PLANBENCH_STOP).strip()
        expected = judge(ex.init, ex.goal, ln["completion"], ln["output"], ex.record["optimal_len"], ex.vocab)
        assert ln["verdict"]["status"] == expected.status.value
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["n_examples"] == len(answered) and results["prompt"]["template"] == template
    assert results["complete"] is (len(answered) == len(examples))


OLD_WORDING = {  # 2023 files made with an older wording of the rules; tests/tasks/test_planbench_prompts.py checks exactly how
    "blocksworld/gpt-4_chat/task_1_plan_generation.json", "blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot.json",
}


@pytest.mark.slow
def test_templates_render_every_published_query_from_the_suites():
    """Through bwbench's own path (suite record → the plan task's prompt), every natural-language query of every
    shared file."""
    from bwbench.tasks.plan import PLAN
    from bwbench.tasks.planbench import planbench_example
    from bwbench.tasks.prompts import PromptConfig

    need_shared(RESULTS)
    checked = 0
    for domain, suite in (("blocksworld", "planbench-bw"), ("mystery_blocksworld", "planbench-mystery")):
        examples = list(read_examples(ROOT / "data" / suite / "test.jsonl"))
        by_source = {ex.record["source"]: ex for ex in examples}
        for path in sorted((RESULTS / domain).glob("*/*.json")):
            rel = str(path.relative_to(RESULTS))
            if "_pddl" in path.name or rel in OLD_WORDING:
                continue
            doc = json.loads(path.read_text())
            one = doc["prompt_type"] == "oneshot"
            config = PromptConfig("planbench-1shot" if one else "planbench")
            for inst in doc["instances"]:
                ex = by_source.get(f"instance-{inst['instance_id']}.pddl")
                if ex is None:
                    assert one and inst["instance_id"] == 501, rel  # one-shot runs go to 501; the config's set ends at 500
                    continue
                query = PLAN.prompt(ex, config, [], planbench_example(ex, examples) if one else None).text
                assert query == inst["query"], (rel, inst["instance_id"])
                checked += 1
    assert checked > 19_000


def test_planbench_template_on_bwbench_suites(tmp_path):
    """PlanBench's wording on a generated suite: full goals as facts, colours as blocks; the planner's answers judged valid."""
    r = run_cli("eval", "--model", "planner", "--suite", str(ROOT / "data" / "standard"), "--level", "L3", "--limit", "5",
                "--template", "planbench", "--out", str(tmp_path / "run"))
    assert r.returncode == 0, r.stderr
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["generation"]["stop"] == list(PLANBENCH_STOP)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["metrics"]["overall"]["valid"] == 1.0 and results["n_examples"] == 5
    from bwbench.tasks.plan import PLAN
    from bwbench.tasks.prompts import PromptConfig

    ex = next(read_examples(ROOT / "data" / "standard" / "test.jsonl"))
    text = PLAN.prompt(ex, PromptConfig("planbench"), []).text
    top = {t[-1] for t in ex.init.towers}
    assert all(f"the {b} block is clear" in text for b in top)
    assert text.endswith("What is the plan to achieve my goal? Just give the actions in the plan.")


@pytest.mark.parametrize("suite", ["planbench-bw", "planbench-bw3", "planbench-mystery"])
def test_gold_plans_in_every_form_are_valid_with_the_suites_vocabulary(suite):
    """The gold plan as the seed's text, as PDDL in the domain's own names, and in PlanBench's words: all valid."""
    from bwbench.tasks.planbench import example_plan
    from bwbench.world.planbench import action_words, config_for

    for ex in read_examples(ROOT / "data" / suite / "test.jsonl"):
        vocab, rec = ex.vocab, ex.record
        actions = example_plan(ex)  # PlanBench's own plan where the suite keeps it, else the gold plan
        config = config_for(vocab)
        forms = {
            "seed": rec["output"],
            "pddl": "\n".join(f"({vocab.actions[a.op]} {a.block}{'' if a.target is None else ' ' + a.target})" for a in actions),
            "words": "[PLAN]\n" + "\n".join(action_words(a, config) for a in actions) + "\n[PLAN END]",
        }
        for form, text in forms.items():
            verdict = judge(ex.init, ex.goal, text, None, rec["optimal_len"], vocab)
            assert verdict.valid, (suite, rec["id"], form, verdict.reason)
