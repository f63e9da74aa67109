"""The command line as users run it: real subprocesses, exit codes, one-line errors."""

import json
import re
from pathlib import Path

import pytest

from ..conftest import run_cli


STANDARD = Path(__file__).resolve().parents[2] / "data" / "standard"




@pytest.mark.slow
def test_generate_solve_audit(tmp_path):
    r = run_cli("generate", "--levels", "L1,L2", "--n", "12", "--train", "10", "--blocks", "4-5",
                "--seed", "3", "--out", tmp_path / "s", "--pddl", tmp_path / "pddl")
    assert r.returncode == 0, r.stderr
    man = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert man["counts"]["test"] == {"L1": {"4": 6, "5": 6}, "L2": {"4": 6, "5": 6}}
    problem = sorted((tmp_path / "pddl").glob("*.pddl"))[0]
    r = run_cli("solve", problem)
    assert r.returncode == 0 and "Plan:\nstep 1: pick-up" in r.stdout
    r = run_cli("audit", tmp_path / "s" / "train.jsonl", tmp_path / "s" / "test.jsonl", "--json")
    assert r.returncode == 0, r.stderr
    counts = json.loads(r.stdout)
    assert counts["n"] == 44 and counts["train_test_overlap"] == 0 and counts["suboptimal_gold"] == 0


@pytest.mark.parametrize(
    "args, where",
    [
        (["generate", "--level", "L5", "--blocks", "3"], "--level"),
        (["generate", "--level", "Lx"], "--level"),
        (["generate", "--blocks", "8", "--colors", "red,blue,green"], "--colors"),
        (["generate", "--blocks", "61"], "--colors"),  # more blocks than the default palette names
        (["generate", "--preset", "papr"], "--preset"),
        (["generate", "--planner", "ff"], "--planner"),
        (["generate", "--level", "L1", "--levels", "L1,L2"], "--levels"),
        (["generate", "--level", "L1,L2"], "--level"),  # one level; several are --levels
        # names a plan could not name back, which every reader refuses: never written in the first place
        (["generate", "--level", "L1", "--blocks", "2", "--colors", "red,-a"], "--colors"),
        (["generate", "--level", "L1", "--blocks", "2", "--colors", "Red,red"], "--colors"),
        (["generate", "--level", "L1", "--blocks", "2", "--colors", "red blue,green"], "--colors"),
        (["generate", "--level", "L1", "--blocks", "2", "--colors", "red,red"], "--colors"),
        (["eval", "--model", "planner", "--suite", STANDARD, "--level", "L1", "--levels", "L1,L2"], "--levels"),
        (["export", "lm-eval", "--suite", STANDARD, "--level", "L1", "--levels", "L1,L2"], "--levels"),
    ],
)
def test_bad_options_are_one_line_errors(tmp_path, args, where):
    r = run_cli(*args, "--out", tmp_path / "x")
    assert r.returncode == 2 and r.stderr.startswith(f"error: {where}:"), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()


def test_bad_files_name_file_and_line(tmp_path):
    good = '{"input": "Init state:\\n<red>\\n\\nGoal state:\\n<red>", "output": "Plan:"}'
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good + "\n{not json\n")
    r = run_cli("audit", bad)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {bad}:2: not valid JSON")
    bad.write_text(good + "\n" + '{"input": "Init state:\\n<red>\\n\\nGoal state:\\n<blue>"}\n')
    r = run_cli("audit", bad)
    assert r.returncode == 2 and f"{bad}:2: init and goal have different blocks" in r.stderr
    bad.write_bytes((good + "\n").encode() + b"\xff\xfe not text\n")
    r = run_cli("audit", bad)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {bad}:2: not UTF-8 text")
    pddl = tmp_path / "bad.pddl"
    pddl.write_text("(define (problem")
    r = run_cli("solve", pddl)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {pddl}: cannot read PDDL")
    assert len(r.stderr.strip().splitlines()) == 1


def test_help_has_examples():
    for cmd in ("generate", "solve", "audit", "score", "eval"):
        r = run_cli(cmd, "--help")
        assert r.returncode == 0 and "Example" in r.stdout and re.search(rf"bwbench {cmd}\s", r.stdout)
