"""Calls in worker processes with a time limit (``bwbench solve --jobs --time-limit``): real processes, really killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bwbench.errors import BwbenchError
from bwbench.planning.limits import run_limited

from ..conftest import run_cli

SUSSMAN = ("(define (problem sussman) (:domain blocks) (:objects a b c)\n"
           " (:init (handempty) (ontable a) (ontable b) (on c a) (clear b) (clear c))\n"
           " (:goal (and (on a b) (on b c))))\n")


def square(x: int) -> int:
    return x * x


def refuse(x: int) -> int:
    raise BwbenchError(f"{x} is bad input", "file.pddl:3")


def crash(x: int) -> int:
    return {}[x]


def sleep_after_saying_where(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(3600)


def test_calls_come_back_in_order_with_their_bad_input_and_a_bug_is_raised():
    seen = []
    outcomes = run_limited(square, [(k,) for k in range(5)], jobs=3, done=lambda i, o: seen.append(i))
    assert [o.value for o in outcomes] == [0, 1, 4, 9, 16] and sorted(seen) == list(range(5))
    [refused] = run_limited(refuse, [(7,)])
    assert refused.value is None and not refused.timed_out and str(refused.error) == "file.pddl:3: 7 is bad input"
    with pytest.raises(RuntimeError, match="KeyError: 1"):
        run_limited(crash, [(1,)])


@pytest.mark.slow  # waits out a 4 s limit
def test_a_call_past_the_limit_is_killed_and_said_to_have_run_out(tmp_path):
    pid_file = tmp_path / "pid"
    start = time.monotonic()
    [outcome] = run_limited(sleep_after_saying_where, [(str(pid_file),)], limit=4)
    assert outcome.timed_out and outcome.value is None and outcome.error is None
    assert time.monotonic() - start < 60  # not the hour it would have slept
    assert _gone(int(pid_file.read_text()), wait=0)  # the worker is gone, not left sleeping


def die(x: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def sleep_in_a_child(pid_file: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"], start_new_session=True)
    Path(pid_file).write_text(f"{os.getpid()} {child.pid}")
    time.sleep(3600)


def test_a_worker_killed_from_outside_is_its_calls_error_and_the_others_go_on():
    outcomes = run_limited(die, [(1,)], jobs=1) + run_limited(square, [(3,)], jobs=1)
    assert "killed (SIGKILL; out of memory?)" in str(outcomes[0].error) and outcomes[1].value == 9


@pytest.mark.slow  # waits out a 3 s limit, then for a process to be gone
def test_what_a_worker_started_is_stopped_with_it_at_the_limit(tmp_path):
    pid_file = tmp_path / "pids"
    [outcome] = run_limited(sleep_in_a_child, [(str(pid_file),)], limit=3)
    assert outcome.timed_out
    for pid in map(int, pid_file.read_text().split()):  # the worker and the process it started (own session)
        assert _gone(pid), pid


@pytest.mark.slow  # a caller process, its worker and a grandchild, killed from outside
def test_workers_do_not_outlive_a_caller_killed_from_outside(tmp_path):
    pid_file = tmp_path / "pids"
    code = ("import sys; sys.path[:0] = sys.argv[2:]; from tests.planning.test_limits import sleep_in_a_child;"
            " from bwbench.planning.limits import run_limited; run_limited(sleep_in_a_child, [(sys.argv[1],)])")
    caller = subprocess.Popen([sys.executable, "-c", code, str(pid_file), *sys.path])
    deadline = time.monotonic() + 120
    while not (pid_file.exists() and len(pid_file.read_text().split()) == 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    caller.send_signal(signal.SIGTERM)  # as `timeout` or a job scheduler stops a command
    caller.wait(60)
    for pid in map(int, pid_file.read_text().split()):
        assert _gone(pid), pid


def _gone(pid: int, wait: float = 30) -> bool:
    deadline = time.monotonic() + wait
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
            return True  # a zombie: ended, waiting for a parent (init) to reap it
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


@pytest.mark.parametrize("jobs,limit", [(0, None), (1, 0.0), (1, -3.0), (1, float("inf")), (1, float("nan"))])
def test_no_workers_or_no_time_is_refused(jobs, limit):
    with pytest.raises(BwbenchError):
        run_limited(square, [(1,)], jobs=jobs, limit=limit)


@pytest.mark.slow  # three processes, each starting workers
def test_solve_goes_on_past_a_problem_out_of_time_and_says_which(tmp_path):
    for name in ("p1", "p2", "p3"):
        (tmp_path / f"{name}.pddl").write_text(SUSSMAN)
    (tmp_path / "p2.pddl").write_text(SUSSMAN.replace("(on b c)", "(on b c) (on c a)"))  # no plan: bad input
    r = run_cli("solve", tmp_path, "--jobs", "2", "--time-limit", "120", "--json")
    rows = json.loads(r.stdout)
    assert r.returncode == 2 and [row.get("steps") for row in rows] == [6, None, 6], r.stderr
    here = json.loads(run_cli("solve", tmp_path, "--json").stdout)  # solved in this process: the same answers

    def timeless(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]
    assert timeless(rows) == timeless(here) and "cycle" in rows[1]["error"]
    # a limit no worker can meet (starting one takes longer): every file ran out of time, and the table says so
    r = run_cli("solve", tmp_path, "--time-limit", "0.001", "--json", cwd=tmp_path)
    assert r.returncode == 2 and [row["error"] for row in json.loads(r.stdout)] == ["ran out of time (the limit is "
                                                                                   "0.001 s)"] * 3, r.stdout
    r = run_cli("solve", tmp_path / "p1.pddl", "--time-limit", "0.001")
    assert r.returncode == 2 and "p1.pddl: ran out of time (the limit is 0.001 s)" in r.stderr, r.stderr
    r = run_cli("solve", tmp_path / "p1.pddl", "--time-limit", "0")
    assert r.returncode == 2 and "--time-limit" in r.stderr, r.stderr
