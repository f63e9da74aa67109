import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from bwbench.world import pddl
from bwbench.world.domain import recognise
from bwbench.world.goal import Goal
from bwbench.world.state import State
from bwbench.world.vocab import IPC, Vocabulary

from ..conftest import SHARED as SHARED_ROOT
from ..conftest import TYPED_DOMAIN, need_shared, random_state


def test_states_round_trip_through_pddl_text(tmp_path):
    rng = random.Random(5)
    for i in range(20):
        blocks = ["red", "blue", "green", "yellow", "white", "black", "gray"][: rng.randint(1, 7)]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        path = tmp_path / f"p{i}.pddl"
        path.write_text(pddl.to_pddl(init, goal, f"p{i}"))
        read = pddl.from_up_problem(pddl.read_problem(path))
        assert read.init == init and read.goal.to_state(init.blocks) == goal


def test_domain_is_the_standard_four_operator_one():
    text = pddl.domain_path().read_text()
    for op in ("pick-up", "put-down", "stack", "unstack"):
        assert f"(:action {op}" in text


def test_partial_goals_come_back_as_facts(tmp_path):
    path = tmp_path / "partial.pddl"
    path.write_text(
        "(define (problem p) (:domain blocksworld) (:objects a b c)"
        " (:init (arm-empty) (on-table a) (on-table b) (on c a) (clear b) (clear c))"
        " (:goal (and (on a b))))"
    )
    read = pddl.from_up_problem(pddl.read_problem(path))
    assert read.init == State.of([("a", "c"), ("b",)]) and read.goal == Goal.of_facts([("on", "a", "b")])
    assert read.goal.to_state(read.init.blocks) is None


def test_unreadable_pddl_is_a_value_error(tmp_path):
    path = tmp_path / "bad.pddl"
    path.write_text("(define (problem p) (:domain blocksworld) (:objects a")
    with pytest.raises(ValueError, match="cannot read PDDL"):
        pddl.read_problem(path)


SHARED = SHARED_ROOT / "planbench-reference" / "instances"


@pytest.mark.parametrize("problems,domain", [
    ("blocksworld/generated_basic", "blocksworld/generated_domain.pddl"),
    ("blocksworld/generated_basic_3", "blocksworld/generated_domain.pddl"),
    ("blocksworld/mystery/generated_basic", "blocksworld/mystery/generated_domain.pddl"),
    ("blocksworld_hard/generated", "blocksworld_hard/generated_domain.pddl"),
])
def test_fast_reader_reads_what_unified_planning_reads(problems, domain):
    need_shared(SHARED)
    files = sorted((SHARED / problems).glob("*.pddl"))[::25]
    vocab = recognise(pddl.read_problem(files[0], SHARED / domain))
    for f in files:
        fast = pddl.read_problem_fast(f.read_text(), vocab)
        slow = pddl.from_up_problem(pddl.read_problem(f, SHARED / domain), vocab)
        assert fast is not None and (fast.init, fast.goal, fast.objects) == (slow.init, slow.goal, slow.objects), f


def test_fast_reader_leaves_what_it_does_not_know_to_unified_planning(tmp_path):
    vocab = recognise(pddl.read_problem(_write(tmp_path, "(on a b)")))
    typed = ("(define (problem p) (:domain blocksworld) (:objects a b - block)"
             " (:init (arm-empty) (on-table a) (on-table b) (clear a) (clear b)) (:goal (and (on a b))))")
    negative = ("(define (problem p) (:domain blocksworld) (:objects a b)"
                " (:init (arm-empty) (on-table a) (on-table b) (clear a) (clear b)) (:goal (and (on a b) (not (on b a)))))")
    assert pddl.read_problem_fast(negative, vocab) is None
    commented = "; a comment (with parentheses)\n" + typed.replace(" - block", "")
    assert pddl.read_problem_fast(commented, vocab).goal == Goal.of_facts([("on", "a", "b")])
    assert pddl.read_problem_fast(typed, vocab).goal == Goal.of_facts([("on", "a", "b")])  # untyped domain: dropped
    assert pddl.read_problem_fast(typed.replace("a b - block", "a b -"), vocab) is None
    assert pddl.read_problem_fast(typed.replace("a b - block", "a b - block - block"), vocab) is None  # not PDDL


@pytest.mark.parametrize("objects", ["a b c - block", "a b c", "a - block b c - block", "A B - block C"])
@pytest.mark.parametrize("types", ["(:types block)", "(:types block - object)"])
def test_typed_objects_read_fast_as_unified_planning_reads_them(tmp_path, objects, types):
    domain = tmp_path / "typed.pddl"
    domain.write_text(TYPED_DOMAIN.replace("(:types block)", types))
    problem = tmp_path / "p.pddl"
    problem.write_text(f"(define (problem p) (:domain blocks) (:objects {objects}) (:init (handempty) (ontable a)"
                       " (on b a) (ontable c) (clear b) (clear c)) (:goal (and (on a b) (on b c))))")
    vocab = recognise(pddl.read_domain(domain))
    assert vocab.types == ("block",)
    for domain_file in (domain, None):  # a typed domain, and the shipped untyped one (the types dropped)
        words = vocab if domain_file else IPC
        fast = pddl.read_problem_fast(problem.read_text(), words)
        slow = pddl.from_up_problem(pddl.read_problem(problem, domain_file), words)
        assert fast is not None and (fast.init, fast.goal, fast.objects) == (slow.init, slow.goal, slow.objects)


@pytest.mark.parametrize("types", ["(:types block)", "(:types block - object)"])
def test_a_type_the_typed_domain_lacks_is_left_to_the_reading_that_names_it(tmp_path, types):
    domain = tmp_path / "typed.pddl"
    domain.write_text(TYPED_DOMAIN.replace("(:types block)", types))
    vocab = recognise(pddl.read_domain(domain))
    problem = tmp_path / "p.pddl"
    problem.write_text("(define (problem p) (:domain blocks) (:objects a b - blok) (:init (handempty) (ontable a)"
                       " (ontable b) (clear a) (clear b)) (:goal (and (on a b))))")
    for unknown in ("blok", "object"):  # an object of PDDL's root type is none of the domain's blocks
        text = problem.read_text().replace("blok", unknown)
        assert pddl.read_problem_fast(text, vocab) is None
        (tmp_path / "q.pddl").write_text(text)
        with pytest.raises(ValueError, match=f"unknown type {unknown} in :objects; the domain declares block"):
            pddl.read_problem(tmp_path / "q.pddl", domain)
    two = replace(vocab, types=("block", "table"))  # an untyped object could be either: not guessed
    assert pddl.read_problem_fast(problem.read_text().replace(" - blok", ""), two) is None
    assert Vocabulary.from_json(json.loads(json.dumps(vocab.to_json()))) == vocab


def _write(tmp_path, goal: str) -> Path:
    path = tmp_path / "p.pddl"
    path.write_text("(define (problem p) (:domain blocksworld) (:objects a b c)"
                    " (:init (arm-empty) (on-table a) (on-table b) (on c a) (clear b) (clear c))"
                    f" (:goal (and {goal})))")
    return path


def test_inconsistent_initial_states_are_refused(tmp_path):
    path = tmp_path / "p.pddl"
    path.write_text("(define (problem p) (:domain blocksworld) (:objects a b)"
                    " (:init (arm-empty) (on-table a) (on b a) (clear a) (clear b)) (:goal (and (on a b))))")
    with pytest.raises(ValueError, match="clear facts"):
        pddl.from_up_problem(pddl.read_problem(path))


def test_domains_are_recognised_by_structure_not_names(tmp_path):
    from bwbench.world.domain import NotBlocksworld
    from bwbench.world.state import Op

    text = pddl.domain_path().read_text()
    renamed = text
    for old, new in [("pick-up", "grab"), ("put-down", "drop"), ("unstack", "lift"), ("(:action stack", "(:action place"),
                     ("on-table", "floor"), ("arm-empty", "free"), ("holding", "carry"), ("clear", "open")]:
        renamed = renamed.replace(old, new)
    (tmp_path / "renamed.pddl").write_text(renamed)
    problem = ("(define (problem p) (:domain blocksworld) (:objects a b)"
               " (:init (free) (floor a) (floor b) (open a) (open b)) (:goal (and (on a b))))")
    (tmp_path / "p.pddl").write_text(problem)
    vocab = recognise(pddl.read_problem(tmp_path / "p.pddl", tmp_path / "renamed.pddl"))
    assert dict(vocab.actions) == {Op.PICK_UP: "grab", Op.PUT_DOWN: "drop", Op.STACK: "place", Op.UNSTACK: "lift"}
    assert vocab.predicates["on-table"] == "floor" and vocab.predicates["clear"] == "open"
    # The familiar names for something else: put-down that leaves the block unclear is not Blocksworld's.
    broken = text.replace(":effect (and (clear ?ob) (arm-empty) (on-table ?ob) (not (holding ?ob)))",
                          ":effect (and (arm-empty) (on-table ?ob) (not (holding ?ob)))")
    assert broken != text
    (tmp_path / "broken.pddl").write_text(broken)
    (tmp_path / "q.pddl").write_text(problem.replace("free", "arm-empty").replace("floor", "on-table").replace("open", "clear"))
    with pytest.raises(NotBlocksworld, match="do not match"):
        recognise(pddl.read_problem(tmp_path / "q.pddl", tmp_path / "broken.pddl"))


def test_partial_goals_round_trip_through_pddl_text(tmp_path):
    init = State.of([("a", "c"), ("b",)])
    goal = Goal.of_facts([("on", "a", "b"), ("clear", "c"), ("arm-empty",)])
    path = tmp_path / "p.pddl"
    path.write_text(pddl.to_pddl(init, goal, "p"))
    read = pddl.from_up_problem(pddl.read_problem(path))
    assert (read.init, read.goal) == (init, goal)
    assert pddl.read_problem_fast(path.read_text(), recognise(pddl.read_problem(path))).goal == goal
