"""`bwbench score` as users run it: the seed's published predictions, bwbench's own format, bad input."""

import json
import os
import re

import pytest

from bwbench.world.state import State
from bwbench.world.text import parse_input

from ..conftest import DATA, ROOT, SEED, need_shared, reference_optimal, run_cli

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
    r = run_cli("score", path, "--json", "--report", tmp_path / "report.txt")
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
    r = run_cli("generate", "--levels", "L1,L2", "--n", "12", "--blocks", "4-5", "--seed", "7", "--out", tmp_path / "s")
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
    r = run_cli("score", path, "--json", "--by", "blocks", "--report", tmp_path / "r.txt")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    good = sum(1 for i in range(len(suite)) if i % 3 == 0)
    assert data["format"] == "bwbench" and data["overall"]["n"] == len(suite)
    assert data["overall"]["count"]["valid"] == good == data["overall"]["count"]["optimal"] == data["overall"]["count"]["exact"]
    assert set(data["by_blocks"]) == {"4", "5"} and "by_level" not in data
    report = (tmp_path / "r.txt").read_text()
    assert f"NOT VALID: {len(suite) - good} of {len(suite)}" in report
    assert "empty — the completion holds no plan" in report and "holding_at_end — the hand still holds" in report
    table = run_cli("score", path)
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
    r = run_cli("score", path)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {path}:{line}"), r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_options_and_missing_files(tmp_path):
    r = run_cli("score", tmp_path / "missing.jsonl")
    assert r.returncode == 2 and "cannot read" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    (tmp_path / "p.jsonl").write_text('{"init": [["red"]], "goal": [["red"]], "completion": ""}\n')
    r = run_cli("score", tmp_path / "p.jsonl", "--by", "colour")
    assert r.returncode == 2 and r.stderr.startswith("error: --by:")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    r = run_cli("score", tmp_path / "empty.jsonl")
    assert r.returncode == 2 and "empty" in r.stderr


@pytest.mark.parametrize("args, option", [
    (["--suite", "data/standard"], "--suite"),  # checks nothing without --results: refused, not ignored
    (["--model", "m"], "--model"),
    (["--suite", "data/standard", "--model", "m", "--results", "r.json", "--jobs", "2"], "--jobs"),
])
def test_options_that_would_be_ignored_are_refused(tmp_path, args, option):
    (tmp_path / "p.jsonl").write_text('{"init": [["red"]], "goal": [["red"]], "completion": ""}\n')
    r = run_cli("score", tmp_path / "p.jsonl", *args, cwd=ROOT)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {option}:") and len(r.stderr.splitlines()) == 1, r.stderr
    assert not (ROOT / "r.json").exists()


@pytest.mark.parametrize("option, value", [("--jobs", "2"), ("--by", "blocks")])
def test_planbench_files_refuse_what_does_not_apply_to_them(option, value):
    path = need_shared(SEED.parent / "planbench-reference/results/blocksworld/gemini-pro/task_1_plan_generation.json")
    r = run_cli("score", path, "--suite", DATA / "planbench-bw", option, value)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {option}:"), r.stderr


PLAN = "Plan:\nstep 1: pick-up blue\nstep 2: stack blue on-top-of red"
SEED_INPUT = "Init state:\n<red>\n<blue>\n\nGoal state:\n<blue on red>"


def _completion(i: int, filler: str = "") -> str:
    """Valid, longer than optimal, not executable, cut off, or chatter, in turn."""
    return (PLAN, PLAN + "\nstep 3: pick-up blue\nstep 4: stack blue on-top-of red",
            "Plan:\nstep 1: stack blue on-top-of red", PLAN[:-8], "no idea")[i % 5] + filler


def _write_jsonl(path, n: int, filler: str = "") -> None:
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"p{i}", "init": [["red"], ["blue"]], "goal": [["red", "blue"]], "output": PLAN,
                                 "completion": _completion(i, filler)}) + "\n")


def _write_document(path, n: int, filler: str = "") -> None:
    with path.open("w") as fh:
        fh.write('{\n  "run_name": "r",\n  "results": [\n')
        for i in range(n):
            element = {"example_id": i, "input": SEED_INPUT, "expected": PLAN, "predicted": _completion(i, filler)}
            fh.write(("" if i == 0 else ",\n") + "    " + json.dumps(element, indent=2).replace("\n", "\n    "))
        fh.write('\n  ],\n  "metrics": {"exact_match": 0.2}\n}\n')


def _limited(limit_mb: int):
    """For preexec_fn: the child may map at most ``limit_mb`` MiB of address space."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))


@pytest.mark.slow
@pytest.mark.parametrize("write", [_write_jsonl, _write_document])
def test_a_file_larger_than_the_memory_allowed_is_scored_record_by_record(tmp_path, write):
    """72 MB of predictions (each completion 1 MiB of chatter) scored, report included, in 200 MiB of address
    space: the command takes about 60 MiB itself, so the file is never held whole, nor its text, nor its records."""
    import subprocess
    import sys

    path = tmp_path / "big.jsonl"
    write(path, 70, "\n" + "The blocks are all where they should be now. " * 23_000)
    assert path.stat().st_size > 69 << 20
    # One malloc arena: glibc reserves 64 MiB of address space for each thread that allocates (the worker pool
    # has three), which is not memory used but counts against an address-space limit.
    r = subprocess.run([sys.executable, "-m", "bwbench", "score", path, "--json", "--report", tmp_path / "r.txt"],
                       capture_output=True, text=True, preexec_fn=_limited(200),
                       env={**os.environ, "MALLOC_ARENA_MAX": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout)["overall"]
    assert got["n"] == 70 and got["count"]["valid"] == 28 and got["count"]["optimal"] == 14
    report = (tmp_path / "r.txt").read_text()
    assert "NOT VALID: 42 of 70" in report and "VALID BUT LONGER THAN OPTIMAL: 14 of 70" in report
    assert report.count(" … (1,035,") == 56  # the length of each completion listed, as the report gives it


@pytest.mark.parametrize("write", [_write_jsonl, _write_document])
def test_any_number_of_jobs_gives_the_same_figures_and_report(tmp_path, write):
    """Chunks judged by worker processes are tallied in file order: the output is the same to the byte."""
    path = tmp_path / "p.json"
    write(path, 1300)  # several chunks
    outputs = []
    for jobs in ("1", "2", "3"):
        r = run_cli("score", path, "--json", "--by", "blocks", "--report", tmp_path / f"r{jobs}.txt", "--jobs", jobs)
        assert r.returncode == 0, r.stderr
        outputs.append((r.stdout, (tmp_path / f"r{jobs}.txt").read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]
    got = json.loads(outputs[0][0])["overall"]
    assert got["n"] == 1300 and got["count"]["valid"] == 520 and got["count"]["exact"] == 260
    assert b"NOT VALID: 780 of 1300" in outputs[0][1]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_errors_in_a_long_document_name_their_line(tmp_path, jobs):
    """The seed's document read block by block still says on which line each bad element starts, and the first
    error in the file is the one reported, whichever process found it."""
    path = tmp_path / "p.json"
    _write_document(path, 3000, "\n" + "chatter " * 100)  # about 4 MB: several blocks and chunks
    text = path.read_text()
    lines = text.split("\n")
    starts = [k + 1 for k, ln in enumerate(lines) if ln.startswith('    {')]
    assert len(starts) == 3000
    from bwbench.judging.predictions import PredictionSource

    source = PredictionSource(path)
    assert [(e.index, e.line) for e in source.entries()] == list(enumerate(starts))
    assert source.meta == {"run_name": "r", "metrics": {"exact_match": 0.2}}  # before and after the results
    at = text.index('"predicted"', text.index('"example_id": 2400,'))
    broken = text[:at] + '"answer"' + text[at + len('"predicted"'):]  # no prediction in element 2400
    broken = broken.replace('"example_id": 2700,', '"example_id": 2700, ]', 1)  # and a syntax error after it
    path.write_text(broken)
    r = run_cli("score", path, "--jobs", jobs)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {path}:{starts[2400]} (results[2400]):"), r.stderr
    assert "a result needs 'input', 'expected' and 'predicted'" in r.stderr
    for bad in (text.replace('"example_id": 2700,', '"example_id": 2700, ]', 1), text[: len(text) // 2]):
        path.write_text(bad)  # a syntax error, then a document cut off: where json itself says it is
        with pytest.raises(json.JSONDecodeError) as exc:
            json.loads(bad)
        r = run_cli("score", path, "--jobs", jobs)
        where, message = f"{path}:{exc.value.lineno}", f"({exc.value.msg}, column {exc.value.colno})"
        assert r.returncode == 2 and r.stderr.startswith(f"error: {where}:") and message in r.stderr, r.stderr
