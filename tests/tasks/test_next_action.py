"""The next-action task: its judge against a breadth-first search written here, at 60 blocks against the planner's
general path, on answers as models write them, and end to end through the command line."""

from __future__ import annotations

import json
import random
from collections import deque

import pytest

from bwbench.planning.planner import optimal_length
from bwbench.tasks import get_task
from bwbench.tasks.next_action import Verdict, judge_next_action
from bwbench.world.goal import Goal
from bwbench.world.state import State
from tests.conftest import run_cli

# ----------------------------------------------------------------------------- an independent simulator and search


def _successors(towers: frozenset, holding: str | None):
    """(action text, next state) for every applicable 4-operator action, written from the domain's rules."""
    if holding is None:
        for t in towers:
            rest = towers - {t}
            top = t[-1]
            if len(t) == 1:
                yield f"(pick-up {top})", (rest, top)
            else:
                yield f"(unstack {top} {t[-2]})", (rest | {t[:-1]}, top)
    else:
        yield f"(put-down {holding})", (towers | {(holding,)}, None)
        for t in towers:
            yield f"(stack {holding} {t[-1]})", ((towers - {t}) | {t + (holding,)}, None)


def _holds(state, goal: Goal) -> bool:
    towers, holding = state
    on = {}
    for t in towers:
        for i, b in enumerate(t):
            on[b] = t[i - 1] if i else "table"
    for fact in goal.facts():
        name, args = fact[0], fact[1:]
        if name == "on" and on.get(args[0]) != args[1]:
            return False
        if name == "on-table" and on.get(args[0]) != "table":
            return False
        if name == "clear" and (holding == args[0] or any(args[0] in t[:-1] for t in towers)):
            return False
        if name == "arm-empty" and holding is not None:
            return False
    return True


def _distance(start, goal: Goal) -> int:
    seen, todo = {start: 0}, deque([start])
    while todo:
        s = todo.popleft()
        if _holds(s, goal):
            return seen[s]
        for _, nxt in _successors(*s):
            if nxt not in seen:
                seen[nxt] = seen[s] + 1
                todo.append(nxt)
    raise AssertionError("unreachable goal")


def _random_state(blocks: list[str], rng: random.Random) -> State:
    towers: list[list[str]] = []
    for b in rng.sample(blocks, len(blocks)):
        if towers and rng.random() < 0.6:
            rng.choice(towers).append(b)
        else:
            towers.append([b])
    return State.of(towers)


def _random_goal(blocks: list[str], rng: random.Random, full: bool) -> Goal:
    goal = Goal.of_state(_random_state(blocks, rng))
    if full:
        return goal
    facts = [f for f in goal.facts() if f[0] in ("on", "on-table")]
    return Goal.of_facts(rng.sample(facts, rng.randint(1, min(3, len(facts)))))


@pytest.mark.parametrize("full", [True, False])
def test_every_first_action_is_judged_as_breadth_first_search_finds_it(full):
    rng = random.Random(7 if full else 8)
    checked = right = 0
    for _ in range(25):
        blocks = ["a", "b", "c", "d", "e"][: rng.randint(3, 5)]
        init, goal = _random_state(blocks, rng), _random_goal(blocks, rng, full)
        start = (frozenset(init.towers), None)
        best = _distance(start, goal)
        for text, nxt in _successors(*start):
            j = judge_next_action(init, goal, text)
            truth = best > 0 and _distance(nxt, goal) == best - 1
            assert j.optimal == truth, (init, goal.facts(), text, j)
            assert j.status is (Verdict.OPTIMAL if truth else Verdict.NOT_OPTIMAL)
            checked += 1
            right += truth
    assert checked > 40 and 0 < right < checked  # both verdicts were exercised


def test_sixty_blocks_the_fast_judge_agrees_with_the_general_distance():
    rng = random.Random(3)
    blocks = [f"b{i}" for i in range(60)]
    init, goal_state = _random_state(blocks, rng), _random_state(blocks, rng)
    goal = Goal.of_state(goal_state)
    best = optimal_length(init, goal_state)
    for top in sorted(init.clear()):
        pick = init.resolve("pick-up", top)
        held = init.apply(pick)
        places = [held.resolve("stack", top, d) for d in ["table", *sorted(held.clear())]]
        truth = any(2 + optimal_length(held.apply(p), goal_state) == best for p in places)
        assert judge_next_action(init, goal_state, pick.pddl(), best).optimal == truth
        assert judge_next_action(init, goal, pick.pddl(), best).optimal == truth  # the same goal, as facts


def _problem():
    init = State.of([["red", "blue"], ["green"]])  # blue on red
    goal = State.of([["green", "blue", "red"]])  # red on blue on green
    return init, goal


@pytest.mark.parametrize("answer, verdict", [
    ("pick-up blue", Verdict.OPTIMAL),
    ("The next action is to unstack the blue block from on top of the red block.", Verdict.OPTIMAL),
    ("(unstack blue red)", Verdict.OPTIMAL),
    ("Plan:\nstep 1: pick-up blue\nstep 2: stack blue on-top-of green\nstep 3: pick-up red", Verdict.OPTIMAL),
    ("pick-up green", Verdict.NOT_OPTIMAL),
    ("stack blue on-top-of green", Verdict.INAPPLICABLE),  # the hand is empty
    ("pick-up red", Verdict.INAPPLICABLE),  # blue is on it
    ("No action is needed; the goal is already satisfied.", Verdict.NOT_OPTIMAL),
    ("I am not sure what to do here.", Verdict.PARSE_ERROR),
    ("", Verdict.PARSE_ERROR),
    ("**Next action:** unstack the blue block from on top of the red block", Verdict.OPTIMAL),
    ("Sure! The first step should be: pick up the blue block.", Verdict.OPTIMAL),
    ("x" * 50_000 + "\npick-up blue", Verdict.OPTIMAL),
])
def test_answers_as_models_write_them(answer, verdict):
    init, goal = _problem()
    j = judge_next_action(init, goal, answer)
    assert j.status is verdict, j
    assert json.dumps(j.to_json())  # a prediction line can hold it


def test_a_whole_plan_is_judged_by_its_first_step_and_says_so():
    init, goal = _problem()
    j = judge_next_action(init, goal, "pick-up blue\nstack blue on-top-of green")
    assert j.optimal and any("first of 2" in n for n in j.notes)


def test_no_action_is_right_only_where_the_goal_holds():
    init, _ = _problem()
    assert judge_next_action(init, init, "No actions are required.").optimal
    assert not judge_next_action(init, init, "pick-up blue").optimal


def test_planner_and_random_answers():
    task = get_task("next-action")
    rng = random.Random(1)

    class Item:  # what a suite's view gives a task: an example with its problem
        def __init__(self, init, goal):
            self.init, self.goal, self.vocab = init, goal, None
            self.optimal_len = optimal_length(init, goal)
            self.example = self

    items = [Item(_random_state(list("abcdef"), rng), _random_state(list("abcdef"), rng)) for _ in range(30)]
    assert all(task.judge(i, task.reference(i)).optimal for i in items if i.optimal_len)
    randoms = [task.judge(i, task.random_answer(i, rng)) for i in items if i.optimal_len]
    assert all(j.applicable for j in randoms) and not all(j.optimal for j in randoms)


# ----------------------------------------------------------------------------- the command line


def test_generate_eval_score_and_derive(tmp_path):
    suite = tmp_path / "next"
    done = run_cli("generate", "--task", "next-action", "--level", "L2", "--n", "6", "--blocks", "4", "--out", suite)
    assert done.returncode == 0, done.stderr
    records = [json.loads(x) for x in (suite / "test.jsonl").read_text().splitlines()]
    assert {r["task"] for r in records} == {"next-action"} and len(records) == 6
    assert all(r["output"] == r["plan"][0] for r in records)
    assert json.loads((suite / "manifest.json").read_text())["task"] == "next-action"

    for model, out in (("planner", tmp_path / "p"), ("random", tmp_path / "r")):
        done = run_cli("eval", "--model", model, "--suite", suite, "--out", out)
        assert done.returncode == 0, done.stderr
    planner = json.loads((tmp_path / "p" / "results.json").read_text())
    assert planner["task"] == "next-action" and planner["metrics"]["overall"]["correct"] == 1.0
    assert "NOT RIGHT: 0 of 6" in (tmp_path / "p" / "report.txt").read_text()

    # score reads the task from the file and agrees with the run
    done = run_cli("score", tmp_path / "r" / "predictions.jsonl", "--json")
    assert done.returncode == 0, done.stderr
    scored = json.loads(done.stdout)
    run = json.loads((tmp_path / "r" / "results.json").read_text())
    got = scored["overall"] if "overall" in scored else scored["files"][0]["overall"]
    assert got["correct"] == run["metrics"]["overall"]["correct"] and "valid" not in got

    # a plan suite's problems, asked the next action
    plans = tmp_path / "plans"
    assert run_cli("generate", "--level", "L2", "--n", "4", "--blocks", "4", "--out", plans).returncode == 0
    derived = tmp_path / "derived"
    done = run_cli("generate", "--task", "next-action", "--from", plans, "--out", derived)
    assert done.returncode == 0, done.stderr
    source = [json.loads(x) for x in (plans / "test.jsonl").read_text().splitlines()]
    made = [json.loads(x) for x in (derived / "test.jsonl").read_text().splitlines()]
    assert [(r["init"], r["goal"]) for r in made] == [(r["init"], r["goal"]) for r in source]
    assert json.loads((derived / "manifest.json").read_text())["derived_from"]["suite"] == str(plans)

    again = run_cli("generate", "--task", "next-action", "--from", derived, "--out", tmp_path / "x")
    assert again.returncode == 2 and "test.jsonl:1" in again.stderr and "next-action" in again.stderr
    drawn = run_cli("generate", "--task", "next-action", "--from", plans, "--n", "3", "--out", tmp_path / "y")
    assert drawn.returncode == 2 and drawn.stderr.startswith("error: --n:") and len(drawn.stderr.splitlines()) == 1
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()

    export = run_cli("export", "lm-eval", "--suite", suite, "--out", tmp_path / "lm")
    assert export.returncode == 2 and "next-action" in export.stderr and len(export.stderr.splitlines()) == 1
    assert not (tmp_path / "lm").exists()  # not plan prompts for a suite that asks something else

    mixed = run_cli("score", tmp_path / "r" / "predictions.jsonl", tmp_path / "plans" / "test.jsonl")
    assert mixed.returncode == 2 and "score each task's files apart" in mixed.stderr


def test_tasks_lists_every_task():
    from bwbench.tasks import all_tasks

    done = run_cli("tasks", env={"COLUMNS": "400"})  # wide enough that no row wraps
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if "│" in line]
    for t in all_tasks():
        [row] = [r for r in rows if r.split("│")[1].strip() == t.name]
        assert t.summary in row and row.split("│")[-2].strip() == t.primary
