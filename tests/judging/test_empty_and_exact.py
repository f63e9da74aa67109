"""An empty plan written the ways planners and models write it, and exact match as actions in any format."""

import pytest

from bwbench.judging.judge import judge
from bwbench.world.simulate import Status
from bwbench.world.state import State
from bwbench.world.planbench import BLOCKSWORLD

from ..conftest import run_cli

SOLVED = State.of([("green", "blue"), ("red",)])  # a problem whose goal holds at the start
OTHER = State.of([("blue",), ("red", "green")])

EMPTY_FORMS = [
    "; cost = 0 (unit cost)\n",  # Fast Downward's plan file of no steps
    "[PLAN]\n[PLAN END]",  # PlanBench's marks around nothing
    "My plan is as follows:\n\n[PLAN]\n\n[PLAN END]\n",
    "[PLAN END]",  # the prompt ended with [PLAN]
    "No actions are required.",
    "The goal is already satisfied; no actions needed",
    "empty plan",
    "The current state already matches the goal state. Therefore, no actions are required. The optimal plan in "
    "this case is to do nothing.",
]


@pytest.mark.parametrize("text", EMPTY_FORMS)
def test_an_empty_plan_in_each_form_is_valid_when_the_goal_holds_at_the_start(text):
    v = judge(SOLVED, SOLVED, text, gold="Plan:")
    assert v.status is Status.VALID and v.plan_len == 0 and v.optimal and v.exact, (text, v)
    assert any("empty plan" in n for n in v.notes)


@pytest.mark.parametrize("text", EMPTY_FORMS)
def test_an_empty_plan_on_an_unsolved_problem_misses_the_goal(text):
    v = judge(SOLVED, OTHER, text)
    assert v.status is Status.GOAL_NOT_REACHED and v.executable and not v.valid, (text, v)


@pytest.mark.parametrize("text", ["hello world", "[PLAN]\nI am not sure.\n[PLAN END]", "; cost = 4 (unit cost)",
                                  "I cannot solve this.", "; a comment\nnothing"])
def test_garbage_without_steps_is_still_a_parse_error(text):
    assert judge(SOLVED, SOLVED, text).status is Status.PARSE_ERROR


def test_an_empty_answer_stays_the_empty_plan():
    """The seed's format writes an empty plan as nothing, so "" is the empty plan: valid on a solved problem, and
    on another, `empty` (no plan at all), as before."""
    assert judge(SOLVED, SOLVED, "").status is Status.VALID
    assert judge(SOLVED, OTHER, "").status is Status.EMPTY


INIT = State.of([("green", "blue"), ("red",)])
GOAL = State.of([("blue",), ("red", "green")])
GOLD = "Plan:\nstep 1: pick-up blue\nstep 2: stack blue on-top-of table\nstep 3: pick-up green\nstep 4: stack green on-top-of red"
SAME = [
    "(unstack blue green)\n(put-down blue)\n(pick-up green)\n(stack green red)\n; cost = 4 (unit cost)\n",
    "1. unstack the blue block from on top of the green block\n2. put down the blue block\n"
    "3. pick up the green block\n4. stack the green block on top of the red block",
    "Here is my plan:\n[PLAN]\nunstack blue from green\nput down blue\npick up green\nstack green on red\n[PLAN END]",
    "Unstack(blue, green)\nPutDown(blue)\nPickUp(green)\nStack(green, red)",
]


@pytest.mark.parametrize("text", SAME)
def test_a_plan_step_for_step_the_gold_plan_is_exact_in_any_format(text):
    v = judge(INIT, GOAL, text, GOLD)
    assert v.valid and v.exact, (text, v)


def test_the_gold_plan_in_pddl_matches_an_answer_in_the_seeds_words():
    pddl_gold = "(unstack blue green)\n(put-down blue)\n(pick-up green)\n(stack green red)"
    assert judge(INIT, GOAL, GOLD, pddl_gold).exact


def test_another_plan_or_an_unreadable_gold_is_not_exact():
    other = "(unstack blue green)\n(stack blue red)\n(unstack blue red)\n(put-down blue)\n(pick-up green)\n" \
            "(stack green red)"
    assert judge(INIT, GOAL, other, GOLD).valid and not judge(INIT, GOAL, other, GOLD).exact
    assert not judge(INIT, GOAL, SAME[0], "some text that is no plan").exact
    swapped = "(unstack blue green)\n(put-down blue)\n(pick-up green)\n(stack green red)\n(unstack green red)\n" \
              "(stack green red)"
    assert not judge(INIT, GOAL, swapped, GOLD).exact


def test_exact_as_actions_in_planbench_words_against_pddl():
    """PlanBench's Blocksworld words (the red block is object a) against its gold plan in PDDL."""
    vocab = BLOCKSWORLD.vocabulary
    init, goal = State.of([("b", "a"), ("c",)]), State.of([("a",), ("c", "b")])
    words = "[PLAN]\nunstack the red block from on top of the blue block\nput down the red block\n" \
            "pick up the blue block\nstack the blue block on top of the orange block\n[PLAN END]"
    v = judge(init, goal, words, "(unstack a b)\n(put-down a)\n(pick-up b)\n(stack b c)", vocab=vocab)
    assert v.valid and v.exact, v


def test_score_counts_an_answer_in_pddl_as_exact(tmp_path):
    import json

    line = {"init": [["green", "blue"], ["red"]], "goal": [["blue"], ["red", "green"]], "output": GOLD,
            "completion": SAME[0]}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(line) + "\n")
    r = run_cli("score", path, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["overall"]["count"]["exact"] == 1
