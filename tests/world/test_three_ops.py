"""The 3-operator Blocksworld (``move-b-to-b``, ``move-b-to-t``, ``move-t-to-b``; no hand), as the IPC writes it:
recognised by its schemas under any names, solved as moves, printed and judged in its own actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bwbench.world.domain import NotBlocksworld, recognise
from bwbench.world.pddl import from_up_problem, read_problem
from bwbench.world.simulate import simulate_moves
from bwbench.world.vocab import Vocabulary

from ..conftest import run_cli

DOMAIN = """;; Blocksworld with three operators and no hand
(define (domain bw-three)
 (:requirements :strips :typing)
 (:types block - object)
 (:predicates (clear ?x - block) (ontable ?x - block) (on ?x ?y - block))
 (:action move-b-to-b :parameters (?b ?from ?to - block)
  :precondition (and (clear ?b) (clear ?to) (on ?b ?from))
  :effect (and (on ?b ?to) (clear ?from) (not (clear ?to)) (not (on ?b ?from))))
 (:action move-b-to-t :parameters (?b ?from - block)
  :precondition (and (clear ?b) (on ?b ?from))
  :effect (and (ontable ?b) (clear ?from) (not (on ?b ?from))))
 (:action move-t-to-b :parameters (?b ?to - block)
  :precondition (and (clear ?b) (clear ?to) (ontable ?b))
  :effect (and (on ?b ?to) (not (clear ?to)) (not (ontable ?b)))))
"""
RENAMED = (DOMAIN.replace("move-b-to-b", "shift").replace("move-b-to-t", "lower").replace("move-t-to-b", "raise")
           .replace("ontable", "grounded").replace("clear", "free").replace("(on ", "(atop "))
SUSSMAN = """(define (problem sussman) (:domain bw-three)
 (:objects a b c - block)
 (:init (ontable a) (ontable b) (on c a) (clear b) (clear c))
 (:goal (and (on a b) (on b c))))
"""


def moves_printed(stdout: str) -> list[str]:
    return [line for line in stdout.split("\n\n")[0].splitlines() if line.startswith("(")]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "domain.pddl").write_text(DOMAIN)
    (tmp_path / "renamed.pddl").write_text(RENAMED)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "sussman.pddl").write_text(SUSSMAN)
    renamed = SUSSMAN.replace("ontable", "grounded").replace("clear", "free").replace("(on ", "(atop ")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "sussman.pddl").write_text(renamed)
    return tmp_path


def test_the_domain_is_recognised_by_its_schemas_whatever_its_names(files):
    for domain, problem in (("domain.pddl", "d"), ("renamed.pddl", "r")):
        vocab = recognise(read_problem(files / problem / "sussman.pddl", files / domain))
        assert set(vocab.moves) == {"move-b-to-b", "move-b-to-t", "move-t-to-b"} and not vocab.actions
    vocab = recognise(read_problem(files / "r" / "sussman.pddl", files / "renamed.pddl"))
    assert dict(vocab.moves) == {"move-b-to-b": "shift", "move-b-to-t": "lower", "move-t-to-b": "raise"}
    assert Vocabulary.from_json(json.loads(json.dumps(vocab.to_json()))) == vocab


def test_a_domain_whose_moves_do_other_things_is_not_blocksworld(files):
    wrong = DOMAIN.replace("(and (ontable ?b) (clear ?from) (not (on ?b ?from)))", "(and (ontable ?b) (not (on ?b ?from)))")
    (files / "wrong.pddl").write_text(wrong)
    with pytest.raises(NotBlocksworld, match="move-b-to-b, move-b-to-t"):
        recognise(read_problem(files / "d" / "sussman.pddl", files / "wrong.pddl"))


@pytest.mark.parametrize("domain,problem,planner", [("domain.pddl", "d", "bwbench"), ("renamed.pddl", "r", "bwbench"),
                                                    ("domain.pddl", "d", "pyperplan")])
def test_solve_prints_one_action_a_move_in_the_domains_names(files, domain, problem, planner):
    r = run_cli("solve", f"{problem}/sussman.pddl", "--domain", domain, "--planner", planner, cwd=files)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("; 3 moves (6 steps)"), r.stdout
    printed = moves_printed(r.stdout)
    up = read_problem(files / problem / "sussman.pddl", files / domain)
    vocab = recognise(up)
    read = from_up_problem(up, vocab)
    assert len(printed) == 3 and simulate_moves(read.init, read.goal, [vocab.read_move(m) for m in printed])
    assert all(m.split()[0][1:] in vocab.moves.values() for m in printed)


def test_import_states_levels_in_moves_and_checks_the_sources_plan_in_its_actions(files):
    plans = {"sussman.pddl": {"plan": "(move-b-to-t c a)\n(move-t-to-b b c)\n(move-t-to-b a b)\n"}}
    (files / "info.json").write_text(json.dumps(plans))
    r = run_cli("import", "d", "--domain", "domain.pddl", "--plans", "info.json", "--out", "s", cwd=files)
    assert r.returncode == 0, r.stderr
    assert "move-b-to-b, move-b-to-t, move-t-to-b" in r.stdout and "L3: 1" in r.stdout
    rec = json.loads((files / "s" / "test.jsonl").read_text())
    assert rec["level"] == 3 and rec["optimal_len"] == 6 and len(rec["source_plan"]) == 6
    assert "a on b\nb on c\nhand empty" in rec["input"]  # the goal bwbench solves, as the suite's reader checks it
    man = json.loads((files / "s" / "manifest.json").read_text())
    assert man["imported"]["domain"]["actions"] == {m: m for m in ("move-b-to-b", "move-b-to-t", "move-t-to-b")}
    bad = {"sussman.pddl": {"plan": "(move-b-to-t c b)\n(move-t-to-b b c)\n(move-t-to-b a b)\n"}}
    (files / "info.json").write_text(json.dumps(bad))
    r = run_cli("import", "d", "--domain", "domain.pddl", "--plans", "info.json", "--out", "t", cwd=files)
    assert r.returncode == 2 and "c is on a, not on b" in r.stderr


@pytest.mark.parametrize("plan,reason", [
    (["(move-b-to-t c a)", "(move-t-to-b b c)", "(move-t-to-b a b)"], None),
    (["(move-b-to-t c b)"], "move 1 (move-b-to-t c b): c is on a, not on b"),
    (["(move-b-to-t c a)", "(move-t-to-b a c)", "(move-t-to-b b c)"], "move 3 (move-t-to-b b c): c is not clear"),
    (["(move-b-to-t c a)", "(move-t-to-b a b)", "(move-b-to-b a b a)"], "move 3 (move-b-to-b a b a): a cannot be moved onto itself"),
    (["(move-t-to-b c b)"], "move 1 (move-t-to-b c b): c is on a, not on the table"),
    (["(move-b-to-t c a)"], "goal not reached"),
])
def test_a_plan_of_moves_is_simulated_exactly_and_failures_said_in_moves(files, plan, reason):
    up = read_problem(files / "d" / "sussman.pddl", files / "domain.pddl")
    vocab = recognise(up)
    read = from_up_problem(up, vocab)
    result = simulate_moves(read.init, read.goal, [vocab.read_move(m) for m in plan], vocab.moves)
    assert bool(result) == (reason is None)
    assert reason is None or result.reason.startswith(reason), result.reason


def test_a_move_with_the_wrong_number_of_blocks_is_not_read(files):
    vocab = recognise(read_problem(files / "d" / "sussman.pddl", files / "domain.pddl"))
    with pytest.raises(ValueError, match="takes 3 blocks"):
        vocab.read_move("(move-b-to-b a b)")


def test_a_problem_of_the_domain_read_without_its_file_says_which_file_it_needs(files):
    for command in (["solve", "d/sussman.pddl"], ["import", "d", "--out", "s"]):
        r = run_cli(*command, cwd=files)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2 and len(lines) == 1 and "sussman.pddl" in lines[0], r.stderr
        assert "3-operator domain" in lines[0] and "domain's file" in lines[0], lines[0]
    assert not (files / "s").exists()


def test_the_one_domain_file_beside_the_problems_is_theirs(files):
    """As IPC's folders hold them: problems and their domain.pddl side by side, read with it without --domain; with
    two domain files there, neither is chosen, and the problem says which file it needs."""
    (files / "d" / "domain.pddl").write_text(DOMAIN)
    r = run_cli("solve", "d/sussman.pddl", cwd=files)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("; 3 moves (6 steps)") and len(moves_printed(r.stdout)) == 3, r.stdout
    r = run_cli("solve", "d", "--json", cwd=files)
    assert r.returncode == 0, r.stderr
    solved, = json.loads(r.stdout)
    assert solved["steps"] == 6 and solved["actions"] == len(solved["plan"]) == 3, solved
    assert all(a.startswith("(move-") for a in solved["plan"]), solved
    r = run_cli("import", "d", "--out", "s", cwd=files)
    assert r.returncode == 0, r.stderr
    man = json.loads((files / "s" / "manifest.json").read_text())
    assert set(man["imported"]["domain"]["actions"]) == {"move-b-to-b", "move-b-to-t", "move-t-to-b"}
    (files / "d" / "other.pddl").write_text(RENAMED)
    r = run_cli("solve", "d/sussman.pddl", cwd=files)
    assert r.returncode == 2 and "3-operator domain" in r.stderr, r.stderr
    (files / "d" / "other.pddl").unlink()
    (files / "d" / "folder.pddl").mkdir()  # not a file: not a domain file to choose, and no reason to fail
    r = run_cli("solve", str(files / "d" / "sussman.pddl"), cwd=files)
    assert r.returncode == 0 and r.stdout.startswith("; 3 moves (6 steps)"), r.stderr
    r = run_cli("solve", "d", "--json", cwd=files)
    assert r.returncode == 0 and [Path(a["file"]).name for a in json.loads(r.stdout)] == ["sussman.pddl"], r.stderr
