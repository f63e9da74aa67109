"""Errors that name the real cause: ``solve`` given a directory solves what is in it, a directory that is not a
suite is called that (not blamed on ``--split``), and a predictions file's repeated lines are duplicates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bwbench.world.pddl import domain_path

from ..conftest import run_cli


def problem(init: str, goal: str, objects: str = "a b c") -> str:
    return f"(define (problem p) (:domain blocksworld) (:objects {objects}) (:init {init}) (:goal (and {goal})))\n"


SUSSMAN = problem("(handempty) (ontable a) (ontable b) (on c a) (clear b) (clear c)", "(on a b) (on b c)")
ONE_MOVE = problem("(arm-empty) (on-table a) (on-table b) (clear a) (clear b)", "(on a b)", "a b")
UNKNOWN = problem("(arm-empty) (on-table a) (on-table b) (clear a) (clear b)", "(on a z)", "a b")


@pytest.mark.slow  # two processes reading PDDL with unified-planning
def test_solve_a_directory_solves_every_problem_in_it(tmp_path):
    folder = tmp_path / "problems"
    folder.mkdir()
    (folder / "p-10.pddl").write_text(SUSSMAN)
    (folder / "p-2.pddl").write_text(ONE_MOVE)
    shutil.copy(domain_path(), folder / "domain.pddl")  # a domain beside the problems is not one of them
    r = run_cli("solve", "problems", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if ".pddl" in line]
    assert [row.split()[1] for row in rows] == ["p-2.pddl", "p-10.pddl"], r.stdout  # natural order, no domain
    assert "(pick-up a) (stack a b)" in rows[0] and "(unstack c a)" in rows[1]
    r = run_cli("solve", "problems", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    solved = json.loads(r.stdout)
    assert [(Path(s["file"]).name, s["steps"], s["n_optimal_plans"]) for s in solved] == [("p-2.pddl", 2, 1),
                                                                                          ("p-10.pddl", 6, 1)]
    assert solved[1]["plan"][0] == "(unstack c a)"


def test_a_directory_with_an_unsolvable_file_solves_the_rest_and_says_so(tmp_path):
    folder = tmp_path / "problems"
    folder.mkdir()
    (folder / "good.pddl").write_text(ONE_MOVE)
    (folder / "bad.pddl").write_text(UNKNOWN)
    r = run_cli("solve", "problems", "--json", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "1 of 2 problem files not solved" in r.stderr, r.stderr
    by_file = {Path(s["file"]).name: s for s in json.loads(r.stdout)}
    assert by_file["good.pddl"]["steps"] == 2 and "z" in by_file["bad.pddl"]["error"]
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli("solve", "empty", cwd=tmp_path)
    assert r.returncode == 2 and "no PDDL problem files" in r.stderr and "no such file" not in r.stderr, r.stderr


def test_a_directory_that_is_not_a_suite_is_called_that(tmp_path):
    (tmp_path / "results" / "some-run").mkdir(parents=True)
    (tmp_path / "results" / "some-run" / "results.json").write_text("{}")
    r = run_cli("eval", "--model", "planner", "--suite", "results", "--out", "run", cwd=tmp_path)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert "--suite results: not a suite" in lines[0] and "--split" not in lines[0], lines[0]
    assert not (tmp_path / "run").exists()


def test_repeated_predictions_are_counted_as_duplicates(tmp_path):
    assert run_cli("generate", "--level", "L1", "--n", "3", "--out", "suite", cwd=tmp_path).returncode == 0
    assert run_cli("eval", "--model", "planner", "--suite", "suite", "--out", "run", cwd=tmp_path).returncode == 0
    lines = (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()
    (tmp_path / "again.jsonl").write_text("\n".join([*lines, lines[0]]) + "\n")
    r = run_cli("score", "again.jsonl", "--suite", "suite", "--model", "m", "--results", "results.json", cwd=tmp_path)
    said = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(said) == 1, r.stderr
    assert "1 duplicate: again.jsonl:4" in said[0] and "0 not in the suite" in said[0], said[0]
    assert not (tmp_path / "results.json").exists()
