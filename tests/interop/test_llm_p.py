"""A folder of answers as LLM+P writes them (one file per problem, named after it), scored on the suite it answers.

The files are written here as LLM+P lays them out: problems ``domains/blocksworld/pNN.pddl`` over a domain
``blocksworld-4ops`` (pickup, putdown, stack, unstack); the LLM's answers in words under
``results/<method>/blocksworld/pNN.pddl``; Fast Downward's plans under ``plans/<method>/blocksworld/`` as
``pNN.pddl`` or ``pNN.pddl.soln``, beside its ``pNN.pddl.sas`` translations, which answer nothing.
"""

import json

from ..conftest import run_cli

DOMAIN = """(define (domain blocksworld-4ops)
  (:requirements :strips)
  (:predicates (clear ?x) (on-table ?x) (arm-empty) (holding ?x) (on ?x ?y))
  (:action pickup :parameters (?ob)
    :precondition (and (clear ?ob) (on-table ?ob) (arm-empty))
    :effect (and (holding ?ob) (not (clear ?ob)) (not (on-table ?ob)) (not (arm-empty))))
  (:action putdown :parameters (?ob)
    :precondition (holding ?ob)
    :effect (and (clear ?ob) (arm-empty) (on-table ?ob) (not (holding ?ob))))
  (:action stack :parameters (?ob ?underob)
    :precondition (and (clear ?underob) (holding ?ob))
    :effect (and (arm-empty) (clear ?ob) (on ?ob ?underob) (not (clear ?underob)) (not (holding ?ob))))
  (:action unstack :parameters (?ob ?underob)
    :precondition (and (on ?ob ?underob) (clear ?ob) (arm-empty))
    :effect (and (holding ?ob) (clear ?underob) (not (on ?ob ?underob)) (not (clear ?ob)) (not (arm-empty)))))
"""


def _problem(name: str, init: list[str], goal: list[str], blocks: str) -> str:
    facts = "\n".join(f"({f})" for f in init)
    return (f"\n\n(define (problem {name})\n(:domain blocksworld-4ops)\n(:objects {blocks} )\n(:init\n(arm-empty)\n"
            f"{facts}\n)\n(:goal\n(and\n" + "\n".join(f"({g})" for g in goal) + ")\n)\n)\n\n\n")


PROBLEMS = {
    # already solved at the start: b2 on b3 on b1
    "p01": _problem("BW-rand-3", ["on-table b1", "on b2 b3", "on b3 b1", "clear b2"], ["on b2 b3", "on b3 b1"],
                    "b1 b2 b3"),
    # b2 on b1, b3 alone; goal b1 on b3
    "p02": _problem("BW-rand-3", ["on-table b1", "on b2 b1", "on-table b3", "clear b2", "clear b3"], ["on b1 b3"],
                    "b1 b2 b3"),
    "p03": _problem("BW-rand-2", ["on-table b1", "on-table b2", "clear b1", "clear b2"], ["on b2 b1"], "b1 b2"),
}


def _llm_p(tmp_path):
    root = tmp_path / "llm-pddl"
    problems = root / "domains" / "blocksworld"
    problems.mkdir(parents=True)
    (problems / "domain.pddl").write_text(DOMAIN)
    for name, text in PROBLEMS.items():
        (problems / f"{name}.pddl").write_text(text)
    suite = tmp_path / "llmp"
    r = run_cli("import", problems, "--domain", problems / "domain.pddl", "--out", suite)
    assert r.returncode == 0, r.stderr
    return root, suite


def test_scoring_the_llms_answers_in_words_matched_by_file_name(tmp_path):
    root, suite = _llm_p(tmp_path)
    words = root / "experiments" / "run0" / "results" / "llm" / "blocksworld"
    words.mkdir(parents=True)
    (words / "p01.pddl").write_text("The current state of the blocks already matches the goal state. Therefore, no "
                                    "actions are required. The optimal plan in this case is to do nothing.")
    (words / "p02.pddl").write_text("Sure, here is an optimal plan:\n\n1. Unstack b2 from b1. Now the arm holds b2.\n"
                                    "2. Putdown b2 on the table.\n3. Pickup b1 from the table.\n4. Stack b1 on b3.\n\n"
                                    "Now b1 is on top of b3, as required.")
    (words / "p03.pddl").write_text("1. Pickup b1\n2. Stack b1 on b2\n")  # the wrong way round
    r = run_cli("score", words, "--suite", suite, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    got = data["overall"]
    assert data["format"] == "answer folder" and got["n"] == 3 and data["missing"] == []
    assert got["count"]["valid"] == 2 and got["count"]["optimal"] == 2 and got["count"]["exact"] == 2
    assert got["parse_error"] == 0


def test_fast_downwards_plans_beside_other_files_and_a_missing_answer(tmp_path):
    root, suite = _llm_p(tmp_path)
    plans = root / "experiments" / "run0" / "plans" / "llm_ic_pddl" / "blocksworld"
    plans.mkdir(parents=True)
    (plans / "p01.pddl.soln").write_text("; cost = 0 (unit cost)\n")
    (plans / "p01.pddl.sas").write_text("begin_version\n3\nend_version\n")  # the translator's output: no answer
    (plans / "p02.pddl").write_text("(unstack b2 b1)\n(putdown b2)\n(pickup b1)\n(stack b1 b3)\n; cost = 4 (unit cost)\n")
    (plans / "validation.txt").write_text("p01: valid\n")
    r = run_cli("score", plans, "--suite", suite, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["overall"]["n"] == 2 and data["overall"]["count"]["valid"] == 2 and data["missing"] == ["llmp-p03"]
    r = run_cli("score", plans, "--suite", suite)
    assert r.returncode == 0 and "no answer for 1 of the suite's 3 problems" in " ".join(r.stdout.split()), r.stdout


def test_a_folder_needs_its_suite_and_one_answer_a_problem(tmp_path):
    root, suite = _llm_p(tmp_path)
    answers = tmp_path / "answers"
    answers.mkdir()
    r = run_cli("score", answers)
    assert r.returncode == 2 and "a folder of answers" in r.stderr and "--suite" in r.stderr
    r = run_cli("score", answers, "--suite", suite)
    assert r.returncode == 2 and "none of its 0 files is named after a problem" in r.stderr
    (answers / "p02.pddl").write_text("(unstack b2 b1)\n")
    (answers / "p02.pddl.soln").write_text("(unstack b2 b1)\n")
    r = run_cli("score", answers, "--suite", suite)
    assert r.returncode == 2 and "two answers to llmp-p02: p02.pddl and p02.pddl.soln" in r.stderr


def test_the_report_says_what_was_scored(tmp_path):
    root, suite = _llm_p(tmp_path)
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "p03.pddl.soln").write_text("(pickup b1)\n(stack b1 b2)\n; cost = 2 (unit cost)\n")
    r = run_cli("score", answers, "--suite", suite, "--report", tmp_path / "r.txt")
    assert r.returncode == 0, r.stderr
    report = (tmp_path / "r.txt").read_text()
    assert "(answer folder, 1 predictions)" in report and "NOT VALID: 1 of 1" in report
