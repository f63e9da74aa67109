"""Reading plans out of model output: the forms models really write, and properties of the parser."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwbench.benchmark.parse import MAX_CHARS, parse_completion
from bwbench.benchmark.planner import BwbenchPlanner
from bwbench.benchmark.state import Action, Op
from bwbench.benchmark.text import NLStep, parse_plan, render_plan, strict_steps

from .conftest import random_state

BLOCKS = {"red", "blue", "green", "yellow"}
PICK, STACK = NLStep("pick-up", "red"), NLStep("stack", "red", "blue")
SEED = "Plan:\nstep 1: pick-up red\nstep 2: stack red on-top-of blue"


@pytest.mark.parametrize("text, steps", [
    # the seed's own format, and the same with other case, spacing, no header
    (SEED, [PICK, STACK]),
    ("plan:\n  Step 1 :  PICK-UP Red\n\n\tSTEP 2: stack  red   on-top-of  BLUE  ", [PICK, STACK]),
    ("step 1: pick-up red\nstep 2: stack red on-top-of blue", [PICK, STACK]),
    ("Plan: step 1: pick-up red step 2: stack red on-top-of blue", [PICK, STACK]),
    # numbered or bulleted, in words, surrounded by chatter
    ("Sure! Here is the plan:\n\n1. Pick up the red block.\n2. Stack the red block on top of the blue block.\n"
     "This reaches the goal.", [PICK, STACK]),
    ("- pick up red\n- put red on blue", [PICK, STACK]),
    ("**Step 1:** pick-up `red`\n**Step 2:** stack <red> on-top-of <blue>", [PICK, STACK]),
    ("1) pickup red\n2) place red onto blue", [PICK, STACK]),
    # PDDL actions and the four operators in words
    ("(unstack red blue)\n(put-down red)", [Action(Op.UNSTACK, "red", "blue"), Action(Op.PUT_DOWN, "red")]),
    ("(PICK-UP red) (STACK red blue)", [Action(Op.PICK_UP, "red"), Action(Op.STACK, "red", "blue")]),
    ("1. unstack red from blue\n2. put down red\n3. pick up green from the table\n4. put green down",
     [Action(Op.UNSTACK, "red", "blue"), Action(Op.PUT_DOWN, "red"), Action(Op.PICK_UP, "green"),
      Action(Op.PUT_DOWN, "green")]),
    ("unstack red blue\nstack red green", [Action(Op.UNSTACK, "red", "blue"), NLStep("stack", "red", "green")]),
    ("stack red on-top-of table (to clear blue)", [NLStep("stack", "red", "table")]),
    ("Put the red block on the table.", [NLStep("stack", "red", "table")]),
    # end tokens, repeats, a second plan
    (SEED + "</s>\nstep 3: pick-up green", [PICK, STACK]),
    (SEED + "<|eot_id|>", [PICK, STACK]),
    (SEED + "\nstep 1: pick-up red\nstep 2: stack red on-top-of blue", [PICK, STACK]),
    (SEED + "\n\nPlan:\nstep 1: pick-up green", [PICK, STACK]),
])
def test_forms_models_write(text, steps):
    assert list(parse_completion(text, BLOCKS).steps) == steps


def test_strict_mode_is_the_seed_format_exactly():
    assert parse_completion(SEED, BLOCKS).strict_steps == (PICK, STACK)
    for loose in ("step 1: pick-up red", "Plan:\n1. pick-up red", "Plan:\nstep 1: pick up red",
                  "Plan:\nstep 2: pick-up red", "Plan:\n(pick-up red)"):
        assert parse_completion(loose, BLOCKS).strict_steps is None, loose
    # An end token is text to the strict reading (so that plan fails in strict mode), not to the tolerant one.
    eos = parse_completion(SEED + "</s>", BLOCKS)
    assert eos.strict_steps[-1] == NLStep("stack", "red", "blue</s>") and eos.steps == (PICK, STACK)
    # Strict reading keeps names as written; the tolerant one matches them to the problem's blocks.
    upper = parse_completion("Plan:\nstep 1: pick-up Red", BLOCKS)
    assert upper.strict_steps == (NLStep("pick-up", "Red"),) and upper.steps == (PICK,)


def test_what_cannot_be_read_is_recorded_with_its_position():
    hole = parse_completion("Plan:\nstep 1: pick-up red\nstep 2: move red to blue\nstep 3: pick-up green", BLOCKS)
    assert hole.steps == (PICK, NLStep("pick-up", "green")) and hole.unreadable == ((1, "step 2: move red to blue"),)
    cut = parse_completion("Plan:\nstep 1: pick-up red\nstep 2: stack red on-top-o", BLOCKS)
    assert cut.steps == (PICK,) and cut.unreadable == ((1, "step 2: stack red on-top-o"),)
    chatter = parse_completion("I cannot help with that.\nThe blocks are heavy.", BLOCKS)
    assert chatter.steps == () and not chatter.blank and "skipped 2 lines" in chatter.notes[-1]
    assert parse_completion("  \n Plan:\n</s>", BLOCKS).blank


def test_huge_completions_are_read_within_a_bound():
    huge = "Plan:\n" + "".join(f"step {i}: pick-up red\n" for i in range(1, 200_000))
    parsed = parse_completion(huge, BLOCKS)
    assert any("first 65,536 characters" in n for n in parsed.notes)
    assert 0 < len(parsed.steps) < MAX_CHARS // 10


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises_on_any_text(text):
    parsed = parse_completion(text, BLOCKS)
    assert all(isinstance(s, (Action, NLStep)) for s in parsed.steps)
    parse_completion(text)


_FRAGMENTS = st.sampled_from([
    "Plan:", "step 1:", "step 2:", "Step 10 :", "1.", "2)", "- ", "* ", "**", "(", ")", "pick-up", "pick up", "unstack",
    "put down", "put", "stack", "on-top-of", "on top of", "onto", "from", "the", "block", "table", "red", "Blue",
    "<green>", "`yellow`", "</s>", "<|im_end|>", "\n", " ", "\t", "\x00", "\x1c", "\u2028", ".", "#", "(unstack red blue)",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=60))
def test_parser_never_raises_on_plan_like_text(parts):
    parse_completion(" ".join(parts), BLOCKS)
    parse_completion("".join(parts), None)


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(2, 8))
def test_rendering_then_parsing_is_the_identity(rng, n):
    blocks = ["red", "blue", "green", "yellow", "white", "black", "gray", "pink"][:n]
    init, goal = random_state(rng, blocks), random_state(rng, blocks)
    plan = BwbenchPlanner().solve(init, goal).plan
    nl = [NLStep("pick-up", a.block) if a.is_pick else NLStep("stack", a.block, a.target or "table") for a in plan]
    assert list(parse_completion(render_plan(plan), blocks).steps) == nl
    assert list(parse_completion(render_plan(plan), blocks).strict_steps) == nl
    assert list(parse_completion("\n".join(a.pddl() for a in plan), blocks).steps) == list(plan)


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False), st.lists(st.sampled_from(["", " ", "\n", "\t", "x", "Plan:", "step 3:"]),
                                                    max_size=3))
def test_strict_fast_path_agrees_with_the_explained_reading(rng, noise):
    """strict_steps (the fast path) accepts exactly what parse_plan accepts, with the same steps."""
    lines = ["Plan:"] + [f"step {i}: " + rng.choice(["pick-up red", "stack red on-top-of blue"]) for i in range(1, 5)]
    text = "\n".join(lines)
    for piece in noise:  # insert noise somewhere
        at = rng.randrange(len(text) + 1)
        text = text[:at] + piece + text[at:]
    fast = strict_steps(text)
    try:
        slow = parse_plan(text)
    except ValueError:
        slow = None
    assert fast == slow


def test_parse_plan_explains_where_the_format_breaks():
    with pytest.raises(ValueError, match="step 2 is not in the seed's format: 'foo'"):
        parse_plan("Plan:\nstep 1: pick-up red\nfoo")
    with pytest.raises(ValueError, match="does not start with 'Plan:'"):
        parse_plan("step 1: pick-up red")


def test_names_follow_the_problem_case():
    for text in ("pick up RED", "pick-up red", "Plan:\nstep 1: pick-up red"):
        assert parse_completion(text, {"Red", "blue"}).steps == (NLStep("pick-up", "Red"),), text
