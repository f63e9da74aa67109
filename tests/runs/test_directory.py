"""Run directories as processes meet them: one writer at a time (an OS lock), Ctrl-C and kills, trying a run on a
few problems and then running it whole, several levels, --out where nothing can be written, and sampling that does
not depend on batching or resuming.

Processes here are real ``bwbench eval`` commands. Where a test needs a run to be part-way at a known moment, the
model is an OpenAI-compatible server on 127.0.0.1 that answers only as many requests as the test allows, so no
test depends on how fast this machine is.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ..conftest import JSONHandler, LocalServer, load_model, run_cli

ROOT = Path(__file__).resolve().parents[2]
PAPER = ROOT / "data" / "paper"
BUSY = re.compile(r"^error: --out (.+): is being written by another bwbench eval \(pid (\d+)\); "
                  r"wait for it or choose another directory$")


def _lines(out: Path) -> list[dict]:
    return [json.loads(ln) for ln in (out / "predictions.jsonl").read_text().splitlines()]


def _results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


def _pairs(out: Path) -> list[tuple[str, int]]:
    return [(ln["id"], ln["sample"]) for ln in _lines(out)]


class GatedServer(LocalServer):
    """Answers a completion request only when the test has allowed one more (``allow``); the rest wait."""

    def __init__(self):
        self.gate = threading.Semaphore(0)
        server = self

        class Handler(JSONHandler):
            def do_POST(self):
                json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if not server.gate.acquire(timeout=120):
                    return self._send(503, {"error": {"message": "the test never allowed it", "type": "server_error"}})
                choice = {"index": 0, "text": " Plan:\nstep 1: pick-up red", "finish_reason": "stop", "logprobs": None}
                self._send(200, {"id": "c", "object": "text_completion", "created": 0, "model": "oracle",
                                 "choices": [choice]})

            def handle(self):
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a client killed while its request waited

        self.serve(Handler)

    def allow(self, n: int) -> None:
        for _ in range(n):
            self.gate.release()

    def close(self):
        self.allow(10_000)
        super().close()


@pytest.fixture
def server():
    s = GatedServer()
    yield s
    s.close()


def _command(server: GatedServer, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bwbench", "eval", "--model", f"openai:{server.url}", "--suite", str(PAPER),
            "--level", "L2", "--limit", "30", "--batch-size", "8", "--concurrency", "8", "--retries", "0",
            "--timeout", "120", "--out", str(out), *extra]


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "BWBENCH_API_KEY": "sk-test"})


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while time.time() < deadline:
        if path.is_file() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {n} lines")


def _first_to_exit(procs: list[subprocess.Popen]) -> tuple[subprocess.Popen, subprocess.Popen]:
    deadline = time.time() + 120
    while time.time() < deadline:
        for i, p in enumerate(procs):
            if p.poll() is not None:
                return p, procs[1 - i]
        time.sleep(0.02)
    raise AssertionError("neither run ended")


# ------------------------------------------------------------------ one writer at a time


@pytest.mark.slow
def test_two_runs_started_at_once_into_one_directory_one_is_refused(server, tmp_path):
    out = tmp_path / "run"
    args = _command(server, out)
    procs = [_start(args), _start(args)]
    # Neither can finish before the test allows answers: the first to end is the one that was refused.
    refused, winner = _first_to_exit(procs)
    _, err = refused.communicate()
    assert refused.returncode == 2, err
    assert len(err.strip().splitlines()) == 1
    m = BUSY.match(err.strip())
    assert m and m.group(1) == str(out) and int(m.group(2)) == winner.pid, err
    assert winner.poll() is None
    server.allow(10_000)
    _, err = winner.communicate(timeout=120)
    assert winner.returncode == 0, err
    pairs = _pairs(out)
    assert len(pairs) == len(set(pairs)) == 30
    assert _results(out)["complete"] and _results(out)["n_predictions"] == 30
    assert sorted(p.name for p in out.iterdir()) == [".lock", "config.json", "predictions.jsonl", "report.txt",
                                                      "results.json"]


@pytest.mark.slow
def test_a_killed_run_lets_go_of_its_directory_and_the_same_command_completes_it(server, tmp_path):
    out = tmp_path / "run"
    args = _command(server, out)
    server.allow(16)  # two batches of eight; the third waits
    first = _start(args)
    _wait_for_lines(out / "predictions.jsonl", 16, first)
    # While it runs, nobody else may write there, and trying changes nothing.
    before = (out / "predictions.jsonl").read_bytes(), (out / "config.json").read_bytes()
    r = run_cli(*args[3:], env={"BWBENCH_API_KEY": "sk-test"})
    assert r.returncode == 2 and BUSY.match(r.stderr.strip()) and int(BUSY.match(r.stderr.strip()).group(2)) == first.pid
    assert ((out / "predictions.jsonl").read_bytes(), (out / "config.json").read_bytes()) == before
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    _the_same_command_completes_it(server, args, out)


def _the_same_command_completes_it(server, args, out):
    """Rerun after 16 of 30 were saved: it says so, and ends with each problem once."""
    server.allow(10_000)
    r = run_cli(*args[3:], env={"BWBENCH_API_KEY": "sk-test"})
    assert r.returncode == 0, r.stderr
    assert f"resuming {out}: 16 of 30 problems already done" in r.stderr
    pairs = _pairs(out)
    assert len(pairs) == len(set(pairs)) == 30 and _results(out)["complete"]


# ------------------------------------------------------------------ Ctrl-C


@pytest.mark.slow
def test_ctrl_c_says_what_was_saved_and_the_same_command_resumes(server, tmp_path):
    out = tmp_path / "run"
    args = _command(server, out)
    server.allow(16)
    proc = _start(args)
    _wait_for_lines(out / "predictions.jsonl", 16, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    m = re.fullmatch(r"interrupted: ([\d,]+) predictions saved in (.+); run the same command again to resume", err.strip())
    assert m, err
    saved = int(m.group(1).replace(",", ""))
    assert m.group(2) == str(out) and saved == 16 == len(_lines(out))
    _the_same_command_completes_it(server, args, out)


# ------------------------------------------------------------------ a few problems first, then the whole run


@pytest.mark.slow
def test_a_run_tried_with_limit_is_extended_by_the_same_command_without_it(tmp_path):
    out = tmp_path / "run"
    common = ["eval", "--model", "planner", "--suite", PAPER, "--out", out]
    r = run_cli(*common, "--limit", "20")
    assert r.returncode == 0, r.stderr
    first = (out / "predictions.jsonl").read_bytes()
    res = _results(out)
    assert res["suite"]["limit"] == 20 and res["suite"]["n"] == 20 and res["metrics"]["overall"]["n"] == 20
    budget = res["generation"]["max_new_tokens"]
    r = run_cli(*common)
    assert r.returncode == 0, r.stderr
    assert f"resuming {out}: 20 of 1,579 problems already done" in r.stderr
    assert (out / "predictions.jsonl").read_bytes().startswith(first)  # the 20 are kept, not redone
    pairs = _pairs(out)
    assert len(pairs) == len(set(pairs)) == 1579
    res = _results(out)
    assert res["suite"]["limit"] is None and res["suite"]["n"] == 1579 and res["complete"]
    assert res["generation"]["max_new_tokens"] == budget  # sized from the whole split both times
    # Asked again for fewer problems, the run's results still describe every answer in its directory (what
    # leaderboards read); the command prints its own problems' figures beside them.
    r = run_cli(*common, "--limit", "5")
    assert r.returncode == 0, r.stderr
    res = _results(out)
    assert res["suite"]["limit"] is None and res["suite"]["n"] == 1579 and res["n_examples"] == 1579
    assert res["metrics"]["overall"]["n"] == 1579 and res["complete"]
    assert "of which this command's 5 problems" in r.stdout
    assert len(_lines(out)) == 1579


def test_a_different_run_is_refused_saying_exactly_what_differs(tmp_path):
    out = tmp_path / "run"
    assert run_cli("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--out", out).returncode == 0
    before = sorted((p.name, p.read_bytes()) for p in out.iterdir())
    r = run_cli("eval", "--model", "random", "--suite", PAPER, "--level", "L1", "--out", out)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.strip() == (f"error: --out {out}: holds a different run (its model differs: was planner, now random); "
                                "choose another directory")
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--max-new-tokens", "50",
                "--temperature", "0.5", "--out", out)
    assert r.returncode == 2
    assert ("its generation.max_new_tokens differs: was 112, now 50; "
            "its generation.temperature differs: was 0.0, now 0.5") in r.stderr
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--levels", "L1,L2", "--out", out)
    assert r.returncode == 2 and "its suite.level differs: was L1, now L1,L2" in r.stderr
    assert sorted((p.name, p.read_bytes()) for p in out.iterdir()) == before


def test_the_same_suite_reached_by_another_path_is_the_same_run(tmp_path):
    out = tmp_path / "run"
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--limit", "1", "--out", out)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("planner on paper (test, L1): 1 problem in "), r.stdout
    recorded = json.loads((out / "config.json").read_text())["suite"]
    assert recorded["path"] == str(PAPER) and recorded["name"] == "paper"  # recorded, not compared
    other = os.path.relpath(PAPER, tmp_path)  # ../../…/data/paper
    r = run_cli("eval", "--model", "planner", "--suite", other, "--level", "L1", "--limit", "2", "--out", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"resuming {out}: 1 of 2 problems already done" in r.stderr and len(_lines(out)) == 2
    assert _results(out)["suite"]["path"] == other
    # A config.json written before the path and name left the identity (with limit and n too) still matches.
    config = json.loads((out / "config.json").read_text())
    config["suite"] = {"path": "somewhere/else", "name": "old-name", **{k: config["suite"][k] for k in
                                                                        ("sha256", "split", "level")}, "limit": 7, "n": 7}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--limit", "1", "--out", out)
    assert r.returncode == 0, r.stderr
    assert f"resuming {out}: 1 of 1 problem already done" in r.stderr


@pytest.mark.slow
def test_out_is_refused_before_the_model_is_loaded(tmp_path):
    """A model that cannot load stands for one that takes minutes to: --out's error comes first, and a fresh
    --out claimed for a model that then fails to load is left as it was."""
    missing = f"hf:{tmp_path / 'no-model'}"
    run = tmp_path / "run"
    assert run_cli("eval", "--model", "planner", "--suite", PAPER, "--limit", "2", "--out", run).returncode == 0
    before = sorted((p.name, p.read_bytes()) for p in run.iterdir())
    r = run_cli("eval", "--model", missing, "--suite", PAPER, "--limit", "2", "--out", run)
    assert r.returncode == 2 and r.stderr.startswith(f"error: --out {run}: holds a different run (its model differs: "), r.stderr
    assert sorted((p.name, p.read_bytes()) for p in run.iterdir()) == before
    busy = tmp_path / "busy"
    busy.mkdir()
    with (busy / ".lock").open("w") as held:  # this process holds the directory, as a bwbench eval writing it does
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write(f"{os.getpid()}\n")
        held.flush()
        r = run_cli("eval", "--model", missing, "--suite", PAPER, "--limit", "2", "--out", busy)
    m = BUSY.match(r.stderr.strip())
    assert r.returncode == 2 and m and m.groups() == (str(busy), str(os.getpid())), r.stderr
    assert [p.name for p in busy.iterdir()] == [".lock"]
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("mine\n")
    r = run_cli("eval", "--model", missing, "--suite", PAPER, "--limit", "2", "--out", foreign)
    assert r.returncode == 2 and r.stderr.strip() == f"error: --out {foreign}: exists and is not a bwbench run; choose another directory"
    fresh = tmp_path / "fresh"
    r = run_cli("eval", "--model", missing, "--suite", PAPER, "--limit", "2", "--out", fresh)
    assert r.returncode == 2 and r.stderr.strip() == f"error: {tmp_path / 'no-model'}: no such model directory", r.stderr
    assert not fresh.exists()


# ------------------------------------------------------------------ several levels


def test_levels_selects_several_true_levels(tmp_path):
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--levels", "L2,L1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "results" / "planner-paper-test-L1-L2"
    res = _results(out)
    assert res["suite"]["level"] == "L1,L2" and res["suite"]["n"] == 24 + 34 + 57 + 60 + 115 + 232
    assert set(res["metrics"]["by_level"]) == {"L1", "L2"}
    assert {ln["level"] for ln in _lines(out)} == {1, 2}
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--level", "L1", "--levels", "L2", "--out", tmp_path / "x")
    assert r.returncode == 2 and r.stderr.strip() == "error: --levels: give --level or --levels, not both"
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--levels", "L1,L5", "--out", tmp_path / "x")
    assert r.returncode == 2 and r.stderr.startswith("error: --levels: no L5 problems in the test split")
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------ where nothing can be written


def test_out_on_a_file_or_in_a_read_only_directory_is_one_line_and_writes_nothing(tmp_path, readonly_dir):
    file = tmp_path / "notes.txt"
    file.write_text("mine\n")
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--limit", "3", "--out", file)
    assert r.returncode == 2 and r.stderr.strip() == f"error: --out {file}: is a file, not a run directory; choose another directory"
    assert file.read_text() == "mine\n"
    parent = readonly_dir(tmp_path / "locked")
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--limit", "3", "--out", parent / "run")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and str(parent / "run") in r.stderr, r.stderr
    assert list(parent.iterdir()) == []
    empty = readonly_dir(tmp_path / "empty-run")  # an empty directory nobody may write into
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--limit", "3", "--out", empty)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert list(empty.iterdir()) == []


@pytest.mark.slow
def test_a_run_that_fails_before_writing_a_prediction_leaves_no_claimed_directory(server, tmp_path):
    out = tmp_path / "run"
    server.allow(100)
    r = run_cli(*_command(server, out, "--template", "chat")[3:], env={"BWBENCH_API_KEY": "sk-test"})
    assert r.returncode == 2 and r.stderr.strip() == "error: --api: the chat template needs the chat API", r.stderr
    assert not out.exists()
    r = run_cli(*_command(server, out)[3:], env={"BWBENCH_API_KEY": "sk-test"})  # so the corrected command runs
    assert r.returncode == 0 and len(_lines(out)) == 30, r.stderr


# ------------------------------------------------------------------ sampling


def test_samples_at_temperature_zero_are_refused_for_models_before_anything_is_written(tiny_base, tmp_path):
    r = run_cli("eval", "--model", f"hf:{tiny_base}", "--suite", PAPER, "--limit", "2", "--samples", "2",
                "--out", tmp_path / "hf")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("error: --samples: 2 samples at temperature 0 would repeat one greedy completion")
    assert not (tmp_path / "hf").exists()
    # The oracles are what they are: the planner repeats its optimal plan, random draws a new walk per sample.
    r = run_cli("eval", "--model", "planner", "--suite", PAPER, "--level", "L2", "--limit", "5", "--samples", "3",
                "--out", tmp_path / "planner")
    assert r.returncode == 0, r.stderr
    assert _results(tmp_path / "planner")["pass_at_k"]["pass@3"] == 1.0
    r = run_cli("eval", "--model", "random", "--suite", PAPER, "--level", "L2", "--limit", "5", "--samples", "3",
                "--out", tmp_path / "random")
    assert r.returncode == 0, r.stderr
    by_id: dict = {}
    for ln in _lines(tmp_path / "random"):
        by_id.setdefault(ln["id"], set()).add(ln["completion"])
    assert any(len(texts) > 1 for texts in by_id.values())


def test_hf_samples_of_a_problem_do_not_depend_on_its_batch(tiny_base):
    from dataclasses import replace

    from bwbench.models.base import GenerationConfig
    from bwbench.suites.view import load_suite
    from bwbench.tasks.plan import PLAN
    from bwbench.tasks.prompts import PromptConfig

    adapter = load_model(f"hf:{tiny_base}")
    items = load_suite(PAPER, "test", 2, 4).items
    queries = [replace(PLAN.prompt(t, PromptConfig(), []), id=t.id) for t in items]
    gen = GenerationConfig(max_new_tokens=24, temperature=1.0, samples=3, seed=5)
    together = adapter.generate(queries, gen)
    alone = [adapter.generate([q], gen)[0] for q in queries]
    reversed_ = adapter.generate(queries[::-1], gen)[::-1]
    assert together == alone == reversed_
    assert any(len(set(s)) > 1 for s in together)  # the samples are samples
    other_seed = adapter.generate(queries, GenerationConfig(max_new_tokens=24, temperature=1.0, samples=3, seed=6))
    assert other_seed != together


@pytest.mark.slow
def test_a_sampled_run_is_the_same_with_any_batch_size_and_when_interrupted_and_resumed(tiny_base, tmp_path):
    common = ["eval", "--model", f"hf:{tiny_base}", "--suite", PAPER, "--level", "L2", "--limit", "12",
              "--samples", "2", "--temperature", "1", "--seed", "3", "--max-new-tokens", "32", "--no-single-step"]
    r = run_cli(*common, "--batch-size", "5", "--out", tmp_path / "whole")
    assert r.returncode == 0, r.stderr
    whole = {(ln["id"], ln["sample"]): ln["completion"] for ln in _lines(tmp_path / "whole")}
    assert len(whole) == 24 and len(set(whole.values())) > 12
    out = tmp_path / "resumed"
    proc = subprocess.Popen([sys.executable, "-m", "bwbench", *map(str, common), "--batch-size", "1", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for_lines(out / "predictions.jsonl", 4, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, "the run should have been interrupted part-way"
    saved = int(re.search(r"([\d,]+) predictions saved", err).group(1).replace(",", ""))
    assert 4 <= saved == len(_lines(out)) < 24
    r = run_cli(*common, "--batch-size", "3", "--out", out)
    assert r.returncode == 0, r.stderr
    resumed = {(ln["id"], ln["sample"]): ln["completion"] for ln in _lines(out)}
    assert len(_lines(out)) == 24 and resumed == whole
