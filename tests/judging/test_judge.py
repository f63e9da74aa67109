"""The judge: verdicts on whole completions, and agreement with unified-planning's plan validator."""

import random

import pytest
import unified_planning.shortcuts as up
from hypothesis import given
from hypothesis import strategies as st
from unified_planning.engines.results import FailedValidationReason
from unified_planning.plans import ActionInstance, SequentialPlan

from bwbench.judging.judge import judge
from bwbench.planning.planner import BwbenchPlanner
from bwbench.world import pddl
from bwbench.world.simulate import Status
from bwbench.world.state import Action, Op, State
from bwbench.world.text import render_plan

from ..conftest import random_state, reference_optimal

# <blue on green>, <red>  →  <blue>, <green on red>: the optimal plan has four steps and is unique.
INIT = State.of([("green", "blue"), ("red",)])
GOAL = State.of([("blue",), ("red", "green")])
GOLD = "Plan:\nstep 1: pick-up blue\nstep 2: stack blue on-top-of table\nstep 3: pick-up green\nstep 4: stack green on-top-of red"


def j(text, gold=GOLD, init=INIT, goal=GOAL):
    return judge(init, goal, text, gold)


def test_a_valid_optimal_plan_in_every_form():
    for text in (GOLD, GOLD.replace("\n", "\n\n  "), "(unstack blue green)\n(put-down blue)\n(pick-up green)\n(stack green red)",
                 "Here you go:\n1. Pick up the blue block\n2. put down blue\n3. pick up green\n4. stack green on red\nDone."):
        v = j(text)
        assert v.status is Status.VALID and v.optimal and v.executable and v.goal_share == 1.0, (text, v)
        assert v.optimal_len == 4 == reference_optimal(INIT, GOAL)[0] and v.prefix_share == 1.0
    assert j(GOLD).exact and j(GOLD).strict and j(GOLD).strict_valid
    assert j(GOLD.replace("\n", "  \n ")).exact  # whitespace does not matter to exact match
    pddl_form = j("(unstack blue green)\n(put-down blue)\n(pick-up green)\n(stack green red)")
    assert pddl_form.exact and not pddl_form.strict and not pddl_form.strict_valid  # exact: the gold plan's actions


def test_valid_but_longer_than_optimal():
    longer = GOLD + "\nstep 5: pick-up blue\nstep 6: stack blue on-top-of table"
    v = j(longer)
    assert v.valid and not v.optimal and v.plan_len == 6 and not v.exact


def test_each_failure_says_what_and_where():
    bad = j("Plan:\nstep 1: pick-up green\nstep 2: stack green on-top-of red")
    assert bad.status is Status.INVALID_STEP and bad.failed_step == 0 and bad.executed == 0
    assert bad.reason == "step 1 (pick-up green): green is not clear" and not bad.executable
    held = j("Plan:\nstep 1: pick-up blue")
    assert held.status is Status.HOLDING_AT_END and held.reason == "the hand still holds blue" and held.executable
    short = j("Plan:\nstep 1: pick-up blue\nstep 2: stack blue on-top-of table")
    assert short.status is Status.GOAL_NOT_REACHED and short.goal_share == 2 / 3
    assert "green is on the table, the goal puts it on red" in short.reason


def test_holes_and_cut_off_lines():
    hole = j("Plan:\nstep 1: pick-up blue\nstep 2: move blue down\nstep 3: pick-up green\nstep 4: stack green on-top-of red")
    assert hole.status is Status.PARSE_ERROR and hole.failed_step == 1 and hole.executed == 1
    assert "step 2 cannot be read: 'step 2: move blue down'" in hole.reason and hole.prefix_share == 1 / 2
    # A step that fails before the hole is the first failure.
    early = j("Plan:\nstep 1: pick-up green\nstep 2: ???\nstep 3: pick-up red")
    assert early.status is Status.INVALID_STEP and early.failed_step == 0
    cut = j(GOLD[:-2])  # "...stack green on-top-of r" → the last line still reads, with a wrong name
    assert cut.status is Status.INVALID_STEP and "r is not a block of this problem" in cut.reason
    cut = j(GOLD[:-9])  # "...stack green on-t": the last line cannot be read, and ends the plan
    assert cut.status is Status.HOLDING_AT_END and cut.plan_len == 3
    assert any("cut off" in n for n in cut.notes)
    done = j(GOLD + "\nstep 5: done!")
    assert done.status is Status.VALID and done.optimal and any("cannot be read" in n for n in done.notes)


def test_empty_and_unreadable_completions():
    for text in ("", "   \n", "Plan:", "Plan:\n</s>"):
        v = j(text)
        assert v.status is Status.EMPTY and v.plan_len == 0 and v.prefix_share == 0 and not v.executable
    assert j("Plan:").strict and not j("Plan:").strict_valid
    chatter = j("I think you should move the blocks around until it looks right.")
    assert chatter.status is Status.PARSE_ERROR and chatter.reason == "no plan steps found in the completion"
    first = j("step 1: shuffle everything")
    assert first.status is Status.PARSE_ERROR and first.failed_step == 0
    # A problem solved at start: the empty plan is valid and optimal; chatter is still not a plan.
    solved = judge(GOAL, GOAL, "Plan:", None)
    assert solved.status is Status.VALID and solved.optimal and solved.optimal_len == 0 and solved.exact is None
    assert judge(GOAL, GOAL, "no idea", None).status is Status.PARSE_ERROR


def test_strict_and_tolerant_are_reported_side_by_side():
    loose = j("1. pick-up blue\n2. stack blue on-top-of table\n3. pick-up green\n4. stack green on-top-of red")
    assert loose.valid and not loose.strict and not loose.strict_valid
    eos = j(GOLD + "</s>")
    assert eos.valid and eos.strict and not eos.strict_valid  # strict reading sees the block "red</s>"


def test_adversarial_completions_are_judged_not_crashed_on():
    huge = "Plan:\n" + "step 1: pick-up blue\n" * 300_000  # megabytes of a repeated line
    v = j(huge)
    assert v.status is Status.HOLDING_AT_END and v.plan_len == 1
    many = "\n".join(f"step {i}: pick-up blue\nstep {i}: stack blue on-top-of green" for i in range(1, 5000))
    assert j(many).status is Status.HOLDING_AT_END  # numbering restarts on the second line: one step
    steps = "".join(a + "\n" for a in ["(unstack blue green)", "(stack blue green)"] * 20_000)
    v = j(steps)
    assert v.status is Status.GOAL_NOT_REACHED and v.executed == v.plan_len > 1000
    noise = "".join(chr(c) for c in range(0, 0x250)) * 500
    assert j(noise).status in (Status.PARSE_ERROR, Status.INVALID_STEP)
    assert j("\x00Plan:\x1c\nstep 1:\x0b pick-up blue\x85").status is Status.HOLDING_AT_END


def test_verdicts_serialise():
    data = j(GOLD).to_json()
    assert data["status"] == "valid" and data["plan"][0] == "pick-up blue" and data["optimal"] is True
    assert data["n_blocks"] == 3 and data["optimal_len"] == 4 and data["exact"] is True


# ---------------------------------------------------------------- unified-planning cross-check

PALETTE = ["red", "blue", "green", "yellow", "white", "black", "gray", "pink"]


def _corrupt(rng: random.Random, plan: list[Action], blocks: list[str]) -> list[Action]:
    plan = list(plan)
    kind = rng.choice(["swap", "drop", "rename", "extra"])
    if kind == "swap" and len(plan) > 1:
        i, k = rng.sample(range(len(plan)), 2)
        plan[i], plan[k] = plan[k], plan[i]
    elif kind == "drop" and plan:  # one step, or the plan's tail
        at = rng.randrange(len(plan))
        del plan[at: at + 1 if rng.random() < 0.5 else len(plan)]
    elif kind == "rename" and plan:
        i = rng.randrange(len(plan))
        a = plan[i]
        others = [b for b in blocks if b != a.block]
        if a.target is not None and rng.random() < 0.5:
            plan[i] = Action(a.op, a.block, rng.choice([b for b in blocks if b != a.target]))
        else:
            plan[i] = Action(a.op, rng.choice(others), a.target)
    else:
        op = rng.choice(list(Op))
        extra = Action(op, rng.choice(blocks), rng.choice(blocks) if op in (Op.STACK, Op.UNSTACK) else None)
        plan.insert(rng.randrange(len(plan) + 1), extra)
    return plan


def _up_action(problem, op: str, *args: str) -> ActionInstance:
    return ActionInstance(problem.action(op), tuple(problem.object(a) for a in args))


def _resolve_nl_in_up(problem, text_plan: list[Action]) -> list[ActionInstance]:
    """What the seed's NL rendering of ``text_plan`` means, resolved in unified-planning's own states."""
    on = problem.fluent("on")
    on_table = problem.fluent("on-table")
    objs = list(problem.all_objects)
    out = []
    with up.SequentialSimulator(problem=problem) as sim:
        state = sim.get_initial_state()
        for a in text_plan:
            x = problem.object(a.block)
            if a.is_pick:  # "pick-up X": pick-up from the table, else unstack from what X is on
                under = next((y for y in objs if state.get_value(on(x, y)).bool_constant_value()), None)
                ai = (_up_action(problem, "pick-up", a.block) if under is None or state.get_value(on_table(x)).bool_constant_value()
                      else _up_action(problem, "unstack", a.block, under.name))
            elif a.op is Op.PUT_DOWN:
                ai = _up_action(problem, "put-down", a.block)
            else:
                ai = _up_action(problem, "stack", a.block, a.target)
            out.append(ai)
            if not sim.is_applicable(state, ai):
                break  # validity is settled at the first inapplicable step
            state = sim.apply(state, ai)
    return out


@pytest.mark.slow
def test_verdicts_agree_with_unified_planning_validator():
    """1,200 plans over random problems with 4-8 blocks, half corrupted, half as PDDL and half as the seed's NL."""
    up.get_environment().credits_stream = None
    rng = random.Random(20261127)
    validator = up.PlanValidator(name="sequential_plan_validator")
    seen = {Status.VALID: 0, Status.INVALID_STEP: 0, "goal": 0}
    for trial in range(1200):
        blocks = PALETTE[: rng.randint(4, 8)]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        plan = list(BwbenchPlanner().solve(init, goal).plan)
        if trial % 2:
            plan = _corrupt(rng, plan, blocks)
        problem = pddl.to_up_problem(init, goal)
        if trial % 4 < 2:
            text = "\n".join(a.pddl() for a in plan)
            ups = [_up_action(problem, a.op.value, *(x for x in (a.block, a.target) if x is not None)) for a in plan]
        else:
            text = render_plan(plan)
            ups = _resolve_nl_in_up(problem, plan)
        result = validator.validate(problem, SequentialPlan(ups))
        verdict = judge(init, goal, text)
        assert verdict.valid == bool(result.status), (text, verdict, result)
        final = result.trace[-1]  # the state after the executable prefix
        facts = [g for goal_exp in problem.goals for g in (goal_exp.args if goal_exp.is_and() else (goal_exp,))]
        satisfied = sum(final.get_value(g).bool_constant_value() for g in facts)
        assert verdict.goal_share == pytest.approx(satisfied / len(facts)), (text, verdict)
        if result.reason is FailedValidationReason.INAPPLICABLE_ACTION:
            assert verdict.status is Status.INVALID_STEP and verdict.failed_step == len(result.trace) - 1, (text, verdict)
            seen[Status.INVALID_STEP] += 1
        elif result.reason is FailedValidationReason.UNSATISFIED_GOALS:
            assert verdict.status in (Status.GOAL_NOT_REACHED, Status.HOLDING_AT_END) or (
                verdict.status is Status.EMPTY and not plan), (text, verdict)
            seen["goal"] += 1
        else:
            seen[Status.VALID] += 1
    assert min(seen.values()) >= 50, seen  # every outcome was exercised


@given(st.lists(st.sampled_from(["a", "b", "step", "1:", " ", "\n", "\t", "\u2003", "\x1c"]), max_size=60).map("".join),
       st.text(alphabet=st.sampled_from("ab \n\u2003"), max_size=40), st.integers(0, 2000))
def test_exact_match_is_equality_up_to_whitespace_for_completions_of_any_length(gold, tail, pad):
    """A long completion is compared word by word only as far as the gold plan goes: the same answer as
    comparing whole splits (Unicode whitespace included), without splitting megabytes of chatter."""
    from bwbench.judging.judge import same_words

    for text in (tail, gold + " " * pad + tail, gold + "\n" * pad):
        assert same_words(text, gold) == (text.split() == gold.split())
