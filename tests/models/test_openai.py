"""The openai adapter against a real OpenAI-compatible HTTP server on 127.0.0.1, started by the test.

The server answers with the optimal plan (so the judge's figures are known),
can fail some requests once (the client must retry), fail some every time
(the run must record them and retry them when resumed), or be too slow.
"""

import json
import threading
import time
from pathlib import Path

import pytest

from bwbench.planning.planner import BwbenchPlanner
from bwbench.world.text import parse_problem, render_plan

from ..conftest import JSONHandler, LocalServer
from ..conftest import run_cli

PAPER = Path(__file__).resolve().parents[2] / "data" / "paper"
KEY = "sk-test-7f3a9c"


class Server(LocalServer):
    def __init__(self):
        self.flaky_once: set[str] = set()  # problems whose first request fails with 500
        self.always_fail: set[str] = set()  # problems whose every request fails with 500
        self.slow = 0.0  # seconds to wait before answering anything
        self.seen: dict[str, int] = {}
        self.auth: set[str] = set()
        self.lock = threading.Lock()
        server = self

        class Handler(JSONHandler):
            def do_GET(self):
                server.auth.add(self.headers.get("Authorization", ""))
                super().do_GET()

            def do_POST(self):
                server.auth.add(self.headers.get("Authorization", ""))
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(server.slow)
                text = req["prompt"] if "prompt" in req else req["messages"][-1]["content"]
                problem = text.rsplit("[INST]", 1)[-1].replace("[/INST]", "").rstrip()
                init, goal = parse_problem(problem)
                key = problem.split("Init state:")[1]
                with server.lock:
                    server.seen[key] = server.seen.get(key, 0) + 1
                    count = server.seen[key]
                if any(p in key for p in server.always_fail) or (count == 1 and any(p in key for p in server.flaky_once)):
                    return self._send(500, {"error": {"message": "overloaded", "type": "server_error"}})
                plan = render_plan(BwbenchPlanner().solve(init, goal).plan)
                n = req.get("n", 1)
                if "prompt" in req:
                    choices = [{"index": i, "text": " " + plan, "finish_reason": "stop", "logprobs": None} for i in range(n)]
                    return self._send(200, {"id": "c", "object": "text_completion", "created": 0, "model": "oracle", "choices": choices})
                choices = [{"index": i, "message": {"role": "assistant", "content": plan}, "finish_reason": "stop"} for i in range(n)]
                self._send(200, {"id": "c", "object": "chat.completion", "created": 0, "model": "oracle", "choices": choices})

        self.serve(Handler)


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def _eval(server, out, *args, env_key=KEY):
    import os

    env = {**os.environ, "BWBENCH_API_KEY": env_key}
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "bwbench", "eval", "--model", f"openai:{server.url}", "--suite", PAPER,
                           "--level", "L2", "--limit", "12", "--out", str(out), "--retries", "2", *map(str, args)],
                          capture_output=True, text=True, env=env)


@pytest.mark.slow
def test_completions_and_chat_through_a_real_server(server, tmp_path):
    first = [json.loads(ln)["input"] for ln in (PAPER / "test.jsonl").read_text().splitlines()]
    server.flaky_once.update(i.split("Init state:")[1][:40] for i in first[:200])  # many fail once, then succeed
    r = _eval(server, tmp_path / "c", "--concurrency", "4")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "c" / "results.json").read_text())
    assert res["metrics"]["overall"]["valid"] == 1.0 and res["complete"]
    assert res["model_settings"]["served_model"] == "oracle" and res["model_settings"]["api"] == "completions"
    r = _eval(server, tmp_path / "chat", "--api", "chat", "--template", "chat")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "chat" / "results.json").read_text())["metrics"]["overall"]["exact"] == 1.0
    # The key went to the server and nowhere else.
    assert server.auth == {f"Bearer {KEY}"}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text()
    assert KEY not in r.stdout + r.stderr


@pytest.mark.slow
def test_a_failing_server_is_recorded_and_retried_on_resume(server, tmp_path):
    tasks = [json.loads(ln) for ln in (PAPER / "test.jsonl").read_text().splitlines() if json.loads(ln)["level"] == 2][:12]
    bad = tasks[3]["input"].split("Init state:")[1]
    server.always_fail.add(bad)
    out = tmp_path / "run"
    r = _eval(server, out)
    assert r.returncode == 0, r.stderr
    assert "1 problem failed after retries" in r.stderr
    res = json.loads((out / "results.json").read_text())
    assert not res["complete"] and list(res["failed_examples"]) == [tasks[3]["id"]]
    assert res["n_examples"] == 11 and "InternalServerError" in res["failed_examples"][tasks[3]["id"]]
    assert server.seen[bad] == 3  # the first try and two retries
    server.always_fail.clear()
    r = _eval(server, out)
    assert r.returncode == 0, r.stderr
    res = json.loads((out / "results.json").read_text())
    assert res["complete"] and res["n_examples"] == 12 and res["metrics"]["overall"]["valid"] == 1.0
    ids = [json.loads(ln)["id"] for ln in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 12


@pytest.mark.slow
def test_a_server_that_times_out_is_recorded_not_fatal(server, tmp_path):
    server.slow = 1.5
    out = tmp_path / "slow"
    r = _eval(server, out, "--timeout", "0.5", "--retries", "1", "--limit", "2")
    assert r.returncode == 0, r.stderr
    res = json.loads((out / "results.json").read_text())
    assert not res["complete"] and len(res["failed_examples"]) == 2
    assert all("Timeout" in e for e in res["failed_examples"].values())
    server.slow = 0.0
    assert _eval(server, out, "--timeout", "0.5", "--retries", "1", "--limit", "2").returncode == 0
    assert json.loads((out / "results.json").read_text())["complete"]


@pytest.mark.slow
def test_an_unreachable_server_is_a_one_line_error(tmp_path):
    class Gone:
        url = "http://127.0.0.1:9/v1"

    r = _eval(Gone, tmp_path / "x", "--timeout", "2", "--retries", "0")
    assert r.returncode == 2 and r.stderr.startswith("error: http://127.0.0.1:9/v1: cannot reach the server")
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "x").exists()
    r = run_cli("eval", "--model", "openai:localhost:8000", "--suite", PAPER, "--out", tmp_path / "y")
    assert r.returncode == 2 and "not a URL" in r.stderr
