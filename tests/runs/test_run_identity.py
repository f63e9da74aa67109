"""What a run is and what it says, as a user meets it: the model a server serves, chat answers whole, why each
answer ended, a limit that does not shrink a finished run, and a finished run that asks for no model.

Each test drives ``bwbench eval`` in a real process against a real OpenAI-compatible server on 127.0.0.1
(started here, answering with the optimal plan, worded as the test asks) or against real model files.
"""

import json
import shutil
import threading
from pathlib import Path

import pytest

from bwbench.planning.planner import BwbenchPlanner
from bwbench.tasks.planbench import PLANBENCH_MAX_NEW_TOKENS
from bwbench.world.text import parse_problem, render_plan

from ..conftest import JSONHandler, LocalServer, run_cli

ROOT = Path(__file__).resolve().parents[2]
PAPER = ROOT / "data" / "paper"


class Server(LocalServer):
    """Lists ``models``; answers every request with the optimal plan after ``preamble``, ending as ``finish``
    says; keeps every request it was sent."""

    def __init__(self, models=("tiny-local",), preamble="", finish="stop", port=0):
        self.models, self.preamble, self.finish = list(models), preamble, finish
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(JSONHandler):
            def do_GET(self):
                self._send(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "t"} for m in server.models]})

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append(req)
                text = req["prompt"] if "prompt" in req else req["messages"][-1]["content"]
                init, goal = parse_problem(text.rsplit("[INST]", 1)[-1].replace("[/INST]", "").rstrip())
                answer = server.preamble + render_plan(BwbenchPlanner().solve(init, goal).plan)
                usage = {"prompt_tokens": 50, "completion_tokens": 7, "total_tokens": 57}
                if "prompt" in req:
                    choice = {"index": 0, "text": answer, "finish_reason": server.finish, "logprobs": None}
                    return self._send(200, {"id": "c", "object": "text_completion", "created": 0,
                                            "model": req["model"], "choices": [choice], "usage": usage})
                choice = {"index": 0, "message": {"role": "assistant", "content": answer},
                          "finish_reason": server.finish}
                self._send(200, {"id": "c", "object": "chat.completion", "created": 0, "model": req["model"],
                                 "choices": [choice], "usage": usage})

        self.serve(Handler, port)


@pytest.fixture
def serve():
    started = []

    def start(**kwargs):
        started.append(Server(**kwargs))
        return started[-1]

    yield start
    for s in started:
        s.close()


def _eval(url, *args, cwd=None):
    return run_cli("eval", "--model", f"openai:{url}", "--suite", PAPER, "--level", "L2", "--limit", "6",
                   "--retries", "0", *args, cwd=cwd)


def _results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


def _lines(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_the_served_model_names_the_run_and_a_server_now_serving_another_is_refused(serve, tmp_path):
    first = serve(models=["tiny-local"])
    assert _eval(first.url, "--limit", "4", cwd=tmp_path).returncode == 0
    out = tmp_path / "results" / "openai-tiny-local-paper-test-L2"
    assert [p.name for p in (tmp_path / "results").iterdir()] == [out.name]
    assert json.loads((out / "config.json").read_text())["model_options"]["served_model"] == "tiny-local"
    assert _results(out)["label"] == "tiny-local" and {q["model"] for q in first.requests} == {"tiny-local"}
    port = first.httpd.server_address[1]
    first.close()

    other = serve(models=["totally-different-model"], port=port)  # the server restarted, serving another model
    assert other.url == first.url
    r = _eval(other.url, "--out", out)
    assert r.returncode == 2 and not other.requests
    assert "tiny-local" in r.stderr and "totally-different-model" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert len(_lines(out)) == 4  # nothing of the other model's was added
    assert _eval(other.url, cwd=tmp_path).returncode == 0  # the same command: a run of its own
    assert (tmp_path / "results" / "openai-totally-different-model-paper-test-L2" / "results.json").is_file()
    assert len(_lines(out)) == 4


@pytest.mark.slow
def test_a_server_listing_several_models_needs_one_named(serve, tmp_path):
    server = serve(models=["alpha", "beta"])
    r = _eval(server.url, "--out", tmp_path / "x")
    assert r.returncode == 2 and not (tmp_path / "x").exists()
    assert r.stderr.startswith("error: --served-model") and "alpha, beta" in r.stderr, r.stderr
    r = _eval(server.url, "--served-model", "gamma", "--out", tmp_path / "x")
    assert r.returncode == 2 and "does not serve 'gamma'" in r.stderr, r.stderr
    r = _eval(server.url, "--served-model", "beta", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "results" / "openai-beta-paper-test-L2").is_dir()
    assert {q["model"] for q in server.requests} == {"beta"}


@pytest.mark.slow
def test_name_sets_the_label_and_a_later_command_without_it_keeps_it(serve, tmp_path):
    server = serve()
    out = tmp_path / "run"
    assert _eval(server.url, "--limit", "3", "--name", "my tuned 7B", "--out", out).returncode == 0
    assert _results(out)["label"] == "my tuned 7B"
    assert json.loads((out / "config.json").read_text())["label"] == "my tuned 7B"
    assert _eval(server.url, "--out", out).returncode == 0  # extended, not renamed
    assert _results(out)["label"] == "my tuned 7B" and _results(out)["n_examples"] == 6
    assert _eval(server.url, "--name", "renamed", "--out", out).returncode == 0  # a label is not the run's identity
    assert _results(out)["label"] == "renamed"


@pytest.mark.slow
def test_chat_answers_arrive_whole_with_room_to_talk(serve, tmp_path):
    """A chat model that talks first ("Sure! ...", a blank line, then the plan) is not cut at the blank line."""
    server = serve(preamble="Sure! Let me think about this carefully.\n\nHere is the plan:\n")
    out = tmp_path / "chat"
    r = _eval(server.url, "--api", "chat", "--template", "chat", "--out", out)
    assert r.returncode == 0, r.stderr
    assert all(q.get("stop") is None for q in server.requests)
    assert {q["max_tokens"] for q in server.requests} == {PLANBENCH_MAX_NEW_TOKENS}
    assert all(ln["completion"].startswith("Sure!") and "\n\n" in ln["completion"] for ln in _lines(out))
    assert _results(out)["metrics"]["overall"]["valid"] == 1.0
    # The chat API with the seed's template: the answer is a chat turn all the same.
    assert _eval(server.url, "--api", "chat", "--out", tmp_path / "seed-chat").returncode == 0
    assert _results(tmp_path / "seed-chat")["generation"]["stop"] == []


@pytest.mark.slow
def test_stop_strings_are_chosen_and_recorded(serve, tmp_path):
    server = serve()
    r = _eval(server.url, "--stop", "[PLAN END]", "--stop", "\\n\\n", "--out", tmp_path / "a")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "a" / "config.json").read_text())["generation"]["stop"] == ["[PLAN END]", "\n\n"]
    assert all(q["stop"] == ["[PLAN END]", "\n\n"] for q in server.requests)
    server.requests.clear()
    assert _eval(server.url, "--stop", "none", "--out", tmp_path / "b").returncode == 0
    assert all(q.get("stop") is None for q in server.requests)
    assert _results(tmp_path / "b")["generation"]["stop"] == []
    r = _eval(server.url, "--stop", "", "--out", tmp_path / "c")
    assert r.returncode == 2 and r.stderr.startswith("error: --stop: a stop string cannot be empty"), r.stderr
    # Another stop string is another run.
    r = _eval(server.url, "--out", tmp_path / "a")
    assert r.returncode == 2 and "generation.stop differs" in r.stderr, r.stderr


@pytest.mark.slow
def test_every_answer_says_why_it_ended_and_the_budget_hits_are_counted(serve, tmp_path):
    server = serve(finish="length")
    out = tmp_path / "cut"
    r = _eval(server.url, "--max-new-tokens", "40", "--out", out)
    assert r.returncode == 0, r.stderr
    assert {ln["finish_reason"] for ln in _lines(out)} == {"length"} and {ln["tokens"] for ln in _lines(out)} == {7}
    assert _results(out)["finish_reasons"] == {"length": 6}
    assert "6 answers hit the token budget of 40 tokens" in r.stderr
    assert (out / "report.txt").read_text().startswith("6 answers hit the token budget of 40 tokens")
    whole = serve()
    assert _eval(whole.url, "--out", tmp_path / "whole").returncode == 0
    assert {ln["finish_reason"] for ln in _lines(tmp_path / "whole")} == {"eos"}
    assert "token budget" not in (tmp_path / "whole" / "report.txt").read_text()


def test_planner_answers_end_as_models_do(tmp_path):
    out = tmp_path / "p"
    assert run_cli("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--limit", "3", "--out", out).returncode == 0
    assert {ln["finish_reason"] for ln in _lines(out)} == {"eos"}
    assert _results(out)["finish_reasons"] == {"eos": 3}


def test_a_limit_after_a_full_run_leaves_the_results_whole(tmp_path):
    out = tmp_path / "run"
    args = ("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--out", out)
    assert run_cli(*args).returncode == 0
    whole = _results(out)
    assert whole["complete"] and whole["suite"]["limit"] is None
    r = run_cli(*args, "--limit", "20")
    assert r.returncode == 0, r.stderr
    after = _results(out)
    assert (after["n_examples"], after["suite"]["n"], after["complete"]) == (whole["n_examples"], whole["suite"]["n"], True)
    assert after["metrics"]["overall"]["n"] == whole["metrics"]["overall"]["n"]
    assert "invocation" not in after
    assert "of which this command's 20 problems: valid 100.0%" in r.stdout, r.stdout
    # A run begun with a limit is described as that limit's problems until it grows beyond them.
    small = tmp_path / "small"
    assert run_cli("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--limit", "5", "--out", small).returncode == 0
    assert (_results(small)["suite"]["limit"], _results(small)["suite"]["n"], _results(small)["complete"]) == (5, 5, True)


@pytest.mark.slow
def test_a_finished_run_asks_for_no_model(tiny_base, tmp_path):
    """Run again when every answer is written, a run is scored again at once: its model is not even loaded (here
    its weights are gone by then, and the command still succeeds, with the model's settings kept)."""
    model = tmp_path / "model"
    shutil.copytree(tiny_base, model)
    out = tmp_path / "run"
    args = ("eval", "--model", f"hf:{model}", "--suite", PAPER, "--level", "L1", "--limit", "2", "--max-new-tokens",
            "8", "--no-single-step", "--out", out)
    assert run_cli(*args).returncode == 0
    before = _results(out)
    for f in model.glob("*.safetensors"):
        f.unlink()
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert _results(out)["model_settings"] == before["model_settings"] and _results(out)["n_examples"] == 2
    assert {ln["finish_reason"] for ln in _lines(out)} <= {"eos", "stop", "length"}
    r = run_cli(*args[:-2], "--limit", "3", "--out", out)  # one more problem: now the model is needed, and gone
    assert r.returncode != 0


@pytest.mark.parametrize("model, option", [("planner", ("--device", "cpu")), ("random", ("--dtype", "float32")),
                                           ("planner", ("--api", "chat")), ("bwbench-tiny", ("--concurrency", "4")),
                                           ("planner", ("--timeout", "5"))])
def test_an_option_the_model_does_not_use_is_refused(model, option, tmp_path):
    r = run_cli("eval", "--model", model, "--suite", PAPER, "--level", "L1", "--limit", "1", *option,
                "--out", tmp_path / "x")
    assert r.returncode == 2 and not (tmp_path / "x").exists()
    assert r.stderr.startswith(f"error: {option[0]}: {model} models do not use it"), r.stderr


def test_random_answers_depend_on_the_problem_not_on_how_it_is_asked(tmp_path):
    """The random floor draws per problem id and sample: the same problem asked in another template (another
    prompt text) gets the same walk."""
    got = {}
    for template in ("seed", "plain"):
        out = tmp_path / template
        args = ("eval", "--model", "random", "--suite", PAPER, "--level", "L2", "--limit", "8", "--template", template)
        assert run_cli(*args, "--out", out).returncode == 0
        got[template] = {ln["id"]: ln["completion"] for ln in _lines(out)}
    assert got["seed"] == got["plain"] and len(set(got["seed"].values())) > 1


@pytest.mark.slow
def test_few_shot_examples_are_identified_by_their_bytes_not_their_path(tmp_path):
    a, b, changed = tmp_path / "a.jsonl", tmp_path / "copy" / "b.jsonl", tmp_path / "c.jsonl"
    b.parent.mkdir()
    shutil.copy(PAPER / "train.jsonl", a)
    shutil.copy(PAPER / "train.jsonl", b)
    lines = (PAPER / "train.jsonl").read_text().splitlines(keepends=True)
    changed.write_text("".join(lines[1:] + lines[:1]))  # the same examples in another order: another prompt
    out = tmp_path / "run"
    args = ("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--limit", "2", "--shots", "2", "--out", out)
    assert run_cli(*args, "--shots-from", a).returncode == 0
    recorded = json.loads((out / "config.json").read_text())["prompt"]
    assert recorded["shots_sha256"] == __import__("hashlib").sha256(a.read_bytes()).hexdigest()
    r = run_cli(*args[:-2], "--limit", "3", "--shots-from", b, "--out", out)  # the same file elsewhere: the same run
    assert r.returncode == 0, r.stderr
    r = run_cli(*args, "--shots-from", changed)
    assert r.returncode == 2 and "prompt.shots_sha256 differs" in r.stderr, r.stderr


@pytest.mark.slow
def test_a_server_gets_a_seed_per_problem_and_sample(serve, tmp_path):
    server = serve()
    common = ("--samples", "3", "--temperature", "0.7")
    assert _eval(server.url, *common, "--batch-size", "6", "--out", tmp_path / "a").returncode == 0
    first = sorted((q["prompt"], q["seed"]) for q in server.requests)
    assert all(q["n"] == 1 for q in server.requests) and len(first) == 18
    assert len({seed for _, seed in first}) == 18  # every problem's every sample draws on its own
    server.requests.clear()
    assert _eval(server.url, *common, "--batch-size", "1", "--concurrency", "1", "--out", tmp_path / "b").returncode == 0
    assert sorted((q["prompt"], q["seed"]) for q in server.requests) == first  # whatever the batching
    assert len(_lines(tmp_path / "a")) == 18


def test_a_model_that_does_not_load_leaves_no_folder_behind(tmp_path):
    r = run_cli("eval", "--model", "hf:./nope", "--suite", PAPER, "--level", "L1", "--limit", "1", cwd=tmp_path)
    assert r.returncode == 2 and "no such model directory" in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []  # neither the run's directory nor results/ around it
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "keep.txt").write_text("mine")
    assert run_cli("eval", "--model", "hf:./nope", "--suite", PAPER, "--level", "L1", "--limit", "1",
                   cwd=tmp_path).returncode == 2
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["keep.txt"]
