"""Answers in the 3-operator domain's own actions (``move-b-to-t c a``): read as moves, simulated exactly as their
steps, two a move, and a move that fails said in its own terms."""

from __future__ import annotations

import json

import pytest

from bwbench.world.domain import recognise
from bwbench.world.pddl import from_up_problem, read_problem

from ..conftest import run_cli
from ..world.test_three_ops import DOMAIN, SUSSMAN

GOLD = ("Plan:\nstep 1: pick-up c\nstep 2: stack c on-top-of table\nstep 3: pick-up b\nstep 4: stack b on-top-of c\n"
        "step 5: pick-up a\nstep 6: stack a on-top-of b")


@pytest.fixture(scope="module")
def sussman(tmp_path_factory):
    root = tmp_path_factory.mktemp("three")
    (root / "domain.pddl").write_text(DOMAIN)
    (root / "sussman.pddl").write_text(SUSSMAN)
    up = read_problem(root / "sussman.pddl", root / "domain.pddl")
    vocab = recognise(up, name="bw-three")
    return from_up_problem(up, vocab), vocab


@pytest.mark.parametrize("answer,status,reason", [
    ("(move-b-to-t c a)\n(move-t-to-b b c)\n(move-t-to-b a b)", "valid", None),
    ("1. Move-B-to-T c, a\n2. move-t-to-b b c\n3. `move-t-to-b a b`", "valid", None),
    ("(move-b-to-t c b)\n(move-t-to-b b c)", "invalid_step", "move 1 (move-b-to-t c b): c is on a, not on b"),
    ("(move-b-to-t c a)\n(move-t-to-b a b)\n(move-t-to-b b c)", "invalid_step", "move 3 (move-t-to-b b c): b is not clear"),
    ("(move-b-to-t c a)\n(move-t-to-b b)", "parse_error", "move 2: not a move of bw-three"),
    ("(move-b-to-t c a)", "goal_not_reached", "goal not reached"),
])
def test_an_answer_in_moves_is_judged_in_moves(sussman, answer, status, reason):
    from bwbench.judging.judge import judge

    problem, vocab = sussman
    j = judge(problem.init, problem.goal, answer, gold=GOLD, vocab=vocab)
    assert j.status.value == status, j.to_json()
    assert reason is None or j.reason.startswith(reason), j.reason
    assert j.exact == (status == "valid") and j.optimal == (status == "valid")
    if status == "valid":
        assert j.plan_len == 6 and [str(s) for s in j.plan][:2] == ["(unstack c a)", "(put-down c)"]


def test_a_folder_of_answers_in_moves_scores_against_an_imported_suite(tmp_path):
    (tmp_path / "domain.pddl").write_text(DOMAIN)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "sussman.pddl").write_text(SUSSMAN)
    assert run_cli("import", "d", "--domain", "domain.pddl", "--out", "s", cwd=tmp_path).returncode == 0
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "sussman.pddl").write_text("(move-b-to-t c a)\n(move-t-to-b b c)\n(move-t-to-b a b)\n")
    r = run_cli("score", "answers", "--suite", "s", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    overall = json.loads(r.stdout)["overall"]
    assert overall["n"] == 1 and overall["valid"] == overall["optimal"] == overall["exact"] == 1.0, overall
    (tmp_path / "answers" / "sussman.pddl").write_text("(move-b-to-t c b)\n(move-t-to-b b c)\n")
    r = run_cli("score", "answers", "--suite", "s", "--json", cwd=tmp_path)
    overall = json.loads(r.stdout)["overall"]
    assert overall["valid"] == overall["parse_error"] == 0.0 and overall["executable"] == 0.0, overall
